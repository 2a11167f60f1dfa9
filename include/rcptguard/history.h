// Correspondent history: who each sender writes to, as the detector and the
// policy use it. The records here are what the store keeps; CorrespondentHistory
// is the immutable in-memory index built from them. Pure: no I/O, no clock (the
// caller passes "now").
#ifndef RCPTGUARD_HISTORY_H_
#define RCPTGUARD_HISTORY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/address.h"
#include "rcptguard/detector.h"
#include "rcptguard/result.h"

namespace rcptguard {

class NameVariants;  // src/core/name_key.h

// One recipient of a delivered message.
struct SentRecipient {
  std::string address;       // as given; recorded in CanonicalAddress form
  std::string display_name;  // from To/Cc/Bcc; empty if none
};

// One delivered message, as history learns it.
struct SentMessage {
  // Makes learning idempotent: a message whose key was recorded before is not
  // counted again. "<message-id>" when the message has one (the milter, mbox,
  // Maildir and Postfix's cleanup line all see the same id); otherwise a key
  // its source makes unique. Empty: always counted.
  std::string key;
  std::string sender;  // envelope or From address
  std::vector<SentRecipient> recipients;
  int64_t time = 0;  // unix seconds
};

// "J.Smith@Army.MIL." -> "j.smith@army.mil": the local part lower-cased (ASCII
// and Unicode), quotes kept, the domain in canonical ASCII (A-label) form.
// Fails (kInvalidAddress) as ParseAddress does.
Result<std::string> CanonicalAddress(std::string_view address);
std::string CanonicalAddress(const Address& address);

// "  Smith,  John " and "john smith" -> "john smith"; "\"Dr. J. Smith\"" ->
// "dr j smith": case-folded, quotes and punctuation dropped, words sorted so
// "Smith, John" matches "John Smith". Empty when nothing is left.
std::string NormalizeDisplayName(std::string_view display_name);

// Turns canonical addresses and display names into what the store keeps: the
// text itself, or (hashed mode) hex HMAC-SHA256 under a local secret, so the
// database never holds an address. Domains stay readable in both modes (the
// look-alike detector needs them). Thread-safe, immutable.
class HistoryKeyer {
 public:
  // Clear-text mode.
  HistoryKeyer();
  // Hashed mode. Fails (kInvalidArgument) on a secret under 16 bytes.
  static Result<HistoryKeyer> Hashed(std::string_view secret);

  bool hashed() const { return hashed_; }
  // The stored form of a canonical address or a normalised display name.
  std::string Key(std::string_view text) const;
  // Keyed 32-bit digests of the local part and each string one character
  // shorter (its deletion neighbourhood), sorted and unique. Two local parts
  // share a digest iff they are one edit (insertion, deletion, substitution,
  // adjacent transposition) apart, so near-miss local parts are found in
  // hashed mode without storing them. Empty for local parts under 4 characters.
  std::vector<uint32_t> LocalPartDigests(std::string_view local_part) const;

 private:
  bool hashed_ = false;
  std::array<unsigned char, 32> address_key_{};  // HMAC-SHA256 key
  std::array<unsigned char, 16> digest_key_{};   // SipHash key for local-part digests
};

// One (sender, recipient) pair as stored. In hashed mode `sender` and
// `recipient` are keys and `local_digests` is filled by the store; in clear
// mode `local_digests` is empty and computed from `recipient` when indexed.
struct PairRecord {
  std::string sender;
  std::string recipient;
  std::string domain;  // recipient's domain, canonical ASCII, always clear
  int64_t messages = 0;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  std::vector<uint32_t> local_digests;
};

// A display name a sender used with a recipient.
struct NameRecord {
  std::string sender;
  std::string name;  // NormalizeDisplayName, then keyed
  std::string recipient;
  int64_t messages = 0;
};

// "Don't flag this recipient for me again until `expires`." `recipient` is a
// canonical address or a bare domain (every address there).
struct ExceptionRecord {
  std::string sender;
  std::string recipient;
  int64_t expires = 0;
  int64_t created = 0;
  std::string note;
};

// What the index is built from: all of the store, one sender's share, or the
// rows changed since a cursor.
struct HistorySnapshot {
  std::vector<PairRecord> pairs;
  std::vector<NameRecord> names;
  std::vector<ExceptionRecord> exceptions;
  int64_t cursor = 0;  // pass to the store to read only what changed after this
};

// What history says about one recipient of one sender.
struct HistoryFinding {
  enum class Unfamiliar : uint8_t {
    kNone,
    // New address at a domain the sender writes to, its local part a slip or
    // two (by length) from a frequent correspondent's there.
    kNearCorrespondent,
    // New address whose display name is one the sender uses for another
    // address (the same name written another way counts: "Turner, Paul",
    // "PAUL TURNER", a middle initial, accents, a variant of the given name).
    kNameMismatch,
    // New address at a domain the sender writes to, whose name (from its local
    // part or display name) is a frequent correspondent's there (annapatel@
    // when the sender writes to apatel@).
    kSameName,
    // New address whose local part, or the person it names, the sender writes
    // to at a sister domain (tgreen1981@hotmail.com for
    // tgreen1981@hotmail.co.uk; defense.gov for defence.gov.au), even when the
    // organisation writes to the typed domain.
    kOtherDomain,
  };
  bool excepted = false;          // the sender asked not to be warned about this recipient
  bool domain_familiar = false;   // the sender, or enough of the organisation, writes there
  bool address_familiar = false;  // the sender, or anyone here, writes to this address
  Unfamiliar unfamiliar = Unfamiliar::kNone;
  // For every class but kNone: the usual address (clear mode; empty in hashed
  // mode, where the store holds no address) and its messages from the sender.
  std::string usual_address;
  int64_t usual_messages = 0;
  // kNearCorrespondent: the weighted distance in slips (0.3 for a dot or
  // hyphen, about 1 for one slip, up to 2 for two).
  double slips = 0;
  // kOtherDomain: the very same local part (rather than the same name).
  bool same_local_part = false;
};

struct HistoryOptions {
  // A correspondent is "frequent" from this many messages on.
  int64_t frequent_messages = 2;
  // A domain is familiar (never a look-alike) from this many messages on, by
  // anyone here; one message is not a habit, it may have been the slip itself.
  int64_t organisation_messages = 2;
  // Learned domains enter the detector's expected set from this many messages.
  int64_t expected_domain_messages = 3;
};

// The shipped given-name variants (data/name_variants.csv), as compiled into
// the library (generated at build time).
std::string_view EmbeddedNameVariants();

// The immutable index over a snapshot. Thread-safe to query; a newer snapshot
// is layered on top with Overlay, so fresh learning shows without a rebuild.
class CorrespondentHistory {
 public:
  // `variants` null: the shipped given-name variants (NameVariants::Embedded).
  static std::shared_ptr<const CorrespondentHistory> Build(
      const HistorySnapshot& snapshot, const HistoryKeyer& keyer,
      const HistoryOptions& options = {}, std::shared_ptr<const NameVariants> variants = nullptr);
  // A new index answering from `delta` first, then from `base` (rows in delta
  // carry absolute counts and replace base's).
  static std::shared_ptr<const CorrespondentHistory> Overlay(
      std::shared_ptr<const CorrespondentHistory> base, const HistorySnapshot& delta);

  // Messages from `sender` (canonical; empty for the organisation as a whole)
  // to `domain` (canonical ASCII) or to `recipient` (canonical address).
  int64_t DomainMessages(std::string_view sender, std::string_view domain) const;
  int64_t AddressMessages(std::string_view sender, std::string_view recipient) const;

  // The organisation's domains with their message counts, most used first, from
  // options.expected_domain_messages on: the learned expected domains.
  std::vector<ExpectedDomain> LearnedDomains() const;

  // What history says about `recipient` written by `sender` (null: unknown
  // sender, so only what the organisation as a whole does counts), with the
  // display name the message used for it (may be empty). `now` is unix
  // seconds (exceptions expire).
  HistoryFinding Examine(const Address* sender, const Address& recipient,
                         std::string_view display_name, int64_t now) const;

  const HistoryOptions& options() const;

  size_t pair_count() const;
  size_t MemoryUsage() const;

  struct Index;  // opaque; defined in src/core/history.cc

 private:
  explicit CorrespondentHistory(std::shared_ptr<const Index> index) : index_(std::move(index)) {}
  std::shared_ptr<const Index> index_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_HISTORY_H_
