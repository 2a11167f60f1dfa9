// What `rcptguard milter` and `rcptguard serve` share between their flags and
// the daemon skeleton (src/daemon/daemon.h): -f, -n, -P, --log*, -V, the
// configuration checked in a child, going to the background and the hand-off.
#ifndef RCPTGUARD_CLI_DAEMON_COMMAND_H_
#define RCPTGUARD_CLI_DAEMON_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "platform/logger.h"
#include "rcptguard/result.h"

namespace rcptguard {

struct DaemonCommandOptions {
  bool foreground = false;
  bool check_only = false;
  bool version = false;
  std::string pid_file;
  std::string log;  // --log; empty: syslog, or stderr with -f
  std::string log_facility = "mail";
  std::string log_ident = "rcptguard";
};

// Adds -f, -n (described by `check_help`), -P, --log, --log-facility,
// --log-ident and -V to `command`.
void AddDaemonFlags(CLI::App* command, const std::string& check_help,
                    DaemonCommandOptions* options);

// The daemon runs in / and SIGHUP reads the files again: paths are made absolute.
void MakeAbsolute(std::string& path);

struct DaemonCommand {
  std::string name;         // "milter": error messages and the daemon's name
  std::string config_path;  // absolute, or empty
  // Checks the configuration and the resources it names (deep: open the
  // socket, the store ...); returns the summary printed by -n and logged at start.
  std::function<Result<std::string>(bool deep)> check;
  // Serves until told to stop; returns the exit status.
  std::function<int(Logger&)> serve;
};

// -V, then the configuration checked in a child (a file that crashes the
// parser is an error, not a crash of the daemon), -n, the logger, the
// background and RunDaemon. Returns the exit status (sysexits.h).
int RunDaemonCommand(const DaemonCommandOptions& options, const DaemonCommand& command);

}  // namespace rcptguard

#endif  // RCPTGUARD_CLI_DAEMON_COMMAND_H_
