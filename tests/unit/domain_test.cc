// Domain normalisation and Public Suffix List splitting.
#include "rcptguard/domain.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "platform/suffix_list_file.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

TEST(NormalizeDomain, GivesOneCanonicalFormForEveryWayOfTypingIt) {
  const std::pair<const char*, const char*> cases[] = {
      {"EXAMPLE.com", "example.com"},
      {"example.com.", "example.com"},
      {"Bücher.de", "xn--bcher-kva.de"},
      {"BÜCHER.DE", "xn--bcher-kva.de"},
      {"xn--bcher-kva.de", "xn--bcher-kva.de"},
      {"faß.de", "xn--fa-hia.de"},  // UTS #46 non-transitional keeps ß
      {"пример.рф", "xn--e1afmkfd.xn--p1ai"},
  };
  for (const auto& [typed, want] : cases) {
    auto got = NormalizeDomain(typed);
    ASSERT_TRUE(got.has_value()) << typed << ": " << got.error().message;
    EXPECT_EQ(got->ascii, want) << "typed " << typed;
  }
}

TEST(NormalizeDomain, ReportsTheUnicodeForm) {
  auto got = NormalizeDomain("xn--e1afmkfd.xn--p1ai");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->unicode, "пример.рф");
}

TEST(NormalizeDomain, AsciiAndUnicodeFormsGetTheSameAnswer) {
  // Found by the address fuzzer: an ASCII label with "--" beside an IDN label
  // was accepted in A-label form and refused in Unicode form.
  for (const char* typed : {"ab--c.xn--bcher-kva.de",
                            "ab--c.b\xc3\xbc"
                            "cher.de"}) {
    auto got = NormalizeDomain(typed);
    ASSERT_TRUE(got.has_value()) << typed << ": " << got.error().message;
    auto again = NormalizeDomain(got->unicode);
    ASSERT_TRUE(again.has_value()) << got->unicode;
    EXPECT_EQ(again->ascii, got->ascii);
  }
  EXPECT_FALSE(NormalizeDomain("xn--bchn--bva.de").has_value());  // U-label ends with '-'
}

TEST(NormalizeDomain, MapsFullwidthFormsAndIdeographicFullStops) {
  auto got = NormalizeDomain(
      "\xef\xbc\xa5\xef\xbc\xb8\xe3\x80\x82"
      "com");  // ＥＸ。com
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->ascii, "ex.com");
}

TEST(NormalizeDomain, RefusesNonCanonicalALabels) {
  EXPECT_FALSE(NormalizeDomain("xn--zz.com").has_value());
  EXPECT_FALSE(NormalizeDomain("xn--.com").has_value());
}

struct SplitCase {
  const char* domain;
  const char* subdomain;
  const char* label;
  const char* suffix;
};

TEST(SuffixList, SplitsRegistrableDomainsLikeThePublicSuffixList) {
  auto suffixes = LoadSystemSuffixList();
  const SplitCase cases[] = {
      {"army.mil", "", "army", "mil"},
      {"us.army.mil", "us", "army", "mil"},
      {"mod.gov.uk", "", "mod", "gov.uk"},
      {"mod.uk", "", "mod", "uk"},
      {"www.example.co.uk", "www", "example", "co.uk"},
      {"city.kawasaki.jp", "", "city", "kawasaki.jp"},  // an exception to *.kawasaki.jp
      {"a.b.example.com.au", "a.b", "example", "com.au"},
      {"army.ml", "", "army", "ml"},
      {"example.con", "", "example", "con"},  // unknown TLD: implicit "*" rule
  };
  for (const SplitCase& c : cases) {
    DomainParts parts = suffixes->Split(c.domain);
    EXPECT_EQ(parts.subdomain, c.subdomain) << c.domain;
    EXPECT_EQ(parts.label, c.label) << c.domain;
    EXPECT_EQ(parts.suffix, c.suffix) << c.domain;
  }
}

TEST(SuffixList, ANameThatIsASuffixHasNoLabel) {
  auto suffixes = LoadSystemSuffixList();
  DomainParts parts = suffixes->Split("foo.kawasaki.jp");  // *.kawasaki.jp
  EXPECT_TRUE(parts.label.empty());
  EXPECT_TRUE(parts.left.empty());
}

TEST(SuffixList, KnowsWhichSuffixesExist) {
  auto suffixes = LoadSystemSuffixList();
  EXPECT_TRUE(suffixes->IsListedSuffix("com"));
  EXPECT_TRUE(suffixes->IsListedSuffix("ml"));
  EXPECT_TRUE(suffixes->IsListedSuffix("gov.uk"));
  EXPECT_FALSE(suffixes->IsListedSuffix("con"));
  EXPECT_FALSE(suffixes->IsListedSuffix("govuk"));
}

// The shipped lists parse, line for line: ShippedKnownDomains skips a list
// that does not, which would silently drop its protection.
TEST(ShippedLists, EveryLineIsADomain) {
  struct List {
    const char* name;
    std::string_view text;
  } lists[] = {{"data/providers.txt", EmbeddedProviders()},
               {"data/known_domains.txt", EmbeddedKnownDomains()},
               {"data/provider_tlds.txt", EmbeddedProviderTlds()}};
  size_t total = 0;
  for (const List& list : lists) {
    auto parsed = ParseDomainList(list.text, list.name, DomainSource::kProvider);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    EXPECT_GT(parsed->size(), 50u) << list.name;
    total += parsed->size();
  }
  EXPECT_EQ(ShippedKnownDomains().size(), total);
  std::vector<std::string> known = ShippedKnownDomains();
  for (const char* real : {"hotmail.co.uk", "yahoo.co.jp", "outlook.com.au", "army.mil"}) {
    EXPECT_NE(std::find(known.begin(), known.end(), real), known.end()) << real;
  }
}

// The one "this domain or a subdomain of it" rule that rules, outbound
// networks and learn's sender domains share.
TEST(DomainSuffix, SubdomainMeansWholeLabelsUnderTheParent) {
  struct Case {
    const char* name;
    const char* parent;
    bool subdomain;
    bool in_domain;
  };
  const Case cases[] = {
      {"mail.example.org", "example.org", true, true},
      {"a.b.example.org", "example.org", true, true},
      {"example.org", "example.org", false, true},
      {"badexample.org", "example.org", false, false},
      {"example.org.evil", "example.org", false, false},
      {".example.org", "example.org", false, false},
      {"org", "example.org", false, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsSubdomainOf(c.name, c.parent), c.subdomain)
        << "IsSubdomainOf(" << c.name << ", " << c.parent << "): want " << c.subdomain;
    EXPECT_EQ(IsInDomain(c.name, c.parent), c.in_domain)
        << "IsInDomain(" << c.name << ", " << c.parent << "): want " << c.in_domain;
  }
}

}  // namespace
}  // namespace rcptguard
