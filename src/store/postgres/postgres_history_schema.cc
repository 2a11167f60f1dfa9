// The PostgreSQL history store's schema (see postgres_history_schema.h): the
// migrations, applied under an advisory lock by the first gateway to open the
// database, and the check of the addressing mode.
#include "store/postgres/postgres_history_schema.h"

#include <iterator>
#include <string>

#include "store/backends.h"

namespace rcptguard {
namespace {

// Any constant shared by every rcptguard: the advisory lock that serialises
// schema migrations between gateways opening the same database at once.
constexpr int64_t kMigrationLockId = 0x7263707467756172;  // "rcptguar"

// Append only, as in the SQLite store (sqlite_history_schema.cc); the same
// tables and meaning.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE SEQUENCE history_seq;
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE pairs (
  sender text NOT NULL,
  recipient text NOT NULL,
  domain text NOT NULL,
  messages bigint NOT NULL,
  first_seen bigint NOT NULL,
  last_seen bigint NOT NULL,
  local_digests bytea,
  seq bigint NOT NULL,
  PRIMARY KEY (sender, recipient)
);
CREATE INDEX pairs_by_domain ON pairs (domain);
CREATE INDEX pairs_by_recipient ON pairs (recipient);
CREATE INDEX pairs_by_seq ON pairs (seq);
CREATE INDEX pairs_by_last_seen ON pairs (last_seen);
CREATE TABLE names (
  sender text NOT NULL,
  name text NOT NULL,
  recipient text NOT NULL,
  messages bigint NOT NULL,
  last_seen bigint NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (sender, name, recipient)
);
CREATE INDEX names_by_recipient ON names (recipient);
CREATE INDEX names_by_seq ON names (seq);
CREATE INDEX names_by_last_seen ON names (last_seen);
CREATE TABLE exceptions (
  sender text NOT NULL,
  recipient text NOT NULL,
  expires bigint NOT NULL,
  created bigint NOT NULL,
  note text NOT NULL,
  PRIMARY KEY (sender, recipient)
);
CREATE INDEX exceptions_by_recipient ON exceptions (recipient);
CREATE INDEX exceptions_by_expires ON exceptions (expires);
CREATE TABLE message_keys (key text PRIMARY KEY, time bigint NOT NULL);
CREATE INDEX message_keys_by_time ON message_keys (time);
)sql",
};
static_assert(std::size(kMigrations) == kHistorySchemaVersion);

std::string ModeName(bool hashed) { return hashed ? "hashed" : "clear-text"; }

}  // namespace

// Runs under a transaction-scoped advisory lock: gateways opening one
// database at once queue here, and each sees the schema the first one
// finished.
Result<void> MigratePostgresHistory(PgConnection& db, bool hashed) {
  RCPTGUARD_TRY(db.Command("BEGIN"));
  auto body = [&]() -> Result<void> {
    RCPTGUARD_TRY(db.Run("SELECT pg_advisory_xact_lock($1)", {kMigrationLockId}));
    RCPTGUARD_TRY(
        db.Command("CREATE TABLE IF NOT EXISTS schema_version ("
                   "version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())"));
    RCPTGUARD_ASSIGN_OR_RETURN(
        int64_t version, db.QueryInt("SELECT coalesce(max(version), 0) FROM schema_version", {}));
    if (version > kHistorySchemaVersion) {
      return MakeError(ErrorCode::kConfig, db.label() + " has schema version " +
                                               std::to_string(version) +
                                               ", newer than this rcptguard understands (" +
                                               std::to_string(kHistorySchemaVersion) + ")");
    }
    for (int64_t v = version; v < kHistorySchemaVersion; ++v) {
      RCPTGUARD_TRY(db.Command(kMigrations[v]));
      RCPTGUARD_TRY(db.Run("INSERT INTO schema_version (version) VALUES ($1)", {v + 1}));
    }
    RCPTGUARD_ASSIGN_OR_RETURN(PgResult mode,
                               db.Run("SELECT value FROM meta WHERE key = 'hashed'", {}));
    if (PQntuples(mode.get()) > 0) {
      bool stored_hashed = PgText(mode.get(), 0, 0) == "1";
      if (stored_hashed != hashed) {
        return MakeError(ErrorCode::kConfig, db.label() + " holds " + ModeName(stored_hashed) +
                                                 " addresses; refusing to open it in " +
                                                 ModeName(hashed) + " mode");
      }
    } else {
      RCPTGUARD_TRY(
          db.Run("INSERT INTO meta (key, value) VALUES ('hashed', $1)", {hashed ? "1" : "0"}));
    }
    return db.Command("COMMIT");
  };
  auto result = body();
  if (!result) db.Rollback();
  return result;
}

}  // namespace rcptguard
