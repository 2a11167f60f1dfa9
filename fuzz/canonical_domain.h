// What the fuzzers check about every DomainName the library returns: the
// canonical form promised in rcptguard/domain.h, stable under renormalisation.
#ifndef RCPTGUARD_FUZZ_CANONICAL_DOMAIN_H_
#define RCPTGUARD_FUZZ_CANONICAL_DOMAIN_H_

#include <string_view>

#include "fuzz_contract.h"
#include "rcptguard/domain.h"

namespace rcptguard {

// Aborts unless `name` is canonical: 1..253 octets of lowercase LDH labels and
// dots, no empty label, none over 63, no trailing dot; NormalizeDomain maps both
// its ASCII and its Unicode form back to the same ASCII, and gives the same Unicode.
inline void CheckCanonicalDomain(const DomainName& name) {
  const std::string& ascii = name.ascii;
  FUZZ_CONTRACT(!ascii.empty() && ascii.size() <= kMaxDomainLength,
                "canonical domain is 1..253 octets");
  FUZZ_CONTRACT(!name.unicode.empty(), "a normalised domain has a Unicode form");
  size_t label_length = 0;
  for (char c : ascii) {
    bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    FUZZ_CONTRACT(ldh || c == '.', "canonical domain is lowercase LDH and dots");
    if (c == '.') {
      FUZZ_CONTRACT(label_length > 0, "canonical domain has no empty label");
      label_length = 0;
    } else {
      ++label_length;
      FUZZ_CONTRACT(label_length <= kMaxLabelLength, "canonical label is at most 63 octets");
    }
  }
  FUZZ_CONTRACT(label_length > 0, "canonical domain has no trailing dot or empty label");

  auto again = NormalizeDomain(ascii);
  FUZZ_CONTRACT(again.has_value(), "NormalizeDomain accepts its own canonical output");
  FUZZ_CONTRACT(again->ascii == ascii, "NormalizeDomain is idempotent on the ASCII form");
  FUZZ_CONTRACT(again->unicode == name.unicode, "the Unicode form is the ASCII form's U-labels");
  auto from_unicode = NormalizeDomain(name.unicode);
  FUZZ_CONTRACT(from_unicode.has_value(), "NormalizeDomain accepts its own Unicode output");
  FUZZ_CONTRACT(from_unicode->ascii == ascii, "the Unicode form normalises to the same ASCII");
}

}  // namespace rcptguard

#endif  // RCPTGUARD_FUZZ_CANONICAL_DOMAIN_H_
