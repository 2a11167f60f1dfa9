// Deterministic synthetic data for the benchmarks: a generator whose output is
// the same everywhere, and syllables that make labels look like real names.
#ifndef RCPTGUARD_BENCH_SYNTHETIC_NAMES_H_
#define RCPTGUARD_BENCH_SYNTHETIC_NAMES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rcptguard {

// SplitMix64: a tiny generator whose output is the same on every platform and
// standard library (std::uniform_int_distribution is not), so every run
// benchmarks exactly the same domains.
class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); the modulo bias is irrelevant for test data.
  size_t Below(size_t bound) { return static_cast<size_t>(Next() % bound); }

 private:
  uint64_t state_;
};

// Syllables that make labels look like company, agency and place names
// ("gensaloco", "merisotek") rather than random letters.
constexpr std::array<std::string_view, 48> kSyllables = {
    "ba",  "be", "bra", "ca", "co",  "da", "de", "dor", "el",  "fa",  "fe", "ga",
    "gen", "ha", "in",  "ka", "ko",  "la", "le", "li",  "lo",  "ma",  "me", "mi",
    "mo",  "na", "ne",  "no", "or",  "pa", "pe", "ra",  "re",  "ri",  "ro", "sa",
    "se",  "so", "ta",  "te", "tek", "ti", "to", "tra", "van", "ver", "vi", "zen"};

// Public suffixes weighted roughly as recipients of an organisation's mail are:
// mostly .com, then national and government suffixes, some multi-label ones.
struct WeightedSuffix {
  std::string_view suffix;
  int weight;
};
constexpr std::array<WeightedSuffix, 16> kSuffixes = {{{"com", 40},
                                                       {"net", 8},
                                                       {"org", 8},
                                                       {"de", 8},
                                                       {"co.uk", 6},
                                                       {"gov.uk", 3},
                                                       {"mil", 3},
                                                       {"com.au", 3},
                                                       {"fr", 4},
                                                       {"jp", 2},
                                                       {"co.jp", 2},
                                                       {"nl", 4},
                                                       {"gov", 3},
                                                       {"io", 2},
                                                       {"ch", 2},
                                                       {"it", 2}}};

// Subdomains that organisations really publish mail under.
constexpr std::array<std::string_view, 8> kSubdomains = {"mail", "us", "eu", "corp",
                                                         "hq",   "uk", "de", "research"};

inline std::string_view PickSuffix(DeterministicRandom& random) {
  int total = 0;
  for (const WeightedSuffix& s : kSuffixes) total += s.weight;
  int pick = static_cast<int>(random.Below(static_cast<size_t>(total)));
  for (const WeightedSuffix& s : kSuffixes) {
    if (pick < s.weight) return s.suffix;
    pick -= s.weight;
  }
  return kSuffixes[0].suffix;
}

// A pronounceable label of 4 to 14 letters.
inline std::string MakeLabel(DeterministicRandom& random) {
  size_t target = 4 + random.Below(11);
  std::string label;
  while (label.size() < target) label.append(kSyllables[random.Below(kSyllables.size())]);
  label.resize(target);
  return label;
}

// A domain such as "gensaloco.com" or "mail.merisotek.co.uk": about one in ten
// has a subdomain.
inline std::string MakeDomainName(DeterministicRandom& random) {
  std::string name = MakeLabel(random) + "." + std::string(PickSuffix(random));
  if (random.Below(10) == 0) {
    name = std::string(kSubdomains[random.Below(kSubdomains.size())]) + "." + name;
  }
  return name;
}

}  // namespace rcptguard

#endif  // RCPTGUARD_BENCH_SYNTHETIC_NAMES_H_
