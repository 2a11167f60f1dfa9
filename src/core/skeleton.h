// Confusable skeletons (UTS #39) of domain names, via ICU's spoof checker, so
// that "аrmy.mil" (Cyrillic а), "ärmy.mil" and "arrny.mil" map to the same key
// as "army.mil"; and ICU's restriction-level check, which tells a label that
// mixes scripts (Latin with Cyrillic) from one written in a single script.
#ifndef RCPTGUARD_CORE_SKELETON_H_
#define RCPTGUARD_CORE_SKELETON_H_

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "rcptguard/result.h"

struct USpoofChecker;

namespace rcptguard {

// What the script make-up of a label says on its own (UTS #39 section 5).
enum class ScriptSuspicion : uint8_t {
  kNone,         // ASCII, or one script that does not pass for Latin
  kLatinAccent,  // Latin letters with diacritics: usual in many languages
  kMixed,        // scripts mixed beyond UTS #39's moderately restrictive level
  kReadsAsLatin  // wholly one other script, every letter a Latin look-alike ("аррӏе")
};

// Thread-safe after Create(): ICU documents skeleton computation and checks on
// a configured checker as safe for concurrent use.
class SkeletonMaker {
 public:
  static Result<std::shared_ptr<const SkeletonMaker>> Create();
  ~SkeletonMaker();
  SkeletonMaker(const SkeletonMaker&) = delete;
  SkeletonMaker& operator=(const SkeletonMaker&) = delete;

  // Replaces *out with the comparison key of a domain in its Unicode (U-label)
  // form: the UTS #39 skeleton, lowercased, with combining marks and the
  // strokes of letters such as ø and ł removed (a diacritic read as its base
  // letter), and the ASCII look-alikes UTS #39 leaves distinct but mail
  // clients' fonts do not folded: "vv" and "w", "cl" and "d", "i", "1" and "l",
  // "0" and "o", and the digits read as letters (3 e, 4 a, 5 s, 7 t, 8 b, 9 g).
  void Key(std::string_view unicode_domain, std::u32string* out) const;

  // The UTS #39 skeleton alone, lowercased, without the extra folds: two
  // names equal here look alike even more closely.
  void StrictSkeleton(std::string_view unicode_domain, std::string* out) const;

  // How suspicious the script make-up of one label is. ASCII is kNone.
  ScriptSuspicion Suspicion(std::string_view unicode_label) const;

  // "'а' (Cyrillic U+0430)": the first non-ASCII character of `text`, its
  // script and code point, for explanations. Empty for ASCII.
  static std::string DescribeFirstNonAscii(std::string_view text);

 private:
  explicit SkeletonMaker(USpoofChecker* checker);
  void Fold(std::u32string_view icu_skeleton, std::u32string* out) const;
  // The ICU skeleton of any string (ASCII or not), lowercased; false on failure.
  bool IcuSkeleton(std::string_view text, std::string* out) const;

  USpoofChecker* checker_;
  std::array<std::u32string, 128> ascii_;      // key of each ASCII character
  std::array<std::string, 128> ascii_strict_;  // the same without the extra folds
};

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_SKELETON_H_
