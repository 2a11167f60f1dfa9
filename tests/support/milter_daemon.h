// `rcptguard milter -f` under test: the real binary in its own temporary
// folder on a unix socket, its log, and miltertest scripts against it.
// Needs RCPTGUARD_BINARY and RCPTGUARD_SOURCE_DIR defined by the build.
#ifndef RCPTGUARD_TESTS_SUPPORT_MILTER_DAEMON_H_
#define RCPTGUARD_TESTS_SUPPORT_MILTER_DAEMON_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "support/test_helpers.h"

namespace rcptguard::testing_support {

// The daemon under test, in its own temporary folder.
class MilterDaemon {
 public:
  MilterDaemon() {
    char pattern[] = "/tmp/rcptguard-milter-test.XXXXXX";
    dir_ = mkdtemp(pattern);
    socket_ = dir_ + "/milter.sock";
  }
  ~MilterDaemon() {
    Stop();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Log() const { return ReadAll(Path("daemon.log")); }

  // Starts `rcptguard milter -f` with `args`; returns once it listens.
  ::testing::AssertionResult Start(const std::vector<std::string>& args) {
    pid_ = fork();
    if (pid_ == 0) {
      std::string log = Path("daemon.log");
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      std::vector<std::string> argv = {
          "rcptguard", "milter", "-f", "-p", "unix:" + socket_, "-P", Path("milter.pid")};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c_argv;
      for (std::string& arg : argv) c_argv.push_back(arg.data());
      c_argv.push_back(nullptr);
      execv(RCPTGUARD_BINARY, c_argv.data());
      _exit(127);
    }
    bool listening = WaitFor([&] {
      struct stat info;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return true;  // died: reported below
      }
      return stat(socket_.c_str(), &info) == 0 && S_ISSOCK(info.st_mode) &&
             Log().find("listening on") != std::string::npos;
    });
    if (pid_ < 0) return ::testing::AssertionFailure() << "the daemon exited: " << Log();
    if (!listening) return ::testing::AssertionFailure() << "the daemon never listened: " << Log();
    return ::testing::AssertionSuccess();
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  pid_t pid() const { return pid_; }
  const std::string& socket() const { return socket_; }

  // Runs a miltertest script with variables; returns its exit status (0: the
  // script's expectations held) and keeps its output for messages.
  int Script(const std::string& script, const std::map<std::string, std::string>& vars) {
    std::string command = "miltertest -D socket=unix:" + socket_;
    for (const auto& [name, value] : vars) command += " -D '" + name + "=" + value + "'";
    command += " -s " + std::string(RCPTGUARD_SOURCE_DIR) + "/tests/milter/" + script + " > " +
               Path("script.out") + " 2>&1";
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string ScriptOutput() const { return ReadAll(Path("script.out")); }

  // Counts the lines of the daemon's log that contain `text`.
  size_t LogCount(const std::string& text) const {
    std::string log = Log();
    size_t count = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
    return count;
  }

 private:
  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
};
}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_MILTER_DAEMON_H_
