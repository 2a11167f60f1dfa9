// A SQLite connection for rcptguard's stores: opening with the pragmas a
// shared gateway file needs, cached prepared statements, typed binding and
// stepping, and transactions. Internal to src/store; every SQLite store
// (history now, others later) builds on it so each says only its queries.
#ifndef RCPTGUARD_STORE_SQLITE_SQLITE_DB_H_
#define RCPTGUARD_STORE_SQLITE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rcptguard/result.h"

namespace rcptguard {

// A BLOB parameter (a string_view binds as TEXT). Empty binds as NULL.
struct SqliteBlob {
  std::string_view bytes;
};

// One open database. Not thread-safe: one store, one thread at a time (as
// SQLITE_OPEN_NOMUTEX promises SQLite).
class SqliteDb {
 public:
  // Opens (creating if needed) the file at `path` for reading and writing,
  // in WAL mode with a busy timeout, or, when `read_only` and the file
  // exists, for reading only. `label` names the store in every error message
  // ("history store sqlite:///..."). Fails with kIo when the directory is
  // missing or SQLite cannot open the file.
  static Result<std::unique_ptr<SqliteDb>> Open(std::string label, const std::string& path,
                                                bool read_only);

  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Rolls back unless committed. BEGIN IMMEDIATE for writers takes the write
  // lock up front, so a writer waits (busy_timeout) at the start instead of
  // failing with SQLITE_BUSY halfway when its read lock cannot be upgraded.
  class Transaction {
   public:
    Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction() {
      if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
    }
    Result<void> Commit() {
      SqliteDb* db = db_;
      db_ = nullptr;
      return db->Exec("COMMIT");
    }

   private:
    friend class SqliteDb;
    explicit Transaction(SqliteDb* db) : db_(db) {}
    SqliteDb* db_;  // null once committed or moved from
  };
  enum class Access { kRead, kWrite };
  Result<Transaction> Begin(Access access);

  // Runs SQL text without parameters (pragmas, BEGIN, schema scripts).
  Result<void> Exec(const char* sql);

  // The prepared statement for `sql`, reset and with cleared bindings.
  // Statements live as long as the connection: a store runs the same few
  // statements for every batch, and preparing is a good part of their cost.
  Result<sqlite3_stmt*> Prepare(const std::string& sql);

  // Binds args to ?1, ?2, ... Text and blobs are bound without a copy: the
  // caller's values must outlive the step.
  template <typename... Args>
  Result<void> Bind(sqlite3_stmt* statement, const Args&... args) {
    int index = 0;
    int rc = SQLITE_OK;
    (void)statement;  // unused when there are no arguments
    ((rc = rc == SQLITE_OK ? BindOne(statement, ++index, args) : rc), ...);
    if (rc != SQLITE_OK) return Unexpected(DbError("cannot bind a parameter"));
    return {};
  }

  // Runs a statement that returns no rows.
  template <typename... Args>
  Result<void> Step(sqlite3_stmt* statement, const Args&... args) {
    RCPTGUARD_TRY(Bind(statement, args...));
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Unexpected(StepError());
    return {};
  }

  // The first column of the first row of a query without parameters.
  Result<int64_t> QueryInt(const char* sql);

  // Runs a query and calls `row(statement)` for each row as SQLite steps to
  // it: one row at a time, no intermediate copy.
  template <typename Row, typename... Args>
  Result<void> ForEachRow(const std::string& sql, Row&& row, const Args&... args) {
    RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * statement, Prepare(sql));
    RCPTGUARD_TRY(Bind(statement, args...));
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) row(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE) return Unexpected(StepError());
    return {};
  }

  // Rows changed by the last INSERT, UPDATE or DELETE.
  size_t Changes() const { return static_cast<size_t>(sqlite3_changes(db_.get())); }

  // A TEXT column as a string (empty for NULL).
  static std::string Text(sqlite3_stmt* statement, int column);

  // "<label>: <what>: <SQLite's message>".
  Error DbError(std::string_view what) const;
  Error StepError() const { return DbError("query failed"); }

  const std::string& label() const { return label_; }
  // True iff Open opened an existing file for reading only.
  bool read_only() const { return read_only_; }

 private:
  struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  struct DatabaseDeleter {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  explicit SqliteDb(std::string label) : label_(std::move(label)) {}
  Result<void> OpenReadWrite(const std::string& path);
  Result<void> OpenReadOnly(const std::string& path);

  int BindOne(sqlite3_stmt* statement, int index, int64_t value) {
    return sqlite3_bind_int64(statement, index, value);
  }
  int BindOne(sqlite3_stmt* statement, int index, std::string_view value) {
    // nullptr destructor (SQLITE_STATIC): the caller's value outlives the step.
    return sqlite3_bind_text(statement, index, value.data(), static_cast<int>(value.size()),
                             nullptr);
  }
  int BindOne(sqlite3_stmt* statement, int index, const std::string& value) {
    return BindOne(statement, index, std::string_view(value));
  }
  int BindOne(sqlite3_stmt* statement, int index, SqliteBlob value) {
    if (value.bytes.empty()) return sqlite3_bind_null(statement, index);
    return sqlite3_bind_blob(statement, index, value.bytes.data(),
                             static_cast<int>(value.bytes.size()), nullptr);
  }

  std::string label_;
  bool read_only_ = false;
  // Declared before the statements: members are destroyed in reverse order,
  // and every statement must be finalised before the database is closed.
  std::unique_ptr<sqlite3, DatabaseDeleter> db_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StatementDeleter>> statements_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_SQLITE_SQLITE_DB_H_
