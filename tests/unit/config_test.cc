// The configuration file: every key documented, unknown keys and bad values
// refused with file and line.
#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "config/config_keys.h"
#include "platform/files.h"
#include "support/config_helpers.h"

namespace rcptguard {
namespace {

using testing_support::FakeFiles;

Result<Config> Parse(std::string_view text, std::map<std::string, std::string> files = {}) {
  return ParseConfig(text, "/etc/rcptguard/rcptguard.toml", FakeFiles(std::move(files)));
}

TEST(Config, SampleDocumentsEveryKeyAndEveryDocumentedKeyExists) {
  std::string path = std::string(RCPTGUARD_SOURCE_DIR) + "/conf/rcptguard.toml.sample";
  auto text = ReadFile(path);
  ASSERT_TRUE(text.has_value()) << text.error().ToString();
  auto config = ParseConfig(*text, path, FakeFiles({}));
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  for (const ConfigKey& row : ConfigKeyTable()) {
    if ((row.scope & kInConfig) == 0) continue;
    std::string_view key = row.name;
    bool documented = std::find(config->keys_seen.begin(), config->keys_seen.end(), key) !=
                      config->keys_seen.end();
    EXPECT_TRUE(documented) << "key '" << key << "' is in the key table but not in " << path;
  }
}

TEST(Config, UnknownKeyIsAnErrorWithFileAndLine) {
  auto config = Parse("audit = false\n\n[trusted]\ndomain = [\"army.mil\"]\n");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().where, "/etc/rcptguard/rcptguard.toml:4");
  EXPECT_NE(config.error().message.find("unknown key 'trusted.domain'"), std::string::npos)
      << config.error().message;
}

struct BadValueCase {
  const char* name;
  const char* text;
  int line;
  const char* fragment;
};

TEST(Config, BadValuesAreErrorsThatNameTheProblem) {
  const BadValueCase cases[] = {
      {"audit not bool", "audit = \"yes\"\n", 1, "true or false"},
      {"bad action", "[actions]\ninvalid-address = \"block\"\n", 2, "allow, warn, hold or reject"},
      {"bad domain", "own_domains = [\"exa mple.com\"]\n", 1, "not a domain"},
      {"rule without to", "[[rule]]\nfrom = \"*.mil\"\naction = \"reject\"\n", 1, "needs 'to'"},
      {"rule without action", "[[rule]]\nto = \"*.ml\"\n", 1, "needs 'action'"},
      {"bad pattern", "[[rule]]\nto = \"a*b.ml\"\naction = \"reject\"\n", 1, "'*' is allowed only"},
      {"band out of range", "[actions]\nlookalike-domain = [{min_score = 2, action = \"warn\"}]\n",
       2, "from 0 to 1"},
      {"syntax error", "audit = \n", 1, ""},
      {"missing file", "[trusted]\nfiles = [\"partners.txt\"]\n", 2, "cannot open"},
      {"bad expiry action", "[serve]\nexpiry_action = \"keep\"\n", 2, "discard"},
      {"empty sendmail", "[serve]\nsendmail = []\n", 2, "'serve.sendmail' is empty"},
      {"scan too often", "[serve]\nscan_seconds = 0\n", 2, "1 to 3600"},
  };
  for (const BadValueCase& c : cases) {
    auto config = Parse(c.text);
    ASSERT_FALSE(config.has_value()) << c.name << ": accepted";
    EXPECT_EQ(config.error().where, "/etc/rcptguard/rcptguard.toml:" + std::to_string(c.line))
        << c.name << ": " << config.error().ToString();
    EXPECT_NE(config.error().message.find(c.fragment), std::string::npos)
        << c.name << ": got \"" << config.error().message << "\"";
  }
}

TEST(Config, TrustedFilesAreReadRelativeToTheConfig) {
  auto config = Parse("[trusted]\nfiles = [\"partners.txt\"]\nproviders = false\n",
                      {{"/etc/rcptguard/partners.txt", "# partners\narmy.mil\n*.gov.uk 0.5\n"}});
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  ASSERT_EQ(config->policy.expected.size(), 2u);
  EXPECT_EQ(config->policy.expected[0].domain, "army.mil");
  EXPECT_EQ(config->policy.expected[1].weight, 0.5);
}

TEST(Config, ErrorsInTrustedFilesNameThatFileAndLine) {
  auto config = Parse("[trusted]\nfiles = [\"partners.txt\"]\n",
                      {{"/etc/rcptguard/partners.txt", "army.mil\nnot a domain\n"}});
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().where, "/etc/rcptguard/partners.txt:2");
}

TEST(Config, ProvidersAreOnByDefaultAndCanBeTurnedOff) {
  auto with = Parse("");
  ASSERT_TRUE(with.has_value());
  EXPECT_GT(with->policy.expected.size(), 200u);
  auto without = Parse("[trusted]\nproviders = false\n");
  ASSERT_TRUE(without.has_value());
  EXPECT_TRUE(without->policy.expected.empty());
}

TEST(Config, KnownDomainsAreShippedByDefaultAndExtendable) {
  auto shipped = Parse("");
  ASSERT_TRUE(shipped.has_value());
  EXPECT_GT(shipped->policy.known_domains.size(), 3000u);
  auto own_list = Parse("[detector]\nknown_domains = false\nknown_files = [\"sector.txt\"]\n",
                        {{"/etc/rcptguard/sector.txt", "ga.com\nnga.gov\n"}});
  ASSERT_TRUE(own_list.has_value()) << own_list.error().ToString();
  EXPECT_EQ(own_list->policy.known_domains, (std::vector<std::string>{"ga.com", "nga.gov"}));
}

TEST(Config, RulesAndBandsAreRead) {
  auto config = Parse(
      "audit = true\n[[rule]]\nname = \"no-mali\"\nfrom = \"*.mil\"\nto = \"*.ml\"\n"
      "action = \"hold\"\n[actions]\nlookalike-domain = [{min_score = 0.7, action = \"hold\"}]\n");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_TRUE(config->policy.audit);
  ASSERT_EQ(config->policy.rules.size(), 1u);
  EXPECT_EQ(config->policy.rules[0].name, "no-mali");
  EXPECT_EQ(config->policy.rules[0].action, Action::kHold);
  ASSERT_EQ(config->policy.lookalike_bands.size(), 1u);
  EXPECT_EQ(config->policy.lookalike_bands[0].min_score, 0.7);
}

}  // namespace
}  // namespace rcptguard
