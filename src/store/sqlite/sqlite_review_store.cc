// The review store in the history's SQLite file: its own tables and its own
// schema version row set (review_schema_version), so the history's migrations
// and these never step on each other. WAL and a busy timeout as the history.
// Statements, binding and transactions come from SqliteDb (sqlite_db.h).
#include <memory>
#include <string>
#include <utility>

#include "store/review_store.h"
#include "store/sqlite/sqlite_db.h"
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

using Access = SqliteDb::Access;

int64_t Int(sqlite3_stmt* s, int column) { return sqlite3_column_int64(s, column); }
std::string Text(sqlite3_stmt* s, int column) { return SqliteDb::Text(s, column); }

class SqliteReviewStore : public ReviewStore {
 public:
  explicit SqliteReviewStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  Result<int64_t> AppendAudit(const AuditEntry& e) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        db_->Prepare("INSERT INTO review_audit (time, actor, actor_kind, action, subject,"
                     " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    RCPTGUARD_TRY(db_->Step(s, e.time, e.actor, e.actor_kind, e.action, e.subject, e.reason));
    return static_cast<int64_t>(sqlite3_last_insert_rowid(sqlite3_db_handle(s)));
  }
  Result<std::vector<AuditEntry>> ListAudit(int64_t before_id, size_t limit) override {
    std::vector<AuditEntry> out;
    RCPTGUARD_TRY(db_->ForEachRow(
        "SELECT id, time, actor, actor_kind, action, subject, reason"
        " FROM review_audit WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2",
        [&](sqlite3_stmt* s) {
          out.push_back(AuditEntry{Int(s, 0), Int(s, 1), Text(s, 2), Text(s, 3), Text(s, 4),
                                   Text(s, 5), Text(s, 6)});
        },
        before_id, static_cast<int64_t>(limit)));
    return out;
  }
  Result<bool> UseLink(std::string_view link_id, int64_t now, int64_t expires_at) override {
    // One statement: SQLite's write lock makes exactly one INSERT of a key
    // succeed, across connections and processes.
    RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                               db_->Prepare("INSERT OR IGNORE INTO review_used_links (link_id,"
                                            " used_at, expires_at) VALUES (?1, ?2, ?3)"));
    RCPTGUARD_TRY(db_->Step(s, link_id, now, expires_at));
    return db_->Changes() == 1;
  }
  Result<void> PutUser(const ConsoleUser& u) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        db_->Prepare("INSERT INTO review_users (name, role, password_hash, created)"
                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
                     " role = excluded.role, password_hash = excluded.password_hash"));
    return db_->Step(s, u.name, ConsoleRoleName(u.role), u.password_hash, u.created);
  }
  Result<std::optional<ConsoleUser>> GetUser(std::string_view name) override {
    RCPTGUARD_ASSIGN_OR_RETURN(auto users, Users(name, true));
    if (users.empty()) return std::optional<ConsoleUser>();
    return std::optional<ConsoleUser>(std::move(users.front()));
  }
  Result<std::vector<ConsoleUser>> ListUsers() override { return Users("", false); }
  Result<bool> RemoveUser(std::string_view name) override {
    RCPTGUARD_ASSIGN_OR_RETURN(SqliteDb::Transaction tx, db_->Begin(Access::kWrite));
    RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                               db_->Prepare("DELETE FROM review_sessions WHERE user = ?1"));
    RCPTGUARD_TRY(db_->Step(s, name));
    RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * u,
                               db_->Prepare("DELETE FROM review_users WHERE name = ?1"));
    RCPTGUARD_TRY(db_->Step(u, name));
    bool removed = db_->Changes() > 0;
    RCPTGUARD_TRY(tx.Commit());
    return removed;
  }
  Result<void> PutSession(const ConsoleSession& session) override {
    RCPTGUARD_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        db_->Prepare("INSERT OR REPLACE INTO review_sessions (id_hash, user, expires_at)"
                     " VALUES (?1, ?2, ?3)"));
    return db_->Step(s, session.id_hash, session.user, session.expires_at);
  }
  Result<std::optional<ConsoleSession>> GetSession(std::string_view id_hash, int64_t now) override {
    std::optional<ConsoleSession> out;
    RCPTGUARD_TRY(db_->ForEachRow(
        "SELECT id_hash, user, expires_at FROM review_sessions"
        " WHERE id_hash = ?1 AND expires_at > ?2",
        [&](sqlite3_stmt* s) {
          out = ConsoleSession{Text(s, 0), Text(s, 1), Int(s, 2)};
        },
        id_hash, now));
    return out;
  }
  Result<void> RemoveSession(std::string_view id_hash) override {
    RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                               db_->Prepare("DELETE FROM review_sessions WHERE id_hash = ?1"));
    return db_->Step(s, id_hash);
  }
  Result<void> RecordVerdicts(std::span<const VerdictEvent> events,
                              std::span<const VerdictCount> counts) override {
    RCPTGUARD_ASSIGN_OR_RETURN(SqliteDb::Transaction tx, db_->Begin(Access::kWrite));
    RCPTGUARD_ASSIGN_OR_RETURN(
        sqlite3_stmt * e,
        db_->Prepare("INSERT INTO verdict_events (time, source, sender,"
                     " recipient_domain, verdict, reason_code, reason_class,"
                     " intended_domain, marking) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"));
    for (const VerdictEvent& v : events) {
      RCPTGUARD_TRY(db_->Step(e, v.time, v.source, v.sender, v.recipient_domain, v.verdict,
                              v.reason_code, v.reason_class, v.intended_domain, v.marking));
    }
    RCPTGUARD_ASSIGN_OR_RETURN(
        sqlite3_stmt * c,
        db_->Prepare("INSERT INTO verdict_counts (day, source, verdict, reason_code,"
                     " count) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET"
                     " count = count + excluded.count"));
    for (const VerdictCount& v : counts) {
      RCPTGUARD_TRY(db_->Step(c, v.day, v.source, v.verdict, v.reason_code, v.count));
    }
    return tx.Commit();
  }
  Result<std::vector<VerdictCount>> VerdictTotals(int64_t since_day) override {
    std::vector<VerdictCount> out;
    RCPTGUARD_TRY(db_->ForEachRow(
        "SELECT source, verdict, reason_code, sum(count) FROM verdict_counts"
        " WHERE day >= ?1 GROUP BY source, verdict, reason_code",
        [&](sqlite3_stmt* s) {
          out.push_back(VerdictCount{0, Text(s, 0), Text(s, 1), Text(s, 2), Int(s, 3)});
        },
        since_day));
    return out;
  }
  Result<std::vector<DailyCount>> CaughtPerDay(int64_t since) override {
    std::vector<DailyCount> out;
    RCPTGUARD_TRY(db_->ForEachRow(
        "SELECT time / 86400 AS day, CASE reason_class WHEN '' THEN reason_code"
        " ELSE reason_class END AS class, count(*) FROM verdict_events"
        " WHERE time >= ?1 GROUP BY day, class ORDER BY day, class",
        [&](sqlite3_stmt* s) {
          out.push_back(DailyCount{Int(s, 0), Text(s, 1), Int(s, 2)});
        },
        since));
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
    RCPTGUARD_ASSIGN_OR_RETURN(SqliteDb::Transaction tx, db_->Begin(Access::kWrite));
    for (auto [sql, time] : {std::pair{"DELETE FROM review_used_links WHERE expires_at <= ?1", now},
                             std::pair{"DELETE FROM review_sessions WHERE expires_at <= ?1", now},
                             std::pair{"DELETE FROM verdict_events WHERE time < ?1", before}}) {
      RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * s, db_->Prepare(sql));
      RCPTGUARD_TRY(db_->Step(s, time));
    }
    return tx.Commit();
  }

  // Brings the review tables to the newest version, in one IMMEDIATE
  // transaction so that two processes opening a new store at once do not
  // both create them.
  Result<void> Migrate() {
    RCPTGUARD_ASSIGN_OR_RETURN(SqliteDb::Transaction tx, db_->Begin(Access::kWrite));
    RCPTGUARD_TRY(
        db_->Exec("CREATE TABLE IF NOT EXISTS review_schema_version (version INTEGER"
                  " PRIMARY KEY, applied INTEGER NOT NULL)"));
    RCPTGUARD_ASSIGN_OR_RETURN(
        int64_t version,
        db_->QueryInt("SELECT coalesce(max(version), 0) FROM review_schema_version"));
    constexpr int64_t kNewest = static_cast<int64_t>(std::size(kReviewMigrations));
    if (version > kNewest) {
      return MakeError(ErrorCode::kConfig, db_->label() + " has schema version " +
                                               std::to_string(version) +
                                               ", newer than this rcptguard knows");
    }
    for (int64_t v = version; v < kNewest; ++v) {
      RCPTGUARD_TRY(db_->Exec(kReviewMigrations[v]));
      RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * mark,
                                 db_->Prepare("INSERT INTO review_schema_version (version,"
                                              " applied) VALUES (?1, unixepoch())"));
      RCPTGUARD_TRY(db_->Step(mark, v + 1));
    }
    return tx.Commit();
  }

 private:
  Result<std::vector<ConsoleUser>> Users(std::string_view name, bool one) {
    std::vector<ConsoleUser> out;
    RCPTGUARD_TRY(db_->ForEachRow(
        "SELECT name, role, password_hash, created FROM review_users"
        " WHERE ?1 = 0 OR name = ?2 ORDER BY name",
        [&](sqlite3_stmt* s) {
          out.push_back(ConsoleUser{
              Text(s, 0), Text(s, 1) == "admin" ? ConsoleRole::kAdmin : ConsoleRole::kOfficer,
              Text(s, 2), Int(s, 3)});
        },
        static_cast<int64_t>(one ? 1 : 0), name));
    return out;
  }
  Result<std::vector<CountByKey>> Ranked(const char* sql, int64_t since, size_t limit) {
    std::vector<CountByKey> out;
    RCPTGUARD_TRY(db_->ForEachRow(
        sql,
        [&](sqlite3_stmt* s) {
          out.push_back(CountByKey{Text(s, 0), Int(s, 1)});
        },
        since, limit == 0 ? int64_t{-1} : static_cast<int64_t>(limit)));
    return out;
  }

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace

Result<std::unique_ptr<ReviewStore>> OpenSqliteReviewStore(const std::string& redacted_url,
                                                           const std::string& path) {
  RCPTGUARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db,
                             SqliteDb::Open("review store " + redacted_url, path, false));
  auto store = std::make_unique<SqliteReviewStore>(std::move(db));
  RCPTGUARD_TRY(store->Migrate());
  return std::unique_ptr<ReviewStore>(std::move(store));
}

}  // namespace rcptguard
