// Display-name mismatch on how people and mail clients really write one
// person's name (tests/data/names/renderings.tsv, with its sources): each row
// is a correspondent the sender writes to and a new freemail address with a
// name written another way. A row marked mismatch must be flagged with the
// usual address; a row marked allow (another person) must not be.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "rcptguard/history.h"
#include "support/history_builder.h"

namespace rcptguard {
namespace {

constexpr int64_t kNow = kHistoryNow;

struct Rendering {
  int line = 0;
  std::string kind;
  std::string usual;
  std::string usual_name;  // empty: history has no name for it
  std::string address;
  std::string written;
  bool org_known = false;
  bool mismatch = false;
};

std::vector<Rendering> ReadRenderings() {
  std::ifstream in(RCPTGUARD_SOURCE_DIR "/tests/data/names/renderings.tsv");
  EXPECT_TRUE(in) << "tests/data/names/renderings.tsv";
  std::vector<Rendering> rows;
  std::string line;
  int number = 0;
  bool header = true;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
    EXPECT_EQ(fields.size(), 7u) << "renderings.tsv:" << number;
    if (fields.size() != 7) continue;
    Rendering r;
    r.line = number;
    r.kind = fields[0];
    r.usual = fields[1];
    r.usual_name = fields[2] == "-" ? "" : fields[2];
    r.address = fields[3];
    r.written = fields[4];
    r.org_known = fields[5] == "1";
    r.mismatch = fields[6] == "mismatch";
    EXPECT_TRUE(fields[6] == "mismatch" || fields[6] == "allow") << "renderings.tsv:" << number;
    rows.push_back(std::move(r));
  }
  return rows;
}

// The sender's history: the correspondent, some other habits, and (org) a
// colleague who writes to the new address under the written name.
std::shared_ptr<const CorrespondentHistory> HistoryFor(const Rendering& r,
                                                       const HistoryKeyer& keyer) {
  HistoryBuilder b{keyer, {}};
  b.Pair("carol@agency.gov.uk", r.usual, 6, r.usual_name)
      .Pair("carol@agency.gov.uk", "team@agency.gov.uk", 20, "Team")
      .Pair("carol@agency.gov.uk", "friend@gmail.com", 3)
      .Pair("dave@agency.gov.uk", "someone@" + r.address.substr(r.address.rfind('@') + 1), 3);
  if (r.org_known) b.Pair("dave@agency.gov.uk", r.address, 4, r.written);
  return CorrespondentHistory::Build(b.snapshot, keyer);
}

TEST(NameRenderings, TheCorrespondentsNameWrittenAnotherWayOnFreemailIsAMismatch) {
  std::vector<Rendering> rows = ReadRenderings();
  ASSERT_GE(rows.size(), 40u);
  HistoryKeyer keyer;
  auto sender = ParseAddress("carol@agency.gov.uk");
  ASSERT_TRUE(sender);
  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> (right, rows)
  for (const Rendering& r : rows) {
    auto to = ParseAddress(r.address);
    ASSERT_TRUE(to) << r.address;
    HistoryFinding f = HistoryFor(r, keyer)->Examine(&*sender, *to, r.written, kNow);
    bool flagged = f.unfamiliar == HistoryFinding::Unfamiliar::kNameMismatch;
    bool right = r.mismatch ? flagged && f.usual_address == r.usual
                            : f.unfamiliar == HistoryFinding::Unfamiliar::kNone;
    auto& [good, all] = by_kind[r.kind];
    good += right ? 1 : 0;
    ++all;
    EXPECT_TRUE(right) << "renderings.tsv:" << r.line << " " << r.kind << ": \"" << r.written
                       << "\" <" << r.address << "> beside " << r.usual << " ("
                       << (r.usual_name.empty() ? "no name" : r.usual_name) << "): want "
                       << (r.mismatch ? "mismatch naming " + r.usual : "allow")
                       << ", got unfamiliar=" << static_cast<int>(f.unfamiliar)
                       << " usual=" << f.usual_address;
  }
  for (const auto& [kind, counts] : by_kind) {
    std::printf("renderings %-16s %d/%d\n", kind.c_str(), counts.first, counts.second);
  }
}

}  // namespace
}  // namespace rcptguard
