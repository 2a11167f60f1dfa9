// The SQLite history store's schema: creating and migrating it, and checking
// a store that is opened for reading only. Internal to src/store.
#ifndef RCPTGUARD_STORE_SQLITE_SQLITE_HISTORY_SCHEMA_H_
#define RCPTGUARD_STORE_SQLITE_SQLITE_HISTORY_SCHEMA_H_

#include "rcptguard/result.h"
#include "store/sqlite/sqlite_db.h"

namespace rcptguard {

// Brings the schema to kHistorySchemaVersion and checks (or, on a new
// database, records) the addressing mode (`hashed`), all in one write
// transaction. Fails with kConfig for a database rcptguard did not create,
// one newer than this build, or one in the other addressing mode.
Result<void> MigrateSqliteHistory(SqliteDb& db, bool hashed);

// What a read-only open can check without changing anything: that this is an
// rcptguard history store, of this version, in this addressing mode.
Result<void> CheckSqliteHistorySchema(SqliteDb& db, bool hashed);

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_SQLITE_SQLITE_HISTORY_SCHEMA_H_
