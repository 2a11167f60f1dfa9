// UTS #39 skeletons and restriction levels with ICU, plus an ASCII fast path
// that gives the same keys.
#include "core/skeleton.h"

#include <unicode/uscript.h>
#include <unicode/uspoof.h>

#include <cstdio>

#include "core/code_points.h"

namespace rcptguard {

SkeletonMaker::SkeletonMaker(USpoofChecker* checker) : checker_(checker) {}

SkeletonMaker::~SkeletonMaker() { uspoof_close(checker_); }

Result<std::shared_ptr<const SkeletonMaker>> SkeletonMaker::Create() {
  UErrorCode status = U_ZERO_ERROR;
  USpoofChecker* checker = uspoof_open(&status);
  if (U_SUCCESS(status)) {
    // Only the restriction level (mixed scripts) is asked of uspoof_check2;
    // skeletons do not depend on the checks chosen.
    uspoof_setChecks(checker, USPOOF_RESTRICTION_LEVEL, &status);
    uspoof_setRestrictionLevel(checker, USPOOF_MODERATELY_RESTRICTIVE);
  }
  if (U_FAILURE(status)) {
    return MakeError(ErrorCode::kInternal,
                     std::string("ICU spoof checker unavailable: ") + u_errorName(status));
  }
  std::shared_ptr<SkeletonMaker> maker(new SkeletonMaker(checker));
  // For ASCII, the skeleton of a string is the concatenation of the skeletons of
  // its characters (NFD is the identity), so compute each once.
  for (int c = 1; c < 128; ++c) {
    char in[2] = {static_cast<char>(c), '\0'};
    char out[32];
    status = U_ZERO_ERROR;
    int32_t len = uspoof_getSkeletonUTF8(checker, 0, in, 1, out, sizeof(out), &status);
    std::string icu(U_SUCCESS(status) ? std::string_view(out, len) : std::string_view(in, 1));
    for (char& ch : icu) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
    maker->Fold(DecodeUtf8(icu), &maker->ascii_[c]);
    maker->ascii_strict_[c] = icu;
  }
  return std::shared_ptr<const SkeletonMaker>(std::move(maker));
}

// Cyrillic lower-case letters that UTS #39 leaves distinct from Latin but that
// read as Latin letters in the sans-serif fonts of mail clients (their capitals
// or italics are the Latin shapes): the extra confusables the Chromium IDN
// spoof checker also folds for Cyrillic. After the UTS #39 skeleton.
constexpr std::pair<char32_t, char32_t> kCyrillicReadsAsLatin[] = {
    {U'ь', 'b'}, {U'ъ', 'b'}, {U'т', 't'}, {U'м', 'm'}, {U'к', 'k'},
    {U'н', 'h'}, {U'п', 'n'}, {U'г', 'r'}, {U'ѵ', 'v'}, {U'ш', 'w'},
};

void SkeletonMaker::Fold(std::u32string_view icu_skeleton, std::u32string* out) const {
  out->clear();
  std::u32string folded;
  FoldText(icu_skeleton, &folded);
  for (char32_t c : folded) {
    switch (c) {
      case 'w':
        out->append(U"vv");
        break;
      case 'd':
        out->append(U"cl");
        break;
      case 'i':
      case '1':
        out->push_back('l');
        break;
      case '0':
        out->push_back('o');
        break;
      case '3':
        out->push_back('e');
        break;
      case '4':
        out->push_back('a');
        break;
      case '5':
        out->push_back('s');
        break;
      case '7':
        out->push_back('t');
        break;
      case '8':
        out->push_back('b');
        break;
      case '9':
        out->push_back('g');
        break;
      default:
        out->push_back(c);
    }
  }
}

namespace {

// "rn" and "nn" both pass for "m" (UTS #39 already maps "m" to "rn"). One pass
// over the whole key, so the ASCII and ICU paths agree.
void FoldDoubleN(std::u32string* key) {
  for (size_t i = 0; i + 1 < key->size(); ++i) {
    if ((*key)[i] == 'r' && (*key)[i + 1] == 'n') (*key)[i] = 'n';
  }
}

}  // namespace

bool SkeletonMaker::IcuSkeleton(std::string_view text, std::string* out) const {
  std::string buffer(text.size() * 4 + 16, '\0');
  UErrorCode status = U_ZERO_ERROR;
  int32_t len = uspoof_getSkeletonUTF8(checker_, 0, text.data(), static_cast<int32_t>(text.size()),
                                       buffer.data(), static_cast<int32_t>(buffer.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    buffer.resize(len + 1);
    status = U_ZERO_ERROR;
    len = uspoof_getSkeletonUTF8(checker_, 0, text.data(), static_cast<int32_t>(text.size()),
                                 buffer.data(), static_cast<int32_t>(buffer.size()), &status);
  }
  if (U_FAILURE(status)) return false;
  out->assign(buffer.data(), len);
  for (char& c : *out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return true;
}

void SkeletonMaker::Key(std::string_view unicode_domain, std::u32string* out) const {
  out->clear();
  if (IsAsciiText(unicode_domain)) {
    for (unsigned char c : unicode_domain) out->append(ascii_[c]);
    FoldDoubleN(out);
    return;
  }
  // The extra Cyrillic look-alikes first: UTS #39 maps some of them to other
  // look-alikes (т to the small capital ᴛ), not to the Latin letter.
  std::u32string points = DecodeUtf8(unicode_domain);
  for (char32_t& c : points) {
    for (const auto& [cyrillic, latin] : kCyrillicReadsAsLatin) {
      if (c == cyrillic) c = latin;
    }
  }
  std::string icu;
  // Not a skeleton we can compute (invalid UTF-8 cannot reach here: domains
  // are normalised first): fall back to the name itself, so no match.
  if (!IcuSkeleton(EncodeUtf8(points), &icu)) {
    *out = DecodeUtf8(unicode_domain);
    return;
  }
  Fold(DecodeUtf8(icu), out);
  FoldDoubleN(out);
}

void SkeletonMaker::StrictSkeleton(std::string_view unicode_domain, std::string* out) const {
  out->clear();
  if (IsAsciiText(unicode_domain)) {
    for (unsigned char c : unicode_domain) out->append(ascii_strict_[c]);
    return;
  }
  if (!IcuSkeleton(unicode_domain, out)) out->assign(unicode_domain);
}

ScriptSuspicion SkeletonMaker::Suspicion(std::string_view unicode_label) const {
  if (IsAsciiText(unicode_label)) return ScriptSuspicion::kNone;
  UErrorCode status = U_ZERO_ERROR;
  int32_t result = uspoof_check2UTF8(checker_, unicode_label.data(),
                                     static_cast<int32_t>(unicode_label.size()), nullptr, &status);
  if (U_SUCCESS(status) && (result & USPOOF_RESTRICTION_LEVEL) != 0) {
    return ScriptSuspicion::kMixed;
  }
  // One script (moderately restrictive passed). It reads as Latin when it is
  // not Latin and every letter's skeleton is a Latin letter or digit, as
  // Chromium's IDN spoof checker treats whole-script confusables.
  std::u32string points = DecodeUtf8(unicode_label);
  bool latin = false;
  bool other = false;
  for (char32_t c : points) {
    if (c < 0x80) continue;
    status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
    if (script == USCRIPT_LATIN) {
      latin = true;
    } else if (script != USCRIPT_COMMON && script != USCRIPT_INHERITED) {
      other = true;
    }
  }
  if (latin && !other) return ScriptSuspicion::kLatinAccent;
  if (!other) return ScriptSuspicion::kNone;
  std::u32string key;
  Key(unicode_label, &key);
  for (char32_t c : key) {
    bool ascii_letter = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ascii_letter) return ScriptSuspicion::kNone;
  }
  return ScriptSuspicion::kReadsAsLatin;
}

std::string SkeletonMaker::DescribeFirstNonAscii(std::string_view text) {
  for (char32_t c : DecodeUtf8(text)) {
    if (c < 0x80) continue;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(static_cast<UChar32>(c), &status);
    const char* name = U_SUCCESS(status) ? uscript_getName(script) : nullptr;
    char code[16];
    std::snprintf(code, sizeof(code), "U+%04X", static_cast<unsigned>(c));
    std::string out = "'";
    AppendUtf8(c, &out);
    out += "' (";
    if (name != nullptr && script != USCRIPT_COMMON && script != USCRIPT_INHERITED) {
      out += name;
      out.push_back(' ');
    }
    out += code;
    out.push_back(')');
    return out;
  }
  return {};
}

}  // namespace rcptguard
