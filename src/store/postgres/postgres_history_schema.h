// The PostgreSQL history store's schema: creating and migrating it. Internal
// to src/store.
#ifndef RCPTGUARD_STORE_POSTGRES_POSTGRES_HISTORY_SCHEMA_H_
#define RCPTGUARD_STORE_POSTGRES_POSTGRES_HISTORY_SCHEMA_H_

#include "rcptguard/result.h"
#include "store/postgres/postgres_connection.h"

namespace rcptguard {

// Creates or upgrades the schema to kHistorySchemaVersion and checks (or, on
// a new database, records) the addressing mode (`hashed`). Fails with kConfig
// for a database newer than this build or in the other addressing mode.
Result<void> MigratePostgresHistory(PgConnection& db, bool hashed);

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_POSTGRES_POSTGRES_HISTORY_SCHEMA_H_
