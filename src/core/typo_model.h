// The noisy-channel typo model (DESIGN.md section 2): which edits turn an
// intended string into a typed one, how likely a sender is to make them, and how
// likely the typed domain is to be meant as it stands. Pure functions and constants.
//
// Strings are compared as code points: a slip in "münchen" is an edit of the
// letters the sender saw, not of its punycode. UTF-8 in, positions in code points.
#ifndef RCPTGUARD_CORE_TYPO_MODEL_H_
#define RCPTGUARD_CORE_TYPO_MODEL_H_

#include <optional>
#include <string>
#include <string_view>

#include "rcptguard/typo_class.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {

// One edit between two strings, typed against intended.
struct Edit {
  TypoClass typo_class = TypoClass::kSubstitution;
  double probability = 0;      // channel probability P(typed | intended) for this exact edit
  size_t position = 0;         // code point index in `intended` where the edit happens
  char32_t typed_char = 0;     // the character typed (insertion, substitution)
  char32_t intended_char = 0;  // the character meant (omission, substitution)
  // A suffix change that is none of the known kinds (ClassifySuffixChange's
  // fallback): evidence only for the suffix alone, never beside a label slip.
  bool any_suffix = false;
  // A suffix change from the shipped confusion table (mil -> ml, com -> co).
  bool from_table = false;
};

// Two edits in one label (a transposition and an omission, two neighbouring
// keys, a letter moved two places), the first nearer the start.
struct TwoEdits {
  Edit first;
  Edit second;
  double probability = 0;  // of the pair, see TwoSlipProbability
  // The pair is one letter left out and typed a little later or earlier
  // ("gmila" for "gmail"): one slip, scored as one.
  bool moved = false;
};

// Returns true iff a and b are neighbouring keys on a QWERTY, QWERTZ or AZERTY keyboard.
bool AreKeyboardNeighbours(char32_t a, char32_t b);

// Classifies `typed` as one edit of `intended` (both UTF-8): an omission,
// insertion, repetition, substitution (keyboard, vowel, bit flip, ASCII
// look-alike, a letter with its diacritic changed or dropped, other), adjacent
// transposition, or a dot or hyphen added or dropped. Returns nullopt if the
// strings are equal or more than one edit apart.
std::optional<Edit> ClassifyEdit(std::string_view typed, std::string_view intended);

// The most likely pair of edits that turns `intended` into `typed` (UTF-8), if
// they are exactly two edits apart (optimal string alignment: substitution,
// insertion, omission, adjacent transposition) and both are slips people make
// (a neighbouring key, a swap, a letter dropped, doubled or moved, a vowel, an
// accent or a look-alike; not a letter from nowhere or a flipped bit).
// Nullopt otherwise.
std::optional<TwoEdits> ClassifyTwoEdits(std::string_view typed, std::string_view intended);

// Classifies a change of public suffix (typed .ml for intended .mil): the
// shipped confusion table first, then any single keystroke edit, a dropped
// suffix label, "co"/"com" added by habit (uk -> co.uk, uk -> uk.co), the
// labels of a suffix reordered (co.uk -> uk.co), the last label typed as the
// habitual "com" (gov.uk -> gov.com, co.uk -> com), and any other suffix with
// a low probability (com -> net: someone else's domain as often as a slip).
// Returns nullopt only for equal suffixes.
std::optional<Edit> ClassifySuffixChange(std::string_view typed, std::string_view intended,
                                         const TypoData& data);

// The prior probability that a sender meant the typed domain exactly as typed,
// on the scale of the channel probabilities. `label_length` is the length of
// the typed label it is judged by (dots not counted); `same_label` says that an expected domain has
// this very label under another suffix; `restricted` that the typed suffix only admits vetted
// registrants; `listed` that the typed suffix exists at all.
double IntendedPrior(size_t label_length, bool same_label, bool restricted, bool listed);

// The prior that a sender means a widely used domain (see DetectorOptions::
// known_domains) as typed: far above any unknown name's.
double KnownDomainPrior();

// Channel probability of a Unicode or ASCII look-alike with the same confusable
// skeleton as an expected domain. Non-ASCII look-alikes are almost always
// deliberate, so they weigh more than an accidental "rn" for "m".
double HomoglyphProbability(bool non_ascii);

// Channel probability of a dot left out ("usarmy" for "us.army").
double DotOmissionProbability();

// Channel probability of a dot typed one place early or late ("outlookc.om",
// "darp.amil"): a dot and a letter swapped, as common as any transposition.
// Further than one place it is much rarer.
double DotMoveProbability(size_t places);

// Channel probability of two slips with these probabilities in one label.
// Slips cluster (someone who slips once in a word often slips again nearby),
// so the pair is likelier than the product of two independent slips.
double TwoSlipProbability(double first, double second);

// Posterior that the typed domain is a mistyping: odds / (1 + odds).
double Posterior(double weighted_channel, double intended_prior);

// One plain phrase for people describing the edit: "letters 'ia' swapped".
// Characters are quoted as the sender typed them (UTF-8).
std::string ExplainEdit(const Edit& edit, std::string_view typed, std::string_view intended);

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_TYPO_MODEL_H_
