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

void SkeletonMaker::Skeleton(std::string_view unicode_domain, std::string* out) const {
  out->clear();
  bool ascii = true;
  for (unsigned char c : unicode_domain) {
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    for (unsigned char c : unicode_domain) out->append(ascii_[c]);
    return;
  }
  std::string buffer(unicode_domain.size() * 4 + 16, '\0');
  UErrorCode status = U_ZERO_ERROR;
  int32_t len = uspoof_getSkeletonUTF8(checker_, 0, unicode_domain.data(),
                                       static_cast<int32_t>(unicode_domain.size()), buffer.data(),
                                       static_cast<int32_t>(buffer.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    buffer.resize(len + 1);
    status = U_ZERO_ERROR;
    len = uspoof_getSkeletonUTF8(checker_, 0, unicode_domain.data(),
                                 static_cast<int32_t>(unicode_domain.size()), buffer.data(),
                                 static_cast<int32_t>(buffer.size()), &status);
  }
  if (U_FAILURE(status)) {
    // Not a skeleton we can compute (invalid UTF-8 cannot reach here: domains are
    // normalised first). Fall back to the name itself: no homoglyph match.
    out->assign(unicode_domain);
    return;
  }
  Fold(std::string_view(buffer.data(), len), out);
}

}  // namespace rcptguard
