// Turning delivered messages into row changes, shared by every backend.
#include "store/record_batch.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "rcptguard/domain.h"

namespace rcptguard {

std::vector<MessageKey> MessageKeys(std::span<const SentMessage> messages) {
  std::vector<MessageKey> keys;
  keys.reserve(messages.size());
  for (const SentMessage& message : messages) {
    if (!message.key.empty()) keys.push_back({message.key, message.time});
  }
  // Stable, so the first message's time is kept for a key given twice.
  std::stable_sort(keys.begin(), keys.end(),
                   [](const MessageKey& a, const MessageKey& b) { return a.key < b.key; });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const MessageKey& a, const MessageKey& b) { return a.key == b.key; }),
             keys.end());
  return keys;
}

RecordBatch AggregateMessages(std::span<const SentMessage> messages, const HistoryKeyer& keyer,
                              const std::function<bool(std::string_view key)>& fresh) {
  using PairKey = std::pair<std::string, std::string>;
  using NameKey = std::tuple<std::string, std::string, std::string>;
  std::map<PairKey, PairDelta> pairs;
  std::map<NameKey, NameDelta> names;
  std::set<std::string_view> keys_seen;  // views into `messages`, which outlive this
  RecordBatch batch;

  // Recipients are canonicalised once per message; a batch from one sender to
  // the same few people (the common case) repeats the keying work per message,
  // which the benchmark shows is well under the database's cost.
  std::vector<std::pair<std::string, std::string>> seen_in_message;  // (recipient key, name key)
  for (const SentMessage& message : messages) {
    if (!message.key.empty()) {
      if (!keys_seen.insert(message.key).second) continue;  // twice in this batch
      if (!fresh(message.key)) continue;                    // recorded before
    }
    auto sender = CanonicalAddress(message.sender);
    if (!sender) continue;
    std::string sender_key = keyer.Key(*sender);
    ++batch.counted;
    seen_in_message.clear();
    for (const SentRecipient& recipient : message.recipients) {
      auto parsed = ParseAddress(recipient.address);
      if (!parsed) continue;
      std::string canonical = CanonicalAddress(*parsed);
      std::string recipient_key = keyer.Key(canonical);
      std::string normalized_name = NormalizeDisplayName(recipient.display_name);
      std::string name_key = normalized_name.empty() ? std::string() : keyer.Key(normalized_name);
      bool pair_seen = false;
      bool name_seen = false;
      for (const auto& [r, n] : seen_in_message) {
        if (r != recipient_key) continue;
        pair_seen = true;
        if (n == name_key) name_seen = true;
      }
      if (!name_seen) seen_in_message.emplace_back(recipient_key, name_key);

      if (!pair_seen) {
        auto [it, inserted] = pairs.try_emplace(PairKey(sender_key, recipient_key));
        PairDelta& pair = it->second;
        if (inserted) {
          pair.sender = sender_key;
          pair.recipient = recipient_key;
          pair.domain = parsed->domain.ascii;
          pair.first_seen = message.time;
          pair.last_seen = message.time;
          if (keyer.hashed()) {
            std::string_view local(canonical);
            local = local.substr(0, local.rfind('@'));
            pair.local_digests = SerializeDigests(keyer.LocalPartDigests(local));
          }
        }
        pair.messages += 1;
        pair.first_seen = std::min(pair.first_seen, message.time);
        pair.last_seen = std::max(pair.last_seen, message.time);
      }
      if (!name_seen && !name_key.empty()) {
        auto [it, inserted] = names.try_emplace(NameKey(sender_key, name_key, recipient_key));
        NameDelta& name = it->second;
        if (inserted) {
          name.sender = sender_key;
          name.name = name_key;
          name.recipient = recipient_key;
          name.last_seen = message.time;
        }
        name.messages += 1;
        name.last_seen = std::max(name.last_seen, message.time);
      }
    }
  }
  batch.pairs.reserve(pairs.size());
  for (auto& [key, pair] : pairs) batch.pairs.push_back(std::move(pair));
  batch.names.reserve(names.size());
  for (auto& [key, name] : names) batch.names.push_back(std::move(name));
  return batch;
}

Result<std::string> AddressKey(std::string_view address, const HistoryKeyer& keyer) {
  auto canonical = CanonicalAddress(address);
  if (!canonical) return Unexpected(canonical.error());
  return keyer.Key(*canonical);
}

Result<std::string> ExceptionRecipientKey(std::string_view recipient, const HistoryKeyer& keyer) {
  if (recipient.find('@') != std::string_view::npos) return AddressKey(recipient, keyer);
  return DomainKey(recipient);
}

Result<std::string> DomainKey(std::string_view domain) {
  auto normalized = NormalizeDomain(domain);
  if (!normalized) return Unexpected(normalized.error());
  return normalized->ascii;
}

std::string SerializeDigests(const std::vector<uint32_t>& digests) {
  std::string bytes;
  bytes.reserve(digests.size() * 4);
  for (uint32_t digest : digests) {
    for (int shift = 0; shift < 32; shift += 8) {
      bytes.push_back(static_cast<char>((digest >> shift) & 0xff));
    }
  }
  return bytes;
}

std::vector<uint32_t> ParseDigests(std::string_view bytes) {
  std::vector<uint32_t> digests;
  digests.reserve(bytes.size() / 4);
  for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    uint32_t digest = 0;
    for (int b = 0; b < 4; ++b) {
      digest |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
    }
    digests.push_back(digest);
  }
  return digests;
}

}  // namespace rcptguard
