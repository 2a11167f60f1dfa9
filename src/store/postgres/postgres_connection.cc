// Connecting to PostgreSQL and running prepared statements on the connection
// (see postgres_connection.h).
#include "store/postgres/postgres_connection.h"

#include <cstdlib>
#include <utility>

namespace rcptguard {
namespace {

void TrimTrailingSpace(std::string* text) {
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
}

struct Arguments {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

Arguments Unpack(const std::vector<PgParam>& params) {
  Arguments args;
  for (const PgParam& param : params) {
    args.values.push_back(param.null ? nullptr : param.value.data());
    args.lengths.push_back(static_cast<int>(param.value.size()));
    args.formats.push_back(param.binary ? 1 : 0);
  }
  return args;
}

}  // namespace

int64_t PgInt(const PGresult* result, int row, int column) {
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

std::string PgText(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<size_t>(PQgetlength(result, row, column)));
}

// bytea in text results is "\x" and hex digits (bytea_output = hex, the
// default since PostgreSQL 9.0; the connection sets it to be sure).
std::string PgBytes(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return {};
  std::string_view hex(PQgetvalue(result, row, column),
                       static_cast<size_t>(PQgetlength(result, row, column)));
  if (hex.substr(0, 2) != "\\x") return {};
  hex.remove_prefix(2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return 0;
  };
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  }
  return bytes;
}

size_t PgAffected(const PGresult* result) {
  return static_cast<size_t>(
      std::strtoull(PQcmdTuples(const_cast<PGresult*>(result)), nullptr, 10));
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(std::string label,
                                                            const std::string& conninfo) {
  std::unique_ptr<PgConnection> connection(new PgConnection(std::move(label)));
  connection->conn_.reset(PQconnectdb(conninfo.c_str()));
  PGconn* conn = connection->conn_.get();
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string why = conn ? PQerrorMessage(conn) : "out of memory";
    TrimTrailingSpace(&why);
    return MakeError(ErrorCode::kIo, connection->label_ + ": cannot connect: " + why);
  }
  // Notices (such as "relation already exists, skipping") would otherwise
  // go to stderr, which is the milter's log in the foreground.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  RCPTGUARD_TRY(connection->Command("SET bytea_output = 'hex'"));
  return connection;
}

Error PgConnection::DbError(std::string_view what, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  retryable_ = state != nullptr &&
               (std::string_view(state) == "40P01" || std::string_view(state) == "40001");
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_.get());
  TrimTrailingSpace(&message);
  return Error{ErrorCode::kIo, label_ + ": " + std::string(what) + ": " + message, ""};
}

Result<void> PgConnection::Command(const char* sql) {
  PgResult result(PQexec(conn_.get(), sql));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Unexpected(DbError(sql, result.get()));
  }
  return {};
}

// Statements are per connection and live as long as it does.
Result<const std::string*> PgConnection::Prepared(const std::string& sql, int params) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return &it->second;
  std::string name = "rcptguard_" + std::to_string(prepared_.size());
  PgResult result(PQprepare(conn_.get(), name.c_str(), sql.c_str(), params, nullptr));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return Unexpected(DbError("cannot prepare a statement", result.get()));
  }
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

Result<PgResult> PgConnection::Run(const std::string& sql, std::vector<PgParam> params) {
  RCPTGUARD_ASSIGN_OR_RETURN(const std::string* name,
                             Prepared(sql, static_cast<int>(params.size())));
  Arguments args = Unpack(params);
  PgResult result(PQexecPrepared(conn_.get(), name->c_str(), static_cast<int>(params.size()),
                                 args.values.data(), args.lengths.data(), args.formats.data(),
                                 /*resultFormat=*/0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Unexpected(DbError("query failed", result.get()));
  }
  return result;
}

Result<int64_t> PgConnection::QueryInt(const std::string& sql, std::vector<PgParam> params) {
  RCPTGUARD_ASSIGN_OR_RETURN(PgResult result, Run(sql, std::move(params)));
  if (PQntuples(result.get()) < 1) return int64_t{0};
  return PgInt(result.get(), 0, 0);
}

Result<void> PgConnection::SendPrepared(const std::string& sql,
                                        const std::vector<PgParam>& params) {
  RCPTGUARD_ASSIGN_OR_RETURN(const std::string* name,
                             Prepared(sql, static_cast<int>(params.size())));
  Arguments args = Unpack(params);
  if (!PQsendQueryPrepared(conn_.get(), name->c_str(), static_cast<int>(params.size()),
                           args.values.data(), args.lengths.data(), args.formats.data(), 0)) {
    return Unexpected(DbError("query failed", nullptr));
  }
  PQsetSingleRowMode(conn_.get());
  return {};
}

void PgConnection::Rollback() { PgResult result(PQexec(conn_.get(), "ROLLBACK")); }

}  // namespace rcptguard
