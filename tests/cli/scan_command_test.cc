// Black-box tests of `rcptguard scan`: the real binary on saved messages, its
// JSON lines (check's fields plus the markings), flags and exit statuses.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_helpers.h"

namespace {

using rcptguard::testing_support::ProcessResult;
using rcptguard::testing_support::RunShell;

const std::string kSource = RCPTGUARD_SOURCE_DIR;
const std::string kUk = "-c " + kSource + "/conf/examples/uk-department.toml ";
const std::string kCorpus = kSource + "/tests/data/markings/";

ProcessResult Scan(const std::string& args, const std::string& stdin_path = "/dev/null") {
  // JSON lines unless the test asks for a format.
  std::string format = args.find("--format") == std::string::npos ? "--format jsonl " : "";
  return RunShell(std::string(RCPTGUARD_BINARY) + " scan " + format + args + " < " + stdin_path +
                  " 2>&1");
}

std::vector<nlohmann::json> Lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(ScanCommand, OneLinePerHeaderRecipientWithTheMarkings) {
  ProcessResult run = Scan(kUk + kCorpus + "uk_subject_os.eml");
  EXPECT_EQ(run.status, 1) << run.out;
  auto lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 3u) << run.out;
  EXPECT_EQ(lines[0]["recipient"], "j@example.com");
  EXPECT_EQ(lines[0]["verdict"], "hold");
  EXPECT_EQ(lines[0]["reasons"][0]["code"], "marking-destination");
  EXPECT_EQ(lines[0]["reasons"][0]["class"], "OFFICIAL-SENSITIVE");
  std::string detail = lines[0]["reasons"][0]["detail"];
  EXPECT_NE(detail.find("marked OFFICIAL-SENSITIVE"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("contract figures"), std::string::npos) << "never the message's text";
  EXPECT_TRUE(lines[0]["suggestion"].is_null());
  EXPECT_TRUE(lines[0]["score"].is_number());
  ASSERT_EQ(lines[0]["markings"].size(), 1u);
  EXPECT_EQ(lines[0]["markings"][0]["name"], "OFFICIAL-SENSITIVE");
  EXPECT_EQ(lines[0]["markings"][0]["scheme"], "uk-gsc");
  EXPECT_EQ(lines[0]["markings"][0]["rank"], 20);
  EXPECT_EQ(lines[0]["markings"][0]["where"], "subject");
  EXPECT_EQ(lines[0]["truncated"], false);
  EXPECT_EQ(lines[1]["recipient"], "a@army.mil");
  EXPECT_EQ(lines[1]["verdict"], "allow");
  EXPECT_EQ(lines[2]["recipient"], "c@mod.gov.uk");
  EXPECT_EQ(lines[2]["verdict"], "allow");
}

TEST(ScanCommand, RcptAndFromOverrideTheHeaders) {
  ProcessResult run = Scan(kUk + "--from bob@mod.uk --rcpt a@army.mil --rcpt x@hq.nato.int " +
                           kCorpus + "uk_base64_body_secret.eml");
  EXPECT_EQ(run.status, 0) << run.out;
  auto lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 2u) << run.out;
  EXPECT_EQ(lines[0]["recipient"], "a@army.mil");
  EXPECT_EQ(lines[1]["recipient"], "x@hq.nato.int");
  EXPECT_EQ(lines[0]["markings"][0]["name"], "SECRET");
}

TEST(ScanCommand, ReadsStdinAndGivesLookalikesToo) {
  ProcessResult run =
      Scan("-c " + kSource + "/conf/examples/us-dod.toml -", kCorpus + "us_cui_banner.eml");
  EXPECT_EQ(run.status, 1) << run.out;
  auto lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 4u) << run.out;
  EXPECT_EQ(lines[3]["recipient"], "m@army.ml");
  EXPECT_EQ(lines[3]["verdict"], "reject");
  EXPECT_EQ(lines[3]["suggestion"], "m@army.mil");
}

// The envelope is read from the header block before the message is fed, so
// standard input is read twice: a pipe (copied first), a redirected file and
// a redirected file read from the middle all give what the file gives.
TEST(ScanCommand, APipeAndAFileReadFromTheMiddleGiveWhatTheFileGives) {
  const std::string file = kCorpus + "uk_multipart_alternative.eml";
  const std::string scan = std::string(RCPTGUARD_BINARY) + " scan --format jsonl " + kUk;
  ProcessResult want = RunShell(scan + file + " 2>&1");
  ASSERT_EQ(want.status, 1) << want.out;
  struct Case {
    const char* name;
    std::string command;
  };
  const std::vector<Case> cases = {
      {"a pipe", "cat " + file + " | " + scan + "- 2>&1"},
      {"a redirected file", scan + "- < " + file + " 2>&1"},
  };
  for (const Case& c : cases) {
    ProcessResult got = RunShell(c.command);
    EXPECT_EQ(got.status, want.status) << c.name;
    EXPECT_EQ(got.out, want.out) << c.name << ": got (stdin) vs want (the file)";
  }
  // The shell reads the first line (From:) and leaves the file there: the
  // message starts after it, so it has no sender and the same recipients.
  ProcessResult middle = RunShell("{ read -r first; " + std::string(RCPTGUARD_BINARY) +
                                  " scan --format text " + kUk + "-; } < " + file + " 2>&1");
  EXPECT_EQ(middle.status, 1) << middle.out;
  EXPECT_NE(middle.out.find("summary: from=<> rcpts=3 "), std::string::npos)
      << "got " << middle.out << "want the summary of the message without its From line";
}

TEST(ScanCommand, OrdinaryMailIsAllowedWithExitZero) {
  ProcessResult run =
      Scan("-c " + kCorpus + "all-packs.toml " + kCorpus + "ordinary/secret_santa.eml");
  EXPECT_EQ(run.status, 0) << run.out;
  for (const auto& line : Lines(run.out)) EXPECT_TRUE(line["markings"].empty()) << line;
}

TEST(ScanCommand, TextFormatNamesTheMarkings) {
  ProcessResult run = Scan(kUk + "--format text " + kCorpus + "uk_forwarded_rfc822.eml");
  EXPECT_EQ(run.status, 1) << run.out;
  EXPECT_NE(run.out.find("hold   j@example.com: the message is marked SECRET"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("markings: SECRET (uk-gsc, attached message: subject)"), std::string::npos)
      << run.out;
}

TEST(ScanCommand, UsageAndConfigErrorsExitTwo) {
  EXPECT_EQ(Scan(kUk + "/nonexistent/message.eml").status, 2);
  EXPECT_EQ(Scan(kUk).status, 2);  // no file
  std::string bad = testing::TempDir() + "rcptguard_scan_bad_" + std::to_string(getpid()) + ".toml";
  std::ofstream(bad) << "[markings]\npacks = [\"no-such-pack\"]\n";
  ProcessResult run = Scan("-c " + bad + " " + kCorpus + "uk_subject_os.eml");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.out.find("no-such-pack"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(":2:"), std::string::npos) << "names the line: " << run.out;
  std::string no_rcpt =
      testing::TempDir() + "rcptguard_scan_norcpt_" + std::to_string(getpid()) + ".eml";
  std::ofstream(no_rcpt) << "From: a@mod.uk\nSubject: x\n\nbody\n";
  EXPECT_EQ(Scan(kUk + no_rcpt).status, 2);
}

}  // namespace
