// Policy evaluation: rules, look-alikes and invalid addresses into one verdict.
#include "rcptguard/policy.h"

#include <gtest/gtest.h>

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

PolicySpec DodSpec() {
  PolicySpec spec;
  spec.expected = {{"army.mil", DomainSource::kTrusted}, {"mod.uk", DomainSource::kOwn}};
  spec.rules = {RuleSpec{"no-mali", "*.mil", "*.ml", Action::kReject, "t:1"}};
  return spec;
}

TEST(Policy, RejectsMilTypedAsMlWithASuggestion) {
  auto policy = Compile(DodSpec());
  auto sender = ParseAddress("bob@mod.uk");
  Verdict verdict = policy->Evaluate(&*sender, "alice@army.ml");
  EXPECT_EQ(verdict.action, Action::kReject);
  ASSERT_FALSE(verdict.reasons.empty());
  EXPECT_EQ(verdict.reasons[0].code, kReasonLookalike);
  EXPECT_EQ(verdict.reasons[0].typo_class, "tld-swap");
  EXPECT_EQ(verdict.suggestion, "alice@army.mil");
  EXPECT_EQ(verdict.intended_domain, "army.mil");
}

TEST(Policy, ExplicitRuleAppliesOnlyToMatchingSenders) {
  auto policy = Compile(DodSpec());
  auto mil_sender = ParseAddress("x@us.army.mil");
  auto uk_sender = ParseAddress("x@mod.uk");
  Verdict from_mil = policy->Evaluate(&*mil_sender, "someone@gouv.ml");
  EXPECT_EQ(from_mil.action, Action::kReject);
  ASSERT_EQ(from_mil.reasons.size(), 1u);
  EXPECT_EQ(from_mil.reasons[0].code, kReasonPolicyRule);
  EXPECT_EQ(from_mil.reasons[0].typo_class, "no-mali");
  Verdict from_uk = policy->Evaluate(&*uk_sender, "someone@gouv.ml");
  EXPECT_EQ(from_uk.action, Action::kAllow);
}

TEST(Policy, AllowRuleIsAnException) {
  PolicySpec spec = DodSpec();
  spec.rules.insert(spec.rules.begin(),
                    RuleSpec{"mali-embassy", "*", "embassy@army.ml", Action::kAllow, "t:0"});
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
