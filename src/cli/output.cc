// JSON and text renderings of verdicts.
#include "cli/output.h"

#include <cstdio>

namespace rcptguard {
namespace {

// Returns the length of the valid UTF-8 sequence at s[i], or 0 if it is invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return len;
}

void AppendScore(double score, std::string* out) {
  char buffer[32];
  int n = std::snprintf(buffer, sizeof(buffer), "%.3f", score);
  out->append(buffer, n);
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
    if (reason.typo_class.empty()) {
      out->append("null");
    } else {
      AppendJsonString(reason.typo_class, out);
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
  // The recipient is untrusted input: no control characters reach a terminal.
  for (char c : verdict.recipient) {
    out->push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  for (const Reason& reason : verdict.reasons) {
    out->append(": ");
    out->append(reason.detail);
  }
  if (verdict.suggestion) {
    out->append(". Did you mean ");
    out->append(*verdict.suggestion);
    out->push_back('?');
  }
  out->push_back('\n');
}

}  // namespace rcptguard
