// Lists of domains in text form: trusted-domain files and the shipped provider list.
#ifndef RCPTGUARD_DOMAIN_LIST_H_
#define RCPTGUARD_DOMAIN_LIST_H_

#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/detector.h"
#include "rcptguard/result.h"

namespace rcptguard {

// Parses one domain per line, optionally followed by white space and a weight in
// (0, 1]; '#' starts a comment. Wildcards ("*.mil") are allowed. `name` is used in
// errors ("partners.txt:12: ..."). Every entry gets `source`.
Result<std::vector<ExpectedDomain>> ParseDomainList(std::string_view text, std::string_view name,
                                                    DomainSource source);

// The names of the shipped lists of widely used domains (data/providers.txt,
// data/known_domains.txt and data/provider_tlds.txt, compiled in), for
// DetectorOptions::known_domains.
std::vector<std::string> ShippedKnownDomains();

}  // namespace rcptguard

#endif  // RCPTGUARD_DOMAIN_LIST_H_
