// HTML escaping and the page frame (see html.h).
#include "serve/console/html.h"

#include <ctime>

namespace rcptguard {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence at `text[i]`, or 0 when it is not
// one (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length = lead < 0x80             ? 1
                  : (lead & 0xE0) == 0xC0 ? 2
                  : (lead & 0xF0) == 0xE0 ? 3
                  : (lead & 0xF8) == 0xF0 ? 4
                                          : 0;
  if (length == 0 || i + length > text.size()) return 0;
  uint32_t code = length == 1   ? lead
                  : length == 2 ? lead & 0x1F
                  : length == 3 ? lead & 0x0F
                                : lead & 0x07;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

void AppendHtmlEscaped(std::string_view text, std::string* out) {
  out->reserve(out->size() + text.size());
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    switch (c) {
      case '&':
        *out += "&amp;";
        ++i;
        continue;
      case '<':
        *out += "&lt;";
        ++i;
        continue;
      case '>':
        *out += "&gt;";
        ++i;
        continue;
      case '"':
        *out += "&quot;";
        ++i;
        continue;
      case '\'':
        *out += "&#39;";
        ++i;
        continue;
      default:
        break;
    }
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      bool control = (byte < 0x20 && c != '\t' && c != '\n') || byte == 0x7F;
      if (control) {
        *out += kReplacement;
      } else {
        out->push_back(c);
      }
      ++i;
      continue;
    }
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      *out += kReplacement;
      ++i;
      continue;
    }
    out->append(text.substr(i, length));
    i += length;
  }
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  AppendHtmlEscaped(text, &out);
  return out;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                 (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

std::string FormatUtc(int64_t unix_seconds) {
  if (unix_seconds == 0) return "";
  std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  char text[32] = "?";
  if (gmtime_r(&time, &utc) != nullptr)
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

std::string FormatAge(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < 86400) {
    return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
  }
  return std::to_string(seconds / 86400) + " d " + std::to_string(seconds % 86400 / 3600) + " h";
}

std::string CsrfField(std::string_view token) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + HtmlEscape(token) + "\">";
}

std::string RenderPage(const PageFrame& frame, std::string_view body_html) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>";
  AppendHtmlEscaped(frame.title, &out);
  out +=
      " - rcptguard</title><link rel=\"stylesheet\" href=\"/console/static/console.css\">"
      "</head><body><header><span class=\"brand\">rcptguard</span>";
  if (!frame.user.empty()) {
    auto link = [&](ConsolePage page, std::string_view href, std::string_view label) {
      out += "<a href=\"";
      out += href;
      out += page == frame.page ? "\" aria-current=\"page\">" : "\">";
      out += label;
      out += "</a>";
    };
    out += "<nav>";
    link(ConsolePage::kHeld, "/console/held", "Held mail");
    link(ConsolePage::kExceptions, "/console/exceptions", "Exceptions");
    link(ConsolePage::kReports, "/console/reports", "Reports");
    link(ConsolePage::kAudit, "/console/audit", "Audit log");
    out += "</nav><form class=\"logout\" method=\"post\" action=\"/console/logout\">";
    out += CsrfField(frame.csrf_token);
    out += "<span class=\"who\">";
    AppendHtmlEscaped(frame.user, &out);
    out += " (";
    AppendHtmlEscaped(frame.role, &out);
    out += ")</span> <button type=\"submit\">Log out</button></form>";
  }
  out += "</header><main><h1>";
  AppendHtmlEscaped(frame.title, &out);
  out += "</h1>";
  out += body_html;
  out += "</main></body></html>\n";
  return out;
}

}  // namespace rcptguard
