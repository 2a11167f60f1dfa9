// A PostgreSQL connection for rcptguard's stores: prepared statements with
// every value as a parameter (never inside SQL text), streamed results, and
// read and write transactions (writes retried after a deadlock or a
// serialisation failure). Internal to src/store; every PostgreSQL store
// (history now, others later) builds on it so each says only its queries.
#ifndef RCPTGUARD_STORE_POSTGRES_POSTGRES_CONNECTION_H_
#define RCPTGUARD_STORE_POSTGRES_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// One statement parameter, as text (format 0), bytes (format 1, for bytea) or
// SQL NULL. Holds its own copy: parameters are short, and the copy makes
// dangling views impossible.
struct PgParam {
  PgParam(std::string_view text) : value(text) {}             // NOLINT: implicit
  PgParam(const std::string& text) : value(text) {}           // NOLINT
  PgParam(const char* text) : value(text) {}                  // NOLINT
  PgParam(int64_t number) : value(std::to_string(number)) {}  // NOLINT
  static PgParam Bytes(std::string_view bytes) {
    PgParam param(bytes);
    param.binary = true;
    return param;
  }
  static PgParam Null() {
    PgParam param("");
    param.null = true;
    return param;
  }

  std::string value;
  bool binary = false;
  bool null = false;
};

// Reading a text-format result cell.
int64_t PgInt(const PGresult* result, int row, int column);
std::string PgText(const PGresult* result, int row, int column);
// A bytea cell's bytes (the connection asks for bytea_output = hex); empty for NULL.
std::string PgBytes(const PGresult* result, int row, int column);
// Rows an INSERT, UPDATE or DELETE changed.
size_t PgAffected(const PGresult* result);

// One connection. Not thread-safe: one store, one thread at a time.
class PgConnection {
 public:
  // Connects with `conninfo`. `label` names the store in every error message
  // ("history store postgresql://..."). Fails with kIo when the server
  // cannot be reached or refuses the connection.
  static Result<std::unique_ptr<PgConnection>> Connect(std::string label,
                                                       const std::string& conninfo);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // A statement without parameters (BEGIN, COMMIT, SET, a schema script).
  Result<void> Command(const char* sql);

  // Runs `sql` as a prepared statement (prepared on first use, kept as long as
  // the connection) and returns its whole result. Text parameters must not
  // contain NUL: PostgreSQL text cannot hold one.
  Result<PgResult> Run(const std::string& sql, std::vector<PgParam> params);

  // The first column of the first row, or 0 when there is no row.
  Result<int64_t> QueryInt(const std::string& sql, std::vector<PgParam> params);

  // Runs a query in single-row mode and calls on_row for each row: a million
  // rows arrive as they are read instead of in one result of a few hundred MB.
  template <typename OnRow>
  Result<void> Stream(const std::string& sql, std::vector<PgParam> params, OnRow on_row) {
    RCPTGUARD_TRY(SendPrepared(sql, params));
    std::optional<Error> error;
    // Every result must be collected before the connection takes the next
    // query, error or not.
    while (PGresult* raw = PQgetResult(conn_.get())) {
      PgResult result(raw);
      ExecStatusType status = PQresultStatus(raw);
      if (status == PGRES_SINGLE_TUPLE) {
        if (!error) on_row(raw);
      } else if (status != PGRES_TUPLES_OK && !error) {
        error = DbError("query failed", raw);
      }
    }
    if (error) return Unexpected(*error);
    return {};
  }

  // Runs a write transaction (the body says BEGIN and COMMIT), retrying when
  // PostgreSQL aborted it to break a deadlock or a serialisation conflict.
  template <typename T, typename Body>
  Result<T> Retrying(Body body) {
    for (int attempt = 0;; ++attempt) {
      retryable_ = false;
      Result<T> result = body();
      if (result) return result;
      Rollback();
      if (attempt >= 4 || !retryable_) return result;
    }
  }

  // Runs reads in one REPEATABLE READ transaction, so everything they return
  // comes from one snapshot.
  template <typename T, typename Body>
  Result<T> Reading(Body body) {
    RCPTGUARD_TRY(Command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    Result<T> result = body();
    if (!result) {
      Rollback();
      return result;
    }
    RCPTGUARD_TRY(Command("COMMIT"));
    return result;
  }

  // After a failed statement the transaction can only be rolled back; on a
  // broken connection this fails too, and the error already says why.
  void Rollback();

  const std::string& label() const { return label_; }

 private:
  struct ConnDeleter {
    void operator()(PGconn* conn) const { PQfinish(conn); }
  };

  explicit PgConnection(std::string label) : label_(std::move(label)) {}

  // "<label>: <what>: <server message>". Also notes whether the failure is
  // one a retry can cure: PostgreSQL aborted the transaction to break a
  // deadlock or a serialisation conflict.
  Error DbError(std::string_view what, const PGresult* result);

  // The name of the prepared statement for `sql`, preparing it on first use.
  Result<const std::string*> Prepared(const std::string& sql, int params);
  // Sends a prepared statement in single-row mode (Stream collects the rows).
  Result<void> SendPrepared(const std::string& sql, const std::vector<PgParam>& params);

  std::string label_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  bool retryable_ = false;  // the last error was a deadlock or serialisation failure
};

}  // namespace rcptguard

#endif  // RCPTGUARD_STORE_POSTGRES_POSTGRES_CONNECTION_H_
