// LookalikeCache: the detector's recent answers, direct-mapped by a hash of
// the domain.
#include <algorithm>
#include <bit>
#include <utility>

#include "core/hash_index.h"
#include "rcptguard/detector.h"

namespace rcptguard {

LookalikeCache::LookalikeCache(size_t slots) : slots_(std::bit_ceil(std::max<size_t>(slots, 1))) {}

std::optional<LookalikeMatch> LookalikeDetector::Check(const DomainName& typed,
                                                       LookalikeCache* cache) const {
  if (cache == nullptr) return Check(typed);
  if (cache->owner_ != impl_) {
    for (LookalikeCache::Slot& slot : cache->slots_) slot = LookalikeCache::Slot();
    cache->owner_ = impl_;
  }
  LookalikeCache::Slot& slot = cache->slots_[HashString(typed.ascii) & (cache->slots_.size() - 1)];
  if (slot.used && slot.ascii == typed.ascii && slot.unicode == typed.unicode) {
    ++cache->hits_;
    return slot.match;
  }
  ++cache->misses_;
  std::optional<LookalikeMatch> match = Check(typed);
  slot.used = true;
  slot.ascii.assign(typed.ascii);
  slot.unicode.assign(typed.unicode);
  slot.match = match;
  return match;
}

}  // namespace rcptguard
