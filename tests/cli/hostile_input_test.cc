// Hostile input to the command-line tools (issue 11): over-long lines, files
// that are not files, NUL bytes, damaged and foreign stores, write errors.
// Each case once crashed, exhausted memory, hung, or passed something
// unchecked; each test fails without its fix.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_helpers.h"

namespace rcptguard {
namespace {

using testing_support::ProcessResult;
using testing_support::RunShell;
using testing_support::TestTempPath;

const std::string kBinary = RCPTGUARD_BINARY;
const std::string kHostile = std::string(RCPTGUARD_SOURCE_DIR) + "/tests/data/hostile/";

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

// The peak resident set of a command line, in KiB: GNU time's %M, on the
// last line of its output file (a line before it reports a non-zero exit).
long PeakKilobytes(const std::string& time_file) {
  std::ifstream in(time_file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? -1 : std::atol(last.c_str());
}

// How far a hostile input may raise the peak above the same command on a
// small input. Relative, so that the bound holds under a sanitizer, whose
// shadow memory raises every peak alike; the hostile inputs are 100 MB and
// more, so a buffer that followed them would pass this by far.
constexpr long kHeadroomKilobytes = 24 * 1024;

TEST(HostileInput, AnOverlongLineIsOneInvalidVerdictInConstantMemory) {
  // 300 MB with no newline between two addresses: one verdict for it, the
  // batch goes on, and memory does not follow the line's length.
  auto check_line_of = [](long bytes, const std::string& time_file) {
    return RunShell("{ echo a@gmail.com; head -c " + std::to_string(bytes) +
                    " /dev/zero | tr '\\0' x; echo; echo b@gmial.com; } | /usr/bin/time -f %M -o " +
                    time_file + " " + kBinary + " check --format jsonl -");
  };
  std::string baseline_file = TestTempPath("time.small");
  ASSERT_EQ(check_line_of(300, baseline_file).status, 1);
  long baseline = PeakKilobytes(baseline_file);
  std::string time_file = TestTempPath("time");
  ProcessResult run = check_line_of(300 * 1000 * 1000, time_file);
  auto lines = JsonLines(run.out);
  ASSERT_EQ(lines.size(), 3u) << run.out.substr(0, 2000);
  EXPECT_EQ(lines[0]["verdict"], "allow");
  EXPECT_EQ(lines[1]["verdict"], "reject");
  EXPECT_EQ(lines[1]["reasons"][0]["code"], "invalid-address");
  EXPECT_NE(lines[1]["reasons"][0]["detail"].get<std::string>().find("longer than"),
            std::string::npos);
  EXPECT_LE(lines[1]["recipient"].get<std::string>().size(), 256u);
  EXPECT_EQ(lines[2]["recipient"], "b@gmial.com");
  EXPECT_EQ(lines[2]["verdict"], "reject");
  long peak = PeakKilobytes(time_file);
  EXPECT_GT(baseline, 0);
  EXPECT_LT(peak, baseline + kHeadroomKilobytes)
      << "peak " << peak << " KiB for a 300 MB line, " << baseline << " KiB for 300 bytes";
}

TEST(HostileInput, AFailedWriteIsAnErrorNotAVerdict) {
  for (const std::string& input : {std::string("a@gmail.com"), std::string("-")}) {
    ProcessResult run = RunShell("echo a@gmail.com | " + kBinary + " check " + input +
                                 " 2>&1 >/dev/full");
    EXPECT_EQ(run.status, 2) << input << ": " << run.out;
    EXPECT_NE(run.out.find("rcptguard check: cannot write the output"), std::string::npos)
        << run.out;
  }
}

TEST(HostileInput, ANulInAnAddressListIsReportedAndTheRestIsChecked) {
  ProcessResult run =
      RunShell(kBinary + " scan --format jsonl " + kHostile + "nul_in_to.eml 2>&1");
  EXPECT_EQ(run.status, 1) << run.out;
  std::map<std::string, std::string> verdicts;
  for (const nlohmann::json& line : JsonLines(run.out)) {
    verdicts[line["recipient"].get<std::string>()] =
        line["verdict"].get<std::string>() + " " +
        (line["reasons"].empty() ? std::string() : line["reasons"][0]["code"].get<std::string>());
  }
  EXPECT_EQ(verdicts["j@example.com"], "allow ");
  EXPECT_EQ(verdicts["l@gmial.com"], "reject lookalike-domain");
  EXPECT_EQ(verdicts[std::string("k\0@gmial.com", 12)], "reject invalid-address");
  EXPECT_EQ(verdicts.size(), 3u) << run.out;
}

// The UK example policy with a smaller scan bound, for header blocks past it.
std::string SmallBoundConfig(size_t max_scan_bytes) {
  std::ifstream in(std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/uk-department.toml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const std::string key = "max_scan_bytes = 26214400";
  size_t at = text.find(key);
  if (at == std::string::npos) return {};
  text.replace(at, key.size(), "max_scan_bytes = " + std::to_string(max_scan_bytes));
  std::string path = TestTempPath("small-bound.toml");
  std::ofstream(path) << text;
  return path;
}

// Once `scan` read only the first part of a header block (up to the scan
// bound) and parsed the recipients from it: the fields past it were lost
// while the result said truncated:false. The milter is handed every field.
// Now `scan` reads the whole block as the milter does: every recipient is
// checked, and a block past the bound makes the scan truncated, so on_limit
// (hold, in this policy) applies.
TEST(HostileInput, AHeaderBlockPastTheScanBoundIsReadWholeAndSaysTruncated) {
  constexpr size_t kBound = 1 << 20;
  std::string config = SmallBoundConfig(kBound);
  ASSERT_FALSE(config.empty()) << "conf/examples/uk-department.toml no longer sets the bound";
  std::string filler;  // 1.5 MiB of header fields before the ones that matter
  for (int i = 0; filler.size() < kBound * 3 / 2; ++i) {
    filler += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\n";
  }
  std::string big_field = "X-Big: " + std::string(1000, 'b');  // one 2 MiB folded field
  while (big_field.size() < 2 * kBound) big_field += "\n " + std::string(1000, 'b');
  std::string many_to;  // 100,000 To: fields, 2.4 MB
  for (int i = 0; i < 100000; ++i) many_to += "To: u" + std::to_string(i) + "@mod.uk\n";
  struct Case {
    const char* name;
    std::string headers;
    size_t want_recipients;
    std::map<std::string, std::string> want;  // recipient -> verdict
  };
  std::vector<Case> cases = {
      {"a Subject marking after 1.5 MiB of fields",
       filler + "Subject: OFFICIAL-SENSITIVE: contract\nTo: j@example.com, a@army.mil\n",
       2,
       {{"j@example.com", "hold"}, {"a@army.mil", "allow"}}},
      {"a 2 MiB field before To",
       big_field + "\nTo: j@example.com, l@gmial.com\n",
       2,
       {{"j@example.com", "hold"}, {"l@gmial.com", "reject"}}},
      {"100,000 To: fields", many_to + "To: j@example.com\n", 100001, {{"j@example.com", "hold"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string message = TestTempPath("big-headers.eml");
    std::ofstream(message, std::ios::binary) << "From: bob@mod.uk\n"
                                             << c.headers << "\nThe body.\n";
    ProcessResult run =
        RunShell(kBinary + " scan --format jsonl -c " + config + " " + message + " 2>&1");
    std::remove(message.c_str());
    EXPECT_EQ(run.status, 1) << "got exit " << run.status << ", want 1: " << run.out.substr(0, 300);
    std::vector<nlohmann::json> lines;
    try {
      lines = JsonLines(run.out);
    } catch (const std::exception&) {
      ADD_FAILURE() << "got output that is not JSON lines, want one per recipient: "
                    << run.out.substr(0, 300);
      continue;
    }
    EXPECT_EQ(lines.size(), c.want_recipients)
        << "got " << lines.size() << " recipients, want " << c.want_recipients;
    std::map<std::string, std::string> got;
    for (const nlohmann::json& line : lines) {
      std::string recipient = line["recipient"];
      if (c.want.count(recipient) != 0) got[recipient] = line["verdict"];
      EXPECT_EQ(line["truncated"], true) << recipient << ": got truncated:false, want true";
    }
    EXPECT_EQ(got, c.want) << "got the verdicts on the left, want those on the right";
  }
}

TEST(HostileInput, AFifoInAMaildirIsCountedNotWaitedFor) {
  std::string maildir = TestTempPath("maildir");
  for (const char* sub : {"", "/cur", "/new", "/tmp"}) {
    ASSERT_EQ(mkdir((maildir + sub).c_str(), 0700), 0);
  }
  ASSERT_EQ(mkfifo((maildir + "/cur/1795683601.M1P1.host:2,S").c_str(), 0600), 0);
  std::ofstream(maildir + "/new/1795683602.M2P2.host")
      << "From: bob@mod.uk\nTo: carol@army.mil\nMessage-ID: <a@b>\n\nhi\n";
  std::string db = TestTempPath("h.db");
  ProcessResult run = RunShell("timeout 60 " + kBinary + " learn --no-progress --maildir " +
                               maildir + " --store sqlite://" + db + " 2>&1");
  EXPECT_EQ(run.status, 0) << run.out;  // 124 would be the timeout: a hang
  EXPECT_NE(run.out.find("read 1 messages"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 not regular files"), std::string::npos) << run.out;
}

TEST(HostileInput, GzipPostfixLogsAreReadAndOverlongLinesSkipped) {
  // One delivery with a junk line in the middle, plain and gzipped: the
  // delivery is learned, the junk line counted, and a 100 MB junk line costs
  // no more memory than a 100-byte one.
  auto write_log = [](const std::string& name, std::size_t junk_bytes) {
    std::string log = TestTempPath(name);
    std::ofstream out(log);
    out << "Nov 26 10:00:00 mx postfix/smtpd[1]: 4ABC: client=localhost[127.0.0.1]\n"
        << "Nov 26 10:00:00 mx postfix/cleanup[2]: 4ABC: message-id=<m1@mod.uk>\n"
        << "Nov 26 10:00:00 mx postfix/qmgr[3]: 4ABC: from=<bob@mod.uk>, size=1, nrcpt=1\n"
        << std::string(junk_bytes, 'z') << "\n"
        << "Nov 26 10:00:01 mx postfix/smtp[4]: 4ABC: to=<carol@army.mil>, relay=x, "
           "delay=1, dsn=2.0.0, status=sent (250 ok)\n"
        << "Nov 26 10:00:01 mx postfix/qmgr[3]: 4ABC: removed\n";
    return log;
  };
  auto learn = [](const std::string& input, const std::string& time_file) {
    std::string db = TestTempPath("h.db");
    std::remove(db.c_str());
    return RunShell("/usr/bin/time -f %M -o " + time_file + " " + kBinary +
                    " learn --no-progress --postfix-log " + input + " --store sqlite://" + db +
                    " 2>&1");
  };
  std::string small_log = write_log("small.log", 100);
  std::string log = write_log("mail.log", 100 * 1000 * 1000);
  ASSERT_EQ(RunShell("gzip -c " + log + " > " + log + ".gz").status, 0);
  ASSERT_EQ(RunShell("gzip -c " + small_log + " > " + small_log + ".gz").status, 0);
  for (const std::string& suffix : {std::string(), std::string(".gz")}) {
    std::string baseline_file = TestTempPath("time.small");
    ASSERT_EQ(learn(small_log + suffix, baseline_file).status, 0);
    long baseline = PeakKilobytes(baseline_file);
    std::string input = log + suffix;
    std::string time_file = TestTempPath("time");
    ProcessResult run = learn(input, time_file);
    EXPECT_EQ(run.status, 0) << input << ": " << run.out;
    EXPECT_NE(run.out.find("read 1 messages"), std::string::npos) << input << ": " << run.out;
    EXPECT_NE(run.out.find("1 malformed"), std::string::npos) << input << ": " << run.out;
    long peak = PeakKilobytes(time_file);
    EXPECT_GT(baseline, 0);
    EXPECT_LT(peak, baseline + kHeadroomKilobytes)
        << input << ": peak " << peak << " KiB, " << baseline << " KiB with a 100-byte line";
  }
}

TEST(HostileInput, HistoryStatsWorksInADirectoryItCannotWrite) {
  std::string dir = TestTempPath("ro");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::string db = dir + "/h.db";
  ProcessResult learned = RunShell(
      kBinary + " learn --no-progress --mbox " + std::string(RCPTGUARD_SOURCE_DIR) +
      "/tests/data/learn/sample.mbox --store sqlite://" + db + " 2>&1");
  ASSERT_EQ(learned.status, 0) << learned.out;
  // The store's directory and file belong to root and are read-only for the
  // user who asks: WAL mode cannot create its -shm file there.
  RunShell("chmod 0555 " + dir + " && chmod 0444 " + db);
  RunShell("rm -f " + db + "-shm " + db + "-wal");
  std::string as_user = geteuid() == 0 ? "runuser -u nobody -- " : "";
  ProcessResult stats =
      RunShell(as_user + kBinary + " history --store sqlite://" + db + " stats 2>&1");
  EXPECT_EQ(stats.status, 0) << stats.out;
  EXPECT_NE(stats.out.find("pairs"), std::string::npos) << stats.out;
  RunShell("chmod 0755 " + dir);
}

TEST(HostileInput, AForeignSqliteFileIsNamedAsSuch) {
  std::string db = TestTempPath("foreign.db");
  std::remove(db.c_str());
  ASSERT_EQ(RunShell("sqlite3 " + db + " 'CREATE TABLE pairs (x); CREATE TABLE other (y);'").status,
            0);
  ProcessResult run = RunShell(kBinary + " history --store sqlite://" + db + " prune 2>&1");
  EXPECT_EQ(run.status, 2) << run.out;
  EXPECT_NE(run.out.find("rcptguard did not create"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("already exists"), std::string::npos) << run.out;
}

TEST(HostileInput, LearnIntoADamagedStoreFailsHonestly) {
  std::string db = TestTempPath("damaged.db");
  std::remove(db.c_str());
  std::string mbox = std::string(RCPTGUARD_SOURCE_DIR) + "/tests/data/learn/sample.mbox";
  ProcessResult first =
      RunShell(kBinary + " learn --no-progress --mbox " + mbox + " --store sqlite://" + db +
               " 2>&1");
  ASSERT_EQ(first.status, 0) << first.out;
  // Fold the WAL in, then overwrite pages in the middle of the file.
  RunShell("sqlite3 " + db + " 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null");
  RunShell("dd if=/dev/urandom of=" + db +
           " bs=4096 seek=2 count=3 conv=notrunc 2>/dev/null");
  ProcessResult again = RunShell(kBinary + " learn --no-progress --mbox " + mbox +
                                 " --store sqlite://" + db + " 2>&1");
  EXPECT_NE(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("damaged"), std::string::npos) << again.out;
}

TEST(HostileInput, UsageErrorsSayWhatIsAllowedInWords) {
  ProcessResult limit = RunShell(kBinary + " history --store memory: top a@b.c --limit 0 2>&1");
  EXPECT_EQ(limit.status, 2) << limit.out;
  EXPECT_NE(limit.out.find("not in range 1 to 100000"), std::string::npos) << limit.out;
  EXPECT_EQ(limit.out.find("1797693"), std::string::npos) << limit.out;
  ProcessResult unknown = RunShell(kBinary + " bogus 2>&1");
  EXPECT_EQ(unknown.status, 2) << unknown.out;
  EXPECT_NE(unknown.out.find("unknown command 'bogus'"), std::string::npos) << unknown.out;
  EXPECT_NE(unknown.out.find("check, "), std::string::npos) << "lists the commands: " << unknown.out;
}

}  // namespace
}  // namespace rcptguard
