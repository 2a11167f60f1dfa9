// HTML escaping and URL encoding for the review console: nothing a sender,
// a recipient or a user wrote can start a tag or leave an attribute, and
// broken UTF-8 never reaches the browser.
#include <gtest/gtest.h>

#include <string>

#include "serve/console/charts.h"
#include "serve/console/console_pages.h"
#include "serve/console/html.h"

namespace rcptguard {
namespace {

struct EscapeCase {
  const char* name;
  std::string input;
  std::string want;
};

TEST(ConsoleHtml, HtmlEscapeNamedCases) {
  const EscapeCase cases[] = {
      {"plain ascii stays", "bob@example.org", "bob@example.org"},
      {"tag is text", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"double quote ends no attribute", "x\" onmouseover=\"y", "x&quot; onmouseover=&quot;y"},
      {"single quote ends no attribute", "x' autofocus='", "x&#39; autofocus=&#39;"},
      {"ampersand first", "&lt;", "&amp;lt;"},
      {"utf-8 kept", "M\xC3\xBCller \xE2\x80\x94 \xF0\x9F\x93\xA7",
       "M\xC3\xBCller \xE2\x80\x94 \xF0\x9F\x93\xA7"},
      {"lone continuation byte replaced", "a\x80z", "a\xEF\xBF\xBDz"},
      {"truncated sequence replaced", "a\xE2\x80", "a\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"overlong slash replaced", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"overlong less-than replaced",
       "\xC0\xBC"
       "b",
       "\xEF\xBF\xBD\xEF\xBF\xBD"
       "b"},
      {"surrogate replaced", "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"past U+10FFFF replaced", "\xF4\x90\x80\x80",
       "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"NUL replaced", std::string("a\0b", 3),
       "a\xEF\xBF\xBD"
       "b"},
      {"escape and DEL replaced", "\x1B[31m\x7F", "\xEF\xBF\xBD[31m\xEF\xBF\xBD"},
      {"tab and newline kept", "a\tb\nc", "a\tb\nc"},
      {"empty", "", ""},
  };
  for (const EscapeCase& c : cases) {
    std::string got = HtmlEscape(c.input);
    EXPECT_EQ(got, c.want) << "case: " << c.name;
  }
}

TEST(ConsoleHtml, EscapedTextHasNoMarkupCharactersLeft) {
  // Every byte value, alone and after a lead byte: the output never holds a
  // raw < > " ' or a lone &.
  for (int first = 0; first < 256; ++first) {
    for (int second : {0x3C, 0x22, 0x80, 0xBF}) {
      std::string input = {static_cast<char>(first), static_cast<char>(second)};
      std::string got = HtmlEscape(input);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NE(got[i], '<') << "input bytes " << first << "," << second << " got " << got;
        ASSERT_NE(got[i], '>') << "input bytes " << first << "," << second;
        ASSERT_NE(got[i], '"') << "input bytes " << first << "," << second;
        ASSERT_NE(got[i], '\'') << "input bytes " << first << "," << second;
      }
    }
  }
}

TEST(ConsoleHtml, UrlEncodeNamedCases) {
  const EscapeCase cases[] = {
      {"unreserved stay", "AZaz09-._~", "AZaz09-._~"},
      {"at sign and space", "bob smith@x.org", "bob%20smith%40x.org"},
      {"query breakers", "a&b=c?d#e/f", "a%26b%3Dc%3Fd%23e%2Ff"},
      {"utf-8 bytes", "\xC3\xBC", "%C3%BC"},
      {"quote", "\"", "%22"},
  };
  for (const EscapeCase& c : cases) {
    EXPECT_EQ(UrlEncode(c.input), c.want) << "case: " << c.name;
  }
}

TEST(ConsoleHtml, HeldMessagePageEscapesWhatTheSenderWrote) {
  HeldEntry entry;
  entry.message.queue_id = "4XyZ1b2C3d";
  entry.message.sender = "\"><img src=x>@evil.example";
  HoldRecord record;
  record.queue_id = "4XyZ1b2C3d";
  record.sender = entry.message.sender;
  record.message_id = "<id@evil.example>";
  record.reason = "bob@examp1e.org: lookalike-domain <b>";
  Verdict verdict;
  verdict.recipient = "<svg onload=x>@examp1e.org";
  verdict.action = Action::kHold;
  verdict.reasons.push_back(Reason{"lookalike-domain", ReasonLabel::kClass, "digit-for-letter", "</td><script>", {}});
  verdict.suggestion = "bob@example.org";
  record.verdicts.push_back(verdict);
  entry.record = record;
  PageFrame frame;
  frame.title = "Held message 4XyZ1b2C3d";
  frame.user = "alice";
  frame.role = "officer";
  frame.csrf_token = "tok";
  std::string page = RenderHeldMessage(frame, entry, 1000, "");
  EXPECT_EQ(page.find("<img"), std::string::npos) << page;
  EXPECT_EQ(page.find("<svg onload"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("&lt;svg onload=x&gt;@examp1e.org"), std::string::npos)
      << "the recipient is shown to the reviewer, escaped";
  EXPECT_NE(page.find("name=\"csrf\" value=\"tok\""), std::string::npos)
      << "each action form carries the CSRF token";
}

TEST(ConsoleCharts, DailyChartStacksEachDayAndLabelsExactTicks) {
  // Day 100: 3 tld-swap + 2 <script>; day 102: 1 tld-swap; day 99 is outside.
  const DailyCount counts[] = {
      {100, "tld-swap", 3}, {100, "<script>", 2}, {102, "tld-swap", 1}, {99, "tld-swap", 50}};
  std::string svg = RenderDailyChart(counts, 100, 3);
  EXPECT_NE(svg.find("<title>1970-04-11: tld-swap 3</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>1970-04-11: &lt;script&gt; 2</title>"), std::string::npos)
      << "a key is escaped";
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find(" 50</title>"), std::string::npos) << "a day before the range is left out";
  // The highest day has 5: four steps of 2, ticks 0 2 4 6 8.
  for (const char* tick : {">0</text>", ">2</text>", ">4</text>", ">6</text>", ">8</text>"}) {
    EXPECT_NE(svg.find(tick), std::string::npos) << "tick " << tick << " in " << svg;
  }
  EXPECT_EQ(svg.find("style="), std::string::npos) << "the CSP allows no inline style";
}

}  // namespace
}  // namespace rcptguard
