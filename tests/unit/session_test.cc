// A message in the mail path: which mail is outbound, what each recipient is
// answered, and what happens at the end of the message.
#include "rcptguard/session.h"
#include "support/session_helpers.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "platform/suffix_list_file.h"

namespace rcptguard {
namespace {

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
  ASSERT_TRUE(rules.has_value());
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
  ASSERT_TRUE(rules.has_value()) << rules.error().ToString();
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
    ASSERT_FALSE(rules.has_value()) << bad;
    EXPECT_NE(rules.error().message.find(bad), std::string::npos) << rules.error().message;
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
  EXPECT_FALSE(end.hold);
  EXPECT_NE(end.summary.find("refused=1"), std::string::npos) << end.summary;
  EXPECT_NE(end.summary.find("alice@army.ml reject lookalike-domain tld-swap -> army.mil"),
            std::string::npos)
      << end.summary;
  EXPECT_EQ(end.header, "checked");
}

TEST(MessageSession, ATransactionWithEveryRecipientRefusedStillGetsItsLogLine) {
  MessageSession session = testing_support::NewSession(MakePolicy(), true);
  session.Sender("<bob@mod.uk>");
  EXPECT_EQ(session.Abort(), "") << "no recipient yet: nothing to log";
  session.Sender("<bob@mod.uk>");
  session.SetQueueId("4ABC");
  EXPECT_TRUE(session.Recipient("<alice@army.ml>").refuse);
  // The MTA ends such a transaction without a message: the abort logs it.
  std::string line = session.Abort();
  EXPECT_EQ(line.rfind("4ABC: from=<bob@mod.uk>", 0), 0u) << line;
  EXPECT_NE(line.find("action=refused"), std::string::npos) << line;
  session.Sender("<bob@mod.uk>");
  EXPECT_TRUE(session.Recipient("<alice@army.ml>").refuse);
  MessageOutcome end = session.EndOfMessage();
  EXPECT_NE(end.summary.find("action=refused"), std::string::npos) << end.summary;
  EXPECT_EQ(end.header, "checked");
}

TEST(MessageSession, HoldBandHoldsTheWholeMessageAndSaysWhy) {
  MessageSession session = testing_support::NewSession(MakePolicy(false, {{0.5, Action::kHold}}), true);
  session.Sender("<bob@mod.uk>");
  EXPECT_FALSE(session.Recipient("<alice@army.ml>").refuse);
  EXPECT_FALSE(session.Recipient("<carol@army.mil>").refuse);
  MessageOutcome end = session.EndOfMessage();
  EXPECT_TRUE(end.hold);
  EXPECT_NE(end.hold_reason.find("alice@army.ml hold lookalike-domain"), std::string::npos)
      << end.hold_reason;
  ASSERT_EQ(end.verdicts.size(), 2u);
  EXPECT_EQ(end.verdicts[0].recipient, "alice@army.ml");
  EXPECT_EQ(end.verdicts[0].action, Action::kHold);
  EXPECT_EQ(end.verdicts[1].action, Action::kAllow);
}

TEST(MessageSession, WithoutRefusalARejectBecomesAHold) {
  // Mail from sendmail(1) reaches non_smtpd_milters, where a recipient cannot
  // be refused on its own.
  MessageSession session = testing_support::NewSession(MakePolicy(), /*can_refuse=*/false);
  session.Sender("<bob@mod.uk>");
  EXPECT_FALSE(session.Recipient("<alice@army.ml>").refuse);
  EXPECT_TRUE(session.EndOfMessage().hold);
}

TEST(MessageSession, AuditModeDecidesAndChangesNothing) {
  MessageSession session = testing_support::NewSession(MakePolicy(/*audit=*/true), true);
  session.Sender("<>");
  RecipientOutcome bad = session.Recipient("<alice@army.ml>");
  EXPECT_FALSE(bad.refuse);
  EXPECT_EQ(bad.verdict.action, Action::kReject);
  MessageOutcome end = session.EndOfMessage();
  EXPECT_FALSE(end.hold);
  EXPECT_TRUE(end.header.empty());
  EXPECT_NE(end.summary.find("action=audit"), std::string::npos) << end.summary;
  EXPECT_NE(end.summary.find("alice@army.ml reject"), std::string::npos) << end.summary;
}

TEST(MessageSession, RepliesAndLogLinesAreSafeWhateverTheInput) {
  MessageSession session = testing_support::NewSession(MakePolicy(), true);
  session.Sender("<b%ob\r\n@mod.uk>");
  RecipientOutcome idn = session.Recipient("<\xd0\xb0lice@\xd0\xb0rmy.mil>");  // Cyrillic
  ASSERT_TRUE(idn.refuse);
  for (char c : idn.reply) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f && c != '%') << "byte " << static_cast<int>(c);
  }
  EXPECT_NE(idn.reply.find("xn--"), std::string::npos) << idn.reply;
  MessageOutcome end = session.EndOfMessage();
  EXPECT_EQ(end.summary.find('\n'), std::string::npos);
  EXPECT_EQ(end.summary.find('%'), std::string::npos);
}

TEST(StripAngleBrackets, TakesTheAddressOutOfTheEnvelopeForm) {
  EXPECT_EQ(StripAngleBrackets("<a@b.c>"), "a@b.c");
  EXPECT_EQ(StripAngleBrackets(" <a@b.c> "), "a@b.c");
  EXPECT_EQ(StripAngleBrackets("a@b.c"), "a@b.c");
  EXPECT_EQ(StripAngleBrackets("<>"), "");
}

}  // namespace
}  // namespace rcptguard
