// `rcptguard token add|list|revoke`: the API tokens of `rcptguard serve`. A
// new token is printed once; the file keeps only its hash (serve/api_tokens.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <string>

#include "cli/commands.h"
#include "platform/files.h"
#include "serve/api_tokens.h"

namespace rcptguard {
namespace {

struct TokenOptions {
  std::string tokens_file;
  std::string name;
  std::string role = "check";
};

void PrintError(const std::string& text) { ReportError("token", text); }

// The file's tokens; a missing file is an empty set only when `may_be_new`
// (token add makes it).
Result<ApiTokens> Open(const std::string& path, bool may_be_new) {
  if (may_be_new && !FileExists(path)) return ApiTokens();
  return ApiTokens::Load(path);
}

int Add(const TokenOptions& options) {
  auto role = ParseTokenRole(options.role);
  if (!role) {
    PrintError("--role must be check or admin, not '" + options.role + "'");
    return kExitUsage;
  }
  auto tokens = Open(options.tokens_file, true);
  if (!tokens) {
    PrintError(tokens.error().ToString());
    return kExitUsage;
  }
  auto secret = tokens->Add(options.name, *role, std::time(nullptr));
  if (!secret) {
    PrintError(secret.error().ToString());
    return kExitUsage;
  }
  if (auto saved = tokens->Save(options.tokens_file); !saved) {
    PrintError(saved.error().ToString());
    return kExitUsage;
  }
  // Only now, once the hash is safely on disk: the token, and nothing else, on stdout.
  std::printf("%s\n", secret->c_str());
  std::fprintf(stderr,
               "rcptguard token: added '%s' (role %s) to %s; the token above is shown only "
               "once. Send SIGHUP to rcptguard serve to use it.\n",
               options.name.c_str(), options.role.c_str(), options.tokens_file.c_str());
  return std::fflush(stdout) == 0 ? 0 : kExitUsage;
}

int List(const TokenOptions& options) {
  auto tokens = Open(options.tokens_file, false);
  if (!tokens) {
    PrintError(tokens.error().ToString());
    return kExitUsage;
  }
  for (const ApiToken& token : tokens->tokens()) {
    std::time_t created = static_cast<std::time_t>(token.created);
    char when[32] = "?";
    std::tm utc{};
    if (gmtime_r(&created, &utc) != nullptr)
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::printf("%s\t%s\t%s\n", token.name.c_str(), std::string(TokenRoleName(token.role)).c_str(),
                when);
  }
  return 0;
}

int Revoke(const TokenOptions& options) {
  auto tokens = Open(options.tokens_file, false);
  if (!tokens) {
    PrintError(tokens.error().ToString());
    return kExitUsage;
  }
  if (auto revoked = tokens->Revoke(options.name); !revoked) {
    PrintError(revoked.error().ToString());
    return kExitUsage;
  }
  if (auto saved = tokens->Save(options.tokens_file); !saved) {
    PrintError(saved.error().ToString());
    return kExitUsage;
  }
  std::fprintf(stderr,
               "rcptguard token: revoked '%s'; send SIGHUP to rcptguard serve to refuse it.\n",
               options.name.c_str());
  return 0;
}

}  // namespace

CommandRunner AddTokenCommand(CLI::App& app) {
  auto options = std::make_shared<TokenOptions>();
  CLI::App* token = app.add_subcommand("token", "Manage the API tokens of rcptguard serve");
  token->require_subcommand(1);
  auto file_option = [&](CLI::App* command) {
    command->add_option("--tokens-file", options->tokens_file, "The tokens file")->required();
  };
  CLI::App* add = token->add_subcommand("add", "Make a token and print it once");
  add->add_option("name", options->name, "A name for the token: who or what uses it")->required();
  file_option(add);
  add->add_option("--role", options->role, "check (POST /api/v1/check) or admin (default check)");
  CLI::App* list = token->add_subcommand("list", "Names, roles and when made (never the tokens)");
  file_option(list);
  CLI::App* revoke = token->add_subcommand("revoke", "Remove a token");
  revoke->add_option("name", options->name, "The token's name")->required();
  file_option(revoke);
  return [options, add, list] {
    if (add->parsed()) return Add(*options);
    if (list->parsed()) return List(*options);
    return Revoke(*options);
  };
}

}  // namespace rcptguard
