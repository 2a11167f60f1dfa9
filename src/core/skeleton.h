// Confusable skeletons (UTS #39) of domain names, via ICU's spoof checker, so
// that "аrmy.mil" (Cyrillic а) and "arrny.mil" map to the same string as "army.mil".
#ifndef RCPTGUARD_CORE_SKELETON_H_
#define RCPTGUARD_CORE_SKELETON_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "rcptguard/result.h"

struct USpoofChecker;

namespace rcptguard {

// Thread-safe after Create(): ICU documents skeleton computation on a configured
// checker as safe for concurrent use.
class SkeletonMaker {
 public:
  static Result<std::shared_ptr<const SkeletonMaker>> Create();
  ~SkeletonMaker();
  SkeletonMaker(const SkeletonMaker&) = delete;
  SkeletonMaker& operator=(const SkeletonMaker&) = delete;

  // Replaces *out with the skeleton of a domain in its Unicode (U-label) form.
  // On top of UTS #39 it folds the ASCII look-alikes that UTS #39 leaves
  // distinct but mail clients' fonts do not: "vv" and "w", "cl" and "d", "i" and "l".
  void Skeleton(std::string_view unicode_domain, std::string* out) const;

  // The UTS #39 skeleton alone, lowercased, without the extra ASCII folds: two
  // names equal here look alike even more closely.
  void StrictSkeleton(std::string_view unicode_domain, std::string* out) const;

 private:
  explicit SkeletonMaker(USpoofChecker* checker);
  void Fold(std::string_view icu_skeleton, std::string* out) const;
  // The ICU skeleton of any string (ASCII or not), lowercased; false on failure.
  bool IcuSkeleton(std::string_view text, std::string* out) const;

  USpoofChecker* checker_;
  std::array<std::string, 128> ascii_;         // skeleton of each ASCII character, folded
  std::array<std::string, 128> ascii_strict_;  // the same without the extra folds
};

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_SKELETON_H_
