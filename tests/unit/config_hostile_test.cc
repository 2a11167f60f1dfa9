// Hostile and mistaken configurations (issue 11): keys deep enough to overflow
// toml++'s stack, values of the wrong type that were once silently accepted,
// and messages that echoed control bytes or a secret file's contents.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"
#include "config/toml_shape.h"
#include "rcptguard/action.h"
#include "support/config_helpers.h"

namespace rcptguard {
namespace {

constexpr const char* kPath = "/etc/rcptguard/rcptguard.toml";

using testing_support::FakeFiles;

Result<Config> Parse(std::string_view text, std::map<std::string, std::string> files = {}) {
  return ParseConfig(text, kPath, FakeFiles(std::move(files)));
}

std::string Repeat(std::string_view piece, size_t times, std::string_view separator = "") {
  std::string out;
  for (size_t i = 0; i < times; ++i) {
    if (i > 0) out += separator;
    out += piece;
  }
  return out;
}

struct RefusedCase {
  std::string name;
  std::string text;
  int line;
  std::string fragment;
};

void ExpectRefused(const RefusedCase& c) {
  auto config = Parse(c.text);
  ASSERT_FALSE(config.has_value()) << c.name << ": accepted";
  EXPECT_EQ(config.error().where, std::string(kPath) + ":" + std::to_string(c.line))
      << c.name << ": got " << config.error().ToString();
  EXPECT_NE(config.error().message.find(c.fragment), std::string::npos)
      << c.name << ": got \"" << config.error().message << "\", want it to contain \"" << c.fragment
      << "\"";
}

TEST(ConfigHostile, DeepKeysAndNestingAreRefusedBeforeTomlPlusPlus) {
  // Each of these overflowed the stack inside toml++ (exit 139).
  const std::string deep = Repeat("a", 50000, ".");
  const RefusedCase cases[] = {
      {"table header", "audit = false\n[" + deep + "]\n", 2, "more than 8 dotted parts"},
      {"dotted key", "\n\n" + deep + " = 1\n", 3, "more than 8 dotted parts"},
      {"array of tables", "[[" + deep + "]]\n", 1, "more than 8 dotted parts"},
      {"quoted parts", "[" + Repeat("\"a\"", 50000, ".") + "]\n", 1, "more than 8 dotted parts"},
      {"key in an inline table", "x = { " + deep + " = 1 }\n", 1, "more than 8 dotted parts"},
      {"key after a comma in an inline table", "x = { b = 1, " + deep + " = 1 }\n", 1,
       "more than 8 dotted parts"},
      {"nested arrays", "x = " + Repeat("[", 50000) + Repeat("]", 50000) + "\n", 1,
       "nested more than 8 deep"},
      {"nested inline tables", "x = " + Repeat("{a=", 50000) + "1" + Repeat("}", 50000) + "\n", 1,
       "nested more than 8 deep"},
      {"long key", std::string(300, 'k') + " = 1\n", 1, "longer than 256 bytes"},
      {"after a multi-line string", "x = \"\"\"\n[a.b]\n\"\"\"\n" + deep + " = 1\n", 4,
       "more than 8 dotted parts"},
      {"after a syntax error on the line before", "x = ]\n" + deep + " = 1\n", 2,
       "more than 8 dotted parts"},
      {"file too large", "# " + std::string(2 << 20, 'x') + "\n", 1, "larger than 1024 KiB"},
  };
  for (const RefusedCase& c : cases) ExpectRefused(c);
}

TEST(ConfigHostile, ThePreScanPassesWhatTomlAllows) {
  // Dots, brackets and braces inside strings and comments are not structure;
  // keys and nesting at the limits are toml++'s to judge (here: unknown keys).
  const char* texts[] = {
      "[markings]\npacks = [] # a.b.c.d.e.f.g.h.i.j [[[[[[[[[\n",
      "[[marking]]\nname = \"X\"\nrank = 1\nwhere = [\"body\"]\n"
      "patterns = ['a.b.c.d.e.f.g.h.i.j [[[[[[[[[[[{{{{{{{{{{', \"\\\" [[[[[[[[[[\"]\n",
      "[[marking]]\nname = \"Y\"\nrank = 1\nwhere = [\"body\"]\npatterns = ['''\n"
      "a.b.c.d.e.f.g.h.i.j = [[[[[[[[[[[[\n''']\n",
      "[actions]\nlookalike-domain = [\n  # a.b.c.d.e.f.g.h.i.j\n"
      "  { min_score = 0.5, action = \"warn\" },\n]\n",
  };
  for (const char* text : texts) {
    auto config = Parse(text);
    EXPECT_TRUE(config.has_value()) << text << "\ngot " << config.error().ToString();
  }
  EXPECT_TRUE(CheckTomlShape(Repeat("a", 8, ".") + " = 1\n", "f").has_value());
  EXPECT_TRUE(CheckTomlShape("x = " + Repeat("[", 8) + Repeat("]", 8) + "\n", "f").has_value());
  EXPECT_FALSE(CheckTomlShape(Repeat("a", 9, ".") + " = 1\n", "f").has_value());
  EXPECT_FALSE(CheckTomlShape("x = " + Repeat("[", 9) + Repeat("]", 9) + "\n", "f").has_value());
}

TEST(ConfigHostile, ValuesOfTheWrongTypeAreErrorsWithTheLine) {
  const RefusedCase cases[] = {
      // `providers = 0` once switched the provider list off: gmial.com was then allowed.
      {"integer for providers", "[trusted]\nproviders = 0\n", 2, "true or false, not an integer"},
      {"integer for audit", "audit = 1\n", 1, "true or false, not an integer"},
      {"integer for known_domains", "[detector]\nknown_domains = 1\n", 2, "true or false"},
      {"integer for learn", "[history]\nlearn = 0\n", 2, "true or false"},
      {"integer for authenticated", "[outbound]\nauthenticated = 1\n", 2, "true or false"},
      {"integer for subdomains",
       "[trusted]\ndomains = [{ domain = \"a.example\", subdomains = 0 }]\n", 2, "true or false"},
      {"float for an integer", "[history]\nretention_days = 1.5\n", 2, "not a number"},
      {"string for an integer", "[markings]\nedge_lines = \"10\"\n", 2, "not a string"},
      {"float rank", "[[marking]]\nname = \"X\"\nrank = 2.5\n", 3, "whole number from 0 to 1000"},
      {"integer out of range", "[history]\nretention_days = 0\n", 2, "from 1 to 36600, not 0"},
      {"string for an array", "own_domains = \"example.org\"\n", 1,
       "must be an array, not a string"},
      {"string for packs", "[markings]\npacks = \"uk-gsc\"\n", 2, "must be an array"},
      {"integer in an array", "[outbound]\nnetworks = [\"127.0.0.1\", 10]\n", 2,
       "must hold strings, not an integer"},
      {"integer for a string", "[milter]\nsocket = 5\n", 2, "must be a string, not an integer"},
      {"boolean for an action", "[actions]\ninvalid-address = true\n", 2, "not a boolean"},
      {"table for a section's key", "[milter]\nheader = { a = 1 }\n", 2, "not a table"},
      {"a section written as a value", "milter = 1\n", 1, "must be a table"},
      {"nan min_score", "[actions]\nlookalike-domain = [{ min_score = nan, action = \"warn\" }]\n",
       2, "not nan or inf"},
      {"inf min_score",
       "[actions]\nlookalike-domain = [\n{ min_score = inf, action = \"warn\" }]\n", 3,
       "not nan or inf"},
      {"-inf min_score",
       "[actions]\nlookalike-domain = [{ min_score = -inf, action = \"warn\" }]\n", 2,
       "from 0 to 1"},
      {"string min_score",
       "[actions]\nlookalike-domain = [{ min_score = \"0.5\", action = \"warn\" }]\n", 2,
       "not a string"},
      {"unknown marking action", "[[marking]]\nname = \"TOP SECRET\"\naction = \"drop\"\n", 3,
       "allow, warn, hold or reject, not 'drop'"},
      {"unknown markings action", "[markings]\naction = \"block\"\n", 2, "not 'block'"},
      {"bad choice", "[milter]\non_error = \"bounce\"\n", 2, "tempfail or accept, not 'bounce'"},
  };
  for (const RefusedCase& c : cases) ExpectRefused(c);
}

TEST(ConfigHostile, WholeNumbersAreAcceptedWhereNumbersAre) {
  auto config = Parse("[actions]\nlookalike-domain = [{ min_score = 1, action = \"hold\" }]\n");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  ASSERT_EQ(config->policy.lookalike_bands.size(), 1u);
  EXPECT_EQ(config->policy.lookalike_bands[0].min_score, 1.0);
}

TEST(ConfigHostile, MessagesEscapeControlBytes) {
  const RefusedCase cases[] = {
      {"action", "[actions]\ninvalid-address = \"bl\\u001b[2Jock\"\n", 2, "bl\\x1b[2Jock"},
      {"domain", "own_domains = [\"ex\\u001bample.org\"]\n", 1, "ex\\x1bample.org"},
      {"rule pattern", "[[rule]]\nto = \"a\\u0000b*.ml\"\naction = \"reject\"\n", 1, "a\\x00b*.ml"},
      {"unknown key", "\"k\\u001b\" = 1\n", 1, "unknown key 'k\\x1b'"},
      {"socket", "[milter]\nsocket = \"\\u009b31m\"\n", 2, "\\xc2\\x9b31m"},
  };
  for (const RefusedCase& c : cases) {
    ExpectRefused(c);
    auto config = Parse(c.text);
    ASSERT_FALSE(config.has_value());
    for (char byte : config.error().ToString()) {
      auto u = static_cast<unsigned char>(byte);
      EXPECT_FALSE(u < 0x20 || u == 0x7f) << c.name << ": a raw control byte " << int{u};
    }
  }
}

TEST(ConfigHostile, ANonDomainFileNeverEchoesItsLines) {
  // A trusted file named by mistake: /etc/shadow once printed a password hash.
  const std::string hash = "$6$rounds=5000$saltsaltsaltsalt$0123456789abcdefghijABCDEFGHIJ";
  const std::string shadow = "root:" + hash + ":19000:0:99999:7:::\n";
  const std::string long_token = std::string(80, 'q') + "\n";
  for (const std::string& text :
       {shadow, "example.org\nroot:" + hash + "\n", long_token, "example.org " + hash + "\n"}) {
    auto config = Parse("[trusted]\nfiles = [\"/etc/shadow\"]\n", {{"/etc/shadow", text}});
    ASSERT_FALSE(config.has_value()) << text;
    std::string message = config.error().ToString();
    EXPECT_EQ(message.find("salt"), std::string::npos) << "got " << message;
    EXPECT_EQ(message.find("0123"), std::string::npos) << "got " << message;
    EXPECT_EQ(message.find("qqqqqqqqqq"), std::string::npos) << "got " << message;
    EXPECT_EQ(message.rfind("/etc/shadow:", 0), 0u) << "got " << message;
  }
  // A short line made of what domains are made of is still quoted, escaped.
  auto config = Parse("[trusted]\nfiles = [\"p.txt\"]\n",
                      {{"/etc/rcptguard/p.txt", "army.mil\nbad-.example\n"}});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().where, "/etc/rcptguard/p.txt:2");
  EXPECT_NE(config.error().message.find("'bad-.example' is not a domain"), std::string::npos)
      << config.error().message;
}

TEST(Action, ParseActionRefusesUnknownNamesAndActionNameNeverSaysAllowForThem) {
  for (std::string_view name : {"allow", "warn", "hold", "reject"}) {
    auto action = ParseAction(name);
    ASSERT_TRUE(action.has_value()) << name;
    EXPECT_EQ(ActionName(*action), name);
  }
  for (std::string_view name : {"", "Allow", "block", "reject "}) {
    EXPECT_FALSE(ParseAction(name).has_value()) << "'" << name << "' was accepted";
  }
  EXPECT_NE(ActionName(static_cast<Action>(7)), "allow");
}

TEST(ConfigHostile, AMarkingsActionIsParsedOnceIntoTheSpec) {
  auto config = Parse(
      "[markings]\npacks = [\"uk-gsc\"]\naction = \"warn\"\n"
      "[[marking]]\nname = \"TOP SECRET\"\naction = \"reject\"\n");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  // TOP SECRET sets its own; SECRET takes [markings] action; OFFICIAL keeps its pack's.
  const std::map<std::string, Action> want = {
      {"TOP SECRET", Action::kReject}, {"SECRET", Action::kWarn}, {"OFFICIAL", Action::kAllow}};
  size_t seen = 0;
  for (const MarkingSpec& marking : config->policy.markings) {
    auto it = want.find(marking.name);
    if (it == want.end()) continue;
    ++seen;
    EXPECT_EQ(marking.action, it->second) << marking.name << ": got " << ActionName(marking.action)
                                          << ", want " << ActionName(it->second);
  }
  EXPECT_EQ(seen, want.size());
}

}  // namespace
}  // namespace rcptguard
