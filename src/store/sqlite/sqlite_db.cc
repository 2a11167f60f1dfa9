// Opening a SQLite store file and running statements on it (see sqlite_db.h).
// WAL lets the milter read while `rcptguard history` or a learning job writes;
// busy_timeout makes writers from several processes queue instead of failing;
// synchronous=NORMAL is durable across a process crash (an OS crash may lose the
// last transactions, which for history is a recount of a few messages at most).
#include "store/sqlite/sqlite_db.h"

#include <sys/stat.h>

#include <cstdio>
#include <utility>

namespace rcptguard {

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(std::string label, const std::string& path,
                                                 bool read_only) {
  std::unique_ptr<SqliteDb> db(new SqliteDb(std::move(label)));
  // SQLite would create the file but not its directory; a missing directory
  // is nearly always a typo or a missing package step, so say so plainly.
  std::string directory =
      path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
  if (path.rfind('/') == 0) directory = "/";
  if (directory.empty()) directory = ".";
  struct stat info {};
  if (stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return MakeError(ErrorCode::kIo, db->label_ + ": directory " + directory + " does not exist");
  }
  // Read-only opens an existing store; a store that does not exist yet is
  // created (empty) as a read-write open would, so that a first `history
  // stats` on a new installation answers "0 pairs".
  if (read_only && stat(path.c_str(), &info) == 0) {
    RCPTGUARD_TRY(db->OpenReadOnly(path));
  } else {
    RCPTGUARD_TRY(db->OpenReadWrite(path));
  }
  return db;
}

Result<void> SqliteDb::OpenReadWrite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) {
    return MakeError(ErrorCode::kIo, label_ + ": cannot open " + path + ": " +
                                         (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db, 1);
  RCPTGUARD_TRY(Exec("PRAGMA busy_timeout = 10000"));
  // journal_mode answers with the mode it ended up in; a file on a
  // filesystem without shared memory stays in "delete", which still works.
  RCPTGUARD_TRY(Exec("PRAGMA journal_mode = WAL"));
  RCPTGUARD_TRY(Exec("PRAGMA synchronous = NORMAL"));
  // A batch upserts rows at random places in five b-trees (the pairs and
  // their indexes). With SQLite's default 2 MB cache most of those pages are
  // read from the file again for every batch; 64 MB holds the hot part of
  // a million-pair store, and memory-mapped reads skip a copy per page.
  // Both are upper bounds, not allocations.
  RCPTGUARD_TRY(Exec("PRAGMA cache_size = -65536"));
  RCPTGUARD_TRY(Exec("PRAGMA mmap_size = 268435456"));
  // Checkpoint every 64 MB of WAL instead of 4 MB: a page that many batches
  // touch is copied into the database once per checkpoint, not once per
  // batch, and the checkpoint's fsync is paid ten times less often.
  RCPTGUARD_TRY(Exec("PRAGMA wal_autocheckpoint = 16384"));
  return {};
}

// SQLite in WAL mode needs to create the -shm file even to read; where the
// directory is read-only that fails, and the file is opened as immutable
// instead (no locking: right for a store nobody writes meanwhile, which is the
// case such a directory is).
Result<void> SqliteDb::OpenReadOnly(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X", static_cast<unsigned char>(c));
      uri += escaped;
    } else {
      uri += c;
    }
  }
  for (const char* mode : {"?mode=ro", "?mode=ro&immutable=1"}) {
    statements_.clear();
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2((uri + mode).c_str(), &db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) continue;
    sqlite3_extended_result_codes(db, 1);
    RCPTGUARD_TRY(Exec("PRAGMA busy_timeout = 10000"));
    // The first read is where a missing -shm shows.
    if (!QueryInt("SELECT count(*) FROM sqlite_master")) continue;
    read_only_ = true;
    return {};
  }
  return MakeError(ErrorCode::kIo, label_ + ": cannot open " + path + " for reading: " +
                                       (db_ ? sqlite3_errmsg(db_.get()) : "unknown error"));
}

Result<SqliteDb::Transaction> SqliteDb::Begin(Access access) {
  RCPTGUARD_TRY(Exec(access == Access::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(this);
}

Result<void> SqliteDb::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return MakeError(ErrorCode::kIo, label_ + ": " + text);
  }
  return {};
}

Result<sqlite3_stmt*> SqliteDb::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    sqlite3_reset(it->second.get());
    sqlite3_clear_bindings(it->second.get());
    return it->second.get();
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
    return Unexpected(DbError("cannot prepare \"" + sql + "\""));
  }
  statements_.emplace(sql, statement);
  return statement;
}

Result<int64_t> SqliteDb::QueryInt(const char* sql) {
  RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * statement, Prepare(sql));
  int rc = sqlite3_step(statement);
  if (rc != SQLITE_ROW) return Unexpected(StepError());
  int64_t value = sqlite3_column_int64(statement, 0);
  sqlite3_reset(statement);
  return value;
}

std::string SqliteDb::Text(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(statement, column)));
}

Error SqliteDb::DbError(std::string_view what) const {
  return Error{ErrorCode::kIo, label_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_.get()),
               ""};
}

}  // namespace rcptguard
