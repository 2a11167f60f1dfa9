// The marking scanner: Hyperscan databases compiled from the marking
// definitions, and the per-message session that streams plain text straight
// through them or hands MIME to marking_mime.cc at the end.
#include "rcptguard/marking.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "core/marking_internal.h"

namespace rcptguard {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool IsBlankLine(std::string_view line) { return Trim(line).empty(); }

// A charset whose bytes for ASCII are ASCII: the patterns (ASCII banners)
// match its raw bytes as they are, so plain text in it needs no conversion.
bool AsciiCompatible(std::string_view charset) {
  std::string c = Lower(charset);
  return c.empty() || c == "us-ascii" || c == "ascii" || c == "utf-8" || c == "utf8" ||
         c.rfind("iso-8859-", 0) == 0 || c.rfind("windows-125", 0) == 0 || c == "latin1";
}

// The bytes kept from the end of a streamed plain-text body, to find its last
// lines at the end. Banner lines are short; a longer last line is cut.
constexpr size_t kTailKeep = 16 << 10;
// The bytes of one edge line that are scanned.
constexpr size_t kEdgeLineMax = 1024;

}  // namespace

std::string_view MarkingLocationName(MarkingLocation location) {
  switch (location) {
    case MarkingLocation::kSubject:
      return "subject";
    case MarkingLocation::kHeader:
      return "header";
    case MarkingLocation::kBodyEdges:
      return "body-edges";
    case MarkingLocation::kBody:
      return "body";
  }
  return "body";
}

int MarkingResult::highest_rank() const {
  const MarkingFound* top = highest();
  return top ? top->rank : -1;
}

const MarkingFound* MarkingResult::highest() const {
  const MarkingFound* top = nullptr;
  for (const MarkingFound& found_marking : found) {
    if (top == nullptr || found_marking.rank > top->rank) top = &found_marking;
  }
  return top;
}

std::string MarkingResult::Summary() const {
  std::vector<const MarkingFound*> order;
  for (const MarkingFound& marking : found) {
    bool seen = false;
    for (const MarkingFound* kept : order) seen = seen || kept->name == marking.name;
    if (!seen) order.push_back(&marking);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const MarkingFound* a, const MarkingFound* b) { return a->rank > b->rank; });
  std::string out;
  for (const MarkingFound* marking : order) {
    if (!out.empty()) out += ", ";
    out += marking->name + " (" + marking->where + ")";
  }
  return out.empty() ? "none" : out;
}

// ---------------------------------------------------------------------------
// Compilation

MarkingDatabases::~MarkingDatabases() {
  for (hs_database_t* db : {subject, header, edges, body_block, body_stream}) {
    if (db != nullptr) hs_free_database(db);
  }
  if (prototype != nullptr) hs_free_scratch(prototype);
}

namespace {

struct PatternSource {
  std::string expression;
  PatternRef ref;
  const MarkingSpec* spec;
};

// Compiles one location's patterns into `*db` (null when there are none) and
// grows the prototype scratch to fit it.
Result<void> CompileDatabase(const std::vector<PatternSource>& sources, unsigned mode,
                             hs_database_t** db, std::vector<PatternRef>* refs,
                             hs_scratch_t** prototype) {
  *db = nullptr;
  if (sources.empty()) return {};
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < sources.size(); ++i) {
    expressions.push_back(sources[i].expression.c_str());
    // MULTILINE: banners are whole lines, so '^' and '$' mean line ends.
    // SINGLEMATCH: one report per pattern is all a marking needs, and it lets
    // Hyperscan stop tracking a pattern once it has matched. No UTF8 flag:
    // mail is often not valid UTF-8, and Hyperscan leaves results on invalid
    // UTF-8 undefined in that mode; patterns match bytes.
    flags.push_back(HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned>(i));
    refs->push_back(sources[i].ref);
  }
  hs_compile_error_t* error = nullptr;
  hs_error_t status =
      hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), mode, nullptr, db, &error);
  if (status != HS_SUCCESS) {
    std::string message = error && error->message ? error->message : "cannot compile";
    std::string where;
    if (error && error->expression >= 0 &&
        static_cast<size_t>(error->expression) < sources.size()) {
      const PatternSource& bad = sources[static_cast<size_t>(error->expression)];
      message = "marking '" + bad.spec->name + "': pattern '" + bad.expression + "': " + message;
      where = bad.spec->where;
    }
    hs_free_compile_error(error);
    return MakeError(ErrorCode::kConfig, message, where);
  }
  if (hs_alloc_scratch(*db, prototype) != HS_SUCCESS) {
    return MakeError(ErrorCode::kInternal, "Hyperscan could not allocate scratch space");
  }
  return {};
}

}  // namespace

MarkingScanner::MarkingScanner(std::vector<MarkingSpec> markings, MarkingScanOptions options)
    : markings_(std::move(markings)),
      options_(options),
      db_(std::make_unique<MarkingDatabases>()) {}

MarkingScanner::~MarkingScanner() = default;

Result<std::shared_ptr<const MarkingScanner>> MarkingScanner::Compile(
    std::vector<MarkingSpec> markings, MarkingScanOptions options) {
  if (options.edge_lines < 1) {
    return MakeError(ErrorCode::kConfig, "edge_lines must be at least 1");
  }
  for (const MarkingSpec& spec : markings) {
    if (spec.name.empty())
      return MakeError(ErrorCode::kConfig, "a marking needs a name", spec.where);
    for (const MarkingMatchSpec& match : spec.matches) {
      bool header = std::find(match.where.begin(), match.where.end(), MarkingLocation::kHeader) !=
                    match.where.end();
      if (header && match.headers.empty()) {
        return MakeError(ErrorCode::kConfig,
                         "marking '" + spec.name + "': 'header' needs the header names to look in",
                         spec.where);
      }
      if (match.where.empty() || match.patterns.empty()) {
        return MakeError(ErrorCode::kConfig,
                         "marking '" + spec.name + "': a match needs 'where' and 'patterns'",
                         spec.where);
      }
    }
  }
  std::shared_ptr<MarkingScanner> scanner(new MarkingScanner(std::move(markings), options));
  MarkingDatabases& db = *scanner->db_;
  std::array<std::vector<PatternSource>, 4> by_location;
  for (size_t m = 0; m < scanner->markings_.size(); ++m) {
    const MarkingSpec& spec = scanner->markings_[m];
    for (const MarkingMatchSpec& match : spec.matches) {
      std::vector<std::string> headers;
      for (const std::string& name : match.headers) {
        headers.push_back(Lower(name));
        if (std::find(db.header_names.begin(), db.header_names.end(), headers.back()) ==
            db.header_names.end()) {
          db.header_names.push_back(headers.back());
        }
      }
      for (MarkingLocation location : match.where) {
        for (const std::string& pattern : match.patterns) {
          PatternRef ref{
              m, location == MarkingLocation::kHeader ? headers : std::vector<std::string>{}};
          by_location[static_cast<size_t>(location)].push_back(
              PatternSource{pattern, std::move(ref), &spec});
        }
      }
    }
  }
  auto compile = [&](MarkingLocation location, unsigned mode, hs_database_t** out,
                     std::vector<PatternRef>* refs) {
    return CompileDatabase(by_location[static_cast<size_t>(location)], mode, out, refs,
                           &db.prototype);
  };
  if (auto ok = compile(MarkingLocation::kSubject, HS_MODE_BLOCK, &db.subject, &db.subject_refs);
      !ok) {
    return Unexpected(ok.error());
  }
  if (auto ok = compile(MarkingLocation::kHeader, HS_MODE_BLOCK, &db.header, &db.header_refs);
      !ok) {
    return Unexpected(ok.error());
  }
  if (auto ok = compile(MarkingLocation::kBodyEdges, HS_MODE_BLOCK, &db.edges, &db.edge_refs);
      !ok) {
    return Unexpected(ok.error());
  }
  if (auto ok = compile(MarkingLocation::kBody, HS_MODE_BLOCK, &db.body_block, &db.body_refs);
      !ok) {
    return Unexpected(ok.error());
  }
  // The same body patterns again for streaming: plain text is scanned chunk by
  // chunk as the milter receives it, matches spanning chunks included.
  std::vector<PatternRef> stream_refs;
  if (auto ok = compile(MarkingLocation::kBody, HS_MODE_STREAM, &db.body_stream, &stream_refs);
      !ok) {
    return Unexpected(ok.error());
  }
  return std::shared_ptr<const MarkingScanner>(std::move(scanner));
}

MarkingScratch MarkingScanner::NewScratch() const {
  MarkingScratch scratch;
  scratch.scanner_ = this;
  if (db_->prototype != nullptr) {
    hs_scratch_t* clone = nullptr;
    if (hs_clone_scratch(db_->prototype, &clone) == HS_SUCCESS) scratch.scratch_ = clone;
  }
  return scratch;
}

MarkingScratch::MarkingScratch(MarkingScratch&& other) noexcept
    : scratch_(std::exchange(other.scratch_, nullptr)),
      scanner_(std::exchange(other.scanner_, nullptr)) {}

MarkingScratch& MarkingScratch::operator=(MarkingScratch&& other) noexcept {
  if (this != &other) {
    if (scratch_ != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
    scratch_ = std::exchange(other.scratch_, nullptr);
    scanner_ = std::exchange(other.scanner_, nullptr);
  }
  return *this;
}

MarkingScratch::~MarkingScratch() {
  if (scratch_ != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

// ---------------------------------------------------------------------------
// Scanning

namespace {

struct MatchContext {
  MarkingScanState* state;
  const std::vector<PatternRef>* refs;
  std::string_view where;
  std::string_view header;  // lower case, for kHeader
};

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
            unsigned int /*flags*/, void* context) {
  auto* match = static_cast<MatchContext*>(context);
  const PatternRef& ref = (*match->refs)[id];
  if (!ref.headers.empty() &&
      std::find(ref.headers.begin(), ref.headers.end(), match->header) == ref.headers.end()) {
    return 0;
  }
  match->state->Record(ref.marking, match->where);
  return 0;
}

}  // namespace

void MarkingScanState::Record(size_t marking, std::string_view where) {
  for (const auto& [index, place] : seen) {
    if (index == marking && place == where) return;
  }
  seen.emplace_back(marking, std::string(where));
  const MarkingSpec& spec = scanner->markings()[marking];
  result.found.push_back(MarkingFound{spec.name, spec.scheme, spec.rank, std::string(where)});
}

void MarkingScanState::ScanBlock(const hs_database_t* db, const std::vector<PatternRef>& refs,
                                 std::string_view text, std::string_view where,
                                 std::string_view header) {
  if (db == nullptr || text.empty()) return;
  if (scratch == nullptr) {
    // No scratch (allocation failed): what could not be scanned counts as
    // unscanned, so on_limit applies rather than a silent allow.
    result.truncated = true;
    return;
  }
  // hs_scan takes an unsigned length: a text over 4 GiB (impossible within
  // any sane max_scan_bytes) is scanned in pieces.
  constexpr size_t kMaxBlock = size_t{1} << 31;
  MatchContext context{this, &refs, where, header};
  while (!text.empty()) {
    std::string_view piece = text.substr(0, kMaxBlock);
    if (hs_scan(db, piece.data(), static_cast<unsigned>(piece.size()), 0, scratch, OnMatch,
                &context) != HS_SUCCESS) {
      result.truncated = true;  // as above: fail closed
    }
    text.remove_prefix(piece.size());
  }
}

void MarkingScanState::ScanText(std::string_view text, std::string_view where) {
  const MarkingDatabases& db = *scanner->db_;
  ScanBlock(db.body_block, db.body_refs, text, where, {});
  ScanEdges(text, where);
}

void MarkingScanState::ScanEdges(std::string_view text, std::string_view where) {
  const MarkingDatabases& db = *scanner->db_;
  if (db.edges == nullptr) return;
  // The head and the tail are scanned where they lie, without copies; lines
  // in both (a short text) are scanned once.
  int n = scanner->options().edge_lines;
  size_t head_end = std::min(EndOfFirstLines(text, n), text.size());
  size_t tail_start = std::max(StartOfLastLines(text, n), head_end);
  ScanBlock(db.edges, db.edge_refs, text.substr(0, head_end), where, {});
  ScanBlock(db.edges, db.edge_refs, text.substr(tail_start), where, {});
}

size_t EndOfFirstLines(std::string_view text, int n) {
  size_t pos = 0;
  int lines = 0;
  while (pos < text.size()) {
    const void* found = std::memchr(text.data() + pos, '\n', text.size() - pos);
    if (found == nullptr) return std::string_view::npos;
    size_t eol = static_cast<size_t>(static_cast<const char*>(found) - text.data());
    if (!IsBlankLine(text.substr(pos, eol - pos)) && ++lines == n) return eol + 1;
    pos = eol + 1;
  }
  return std::string_view::npos;
}

size_t StartOfLastLines(std::string_view text, int n) {
  size_t end = text.size();  // lines left are in [0, end)
  int lines = 0;
  while (end > 0) {
    size_t newline = text.rfind('\n', end - 1);
    // A '\n' at end - 1 ends the line before; the line is (newline, end).
    if (newline == end - 1) {
      end = newline;
      continue;
    }
    size_t start = newline == std::string_view::npos ? 0 : newline + 1;
    if (!IsBlankLine(text.substr(start, end - start)) && ++lines == n) return start;
    if (newline == std::string_view::npos) return 0;
    end = newline;
  }
  return 0;
}

void MarkingScanState::ScanSubject(std::string_view subject, std::string_view where) {
  const MarkingDatabases& db = *scanner->db_;
  ScanBlock(db.subject, db.subject_refs, subject, where, {});
}

bool MarkingScanState::WantsHeader(std::string_view lower_name) const {
  const auto& names = scanner->db_->header_names;
  return std::find(names.begin(), names.end(), lower_name) != names.end();
}

void MarkingScanState::ScanHeader(std::string_view lower_name, std::string_view display_name,
                                  std::string_view value, std::string_view prefix) {
  const MarkingDatabases& db = *scanner->db_;
  std::string where(prefix);
  where += "header ";
  where += display_name;
  ScanBlock(db.header, db.header_refs, value, where, lower_name);
}

// ---------------------------------------------------------------------------
// The session

struct MarkingSession::State : MarkingScanState {
  MarkingScratch own_scratch;
  bool headers_done = false;
  bool ended = false;
  bool plain = false;
  // A single text part in base64 or quoted-printable is decoded as it
  // streams and then read like plain text; decoded is the reused buffer.
  std::optional<TransferDecoder> decoder;
  std::string decoded;
  std::string content_type;
  std::string transfer_encoding;  // as written
  bool content_type_seen = false;
  bool transfer_encoding_seen = false;
  // Content-Type or Content-Transfer-Encoding given twice: readers may take
  // either, so the message goes to GMime, which reports it malformed and has
  // the raw body scanned as well.
  bool structure_conflict = false;
  // An attachment (or a part with a file name) is named as one in findings
  // ("attachment a.txt"): GMime's walk does that.
  bool attachment = false;
  // MIME: the message as received (headers rebuilt from the milter's fields,
  // then the body), up to the bound. Owned by GMime once parsing starts.
  MimeBuffer mime;
  // Plain text: the stream over the body patterns; the first lines while
  // fewer than edge_lines non-empty lines are complete (kept only when the
  // first chunk did not hold them all); the last bytes.
  hs_stream_t* stream = nullptr;
  std::string head;
  bool head_done = false;
  uint64_t head_end = 0;    // body offset where the scanned head ends
  uint64_t body_bytes = 0;  // body bytes taken so far
  std::string tail;
  size_t budget = 0;  // bytes still allowed

  explicit State(MarkingMessageStore* store) : mime(store) {}
  ~State() {
    if (stream != nullptr) hs_close_stream(stream, nullptr, nullptr, nullptr);
  }

  // Takes at most `budget` bytes of `data`, marking the result truncated
  // when some had to be left.
  std::string_view Take(std::string_view data) {
    if (data.size() > budget) {
      data = data.substr(0, budget);
      result.truncated = true;
    }
    budget -= data.size();
    result.bytes_scanned += data.size();
    return data;
  }
};

MarkingSession::MarkingSession(std::shared_ptr<const MarkingScanner> scanner,
                               MarkingScratch* scratch, MarkingMessageStore* store)
    : state_(std::make_unique<State>(store)) {
  State& s = *state_;
  s.scanner = std::move(scanner);
  if (scratch != nullptr && scratch->valid() && scratch->scanner_ == s.scanner.get()) {
    s.scratch = static_cast<hs_scratch_t*>(scratch->scratch_);
  } else {
    s.own_scratch = s.scanner->NewScratch();
    s.scratch = static_cast<hs_scratch_t*>(s.own_scratch.scratch_);
  }
  s.budget = s.scanner->options().max_scan_bytes;
}

MarkingSession::~MarkingSession() = default;

void MarkingSession::Header(std::string_view name, std::string_view value) {
  State& s = *state_;
  if (s.ended || s.headers_done || s.scanner->empty()) return;
  size_t size = name.size() + value.size() + 4;
  if (size > s.budget) {
    s.result.truncated = true;
    s.budget = 0;
    return;
  }
  s.budget -= size;
  s.result.bytes_scanned += size;
  s.mime.AppendHeader(name, value);
  if (EqualsIgnoreCase(name, "content-type")) {
    s.structure_conflict |= s.content_type_seen;
    s.content_type_seen = true;
    s.content_type.assign(Trim(value));
  }
  if (EqualsIgnoreCase(name, "content-transfer-encoding")) {
    s.structure_conflict |= s.transfer_encoding_seen;
    s.transfer_encoding_seen = true;
    s.transfer_encoding.assign(value);
  }
  if (EqualsIgnoreCase(name, "content-disposition")) {
    // "inline" alone (mutt writes it on every message) changes nothing.
    std::string disposition = Lower(Trim(value));
    s.attachment |=
        disposition.rfind("inline", 0) != 0 || disposition.find("filename") != std::string::npos;
  }
  std::string lower = Lower(name);
  bool subject = lower == "subject";
  bool named = s.WantsHeader(lower);
  if (!subject && !named) return;
  std::string decoded = DecodeHeaderValue(value);
  if (subject) s.ScanSubject(decoded, "subject");
  if (named) s.ScanHeader(lower, SanitizeWhere(name), decoded, "");
}

void MarkingSession::EndHeaders() {
  State& s = *state_;
  if (s.headers_done) return;
  s.headers_done = true;
  if (s.scanner->empty()) return;
  // Plain text (one text/plain part, its transfer encoding undone on the
  // way) is scanned as it streams; everything else waits for GMime.
  ContentTypeFacts facts = ParseContentType(s.content_type);
  std::optional<TransferDecoder::Kind> encoding = TransferDecoder::KindOf(s.transfer_encoding);
  s.plain = encoding.has_value() && !s.structure_conflict && !s.attachment &&
            (s.content_type.empty() || (facts.type == "text" && facts.subtype == "plain")) &&
            AsciiCompatible(facts.charset);
  if (s.plain && *encoding != TransferDecoder::Kind::kIdentity) s.decoder.emplace(*encoding);
  s.mime.EndHeaders(!s.plain);
  if (s.plain) {
    const MarkingDatabases& db = *s.scanner->db_;
    if (db.body_stream != nullptr) {
      if (hs_open_stream(db.body_stream, 0, &s.stream) != HS_SUCCESS) s.stream = nullptr;
    }
  }
}

void MarkingSession::Body(std::string_view chunk) {
  State& s = *state_;
  if (s.ended) return;
  if (!s.headers_done) EndHeaders();
  if (s.scanner->empty()) return;
  chunk = s.Take(chunk);
  if (chunk.empty()) return;
  if (!s.plain) {
    if (!s.mime.AppendBody(chunk) && s.mime.store() != nullptr) {
      s.result.truncated = true;  // the caller's store failed: the rest is unseen
      s.budget = 0;
    }
    return;
  }
  if (s.decoder) {
    s.decoded.clear();
    s.decoder->Decode(chunk, &s.decoded);
    chunk = s.decoded;
    if (chunk.empty()) return;
  }
  if (s.stream != nullptr && s.scratch != nullptr) {
    const MarkingDatabases& db = *s.scanner->db_;
    MatchContext context{&s, &db.body_refs, "body", {}};
    if (hs_scan_stream(s.stream, chunk.data(), static_cast<unsigned>(chunk.size()), 0, s.scratch,
                       OnMatch, &context) != HS_SUCCESS) {
      s.result.truncated = true;  // fail closed, as in ScanBlock
    }
  } else if (s.scanner->db_->body_stream != nullptr) {
    s.result.truncated = true;  // no stream or no scratch: the body goes unscanned
  }
  uint64_t offset = s.body_bytes;
  s.body_bytes += chunk.size();
  const MarkingDatabases& db = *s.scanner->db_;
  if (db.edges == nullptr) return;
  // The head: scanned as soon as edge_lines non-empty lines are complete,
  // straight from the chunk when the first chunk holds them (the usual case:
  // MTAs hand over tens of kilobytes at a time).
  if (!s.head_done) {
    const int want = s.scanner->options().edge_lines;
    std::string_view head = chunk;
    if (!s.head.empty() || offset > 0) {
      s.head.append(chunk);
      head = s.head;
    }
    // The head is the first edge_lines non-empty lines, or the whole lines
    // within the first `limit` bytes: decided on the same bytes whatever the
    // chunk sizes, so chunking never changes a finding.
    const size_t limit = static_cast<size_t>(want) * kEdgeLineMax;
    std::string_view window = head.substr(0, limit);
    size_t end = EndOfFirstLines(window, want);
    if (end != std::string_view::npos || head.size() >= limit) {
      if (end == std::string_view::npos) end = window.rfind('\n') + 1;  // whole lines only
      s.ScanBlock(db.edges, db.edge_refs, head.substr(0, end), "body", {});
      s.head_end = end;
      s.head_done = true;
      std::string().swap(s.head);
    } else if (s.head.empty()) {
      s.head.assign(chunk);
    }
  }
  // The tail: the last kTailKeep bytes (amortised: trimmed at twice that).
  if (chunk.size() >= kTailKeep) {
    s.tail.assign(chunk.substr(chunk.size() - kTailKeep));
  } else {
    s.tail.append(chunk);
    if (s.tail.size() > 2 * kTailKeep) s.tail.erase(0, s.tail.size() - kTailKeep);
  }
}

MarkingResult MarkingSession::End() {
  State& s = *state_;
  if (s.ended) return {};
  if (!s.headers_done) EndHeaders();
  s.ended = true;
  if (s.scanner->empty()) return std::move(s.result);
  if (!s.plain) {
    ScanMime(&s, &s.mime);
    return std::move(s.result);
  }
  const MarkingDatabases& db = *s.scanner->db_;
  if (s.stream != nullptr) {
    // Closing reports matches anchored at the end of the body ('$').
    MatchContext context{&s, &db.body_refs, "body", {}};
    hs_close_stream(s.stream, s.scratch, OnMatch, &context);
    s.stream = nullptr;
  }
  if (db.edges != nullptr) {
    const int want = s.scanner->options().edge_lines;
    if (!s.head_done) {
      // A short body: all of it is head.
      s.ScanBlock(db.edges, db.edge_refs, s.head, "body", {});
      s.head_end = s.head.size();
    }
    std::string_view tail = s.tail;
    // Exactly the last kTailKeep bytes, however the body was chunked.
    if (tail.size() > kTailKeep) tail.remove_prefix(tail.size() - kTailKeep);
    uint64_t tail_offset = s.body_bytes - tail.size();  // body offset of tail[0]
    if (tail_offset > 0) {
      // The kept bytes may start inside a line: drop that partial line.
      size_t eol = tail.find('\n');
      size_t cut = eol == std::string_view::npos ? tail.size() : eol + 1;
      tail.remove_prefix(cut);
      tail_offset += cut;
    }
    uint64_t start = tail_offset + StartOfLastLines(tail, want);
    start = std::max(start, s.head_end);  // lines of the head are not scanned twice
    if (start < s.body_bytes) {
      s.ScanBlock(db.edges, db.edge_refs, tail.substr(static_cast<size_t>(start - tail_offset)),
                  "body", {});
    }
  }
  return std::move(s.result);
}

// ---------------------------------------------------------------------------
// Whole messages

void SplitMessage(std::string_view message, std::vector<RawHeader>* headers,
                  std::string_view* body) {
  headers->clear();
  size_t pos = 0;
  *body = {};
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    size_t end = eol == std::string_view::npos ? message.size() : eol;
    std::string_view line = message.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    if (line.empty()) {
      *body = message.substr(next);
      return;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !headers->empty()) {
      // A continuation: the value grows to the end of this line.
      RawHeader& last = headers->back();
      const char* begin = last.value.data();
      last.value = std::string_view(begin, static_cast<size_t>(line.data() + line.size() - begin));
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      headers->push_back(RawHeader{name, value});
    }
    // Anything else in the header block (no colon) is ignored.
    pos = next;
  }
}

MarkingResult ScanMessage(const std::shared_ptr<const MarkingScanner>& scanner,
                          std::string_view message) {
  std::vector<RawHeader> headers;
  std::string_view body;
  SplitMessage(message, &headers, &body);
  MarkingSession session(scanner);
  for (const RawHeader& header : headers) session.Header(header.name, header.value);
  session.EndHeaders();
  session.Body(body);
  return session.End();
}

}  // namespace rcptguard
