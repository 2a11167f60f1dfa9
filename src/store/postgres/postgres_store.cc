// The PostgreSQL history store: several gateways, one history. This file holds
// the store's queries; postgres_connection.cc runs them (every value as a
// parameter of a prepared statement, never inside SQL text), and
// postgres_history_schema.cc creates and migrates the schema.
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
#include <algorithm>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>

#include "store/backends.h"
#include "store/postgres/postgres_connection.h"
#include "store/postgres/postgres_history_schema.h"
#include "store/record_batch.h"

namespace rcptguard {
namespace {

constexpr const char* kPairColumns =
    "sender, recipient, domain, messages, first_seen, last_seen, local_digests";

PairRecord PairAt(const PGresult* result, int row) {
  PairRecord pair;
  pair.sender = PgText(result, row, 0);
  pair.recipient = PgText(result, row, 1);
  pair.domain = PgText(result, row, 2);
  pair.messages = PgInt(result, row, 3);
  pair.first_seen = PgInt(result, row, 4);
  pair.last_seen = PgInt(result, row, 5);
  pair.local_digests = ParseDigests(PgBytes(result, row, 6));
  return pair;
}

NameRecord NameAt(const PGresult* result, int row) {
  NameRecord name;
  name.sender = PgText(result, row, 0);
  name.name = PgText(result, row, 1);
  name.recipient = PgText(result, row, 2);
  name.messages = PgInt(result, row, 3);
  return name;
}

ExceptionRecord ExceptionAt(const PGresult* result, int row) {
  ExceptionRecord exception;
  exception.sender = PgText(result, row, 0);
  exception.recipient = PgText(result, row, 1);
  exception.expires = PgInt(result, row, 2);
  exception.created = PgInt(result, row, 3);
  exception.note = PgText(result, row, 4);
  return exception;
}

class PostgresStore : public HistoryStore {
 public:
  PostgresStore(std::unique_ptr<PgConnection> db, HistoryKeyer keyer)
      : db_(std::move(db)), keyer_(std::move(keyer)) {}

  Result<size_t> Record(std::span<const SentMessage> messages) override {
    return db_->Retrying<size_t>([&]() -> Result<size_t> {
      if (auto r = db_->Command("BEGIN"); !r) return Unexpected(r.error());
      std::unordered_set<std::string> fresh;
      for (const MessageKey& key : MessageKeys(messages)) {
        auto inserted =
            db_->Run("INSERT INTO message_keys (key, time) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                     {key.key, key.time});
        if (!inserted) return Unexpected(inserted.error());
        if (std::string_view(PQcmdTuples(inserted->get())) == "1") fresh.insert(key.key);
      }
      RecordBatch batch = AggregateMessages(messages, keyer_, [&](std::string_view key) {
        return fresh.count(std::string(key)) > 0;
      });
      // Sorted rows: concurrent batches lock shared rows in one order.
      for (const PairDelta& pair : batch.pairs) {
        auto r = db_->Run(
            "INSERT INTO pairs (sender, recipient, domain, messages, first_seen, last_seen, "
            "local_digests, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('history_seq')) "
            "ON CONFLICT (sender, recipient) DO UPDATE SET "
            "messages = pairs.messages + excluded.messages, "
            "first_seen = LEAST(pairs.first_seen, excluded.first_seen), "
            "last_seen = GREATEST(pairs.last_seen, excluded.last_seen), "
            "local_digests = excluded.local_digests, seq = excluded.seq",
            {pair.sender, pair.recipient, pair.domain, pair.messages, pair.first_seen,
             pair.last_seen,
             pair.local_digests.empty() ? PgParam::Null() : PgParam::Bytes(pair.local_digests)});
        if (!r) return Unexpected(r.error());
      }
      for (const NameDelta& name : batch.names) {
        auto r = db_->Run(
            "INSERT INTO names (sender, name, recipient, messages, last_seen, seq) "
            "VALUES ($1, $2, $3, $4, $5, nextval('history_seq')) "
            "ON CONFLICT (sender, name, recipient) DO UPDATE SET "
            "messages = names.messages + excluded.messages, "
            "last_seen = GREATEST(names.last_seen, excluded.last_seen), seq = excluded.seq",
            {name.sender, name.name, name.recipient, name.messages, name.last_seen});
        if (!r) return Unexpected(r.error());
      }
      if (auto r = db_->Command("COMMIT"); !r) return Unexpected(r.error());
      return batch.counted;
    });
  }

  Result<HistorySnapshot> Load(int64_t now) override {
    return db_->Reading<HistorySnapshot>([&]() -> Result<HistorySnapshot> {
      HistorySnapshot snapshot;
      auto count = db_->QueryInt("SELECT count(*) FROM pairs", {});
      if (!count) return Unexpected(count.error());
      snapshot.pairs.reserve(static_cast<size_t>(*count));
      if (auto r =
              db_->Stream(std::string("SELECT ") + kPairColumns + " FROM pairs", {},
                          [&](const PGresult* row) { snapshot.pairs.push_back(PairAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r =
              db_->Stream("SELECT sender, name, recipient, messages FROM names", {},
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
    return db_->Reading<HistorySnapshot>([&]() -> Result<HistorySnapshot> {
      HistorySnapshot snapshot;
      if (auto r = db_->Stream(
              std::string("SELECT ") + kPairColumns +
                  " FROM pairs WHERE domain IN "
                  "(SELECT DISTINCT domain FROM pairs WHERE sender = $1)",
              {*key}, [&](const PGresult* row) { snapshot.pairs.push_back(PairAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = db_->Stream(
              "SELECT sender, name, recipient, messages FROM names WHERE sender = $1", {*key},
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
    return db_->Reading<HistorySnapshot>([&]() -> Result<HistorySnapshot> {
      HistorySnapshot snapshot;
      // See the top of the file for why the margin.
      int64_t from = cursor - kPostgresCursorLookback;
      if (auto r = db_->Stream(
              std::string("SELECT ") + kPairColumns + " FROM pairs WHERE seq > $1", {from},
              [&](const PGresult* row) { snapshot.pairs.push_back(PairAt(row, 0)); });
          !r) {
        return Unexpected(r.error());
      }
      if (auto r = db_->Stream(
              "SELECT sender, name, recipient, messages FROM names WHERE seq > $1", {from},
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
    auto result = db_->Run(std::string("SELECT ") + kPairColumns +
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
    return db_->Reading<DomainSummary>([&]() -> Result<DomainSummary> {
      DomainSummary summary;
      summary.domain = *canonical;
      auto totals = db_->Run(
          "SELECT coalesce(sum(messages), 0)::bigint, count(DISTINCT sender), "
          "count(DISTINCT recipient), coalesce(min(first_seen), 0), coalesce(max(last_seen), 0) "
          "FROM pairs WHERE domain = $1",
          {*canonical});
      if (!totals) return Unexpected(totals.error());
      summary.messages = PgInt(totals->get(), 0, 0);
      summary.senders = PgInt(totals->get(), 0, 1);
      summary.addresses = PgInt(totals->get(), 0, 2);
      summary.first_seen = PgInt(totals->get(), 0, 3);
      summary.last_seen = PgInt(totals->get(), 0, 4);
      auto top = db_->Run(std::string("SELECT ") + kPairColumns +
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
    auto r = db_->Run(
        "INSERT INTO exceptions (sender, recipient, expires, created, note) "
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
    auto r = db_->Run("DELETE FROM exceptions WHERE sender = $1 AND recipient = $2",
                      {*sender_key, *recipient_key});
    if (!r) return Unexpected(r.error());
    return PgAffected(r->get());
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
    return db_->Retrying<size_t>([&]() -> Result<size_t> {
      if (auto r = db_->Command("BEGIN"); !r) return Unexpected(r.error());
      size_t removed = 0;
      for (const char* sql :
           {"DELETE FROM pairs WHERE last_seen < $1", "DELETE FROM names WHERE last_seen < $1",
            "DELETE FROM message_keys WHERE time < $1",
            "DELETE FROM exceptions WHERE expires < $1"}) {
        auto r = db_->Run(sql, {before});
        if (!r) return Unexpected(r.error());
        if (removed == 0 && std::string_view(sql).find("pairs") != std::string_view::npos) {
          removed = PgAffected(r->get());
        }
      }
      if (auto r = db_->Command("COMMIT"); !r) return Unexpected(r.error());
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
    return db_->Reading<StoreStats>([&]() -> Result<StoreStats> {
      auto result = db_->Run(
          "SELECT (SELECT count(*) FROM pairs), (SELECT count(DISTINCT sender) FROM pairs), "
          "(SELECT count(DISTINCT domain) FROM pairs), (SELECT count(*) FROM names), "
          "(SELECT count(*) FROM exceptions), (SELECT count(*) FROM message_keys), "
          "(SELECT max(version) FROM schema_version)",
          {});
      if (!result) return Unexpected(result.error());
      StoreStats stats;
      stats.pairs = PgInt(result->get(), 0, 0);
      stats.senders = PgInt(result->get(), 0, 1);
      stats.domains = PgInt(result->get(), 0, 2);
      stats.names = PgInt(result->get(), 0, 3);
      stats.exceptions = PgInt(result->get(), 0, 4);
      stats.recorded_messages = PgInt(result->get(), 0, 5);
      stats.schema_version = static_cast<int>(PgInt(result->get(), 0, 6));
      stats.hashed = keyer_.hashed();  // Open checked that it matches the data
      return stats;
    });
  }

 private:
  Result<void> ReadExceptions(const std::string& sender_key, int64_t now,
                              std::vector<ExceptionRecord>* out) {
    auto result = db_->Run(
        "SELECT sender, recipient, expires, created, note FROM exceptions "
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
    return db_->QueryInt(
        "SELECT greatest(coalesce((SELECT max(seq) FROM pairs), 0), "
        "coalesce((SELECT max(seq) FROM names), 0))",
        {});
  }

  Result<size_t> Forget(std::string_view address, std::initializer_list<const char*> statements) {
    auto key = AddressKey(address, keyer_);
    if (!key) return Unexpected(key.error());
    return db_->Retrying<size_t>([&]() -> Result<size_t> {
      if (auto r = db_->Command("BEGIN"); !r) return Unexpected(r.error());
      size_t removed = 0;
      for (const char* sql : statements) {
        auto r = db_->Run(sql, {*key});
        if (!r) return Unexpected(r.error());
        removed += PgAffected(r->get());
      }
      if (auto r = db_->Command("COMMIT"); !r) return Unexpected(r.error());
      return removed;
    });
  }

  std::unique_ptr<PgConnection> db_;
  HistoryKeyer keyer_;
};

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenPostgresStore(const StoreUrl& url,
                                                        const StoreOptions& options) {
  RCPTGUARD_ASSIGN_OR_RETURN(
      auto db, PgConnection::Connect("history store " + RedactStoreUrl(options.url), url.conninfo));
  RCPTGUARD_TRY(MigratePostgresHistory(*db, options.keyer.hashed()));
  return std::unique_ptr<HistoryStore>(
      std::make_unique<PostgresStore>(std::move(db), options.keyer));
}

}  // namespace rcptguard
