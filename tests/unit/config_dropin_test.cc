// conf.d drop-ins merged after the main file (rcptguard.toml(5), DROP-INS),
// files that are not regular files, the man page and the shipped sample.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "config/config.h"
#include "config/config_keys.h"
#include "platform/files.h"
#include "support/config_helpers.h"

namespace rcptguard {
namespace {

Result<Config> ParseWithDropIns(std::vector<ConfigText> files) {
  return ParseConfigFiles(files, testing_support::FakeFiles({}));
}

TEST(ConfigDropIns, TablesMergeKeyByKeyValuesReplaceAndRuleTablesAppend) {
  auto config = ParseWithDropIns({
      {"/etc/rcptguard/rcptguard.toml",
       "own_domains = [\"example.org\"]\n[milter]\nsocket = \"unix:/a.sock\"\non_error = "
       "\"accept\"\n[[rule]]\nname = \"first\"\nto = \"*.ml\"\naction = \"reject\"\n"},
      {"/etc/rcptguard/conf.d/10-site.toml",
       "own_domains = [\"example.net\"]\n[milter]\nsocket = \"unix:/b.sock\"\n"
       "[[rule]]\nname = \"second\"\nto = \"*.cm\"\naction = \"hold\"\n"},
      {"/etc/rcptguard/conf.d/20-more.toml",
       "[[rule]]\nname = \"third\"\nto = \"*.om\"\naction = \"warn\"\n"},
  });
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  // [milter]: socket replaced, on_error kept from the main file.
  EXPECT_EQ(config->milter.socket, "unix:/b.sock");
  EXPECT_FALSE(config->milter.tempfail_on_error);
  // An array replaces as a whole.
  std::vector<std::string> own;
  for (const ExpectedDomain& domain : config->policy.expected) {
    if (domain.source == DomainSource::kOwn) own.push_back(domain.domain);
  }
  EXPECT_EQ(own, std::vector<std::string>{"example.net"});
  // [[rule]] tables append, in file order.
  std::vector<std::string> rules;
  for (const RuleSpec& rule : config->policy.rules) rules.push_back(rule.name + "@" + rule.where);
  EXPECT_EQ(rules, (std::vector<std::string>{"first@/etc/rcptguard/rcptguard.toml:5",
                                             "second@/etc/rcptguard/conf.d/10-site.toml:4",
                                             "third@/etc/rcptguard/conf.d/20-more.toml:1"}));
  EXPECT_EQ(config->source, "/etc/rcptguard/rcptguard.toml");
  EXPECT_EQ(config->drop_ins.size(), 2u);
}

TEST(ConfigDropIns, ErrorsNameTheDropInAndItsLine) {
  struct Case {
    const char* name;
    const char* drop_in;
    const char* where;
  };
  const Case cases[] = {
      {"type error", "\n[trusted]\nproviders = 0\n", "/etc/rcptguard/conf.d/50-x.toml:3"},
      {"unknown key", "[milter]\nsockt = \"unix:/x\"\n", "/etc/rcptguard/conf.d/50-x.toml:2"},
      {"syntax", "audit = \n", "/etc/rcptguard/conf.d/50-x.toml:1"},
      {"deep key", "\n\na.a.a.a.a.a.a.a.a.a = 1\n", "/etc/rcptguard/conf.d/50-x.toml:3"},
      {"merged marking", "[[marking]]\nname = \"NEW\"\n", "/etc/rcptguard/conf.d/50-x.toml:1"},
  };
  for (const Case& c : cases) {
    auto config =
        ParseWithDropIns({{"/etc/rcptguard/rcptguard.toml", "[trusted]\nproviders = true\n"},
                          {"/etc/rcptguard/conf.d/50-x.toml", c.drop_in}});
    ASSERT_FALSE(config.has_value()) << c.name << ": accepted";
    EXPECT_EQ(config.error().where, c.where) << c.name << ": got " << config.error().ToString();
  }
}

// A configuration directory of its own for one test, removed afterwards.
class ConfigDirectory : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "rcptguard_config_" + std::to_string(getpid()) + "_" +
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ + "/conf.d");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

TEST_F(ConfigDirectory, DropInsAreReadInLexicalOrderAndOthersSkipped) {
  Write("rcptguard.toml", "[milter]\nsocket = \"unix:/main.sock\"\n");
  Write("conf.d/20-b.toml", "[milter]\nsocket = \"unix:/b.sock\"\n");
  Write("conf.d/10-a.toml", "[milter]\nsocket = \"unix:/a.sock\"\nheader = \"off\"\n");
  Write("conf.d/30-c.toml~", "this is not TOML\n");
  Write("conf.d/.40-d.toml", "this is not TOML\n");
  Write("conf.d/50-e.toml.disabled", "this is not TOML\n");
  auto config = LoadConfig(ConfigRequest{Path("rcptguard.toml"), {}});
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->milter.socket, "unix:/b.sock");
  EXPECT_FALSE(config->milter.add_header);
  EXPECT_EQ(config->drop_ins,
            (std::vector<std::string>{Path("conf.d/10-a.toml"), Path("conf.d/20-b.toml")}));
}

TEST_F(ConfigDirectory, FilesThatAreNotRegularFilesAreErrorsThatNameThem) {
  Write("rcptguard.toml", "");
  std::filesystem::create_directories(Path("a-directory"));
  struct Case {
    const char* name;
    std::string config;
    std::string fragment;
  };
  const Case cases[] = {
      {"config is a directory", "", "a directory"},
      {"trusted file is a directory", "[trusted]\nfiles = [\"a-directory\"]\n", "a directory"},
      {"known file is a directory", "[detector]\nknown_files = [\"a-directory\"]\n", "a directory"},
      {"trusted file is a device", "[trusted]\nfiles = [\"/dev/zero\"]\n", "character device"},
      {"secret file is a directory", "[history]\nsecret_file = \"a-directory\"\n", "a directory"},
      {"secret file is missing", "[history]\nsecret_file = \"missing.key\"\n", "cannot open"},
  };
  for (const Case& c : cases) {
    std::string config_path = Path("rcptguard.toml");
    if (std::string(c.name) == "config is a directory") {
      config_path = Path("a-directory");
    } else {
      Write("rcptguard.toml", c.config);
    }
    auto config = LoadConfig(ConfigRequest{config_path, {}});
    ASSERT_FALSE(config.has_value()) << c.name << ": accepted";
    EXPECT_NE(config.error().ToString().find(c.fragment), std::string::npos)
        << c.name << ": got " << config.error().ToString();
    if (std::string(c.name) != "config is a directory") {
      EXPECT_EQ(config.error().where.rfind(config_path + ":", 0), 0u)
          << c.name << ": got " << config.error().ToString();
    }
  }
  Write("rcptguard.toml", "");
  auto with_flag = LoadConfig(ConfigRequest{Path("rcptguard.toml"), {Path("a-directory")}});
  ASSERT_FALSE(with_flag.has_value());
  EXPECT_NE(with_flag.error().ToString().find("a directory"), std::string::npos);
  // A drop-in that is a directory is refused too, not skipped.
  std::filesystem::create_directories(Path("conf.d/60-dir.toml"));
  auto drop_in = LoadConfig(ConfigRequest{Path("rcptguard.toml"), {}});
  ASSERT_FALSE(drop_in.has_value());
  EXPECT_NE(drop_in.error().ToString().find("60-dir.toml"), std::string::npos)
      << drop_in.error().ToString();
}

TEST(ConfigManPage, TheShippedPageIsTheOneTheKeyTableGives) {
  auto shipped = ReadFile(std::string(RCPTGUARD_SOURCE_DIR) + "/man/rcptguard.toml.5");
  ASSERT_TRUE(shipped.has_value()) << shipped.error().ToString();
  EXPECT_TRUE(*shipped == ConfigManPage())
      << "man/rcptguard.toml.5 differs from the key table: regenerate it with "
         "cmake --build build --target rcptguard_config_manpage";
  for (const ConfigKey& key : ConfigKeyTable()) {
    std::string roff_name;
    for (char c : key.name) roff_name += c == '-' ? std::string("\\-") : std::string(1, c);
    EXPECT_NE(shipped->find(roff_name), std::string::npos) << key.name << " is not in the page";
  }
}

}  // namespace
}  // namespace rcptguard
