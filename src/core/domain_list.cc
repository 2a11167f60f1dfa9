// Parsing domain list files (trusted partners, shipped providers).
#include "rcptguard/domain_list.h"

#include <charconv>
#include <string>

#include "core/text_lines.h"
#include "rcptguard/ascii.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

// What an error may say about a line that is not a domain. A domain list
// named by mistake can be any file (/etc/shadow), so the line is quoted only
// when it is short and made of what domains are made of; otherwise the error
// names the first byte no domain has, escaped, and nothing else (`why` may
// quote part of it).
std::string DescribeNonDomain(std::string_view token, std::string_view why) {
  constexpr size_t kMaxQuoted = 64;
  for (char c : token) {
    bool domain_byte = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '*' || c == '_' ||
                       static_cast<unsigned char>(c) >= 0x80;
    if (!domain_byte) {
      return "the line is not a domain: it contains '" + EscapedExcerpt(std::string_view(&c, 1)) +
             "'";
    }
  }
  if (token.size() > kMaxQuoted) return "the line is not a domain: it is too long";
  return "'" + EscapedExcerpt(token, kMaxQuoted) + "' is not a domain: " + std::string(why);
}

}  // namespace

Result<std::vector<ExpectedDomain>> ParseDomainList(std::string_view text, std::string_view name,
                                                    DomainSource source) {
  std::vector<ExpectedDomain> domains;
  Result<void> status;
  ForEachDataLine(text, [&](size_t line_number, std::string_view line) {
    if (!status) return;
    std::string where = std::string(name) + ":" + std::to_string(line_number);
    size_t space = line.find_first_of(" \t");
    ExpectedDomain domain;
    domain.source = source;
    domain.domain.assign(line.substr(0, space));
    if (space != std::string_view::npos) {
      std::string_view weight = line.substr(line.find_first_not_of(" \t", space));
      auto [end, ec] = std::from_chars(weight.data(), weight.data() + weight.size(), domain.weight);
      if (ec != std::errc() || end != weight.data() + weight.size() ||
          !(domain.weight > 0 && domain.weight <= 1)) {
        // The line is not quoted: it may come from any file (see DescribeNonDomain).
        status = MakeError(ErrorCode::kConfig,
                           "expected 'domain' or 'domain weight' with a weight in (0, 1]", where);
        return;
      }
    }
    std::string_view bare = domain.domain;
    if (bare.size() > 2 && bare.substr(0, 2) == "*.") bare.remove_prefix(2);
    if (auto normalized = NormalizeDomain(bare); !normalized) {
      status = MakeError(ErrorCode::kConfig,
                         DescribeNonDomain(domain.domain, normalized.error().message), where);
      return;
    }
    domains.push_back(std::move(domain));
  });
  if (!status) return Unexpected(status.error());
  return domains;
}

std::vector<std::string> ShippedKnownDomains() {
  std::vector<std::string> names;
  for (std::string_view text :
       {EmbeddedProviders(), EmbeddedKnownDomains(), EmbeddedProviderTlds()}) {
    // The shipped lists parse by construction (a unit test checks them).
    auto domains = ParseDomainList(text, "embedded data", DomainSource::kProvider);
    if (!domains) continue;
    for (ExpectedDomain& domain : *domains) names.push_back(std::move(domain.domain));
  }
  return names;
}

}  // namespace rcptguard
