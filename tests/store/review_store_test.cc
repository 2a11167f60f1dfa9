// The review store contract (audit log, single-use links, users, sessions,
// verdict events and reports), run against every backend that has it.
#include "store/review_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

namespace rcptguard {
namespace {

class ReviewStoreContract : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      char dir[] = "/tmp/rcptguard-review-XXXXXX";
      ASSERT_NE(mkdtemp(dir), nullptr);
      dir_ = dir;
      url_ = "sqlite://" + dir_ + "/review.db";
    } else {
      url_ = GetParam();
    }
    auto store = OpenReviewStore(url_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }
  // A second connection to the same state, as another process has (the
  // memory store has one state per object: the same object).
  ReviewStore* Another(std::unique_ptr<ReviewStore>* keep) {
    if (url_ == "memory:") return store_.get();
    auto store = OpenReviewStore(url_);
    EXPECT_TRUE(store) << store.error().ToString();
    *keep = std::move(*store);
    return keep->get();
  }
  std::string dir_, url_;
  std::unique_ptr<ReviewStore> store_;
};

TEST_P(ReviewStoreContract, AuditLogIsNewestFirstAndPaginated) {
  for (int i = 1; i <= 5; ++i) {
    auto id = store_->AppendAudit(AuditEntry{0, 1000 + i, "officer1", "admin", "release",
                                             "Q" + std::to_string(i), "checked with Bob"});
    ASSERT_TRUE(id);
  }
  auto first = store_->ListAudit(0, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].subject, "Q5");
  EXPECT_EQ((*first)[1].subject, "Q4");
  EXPECT_EQ((*first)[0].reason, "checked with Bob");
  EXPECT_EQ((*first)[0].time, 1005);
  auto second = store_->ListAudit(first->back().id, 10);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 3u);
  EXPECT_EQ((*second)[0].subject, "Q3");
  EXPECT_EQ((*second)[2].subject, "Q1");
}

TEST_P(ReviewStoreContract, LinkWorksOnce) {
  auto first = store_->UseLink("abc", 100, 200);
  ASSERT_TRUE(first);
  EXPECT_TRUE(*first);
  auto second = store_->UseLink("abc", 101, 200);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second) << "a used link worked again";
  EXPECT_TRUE(*store_->UseLink("other", 101, 200));
}

TEST_P(ReviewStoreContract, ConcurrentUsesOfOneLinkHaveOneWinner) {
  std::atomic<int> winners = 0;
  std::vector<std::unique_ptr<ReviewStore>> connections(8);
  std::vector<ReviewStore*> stores;
  for (auto& keep : connections) stores.push_back(Another(&keep));
  std::vector<std::thread> threads;
  for (ReviewStore* store : stores) {
    threads.emplace_back([&winners, store] {
      auto used = store->UseLink("shared", 100, 200);
      if (used && *used) ++winners;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(ReviewStoreContract, UsersAndSessions) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash);
  ASSERT_TRUE(store_->PutUser(ConsoleUser{"ann", ConsoleRole::kAdmin, *hash, 10}));
  auto ann = store_->GetUser("ann");
  ASSERT_TRUE(ann && *ann);
  EXPECT_EQ((*ann)->role, ConsoleRole::kAdmin);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", (*ann)->password_hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery stapl", (*ann)->password_hash));
  EXPECT_FALSE(*store_->GetUser("bob"));

  std::string id = NewSessionId();
  EXPECT_NE(id, NewSessionId());
  ASSERT_TRUE(store_->PutSession(ConsoleSession{SessionIdHash(id), "ann", 500}));
  auto live = store_->GetSession(SessionIdHash(id), 499);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->user, "ann");
  EXPECT_FALSE(*store_->GetSession(SessionIdHash(id), 500)) << "expired session answered";
  EXPECT_FALSE(*store_->GetSession(id, 100)) << "the clear id must not be the key";
  EXPECT_TRUE(*store_->RemoveUser("ann"));
  EXPECT_FALSE(*store_->GetSession(SessionIdHash(id), 100)) << "a removed user's session lived";
}

TEST_P(ReviewStoreContract, ReportsCountEventsAndTotalsCountEveryVerdict) {
  const int64_t day = 20000 * 86400;
  std::vector<VerdictEvent> events = {
      {day + 1, "milter", "alice@example.org", "exampel.org", "hold", "lookalike-domain",
       "transposition", "example.org", ""},
      {day + 2, "milter", "alice@example.org", "exampel.org", "hold", "lookalike-domain",
       "transposition", "example.org", ""},
      {day + 3, "api", "bob@example.org", "army.ml", "reject", "lookalike-domain", "tld-swap",
       "army.mil", ""},
      {day + 86400, "milter", "bob@example.org", "partner.example", "hold", "marking-destination",
       "", "", "SECRET"},
  };
  std::vector<VerdictCount> counts = {{20000, "milter", "allow", "", 90},
                                      {20000, "milter", "hold", "lookalike-domain", 2},
                                      {20000, "api", "reject", "lookalike-domain", 1},
                                      {20001, "milter", "hold", "marking-destination", 1},
                                      {20001, "milter", "allow", "", 10}};
  ASSERT_TRUE(store_->RecordVerdicts(events, counts));
  auto totals = store_->VerdictTotals(0);
  ASSERT_TRUE(totals);
  int64_t allows = 0;
  for (const VerdictCount& total : *totals) {
    if (total.verdict == "allow" && total.source == "milter") allows = total.count;
  }
  EXPECT_EQ(allows, 100);
  auto top = store_->TopLookalikeDomains(0, 10);
  ASSERT_TRUE(top);
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].key, "exampel.org");
  EXPECT_EQ((*top)[0].count, 2);
  auto senders = store_->TopSenders(0, 1);
  ASSERT_TRUE(senders);
  ASSERT_EQ(senders->size(), 1u);
  EXPECT_EQ((*senders)[0].count, 2);
  auto marked = store_->StoppedByMarking(0);
  ASSERT_TRUE(marked);
  ASSERT_EQ(marked->size(), 1u);
  EXPECT_EQ((*marked)[0].key, "SECRET");
  auto daily = store_->CaughtPerDay(day + 86400);
  ASSERT_TRUE(daily);
  ASSERT_EQ(daily->size(), 1u);
  EXPECT_EQ((*daily)[0].key, "marking-destination");
  ASSERT_TRUE(store_->Prune(day + 86400, day + 86400));
  EXPECT_EQ(store_->TopSenders(0, 10)->size(), 1u) << "events before the cut-off stayed";
  EXPECT_EQ(store_->VerdictTotals(0)->size(), totals->size()) << "Prune dropped counters";
}

TEST_P(ReviewStoreContract, TwoConnectionsSeeOneState) {
  std::unique_ptr<ReviewStore> keep;
  ReviewStore* other = Another(&keep);
  ASSERT_TRUE(store_->AppendAudit(AuditEntry{0, 5, "ann", "admin", "discard", "Q1", "spam"}));
  auto seen = other->ListAudit(0, 10);
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].reason, "spam");
  ASSERT_TRUE(*store_->UseLink("once", 1, 100));
  EXPECT_FALSE(*other->UseLink("once", 2, 100));
}

INSTANTIATE_TEST_SUITE_P(Backends, ReviewStoreContract, testing::Values("memory:", "sqlite"),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param == "memory:" ? std::string("Memory")
                                                                : std::string("Sqlite");
                         });

}  // namespace
}  // namespace rcptguard
