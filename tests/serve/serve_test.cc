// `rcptguard serve` as a black box: the real binary on a free loopback port,
// its tokens made with `rcptguard token`, driven over HTTP (cpp-httplib's
// client), compared with `rcptguard check --format jsonl` and `rcptguard scan`.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli_helpers.h"
#include "support/test_helpers.h"

namespace rcptguard {
namespace {

using testing_support::ProcessResult;
using testing_support::ReadAll;
using testing_support::RunShell;
using testing_support::WaitFor;
using Json = nlohmann::json;

const std::string kBinary = RCPTGUARD_BINARY;
const std::string kExample =
    std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/uk-department.toml";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// `rcptguard serve -f` in its own folder: its config (the UK department
// example with a [serve] section), its tokens file and its log.
class ServeDaemon {
 public:
  ServeDaemon() {
    char pattern[] = "/tmp/rcptguard-serve-test.XXXXXX";
    dir_ = mkdtemp(pattern);
  }
  ~ServeDaemon() {
    Stop();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Log() const { return ReadAll(Path("daemon.log")); }
  std::string config() const { return Path("rcptguard.toml"); }
  std::string tokens() const { return Path("tokens"); }

  // The example with `extra` (TOML) appended.
  void WriteConfig(const std::string& extra) {
    WriteFile(config(), ReadAll(kExample) + "\n" + extra);
  }

  // `rcptguard token add NAME`: the token it printed ("" on failure).
  std::string AddToken(const std::string& name, const std::string& role = "check") {
    ProcessResult run = RunShell(kBinary + " token add " + name + " --role " + role +
                                 " --tokens-file " + tokens() + " 2>/dev/null");
    if (run.status != 0 || run.out.empty()) return "";
    return run.out.substr(0, run.out.size() - 1);
  }

  // Starts the daemon on a free port (--listen 127.0.0.1:0; it logs the
  // port) and waits until /healthz answers at all.
  ::testing::AssertionResult Start(const std::vector<std::string>& args = {}) {
    pid_ = fork();
    if (pid_ == 0) {
      std::string log = Path("daemon.log");
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      std::vector<std::string> argv = {
          "rcptguard", "serve",    "-f",          "-c", config(),         "--tokens-file",
          tokens(),    "--listen", "127.0.0.1:0", "-P", Path("serve.pid")};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c_argv;
      for (std::string& arg : argv) c_argv.push_back(arg.data());
      c_argv.push_back(nullptr);
      execv(RCPTGUARD_BINARY, c_argv.data());
      _exit(127);
    }
    const std::string kListening = "listening on 127.0.0.1:";
    bool up = WaitFor([&] {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
      }
      std::string log = Log();
      size_t at = log.find(kListening);
      if (at == std::string::npos) return false;
      port_ = std::atoi(log.c_str() + at + kListening.size());
      return Client().Get("/healthz") != nullptr;
    });
    if (pid_ < 0) return ::testing::AssertionFailure() << "the daemon exited: " << Log();
    if (!up) return ::testing::AssertionFailure() << "the daemon never answered: " << Log();
    return ::testing::AssertionSuccess();
  }

  // Waits until /healthz answers `status`.
  bool WaitForHealth(int status) {
    return WaitFor([&] {
      auto res = Client().Get("/healthz");
      return res && res->status == status;
    });
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  void Reload() { kill(pid_, SIGHUP); }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    return client;
  }

  httplib::Result Check(const std::string& body, const std::string& token) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return Client().Post("/api/v1/check", headers, body, "application/json");
  }

  size_t LogCount(const std::string& text) const {
    std::string log = Log();
    size_t count = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
    return count;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

Json CheckBody(const std::vector<std::string>& recipients, const std::string& subject = "") {
  Json body = {{"from", "bob@mod.uk"}, {"recipients", recipients}};
  if (!subject.empty()) body["subject"] = subject;
  return body;
}

// `rcptguard check --format jsonl` for the same addresses: one object each.
std::vector<Json> CheckCommand(const std::string& config,
                               const std::vector<std::string>& addresses) {
  std::string command = kBinary + " check --format jsonl --from bob@mod.uk -c " + config;
  for (const std::string& address : addresses) command += " '" + address + "'";
  ProcessResult run = RunShell(command);
  std::vector<Json> lines;
  std::istringstream in(run.out);
  for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
  return lines;
}

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.WriteConfig("[serve]\nmax_recipients = 20\nmax_request_bytes = 4096\n");
    token_ = daemon_.AddToken("outlook-addin");
    ASSERT_FALSE(token_.empty());
    ASSERT_TRUE(daemon_.Start());
    ASSERT_TRUE(daemon_.WaitForHealth(200)) << daemon_.Log();
  }
  ServeDaemon daemon_;
  std::string token_;
};

// Each element is exactly what `check --format jsonl` prints for the address.
TEST_F(Serve, CheckAnswersWhatTheCheckCommandAnswers) {
  std::vector<std::string> addresses = {"alice@army.ml",  "carol@hmrc.gov.uk", "dan@mod.co.uk",
                                        "eve@nato.in",    "frank@gmail.com",   "not an address",
                                        "gina@hmrc.gv.uk"};
  auto res = daemon_.Check(CheckBody(addresses).dump(), token_);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  Json answer = Json::parse(res->body);
  std::vector<Json> want = CheckCommand(daemon_.config(), addresses);
  ASSERT_EQ(answer["recipients"].size(), addresses.size()) << res->body;
  ASSERT_EQ(want.size(), addresses.size());
  std::map<std::string, int> verdicts;
  for (size_t i = 0; i < addresses.size(); ++i) {
    EXPECT_EQ(answer["recipients"][i], want[i])
        << addresses[i] << ": got " << answer["recipients"][i] << ", want " << want[i];
    ++verdicts[answer["recipients"][i]["verdict"].get<std::string>()];
  }
  // The set is not all one verdict: it would prove nothing.
  EXPECT_GE(verdicts["reject"], 2);
  EXPECT_GE(verdicts["allow"], 2);
}

// A marked subject: the verdicts of `rcptguard scan` for the same message
// (scan and the milter agree on every corpus case: tests/milter/pipeline_test.cc).
TEST_F(Serve, AMarkedSubjectGetsTheVerdictsScanAndTheMilterGive) {
  std::vector<std::string> recipients = {"j@example.com", "a@army.mil"};
  auto res = daemon_.Check(CheckBody(recipients, "OFFICIAL-SENSITIVE: contract").dump(), token_);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json answer = Json::parse(res->body);
  std::string eml = daemon_.Path("marked.eml");
  WriteFile(eml,
            "From: bob@mod.uk\nTo: j@example.com, a@army.mil\nSubject: OFFICIAL-SENSITIVE: "
            "contract\n\nBody.\n");
  ProcessResult scan =
      RunShell(kBinary + " scan --format jsonl -c " + daemon_.config() + " " + eml);
  std::istringstream in(scan.out);
  size_t i = 0;
  for (std::string line; std::getline(in, line); ++i) {
    Json want = Json::parse(line);
    for (const char* scan_only : {"markings", "malformed", "truncated"}) want.erase(scan_only);
    ASSERT_LT(i, answer["recipients"].size());
    EXPECT_EQ(answer["recipients"][i], want)
        << "got " << answer["recipients"][i] << ", want " << want;
  }
  EXPECT_EQ(i, recipients.size());
  EXPECT_EQ(answer["recipients"][0]["verdict"], "hold") << res->body;
  EXPECT_EQ(answer["recipients"][1]["verdict"], "allow") << res->body;
  // Unmarked, the same recipient goes.
  auto plain = daemon_.Check(CheckBody(recipients, "contract").dump(), token_);
  ASSERT_TRUE(plain);
  EXPECT_EQ(Json::parse(plain->body)["recipients"][0]["verdict"], "allow") << plain->body;
}

TEST_F(Serve, ACheckWithoutAValidTokenIs401AndNeverCached) {
  struct Case {
    std::string name;
    std::string header;  // the Authorization value; "" for none
  };
  std::vector<Case> cases = {
      {"no header", ""},
      {"wrong token", "Bearer " + std::string(43, 'A')},
      {"token of another scheme", "Basic " + token_},
      {"empty bearer", "Bearer "},
      {"the token with one character changed",
       "Bearer " + token_.substr(0, token_.size() - 1) + (token_.back() == 'x' ? "y" : "x")},
  };
  for (const Case& c : cases) {
    httplib::Headers headers;
    if (!c.header.empty()) headers.emplace("Authorization", c.header);
    auto res = daemon_.Client().Post("/api/v1/check", headers, CheckBody({"alice@army.ml"}).dump(),
                                     "application/json");
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, 401) << c.name << ": got " << res->status << ", want 401";
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << c.name;
    EXPECT_TRUE(Json::parse(res->body).contains("error")) << c.name << ": " << res->body;
    EXPECT_EQ(res->body.find("army"), std::string::npos) << c.name << ": " << res->body;
  }
  auto good = daemon_.Check(CheckBody({"alice@army.ml"}).dump(), token_);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
}

TEST_F(Serve, BadInputIsAClearJsonErrorAndTheDaemonGoesOn) {
  std::vector<std::string> many(21, "a@army.mil");
  struct Case {
    std::string name;
    std::string body;
    int status;
    std::string says;
  };
  std::vector<Case> cases = {
      {"not JSON", "{\"recipients\": [", 400, "not valid JSON"},
      {"nested 4000 deep", "{\"recipients\": " + std::string(4000, '['), 400, "not valid JSON"},
      {"an array", "[\"a@army.mil\"]", 400, "JSON object"},
      {"no recipients", "{\"from\": \"bob@mod.uk\"}", 400, "at least one"},
      {"empty recipients", "{\"recipients\": []}", 400, "at least one"},
      {"recipients a string", "{\"recipients\": \"a@army.mil\"}", 400, "array of strings"},
      {"a recipient a number", "{\"recipients\": [42]}", 400, "must be a string"},
      {"from a number", "{\"from\": 1, \"recipients\": [\"a@army.mil\"]}", 400, "'from'"},
      {"unknown field", "{\"recipient\": [\"a@army.mil\"]}", 400, "unknown field 'recipient'"},
      {"headers an array", "{\"recipients\": [\"a@army.mil\"], \"headers\": []}", 400, "'headers'"},
      {"bad header name", "{\"recipients\": [\"a@army.mil\"], \"headers\": {\"Sub ject\": \"x\"}}",
       400, "not a header field name"},
      {"too many recipients", Json{{"recipients", many}}.dump(), 400, "at most 20"},
      {"too big a body",
       Json{{"recipients", {"a@army.mil"}}, {"subject", std::string(5000, 'x')}}.dump(), 413,
       "too large"},
  };
  for (const Case& c : cases) {
    auto res = daemon_.Check(c.body, token_);
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, c.status) << c.name << ": got " << res->status << " " << res->body;
    Json error = Json::parse(res->body, nullptr, false);
    ASSERT_FALSE(error.is_discarded()) << c.name << ": " << res->body;
    EXPECT_NE(error.value("error", "").find(c.says), std::string::npos)
        << c.name << ": got " << res->body << ", want it to say " << c.says;
  }
  auto res = daemon_.Check(CheckBody({"alice@army.ml"}).dump(), token_);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

// The value of one sample line of the exposition ("name{labels} value"), or -1.
double Sample(const std::string& metrics, const std::string& series) {
  size_t at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

TEST_F(Serve, MetricsCountTheChecksVerdictsAndLatency) {
  for (int i = 0; i < 3; ++i) {
    auto res = daemon_.Check(CheckBody({"alice@army.ml", "carol@hmrc.gov.uk"}).dump(), token_);
    ASSERT_TRUE(res && res->status == 200);
  }
  auto refused = daemon_.Check(CheckBody({"alice@army.ml"}).dump(), "");
  ASSERT_TRUE(refused && refused->status == 401);
  auto res = daemon_.Client().Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& m = res->body;
  EXPECT_EQ(
      Sample(m, "rcptguard_api_verdicts_total{verdict=\"reject\",reason=\"lookalike-domain\"}"), 3)
      << m;
  EXPECT_EQ(Sample(m, "rcptguard_api_verdicts_total{verdict=\"allow\",reason=\"none\"}"), 3) << m;
  EXPECT_EQ(Sample(m, "rcptguard_api_check_duration_seconds_count"), 3) << m;
  EXPECT_EQ(Sample(m, "rcptguard_api_check_duration_seconds_bucket{le=\"+Inf\"}"), 3) << m;
  EXPECT_EQ(Sample(m, "rcptguard_api_responses_total{code=\"200\"}"), 3) << m;
  EXPECT_EQ(Sample(m, "rcptguard_api_responses_total{code=\"401\"}"), 1) << m;
  EXPECT_EQ(Sample(m, "rcptguard_build_info{version=\"" RCPTGUARD_VERSION "\"}"), 1) << m;
  // Every name is ours.
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    std::string name = line.rfind("# ", 0) == 0 ? line.substr(line.find(' ', 2) + 1) : line;
    EXPECT_EQ(name.rfind("rcptguard_", 0), 0u) << line;
  }
}

// SIGHUP with a broken file keeps the running configuration and tokens; a
// good one brings a revoked token's refusal.
TEST_F(Serve, AReloadWithABrokenConfigKeepsServingAndAGoodOneTakesNewTokens) {
  std::string good = ReadAll(daemon_.config());
  WriteFile(daemon_.config(), good + "\n[serve]\nno_such_key = 1\n");
  daemon_.Reload();
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("reload failed") == 1; })) << daemon_.Log();
  auto res = daemon_.Check(CheckBody({"alice@army.ml"}).dump(), token_);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Json::parse(res->body)["recipients"][0]["verdict"], "reject");

  WriteFile(daemon_.config(), good);
  ASSERT_EQ(
      RunShell(kBinary + " token revoke outlook-addin --tokens-file " + daemon_.tokens() + " 2>&1")
          .status,
      0);
  std::string second = daemon_.AddToken("second");
  ASSERT_FALSE(second.empty());
  daemon_.Reload();
  ASSERT_TRUE(WaitFor([&] { return daemon_.LogCount("configuration reloaded") == 1; }))
      << daemon_.Log();
  auto revoked = daemon_.Check(CheckBody({"alice@army.ml"}).dump(), token_);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 401);
  auto added = daemon_.Check(CheckBody({"alice@army.ml"}).dump(), second);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->status, 200);
}

TEST(ServeHealth, HealthzIs503WithTheReasonWhenTheStoreGoesAway) {
  ServeDaemon daemon;
  std::string store_dir = daemon.Path("store");
  ASSERT_EQ(mkdir(store_dir.c_str(), 0700), 0);
  daemon.WriteConfig("[history]\nstore = \"sqlite://" + store_dir + "/history.db\"\n");
  ASSERT_FALSE(daemon.AddToken("t").empty());
  ASSERT_TRUE(daemon.Start());
  ASSERT_TRUE(daemon.WaitForHealth(200)) << daemon.Log();
  auto metrics = daemon.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(Sample(metrics->body, "rcptguard_store_up"), 1) << metrics->body;
  std::system(("rm -rf '" + store_dir + "'").c_str());
  auto res = daemon.Client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  Json body = Json::parse(res->body);
  EXPECT_NE(body.value("reason", "").find("does not exist"), std::string::npos) << res->body;
  metrics = daemon.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(Sample(metrics->body, "rcptguard_store_up"), 0) << metrics->body;
  ASSERT_EQ(mkdir(store_dir.c_str(), 0700), 0);
  EXPECT_TRUE(daemon.WaitForHealth(200)) << daemon.Log();
}

// With a store, the API's verdicts include history, as `check --store` does:
// a slip of a frequent correspondent's address is unfamiliar-recipient.
TEST(ServeHistory, HistoryVerdictsAreTheCheckCommandsWithTheSameStore) {
  ServeDaemon daemon;
  std::string mbox;
  for (int i = 0; i < 4; ++i) {
    mbox += "From alice@mod.uk Mon Dec  1 10:0" + std::to_string(i) +
            ":00 2026\nFrom: Alice <alice@mod.uk>\nTo: \"Smith, John\" <john.smith@army.mil>\n"
            "Subject: week " +
            std::to_string(i) + "\nMessage-ID: <w" + std::to_string(i) +
            "@mod.uk>\nDate: Mon, 1 Dec 2026 10:0" + std::to_string(i) +
            ":00 +0000\n\nFigures.\n\n";
  }
  WriteFile(daemon.Path("sent.mbox"), mbox);
  std::string store = "sqlite://" + daemon.Path("history.db");
  daemon.WriteConfig("[history]\nstore = \"" + store + "\"\n");
  ProcessResult learned = RunShell(kBinary + " learn --no-progress -c " + daemon.config() +
                                   " --mbox " + daemon.Path("sent.mbox") + " 2>&1");
  ASSERT_EQ(learned.status, 0) << learned.out;
  std::string token = daemon.AddToken("t");
  ASSERT_TRUE(daemon.Start());
  ASSERT_TRUE(daemon.WaitForHealth(200)) << daemon.Log();
  std::vector<std::string> addresses = {"john.smith@army.mil", "jon.smith@army.mil",
                                        "someone@army.mil"};
  Json body = {{"from", "alice@mod.uk"}, {"recipients", addresses}};
  auto res = daemon.Check(body.dump(), token);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  Json answer = Json::parse(res->body);
  std::string command = kBinary + " check --format jsonl --from alice@mod.uk -c " + daemon.config();
  for (const std::string& address : addresses) command += " " + address;
  ProcessResult check = RunShell(command);
  std::istringstream in(check.out);
  size_t i = 0;
  for (std::string line; std::getline(in, line); ++i) {
    ASSERT_LT(i, addresses.size());
    Json want = Json::parse(line);
    EXPECT_EQ(answer["recipients"][i], want)
        << addresses[i] << ": got " << answer["recipients"][i] << ", want " << want;
  }
  EXPECT_EQ(i, addresses.size());
  ASSERT_EQ(answer["recipients"][1]["reasons"].size(), 1u) << res->body;
  EXPECT_EQ(answer["recipients"][1]["reasons"][0]["code"], "unfamiliar-recipient") << res->body;
}

TEST(ServeCheckConfig, DashNChecksTheConfigurationAndExits) {
  ServeDaemon daemon;
  struct Case {
    std::string name;
    std::string extra;  // appended to the example
    std::string flags;
    int status;
    std::string says;
  };
  std::vector<Case> cases = {
      {"the example", "", "", 0, "configuration OK"},
      {"no tokens file yet", "", "", 0, "every API call is refused"},
      {"a non-loopback listen address", "", "--listen 192.0.2.1:9025", 78, "not loopback"},
      {"a wildcard listen address", "[serve]\nlisten = \"0.0.0.0:9025\"\n", "", 78, "not loopback"},
      {"a bad port", "", "--listen 127.0.0.1:http", 78, "port"},
      {"an unknown key", "[serve]\nlisten_port = 1\n", "", 78, "listen_port"},
      {"too many threads", "[serve]\nthreads = 1000\n", "", 78, "threads"},
  };
  for (const Case& c : cases) {
    daemon.WriteConfig(c.extra);
    ProcessResult run = RunShell(kBinary + " serve -n -c " + daemon.config() + " --tokens-file " +
                                 daemon.tokens() + " " + c.flags + " 2>&1");
    EXPECT_EQ(run.status, c.status) << c.name << ": " << run.out;
    EXPECT_NE(run.out.find(c.says), std::string::npos)
        << c.name << ": got " << run.out << ", want it to say " << c.says;
  }
  WriteFile(daemon.tokens(), "broken line\n");
  daemon.WriteConfig("");
  ProcessResult run = RunShell(kBinary + " serve -n -c " + daemon.config() + " --tokens-file " +
                               daemon.tokens() + " 2>&1");
  EXPECT_EQ(run.status, 78) << run.out;
  EXPECT_NE(run.out.find(daemon.tokens() + ":1"), std::string::npos) << run.out;
}

TEST(TokenCommand, AddPrintsTheTokenOnceAndTheFileKeepsOnlyItsHash) {
  ServeDaemon daemon;
  std::string token = daemon.AddToken("addin", "admin");
  ASSERT_EQ(token.size(), 43u) << token;  // 32 bytes, URL-safe base64 without padding
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  std::string other = daemon.AddToken("second");
  EXPECT_NE(other, token);
  std::string file = ReadAll(daemon.tokens());
  EXPECT_EQ(file.find(token), std::string::npos) << file;
  struct stat info;
  ASSERT_EQ(stat(daemon.tokens().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  ProcessResult list = RunShell(kBinary + " token list --tokens-file " + daemon.tokens());
  EXPECT_EQ(list.status, 0);
  EXPECT_NE(list.out.find("addin\tadmin\t20"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("second\tcheck\t"), std::string::npos) << list.out;
  EXPECT_EQ(
      list.out.find(file.substr(file.rfind('\t', file.find("\n", file.find("addin"))) + 1, 16)),
      std::string::npos)
      << "list shows a hash: " << list.out;
}

TEST(TokenCommand, MistakesAreClearErrors) {
  ServeDaemon daemon;
  ASSERT_FALSE(daemon.AddToken("addin").empty());
  std::string file = " --tokens-file " + daemon.tokens() + " 2>&1";
  std::string missing = " --tokens-file " + daemon.Path("none") + " 2>&1";
  struct Case {
    std::string name;
    std::string args;
    std::string says;
  };
  std::vector<Case> cases = {
      {"a duplicate name", "add addin" + file, "exists already"},
      {"a bad role", "add other --role root" + file, "--role must be check or admin"},
      {"a bad name", "add 'a b'" + file, "token name"},
      {"revoking an unknown name", "revoke nobody" + file, "no token named 'nobody'"},
      {"listing a missing file", "list" + missing, "does not exist"},
      {"revoking in a missing file", "revoke addin" + missing, "does not exist"},
  };
  std::string before = ReadAll(daemon.tokens());
  for (const Case& c : cases) {
    ProcessResult run = RunShell(kBinary + " token " + c.args);
    EXPECT_EQ(run.status, 2) << c.name << ": " << run.out;
    EXPECT_NE(run.out.find(c.says), std::string::npos)
        << c.name << ": got " << run.out << ", want it to say " << c.says;
  }
  EXPECT_EQ(ReadAll(daemon.tokens()), before) << "a failed command changed the file";
}

// `serve --create-link-key` makes the key the error message names: 32
// bytes, mode 0600; it never writes over a key that exists.
TEST(ServeLinkKey, CreateLinkKeyMakesAPrivateKeyOnceAndNeverOverwrites) {
  ServeDaemon daemon;
  std::string key = daemon.Path("link-key");
  daemon.WriteConfig("[serve]\nlink_key_file = \"" + key + "\"\n");
  ProcessResult first = RunShell(kBinary + " serve --create-link-key -c " + daemon.config());
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_NE(first.out.find(key), std::string::npos) << first.out;
  struct stat info {};
  ASSERT_EQ(stat(key.c_str(), &info), 0);
  EXPECT_EQ(info.st_size, 32) << "got " << info.st_size << " bytes, want 32";
  EXPECT_EQ(info.st_mode & 0777, 0600u) << std::oct << (info.st_mode & 0777);
  std::string bytes = ReadAll(key);
  ProcessResult second =
      RunShell(kBinary + " serve --create-link-key -c " + daemon.config() + " 2>&1");
  EXPECT_NE(second.status, 0) << second.out;
  EXPECT_NE(second.out.find(key), std::string::npos) << second.out;
  EXPECT_EQ(ReadAll(key), bytes) << "an existing key was overwritten";
}

// The link pages answer even for links that are no good, with a page that
// says so and acts on nothing; never cached, with a strict CSP. Without a
// key the daemon still serves the API and says links are off.
TEST(ServeLinkPages, BadLinksAreRefusedWithAPageAndNoKeyMeansLinksAreOff) {
  ServeDaemon daemon;
  std::string key = daemon.Path("link-key");
  daemon.WriteConfig("[serve]\nlink_key_file = \"" + key + "\"\nscan_seconds = 1\n" +
                     "[milter]\nhold_directory = \"" + daemon.Path("held") + "\"\n");
  ASSERT_TRUE(daemon.Start());
  auto off = daemon.Client().Get("/link/AAAA");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, 503) << off->body;
  EXPECT_NE(daemon.Log().find("sender links are off"), std::string::npos) << daemon.Log();
  daemon.Stop();

  ASSERT_EQ(RunShell(kBinary + " serve --create-link-key -c " + daemon.config()).status, 0);
  unlink(daemon.Path("daemon.log").c_str());  // Start reads the port from the log
  ASSERT_TRUE(daemon.Start());
  struct Case {
    std::string name;
    std::string method;
    std::string path;
    int want_status;
  };
  const std::vector<Case> cases = {
      {"garbage token, GET", "GET", "/link/not-a-token", 403},
      {"garbage token, POST", "POST", "/link/not-a-token", 403},
      {"truncated token, GET", "GET", "/link/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 403},
  };
  for (const Case& c : cases) {
    auto res = c.method == "GET" ? daemon.Client().Get(c.path)
                                 : daemon.Client().Post(c.path, std::string(), "application/x-www-form-urlencoded");
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, c.want_status) << c.name << ": got " << res->status << " " << res->body;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store") << c.name;
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("default-src 'none'"),
              std::string::npos)
        << c.name;
    EXPECT_NE(res->body.find("cannot be used"), std::string::npos) << c.name << ": " << res->body;
  }
  // The review metrics are there from the start.
  auto metrics = daemon.Client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("rcptguard_review_store_up 1"), std::string::npos) << metrics->body;
}

}  // namespace
}  // namespace rcptguard
