// The SQLite history store: the embedded default, one file per gateway.
// WAL lets the milter read while `rcptguard history` or a learning job writes;
// busy_timeout makes writers from several processes queue instead of failing;
// synchronous=NORMAL is durable across a process crash (an OS crash may lose the
// last transactions, which for history is a recount of a few messages at most).
#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/backends.h"
#include "store/record_batch.h"

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

constexpr const char* kPairColumns =
    "sender, recipient, domain, messages, first_seen, last_seen, local_digests";

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DatabaseDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

struct Blob {
  std::string_view bytes;
};

std::string ModeName(bool hashed) { return hashed ? "hashed" : "clear-text"; }

class SqliteStore : public HistoryStore {
 public:
  SqliteStore(std::string url, HistoryKeyer keyer, bool read_only)
      : url_(std::move(url)), keyer_(std::move(keyer)), read_only_(read_only) {}

  Result<void> Open(const std::string& path) {
    // SQLite would create the file but not its directory; a missing directory
    // is nearly always a typo or a missing package step, so say so plainly.
    std::string directory =
        path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
    if (path.rfind('/') == 0) directory = "/";
    if (directory.empty()) directory = ".";
    struct stat info {};
    if (stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return MakeError(ErrorCode::kIo,
                       "history store " + url_ + ": directory " + directory + " does not exist");
    }
    // Read-only opens an existing store; a store that does not exist yet is
    // created (empty) as a read-write open would, so that a first `history
    // stats` on a new installation answers "0 pairs".
    if (read_only_ && stat(path.c_str(), &info) == 0) return OpenReadOnly(path);
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) {
      return MakeError(ErrorCode::kIo, "history store " + url_ + ": cannot open " + path + ": " +
                                           (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db, 1);
    if (auto r = Exec("PRAGMA busy_timeout = 10000"); !r) return r;
    // journal_mode answers with the mode it ended up in; a file on a
    // filesystem without shared memory stays in "delete", which still works.
    if (auto r = Exec("PRAGMA journal_mode = WAL"); !r) return r;
    if (auto r = Exec("PRAGMA synchronous = NORMAL"); !r) return r;
    // A batch upserts rows at random places in five b-trees (the pairs and
    // their indexes). With SQLite's default 2 MB cache most of those pages are
    // read from the file again for every batch; 64 MB holds the hot part of
    // a million-pair store, and memory-mapped reads skip a copy per page.
    // Both are upper bounds, not allocations.
    if (auto r = Exec("PRAGMA cache_size = -65536"); !r) return r;
    if (auto r = Exec("PRAGMA mmap_size = 268435456"); !r) return r;
    // Checkpoint every 64 MB of WAL instead of 4 MB: a page that many batches
    // touch is copied into the database once per checkpoint, not once per
    // batch, and the checkpoint's fsync is paid ten times less often.
    if (auto r = Exec("PRAGMA wal_autocheckpoint = 16384"); !r) return r;
    return Migrate();
  }

  Result<void> CheckIntegrity() override {
    auto check = Prepare("PRAGMA quick_check(1)");
    if (!check) return Unexpected(check.error());
    int rc = sqlite3_step(*check);
    std::string answer =
        rc == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(*check, 0)) : "";
    sqlite3_reset(*check);
    if (rc != SQLITE_ROW) return Unexpected(StepError(rc));
    if (answer != "ok") {
      return MakeError(ErrorCode::kIo, "history store " + url_ + " is damaged: " +
                                           answer.substr(0, 200) +
                                           " (restore it from a backup, or move it away and "
                                           "learn again)");
    }
    return {};
  }

  Result<size_t> Record(std::span<const SentMessage> messages) override {
    Transaction transaction(this, /*write=*/true);
    if (!transaction.ok()) return Unexpected(transaction.error());
    auto insert_key =
        Prepare("INSERT INTO message_keys (key, time) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!insert_key) return Unexpected(insert_key.error());
    std::unordered_map<std::string, bool> fresh;
    for (const MessageKey& key : MessageKeys(messages)) {
      auto done = Step(*insert_key, key.key, key.time);
      if (!done) return Unexpected(done.error());
      fresh[key.key] = sqlite3_changes(db_.get()) > 0;
    }
    RecordBatch batch = AggregateMessages(messages, keyer_, [&](std::string_view key) {
      auto it = fresh.find(std::string(key));
      return it != fresh.end() && it->second;
    });
    if (batch.pairs.empty() && batch.names.empty()) {
      if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
      return batch.counted;
    }
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    int64_t next = *seq;
    auto upsert_pair = Prepare(
        "INSERT INTO pairs (sender, recipient, domain, messages, first_seen, last_seen, "
        "local_digests, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (sender, recipient) DO UPDATE SET messages = messages + excluded.messages, "
        "first_seen = min(first_seen, excluded.first_seen), "
        "last_seen = max(last_seen, excluded.last_seen), "
        "local_digests = excluded.local_digests, seq = excluded.seq");
    if (!upsert_pair) return Unexpected(upsert_pair.error());
    for (const PairDelta& pair : batch.pairs) {
      auto done = Step(*upsert_pair, pair.sender, pair.recipient, pair.domain, pair.messages,
                       pair.first_seen, pair.last_seen, Blob{pair.local_digests}, ++next);
      if (!done) return Unexpected(done.error());
    }
    auto upsert_name = Prepare(
        "INSERT INTO names (sender, name, recipient, messages, last_seen, seq) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT (sender, name, recipient) DO UPDATE SET "
        "messages = messages + excluded.messages, last_seen = max(last_seen, excluded.last_seen), "
        "seq = excluded.seq");
    if (!upsert_name) return Unexpected(upsert_name.error());
    for (const NameDelta& name : batch.names) {
      auto done = Step(*upsert_name, name.sender, name.name, name.recipient, name.messages,
                       name.last_seen, ++next);
      if (!done) return Unexpected(done.error());
    }
    auto write_seq = Prepare("UPDATE meta SET value = ?1 WHERE key = 'seq'");
    if (!write_seq) return Unexpected(write_seq.error());
    if (auto done = Step(*write_seq, next); !done) return Unexpected(done.error());
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return batch.counted;
  }

  Result<HistorySnapshot> Load(int64_t now) override {
    Transaction transaction(this, /*write=*/false);
    if (!transaction.ok()) return Unexpected(transaction.error());
    HistorySnapshot snapshot;
    auto count = QueryInt("SELECT count(*) FROM pairs");
    if (!count) return Unexpected(count.error());
    snapshot.pairs.reserve(static_cast<size_t>(*count));
    if (auto r = ReadPairs(std::string("SELECT ") + kPairColumns + " FROM pairs", &snapshot.pairs);
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = ReadNames("SELECT sender, name, recipient, messages FROM names", &snapshot.names);
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = ReadExceptions("", now, &snapshot.exceptions); !r)
      return Unexpected(r.error());
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    snapshot.cursor = *seq;
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return snapshot;
  }

  Result<HistorySnapshot> LoadForSender(std::string_view sender, int64_t now) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    Transaction transaction(this, /*write=*/false);
    if (!transaction.ok()) return Unexpected(transaction.error());
    HistorySnapshot snapshot;
    if (auto r = ReadPairs(std::string("SELECT ") + kPairColumns +
                               " FROM pairs WHERE domain IN "
                               "(SELECT DISTINCT domain FROM pairs WHERE sender = ?1)",
                           &snapshot.pairs, *key);
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = ReadNames("SELECT sender, name, recipient, messages FROM names WHERE sender = ?1",
                           &snapshot.names, *key);
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = ReadExceptions(*key, now, &snapshot.exceptions); !r) {
      return Unexpected(r.error());
    }
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    snapshot.cursor = *seq;
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return snapshot;
  }

  Result<HistorySnapshot> LoadChangedSince(int64_t cursor, int64_t now) override {
    Transaction transaction(this, /*write=*/false);
    if (!transaction.ok()) return Unexpected(transaction.error());
    HistorySnapshot snapshot;
    // seq is given out inside the write transaction that holds SQLite's single
    // writer lock, so rows commit in seq order and no lookback is needed.
    if (auto r = ReadPairs(std::string("SELECT ") + kPairColumns + " FROM pairs WHERE seq > ?1",
                           &snapshot.pairs, cursor);
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = ReadNames("SELECT sender, name, recipient, messages FROM names WHERE seq > ?1",
                           &snapshot.names, cursor);
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = ReadExceptions("", now, &snapshot.exceptions); !r)
      return Unexpected(r.error());
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    snapshot.cursor = std::max(cursor, *seq);
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return snapshot;
  }

  Result<std::vector<PairRecord>> TopCorrespondents(std::string_view sender,
                                                    size_t limit) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    std::vector<PairRecord> pairs;
    auto r = ReadPairs(std::string("SELECT ") + kPairColumns +
                           " FROM pairs WHERE sender = ?1 "
                           "ORDER BY messages DESC, last_seen DESC, recipient, sender LIMIT ?2",
                       &pairs, *key, static_cast<int64_t>(limit));
    if (!r) return Unexpected(r.error());
    return pairs;
  }

  Result<DomainSummary> DescribeDomain(std::string_view domain, size_t limit) override {
    auto canonical = DomainKey(domain);
    if (!canonical) return Unexpected(canonical.error());
    Transaction transaction(this, /*write=*/false);
    if (!transaction.ok()) return Unexpected(transaction.error());
    DomainSummary summary;
    summary.domain = *canonical;
    auto totals = Prepare(
        "SELECT coalesce(sum(messages), 0), count(DISTINCT sender), count(DISTINCT recipient), "
        "coalesce(min(first_seen), 0), coalesce(max(last_seen), 0) FROM pairs WHERE domain = ?1");
    if (!totals) return Unexpected(totals.error());
    if (auto r = Bind(*totals, *canonical); !r) return Unexpected(r.error());
    int rc = sqlite3_step(*totals);
    if (rc != SQLITE_ROW) return Unexpected(StepError(rc));
    summary.messages = sqlite3_column_int64(*totals, 0);
    summary.senders = sqlite3_column_int64(*totals, 1);
    summary.addresses = sqlite3_column_int64(*totals, 2);
    summary.first_seen = sqlite3_column_int64(*totals, 3);
    summary.last_seen = sqlite3_column_int64(*totals, 4);
    sqlite3_reset(*totals);
    if (auto r = ReadPairs(std::string("SELECT ") + kPairColumns +
                               " FROM pairs WHERE domain = ?1 "
                               "ORDER BY messages DESC, last_seen DESC, recipient, sender LIMIT ?2",
                           &summary.top_pairs, *canonical, static_cast<int64_t>(limit));
        !r) {
      return Unexpected(r.error());
    }
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return summary;
  }

  Result<size_t> ForgetSender(std::string_view sender) override {
    return Forget(sender,
                  {"DELETE FROM pairs WHERE sender = ?1", "DELETE FROM names WHERE sender = ?1",
                   "DELETE FROM exceptions WHERE sender = ?1"});
  }

  Result<size_t> ForgetAddress(std::string_view address) override {
    return Forget(address, {"DELETE FROM pairs WHERE sender = ?1 OR recipient = ?1",
                            "DELETE FROM names WHERE sender = ?1 OR recipient = ?1",
                            "DELETE FROM exceptions WHERE sender = ?1 OR recipient = ?1"});
  }

  Result<void> AddException(const ExceptionRecord& exception) override {
    auto sender = AddressKey(exception.sender, keyer_);
    if (!sender) return Unexpected(sender.error());
    auto recipient = ExceptionRecipientKey(exception.recipient, keyer_);
    if (!recipient) return Unexpected(recipient.error());
    Transaction transaction(this, /*write=*/true);
    if (!transaction.ok()) return Unexpected(transaction.error());
    auto upsert = Prepare(
        "INSERT INTO exceptions (sender, recipient, expires, created, note) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sender, recipient) DO UPDATE SET "
        "expires = excluded.expires, created = excluded.created, note = excluded.note");
    if (!upsert) return Unexpected(upsert.error());
    if (auto r = Step(*upsert, *sender, *recipient, exception.expires, exception.created,
                      exception.note);
        !r) {
      return Unexpected(r.error());
    }
    return transaction.Commit();
  }

  Result<size_t> RemoveException(std::string_view sender, std::string_view recipient) override {
    auto sender_key = AddressKey(sender, keyer_);
    if (!sender_key) return Unexpected(sender_key.error());
    auto recipient_key = ExceptionRecipientKey(recipient, keyer_);
    if (!recipient_key) return Unexpected(recipient_key.error());
    Transaction transaction(this, /*write=*/true);
    if (!transaction.ok()) return Unexpected(transaction.error());
    auto remove = Prepare("DELETE FROM exceptions WHERE sender = ?1 AND recipient = ?2");
    if (!remove) return Unexpected(remove.error());
    if (auto r = Step(*remove, *sender_key, *recipient_key); !r) return Unexpected(r.error());
    size_t removed = static_cast<size_t>(sqlite3_changes(db_.get()));
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return removed;
  }

  Result<std::vector<ExceptionRecord>> ListExceptions(std::string_view sender) override {
    std::string key;
    if (!sender.empty()) {
      auto k = AddressKey(sender, keyer_);
      if (!k) return Unexpected(k.error());
      key = *k;
    }
    std::vector<ExceptionRecord> out;
    if (auto r = ReadExceptions(key, /*now=*/INT64_MIN, &out); !r) return Unexpected(r.error());
    return out;
  }

  Result<size_t> Prune(int64_t before) override {
    Transaction transaction(this, /*write=*/true);
    if (!transaction.ok()) return Unexpected(transaction.error());
    size_t removed = 0;
    const char* statements[] = {
        "DELETE FROM pairs WHERE last_seen < ?1", "DELETE FROM names WHERE last_seen < ?1",
        "DELETE FROM message_keys WHERE time < ?1", "DELETE FROM exceptions WHERE expires < ?1"};
    for (const char* sql : statements) {
      auto statement = Prepare(sql);
      if (!statement) return Unexpected(statement.error());
      if (auto r = Step(*statement, before); !r) return Unexpected(r.error());
      if (sql == statements[0]) removed = static_cast<size_t>(sqlite3_changes(db_.get()));
    }
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return removed;
  }

  Result<StoreStats> Stats() override {
    Transaction transaction(this, /*write=*/false);
    if (!transaction.ok()) return Unexpected(transaction.error());
    StoreStats stats;
    struct Query {
      const char* sql;
      int64_t* into;
    };
    int64_t version = 0;
    for (const Query& query : {Query{"SELECT count(*) FROM pairs", &stats.pairs},
                               Query{"SELECT count(DISTINCT sender) FROM pairs", &stats.senders},
                               Query{"SELECT count(DISTINCT domain) FROM pairs", &stats.domains},
                               Query{"SELECT count(*) FROM names", &stats.names},
                               Query{"SELECT count(*) FROM exceptions", &stats.exceptions},
                               Query{"SELECT count(*) FROM message_keys", &stats.recorded_messages},
                               Query{"SELECT max(version) FROM schema_version", &version}}) {
      auto value = QueryInt(query.sql);
      if (!value) return Unexpected(value.error());
      *query.into = *value;
    }
    stats.schema_version = static_cast<int>(version);
    stats.hashed = keyer_.hashed();  // Open checked that it matches the data
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return stats;
  }

 private:
  // BEGIN IMMEDIATE for writers takes the write lock up front, so a writer
  // waits (busy_timeout) at the start instead of failing with SQLITE_BUSY
  // halfway when its read lock cannot be upgraded. Rolls back unless committed.
  class Transaction {
   public:
    Transaction(SqliteStore* store, bool write) : store_(store) {
      auto r = store_->Exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
      if (!r) error_ = r.error();
    }
    ~Transaction() {
      if (!error_ && !committed_) (void)store_->Exec("ROLLBACK");
    }
    bool ok() const { return !error_.has_value(); }
    const Error& error() const { return *error_; }
    Result<void> Commit() {
      committed_ = true;
      return store_->Exec("COMMIT");
    }

   private:
    SqliteStore* store_;
    std::optional<Error> error_;
    bool committed_ = false;
  };

  Error DbError(std::string_view what) const {
    return Error{
        ErrorCode::kIo,
        "history store " + url_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_.get()), ""};
  }
  Error StepError(int) const { return DbError("query failed"); }

  Result<void> Exec(const char* sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      return MakeError(ErrorCode::kIo, "history store " + url_ + ": " + text);
    }
    return {};
  }

  // Prepared statements live as long as the store: Record runs the same few
  // statements for every batch, and preparing is a good part of their cost.
  Result<sqlite3_stmt*> Prepare(const std::string& sql) {
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
    statements_.emplace(sql, Statement(statement));
    return statement;
  }

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
  int BindOne(sqlite3_stmt* statement, int index, Blob value) {
    if (value.bytes.empty()) return sqlite3_bind_null(statement, index);
    return sqlite3_bind_blob(statement, index, value.bytes.data(),
                             static_cast<int>(value.bytes.size()), nullptr);
  }

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
    if (auto r = Bind(statement, args...); !r) return r;
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return Unexpected(StepError(rc));
    return {};
  }

  Result<int64_t> QueryInt(const char* sql) {
    auto statement = Prepare(sql);
    if (!statement) return Unexpected(statement.error());
    int rc = sqlite3_step(*statement);
    if (rc != SQLITE_ROW) return Unexpected(StepError(rc));
    int64_t value = sqlite3_column_int64(*statement, 0);
    sqlite3_reset(*statement);
    return value;
  }

  Result<int64_t> ReadSeq() { return QueryInt("SELECT value FROM meta WHERE key = 'seq'"); }

  static std::string Text(sqlite3_stmt* statement, int column) {
    const unsigned char* text = sqlite3_column_text(statement, column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<size_t>(sqlite3_column_bytes(statement, column)));
  }

  // Runs a query and calls `row(statement)` for each row as SQLite steps to
  // it: one row at a time, no intermediate copy.
  template <typename Row, typename... Args>
  Result<void> ForEachRow(const std::string& sql, Row&& row, const Args&... args) {
    auto statement = Prepare(sql);
    if (!statement) return Unexpected(statement.error());
    if (auto r = Bind(*statement, args...); !r) return r;
    int rc;
    while ((rc = sqlite3_step(*statement)) == SQLITE_ROW) row(*statement);
    sqlite3_reset(*statement);
    if (rc != SQLITE_DONE) return Unexpected(StepError(rc));
    return {};
  }

  template <typename... Args>
  Result<void> ReadPairs(const std::string& sql, std::vector<PairRecord>* out,
                         const Args&... args) {
    return ForEachRow(
        sql,
        [&](sqlite3_stmt* statement) {
          PairRecord& pair = out->emplace_back();
          pair.sender = Text(statement, 0);
          pair.recipient = Text(statement, 1);
          pair.domain = Text(statement, 2);
          pair.messages = sqlite3_column_int64(statement, 3);
          pair.first_seen = sqlite3_column_int64(statement, 4);
          pair.last_seen = sqlite3_column_int64(statement, 5);
          const void* blob = sqlite3_column_blob(statement, 6);
          if (blob != nullptr) {
            pair.local_digests = ParseDigests(
                std::string_view(static_cast<const char*>(blob),
                                 static_cast<size_t>(sqlite3_column_bytes(statement, 6))));
          }
        },
        args...);
  }

  template <typename... Args>
  Result<void> ReadNames(const std::string& sql, std::vector<NameRecord>* out,
                         const Args&... args) {
    return ForEachRow(
        sql,
        [&](sqlite3_stmt* statement) {
          NameRecord& name = out->emplace_back();
          name.sender = Text(statement, 0);
          name.name = Text(statement, 1);
          name.recipient = Text(statement, 2);
          name.messages = sqlite3_column_int64(statement, 3);
        },
        args...);
  }

  // Exceptions of `sender_key` (every sender when empty) expiring after `now`.
  Result<void> ReadExceptions(const std::string& sender_key, int64_t now,
                              std::vector<ExceptionRecord>* out) {
    return ForEachRow(
        "SELECT sender, recipient, expires, created, note FROM exceptions "
        "WHERE (?1 = '' OR sender = ?1) AND expires > ?2 ORDER BY sender, recipient",
        [&](sqlite3_stmt* statement) {
          ExceptionRecord& exception = out->emplace_back();
          exception.sender = Text(statement, 0);
          exception.recipient = Text(statement, 1);
          exception.expires = sqlite3_column_int64(statement, 2);
          exception.created = sqlite3_column_int64(statement, 3);
          exception.note = Text(statement, 4);
        },
        sender_key, now);
  }

  Result<size_t> Forget(std::string_view address, std::initializer_list<const char*> statements) {
    auto key = AddressKey(address, keyer_);
    if (!key) return Unexpected(key.error());
    Transaction transaction(this, /*write=*/true);
    if (!transaction.ok()) return Unexpected(transaction.error());
    size_t removed = 0;
    for (const char* sql : statements) {
      auto statement = Prepare(sql);
      if (!statement) return Unexpected(statement.error());
      if (auto r = Step(*statement, *key); !r) return Unexpected(r.error());
      removed += static_cast<size_t>(sqlite3_changes(db_.get()));
    }
    if (auto r = transaction.Commit(); !r) return Unexpected(r.error());
    return removed;
  }

  // Opens an existing store for reading only. SQLite in WAL mode needs to
  // create the -shm file even to read; where the directory is read-only that
  // fails, and the file is opened as immutable instead (no locking: right for
  // a store nobody writes meanwhile, which is the case such a directory is).
  Result<void> OpenReadOnly(const std::string& path) {
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
                               SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                               nullptr);
      db_.reset(db);
      if (rc != SQLITE_OK) continue;
      sqlite3_extended_result_codes(db, 1);
      if (auto r = Exec("PRAGMA busy_timeout = 10000"); !r) return r;
      // The first read is where a missing -shm shows.
      if (!QueryInt("SELECT count(*) FROM sqlite_master")) continue;
      return CheckSchema();
    }
    return MakeError(ErrorCode::kIo, "history store " + url_ + ": cannot open " + path +
                                         " for reading: " +
                                         (db_ ? sqlite3_errmsg(db_.get()) : "unknown error"));
  }

  // What a read-only open can check without changing anything: that this is
  // an rcptguard store, of this version, in this addressing mode.
  Result<void> CheckSchema() {
    auto tables = QueryInt(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!tables) return Unexpected(tables.error());
    if (*tables == 0) return NotOurs();
    auto version = QueryInt("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!version) return Unexpected(version.error());
    if (*version != kHistorySchemaVersion) {
      return MakeError(ErrorCode::kConfig,
                       "history store " + url_ + " has schema version " +
                           std::to_string(*version) + "; this rcptguard reads version " +
                           std::to_string(kHistorySchemaVersion) +
                           " (a command that writes, such as learn, migrates it)");
    }
    auto hashed = QueryInt("SELECT value FROM meta WHERE key = 'hashed'");
    if (!hashed) return Unexpected(hashed.error());
    if ((*hashed != 0) != keyer_.hashed()) {
      return MakeError(ErrorCode::kConfig, "history store " + url_ + " holds " +
                                               ModeName(*hashed != 0) +
                                               " addresses; refusing to open it in " +
                                               ModeName(keyer_.hashed()) + " mode");
    }
    return {};
  }

  // A database with tables of its own but no schema_version was not made by
  // rcptguard: say so, instead of failing on the first CREATE TABLE.
  Result<void> NotOurs() {
    return MakeError(ErrorCode::kConfig,
                     "history store " + url_ +
                         " is a SQLite database that rcptguard did not create (it has other "
                         "tables and no schema_version); name a new file");
  }

  // Brings the schema to kHistorySchemaVersion and checks (or, on a new
  // database, records) the addressing mode, all in one write transaction: two
  // processes opening a new file at once serialise on SQLite's write lock, and
  // the second sees the first's finished schema.
  Result<void> Migrate() {
    Transaction transaction(this, /*write=*/true);
    if (!transaction.ok()) return Unexpected(transaction.error());
    auto ours = QueryInt(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!ours) return Unexpected(ours.error());
    auto others = QueryInt(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    if (!others) return Unexpected(others.error());
    if (*ours == 0 && *others > 0) return NotOurs();
    if (auto r = Exec("CREATE TABLE IF NOT EXISTS schema_version ("
                      "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)");
        !r) {
      return r;
    }
    auto version = QueryInt("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!version) return Unexpected(version.error());
    if (*version > kHistorySchemaVersion) {
      return MakeError(ErrorCode::kConfig, "history store " + url_ + " has schema version " +
                                               std::to_string(*version) +
                                               ", newer than this rcptguard understands (" +
                                               std::to_string(kHistorySchemaVersion) + ")");
    }
    for (int64_t v = *version; v < kHistorySchemaVersion; ++v) {
      if (auto r = Exec(kMigrations[v]); !r) return r;
      auto record =
          Prepare("INSERT INTO schema_version (version, applied) VALUES (?1, unixepoch())");
      if (!record) return Unexpected(record.error());
      if (auto r = Step(*record, v + 1); !r) return r;
    }
    auto mode = Prepare("SELECT value FROM meta WHERE key = 'hashed'");
    if (!mode) return Unexpected(mode.error());
    int rc = sqlite3_step(*mode);
    if (rc == SQLITE_ROW) {
      bool stored_hashed = sqlite3_column_int64(*mode, 0) != 0;
      sqlite3_reset(*mode);
      if (stored_hashed != keyer_.hashed()) {
        return MakeError(ErrorCode::kConfig, "history store " + url_ + " holds " +
                                                 ModeName(stored_hashed) +
                                                 " addresses; refusing to open it in " +
                                                 ModeName(keyer_.hashed()) + " mode");
      }
    } else {
      sqlite3_reset(*mode);
      if (rc != SQLITE_DONE) return Unexpected(StepError(rc));
      auto insert = Prepare("INSERT INTO meta (key, value) VALUES ('hashed', ?1)");
      if (!insert) return Unexpected(insert.error());
      if (auto r = Step(*insert, int64_t{keyer_.hashed() ? 1 : 0}); !r) return r;
    }
    return transaction.Commit();
  }

  std::string url_;
  HistoryKeyer keyer_;
  bool read_only_ = false;
  // Declared before the statements: members are destroyed in reverse order,
  // and every statement must be finalised before the database is closed.
  std::unique_ptr<sqlite3, DatabaseDeleter> db_;
  std::unordered_map<std::string, Statement> statements_;
};

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenSqliteStore(const StoreUrl& url,
                                                      const StoreOptions& options) {
  auto store = std::make_unique<SqliteStore>(RedactStoreUrl(options.url), options.keyer,
                                             options.read_only);
  if (auto r = store->Open(url.path); !r) return Unexpected(r.error());
  return std::unique_ptr<HistoryStore>(std::move(store));
}

}  // namespace rcptguard
