// Black-box tests of `rcptguard learn`: the real binary on the sample inputs
// of tests/data/learn, learning into a SQLite store that the test then reads
// through the store API. Idempotency and exit statuses as documented in
// man/rcptguard.1.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "store/history_store.h"
#include "support/cli_helpers.h"

namespace rcptguard {
namespace {

using testing_support::ProcessResult;
using testing_support::RunShell;

const std::string kData = std::string(RCPTGUARD_SOURCE_DIR) + "/tests/data/learn";

std::string TempPath(const std::string& name) { return testing_support::TestTempPath(name); }

// Runs `cd DIR && rcptguard <args>` through the shell, capturing the output.
ProcessResult Rcptguard(const std::string& args, const std::string& dir = "/") {
  return RunShell("cd '" + dir + "' && " + std::string(RCPTGUARD_BINARY) + " " + args +
                  " </dev/null 2>&1");
}

class LearnCommand : public testing::Test {
 protected:
  void SetUp() override {
    db_ = TempPath("history.db");
    ::unlink(db_.c_str());
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((db_ + suffix).c_str());
  }

  std::string Store() const { return "--store sqlite://" + db_; }
  std::string AllSamples() const {
    return "--mbox " + kData + "/sample.mbox --maildir " + kData + "/maildir --postfix-log " +
           kData + "/postfix.log --no-progress " + Store();
  }

  // recipient -> messages, for `sender`, read back through the store API.
  std::map<std::string, int64_t> Correspondents(const std::string& sender) {
    auto store = OpenHistoryStore(StoreOptions{"sqlite://" + db_, HistoryKeyer()});
    EXPECT_TRUE(store.has_value()) << store.error().message;
    std::map<std::string, int64_t> counts;
    if (!store) return counts;
    auto top = (*store)->TopCorrespondents(sender, 100);
    EXPECT_TRUE(top.has_value()) << top.error().message;
    if (top) {
      for (const PairRecord& pair : *top) counts[pair.recipient] = pair.messages;
    }
    return counts;
  }
  int64_t RecordedMessages() {
    auto store = OpenHistoryStore(StoreOptions{"sqlite://" + db_, HistoryKeyer()});
    if (!store) return -1;
    auto stats = (*store)->Stats();
    return stats ? stats->recorded_messages : -1;
  }

  std::string db_;
};

TEST_F(LearnCommand, LearnsMboxMaildirAndPostfixLogIntoSqlite) {
  ProcessResult run = Rcptguard("learn " + AllSamples());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("read 13 messages (21 recipients): 13 newly counted, 0 already known, "
                         "0 from other senders; 4 skipped, 1 malformed;"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(RecordedMessages(), 13);
  // alice@mod.uk: the mbox (john.smith, joerg, carol, dave), the Maildir
  // (john.smith again) and the Postfix log (bob, carol@navy.mil).
  std::map<std::string, int64_t> want = {{"john.smith@army.mil", 2}, {"joerg@bund.de", 1},
                                         {"carol@mod.uk", 1},        {"dave@dstl.gov.uk", 1},
                                         {"bob@army.mil", 1},        {"carol@navy.mil", 1}};
  EXPECT_EQ(Correspondents("alice@mod.uk"), want);
}

TEST_F(LearnCommand, LearningTwiceDoesNotDoubleCounts) {
  ASSERT_EQ(Rcptguard("learn " + AllSamples()).status, 0);
  auto first = Correspondents("alice@mod.uk");
  ProcessResult again = Rcptguard("learn " + AllSamples());
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("0 newly counted, 13 already known"), std::string::npos) << again.out;
  EXPECT_EQ(Correspondents("alice@mod.uk"), first);
  EXPECT_EQ(RecordedMessages(), 13);
}

// The same figures through `rcptguard history top --format json`, as an
// administrator checks what learn did; a second learn leaves them unchanged.
TEST_F(LearnCommand, HistoryTopShowsTheLearnedCountsAfterTwoRuns) {
  ASSERT_EQ(Rcptguard("learn " + AllSamples()).status, 0);
  ASSERT_EQ(Rcptguard("learn " + AllSamples()).status, 0);
  ProcessResult top = Rcptguard("history " + Store() + " --format json top alice@mod.uk");
  ASSERT_EQ(top.status, 0) << top.out;
  nlohmann::json pairs = nlohmann::json::parse(top.out, nullptr, false);
  ASSERT_TRUE(pairs.is_array()) << top.out;
  std::map<std::string, int64_t> got;
  for (const auto& pair : pairs) got[pair.at("recipient")] = pair.at("messages");
  std::map<std::string, int64_t> want = {{"john.smith@army.mil", 2}, {"joerg@bund.de", 1},
                                         {"carol@mod.uk", 1},        {"dave@dstl.gov.uk", 1},
                                         {"bob@army.mil", 1},        {"carol@navy.mil", 1}};
  EXPECT_EQ(got, want);
}

TEST_F(LearnCommand, MboxKeysDoNotDependOnTheWorkingDirectory) {
  // The message without a Message-ID is keyed by the mbox's absolute path.
  ASSERT_EQ(Rcptguard("learn --mbox " + kData + "/sample.mbox " + Store()).status, 0);
  ProcessResult relative = Rcptguard("learn --mbox ./sample.mbox " + Store(), kData);
  ASSERT_EQ(relative.status, 0) << relative.out;
  EXPECT_NE(relative.out.find("0 newly counted, 4 already known"), std::string::npos)
      << relative.out;
}

TEST_F(LearnCommand, SenderDomainLeavesInboundMailOut) {
  ProcessResult run =
      Rcptguard("learn --maildir " + kData + "/maildir --sender-domain MOD.UK " + Store());
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(
      run.out.find(
          "read 3 messages (4 recipients): 2 newly counted, 0 already known, 1 from other senders"),
      std::string::npos)
      << run.out;
  EXPECT_TRUE(Correspondents("someone@partner.example").empty());
}

TEST_F(LearnCommand, MissingInputFailsWithOneLineAndLearnsNothing) {
  ProcessResult run =
      Rcptguard("learn --mbox " + kData + "/sample.mbox --mbox /nonexistent/x.mbox " + Store());
  EXPECT_EQ(run.status, 74) << run.out;
  EXPECT_EQ(run.out, "rcptguard learn: /nonexistent/x.mbox: No such file or directory\n");
  EXPECT_NE(::access(db_.c_str(), F_OK), 0) << "the store is not even opened";

  ProcessResult maildir = Rcptguard("learn --maildir " + kData + "/sample.mbox " + Store());
  EXPECT_EQ(maildir.status, 74) << maildir.out;
  EXPECT_NE(maildir.out.find("sample.mbox: not a directory"), std::string::npos) << maildir.out;
}

TEST_F(LearnCommand, UsageErrorsExitTwo) {
  EXPECT_EQ(Rcptguard("learn " + Store()).status, 2);
  EXPECT_EQ(Rcptguard("learn --mbox " + kData + "/sample.mbox --batch 0 " + Store()).status, 2);
  EXPECT_EQ(
      Rcptguard("learn --mbox " + kData + "/sample.mbox --sender-domain 'a..b' " + Store()).status,
      2);
  ProcessResult no_store = Rcptguard("learn --mbox " + kData + "/sample.mbox -c /dev/null");
  EXPECT_EQ(no_store.status, 2) << no_store.out;
  EXPECT_EQ(Rcptguard("learn --mbox " + kData + "/sample.mbox --store bogus://x").status, 2);
}

TEST_F(LearnCommand, SmallBatchesGiveTheSameCounts) {
  ProcessResult run = Rcptguard("learn " + AllSamples() + " --batch 1");
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("13 newly counted"), std::string::npos) << run.out;
  EXPECT_EQ(RecordedMessages(), 13);
}

}  // namespace
}  // namespace rcptguard
