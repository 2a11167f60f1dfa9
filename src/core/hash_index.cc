// Hashing and the flat hash multimap behind the detector's indexes.
#include "core/hash_index.h"

#include <algorithm>
#include <bit>

namespace rcptguard {
namespace {

// A polynomial hash modulo 2^64 lets every one-character deletion be hashed from
// prefix sums in O(1); the finaliser (MurmurHash3's fmix64) then spreads it.
constexpr uint64_t kBase = 0x100000001b3ULL;

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t Byte(char c) { return static_cast<unsigned char>(c) + 1ULL; }
uint64_t Byte(char32_t c) { return static_cast<uint64_t>(c) + 1ULL; }

template <typename CharT>
uint64_t HashOf(std::basic_string_view<CharT> s) {
  uint64_t h = 0;
  for (CharT c : s) h = h * kBase + Byte(c);
  return Mix(h ^ s.size());
}

template <typename CharT>
void DeletionHashesOf(std::basic_string_view<CharT> s, std::vector<uint64_t>* out) {
  size_t n = s.size();
  out->resize(n + 1);
  // prefix[i] is the raw hash of s[0, i); power[k] is kBase^k. Both fit a stack
  // buffer: domains are at most 253 octets.
  uint64_t prefix[256];
  uint64_t power[256];
  if (n > 254) {
    for (size_t i = 0; i <= n; ++i) (*out)[i] = HashOf(s) + i;  // never matches: too long
    return;
  }
  prefix[0] = 0;
  power[0] = 1;
  for (size_t i = 0; i < n; ++i) {
    prefix[i + 1] = prefix[i] * kBase + Byte(s[i]);
    power[i + 1] = power[i] * kBase;
  }
  (*out)[0] = Mix(prefix[n] ^ n);
  for (size_t i = 0; i < n; ++i) {
    // hash(s[0,i) + s[i+1,n)) = prefix[i] * B^(n-i-1) + (prefix[n] - prefix[i+1] * B^(n-i-1))
    uint64_t tail = prefix[n] - prefix[i + 1] * power[n - i - 1];
    uint64_t raw = prefix[i] * power[n - i - 1] + tail;
    (*out)[i + 1] = Mix(raw ^ (n - 1));
  }
}

}  // namespace

uint64_t HashString(std::string_view s) { return HashOf(s); }
uint64_t HashString(std::u32string_view s) { return HashOf(s); }

void DeletionHashes(std::string_view s, std::vector<uint64_t>* out) { DeletionHashesOf(s, out); }
void DeletionHashes(std::u32string_view s, std::vector<uint64_t>* out) { DeletionHashesOf(s, out); }

uint64_t CombineHashes(uint64_t a, uint64_t b) {
  return Mix(a * kBase + (b ^ 0x9e3779b97f4a7c15ULL));
}

void DoubleDeletionHashes(std::u32string_view s, uint64_t salt, std::vector<uint64_t>* out) {
  size_t n = s.size();
  if (n < 2 || n > 254) return;
  uint64_t prefix[256];
  uint64_t power[256];
  prefix[0] = 0;
  power[0] = 1;
  for (size_t i = 0; i < n; ++i) {
    prefix[i + 1] = prefix[i] * kBase + Byte(s[i]);
    power[i + 1] = power[i] * kBase;
  }
  // raw hash of s[a, b) is prefix[b] - prefix[a] * B^(b - a).
  auto span = [&](size_t a, size_t b) { return prefix[b] - prefix[a] * power[b - a]; };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      // s[0, i) + s[i+1, j) + s[j+1, n)
      uint64_t raw = prefix[i];
      raw = raw * power[j - i - 1] + span(i + 1, j);
      raw = raw * power[n - j - 1] + span(j + 1, n);
      out->push_back(CombineHashes(Mix(raw ^ (n - 2)), salt));
    }
  }
}

HashIndex::HashIndex(std::vector<std::pair<uint64_t, uint32_t>> pairs, bool filter) {
  if (filter && !pairs.empty()) {
    size_t bits = std::bit_ceil(std::max<size_t>(pairs.size() * 3, 64));
    filter_mask_ = bits - 1;
    filter_.assign(bits / 64, 0);
    for (const auto& pair : pairs) {
      uint64_t bit = (pair.first >> 8) & filter_mask_;
      filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
  }
  // About two entries per bucket: small offsets array, short scans.
  size_t buckets = std::bit_ceil(std::max<size_t>(pairs.size() / 2, 2));
  int bits = std::countr_zero(buckets);
  shift_ = 64 - bits;
  // A counting sort by bucket (the top bits of the hash), O(n): a comparison
  // sort of every pair was most of the start-up time with the shipped lists.
  std::vector<uint32_t> counts(buckets + 1, 0);
  for (const auto& pair : pairs) ++counts[(pair.first >> shift_) + 1];
  for (size_t b = 0; b < buckets; ++b) counts[b + 1] += counts[b];
  std::vector<uint64_t> placed(pairs.size());
  std::vector<uint32_t> next(counts.begin(), counts.end() - 1);
  for (const auto& [hash, id] : pairs) {
    placed[next[hash >> shift_]++] = (hash & 0xffffffffULL) << 32 | id;
  }
  pairs.clear();
  pairs.shrink_to_fit();
  // Duplicates (one id under the same hash twice) are kept once: sort each
  // bucket's few entries and drop repeats while compacting.
  offsets_.assign(buckets + 1, 0);
  entries_.reserve(placed.size());
  for (size_t b = 0; b < buckets; ++b) {
    auto first = placed.begin() + counts[b];
    auto last = placed.begin() + counts[b + 1];
    std::sort(first, last);
    auto unique_end = std::unique(first, last);
    entries_.insert(entries_.end(), first, unique_end);
    offsets_[b + 1] = static_cast<uint32_t>(entries_.size());
  }
  entries_.shrink_to_fit();
}

}  // namespace rcptguard
