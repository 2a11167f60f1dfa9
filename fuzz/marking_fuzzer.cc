// libFuzzer target for the marking scanner on arbitrary messages: the header
// split, RFC 2047 decoding, the plain-text stream, GMime's MIME parsing and
// decoding, HTML stripping and the edge lines, checking the promises of
// include/rcptguard/marking.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "config/config.h"
#include "fuzz_contract.h"
#include "rcptguard/marking.h"

namespace {

// Every shipped pack, with a small bound so that the limit is reached too.
std::shared_ptr<const rcptguard::MarkingScanner> Scanner() {
  static std::shared_ptr<const rcptguard::MarkingScanner> scanner = [] {
    auto config = rcptguard::ParseConfig(
        "[markings]\npacks = [\"uk-gsc\", \"us-classification\", \"au-pspf\", \"rfc7444\", "
        "\"msip\"]\nmax_scan_bytes = 8192\nedge_lines = 3\n",
        "fuzz", [](const std::string&) -> rcptguard::Result<std::string> { return std::string(); });
    if (!config) std::abort();
    auto compiled =
        rcptguard::MarkingScanner::Compile(config->policy.markings, config->policy.marking_options);
    if (!compiled) std::abort();
    return *compiled;
  }();
  return scanner;
}

// The caller's store the milter would give (here in memory, read back in
// small pieces).
class StringStore : public rcptguard::MarkingMessageStore {
 public:
  rcptguard::Result<void> Append(std::string_view bytes) override {
    bytes_.append(bytes);
    return {};
  }
  int64_t Read(uint64_t offset, char* out, size_t n) override {
    if (offset >= bytes_.size()) return 0;
    size_t count = std::min({n, bytes_.size() - static_cast<size_t>(offset), size_t{61}});
    bytes_.copy(out, count, static_cast<size_t>(offset));
    return static_cast<int64_t>(count);
  }
  uint64_t size() const override { return bytes_.size(); }

 private:
  std::string bytes_;
};

std::set<std::string> Names(const rcptguard::MarkingResult& result) {
  std::set<std::string> names;
  for (const rcptguard::MarkingFound& found : result.found)
    names.insert(found.name + "@" + found.where);
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto scanner = Scanner();
  rcptguard::MarkingResult whole = rcptguard::ScanMessage(scanner, input);
  FUZZ_CONTRACT(whole.bytes_scanned <= scanner->options().max_scan_bytes,
                "no more than max_scan_bytes are scanned");
  for (const rcptguard::MarkingFound& found : whole.found) {
    FUZZ_CONTRACT(!found.where.empty() && !found.name.empty(), "a finding names what and where");
    bool known = false;
    for (const rcptguard::MarkingSpec& spec : scanner->markings()) {
      known = known || (spec.name == found.name && spec.rank == found.rank);
    }
    FUZZ_CONTRACT(known, "a finding is one of the scanner's markings");
  }
  if (const rcptguard::MarkingFound* top = whole.highest()) {
    for (const rcptguard::MarkingFound& found : whole.found) {
      FUZZ_CONTRACT(found.rank <= top->rank, "highest() has the highest rank");
    }
  }
  // The same message in small body chunks, kept in a caller's store, gives
  // the same findings: the milter's chunk sizes and spill file never change
  // a verdict.
  std::vector<rcptguard::RawHeader> headers;
  std::string_view body;
  rcptguard::SplitMessage(input, &headers, &body);
  StringStore store;
  rcptguard::MarkingSession session(scanner, nullptr, &store);
  for (const rcptguard::RawHeader& header : headers) session.Header(header.name, header.value);
  size_t step = 1 + size % 13;
  for (size_t pos = 0; pos < body.size(); pos += step) session.Body(body.substr(pos, step));
  rcptguard::MarkingResult chunked = session.End();
  FUZZ_CONTRACT(Names(chunked) == Names(whole), "chunking does not change the findings");
  FUZZ_CONTRACT(chunked.truncated == whole.truncated, "chunking does not change truncation");
  return 0;
}
