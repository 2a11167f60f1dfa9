// UTS #39 skeletons with ICU, plus an ASCII fast path that gives the same result.
#include "core/skeleton.h"

#include <unicode/uspoof.h>

namespace rcptguard {

SkeletonMaker::SkeletonMaker(USpoofChecker* checker) : checker_(checker) {}

SkeletonMaker::~SkeletonMaker() { uspoof_close(checker_); }

Result<std::shared_ptr<const SkeletonMaker>> SkeletonMaker::Create() {
  UErrorCode status = U_ZERO_ERROR;
  USpoofChecker* checker = uspoof_open(&status);
  if (U_FAILURE(status)) {
    return MakeError(ErrorCode::kInternal,
                     std::string("ICU spoof checker unavailable: ") + u_errorName(status));
  }
  std::shared_ptr<SkeletonMaker> maker(new SkeletonMaker(checker));
  // For ASCII, the skeleton of a string is the concatenation of the skeletons of
  // its characters (NFD is the identity), so compute each once.
  std::string icu;
  for (int c = 1; c < 128; ++c) {
    char in[2] = {static_cast<char>(c), '\0'};
    char out[32];
    status = U_ZERO_ERROR;
    int32_t len = uspoof_getSkeletonUTF8(checker, 0, in, 1, out, sizeof(out), &status);
    icu.assign(U_SUCCESS(status) ? std::string_view(out, len) : std::string_view(in, 1));
    maker->Fold(icu, &maker->ascii_[c]);
    for (char& ch : icu) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
    }
    maker->ascii_strict_[c] = icu;
  }
  return std::shared_ptr<const SkeletonMaker>(std::move(maker));
}

void SkeletonMaker::Fold(std::string_view icu_skeleton, std::string* out) const {
  out->clear();
  for (char c : icu_skeleton) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    switch (c) {
      case 'w':
        out->append("vv");
        break;
      case 'd':
        out->append("cl");
        break;
      case 'i':
      case '1':
        out->push_back('l');
        break;
      case '0':
        out->push_back('o');
        break;
      default:
        out->push_back(c);
    }
  }
}

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

namespace {

bool IsAsciiText(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return false;
  }
  return true;
}

// "rn" and "nn" both pass for "m" (UTS #39 already maps "m" to "rn").
void FoldDoubleN(std::string* skeleton) {
  for (size_t i = 0; i + 1 < skeleton->size(); ++i) {
    if ((*skeleton)[i] == 'r' && (*skeleton)[i + 1] == 'n') (*skeleton)[i] = 'n';
  }
}

}  // namespace

void SkeletonMaker::Skeleton(std::string_view unicode_domain, std::string* out) const {
  out->clear();
  if (IsAsciiText(unicode_domain)) {
    for (unsigned char c : unicode_domain) out->append(ascii_[c]);
  } else {
    std::string icu;
    // Not a skeleton we can compute (invalid UTF-8 cannot reach here: domains
    // are normalised first): fall back to the name itself, so no match.
    if (!IcuSkeleton(unicode_domain, &icu)) {
      out->assign(unicode_domain);
      return;
    }
    Fold(icu, out);
  }
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

}  // namespace rcptguard
