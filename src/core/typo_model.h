// The noisy-channel typo model (DESIGN.md section 2): which single edit turns an
// intended string into a typed one, how likely a sender is to make it, and how
// likely the typed domain is to be meant as it stands. Pure functions and constants.
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
  double probability = 0;  // channel probability P(typed | intended) for this exact edit
  size_t position = 0;     // index in `intended` where the edit happens
  char typed_char = 0;     // the character typed (insertion, substitution)
  char intended_char = 0;  // the character meant (omission, substitution)
};

// Returns true iff a and b are neighbouring keys on a QWERTY, QWERTZ or AZERTY keyboard.
bool AreKeyboardNeighbours(char a, char b);

// Classifies `typed` as one edit of `intended`: an omission, insertion,
// repetition, substitution (keyboard, vowel, bit flip, ASCII look-alike, other),
// adjacent transposition, or a dot or hyphen added or dropped. Returns nullopt if
// the strings are equal or more than one edit apart.
std::optional<Edit> ClassifyEdit(std::string_view typed, std::string_view intended);

// Classifies a change of public suffix (typed .ml for intended .mil): the
// shipped confusion table first, then any single keystroke edit, then a dropped
// or added suffix label. Returns nullopt for a change that is not a typing
// mistake (com -> de, com -> co.uk: those are other domains people mean).
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

// Posterior that the typed domain is a mistyping: odds / (1 + odds).
double Posterior(double weighted_channel, double intended_prior);

// One plain phrase for people describing the edit: "letters 'ia' swapped".
std::string ExplainEdit(const Edit& edit, std::string_view typed, std::string_view intended);

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_TYPO_MODEL_H_
