// libFuzzer target for the address and domain parsers: ParseAddress and
// NormalizeDomain on arbitrary bytes, checking the promises of their headers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "canonical_domain.h"
#include "fuzz_contract.h"
#include "rcptguard/address.h"
#include "rcptguard/domain.h"

namespace rcptguard {
namespace {

// Returns true iff `text` has an ASCII octet that no host name may contain: only
// letters, digits, '-' and '.' survive (UTS #46 with STD3 rules maps no other
// ASCII character to an allowed one, so any other must make normalisation fail).
bool HasNonHostAscii(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) continue;
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.';
    if (!allowed) return true;
  }
  return false;
}

void CheckAddress(const Address& address) {
  FUZZ_CONTRACT(!address.local_part.empty(), "a parsed address has a local part");
  FUZZ_CONTRACT(address.local_part.size() <= kMaxLocalPartLength,
                "a parsed local part is at most 64 octets");
  FUZZ_CONTRACT(!address.domain_typed.empty(), "a parsed address has a domain");
  FUZZ_CONTRACT(address.domain_typed.back() != '.', "domain_typed has no trailing dot");
  if (address.ip_literal) {
    FUZZ_CONTRACT(address.domain.ascii == address.domain.unicode,
                  "an IP literal's ascii and unicode forms are equal");
    FUZZ_CONTRACT(address.domain.ascii.size() >= 2 && address.domain.ascii.front() == '[' &&
                      address.domain.ascii.back() == ']',
                  "an IP literal is bracketed");
  } else {
    CheckCanonicalDomain(address.domain);
    FUZZ_CONTRACT(address.domain.ascii.find('.') != std::string::npos,
                  "an address domain has a dot");
    FUZZ_CONTRACT(!HasNonHostAscii(address.domain_typed),
                  "an accepted domain has no character a host name cannot have");
  }
  // The strings users see: must be buildable from anything that parsed.
  std::string written = address.ToString();
  std::string suggestion = address.WithDomain(address.domain.unicode);
  FUZZ_CONTRACT(written.size() > address.local_part.size(), "ToString includes the domain");
  FUZZ_CONTRACT(!suggestion.empty(), "WithDomain builds an address");
}

}  // namespace
}  // namespace rcptguard

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcptguard;
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto address = ParseAddress(input)) {
    CheckAddress(*address);
  } else {
    FUZZ_CONTRACT(address.error().code == ErrorCode::kInvalidAddress,
                  "ParseAddress fails only with kInvalidAddress");
    FUZZ_CONTRACT(!address.error().message.empty(), "a parse error says what is wrong");
  }

  if (auto domain = NormalizeDomain(input)) {
    CheckCanonicalDomain(*domain);
    // NUL is not a host-name character; a C-string call that stops at it would
    // accept "good.example\0anything" as good.example.
    FUZZ_CONTRACT(input.find('\0') == std::string_view::npos,
                  "NormalizeDomain rejects an embedded NUL");
    // A character dropped instead of refused would make "bü_cher.de" the
    // expected "bücher.de".
    FUZZ_CONTRACT(!HasNonHostAscii(input),
                  "NormalizeDomain rejects a character a host name cannot have");
  } else {
    FUZZ_CONTRACT(domain.error().code == ErrorCode::kInvalidAddress,
                  "NormalizeDomain fails only with kInvalidAddress");
    FUZZ_CONTRACT(!domain.error().message.empty(), "a domain error says what is wrong");
  }
  return 0;
}
