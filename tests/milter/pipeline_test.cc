// The milter and `rcptguard scan` are two front ends of one message pipeline:
// the same message gets the same verdicts and the same summary from both.
// And the milter's answers to hostile or out-of-order protocol phases, sent
// with our own milter client (tests/support/milter_client.h).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "rcptguard/marking.h"
#include "rcptguard/message_headers.h"
#include "support/milter_client.h"
#include "support/milter_daemon.h"
#include "support/test_helpers.h"

namespace rcptguard {
namespace {

using testing_support::MilterClient;
using testing_support::MilterDaemon;
using testing_support::MilterReply;
using testing_support::ReadAll;
using testing_support::WaitFor;
using testing_support::WriteAll;

const std::string kCorpus = std::string(RCPTGUARD_SOURCE_DIR) + "/tests/data/markings/";

std::string ReadBinary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string RunCommand(const std::string& command) {
  std::string out = "/tmp/rcptguard-pipeline-" + std::to_string(getpid()) + ".out";
  std::system((command + " > " + out + " 2>&1").c_str());
  std::string text = ReadAll(out);
  std::remove(out.c_str());
  return text;
}

std::string ConfigPath(const std::string& name) {
  std::string example = std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/" + name + ".toml";
  return std::ifstream(example) ? example : kCorpus + name + ".toml";
}

// Opens a client for an outbound SMTP connection from this host.
::testing::AssertionResult OpenOutbound(MilterClient* client, const MilterDaemon& daemon,
                                        char family = '4') {
  if (!client->Open(daemon.socket())) {
    return ::testing::AssertionFailure() << "cannot reach the milter: " << client->error();
  }
  MilterReply connected = client->Connect("localhost", family, 40000, "127.0.0.1");
  if (connected.code != 0 && connected.code != 'c') {
    return ::testing::AssertionFailure() << "connect answered '" << connected.code << "'";
  }
  return ::testing::AssertionSuccess();
}

// Sends one saved message the way Postfix would: MAIL and RCPT, each header,
// the end of headers, the body in chunks of up to 64 KiB, the end.
MilterReply SendMessage(MilterClient* client, const std::string& queue_id,
                        const std::string& sender, const std::vector<std::string>& recipients,
                        const std::string& message) {
  client->Macros('M', {{"i", queue_id}});
  MilterReply mail = client->Mail({"<" + sender + ">"});
  if (mail.code == 'a' || mail.code == 'E') return mail;
  for (const std::string& recipient : recipients) client->Rcpt({"<" + recipient + ">"});
  std::vector<RawHeader> headers;
  std::string_view body;
  SplitMessage(message, &headers, &body);
  for (const RawHeader& header : headers) {
    client->Header(std::string(header.name), std::string(header.value));
  }
  client->EndOfHeaders();
  for (size_t at = 0; at < body.size(); at += 65536) {
    client->Body(std::string(body.substr(at, 65536)));
  }
  client->Macros('E', {{"i", queue_id}});
  return client->EndOfMessage();
}

// The corpus cases (tests/data/markings/cases.txt): file, config, options
// ("-" or max_scan_bytes=N), recipients.
struct CorpusCase {
  std::string file, config, options;
  std::vector<std::string> recipients;
};

std::vector<CorpusCase> CorpusCases() {
  std::vector<CorpusCase> cases;
  std::ifstream in(kCorpus + "cases.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    for (size_t at = 0;;) {
      size_t next = line.find(" | ", at);
      fields.push_back(line.substr(at, next == std::string::npos ? next : next - at));
      if (next == std::string::npos) break;
      at = next + 3;
    }
    if (fields.size() != 6) continue;
    CorpusCase c{fields[0], fields[1], fields[4], {}};
    std::istringstream verdicts(fields[5]);
    std::string item;
    while (std::getline(verdicts, item, ',')) {
      size_t start = item.find_first_not_of(' ');
      size_t equals = item.find('=');
      if (start != std::string::npos && equals != std::string::npos) {
        c.recipients.push_back(item.substr(start, equals - start));
      }
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// The configuration for a case: the named one, with the case's options
// ("max_scan_bytes=N") written into a copy in `dir`.
std::string CaseConfig(const std::string& config, const std::string& options,
                       const std::string& dir) {
  std::string path = ConfigPath(config);
  if (options == "-") return path;
  std::string text = ReadBinary(path);
  size_t equals = options.find('=');
  std::string key = options.substr(0, equals), value = options.substr(equals + 1);
  std::string line = key + " = " + value + "\n";
  size_t at = text.find("\n" + key + " ");
  if (at != std::string::npos) {
    text.replace(at + 1, text.find('\n', at + 1) - at, line);
  } else if ((at = text.find("[markings]\n")) != std::string::npos) {
    text.insert(at + 11, line);
  } else {
    text += "[markings]\n" + line;
  }
  std::string copy = dir + "/" + config + "-" + key + "-" + value + ".toml";
  std::ofstream(copy, std::ios::binary) << text;
  return copy;
}

// What one front end made of a message: each recipient's verdict and the
// summary line.
struct FrontEndAnswer {
  std::map<std::string, std::string> verdicts;  // recipient -> allow, warn, hold, reject
  std::string summary;
};

// `rcptguard scan` on a saved message (`recipients` from --rcpt, or empty:
// from the headers): from its text output, each recipient's verdict (one
// line each, "ACTION  RECIPIENT: detail", as `check` prints them) and the
// summary line. `expected` are the recipients the lines must name.
::testing::AssertionResult ScanAnswer(const std::string& config, const std::string& file,
                                      const std::vector<std::string>& recipients,
                                      const std::vector<std::string>& expected,
                                      FrontEndAnswer* answer) {
  std::string command = std::string(RCPTGUARD_BINARY) + " scan --format text -c " + config;
  for (const std::string& rcpt : recipients) command += " --rcpt " + rcpt;
  std::istringstream lines(RunCommand(command + " " + file));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("summary: ", 0) == 0) {
      answer->summary = line.substr(9);
      return ::testing::AssertionSuccess();
    }
    if (line.rfind("markings:", 0) == 0 || line.size() < 8) continue;
    std::string rest = line.substr(7);
    bool named = false;
    for (const std::string& recipient : expected) {
      if (rest.rfind(recipient, 0) != 0) continue;
      char after = rest.size() == recipient.size() ? ':' : rest[recipient.size()];
      if (after == ':' || after == '.') {
        answer->verdicts[recipient] = line.substr(0, line.find(' '));
        named = true;
      }
    }
    if (!named) {
      return ::testing::AssertionFailure() << "scan printed a line for no recipient: " << line;
    }
  }
  return ::testing::AssertionFailure() << "scan printed no summary";
}

// The milter on the same message, sent as Postfix would: the verdicts as the
// milter acts on them (refused at RCPT TO: reject; else what the log line's
// detail names, "; RCPT ACTION ...", or allow), the summary from its log
// line, and its end-of-message answer checked against that summary.
::testing::AssertionResult MilterAnswer(const MilterDaemon& daemon, const std::string& queue_id,
                                        const std::string& message,
                                        const std::vector<std::string>& recipients,
                                        FrontEndAnswer* answer) {
  SentMessage envelope;
  ParseMessageHeaders(message.substr(0, message.find("\n\n")), &envelope);
  MilterClient client;
  if (auto opened = OpenOutbound(&client, daemon); !opened) return opened;
  client.Macros('M', {{"i", queue_id}});
  client.Mail({"<" + envelope.sender + ">"});
  std::vector<bool> refused;
  for (const std::string& recipient : recipients) {
    refused.push_back(client.Rcpt({"<" + recipient + ">"}).code == 'y');
  }
  std::vector<RawHeader> headers;
  std::string_view body;
  SplitMessage(message, &headers, &body);
  for (const RawHeader& header : headers) {
    client.Header(std::string(header.name), std::string(header.value));
  }
  client.EndOfHeaders();
  for (size_t at = 0; at < body.size(); at += 65536) {
    client.Body(std::string(body.substr(at, 65536)));
  }
  client.Macros('E', {{"i", queue_id}});
  MilterReply end = client.EndOfMessage();
  client.Quit();
  std::string prefix = queue_id + ": from=";
  if (!WaitFor([&] { return daemon.LogCount(prefix) == 1; })) {
    return ::testing::AssertionFailure() << "no log line " << prefix << ": " << daemon.Log();
  }
  std::string log = daemon.Log();
  size_t line = log.find(prefix);
  size_t start = line + queue_id.size() + 2;
  answer->summary = log.substr(start, log.find('\n', line) - start);
  for (size_t i = 0; i < recipients.size(); ++i) {
    std::string detail = "; " + recipients[i] + " ";
    size_t at = answer->summary.find(detail);
    std::string action = "allow";
    if (refused[i]) {
      action = "reject";
    } else if (at != std::string::npos) {
      at += detail.size();
      action = answer->summary.substr(at, answer->summary.find(' ', at) - at);
    }
    answer->verdicts[recipients[i]] = action;
  }
  // What the milter did must be what its log line says it did.
  bool says_reject = answer->summary.find(" action=reject") != std::string::npos;
  bool says_hold = answer->summary.find(" action=hold") != std::string::npos;
  if (says_reject != (end.code == 'y') || says_hold != end.has('q')) {
    return ::testing::AssertionFailure()
           << "got end-of-message answer '" << end.code << "' (quarantine "
           << (end.has('q') ? "yes" : "no") << "), want what the log says: " << answer->summary;
  }
  return ::testing::AssertionSuccess();
}

TEST(Pipeline, ScanAndTheMilterGiveTheSameVerdictsAndSummaryForEveryCorpusMessage) {
  std::vector<CorpusCase> cases = CorpusCases();
  ASSERT_GT(cases.size(), 40u);
  std::string dir = ::testing::TempDir() + "rcptguard-pipeline-" + std::to_string(getpid());
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::map<std::string, std::vector<const CorpusCase*>> by_config;
  for (const CorpusCase& c : cases) by_config[CaseConfig(c.config, c.options, dir)].push_back(&c);
  size_t compared = 0;
  for (const auto& [config, members] : by_config) {
    MilterDaemon daemon;
    ASSERT_TRUE(daemon.Start({"-c", config}));
    int number = 0;
    for (const CorpusCase* c : members) {
      SCOPED_TRACE(c->file + " (" + config + ")");
      FrontEndAnswer scan, milter;
      ASSERT_TRUE(ScanAnswer(config, kCorpus + c->file, c->recipients, c->recipients, &scan));
      ASSERT_TRUE(MilterAnswer(daemon, "CORPUS" + std::to_string(++number),
                               ReadBinary(kCorpus + c->file), c->recipients, &milter));
      EXPECT_EQ(milter.verdicts, scan.verdicts) << "got (milter) vs want (scan)";
      EXPECT_EQ(milter.summary, scan.summary) << "got (milter) vs want (scan)";
      ++compared;
    }
  }
  EXPECT_EQ(compared, cases.size());
  std::system(("rm -rf " + dir).c_str());
}

// A header block past the scan bound: the milter is handed every field, and
// scan reads every field too (issue 11), so both check every recipient and
// both call the scan truncated.
TEST(Pipeline, ScanAndTheMilterAgreeOnAHeaderBlockPastTheScanBound) {
  std::string dir = ::testing::TempDir() + "rcptguard-pipeline-big-" + std::to_string(getpid());
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string config = CaseConfig("uk-department", "max_scan_bytes=65536", dir);
  std::string message = "From: bob@mod.uk\n";
  for (int i = 0; message.size() < 100000; ++i) {
    message += "X-Filler-" + std::to_string(i) + ": " + std::string(1000, 'f') + "\n";
  }
  message += "Subject: OFFICIAL-SENSITIVE: contract\nTo: j@example.com, a@army.mil\n\nBody.\n";
  std::string file = dir + "/big-headers.eml";
  std::ofstream(file, std::ios::binary) << message;
  MilterDaemon daemon;
  ASSERT_TRUE(daemon.Start({"-c", config}));
  FrontEndAnswer scan, milter;
  std::vector<std::string> recipients = {"j@example.com", "a@army.mil"};
  ASSERT_TRUE(ScanAnswer(config, file, {}, recipients, &scan));
  ASSERT_TRUE(MilterAnswer(daemon, "BIGHEADERS1", message, recipients, &milter));
  EXPECT_EQ(milter.verdicts, scan.verdicts) << "got (milter) vs want (scan)";
  EXPECT_EQ(milter.summary, scan.summary) << "got (milter) vs want (scan)";
  std::map<std::string, std::string> want = {{"j@example.com", "hold"}, {"a@army.mil", "allow"}};
  EXPECT_EQ(scan.verdicts, want) << "got (scan) vs want";
  EXPECT_NE(scan.summary.find(" scan=truncated "), std::string::npos)
      << "got " << scan.summary << ", want scan=truncated";
  std::system(("rm -rf " + dir).c_str());
}

class MilterPhases : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteAll(daemon_.Path("partners.txt"), "army.mil\n");
    ASSERT_TRUE(daemon_.Start({"--trusted-file", daemon_.Path("partners.txt")}));
  }
  MilterDaemon daemon_;
};

TEST_F(MilterPhases, AForgedHeaderIsRemovedAndOnlyCheckedIsAdded) {
  MilterClient client;
  ASSERT_TRUE(OpenOutbound(&client, daemon_));
  MilterReply end = SendMessage(&client, "FORGED1", "bob@mod.uk", {"carol@army.mil"},
                                "X-Rcptguard: checked 1 recipient\nSubject: hi\n"
                                "x-rcptguard: checked\n\nhello\n");
  EXPECT_EQ(end.code, 'c');
  std::vector<std::string> changes;
  for (const auto& [kind, data] : end.modifications) {
    if (kind == 'm') changes.push_back(data);
  }
  // Both arrived fields are deleted (index, name, empty value), last first.
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].substr(4), std::string("X-Rcptguard\0\0", 13));
  EXPECT_EQ(changes[0].substr(0, 4), std::string("\0\0\0\2", 4));
  EXPECT_EQ(changes[1].substr(0, 4), std::string("\0\0\0\1", 4));
  bool added = false;
  for (const auto& [kind, data] : end.modifications) {
    if (kind == 'h') added = data == std::string("X-Rcptguard\0checked\0", 20);
  }
  EXPECT_TRUE(added) << "no 'X-Rcptguard: checked' added";
}

TEST_F(MilterPhases, AnAbortedMessageIsLoggedAsAbortedNotDelivered) {
  MilterClient client;
  ASSERT_TRUE(OpenOutbound(&client, daemon_));
  client.Macros('M', {{"i", "ABORTED1"}});
  client.Mail({"<bob@mod.uk>"});
  client.Rcpt({"<carol@army.mil>"});
  client.Abort();
  client.Quit();
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("ABORTED1: ") == 1; })) << daemon_.Log();
  EXPECT_EQ(daemon_.LogCount("ABORTED1: from=<bob@mod.uk> rcpts=1 refused=0 hold=0 warn=0 "
                             "action=aborted"),
            1u)
      << daemon_.Log();
}

TEST_F(MilterPhases, ASecondMailWithoutAnAbortLogsTheFirstUnderItsOwnQueueId) {
  MilterClient client;
  ASSERT_TRUE(OpenOutbound(&client, daemon_));
  client.Macros('M', {{"i", "FIRST1"}});
  client.Mail({"<bob@mod.uk>"});
  client.Rcpt({"<carol@army.mil>"});
  MilterReply second = SendMessage(&client, "SECOND1", "bob@mod.uk", {"dave@army.mil"},
                                   "Subject: second\n\nhello\n");
  EXPECT_EQ(second.code, 'c');
  client.Quit();
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("SECOND1: ") == 1; })) << daemon_.Log();
  EXPECT_EQ(daemon_.LogCount("FIRST1: from=<bob@mod.uk> rcpts=1 refused=0 hold=0 warn=0 "
                             "action=aborted"),
            1u)
      << daemon_.Log();
  EXPECT_EQ(daemon_.LogCount("SECOND1: from=<bob@mod.uk> rcpts=1 refused=0 hold=0 warn=0 "
                             "action=deliver"),
            1u)
      << daemon_.Log();
}

TEST_F(MilterPhases, ALocalClientWithNoNetworkAddressIsOutbound) {
  // Sendmail reports local submissions as a unix-domain client ('L') or an
  // unknown family ('U'); [outbound] local_clients counts them.
  for (char family : {'L', 'U'}) {
    MilterClient client;
    ASSERT_TRUE(client.Open(daemon_.socket()));
    client.Connect("localhost", family, 0, "/var/run/sendmail.sock");
    client.Mail({"<bob@mod.uk>"});
    MilterReply refused = client.Rcpt({"<alice@army.ml>"});
    EXPECT_EQ(refused.code, 'y') << "family " << family;
    EXPECT_NE(refused.text.find("did you mean alice@army.mil?"), std::string::npos)
        << refused.text;
    client.Quit();
  }
}

TEST_F(MilterPhases, ABodyBeforeTheHeadersAndLargeHeadersAreCheckedNotCrashed) {
  MilterClient client;
  ASSERT_TRUE(OpenOutbound(&client, daemon_));
  client.Macros('M', {{"i", "LARGE1"}});
  client.Mail({"<bob@mod.uk>"});
  EXPECT_EQ(client.Rcpt({"<carol@army.mil>"}).code, 'c');
  client.Body("a body before any header\n");
  // 60 KB: where miltertest itself crashes; under libmilter's packet limit.
  client.Header("Subject", std::string(60000, 'x'));
  client.Header("To", "Carol <carol@army.mil>, " + std::string(60000, 'y') + "@army.mil");
  client.EndOfHeaders();
  client.Macros('E', {{"i", "LARGE1"}});
  MilterReply end = client.EndOfMessage();
  EXPECT_EQ(end.code, 'c') << client.error();
  client.Quit();
  EXPECT_TRUE(WaitFor([&] { return daemon_.LogCount("LARGE1: from=<bob@mod.uk>") == 1; }))
      << daemon_.Log();
}

TEST_F(MilterPhases, APacketOverLibmiltersLimitDropsTheConnectionAndTheMilterServesOn) {
  MilterClient client;
  ASSERT_TRUE(OpenOutbound(&client, daemon_));
  client.Mail({"<bob@mod.uk>"});
  client.Rcpt({"<carol@army.mil>"});
  // libmilter refuses a packet over its limit by closing the connection: the
  // MTA then applies milter_default_action (tempfail), so nothing passes.
  client.Header("Subject", std::string(300000, 'x'));
  EXPECT_EQ(client.EndOfMessage().code, 'E');
  MilterClient next;
  ASSERT_TRUE(OpenOutbound(&next, daemon_));
  next.Mail({"<bob@mod.uk>"});
  MilterReply refused = next.Rcpt({"<alice@army.ml>"});
  EXPECT_EQ(refused.code, 'y') << next.error();
}

}  // namespace
}  // namespace rcptguard
