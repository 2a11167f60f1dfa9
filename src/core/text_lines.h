// Line splitting for the plain-text data files rcptguard reads: one record per
// line, '#' starts a comment, blank lines are skipped.
#ifndef RCPTGUARD_CORE_TEXT_LINES_H_
#define RCPTGUARD_CORE_TEXT_LINES_H_

#include <string_view>
#include <vector>

namespace rcptguard {

// Calls fn(line_number, line) for each non-blank line of `text` with comments
// ('#' to end of line) and surrounding white space removed. Line numbers start at 1.
template <typename Fn>
void ForEachDataLine(std::string_view text, Fn&& fn) {
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty()) fn(line_number, line);
  }
}

// Splits a line on TAB characters.
inline std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    size_t tab = line.find('\t');
    fields.push_back(line.substr(0, tab));
    if (tab == std::string_view::npos) break;
    line = line.substr(tab + 1);
  }
  return fields;
}

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_TEXT_LINES_H_
