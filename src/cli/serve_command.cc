// `rcptguard serve`: the flags, then a hand-off to the daemon skeleton
// (src/daemon/daemon.h) that supervises the HTTP API's serving process
// (src/serve/serve_process.h), as `rcptguard milter` does for the milter.
#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "daemon/daemon.h"
#include "platform/library_versions.h"
#include "platform/logger.h"
#include "quarantine/confirm_link.h"
#include "serve/serve_process.h"

namespace rcptguard {
namespace {

struct ServeCommandOptions {
  ServeProcessOptions process;
  bool foreground = false;
  bool check_only = false;
  bool version = false;
  bool create_link_key = false;
  std::string pid_file;
  std::string log;  // --log; empty: syslog, or stderr with -f
  std::string log_facility = "mail";
  std::string log_ident = "rcptguard";
};

// The daemon runs in / and SIGHUP reads the files again: paths are made absolute.
void MakeAbsolute(std::string& path) {
  if (!path.empty() && path.front() != '/') path = std::filesystem::absolute(path).string();
}

int RunServeCommand(ServeCommandOptions options) {
  if (options.version) {
    std::fputs(VersionReport(RCPTGUARD_VERSION).c_str(), stdout);
    return EX_OK;
  }
  ServeProcessOptions& process = options.process;
  process.resolve_store = ResolveStoreOptions;
  MakeAbsolute(process.config.path);
  for (std::string& file : process.config.trusted_files) MakeAbsolute(file);
  MakeAbsolute(process.tokens_file);
  MakeAbsolute(options.pid_file);
  auto sink =
      ParseLogSink(options.log.empty() ? (options.foreground ? "stderr" : "syslog") : options.log);
  auto facility = ParseLogFacility(options.log_facility);
  if (!sink || !facility) {
    ReportError("serve", !sink ? "--log must be syslog, stderr or json"
                               : "unknown --log-facility '" + options.log_facility + "'");
    return EX_USAGE;
  }
  if (options.create_link_key) {
    auto config = LoadServeSettings(process);
    Result<void> created = config ? LinkKey::Create(config->serve.link_key_file)
                                  : Result<void>(Unexpected(config.error()));
    if (!created) {
      ReportError("serve", created.error().ToString());
      return created.error().code == ErrorCode::kIo ? EX_CANTCREAT : EX_CONFIG;
    }
    std::printf("rcptguard serve: created the link key %s\n",
                config->serve.link_key_file.c_str());
    return EX_OK;
  }
  // In a child: a file that crashes the parser is an error, not a crash here.
  auto checked = CheckInChild([&] { return CheckServeConfiguration(process, options.check_only); },
                              process.config.path);
  if (!checked) {
    ReportError("serve", checked.error().ToString());
    return EX_CONFIG;
  }
  if (options.check_only) {
    std::printf("rcptguard serve: %s\n", checked->c_str());
    return EX_OK;
  }
  Logger logger(*sink, options.log_ident, *facility);
  if (!options.foreground && daemon(0, 0) != 0) {
    ReportError("serve", "cannot run in the background");
    return EX_OSERR;
  }
  logger.Info("starting: " + *checked);
  DaemonOptions daemon_options;
  daemon_options.name = "serve";
  daemon_options.pid_file = options.pid_file;
  daemon_options.config_path = process.config.path;
  daemon_options.check = [&] { return CheckServeConfiguration(process, false); };
  daemon_options.serve = [&] { return RunServeProcess(process, logger); };
  return RunDaemon(daemon_options, logger);
}

}  // namespace

CommandRunner AddServeCommand(CLI::App& app) {
  auto options = std::make_shared<ServeCommandOptions>();
  ServeProcessOptions& process = options->process;
  CLI::App* serve = app.add_subcommand("serve", "Run the HTTP API daemon (POST /api/v1/check)");
  serve->add_option("-c,--config", process.config.path,
                    "Configuration file (default /etc/rcptguard/rcptguard.toml if present)");
  serve
      ->add_option("--trusted-file", process.config.trusted_files,
                   "Expected domains, one per line; repeatable")
      ->allow_extra_args(false);
  serve->add_option("--listen", process.listen,
                    "HOST:PORT to listen on, overriding [serve] listen (default 127.0.0.1:9025; "
                    "loopback only)");
  serve->add_option("--store", process.store, "History store URL, overriding [history] store");
  serve->add_option("--tokens-file", process.tokens_file,
                    "API tokens (rcptguard token add), overriding [serve] tokens_file");
  serve->add_flag("-f,--foreground", options->foreground, "Stay in the foreground");
  serve->add_flag("-n,--check-config", options->check_only,
                  "Check the configuration, listen address, tokens and store, and exit");
  serve->add_option("-P,--pid-file", options->pid_file, "Write the supervisor's process id here");
  serve->add_option("-u,--user", process.user, "Once the port is bound, run as this user");
  serve->add_option("--log", options->log,
                    "Where log lines go: syslog, stderr or json; default syslog, stderr with -f");
  serve->add_option("--log-facility", options->log_facility,
                    "syslog facility: mail (default), daemon, user, local0 ... local7");
  serve->add_option("--log-ident", options->log_ident,
                    "syslog ident and stderr prefix (default rcptguard)");
  serve->add_flag("--create-link-key", options->create_link_key,
                  "Create the key sender links are signed with ([serve] link_key_file; never "
                  "over an existing file), and exit");
  serve->add_flag("-V", options->version, "Print the version and the libraries', and exit");
  return [options] { return RunServeCommand(*options); };
}

}  // namespace rcptguard
