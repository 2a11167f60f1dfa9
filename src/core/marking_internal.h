// What marking.cc (Hyperscan, the session) and marking_mime.cc (GMime) share:
// the compiled databases, the scan state of one message, and the MIME side.
#ifndef RCPTGUARD_CORE_MARKING_INTERNAL_H_
#define RCPTGUARD_CORE_MARKING_INTERNAL_H_

#include <hs/hs.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rcptguard/marking.h"

typedef struct _GByteArray GByteArray;

namespace rcptguard {

// What a pattern id stands for in one database.
struct PatternRef {
  size_t marking = 0;                // index in MarkingScanner::markings()
  std::vector<std::string> headers;  // kHeader: the header names (lower case) it applies to
};

struct MarkingDatabases {
  ~MarkingDatabases();
  hs_database_t* subject = nullptr;      // block mode
  hs_database_t* header = nullptr;       // block mode
  hs_database_t* edges = nullptr;        // block mode, over the edge lines
  hs_database_t* body_block = nullptr;   // block mode, decoded MIME text
  hs_database_t* body_stream = nullptr;  // stream mode, plain text as it arrives
  std::vector<PatternRef> subject_refs, header_refs, edge_refs, body_refs;
  std::vector<std::string> header_names;  // lower case: every header some pattern looks in
  hs_scratch_t* prototype = nullptr;      // big enough for every database; cloned per user
};

// The scan of one message: what has been found so far.
struct MarkingScanState {
  std::shared_ptr<const MarkingScanner> scanner;
  hs_scratch_t* scratch = nullptr;
  MarkingResult result;
  std::vector<std::pair<size_t, std::string>> seen;  // (marking, where) already recorded

  void Record(size_t marking, std::string_view where);
  void ScanBlock(const hs_database_t* db, const std::vector<PatternRef>& refs,
                 std::string_view text, std::string_view where, std::string_view header);
  // Decoded text of one part: the body patterns over all of it, the edge
  // patterns over its first and last lines.
  void ScanText(std::string_view text, std::string_view where);
  // The edge patterns over text[0, head_end) and text[tail_start, end).
  void ScanEdges(std::string_view text, std::string_view where);
  void ScanSubject(std::string_view subject, std::string_view where);
  bool WantsHeader(std::string_view lower_name) const;
  void ScanHeader(std::string_view lower_name, std::string_view display_name,
                  std::string_view value, std::string_view prefix);
};

// Rewrites text the way people and mail clients vary a marking into one
// form before the patterns see it: every Unicode dash and hyphen (ICU's Dash
// property: en dash, non-breaking hyphen, minus sign, ...) becomes '-',
// every space separator (no-break space, narrow and figure spaces, ...)
// becomes ' ', default-ignorable characters (zero-width space, soft hyphen,
// BOM) are dropped, and runs of ' ' or of '-' become one. Case, tabs and
// line breaks stay (the patterns decide where case matters). Streams: a
// UTF-8 sequence split between chunks is carried over, so chunking never
// changes the output. Bytes that are not valid UTF-8 pass through unchanged,
// except in a single-byte charset (windows-125x, ISO 8859), where 0x96/0x97
// (en and em dash) and 0xA0 (no-break space) are mapped too. Code in
// marking_normalize.cc.
class MarkingNormalizer {
 public:
  explicit MarkingNormalizer(bool single_byte = false) : single_byte_(single_byte) {}
  // For text in `charset` as a Content-Type names it (any case; empty or
  // unknown: UTF-8 and ASCII only).
  static MarkingNormalizer ForCharset(std::string_view charset);
  // Appends the normal form of the next chunk to *out.
  void Append(std::string_view chunk, std::string* out);
  // The normal form of the next chunk: `chunk` itself when nothing in it
  // changes (no copy: most chunks of most mail), else *buffer (overwritten).
  std::string_view Next(std::string_view chunk, std::string* buffer);
  // Appends what is still carried (an incomplete sequence at the end).
  void Finish(std::string* out);
  // The normal form of a whole text.
  static std::string Normalize(std::string_view text);
  // Likewise without a copy: `text` itself when nothing changes, else *buffer.
  static std::string_view Normalize(std::string_view text, std::string* buffer);

 private:
  void Emit(char c, std::string* out);
  // `whole` (may be null): set, and nothing appended, when the output would
  // be `chunk` unchanged.
  void Process(std::string_view chunk, std::string* out, bool may_carry, bool* whole = nullptr);
  bool single_byte_;
  char last_ = '\n';
  std::string carry_;  // an incomplete UTF-8 sequence from the previous chunk
};

// The offset just past the '\n' that ends the n-th non-empty line of `text`,
// or npos when `text` has fewer complete non-empty lines.
size_t EndOfFirstLines(std::string_view text, int n);
// The offset where the n-th non-empty line from the end of `text` starts
// (0 when there are fewer).
size_t StartOfLastLines(std::string_view text, int n);

// Counts, as the bytes of a MIME message are kept, what GMime will make an
// object of: lines that may be a boundary (they start with "--") and lines
// that may be a header field ("Name:"). Over-counting is safe (prose lines
// such as "-----Original Message-----" count too); what matters is that the
// count bounds GMime's objects, whose memory (about 1.3 KB a part, a few
// hundred bytes a field) would otherwise be up to 190 times the message's.
class MimeObjectCounter {
 public:
  // At most this many of each; docs/markings.md gives the memory they bound.
  static constexpr size_t kMaxParts = 10000;
  static constexpr size_t kMaxFields = 50000;
  // How many bytes of `chunk` are within the caps: chunk.size(), or the
  // offset of the line that went over (0 when it began in an earlier chunk).
  size_t Feed(std::string_view chunk);
  // Counts one header field given whole; false when it goes over the cap.
  bool AddField() { return ++fields_ <= kMaxFields; }

 private:
  // A field name longer than this is not counted: such a field costs more
  // bytes of mail than GMime spends on it.
  static constexpr size_t kLook = 64;
  // Counts the line that starts with `head`; false when over a cap.
  bool Count(std::string_view head);
  std::string head_;  // the start of a line that began in an earlier chunk
  size_t parts_ = 0;
  size_t fields_ = 0;
};

// The raw message kept for GMime: the header fields that describe the body
// (Content-*, MIME-Version) rebuilt from the milter's, then the body. A
// GByteArray so that GMime's memory stream can take it over without a copy.
class MimeBuffer {
 public:
  // `store` (may be null) takes the bytes instead of the byte array.
  explicit MimeBuffer(MarkingMessageStore* store = nullptr) : store_(store) {}
  ~MimeBuffer();
  MimeBuffer(const MimeBuffer&) = delete;
  MimeBuffer& operator=(const MimeBuffer&) = delete;
  // Header fields are kept as text until EndHeaders says whether the message
  // needs GMime at all (plain text never allocates the byte array).
  void AppendHeader(std::string_view name, std::string_view value);
  void EndHeaders(bool keep);
  // Returns false when the store failed or a cap of MimeObjectCounter was
  // reached (the rest is not kept; capped() says which).
  bool AppendBody(std::string_view chunk);
  // The message had more parts or fields than MimeObjectCounter allows: only
  // the bytes before the first one over were kept.
  bool capped() const { return capped_; }
  MarkingMessageStore* store() const { return store_; }
  // Hands the bytes over (the caller frees them); null when not kept.
  GByteArray* Release();
  // Bytes of the rebuilt header block, blank line included.
  size_t header_size() const { return header_size_; }

 private:
  bool Keep(std::string_view chunk);
  std::string headers_;
  MarkingMessageStore* store_ = nullptr;
  bool kept_ = false;  // EndHeaders(true) was called and the store took the headers
  bool capped_ = false;
  MimeObjectCounter counter_;
  GByteArray* bytes_ = nullptr;
  size_t header_size_ = 0;
};

// Undoes a body's transfer encoding as it streams, chunk by chunk, with
// GMime's step decoders (no GMime objects): what lets a single-part base64
// or quoted-printable text body be scanned as it arrives, like plain text.
class TransferDecoder {
 public:
  enum class Kind { kIdentity, kBase64, kQuotedPrintable };
  // The kind a Content-Transfer-Encoding value names (any case, spaces
  // around ignored; empty is identity); nullopt for one not decoded here
  // (x-uuencode and unknown tokens go to GMime's parser).
  static std::optional<Kind> KindOf(std::string_view transfer_encoding);

  explicit TransferDecoder(Kind kind);
  // Appends the decoded bytes of the next chunk to *out.
  void Decode(std::string_view chunk, std::string* out);

 private:
  Kind kind_;
  int state_ = 0;      // GMime's decoder state, carried between chunks
  uint32_t save_ = 0;  // likewise
};

struct ContentTypeFacts {
  std::string type;  // lower case; empty when there is no Content-Type
  std::string subtype;
  std::string charset;
};
ContentTypeFacts ParseContentType(std::string_view value);

// A header value unfolded and decoded to UTF-8 (RFC 2047 encoded words; raw
// 8-bit text taken as UTF-8, else Latin-1).
std::string DecodeHeaderValue(std::string_view value);

// Text that names a place ("attachment <file name>") made safe for logs and
// JSON: printable ASCII and UTF-8 kept, control bytes replaced, at most 100 bytes.
std::string SanitizeWhere(std::string_view text);

// Parses the kept message with GMime and scans every text part.
void ScanMime(MarkingScanState* state, MimeBuffer* buffer);

// Replaces HTML markup by what a reader sees: tags removed (block-level ones
// become line breaks, so banners stay whole lines), script and style dropped,
// character references decoded.
void StripHtml(std::string_view html, std::string* out);

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_MARKING_INTERNAL_H_
