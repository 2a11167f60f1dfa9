// API tokens for `rcptguard serve`: the file `rcptguard token` manages (a
// name, a role, when it was made and a BLAKE2b hash per line, never the token)
// and the constant-time check of a presented bearer token.
#ifndef RCPTGUARD_SERVE_API_TOKENS_H_
#define RCPTGUARD_SERVE_API_TOKENS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

enum class TokenRole { kCheck, kAdmin };

std::string_view TokenRoleName(TokenRole role);
// "check" or "admin"; nullopt otherwise.
std::optional<TokenRole> ParseTokenRole(std::string_view name);

inline constexpr size_t kTokenHashBytes = 32;  // BLAKE2b-256
inline constexpr size_t kTokenRandomBytes = 32;

struct ApiToken {
  std::string name;  // [A-Za-z0-9._-], 1 to 64 characters
  TokenRole role = TokenRole::kCheck;
  int64_t created = 0;  // unix seconds
  std::array<unsigned char, kTokenHashBytes> hash{};
};

// The tokens of one file. Immutable once loaded; safe to share across threads.
class ApiTokens {
 public:
  // Reads the file. A missing file is an error (kIo) naming it; a malformed
  // line is an error (kConfig) naming the file and line. At most 10,000 tokens.
  static Result<ApiTokens> Load(const std::string& path);
  // Parses the file's text (`path` names it in errors).
  static Result<ApiTokens> Parse(std::string_view text, const std::string& path);

  // Adds a token named `name` with `role`, made at `now`, and returns the new
  // token (shown once, never stored). Fails (kInvalidArgument) on a bad or
  // taken name.
  Result<std::string> Add(std::string_view name, TokenRole role, int64_t now);
  // Removes the token named `name`; fails (kInvalidArgument) if there is none.
  Result<void> Revoke(std::string_view name);

  // Writes the file atomically (a temporary file beside it, mode 0600,
  // fsync, rename) so that a daemon reading it sees the old or the new file.
  Result<void> Save(const std::string& path) const;

  // The token `presented` matches, or null. Compares its hash with every
  // entry in constant time (sodium_memcmp), without stopping at a match, so
  // that the answer's timing says nothing about which entry or how much of it
  // matched.
  const ApiToken* Find(std::string_view presented) const;

  const std::vector<ApiToken>& tokens() const { return tokens_; }

 private:
  std::vector<ApiToken> tokens_;
};

// Returns true iff `name` may name a token.
bool IsValidTokenName(std::string_view name);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_API_TOKENS_H_
