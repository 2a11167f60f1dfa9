// UTF-8 decoding and diacritic folding with ICU's normaliser.
#include "core/code_points.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>

namespace rcptguard {
namespace {

// Letters that keep their stroke, bar or ligature under NFD, with what a reader
// sees in them. From the Unicode names of the letters (LATIN SMALL LETTER O
// WITH STROKE and so on): facts of the standard, not a list of our own.
struct Special {
  char32_t letter;
  const char32_t* folded;
};
constexpr Special kSpecials[] = {
    {U'ø', U"o"},  {U'ł', U"l"},  {U'đ', U"d"}, {U'ħ', U"h"},  {U'ı', U"i"},  {U'ŧ', U"t"},
    {U'ŀ', U"l"},  {U'ð', U"d"},  {U'ƀ', U"b"}, {U'ɨ', U"i"},  {U'ʉ', U"u"},  {U'ƶ', U"z"},
    {U'ǥ', U"g"},  {U'ɇ', U"e"},  {U'ɉ', U"j"}, {U'ɍ', U"r"},  {U'ɏ', U"y"},  {U'ĸ', U"k"},
    {U'ŋ', U"n"},  {U'ſ', U"s"},  {U'ȷ', U"j"}, {U'ß', U"ss"}, {U'æ', U"ae"}, {U'œ', U"oe"},
    {U'þ', U"th"}, {U'ĳ', U"ij"},
};

const Special* FindSpecial(char32_t lower) {
  for (const Special& special : kSpecials) {
    if (special.letter == lower) return &special;
  }
  return nullptr;
}

// The first code point of the canonical decomposition of `c` (itself if none).
char32_t DecompositionBase(char32_t c) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfd = unorm2_getNFDInstance(&status);
  if (U_FAILURE(status)) return c;
  for (int depth = 0; depth < 4; ++depth) {
    UChar buffer[8];
    status = U_ZERO_ERROR;
    int32_t length = unorm2_getDecomposition(nfd, static_cast<UChar32>(c), buffer, 8, &status);
    if (U_FAILURE(status) || length <= 0) break;
    UChar32 first = 0;
    int32_t at = 0;
    U16_NEXT(buffer, at, length, first);
    if (static_cast<char32_t>(first) == c) break;
    c = static_cast<char32_t>(first);
  }
  return c;
}

}  // namespace

bool IsAsciiText(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    int extra = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    char32_t cp = c & (0x3f >> extra);
    bool valid = true;
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xc0) != 0x80) valid = false;
      cp = cp << 6 | (next & 0x3f);
    }
    if (!valid) {
      out.push_back(U'\uFFFD');
      ++i;
      continue;
    }
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(c, &out);
  return out;
}

std::string Transliterate(std::string_view text) {
  if (IsAsciiText(text)) return std::string(text);
  std::string out;
  for (char32_t c : DecodeUtf8(text)) {
    switch (c) {
      case U'ä':
        out += "ae";
        break;
      case U'ö':
        out += "oe";
        break;
      case U'ü':
        out += "ue";
        break;
      case U'ß':
        out += "ss";
        break;
      default:
        AppendUtf8(c, &out);
    }
  }
  return out;
}

bool IsCombiningMark(char32_t c) {
  if (c < 0x300) return false;
  int8_t type = u_charType(static_cast<UChar32>(c));
  return type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK;
}

char32_t FoldLetter(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  auto lower = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
  if (const Special* special = FindSpecial(lower)) return special->folded[0];
  char32_t base = DecompositionBase(lower);
  if (const Special* special = FindSpecial(base)) return special->folded[0];
  return base;
}

void FoldText(std::u32string_view text, std::u32string* out) {
  for (char32_t c : text) {
    if (c < 0x80) {
      out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
      continue;
    }
    if (IsCombiningMark(c)) continue;
    auto lower = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
    const Special* special = FindSpecial(lower);
    if (special == nullptr) special = FindSpecial(DecompositionBase(lower));
    if (special != nullptr) {
      out->append(special->folded);
    } else {
      out->push_back(DecompositionBase(lower));
    }
  }
}

}  // namespace rcptguard
