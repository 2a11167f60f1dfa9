// JSON and text renderings of verdicts.
#include "rcptguard/verdict_format.h"

#include <charconv>
#include <cstdio>

namespace rcptguard {
namespace {

// Returns the length of the well-formed UTF-8 sequence at s[i], or 0 if it is
// ill-formed. Strict, as Unicode's Table 3-7 defines well-formed sequences: no
// overlong forms (C0, C1, E0 80-9F, F0 80-8F), no encoded surrogates
// (ED A0-BF), nothing above U+10FFFF (F4 90-BF, F5-FF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = byte(0);
  size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  // The second byte's range depends on the first; the others are 80-BF.
  unsigned char low = 0x80, high = 0xbf;
  if (c == 0xe0) low = 0xa0;
  if (c == 0xed) high = 0x9f;
  if (c == 0xf0) low = 0x90;
  if (c == 0xf4) high = 0x8f;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return 0;
  }
  return len;
}

// Appends untrusted text for a terminal: well-formed UTF-8 passes, control
// characters (C0, DEL and C1, which include ESC sequences' introducers) and
// ill-formed bytes become '?'.
void AppendForTerminal(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out->push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
      continue;
    }
    size_t len = Utf8SequenceLength(text, i);
    // U+0080..U+009F are C2 80..C2 9F.
    if (len == 0 || (c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0)) {
      out->push_back('?');
      if (len != 0) i += len - 1;
      continue;
    }
    out->append(text.substr(i, len));
    i += len - 1;
  }
}

// "%.3f" without printf's cost: to_chars with a precision formats exactly as
// printf does in the C locale.
void AppendScore(double score, std::string* out) {
  char buffer[32];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), score, std::chars_format::fixed, 3);
  if (error != std::errc()) end = buffer;  // not reached: a score is in [0, 1]
  out->append(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(text, i);
      if (len == 0) {
        out->append("\xef\xbf\xbd");
      } else {
        out->append(text.substr(i, len));
        i += len - 1;
      }
    } else if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
      out->append(buffer);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

void AppendVerdictJson(const Verdict& verdict, std::string* out) {
  out->append("{\"recipient\":");
  AppendJsonString(verdict.recipient, out);
  out->append(",\"verdict\":\"");
  out->append(ActionName(verdict.action));
  out->append("\",\"reasons\":[");
  for (size_t i = 0; i < verdict.reasons.size(); ++i) {
    const Reason& reason = verdict.reasons[i];
    if (i > 0) out->push_back(',');
    out->append("{\"code\":");
    AppendJsonString(reason.code, out);
    out->append(",\"class\":");
    if (reason.label.empty()) {
      out->append("null");
    } else {
      AppendJsonString(reason.label, out);
    }
    out->append(",\"detail\":");
    AppendJsonString(reason.detail, out);
    out->append(",\"action\":\"");
    out->append(ActionName(reason.action));
    out->append("\"}");
  }
  out->append("],\"suggestion\":");
  if (verdict.suggestion) {
    AppendJsonString(*verdict.suggestion, out);
  } else {
    out->append("null");
  }
  out->append(",\"intended_domain\":");
  if (verdict.intended_domain) {
    AppendJsonString(*verdict.intended_domain, out);
  } else {
    out->append("null");
  }
  out->append(",\"score\":");
  AppendScore(verdict.score, out);
  out->push_back('}');
}

void AppendVerdictText(const Verdict& verdict, std::string* out) {
  std::string_view action = ActionName(verdict.action);
  out->append(action);
  out->append(7 - action.size(), ' ');
  // Everything below can carry untrusted input (the recipient as typed, and
  // reasons that quote it): no control character reaches a terminal.
  AppendForTerminal(verdict.recipient, out);
  for (const Reason& reason : verdict.reasons) {
    out->append(": ");
    AppendForTerminal(reason.detail, out);
  }
  if (verdict.suggestion) {
    out->append(". Did you mean ");
    AppendForTerminal(*verdict.suggestion, out);
    out->push_back('?');
  }
  out->push_back('\n');
}

}  // namespace rcptguard
