// A static multimap from string hashes to 32-bit ids, laid out flat (one offsets
// array, one entries array) so a look-up touches two cache lines. The detector's
// indexes (exact names, deletion neighbourhoods, skeletons) are all of this kind.
#ifndef RCPTGUARD_CORE_HASH_INDEX_H_
#define RCPTGUARD_CORE_HASH_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rcptguard {

// 64-bit hash of a byte string.
uint64_t HashString(std::string_view s);

// Fills `out` with s.size() + 1 hashes: out[0] == HashString(s) and out[i + 1] ==
// HashString(s with s[i] removed), in O(n) (SymSpell's deletion neighbourhood).
void DeletionHashes(std::string_view s, std::vector<uint64_t>* out);

// The same over code points; for ASCII text both give the same hashes, so a
// name can be indexed as bytes and looked up as code points or the reverse.
uint64_t HashString(std::u32string_view s);
void DeletionHashes(std::u32string_view s, std::vector<uint64_t>* out);

// Appends to `out` the hashes of every string made from `s` by deleting exactly
// two characters (not necessarily distinct strings), mixed with `salt`.
void DoubleDeletionHashes(std::u32string_view s, uint64_t salt, std::vector<uint64_t>* out);

// A hash of the pair (a, b), order-sensitive.
uint64_t CombineHashes(uint64_t a, uint64_t b);

class HashIndex {
 public:
  HashIndex() = default;
  // Builds from (hash, id) pairs; duplicates are kept once. With `filter`, also
  // a presence bitset of about a byte per entry (MayContain), small enough to
  // stay in cache and in the TLB's reach when the index itself is not.
  explicit HashIndex(std::vector<std::pair<uint64_t, uint32_t>> pairs, bool filter = false);

  // Returns false if nothing is stored under `hash` (true may be a false hit,
  // about one in eight). Always true for an index built without the filter.
  bool MayContain(uint64_t hash) const {
    if (filter_.empty()) return true;
    uint64_t bit = (hash >> 8) & filter_mask_;
    return (filter_[bit >> 6] >> (bit & 63)) & 1;
  }
  void PrefetchFilter(uint64_t hash) const {
    if (!filter_.empty()) __builtin_prefetch(&filter_[((hash >> 8) & filter_mask_) >> 6]);
  }

  // Calls fn(id) for every id stored under `hash`. Ids come from equal hashes:
  // callers verify the strings (a 32-bit fingerprint makes false hits rare).
  template <typename Fn>
  void ForEach(uint64_t hash, Fn&& fn) const {
    if (offsets_.empty()) return;
    uint64_t bucket = hash >> shift_;
    auto fingerprint = static_cast<uint32_t>(hash);
    for (uint32_t i = offsets_[bucket]; i < offsets_[bucket + 1]; ++i) {
      if (static_cast<uint32_t>(entries_[i] >> 32) == fingerprint) {
        fn(static_cast<uint32_t>(entries_[i]));
      }
    }
  }

  // Asks the processor to load what ForEach(hash) will read first, so that a
  // batch of look-ups waits for memory once rather than once per look-up.
  void Prefetch(uint64_t hash) const {
    if (offsets_.empty()) return;
    __builtin_prefetch(&offsets_[hash >> shift_]);
  }
  // The same for the entries, once the offsets are in cache.
  void PrefetchEntries(uint64_t hash) const {
    if (offsets_.empty()) return;
    __builtin_prefetch(&entries_[offsets_[hash >> shift_]]);
  }

  size_t size() const { return entries_.size(); }
  size_t MemoryUsage() const {
    return offsets_.capacity() * sizeof(uint32_t) + entries_.capacity() * sizeof(uint64_t) +
           filter_.capacity() * sizeof(uint64_t);
  }

 private:
  int shift_ = 64;
  std::vector<uint32_t> offsets_;  // bucket b holds entries_[offsets_[b], offsets_[b + 1])
  std::vector<uint64_t> entries_;  // fingerprint << 32 | id
  std::vector<uint64_t> filter_;   // presence bits, see MayContain
  uint64_t filter_mask_ = 0;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_HASH_INDEX_H_
