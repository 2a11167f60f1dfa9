// Black-box tests of `rcptguard history`: the real binary against a SQLite
// store in a temporary directory, filled through the store library as the
// milter would fill it.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/history_store.h"
#include "support/cli_helpers.h"

namespace rcptguard {
namespace {

using testing_support::ProcessResult;
using testing_support::RunShell;

ProcessResult Rcptguard(const std::string& args) {
  return RunShell(std::string(RCPTGUARD_BINARY) + " " + args + " </dev/null 2>&1");
}

class HistoryCommand : public testing::Test {
 protected:
  void SetUp() override {
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        testing::TempDir() + "rcptguard_history_" + test->name() + "_" + std::to_string(getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    url_ = "sqlite://" + dir_ + "/history.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Records `count` messages from `sender` to `recipient`, ending at `time`.
  void Learn(const std::string& sender, const std::string& recipient, int count,
             int64_t time = 1700000000) {
    auto store = OpenHistoryStore({url_, HistoryKeyer()});
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    std::vector<SentMessage> messages;
    for (int i = 0; i < count; ++i) {
      messages.push_back({"", sender, {{recipient, ""}}, time - i});
    }
    ASSERT_TRUE((*store)->Record(messages).has_value());
  }

  ProcessResult History(const std::string& args) {
    return Rcptguard("history --store " + url_ + " " + args);
  }

  std::string dir_;
  std::string url_;
};

TEST_F(HistoryCommand, TopListsMostFrequentRecipientsInAlignedColumns) {
  Learn("bob@mod.uk", "alice@army.mil", 5);
  Learn("bob@mod.uk", "carol@navy.mil", 2);
  Learn("eve@mod.uk", "zed@army.mil", 9);
  ProcessResult run = History("top Bob@MOD.uk");
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(run.out,
            "MESSAGES  FIRST SEEN  LAST SEEN   RECIPIENT\n"
            "       5  2023-11-14  2023-11-14  alice@army.mil\n"
            "       2  2023-11-14  2023-11-14  carol@navy.mil\n");
  ProcessResult limited = History("top bob@mod.uk --limit 1 --format json");
  ASSERT_EQ(limited.status, 0) << limited.out;
  auto json = nlohmann::json::parse(limited.out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["recipient"], "alice@army.mil");
  EXPECT_EQ(json[0]["messages"], 5);
  EXPECT_EQ(json[0]["domain"], "army.mil");
}

TEST_F(HistoryCommand, DomainSummarisesWhoWritesThere) {
  Learn("bob@mod.uk", "alice@army.mil", 3);
  Learn("eve@mod.uk", "alice@army.mil", 1);
  ProcessResult run = History("--format json domain ARMY.MIL");
  ASSERT_EQ(run.status, 0) << run.out;
  auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["domain"], "army.mil");
  EXPECT_EQ(json["messages"], 4);
  EXPECT_EQ(json["senders"], 2);
  EXPECT_EQ(json["addresses"], 1);
  EXPECT_EQ(json["top_pairs"][0]["sender"], "bob@mod.uk");
  ProcessResult text = History("domain army.mil");
  EXPECT_NE(text.out.find("messages   4\n"), std::string::npos) << text.out;
}

TEST_F(HistoryCommand, ForgetRemovesAndSaysSoOrExitsOneWhenNothingWasStored) {
  Learn("bob@mod.uk", "alice@army.mil", 3);
  Learn("alice@army.mil", "bob@mod.uk", 1);
  ProcessResult forget = History("forget-address alice@army.mil");
  EXPECT_EQ(forget.status, 0) << forget.out;
  EXPECT_EQ(forget.out, "forgot alice@army.mil: 2 records removed\n");
  ProcessResult again = History("forget-address alice@army.mil --format json");
  EXPECT_EQ(again.status, 1) << again.out;
  EXPECT_EQ(nlohmann::json::parse(again.out)["removed"], 0);
  EXPECT_EQ(History("forget-sender nobody@mod.uk").status, 1);
}

TEST_F(HistoryCommand, ExceptionsAddListRemove) {
  ProcessResult add = History("except bob@mod.uk army.ml --days 30 --note 'partner, checked'");
  ASSERT_EQ(add.status, 0) << add.out;
  EXPECT_NE(add.out.find("bob@mod.uk may write to army.ml without a warning until"),
            std::string::npos)
      << add.out;
  ProcessResult list = History("exceptions bob@mod.uk --format json");
  ASSERT_EQ(list.status, 0) << list.out;
  auto json = nlohmann::json::parse(list.out);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["recipient"], "army.ml");
  EXPECT_EQ(json[0]["note"], "partner, checked");
  EXPECT_EQ(json[0]["expires"].get<int64_t>() - json[0]["created"].get<int64_t>(), 30 * 86400);
  EXPECT_EQ(json[0]["expired"], false);
  ProcessResult text = History("exceptions");
  EXPECT_EQ(text.out.rfind("SENDER      RECIPIENT  CREATED     EXPIRES     NOTE\n", 0), 0u)
      << text.out;
  EXPECT_EQ(History("unexcept bob@mod.uk ARMY.ml").status, 0);
  EXPECT_EQ(History("unexcept bob@mod.uk army.ml").status, 1);
  EXPECT_EQ(History("exceptions").out, "no exceptions\n");
}

TEST_F(HistoryCommand, PruneAndStats) {
  Learn("bob@mod.uk", "old@army.mil", 1, /*time=*/1000);
  Learn("bob@mod.uk", "new@army.mil", 1, /*time=*/4000000000);
  ProcessResult prune = History("prune --days 30 --format json");
  ASSERT_EQ(prune.status, 0) << prune.out;
  EXPECT_EQ(nlohmann::json::parse(prune.out)["pairs_removed"], 1);
  ProcessResult stats = History("stats --format json");
  ASSERT_EQ(stats.status, 0) << stats.out;
  auto json = nlohmann::json::parse(stats.out);
  EXPECT_EQ(json["pairs"], 1);
  EXPECT_EQ(json["schema_version"], 1);
  EXPECT_EQ(json["hashed"], false);
}

TEST_F(HistoryCommand, UsageAndStoreErrorsAreOneClearLine) {
  struct Case {
    std::string args;
    int status;
    std::string want;
  } cases[] = {
      {"history --store mysql://root:hunter2@db/x stats", 2, "unsupported scheme \"mysql\""},
      {"history --store sqlite:///nonexistent-dir-rcptguard/h.db stats", 74,
       "directory /nonexistent-dir-rcptguard does not exist"},
      {"history --store " + url_ + " top 'not an address'", 2, "space"},
      {"history --store " + url_ + " except bob@mod.uk bad..domain", 2, ""},
      {"history --store " + url_ + " frobnicate", 2, ""},
      {"history --store " + url_ + " --format xml stats", 2, ""},
  };
  for (const Case& c : cases) {
    ProcessResult run = Rcptguard(c.args);
    EXPECT_EQ(run.status, c.status) << c.args << "\n" << run.out;
    EXPECT_NE(run.out.find(c.want), std::string::npos)
        << c.args << ": got " << run.out << ", want " << c.want;
    EXPECT_EQ(run.out.find("hunter2"), std::string::npos) << run.out;
  }
}

// `check` and `scan` with --store give the milter's history-aware verdicts.
TEST_F(HistoryCommand, CheckAndScanWithStoreFlagAnUnfamiliarRecipient) {
  Learn("alice@mod.uk", "j.smith@army.mil", 5);
  ProcessResult checked =
      Rcptguard("check --format jsonl --store " + url_ + " --from alice@mod.uk j.smiht@army.mil");
  EXPECT_EQ(checked.status, 1) << checked.out;
  auto verdict = nlohmann::json::parse(checked.out);
  EXPECT_EQ(verdict["verdict"], "warn") << checked.out;
  EXPECT_EQ(verdict["reasons"][0]["code"], "unfamiliar-recipient") << checked.out;
  EXPECT_EQ(verdict["suggestion"], "j.smith@army.mil") << checked.out;
  // The usual address itself is allowed.
  EXPECT_EQ(Rcptguard("check --store " + url_ + " --from alice@mod.uk j.smith@army.mil").status, 0);

  std::string message = dir_ + "/message.eml";
  std::ofstream(message) << "From: alice@mod.uk\nTo: j.smiht@army.mil\nSubject: hi\n\nHello\n";
  ProcessResult scanned = Rcptguard("scan --format jsonl --store " + url_ + " " + message);
  EXPECT_EQ(scanned.status, 1) << scanned.out;
  EXPECT_NE(scanned.out.find("\"code\":\"unfamiliar-recipient\""), std::string::npos)
      << scanned.out;
}

// The path the owner's held-out organisation drives: `learn --mbox` keeps the
// display names of the learned mail, and `check --store --from ... -` reads
// recipients as written, display name included, one per line.
TEST_F(HistoryCommand, LearnedMboxThenCheckRecipientsAsWrittenFindsThePerson) {
  std::string mbox = dir_ + "/sent.mbox";
  {
    std::ofstream out(mbox);
    for (int i = 0; i < 4; ++i) {
      out << "From alice@mod.uk Mon Nov  2 10:0" << i << ":00 2026\n"
          << "From: Alice <alice@mod.uk>\n"
          << "To: \"Turner, Paul\" <paul.turner@baesystems.com>, tgreen1981@hotmail.co.uk\n"
          << "Cc: =?utf-8?q?Siobh=C3=A1n_Murphy?= <s.murphy@ucl.ac.uk>\n"
          << "Message-ID: <m" << i << "@mod.uk>\n"
          << "Date: Mon, 2 Nov 2026 10:0" << i << ":00 +0000\nSubject: s\n\nbody\n\n";
    }
    out << "From bob@mod.uk Mon Nov  2 11:00:00 2026\nFrom: bob@mod.uk\n"
        << "To: someone@hotmail.com\nMessage-ID: <b1@mod.uk>\n"
        << "Date: Mon, 2 Nov 2026 11:00:00 +0000\nSubject: s\n\nbody\n\n"
        << "From bob@mod.uk Mon Nov  2 11:01:00 2026\nFrom: bob@mod.uk\n"
        << "To: someone@hotmail.com\nMessage-ID: <b2@mod.uk>\n"
        << "Date: Mon, 2 Nov 2026 11:01:00 +0000\nSubject: s\n\nbody\n\n";
  }
  ProcessResult learned = Rcptguard("learn --no-progress --mbox " + mbox + " --store " + url_);
  ASSERT_EQ(learned.status, 0) << learned.out;
  std::string input = dir_ + "/recipients.txt";
  std::ofstream(input) << "\"Paul TURNER\" <pturner77@gmail.com>\n"
                       << "tgreen1981@hotmail.com\n"
                       << "Siobhan MURPHY <siobhan.murphy@outlook.com>\n"
                       << "\"Turner, Paul\" <paul.turner@baesystems.com>\n";
  ProcessResult checked =
      RunShell(std::string(RCPTGUARD_BINARY) + " check --format jsonl --store " + url_ +
               " --from alice@mod.uk - < " + input + " 2>&1");
  EXPECT_EQ(checked.status, 1) << checked.out;
  std::vector<nlohmann::json> verdicts;
  size_t start = 0;
  while (start < checked.out.size()) {
    size_t end = checked.out.find('\n', start);
    verdicts.push_back(nlohmann::json::parse(checked.out.substr(start, end - start)));
    start = end == std::string::npos ? checked.out.size() : end + 1;
  }
  ASSERT_EQ(verdicts.size(), 4u) << checked.out;
  struct Want {
    const char* verdict;
    const char* type;
    const char* suggestion;
  } want[] = {
      {"warn", "display-name-mismatch", "paul.turner@baesystems.com"},
      {"warn", "other-domain", "tgreen1981@hotmail.co.uk"},
      {"warn", "display-name-mismatch", "s.murphy@ucl.ac.uk"},
      {"allow", "", ""},
  };
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(verdicts[i]["verdict"], want[i].verdict) << verdicts[i].dump();
    if (std::string(want[i].type).empty()) continue;
    EXPECT_EQ(verdicts[i]["reasons"][0]["class"], want[i].type) << verdicts[i].dump();
    EXPECT_EQ(verdicts[i]["suggestion"], want[i].suggestion) << verdicts[i].dump();
  }
}

TEST_F(HistoryCommand, CheckWithAnUnreachableStoreIsAConfigurationError) {
  ProcessResult run = Rcptguard("check --store sqlite://" + dir_ + "/missing/h.db x@example.com");
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("does not exist"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace rcptguard
