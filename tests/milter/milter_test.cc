// Black-box tests of `rcptguard milter`: the real daemon on a unix socket,
// driven through the milter protocol by Debian's miltertest with the Lua
// scripts beside this file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/milter_daemon.h"
#include "support/postgres_rig.h"
#include "support/test_helpers.h"

namespace {

using rcptguard::testing_support::ReadAll;
using rcptguard::testing_support::WaitFor;
using rcptguard::testing_support::WriteAll;

using rcptguard::testing_support::MilterDaemon;

// For failure messages: what the daemon logged or the script printed (got)
// and what the test wanted.
std::string GotLog(const MilterDaemon& daemon, const std::string& want) {
  return "got log:\n" + daemon.Log() + "want: " + want;
}
std::string GotScript(const MilterDaemon& daemon, const std::string& want) {
  return "got script output:\n" + daemon.ScriptOutput() + "want: " + want;
}

std::map<std::string, std::string> Recipient(const std::string& rcpt, const std::string& expect,
                                             const std::string& client = "127.0.0.1",
                                             const std::string& auth = "") {
  return {{"rcpt", rcpt}, {"expect", expect}, {"client", client}, {"auth", auth}, {"hold", "no"}};
}

class MilterTest : public ::testing::Test {
 protected:
  void StartWithPartners(const std::string& partners, std::vector<std::string> extra = {}) {
    WriteAll(daemon_.Path("partners.txt"), partners);
    extra.insert(extra.begin(), {"--trusted-file", daemon_.Path("partners.txt")});
    ASSERT_TRUE(daemon_.Start(extra));
  }
  MilterDaemon daemon_;
};

TEST_F(MilterTest, RefusesTheLookalikeRecipientAndLetsTheOthersThrough) {
  StartWithPartners("army.mil\n");
  EXPECT_EQ(daemon_.Script("reject_lookalike.lua", {}), 0)
      << GotScript(daemon_, "alice@army.ml refused, carol@army.mil accepted");
  // One summary line per message, starting with the queue id.
  EXPECT_TRUE(WaitFor([&] { return daemon_.LogCount("4FQUEUEID1: from=<bob@mod.uk>") == 1; }))
      << GotLog(daemon_, "one line 4FQUEUEID1: from=<bob@mod.uk>");
  EXPECT_NE(daemon_.Log().find("alice@army.ml reject lookalike-domain tld-swap -> army.mil"),
            std::string::npos)
      << GotLog(daemon_, "alice@army.ml reject lookalike-domain tld-swap -> army.mil");
}

TEST_F(MilterTest, LeavesInboundMailUntouched) {
  StartWithPartners("army.mil\n");
  EXPECT_EQ(daemon_.Script("recipient.lua", Recipient("alice@army.ml", "untouched", "203.0.113.5")),
            0)
      << GotScript(daemon_, "inbound alice@army.ml untouched");
}

TEST_F(MilterTest, ChecksAuthenticatedClientsFromAnywhere) {
  StartWithPartners("army.mil\n");
  EXPECT_EQ(
      daemon_.Script("recipient.lua", Recipient("alice@army.ml", "refuse", "203.0.113.5", "alice")),
      0)
      << GotScript(daemon_, "authenticated alice: alice@army.ml refused");
  EXPECT_EQ(daemon_.Script("recipient.lua", Recipient("x@gmial.com", "refuse", "::1")), 0)
      << GotScript(daemon_, "from ::1: x@gmial.com refused");
}

TEST_F(MilterTest, HoldBandSendsTheMessageToTheHoldQueue) {
  WriteAll(daemon_.Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n");
  StartWithPartners("army.mil\n", {"-c", daemon_.Path("hold.toml")});
  auto vars = Recipient("alice@army.ml", "continue");
  vars["hold"] = "yes";
  EXPECT_EQ(daemon_.Script("recipient.lua", vars), 0)
      << GotScript(daemon_, "alice@army.ml accepted, the message quarantined");
  EXPECT_TRUE(WaitFor([&] { return daemon_.LogCount("action=hold") == 1; }))
      << GotLog(daemon_, "one line with action=hold");
}

TEST_F(MilterTest, SighupReloadTakesANewTrustedDomainWithoutARestart) {
  // A name on none of the shipped lists: the embedded defaults protect army.mil
  // already, so only the reloaded partner list can make this one a look-alike.
  StartWithPartners("nato.int\n");
  EXPECT_EQ(daemon_.Script("recipient.lua", Recipient("alice@fortexample.ml", "continue")), 0)
      << GotScript(daemon_, "before the reload, alice@fortexample.ml accepted");
  WriteAll(daemon_.Path("partners.txt"), "nato.int\nfortexample.mil\n");
  kill(daemon_.pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("configuration reloaded") == 1; }))
      << GotLog(daemon_, "configuration reloaded");
  EXPECT_EQ(daemon_.Script("recipient.lua", Recipient("alice@fortexample.ml", "refuse")), 0)
      << GotScript(daemon_, "after the reload, alice@fortexample.ml refused");
  EXPECT_EQ(daemon_.LogCount("listening on"), 1u)
      << GotLog(daemon_, "one 'listening on' (no restart)");
}

TEST_F(MilterTest, BadReloadKeepsTheRunningConfiguration) {
  WriteAll(daemon_.Path("rcptguard.toml"), "audit = false\n");
  StartWithPartners("army.mil\n", {"-c", daemon_.Path("rcptguard.toml")});
  WriteAll(daemon_.Path("rcptguard.toml"), "audit = false\nunknown_key = 1\n");
  kill(daemon_.pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("reload failed") == 1; }))
      << GotLog(daemon_, "reload failed");
  EXPECT_NE(daemon_.Log().find("rcptguard.toml:2: unknown key 'unknown_key'"), std::string::npos)
      << GotLog(daemon_, "rcptguard.toml:2: unknown key 'unknown_key'");
  EXPECT_EQ(daemon_.Script("recipient.lua", Recipient("alice@army.ml", "refuse")), 0)
      << GotScript(daemon_, "the running configuration: alice@army.ml refused");
}

TEST_F(MilterTest, AKilledMilterProcessIsReplaced) {
  StartWithPartners("army.mil\n");
  // The supervisor's child is the process that serves the socket.
  std::string children = daemon_.Path("children");
  std::system(("pgrep -P " + std::to_string(daemon_.pid()) + " > " + children).c_str());
  pid_t child = std::atoi(ReadAll(children).c_str());
  ASSERT_GT(child, 0) << "got no child of " << daemon_.pid() << ", want the serving process";
  kill(child, SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("listening on") == 2; }))
      << GotLog(daemon_, "a second 'listening on'");
  EXPECT_NE(daemon_.Log().find("milter process died (signal 9)"), std::string::npos)
      << GotLog(daemon_, "milter process died (signal 9)");
  EXPECT_EQ(daemon_.Script("recipient.lua", Recipient("alice@army.ml", "refuse")), 0)
      << GotScript(daemon_, "the new process: alice@army.ml refused");
}

// History: the milter learns delivered mail and uses it within seconds.
class MilterHistoryTest : public MilterTest {
 protected:
  static ::testing::AssertionResult StartWithStore(MilterDaemon& daemon, const std::string& url,
                                                   int rebuild_seconds) {
    WriteAll(daemon.Path("rcptguard.toml"),
             "own_domains = [\"mod.uk\"]\n"
             "[history]\n"
             "store = \"" +
                 url +
                 "\"\n"
                 "refresh_seconds = 1\n"
                 "rebuild_seconds = " +
                 std::to_string(rebuild_seconds) + "\n");
    if (auto started = daemon.Start({"-c", daemon.Path("rcptguard.toml")}); !started) {
      return started;
    }
    // History loads in the background once the milter listens.
    if (!WaitFor([&] { return daemon.LogCount("correspondent pairs loaded") == 1; })) {
      return ::testing::AssertionFailure() << "history never loaded: " << daemon.Log();
    }
    return ::testing::AssertionSuccess();
  }
  void StartWithHistory(int rebuild_seconds) {
    ASSERT_TRUE(StartWithStore(daemon_, "sqlite://" + daemon_.Path("history.db"), rebuild_seconds));
  }
  int Send(const std::string& rcpt, const std::string& name,
           const std::string& expect = "continue") {
    return SendTo(daemon_, rcpt, name, expect);
  }
  int SendTo(MilterDaemon& daemon, const std::string& rcpt, const std::string& name,
             const std::string& expect = "continue") {
    ++sent_;
    return daemon.Script("history.lua", {{"from", "alice@mod.uk"},
                                         {"rcpt", rcpt},
                                         {"name", name},
                                         {"msgid", "<m" + std::to_string(sent_) + "@mod.uk>"},
                                         {"qid", "4FHIST" + std::to_string(sent_)},
                                         {"expect", expect}});
  }
  // Learning is asynchronous, so probes are sent until the log shows the
  // expected line. Each probe is a different address: a probe that goes out
  // before history knows better is learned itself, and must not mask the next.
  bool ProbeUntilLogged(const std::vector<std::string>& probes, const std::string& name,
                        const std::string& text, const std::string& expect = "continue") {
    return ProbeUntilLoggedOn(daemon_, probes, name, text, expect);
  }
  bool ProbeUntilLoggedOn(MilterDaemon& daemon, const std::vector<std::string>& probes,
                          const std::string& name, const std::string& text,
                          const std::string& expect = "continue") {
    size_t attempt = 0;
    return WaitFor([&] {
      const std::string& rcpt = probes[attempt++ % probes.size()];
      return SendTo(daemon, rcpt, name, expect) == 0 &&
             daemon.Log().find(rcpt + " " + text) != std::string::npos;
    });
  }
  // Addresses one letter from `local` at `domain`.
  static std::vector<std::string> Slips(const std::string& local, const std::string& domain) {
    std::vector<std::string> slips;
    for (size_t i = 2; i < local.size(); ++i) {
      for (char c : std::string("aeiouxyz")) {
        if (local[i] == c) continue;
        std::string slip = local;
        slip[i] = c;
        slips.push_back(slip + "@" + domain);
      }
    }
    return slips;
  }
  int sent_ = 0;
};

TEST_F(MilterHistoryTest, LearnsDeliveredMailAndFlagsANearMissWithinSeconds) {
  StartWithHistory(/*rebuild_seconds=*/600);  // only overlays: no rebuild during the test
  // Before any history, a slip of a partner's address is just a new address.
  ASSERT_EQ(Send("j.smiht@army.mil", ""), 0) << GotScript(daemon_, "j.smiht@army.mil accepted");
  EXPECT_EQ(daemon_.LogCount("unfamiliar-recipient"), 0u)
      << GotLog(daemon_, "no unfamiliar-recipient before any history");
  ASSERT_EQ(Send("j.smith@army.mil", "John Smith"), 0)
      << GotScript(daemon_, "j.smith@army.mil accepted");
  ASSERT_EQ(Send("j.smith@army.mil", "John Smith"), 0)
      << GotScript(daemon_, "j.smith@army.mil accepted");
  EXPECT_TRUE(ProbeUntilLogged(Slips("j.smith", "army.mil"), "",
                               "warn unfamiliar-recipient near-correspondent"))
      << GotLog(daemon_,
                "a slip of j.smith@army.mil: warn unfamiliar-recipient near-correspondent");
  // The display name of a frequent correspondent on another address.
  std::vector<std::string> others;
  for (int i = 0; i < 50; ++i) others.push_back("john.smith" + std::to_string(i) + "@gmail.com");
  EXPECT_TRUE(
      ProbeUntilLogged(others, "Smith, John", "warn unfamiliar-recipient display-name-mismatch"))
      << GotLog(daemon_,
                "\"Smith, John\" elsewhere: warn unfamiliar-recipient "
                "display-name-mismatch");
  // Warned recipients are not learned: the same slip is flagged again.
  ASSERT_EQ(Send("j.smyth@army.mil", ""), 0) << GotScript(daemon_, "j.smyth@army.mil accepted");
  ASSERT_EQ(Send("j.smyth@army.mil", ""), 0) << GotScript(daemon_, "j.smyth@army.mil accepted");
  EXPECT_TRUE(WaitFor([&] { return daemon_.LogCount("j.smyth@army.mil warn unfamiliar") == 2; }))
      << GotLog(daemon_, "j.smyth@army.mil warned twice");
  EXPECT_EQ(daemon_.LogCount("listening on"), 1u)
      << GotLog(daemon_, "one 'listening on' (no restart)");
}

TEST_F(MilterHistoryTest, LearnedDomainsReachTheDetectorAtTheNextRebuild) {
  StartWithHistory(/*rebuild_seconds=*/1);
  // fortexample.mil is on no list (the shipped lists protect army.mil with no
  // configuration): only history can make fortexample.ml a look-alike of it.
  ASSERT_EQ(Send("x@fortexample.ml", ""), 0) << GotScript(daemon_, "x@fortexample.ml accepted");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Send("j.smith@fortexample.mil", "John Smith"), 0)
        << GotScript(daemon_, "j.smith@fortexample.mil accepted");
  }
  std::vector<std::string> lookalikes;
  for (const char* domain :
       {"fortexample.ml", "fortexample.mi", "frotexample.mil", "fortexampke.mil",
        "fortexamplee.mil", "fortexmple.mil", "ffortexample.mil", "fortexample.mll",
        "fortexample.mli", "fortexampel.mil", "ortexample.mil"}) {
    lookalikes.push_back(std::string("j.smith@") + domain);
  }
  EXPECT_TRUE(ProbeUntilLogged(lookalikes, "", "reject lookalike-domain", "refuse"))
      << GotLog(daemon_, "a look-alike of fortexample.mil: reject lookalike-domain");
}

// Two gateways sharing one PostgreSQL history: what one learns, the other uses.
TEST_F(MilterHistoryTest, TwoGatewaysShareOnePostgresqlHistory) {
  std::string error;
  auto postgres = rcptguard::testing_support::PostgresRig::Start(&error);
  ASSERT_NE(postgres, nullptr) << error;
  std::string url = postgres->CreateDatabase("history", &error);
  ASSERT_FALSE(url.empty()) << error;
  MilterDaemon other;
  ASSERT_TRUE(StartWithStore(daemon_, url, 600));
  ASSERT_TRUE(StartWithStore(other, url, 600));
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(SendTo(daemon_, "j.smith@army.mil", "John Smith"), 0)
        << GotScript(daemon_, "j.smith@army.mil accepted") << "\n"
        << daemon_.Log();
  }
  // The other gateway never saw alice write to j.smith, yet flags the slip.
  EXPECT_TRUE(ProbeUntilLoggedOn(other, Slips("j.smith", "army.mil"), "",
                                 "warn unfamiliar-recipient near-correspondent"))
      << GotLog(other, "a slip of j.smith@army.mil: warn unfamiliar-recipient near-correspondent");
}

TEST(MilterCommand, ConfigErrorAtStartExitsWithExConfigNamingFileAndLine) {
  MilterDaemon daemon;
  WriteAll(daemon.Path("bad.toml"), "[milter]\non_error = \"ignore\"\n");
  std::string command = std::string(RCPTGUARD_BINARY) + " milter -n -c " + daemon.Path("bad.toml") +
                        " > " + daemon.Path("out") + " 2>&1";
  int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 78) << "want EX_CONFIG; printed: " << ReadAll(daemon.Path("out"));
  EXPECT_NE(ReadAll(daemon.Path("out")).find("bad.toml:2: 'milter.on_error' must be tempfail"),
            std::string::npos)
      << "got " << ReadAll(daemon.Path("out"))
      << "want bad.toml:2: 'milter.on_error' must be tempfail";
  // The defaults, on a socket whose directory exists (-n checks that too).
  command = std::string(RCPTGUARD_BINARY) + " milter -n -p unix:" + daemon.socket() + " > " +
            daemon.Path("out") + " 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(command.c_str())), 0)
      << "want exit 0; printed: " << ReadAll(daemon.Path("out"));
  EXPECT_NE(ReadAll(daemon.Path("out")).find("configuration OK"), std::string::npos)
      << "got " << ReadAll(daemon.Path("out")) << "want configuration OK";
}

}  // namespace
