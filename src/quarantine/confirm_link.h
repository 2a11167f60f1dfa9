// Signed links for the sender of a held message: "send anyway" and "cancel".
// A link is an HMAC (libsodium crypto_auth, HMAC-SHA-512-256) over the action,
// the queue id, the sender, the recipients in question, an expiry and a
// random link id, so nobody can make or alter one without the key. Single use
// is the store's job: it marks the link id used, atomically.
#ifndef RCPTGUARD_QUARANTINE_CONFIRM_LINK_H_
#define RCPTGUARD_QUARANTINE_CONFIRM_LINK_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quarantine/hold_records.h"
#include "rcptguard/result.h"

namespace rcptguard {

enum class LinkAction { kRelease, kCancel };
// "release" or "cancel".
std::string_view LinkActionName(LinkAction action);

// What a link says. `link_id` is random (16 bytes, URL-safe base64): the key
// under which the store records that the link was used.
struct LinkClaims {
  LinkAction action = LinkAction::kRelease;
  std::string queue_id;
  std::string sender;
  std::vector<std::string> recipients;  // the recipients the sender is asked about
  int64_t expires_at = 0;               // unix seconds
  std::string link_id;
};

// The 32-byte secret. Movable, not copyable; wiped when destroyed.
class LinkKey {
 public:
  static constexpr size_t kSize = 32;

  // Reads the key from `path`. Fails (kConfig), naming the path, when the
  // file is missing or unreadable, is not exactly 32 bytes, or can be read
  // or written by others (mode & 007: it would let anyone forge links).
  static Result<LinkKey> Load(const std::string& path);
  // Writes 32 random bytes to `path` (mode 0600, never over an existing file).
  // Fails (kIo) naming the path and the OS error.
  static Result<void> Create(const std::string& path);
  // For tests and callers that hold the bytes already.
  static LinkKey FromBytes(const std::array<unsigned char, kSize>& bytes);

  LinkKey(LinkKey&& other) noexcept;
  LinkKey& operator=(LinkKey&& other) noexcept;
  LinkKey(const LinkKey&) = delete;
  LinkKey& operator=(const LinkKey&) = delete;
  ~LinkKey();

  const unsigned char* data() const { return bytes_.data(); }

 private:
  LinkKey() = default;
  std::array<unsigned char, kSize> bytes_{};
};

// Makes a link token (URL-safe base64, no padding: fits in a path segment
// or a query value). A new random link id is drawn when claims.link_id is
// empty; `claims` is taken by value and the id used is the returned one's.
struct SignedLink {
  std::string token;
  LinkClaims claims;
};
SignedLink SignLink(const LinkKey& key, LinkClaims claims);

enum class LinkFailureKind {
  kMalformed,     // not a token we make (truncated, bad encoding)
  kTampered,      // the signature does not match: altered, or another key
  kWrongAction,   // a genuine link for the other action
  kExpired,       // genuine, but past its expiry
  kWrongMessage,  // genuine, but the held message is another one (CheckLinkAgainst)
};
struct LinkFailure {
  LinkFailureKind kind;
  std::string message;  // one sentence for the page the sender sees
};

// Checks a token for `expected` action at time `now`. The signature is
// checked (in constant time) before anything the token says is believed.
Expected<LinkClaims, LinkFailure> VerifyLink(const LinkKey& key, std::string_view token,
                                                 LinkAction expected, int64_t now);

// Returns true iff the claims are about this held message: the same queue id
// and sender, and every recipient in the claims is one of the record's
// (Postfix reuses short queue ids; a link must not act on a later message).
bool LinkMatchesHold(const LinkClaims& claims, const HoldRecord& record);

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_CONFIRM_LINK_H_
