// fork/exec with pipes for the helper programs rcptguard drives.
#include "platform/subprocess.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>

namespace rcptguard {
namespace {

// Reads both pipes to the end without letting either fill up and block the child.
void Drain(int out_fd, int err_fd, std::string* out, std::string* err) {
  char buffer[8192];
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    fd_set fds;
    FD_ZERO(&fds);
    if (out_open) FD_SET(out_fd, &fds);
    if (err_open) FD_SET(err_fd, &fds);
    if (select(std::max(out_fd, err_fd) + 1, &fds, nullptr, nullptr, nullptr) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (auto [fd, open, sink] :
         {std::tuple{out_fd, &out_open, out}, std::tuple{err_fd, &err_open, err}}) {
      if (!*open || !FD_ISSET(fd, &fds)) continue;
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n > 0) {
        sink->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        *open = false;
      }
    }
  }
}

}  // namespace

Result<std::string> RunAndCapture(const std::vector<std::string>& argv) {
  if (argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) return MakeError(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    std::vector<char*> c_argv;
    for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
    c_argv.push_back(nullptr);
    execvp(c_argv[0], c_argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", c_argv[0], std::strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  std::string out, err;
  Drain(out_pipe[0], err_pipe[0], &out, &err);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string first_line = err.substr(0, err.find('\n'));
    return MakeError(ErrorCode::kIo,
                     argv[0] + " failed (exit status " +
                         std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")" +
                         (first_line.empty() ? "" : ": " + first_line));
  }
  return out;
}

}  // namespace rcptguard
