// Domain normalisation (UTS #46 via libidn2) and the Public Suffix List (libpsl).
#include "rcptguard/domain.h"

#include <idn2.h>
#include <libpsl.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool IsLdh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Checks label lengths, empty labels and host-name characters of a lowercase
// ASCII name. Underscores are refused: they occur in DNS records but never in a
// mail domain.
Result<void> CheckAsciiLabels(std::string_view name) {
  if (name.size() > kMaxDomainLength) {
    return MakeError(ErrorCode::kInvalidAddress, "the domain is longer than 253 characters");
  }
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) {
      return MakeError(ErrorCode::kInvalidAddress, start == 0 ? "the domain starts with a dot"
                                                   : dot == std::string_view::npos
                                                       ? "the domain ends with two dots"
                                                       : "the domain has two dots in a row");
    }
    if (label.size() > kMaxLabelLength) {
      return MakeError(ErrorCode::kInvalidAddress, "the domain part '" + EscapedExcerpt(label, 20) +
                                                       "' is longer than 63 characters");
    }
    for (char c : label) {
      if (!IsLdh(c)) {
        return MakeError(ErrorCode::kInvalidAddress,
                         "the domain contains a character not allowed in a host name: '" +
                             EscapedExcerpt(std::string_view(&c, 1)) + "'");
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return MakeError(ErrorCode::kInvalidAddress, "a domain label starts or ends with '-'");
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

// libidn2 allocates with malloc; this frees what it returned.
struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using IdnString = std::unique_ptr<char, FreeDeleter>;

Failure InvalidIdn(int rc) {
  return MakeError(
      ErrorCode::kInvalidAddress,
      std::string("the domain is not a valid internationalised name (") + idn2_strerror(rc) + ")");
}

// Decodes one A-label ("xn--...") and returns its U-label, after checking what
// IDNA2008 (RFC 5891, without UTS #46 mapping) requires of it: it encodes back
// to the same A-label, and the U-label neither starts nor ends with a hyphen
// nor has "--" in its third and fourth places. UTS #46 alone would also pass
// labels IDNA2008 disallows ("≠").
Result<std::string> DecodeALabel(const std::string& a_label) {
  char* unicode = nullptr;
  int rc = idn2_to_unicode_8z8z(a_label.c_str(), &unicode, 0);
  IdnString owned_unicode(unicode);
  if (rc != IDN2_OK) return InvalidIdn(rc);
  std::string u_label = owned_unicode.get();
  if (u_label.empty() || u_label.front() == '-' || u_label.back() == '-' ||
      (u_label.size() >= 4 && u_label.compare(2, 2, "--") == 0)) {
    return MakeError(ErrorCode::kInvalidAddress,
                     "the domain contains an invalid internationalised label (hyphens)");
  }
  char* strict = nullptr;
  rc = idn2_to_ascii_8z(u_label.c_str(), &strict, IDN2_NO_TR46);
  IdnString owned_strict(strict);
  if (rc != IDN2_OK) return InvalidIdn(rc);
  if (a_label != owned_strict.get()) {
    return MakeError(ErrorCode::kInvalidAddress,
                     "the domain contains a non-canonical internationalised label (xn--)");
  }
  return u_label;
}

// Maps one non-ASCII label to its A-label with UTS #46 (case, width and
// compatibility mapping, non-transitional). STD3 rules are left off on
// purpose: libidn2 2.3 then drops '_', '@', ':' and spaces silently instead of
// failing; the host-name check refuses them instead.
Result<std::string> MapUnicodeLabel(std::string_view label) {
  std::string input(label);
  char* ascii = nullptr;
  int rc = idn2_to_ascii_8z(input.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  IdnString owned_ascii(ascii);
  if (rc != IDN2_OK) return InvalidIdn(rc);
  return std::string(owned_ascii.get());
}

// UTS #46 maps these full stops to '.'; they separate labels like it.
std::string UnifyFullStops(std::string_view typed) {
  std::string out(typed);
  for (std::string_view stop : {"\u3002", "\uff0e", "\uff61"}) {
    for (size_t at = out.find(stop); at != std::string::npos; at = out.find(stop, at + 1)) {
      out.replace(at, stop.size(), ".");
    }
  }
  return out;
}

}  // namespace

Result<DomainName> NormalizeDomain(std::string_view typed) {
  if (!typed.empty() && typed.back() == '.') typed.remove_suffix(1);
  if (typed.empty()) return MakeError(ErrorCode::kInvalidAddress, "the domain is empty");
  if (typed.size() > 4 * kMaxDomainLength) {
    return MakeError(ErrorCode::kInvalidAddress, "the domain is longer than 253 characters");
  }
  // Control characters (a NUL above all) would cut the name short in the C
  // libraries below and let "bücher.de\0.evil.ml" pass for bücher.de.
  for (unsigned char c : typed) {
    if (c < 0x20 || c == 0x7f) {
      return MakeError(ErrorCode::kInvalidAddress, "the domain contains a control character");
    }
  }

  DomainName out;
  if (IsAscii(typed)) {
    out.ascii.resize(typed.size());
    for (size_t i = 0; i < typed.size(); ++i) out.ascii[i] = ToLowerAscii(typed[i]);
    if (auto ok = CheckAsciiLabels(out.ascii); !ok) return Unexpected(ok.error());
    // Plain LDH names need no IDNA processing.
    if (out.ascii.find("xn--") == std::string::npos) {
      out.unicode = out.ascii;
      return out;
    }
  } else {
    // Label by label, so an ASCII label is treated exactly as in an ASCII name
    // and only the Unicode labels go through UTS #46.
    std::string unified = UnifyFullStops(typed);
    std::string_view rest = unified;
    while (true) {
      size_t dot = rest.find('.');
      std::string_view label = rest.substr(0, dot);
      if (IsAscii(label)) {
        for (char c : label) out.ascii.push_back(ToLowerAscii(c));
      } else {
        auto mapped = MapUnicodeLabel(label);
        if (!mapped) return Unexpected(mapped.error());
        out.ascii.append(*mapped);
      }
      if (dot == std::string_view::npos) break;
      out.ascii.push_back('.');
      rest.remove_prefix(dot + 1);
    }
    if (auto ok = CheckAsciiLabels(out.ascii); !ok) return Unexpected(ok.error());
  }
  // Every A-label must decode to a valid U-label; the Unicode form is made of them.
  std::string_view rest = out.ascii;
  while (true) {
    size_t dot = rest.find('.');
    std::string_view label = rest.substr(0, dot);
    if (label.size() > 4 && label.substr(0, 4) == "xn--") {
      auto u_label = DecodeALabel(std::string(label));
      if (!u_label) return Unexpected(u_label.error());
      out.unicode.append(*u_label);
    } else {
      out.unicode.append(label);
    }
    if (dot == std::string_view::npos) break;
    out.unicode.push_back('.');
    rest.remove_prefix(dot + 1);
  }
  return out;
}

SuffixList::SuffixList(psl_ctx_st* ctx, bool owned) : ctx_(ctx), owned_(owned) {}

SuffixList::~SuffixList() {
  if (owned_) psl_free(ctx_);
}

std::shared_ptr<const SuffixList> SuffixList::Builtin() {
  return std::make_shared<const SuffixList>(const_cast<psl_ctx_t*>(psl_builtin()), false);
}

namespace {

// Asks libpsl about `tail` with `flags`; libpsl wants a NUL-terminated string.
bool AskPsl(const psl_ctx_st* ctx, std::string_view tail, int flags) {
  std::array<char, kMaxDomainLength + 2> buffer;
  if (tail.empty() || tail.size() > kMaxDomainLength) return false;
  std::memcpy(buffer.data(), tail.data(), tail.size());
  buffer[tail.size()] = '\0';
  return psl_is_public_suffix2(ctx, buffer.data(), flags) != 0;
}

}  // namespace

bool SuffixList::IsPublicSuffix(std::string_view tail) const {
  return AskPsl(ctx_, tail, PSL_TYPE_ANY);
}

bool SuffixList::IsIcannSuffix(std::string_view tail) const {
  return AskPsl(ctx_, tail, PSL_TYPE_ICANN);
}

bool SuffixList::IsListedSuffix(std::string_view suffix) const {
  return AskPsl(ctx_, suffix, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

}  // namespace rcptguard
