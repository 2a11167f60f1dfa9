// The weighted edit distance of two local parts, in slips: what a sender's
// finger does to an address it knows (see LocalPartDistance in name_key.h).
#include <algorithm>
#include <array>
#include <cstdint>

#include "core/name_key.h"
#include "core/typo_model.h"

namespace rcptguard {
namespace {

bool IsSeparator(char c) { return c == '.' || c == '-' || c == '_' || c == '+'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// Edit costs in slips (see LocalPartDistance). The order follows the
// detector's channel probabilities (src/core/typo_model.cc): doubled and
// dropped doubled letters, transpositions and neighbouring keys are the common
// slips, a random letter the rare one.
constexpr double kSeparatorCost = 0.3;
constexpr double kRepetitionCost = 0.7;
constexpr double kNeighbourCost = 0.8;
constexpr double kTranspositionCost = 0.8;
constexpr double kVowelCost = 0.9;
constexpr double kOmissionCost = 0.9;
constexpr double kOtherCost = 1.0;

double SubstitutionCost(char typed, char intended) {
  if (typed == intended) return 0;
  if (IsSeparator(typed) && IsSeparator(intended)) return kSeparatorCost;
  if (AreKeyboardNeighbours(typed, intended)) return kNeighbourCost;
  if (IsVowel(typed) && IsVowel(intended)) return kVowelCost;
  if (IsDigit(typed) && IsDigit(intended)) return kVowelCost;
  return kOtherCost;
}

// typed[j] is a character the sender added.
double InsertionCost(std::string_view typed, size_t j) {
  char c = typed[j];
  if (IsSeparator(c)) return kSeparatorCost;
  if ((j > 0 && typed[j - 1] == c) || (j + 1 < typed.size() && typed[j + 1] == c)) {
    return kRepetitionCost;
  }
  if ((j > 0 && AreKeyboardNeighbours(typed[j - 1], c)) ||
      (j + 1 < typed.size() && AreKeyboardNeighbours(typed[j + 1], c))) {
    return kNeighbourCost;
  }
  return kOtherCost;
}

// intended[i] is a character the sender left out.
double OmissionCost(std::string_view intended, size_t i) {
  char c = intended[i];
  if (IsSeparator(c)) return kSeparatorCost;
  if ((i > 0 && intended[i - 1] == c) || (i + 1 < intended.size() && intended[i + 1] == c)) {
    return kRepetitionCost;
  }
  return kOmissionCost;
}

}  // namespace

double LocalPartDistance(std::string_view typed, std::string_view intended, double budget) {
  constexpr size_t kMax = 64;  // RFC 5321 local part
  constexpr size_t kBand = 4;  // no slip within budget shifts the strings further
  double over = budget + 1;
  size_t n = intended.size();
  size_t m = typed.size();
  if (n > kMax || m > kMax || (n > m ? n - m : m - n) > kBand) return over;
  // A lower bound first, cheap against the table: every letter the two do
  // not have in common costs at least 0.35 (a substitution changes two
  // counts for 0.8 at least, a doubled letter one for 0.7).
  std::array<int8_t, 37> counts{};  // a-z, 0-9, other
  auto slot = [](char c) {
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '0' && c <= '9') return 26 + (c - '0');
    return IsSeparator(c) ? -1 : 36;
  };
  for (char c : intended) {
    if (int k = slot(c); k >= 0) ++counts[static_cast<size_t>(k)];
  }
  for (char c : typed) {
    if (int k = slot(c); k >= 0) --counts[static_cast<size_t>(k)];
  }
  int unmatched = 0;
  for (int8_t k : counts) unmatched += k < 0 ? -k : k;
  if (0.35 * unmatched > budget + 1e-9) return over;
  std::array<double, kMax> insertion;
  std::array<double, kMax> omission;
  for (size_t j = 0; j < m; ++j) insertion[j] = InsertionCost(typed, j);
  for (size_t i = 0; i < n; ++i) omission[i] = OmissionCost(intended, i);
  // d[i][j]: cost of turning intended[0, i) into typed[0, j). Three rows
  // suffice for the transposition step.
  std::array<std::array<double, kMax + 1>, 3> rows;
  auto row = [&](size_t i) -> std::array<double, kMax + 1>& { return rows[i % 3]; };
  row(0)[0] = 0;
  for (size_t j = 1; j <= m; ++j) row(0)[j] = row(0)[j - 1] + insertion[j - 1];
  for (size_t i = 1; i <= n; ++i) {
    auto& current = row(i);
    const auto& previous = row(i - 1);
    current[0] = previous[0] + omission[i - 1];
    double row_min = current[0];
    for (size_t j = 1; j <= m; ++j) {
      if ((i > j ? i - j : j - i) > kBand) {
        current[j] = over;
        continue;
      }
      double best = previous[j - 1] + SubstitutionCost(typed[j - 1], intended[i - 1]);
      best = std::min(best, previous[j] + omission[i - 1]);
      best = std::min(best, current[j - 1] + insertion[j - 1]);
      if (i > 1 && j > 1 && intended[i - 1] == typed[j - 2] && intended[i - 2] == typed[j - 1] &&
          intended[i - 1] != intended[i - 2]) {
        best = std::min(best, row(i - 2)[j - 2] + kTranspositionCost);
      }
      current[j] = best;
      row_min = std::min(row_min, best);
    }
    if (row_min > budget) return over;
  }
  return row(n)[m];
}

double SlipBudget(std::string_view intended_local_part) {
  size_t n = intended_local_part.size();
  if (n < 4) return 0;
  return n < 10 ? 1.0 : 2.0;
}

}  // namespace rcptguard
