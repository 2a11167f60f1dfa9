// Building the console's pages on the server: escaping of every text that
// reaches HTML, the page frame (one stylesheet, no script) and small pieces
// the pages share. Everything a user, a sender or a message wrote is
// untrusted and goes through HtmlEscape.
#ifndef RCPTGUARD_SERVE_CONSOLE_HTML_H_
#define RCPTGUARD_SERVE_CONSOLE_HTML_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace rcptguard {

// Returns `text` safe for HTML element content and for a double- or
// single-quoted attribute value: & < > " ' are replaced by references, and
// bytes that are not valid UTF-8, control characters (but tab and newline)
// and NUL by U+FFFD, so nothing a sender wrote can end an element or an
// attribute, start a tag, or confuse the parser.
std::string HtmlEscape(std::string_view text);
void AppendHtmlEscaped(std::string_view text, std::string* out);

// Returns `text` percent-encoded for a query value or a path segment
// (everything but ALPHA / DIGIT / "-" / "." / "_" / "~").
std::string UrlEncode(std::string_view text);

// "2026-12-03 13:05 UTC" for unix seconds; "" for 0.
std::string FormatUtc(int64_t unix_seconds);
// "3 h 5 min", "2 d 4 h", "40 s": how long ago, for ages in lists.
std::string FormatAge(int64_t seconds);

// The navigation's pages.
enum class ConsolePage { kLogin, kHeld, kExceptions, kAudit, kReports };

struct PageFrame {
  std::string title;  // escaped here
  ConsolePage page = ConsolePage::kHeld;
  std::string user;        // "" on the login page: no navigation
  std::string role;        // "admin" or "officer"
  std::string csrf_token;  // for the log-out form
};

// The whole document: head (charset, title, the stylesheet), the navigation
// with a log-out form when someone is logged in, and `body_html` (already
// HTML) in <main>.
std::string RenderPage(const PageFrame& frame, std::string_view body_html);

// A hidden CSRF field for a form.
std::string CsrfField(std::string_view token);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_HTML_H_
