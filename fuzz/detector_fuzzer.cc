// libFuzzer target for the policy and the look-alike detector: arbitrary bytes as
// a recipient (Policy::Evaluate) and as a domain (LookalikeDetector::Check).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "canonical_domain.h"
#include "fuzz_contract.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/address.h"
#include "rcptguard/detector.h"
#include "rcptguard/domain.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/policy.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

// An organisation's expected domains, chosen to reach every kind of index entry:
// public-suffix wildcards, a non-suffix wildcard, IDNs in both forms, multi-label
// and exception suffixes, subdomains, exact-only entries and weighted providers.
std::vector<ExpectedDomain> ExpectedDomains() {
  using S = DomainSource;
  return {
      // Own domains.
      {"mod.gov.uk", S::kOwn},
      {"mod.uk", S::kOwn},
      {"us.army.mil", S::kOwn},
      {"navy.mil", S::kOwn},
      {"mail.mycompany.com", S::kOwn},
      {"mycompany.com", S::kOwn},
      // Wildcards: under a public suffix (trust the whole suffix) and not.
      {"*.mil", S::kTrusted},
      {"*.gov.uk", S::kTrusted},
      {"*.gouv.fr", S::kTrusted},
      {"*.gc.ca", S::kTrusted},
      {"*.army.mil", S::kTrusted},
      {"*.europa.eu", S::kTrusted},
      // IDNs, as U-labels and as A-labels.
      {"bücher.de", S::kTrusted},
      {"münchen.de", S::kTrusted},
      {"straße.de", S::kTrusted},
      {"xn--mller-kva.de", S::kTrusted},
      {"пример.рф", S::kTrusted},
      {"例え.jp", S::kTrusted},
      {"ελληνικά.gr", S::kTrusted},
      // Multi-label public suffixes and the PSL exception rule !city.kawasaki.jp.
      {"hmrc.gov.uk", S::kTrusted},
      {"bbc.co.uk", S::kTrusted},
      {"example.co.uk", S::kTrusted},
      {"defence.gov.au", S::kTrusted},
      {"health.govt.nz", S::kTrusted},
      {"city.kawasaki.jp", S::kTrusted},
      // Partners, some only as exactly written.
      {"nato.int", S::kTrusted},
      {"who.int", S::kTrusted},
      {"state.gov", S::kTrusted},
      {"un.org", S::kTrusted, 1.0, false},
      {"x.com", S::kTrusted, 1.0, false},
      {"1-800-flowers.com", S::kTrusted},
      {"a.b.c.d.example.org", S::kTrusted},
      // Public providers with their share of use.
      {"gmail.com", S::kProvider, 0.3},
      {"googlemail.com", S::kProvider, 0.02},
      {"outlook.com", S::kProvider, 0.1},
      {"hotmail.com", S::kProvider, 0.1},
      {"hotmail.co.uk", S::kProvider, 0.02},
      {"yahoo.com", S::kProvider, 0.08},
      {"yahoo.co.jp", S::kProvider, 0.01},
      {"icloud.com", S::kProvider, 0.05},
      {"me.com", S::kProvider, 0.01},
      {"aol.com", S::kProvider, 0.02},
      {"gmx.de", S::kProvider, 0.03},
      {"web.de", S::kProvider, 0.03},
      {"t-online.de", S::kProvider, 0.02},
      {"orange.fr", S::kProvider, 0.02},
      {"mail.ru", S::kProvider, 0.02},
      {"qq.com", S::kProvider, 0.03},
      {"163.com", S::kProvider, 0.01},
      {"proton.me", S::kProvider, 0.01},
      // Learned from history; one listed twice to test "first source wins".
      {"partner-firm.com", S::kLearned, 0.2},
      {"supplier.co", S::kLearned, 0.05},
      {"gmail.com", S::kLearned, 0.5},
  };
}

// Any failure here is a broken harness or a broken build, not a finding about the
// input: say so and stop before the first input runs.
[[noreturn]] void FixtureFailed(const std::string& what) {
  std::fprintf(stderr, "detector_fuzzer: cannot build the fixture: %s\n", what.c_str());
  std::abort();
}

// Rules reachable with and without a sender: an allow exception first, then
// rules from "*" and one only for senders under .mil.
std::vector<RuleSpec> Rules() {
  struct Row {
    const char* name;
    const char* from;
    const char* to;
    Action action;
  };
  const Row rows[] = {
      {"mali-embassy", "*", "embassy@army.ml", Action::kAllow},
      {"no-mali", "*", "*.ml", Action::kReject},
      {"hold-ceo", "*", "ceo@bücher.de", Action::kHold},
      {"personal-mail", "*", "*@gmail.com", Action::kWarn},
      {"mil-not-to-ru", "*.mil", "*.ru", Action::kReject},
      {"exact-user", "user@*.mil", "root@example.com", Action::kReject},
  };
  std::vector<RuleSpec> rules;
  for (const Row& row : rows) {
    auto from = AddressPattern::Parse(row.from);
    auto to = AddressPattern::Parse(row.to);
    if (!from || !to) FixtureFailed(std::string("rule ") + row.name + " does not parse");
    rules.push_back(RuleSpec{row.name, std::move(*from), std::move(*to), row.action,
                             "fuzz:" + std::to_string(rules.size() + 1)});
  }
  return rules;
}

constexpr double kLowestBand = 0.5;

struct Fixture {
  std::shared_ptr<const SuffixList> suffixes;
  std::shared_ptr<const Policy> policy;
  Address sender;
};

const Fixture& BuildFixture() {
  auto* fixture = new Fixture;  // never freed: lives as long as the process
  fixture->suffixes = LoadSystemSuffixList();
  auto typo_data = TypoData::Embedded();
  if (!typo_data) FixtureFailed(typo_data.error().ToString());
  PolicySpec spec;
  spec.expected = ExpectedDomains();
  spec.rules = Rules();
  spec.lookalike_bands = {{0.9, Action::kReject}, {kLowestBand, Action::kWarn}};
  // The embedded defaults protect the shipped known domains too.
  spec.known_domains = ShippedKnownDomains();
  spec.protect_known_domains = true;
  auto policy = Policy::Compile(spec, fixture->suffixes, *typo_data);
  if (!policy) FixtureFailed(policy.error().ToString());
  fixture->policy = std::move(*policy);
  auto sender = ParseAddress("ops@us.army.mil");
  if (!sender) FixtureFailed(sender.error().ToString());
  fixture->sender = std::move(*sender);
  return *fixture;
}

bool IsWithin(std::string_view part, std::string_view whole) {
  if (part.empty()) return true;
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void CheckVerdict(const Verdict& verdict, std::string_view input) {
  FUZZ_CONTRACT(verdict.recipient == input, "the verdict names the recipient as given");
  Action most_severe = Action::kAllow;
  for (const Reason& reason : verdict.reasons) {
    most_severe = std::max(most_severe, reason.action);
    FUZZ_CONTRACT(!reason.code.empty() && !reason.detail.empty(), "a reason is explained");
  }
  FUZZ_CONTRACT(verdict.action == most_severe, "the verdict is its most severe reason");
  FUZZ_CONTRACT(verdict.score >= 0 && verdict.score <= 1, "the verdict score is in [0, 1]");
  FUZZ_CONTRACT(verdict.suggestion.has_value() == verdict.intended_domain.has_value(),
                "a suggestion comes with its intended domain");
}

void CheckDomain(const Fixture& fixture, const DomainName& domain) {
  const LookalikeDetector& detector = fixture.policy->detector();
  bool expected = detector.IsExpected(domain);
  std::optional<LookalikeMatch> match = detector.Check(domain);
  if (match) {
    FUZZ_CONTRACT(!expected, "an expected domain is never reported as a look-alike");
    FUZZ_CONTRACT(std::isfinite(match->score) && match->score >= 0 && match->score <= 1,
                  "a match score is a probability");
    FUZZ_CONTRACT(match->score >= std::min(kLowestBand, kLookalikeHistoryFloor),
                  "nothing below report_threshold is reported");
    FUZZ_CONTRACT(match->intended.ascii != domain.ascii, "a domain does not imitate itself");
    FUZZ_CONTRACT(!match->explanation.empty(), "a match is explained");
    FUZZ_CONTRACT(detector.IsExpected(match->intended),
                  "a suggestion is an expected or protected domain, never an invented one");
    CheckCanonicalDomain(match->intended);
  }

  DomainParts parts = fixture.suffixes->Split(domain.ascii);
  std::string_view ascii = domain.ascii;
  FUZZ_CONTRACT(IsWithin(parts.subdomain, ascii) && IsWithin(parts.label, ascii) &&
                    IsWithin(parts.suffix, ascii) && IsWithin(parts.left, ascii),
                "Split's views point into the split string");
  FUZZ_CONTRACT(!parts.suffix.empty(), "every domain has a suffix");
}

}  // namespace
}  // namespace rcptguard

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcptguard;
  static const Fixture& fixture = BuildFixture();
  std::string_view input(reinterpret_cast<const char*>(data), size);

  CheckVerdict(fixture.policy->Evaluate(nullptr, input), input);
  CheckVerdict(fixture.policy->Evaluate(&fixture.sender, input), input);

  if (auto domain = NormalizeDomain(input)) CheckDomain(fixture, *domain);
  return 0;
}
