// What one HistoryStore::Record call writes, worked out once for every backend
// so the three store the same thing: canonical and keyed addresses, the
// recipient's domain and local-part digests, normalised and keyed names,
// summed per row and sorted. Also the helpers the backends share.
#ifndef RCPTGUARD_STORE_RECORD_BATCH_H_
#define RCPTGUARD_STORE_RECORD_BATCH_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/history.h"
#include "rcptguard/result.h"

namespace rcptguard {

// The change one batch makes to one pair: add `messages`, widen the seen range.
struct PairDelta {
  std::string sender;     // keyed
  std::string recipient;  // keyed
  std::string domain;     // canonical ASCII
  int64_t messages = 0;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  std::string local_digests;  // serialised (SerializeDigests); empty in clear mode
};

struct NameDelta {
  std::string sender;     // keyed
  std::string name;       // normalised, keyed
  std::string recipient;  // keyed
  int64_t messages = 0;
  int64_t last_seen = 0;
};

struct RecordBatch {
  std::vector<PairDelta> pairs;  // sorted by (sender, recipient), unique
  std::vector<NameDelta> names;  // sorted by (sender, name, recipient), unique
  size_t counted = 0;            // messages that count (the Record result)
};

// A message key to remember, with the time of its (first) message: Prune
// forgets keys by that time.
struct MessageKey {
  std::string key;
  int64_t time = 0;
};

// The non-empty message keys of a batch, sorted and unique. Backends insert
// them in this order, so two gateways recording overlapping batches take row
// locks in the same order and cannot deadlock on each other.
std::vector<MessageKey> MessageKeys(std::span<const SentMessage> messages);

// Aggregates `messages` into row changes. `fresh(key)` says whether a message
// with a non-empty key is new (its key was not recorded before); a key seen
// twice in one batch counts once, at its first message. A message counts when
// it is new and its sender is a valid address; recipients that are not valid
// addresses are skipped, and a recipient listed twice in one message counts once.
RecordBatch AggregateMessages(std::span<const SentMessage> messages, const HistoryKeyer& keyer,
                              const std::function<bool(std::string_view key)>& fresh);

// The stored form of a clear address: CanonicalAddress, then keyer.Key.
// Fails (kInvalidAddress) on an address that does not parse.
Result<std::string> AddressKey(std::string_view address, const HistoryKeyer& keyer);

// The stored form of an exception's recipient: a keyed canonical address, or
// (no '@') a bare domain in canonical ASCII, which stays clear in both modes.
Result<std::string> ExceptionRecipientKey(std::string_view recipient, const HistoryKeyer& keyer);

// Canonical ASCII form of a domain argument (NormalizeDomain).
Result<std::string> DomainKey(std::string_view domain);

// Digests as stored: little-endian uint32s back to back.
std::string SerializeDigests(const std::vector<uint32_t>& digests);
std::vector<uint32_t> ParseDigests(std::string_view bytes);

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_RECORD_BATCH_H_
