// The sender's notification (what it says, what it never says, the loop
// marker), sending it through a sendmail, the per-sender limit and expiry.
#include "quarantine/notification.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "quarantine/hold_expiry.h"

namespace rcptguard {
namespace {

LinkKey TestKey() {
  std::array<unsigned char, LinkKey::kSize> bytes;
  bytes.fill(42);
  return LinkKey::FromBytes(bytes);
}

HoldRecord Held() {
  HoldRecord record;
  record.queue_id = "4XyZ1b2C3d";
  record.message_id = "<m1@example.org>";
  record.sender = "alice@example.org";
  record.held_at = 1000;
  record.reason = "bob@exampel.org: lookalike-domain";
  Verdict flagged;
  flagged.recipient = "bob@exampel.org";
  flagged.action = Action::kHold;
  flagged.suggestion = "bob@example.org";
  flagged.reasons.push_back(Reason{"lookalike-domain", ReasonLabel::kClass, "transposition",
                                   "exampel.org looks like a mistyping of example.org",
                                   Action::kHold});
  Verdict fine;
  fine.recipient = "secret-bcc@partner.example";
  fine.action = Action::kAllow;
  record.verdicts = {flagged, fine};
  return record;
}

NotificationSettings Settings() {
  NotificationSettings settings;
  settings.from = "rcptguard@mail.example.org";
  settings.hostname = "mail.example.org";
  settings.link_base = "https://mail.example.org/confirm/";
  settings.link_lifetime_seconds = 3600;
  return settings;
}

std::string HeaderOf(const std::string& text, const std::string& name) {
  std::istringstream lines(text.substr(0, text.find("\n\n")));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + ": ", 0) == 0) return line.substr(name.size() + 2);
  }
  return "";
}

TEST(SenderNotification, NamesWhatLookedWrongAndWhatWasMeant) {
  LinkKey key = TestKey();
  auto notice = ComposeNotification(Held(), Settings(), key, 5000);
  ASSERT_TRUE(notice) << notice.error().ToString();
  const std::string& text = notice->text;
  EXPECT_EQ(notice->to, "alice@example.org");
  EXPECT_EQ(HeaderOf(text, "To"), "<alice@example.org>");
  EXPECT_EQ(HeaderOf(text, "Auto-Submitted"), "auto-generated");
  EXPECT_NE(text.find("bob@exampel.org"), std::string::npos) << text;
  EXPECT_NE(text.find("looks like a mistyping of example.org"), std::string::npos) << text;
  EXPECT_NE(text.find("Did you mean bob@example.org?"), std::string::npos) << text;
  // Only the recipients in question: an allowed one is not repeated.
  EXPECT_EQ(text.find("secret-bcc@partner.example"), std::string::npos) << text;
  EXPECT_NE(text.find(Settings().link_base + notice->release.token), std::string::npos);
  EXPECT_NE(text.find(Settings().link_base + notice->cancel.token), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

TEST(SenderNotification, LinksAreBoundToTheMessageAndExpire) {
  LinkKey key = TestKey();
  auto notice = ComposeNotification(Held(), Settings(), key, 5000);
  ASSERT_TRUE(notice);
  auto release = VerifyLink(key, notice->release.token, LinkAction::kRelease, 5001);
  ASSERT_TRUE(release) << release.error().message;
  EXPECT_EQ(release->queue_id, "4XyZ1b2C3d");
  EXPECT_EQ(release->recipients, std::vector<std::string>{"bob@exampel.org"});
  EXPECT_EQ(release->expires_at, 5000 + 3600);
  EXPECT_TRUE(LinkMatchesHold(*release, Held()));
  EXPECT_TRUE(VerifyLink(key, notice->cancel.token, LinkAction::kCancel, 5001));
  EXPECT_NE(notice->release.claims.link_id, notice->cancel.claims.link_id);
  EXPECT_FALSE(VerifyLink(key, notice->release.token, LinkAction::kRelease, 5000 + 3600));
}

TEST(SenderNotification, LoopMarkerIsGenuineOnlyForItsMessage) {
  LinkKey key = TestKey();
  auto notice = ComposeNotification(Held(), Settings(), key, 5000);
  ASSERT_TRUE(notice);
  std::string message_id = HeaderOf(notice->text, "Message-ID");
  std::string mark = HeaderOf(notice->text, std::string(kNotificationHeader));
  ASSERT_FALSE(message_id.empty());
  EXPECT_TRUE(IsRcptguardNotification(key, message_id, mark));
  EXPECT_TRUE(IsRcptguardNotification(key, message_id, " " + mark + " "));
  EXPECT_FALSE(IsRcptguardNotification(key, "<other@example.org>", mark));
  EXPECT_FALSE(IsRcptguardNotification(key, message_id, "1"));
  std::array<unsigned char, LinkKey::kSize> other;
  other.fill(1);
  EXPECT_FALSE(IsRcptguardNotification(LinkKey::FromBytes(other), message_id, mark));
}

TEST(SenderNotification, HostileTextCannotAddHeaders) {
  HoldRecord record = Held();
  record.verdicts[0].recipient = "bob@exampel.org\nBcc: eve@evil.example";
  record.verdicts[0].reasons[0].detail = "x\n\nfake body\nX-Injected: 1";
  record.message_id = "<m1>\nX-Injected: 2";
  auto notice = ComposeNotification(record, Settings(), TestKey(), 5000);
  ASSERT_TRUE(notice);
  EXPECT_EQ(HeaderOf(notice->text, "Bcc"), "") << notice->text;
  EXPECT_EQ(notice->text.find("\nX-Injected"), std::string::npos) << notice->text;
  EXPECT_EQ(notice->text.find("\nBcc:"), std::string::npos) << notice->text;
}

TEST(SenderNotification, RefusesWhatCannotBeNotified) {
  HoldRecord null_sender = Held();
  null_sender.sender = "";
  EXPECT_FALSE(ComposeNotification(null_sender, Settings(), TestKey(), 5000));
  HoldRecord nothing_held = Held();
  nothing_held.verdicts.erase(nothing_held.verdicts.begin());
  EXPECT_FALSE(ComposeNotification(nothing_held, Settings(), TestKey(), 5000));
}

TEST(SenderNotification, SendsTheWholeMessageToSendmail) {
  // A stand-in sendmail that keeps its arguments and standard input.
  char dir[] = "/tmp/rcptguard-sendmail-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string script = std::string(dir) + "/sendmail";
  std::ofstream(script) << "#!/bin/sh\necho \"$@\" > " << dir << "/args\ncat > " << dir
                        << "/input\n";
  chmod(script.c_str(), 0755);
  auto notice = ComposeNotification(Held(), Settings(), TestKey(), 5000);
  ASSERT_TRUE(notice);
  ASSERT_TRUE(SendNotification(*notice, Settings(), {script}));
  std::ifstream args(std::string(dir) + "/args"), input(std::string(dir) + "/input");
  std::stringstream got_args, got_input;
  got_args << args.rdbuf();
  got_input << input.rdbuf();
  EXPECT_EQ(got_args.str(), "-t -i -f rcptguard@mail.example.org\n");
  EXPECT_EQ(got_input.str(), notice->text);
  std::string failing = std::string(dir) + "/failing";
  std::ofstream(failing) << "#!/bin/sh\necho 'no route' >&2\nexit 75\n";
  chmod(failing.c_str(), 0755);
  auto refused = SendNotification(*notice, Settings(), {failing});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("no route"), std::string::npos)
      << refused.error().ToString();
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(HoldExpiry, FollowsTheDefaultOnlyAfterTheLifetime) {
  struct Case {
    const char* name;
    int64_t held_at, now, lifetime;
    ExpiryDefault fallback;
    std::optional<ExpiryDefault> want;
  };
  const Case cases[] = {
      {"young", 1000, 1500, 3600, ExpiryDefault::kDiscard, std::nullopt},
      {"just before", 1000, 4599, 3600, ExpiryDefault::kDiscard, std::nullopt},
      {"at expiry, discard", 1000, 4600, 3600, ExpiryDefault::kDiscard, ExpiryDefault::kDiscard},
      {"long after, release", 1000, 99999, 3600, ExpiryDefault::kRelease, ExpiryDefault::kRelease},
      {"no expiry configured", 1000, 99999, 0, ExpiryDefault::kDiscard, std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ExpiryActionDue(c.held_at, c.now, c.lifetime, c.fallback), c.want) << c.name;
  }
}

TEST(SenderRateLimiter, AllowsTheLimitPerWindowPerSender) {
  SenderRateLimiter limiter(3, 3600);
  EXPECT_TRUE(limiter.Allow("alice@example.org", 0));
  EXPECT_TRUE(limiter.Allow("ALICE@example.org", 10));
  EXPECT_TRUE(limiter.Allow("alice@example.org", 20));
  EXPECT_FALSE(limiter.Allow("alice@example.org", 30)) << "fourth within the hour";
  EXPECT_TRUE(limiter.Allow("bob@example.org", 30)) << "another sender has its own budget";
  EXPECT_FALSE(limiter.Allow("alice@example.org", 3599));
  EXPECT_TRUE(limiter.Allow("alice@example.org", 3600)) << "the first left the window";
  EXPECT_FALSE(limiter.Allow("alice@example.org", 3601));
}

TEST(SenderRateLimiter, MemoryStaysBoundedUnderAFlood) {
  SenderRateLimiter limiter(1, 3600, 100);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_TRUE(limiter.Allow("s" + std::to_string(i) + "@example.org", i));
  }
  EXPECT_LE(limiter.tracked(), 100u);
  EXPECT_FALSE(limiter.Allow("s9999@example.org", 10000)) << "a recent sender is remembered";
}

}  // namespace
}  // namespace rcptguard
