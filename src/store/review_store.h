// Review state beside the history: the audit log of what people did with
// held mail, single-use confirmation links, console users and sessions, and
// the verdict events and counters the reports and /metrics read. One
// interface; the memory backend is the reference, SQLite and PostgreSQL
// backends follow the same contract (tests/store/review_store_test.cc).
#ifndef RCPTGUARD_STORE_REVIEW_STORE_H_
#define RCPTGUARD_STORE_REVIEW_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

// One thing a person (or the expiry) did.
struct AuditEntry {
  int64_t id = 0;          // assigned by the store, increasing
  int64_t time = 0;        // unix seconds
  std::string actor;       // console user, sender address, "cli:USER" or "expiry"
  std::string actor_kind;  // "admin", "sender" or "expiry"
  std::string action;      // "release", "discard", "confirm", "cancel", "except", "unexcept",
                           // "show-body", "user-add", ...
  std::string subject;     // a queue id, "sender -> recipient", a user name
  std::string reason;      // why, as the actor gave it
};

enum class ConsoleRole { kAdmin, kOfficer };
std::string_view ConsoleRoleName(ConsoleRole role);  // "admin" or "officer"

struct ConsoleUser {
  std::string name;
  ConsoleRole role = ConsoleRole::kOfficer;
  std::string password_hash;  // crypto_pwhash_str (argon2id) text; see HashPassword
  int64_t created = 0;
};

struct ConsoleSession {
  std::string id_hash;  // SessionIdHash of the cookie's value: the store never holds the id
  std::string user;
  int64_t expires_at = 0;
};

// One recipient the milter (or the API) did not simply allow.
struct VerdictEvent {
  int64_t time = 0;
  std::string source;  // "milter" or "api"
  std::string sender;
  std::string recipient_domain;  // the domain only: reports never need the address
  std::string verdict;           // "warn", "hold", "reject"
  std::string reason_code;       // "lookalike-domain", ...
  std::string reason_class;      // "tld-swap", ... or ""
  std::string intended_domain;   // what was probably meant, or ""
  std::string marking;           // the marking that stopped it, or ""
};

// Counters for every verdict, allows included, by (day, source, verdict,
// reason code); RecordVerdicts adds to them.
struct VerdictCount {
  int64_t day = 0;  // unix seconds / 86400
  std::string source;
  std::string verdict;
  std::string reason_code;  // "" for allow
  int64_t count = 0;
};

struct CountByKey {
  std::string key;
  int64_t count = 0;
};
struct DailyCount {
  int64_t day = 0;
  std::string key;  // the class (or reason code when it has no class)
  int64_t count = 0;
};

// Not thread-safe: one object per thread, as HistoryStore.
class ReviewStore {
 public:
  virtual ~ReviewStore() = default;

  // Appends to the audit log; returns the entry's id.
  virtual Result<int64_t> AppendAudit(const AuditEntry& entry) = 0;
  // Newest first: entries with id < before_id (0: from the newest), at most `limit`.
  virtual Result<std::vector<AuditEntry>> ListAudit(int64_t before_id, size_t limit) = 0;

  // Marks a link id used. Returns true for the first use and false for every
  // later one, atomically across connections and processes: of concurrent
  // callers exactly one gets true. `expires_at` lets Prune forget it later.
  virtual Result<bool> UseLink(std::string_view link_id, int64_t now, int64_t expires_at) = 0;

  // Users. PutUser adds or replaces (role, hash) by name.
  virtual Result<void> PutUser(const ConsoleUser& user) = 0;
  virtual Result<std::optional<ConsoleUser>> GetUser(std::string_view name) = 0;
  virtual Result<std::vector<ConsoleUser>> ListUsers() = 0;
  virtual Result<bool> RemoveUser(std::string_view name) = 0;  // also their sessions

  // Sessions. GetSession returns nullopt for an unknown or expired one.
  virtual Result<void> PutSession(const ConsoleSession& session) = 0;
  virtual Result<std::optional<ConsoleSession>> GetSession(std::string_view id_hash,
                                                           int64_t now) = 0;
  virtual Result<void> RemoveSession(std::string_view id_hash) = 0;

  // One transaction: the events and the counters.
  virtual Result<void> RecordVerdicts(std::span<const VerdictEvent> events,
                                      std::span<const VerdictCount> counts) = 0;
  // Counters summed over days >= since_day, by (source, verdict, reason code).
  virtual Result<std::vector<VerdictCount>> VerdictTotals(int64_t since_day) = 0;
  // Reports over events with time >= since.
  virtual Result<std::vector<DailyCount>> CaughtPerDay(int64_t since) = 0;
  virtual Result<std::vector<CountByKey>> TopLookalikeDomains(int64_t since, size_t limit) = 0;
  virtual Result<std::vector<CountByKey>> TopSenders(int64_t since, size_t limit) = 0;
  virtual Result<std::vector<CountByKey>> StoppedByMarking(int64_t since) = 0;

  // Forgets used links past their expiry, sessions past theirs, and events
  // older than `before` (counters stay).
  virtual Result<void> Prune(int64_t now, int64_t before) = 0;
};

// Opens the review store at the history store's URL (memory: a new one).
Result<std::unique_ptr<ReviewStore>> OpenReviewStore(const std::string& url);

// argon2id (crypto_pwhash_str, libsodium's interactive limits). Fails
// (kInternal) only when memory for the hash cannot be had.
Result<std::string> HashPassword(std::string_view password);
// Returns true iff `password` matches `hash` (constant time in libsodium).
bool VerifyPassword(std::string_view password, const std::string& hash);
// A new random session id for the cookie (URL-safe), and the hash the store keeps.
std::string NewSessionId();
std::string SessionIdHash(std::string_view session_id);

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_REVIEW_STORE_H_
