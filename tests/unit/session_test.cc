// A message in the mail path: which mail is outbound, what each recipient is
// answered, and what happens at the end of the message.
#include "rcptguard/session.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "platform/suffix_list_file.h"
#include "rcptguard/message_headers.h"
#include "support/session_helpers.h"

namespace rcptguard {
namespace {

// Whether `text` contains `part`; a failure prints both (got, want).
::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got \"" << text << "\", want it to contain \"" << part << "\"";
}

std::shared_ptr<const Policy> MakePolicy(bool audit = false,
                                         std::vector<ScoreBand> bands = {{0.9, Action::kReject},
                                                                         {0.5, Action::kWarn}}) {
  PolicySpec spec;
  spec.expected = {{"army.mil", DomainSource::kTrusted},
                   {"mod.uk", DomainSource::kOwn},
                   {"gmail.com", DomainSource::kProvider}};
  spec.lookalike_bands = std::move(bands);
  spec.audit = audit;
  auto data = TypoData::Embedded();
  auto policy = Policy::Compile(spec, LoadSystemSuffixList(), *data);
  EXPECT_TRUE(policy.has_value()) << policy.error().ToString();
  return *policy;
}

struct OutboundCase {
  const char* name;
  ConnectionFacts facts;
  const char* sender;  // null: the null sender
  bool want;
};

void CheckOutbound(const OutboundRules& rules, const std::vector<OutboundCase>& cases) {
  for (const OutboundCase& c : cases) {
    std::optional<Address> sender;
    if (c.sender != nullptr) sender = *ParseAddress(c.sender);
    bool got = rules.IsOutbound(c.facts, sender ? &*sender : nullptr);
    EXPECT_EQ(got, c.want) << c.name << ": got " << (got ? "outbound" : "not outbound")
                           << ", want " << (c.want ? "outbound" : "not outbound");
  }
}

TEST(OutboundRules, DefaultsCountAuthenticatedAndLocalClients) {
  auto rules = OutboundRules::Compile(OutboundSpec{});
  ASSERT_TRUE(rules.has_value()) << "got " << rules.error().ToString() << ", want compiled";
  CheckOutbound(*rules, {
                            {"authenticated from anywhere", {"198.51.100.7", "alice", ""}, nullptr,
                             true},
                            {"this host, IPv4", {"127.0.0.1", "", ""}, nullptr, true},
                            {"this host, IPv6", {"::1", "", ""}, nullptr, true},
                            {"this host, mapped", {"::ffff:127.0.0.1", "", ""}, nullptr, true},
                            {"a stranger", {"198.51.100.7", "", "smtpd"}, nullptr, false},
                            {"nothing known", {"", "", ""}, nullptr, false},
                            {"a local submission (no address)", {"", "", "", true}, nullptr,
                             true},
                        });
}

TEST(OutboundRules, NetworksSenderDomainsAndServices) {
  OutboundSpec spec;
  spec.authenticated = false;
  spec.networks = {"192.0.2.0/24", "2001:db8::/32", "10.1.2.3"};
  spec.sender_domains = {"mod.uk"};
  spec.daemon_names = {"submission"};
  spec.local_clients = false;
  auto rules = OutboundRules::Compile(spec);
  ASSERT_TRUE(rules.has_value()) << "got " << rules.error().ToString() << ", want compiled";
  CheckOutbound(*rules,
                {
                    {"in the /24", {"192.0.2.200", "", ""}, nullptr, true},
                    {"next to the /24", {"192.0.3.1", "", ""}, nullptr, false},
                    {"in the IPv6 /32", {"2001:db8:ffff::1", "", ""}, nullptr, true},
                    {"the single host", {"10.1.2.3", "", ""}, nullptr, true},
                    {"next to the single host", {"10.1.2.4", "", ""}, nullptr, false},
                    {"AUTH not counted", {"203.0.113.9", "alice", ""}, nullptr, false},
                    {"the submission service", {"203.0.113.9", "", "submission"}, nullptr, true},
                    {"a sender subdomain", {"203.0.113.9", "", ""}, "bob@hq.mod.uk", true},
                    {"another sender domain", {"203.0.113.9", "", ""}, "eve@example.org", false},
                    {"local clients not counted", {"", "", "", true}, nullptr, false},
                });
}

TEST(OutboundRules, BadNetworksAreNamed) {
  for (const char* bad : {"192.0.2.0/33", "not-an-ip", "10.0.0.0/", "::1/129"}) {
    OutboundSpec spec;
    spec.networks = {bad};
    auto rules = OutboundRules::Compile(spec);
    ASSERT_FALSE(rules.has_value()) << bad << ": got compiled, want an error naming it";
    EXPECT_TRUE(Contains(rules.error().message, bad));
  }
}

TEST(MessageSession, RefusesOnlyTheLookalikeRecipientWithAPlainSentence) {
  MessageSession session = testing_support::NewSession(MakePolicy(), /*can_refuse=*/true);
  session.Sender("<bob@mod.uk>");
  RecipientOutcome bad = session.Recipient("<alice@army.ml>");
  EXPECT_TRUE(bad.refuse) << "got allowed (" << ActionName(bad.verdict.action) << "), want refused";
  EXPECT_EQ(bad.reply,
            "recipient domain army.ml looks like a mistyping of army.mil; did you mean "
            "alice@army.mil? Not sent.");
  RecipientOutcome good = session.Recipient("<carol@army.mil>");
  EXPECT_FALSE(good.refuse) << "got refused: " << good.reply << "; want allowed";
  MessageOutcome end = session.EndOfMessage();
  EXPECT_FALSE(end.hold) << "got held (" << end.hold_reason << "), want delivered";
  EXPECT_TRUE(Contains(end.summary, "refused=1"));
  EXPECT_TRUE(Contains(end.summary, "alice@army.ml reject lookalike-domain tld-swap -> army.mil"));
  EXPECT_EQ(end.header, "checked");
}

TEST(MessageSession, ATransactionWithEveryRecipientRefusedStillGetsItsLogLine) {
  MessageSession session = testing_support::NewSession(MakePolicy(), true);
  session.Sender("<bob@mod.uk>");
  EXPECT_EQ(session.Abort(), "") << "no recipient yet: nothing to log";
  session.Sender("<bob@mod.uk>");
  session.SetQueueId("4ABC");
  EXPECT_TRUE(session.Recipient("<alice@army.ml>").refuse) << "got allowed, want refused";
  // The MTA ends such a transaction without a message: the abort logs it.
  std::string line = session.Abort();
  EXPECT_EQ(line.rfind("4ABC: from=<bob@mod.uk>", 0), 0u)
      << "got \"" << line << "\", want it to start with \"4ABC: from=<bob@mod.uk>\"";
  EXPECT_TRUE(Contains(line, "action=refused"));
  session.Sender("<bob@mod.uk>");
  EXPECT_TRUE(session.Recipient("<alice@army.ml>").refuse) << "got allowed, want refused";
  MessageOutcome end = session.EndOfMessage();
  EXPECT_TRUE(Contains(end.summary, "action=refused"));
  EXPECT_EQ(end.header, "checked");
}

TEST(MessageSession, HoldBandHoldsTheWholeMessageAndSaysWhy) {
  MessageSession session = testing_support::NewSession(MakePolicy(false, {{0.5, Action::kHold}}), true);
  session.Sender("<bob@mod.uk>");
  EXPECT_FALSE(session.Recipient("<alice@army.ml>").refuse) << "got refused, want held later";
  EXPECT_FALSE(session.Recipient("<carol@army.mil>").refuse) << "got refused, want allowed";
  MessageOutcome end = session.EndOfMessage();
  EXPECT_TRUE(end.hold) << "got not held (" << end.summary << "), want held";
  EXPECT_TRUE(Contains(end.hold_reason, "alice@army.ml hold lookalike-domain"));
  ASSERT_EQ(end.verdicts.size(), 2u) << "got " << end.verdicts.size() << " verdicts, want 2";
  EXPECT_EQ(end.verdicts[0].recipient, "alice@army.ml");
  EXPECT_EQ(end.verdicts[0].action, Action::kHold)
      << "got " << ActionName(end.verdicts[0].action) << ", want hold";
  EXPECT_EQ(end.verdicts[1].action, Action::kAllow)
      << "got " << ActionName(end.verdicts[1].action) << ", want allow";
}

TEST(MessageSession, WithoutRefusalARejectBecomesAHold) {
  // Mail from sendmail(1) reaches non_smtpd_milters, where a recipient cannot
  // be refused on its own.
  MessageSession session = testing_support::NewSession(MakePolicy(), /*can_refuse=*/false);
  session.Sender("<bob@mod.uk>");
  EXPECT_FALSE(session.Recipient("<alice@army.ml>").refuse) << "got refused, want held instead";
  MessageOutcome end = session.EndOfMessage();
  EXPECT_TRUE(end.hold) << "got not held (" << end.summary << "), want held";
}

TEST(MessageSession, AuditModeDecidesAndChangesNothing) {
  MessageSession session = testing_support::NewSession(MakePolicy(/*audit=*/true), true);
  session.Sender("<>");
  RecipientOutcome bad = session.Recipient("<alice@army.ml>");
  EXPECT_FALSE(bad.refuse) << "got refused (" << bad.reply << "), want nothing changed";
  EXPECT_EQ(bad.verdict.action, Action::kReject)
      << "got " << ActionName(bad.verdict.action) << ", want reject (logged only)";
  MessageOutcome end = session.EndOfMessage();
  EXPECT_FALSE(end.hold) << "got held, want nothing changed";
  EXPECT_TRUE(end.header.empty()) << "got header \"" << end.header << "\", want none";
  EXPECT_TRUE(Contains(end.summary, "action=audit"));
  EXPECT_TRUE(Contains(end.summary, "alice@army.ml reject"));
}

TEST(MessageSession, RepliesAndLogLinesAreSafeWhateverTheInput) {
  MessageSession session = testing_support::NewSession(MakePolicy(), true);
  session.Sender("<b%ob\r\n@mod.uk>");
  RecipientOutcome idn = session.Recipient("<\xd0\xb0lice@\xd0\xb0rmy.mil>");  // Cyrillic
  ASSERT_TRUE(idn.refuse) << "got allowed, want refused";
  for (char c : idn.reply) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f && c != '%')
        << "got byte " << static_cast<int>(c) << " in \"" << idn.reply
        << "\", want printable ASCII without '%'";
  }
  EXPECT_TRUE(Contains(idn.reply, "xn--"));
  MessageOutcome end = session.EndOfMessage();
  EXPECT_EQ(end.summary.find('\n'), std::string::npos)
      << "got \"" << end.summary << "\", want no line break";
  EXPECT_EQ(end.summary.find('%'), std::string::npos)
      << "got \"" << end.summary << "\", want no '%'";
}

TEST(StripAngleBrackets, TakesTheAddressOutOfTheEnvelopeForm) {
  struct Case {
    const char* given;
    const char* want;
  };
  for (const Case& c : std::vector<Case>{
           {"<a@b.c>", "a@b.c"}, {" <a@b.c> ", "a@b.c"}, {"a@b.c", "a@b.c"}, {"<>", ""}}) {
    EXPECT_EQ(StripAngleBrackets(c.given), c.want) << "case \"" << c.given << "\"";
  }
}

// The display name the headers give an envelope recipient: one rule for the
// session (display names history compares) and for a released message.
TEST(DisplayNameFor, MatchesTheEnvelopeAddressIgnoringAsciiCaseFirstOneWins) {
  const std::vector<SentRecipient> named = {
      {"John.Smith@Army.MIL", "John Smith"},
      {"carol@army.mil", ""},
      {"dave@army.mil", "Dave"},
      {"DAVE@army.mil", "Later"},
      {std::string("k\0@gmial.com", 12), "Nul"},
  };
  struct Case {
    const char* name;
    std::string envelope;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"case differs", "john.smith@army.mil", "John Smith"},
      {"the first of two wins", "Dave@Army.Mil", "Dave"},
      {"named without a name", "carol@army.mil", ""},
      {"not in the headers", "erin@army.mil", ""},
      {"a NUL is a byte like any other", std::string("k\0@gmial.com", 12), "Nul"},
      {"nothing after the NUL is not the same", "k", ""},
      {"non-ASCII case is not folded", "JOHN.SMITH@ARMY.MİL", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(std::string(DisplayNameFor(named, c.envelope)), c.want) << c.name;
  }
}

}  // namespace
}  // namespace rcptguard
