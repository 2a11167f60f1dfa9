// The in-memory history store: the reference semantics in plain containers, a
// fake for tests and benchmarks. "memory:" is private to the store object;
// "memory:NAME" is one instance per process, shared by every store opened with
// that name (and kept until the process exits), so tests can play two gateways
// and reopen a store as they do with a database.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "store/backends.h"
#include "store/record_batch.h"

namespace rcptguard {
namespace {

struct PairRow {
  PairRecord record;
  int64_t seq = 0;
};

struct NameRow {
  NameRecord record;
  int64_t last_seen = 0;
  int64_t seq = 0;
};

using PairKey = std::pair<std::string, std::string>;                // sender, recipient
using NameKey = std::tuple<std::string, std::string, std::string>;  // sender, name, recipient

struct MemoryData {
  std::mutex mutex;
  bool hashed = false;
  std::map<PairKey, PairRow> pairs;
  std::map<NameKey, NameRow> names;
  std::map<PairKey, ExceptionRecord> exceptions;  // sender, recipient
  std::unordered_map<std::string, int64_t> message_keys;
  int64_t seq = 0;  // last sequence number given out
};

std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<MemoryData>>& Registry() {
  static auto* registry = new std::map<std::string, std::shared_ptr<MemoryData>>();
  return *registry;
}

class MemoryStore : public HistoryStore {
 public:
  MemoryStore(std::shared_ptr<MemoryData> data, HistoryKeyer keyer)
      : data_(std::move(data)), keyer_(std::move(keyer)) {}

  Result<size_t> Record(std::span<const SentMessage> messages) override {
    std::lock_guard lock(data_->mutex);
    std::set<std::string> fresh;
    for (MessageKey& key : MessageKeys(messages)) {
      if (data_->message_keys.try_emplace(key.key, key.time).second) fresh.insert(key.key);
    }
    RecordBatch batch = AggregateMessages(
        messages, keyer_, [&](std::string_view key) { return fresh.count(std::string(key)) > 0; });
    for (PairDelta& delta : batch.pairs) {
      auto [it, inserted] = data_->pairs.try_emplace(PairKey(delta.sender, delta.recipient));
      PairRecord& pair = it->second.record;
      if (inserted) {
        pair.sender = delta.sender;
        pair.recipient = delta.recipient;
        pair.domain = delta.domain;
        pair.first_seen = delta.first_seen;
        pair.last_seen = delta.last_seen;
      }
      pair.messages += delta.messages;
      pair.first_seen = std::min(pair.first_seen, delta.first_seen);
      pair.last_seen = std::max(pair.last_seen, delta.last_seen);
      pair.local_digests = ParseDigests(delta.local_digests);
      it->second.seq = ++data_->seq;
    }
    for (NameDelta& delta : batch.names) {
      auto [it, inserted] =
          data_->names.try_emplace(NameKey(delta.sender, delta.name, delta.recipient));
      NameRecord& name = it->second.record;
      if (inserted) {
        name.sender = delta.sender;
        name.name = delta.name;
        name.recipient = delta.recipient;
      }
      name.messages += delta.messages;
      it->second.last_seen = std::max(it->second.last_seen, delta.last_seen);
      it->second.seq = ++data_->seq;
    }
    return batch.counted;
  }

  Result<HistorySnapshot> Load(int64_t now) override {
    std::lock_guard lock(data_->mutex);
    HistorySnapshot snapshot;
    snapshot.pairs.reserve(data_->pairs.size());
    for (const auto& [key, row] : data_->pairs) snapshot.pairs.push_back(row.record);
    snapshot.names.reserve(data_->names.size());
    for (const auto& [key, row] : data_->names) snapshot.names.push_back(row.record);
    AppendExceptions("", now, &snapshot);
    snapshot.cursor = data_->seq;
    return snapshot;
  }

  Result<HistorySnapshot> LoadForSender(std::string_view sender, int64_t now) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    std::lock_guard lock(data_->mutex);
    HistorySnapshot snapshot;
    std::set<std::string> domains;
    for (const auto& [k, row] : data_->pairs) {
      if (k.first == *key) domains.insert(row.record.domain);
    }
    for (const auto& [k, row] : data_->pairs) {
      if (domains.count(row.record.domain) > 0) snapshot.pairs.push_back(row.record);
    }
    for (const auto& [k, row] : data_->names) {
      if (std::get<0>(k) == *key) snapshot.names.push_back(row.record);
    }
    AppendExceptions(*key, now, &snapshot);
    snapshot.cursor = data_->seq;
    return snapshot;
  }

  Result<HistorySnapshot> LoadChangedSince(int64_t cursor, int64_t now) override {
    std::lock_guard lock(data_->mutex);
    HistorySnapshot snapshot;
    for (const auto& [k, row] : data_->pairs) {
      if (row.seq > cursor) snapshot.pairs.push_back(row.record);
    }
    for (const auto& [k, row] : data_->names) {
      if (row.seq > cursor) snapshot.names.push_back(row.record);
    }
    AppendExceptions("", now, &snapshot);
    snapshot.cursor = std::max(cursor, data_->seq);
    return snapshot;
  }

  Result<std::vector<PairRecord>> TopCorrespondents(std::string_view sender,
                                                    size_t limit) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    std::lock_guard lock(data_->mutex);
    std::vector<PairRecord> pairs;
    for (const auto& [k, row] : data_->pairs) {
      if (k.first == *key) pairs.push_back(row.record);
    }
    std::sort(pairs.begin(), pairs.end(), MoreFrequentPair);
    if (pairs.size() > limit) pairs.resize(limit);
    return pairs;
  }

  Result<DomainSummary> DescribeDomain(std::string_view domain, size_t limit) override {
    auto canonical = DomainKey(domain);
    if (!canonical) return Unexpected(canonical.error());
    std::lock_guard lock(data_->mutex);
    DomainSummary summary;
    summary.domain = *canonical;
    std::set<std::string> senders;
    std::set<std::string> addresses;
    for (const auto& [k, row] : data_->pairs) {
      const PairRecord& pair = row.record;
      if (pair.domain != *canonical) continue;
      summary.messages += pair.messages;
      senders.insert(pair.sender);
      addresses.insert(pair.recipient);
      summary.first_seen = summary.top_pairs.empty()
                               ? pair.first_seen
                               : std::min(summary.first_seen, pair.first_seen);
      summary.last_seen = std::max(summary.last_seen, pair.last_seen);
      summary.top_pairs.push_back(pair);
    }
    summary.senders = static_cast<int64_t>(senders.size());
    summary.addresses = static_cast<int64_t>(addresses.size());
    std::sort(summary.top_pairs.begin(), summary.top_pairs.end(), MoreFrequentPair);
    if (summary.top_pairs.size() > limit) summary.top_pairs.resize(limit);
    return summary;
  }

  Result<size_t> ForgetSender(std::string_view sender) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    std::lock_guard lock(data_->mutex);
    return Forget(*key, /*as_recipient=*/false);
  }

  Result<size_t> ForgetAddress(std::string_view address) override {
    auto key = AddressKey(address, keyer_);
    if (!key) return Unexpected(key.error());
    std::lock_guard lock(data_->mutex);
    return Forget(*key, /*as_recipient=*/true);
  }

  Result<void> AddException(const ExceptionRecord& exception) override {
    auto sender = AddressKey(exception.sender, keyer_);
    if (!sender) return Unexpected(sender.error());
    auto recipient = ExceptionRecipientKey(exception.recipient, keyer_);
    if (!recipient) return Unexpected(recipient.error());
    std::lock_guard lock(data_->mutex);
    ExceptionRecord stored = exception;
    stored.sender = *sender;
    stored.recipient = *recipient;
    data_->exceptions[PairKey(*sender, *recipient)] = std::move(stored);
    return {};
  }

  Result<size_t> RemoveException(std::string_view sender, std::string_view recipient) override {
    auto sender_key = AddressKey(sender, keyer_);
    if (!sender_key) return Unexpected(sender_key.error());
    auto recipient_key = ExceptionRecipientKey(recipient, keyer_);
    if (!recipient_key) return Unexpected(recipient_key.error());
    std::lock_guard lock(data_->mutex);
    return data_->exceptions.erase(PairKey(*sender_key, *recipient_key));
  }

  Result<std::vector<ExceptionRecord>> ListExceptions(std::string_view sender) override {
    std::string key;
    if (!sender.empty()) {
      auto k = AddressKey(sender, keyer_);
      if (!k) return Unexpected(k.error());
      key = *k;
    }
    std::lock_guard lock(data_->mutex);
    std::vector<ExceptionRecord> out;
    for (const auto& [k, exception] : data_->exceptions) {
      if (key.empty() || k.first == key) out.push_back(exception);
    }
    return out;
  }

  Result<size_t> Prune(int64_t before) override {
    std::lock_guard lock(data_->mutex);
    size_t removed = std::erase_if(
        data_->pairs, [&](const auto& e) { return e.second.record.last_seen < before; });
    std::erase_if(data_->names, [&](const auto& e) { return e.second.last_seen < before; });
    std::erase_if(data_->message_keys, [&](const auto& e) { return e.second < before; });
    std::erase_if(data_->exceptions, [&](const auto& e) { return e.second.expires < before; });
    return removed;
  }

  Result<void> CheckIntegrity() override { return {}; }  // nothing on disk to damage

  Result<StoreStats> Stats() override {
    std::lock_guard lock(data_->mutex);
    StoreStats stats;
    std::set<std::string_view> senders;
    std::set<std::string_view> domains;
    for (const auto& [k, row] : data_->pairs) {
      senders.insert(row.record.sender);
      domains.insert(row.record.domain);
    }
    stats.pairs = static_cast<int64_t>(data_->pairs.size());
    stats.senders = static_cast<int64_t>(senders.size());
    stats.domains = static_cast<int64_t>(domains.size());
    stats.names = static_cast<int64_t>(data_->names.size());
    stats.exceptions = static_cast<int64_t>(data_->exceptions.size());
    stats.recorded_messages = static_cast<int64_t>(data_->message_keys.size());
    stats.schema_version = kHistorySchemaVersion;
    stats.hashed = data_->hashed;
    return stats;
  }

 private:
  // Exceptions of `sender_key` (all senders when empty) that have not expired.
  void AppendExceptions(const std::string& sender_key, int64_t now, HistorySnapshot* snapshot) {
    for (const auto& [k, exception] : data_->exceptions) {
      if ((sender_key.empty() || k.first == sender_key) && exception.expires > now) {
        snapshot->exceptions.push_back(exception);
      }
    }
  }

  size_t Forget(const std::string& key, bool as_recipient) {
    size_t removed = 0;
    removed += std::erase_if(data_->pairs, [&](const auto& e) {
      return e.first.first == key || (as_recipient && e.first.second == key);
    });
    removed += std::erase_if(data_->names, [&](const auto& e) {
      return std::get<0>(e.first) == key || (as_recipient && std::get<2>(e.first) == key);
    });
    removed += std::erase_if(data_->exceptions, [&](const auto& e) {
      return e.first.first == key || (as_recipient && e.first.second == key);
    });
    return removed;
  }

  std::shared_ptr<MemoryData> data_;
  HistoryKeyer keyer_;
};

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenMemoryStore(const StoreUrl& url,
                                                      const StoreOptions& options) {
  std::shared_ptr<MemoryData> data;
  if (url.path.empty()) {
    data = std::make_shared<MemoryData>();
    data->hashed = options.keyer.hashed();
  } else {
    std::lock_guard lock(registry_mutex);
    auto [it, inserted] = Registry().try_emplace(url.path);
    if (inserted) {
      it->second = std::make_shared<MemoryData>();
      it->second->hashed = options.keyer.hashed();
    }
    data = it->second;
    if (data->hashed != options.keyer.hashed()) {
      return MakeError(ErrorCode::kConfig, "history store \"memory:" + url.path + "\" holds " +
                                               (data->hashed ? "hashed" : "clear-text") +
                                               " addresses; refusing to open it in " +
                                               (options.keyer.hashed() ? "hashed" : "clear-text") +
                                               " mode");
    }
  }
  return std::unique_ptr<HistoryStore>(new MemoryStore(std::move(data), options.keyer));
}

}  // namespace rcptguard
