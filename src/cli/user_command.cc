// `rcptguard user add|passwd|remove|list`: the review console's users, in the
// review store beside history. There is no default user and no default
// password: an administrator makes the first one here. Passwords are read
// from standard input (without echo on a terminal) and stored only as an
// argon2id hash; every change is written to the audit log.
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "store/review_store.h"

namespace rcptguard {
namespace {

constexpr int kExitNotFound = 1;  // passwd / remove: no such user
constexpr int kExitIoError = 74;  // EX_IOERR: the store cannot be reached or written
constexpr size_t kMinPassword = 10;
constexpr size_t kMaxPassword = 1024;

struct UserOptions {
  std::string config_path;
  std::string store;
  std::string name;
  std::string role = "officer";
};

void PrintError(const std::string& text) { ReportError("user", text); }

int ExitFor(const Error& error) {
  PrintError(error.ToString());
  return error.code == ErrorCode::kIo || error.code == ErrorCode::kInternal ? kExitIoError
                                                                            : kExitUsage;
}

// A user name: what the log-in form takes and the audit log shows.
bool ValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

// "cli:LOGIN": who ran the command, for the audit log.
std::string CliActor() {
  const passwd* entry = getpwuid(getuid());
  return std::string("cli:") + (entry != nullptr ? entry->pw_name : std::to_string(getuid()));
}

// One line from stdin; on a terminal with a prompt and without echo.
std::optional<std::string> ReadLine(const char* prompt) {
  bool terminal = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (terminal) {
    std::fprintf(stderr, "%s", prompt);
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new password: from stdin (twice on a terminal), checked for length.
Result<std::string> ReadNewPassword() {
  auto password = ReadLine("New password: ");
  if (!password) return MakeError(ErrorCode::kInvalidArgument, "no password on standard input");
  if (password->size() < kMinPassword || password->size() > kMaxPassword) {
    return MakeError(ErrorCode::kInvalidArgument, "the password must have " +
                                                      std::to_string(kMinPassword) + " to " +
                                                      std::to_string(kMaxPassword) + " bytes");
  }
  if (isatty(STDIN_FILENO) != 0) {
    auto again = ReadLine("Again: ");
    if (!again || *again != *password) {
      return MakeError(ErrorCode::kInvalidArgument, "the two passwords differ");
    }
  }
  return *password;
}

Result<std::unique_ptr<ReviewStore>> Open(const UserOptions& options) {
  RCPTGUARD_ASSIGN_OR_RETURN(Config config, LoadConfig(ConfigRequest{options.config_path, {}}));
  RCPTGUARD_ASSIGN_OR_RETURN(StoreOptions store,
                             ResolveStoreOptions(options.store, config.history));
  if (store.url.rfind("memory:", 0) == 0) {
    return MakeError(ErrorCode::kConfig,
                     "a memory store forgets users when the command ends: use the store "
                     "rcptguard serve uses (--store or [history] store)");
  }
  return OpenReviewStore(store.url);
}

Result<void> Audit(ReviewStore& store, std::string action, const std::string& name,
                   std::string reason) {
  AuditEntry entry;
  entry.time = std::time(nullptr);
  entry.actor = CliActor();
  entry.actor_kind = "admin";
  entry.action = std::move(action);
  entry.subject = name;
  entry.reason = std::move(reason);
  RCPTGUARD_TRY(store.AppendAudit(entry));
  return {};
}

int Add(const UserOptions& options, bool replace_password_only) {
  if (!ValidUserName(options.name)) {
    PrintError("a user name has 1 to 64 letters, digits, '.', '_', '-' or '@', not '" +
               options.name + "'");
    return kExitUsage;
  }
  ConsoleRole role = ConsoleRole::kOfficer;
  if (!replace_password_only) {
    if (options.role != "admin" && options.role != "officer") {
      PrintError("--role must be admin or officer, not '" + options.role + "'");
      return kExitUsage;
    }
    role = options.role == "admin" ? ConsoleRole::kAdmin : ConsoleRole::kOfficer;
  }
  auto store = Open(options);
  if (!store) return ExitFor(store.error());
  auto existing = (*store)->GetUser(options.name);
  if (!existing) return ExitFor(existing.error());
  if (replace_password_only && !*existing) {
    PrintError("no user '" + options.name + "'");
    return kExitNotFound;
  }
  if (!replace_password_only && *existing) {
    PrintError("user '" + options.name +
               "' exists: change the password with 'rcptguard user "
               "passwd', or remove the user first");
    return kExitUsage;
  }
  auto password = ReadNewPassword();
  if (!password) return ExitFor(password.error());
  auto hash = HashPassword(*password);
  if (!hash) return ExitFor(hash.error());
  ConsoleUser user;
  user.name = options.name;
  user.role = replace_password_only ? (*existing)->role : role;
  user.password_hash = *hash;
  user.created = replace_password_only ? (*existing)->created : std::time(nullptr);
  if (auto put = (*store)->PutUser(user); !put) return ExitFor(put.error());
  std::string role_name(ConsoleRoleName(user.role));
  auto audited = Audit(**store, replace_password_only ? "user-passwd" : "user-add", user.name,
                       replace_password_only ? "" : "role " + role_name);
  if (!audited) return ExitFor(audited.error());
  std::fprintf(stderr, "rcptguard user: %s '%s' (role %s)\n",
               replace_password_only ? "changed the password of" : "added", user.name.c_str(),
               role_name.c_str());
  return 0;
}

int Remove(const UserOptions& options) {
  auto store = Open(options);
  if (!store) return ExitFor(store.error());
  auto removed = (*store)->RemoveUser(options.name);
  if (!removed) return ExitFor(removed.error());
  if (!*removed) {
    PrintError("no user '" + options.name + "'");
    return kExitNotFound;
  }
  if (auto audited = Audit(**store, "user-remove", options.name, ""); !audited) {
    return ExitFor(audited.error());
  }
  std::fprintf(stderr, "rcptguard user: removed '%s' and their sessions\n", options.name.c_str());
  return 0;
}

int List(const UserOptions& options) {
  auto store = Open(options);
  if (!store) return ExitFor(store.error());
  auto users = (*store)->ListUsers();
  if (!users) return ExitFor(users.error());
  for (const ConsoleUser& user : *users) {
    std::time_t created = static_cast<std::time_t>(user.created);
    char when[32] = "?";
    std::tm utc{};
    if (gmtime_r(&created, &utc) != nullptr)
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::printf("%s\t%s\t%s\n", user.name.c_str(), std::string(ConsoleRoleName(user.role)).c_str(),
                when);
  }
  return std::fflush(stdout) == 0 ? 0 : kExitIoError;
}

}  // namespace

CommandRunner AddUserCommand(CLI::App& app) {
  auto options = std::make_shared<UserOptions>();
  CLI::App* user = app.add_subcommand("user", "Manage the review console's users");
  user->require_subcommand(1);
  user->fallthrough();  // -c and --store after the subcommand too
  user->add_option("-c,--config", options->config_path,
                   "rcptguard configuration: [history] store holds the users");
  user->add_option("--store", options->store, "Store URL, overriding [history] store");
  CLI::App* add = user->add_subcommand(
      "add", "Add a user; the password is read from standard input (twice on a terminal)");
  add->add_option("name", options->name, "The user's log-in name")->required();
  add->add_option("--role", options->role,
                  "admin (everything) or officer (release and discard; default officer)");
  CLI::App* passwd = user->add_subcommand("passwd", "Set a user's password (from standard input)");
  passwd->add_option("name", options->name, "The user's log-in name")->required();
  CLI::App* remove = user->add_subcommand("remove", "Remove a user and end their sessions");
  remove->add_option("name", options->name, "The user's log-in name")->required();
  CLI::App* list = user->add_subcommand("list", "Names, roles and when added (never hashes)");
  return [options, add, passwd, remove, list] {
    if (add->parsed()) return Add(*options, false);
    if (passwd->parsed()) return Add(*options, true);
    if (remove->parsed()) return Remove(*options);
    (void)list;
    return List(*options);
  };
}

}  // namespace rcptguard
