// ASCII-only text helpers: case-insensitive comparison, lower-casing and
// trimming, for protocol text (header names, URL schemes, log keywords) where
// the rules are ASCII by definition. Locale-independent, unlike <cctype>.
// Unicode text (names, IDN labels) goes through ICU instead.
#ifndef RCPTGUARD_ASCII_H_
#define RCPTGUARD_ASCII_H_

#include <string>
#include <string_view>

namespace rcptguard {

// 'A'..'Z' to 'a'..'z'; every other byte is unchanged.
constexpr char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// A copy of `text` with its ASCII letters lower-cased.
inline std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = AsciiLower(c);
  return lower;
}

// Whether `a` and `b` are equal ignoring the case of ASCII letters.
constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Whether `text` begins with `prefix`, ignoring the case of ASCII letters.
constexpr bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// Space, tab, CR or LF: the white space of header fields and text lines.
constexpr bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// `text` without leading and trailing spaces, tabs, CRs and LFs.
constexpr std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  return text;
}

// `text` made safe to quote in an error message, cut to about `max_bytes`:
// control bytes (ESC, NUL, C1 controls), backslashes and bytes that
// are not valid UTF-8 are written as \xNN; a cut is marked "...". Valid UTF-8
// letters stay as they are. Quote only text that is not secret.
inline std::string EscapedExcerpt(std::string_view text, size_t max_bytes = 40) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    auto byte = static_cast<unsigned char>(text[i]);
    // The length of a well-formed UTF-8 sequence starting here, else 0.
    size_t length = 0;
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
      length = 1;
    } else if (byte >= 0xc2 && byte <= 0xf4) {
      size_t want = byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
      bool ok = i + want <= text.size();
      for (size_t k = 1; ok && k < want; ++k) {
        ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
      }
      auto second = ok ? static_cast<unsigned char>(text[i + 1]) : 0;
      // Not overlong, no surrogates, nothing above U+10FFFF, no C1 controls.
      ok = ok && !(byte == 0xe0 && second < 0xa0) && !(byte == 0xed && second >= 0xa0) &&
           !(byte == 0xf0 && second < 0x90) && !(byte == 0xf4 && second >= 0x90) &&
           !(byte == 0xc2 && second < 0xa0);
      if (ok) length = want;
    }
    if (length == 0) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace rcptguard

#endif  // RCPTGUARD_ASCII_H_
