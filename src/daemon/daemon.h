// The daemon skeleton shared by rcptguard's daemons (`milter`, and `serve` to
// come): a small supervisor process keeps the pid file, checks a new
// configuration before any serving process sees it, turns SIGHUP into a
// reload, stops on SIGTERM/SIGINT, and starts a new serving process if one
// dies. The serving process is told to reload with SIGUSR1 (libmilter stops on
// SIGHUP itself), and ends itself (SIGTERM) if the supervisor is killed.
//
// The supervisor never parses the configuration on its own path: a parser
// that crashes or hangs on a hostile file must not take the process that
// keeps the listener alive with it. Every check runs in a short-lived child
// (CheckInChild); only after it succeeds is the serving process asked to load
// the file, and a failed check keeps the running configuration.
#ifndef RCPTGUARD_DAEMON_DAEMON_H_
#define RCPTGUARD_DAEMON_DAEMON_H_

#include <chrono>
#include <functional>
#include <string>

#include "platform/logger.h"
#include "rcptguard/result.h"

namespace rcptguard {

// How long a configuration check may take before it is killed and counted as
// failed (a parser that hangs is as bad as one that crashes).
inline constexpr std::chrono::seconds kConfigCheckTimeout{60};

// Runs `check` in a forked child and returns what it returned: its success
// text, or its error. A child that dies by a signal, exits without a word or
// outlives `timeout` is an error (kConfig) that says so, naming `where` (the
// configuration file, if known). The calling process
// runs nothing of `check`, so nothing in it can crash the caller. Call it
// from a process with one thread (the child of a multi-threaded process may
// find a lock held by a thread that did not follow it).
Result<std::string> CheckInChild(const std::function<Result<std::string>()>& check,
                                 const std::string& where = {},
                                 std::chrono::seconds timeout = kConfigCheckTimeout);

struct DaemonOptions {
  std::string name = "daemon";  // "milter": log lines say "milter process"
  std::string pid_file;         // empty: none
  std::string config_path;      // named when a check crashes (empty: unknown)
  // Checks the configuration as the serving process would load it; run in a
  // child (CheckInChild) before each reload and before each new serving
  // process. The success text goes to the log.
  std::function<Result<std::string>()> check;
  // The serving process: loads the configuration, serves until SIGTERM,
  // reloads on SIGUSR1 (see StartReloadThread), returns its exit status. Runs
  // in a child of the supervisor with SIGHUP, SIGTERM and SIGINT blocked, so
  // that every thread it starts inherits the mask: it takes them with sigwait
  // (libmilter's signal thread does), and a SIGTERM that comes early waits.
  std::function<int()> serve;
};

// Supervises `options.serve` until SIGTERM or SIGINT (returns EX_OK) or until
// the serving process exits on its own (returns its status, EX_SOFTWARE for
// 0: starting it again would fail the same way). Writes the pid file first
// and removes it at the end. Blocks SIGHUP, SIGTERM, SIGINT and SIGCHLD in the
// calling thread; call it from a process with one thread.
int RunDaemon(const DaemonOptions& options, Logger& logger);

// In the serving process: blocks SIGUSR1 in the calling thread (call it before
// any other thread is started, so that they inherit the mask) and starts a
// thread that calls `reload` on each SIGUSR1.
void StartReloadThread(std::function<void()> reload);

// In the serving process, again after a change of user or group (which clears
// the request): SIGTERM when the supervisor dies. Returns false if it is
// already gone: the caller then stops.
bool WatchSupervisor();

}  // namespace rcptguard

#endif  // RCPTGUARD_DAEMON_DAEMON_H_
