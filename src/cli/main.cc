// rcptguard: one binary, one subcommand per job.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/commands.h"
#include "platform/library_versions.h"
#include "rcptguard/session.h"

namespace rcptguard {

void ReportError(std::string_view command, std::string_view text) {
  std::fprintf(stderr, "rcptguard %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               SanitizeForLine(text, 2000, /*ascii_only=*/false).c_str());
}

}  // namespace rcptguard

int main(int argc, char** argv) {
  // Nothing may unwind out of main: any exception is reported as an internal error.
  try {
    CLI::App app{"rcptguard: stops outbound e-mail from going to the wrong place"};
    // The version, and the versions of the libraries it runs with (for bug reports).
    app.set_version_flag("-V,--version", [] {
      std::string report = rcptguard::VersionReport(RCPTGUARD_VERSION);
      return report.substr(0, report.size() - 1);  // CLI11 adds the last newline
    });
    app.require_subcommand(1);
    rcptguard::CommandRunner check = rcptguard::AddCheckCommand(app);
    rcptguard::CommandRunner eval = rcptguard::AddEvalCommand(app);
    rcptguard::CommandRunner history = rcptguard::AddHistoryCommand(app);
    rcptguard::CommandRunner learn = rcptguard::AddLearnCommand(app);
    rcptguard::CommandRunner milter = rcptguard::AddMilterCommand(app);
    rcptguard::CommandRunner quarantine = rcptguard::AddQuarantineCommand(app);
    rcptguard::CommandRunner scan = rcptguard::AddScanCommand(app);
    rcptguard::CommandRunner serve = rcptguard::AddServeCommand(app);
    rcptguard::CommandRunner token = rcptguard::AddTokenCommand(app);
    rcptguard::CommandRunner user = rcptguard::AddUserCommand(app);
    // A first word that is no command is named as such, with the commands,
    // rather than CLI11's "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
      std::string word = argv[1];
      std::string names;
      bool known = false;
      for (const CLI::App* command : app.get_subcommands({})) {
        known = known || command->get_name() == word;
        names += (names.empty() ? "" : ", ") + command->get_name();
      }
      if (!known) {
        std::fprintf(stderr, "rcptguard: unknown command '%s'; the commands are: %s\n",
                     rcptguard::SanitizeForLine(word, 100, false).c_str(), names.c_str());
        return rcptguard::kExitUsage;
      }
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
      int status = app.exit(error);
      // CLI11 returns 0 for --help and --version; usage errors map to our 2.
      return status == 0 ? 0 : rcptguard::kExitUsage;
    }
    // `-c ''` names no file: it must not quietly mean the defaults.
    for (const CLI::App* command : app.get_subcommands()) {
      const CLI::Option* config = command->get_option_no_throw("--config");
      if (config != nullptr && config->count() > 0 && config->as<std::string>().empty()) {
        rcptguard::ReportError(command->get_name(),
                               "-c: an empty file name (leave -c out for the default "
                               "/etc/rcptguard/rcptguard.toml)");
        bool daemon = command->get_name() == "milter" || command->get_name() == "serve";
        return daemon ? 78 : rcptguard::kExitUsage;  // EX_CONFIG
      }
    }
    if (app.got_subcommand("check")) return check();
    if (app.got_subcommand("eval")) return eval();
    if (app.got_subcommand("history")) return history();
    if (app.got_subcommand("learn")) return learn();
    if (app.got_subcommand("milter")) return milter();
    if (app.got_subcommand("quarantine")) return quarantine();
    if (app.got_subcommand("scan")) return scan();
    if (app.got_subcommand("serve")) return serve();
    if (app.got_subcommand("token")) return token();
    if (app.got_subcommand("user")) return user();
    return rcptguard::kExitUsage;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "rcptguard: internal error: %s\n", error.what());
    return 70;  // EX_SOFTWARE
  }
}
