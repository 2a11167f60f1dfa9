// The configuration as commands meet it: the shipped sample on a fresh
// install, hostile files in tests/data/hostile/, `-c ''`, and drop-ins.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/cli_helpers.h"

namespace rcptguard {
namespace {

using testing_support::ProcessResult;
using testing_support::RunShell;
using testing_support::TestTempPath;

const std::string kBinary = RCPTGUARD_BINARY;
const std::string kSource = RCPTGUARD_SOURCE_DIR;

ProcessResult Rcptguard(const std::string& arguments) {
  return RunShell(kBinary + " " + arguments + " 2>&1");
}

TEST(ConfigCommand, TheShippedSampleWorksOnAFreshInstall) {
  // On a fresh install /var/lib/rcptguard does not exist; the sample must not
  // need it (the store is left to the administrator to create and enable).
  ProcessResult check =
      Rcptguard("check -c " + kSource + "/conf/rcptguard.toml.sample user@example.org");
  EXPECT_EQ(check.status, 0) << check.out;
  ProcessResult milter = Rcptguard("milter -n -c " + kSource + "/conf/rcptguard.toml.sample");
  EXPECT_EQ(milter.status, 0) << milter.out;
}

TEST(ConfigCommand, AStoreThatCannotOpenNamesTheConfigLine) {
  std::string dir = TestTempPath("store");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/rcptguard.toml")
      << "[history]\n\nstore = \"sqlite://" << dir << "/missing/dir/h.db\"\n";
  ProcessResult run = Rcptguard("check -c " + dir + "/rcptguard.toml user@example.org");
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find(dir + "/rcptguard.toml:3: 'history.store'"), std::string::npos) << run.out;
  std::filesystem::remove_all(dir);
}

struct HostileCase {
  const char* name;
  std::string file;      // in tests/data/hostile/, or made by the test
  std::string fragment;  // the error names this
};

TEST(ConfigCommand, HostileConfigurationsAreClearErrorsNotCrashes) {
  // A key of 50,000 dotted parts once overflowed toml++'s stack (exit 139).
  std::string deep = TestTempPath("deep.toml");
  {
    std::ofstream out(deep);
    out << "[";
    for (int i = 0; i < 50000; ++i) out << (i ? ".a" : "a");
    out << "]\n";
  }
  const HostileCase cases[] = {
      {"deep table header", deep, deep + ":1: a key or table name with more than 8"},
      {"deep dotted key", kSource + "/tests/data/hostile/deep_dotted_key.toml",
       "deep_dotted_key.toml:3: a key or table name with more than 8"},
      {"nested arrays", kSource + "/tests/data/hostile/nested_arrays.toml",
       "nested_arrays.toml:2: arrays or inline tables nested more than 8 deep"},
      {"integer for a boolean", kSource + "/tests/data/hostile/integer_for_boolean.toml",
       "integer_for_boolean.toml:5: 'trusted.providers' must be true or false, not an integer"},
      {"nan", kSource + "/tests/data/hostile/nan_min_score.toml",
       "nan_min_score.toml:3: 'actions.lookalike-domain.min_score' must be a number from 0 to 1, "
       "not nan or inf"},
      {"a directory", kSource + "/tests/data/hostile", "it is a directory"},
      {"a device", "/dev/zero", "character device"},
  };
  for (const HostileCase& c : cases) {
    ProcessResult check = Rcptguard("check -c " + c.file + " user@example.org");
    EXPECT_EQ(check.status, 2) << c.name << ": " << check.out;
    EXPECT_NE(check.out.find(c.fragment), std::string::npos)
        << c.name << ": got " << check.out << "want " << c.fragment;
    ProcessResult milter = Rcptguard("milter -n -c " + c.file);
    EXPECT_EQ(milter.status, 78) << c.name << ": " << milter.out;  // EX_CONFIG
  }
  unlink(deep.c_str());
}

TEST(ConfigCommand, AnEmptyConfigNameIsAnErrorNotTheDefaults) {
  ProcessResult check = Rcptguard("check -c '' user@example.org");
  EXPECT_EQ(check.status, 2) << check.out;
  EXPECT_NE(check.out.find("rcptguard check: -c: an empty file name"), std::string::npos)
      << check.out;
  ProcessResult milter = Rcptguard("milter -n -c ''");
  EXPECT_EQ(milter.status, 78) << milter.out;
  EXPECT_NE(milter.out.find("an empty file name"), std::string::npos) << milter.out;
  ProcessResult scan = Rcptguard("scan -c '' /dev/null");
  EXPECT_EQ(scan.status, 2) << scan.out;
}

TEST(ConfigCommand, ASecretFileThatIsADirectoryStopsTheMilterAtStart) {
  std::string dir = TestTempPath("secret");
  std::filesystem::create_directories(dir + "/key.d");
  std::ofstream(dir + "/rcptguard.toml") << "[history]\nsecret_file = \"key.d\"\n";
  ProcessResult milter = Rcptguard("milter -n -c " + dir + "/rcptguard.toml");
  EXPECT_EQ(milter.status, 78) << milter.out;
  EXPECT_NE(milter.out.find(dir + "/rcptguard.toml:2: 'history.secret_file'"), std::string::npos)
      << milter.out;
  std::filesystem::remove_all(dir);
}

TEST(ConfigCommand, DropInsBesideTheConfigAreMergedInOrder) {
  std::string dir = TestTempPath("dropins");
  std::filesystem::create_directories(dir + "/conf.d");
  std::ofstream(dir + "/rcptguard.toml") << "[trusted]\nproviders = true\n";
  // A later rule is appended: the drop-in's rule applies.
  std::ofstream(dir + "/conf.d/10-rules.toml")
      << "[[rule]]\nname = \"no-cm\"\nto = \"*.cm\"\naction = \"reject\"\n";
  ProcessResult run = Rcptguard("check -c " + dir + "/rcptguard.toml user@example.cm");
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_NE(run.out.find("no-cm"), std::string::npos) << run.out;
  // An error in a drop-in names the drop-in and line.
  std::ofstream(dir + "/conf.d/20-bad.toml") << "\n[trusted]\nproviders = 0\n";
  ProcessResult bad = Rcptguard("check -c " + dir + "/rcptguard.toml user@example.org");
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find(dir + "/conf.d/20-bad.toml:3:"), std::string::npos) << bad.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rcptguard
