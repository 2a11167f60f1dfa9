// `rcptguard milter`: the flags, then a hand-off to the daemon skeleton (src/daemon/daemon.h)
// that supervises the milter's serving process (src/milter/milter_process.h), the way
// Postfix's main() hands off to single_server_main.
#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "daemon/daemon.h"
#include "milter/milter_process.h"
#include "platform/library_versions.h"
#include "platform/logger.h"

namespace rcptguard {
namespace {

struct MilterCommandOptions {
  MilterProcessOptions process;
  bool foreground = false;
  bool check_only = false;
  bool version = false;
  std::string pid_file;
  std::string log;  // --log; empty: syslog, or stderr with -f
  std::string log_facility = "mail";
  std::string log_ident = "rcptguard";
};

// The daemon runs in / and SIGHUP reads the files again: paths are made absolute.
void MakeAbsolute(std::string& path) {
  if (!path.empty() && path.front() != '/') path = std::filesystem::absolute(path).string();
}

int RunMilterCommand(MilterCommandOptions options) {
  if (options.version) {
    std::fputs(VersionReport(RCPTGUARD_VERSION).c_str(), stdout);
    return EX_OK;
  }
  MilterProcessOptions& process = options.process;
  process.resolve_store = ResolveStoreOptions;
  MakeAbsolute(process.config.path);
  for (std::string& file : process.config.trusted_files) MakeAbsolute(file);
  MakeAbsolute(process.hold_directory);
  MakeAbsolute(options.pid_file);
  auto sink =
      ParseLogSink(options.log.empty() ? (options.foreground ? "stderr" : "syslog") : options.log);
  auto facility = ParseLogFacility(options.log_facility);
  if (!sink || !facility) {
    ReportError("milter", !sink ? "--log must be syslog, stderr or json"
                                : "unknown --log-facility '" + options.log_facility + "'");
    return EX_USAGE;  // 64, as a bad flag is
  }
  // In a child: a file that crashes the parser is an error, not a crash here.
  auto checked = CheckInChild([&] { return CheckMilterConfiguration(process, options.check_only); },
                              process.config.path);
  if (!checked) {
    ReportError("milter", checked.error().ToString());
    return EX_CONFIG;
  }
  if (options.check_only) {
    std::printf("rcptguard milter: %s\n", checked->c_str());
    return EX_OK;
  }
  Logger logger(*sink, options.log_ident, *facility);
  if (!options.foreground && daemon(0, 0) != 0) {
    ReportError("milter", "cannot run in the background");
    return EX_OSERR;
  }
  logger.Info("starting: " + *checked);
  DaemonOptions daemon_options;
  daemon_options.name = "milter";
  daemon_options.pid_file = options.pid_file;
  daemon_options.config_path = process.config.path;
  daemon_options.check = [&] { return CheckMilterConfiguration(process, false); };
  daemon_options.serve = [&] { return RunMilterProcess(process, logger); };
  return RunDaemon(daemon_options, logger);
}

}  // namespace

CommandRunner AddMilterCommand(CLI::App& app) {
  auto options = std::make_shared<MilterCommandOptions>();
  MilterProcessOptions& process = options->process;
  CLI::App* milter = app.add_subcommand("milter", "Run the milter daemon in front of Postfix");
  milter->add_option("-c,--config", process.config.path,
                     "Configuration file (default /etc/rcptguard/rcptguard.toml if present)");
  milter
      ->add_option("--trusted-file", process.config.trusted_files,
                   "Expected domains, one per line; repeatable")
      ->allow_extra_args(false);
  milter->add_flag("-f,--foreground", options->foreground, "Stay in the foreground");
  milter->add_flag("-n,--check-config", options->check_only,
                   "Check the configuration, socket, store and files, and exit");
  milter->add_option("-p,--socket", process.socket,
                     "unix:/path, inet:port@host or inet6:port@host (default: [milter] socket)");
  milter->add_option("-P,--pid-file", options->pid_file, "Write the supervisor's process id here");
  milter->add_option("-u,--user", process.user,
                     "Once the socket is open, give it to this user and run as it (and its group)");
  milter->add_option("--socket-group", process.socket_group,
                     "Group of the unix socket (the MTA's, e.g. postfix; default: -u's group)");
  milter->add_option("--store", process.store, "History store URL, overriding [history] store");
  milter->add_option("--hold-directory", process.hold_directory,
                     "Where held messages' records go, overriding [milter] hold_directory");
  milter->add_option("--log", options->log,
                     "Where log lines go: syslog, stderr or json (JSON lines on stderr); default "
                     "syslog, stderr with -f");
  milter->add_option("--log-facility", options->log_facility,
                     "syslog facility: mail (default), daemon, user, local0 ... local7");
  milter->add_option("--log-ident", options->log_ident,
                     "syslog ident and stderr prefix (default rcptguard)");
  milter->add_flag("-V", options->version, "Print the version and the libraries', and exit");
  return [options] { return RunMilterCommand(*options); };
}

}  // namespace rcptguard
