// The API tokens file: one token per line, "name<TAB>role<TAB>created<TAB>hash",
// the hash BLAKE2b-256 of the token in hex. Tokens are 32 random bytes, so a
// fast unkeyed hash is enough: nobody can search a 256-bit space, and a slow
// password hash (argon2id) would only slow every API call.
#include "serve/api_tokens.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "platform/files.h"

namespace rcptguard {
namespace {

constexpr size_t kMaxTokens = 10'000;
constexpr std::string_view kFileHeader =
    "# rcptguard API tokens (rcptguard token add|list|revoke): name, role, created (unix "
    "seconds),\n# BLAKE2b-256 of the token. The tokens themselves are never stored.\n";

std::array<unsigned char, kTokenHashBytes> HashToken(std::string_view token) {
  std::array<unsigned char, kTokenHashBytes> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return hash;
}

std::string Hex(const std::array<unsigned char, kTokenHashBytes>& bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

// Splits on tabs; at most 5 fields, so that a line with too many says so.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  while (fields.size() < 5) {
    size_t tab = line.find('\t');
    fields.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  return fields;
}

}  // namespace

std::string_view TokenRoleName(TokenRole role) {
  return role == TokenRole::kAdmin ? "admin" : "check";
}

std::optional<TokenRole> ParseTokenRole(std::string_view name) {
  if (name == "check") return TokenRole::kCheck;
  if (name == "admin") return TokenRole::kAdmin;
  return std::nullopt;
}

bool IsValidTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<ApiTokens> ApiTokens::Load(const std::string& path) {
  if (!FileExists(path)) {
    return MakeError(ErrorCode::kIo,
                     "tokens file " + path + " does not exist (make it with rcptguard token add)");
  }
  RCPTGUARD_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxTokens * 256));
  return Parse(text, path);
}

Result<ApiTokens> ApiTokens::Parse(std::string_view text, const std::string& path) {
  ApiTokens tokens;
  size_t line_number = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const std::string& why) {
      return MakeError(ErrorCode::kConfig, why, path + ":" + std::to_string(line_number));
    };
    std::vector<std::string_view> fields = Fields(line);
    if (fields.size() != 4) return fail("want name, role, created and hash separated by tabs");
    ApiToken token;
    token.name = std::string(fields[0]);
    if (!IsValidTokenName(token.name)) return fail("a token name is 1 to 64 of A-Z a-z 0-9 . _ -");
    auto role = ParseTokenRole(fields[1]);
    if (!role) return fail("the role must be check or admin");
    token.role = *role;
    auto [end, error] =
        std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), token.created);
    if (error != std::errc() || end != fields[2].data() + fields[2].size()) {
      return fail("the created time must be unix seconds");
    }
    size_t hash_length = 0;
    if (fields[3].size() != kTokenHashBytes * 2 ||
        sodium_hex2bin(token.hash.data(), token.hash.size(), fields[3].data(), fields[3].size(),
                       nullptr, &hash_length, nullptr) != 0 ||
        hash_length != kTokenHashBytes) {
      return fail("the hash must be 64 hex digits");
    }
    for (const ApiToken& other : tokens.tokens_) {
      if (other.name == token.name) return fail("the name '" + token.name + "' is there twice");
    }
    if (tokens.tokens_.size() == kMaxTokens) return fail("more than 10000 tokens");
    tokens.tokens_.push_back(std::move(token));
  }
  return tokens;
}

Result<std::string> ApiTokens::Add(std::string_view name, TokenRole role, int64_t now) {
  if (!IsValidTokenName(name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a token name is 1 to 64 of A-Z a-z 0-9 . _ -, not '" +
                         std::string(name.substr(0, 80)) + "'");
  }
  for (const ApiToken& token : tokens_) {
    if (token.name == name) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a token named '" + std::string(name) +
                           "' exists already (revoke it first, or choose another name)");
    }
  }
  if (tokens_.size() == kMaxTokens) {
    return MakeError(ErrorCode::kInvalidArgument, "the file holds 10000 tokens already");
  }
  if (sodium_init() < 0) return MakeError(ErrorCode::kInternal, "libsodium cannot start");
  std::array<unsigned char, kTokenRandomBytes> random{};
  randombytes_buf(random.data(), random.size());
  std::string secret(
      sodium_base64_ENCODED_LEN(random.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(secret.data(), secret.size(), random.data(), random.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  secret.resize(std::strlen(secret.c_str()));
  sodium_memzero(random.data(), random.size());
  ApiToken token;
  token.name = std::string(name);
  token.role = role;
  token.created = now;
  token.hash = HashToken(secret);
  tokens_.push_back(std::move(token));
  return secret;
}

Result<void> ApiTokens::Revoke(std::string_view name) {
  for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
    if (it->name == name) {
      tokens_.erase(it);
      return {};
    }
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "no token named '" + std::string(name.substr(0, 80)) + "'");
}

Result<void> ApiTokens::Save(const std::string& path) const {
  std::string text(kFileHeader);
  for (const ApiToken& token : tokens_) {
    text += token.name + "\t" + std::string(TokenRoleName(token.role)) + "\t" +
            std::to_string(token.created) + "\t" + Hex(token.hash) + "\n";
  }
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  auto io_error = [&](const std::string& what) {
    int saved = errno;
    unlink(temporary.c_str());
    return MakeError(ErrorCode::kIo,
                     "tokens file " + path + ": cannot " + what + ": " + std::strerror(saved));
  };
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("create " + temporary);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return io_error("write");
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    close(fd);
    return io_error("write");
  }
  if (close(fd) != 0) return io_error("write");
  if (rename(temporary.c_str(), path.c_str()) != 0) return io_error("replace it");
  return {};
}

const ApiToken* ApiTokens::Find(std::string_view presented) const {
  auto hash = HashToken(presented);
  const ApiToken* found = nullptr;
  for (const ApiToken& token : tokens_) {
    // No early exit: every entry is compared.
    bool equal = sodium_memcmp(hash.data(), token.hash.data(), hash.size()) == 0;
    if (equal && found == nullptr) found = &token;
  }
  return found;
}

}  // namespace rcptguard
