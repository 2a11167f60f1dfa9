// The rcptguard subcommands: each registers its options on a CLI11 app and
// returns the process exit status when run.
#ifndef RCPTGUARD_CLI_COMMANDS_H_
#define RCPTGUARD_CLI_COMMANDS_H_

#include <functional>
#include <string_view>

namespace CLI {
class App;
}

namespace rcptguard {

// Exit statuses of `check` (DESIGN.md section 4).
inline constexpr int kExitAllAllowed = 0;
inline constexpr int kExitNotAllowed = 1;
inline constexpr int kExitUsage = 2;

using CommandRunner = std::function<int()>;

// Writes one error line in the voice every command shares,
// "rcptguard COMMAND: text", with untrusted text made safe for a terminal
// (no control characters) and at most 2000 bytes.
void ReportError(std::string_view command, std::string_view text);

// `rcptguard check`: verdicts for addresses given as arguments or on stdin.
CommandRunner AddCheckCommand(CLI::App& app);

// `rcptguard scan`: verdicts for the recipients of a saved message, with the
// sensitivity markings it carries.
CommandRunner AddScanCommand(CLI::App& app);

// `rcptguard milter`: the mail-path daemon.
CommandRunner AddMilterCommand(CLI::App& app);

// `rcptguard serve`: the HTTP API daemon.
CommandRunner AddServeCommand(CLI::App& app);

// `rcptguard token add|list|revoke`: the HTTP API's tokens.
CommandRunner AddTokenCommand(CLI::App& app);

// `rcptguard user add|passwd|remove|list`: the review console's users.
CommandRunner AddUserCommand(CLI::App& app);

// `rcptguard quarantine list|show|release|discard`: the hold queue.
CommandRunner AddQuarantineCommand(CLI::App& app);

// `rcptguard history top|domain|forget-sender|forget-address|except|unexcept|
// exceptions|prune|stats`: inspect and edit correspondent history.
CommandRunner AddHistoryCommand(CLI::App& app);

// `rcptguard learn`: correspondent history from mbox files, Maildirs and Postfix logs.
CommandRunner AddLearnCommand(CLI::App& app);

// `rcptguard eval`: recall and false alarms on the labelled set in tests/data/eval.
CommandRunner AddEvalCommand(CLI::App& app);

}  // namespace rcptguard

#endif  // RCPTGUARD_CLI_COMMANDS_H_
