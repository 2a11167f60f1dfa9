// The SQLite history store's schema (see sqlite_history_schema.h): the
// migrations, applied in the transaction that opens the store, and the checks
// that refuse a database of another program, version or addressing mode.
#include "store/sqlite/sqlite_history_schema.h"

#include <iterator>
#include <string>

#include "store/backends.h"

namespace rcptguard {
namespace {

// Each migration takes the schema from version i to i + 1 and runs inside the
// transaction that opens the store. Append only: a released migration is never
// edited, since databases in the field have already applied it.
constexpr const char* kMigrations[] = {
    // 1: the initial schema. WITHOUT ROWID keeps each table in its primary-key
    // b-tree, so the upsert touches one tree instead of a table and an index.
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) WITHOUT ROWID, STRICT;
INSERT INTO meta (key, value) VALUES ('seq', 0);
CREATE TABLE pairs (
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  domain TEXT NOT NULL,
  messages INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  local_digests BLOB,
  seq INTEGER NOT NULL,
  PRIMARY KEY (sender, recipient)
) WITHOUT ROWID, STRICT;
CREATE INDEX pairs_by_domain ON pairs (domain);
CREATE INDEX pairs_by_recipient ON pairs (recipient);
CREATE INDEX pairs_by_seq ON pairs (seq);
CREATE INDEX pairs_by_last_seen ON pairs (last_seen);
CREATE TABLE names (
  sender TEXT NOT NULL,
  name TEXT NOT NULL,
  recipient TEXT NOT NULL,
  messages INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (sender, name, recipient)
) WITHOUT ROWID, STRICT;
CREATE INDEX names_by_recipient ON names (recipient);
CREATE INDEX names_by_seq ON names (seq);
CREATE INDEX names_by_last_seen ON names (last_seen);
CREATE TABLE exceptions (
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  expires INTEGER NOT NULL,
  created INTEGER NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (sender, recipient)
) WITHOUT ROWID, STRICT;
CREATE INDEX exceptions_by_recipient ON exceptions (recipient);
CREATE INDEX exceptions_by_expires ON exceptions (expires);
CREATE TABLE message_keys (key TEXT PRIMARY KEY, time INTEGER NOT NULL) WITHOUT ROWID, STRICT;
CREATE INDEX message_keys_by_time ON message_keys (time);
)sql",
};
static_assert(std::size(kMigrations) == kHistorySchemaVersion);

std::string ModeName(bool hashed) { return hashed ? "hashed" : "clear-text"; }

Failure WrongMode(const SqliteDb& db, bool stored_hashed, bool hashed) {
  return MakeError(ErrorCode::kConfig, db.label() + " holds " + ModeName(stored_hashed) +
                                           " addresses; refusing to open it in " +
                                           ModeName(hashed) + " mode");
}

// A database with tables of its own but no schema_version was not made by
// rcptguard: say so, instead of failing on the first CREATE TABLE.
Failure NotOurs(const SqliteDb& db) {
  return MakeError(ErrorCode::kConfig,
                   db.label() +
                       " is a SQLite database that rcptguard did not create (it has other "
                       "tables and no schema_version); name a new file");
}

}  // namespace

Result<void> CheckSqliteHistorySchema(SqliteDb& db, bool hashed) {
  RCPTGUARD_ASSIGN_OR_RETURN(
      int64_t tables,
      db.QueryInt(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"));
  if (tables == 0) return NotOurs(db);
  RCPTGUARD_ASSIGN_OR_RETURN(int64_t version,
                             db.QueryInt("SELECT coalesce(max(version), 0) FROM schema_version"));
  if (version != kHistorySchemaVersion) {
    return MakeError(ErrorCode::kConfig,
                     db.label() + " has schema version " + std::to_string(version) +
                         "; this rcptguard reads version " + std::to_string(kHistorySchemaVersion) +
                         " (a command that writes, such as learn, migrates it)");
  }
  RCPTGUARD_ASSIGN_OR_RETURN(int64_t stored,
                             db.QueryInt("SELECT value FROM meta WHERE key = 'hashed'"));
  if ((stored != 0) != hashed) return WrongMode(db, stored != 0, hashed);
  return {};
}

// Two processes opening a new file at once serialise on SQLite's write lock,
// and the second sees the first's finished schema.
Result<void> MigrateSqliteHistory(SqliteDb& db, bool hashed) {
  RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db.Begin(SqliteDb::Access::kWrite));
  RCPTGUARD_ASSIGN_OR_RETURN(
      int64_t ours,
      db.QueryInt(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"));
  RCPTGUARD_ASSIGN_OR_RETURN(
      int64_t others,
      db.QueryInt(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
          // The review store's tables (sqlite_review_store.cc) share the file.
          " AND name NOT LIKE 'review_%' AND name NOT IN ('verdict_events', 'verdict_counts')"));
  if (ours == 0 && others > 0) return NotOurs(db);
  RCPTGUARD_TRY(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
              "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)"));
  RCPTGUARD_ASSIGN_OR_RETURN(int64_t version,
                             db.QueryInt("SELECT coalesce(max(version), 0) FROM schema_version"));
  if (version > kHistorySchemaVersion) {
    return MakeError(ErrorCode::kConfig, db.label() + " has schema version " +
                                             std::to_string(version) +
                                             ", newer than this rcptguard understands (" +
                                             std::to_string(kHistorySchemaVersion) + ")");
  }
  for (int64_t v = version; v < kHistorySchemaVersion; ++v) {
    RCPTGUARD_TRY(db.Exec(kMigrations[v]));
    RCPTGUARD_ASSIGN_OR_RETURN(
        sqlite3_stmt * record,
        db.Prepare("INSERT INTO schema_version (version, applied) VALUES (?1, unixepoch())"));
    RCPTGUARD_TRY(db.Step(record, v + 1));
  }
  RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * mode,
                             db.Prepare("SELECT value FROM meta WHERE key = 'hashed'"));
  int rc = sqlite3_step(mode);
  if (rc == SQLITE_ROW) {
    bool stored_hashed = sqlite3_column_int64(mode, 0) != 0;
    sqlite3_reset(mode);
    if (stored_hashed != hashed) return WrongMode(db, stored_hashed, hashed);
  } else {
    sqlite3_reset(mode);
    if (rc != SQLITE_DONE) return Unexpected(db.StepError());
    RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * insert,
                               db.Prepare("INSERT INTO meta (key, value) VALUES ('hashed', ?1)"));
    RCPTGUARD_TRY(db.Step(insert, int64_t{hashed ? 1 : 0}));
  }
  return transaction.Commit();
}

}  // namespace rcptguard
