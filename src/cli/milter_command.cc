// `rcptguard milter`: the flags, then a hand-off to the daemon skeleton (src/daemon/daemon.h)
// that supervises the milter's serving process (src/milter/milter_process.h), the way
// Postfix's main() hands off to single_server_main.
#include <CLI/CLI.hpp>
#include <string>

#include "cli/commands.h"
#include "cli/daemon_command.h"
#include "cli/store_options.h"
#include "milter/milter_process.h"
#include "platform/logger.h"

namespace rcptguard {
namespace {

struct MilterCommandOptions {
  MilterProcessOptions process;
  DaemonCommandOptions daemon;
};

int RunMilterCommand(MilterCommandOptions options) {
  MilterProcessOptions& process = options.process;
  process.resolve_store = ResolveStoreOptions;
  MakeAbsolute(process.config.path);
  for (std::string& file : process.config.trusted_files) MakeAbsolute(file);
  MakeAbsolute(process.hold_directory);
  DaemonCommand command;
  command.name = "milter";
  command.config_path = process.config.path;
  command.check = [&](bool deep) { return CheckMilterConfiguration(process, deep); };
  command.serve = [&](Logger& logger) { return RunMilterProcess(process, logger); };
  return RunDaemonCommand(options.daemon, command);
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
  milter->add_option("-p,--socket", process.socket,
                     "unix:/path, inet:port@host or inet6:port@host (default: [milter] socket)");
  milter->add_option("-u,--user", process.user,
                     "Once the socket is open, give it to this user and run as it (and its group)");
  milter->add_option("--socket-group", process.socket_group,
                     "Group of the unix socket (the MTA's, e.g. postfix; default: -u's group)");
  milter->add_option("--store", process.store, "History store URL, overriding [history] store");
  milter->add_option("--hold-directory", process.hold_directory,
                     "Where held messages' records go, overriding [milter] hold_directory");
  AddDaemonFlags(milter, "Check the configuration, socket, store and files, and exit", &options->daemon);
  return [options] { return RunMilterCommand(*options); };
}

}  // namespace rcptguard
