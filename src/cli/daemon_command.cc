#include "cli/daemon_command.h"

#include <sysexits.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "daemon/daemon.h"
#include "platform/library_versions.h"

namespace rcptguard {

void AddDaemonFlags(CLI::App* command, const std::string& check_help,
                    DaemonCommandOptions* options) {
  command->add_flag("-f,--foreground", options->foreground, "Stay in the foreground");
  command->add_flag("-n,--check-config", options->check_only, check_help);
  command->add_option("-P,--pid-file", options->pid_file, "Write the supervisor's process id here");
  command->add_option("--log", options->log,
                      "Where log lines go: syslog, stderr or json (JSON lines on stderr); default "
                      "syslog, stderr with -f");
  command->add_option("--log-facility", options->log_facility,
                      "syslog facility: mail (default), daemon, user, local0 ... local7");
  command->add_option("--log-ident", options->log_ident,
                      "syslog ident and stderr prefix (default rcptguard)");
  command->add_flag("-V", options->version, "Print the version and the libraries', and exit");
}

void MakeAbsolute(std::string& path) {
  if (!path.empty() && path.front() != '/') path = std::filesystem::absolute(path).string();
}

int RunDaemonCommand(const DaemonCommandOptions& options, const DaemonCommand& command) {
  if (options.version) {
    std::fputs(VersionReport(RCPTGUARD_VERSION).c_str(), stdout);
    return EX_OK;
  }
  std::string pid_file = options.pid_file;
  MakeAbsolute(pid_file);
  auto sink =
      ParseLogSink(options.log.empty() ? (options.foreground ? "stderr" : "syslog") : options.log);
  auto facility = ParseLogFacility(options.log_facility);
  if (!sink || !facility) {
    ReportError(command.name, !sink ? "--log must be syslog, stderr or json"
                                    : "unknown --log-facility '" + options.log_facility + "'");
    return EX_USAGE;  // 64, as a bad flag is
  }
  auto checked =
      CheckInChild([&] { return command.check(options.check_only); }, command.config_path);
  if (!checked) {
    ReportError(command.name, checked.error().ToString());
    return EX_CONFIG;
  }
  if (options.check_only) {
    std::printf("rcptguard %s: %s\n", command.name.c_str(), checked->c_str());
    return EX_OK;
  }
  Logger logger(*sink, options.log_ident, *facility);
  if (!options.foreground && daemon(0, 0) != 0) {
    ReportError(command.name, "cannot run in the background");
    return EX_OSERR;
  }
  logger.Info("starting: " + *checked);
  DaemonOptions daemon_options;
  daemon_options.name = command.name;
  daemon_options.pid_file = pid_file;
  daemon_options.config_path = command.config_path;
  daemon_options.check = [&] { return command.check(false); };
  daemon_options.serve = [&] { return command.serve(logger); };
  return RunDaemon(daemon_options, logger);
}

}  // namespace rcptguard
