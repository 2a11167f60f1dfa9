// The supervisor, the configuration check in a child, the reload thread and
// the parent watch (see daemon.h).
#include "daemon/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>

#include "platform/process.h"

namespace rcptguard {
namespace {

// The supervisor's pid, for WatchSupervisor in its children.
pid_t g_supervisor = 0;

sigset_t SignalSet(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) sigaddset(&set, signal);
  return set;
}

// The check's answer on the pipe: '+' and the success text, or '-', the
// error code, a newline, where, a newline, and the message.
std::string EncodeAnswer(const Result<std::string>& answer) {
  if (answer) return "+" + *answer;
  const Error& error = answer.error();
  return "-" + std::to_string(static_cast<int>(error.code)) + "\n" + error.where + "\n" +
         error.message;
}

Result<std::string> DecodeAnswer(const std::string& text) {
  if (!text.empty() && text[0] == '+') return text.substr(1);
  size_t first = text.find('\n');
  size_t second = first == std::string::npos ? first : text.find('\n', first + 1);
  if (text.empty() || text[0] != '-' || second == std::string::npos) {
    return MakeError(ErrorCode::kInternal, "the configuration check gave no readable answer");
  }
  Error error;
  error.code = static_cast<ErrorCode>(std::atoi(text.substr(1, first - 1).c_str()));
  error.where = text.substr(first + 1, second - first - 1);
  error.message = text.substr(second + 1);
  return Unexpected(std::move(error));
}

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t written = write(fd, text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    done += static_cast<size_t>(written);
  }
}

// Reads `fd` to its end or until `deadline`; false on timeout.
bool ReadUntilEnd(int fd, std::chrono::steady_clock::time_point deadline, std::string* out) {
  char buffer[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{fd, POLLIN, 0};
    int ready = poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return ready == 0 ? false : true;
    ssize_t got = read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return true;
    out->append(buffer, static_cast<size_t>(got));
  }
}

Failure CheckFailed(const std::string& where, const std::string& why) {
  return MakeError(ErrorCode::kConfig, "the configuration check " + why, where);
}

// Waits for SIGHUP (true: check again) or SIGTERM/SIGINT (false: stop).
bool WaitForHangup(const sigset_t& handled) {
  while (true) {
    int signal = 0;
    if (sigwait(&handled, &signal) != 0) continue;
    if (signal == SIGHUP) return true;
    if (signal == SIGTERM || signal == SIGINT) return false;
  }
}

}  // namespace

Result<std::string> CheckInChild(const std::function<Result<std::string>()>& check,
                                 const std::string& where, std::chrono::seconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kIo, std::string("cannot start the configuration check: pipe: ") +
                                         std::strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    return MakeError(ErrorCode::kIo, std::string("cannot start the configuration check: fork: ") +
                                         std::strerror(saved));
  }
  if (pid == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the one waiting for the answer
    std::string answer;
    try {
      answer = EncodeAnswer(check());
    } catch (const std::exception& error) {
      answer = EncodeAnswer(MakeError(ErrorCode::kInternal, error.what()));
    }
    WriteAll(fds[1], answer);
    // _exit: nothing of the parent's state (libmilter, buffered output,
    // atexit handlers) runs twice.
    _exit(0);
  }
  close(fds[1]);
  std::string answer;
  bool ended = ReadUntilEnd(fds[0], std::chrono::steady_clock::now() + timeout, &answer);
  close(fds[0]);
  if (!ended) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!ended) {
    return CheckFailed(
        where, "took longer than " + std::to_string(timeout.count()) + " s and was stopped");
  }
  if (WIFSIGNALED(status)) {
    return CheckFailed(where, "crashed (signal " + std::to_string(WTERMSIG(status)) + ", " +
                                  strsignal(WTERMSIG(status)) + ")");
  }
  if (answer.empty()) {
    return CheckFailed(
        where, "ended without an answer (exit " + std::to_string(WEXITSTATUS(status)) + ")");
  }
  return DecodeAnswer(answer);
}

int RunDaemon(const DaemonOptions& options, Logger& logger) {
  g_supervisor = getpid();
  sigset_t handled = SignalSet({SIGHUP, SIGTERM, SIGINT, SIGCHLD});
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  if (!options.pid_file.empty()) {
    if (auto written = WritePidFile(options.pid_file); !written) {
      logger.Error(written.error().ToString());
      return EX_CANTCREAT;
    }
  }
  auto finish = [&](int status) {
    if (!options.pid_file.empty()) unlink(options.pid_file.c_str());
    return status;
  };
  const std::string process = options.name + " process";
  int quick_deaths = 0;  // serving processes in a row that died within a minute
  bool first = true;
  while (true) {
    // The first serving process starts on the caller's check; each later one
    // only once a check in a child has passed, so that a file that crashes the
    // parser cannot crash the supervisor nor loop a crashing child.
    while (!first) {
      auto checked = CheckInChild(options.check, options.config_path);
      if (checked) break;
      logger.Error("cannot start a new " + process + ": " + checked.error().ToString() +
                   "; fix the configuration and send SIGHUP");
      if (!WaitForHangup(handled)) {
        logger.Info("stopped");
        return finish(EX_OK);
      }
    }
    first = false;
    auto started = std::chrono::steady_clock::now();
    pid_t child = fork();
    if (child < 0) {
      logger.Error("cannot start the " + process + ": " + std::strerror(errno));
      return finish(EX_OSERR);
    }
    if (child == 0) {
      // Stop signals stay blocked in every thread the serving process starts,
      // so that none of them dies of one: the serving process takes them with
      // sigwait (libmilter's signal thread does), and stops cleanly.
      sigset_t stops = SignalSet({SIGHUP, SIGTERM, SIGINT});
      pthread_sigmask(SIG_SETMASK, &stops, nullptr);
      if (!WatchSupervisor()) _exit(EX_OK);
      std::exit(options.serve());
    }
    while (true) {
      int signal = 0;
      if (sigwait(&handled, &signal) != 0) continue;
      if (signal == SIGHUP) {
        // A file that fails the check, however it fails, never reaches the
        // serving process.
        auto checked = CheckInChild(options.check, options.config_path);
        if (!checked) {
          logger.Error("reload failed, keeping the running configuration: " +
                       checked.error().ToString());
          continue;
        }
        kill(child, SIGUSR1);
        continue;
      }
      if (signal == SIGTERM || signal == SIGINT) {
        kill(child, SIGTERM);
        int status = 0;
        waitpid(child, &status, 0);
        logger.Info("stopped");
        return finish(EX_OK);
      }
      int status = 0;
      if (waitpid(child, &status, WNOHANG) != child) continue;  // a check's SIGCHLD
      if (WIFEXITED(status)) {
        // It stopped on its own (it cannot listen, for one): starting it
        // again would fail the same way.
        return finish(WEXITSTATUS(status) == EX_OK ? EX_SOFTWARE : WEXITSTATUS(status));
      }
      logger.Error(process + " died (signal " + std::to_string(WTERMSIG(status)) +
                   "); starting a new one");
      break;
    }
    // While nothing listens, the MTA answers tempfail (milter_default_action =
    // tempfail) and senders retry: nothing is lost. A process that dies at
    // once, again and again, is not restarted in a tight loop.
    bool quick = std::chrono::steady_clock::now() - started < std::chrono::minutes(1);
    quick_deaths = quick ? quick_deaths + 1 : 0;
    if (quick_deaths > 5) {
      timespec pause = {1, 0};
      sigset_t child_set = SignalSet({SIGCHLD});
      sigtimedwait(&child_set, nullptr, &pause);
    }
  }
}

void StartReloadThread(std::function<void()> reload) {
  sigset_t reload_set = SignalSet({SIGUSR1});
  pthread_sigmask(SIG_BLOCK, &reload_set, nullptr);
  std::thread([reload = std::move(reload), reload_set] {
    while (true) {
      int signal = 0;
      if (sigwait(&reload_set, &signal) == 0) reload();
    }
  }).detach();
}

bool WatchSupervisor() { return AskForParentDeathSignal(SIGTERM, g_supervisor); }

}  // namespace rcptguard
