// HTML as a reader sees it, for the marking scanner: markup removed (block
// elements become line breaks, so a banner stays a line of its own), script
// and style dropped, character references decoded.
#include <cctype>
#include <string>
#include <string_view>
#include <utility>

#include "core/code_points.h"
#include "core/marking_internal.h"
#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

bool IsBlockTag(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "br",      "p",          "div", "tr",    "td",   "th",     "li",     "ul",
      "ol",      "table",      "h1",  "h2",    "h3",   "h4",     "h5",     "h6",
      "hr",      "blockquote", "pre", "title", "body", "header", "footer", "section",
      "article", "center",     "dd",  "dt",    "dl"};
  for (std::string_view block : kBlocks) {
    if (name == block) return true;
  }
  return false;
}

// Decodes the character reference at html[i] ('&'); returns the bytes used, 0
// when it is not one (the '&' is then kept as it is).
size_t DecodeEntity(std::string_view html, size_t i, std::string* out) {
  size_t semicolon = html.find(';', i);
  if (semicolon == std::string_view::npos || semicolon - i > 10) return 0;
  std::string_view name = html.substr(i + 1, semicolon - i - 1);
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"},  {"lt", "<"},    {"gt", ">"},    {"quot", "\""},  {"apos", "'"},
      {"nbsp", " "}, {"ndash", "-"}, {"mdash", "-"}, {"hyphen", "-"}, {"sol", "/"},
      {"lsqb", "["}, {"rsqb", "]"},  {"colon", ":"}, {"equals", "="}};
  for (const auto& [entity, text] : kNamed) {
    if (name == entity) {
      out->append(text);
      return semicolon - i + 1;
    }
  }
  if (name.size() >= 2 && name[0] == '#') {
    uint32_t code = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) return 0;
    for (char c : digits) {
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (hex && AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f') {
        digit = AsciiLower(c) - 'a' + 10;
      } else {
        return 0;
      }
      code = code * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
    }
    // U+2010..U+2015 (hyphens and dashes) and U+00A0 (no-break space) are how
    // editors write the '-' and ' ' of a banner.
    if (code == 0xa0) code = ' ';
    if (code >= 0x2010 && code <= 0x2015) code = '-';
    // Not a character (NUL, a surrogate, beyond U+10FFFF): the replacement.
    if (code == 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) code = 0xfffd;
    AppendUtf8(static_cast<char32_t>(code), out);
    return semicolon - i + 1;
  }
  return 0;
}

}  // namespace

void StripHtml(std::string_view html, std::string* out) {
  size_t i = 0;
  // Outside <pre>, a line break in the source is a space to the reader:
  // Outlook and Gmail wrap their HTML source inside a sentence (and so
  // inside a banner), and the reader sees one line.
  bool pre = false;
  while (i < html.size()) {
    char c = html[i];
    if (c == '&') {
      size_t used = DecodeEntity(html, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
      out->push_back(c);
      ++i;
      continue;
    }
    if (c != '<') {
      out->push_back(!pre && (c == '\r' || c == '\n' || c == '\t') ? ' ' : c);
      ++i;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    size_t end = html.find('>', i + 1);
    if (end == std::string_view::npos) {
      // An unclosed '<': the rest is text, as a browser would show it.
      out->append(html.substr(i));
      break;
    }
    std::string_view tag = html.substr(i + 1, end - i - 1);
    bool closing = !tag.empty() && tag.front() == '/';
    if (closing) tag.remove_prefix(1);
    size_t name_end = 0;
    while (name_end < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[name_end])))) {
      ++name_end;
    }
    std::string name(tag.substr(0, name_end));
    for (char& ch : name) ch = AsciiLower(ch);
    i = end + 1;
    if (!closing && (name == "script" || name == "style" || name == "head")) {
      // Not shown to the reader: skipped up to the closing tag.
      std::string close = "</" + name;
      size_t pos = i;
      size_t found = std::string_view::npos;
      while (pos < html.size()) {
        size_t lt = html.find("</", pos);
        if (lt == std::string_view::npos) break;
        std::string_view candidate = html.substr(lt, close.size());
        bool same = candidate.size() == close.size();
        for (size_t k = 0; same && k < close.size(); ++k) {
          if (AsciiLower(candidate[k]) != close[k]) same = false;
        }
        if (same) {
          found = lt;
          break;
        }
        pos = lt + 2;
      }
      if (found == std::string_view::npos) {
        i = html.size();
      } else {
        size_t gt = html.find('>', found);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
      }
      continue;
    }
    if (name == "pre") pre = !closing;
    if (IsBlockTag(name)) out->push_back('\n');
  }
}

}  // namespace rcptguard
