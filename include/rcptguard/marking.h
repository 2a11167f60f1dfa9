// Sensitivity markings ("OFFICIAL-SENSITIVE", "SECRET//NOFORN", "[SEC=PROTECTED]"):
// their definitions, the compiled scanner that finds them in a message, and the
// per-message session that the milter, `rcptguard scan` and the benchmarks feed
// phase by phase. Pure: no I/O, no clock, no globals of ours (GMime's one-time
// library initialisation is done on first use, thread-safely).
#ifndef RCPTGUARD_MARKING_H_
#define RCPTGUARD_MARKING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/action.h"
#include "rcptguard/result.h"

namespace rcptguard {

// Where in a message a pattern is looked for.
enum class MarkingLocation : uint8_t {
  kSubject,    // the Subject header, RFC 2047 decoded to UTF-8
  kHeader,     // the headers named in MarkingMatchSpec::headers, decoded
  kBodyEdges,  // the first and last `edge_lines` non-empty lines of each text part
  kBody,       // anywhere in each text part (text/plain, text/html without markup,
               // text attachments, the text of attached messages)
};

// One set of patterns and where they apply. Patterns are Hyperscan regular
// expressions (PCRE syntax without back-references or look-around), matched
// case-sensitively against UTF-8 bytes with '^' and '$' at every line; write
// "(?i)" or "(?i:...)" for caseless parts.
struct MarkingMatchSpec {
  std::vector<MarkingLocation> where;
  std::vector<std::string> headers;  // for kHeader: header names, any case
  std::vector<std::string> patterns;
};

// A sensitivity marking and who may receive it.
struct MarkingSpec {
  std::string name;    // as people write it: "OFFICIAL-SENSITIVE"
  std::string scheme;  // "uk-gsc", "us-cui", ...
  // Order of precedence on one scale shared by all schemes (higher is more
  // sensitive; docs/markings.md gives the shipped scale).
  int rank = 0;
  std::vector<MarkingMatchSpec> matches;
  // Recipient patterns (AddressPattern forms: "*.gov.uk", "*", "partner.org")
  // that may receive a message carrying this marking. The organisation's own
  // domains are always accredited. Empty: only the own domains.
  std::vector<std::string> accredited;
  Action action = Action::kHold;  // for any other recipient
  std::string where;              // "file:line" of the definition, for errors
};

// How a message is scanned.
struct MarkingScanOptions {
  // At most this many bytes of the message (headers and body as received) are
  // kept and scanned; beyond it the result says truncated.
  size_t max_scan_bytes = 16 << 20;
  // How many non-empty lines at the top and at the bottom of each text part
  // kBodyEdges looks at.
  int edge_lines = 10;
};

// One marking found in one place.
struct MarkingFound {
  std::string name;
  std::string scheme;
  int rank = 0;
  // "subject", "header X-Protective-Marking", "body", "attachment notes.txt";
  // inside an attached message prefixed "attached message: ". Never the
  // matched text.
  std::string where;
};

struct MarkingResult {
  std::vector<MarkingFound> found;  // each (marking, where) once, in the order found
  // Part of the message was not looked at: the scan bound was hit, the
  // caller's store failed, or Hyperscan could not scan (out of memory).
  bool truncated = false;
  bool malformed = false;      // the MIME structure was damaged (scanned best-effort)
  uint64_t bytes_scanned = 0;  // message bytes kept and looked at

  // The highest rank found, or -1 when nothing was found.
  int highest_rank() const;
  // The first marking found with the highest rank, or null when none was found.
  const MarkingFound* highest() const;
  // For a log line or a hold reason: "OFFICIAL-SENSITIVE (subject), SECRET
  // (body)", each marking once with the first place it was found, highest
  // first; "none" when nothing was found. Never the matched text.
  std::string Summary() const;
};

// Where a session keeps a MIME message until End(), when the caller wants a
// say: the milter can keep a few hundred kilobytes in memory and spill the
// rest to a private temporary file. Without one the session keeps the bytes
// in memory. Used by one session, from one thread; must outlive the session.
class MarkingMessageStore {
 public:
  virtual ~MarkingMessageStore() = default;
  // Appends bytes in order. On failure (why, for the log) the scan stops
  // there and the result says truncated.
  virtual Result<void> Append(std::string_view bytes) = 0;
  // Copies up to `n` bytes from `offset` into `out`; returns how many were
  // copied (0 at the end), or -1 on failure.
  virtual int64_t Read(uint64_t offset, char* out, size_t n) = 0;
  // Bytes appended so far.
  virtual uint64_t size() const = 0;
};

// Where compiled pattern databases are kept between processes, so that a
// start-up or a reload does not compile again the patterns it compiled
// before (compiling every shipped pack costs a third of a second; loading
// them, about a millisecond). The scanner names each entry (16 hex digits)
// and checks on load that the entry is for exactly its patterns and this
// Hyperscan; a bad or stale entry is compiled again and replaced. Used from
// the thread that compiles; an implementation shared between threads must
// be safe for that.
class MarkingDatabaseCache {
 public:
  virtual ~MarkingDatabaseCache() = default;
  // The bytes stored under `name`, or nullopt when there are none.
  virtual std::optional<std::string> Load(std::string_view name) = 0;
  // Keeps `bytes` under `name`. Best effort: a failure only means the next
  // start compiles again.
  virtual void Store(std::string_view name, std::string_view bytes) = 0;
};

class MarkingScratch;
struct MarkingDatabases;
struct MarkingScanState;

// All patterns of all markings compiled once (Hyperscan, one database per
// location, multi-pattern and linear in the input). Immutable and safe to
// share across threads; every scan uses a MarkingScratch that only one thread
// uses at a time.
class MarkingScanner {
 public:
  // Fails (kConfig, with the definition's `where`) on an empty name, a pattern
  // Hyperscan cannot compile (or that matches the empty string), a kHeader
  // match without header names, or a match without where or patterns. `cache` (may be null:
  // compile everything) is asked first for each database and given what had
  // to be compiled.
  static Result<std::shared_ptr<const MarkingScanner>> Compile(
      std::vector<MarkingSpec> markings, MarkingScanOptions options,
      MarkingDatabaseCache* cache = nullptr);
  ~MarkingScanner();
  MarkingScanner(const MarkingScanner&) = delete;
  MarkingScanner& operator=(const MarkingScanner&) = delete;

  const std::vector<MarkingSpec>& markings() const { return markings_; }
  const MarkingScanOptions& options() const { return options_; }
  bool empty() const { return markings_.empty(); }

  // A scratch area for this scanner. Costs an allocation: keep one per thread
  // (or per milter connection) and lend it to each session, or let the
  // session make its own.
  MarkingScratch NewScratch() const;

 private:
  friend class MarkingSession;
  friend struct MarkingScanState;
  MarkingScanner(std::vector<MarkingSpec> markings, MarkingScanOptions options);

  std::vector<MarkingSpec> markings_;
  MarkingScanOptions options_;
  std::unique_ptr<MarkingDatabases> db_;
};

// Hyperscan scratch space, owned. Movable, not copyable; one thread at a time.
class MarkingScratch {
 public:
  MarkingScratch() = default;
  MarkingScratch(MarkingScratch&& other) noexcept;
  MarkingScratch& operator=(MarkingScratch&& other) noexcept;
  ~MarkingScratch();
  bool valid() const { return scratch_ != nullptr; }

 private:
  friend class MarkingScanner;
  friend class MarkingSession;
  void* scratch_ = nullptr;  // hs_scratch_t*
  const MarkingScanner* scanner_ = nullptr;
};

// One message, in the order the milter sees it: each header, the end of the
// headers, body chunks of any size, the end. Not thread-safe (one per
// message). Keeps the scanner alive. Memory: at most max_scan_bytes of the
// message are kept (a plain-text body is scanned as it streams and only its
// last few lines are kept).
//
// Plain text (no MIME, or a single text/plain part in an ASCII-compatible
// charset, as it is or in base64 or quoted-printable, decoded on the way) is
// scanned as it arrives and never kept whole. Anything else is kept and
// parsed with GMime at End(): every part, base64 and quoted-printable
// decoded, charsets converted to UTF-8, HTML stripped of markup, attached
// messages walked. Malformed MIME is scanned as far as it can be read and
// never crashes.
class MarkingSession {
 public:
  // `scratch` (may be null: the session makes its own) must come from the
  // same scanner's NewScratch and outlive the session. `store` (may be null:
  // memory) keeps a MIME message until End; it must be empty and outlive
  // the session.
  explicit MarkingSession(std::shared_ptr<const MarkingScanner> scanner,
                          MarkingScratch* scratch = nullptr, MarkingMessageStore* store = nullptr);
  ~MarkingSession();
  MarkingSession(const MarkingSession&) = delete;
  MarkingSession& operator=(const MarkingSession&) = delete;

  // One header as the milter gives it (name without the colon; the value may
  // be folded with CRLF or LF). Subject and named headers are scanned now.
  void Header(std::string_view name, std::string_view value);
  // The end of the headers. Optional: the first Body() or End() implies it.
  void EndHeaders();
  // A piece of the body, any size, in order, with CRLF or LF line endings.
  void Body(std::string_view chunk);
  // The end of the message: finishes the scan. Call once; the session is spent.
  MarkingResult End();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Scans a whole message (headers and body, as in a .eml file) through a
// MarkingSession: a convenience for tests and tools.
MarkingResult ScanMessage(const std::shared_ptr<const MarkingScanner>& scanner,
                          std::string_view message);

// Splits a whole message into the header fields and the body the milter would
// hand over (unfolded values keep their line breaks). Best-effort: a message
// without a blank line is all headers.
struct RawHeader {
  std::string_view name;
  std::string_view value;
};
void SplitMessage(std::string_view message, std::vector<RawHeader>* headers,
                  std::string_view* body);

std::string_view MarkingLocationName(MarkingLocation location);

}  // namespace rcptguard

#endif  // RCPTGUARD_MARKING_H_
