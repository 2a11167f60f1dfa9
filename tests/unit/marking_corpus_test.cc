// The marking corpus (tests/data/markings/cases.txt): every .eml through the
// scanner, streamed in chunks as the milter would, with the markings, the scan
// flags and the verdict per recipient checked; ordinary mail must show none.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "rcptguard/marking.h"
#include "rcptguard/policy.h"

namespace rcptguard {
namespace {

const std::string kDir = std::string(RCPTGUARD_SOURCE_DIR) + "/tests/data/markings/";

struct Case {
  std::string file, config, markings, flags, options, verdicts;
  int line = 0;
};

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  size_t end = s.find_last_not_of(" \t\r");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

std::vector<std::string> Split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (true) {
    size_t next = text.find(separator, pos);
    parts.push_back(Trim(text.substr(pos, next - pos)));
    if (next == std::string::npos) break;
    pos = next + separator.size();
  }
  return parts;
}

std::vector<Case> LoadCases() {
  std::ifstream in(kDir + "cases.txt");
  std::vector<Case> cases;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    auto fields = Split(line, " | ");
    if (fields.size() != 6) {
      ADD_FAILURE() << "cases.txt:" << number << ": want 6 fields, got " << fields.size();
      continue;
    }
    cases.push_back(Case{fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], number});
  }
  return cases;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Compiling a policy takes a moment (the detector's indexes): one per
// configuration and options.
std::shared_ptr<const Policy> PolicyFor(const Case& c) {
  static std::map<std::string, std::shared_ptr<const Policy>> cache;
  std::string key = c.config + "|" + c.options;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::string path = "conf/examples/" + c.config + ".toml";
  std::string full = std::string(RCPTGUARD_SOURCE_DIR) + "/" + path;
  if (!std::ifstream(full)) full = kDir + c.config + ".toml";
  auto config = LoadConfig(ConfigRequest{full, {}});
  if (!config) {
    ADD_FAILURE() << config.error().ToString();
    return nullptr;
  }
  if (c.options.rfind("max_scan_bytes=", 0) == 0) {
    config->policy.marking_options.max_scan_bytes = std::stoul(c.options.substr(15));
  }
  auto policy = CompilePolicy(*config);
  if (!policy) {
    ADD_FAILURE() << policy.error().ToString();
    return nullptr;
  }
  cache[key] = *policy;
  return *policy;
}

// A caller's store, as the milter's spill file would be: reads come back in
// small pieces, to exercise GMime over a store that is not one buffer.
class PiecewiseStore : public MarkingMessageStore {
 public:
  rcptguard::Result<void> Append(std::string_view bytes) override {
    bytes_.append(bytes);
    return {};
  }
  int64_t Read(uint64_t offset, char* out, size_t n) override {
    if (offset >= bytes_.size()) return 0;
    size_t count = std::min({n, bytes_.size() - static_cast<size_t>(offset), size_t{97}});
    std::memcpy(out, bytes_.data() + offset, count);
    return static_cast<int64_t>(count);
  }
  uint64_t size() const override { return bytes_.size(); }

 private:
  std::string bytes_;
};

// Feeds the message through a session: each header, then the body in pieces
// of `chunk` bytes; the MIME kept in `store` when one is given.
MarkingResult Scan(const std::shared_ptr<const MarkingScanner>& scanner, std::string_view message,
                   size_t chunk, MarkingMessageStore* store = nullptr) {
  std::vector<RawHeader> headers;
  std::string_view body;
  SplitMessage(message, &headers, &body);
  MarkingSession session(scanner, nullptr, store);
  for (const RawHeader& header : headers) session.Header(header.name, header.value);
  session.EndHeaders();
  for (size_t pos = 0; pos < body.size(); pos += chunk) session.Body(body.substr(pos, chunk));
  return session.End();
}

std::string Names(const MarkingResult& result) {
  std::set<std::string> names;
  for (const MarkingFound& found : result.found) names.insert(found.name);
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ",") + name;
  return out.empty() ? "-" : out;
}

std::string FromHeader(std::string_view message) {
  std::vector<RawHeader> headers;
  std::string_view body;
  SplitMessage(message, &headers, &body);
  for (const RawHeader& header : headers) {
    if (header.name == "From") return std::string(header.value);
  }
  return "";
}

TEST(MarkingCorpus, EveryCaseGivesItsMarkingsAndVerdicts) {
  std::vector<Case> cases = LoadCases();
  ASSERT_GE(cases.size(), 50u);
  for (const Case& c : cases) {
    SCOPED_TRACE("cases.txt:" + std::to_string(c.line) + " " + c.file);
    auto policy = PolicyFor(c);
    if (!policy) continue;
    std::string message = ReadAll(kDir + c.file);
    ASSERT_FALSE(message.empty());
    MarkingResult result = Scan(policy->marking_scanner(), message, 4096);
    EXPECT_EQ(Names(result), c.markings) << "got " << Names(result) << ", want " << c.markings;
    // The same in one piece and byte by byte-ish: chunking never matters.
    EXPECT_EQ(Names(Scan(policy->marking_scanner(), message, 1 << 30)), c.markings);
    EXPECT_EQ(Names(Scan(policy->marking_scanner(), message, 7)), c.markings);
    PiecewiseStore store;
    EXPECT_EQ(Names(Scan(policy->marking_scanner(), message, 4096, &store)), c.markings)
        << "with the caller's store";
    EXPECT_EQ(result.truncated, c.flags.find("truncated") != std::string::npos);
    if (c.flags.find("malformed") != std::string::npos) {
      EXPECT_TRUE(result.malformed);
    }
    for (const MarkingFound& found : result.found) {
      EXPECT_FALSE(found.where.empty());
    }
    auto sender = ParseAddress(FromHeader(message));
    EvaluationContext context;
    context.markings = &result;
    for (const std::string& pair : Split(c.verdicts, ", ")) {
      size_t eq = pair.find('=');
      ASSERT_NE(eq, std::string::npos) << pair;
      std::string recipient = pair.substr(0, eq);
      std::string want = pair.substr(eq + 1);
      Verdict verdict = policy->Evaluate(sender ? &*sender : nullptr, recipient, context);
      EXPECT_EQ(ActionName(verdict.action), want)
          << recipient << ": got " << ActionName(verdict.action) << ", want " << want;
      for (const Reason& reason : verdict.reasons) {
        if (reason.code != kReasonMarkingDestination) continue;
        // Names the marking and the recipient; never the message's text.
        EXPECT_NE(reason.detail.find(recipient), std::string::npos) << reason.detail;
        if (reason.label != kMarkingScanLimit) {
          EXPECT_NE(reason.detail.find("marked " + reason.label), std::string::npos)
              << reason.detail;
        }
      }
    }
  }
}

TEST(MarkingCorpus, OrdinaryMailHasNoMarkings) {
  int ordinary = 0;
  for (const Case& c : LoadCases()) {
    if (c.file.rfind("ordinary/", 0) != 0) continue;
    ++ordinary;
    EXPECT_EQ(c.markings, "-") << c.file << " must expect no marking";
  }
  EXPECT_GE(ordinary, 12);
}

}  // namespace
}  // namespace rcptguard

namespace rcptguard {
namespace {

Result<Config> Parse(const std::string& text) {
  return ParseConfig(text, "/etc/rcptguard/rcptguard.toml",
                     [](const std::string&) -> Result<std::string> { return std::string(); });
}

TEST(MarkingConfig, SampleAndExamplesCompile) {
  for (std::string file : {"conf/rcptguard.toml.sample", "conf/examples/uk-department.toml",
                           "conf/examples/us-dod.toml", "tests/data/markings/all-packs.toml"}) {
    auto config = LoadConfig(ConfigRequest{std::string(RCPTGUARD_SOURCE_DIR) + "/" + file, {}});
    ASSERT_TRUE(config.has_value()) << file << ": " << config.error().ToString();
    EXPECT_FALSE(config->policy.markings.empty()) << file;
    auto policy = CompilePolicy(*config);
    EXPECT_TRUE(policy.has_value()) << file << ": " << policy.error().ToString();
  }
}

TEST(MarkingConfig, PackDefaultsAndRefinements) {
  auto config = Parse(
      "[markings]\npacks = [\"uk-gsc\", \"us-classification\"]\naccredited = [\"*.gov.uk\"]\n"
      "action = \"warn\"\n[[marking]]\nname = \"SECRET\"\nscheme = \"us-classification\"\n"
      "action = \"reject\"\naccredited = [\"*.mil\"]\n");
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  int secrets = 0;
  for (const MarkingSpec& spec : config->policy.markings) {
    if (spec.name == "OFFICIAL") {
      EXPECT_EQ(spec.accredited, std::vector<std::string>{"*"}) << "the pack's own list stays";
      EXPECT_EQ(ActionName(spec.action), "allow");
    }
    if (spec.name == "OFFICIAL-SENSITIVE") {
      EXPECT_EQ(spec.accredited, std::vector<std::string>{"*.gov.uk"});
      EXPECT_EQ(ActionName(spec.action), "warn");
      EXPECT_EQ(spec.scheme, "uk-gsc");
    }
    if (spec.name == "SECRET") {
      ++secrets;
      bool us = spec.scheme == "us-classification";
      EXPECT_EQ(ActionName(spec.action), us ? "reject" : "warn") << spec.scheme;
      EXPECT_EQ(spec.accredited, std::vector<std::string>{us ? "*.mil" : "*.gov.uk"});
    }
  }
  EXPECT_EQ(secrets, 2);
}

TEST(MarkingConfig, MistakesAreErrorsWithFileAndLine) {
  struct Bad {
    std::string text, want;
  } cases[] = {
      {"[markings]\npacks = [\"nope\"]\n", "unknown marking pack 'nope'"},
      {"[[marking]]\nname = \"X\"\naccredited = [\"a.org\"]\n", "not in any pack"},
      {"[[marking]]\nname = \"X\"\nwhere = [\"body\"]\npatterns = ['^X$']\n", "needs 'rank'"},
      {"[[marking]]\nname = \"X\"\nrank = 1\nwhere = [\"everywhere\"]\npatterns = ['^X$']\n",
       "subject, header, body-edges or body"},
      {"[[marking]]\nname = \"X\"\nrank = 1\nwhere = [\"header\"]\npatterns = ['^X$']\n", ""},
      {"[[marking]]\nname = \"X\"\nrank = 1\nwhere = [\"body\"]\npatterns = ['^X$']\n"
       "accredited = [\"a.*.org\"]\n",
       "'*' is allowed only"},
      {"[[marking]]\nname = \"X\"\nrank = 1\nwhere = [\"body\"]\npatterns = ['^X$']\nfoo = 1\n",
       "unknown key 'marking.foo'"},
      {"[markings]\nmax_scan_bytes = 10\n", "max_scan_bytes"},
      {"[markings]\non_limit = \"drop\"\n", "allow, warn, hold or reject"},
  };
  for (const Bad& bad : cases) {
    auto config = Parse(bad.text);
    if (config.has_value()) {
      // Some mistakes surface when the policy is compiled (patterns, headers).
      auto policy = CompilePolicy(*config);
      ASSERT_FALSE(policy.has_value()) << bad.text;
      EXPECT_NE(policy.error().ToString().find("rcptguard.toml:1"), std::string::npos)
          << policy.error().ToString();
      continue;
    }
    EXPECT_NE(config.error().message.find(bad.want), std::string::npos)
        << bad.text << "\ngot: " << config.error().message;
    EXPECT_NE(config.error().where.find("rcptguard.toml:"), std::string::npos) << bad.text;
  }
  // A pattern Hyperscan refuses: named with the file and line of its [[marking]].
  auto config = Parse(
      "own_domains = [\"a.org\"]\n[[marking]]\nname = \"X\"\nrank = 1\n"
      "where = [\"body\"]\npatterns = ['(unclosed']\n");
  ASSERT_TRUE(config.has_value());
  auto policy = CompilePolicy(*config);
  ASSERT_FALSE(policy.has_value());
  EXPECT_EQ(policy.error().where, "/etc/rcptguard/rcptguard.toml:2");
  EXPECT_NE(policy.error().message.find("marking 'X'"), std::string::npos);
}

}  // namespace
}  // namespace rcptguard
