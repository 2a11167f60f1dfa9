// Policy evaluation: rules, look-alikes and invalid addresses into one verdict.
#include "rcptguard/policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/suffix_list_file.h"

namespace rcptguard {
namespace {

std::shared_ptr<const Policy> Compile(const PolicySpec& spec) {
  auto data = TypoData::Embedded();
  EXPECT_TRUE(data.has_value());
  auto policy = Policy::Compile(spec, LoadSystemSuffixList(), *data);
  EXPECT_TRUE(policy.has_value()) << policy.error().ToString();
  return *policy;
}

AddressPattern Pattern(std::string_view text) {
  auto pattern = AddressPattern::Parse(text);
  EXPECT_TRUE(pattern.has_value()) << text << ": " << pattern.error().ToString();
  return pattern ? *pattern : AddressPattern();
}

PolicySpec DodSpec() {
  PolicySpec spec;
  spec.expected = {{"army.mil", DomainSource::kTrusted}, {"mod.uk", DomainSource::kOwn}};
  spec.rules = {RuleSpec{"no-mali", Pattern("*.mil"), Pattern("*.ml"), Action::kReject, "t:1"}};
  return spec;
}

TEST(Policy, RejectsMilTypedAsMlWithASuggestion) {
  auto policy = Compile(DodSpec());
  auto sender = ParseAddress("bob@mod.uk");
  Verdict verdict = policy->Evaluate(&*sender, "alice@army.ml");
  EXPECT_EQ(verdict.action, Action::kReject);
  ASSERT_FALSE(verdict.reasons.empty());
  EXPECT_EQ(verdict.reasons[0].code, kReasonLookalike);
  EXPECT_EQ(verdict.reasons[0].label, "tld-swap");
  EXPECT_EQ(verdict.suggestion, "alice@army.mil");
  EXPECT_EQ(verdict.intended_domain, "army.mil");
}

// A hold record keeps only the code and the label; reading it back must give
// the label the same kind the policy gave it.
TEST(Policy, EachReasonsLabelKindIsTheOneItsCodeImplies) {
  auto policy = Compile(DodSpec());
  struct Case {
    std::string sender;
    std::string recipient;
    ReasonLabel want;
  };
  for (const Case& c : std::vector<Case>{{"bob@mod.uk", "alice@army.ml", ReasonLabel::kClass},
                                         {"x@us.army.mil", "someone@gouv.ml", ReasonLabel::kRule},
                                         {"bob@mod.uk", "no at sign", ReasonLabel::kNone}}) {
    auto sender = ParseAddress(c.sender);
    ASSERT_TRUE(sender.has_value()) << c.sender;
    Verdict verdict = policy->Evaluate(&*sender, c.recipient);
    ASSERT_FALSE(verdict.reasons.empty()) << c.recipient;
    for (const Reason& reason : verdict.reasons) {
      EXPECT_EQ(reason.label_kind, ReasonLabelFor(reason.code))
          << c.recipient << ": code " << reason.code;
    }
    EXPECT_EQ(verdict.reasons[0].label_kind, c.want) << c.recipient;
  }
}

TEST(Policy, ExplicitRuleAppliesOnlyToMatchingSenders) {
  auto policy = Compile(DodSpec());
  auto mil_sender = ParseAddress("x@us.army.mil");
  auto uk_sender = ParseAddress("x@mod.uk");
  Verdict from_mil = policy->Evaluate(&*mil_sender, "someone@gouv.ml");
  EXPECT_EQ(from_mil.action, Action::kReject);
  ASSERT_EQ(from_mil.reasons.size(), 1u);
  EXPECT_EQ(from_mil.reasons[0].code, kReasonPolicyRule);
  EXPECT_EQ(from_mil.reasons[0].label, "no-mali");
  Verdict from_uk = policy->Evaluate(&*uk_sender, "someone@gouv.ml");
  EXPECT_EQ(from_uk.action, Action::kAllow);
}

TEST(Policy, AllowRuleIsAnException) {
  PolicySpec spec = DodSpec();
  spec.rules.insert(spec.rules.begin(),
                    RuleSpec{"mali-embassy", AddressPattern::Anyone(), Pattern("embassy@army.ml"),
                             Action::kAllow, "t:0"});
  auto policy = Compile(spec);
  auto sender = ParseAddress("x@us.army.mil");
  EXPECT_EQ(policy->Evaluate(&*sender, "embassy@army.ml").action, Action::kAllow);
  EXPECT_EQ(policy->Evaluate(&*sender, "other@army.ml").action, Action::kReject);
}

TEST(Policy, InvalidAddressGetsItsReasonAndConfiguredAction) {
  PolicySpec spec = DodSpec();
  spec.invalid_address_action = Action::kHold;
  auto policy = Compile(spec);
  Verdict verdict = policy->Evaluate(nullptr, "alice@localhost");
  EXPECT_EQ(verdict.action, Action::kHold);
  ASSERT_EQ(verdict.reasons.size(), 1u);
  EXPECT_EQ(verdict.reasons[0].code, kReasonInvalidAddress);
  EXPECT_NE(verdict.reasons[0].detail.find("no dot"), std::string::npos);
}

TEST(Policy, ScoreBandsChooseTheAction) {
  PolicySpec spec = DodSpec();
  spec.lookalike_bands = {{0.999, Action::kReject}, {0.5, Action::kHold}};
  auto policy = Compile(spec);
  Verdict verdict = policy->Evaluate(nullptr, "alice@army.ml");  // scores about 0.99
  EXPECT_EQ(verdict.action, Action::kHold);
  spec.lookalike_bands = {};
  EXPECT_EQ(Compile(spec)->Evaluate(nullptr, "alice@army.ml").action, Action::kAllow);
}

TEST(AddressPattern, MatchesTheDocumentedForms) {
  auto domain = [](const char* d) { return *NormalizeDomain(d); };
  struct Case {
    const char* pattern;
    const char* local;
    const char* domain;
    bool want;
  } cases[] = {
      {"*", "a", "x.com", true},
      {"*.mil", "a", "army.mil", true},
      {"*.mil", "a", "us.army.mil", true},
      {"*.mil", "a", "mil", false},
      {"*.mil", "a", "army.ml", false},
      {"example.com", "a", "example.com", true},
      {"example.com", "a", "sub.example.com", false},
      {"*@example.com", "anyone", "example.com", true},
      {"Boss@Example.com", "boss", "example.com", true},
      {"boss@example.com", "other", "example.com", false},
      {"boss@*.mil", "boss", "army.mil", true},
      {"*.bücher.de", "a", "shop.xn--bcher-kva.de", true},
  };
  for (const Case& c : cases) {
    auto pattern = AddressPattern::Parse(c.pattern);
    ASSERT_TRUE(pattern.has_value()) << c.pattern;
    EXPECT_EQ(pattern->Matches(c.local, domain(c.domain)), c.want)
        << c.pattern << " vs " << c.local << "@" << c.domain;
  }
}

}  // namespace
}  // namespace rcptguard
