// Recipient address parsing: display names, angle brackets, quoted local parts,
// IP literals and SMTPUTF8, each failure named in words a sender understands.
#include "rcptguard/address.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// RFC 5322 atext, plus any octet of a UTF-8 sequence (RFC 6531 allows UTF-8 in
// the local part).
bool IsAtext(unsigned char c) {
  if (c >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr && c != '\0';
}

Failure Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidAddress, std::move(message));
}

// Splits "Name <addr>" into the display name and what is inside the brackets.
// Without brackets the whole text is the address.
Result<std::string_view> StripDisplayName(std::string_view text, std::string* display_name) {
  // A '<' inside a quoted display name is part of the name, so skip quoted text.
  bool in_quotes = false;
  size_t open = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes && c == '\\') {
      ++i;
    } else if (c == '"') {
      in_quotes = !in_quotes;
    } else if (!in_quotes && c == '<') {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos) {
    if (!text.empty() && text.back() == '>') return Invalid("the address has '>' but no '<'");
    return text;
  }
  size_t close = text.rfind('>');
  if (close == std::string_view::npos || close < open) {
    return Invalid("the address has '<' but no closing '>'");
  }
  if (!Trim(text.substr(close + 1)).empty()) {
    return Invalid("there is text after the closing '>'");
  }
  std::string_view name = Trim(text.substr(0, open));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
    display_name->reserve(name.size());
    for (size_t i = 0; i < name.size(); ++i) {
      if (name[i] == '\\' && i + 1 < name.size()) ++i;
      display_name->push_back(name[i]);
    }
  } else {
    display_name->assign(name);
  }
  return Trim(text.substr(open + 1, close - open - 1));
}

// Returns the length of the local part at the start of `spec` (up to the '@').
Result<size_t> ScanLocalPart(std::string_view spec) {
  if (spec.empty()) return Invalid("the address is empty");
  if (spec.front() == '"') {
    for (size_t i = 1; i < spec.size(); ++i) {
      unsigned char c = spec[i];
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        return i + 1;
      } else if (c < 0x20 || c == 0x7f) {
        return Invalid("the quoted local part contains a control character");
      }
    }
    return Invalid("the local part opens a quote that is never closed");
  }
  size_t at = spec.find('@');
  size_t end = at == std::string_view::npos ? spec.size() : at;
  std::string_view local = spec.substr(0, end);
  if (local.empty()) return end;
  if (local.front() == '.' || local.back() == '.') {
    return Invalid("the local part starts or ends with a dot");
  }
  for (size_t i = 0; i < local.size(); ++i) {
    unsigned char c = local[i];
    if (c == '.') {
      if (local[i + 1] == '.') return Invalid("the local part has two dots in a row");
      continue;
    }
    if (!IsAtext(c)) {
      if (IsAsciiSpace(static_cast<char>(c))) return Invalid("the address contains a space");
      return Invalid(std::string("the local part contains a character that needs quoting: '") +
                     static_cast<char>(c) + "'");
    }
  }
  return end;
}

Result<void> CheckIpLiteral(std::string_view literal) {
  // literal is the text between '[' and ']'.
  std::array<char, 64> buffer{};
  std::array<unsigned char, 16> out{};
  constexpr std::string_view kIpv6Tag = "IPv6:";
  bool v6 = literal.size() > kIpv6Tag.size() && (literal.substr(0, kIpv6Tag.size()) == kIpv6Tag ||
                                                 literal.substr(0, kIpv6Tag.size()) == "ipv6:");
  std::string_view body = v6 ? literal.substr(kIpv6Tag.size()) : literal;
  if (body.empty() || body.size() >= buffer.size()) {
    return Invalid("the IP address literal is not a valid address");
  }
  std::memcpy(buffer.data(), body.data(), body.size());
  if (inet_pton(v6 ? AF_INET6 : AF_INET, buffer.data(), out.data()) != 1) {
    return Invalid("the IP address literal is not a valid address");
  }
  return {};
}

}  // namespace

Result<Address> ParseAddress(std::string_view text) {
  Address address;
  text = Trim(text);
  if (text.empty()) return Invalid("the address is empty");
  auto spec = StripDisplayName(text, &address.display_name);
  if (!spec) return Unexpected(spec.error());
  std::string_view addr_spec = *spec;
  // Source routes ("@a,@b:user@c") are obsolete syntax mail clients still emit.
  if (!addr_spec.empty() && addr_spec.front() == '@') {
    size_t colon = addr_spec.find(':');
    if (colon == std::string_view::npos) return Invalid("the local part is empty");
    addr_spec = addr_spec.substr(colon + 1);
  }
  if (addr_spec.empty()) return Invalid("the address is empty");

  auto local_len = ScanLocalPart(addr_spec);
  if (!local_len) return Unexpected(local_len.error());
  std::string_view local = addr_spec.substr(0, *local_len);
  std::string_view rest = addr_spec.substr(*local_len);
  if (local.empty() || local == "\"\"") return Invalid("the local part (before the @) is empty");
  if (rest.empty() || rest.front() != '@') {
    if (!rest.empty()) return Invalid("there is text between the quoted local part and the @");
    return Invalid("the address has no @ and no domain");
  }
  if (local.size() > kMaxLocalPartLength) {
    return Invalid("the local part is longer than 64 characters");
  }
  std::string_view domain = rest.substr(1);
  if (domain.empty()) return Invalid("there is no domain after the @");
  if (domain.find('@') != std::string_view::npos) return Invalid("the address has more than one @");
  address.local_part.assign(local);

  if (domain.front() == '[') {
    if (domain.back() != ']') return Invalid("the IP address literal has no closing ']'");
    if (auto ok = CheckIpLiteral(domain.substr(1, domain.size() - 2)); !ok) {
      return Unexpected(ok.error());
    }
    address.ip_literal = true;
    address.domain_typed.assign(domain);
    address.domain.ascii.assign(domain);
    address.domain.unicode.assign(domain);
    return address;
  }

  for (char c : domain) {
    if (IsAsciiSpace(c)) return Invalid("the address contains a space");
  }
  // NormalizeDomain drops the one trailing dot a fully qualified name may have;
  // a second one is an empty label.
  auto normalized = NormalizeDomain(domain);
  if (domain.back() == '.') domain.remove_suffix(1);
  if (!normalized) return Unexpected(normalized.error());
  if (normalized->ascii.find('.') == std::string::npos) {
    return Invalid("the domain '" + normalized->unicode + "' has no dot");
  }
  address.domain_typed.assign(domain);
  address.domain = std::move(*normalized);
  return address;
}

}  // namespace rcptguard
