// Correspondent history's canonical forms (addresses, display names) and the
// keyer that turns them into the store's keys (clear text or keyed hashes).
// The index is built in history_build.cc and asked in history_examine.cc.
#include "rcptguard/history.h"

#include <sodium.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/hash_index.h"
#include "core/name_key.h"

namespace rcptguard {
namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string LowerLocalPart(std::string_view local_part) {
  if (IsAscii(local_part)) {
    std::string out(local_part);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  std::string out;
  icu::UnicodeString::fromUTF8(
      icu::StringPiece(local_part.data(), static_cast<int32_t>(local_part.size())))
      .foldCase()
      .toUTF8String(out);
  return out;
}

// libsodium must be initialised once before use; sodium_init is itself
// thread-safe, the once-flag only saves repeated calls.
void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness or CPU features: cannot run
  });
}

void Hmac(const std::array<unsigned char, 32>& key, std::string_view text,
          unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                                text.size());
  crypto_auth_hmacsha256_final(&state, out);
}

}  // namespace

// ---------------------------------------------------------------------------
// Canonical forms

std::string CanonicalAddress(const Address& address) {
  return LowerLocalPart(address.local_part) + "@" + address.domain.ascii;
}

Result<std::string> CanonicalAddress(std::string_view address) {
  auto parsed = ParseAddress(address);
  if (!parsed) return Unexpected(parsed.error());
  return CanonicalAddress(*parsed);
}

std::string NormalizeDisplayName(std::string_view display_name) {
  // A "name" that is an address says nothing about who the person is.
  if (display_name.find('@') != std::string_view::npos) return {};
  std::vector<std::string> words;
  std::string word;
  int32_t i = 0;
  auto length = static_cast<int32_t>(display_name.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(display_name.data());
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && u_isalnum(c)) {
      c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
      char buffer[U8_MAX_LENGTH];
      int32_t n = 0;
      U8_APPEND_UNSAFE(buffer, n, c);
      word.append(buffer, static_cast<size_t>(n));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  // Sorted so that "Smith, John" and "John Smith" are the same person.
  std::sort(words.begin(), words.end());
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// ---------------------------------------------------------------------------
// HistoryKeyer

HistoryKeyer::HistoryKeyer() { InitSodium(); }

Result<HistoryKeyer> HistoryKeyer::Hashed(std::string_view secret) {
  if (secret.size() < 16) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the history secret must be at least 16 bytes (use 32 random bytes)");
  }
  HistoryKeyer keyer;
  keyer.hashed_ = true;
  // Two keys derived from the one secret, so an address hash says nothing
  // about the local-part digests and the other way round.
  std::array<unsigned char, 32> secret_key{};
  crypto_generichash(secret_key.data(), secret_key.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr,
                     0);
  unsigned char derived[crypto_auth_hmacsha256_BYTES];
  Hmac(secret_key, "rcptguard history address key v1", derived);
  std::copy_n(derived, keyer.address_key_.size(), keyer.address_key_.begin());
  Hmac(secret_key, "rcptguard history local-part digest key v1", derived);
  std::copy_n(derived, keyer.digest_key_.size(), keyer.digest_key_.begin());
  sodium_memzero(derived, sizeof derived);
  sodium_memzero(secret_key.data(), secret_key.size());
  return keyer;
}

std::string HistoryKeyer::Key(std::string_view text) const {
  if (!hashed_) return std::string(text);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  Hmac(address_key_, text, mac);
  // 128 bits are plenty to tell addresses apart and halve the stored size.
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, mac, 16);
  return std::string(hex, 32);
}

std::vector<uint32_t> HistoryKeyer::LocalPartDigests(std::string_view local_part) const {
  // Character boundaries, so a deletion removes a whole UTF-8 sequence.
  std::vector<size_t> starts;
  int32_t i = 0;
  auto length = static_cast<int32_t>(local_part.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(local_part.data());
  while (i < length) {
    starts.push_back(static_cast<size_t>(i));
    U8_FWD_1(bytes, i, length);
  }
  if (starts.size() < 4) return {};
  starts.push_back(local_part.size());

  auto digest = [this](std::string_view text) {
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     digest_key_.data());
    uint32_t value;
    std::memcpy(&value, out, sizeof value);
    return value;
  };
  std::vector<uint32_t> digests;
  digests.reserve(starts.size());
  digests.push_back(digest(local_part));
  std::string variant;
  for (size_t c = 0; c + 1 < starts.size(); ++c) {
    variant.assign(local_part.substr(0, starts[c]));
    variant.append(local_part.substr(starts[c + 1]));
    digests.push_back(digest(variant));
  }
  std::sort(digests.begin(), digests.end());
  digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
  return digests;
}

}  // namespace rcptguard
