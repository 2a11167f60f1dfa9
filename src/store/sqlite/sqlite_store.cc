// The SQLite history store: the embedded default, one file per gateway. This
// file holds the store's queries; sqlite_db.cc opens the file and runs
// statements, sqlite_history_schema.cc creates and checks the schema.
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "store/backends.h"
#include "store/record_batch.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_history_schema.h"

namespace rcptguard {
namespace {

constexpr const char* kPairColumns =
    "sender, recipient, domain, messages, first_seen, last_seen, local_digests";

class SqliteStore : public HistoryStore {
 public:
  SqliteStore(std::unique_ptr<SqliteDb> db, HistoryKeyer keyer)
      : db_(std::move(db)), keyer_(std::move(keyer)) {}

  Result<void> Open() {
    if (db_->read_only()) return CheckSqliteHistorySchema(*db_, keyer_.hashed());
    return MigrateSqliteHistory(*db_, keyer_.hashed());
  }

  Result<void> CheckIntegrity() override {
    auto check = db_->Prepare("PRAGMA quick_check(1)");
    if (!check) return Unexpected(check.error());
    int rc = sqlite3_step(*check);
    std::string answer =
        rc == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(*check, 0)) : "";
    sqlite3_reset(*check);
    if (rc != SQLITE_ROW) return Unexpected(db_->StepError());
    if (answer != "ok") {
      return MakeError(ErrorCode::kIo, db_->label() + " is damaged: " + answer.substr(0, 200) +
                                           " (restore it from a backup, or move it away and "
                                           "learn again)");
    }
    return {};
  }

  Result<size_t> Record(std::span<const SentMessage> messages) override {
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kWrite));
    auto insert_key =
        db_->Prepare("INSERT INTO message_keys (key, time) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!insert_key) return Unexpected(insert_key.error());
    std::unordered_map<std::string, bool> fresh;
    for (const MessageKey& key : MessageKeys(messages)) {
      auto done = db_->Step(*insert_key, key.key, key.time);
      if (!done) return Unexpected(done.error());
      fresh[key.key] = db_->Changes() > 0;
    }
    RecordBatch batch = AggregateMessages(messages, keyer_, [&](std::string_view key) {
      auto it = fresh.find(std::string(key));
      return it != fresh.end() && it->second;
    });
    if (batch.pairs.empty() && batch.names.empty()) {
      RCPTGUARD_TRY(transaction.Commit());
      return batch.counted;
    }
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    int64_t next = *seq;
    auto upsert_pair = db_->Prepare(
        "INSERT INTO pairs (sender, recipient, domain, messages, first_seen, last_seen, "
        "local_digests, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (sender, recipient) DO UPDATE SET messages = messages + excluded.messages, "
        "first_seen = min(first_seen, excluded.first_seen), "
        "last_seen = max(last_seen, excluded.last_seen), "
        "local_digests = excluded.local_digests, seq = excluded.seq");
    if (!upsert_pair) return Unexpected(upsert_pair.error());
    for (const PairDelta& pair : batch.pairs) {
      auto done =
          db_->Step(*upsert_pair, pair.sender, pair.recipient, pair.domain, pair.messages,
                    pair.first_seen, pair.last_seen, SqliteBlob{pair.local_digests}, ++next);
      if (!done) return Unexpected(done.error());
    }
    auto upsert_name = db_->Prepare(
        "INSERT INTO names (sender, name, recipient, messages, last_seen, seq) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT (sender, name, recipient) DO UPDATE SET "
        "messages = messages + excluded.messages, last_seen = max(last_seen, excluded.last_seen), "
        "seq = excluded.seq");
    if (!upsert_name) return Unexpected(upsert_name.error());
    for (const NameDelta& name : batch.names) {
      auto done = db_->Step(*upsert_name, name.sender, name.name, name.recipient, name.messages,
                            name.last_seen, ++next);
      if (!done) return Unexpected(done.error());
    }
    auto write_seq = db_->Prepare("UPDATE meta SET value = ?1 WHERE key = 'seq'");
    if (!write_seq) return Unexpected(write_seq.error());
    if (auto done = db_->Step(*write_seq, next); !done) return Unexpected(done.error());
    RCPTGUARD_TRY(transaction.Commit());
    return batch.counted;
  }

  Result<HistorySnapshot> Load(int64_t now) override {
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kRead));
    HistorySnapshot snapshot;
    auto count = db_->QueryInt("SELECT count(*) FROM pairs");
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
    if (auto r = ReadExceptions("", now, &snapshot.exceptions); !r) return Unexpected(r.error());
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    snapshot.cursor = *seq;
    RCPTGUARD_TRY(transaction.Commit());
    return snapshot;
  }

  Result<HistorySnapshot> LoadForSender(std::string_view sender, int64_t now) override {
    auto key = AddressKey(sender, keyer_);
    if (!key) return Unexpected(key.error());
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kRead));
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
    RCPTGUARD_TRY(transaction.Commit());
    return snapshot;
  }

  Result<HistorySnapshot> LoadChangedSince(int64_t cursor, int64_t now) override {
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kRead));
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
    if (auto r = ReadExceptions("", now, &snapshot.exceptions); !r) return Unexpected(r.error());
    auto seq = ReadSeq();
    if (!seq) return Unexpected(seq.error());
    snapshot.cursor = std::max(cursor, *seq);
    RCPTGUARD_TRY(transaction.Commit());
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
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kRead));
    DomainSummary summary;
    summary.domain = *canonical;
    auto totals = db_->Prepare(
        "SELECT coalesce(sum(messages), 0), count(DISTINCT sender), count(DISTINCT recipient), "
        "coalesce(min(first_seen), 0), coalesce(max(last_seen), 0) FROM pairs WHERE domain = ?1");
    if (!totals) return Unexpected(totals.error());
    if (auto r = db_->Bind(*totals, *canonical); !r) return Unexpected(r.error());
    int rc = sqlite3_step(*totals);
    if (rc != SQLITE_ROW) return Unexpected(db_->StepError());
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
    RCPTGUARD_TRY(transaction.Commit());
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
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kWrite));
    auto upsert = db_->Prepare(
        "INSERT INTO exceptions (sender, recipient, expires, created, note) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sender, recipient) DO UPDATE SET "
        "expires = excluded.expires, created = excluded.created, note = excluded.note");
    if (!upsert) return Unexpected(upsert.error());
    if (auto r = db_->Step(*upsert, *sender, *recipient, exception.expires, exception.created,
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
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kWrite));
    auto remove = db_->Prepare("DELETE FROM exceptions WHERE sender = ?1 AND recipient = ?2");
    if (!remove) return Unexpected(remove.error());
    if (auto r = db_->Step(*remove, *sender_key, *recipient_key); !r) return Unexpected(r.error());
    size_t removed = db_->Changes();
    RCPTGUARD_TRY(transaction.Commit());
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
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kWrite));
    size_t removed = 0;
    const char* statements[] = {
        "DELETE FROM pairs WHERE last_seen < ?1", "DELETE FROM names WHERE last_seen < ?1",
        "DELETE FROM message_keys WHERE time < ?1", "DELETE FROM exceptions WHERE expires < ?1"};
    for (const char* sql : statements) {
      auto statement = db_->Prepare(sql);
      if (!statement) return Unexpected(statement.error());
      if (auto r = db_->Step(*statement, before); !r) return Unexpected(r.error());
      if (sql == statements[0]) removed = db_->Changes();
    }
    RCPTGUARD_TRY(transaction.Commit());
    return removed;
  }

  Result<StoreStats> Stats() override {
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kRead));
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
      auto value = db_->QueryInt(query.sql);
      if (!value) return Unexpected(value.error());
      *query.into = *value;
    }
    stats.schema_version = static_cast<int>(version);
    stats.hashed = keyer_.hashed();  // Open checked that it matches the data
    RCPTGUARD_TRY(transaction.Commit());
    return stats;
  }

 private:
  Result<int64_t> ReadSeq() { return db_->QueryInt("SELECT value FROM meta WHERE key = 'seq'"); }

  template <typename... Args>
  Result<void> ReadPairs(const std::string& sql, std::vector<PairRecord>* out,
                         const Args&... args) {
    return db_->ForEachRow(
        sql,
        [&](sqlite3_stmt* statement) {
          PairRecord& pair = out->emplace_back();
          pair.sender = SqliteDb::Text(statement, 0);
          pair.recipient = SqliteDb::Text(statement, 1);
          pair.domain = SqliteDb::Text(statement, 2);
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
    return db_->ForEachRow(
        sql,
        [&](sqlite3_stmt* statement) {
          NameRecord& name = out->emplace_back();
          name.sender = SqliteDb::Text(statement, 0);
          name.name = SqliteDb::Text(statement, 1);
          name.recipient = SqliteDb::Text(statement, 2);
          name.messages = sqlite3_column_int64(statement, 3);
        },
        args...);
  }

  // Exceptions of `sender_key` (every sender when empty) expiring after `now`.
  Result<void> ReadExceptions(const std::string& sender_key, int64_t now,
                              std::vector<ExceptionRecord>* out) {
    return db_->ForEachRow(
        "SELECT sender, recipient, expires, created, note FROM exceptions "
        "WHERE (?1 = '' OR sender = ?1) AND expires > ?2 ORDER BY sender, recipient",
        [&](sqlite3_stmt* statement) {
          ExceptionRecord& exception = out->emplace_back();
          exception.sender = SqliteDb::Text(statement, 0);
          exception.recipient = SqliteDb::Text(statement, 1);
          exception.expires = sqlite3_column_int64(statement, 2);
          exception.created = sqlite3_column_int64(statement, 3);
          exception.note = SqliteDb::Text(statement, 4);
        },
        sender_key, now);
  }

  Result<size_t> Forget(std::string_view address, std::initializer_list<const char*> statements) {
    RCPTGUARD_ASSIGN_OR_RETURN(std::string key, AddressKey(address, keyer_));
    RCPTGUARD_ASSIGN_OR_RETURN(auto transaction, db_->Begin(SqliteDb::Access::kWrite));
    size_t removed = 0;
    for (const char* sql : statements) {
      RCPTGUARD_ASSIGN_OR_RETURN(sqlite3_stmt * statement, db_->Prepare(sql));
      RCPTGUARD_TRY(db_->Step(statement, key));
      removed += db_->Changes();
    }
    RCPTGUARD_TRY(transaction.Commit());
    return removed;
  }

  std::unique_ptr<SqliteDb> db_;
  HistoryKeyer keyer_;
};

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenSqliteStore(const StoreUrl& url,
                                                      const StoreOptions& options) {
  RCPTGUARD_ASSIGN_OR_RETURN(auto db, SqliteDb::Open("history store " + RedactStoreUrl(options.url),
                                                     url.path, options.read_only));
  auto store = std::make_unique<SqliteStore>(std::move(db), options.keyer);
  RCPTGUARD_TRY(store->Open());
  return std::unique_ptr<HistoryStore>(std::move(store));
}

}  // namespace rcptguard
