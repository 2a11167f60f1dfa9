// The memory review store (the reference for the contract), password and
// session-id hashing, and choosing a backend by URL.
#include "store/review_store.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

#include "store/store_url.h"

namespace rcptguard {

// sqlite/sqlite_review_store.cc
Result<std::unique_ptr<ReviewStore>> OpenSqliteReviewStore(const std::string& redacted_url,
                                                           const std::string& path);

namespace {

void EnsureSodium() {
  if (sodium_init() < 0) std::abort();  // no source of randomness: nothing is safe
}

template <typename Map>
std::vector<CountByKey> Ranked(const Map& counts, size_t limit) {
  std::vector<CountByKey> out;
  for (const auto& [key, count] : counts) out.push_back(CountByKey{key, count});
  std::sort(out.begin(), out.end(), [](const CountByKey& a, const CountByKey& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  if (limit != 0 && out.size() > limit) out.resize(limit);
  return out;
}

class MemoryReviewStore : public ReviewStore {
 public:
  Result<int64_t> AppendAudit(const AuditEntry& entry) override {
    std::lock_guard lock(mutex_);
    AuditEntry stored = entry;
    stored.id = static_cast<int64_t>(audit_.size()) + 1;
    audit_.push_back(stored);
    return stored.id;
  }
  Result<std::vector<AuditEntry>> ListAudit(int64_t before_id, size_t limit) override {
    std::lock_guard lock(mutex_);
    std::vector<AuditEntry> out;
    for (auto it = audit_.rbegin(); it != audit_.rend() && out.size() < limit; ++it) {
      if (before_id == 0 || it->id < before_id) out.push_back(*it);
    }
    return out;
  }
  Result<bool> UseLink(std::string_view link_id, int64_t, int64_t expires_at) override {
    std::lock_guard lock(mutex_);
    return used_links_.emplace(std::string(link_id), expires_at).second;
  }
  Result<void> PutUser(const ConsoleUser& user) override {
    std::lock_guard lock(mutex_);
    users_[user.name] = user;
    return {};
  }
  Result<std::optional<ConsoleUser>> GetUser(std::string_view name) override {
    std::lock_guard lock(mutex_);
    auto found = users_.find(std::string(name));
    if (found == users_.end()) return std::optional<ConsoleUser>();
    return std::optional<ConsoleUser>(found->second);
  }
  Result<std::vector<ConsoleUser>> ListUsers() override {
    std::lock_guard lock(mutex_);
    std::vector<ConsoleUser> out;
    for (const auto& [name, user] : users_) out.push_back(user);
    return out;
  }
  Result<bool> RemoveUser(std::string_view name) override {
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [&](const auto& item) { return item.second.user == name; });
    return users_.erase(std::string(name)) > 0;
  }
  Result<void> PutSession(const ConsoleSession& session) override {
    std::lock_guard lock(mutex_);
    sessions_[session.id_hash] = session;
    return {};
  }
  Result<std::optional<ConsoleSession>> GetSession(std::string_view id_hash, int64_t now) override {
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(std::string(id_hash));
    if (found == sessions_.end() || found->second.expires_at <= now) {
      return std::optional<ConsoleSession>();
    }
    return std::optional<ConsoleSession>(found->second);
  }
  Result<void> RemoveSession(std::string_view id_hash) override {
    std::lock_guard lock(mutex_);
    sessions_.erase(std::string(id_hash));
    return {};
  }
  Result<void> RecordVerdicts(std::span<const VerdictEvent> events,
                              std::span<const VerdictCount> counts) override {
    std::lock_guard lock(mutex_);
    events_.insert(events_.end(), events.begin(), events.end());
    for (const VerdictCount& count : counts) {
      counters_[{count.day, count.source, count.verdict, count.reason_code}] += count.count;
    }
    return {};
  }
  Result<std::vector<VerdictCount>> VerdictTotals(int64_t since_day) override {
    std::lock_guard lock(mutex_);
    std::map<std::tuple<std::string, std::string, std::string>, int64_t> totals;
    for (const auto& [key, count] : counters_) {
      const auto& [day, source, verdict, code] = key;
      if (day >= since_day) totals[{source, verdict, code}] += count;
    }
    std::vector<VerdictCount> out;
    for (const auto& [key, count] : totals) {
      out.push_back(VerdictCount{0, std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
    }
    return out;
  }
  Result<std::vector<DailyCount>> CaughtPerDay(int64_t since) override {
    std::lock_guard lock(mutex_);
    std::map<std::pair<int64_t, std::string>, int64_t> days;
    for (const VerdictEvent& event : events_) {
      if (event.time < since) continue;
      ++days[{event.time / 86400,
              event.reason_class.empty() ? event.reason_code : event.reason_class}];
    }
    std::vector<DailyCount> out;
    for (const auto& [key, count] : days) out.push_back(DailyCount{key.first, key.second, count});
    return out;
  }
  Result<std::vector<CountByKey>> TopLookalikeDomains(int64_t since, size_t limit) override {
    return Count(since, limit, [](const VerdictEvent& e) {
      return e.reason_code == "lookalike-domain" ? e.recipient_domain : std::string();
    });
  }
  Result<std::vector<CountByKey>> TopSenders(int64_t since, size_t limit) override {
    return Count(since, limit, [](const VerdictEvent& e) { return e.sender; });
  }
  Result<std::vector<CountByKey>> StoppedByMarking(int64_t since) override {
    return Count(since, 0, [](const VerdictEvent& e) {
      return e.verdict == "hold" || e.verdict == "reject" ? e.marking : std::string();
    });
  }
  Result<void> Prune(int64_t now, int64_t before) override {
    std::lock_guard lock(mutex_);
    std::erase_if(used_links_, [&](const auto& item) { return item.second <= now; });
    std::erase_if(sessions_, [&](const auto& item) { return item.second.expires_at <= now; });
    std::erase_if(events_, [&](const VerdictEvent& e) { return e.time < before; });
    return {};
  }

 private:
  template <typename KeyOf>
  Result<std::vector<CountByKey>> Count(int64_t since, size_t limit, KeyOf key_of) {
    std::lock_guard lock(mutex_);
    std::map<std::string, int64_t> counts;
    for (const VerdictEvent& event : events_) {
      if (event.time < since) continue;
      std::string key = key_of(event);
      if (!key.empty()) ++counts[key];
    }
    return Ranked(counts, limit);
  }

  std::mutex mutex_;
  std::vector<AuditEntry> audit_;
  std::map<std::string, int64_t> used_links_;
  std::map<std::string, ConsoleUser> users_;
  std::map<std::string, ConsoleSession> sessions_;
  std::vector<VerdictEvent> events_;
  std::map<std::tuple<int64_t, std::string, std::string, std::string>, int64_t> counters_;
};

}  // namespace

std::string_view ConsoleRoleName(ConsoleRole role) {
  return role == ConsoleRole::kAdmin ? "admin" : "officer";
}

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return MakeError(ErrorCode::kInternal, "out of memory hashing a password");
  }
  return std::string(hash);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  EnsureSodium();
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string NewSessionId() {
  EnsureSodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof(bytes));
  char text[sodium_base64_ENCODED_LEN(sizeof(bytes), sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof(text), bytes, sizeof(bytes),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

std::string SessionIdHash(std::string_view session_id) {
  EnsureSodium();
  // A plain hash suffices: the id is 256 random bits, nothing to guess.
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof(digest),
                     reinterpret_cast<const unsigned char*>(session_id.data()), session_id.size(),
                     nullptr, 0);
  char hex[2 * sizeof(digest) + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return hex;
}

Result<std::unique_ptr<ReviewStore>> OpenReviewStore(const std::string& url) {
  RCPTGUARD_ASSIGN_OR_RETURN(StoreUrl parsed, ParseStoreUrl(url));
  switch (parsed.scheme) {
    case StoreUrl::Scheme::kMemory:
      return std::unique_ptr<ReviewStore>(new MemoryReviewStore());
    case StoreUrl::Scheme::kSqlite:
      return OpenSqliteReviewStore(RedactStoreUrl(url), parsed.path);
    case StoreUrl::Scheme::kPostgres:
      break;
  }
  return MakeError(ErrorCode::kConfig, "review state cannot be kept in " + RedactStoreUrl(url) +
                                           " yet (PostgreSQL is issue 16 phase 2)");
}

}  // namespace rcptguard
