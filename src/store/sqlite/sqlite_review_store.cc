// The review store in the history's SQLite file: its own tables and its own
// schema version row set (review_schema_version), so the history's migrations
// and these never step on each other. WAL and a busy timeout as the history.
// TODO(layout): move onto the shared SQLite statement helpers once
// sqlite_store.cc is split (issue 16 phase 2); this file keeps its own few.
#include <sqlite3.h>

#include <memory>
#include <string>

#include "store/review_store.h"
#include "store/store_url.h"

namespace rcptguard {
namespace {

constexpr const char* kReviewMigrations[] = {
    // 1: audit log, used links, users, sessions, verdict events and counters.
    // The event indexes put `time` after the equality columns the reports
    // filter on and cover what they read, so a report is one index range scan.
    "CREATE TABLE review_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
    " actor TEXT NOT NULL, actor_kind TEXT NOT NULL, action TEXT NOT NULL,"
    " subject TEXT NOT NULL, reason TEXT NOT NULL);"
    "CREATE TABLE review_used_links (link_id TEXT PRIMARY KEY, used_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE review_users (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
    " password_hash TEXT NOT NULL, created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE review_sessions (id_hash TEXT PRIMARY KEY, user TEXT NOT NULL,"
    " expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX review_sessions_user ON review_sessions (user);"
    "CREATE TABLE verdict_events (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " source TEXT NOT NULL, sender TEXT NOT NULL, recipient_domain TEXT NOT NULL,"
    " verdict TEXT NOT NULL, reason_code TEXT NOT NULL, reason_class TEXT NOT NULL,"
    " intended_domain TEXT NOT NULL, marking TEXT NOT NULL);"
    "CREATE INDEX verdict_events_time ON verdict_events (time, reason_class, reason_code);"
    "CREATE INDEX verdict_events_domain ON verdict_events (reason_code, time, recipient_domain);"
    "CREATE INDEX verdict_events_sender ON verdict_events (time, sender);"
    "CREATE INDEX verdict_events_marking ON verdict_events (marking, time, verdict);"
    "CREATE TABLE verdict_counts (day INTEGER NOT NULL, source TEXT NOT NULL,"
    " verdict TEXT NOT NULL, reason_code TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (day, source, verdict, reason_code)) WITHOUT ROWID;",
};

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

class SqliteReviewStore : public ReviewStore {
 public:
  explicit SqliteReviewStore(std::string url) : url_(std::move(url)) {}

  Result<void> Open(const std::string& path) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) return Failure("cannot open " + path);
    RCPTGUARD_TRY(Exec("PRAGMA busy_timeout = 10000"));
    RCPTGUARD_TRY(Exec("PRAGMA journal_mode = WAL"));
    RCPTGUARD_TRY(Exec("PRAGMA synchronous = NORMAL"));
    return Migrate();
  }

  Result<int64_t> AppendAudit(const AuditEntry& e) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        Statement s, Prepare("INSERT INTO review_audit (time, actor, actor_kind, action, subject,"
                             " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    Bind(s, 1, e.time, e.actor, e.actor_kind, e.action, e.subject, e.reason);
    RCPTGUARD_TRY(Done(s));
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.get()));
  }
  Result<std::vector<AuditEntry>> ListAudit(int64_t before_id, size_t limit) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        Statement s,
        Prepare("SELECT id, time, actor, actor_kind, action, subject, reason"
                " FROM review_audit WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2"));
    Bind(s, 1, before_id, static_cast<int64_t>(limit));
    std::vector<AuditEntry> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      out.push_back(AuditEntry{Int(s, 0), Int(s, 1), Text(s, 2), Text(s, 3), Text(s, 4), Text(s, 5),
                               Text(s, 6)});
    }
    RCPTGUARD_TRY(Finished(s));
    return out;
  }
  Result<bool> UseLink(std::string_view link_id, int64_t now, int64_t expires_at) override {
    // One statement: SQLite's write lock makes exactly one INSERT of a key
    // succeed, across connections and processes.
    RCPTGUARD_ASSIGN_OR_RETURN(Statement s,
                               Prepare("INSERT OR IGNORE INTO review_used_links (link_id, used_at,"
                                       " expires_at) VALUES (?1, ?2, ?3)"));
    Bind(s, 1, link_id, now, expires_at);
    RCPTGUARD_TRY(Done(s));
    return sqlite3_changes(db_.get()) == 1;
  }
  Result<void> PutUser(const ConsoleUser& u) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        Statement s, Prepare("INSERT INTO review_users (name, role, password_hash, created)"
                             " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
                             " role = excluded.role, password_hash = excluded.password_hash"));
    Bind(s, 1, u.name, ConsoleRoleName(u.role), u.password_hash, u.created);
    return Done(s);
  }
  Result<std::optional<ConsoleUser>> GetUser(std::string_view name) override {
    RCPTGUARD_ASSIGN_OR_RETURN(auto users, Users(name, true));
    if (users.empty()) return std::optional<ConsoleUser>();
    return std::optional<ConsoleUser>(std::move(users.front()));
  }
  Result<std::vector<ConsoleUser>> ListUsers() override { return Users("", false); }
  Result<bool> RemoveUser(std::string_view name) override {
    RCPTGUARD_TRY(Exec("BEGIN IMMEDIATE"));
    auto removed = [&]() -> Result<bool> {
      RCPTGUARD_ASSIGN_OR_RETURN(Statement s,
                                 Prepare("DELETE FROM review_sessions WHERE user = ?1"));
      Bind(s, 1, name);
      RCPTGUARD_TRY(Done(s));
      RCPTGUARD_ASSIGN_OR_RETURN(Statement u, Prepare("DELETE FROM review_users WHERE name = ?1"));
      Bind(u, 1, name);
      RCPTGUARD_TRY(Done(u));
      return sqlite3_changes(db_.get()) > 0;
    }();
    return Commit(std::move(removed));
  }
  Result<void> PutSession(const ConsoleSession& session) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        Statement s, Prepare("INSERT OR REPLACE INTO review_sessions (id_hash, user, expires_at)"
                             " VALUES (?1, ?2, ?3)"));
    Bind(s, 1, session.id_hash, session.user, session.expires_at);
    return Done(s);
  }
  Result<std::optional<ConsoleSession>> GetSession(std::string_view id_hash, int64_t now) override {
    RCPTGUARD_ASSIGN_OR_RETURN(Statement s,
                               Prepare("SELECT id_hash, user, expires_at FROM review_sessions"
                                       " WHERE id_hash = ?1 AND expires_at > ?2"));
    Bind(s, 1, id_hash, now);
    std::optional<ConsoleSession> out;
    if (sqlite3_step(s.get()) == SQLITE_ROW)
      out = ConsoleSession{Text(s, 0), Text(s, 1), Int(s, 2)};
    return out;
  }
  Result<void> RemoveSession(std::string_view id_hash) override {
    RCPTGUARD_ASSIGN_OR_RETURN(Statement s,
                               Prepare("DELETE FROM review_sessions WHERE id_hash = ?1"));
    Bind(s, 1, id_hash);
    return Done(s);
  }
  Result<void> RecordVerdicts(std::span<const VerdictEvent> events,
                              std::span<const VerdictCount> counts) override {
    RCPTGUARD_TRY(Exec("BEGIN IMMEDIATE"));
    auto written = [&]() -> Result<void> {
      RCPTGUARD_ASSIGN_OR_RETURN(
          Statement e, Prepare("INSERT INTO verdict_events (time, source, sender,"
                               " recipient_domain, verdict, reason_code, reason_class,"
                               " intended_domain, marking) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"));
      for (const VerdictEvent& v : events) {
        Bind(e, 1, v.time, v.source, v.sender, v.recipient_domain, v.verdict, v.reason_code,
             v.reason_class, v.intended_domain, v.marking);
        RCPTGUARD_TRY(Done(e));
        sqlite3_reset(e.get());
      }
      RCPTGUARD_ASSIGN_OR_RETURN(
          Statement c, Prepare("INSERT INTO verdict_counts (day, source, verdict, reason_code,"
                               " count) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET"
                               " count = count + excluded.count"));
      for (const VerdictCount& v : counts) {
        Bind(c, 1, v.day, v.source, v.verdict, v.reason_code, v.count);
        RCPTGUARD_TRY(Done(c));
        sqlite3_reset(c.get());
      }
      return {};
    }();
    return Commit(std::move(written));
  }
  Result<std::vector<VerdictCount>> VerdictTotals(int64_t since_day) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        Statement s, Prepare("SELECT source, verdict, reason_code, sum(count) FROM verdict_counts"
                             " WHERE day >= ?1 GROUP BY source, verdict, reason_code"));
    Bind(s, 1, since_day);
    std::vector<VerdictCount> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      out.push_back(VerdictCount{0, Text(s, 0), Text(s, 1), Text(s, 2), Int(s, 3)});
    }
    RCPTGUARD_TRY(Finished(s));
    return out;
  }
  Result<std::vector<DailyCount>> CaughtPerDay(int64_t since) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        Statement s,
        Prepare("SELECT time / 86400 AS day, CASE reason_class WHEN '' THEN reason_code"
                " ELSE reason_class END AS class, count(*) FROM verdict_events"
                " WHERE time >= ?1 GROUP BY day, class ORDER BY day, class"));
    Bind(s, 1, since);
    std::vector<DailyCount> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      out.push_back(DailyCount{Int(s, 0), Text(s, 1), Int(s, 2)});
    }
    RCPTGUARD_TRY(Finished(s));
    return out;
  }
  Result<std::vector<CountByKey>> TopLookalikeDomains(int64_t since, size_t limit) override {
    return Ranked(
        "SELECT recipient_domain, count(*) AS n FROM verdict_events"
        " WHERE reason_code = 'lookalike-domain' AND time >= ?1"
        " GROUP BY recipient_domain ORDER BY n DESC, recipient_domain LIMIT ?2",
        since, limit);
  }
  Result<std::vector<CountByKey>> TopSenders(int64_t since, size_t limit) override {
    return Ranked(
        "SELECT sender, count(*) AS n FROM verdict_events WHERE time >= ?1"
        " GROUP BY sender ORDER BY n DESC, sender LIMIT ?2",
        since, limit);
  }
  Result<std::vector<CountByKey>> StoppedByMarking(int64_t since) override {
    return Ranked(
        "SELECT marking, count(*) AS n FROM verdict_events WHERE marking <> ''"
        " AND time >= ?1 AND verdict IN ('hold', 'reject')"
        " GROUP BY marking ORDER BY n DESC, marking LIMIT ?2",
        since, 0);
  }
  Result<void> Prune(int64_t now, int64_t before) override {
    RCPTGUARD_TRY(Exec("BEGIN IMMEDIATE"));
    auto pruned = [&]() -> Result<void> {
      for (const char* sql : {"DELETE FROM review_used_links WHERE expires_at <= ?1",
                              "DELETE FROM review_sessions WHERE expires_at <= ?1",
                              "DELETE FROM verdict_events WHERE time < ?2"}) {
        RCPTGUARD_ASSIGN_OR_RETURN(Statement s, Prepare(sql));
        sqlite3_bind_int64(s.get(), 1, now);
        sqlite3_bind_int64(s.get(), 2, before);
        RCPTGUARD_TRY(Done(s));
      }
      return {};
    }();
    return Commit(std::move(pruned));
  }

 private:
  rcptguard::Failure Failure(const std::string& what) const {
    return MakeError(ErrorCode::kIo, "review store " + url_ + ": " + what + ": " +
                                         (db_ ? sqlite3_errmsg(db_.get()) : "no database"));
  }
  Result<void> Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "failed";
      sqlite3_free(message);
      return MakeError(ErrorCode::kIo, "review store " + url_ + ": " + text);
    }
    return {};
  }
  Result<Statement> Prepare(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &statement, nullptr) != SQLITE_OK) {
      return Failure("cannot prepare a statement");
    }
    return Statement(statement);
  }
  // Binds the values in order from `index`.
  template <typename... Values>
  void Bind(const Statement& s, int index, const Values&... values) {
    (BindOne(s, index++, values), ...);
  }
  void BindOne(const Statement& s, int index, int64_t value) {
    sqlite3_bind_int64(s.get(), index, value);
  }
  void BindOne(const Statement& s, int index, std::string_view value) {
    sqlite3_bind_text(s.get(), index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  void BindOne(const Statement& s, int index, const std::string& value) {
    BindOne(s, index, std::string_view(value));
  }
  Result<void> Done(const Statement& s) {
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Failure("cannot write");
    return {};
  }
  Result<void> Finished(const Statement& s) {
    int rc = sqlite3_errcode(db_.get());
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
      (void)s;
      return Failure("cannot read");
    }
    return {};
  }
  template <typename T>
  Result<T> Commit(Result<T> result) {
    if (!result) {
      (void)Exec("ROLLBACK");
      return result;
    }
    RCPTGUARD_TRY(Exec("COMMIT"));
    return result;
  }
  static int64_t Int(const Statement& s, int column) {
    return sqlite3_column_int64(s.get(), column);
  }
  static std::string Text(const Statement& s, int column) {
    const unsigned char* text = sqlite3_column_text(s.get(), column);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }
  Result<std::vector<ConsoleUser>> Users(std::string_view name, bool one) {
    RCPTGUARD_ASSIGN_OR_RETURN(Statement s,
                               Prepare("SELECT name, role, password_hash, created FROM review_users"
                                       " WHERE ?1 = 0 OR name = ?2 ORDER BY name"));
    Bind(s, 1, static_cast<int64_t>(one ? 1 : 0), name);
    std::vector<ConsoleUser> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      out.push_back(ConsoleUser{Text(s, 0),
                                Text(s, 1) == "admin" ? ConsoleRole::kAdmin : ConsoleRole::kOfficer,
                                Text(s, 2), Int(s, 3)});
    }
    RCPTGUARD_TRY(Finished(s));
    return out;
  }
  Result<std::vector<CountByKey>> Ranked(const char* sql, int64_t since, size_t limit) {
    RCPTGUARD_ASSIGN_OR_RETURN(Statement s, Prepare(sql));
    Bind(s, 1, since, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit));
    std::vector<CountByKey> out;
    while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(CountByKey{Text(s, 0), Int(s, 1)});
    RCPTGUARD_TRY(Finished(s));
    return out;
  }
  // Brings the review tables to the newest version, in one IMMEDIATE
  // transaction so that two processes opening a new store at once do not
  // both create them.
  Result<void> Migrate() {
    RCPTGUARD_TRY(Exec("BEGIN IMMEDIATE"));
    auto migrated = [&]() -> Result<void> {
      RCPTGUARD_TRY(
          Exec("CREATE TABLE IF NOT EXISTS review_schema_version (version INTEGER"
               " PRIMARY KEY, applied INTEGER NOT NULL)"));
      RCPTGUARD_ASSIGN_OR_RETURN(
          Statement s, Prepare("SELECT coalesce(max(version), 0) FROM review_schema_version"));
      if (sqlite3_step(s.get()) != SQLITE_ROW) return Failure("cannot read the schema version");
      int64_t version = Int(s, 0);
      constexpr int64_t kNewest = static_cast<int64_t>(std::size(kReviewMigrations));
      if (version > kNewest) {
        return MakeError(ErrorCode::kConfig, "review store " + url_ + " has schema version " +
                                                 std::to_string(version) +
                                                 ", newer than this rcptguard knows");
      }
      for (int64_t v = version; v < kNewest; ++v) {
        RCPTGUARD_TRY(Exec(kReviewMigrations[v]));
        RCPTGUARD_ASSIGN_OR_RETURN(Statement mark,
                                   Prepare("INSERT INTO review_schema_version (version, applied)"
                                           " VALUES (?1, unixepoch())"));
        Bind(mark, 1, v + 1);
        RCPTGUARD_TRY(Done(mark));
      }
      return {};
    }();
    return Commit(std::move(migrated));
  }

  std::string url_;
  std::unique_ptr<sqlite3, DatabaseCloser> db_;
};

}  // namespace

Result<std::unique_ptr<ReviewStore>> OpenSqliteReviewStore(const std::string& redacted_url,
                                                           const std::string& path) {
  auto store = std::make_unique<SqliteReviewStore>(redacted_url);
  RCPTGUARD_TRY(store->Open(path));
  return std::unique_ptr<ReviewStore>(std::move(store));
}

}  // namespace rcptguard
