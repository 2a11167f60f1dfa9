// MarkingNormalizer: the one form text takes before the marking patterns see
// it, so that an en dash, a non-breaking hyphen, a no-break space or a
// zero-width space inside a marking needs no pattern of its own.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>

#include "core/marking_internal.h"
#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// The length of the UTF-8 sequence a lead byte starts (0: not a lead byte).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

bool AllContinuations(const unsigned char* bytes, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    if ((bytes[k] & 0xC0) != 0x80) return false;
  }
  return true;
}

// How many leading bytes of p[0, n), in whole blocks of 16, are ASCII with no
// ' ' or '-' that repeats the byte before it (`before` for p[0]): bytes that
// normalising leaves as they are. Most mail is such text, and SSE2 (part of
// every x86-64) reads it 16 bytes at a time.
size_t UntouchedPrefix(const unsigned char* p, size_t n, unsigned char before) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i dash = _mm_set1_epi8('-');
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    unsigned char last = i == 0 ? before : p[i - 1];
    __m128i previous = _mm_or_si128(_mm_slli_si128(v, 1), _mm_cvtsi32_si128(last));
    __m128i repeated =
        _mm_and_si128(_mm_cmpeq_epi8(v, previous),
                      _mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, dash)));
    if ((_mm_movemask_epi8(v) | _mm_movemask_epi8(repeated)) != 0) break;
  }
#else
  (void)p;
  (void)n;
  (void)before;
#endif
  return i;
}

// What a code point becomes: '-', ' ', nothing (0), or itself (-1).
int FoldCodePoint(UChar32 c) {
  // U+0096/U+0097 are windows-1252's en and em dash read as Latin-1 (a raw
  // 8-bit header is decoded that way when it is not UTF-8).
  if (c == 0x96 || c == 0x97 || u_hasBinaryProperty(c, UCHAR_DASH)) return '-';
  if (u_charType(c) == U_SPACE_SEPARATOR) return ' ';
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return 0;
  return -1;
}

}  // namespace

MarkingNormalizer MarkingNormalizer::ForCharset(std::string_view charset) {
  // Every windows-125x code page has the en dash at 0x96, the em dash at
  // 0x97 and the no-break space at 0xA0; every ISO 8859 part has the
  // no-break space at 0xA0, and mail labelled iso-8859-1 is in practice
  // windows-1252 (the WHATWG Encoding Standard reads the label so).
  std::string lower = AsciiLower(charset);
  bool single_byte = lower.rfind("windows-125", 0) == 0 || lower.rfind("iso-8859-", 0) == 0 ||
                     lower == "cp1252" || lower == "latin1";
  return MarkingNormalizer(single_byte);
}

void MarkingNormalizer::Emit(char c, std::string* out) {
  if ((c == ' ' || c == '-') && last_ == c) return;
  out->push_back(c);
  last_ = c;
}

void MarkingNormalizer::Append(std::string_view chunk, std::string* out) {
  if (!carry_.empty()) {
    // Complete the sequence the previous chunk left, then read it alone.
    size_t want = Utf8Length(static_cast<unsigned char>(carry_[0]));
    while (carry_.size() < want && !chunk.empty() &&
           (static_cast<unsigned char>(chunk.front()) & 0xC0) == 0x80) {
      carry_.push_back(chunk.front());
      chunk.remove_prefix(1);
    }
    if (carry_.size() < want && chunk.empty()) return;  // still incomplete
    std::string pending;
    pending.swap(carry_);
    Process(pending, out, false);  // complete or broken: read as it is
  }
  Process(chunk, out, true);
}

std::string_view MarkingNormalizer::Next(std::string_view chunk, std::string* buffer) {
  buffer->clear();
  if (!carry_.empty()) {
    Append(chunk, buffer);
    return *buffer;
  }
  bool whole = false;
  Process(chunk, buffer, true, &whole);
  return whole ? chunk : std::string_view(*buffer);
}

void MarkingNormalizer::Process(std::string_view chunk, std::string* out, bool may_carry,
                                bool* whole) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(chunk.data());
  const size_t size = chunk.size();
  // Text that stays as it is is appended in runs, not byte by byte: most
  // mail is ASCII with nothing to change, and then the chunk is one append.
  size_t copied = 0;  // chunk[copied, i) is still to be appended unchanged
  size_t i = 0;
  auto replace = [&](size_t end, int with) {  // chunk[i, end) becomes `with` (0: nothing)
    out->append(chunk.data() + copied, i - copied);
    if (with != 0) Emit(static_cast<char>(with), out);
    copied = i = end;
  };
  size_t slow_until = 0;  // the block that has something to change is read byte by byte
  while (i < size) {
    if (i >= slow_until) {
      size_t skip = UntouchedPrefix(bytes + i, size - i, static_cast<unsigned char>(last_));
      if (skip > 0) {
        i += skip;
        last_ = static_cast<char>(bytes[i - 1]);
        continue;
      }
      slow_until = i + 16;
    }
    unsigned char b = bytes[i];
    if (b < 0x80) {
      if ((b == ' ' || b == '-') && last_ == static_cast<char>(b)) {
        replace(i + 1, 0);  // the run is already one
      } else {
        last_ = static_cast<char>(b);
        ++i;
      }
      continue;
    }
    size_t n = Utf8Length(b);
    if (n != 0 && i + n > size && may_carry && AllContinuations(bytes + i + 1, size - i - 1)) {
      out->append(chunk.data() + copied, i - copied);
      carry_.assign(chunk.substr(i));  // the rest waits for the next chunk
      return;
    }
    UChar32 c = -1;
    auto at = static_cast<int32_t>(i);
    if (n != 0) U8_NEXT(bytes, at, static_cast<int32_t>(size), c);
    if (c < 0) {
      // Not UTF-8 here: a single-byte charset's dashes and space, else the
      // byte as it is.
      if (single_byte_ && (b == 0x96 || b == 0x97)) {
        replace(i + 1, '-');
      } else if (single_byte_ && b == 0xA0) {
        replace(i + 1, ' ');
      } else {
        last_ = static_cast<char>(b);
        ++i;
      }
      continue;
    }
    int folded = FoldCodePoint(c);
    if (folded < 0) {
      last_ = static_cast<char>(b);  // kept: neither ' ' nor '-'
      i = static_cast<size_t>(at);
    } else {
      replace(static_cast<size_t>(at), folded);
    }
  }
  if (whole != nullptr && copied == 0 && out->empty()) {
    *whole = true;  // nothing changed: the caller reads the chunk itself
    return;
  }
  out->append(chunk.data() + copied, size - copied);
}

void MarkingNormalizer::Finish(std::string* out) {
  std::string pending;
  pending.swap(carry_);
  Process(pending, out, false);
}

std::string_view MarkingNormalizer::Normalize(std::string_view text, std::string* buffer) {
  MarkingNormalizer normalizer;
  buffer->clear();
  bool whole = false;
  normalizer.Process(text, buffer, false, &whole);  // nothing is carried
  return whole ? text : std::string_view(*buffer);
}

std::string MarkingNormalizer::Normalize(std::string_view text) {
  MarkingNormalizer normalizer;
  std::string out;
  out.reserve(text.size());
  normalizer.Append(text, &out);
  normalizer.Finish(&out);
  return out;
}

}  // namespace rcptguard
