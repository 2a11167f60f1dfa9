// fork/exec with pipes for the helper programs rcptguard drives.
#include "platform/subprocess.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>

namespace rcptguard {
namespace {

// Reads both pipes to the end without letting either fill up and block the
// child, while writing `input` to in_fd (-1: none), which it closes when done.
void Drain(int in_fd, std::string_view input, int out_fd, int err_fd, std::string* out,
           std::string* err) {
  char buffer[8192];
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    fd_set fds, write_fds;
    FD_ZERO(&fds);
    FD_ZERO(&write_fds);
    if (out_open) FD_SET(out_fd, &fds);
    if (err_open) FD_SET(err_fd, &fds);
    if (in_fd >= 0) FD_SET(in_fd, &write_fds);
    int top = std::max({out_fd, err_fd, in_fd});
    if (select(top + 1, &fds, &write_fds, nullptr, nullptr) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_fd >= 0 && FD_ISSET(in_fd, &write_fds)) {
      ssize_t n = input.empty() ? 0 : write(in_fd, input.data(), input.size());
      if (n > 0) input.remove_prefix(static_cast<size_t>(n));
      if (input.empty() || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        close(in_fd);  // end of input for the child (or it stopped reading)
        in_fd = -1;
      }
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
  if (in_fd >= 0) close(in_fd);
}

}  // namespace

Result<std::string> RunAndCapture(const std::vector<std::string>& argv) {
  return RunWithInput(argv, std::nullopt);
}

Result<std::string> RunWithInput(const std::vector<std::string>& argv,
                                 std::optional<std::string_view> input) {
  if (argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  int out_pipe[2], err_pipe[2], in_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (input && pipe2(in_pipe, O_CLOEXEC) != 0)) {
    return MakeError(ErrorCode::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) return MakeError(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (input) dup2(in_pipe[0], STDIN_FILENO);
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
  if (input) {
    close(in_pipe[0]);
    fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  }
  std::string out, err;
  // A child that exits before reading all its input must not kill us with
  // SIGPIPE: block it in this thread while writing, and take away a pending one.
  sigset_t pipe_signal, previous;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  if (input) pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  Drain(in_pipe[1], input.value_or(std::string_view()), out_pipe[0], err_pipe[0], &out, &err);
  if (input) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_signal, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
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
