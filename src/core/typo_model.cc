// The typo model's edit classification, keyboard geometry and probabilities.
#include "core/typo_model.h"

#include <array>
#include <cmath>
#include <cstdint>

namespace rcptguard {
namespace {

// --- Channel probabilities ---------------------------------------------------
// P(typed | intended) for one specific edit, per message to the intended domain.
// Orders of magnitude from the typo studies cited in data/tld_confusions.tsv:
// a dropped, doubled or swapped letter and an adjacent key are the common
// slips; a random other letter or a flipped bit are rare by accident.
constexpr double kPTransposition = 2e-3;
constexpr double kPOmission = 2e-3;
constexpr double kPOmissionOfDouble = 3e-3;  // "yahoo" -> "yaho": one of a pair dropped
constexpr double kPRepetition = 2e-3;
constexpr double kPKeyboard = 1.5e-3;
constexpr double kPInsertionNeighbour = 1e-3;  // the extra key is next to one beside it
constexpr double kPInsertionOther = 2e-4;
constexpr double kPVowelSwap = 8e-4;
constexpr double kPAsciiLookalike = 2e-3;  // 1 for l, 0 for o: visual, often deliberate
constexpr double kPBitsquat = 2e-4;
constexpr double kPSubstitution = 1e-4;
constexpr double kPHyphen = 1.5e-3;
constexpr double kPDotOmission = 2e-3;
constexpr double kPDotInsertion = 1e-3;
// A keystroke error inside a suffix that the table does not list, and a dropped
// or added suffix label ("co.uk" -> "uk") that it does not list.
constexpr double kPSuffixKeystrokeScale = 1.0;
constexpr double kPSuffixLabel = 2e-3;
constexpr double kPHomoglyphAscii = 3e-3;
constexpr double kPHomoglyphUnicode = 5e-2;

// --- Priors of the typed domain being meant ------------------------------------
// How likely a sender deliberately writes to an unknown domain, by the length
// of its label (index: number of letters). It falls with length: a long
// unknown name one slip from an expected one is almost never meant. Short
// names are nearly all registered, but registered is not meant: the shipped
// known-domain lists carry the short names people do write to (ups.com,
// dc.gov), and an unknown short name one slip from an expected one is still
// more often a slip. The values were calibrated on tests/data/eval (see
// docs/accuracy.md for the figures with and without the known lists).
constexpr std::array<double, 10> kLabelDensity = {1.0,   0.3,   0.1,    0.03,   0.01,
                                                  0.003, 0.001, 0.0005, 0.0003, 0.0002};
constexpr double kUnknownDomainPrior = 5e-3;
// The same label under another suffix: organisations do own several
// (bbc.co.uk, bbc.com), so this is meant now and then.
constexpr double kSameLabelOtherSuffixPrior = 1e-3;
// A widely used domain is meant far more often than it is produced by a slip.
constexpr double kKnownDomainPrior = 0.05;
// Only vetted organisations register under .mil, .gov.uk and the like, so an
// unknown long name there is rarely meant. Short ones are another matter: the
// two- and three-letter names under .gov are states and agencies (dc.gov,
// ca.gov, nsf.gov), so the factor applies in full only from five letters.
constexpr std::array<double, 6> kRestrictedFactor = {1.0, 1.0, 1.0, 0.5, 0.1, 0.02};
// A suffix that does not exist cannot be meant: the mail would bounce.
constexpr double kUnlistedFactor = 0.01;

// --- Keyboards -----------------------------------------------------------------
// Rows of each layout with their horizontal offset in key widths; two keys are
// neighbours when they are on the same row one key apart, or on adjacent rows
// at most three quarters of a key apart.
struct Row {
  std::string_view keys;
  double offset;
};
using Layout = std::array<Row, 4>;
constexpr std::array<Layout, 3> kLayouts = {{
    {{{"1234567890-", 0.0}, {"qwertyuiop", 0.5}, {"asdfghjkl", 0.75}, {"zxcvbnm", 1.25}}},
    {{{"1234567890", 0.0}, {"qwertzuiop", 0.5}, {"asdfghjkl", 0.75}, {"yxcvbnm", 1.25}}},
    {{{"1234567890", 0.0}, {"azertyuiop", 0.5}, {"qsdfghjklm", 0.75}, {"wxcvbn", 1.25}}},
}};

using NeighbourTable = std::array<std::array<bool, 128>, 128>;

constexpr NeighbourTable BuildNeighbours() {
  NeighbourTable table{};
  for (const Layout& layout : kLayouts) {
    for (size_t r1 = 0; r1 < layout.size(); ++r1) {
      for (size_t r2 = 0; r2 < layout.size(); ++r2) {
        size_t row_gap = r1 > r2 ? r1 - r2 : r2 - r1;
        if (row_gap > 1) continue;
        for (size_t i = 0; i < layout[r1].keys.size(); ++i) {
          for (size_t j = 0; j < layout[r2].keys.size(); ++j) {
            double x1 = layout[r1].offset + static_cast<double>(i);
            double x2 = layout[r2].offset + static_cast<double>(j);
            double dx = x1 > x2 ? x1 - x2 : x2 - x1;
            bool near = row_gap == 0 ? (dx > 0.5 && dx < 1.5) : dx <= 0.76;
            if (near) {
              auto a = static_cast<unsigned char>(layout[r1].keys[i]);
              auto b = static_cast<unsigned char>(layout[r2].keys[j]);
              table[a][b] = true;
            }
          }
        }
      }
    }
  }
  return table;
}

constexpr NeighbourTable kNeighbours = BuildNeighbours();

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

bool IsHostChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsBitFlip(char a, char b) {
  auto x = static_cast<unsigned>(static_cast<unsigned char>(a) ^ static_cast<unsigned char>(b));
  return x != 0 && (x & (x - 1)) == 0 && IsHostChar(a) && IsHostChar(b);
}

// Single characters that look alike in the fonts mail clients use.
bool IsAsciiLookalike(char typed, char intended) {
  auto pair = [&](char x, char y) {
    return (typed == x && intended == y) || (typed == y && intended == x);
  };
  return pair('1', 'l') || pair('0', 'o') || pair('l', 'i') || pair('1', 'i') || pair('5', 's') ||
         pair('8', 'b');
}

Edit Substitution(size_t pos, char typed, char intended) {
  Edit edit;
  edit.position = pos;
  edit.typed_char = typed;
  edit.intended_char = intended;
  if (typed == '.' || intended == '.') {
    // A dot replaced by a letter or the reverse: a dot moved, seen as an omission
    // plus an insertion; weak evidence.
    edit.typo_class = TypoClass::kSubstitution;
    edit.probability = kPSubstitution;
  } else if (typed == '-' || intended == '-') {
    edit.typo_class = TypoClass::kHyphenation;
    edit.probability = kPHyphen / 4;
  } else if (IsAsciiLookalike(typed, intended)) {
    edit.typo_class = TypoClass::kHomoglyph;
    edit.probability = kPAsciiLookalike;
  } else if (AreKeyboardNeighbours(typed, intended)) {
    edit.typo_class = TypoClass::kKeyboardSubstitution;
    edit.probability = kPKeyboard;
  } else if (IsVowel(typed) && IsVowel(intended)) {
    edit.typo_class = TypoClass::kVowelSwap;
    edit.probability = kPVowelSwap;
  } else if (IsBitFlip(typed, intended)) {
    edit.typo_class = TypoClass::kBitsquat;
    edit.probability = kPBitsquat;
  } else {
    edit.typo_class = TypoClass::kSubstitution;
    edit.probability = kPSubstitution;
  }
  return edit;
}

// typed == intended with intended[pos] removed.
Edit Omission(std::string_view intended, size_t pos) {
  Edit edit;
  edit.position = pos;
  edit.intended_char = intended[pos];
  char c = intended[pos];
  if (c == '.') {
    edit.typo_class = TypoClass::kDotOmission;
    edit.probability = kPDotOmission;
  } else if (c == '-') {
    edit.typo_class = TypoClass::kHyphenation;
    edit.probability = kPHyphen;
  } else {
    edit.typo_class = TypoClass::kOmission;
    bool doubled = (pos > 0 && intended[pos - 1] == c) ||
                   (pos + 1 < intended.size() && intended[pos + 1] == c);
    edit.probability = doubled ? kPOmissionOfDouble : kPOmission;
  }
  return edit;
}

// typed == intended with typed[pos] inserted before intended[pos].
Edit Insertion(std::string_view typed, size_t pos) {
  Edit edit;
  edit.position = pos;
  char c = typed[pos];
  edit.typed_char = c;
  char before = pos > 0 ? typed[pos - 1] : '\0';
  char after = pos + 1 < typed.size() ? typed[pos + 1] : '\0';
  if (c == '.') {
    edit.typo_class = TypoClass::kDotInsertion;
    edit.probability = kPDotInsertion;
  } else if (c == '-') {
    edit.typo_class = TypoClass::kHyphenation;
    edit.probability = kPHyphen;
  } else if (c == before || c == after) {
    edit.typo_class = TypoClass::kRepetition;
    edit.probability = kPRepetition;
  } else {
    edit.typo_class = TypoClass::kInsertion;
    bool neighbour = AreKeyboardNeighbours(c, before) || AreKeyboardNeighbours(c, after);
    edit.probability = neighbour ? kPInsertionNeighbour : kPInsertionOther;
  }
  return edit;
}

std::string Quote(char c) { return std::string("'") + c + "'"; }

}  // namespace

bool AreKeyboardNeighbours(char a, char b) {
  auto ua = static_cast<unsigned char>(a);
  auto ub = static_cast<unsigned char>(b);
  return ua < 128 && ub < 128 && kNeighbours[ua][ub];
}

std::optional<Edit> ClassifyEdit(std::string_view typed, std::string_view intended) {
  size_t n = typed.size();
  size_t m = intended.size();
  if (n + 1 < m || m + 1 < n) return std::nullopt;
  size_t prefix = 0;
  size_t limit = std::min(n, m);
  while (prefix < limit && typed[prefix] == intended[prefix]) ++prefix;
  if (n == m) {
    if (prefix == n) return std::nullopt;
    size_t suffix = 0;
    while (suffix < n - prefix && typed[n - 1 - suffix] == intended[m - 1 - suffix]) ++suffix;
    size_t span = n - prefix - suffix;
    if (span == 1) return Substitution(prefix, typed[prefix], intended[prefix]);
    if (span == 2 && typed[prefix] == intended[prefix + 1] &&
        typed[prefix + 1] == intended[prefix]) {
      Edit edit;
      edit.typo_class = TypoClass::kTransposition;
      edit.probability = kPTransposition;
      edit.position = prefix;
      edit.typed_char = typed[prefix];
      edit.intended_char = intended[prefix];
      return edit;
    }
    return std::nullopt;
  }
  // One string is the other with one character more: check that the rest matches
  // after skipping it.
  if (n < m) {
    if (typed.substr(prefix) != intended.substr(prefix + 1)) return std::nullopt;
    return Omission(intended, prefix);
  }
  if (typed.substr(prefix + 1) != intended.substr(prefix)) return std::nullopt;
  return Insertion(typed, prefix);
}

std::optional<Edit> ClassifySuffixChange(std::string_view typed, std::string_view intended,
                                         const TypoData& data) {
  if (typed == intended) return std::nullopt;
  if (const SuffixConfusion* known = data.Find(intended, typed)) {
    Edit edit;
    edit.typo_class = known->typo_class;
    edit.probability = known->probability;
    return edit;
  }
  if (auto keystroke = ClassifyEdit(typed, intended)) {
    Edit edit = *keystroke;
    if (edit.typo_class != TypoClass::kDotOmission && edit.typo_class != TypoClass::kDotInsertion) {
      edit.typo_class = TypoClass::kTldSwap;
    }
    edit.probability *= kPSuffixKeystrokeScale;
    return edit;
  }
  // A whole label of a multi-label suffix left out, at either end.
  auto drops_label = [](std::string_view longer, std::string_view shorter) {
    if (longer.size() <= shorter.size() + 1) return false;
    size_t cut = longer.size() - shorter.size();
    bool at_end = longer.substr(0, shorter.size()) == shorter && longer[shorter.size()] == '.';
    bool at_start = longer.substr(cut) == shorter && longer[cut - 1] == '.';
    return at_end || at_start;
  };
  // Only a label left out: a label added ("mil" -> "mil.nz", "com" -> "com.au")
  // names another country's organisation, which people mean.
  if (drops_label(intended, typed)) {
    Edit edit;
    edit.typo_class = TypoClass::kSuffixChange;
    edit.probability = kPSuffixLabel;
    return edit;
  }
  return std::nullopt;
}

double IntendedPrior(size_t label_length, bool same_label, bool restricted, bool listed) {
  double prior = same_label ? kSameLabelOtherSuffixPrior
                            : kUnknownDomainPrior *
                                  kLabelDensity[std::min(label_length, kLabelDensity.size() - 1)];
  if (restricted) prior *= kRestrictedFactor[std::min(label_length, kRestrictedFactor.size() - 1)];
  if (!listed) prior *= kUnlistedFactor;
  return prior;
}

double KnownDomainPrior() { return kKnownDomainPrior; }

double HomoglyphProbability(bool non_ascii) {
  return non_ascii ? kPHomoglyphUnicode : kPHomoglyphAscii;
}

double DotOmissionProbability() { return kPDotOmission; }

double Posterior(double weighted_channel, double intended_prior) {
  if (intended_prior <= 0) return 1.0;
  double odds = weighted_channel / intended_prior;
  return odds / (1.0 + odds);
}

std::string ExplainEdit(const Edit& edit, std::string_view typed, std::string_view intended) {
  switch (edit.typo_class) {
    case TypoClass::kTldSwap:
    case TypoClass::kSuffixChange:
      return "the ending ." + std::string(intended) + " typed as ." + std::string(typed);
    case TypoClass::kOmission:
      return "the letter " + Quote(edit.intended_char) + " left out";
    case TypoClass::kInsertion:
      return "an extra " + Quote(edit.typed_char);
    case TypoClass::kRepetition:
      return "the letter " + Quote(edit.typed_char) + " doubled";
    case TypoClass::kKeyboardSubstitution:
      return Quote(edit.typed_char) + " typed for the key next to it, " + Quote(edit.intended_char);
    case TypoClass::kTransposition:
      return "the letters " + Quote(edit.intended_char) + " and " + Quote(edit.typed_char) +
             " swapped";
    case TypoClass::kVowelSwap:
      return "the vowel " + Quote(edit.intended_char) + " typed as " + Quote(edit.typed_char);
    case TypoClass::kBitsquat:
      return Quote(edit.typed_char) + " in place of " + Quote(edit.intended_char) +
             " (one bit different)";
    case TypoClass::kHomoglyph:
      if (edit.typed_char != 0) {
        return Quote(edit.typed_char) + " in place of the look-alike " + Quote(edit.intended_char);
      }
      return "characters that look like the letters of " + std::string(intended);
    case TypoClass::kHyphenation:
      return edit.typed_char == '-' ? "a hyphen added" : "a hyphen left out";
    case TypoClass::kDotOmission:
      return "a dot left out";
    case TypoClass::kDotInsertion:
      return "a dot added";
    case TypoClass::kSubstitution:
      if (edit.typed_char != 0 && edit.intended_char != 0) {
        return Quote(edit.typed_char) + " in place of " + Quote(edit.intended_char);
      }
      return "one character different";
    case TypoClass::kCombined:
      return "two slips";
  }
  return "one character different";
}

}  // namespace rcptguard
