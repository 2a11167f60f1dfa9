// People's names as display names and local parts write them ("Turner, Paul",
// "paul.turner", "pturner", "turnerp", "Siobhán"), the shipped given-name
// variants (data/name_variants.csv), and the weighted local-part edit
// distance. What correspondent history uses to know a person, not a string.
#ifndef RCPTGUARD_CORE_NAME_KEY_H_
#define RCPTGUARD_CORE_NAME_KEY_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

// "Siobhán" -> "siobhan", "Jörg" and "joerg" -> "jorg", "O'Brien" -> "obrien":
// compatibility-decomposed, accents and apostrophes dropped, a few letters
// spelled out (ß -> ss, ø -> o), lower case, then the German umlaut spellings
// ae/oe/ue reduced to their vowel so a folded display name and an ASCII local
// part meet. Everything that is not a letter becomes a space. Non-Latin letters
// are kept, case-folded.
std::string FoldName(std::string_view text);

// Returns true iff the sorted ranges [a, a_end) and [b, b_end) have an element
// in common: a merge walk, for the short sorted runs names and digests keep.
template <typename A, typename B>
bool SortedRangesMeet(A a, A a_end, B b, B b_end) {
  while (a != a_end && b != b_end) {
    if (*a == *b) return true;
    if (*a < *b) {
      ++a;
    } else {
      ++b;
    }
  }
  return false;
}

// Given names known to be the same person's (Stephen, Steve, Steven), from
// data/name_variants.csv. Immutable, thread-safe.
class NameVariants {
 public:
  // Parses the CSV (one line per name: the name, then the names it is known
  // by; '#' comments). Fails (kInvalidArgument) naming `name:line` on a line
  // with no letters.
  static Result<std::shared_ptr<const NameVariants>> Parse(std::string_view text,
                                                           std::string_view name);
  // The copy compiled into the library; parsed once per call.
  static std::shared_ptr<const NameVariants> Embedded();

  // Returns true iff a and b (FoldName form) are names of one person: a line
  // of the list relates them directly, or both are related to one name and
  // are spelled within two edits of each other (Steven and Stephen through
  // Steve; Catherine and Katherine through Kathy). Two names that merely share
  // a short form (Alan and Albert share Al) are not, nor a name and its
  // feminine form in -a (Paul and Paula).
  bool SamePerson(std::string_view a, std::string_view b) const;
  // Returns true iff `word` is a given name of the list (three letters or more).
  bool IsGivenName(std::string_view word) const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::vector<std::string>, StringHash, std::equal_to<>> related_;
};

// A person's name as a bag of folded words: given names, surnames and
// initials (one letter), in no particular order; titles, ranks and
// affiliations ("Dr", "Lt Col", "CIV") left out.
struct PersonName {
  std::vector<std::string> words;
  bool empty() const { return words.empty(); }
};

// The address a mail client wrote as (or into) a display name
// ("paul.turner@x.org", "'p.turner@x.org'", "Paul Turner (paul.turner@x.org)"),
// without quotes or brackets. Empty when there is none.
std::string_view AddressInDisplay(std::string_view display_name);

// The name in a display name ("Hughes, Owen T" -> hughes owen t). An address
// in it is left out.
PersonName NameFromDisplay(std::string_view display_name);

// The name a local part spells: separated forms by their parts
// ("john.a.smith.civ" -> john a smith; "ops-j3-plans" -> ops j plans), run
// together forms by a given name of the list at either end ("annapatel" ->
// anna patel). Digits are dropped. Empty when nothing can be told.
PersonName NameFromLocalPart(std::string_view local_part, const NameVariants& variants);

// The local part's letters run together, folded: "Anna.Patel-2" -> "annapatel".
std::string LocalPartLetters(std::string_view local_part);

// How well two names agree.
enum class NameAgreement {
  kNone,      // nothing in common, or not enough to tell
  kConflict,  // one word in common but given names that differ (John and Jane Smith)
  kInitial,   // one word in common, and a given name against its initial (M Taylor, Mark Taylor)
  kFull,      // one word in common and given names of one person (Steven and Stephen Jones)
};

// Compares two names: one word (two letters or more) must be the same on both
// sides, and another word on each side must be the same given name, a
// variant of it, or its initial.
NameAgreement CompareNames(const PersonName& a, const PersonName& b, const NameVariants& variants);

// Whether `letters` (LocalPartLetters of a local part written without
// separators) spells `name` in one of the formats mail systems use: firstlast,
// flast, lastfirst, lastf, firstmlast, fmlast. kFull when the given name is
// written out, kInitial when only its initial is.
NameAgreement SpellsName(std::string_view letters, const PersonName& name,
                         const NameVariants& variants);

// Two local parts run together that differ only by a given name written out
// against its initial, at either end ("apatel" and "annapatel", "smithj" and
// "smithjohn"), around a common part of four letters or more.
bool SameRunTogetherName(std::string_view a, std::string_view b);

// Weighted restricted Damerau-Levenshtein distance from `intended` to `typed`,
// in slips: a keyboard-neighbour substitution, adjacent transposition or
// doubled letter costs less than a random letter (as the detector's channel
// weighs them), a dot, hyphen or underscore added, dropped or swapped costs
// 0.3. Returns a value above `budget` as soon as the distance must exceed it.
double LocalPartDistance(std::string_view typed, std::string_view intended, double budget);

// The distance a local part of this length may be from a correspondent's and
// still be a slip of it: none under four characters, one slip up to nine, two
// from ten.
double SlipBudget(std::string_view intended_local_part);

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_NAME_KEY_H_
