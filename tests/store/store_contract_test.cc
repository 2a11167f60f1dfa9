// The history store contract: one suite, run unchanged against every backend
// (memory, SQLite on a temporary file, PostgreSQL on a private server) in clear
// and hashed mode. A behaviour the milter relies on belongs here, not in a
// backend's own tests, so the backends cannot drift apart.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/history_store.h"
#include "store/store_url.h"
#include "support/postgres_rig.h"

namespace rcptguard {
namespace {

using testing_support::PostgresRig;

enum class Backend { kMemory, kSqlite, kPostgres };

struct StoreParam {
  Backend backend;
  bool hashed;
};

std::string Describe(const StoreParam& param) {
  std::string name = param.backend == Backend::kMemory   ? "Memory"
                     : param.backend == Backend::kSqlite ? "Sqlite"
                                                         : "Postgres";
  return name + (param.hashed ? "Hashed" : "Clear");
}

std::string ParamName(const testing::TestParamInfo<StoreParam>& info) {
  return Describe(info.param);
}

// GoogleTest would print the parameter's bytes, padding included, which
// differ from run to run and so make CTest's test names unstable.
void PrintTo(const StoreParam& param, std::ostream* out) { *out << Describe(param); }

// One PostgreSQL server per test process, started on first use and stopped
// when the process's tests are done.
PostgresRig* postgres_rig = nullptr;
std::string postgres_error;

class PostgresEnvironment : public testing::Environment {
 public:
  void TearDown() override {
    delete postgres_rig;
    postgres_rig = nullptr;
  }
};
[[maybe_unused]] testing::Environment* const postgres_environment =
    testing::AddGlobalTestEnvironment(new PostgresEnvironment);

PostgresRig* SharedPostgresRig() {
  if (postgres_rig == nullptr && postgres_error.empty()) {
    postgres_rig = PostgresRig::Start(&postgres_error).release();
  }
  return postgres_rig;
}

std::string UniqueName() {
  static int counter = 0;
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "_" + test->name() + "_" +
                     std::to_string(getpid()) + "_" + std::to_string(++counter);
  std::string clean;
  for (char c : name) clean += std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
  return clean;
}

HistoryKeyer MakeKeyer(bool hashed) {
  if (!hashed) return HistoryKeyer();
  auto keyer = HistoryKeyer::Hashed("contract-test-secret-0123456789");
  EXPECT_TRUE(keyer.has_value());
  return *keyer;
}

SentMessage Message(std::string key, std::string sender, std::vector<std::string> recipients,
                    int64_t time, std::vector<std::string> names = {}) {
  SentMessage message;
  message.key = std::move(key);
  message.sender = std::move(sender);
  message.time = time;
  for (size_t i = 0; i < recipients.size(); ++i) {
    message.recipients.push_back({recipients[i], i < names.size() ? names[i] : ""});
  }
  return message;
}

class StoreContract : public testing::TestWithParam<StoreParam> {
 protected:
  void SetUp() override {
    keyer_ = MakeKeyer(GetParam().hashed);
    switch (GetParam().backend) {
      case Backend::kMemory:
        url_ = "memory:" + UniqueName();
        break;
      case Backend::kSqlite: {
        dir_ = testing::TempDir() + "rcptguard_store_" + UniqueName();
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        db_path_ = dir_ + "/history.db";
        url_ = "sqlite://" + db_path_;
        break;
      }
      case Backend::kPostgres: {
        PostgresRig* rig = SharedPostgresRig();
        ASSERT_NE(rig, nullptr) << postgres_error;
        std::string error;
        // PostgreSQL cuts names at 63 bytes, so not the test's long name.
        static int databases = 0;
        url_ = rig->CreateDatabase("contract_" + std::to_string(++databases), &error);
        ASSERT_FALSE(url_.empty()) << error;
        break;
      }
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<HistoryStore> Open() {
    auto store = OpenHistoryStore({url_, keyer_});
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return store ? std::move(*store) : nullptr;
  }

  // The stored form of an address (keyed in hashed mode).
  std::string K(const std::string& address) const {
    auto canonical = CanonicalAddress(address);
    EXPECT_TRUE(canonical.has_value()) << address;
    return keyer_.Key(*canonical);
  }

  size_t Record(HistoryStore& store, std::vector<SentMessage> messages) {
    auto counted = store.Record(messages);
    EXPECT_TRUE(counted.has_value()) << counted.error().ToString();
    return counted.value_or(0);
  }
  size_t Record(std::vector<SentMessage> messages) { return Record(*store_, std::move(messages)); }

  HistorySnapshot Load(int64_t now = 0) {
    auto snapshot = store_->Load(now);
    EXPECT_TRUE(snapshot.has_value()) << snapshot.error().ToString();
    return snapshot.value_or(HistorySnapshot{});
  }

  // The pair sender -> recipient in `snapshot`, or nullptr.
  const PairRecord* FindPair(const HistorySnapshot& snapshot, const std::string& sender,
                             const std::string& recipient) const {
    for (const PairRecord& pair : snapshot.pairs) {
      if (pair.sender == K(sender) && pair.recipient == K(recipient)) return &pair;
    }
    return nullptr;
  }
  int64_t Messages(const HistorySnapshot& snapshot, const std::string& sender,
                   const std::string& recipient) const {
    const PairRecord* pair = FindPair(snapshot, sender, recipient);
    return pair == nullptr ? 0 : pair->messages;
  }

  // Everything the backend keeps, as bytes: the database file (and its WAL),
  // the PostgreSQL tables as text, or for memory the loaded records.
  std::string RawContents() {
    std::string raw;
    switch (GetParam().backend) {
      case Backend::kMemory: {
        HistorySnapshot snapshot = Load();
        for (const auto& p : snapshot.pairs)
          raw += p.sender + " " + p.recipient + " " + p.domain + "\n";
        for (const auto& n : snapshot.names)
          raw += n.sender + " " + n.name + " " + n.recipient + "\n";
        auto exceptions = store_->ListExceptions("");
        for (const auto& e : *exceptions) raw += e.sender + " " + e.recipient + " " + e.note + "\n";
        break;
      }
      case Backend::kSqlite:
        for (const char* suffix : {"", "-wal", "-journal"}) {
          std::ifstream in(db_path_ + suffix, std::ios::binary);
          raw.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        break;
      case Backend::kPostgres: {
        PGconn* conn = PQconnectdb(url_.c_str());
        for (const char* table : {"pairs", "names", "exceptions", "message_keys", "meta"}) {
          PGresult* result =
              PQexec(conn, (std::string("SELECT t::text FROM ") + table + " t").c_str());
          EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQresultErrorMessage(result);
          for (int row = 0; row < PQntuples(result); ++row) raw += PQgetvalue(result, row, 0);
          PQclear(result);
        }
        PQfinish(conn);
        break;
      }
    }
    return raw;
  }

  HistoryKeyer keyer_;
  std::string url_;
  std::string dir_;
  std::string db_path_;
  std::unique_ptr<HistoryStore> store_;
};

TEST_P(StoreContract, RecordingTheSameKeyTwiceCountsOnce) {
  EXPECT_EQ(Record({Message("<a@x>", "bob@mod.uk", {"alice@army.mil"}, 100)}), 1u);
  EXPECT_EQ(Record({Message("<a@x>", "bob@mod.uk", {"alice@army.mil"}, 100)}), 0u);
  // Twice in one batch, and an empty key which always counts.
  EXPECT_EQ(Record({Message("<b@x>", "bob@mod.uk", {"alice@army.mil"}, 101),
                    Message("<b@x>", "bob@mod.uk", {"alice@army.mil"}, 101),
                    Message("", "bob@mod.uk", {"alice@army.mil"}, 102),
                    Message("", "bob@mod.uk", {"alice@army.mil"}, 103)}),
            3u);
  EXPECT_EQ(Messages(Load(), "bob@mod.uk", "alice@army.mil"), 4);
  EXPECT_EQ(store_->Stats()->recorded_messages, 2);
}

TEST_P(StoreContract, CountsAddUpAcrossBatches) {
  for (int batch = 0; batch < 5; ++batch) {
    std::vector<SentMessage> messages;
    for (int i = 0; i < 10; ++i) {
      messages.push_back(Message("<" + std::to_string(batch) + "." + std::to_string(i) + ">",
                                 "bob@mod.uk", {"alice@army.mil", "carol@army.mil"}, 1000 + i));
    }
    EXPECT_EQ(Record(messages), 10u);
  }
  HistorySnapshot snapshot = Load();
  EXPECT_EQ(snapshot.pairs.size(), 2u);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "alice@army.mil"), 50);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "carol@army.mil"), 50);
}

TEST_P(StoreContract, TwoGatewaysOnOneDatabaseAddUp) {
  // Two objects on "memory:NAME" share one instance, as two connections do.
  std::unique_ptr<HistoryStore> second = Open();
  ASSERT_NE(second, nullptr);
  for (int i = 0; i < 20; ++i) {
    HistoryStore& gateway = i % 2 == 0 ? *store_ : *second;
    Record(gateway, {Message("<m" + std::to_string(i) + ">", "bob@mod.uk", {"alice@army.mil"}, i)});
    // The other gateway's mail with the same key is a duplicate, not a new count.
    HistoryStore& other = i % 2 == 0 ? *second : *store_;
    Record(other, {Message("<m" + std::to_string(i) + ">", "bob@mod.uk", {"alice@army.mil"}, i)});
  }
  auto from_second = second->Load(0);
  ASSERT_TRUE(from_second.has_value());
  EXPECT_EQ(Messages(*from_second, "bob@mod.uk", "alice@army.mil"), 20);
  EXPECT_EQ(Messages(Load(), "bob@mod.uk", "alice@army.mil"), 20);
}

TEST_P(StoreContract, ConcurrentGatewaysAddUp) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 10;
  constexpr int kPerBatch = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto store = OpenHistoryStore({url_, keyer_});
      if (!store) {
        ++failures;
        return;
      }
      for (int b = 0; b < kBatches; ++b) {
        std::vector<SentMessage> messages;
        for (int i = 0; i < kPerBatch; ++i) {
          // Every thread writes the same pairs, in a different order, and half
          // of the keys are shared with the next thread (counted once).
          std::string key = "<" + std::to_string((t + (i % 2)) % kThreads) + "." +
                            std::to_string(b) + "." + std::to_string(i) + ">";
          std::vector<std::string> to = {"alice@army.mil", "carol@army.mil", "dave@navy.mil"};
          if ((t + i) % 2 == 1) std::reverse(to.begin(), to.end());
          messages.push_back(Message(key, "bob@mod.uk", to, 1000 + b));
        }
        if (!(*store)->Record(messages)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // Distinct keys: thread t writes keys of t (even i) and t+1 (odd i); over
  // all threads every (owner, b, i) key exists once.
  int64_t distinct = kThreads * kBatches * kPerBatch;
  HistorySnapshot snapshot = Load();
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "alice@army.mil"), distinct);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "dave@navy.mil"), distinct);
  EXPECT_EQ(store_->Stats()->recorded_messages, distinct);
}

TEST_P(StoreContract, KeepsFirstAndLastSeen) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil"}, 500)});
  Record({Message("<2>", "bob@mod.uk", {"alice@army.mil"}, 300),
          Message("<3>", "bob@mod.uk", {"alice@army.mil"}, 900)});
  Record({Message("<4>", "bob@mod.uk", {"alice@army.mil"}, 700)});
  HistorySnapshot snapshot = Load();
  const PairRecord* pair = FindPair(snapshot, "bob@mod.uk", "alice@army.mil");
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->messages, 4);
  EXPECT_EQ(pair->first_seen, 300);
  EXPECT_EQ(pair->last_seen, 900);
  EXPECT_EQ(pair->domain, "army.mil");
}

TEST_P(StoreContract, StoresCanonicalAddressesAndAsciiDomains) {
  Record({Message("<1>", "Bob@MOD.UK", {"Alice@Army.MIL.", "jan@BÜCHER.example"}, 1)});
  HistorySnapshot snapshot = Load();
  ASSERT_EQ(snapshot.pairs.size(), 2u);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "alice@army.mil"), 1);
  const PairRecord* idn = FindPair(snapshot, "bob@mod.uk", "jan@xn--bcher-kva.example");
  ASSERT_NE(idn, nullptr);
  EXPECT_EQ(idn->domain, "xn--bcher-kva.example");
}

TEST_P(StoreContract, LocalDigestsOnlyInHashedMode) {
  Record({Message("<1>", "bob@mod.uk", {"alice.smith@army.mil"}, 1)});
  HistorySnapshot snapshot = Load();
  const PairRecord* pair = FindPair(snapshot, "bob@mod.uk", "alice.smith@army.mil");
  ASSERT_NE(pair, nullptr);
  if (GetParam().hashed) {
    EXPECT_EQ(pair->local_digests, keyer_.LocalPartDigests("alice.smith"));
    EXPECT_FALSE(pair->local_digests.empty());
  } else {
    EXPECT_TRUE(pair->local_digests.empty());
  }
}

TEST_P(StoreContract, NamesAreNormalisedKeyedAndCounted) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil", "carol@army.mil"}, 1,
                  {"Smith, Alice", ""})});
  Record({Message("<2>", "bob@mod.uk", {"alice@army.mil"}, 2, {"alice  SMITH"})});
  HistorySnapshot snapshot = Load();
  ASSERT_EQ(snapshot.names.size(), 1u);
  const NameRecord& name = snapshot.names[0];
  EXPECT_EQ(name.sender, K("bob@mod.uk"));
  EXPECT_EQ(name.name, keyer_.Key(NormalizeDisplayName("Alice Smith")));
  EXPECT_EQ(name.recipient, K("alice@army.mil"));
  EXPECT_EQ(name.messages, 2);
}

TEST_P(StoreContract, DuplicateRecipientsInOneMessageCountOnce) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil", "ALICE@army.mil", "alice@army.mil"}, 1,
                  {"Alice", "Alice", "Alice"})});
  HistorySnapshot snapshot = Load();
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "alice@army.mil"), 1);
  ASSERT_EQ(snapshot.names.size(), 1u);
  EXPECT_EQ(snapshot.names[0].messages, 1);
}

TEST_P(StoreContract, UnparseableAddressesAreSkippedNotFatal) {
  auto counted = store_->Record(std::vector<SentMessage>{
      Message("<1>", "bob@mod.uk", {"not an address", "alice@army.mil", "x@@y", ""}, 1),
      Message("<2>", "no-at-sign", {"alice@army.mil"}, 2),
      Message("<3>", "bob@mod.uk", {"alice@army.mil"}, 3)});
  ASSERT_TRUE(counted.has_value()) << counted.error().ToString();
  EXPECT_EQ(*counted, 2u);  // the message with an invalid sender does not count
  HistorySnapshot snapshot = Load();
  ASSERT_EQ(snapshot.pairs.size(), 1u);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "alice@army.mil"), 2);
}

TEST_P(StoreContract, LoadChangedSinceReturnsNewAndUpdatedRowsWithAGrowingCursor) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil", "carol@army.mil"}, 1, {"Alice"})});
  HistorySnapshot base = Load();
  EXPECT_GT(base.cursor, 0);

  auto nothing = store_->LoadChangedSince(base.cursor, 0);
  ASSERT_TRUE(nothing.has_value());
  EXPECT_GE(nothing->cursor, base.cursor);
  if (GetParam().backend != Backend::kPostgres) {
    // PostgreSQL looks back a margin (see postgres_store.cc); the others are exact.
    EXPECT_TRUE(nothing->pairs.empty());
    EXPECT_TRUE(nothing->names.empty());
  }

  Record({Message("<2>", "bob@mod.uk", {"alice@army.mil", "dave@navy.mil"}, 2, {"Alice"})});
  auto delta = store_->LoadChangedSince(base.cursor, 0);
  ASSERT_TRUE(delta.has_value()) << delta.error().ToString();
  EXPECT_GT(delta->cursor, base.cursor);
  EXPECT_EQ(Messages(*delta, "bob@mod.uk", "alice@army.mil"), 2);  // absolute count
  EXPECT_EQ(Messages(*delta, "bob@mod.uk", "dave@navy.mil"), 1);
  if (GetParam().backend != Backend::kPostgres) {
    EXPECT_EQ(delta->pairs.size(), 2u);  // carol unchanged
  }
  ASSERT_FALSE(delta->names.empty());
  bool alice_name = false;
  for (const NameRecord& name : delta->names) {
    if (name.recipient == K("alice@army.mil")) alice_name = name.messages == 2;
  }
  EXPECT_TRUE(alice_name);

  // Exceptions come whole with every delta, expired ones left out.
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 100, 1, "ok"}).has_value());
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "navy.ml", 10, 1, "old"}).has_value());
  auto with_exceptions = store_->LoadChangedSince(delta->cursor, 50);
  ASSERT_TRUE(with_exceptions.has_value());
  ASSERT_EQ(with_exceptions->exceptions.size(), 1u);
  EXPECT_EQ(with_exceptions->exceptions[0].recipient, "army.ml");
  EXPECT_GE(with_exceptions->cursor, delta->cursor);
}

TEST_P(StoreContract, LoadForSenderReturnsItsShareAndItsDomainsPeers) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil"}, 1, {"Alice"}),
          Message("<2>", "eve@mod.uk", {"carol@army.mil", "zed@other.example"}, 2, {"Carol"}),
          Message("<3>", "eve@mod.uk", {"x@navy.mil"}, 3)});
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 100, 1, ""}).has_value());
  ASSERT_TRUE(store_->AddException({"eve@mod.uk", "army.ml", 100, 1, ""}).has_value());
  auto snapshot = store_->LoadForSender("Bob@mod.uk", 50);
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().ToString();
  // bob's pair, and eve's pair at army.mil (a domain bob writes to); not
  // eve's pairs at other domains.
  EXPECT_EQ(snapshot->pairs.size(), 2u);
  EXPECT_EQ(Messages(*snapshot, "bob@mod.uk", "alice@army.mil"), 1);
  EXPECT_EQ(Messages(*snapshot, "eve@mod.uk", "carol@army.mil"), 1);
  ASSERT_EQ(snapshot->names.size(), 1u);
  EXPECT_EQ(snapshot->names[0].sender, K("bob@mod.uk"));
  ASSERT_EQ(snapshot->exceptions.size(), 1u);
  EXPECT_EQ(snapshot->exceptions[0].sender, K("bob@mod.uk"));

  auto stranger = store_->LoadForSender("nobody@mod.uk", 50);
  ASSERT_TRUE(stranger.has_value());
  EXPECT_TRUE(stranger->pairs.empty());
}

TEST_P(StoreContract, TopCorrespondentsMostFrequentFirst) {
  std::vector<SentMessage> messages;
  int n = 0;
  for (auto [to, count] : {std::pair{"few@a.example", 1}, std::pair{"many@b.example", 5},
                           std::pair{"some@c.example", 3}}) {
    for (int i = 0; i < count; ++i) {
      ++n;
      messages.push_back(Message("<" + std::to_string(n) + ">", "bob@mod.uk", {to}, n));
    }
  }
  messages.push_back(Message("<other>", "eve@mod.uk", {"many@b.example"}, 1));
  Record(messages);
  auto top = store_->TopCorrespondents("bob@mod.uk", 2);
  ASSERT_TRUE(top.has_value()) << top.error().ToString();
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].recipient, K("many@b.example"));
  EXPECT_EQ((*top)[0].messages, 5);
  EXPECT_EQ((*top)[1].recipient, K("some@c.example"));
  EXPECT_EQ((*top)[1].sender, K("bob@mod.uk"));
  EXPECT_EQ(store_->TopCorrespondents("bob@mod.uk", 10)->size(), 3u);
  EXPECT_FALSE(store_->TopCorrespondents("not an address", 10).has_value());
}

TEST_P(StoreContract, DescribeDomainSumsItsPairs) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil", "carol@army.mil"}, 10),
          Message("<2>", "eve@mod.uk", {"alice@army.mil"}, 20),
          Message("<3>", "eve@mod.uk", {"alice@army.mil", "x@navy.mil"}, 30)});
  auto summary = store_->DescribeDomain("ARMY.mil.", 2);
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  EXPECT_EQ(summary->domain, "army.mil");
  EXPECT_EQ(summary->messages, 4);
  EXPECT_EQ(summary->senders, 2);
  EXPECT_EQ(summary->addresses, 2);
  EXPECT_EQ(summary->first_seen, 10);
  EXPECT_EQ(summary->last_seen, 30);
  ASSERT_EQ(summary->top_pairs.size(), 2u);
  EXPECT_EQ(summary->top_pairs[0].sender, K("eve@mod.uk"));
  EXPECT_EQ(summary->top_pairs[0].messages, 2);

  auto unknown = store_->DescribeDomain("never.example", 5);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->messages, 0);
  EXPECT_TRUE(unknown->top_pairs.empty());
  EXPECT_FALSE(store_->DescribeDomain("bad..domain", 5).has_value());
}

TEST_P(StoreContract, ForgetSenderRemovesOnlyThatSender) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil"}, 1, {"Alice"}),
          Message("<2>", "eve@mod.uk", {"bob@mod.uk", "alice@army.mil"}, 2, {"Bob", "Alice"})});
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 100, 1, ""}).has_value());
  ASSERT_TRUE(store_->AddException({"eve@mod.uk", "bob@mod.uk", 100, 1, ""}).has_value());
  auto removed = store_->ForgetSender("BOB@mod.uk");
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(*removed, 3u);  // a pair, a name, an exception
  HistorySnapshot snapshot = Load();
  EXPECT_EQ(FindPair(snapshot, "bob@mod.uk", "alice@army.mil"), nullptr);
  // bob as a recipient stays: forgetting a sender is not forgetting an address.
  EXPECT_EQ(Messages(snapshot, "eve@mod.uk", "bob@mod.uk"), 1);
  EXPECT_EQ(Messages(snapshot, "eve@mod.uk", "alice@army.mil"), 1);
  EXPECT_EQ(snapshot.names.size(), 2u);
  EXPECT_EQ(store_->ListExceptions("")->size(), 1u);
  EXPECT_EQ(*store_->ForgetSender("bob@mod.uk"), 0u);
}

TEST_P(StoreContract, ForgetAddressRemovesEverythingAboutIt) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil", "carol@army.mil"}, 1, {"Alice", "Carol"}),
          Message("<2>", "alice@army.mil", {"bob@mod.uk"}, 2, {"Bob"}),
          Message("<3>", "eve@mod.uk", {"carol@army.mil"}, 3)});
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "alice@army.mil", 100, 1, ""}).has_value());
  ASSERT_TRUE(store_->AddException({"alice@army.mil", "navy.ml", 100, 1, ""}).has_value());
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 100, 1, ""}).has_value());
  auto removed = store_->ForgetAddress("Alice@Army.MIL");
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(*removed, 6u);  // 2 pairs, 2 names, 2 exceptions
  HistorySnapshot snapshot = Load();
  for (const PairRecord& pair : snapshot.pairs) {
    EXPECT_NE(pair.sender, K("alice@army.mil"));
    EXPECT_NE(pair.recipient, K("alice@army.mil"));
  }
  EXPECT_EQ(snapshot.pairs.size(), 2u);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "carol@army.mil"), 1);
  EXPECT_EQ(Messages(snapshot, "eve@mod.uk", "carol@army.mil"), 1);
  ASSERT_EQ(snapshot.names.size(), 1u);
  EXPECT_EQ(snapshot.names[0].recipient, K("carol@army.mil"));
  auto exceptions = store_->ListExceptions("");
  ASSERT_EQ(exceptions->size(), 1u);
  EXPECT_EQ((*exceptions)[0].recipient, "army.ml");
}

TEST_P(StoreContract, ExceptionsAddReplaceRemoveAndList) {
  ASSERT_TRUE(store_->AddException({"Bob@mod.uk", "Alice@Army.ML", 100, 1, "first"}).has_value());
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "ARMY.ml", 200, 2, "domain"}).has_value());
  ASSERT_TRUE(store_->AddException({"eve@mod.uk", "army.ml", 300, 3, ""}).has_value());
  // Replacing: same sender and recipient in another spelling.
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "alice@army.ml", 150, 4, "again"}).has_value());

  auto bobs = store_->ListExceptions("bob@MOD.uk");
  ASSERT_TRUE(bobs.has_value()) << bobs.error().ToString();
  ASSERT_EQ(bobs->size(), 2u);
  auto alice = std::find_if(bobs->begin(), bobs->end(), [&](const ExceptionRecord& e) {
    return e.recipient == K("alice@army.ml");
  });
  ASSERT_NE(alice, bobs->end());
  EXPECT_EQ(alice->expires, 150);
  EXPECT_EQ(alice->created, 4);
  EXPECT_EQ(alice->note, "again");
  EXPECT_EQ(alice->sender, K("bob@mod.uk"));
  EXPECT_EQ(store_->ListExceptions("")->size(), 3u);

  EXPECT_EQ(*store_->RemoveException("bob@mod.uk", "army.ml"), 1u);
  EXPECT_EQ(*store_->RemoveException("bob@mod.uk", "army.ml"), 0u);
  EXPECT_EQ(store_->ListExceptions("bob@mod.uk")->size(), 1u);
  EXPECT_FALSE(store_->AddException({"not an address", "army.ml", 1, 1, ""}).has_value());
  EXPECT_FALSE(store_->AddException({"bob@mod.uk", "bad..domain", 1, 1, ""}).has_value());
}

TEST_P(StoreContract, ExpiredExceptionsAreLeftOutOfLoadButListed) {
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 100, 1, ""}).has_value());
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "navy.ml", 200, 1, ""}).has_value());
  EXPECT_EQ(Load(50).exceptions.size(), 2u);
  HistorySnapshot later = Load(100);  // expires == now: expired
  ASSERT_EQ(later.exceptions.size(), 1u);
  EXPECT_EQ(later.exceptions[0].recipient, "navy.ml");
  EXPECT_EQ(Load(500).exceptions.size(), 0u);
  EXPECT_EQ(store_->ListExceptions("")->size(), 2u);
}

TEST_P(StoreContract, PruneForgetsWhatIsOlderThanTheCutoff) {
  Record({Message("<old>", "bob@mod.uk", {"old@army.mil"}, 100, {"Old"}),
          Message("<new>", "bob@mod.uk", {"new@army.mil"}, 1000, {"New"}),
          Message("<both1>", "bob@mod.uk", {"both@army.mil"}, 100),
          Message("<both2>", "bob@mod.uk", {"both@army.mil"}, 1000)});
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 200, 1, ""}).has_value());
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "navy.ml", 2000, 1, ""}).has_value());
  auto removed = store_->Prune(500);
  ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
  EXPECT_EQ(*removed, 1u);
  HistorySnapshot snapshot = Load();
  EXPECT_EQ(snapshot.pairs.size(), 2u);
  EXPECT_EQ(Messages(snapshot, "bob@mod.uk", "both@army.mil"), 2);
  ASSERT_EQ(snapshot.names.size(), 1u);
  EXPECT_EQ(snapshot.names[0].recipient, K("new@army.mil"));
  EXPECT_EQ(store_->ListExceptions("")->size(), 1u);
  auto stats = store_->Stats();
  EXPECT_EQ(stats->recorded_messages, 2);  // <new> and <both2>
  // A pruned key is forgotten: the same message counts again.
  EXPECT_EQ(Record({Message("<old>", "bob@mod.uk", {"old@army.mil"}, 100)}), 1u);
}

TEST_P(StoreContract, StatsCountEverything) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil", "carol@navy.mil"}, 1, {"Alice"}),
          Message("<2>", "eve@mod.uk", {"alice@army.mil"}, 2),
          Message("", "eve@mod.uk", {"alice@army.mil"}, 3)});
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 200, 1, ""}).has_value());
  auto stats = store_->Stats();
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->pairs, 3);
  EXPECT_EQ(stats->senders, 2);
  EXPECT_EQ(stats->domains, 2);
  EXPECT_EQ(stats->names, 1);
  EXPECT_EQ(stats->exceptions, 1);
  EXPECT_EQ(stats->recorded_messages, 2);
  EXPECT_EQ(stats->schema_version, 1);
  EXPECT_EQ(stats->hashed, GetParam().hashed);
}

TEST_P(StoreContract, HashedModeStoresNoClearAddress) {
  Record({Message("<1>", "bob.sender@mod.uk", {"alice.smith@army.mil"}, 1, {"Alice Smith"})});
  ASSERT_TRUE(
      store_->AddException({"bob.sender@mod.uk", "carol.jones@navy.mil", 100, 1, ""}).has_value());
  if (GetParam().backend == Backend::kSqlite) store_.reset();  // close: checkpoint the WAL
  std::string raw = RawContents();
  for (const char* clear : {"alice.smith", "bob.sender", "carol.jones", "alice smith"}) {
    if (GetParam().hashed) {
      EXPECT_EQ(raw.find(clear), std::string::npos) << clear << " stored in hashed mode";
    } else {
      EXPECT_NE(raw.find(clear), std::string::npos) << clear << " (the scan sees clear text)";
    }
  }
  // Domains stay readable in both modes.
  EXPECT_NE(raw.find("army.mil"), std::string::npos);
}

TEST_P(StoreContract, ReopeningInTheOtherModeFailsClearly) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil"}, 1)});
  store_.reset();
  auto other = OpenHistoryStore({url_, MakeKeyer(!GetParam().hashed)});
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kConfig);
  std::string message = other.error().ToString();
  EXPECT_NE(message.find(GetParam().hashed ? "holds hashed" : "holds clear-text"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("password"), std::string::npos);
  // And the same mode still opens.
  EXPECT_NE(Open(), nullptr);
}

TEST_P(StoreContract, ReopeningKeepsTheDataAndTheCursor) {
  Record({Message("<1>", "bob@mod.uk", {"alice@army.mil"}, 1, {"Alice"})});
  ASSERT_TRUE(store_->AddException({"bob@mod.uk", "army.ml", 200, 1, "n"}).has_value());
  HistorySnapshot before = Load();
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  HistorySnapshot after = Load();
  EXPECT_EQ(after.pairs.size(), 1u);
  EXPECT_EQ(after.names.size(), 1u);
  EXPECT_EQ(after.exceptions.size(), 1u);
  EXPECT_EQ(after.cursor, before.cursor);
  EXPECT_EQ(store_->Stats()->schema_version, 1);
  // The key is remembered across the reopen.
  EXPECT_EQ(Record({Message("<1>", "bob@mod.uk", {"alice@army.mil"}, 1)}), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContract,
    testing::Values(StoreParam{Backend::kMemory, false}, StoreParam{Backend::kMemory, true},
                    StoreParam{Backend::kSqlite, false}, StoreParam{Backend::kSqlite, true},
                    StoreParam{Backend::kPostgres, false}, StoreParam{Backend::kPostgres, true}),
    ParamName);

// --- opening: URLs and where they fail -------------------------------------------

TEST(StoreUrl, ParsesTheThreeSchemes) {
  auto sqlite = ParseStoreUrl("sqlite:///var/lib/rcptguard/rcptguard.db");
  ASSERT_TRUE(sqlite.has_value());
  EXPECT_EQ(sqlite->scheme, StoreUrl::Scheme::kSqlite);
  EXPECT_EQ(sqlite->path, "/var/lib/rcptguard/rcptguard.db");
  auto relative = ParseStoreUrl("sqlite://./data/h.db");
  ASSERT_TRUE(relative.has_value());
  EXPECT_EQ(relative->path, "./data/h.db");
  auto postgres = ParseStoreUrl("postgres://u:p@db.example:5432/rcptguard?sslmode=require");
  ASSERT_TRUE(postgres.has_value());
  EXPECT_EQ(postgres->scheme, StoreUrl::Scheme::kPostgres);
  EXPECT_EQ(postgres->conninfo, "postgres://u:p@db.example:5432/rcptguard?sslmode=require");
  auto memory = ParseStoreUrl("memory:");
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->scheme, StoreUrl::Scheme::kMemory);
}

TEST(StoreUrl, RejectsWhatItDoesNotKnowNamingTheUrl) {
  struct Case {
    const char* url;
    const char* want;  // in the message
  } cases[] = {
      {"", "no scheme"},
      {"/var/lib/rcptguard.db", "no scheme"},
      {"mysql://db/rcptguard", "unsupported scheme \"mysql\""},
      {"sqlite://host/file.db", "names a file, not a host"},
      {"sqlite:relative.db", "sqlite:///absolute"},
      {"sqlite:///var/lib/", "directory"},
      {"sqlite:///x.db?mode=ro", "no query"},
      {"postgresql:db", "postgresql://"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseStoreUrl(c.url);
    ASSERT_FALSE(parsed.has_value()) << c.url;
    EXPECT_EQ(parsed.error().code, ErrorCode::kConfig) << c.url;
    EXPECT_NE(parsed.error().message.find(c.want), std::string::npos)
        << "url " << c.url << ": got " << parsed.error().message << ", want " << c.want;
    EXPECT_NE(parsed.error().message.find(std::string("\"") + c.url + "\""), std::string::npos)
        << parsed.error().message;
  }
}

TEST(StoreUrl, RedactsPasswords) {
  struct Case {
    const char* url;
    const char* want;
  } cases[] = {
      {"postgresql://user:s3cret@db.example/rg", "postgresql://user:***@db.example/rg"},
      {"postgresql://user:p@ss@db.example/rg", "postgresql://user:***@db.example/rg"},
      {"postgresql://user@db/rg?password=s3cret&sslmode=require",
       "postgresql://user@db/rg?password=***&sslmode=require"},
      {"postgresql://db/rg?sslmode=require&password=s3cret",
       "postgresql://db/rg?sslmode=require&password=***"},
      {"postgresql://user@db/rg", "postgresql://user@db/rg"},
      {"sqlite:///var/lib/x.db", "sqlite:///var/lib/x.db"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RedactStoreUrl(c.url), c.want) << c.url;
  }
  auto bad = ParseStoreUrl("mysql://root:hunter2@db/x");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos) << bad.error().message;
}

TEST(OpenHistoryStore, SqliteInAMissingDirectoryFailsNamingIt) {
  auto store = OpenHistoryStore({"sqlite:///nonexistent-rcptguard-dir/sub/h.db", HistoryKeyer()});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_NE(store.error().message.find("/nonexistent-rcptguard-dir/sub"), std::string::npos)
      << store.error().message;
  EXPECT_FALSE(std::filesystem::exists("/nonexistent-rcptguard-dir"));
}

TEST(OpenHistoryStore, UnreachableServerFailsWithoutThePassword) {
  auto store =
      OpenHistoryStore({"postgresql://rcptguard:hunter2@/rcptguard?host=/"
                        "nonexistent-rcptguard-socket&connect_timeout=2",
                        HistoryKeyer()});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_EQ(store.error().message.find("hunter2"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("rcptguard:***@"), std::string::npos)
      << store.error().message;
}

TEST(OpenHistoryStore, BadUrlIsAConfigError) {
  auto store = OpenHistoryStore({"redis://localhost", HistoryKeyer()});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kConfig);
}

}  // namespace
}  // namespace rcptguard
