// The typo model's edit classification, keyboard geometry and probabilities.
#include "core/typo_model.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/code_points.h"

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
// "co" or "com" added to a suffix, its labels reordered, or its last label
// typed as "com": the endings people type most often, typed by habit.
constexpr double kPSuffixHabit = 1.2e-3;
constexpr double kPSuffixReorder = 1e-3;
// Another suffix altogether: ".com" by habit for a country ending, or anything else.
constexpr double kPSuffixToCom = 6e-4;
constexpr double kPSuffixOther = 3e-4;
// A letter with another diacritic or none ("munchen" for "münchen").
constexpr double kPDiacritic = 3e-3;
// A letter typed two or three places late or early ("gmila" for "gmail").
constexpr double kPLetterMoved = 1e-3;
// A dot and a neighbouring letter swapped; a dot further off.
constexpr double kPDotMoved = 2e-3;
constexpr double kPDotMovedFar = 1e-4;
// Given one slip in a label, how much likelier a second one nearby is than
// chance: slips cluster in hurried typing.
constexpr double kSlipCluster = 25;
// Labels are at most 63 octets, so at most 63 code points.
constexpr size_t kMaxLabelCodePoints = 63;
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

bool IsVowel(char32_t c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

bool IsHostChar(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsBitFlip(char32_t a, char32_t b) {
  auto x = static_cast<unsigned>(a ^ b);
  return x != 0 && (x & (x - 1)) == 0 && IsHostChar(a) && IsHostChar(b);
}

// Single characters that look alike in the fonts mail clients use.
bool IsAsciiLookalike(char32_t typed, char32_t intended) {
  auto pair = [&](char32_t x, char32_t y) {
    return (typed == x && intended == y) || (typed == y && intended == x);
  };
  return pair('1', 'l') || pair('0', 'o') || pair('l', 'i') || pair('1', 'i') || pair('5', 's') ||
         pair('8', 'b');
}

Edit Substitution(size_t pos, char32_t typed, char32_t intended) {
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
  } else if ((typed >= 0x80 || intended >= 0x80) && FoldLetter(typed) == FoldLetter(intended)) {
    // The same letter with another accent, or without it ("munchen" for
    // "münchen"): what a keyboard without the letter, or a hurried eye, gives.
    edit.typo_class = TypoClass::kHomoglyph;
    edit.probability = kPDiacritic;
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
template <typename CharT>
Edit Omission(std::basic_string_view<CharT> intended, size_t pos) {
  Edit edit;
  edit.position = pos;
  char32_t c = intended[pos];
  edit.intended_char = c;
  if (c == '.') {
    edit.typo_class = TypoClass::kDotOmission;
    edit.probability = kPDotOmission;
  } else if (c == '-') {
    edit.typo_class = TypoClass::kHyphenation;
    edit.probability = kPHyphen;
  } else {
    edit.typo_class = TypoClass::kOmission;
    bool doubled = (pos > 0 && static_cast<char32_t>(intended[pos - 1]) == c) ||
                   (pos + 1 < intended.size() && static_cast<char32_t>(intended[pos + 1]) == c);
    edit.probability = doubled ? kPOmissionOfDouble : kPOmission;
  }
  return edit;
}

// typed == intended with typed[pos] inserted before intended[pos].
template <typename CharT>
Edit Insertion(std::basic_string_view<CharT> typed, size_t pos) {
  Edit edit;
  edit.position = pos;
  char32_t c = typed[pos];
  edit.typed_char = c;
  char32_t before = pos > 0 ? static_cast<char32_t>(typed[pos - 1]) : 0;
  char32_t after = pos + 1 < typed.size() ? static_cast<char32_t>(typed[pos + 1]) : 0;
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

Edit Transposition(size_t pos, char32_t typed, char32_t intended) {
  Edit edit;
  edit.typo_class = TypoClass::kTransposition;
  edit.probability = kPTransposition;
  edit.position = pos;
  edit.typed_char = typed;
  edit.intended_char = intended;
  return edit;
}

template <typename CharT>
std::optional<Edit> ClassifyEditIn(std::basic_string_view<CharT> typed,
                                   std::basic_string_view<CharT> intended) {
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
      return Transposition(prefix, typed[prefix], intended[prefix]);
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

// Optimal string alignment with exactly two edits, keeping the likeliest.
std::optional<TwoEdits> ClassifyTwoEditsIn(std::u32string_view typed,
                                           std::u32string_view intended) {
  size_t n = typed.size();
  size_t m = intended.size();
  if (n > kMaxLabelCodePoints || m > kMaxLabelCodePoints || n + 2 < m || m + 2 < n) {
    return std::nullopt;
  }
  // best[k][i][j]: likeliest way to turn intended[0, i) into typed[0, j) with k
  // edits; how[k][i][j] the last step (0 match, 1 substitution, 2 omission,
  // 3 insertion, 4 transposition) and edit[k][i][j] its edit. Two edits keep
  // every alignment within two of the diagonal, so only that band is stored
  // (fixed arrays: no allocation per candidate).
  constexpr size_t kBand = 5;  // j - i + 2 in [0, 4]
  constexpr size_t kRows = kMaxLabelCodePoints + 3;
  double best[3][kRows][kBand] = {};
  uint8_t how[3][kRows][kBand] = {};
  auto in_band = [&](size_t i, size_t j) { return j + 2 >= i && j <= i + 2; };
  auto get = [&](size_t k, size_t i, size_t j) {
    return in_band(i, j) ? best[k][i][j + 2 - i] : 0.0;
  };
  best[0][0][2] = 1.0;
  for (size_t k = 0; k < 3; ++k) {
    for (size_t i = 0; i <= m; ++i) {
      for (size_t j = i >= 2 ? i - 2 : 0; j <= n && j <= i + 2; ++j) {
        double& here = best[k][i][j + 2 - i];
        uint8_t& step_here = how[k][i][j + 2 - i];
        auto offer = [&](double p, uint8_t step, const Edit&) {
          if (p > here) {
            here = p;
            step_here = step;
          }
        };
        if (i > 0 && j > 0 && typed[j - 1] == intended[i - 1]) {
          offer(get(k, i - 1, j - 1), 0, Edit{});
        }
        if (k == 0) continue;
        if (i > 0 && j > 0 && typed[j - 1] != intended[i - 1] && get(k - 1, i - 1, j - 1) > 0) {
          Edit edit = Substitution(i - 1, typed[j - 1], intended[i - 1]);
          offer(get(k - 1, i - 1, j - 1) * edit.probability, 1, edit);
        }
        if (i > 0 && get(k - 1, i - 1, j) > 0) {
          Edit edit = Omission(intended, i - 1);
          offer(get(k - 1, i - 1, j) * edit.probability, 2, edit);
        }
        if (j > 0 && get(k - 1, i, j - 1) > 0) {
          Edit edit = Insertion(typed, j - 1);
          edit.position = i;
          offer(get(k - 1, i, j - 1) * edit.probability, 3, edit);
        }
        if (i > 1 && j > 1 && typed[j - 1] == intended[i - 2] && typed[j - 2] == intended[i - 1] &&
            typed[j - 1] != typed[j - 2] && get(k - 1, i - 2, j - 2) > 0) {
          Edit edit = Transposition(i - 2, typed[j - 2], intended[i - 2]);
          offer(get(k - 1, i - 2, j - 2) * edit.probability, 4, edit);
        }
      }
    }
  }
  // Exactly two: a pair that is really one edit (or none) is ClassifyEdit's.
  if (get(2, m, n) <= 0 || get(1, m, n) > 0 || get(0, m, n) > 0) return std::nullopt;
  TwoEdits found;
  Edit* slots[2] = {&found.second, &found.first};
  size_t slot = 0;
  size_t k = 2, i = m, j = n;
  // Back through the steps; each edit is made again from where it happened.
  while (k > 0 && (i > 0 || j > 0)) {
    uint8_t step = how[k][i][j + 2 - i];
    Edit edit;
    switch (step) {
      case 0:
        --i;
        --j;
        continue;
      case 1:
        edit = Substitution(i - 1, typed[j - 1], intended[i - 1]);
        --i;
        --j;
        break;
      case 2:
        edit = Omission(intended, i - 1);
        --i;
        break;
      case 3:
        edit = Insertion(typed, j - 1);
        edit.position = i;
        --j;
        break;
      default:
        edit = Transposition(i - 2, typed[j - 2], intended[i - 2]);
        i -= 2;
        j -= 2;
        break;
    }
    *slots[slot++] = edit;
    --k;
  }
  found.probability = TwoSlipProbability(found.first.probability, found.second.probability);
  // A letter left out and typed a little later or earlier ("gmila" for
  // "gmail") is one slip, a letter moved, not two.
  const Edit& a = found.first;
  const Edit& b = found.second;
  bool moved = (a.typo_class == TypoClass::kOmission &&
                (b.typo_class == TypoClass::kInsertion || b.typo_class == TypoClass::kRepetition) &&
                a.intended_char == b.typed_char) ||
               (b.typo_class == TypoClass::kOmission &&
                (a.typo_class == TypoClass::kInsertion || a.typo_class == TypoClass::kRepetition) &&
                b.intended_char == a.typed_char);
  size_t apart = a.position > b.position ? a.position - b.position : b.position - a.position;
  if (moved && apart <= 3) {
    found.moved = true;
    found.probability = std::max(found.probability, kPLetterMoved);
    return found;
  }
  // Two slips must each be one people make: two letters from nowhere in a
  // long name are another name (uscourts, njcourts), not a typo.
  auto plausible = [](const Edit& edit) {
    return edit.typo_class != TypoClass::kSubstitution && edit.typo_class != TypoClass::kBitsquat &&
           !(edit.typo_class == TypoClass::kInsertion && edit.probability < kPInsertionNeighbour);
  };
  if (!plausible(a) || !plausible(b)) return std::nullopt;
  return found;
}

std::string Quote(char32_t c) {
  std::string quoted = "'";
  AppendUtf8(c, &quoted);
  quoted.push_back('\'');
  return quoted;
}

}  // namespace

bool AreKeyboardNeighbours(char32_t a, char32_t b) {
  return a < 128 && b < 128 && kNeighbours[a][b];
}

std::optional<Edit> ClassifyEdit(std::string_view typed, std::string_view intended) {
  if (IsAsciiText(typed) && IsAsciiText(intended)) return ClassifyEditIn(typed, intended);
  std::u32string typed_points = DecodeUtf8(typed);
  std::u32string intended_points = DecodeUtf8(intended);
  return ClassifyEditIn(std::u32string_view(typed_points), std::u32string_view(intended_points));
}

std::optional<TwoEdits> ClassifyTwoEdits(std::string_view typed, std::string_view intended) {
  std::u32string typed_points = DecodeUtf8(typed);
  std::u32string intended_points = DecodeUtf8(intended);
  return ClassifyTwoEditsIn(typed_points, intended_points);
}

std::optional<Edit> ClassifySuffixChange(std::string_view typed, std::string_view intended,
                                         const TypoData& data) {
  if (typed == intended) return std::nullopt;
  if (const SuffixConfusion* known = data.Find(intended, typed)) {
    Edit edit;
    edit.typo_class = known->typo_class;
    edit.probability = known->probability;
    edit.from_table = true;
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
  auto change = [](TypoClass typo_class, double probability) {
    Edit edit;
    edit.typo_class = typo_class;
    edit.probability = probability;
    return edit;
  };
  if (drops_label(intended, typed)) return change(TypoClass::kSuffixChange, kPSuffixLabel);
  // A label added is most often another country's organisation ("mil" ->
  // "mil.nz", "com" -> "com.au"), which people mean; but "co" or "com" added
  // ("uk" -> "co.uk", "uk" -> "uk.co") is the habit of the commonest endings.
  // (Compared piece by piece: this runs for every candidate, so no strings
  // are built.)
  auto is_joined = [](std::string_view whole, std::string_view first, std::string_view second) {
    return whole.size() == first.size() + 1 + second.size() &&
           whole.substr(0, first.size()) == first && whole[first.size()] == '.' &&
           whole.substr(first.size() + 1) == second;
  };
  for (std::string_view habit : {std::string_view("co"), std::string_view("com")}) {
    if (is_joined(typed, habit, intended) || is_joined(typed, intended, habit)) {
      return change(TypoClass::kSuffixChange, kPSuffixHabit);
    }
  }
  // The labels of a suffix in the wrong order ("co.uk" -> "uk.co").
  if (size_t dot = intended.find('.'); dot != std::string_view::npos) {
    if (is_joined(typed, intended.substr(dot + 1), intended.substr(0, dot))) {
      return change(TypoClass::kSuffixChange, kPSuffixReorder);
    }
  }
  // The habitual ".com" typed for the last label or for a "co." suffix
  // ("gov.uk" -> "gov.com", "co.uk" -> "com").
  size_t last_dot = intended.rfind('.');
  bool habit_com = typed == "com" && intended.substr(0, 3) == "co.";
  if (last_dot != std::string_view::npos && typed.size() == last_dot + 4 &&
      typed.substr(0, last_dot + 1) == intended.substr(0, last_dot + 1) &&
      typed.substr(last_dot + 1) == "com") {
    habit_com = true;
  }
  // And ".com" for the other generic endings ("bellsouth.com" for
  // bellsouth.net), which the published typo lists show often.
  if (typed == "com" && (intended == "net" || intended == "org")) habit_com = true;
  if (habit_com) return change(TypoClass::kSuffixChange, kPSuffixHabit);
  // Any other suffix: as often someone else's domain as a slip ("gmx.net" is
  // not "gmx.de"), so weak on its own; the typed name's prior decides.
  bool one_label =
      typed.find('.') == std::string_view::npos && intended.find('.') == std::string_view::npos;
  Edit other = change(one_label ? TypoClass::kTldSwap : TypoClass::kSuffixChange,
                      typed == "com" ? kPSuffixToCom : kPSuffixOther);
  other.any_suffix = true;
  return other;
}

double IntendedPrior(size_t label_length, bool same_label, bool restricted, bool listed) {
  double prior = same_label ? kSameLabelOtherSuffixPrior
                            : kUnknownDomainPrior *
                                  kLabelDensity[std::min(label_length, kLabelDensity.size() - 1)];
  // An expected name with the same label says the name is used, vetted
  // suffix or not (coventry.ac.uk and coventry.gov.uk are both real).
  if (restricted && !same_label) {
    prior *= kRestrictedFactor[std::min(label_length, kRestrictedFactor.size() - 1)];
  }
  if (!listed) prior *= kUnlistedFactor;
  return prior;
}

double KnownDomainPrior() { return kKnownDomainPrior; }

double HomoglyphProbability(bool non_ascii) {
  return non_ascii ? kPHomoglyphUnicode : kPHomoglyphAscii;
}

double DotOmissionProbability() { return kPDotOmission; }

double DotMoveProbability(size_t places) { return places <= 1 ? kPDotMoved : kPDotMovedFar; }

double TwoSlipProbability(double first, double second) { return first * second * kSlipCluster; }

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
      if (edit.typed_char != 0 && edit.intended_char >= 0x80 && edit.typed_char < 0x80 &&
          FoldLetter(edit.intended_char) == edit.typed_char) {
        return Quote(edit.typed_char) + " typed for " + Quote(edit.intended_char) +
               " (the accent left off)";
      }
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
    case TypoClass::kDotMove:
      return "a dot typed out of place";
  }
  return "one character different";
}

}  // namespace rcptguard
