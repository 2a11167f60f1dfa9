// Parsing recipient addresses the way users and mail clients write them.
#ifndef RCPTGUARD_ADDRESS_H_
#define RCPTGUARD_ADDRESS_H_

#include <string>
#include <string_view>

#include "rcptguard/domain.h"
#include "rcptguard/result.h"

namespace rcptguard {

inline constexpr size_t kMaxLocalPartLength = 64;  // RFC 5321 section 4.5.3.1.1

struct Address {
  std::string display_name;  // "John Smith" from "John Smith <js@example.com>", unquoted
  std::string local_part;    // as written, quotes kept: "\"j smith\"" or "js"
  std::string domain_typed;  // the domain as written, without a trailing dot
  DomainName domain;         // canonical form; for an IP literal, ascii == unicode == "[...]"
  bool ip_literal = false;   // domain is "[192.0.2.1]" or "[IPv6:...]"

  // local_part@domain_typed: the address as the user wrote it.
  std::string ToString() const { return local_part + "@" + domain_typed; }
  // The same local part at another domain: the "did you mean" suggestion.
  std::string WithDomain(std::string_view domain_name) const {
    return local_part + "@" + std::string(domain_name);
  }
};

// Parses "user@example.com", "<user@example.com>", "Name <user@example.com>",
// "\"Name, Title\" <user@example.com>", quoted local parts ("\"a b\"@example.com"),
// IP literals ("user@[192.0.2.1]"), a trailing dot, any case, and UTF-8 local parts
// and domains (SMTPUTF8). Fails with kInvalidAddress and one sentence naming what is
// wrong: empty local part, no domain, a domain without a dot, a label over 63
// octets, a domain over 253, a local part over 64, a bad character, consecutive
// dots, an invalid IDN, unbalanced quotes or brackets.
Result<Address> ParseAddress(std::string_view text);

}  // namespace rcptguard

#endif  // RCPTGUARD_ADDRESS_H_
