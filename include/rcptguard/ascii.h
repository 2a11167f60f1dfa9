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

}  // namespace rcptguard

#endif  // RCPTGUARD_ASCII_H_
