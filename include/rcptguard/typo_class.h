// The classes of typing mistake the detector names, shared by the detector and
// the typo data tables.
#ifndef RCPTGUARD_TYPO_CLASS_H_
#define RCPTGUARD_TYPO_CLASS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace rcptguard {

// The kind of mistake that turns the intended domain into the typed one. Names
// (TypoClassName) are part of the `check` output contract.
enum class TypoClass : uint8_t {
  kTldSwap,               // army.mil -> army.ml, example.com -> example.co
  kSuffixChange,          // example.co.uk -> example.uk, mod.gov.uk -> mod.gov
  kOmission,              // gmail -> gmal
  kInsertion,             // gmail -> gmasil
  kRepetition,            // gmail -> gmaill
  kKeyboardSubstitution,  // gmail -> gmaik (QWERTY, QWERTZ or AZERTY neighbour)
  kTransposition,         // gmail -> gmial
  kVowelSwap,             // hotmail -> hotmeil
  kBitsquat,              // one bit flipped: microsoft -> microsoft with 'o'->'n'
  kHomoglyph,             // Cyrillic a, rn for m, vv for w, 1 for l, 0 for o
  kHyphenation,           // a hyphen added or dropped
  kDotOmission,           // us.army.mil -> usarmy.mil
  kDotInsertion,          // army.mil -> ar.my.mil
  kSubstitution,          // any other single letter replaced (weak evidence)
  kCombined,              // two slips: a label and a suffix edit (gmial.con), two in a
                          // label of five letters or more (gmila.com), or a look-alike
                          // letter and a slip (pаypai.com)
  kDotMove,               // a dot typed one place out: outlookc.om, darp.amil
};
std::string_view TypoClassName(TypoClass typo_class);

// The inverse of TypoClassName; nullopt for an unknown name.
std::optional<TypoClass> TypoClassFromName(std::string_view name);

}  // namespace rcptguard

#endif  // RCPTGUARD_TYPO_CLASS_H_
