// The PostgreSQL history store: several gateways, one history. Every value
// travels as a query parameter of a prepared statement, never inside SQL text.
// Counts add up under concurrency because each upsert adds to the stored row
// (messages = pairs.messages + excluded.messages) under the row lock that
// INSERT ... ON CONFLICT DO UPDATE takes, and message keys are claimed with
// ON CONFLICT DO NOTHING, so of two gateways recording one message only the
// first counts it.
//
// Change cursors: `seq` comes from one SEQUENCE. Sequence values are handed out
// when a row is written but become visible when its transaction commits, so a
// reader can see seq 12 before a slower transaction commits seq 11. A reader
// that then asked only for seq > 12 would miss 11 forever. LoadChangedSince
// therefore re-reads a margin (kPostgresCursorLookback sequence values) below
// the cursor: rows carry absolute counts, so reading one again is harmless,
// and a transaction would have to stay open while 1000 others write before it
// could be missed (a Record transaction lasts milliseconds). A periodic full
// Load (the daemons' rebuild interval) repairs even that.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "store/backends.h"
#include "store/record_batch.h"

namespace rcptguard {
namespace {

// Any constant shared by every rcptguard: the advisory lock that serialises
// schema migrations between gateways opening the same database at once.
constexpr int64_t kMigrationLockId = 0x7263707467756172;  // "rcptguar"

// Append only, as in the SQLite store; the same tables and meaning.
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

constexpr const char* kPairColumns =
    "sender, recipient, domain, messages, first_seen, last_seen, local_digests";

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

// One statement parameter, as text (format 0), bytes (format 1, for bytea) or
// SQL NULL. Holds its own copy: parameters are short, and the copy makes
// dangling views impossible.
struct Param {
  Param(std::string_view text) : value(text) {}             // NOLINT: implicit
  Param(const std::string& text) : value(text) {}           // NOLINT
  Param(const char* text) : value(text) {}                  // NOLINT
  Param(int64_t number) : value(std::to_string(number)) {}  // NOLINT
  static Param Bytes(std::string_view bytes) {
    Param param(bytes);
    param.binary = true;
    return param;
  }
  static Param Null() {
    Param param("");
    param.null = true;
    return param;
  }

  std::string value;
  bool binary = false;
  bool null = false;
};

int64_t Int(const PGresult* result, int row, int column) {
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

std::string Text(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<size_t>(PQgetlength(result, row, column)));
}

// bytea in text results is "\x" and hex digits (bytea_output = hex, the
// default since PostgreSQL 9.0; the connection sets it to be sure).
std::vector<uint32_t> Digests(const PGresult* result, int row, int column) {
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
  return ParseDigests(bytes);
}

PairRecord PairAt(const PGresult* result, int row) {
  PairRecord pair;
  pair.sender = Text(result, row, 0);
  pair.recipient = Text(result, row, 1);
  pair.domain = Text(result, row, 2);
  pair.messages = Int(result, row, 3);
  pair.first_seen = Int(result, row, 4);
  pair.last_seen = Int(result, row, 5);
  pair.local_digests = Digests(result, row, 6);
  return pair;
}

NameRecord NameAt(const PGresult* result, int row) {
  NameRecord name;
  name.sender = Text(result, row, 0);
  name.name = Text(result, row, 1);
  name.recipient = Text(result, row, 2);
  name.messages = Int(result, row, 3);
  return name;
}

ExceptionRecord ExceptionAt(const PGresult* result, int row) {
  ExceptionRecord exception;
  exception.sender = Text(result, row, 0);
  exception.recipient = Text(result, row, 1);
  exception.expires = Int(result, row, 2);
  exception.created = Int(result, row, 3);
  exception.note = Text(result, row, 4);
  return exception;
}

std::string ModeName(bool hashed) { return hashed ? "hashed" : "clear-text"; }

class PostgresStore : public HistoryStore {
 public:
  PostgresStore(std::string url, HistoryKeyer keyer)
      : url_(std::move(url)), keyer_(std::move(keyer)) {}

  Result<void> Open(const std::string& conninfo) {
    conn_.reset(PQconnectdb(conninfo.c_str()));
    if (conn_ == nullptr || PQstatus(conn_.get()) != CONNECTION_OK) {
      std::string why = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      return MakeError(ErrorCode::kIo, "history store " + url_ + ": cannot connect: " + why);
    }
    // Notices (such as "relation already exists, skipping") would otherwise
    // go to stderr, which is the milter's log in the foreground.
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
    if (auto r = Command("SET bytea_output = 'hex'"); !r) return Unexpected(r.error());
    return Migrate();
  }

  Result<size_t> Record(std::span<const SentMessage> messages) override {
    return Retrying<size_t>([&]() -> Result<size_t> {
      if (auto r = Command("BEGIN"); !r) return Unexpected(r.error());
      std::unordered_set<std::string> fresh;
      for (const MessageKey& key : MessageKeys(messages)) {
        auto inserted =
            Run("INSERT INTO message_keys (key, time) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                {key.key, key.time});
        if (!inserted) return Unexpected(inserted.error());
        if (std::string_view(PQcmdTuples(inserted->get())) == "1") fresh.insert(key.key);
      }
      RecordBatch batch = AggregateMessages(messages, keyer_, [&](std::string_view key) {
        return fresh.count(std::string(key)) > 0;
      });
      // Sorted rows: concurrent batches lock shared rows in one order.
      for (const PairDelta& pair : batch.pairs) {
        auto r =
            Run("INSERT INTO pairs (sender, recipient, domain, messages, first_seen, last_seen, "
                "local_digests, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('history_seq')) "
                "ON CONFLICT (sender, recipient) DO UPDATE SET "
                "messages = pairs.messages + excluded.messages, "
                "first_seen = LEAST(pairs.first_seen, excluded.first_seen), "
                "last_seen = GREATEST(pairs.last_seen, excluded.last_seen), "
                "local_digests = excluded.local_digests, seq = excluded.seq",
                {pair.sender, pair.recipient, pair.domain, pair.messages, pair.first_seen,
                 pair.last_seen,
                 pair.local_digests.empty() ? Param::Null() : Param::Bytes(pair.local_digests)});
        if (!r) return Unexpected(r.error());
      }
      for (const NameDelta& name : batch.names) {
        auto r =
            Run("INSERT INTO names (sender, name, recipient, messages, last_seen, seq) "
                "VALUES ($1, $2, $3, $4, $5, nextval('history_seq')) "
                "ON CONFLICT (sender, name, recipient) DO UPDATE SET "
                "messages = names.messages + excluded.messages, "
                "last_seen = GREATEST(names.last_seen, excluded.last_seen), seq = excluded.seq",
                {name.sender, name.name, name.recipient, name.messages, name.last_seen});
        if (!r) return Unexpected(r.error());
      }
      if (auto r = Command("COMMIT"); !r) return Unexpected(r.error());
      return batch.counted;
    });
  }

  Result<HistorySnapshot> Load(int64_t now) override {
    return Reading<HistorySnapshot>([&]() -> Result<HistorySnapshot> {
      HistorySnapshot snapshot;
      auto count = QueryInt("SELECT count(*) FROM pairs", {});
      if (!count) return Unexpected(count.error());
      snapshot.pairs.reserve(static_cast<size_t>(*count));
      if (auto r = Stream(std::string("SELECT ") + kPairColumns + " FROM pairs", {},
                          [&](const PGresult* row) { snapshot.pairs.push_back(PairAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = Stream("SELECT sender, name, recipient, messages FROM names", {},
                          [&](const PGresult* row) { snapshot.names.push_back(NameAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = ReadExceptions("", now, &snapshot.exceptions); !r) {
        return Unexpected(r.error());
      }
      auto cursor = MaxSeq();
      if (!cursor) return Unexpected(cursor.error());
      snapshot.cursor = *cursor;
      return snapshot;
    });
  }

  Result<HistorySnapshot> LoadForSender(std::string_view sender, int64_t now) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    return Reading<HistorySnapshot>([&]() -> Result<HistorySnapshot> {
      HistorySnapshot snapshot;
      if (auto r = Stream(std::string("SELECT ") + kPairColumns +
                              " FROM pairs WHERE domain IN "
                              "(SELECT DISTINCT domain FROM pairs WHERE sender = $1)",
                          {*key},
                          [&](const PGresult* row) { snapshot.pairs.push_back(PairAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = Stream("SELECT sender, name, recipient, messages FROM names WHERE sender = $1",
                          {*key},
                          [&](const PGresult* row) { snapshot.names.push_back(NameAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = ReadExceptions(*key, now, &snapshot.exceptions); !r) {
        return Unexpected(r.error());
      }
      auto cursor = MaxSeq();
      if (!cursor) return Unexpected(cursor.error());
      snapshot.cursor = *cursor;
      return snapshot;
    });
  }

  Result<HistorySnapshot> LoadChangedSince(int64_t cursor, int64_t now) override {
    return Reading<HistorySnapshot>([&]() -> Result<HistorySnapshot> {
      HistorySnapshot snapshot;
      // See the top of the file for why the margin.
      int64_t from = cursor - kPostgresCursorLookback;
      if (auto r =
              Stream(std::string("SELECT ") + kPairColumns + " FROM pairs WHERE seq > $1", {from},
                     [&](const PGresult* row) { snapshot.pairs.push_back(PairAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r =
              Stream("SELECT sender, name, recipient, messages FROM names WHERE seq > $1", {from},
                     [&](const PGresult* row) { snapshot.names.push_back(NameAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = ReadExceptions("", now, &snapshot.exceptions); !r) {
        return Unexpected(r.error());
      }
      auto seen = MaxSeq();
      if (!seen) return Unexpected(seen.error());
      snapshot.cursor = std::max(cursor, *seen);
      return snapshot;
    });
  }

  Result<std::vector<PairRecord>> TopCorrespondents(std::string_view sender,
                                                    size_t limit) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    auto result = Run(std::string("SELECT ") + kPairColumns +
                          " FROM pairs WHERE sender = $1 "
                          "ORDER BY messages DESC, last_seen DESC, recipient, sender LIMIT $2",
                      {*key, static_cast<int64_t>(limit)});
    if (!result) return Unexpected(result.error());
    std::vector<PairRecord> pairs;
    for (int row = 0; row < PQntuples(result->get()); ++row) {
      pairs.push_back(PairAt(result->get(), row));
    }
    return pairs;
  }

  Result<DomainSummary> DescribeDomain(std::string_view domain, size_t limit) override {
    auto canonical = DomainKey(domain);
    if (!canonical) return Unexpected(canonical.error());
    return Reading<DomainSummary>([&]() -> Result<DomainSummary> {
      DomainSummary summary;
      summary.domain = *canonical;
      auto totals = Run(
          "SELECT coalesce(sum(messages), 0)::bigint, count(DISTINCT sender), "
          "count(DISTINCT recipient), coalesce(min(first_seen), 0), coalesce(max(last_seen), 0) "
          "FROM pairs WHERE domain = $1",
          {*canonical});
      if (!totals) return Unexpected(totals.error());
      summary.messages = Int(totals->get(), 0, 0);
      summary.senders = Int(totals->get(), 0, 1);
      summary.addresses = Int(totals->get(), 0, 2);
      summary.first_seen = Int(totals->get(), 0, 3);
      summary.last_seen = Int(totals->get(), 0, 4);
      auto top = Run(std::string("SELECT ") + kPairColumns +
                         " FROM pairs WHERE domain = $1 "
                         "ORDER BY messages DESC, last_seen DESC, recipient, sender LIMIT $2",
                     {*canonical, static_cast<int64_t>(limit)});
      if (!top) return Unexpected(top.error());
      for (int row = 0; row < PQntuples(top->get()); ++row) {
        summary.top_pairs.push_back(PairAt(top->get(), row));
      }
      return summary;
    });
  }

  Result<size_t> ForgetSender(std::string_view sender) override {
    return Forget(sender,
                  {"DELETE FROM pairs WHERE sender = $1", "DELETE FROM names WHERE sender = $1",
                   "DELETE FROM exceptions WHERE sender = $1"});
  }

  Result<size_t> ForgetAddress(std::string_view address) override {
    return Forget(address, {"DELETE FROM pairs WHERE sender = $1 OR recipient = $1",
                            "DELETE FROM names WHERE sender = $1 OR recipient = $1",
                            "DELETE FROM exceptions WHERE sender = $1 OR recipient = $1"});
  }

  Result<void> AddException(const ExceptionRecord& exception) override {
    auto sender = AddressKey(exception.sender, keyer_);
    if (!sender) return Unexpected(sender.error());
    auto recipient = ExceptionRecipientKey(exception.recipient, keyer_);
    if (!recipient) return Unexpected(recipient.error());
    // One statement: its own transaction.
    auto r =
        Run("INSERT INTO exceptions (sender, recipient, expires, created, note) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sender, recipient) DO UPDATE SET "
            "expires = excluded.expires, created = excluded.created, note = excluded.note",
            {*sender, *recipient, exception.expires, exception.created, exception.note});
    if (!r) return Unexpected(r.error());
    return {};
  }

  Result<size_t> RemoveException(std::string_view sender, std::string_view recipient) override {
    auto sender_key = AddressKey(sender, keyer_);
    if (!sender_key) return Unexpected(sender_key.error());
    auto recipient_key = ExceptionRecipientKey(recipient, keyer_);
    if (!recipient_key) return Unexpected(recipient_key.error());
    auto r = Run("DELETE FROM exceptions WHERE sender = $1 AND recipient = $2",
                 {*sender_key, *recipient_key});
    if (!r) return Unexpected(r.error());
    return Affected(r->get());
  }

  Result<std::vector<ExceptionRecord>> ListExceptions(std::string_view sender) override {
    std::string key;
    if (!sender.empty()) {
      auto k = AddressKey(sender, keyer_);
      if (!k) return Unexpected(k.error());
      key = *k;
    }
    std::vector<ExceptionRecord> out;
    if (auto r = ReadExceptions(key, INT64_MIN, &out); !r) return Unexpected(r.error());
    return out;
  }

  Result<size_t> Prune(int64_t before) override {
    return Retrying<size_t>([&]() -> Result<size_t> {
      if (auto r = Command("BEGIN"); !r) return Unexpected(r.error());
      size_t removed = 0;
      for (const char* sql :
           {"DELETE FROM pairs WHERE last_seen < $1", "DELETE FROM names WHERE last_seen < $1",
            "DELETE FROM message_keys WHERE time < $1",
            "DELETE FROM exceptions WHERE expires < $1"}) {
        auto r = Run(sql, {before});
        if (!r) return Unexpected(r.error());
        if (removed == 0 && std::string_view(sql).find("pairs") != std::string_view::npos) {
          removed = Affected(r->get());
        }
      }
      if (auto r = Command("COMMIT"); !r) return Unexpected(r.error());
      return removed;
    });
  }

  // PostgreSQL checks its own pages (and reports damage on access); reaching
  // the schema is what can be checked from here.
  Result<void> CheckIntegrity() override {
    auto stats = Stats();
    if (!stats) return Unexpected(stats.error());
    return {};
  }

  Result<StoreStats> Stats() override {
    return Reading<StoreStats>([&]() -> Result<StoreStats> {
      auto result =
          Run("SELECT (SELECT count(*) FROM pairs), (SELECT count(DISTINCT sender) FROM pairs), "
              "(SELECT count(DISTINCT domain) FROM pairs), (SELECT count(*) FROM names), "
              "(SELECT count(*) FROM exceptions), (SELECT count(*) FROM message_keys), "
              "(SELECT max(version) FROM schema_version)",
              {});
      if (!result) return Unexpected(result.error());
      StoreStats stats;
      stats.pairs = Int(result->get(), 0, 0);
      stats.senders = Int(result->get(), 0, 1);
      stats.domains = Int(result->get(), 0, 2);
      stats.names = Int(result->get(), 0, 3);
      stats.exceptions = Int(result->get(), 0, 4);
      stats.recorded_messages = Int(result->get(), 0, 5);
      stats.schema_version = static_cast<int>(Int(result->get(), 0, 6));
      stats.hashed = keyer_.hashed();  // Open checked that it matches the data
      return stats;
    });
  }

 private:
  // Also notes whether the failure is one a retry can cure: PostgreSQL
  // aborted the transaction to break a deadlock or a serialisation conflict.
  Error DbError(std::string_view what, const PGresult* result) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    retryable_ = state != nullptr &&
                 (std::string_view(state) == "40P01" || std::string_view(state) == "40001");
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return Error{ErrorCode::kIo,
                 "history store " + url_ + ": " + std::string(what) + ": " + message, ""};
  }

  static size_t Affected(const PGresult* result) {
    return static_cast<size_t>(
        std::strtoull(PQcmdTuples(const_cast<PGresult*>(result)), nullptr, 10));
  }

  // A statement without parameters or results (BEGIN, COMMIT, SET).
  Result<void> Command(const char* sql) {
    PgResult result(PQexec(conn_.get(), sql));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Unexpected(DbError(sql, result.get()));
    }
    return {};
  }

  // The name of the prepared statement for `sql`, preparing it on first use.
  // Statements are per connection and live as long as the store.
  Result<const std::string*> Prepared(const std::string& sql, int params) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return &it->second;
    std::string name = "rcptguard_" + std::to_string(prepared_.size());
    PgResult result(PQprepare(conn_.get(), name.c_str(), sql.c_str(), params, nullptr));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return Unexpected(DbError("cannot prepare a statement", result.get()));
    }
    return &prepared_.emplace(sql, std::move(name)).first->second;
  }

  struct Arguments {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
  };
  static Arguments Unpack(const std::vector<Param>& params) {
    Arguments args;
    for (const Param& param : params) {
      args.values.push_back(param.null ? nullptr : param.value.data());
      args.lengths.push_back(static_cast<int>(param.value.size()));
      args.formats.push_back(param.binary ? 1 : 0);
    }
    return args;
  }

  // Runs a prepared statement and returns its whole result. Text parameters
  // must not contain NUL: PostgreSQL text cannot hold one.
  Result<PgResult> Run(const std::string& sql, std::vector<Param> params) {
    auto name = Prepared(sql, static_cast<int>(params.size()));
    if (!name) return Unexpected(name.error());
    Arguments args = Unpack(params);
    PgResult result(PQexecPrepared(conn_.get(), (*name)->c_str(), static_cast<int>(params.size()),
                                   args.values.data(), args.lengths.data(), args.formats.data(),
                                   /*resultFormat=*/0));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Unexpected(DbError("query failed", result.get()));
    }
    return result;
  }

  Result<int64_t> QueryInt(const std::string& sql, std::vector<Param> params) {
    auto result = Run(sql, std::move(params));
    if (!result) return Unexpected(result.error());
    if (PQntuples(result->get()) < 1) return int64_t{0};
    return Int(result->get(), 0, 0);
  }

  // Runs a query in single-row mode and calls on_row for each row: a million
  // pairs arrive as they are read instead of in one result of a few hundred MB.
  template <typename OnRow>
  Result<void> Stream(const std::string& sql, std::vector<Param> params, OnRow on_row) {
    auto name = Prepared(sql, static_cast<int>(params.size()));
    if (!name) return Unexpected(name.error());
    Arguments args = Unpack(params);
    if (!PQsendQueryPrepared(conn_.get(), (*name)->c_str(), static_cast<int>(params.size()),
                             args.values.data(), args.lengths.data(), args.formats.data(), 0)) {
      return Unexpected(DbError("query failed", nullptr));
    }
    PQsetSingleRowMode(conn_.get());
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

  Result<void> ReadExceptions(const std::string& sender_key, int64_t now,
                              std::vector<ExceptionRecord>* out) {
    auto result =
        Run("SELECT sender, recipient, expires, created, note FROM exceptions "
            "WHERE ($1 = '' OR sender = $1) AND expires > $2 ORDER BY sender, recipient",
            {sender_key, now});
    if (!result) return Unexpected(result.error());
    for (int row = 0; row < PQntuples(result->get()); ++row) {
      out->push_back(ExceptionAt(result->get(), row));
    }
    return {};
  }

  // The highest seq of any committed row this transaction sees.
  Result<int64_t> MaxSeq() {
    return QueryInt(
        "SELECT greatest(coalesce((SELECT max(seq) FROM pairs), 0), "
        "coalesce((SELECT max(seq) FROM names), 0))",
        {});
  }

  void Rollback() {
    // After a failed statement the transaction can only be rolled back; on a
    // broken connection this fails too, and the error already says why.
    PgResult result(PQexec(conn_.get(), "ROLLBACK"));
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
  // (rows and the cursor) comes from one snapshot.
  template <typename T, typename Body>
  Result<T> Reading(Body body) {
    if (auto r = Command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) {
      return Unexpected(r.error());
    }
    Result<T> result = body();
    if (!result) {
      Rollback();
      return result;
    }
    if (auto r = Command("COMMIT"); !r) return Unexpected(r.error());
    return result;
  }

  Result<size_t> Forget(std::string_view address, std::initializer_list<const char*> statements) {
    auto key = AddressKey(address, keyer_);
    if (!key) return Unexpected(key.error());
    return Retrying<size_t>([&]() -> Result<size_t> {
      if (auto r = Command("BEGIN"); !r) return Unexpected(r.error());
      size_t removed = 0;
      for (const char* sql : statements) {
        auto r = Run(sql, {*key});
        if (!r) return Unexpected(r.error());
        removed += Affected(r->get());
      }
      if (auto r = Command("COMMIT"); !r) return Unexpected(r.error());
      return removed;
    });
  }

  // Creates or upgrades the schema and checks the addressing mode under a
  // transaction-scoped advisory lock: gateways opening one database at once
  // queue here, and each sees the schema the first one finished.
  Result<void> Migrate() {
    if (auto r = Command("BEGIN"); !r) return Unexpected(r.error());
    auto body = [&]() -> Result<void> {
      if (auto r = Run("SELECT pg_advisory_xact_lock($1)", {kMigrationLockId}); !r) {
        return Unexpected(r.error());
      }
      if (auto r =
              Command("CREATE TABLE IF NOT EXISTS schema_version ("
                      "version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())");
          !r) {
        return r;
      }
      auto version = QueryInt("SELECT coalesce(max(version), 0) FROM schema_version", {});
      if (!version) return Unexpected(version.error());
      if (*version > kHistorySchemaVersion) {
        return MakeError(ErrorCode::kConfig, "history store " + url_ + " has schema version " +
                                                 std::to_string(*version) +
                                                 ", newer than this rcptguard understands (" +
                                                 std::to_string(kHistorySchemaVersion) + ")");
      }
      for (int64_t v = *version; v < kHistorySchemaVersion; ++v) {
        if (auto r = Command(kMigrations[v]); !r) return r;
        if (auto r = Run("INSERT INTO schema_version (version) VALUES ($1)", {v + 1}); !r) {
          return Unexpected(r.error());
        }
      }
      auto mode = Run("SELECT value FROM meta WHERE key = 'hashed'", {});
      if (!mode) return Unexpected(mode.error());
      if (PQntuples(mode->get()) > 0) {
        bool stored_hashed = Text(mode->get(), 0, 0) == "1";
        if (stored_hashed != keyer_.hashed()) {
          return MakeError(ErrorCode::kConfig, "history store " + url_ + " holds " +
                                                   ModeName(stored_hashed) +
                                                   " addresses; refusing to open it in " +
                                                   ModeName(keyer_.hashed()) + " mode");
        }
      } else if (auto r = Run("INSERT INTO meta (key, value) VALUES ('hashed', $1)",
                              {keyer_.hashed() ? "1" : "0"});
                 !r) {
        return Unexpected(r.error());
      }
      return Command("COMMIT");
    };
    auto result = body();
    if (!result) Rollback();
    return result;
  }

  std::string url_;
  HistoryKeyer keyer_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  bool retryable_ = false;  // the last error was a deadlock or serialisation failure
};

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenPostgresStore(const StoreUrl& url,
                                                        const StoreOptions& options) {
  auto store = std::make_unique<PostgresStore>(RedactStoreUrl(options.url), options.keyer);
  if (auto r = store->Open(url.conninfo); !r) return Unexpected(r.error());
  return std::unique_ptr<HistoryStore>(std::move(store));
}

}  // namespace rcptguard
