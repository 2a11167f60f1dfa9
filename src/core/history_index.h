// Correspondent history's in-memory index (CorrespondentHistory::Index) and
// the keys and records it is made of. Internal to src/core: history_build.cc
// fills it from a snapshot, history_examine.cc answers from it.
#ifndef RCPTGUARD_CORE_HISTORY_INDEX_H_
#define RCPTGUARD_CORE_HISTORY_INDEX_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash_index.h"
#include "core/name_key.h"
#include "rcptguard/history.h"

namespace rcptguard {
namespace history_internal {

// Two keyed strings combined into one map key.
inline uint64_t PairKey(uint64_t a, uint64_t b) {
  return (a * 0x9E3779B97F4A7C15ULL) ^ std::rotl(b, 29) ^ (b * 0xC2B2AE3D27D4EB4FULL);
}
inline uint64_t PairKey(std::string_view a, std::string_view b) {
  return PairKey(HashString(a), HashString(b));
}

inline std::string_view LocalPartOf(std::string_view canonical_address) {
  size_t at = canonical_address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : canonical_address.substr(0, at);
}

// A frozen map from 64-bit keys to values: a HashIndex over parallel arrays.
template <typename V>
class FrozenMap {
 public:
  FrozenMap() = default;
  // From (key, value) pairs with unique keys: a hash map or a sorted vector.
  template <typename Pairs>
  explicit FrozenMap(const Pairs& source) {
    keys_.reserve(source.size());
    values_.reserve(source.size());
    std::vector<std::pair<uint64_t, uint32_t>> ids;
    ids.reserve(source.size());
    for (const auto& [key, value] : source) {
      ids.emplace_back(key, static_cast<uint32_t>(keys_.size()));
      keys_.push_back(key);
      values_.push_back(value);
    }
    index_ = HashIndex(std::move(ids));
  }

  const V* Find(uint64_t key) const {
    const V* found = nullptr;
    index_.ForEach(key, [&](uint32_t id) {
      if (keys_[id] == key) found = &values_[id];
    });
    return found;
  }

  size_t size() const { return keys_.size(); }
  size_t MemoryUsage() const {
    return index_.MemoryUsage() + keys_.capacity() * sizeof(uint64_t) +
           values_.capacity() * sizeof(V);
  }

 private:
  HashIndex index_;
  std::vector<uint64_t> keys_;
  std::vector<V> values_;
};

// A run of entries in one of the index's flat lists.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct Correspondent {
  uint64_t sender = 0;     // HashString of the sender key
  uint64_t recipient = 0;  // HashString of the recipient key
  int64_t messages = 0;
  Span digests;         // into Index::digests (hashed mode)
  std::string address;  // clear mode only
};

struct NamedRecipient {
  uint64_t recipient = 0;
  int64_t messages = 0;
  std::string address;  // clear mode only
};

// A domain a sender writes to, with where its distinctive label is: the
// longest label left of the last ("defence" in defence.gov.au, "hotmail" in
// hotmail.co.uk), which is what a sister domain keeps.
struct SenderDomain {
  std::string domain;
  uint16_t core_begin = 0;
  uint16_t core_size = 0;
};

inline SenderDomain MakeSenderDomain(std::string_view domain) {
  SenderDomain out;
  out.domain.assign(domain);
  size_t last_dot = domain.rfind('.');
  size_t begin = 0;
  while (last_dot != std::string_view::npos && begin < last_dot) {
    size_t end = domain.find('.', begin);
    if (end == std::string_view::npos || end > last_dot) end = last_dot;
    if (end - begin >= out.core_size) {
      out.core_begin = static_cast<uint16_t>(begin);
      out.core_size = static_cast<uint16_t>(end - begin);
    }
    begin = end + 1;
  }
  if (out.core_size == 0) out.core_size = static_cast<uint16_t>(domain.size());
  return out;
}

// Returns true iff a and b are one insertion, deletion, substitution or
// adjacent transposition apart.
inline bool OneEdit(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > 1) return false;
  size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (a.size() != b.size()) return a.substr(i + 1) == b.substr(i);
  if (i == a.size()) return false;
  if (a.substr(i + 1) == b.substr(i + 1)) return true;
  return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] &&
         a.substr(i + 2) == b.substr(i + 2);
}

inline std::string_view CoreOf(const SenderDomain& d) {
  return std::string_view(d.domain).substr(d.core_begin, d.core_size);
}

// Returns true iff two different domains are sisters: the same distinctive
// label under another suffix (hotmail.com, hotmail.co.uk), or that label one
// edit apart under a suffix that starts alike (defense.gov, defence.gov.au;
// kcl.ac.uk, ucl.ac.uk).
inline bool SisterDomains(const SenderDomain& a, const SenderDomain& b) {
  if (a.domain == b.domain) return false;
  size_t gap = a.core_size > b.core_size ? a.core_size - b.core_size : b.core_size - a.core_size;
  if (gap > 1) return false;
  std::string_view ca = CoreOf(a);
  std::string_view cb = CoreOf(b);
  if (ca == cb) return true;
  if (ca.size() < 3 || !OneEdit(ca, cb)) return false;
  std::string_view sa = std::string_view(a.domain).substr(a.core_begin + a.core_size);
  std::string_view sb = std::string_view(b.domain).substr(b.core_begin + b.core_size);
  return sa.size() >= 3 && sb.size() >= 3 && sa.substr(0, 3) == sb.substr(0, 3);
}

// Who a correspondent is, as far as the index knows (clear mode): the letters
// of a run-together local part, and the names from the local part and every
// display name anyone here gave the address.
struct PersonEntry {
  std::string letters;
  std::vector<PersonName> names;
};

inline PersonEntry ParsePerson(std::string_view text) {
  PersonEntry person;
  size_t tab = text.find('\t');
  person.letters.assign(text.substr(0, tab));
  std::string_view rest = tab == std::string_view::npos ? std::string_view() : text.substr(tab + 1);
  while (!rest.empty()) {
    size_t bar = rest.find('|');
    std::string_view one = rest.substr(0, bar);
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    PersonName name;
    while (!one.empty()) {
      size_t space = one.find(' ');
      name.words.emplace_back(one.substr(0, space));
      one = space == std::string_view::npos ? std::string_view() : one.substr(space + 1);
    }
    if (!name.empty()) person.names.push_back(std::move(name));
  }
  return person;
}

// The letters of a local part written without separators ("apatel",
// "annapatel", "tgreen1981"); empty for "anna.patel".
inline std::string RunTogetherLetters(std::string_view local_part) {
  std::string digits_apart;
  for (char c : local_part) digits_apart.push_back(c >= '0' && c <= '9' ? ' ' : c);
  std::string folded = FoldName(digits_apart);
  if (folded.empty() || folded.find(' ') != std::string::npos) return {};
  return folded;
}

// The mailbox names RFC 2142 ("Mailbox Names for Common Services, Roles and
// Functions") reserves: the same name at a sister organisation is that
// organisation's own service, not a slip of the one the sender knows.
constexpr std::array<std::string_view, 15> kServiceMailboxes = {
    "info",       "marketing", "sales", "support",   "abuse", "noc",  "security", "postmaster",
    "hostmaster", "usenet",    "news",  "webmaster", "www",   "uucp", "ftp"};

inline bool IsServiceMailbox(std::string_view local_part) {
  return std::find(kServiceMailboxes.begin(), kServiceMailboxes.end(), local_part) !=
         kServiceMailboxes.end();
}

// At most this many of a sender's most frequent correspondents at one domain
// are compared letter by letter with a new address there.
constexpr size_t kMaxCompared = 64;
constexpr double kEpsilon = 1e-9;

}  // namespace history_internal

struct CorrespondentHistory::Index {
  HistoryKeyer keyer;
  HistoryOptions options;
  std::shared_ptr<const NameVariants> variants;
  // The shipped public mail providers (data/providers.txt), sorted: where a
  // person's personal address lives.
  std::shared_ptr<const std::vector<std::string>> public_providers;
  bool IsPublicProvider(std::string_view domain) const {
    return public_providers &&
           std::binary_search(public_providers->begin(), public_providers->end(), domain);
  }
  // For an overlay: the index it is layered on; counts below are then
  // adjustments (pairs: replacements) to the base's.
  std::shared_ptr<const Index> base;
  bool replaces_exceptions = false;

  history_internal::FrozenMap<int64_t> pairs;           // (sender, recipient) -> messages
  history_internal::FrozenMap<int64_t> org_addresses;   // recipient -> messages from anyone
  history_internal::FrozenMap<int64_t> sender_domains;  // (sender, domain) -> messages
  history_internal::FrozenMap<int64_t> org_domains;     // domain -> messages from anyone
  history_internal::FrozenMap<history_internal::Span>
      correspondents;  // (sender, domain) -> frequent correspondents, most first
  std::vector<history_internal::Correspondent> correspondent_list;
  std::vector<uint32_t> digests;
  history_internal::FrozenMap<history_internal::Span>
      names;  // (sender, name) -> the recipients it was used with
  std::vector<history_internal::NamedRecipient> name_list;
  history_internal::FrozenMap<int64_t> exceptions;  // (sender, recipient or domain) -> expires
  // Hash of a domain's distinctive label, or of it less one letter -> the
  // organisation's domains with that label (into domain_ids): sister domains
  // are found by a few look-ups, whatever the number of domains.
  history_internal::FrozenMap<history_internal::Span> domain_lists;
  std::vector<uint32_t> domain_ids;
  std::vector<history_internal::SenderDomain> domain_list;
  // Clear mode only: who each frequent correspondent is, and what finds them.
  history_internal::FrozenMap<uint32_t> people;  // recipient -> index into person_list
  std::vector<std::string> person_list;
  history_internal::FrozenMap<history_internal::Span>
      handles;  // (sender, handle) -> correspondents (into handle_ids)
  std::vector<uint32_t> handle_ids;
  std::vector<std::pair<std::string, int64_t>> domain_totals;  // learned domains
  size_t pair_count = 0;

  int64_t Count(history_internal::FrozenMap<int64_t> Index::*map, uint64_t key) const {
    const int64_t* own = (this->*map).Find(key);
    int64_t value = own ? *own : 0;
    if (base) value += base->Count(map, key);
    return value;
  }
  int64_t PairMessages(uint64_t key) const {
    if (const int64_t* own = pairs.Find(key)) return *own;  // an overlay's pair is absolute
    return base ? base->PairMessages(key) : 0;
  }
  const history_internal::FrozenMap<int64_t>& ExceptionMap() const {
    return (base && !replaces_exceptions) ? base->ExceptionMap() : exceptions;
  }
  template <typename Fn>
  void ForEachCorrespondent(uint64_t key, Fn&& fn) const {
    if (const history_internal::Span* span = correspondents.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i) fn(*this, correspondent_list[i]);
    }
    if (base) base->ForEachCorrespondent(key, fn);
  }
  template <typename Fn>
  void ForEachNamed(uint64_t key, Fn&& fn) const {
    if (const history_internal::Span* span = names.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i) fn(name_list[i]);
    }
    if (base) base->ForEachNamed(key, fn);
  }
  template <typename Fn>
  void ForEachDomainNear(uint64_t key, Fn&& fn) const {
    if (const history_internal::Span* span = domain_lists.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i) fn(domain_list[domain_ids[i]]);
    }
    if (base) base->ForEachDomainNear(key, fn);
  }
  template <typename Fn>
  void ForEachByHandle(uint64_t key, Fn&& fn) const {
    if (const history_internal::Span* span = handles.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i)
        fn(*this, correspondent_list[handle_ids[i]]);
    }
    if (base) base->ForEachByHandle(key, fn);
  }
  // The serialised person of a recipient, newest layer first; empty if none.
  std::string_view PersonOf(uint64_t recipient) const {
    if (const uint32_t* id = people.Find(recipient)) return person_list[*id];
    return base ? base->PersonOf(recipient) : std::string_view();
  }
};

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_HISTORY_INDEX_H_
