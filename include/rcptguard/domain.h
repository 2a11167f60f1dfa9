// Domain names as rcptguard compares them: one canonical ASCII form (UTS #46 via
// libidn2), the Unicode form for people, and the registrable part via the Public
// Suffix List (libpsl).
#ifndef RCPTGUARD_DOMAIN_H_
#define RCPTGUARD_DOMAIN_H_

#include <memory>
#include <string>
#include <string_view>

#include "rcptguard/result.h"

struct psl_ctx_st;

namespace rcptguard {

inline constexpr size_t kMaxDomainLength = 253;  // RFC 1035, without the trailing dot
inline constexpr size_t kMaxLabelLength = 63;

// Returns true iff `name` is a subdomain of `parent` ("mail.example.org" of
// "example.org"; not "example.org" itself, nor "badexample.org"). Both in
// the same form, canonical ASCII as DomainName::ascii.
constexpr bool IsSubdomainOf(std::string_view name, std::string_view parent) {
  return name.size() > parent.size() + 1 && name.ends_with(parent) &&
         name[name.size() - parent.size() - 1] == '.';
}

// Returns true iff `name` is `parent` or a subdomain of it.
constexpr bool IsInDomain(std::string_view name, std::string_view parent) {
  return name == parent || IsSubdomainOf(name, parent);
}

struct DomainName {
  std::string ascii;    // canonical: lowercase, A-labels ("xn--..."), no trailing dot
  std::string unicode;  // the same name with U-labels, for messages; equals ascii if no IDN

  bool operator==(const DomainName&) const = default;
};

// Returns the canonical form of a domain as a user typed it: case folded, a single
// trailing dot dropped, Unicode mapped and checked under UTS #46 (non-transitional)
// and converted to A-labels. Fails with kInvalidAddress and a sentence naming the
// problem: empty, too long, empty label (consecutive dots), label over 63 octets,
// a character that is not allowed in a host name, or an invalid IDN.
// A single-label name ("localhost") is accepted here; addresses add that rule.
Result<DomainName> NormalizeDomain(std::string_view typed);

// The three parts of a domain under the Public Suffix List. All views point into
// the string that was split. For "us.army.mil": subdomain "us", label "army",
// suffix "mil". For a name that is itself a public suffix, label is empty.
struct DomainParts {
  std::string_view subdomain;  // everything left of the registrable label, may be empty
  std::string_view label;      // the label registered under the suffix
  std::string_view
      suffix;  // the public suffix ("mil", "co.uk", "city.kawasaki.jp"'s "kawasaki.jp")

  // subdomain + "." + label: what a user typed left of the public suffix.
  std::string_view left;
};

// The Public Suffix List. Immutable and safe to share across threads.
class SuffixList {
 public:
  // Takes ownership of a libpsl context (psl_free on destruction) unless it is the
  // library's built-in list.
  SuffixList(psl_ctx_st* ctx, bool owned);
  ~SuffixList();
  SuffixList(const SuffixList&) = delete;
  SuffixList& operator=(const SuffixList&) = delete;

  // The list compiled into libpsl; needs no file. Use LoadSystemSuffixList() in
  // src/platform for the system's current list.
  static std::shared_ptr<const SuffixList> Builtin();

  // Splits a canonical ASCII domain (see NormalizeDomain) at its ICANN public
  // suffix; entries of the list's private section (hosting platforms) are not
  // suffixes here. A TLD the list does not know is a one-label suffix, as
  // browsers treat it.
  DomainParts Split(std::string_view ascii_domain) const { return SplitWith(ascii_domain, *this); }

  // The same split with the list's answers taken from `rules`, any object with
  // IsPublicSuffix and IsIcannSuffix as below: a caller that caches answers for
  // the suffixes it sees often avoids asking libpsl on every name.
  template <typename Rules>
  static DomainParts SplitWith(std::string_view ascii_domain, const Rules& rules);

  // Returns true iff `tail` is a public suffix under the list's rules, both
  // sections, an unknown TLD counting as one (as psl_is_public_suffix).
  bool IsPublicSuffix(std::string_view tail) const;
  // Returns true iff `tail` is a public suffix of the list's ICANN section.
  bool IsIcannSuffix(std::string_view tail) const;

  // Returns true iff `suffix` is explicitly a public suffix in the list (the
  // implicit "*" rule does not count), so "com" and "co.uk" are, "con" is not.
  bool IsListedSuffix(std::string_view suffix) const;

 private:
  psl_ctx_st* ctx_;
  bool owned_;
};

template <typename Rules>
DomainParts SuffixList::SplitWith(std::string_view ascii_domain, const Rules& rules) {
  DomainParts parts;
  if (ascii_domain.empty() || ascii_domain.size() > kMaxDomainLength) {
    parts.suffix = ascii_domain;
    return parts;
  }
  // The longest tail that is a public suffix, as psl_unregistrable_domain finds it.
  std::string_view suffix = ascii_domain;
  while (!rules.IsPublicSuffix(suffix)) {
    size_t dot = suffix.find('.');
    if (dot == std::string_view::npos) break;
    suffix.remove_prefix(dot + 1);
  }
  // Mail domains are registered under ICANN suffixes. The list's private section
  // names hosting platforms and a few organisations ("homeoffice.gov.uk",
  // "blogspot.com") whose names would otherwise have no registrable label, so
  // fall back to the ICANN suffix beneath a private one.
  while (suffix.find('.') != std::string_view::npos && !rules.IsIcannSuffix(suffix)) {
    suffix.remove_prefix(suffix.find('.') + 1);
  }
  if (suffix.size() >= ascii_domain.size()) {
    parts.suffix = ascii_domain;
    return parts;
  }
  parts.suffix = suffix;
  parts.left = ascii_domain.substr(0, ascii_domain.size() - suffix.size() - 1);
  size_t dot = parts.left.rfind('.');
  if (dot == std::string_view::npos) {
    parts.label = parts.left;
  } else {
    parts.label = parts.left.substr(dot + 1);
    parts.subdomain = parts.left.substr(0, dot);
  }
  return parts;
}

}  // namespace rcptguard

#endif  // RCPTGUARD_DOMAIN_H_
