// The MIME side of the marking scanner: GMime parses the kept message, every
// text part is decoded to UTF-8 in memory (transfer encoding, charset, HTML
// markup) and scanned; attached messages are walked with their subjects.
#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

#include "core/marking_internal.h"
#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// GMime keeps process-wide tables (charsets, iconv cache): initialised once,
// thread-safely, never shut down (the process exit frees them).
void EnsureGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace
}  // namespace rcptguard

// A read-only GMimeStream over a MarkingMessageStore, so that GMime parses a
// message the caller keeps wherever it likes (memory, a spill file) without
// the core doing I/O. Substreams (GMime's parts refer to ranges of the
// message) share the store. Modelled on GMimeStreamMem.
extern "C" {
typedef struct {
  GMimeStream parent;
  rcptguard::MarkingMessageStore* store;
} RcptguardStoreStream;
typedef struct {
  GMimeStreamClass parent_class;
} RcptguardStoreStreamClass;
}

// GObject's type macro expands to C casts in this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
G_DEFINE_TYPE(RcptguardStoreStream, rcptguard_store_stream, GMIME_TYPE_STREAM)
#pragma GCC diagnostic pop

namespace {

gint64 StoreEnd(GMimeStream* stream) {
  auto* self = reinterpret_cast<RcptguardStoreStream*>(stream);
  return stream->bound_end != -1 ? stream->bound_end : static_cast<gint64>(self->store->size());
}

ssize_t StoreRead(GMimeStream* stream, char* buffer, size_t length) {
  auto* self = reinterpret_cast<RcptguardStoreStream*>(stream);
  gint64 left = StoreEnd(stream) - stream->position;
  if (left <= 0) return 0;
  size_t want = std::min(length, static_cast<size_t>(left));
  // Filled as far as asked, as GMimeStreamMem does: GMime's parser does not
  // read malformed input the same way when reads come back short, and the
  // result must not depend on how the caller's store hands bytes back.
  size_t done = 0;
  while (done < want) {
    int64_t got = self->store->Read(static_cast<uint64_t>(stream->position) + done, buffer + done,
                                    want - done);
    if (got < 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  stream->position += static_cast<gint64>(done);
  return static_cast<ssize_t>(done);
}

ssize_t StoreWrite(GMimeStream*, const char*, size_t) { return -1; }
int StoreFlush(GMimeStream*) { return 0; }
int StoreClose(GMimeStream*) { return 0; }
gboolean StoreEos(GMimeStream* stream) { return stream->position >= StoreEnd(stream); }

int StoreReset(GMimeStream* stream) {
  stream->position = stream->bound_start;
  return 0;
}

gint64 StoreSeek(GMimeStream* stream, gint64 offset, GMimeSeekWhence whence) {
  gint64 end = StoreEnd(stream);
  gint64 target = whence == GMIME_STREAM_SEEK_SET   ? offset
                  : whence == GMIME_STREAM_SEEK_CUR ? stream->position + offset
                                                    : end + offset;
  if (target < stream->bound_start || target > end) return -1;
  stream->position = target;
  return target;
}

gint64 StoreTell(GMimeStream* stream) { return stream->position; }
gint64 StoreLength(GMimeStream* stream) { return StoreEnd(stream) - stream->bound_start; }

GMimeStream* NewStoreStream(rcptguard::MarkingMessageStore* store, gint64 start, gint64 end);

GMimeStream* StoreSubstream(GMimeStream* stream, gint64 start, gint64 end) {
  return NewStoreStream(reinterpret_cast<RcptguardStoreStream*>(stream)->store, start, end);
}

GMimeStream* NewStoreStream(rcptguard::MarkingMessageStore* store, gint64 start, gint64 end) {
  auto* self =
      static_cast<RcptguardStoreStream*>(g_object_new(rcptguard_store_stream_get_type(), nullptr));
  self->store = store;
  g_mime_stream_construct(GMIME_STREAM(self), start, end);
  return GMIME_STREAM(self);
}

}  // namespace

static void rcptguard_store_stream_class_init(RcptguardStoreStreamClass* klass) {
  GMimeStreamClass* stream = GMIME_STREAM_CLASS(klass);
  stream->read = StoreRead;
  stream->write = StoreWrite;
  stream->flush = StoreFlush;
  stream->close = StoreClose;
  stream->eos = StoreEos;
  stream->reset = StoreReset;
  stream->seek = StoreSeek;
  stream->tell = StoreTell;
  stream->length = StoreLength;
  stream->substream = StoreSubstream;
}

static void rcptguard_store_stream_init(RcptguardStoreStream* self) { self->store = nullptr; }

namespace rcptguard {
namespace {

// Attached messages inside attached messages: beyond this depth the rest is
// not walked (GMime has its own, larger, nesting limit while parsing).
constexpr int kMaxDepth = 32;

struct Walk {
  MarkingScanState* state;
  std::string text;  // decoded part, reused
  std::string html;  // HTML stripped of markup, reused
};

void OnParserWarning(gint64 /*offset*/, GMimeParserWarning code, const gchar* /*item*/,
                     gpointer user_data) {
  // Header oddities (duplicates, raw 8-bit, bad address lists) do not hide
  // text from the scan; structural problems can, and are reported.
  switch (code) {
    case GMIME_WARN_INVALID_CONTENT_TYPE:
    case GMIME_WARN_MALFORMED_MULTIPART:
    case GMIME_WARN_TRUNCATED_MESSAGE:
    case GMIME_WARN_MALFORMED_MESSAGE:
    case GMIME_WARN_PART_WITHOUT_CONTENT:
    case GMIME_CRIT_INVALID_HEADER_NAME:
    case GMIME_CRIT_CONFLICTING_HEADER:
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
    case GMIME_CRIT_NESTING_OVERFLOW:
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
      static_cast<MarkingScanState*>(user_data)->result.malformed = true;
      break;
    default:
      break;
  }
}

// Decodes a transfer encoding TransferDecoder knows, read straight from the
// part's raw stream into *out: no filter stream, no byte array, no copy.
// Returns false for any other encoding (the caller takes GMime's path).
bool DecodeTransfer(GMimeDataWrapper* content, std::string* out) {
  TransferDecoder::Kind kind;
  switch (g_mime_data_wrapper_get_encoding(content)) {
    case GMIME_CONTENT_ENCODING_BASE64:
      kind = TransferDecoder::Kind::kBase64;
      break;
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
      kind = TransferDecoder::Kind::kQuotedPrintable;
      break;
    case GMIME_CONTENT_ENCODING_DEFAULT:
    case GMIME_CONTENT_ENCODING_7BIT:
    case GMIME_CONTENT_ENCODING_8BIT:
    case GMIME_CONTENT_ENCODING_BINARY:
      kind = TransferDecoder::Kind::kIdentity;
      break;
    default:
      return false;
  }
  GMimeStream* raw = g_mime_data_wrapper_get_stream(content);
  if (raw == nullptr || g_mime_stream_reset(raw) < 0) return false;
  TransferDecoder decoder(kind);
  char block[8192];
  ssize_t n;
  while ((n = g_mime_stream_read(raw, block, sizeof(block))) > 0) {
    decoder.Decode(std::string_view(block, static_cast<size_t>(n)), out);
  }
  return n == 0;
}

// Decodes one leaf part (transfer encoding, then charset to UTF-8) into *out.
void DecodePart(GMimePart* part, std::string* out) {
  out->clear();
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return;
  const char* charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
  // UTF-8 and ASCII need no conversion, and most text is one of them: the
  // transfer encoding is then decoded straight into *out. An unknown charset
  // gives no filter either: the bytes are scanned as they are (ASCII banners
  // still match in any ASCII-compatible charset).
  GMimeFilter* filter = nullptr;
  if (charset != nullptr && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
      g_ascii_strcasecmp(charset, "us-ascii") != 0) {
    filter = g_mime_filter_charset_new(charset, "UTF-8");
  }
  if (filter == nullptr) {
    if (DecodeTransfer(content, out)) return;
    out->clear();  // a read failed part way: GMime's own path below
  }
  GMimeStream* memory = g_mime_stream_mem_new();
  if (filter != nullptr) {
    GMimeStream* filtered = g_mime_stream_filter_new(memory);
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
    g_object_unref(filter);
    g_mime_data_wrapper_write_to_stream(content, filtered);
    g_mime_stream_flush(filtered);
    g_object_unref(filtered);
  } else {
    g_mime_data_wrapper_write_to_stream(content, memory);
  }
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory));
  // Taken by length, not as a C string: a NUL in the text must not end the scan.
  if (bytes != nullptr) out->assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
  g_object_unref(memory);
}

void WalkObject(Walk* walk, GMimeObject* object, const std::string& prefix, int depth);

void WalkMessage(Walk* walk, GMimeMessage* message, const std::string& prefix, int depth) {
  MarkingScanState& state = *walk->state;
  if (depth > 0) {
    // An attached message's own subject and headers carry its marking.
    if (const char* subject = g_mime_message_get_subject(message)) {
      state.ScanSubject(subject, prefix + "subject");
    }
    GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(message));
    int count = headers ? g_mime_header_list_get_count(headers) : 0;
    for (int i = 0; i < count; ++i) {
      GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
      const char* name = g_mime_header_get_name(header);
      const char* value = g_mime_header_get_value(header);
      if (name == nullptr || value == nullptr) continue;
      std::string lower = AsciiLower(name);
      if (state.WantsHeader(lower)) state.ScanHeader(lower, SanitizeWhere(name), value, prefix);
    }
  }
  if (GMimeObject* body = g_mime_message_get_mime_part(message)) {
    WalkObject(walk, body, prefix, depth);
  }
}

void WalkObject(Walk* walk, GMimeObject* object, const std::string& prefix, int depth) {
  MarkingScanState& state = *walk->state;
  if (depth > kMaxDepth) {
    state.result.malformed = true;
    return;
  }
  if (GMIME_IS_MESSAGE_PART(object)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    if (inner != nullptr) WalkMessage(walk, inner, prefix + "attached message: ", depth + 1);
    return;
  }
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    // The text before the first boundary and after the last is not shown by
    // mail clients, but when the boundary is wrong it is the whole message:
    // it is scanned too (best effort on malformed MIME).
    if (const char* prologue = g_mime_multipart_get_prologue(multipart)) {
      state.ScanText(prologue, prefix + "body");
    }
    if (const char* epilogue = g_mime_multipart_get_epilogue(multipart)) {
      state.ScanText(epilogue, prefix + "body");
    }
    int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      WalkObject(walk, g_mime_multipart_get_part(multipart, i), prefix, depth);
    }
    return;
  }
  if (!GMIME_IS_PART(object)) return;
  GMimeContentType* type = g_mime_object_get_content_type(object);
  // Only text is read: a PDF or an office document would need its own parser
  // (docs/markings.md, limits).
  if (type == nullptr || !g_mime_content_type_is_type(type, "text", "*")) return;
  GMimePart* part = GMIME_PART(object);
  const char* disposition = g_mime_object_get_disposition(object);
  const char* filename = g_mime_part_get_filename(part);
  bool attachment =
      (disposition != nullptr && g_ascii_strcasecmp(disposition, "attachment") == 0) ||
      (filename != nullptr && *filename != '\0');
  std::string where = prefix;
  if (attachment) {
    where += "attachment";
    if (filename != nullptr && *filename != '\0') {
      where += ' ';
      where += SanitizeWhere(filename);
    }
  } else {
    where += "body";
  }
  DecodePart(part, &walk->text);
  if (g_mime_content_type_is_type(type, "text", "html")) {
    walk->html.clear();
    StripHtml(walk->text, &walk->html);
    state.ScanText(walk->html, where);
  } else {
    state.ScanText(walk->text, where);
  }
}

}  // namespace

// ---------------------------------------------------------------------------

MimeBuffer::~MimeBuffer() {
  if (bytes_ != nullptr) g_byte_array_free(bytes_, TRUE);
}

void MimeBuffer::AppendHeader(std::string_view name, std::string_view value) {
  // GMime needs only the fields that describe the body's structure: the
  // others (Subject and the named headers) were scanned as they came, each
  // copy of a repeated one included, and leaving them out spares GMime
  // parsing Received, DKIM and address lists. (GMime no longer sees, so no
  // longer calls malformed, a message with two different Subjects: its body
  // is read the same either way.)
  if (!StartsWithIgnoreCase(name, "content-") && !StartsWithIgnoreCase(name, "mime-version")) {
    return;
  }
  if (!counter_.AddField()) {
    capped_ = true;
    return;
  }
  headers_.append(name);
  headers_.append(": ");
  headers_.append(value);
  headers_.append("\r\n");
}

void MimeBuffer::EndHeaders(bool keep) {
  if (keep && store_ != nullptr) {
    headers_.append("\r\n");
    kept_ = store_->Append(headers_).has_value();
    header_size_ = headers_.size();
  } else if (keep) {
    headers_.append("\r\n");
    bytes_ = g_byte_array_sized_new(static_cast<guint>(headers_.size() + 4096));
    g_byte_array_append(bytes_, reinterpret_cast<const guint8*>(headers_.data()),
                        static_cast<guint>(headers_.size()));
    header_size_ = headers_.size();
  }
  std::string().swap(headers_);
}

bool MimeBuffer::AppendBody(std::string_view chunk) {
  if (capped_) return false;
  if (size_t within = counter_.Feed(chunk); within < chunk.size()) {
    if (within > 0) Keep(chunk.substr(0, within));
    capped_ = true;
    return false;
  }
  return Keep(chunk);
}

bool MimeBuffer::Keep(std::string_view chunk) {
  if (store_ != nullptr) {
    if (kept_ && !store_->Append(chunk)) kept_ = false;  // the store reports why
    return kept_;
  }
  if (bytes_ == nullptr) return false;
  g_byte_array_append(bytes_, reinterpret_cast<const guint8*>(chunk.data()),
                      static_cast<guint>(chunk.size()));
  return true;
}

GByteArray* MimeBuffer::Release() { return std::exchange(bytes_, nullptr); }

namespace {

// RFC 5322 ftext: printable ASCII but ':' and space.
bool IsFieldNameByte(char c) { return c >= 33 && c <= 126 && c != ':'; }

}  // namespace

bool MimeObjectCounter::Count(std::string_view head) {
  if (head.size() >= 2 && head[0] == '-' && head[1] == '-') return ++parts_ <= kMaxParts;
  size_t colon = head.find(':');
  if (colon == 0 || colon == std::string_view::npos) return true;
  for (size_t k = 0; k < colon; ++k) {
    if (!IsFieldNameByte(head[k])) return true;
  }
  return ++fields_ <= kMaxFields;
}

size_t MimeObjectCounter::Feed(std::string_view chunk) {
  // Line by line with memchr: most lines (base64, prose) are classified by
  // their first bytes and skipped at memory speed.
  size_t pos = 0;
  while (pos < chunk.size()) {
    const void* found = std::memchr(chunk.data() + pos, '\n', chunk.size() - pos);
    size_t end = found == nullptr
                     ? chunk.size()
                     : static_cast<size_t>(static_cast<const char*>(found) - chunk.data());
    std::string_view line = chunk.substr(pos, end - pos);
    if (found == nullptr) {
      // The line goes on in the next chunk: keep what classifies it.
      head_.append(line.substr(0, kLook - std::min(kLook, head_.size())));
      return chunk.size();
    }
    bool within;
    size_t line_start = pos;
    if (head_.empty()) {
      within = Count(line.substr(0, kLook));
    } else {
      head_.append(line.substr(0, kLook - std::min(kLook, head_.size())));
      within = Count(head_);
      head_.clear();
      line_start = 0;  // the line began in an earlier chunk
    }
    if (!within) return line_start;
    pos = end + 1;
  }
  return chunk.size();
}

std::optional<TransferDecoder::Kind> TransferDecoder::KindOf(std::string_view transfer_encoding) {
  std::string_view value = Trim(transfer_encoding);
  auto is = [&](std::string_view name) { return EqualsIgnoreCase(value, name); };
  if (value.empty() || is("7bit") || is("8bit") || is("binary")) return Kind::kIdentity;
  if (is("base64")) return Kind::kBase64;
  if (is("quoted-printable")) return Kind::kQuotedPrintable;
  return std::nullopt;
}

TransferDecoder::TransferDecoder(Kind kind) : kind_(kind) { EnsureGMime(); }

void TransferDecoder::Decode(std::string_view chunk, std::string* out) {
  if (kind_ == Kind::kIdentity) {
    out->append(chunk);
    return;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(chunk.data());
  // Decoded bytes are never more than the chunk plus the few the state holds
  // back from the chunk before (base64: 3 for every 4; quoted-printable: at
  // most one per input byte).
  size_t before = out->size();
  out->resize(before + chunk.size() + 4);
  auto* decoded = reinterpret_cast<unsigned char*>(out->data() + before);
  size_t made =
      kind_ == Kind::kBase64
          ? g_mime_encoding_base64_decode_step(in, chunk.size(), decoded, &state_, &save_)
          : g_mime_encoding_quoted_decode_step(in, chunk.size(), decoded, &state_, &save_);
  out->resize(before + made);
}

ContentTypeFacts ParseContentType(std::string_view value) {
  ContentTypeFacts facts;
  value = Trim(value);
  if (value.empty()) return facts;
  size_t semicolon = value.find(';');
  std::string_view media = Trim(value.substr(0, semicolon));
  size_t slash = media.find('/');
  facts.type = AsciiLower(Trim(media.substr(0, slash)));
  facts.subtype = AsciiLower(slash == std::string_view::npos ? "" : Trim(media.substr(slash + 1)));
  // Parameters: only charset matters here; quoted or not.
  while (semicolon != std::string_view::npos) {
    std::string_view rest = value.substr(semicolon + 1);
    semicolon = rest.find(';');
    std::string_view parameter = Trim(rest.substr(0, semicolon));
    if (semicolon != std::string_view::npos) semicolon += value.size() - rest.size();
    if (!StartsWithIgnoreCase(parameter, "charset")) continue;
    std::string_view after = Trim(parameter.substr(7));
    if (after.empty() || after.front() != '=') continue;
    std::string_view charset = Trim(after.substr(1));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
      charset = charset.substr(1, charset.size() - 2);
    }
    facts.charset.assign(charset);
  }
  return facts;
}

std::string DecodeHeaderValue(std::string_view value) {
  std::string unfolded;
  unfolded.reserve(value.size());
  bool plain = true;  // no encoded word, no 8-bit byte: nothing to decode
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    // A NUL would end the C string GMime reads; none reaches here from the
    // milter, but a file might carry one.
    if (c != '\r' && c != '\n' && c != '\0') unfolded.push_back(c);
    if (static_cast<unsigned char>(c) >= 0x80 ||
        (c == '=' && i + 1 < value.size() && value[i + 1] == '?')) {
      plain = false;
    }
  }
  if (plain) return unfolded;
  EnsureGMime();
  char* decoded = g_mime_utils_header_decode_text(nullptr, unfolded.c_str());
  if (decoded == nullptr) return unfolded;
  std::string out(decoded);
  g_free(decoded);
  return out;
}

std::string SanitizeWhere(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 100)) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
  }
  return out;
}

void ScanMime(MarkingScanState* state, MimeBuffer* buffer) {
  EnsureGMime();
  size_t header_size = buffer->header_size();
  GMimeStream* stream = nullptr;
  if (MarkingMessageStore* store = buffer->store()) {
    if (store->size() == 0) return;
    stream = NewStoreStream(store, 0, -1);
  } else {
    GByteArray* bytes = buffer->Release();
    if (bytes == nullptr) return;
    // The stream takes the bytes over (and frees them with itself).
    stream = g_mime_stream_mem_new_with_byte_array(bytes);
  }
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  GMimeParserOptions* options = g_mime_parser_options_new();
  g_mime_parser_options_set_warning_callback(options, OnParserWarning, state);
  GMimeMessage* message = g_mime_parser_construct_message(parser, options);
  Walk walk{state, {}, {}};
  if (message != nullptr) {
    WalkMessage(&walk, message, "", 0);
    g_object_unref(message);
  } else {
    state->result.malformed = true;
  }
  if (state->result.malformed) {
    // GMime read a damaged structure as best it could, and may have lost
    // text on the way (a part swallowed by a bad boundary or header). The
    // raw body is scanned too, undecoded: a banner written in clear cannot
    // hide behind broken MIME.
    std::string body;
    char block[65536];
    if (g_mime_stream_seek(stream, static_cast<gint64>(header_size), GMIME_STREAM_SEEK_SET) >= 0) {
      ssize_t n;
      while ((n = g_mime_stream_read(stream, block, sizeof(block))) > 0) {
        body.append(block, static_cast<size_t>(n));
      }
    }
    state->ScanText(body, "body");
  }
  g_mime_parser_options_free(options);
  g_object_unref(parser);
  g_object_unref(stream);
}

}  // namespace rcptguard
