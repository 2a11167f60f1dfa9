// `rcptguard serve`: the flags, then a hand-off to the daemon skeleton
// (src/daemon/daemon.h) that supervises the HTTP API's serving process
// (src/serve/serve_process.h), as `rcptguard milter` does for the milter.
#include <sysexits.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/daemon_command.h"
#include "cli/store_options.h"
#include "platform/logger.h"
#include "quarantine/confirm_link.h"
#include "serve/serve_process.h"

namespace rcptguard {
namespace {

struct ServeCommandOptions {
  ServeProcessOptions process;
  DaemonCommandOptions daemon;
  bool create_link_key = false;
};

int RunServeCommand(ServeCommandOptions options) {
  ServeProcessOptions& process = options.process;
  process.resolve_store = ResolveStoreOptions;
  MakeAbsolute(process.config.path);
  for (std::string& file : process.config.trusted_files) MakeAbsolute(file);
  MakeAbsolute(process.tokens_file);
  if (options.create_link_key) {
    auto config = LoadServeSettings(process);
    Result<void> created = config ? LinkKey::Create(config->serve.link_key_file)
                                  : Result<void>(Unexpected(config.error()));
    if (!created) {
      ReportError("serve", created.error().ToString());
      return created.error().code == ErrorCode::kIo ? EX_CANTCREAT : EX_CONFIG;
    }
    std::printf("rcptguard serve: created the link key %s\n", config->serve.link_key_file.c_str());
    return EX_OK;
  }
  DaemonCommand command;
  command.name = "serve";
  command.config_path = process.config.path;
  command.check = [&](bool deep) { return CheckServeConfiguration(process, deep); };
  command.serve = [&](Logger& logger) { return RunServeProcess(process, logger); };
  return RunDaemonCommand(options.daemon, command);
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
  serve->add_option("-u,--user", process.user, "Once the port is bound, run as this user");
  serve->add_flag("--create-link-key", options->create_link_key,
                  "Create the key sender links are signed with ([serve] link_key_file; never "
                  "over an existing file), and exit");
  AddDaemonFlags(serve, "Check the configuration, listen address, tokens and store, and exit",
                 &options->daemon);
  return [options] { return RunServeCommand(*options); };
}

}  // namespace rcptguard
