// Correspondent history in memory: canonical forms, the keyer (clear or keyed
// hashes), and the index the policy asks "does this sender write here?".
#include "rcptguard/history.h"

#include <sodium.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/hash_index.h"
#include "core/name_key.h"

namespace rcptguard {
namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string LowerLocalPart(std::string_view local_part) {
  if (IsAscii(local_part)) {
    std::string out(local_part);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  std::string out;
  icu::UnicodeString::fromUTF8(
      icu::StringPiece(local_part.data(), static_cast<int32_t>(local_part.size())))
      .foldCase()
      .toUTF8String(out);
  return out;
}

// libsodium must be initialised once before use; sodium_init is itself
// thread-safe, the once-flag only saves repeated calls.
void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no usable randomness or CPU features: cannot run
  });
}

void Hmac(const std::array<unsigned char, 32>& key, std::string_view text,
          unsigned char out[crypto_auth_hmacsha256_BYTES]) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                                text.size());
  crypto_auth_hmacsha256_final(&state, out);
}

// Two keyed strings combined into one map key.
uint64_t PairKey(uint64_t a, uint64_t b) {
  return (a * 0x9E3779B97F4A7C15ULL) ^ std::rotl(b, 29) ^ (b * 0xC2B2AE3D27D4EB4FULL);
}
uint64_t PairKey(std::string_view a, std::string_view b) {
  return PairKey(HashString(a), HashString(b));
}

std::string_view LocalPartOf(std::string_view canonical_address) {
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

}  // namespace

// ---------------------------------------------------------------------------
// Canonical forms

std::string CanonicalAddress(const Address& address) {
  return LowerLocalPart(address.local_part) + "@" + address.domain.ascii;
}

Result<std::string> CanonicalAddress(std::string_view address) {
  auto parsed = ParseAddress(address);
  if (!parsed) return Unexpected(parsed.error());
  return CanonicalAddress(*parsed);
}

std::string NormalizeDisplayName(std::string_view display_name) {
  // A "name" that is an address says nothing about who the person is.
  if (display_name.find('@') != std::string_view::npos) return {};
  std::vector<std::string> words;
  std::string word;
  int32_t i = 0;
  auto length = static_cast<int32_t>(display_name.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(display_name.data());
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && u_isalnum(c)) {
      c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
      char buffer[U8_MAX_LENGTH];
      int32_t n = 0;
      U8_APPEND_UNSAFE(buffer, n, c);
      word.append(buffer, static_cast<size_t>(n));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  // Sorted so that "Smith, John" and "John Smith" are the same person.
  std::sort(words.begin(), words.end());
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// ---------------------------------------------------------------------------
// HistoryKeyer

HistoryKeyer::HistoryKeyer() { InitSodium(); }

Result<HistoryKeyer> HistoryKeyer::Hashed(std::string_view secret) {
  if (secret.size() < 16) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the history secret must be at least 16 bytes (use 32 random bytes)");
  }
  HistoryKeyer keyer;
  keyer.hashed_ = true;
  // Two keys derived from the one secret, so an address hash says nothing
  // about the local-part digests and the other way round.
  std::array<unsigned char, 32> secret_key{};
  crypto_generichash(secret_key.data(), secret_key.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr,
                     0);
  unsigned char derived[crypto_auth_hmacsha256_BYTES];
  Hmac(secret_key, "rcptguard history address key v1", derived);
  std::copy_n(derived, keyer.address_key_.size(), keyer.address_key_.begin());
  Hmac(secret_key, "rcptguard history local-part digest key v1", derived);
  std::copy_n(derived, keyer.digest_key_.size(), keyer.digest_key_.begin());
  sodium_memzero(derived, sizeof derived);
  sodium_memzero(secret_key.data(), secret_key.size());
  return keyer;
}

std::string HistoryKeyer::Key(std::string_view text) const {
  if (!hashed_) return std::string(text);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  Hmac(address_key_, text, mac);
  // 128 bits are plenty to tell addresses apart and halve the stored size.
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, mac, 16);
  return std::string(hex, 32);
}

std::vector<uint32_t> HistoryKeyer::LocalPartDigests(std::string_view local_part) const {
  // Character boundaries, so a deletion removes a whole UTF-8 sequence.
  std::vector<size_t> starts;
  int32_t i = 0;
  auto length = static_cast<int32_t>(local_part.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(local_part.data());
  while (i < length) {
    starts.push_back(static_cast<size_t>(i));
    U8_FWD_1(bytes, i, length);
  }
  if (starts.size() < 4) return {};
  starts.push_back(local_part.size());

  auto digest = [this](std::string_view text) {
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     digest_key_.data());
    uint32_t value;
    std::memcpy(&value, out, sizeof value);
    return value;
  };
  std::vector<uint32_t> digests;
  digests.reserve(starts.size());
  digests.push_back(digest(local_part));
  std::string variant;
  for (size_t c = 0; c + 1 < starts.size(); ++c) {
    variant.assign(local_part.substr(0, starts[c]));
    variant.append(local_part.substr(starts[c + 1]));
    digests.push_back(digest(variant));
  }
  std::sort(digests.begin(), digests.end());
  digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
  return digests;
}

// ---------------------------------------------------------------------------
// CorrespondentHistory

namespace {

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

SenderDomain MakeSenderDomain(std::string_view domain) {
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
bool OneEdit(std::string_view a, std::string_view b) {
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

std::string_view CoreOf(const SenderDomain& d) {
  return std::string_view(d.domain).substr(d.core_begin, d.core_size);
}

// Returns true iff two different domains are sisters: the same distinctive
// label under another suffix (hotmail.com, hotmail.co.uk), or that label one
// edit apart under a suffix that starts alike (defense.gov, defence.gov.au;
// kcl.ac.uk, ucl.ac.uk).
bool SisterDomains(const SenderDomain& a, const SenderDomain& b) {
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

// Serialised form kept in the index: "letters\tword word|word word".
std::string SerializePerson(const PersonEntry& person) {
  std::string out = person.letters;
  out.push_back('\t');
  for (size_t i = 0; i < person.names.size(); ++i) {
    if (i > 0) out.push_back('|');
    for (size_t w = 0; w < person.names[i].words.size(); ++w) {
      if (w > 0) out.push_back(' ');
      out += person.names[i].words[w];
    }
  }
  return out;
}

PersonEntry ParsePerson(std::string_view text) {
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
std::string RunTogetherLetters(std::string_view local_part) {
  std::string digits_apart;
  for (char c : local_part) digits_apart.push_back(c >= '0' && c <= '9' ? ' ' : c);
  std::string folded = FoldName(digits_apart);
  if (folded.empty() || folded.find(' ') != std::string::npos) return {};
  return folded;
}

PersonEntry DescribePerson(std::string_view local_part, const std::vector<std::string_view>& names,
                           const NameVariants& variants) {
  PersonEntry person;
  person.letters = RunTogetherLetters(local_part);
  auto add = [&](PersonName name) {
    if (name.words.size() < 2) return;
    for (const PersonName& known : person.names) {
      if (known.words == name.words) return;
    }
    person.names.push_back(std::move(name));
  };
  add(NameFromLocalPart(local_part, variants));
  for (std::string_view name : names) add(NameFromDisplay(name));
  return person;
}

// What a correspondent can be found by: the words of its names and its
// run-together letters, with one end trimmed ("apatel" is found by "patel").
std::vector<std::string> PersonHandles(const PersonEntry& person) {
  std::vector<std::string> handles;
  for (const PersonName& name : person.names) {
    for (const std::string& word : name.words) {
      if (word.size() >= 3) handles.push_back(word);
    }
  }
  const std::string& l = person.letters;
  if (l.size() >= 4) handles.push_back(l);
  if (l.size() >= 5) {
    handles.push_back(l.substr(1));
    handles.push_back(l.substr(0, l.size() - 1));
  }
  std::sort(handles.begin(), handles.end());
  handles.erase(std::unique(handles.begin(), handles.end()), handles.end());
  return handles;
}

// The mailbox names RFC 2142 ("Mailbox Names for Common Services, Roles and
// Functions") reserves: the same name at a sister organisation is that
// organisation's own service, not a slip of the one the sender knows.
constexpr std::array<std::string_view, 15> kServiceMailboxes = {
    "info",       "marketing", "sales", "support",   "abuse", "noc",  "security", "postmaster",
    "hostmaster", "usenet",    "news",  "webmaster", "www",   "uucp", "ftp"};

bool IsServiceMailbox(std::string_view local_part) {
  return std::find(kServiceMailboxes.begin(), kServiceMailboxes.end(), local_part) !=
         kServiceMailboxes.end();
}

// At most this many of a sender's most frequent correspondents at one domain
// are compared letter by letter with a new address there.
constexpr size_t kMaxCompared = 64;
constexpr double kEpsilon = 1e-9;

}  // namespace

struct CorrespondentHistory::Index {
  HistoryKeyer keyer;
  HistoryOptions options;
  std::shared_ptr<const NameVariants> variants;
  // For an overlay: the index it is layered on; counts below are then
  // adjustments (pairs: replacements) to the base's.
  std::shared_ptr<const Index> base;
  bool replaces_exceptions = false;

  FrozenMap<int64_t> pairs;           // (sender, recipient) -> messages
  FrozenMap<int64_t> org_addresses;   // recipient -> messages from anyone
  FrozenMap<int64_t> sender_domains;  // (sender, domain) -> messages
  FrozenMap<int64_t> org_domains;     // domain -> messages from anyone
  FrozenMap<Span> correspondents;     // (sender, domain) -> frequent correspondents, most first
  std::vector<Correspondent> correspondent_list;
  std::vector<uint32_t> digests;
  FrozenMap<Span> names;  // (sender, name) -> the recipients it was used with
  std::vector<NamedRecipient> name_list;
  FrozenMap<int64_t> exceptions;  // (sender, recipient or domain) -> expires
  // Hash of a domain's distinctive label, or of it less one letter -> the
  // organisation's domains with that label (into domain_ids): sister domains
  // are found by a few look-ups, whatever the number of domains.
  FrozenMap<Span> domain_lists;
  std::vector<uint32_t> domain_ids;
  std::vector<SenderDomain> domain_list;
  // Clear mode only: who each frequent correspondent is, and what finds them.
  FrozenMap<uint32_t> people;  // recipient -> index into person_list
  std::vector<std::string> person_list;
  FrozenMap<Span> handles;  // (sender, handle) -> correspondents (into handle_ids)
  std::vector<uint32_t> handle_ids;
  std::vector<std::pair<std::string, int64_t>> domain_totals;  // learned domains
  size_t pair_count = 0;

  int64_t Count(FrozenMap<int64_t> Index::*map, uint64_t key) const {
    const int64_t* own = (this->*map).Find(key);
    int64_t value = own ? *own : 0;
    if (base) value += base->Count(map, key);
    return value;
  }
  int64_t PairMessages(uint64_t key) const {
    if (const int64_t* own = pairs.Find(key)) return *own;  // an overlay's pair is absolute
    return base ? base->PairMessages(key) : 0;
  }
  const FrozenMap<int64_t>& ExceptionMap() const {
    return (base && !replaces_exceptions) ? base->ExceptionMap() : exceptions;
  }
  template <typename Fn>
  void ForEachCorrespondent(uint64_t key, Fn&& fn) const {
    if (const Span* span = correspondents.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i) fn(*this, correspondent_list[i]);
    }
    if (base) base->ForEachCorrespondent(key, fn);
  }
  template <typename Fn>
  void ForEachNamed(uint64_t key, Fn&& fn) const {
    if (const Span* span = names.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i) fn(name_list[i]);
    }
    if (base) base->ForEachNamed(key, fn);
  }
  template <typename Fn>
  void ForEachDomainNear(uint64_t key, Fn&& fn) const {
    if (const Span* span = domain_lists.Find(key)) {
      for (uint32_t i = span->begin; i < span->end; ++i) fn(domain_list[domain_ids[i]]);
    }
    if (base) base->ForEachDomainNear(key, fn);
  }
  template <typename Fn>
  void ForEachByHandle(uint64_t key, Fn&& fn) const {
    if (const Span* span = handles.Find(key)) {
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

namespace {

template <typename V>
std::unordered_map<uint64_t, Span> LayOut(std::unordered_map<uint64_t, std::vector<V>>& groups,
                                          std::vector<V>* list) {
  std::unordered_map<uint64_t, Span> spans;
  spans.reserve(groups.size());
  for (auto& [key, members] : groups) {
    Span span{static_cast<uint32_t>(list->size()), 0};
    for (V& member : members) list->push_back(std::move(member));
    span.end = static_cast<uint32_t>(list->size());
    spans[key] = span;
  }
  return spans;
}

// Builds the index's maps from a snapshot. `base` (may be null) is the index
// an overlay sits on: aggregate counts become differences to it.
std::shared_ptr<CorrespondentHistory::Index> BuildIndex(
    const HistorySnapshot& snapshot, const HistoryKeyer& keyer, const HistoryOptions& options,
    std::shared_ptr<const NameVariants> variants,
    std::shared_ptr<const CorrespondentHistory::Index> base) {
  auto index = std::make_shared<CorrespondentHistory::Index>();
  index->keyer = keyer;
  index->options = options;
  index->variants = std::move(variants);
  index->base = base;
  index->pair_count = snapshot.pairs.size();
  bool clear = !keyer.hashed();

  std::unordered_map<uint64_t, int64_t> pairs;
  std::unordered_map<uint64_t, int64_t> org_addresses;
  std::unordered_map<uint64_t, int64_t> sender_domains;
  std::unordered_map<uint64_t, int64_t> org_domains;
  std::unordered_map<std::string, int64_t> domain_totals;
  std::unordered_map<uint64_t, std::vector<Correspondent>> correspondent_groups;
  std::unordered_map<uint64_t, std::vector<uint32_t>> domain_groups;
  pairs.reserve(snapshot.pairs.size());
  org_addresses.reserve(snapshot.pairs.size());

  for (const PairRecord& pair : snapshot.pairs) {
    uint64_t sender = HashString(pair.sender);
    uint64_t recipient = HashString(pair.recipient);
    uint64_t pair_key = PairKey(sender, recipient);
    uint64_t domain = HashString(pair.domain);
    // In an overlay a pair replaces the base's count, so the aggregates move
    // by the difference.
    int64_t delta = pair.messages - (base ? base->PairMessages(pair_key) : 0);
    pairs[pair_key] = pair.messages;
    org_addresses[recipient] += delta;
    sender_domains[PairKey(sender, domain)] += delta;
    auto [od, new_domain] = org_domains.try_emplace(domain, 0);
    od->second += delta;
    if (new_domain &&
        (!base || base->Count(&CorrespondentHistory::Index::org_domains, domain) == 0)) {
      auto id = static_cast<uint32_t>(index->domain_list.size());
      index->domain_list.push_back(MakeSenderDomain(pair.domain));
      std::vector<uint64_t> hashes;
      DeletionHashes(CoreOf(index->domain_list.back()), &hashes);
      std::sort(hashes.begin(), hashes.end());
      hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
      for (uint64_t h : hashes) domain_groups[h].push_back(id);
    }
    domain_totals[pair.domain] += delta;

    if (pair.messages < options.frequent_messages) continue;
    Correspondent correspondent;
    correspondent.sender = sender;
    correspondent.recipient = recipient;
    correspondent.messages = pair.messages;
    if (clear) {
      correspondent.address = pair.recipient;
    } else {
      // Hashed mode compares local parts by their one-deletion digests only.
      if (pair.local_digests.empty()) continue;  // too short to compare
      correspondent.digests.begin = static_cast<uint32_t>(index->digests.size());
      index->digests.insert(index->digests.end(), pair.local_digests.begin(),
                            pair.local_digests.end());
      correspondent.digests.end = static_cast<uint32_t>(index->digests.size());
    }
    correspondent_groups[PairKey(sender, domain)].push_back(std::move(correspondent));
  }
  // Most frequent first in each group: the letter-by-letter comparison looks
  // at the first kMaxCompared only.
  for (auto& [key, members] : correspondent_groups) {
    std::sort(members.begin(), members.end(), [](const Correspondent& a, const Correspondent& b) {
      return a.messages > b.messages;
    });
  }
  auto correspondent_spans = LayOut(correspondent_groups, &index->correspondent_list);
  auto domain_spans = LayOut(domain_groups, &index->domain_ids);

  std::unordered_map<uint64_t, std::vector<NamedRecipient>> name_groups;
  // Clear mode: (recipient, index into snapshot.names), to gather each
  // correspondent's display names from every sender.
  std::vector<std::pair<uint64_t, uint32_t>> names_by_recipient;
  for (size_t i = 0; i < snapshot.names.size(); ++i) {
    const NameRecord& name = snapshot.names[i];
    NamedRecipient named;
    named.recipient = HashString(name.recipient);
    named.messages = name.messages;
    if (clear) {
      named.address = name.recipient;
      names_by_recipient.emplace_back(named.recipient, static_cast<uint32_t>(i));
    }
    name_groups[PairKey(name.sender, name.name)].push_back(std::move(named));
  }
  auto name_spans = LayOut(name_groups, &index->name_list);

  // Who the frequent correspondents are (clear mode): one entry per
  // recipient, and the handles each sender finds them by. Built from sorted
  // flat vectors: at a million pairs, maps of vectors cost more than the work.
  std::vector<std::pair<uint64_t, uint32_t>> people;    // recipient -> person
  std::vector<std::pair<uint64_t, Span>> handle_spans;  // (sender, handle) -> correspondents
  if (clear) {
    std::sort(names_by_recipient.begin(), names_by_recipient.end());
    std::vector<std::pair<uint64_t, uint32_t>> recipients;  // recipient -> a correspondent
    recipients.reserve(index->correspondent_list.size());
    for (uint32_t c = 0; c < index->correspondent_list.size(); ++c) {
      recipients.emplace_back(index->correspondent_list[c].recipient, c);
    }
    std::sort(recipients.begin(), recipients.end());
    std::vector<uint64_t> handle_pool;
    std::vector<Span> handles_of;  // per person, into handle_pool
    std::vector<std::string_view> known;
    size_t n = 0;
    for (size_t r = 0; r < recipients.size(); ++r) {
      uint64_t recipient = recipients[r].first;
      if (r > 0 && recipients[r - 1].first == recipient) continue;
      while (n < names_by_recipient.size() && names_by_recipient[n].first < recipient) ++n;
      known.clear();
      for (; n < names_by_recipient.size() && names_by_recipient[n].first == recipient; ++n) {
        std::string_view name = snapshot.names[names_by_recipient[n].second].name;
        if (std::find(known.begin(), known.end(), name) == known.end()) known.push_back(name);
      }
      const Correspondent& correspondent = index->correspondent_list[recipients[r].second];
      PersonEntry person =
          DescribePerson(LocalPartOf(correspondent.address), known, *index->variants);
      Span span{static_cast<uint32_t>(handle_pool.size()), 0};
      for (const std::string& handle : PersonHandles(person)) {
        handle_pool.push_back(HashString(handle));
      }
      span.end = static_cast<uint32_t>(handle_pool.size());
      people.emplace_back(recipient, static_cast<uint32_t>(index->person_list.size()));
      handles_of.push_back(span);
      index->person_list.push_back(SerializePerson(person));
    }
    // people is sorted by recipient: each correspondent finds its person by
    // binary search.
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    for (uint32_t c = 0; c < index->correspondent_list.size(); ++c) {
      const Correspondent& correspondent = index->correspondent_list[c];
      auto it = std::lower_bound(people.begin(), people.end(),
                                 std::make_pair(correspondent.recipient, uint32_t{0}));
      const Span& span = handles_of[static_cast<size_t>(it - people.begin())];
      for (uint32_t h = span.begin; h < span.end; ++h) {
        entries.emplace_back(PairKey(correspondent.sender, handle_pool[h]), c);
      }
    }
    std::sort(entries.begin(), entries.end());
    index->handle_ids.reserve(entries.size());
    for (size_t e = 0; e < entries.size(); ++e) {
      if (e == 0 || entries[e].first != entries[e - 1].first) {
        handle_spans.emplace_back(entries[e].first,
                                  Span{static_cast<uint32_t>(index->handle_ids.size()), 0});
      }
      index->handle_ids.push_back(entries[e].second);
      handle_spans.back().second.end = static_cast<uint32_t>(index->handle_ids.size());
    }
  }

  std::unordered_map<uint64_t, int64_t> exceptions;
  for (const ExceptionRecord& exception : snapshot.exceptions) {
    int64_t& expires = exceptions[PairKey(exception.sender, exception.recipient)];
    expires = std::max(expires, exception.expires);
  }

  index->pairs = FrozenMap<int64_t>(pairs);
  index->org_addresses = FrozenMap<int64_t>(org_addresses);
  index->sender_domains = FrozenMap<int64_t>(sender_domains);
  index->org_domains = FrozenMap<int64_t>(org_domains);
  index->correspondents = FrozenMap<Span>(correspondent_spans);
  index->names = FrozenMap<Span>(name_spans);
  index->exceptions = FrozenMap<int64_t>(exceptions);
  index->domain_lists = FrozenMap<Span>(domain_spans);
  index->people = FrozenMap<uint32_t>(people);
  index->handles = FrozenMap<Span>(handle_spans);
  if (base) {
    // Learned domains of an overlay: the base's totals moved by this delta.
    for (const auto& [domain, total] : base->domain_totals) domain_totals[domain] += total;
  }
  index->domain_totals.assign(domain_totals.begin(), domain_totals.end());
  std::sort(index->domain_totals.begin(), index->domain_totals.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
  return index;
}

bool SharesDigest(const std::vector<uint32_t>& sorted, const uint32_t* begin, const uint32_t* end) {
  // Both sides are short sorted runs (a dozen digests): a merge walk.
  auto a = sorted.begin();
  const uint32_t* b = begin;
  while (a != sorted.end() && b != end) {
    if (*a == *b) return true;
    if (*a < *b) {
      ++a;
    } else {
      ++b;
    }
  }
  return false;
}

// The best explanation found so far for a new recipient. Classes rank by how
// specific their evidence is: the same local part at a sister domain, then a
// slip of a local part, then the same name at the same domain, then a display
// name, then the same name at a sister domain.
struct Suspect {
  HistoryFinding::Unfamiliar unfamiliar = HistoryFinding::Unfamiliar::kNone;
  int rank = 0;
  std::string address;
  int64_t messages = 0;
  double slips = 0;
  bool same_local_part = false;

  void Offer(HistoryFinding::Unfamiliar what, int what_rank, std::string_view usual,
             int64_t usual_messages, double usual_slips = 0, bool same_local = false) {
    bool better =
        what_rank > rank ||
        (what_rank == rank && (usual_slips < slips - kEpsilon ||
                               (usual_slips <= slips + kEpsilon && usual_messages > messages)));
    if (!better) return;
    unfamiliar = what;
    rank = what_rank;
    address.assign(usual);
    messages = usual_messages;
    slips = usual_slips;
    same_local_part = same_local;
  }
};

constexpr int kRankSameLocalPart = 5;
constexpr int kRankSlip = 4;
constexpr int kRankSameName = 3;
constexpr int kRankDisplayName = 2;
constexpr int kRankSisterName = 1;

// How the new recipient's names agree with a correspondent's: by the display
// name the message gives it, and by its local part.
struct Agreement {
  NameAgreement display = NameAgreement::kNone;
  NameAgreement local = NameAgreement::kNone;
};

// Merges the agreements of several names of one correspondent: a full match
// settles it; short of one, a name that conflicts (John's entry against
// Jane) outweighs one that only shares an initial (j.smith).
NameAgreement Stronger(NameAgreement a, NameAgreement b) {
  if (a == NameAgreement::kFull || b == NameAgreement::kFull) return NameAgreement::kFull;
  if (a == NameAgreement::kConflict || b == NameAgreement::kConflict) {
    return NameAgreement::kConflict;
  }
  return a == NameAgreement::kInitial || b == NameAgreement::kInitial ? NameAgreement::kInitial
                                                                      : NameAgreement::kNone;
}

bool Agrees(NameAgreement a) { return a == NameAgreement::kInitial || a == NameAgreement::kFull; }

// The new recipient as the name checks see it.
struct NewRecipient {
  PersonName display;   // from the display name the message gives it
  PersonName local;     // from its local part
  std::string letters;  // its local part run together, if written so
};

Agreement Compare(const NewRecipient& r, std::string_view serialized, const NameVariants& v) {
  Agreement out;
  PersonEntry c = ParsePerson(serialized);
  for (const PersonName& name : c.names) {
    if (!r.display.empty()) out.display = Stronger(out.display, CompareNames(r.display, name, v));
    if (!r.local.empty()) out.local = Stronger(out.local, CompareNames(r.local, name, v));
    if (!r.letters.empty()) out.local = Stronger(out.local, SpellsName(r.letters, name, v));
  }
  if (!c.letters.empty()) {
    if (!r.display.empty())
      out.display = Stronger(out.display, SpellsName(c.letters, r.display, v));
    if (!r.local.empty()) out.local = Stronger(out.local, SpellsName(c.letters, r.local, v));
    if (!r.letters.empty() && SameRunTogetherName(r.letters, c.letters)) {
      out.local = Stronger(out.local, NameAgreement::kInitial);
    }
  }
  return out;
}

std::string_view DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

}  // namespace

std::shared_ptr<const CorrespondentHistory> CorrespondentHistory::Build(
    const HistorySnapshot& snapshot, const HistoryKeyer& keyer, const HistoryOptions& options,
    std::shared_ptr<const NameVariants> variants) {
  if (!variants) variants = NameVariants::Embedded();
  return std::shared_ptr<const CorrespondentHistory>(
      new CorrespondentHistory(BuildIndex(snapshot, keyer, options, std::move(variants), nullptr)));
}

std::shared_ptr<const CorrespondentHistory> CorrespondentHistory::Overlay(
    std::shared_ptr<const CorrespondentHistory> base, const HistorySnapshot& delta) {
  const Index& below = *base->index_;
  auto index = BuildIndex(delta, below.keyer, below.options, below.variants, base->index_);
  index->replaces_exceptions = true;  // a delta carries every unexpired exception
  index->pair_count = below.pair_count + delta.pairs.size();
  return std::shared_ptr<const CorrespondentHistory>(new CorrespondentHistory(std::move(index)));
}

int64_t CorrespondentHistory::DomainMessages(std::string_view sender,
                                             std::string_view domain) const {
  const Index& index = *index_;
  if (sender.empty()) return index.Count(&Index::org_domains, HashString(domain));
  return index.Count(&Index::sender_domains,
                     PairKey(HashString(index.keyer.Key(sender)), HashString(domain)));
}

int64_t CorrespondentHistory::AddressMessages(std::string_view sender,
                                              std::string_view recipient) const {
  const Index& index = *index_;
  uint64_t recipient_key = HashString(index.keyer.Key(recipient));
  if (sender.empty()) return index.Count(&Index::org_addresses, recipient_key);
  return index.PairMessages(PairKey(HashString(index.keyer.Key(sender)), recipient_key));
}

std::vector<ExpectedDomain> CorrespondentHistory::LearnedDomains() const {
  const Index& index = *index_;
  std::vector<ExpectedDomain> learned;
  if (index.domain_totals.empty()) return learned;
  double most = static_cast<double>(index.domain_totals.front().second);
  for (const auto& [domain, messages] : index.domain_totals) {
    if (messages < index.options.expected_domain_messages) break;
    ExpectedDomain expected;
    expected.domain = domain;
    expected.source = DomainSource::kLearned;
    // Use on a log scale: the organisation's main partner weighs like a trusted
    // domain, one written to a few times still counts for something.
    expected.weight =
        std::min(1.0, 0.25 + 0.75 * std::log1p(static_cast<double>(messages)) / std::log1p(most));
    learned.push_back(std::move(expected));
  }
  return learned;
}

const HistoryOptions& CorrespondentHistory::options() const { return index_->options; }

HistoryFinding CorrespondentHistory::Examine(const Address* sender, const Address& recipient,
                                             std::string_view display_name, int64_t now) const {
  const Index& index = *index_;
  HistoryFinding finding;
  std::string recipient_canonical = CanonicalAddress(recipient);
  std::string recipient_key = index.keyer.Key(recipient_canonical);
  uint64_t recipient_hash = HashString(recipient_key);
  uint64_t domain_hash = HashString(recipient.domain.ascii);
  if (!sender) {
    finding.domain_familiar =
        index.Count(&Index::org_domains, domain_hash) >= index.options.organisation_messages;
    finding.address_familiar = index.Count(&Index::org_addresses, recipient_hash) > 0;
    return finding;
  }
  std::string sender_key = index.keyer.Key(CanonicalAddress(*sender));
  uint64_t sender_hash = HashString(sender_key);

  // An exception names the address, or the domain, or a parent of the domain.
  const FrozenMap<int64_t>& exceptions = index.ExceptionMap();
  auto excepted = [&](std::string_view what) {
    const int64_t* expires = exceptions.Find(PairKey(sender_hash, HashString(what)));
    return expires && *expires > now;
  };
  if (exceptions.size() > 0) {
    finding.excepted = excepted(recipient_key);
    for (std::string_view d = recipient.domain.ascii; !finding.excepted && !d.empty();) {
      finding.excepted = excepted(d);
      size_t dot = d.find('.');
      d = dot == std::string_view::npos ? std::string_view() : d.substr(dot + 1);
    }
  }

  uint64_t sender_domain_key = PairKey(sender_hash, domain_hash);
  int64_t sender_domain = index.Count(&Index::sender_domains, sender_domain_key);
  // One message is not enough, even from this sender: a slip that went out
  // once (before history knew better) must not become a habit.
  finding.domain_familiar =
      index.Count(&Index::org_domains, domain_hash) >= index.options.organisation_messages;

  if (index.PairMessages(PairKey(sender_hash, recipient_hash)) > 0) {
    finding.address_familiar = true;
    return finding;
  }
  // Someone here writes to this exact address: a real person, not a slip,
  // however much its name or spelling resembles one of the sender's
  // correspondents (the namesake the organisation knows).
  if (index.Count(&Index::org_addresses, recipient_hash) > 0) {
    finding.address_familiar = true;
    return finding;
  }

  const int64_t frequent = index.options.frequent_messages;
  const bool clear = !index.keyer.hashed();
  const NameVariants& variants = *index.variants;
  std::string_view local = LocalPartOf(recipient_canonical);
  Suspect suspect;

  // The same local part at a sister domain the sender writes to: the person
  // is known, the domain is not theirs (tgreen1981@hotmail.com for
  // tgreen1981@hotmail.co.uk). Works in hashed mode too: the candidate
  // address is keyed and looked up.
  SenderDomain typed_domain = MakeSenderDomain(recipient.domain.ascii);
  std::vector<const SenderDomain*> sisters;
  std::vector<uint64_t> core_hashes;
  DeletionHashes(CoreOf(typed_domain), &core_hashes);
  std::sort(core_hashes.begin(), core_hashes.end());
  core_hashes.erase(std::unique(core_hashes.begin(), core_hashes.end()), core_hashes.end());
  for (uint64_t h : core_hashes) {
    index.ForEachDomainNear(h, [&](const SenderDomain& domain) {
      if (!SisterDomains(typed_domain, domain)) return;
      if (index.Count(&Index::sender_domains, PairKey(sender_hash, HashString(domain.domain))) ==
          0) {
        return;  // the organisation writes there, this sender does not
      }
      for (const SenderDomain* seen : sisters) {
        if (seen->domain == domain.domain) return;  // listed by an overlay and its base
      }
      sisters.push_back(&domain);
      if (IsServiceMailbox(local)) return;
      std::string candidate = std::string(local) + "@" + domain.domain;
      int64_t messages =
          index.PairMessages(PairKey(sender_hash, HashString(index.keyer.Key(candidate))));
      if (messages >= frequent) {
        // The usual address is the guess that was looked up, so hashed mode
        // can name it too: it comes from the recipient, not from the store.
        suspect.Offer(HistoryFinding::Unfamiliar::kOtherDomain, kRankSameLocalPart, candidate,
                      messages, 0, true);
      }
    });
  }

  // A display name the sender uses for someone else, exactly as normalised:
  // the autocomplete slip. The usual address is the one the sender writes to
  // most among those the name was given; how often the name itself came with
  // it does not matter (mail clients often send no display name).
  std::string name = NormalizeDisplayName(display_name);
  if (!name.empty()) {
    const NamedRecipient* usual = nullptr;
    int64_t usual_messages = 0;
    index.ForEachNamed(
        PairKey(sender_key, index.keyer.Key(name)), [&](const NamedRecipient& named) {
          int64_t messages = index.PairMessages(PairKey(sender_hash, named.recipient));
          if (!usual || messages > usual_messages) {
            usual = &named;
            usual_messages = messages;
          }
        });
    if (usual && usual_messages >= frequent) {
      suspect.Offer(HistoryFinding::Unfamiliar::kNameMismatch, kRankDisplayName, usual->address,
                    usual_messages);
    }
  }

  NewRecipient r;
  if (clear) {
    r.display = NameFromDisplay(display_name);
    r.local = NameFromLocalPart(local, variants);
    r.letters = RunTogetherLetters(local);
  }
  // A display name that names someone else than the correspondent says the
  // sender means another person (Jane Smith, not John): not a slip of John's.
  auto display_conflicts = [&](uint64_t correspondent) {
    if (r.display.empty()) return false;
    std::string_view person = index.PersonOf(correspondent);
    return !person.empty() && Compare(r, person, variants).display == NameAgreement::kConflict;
  };

  // A slip of a frequent correspondent's local part at this domain: one slip
  // for a short one, two for a long one (clear mode); one edit by the
  // deletion digests (hashed mode, where local parts are not kept).
  if (sender_domain > 0) {
    if (clear) {
      size_t compared = 0;
      index.ForEachCorrespondent(sender_domain_key, [&](const Index&, const Correspondent& c) {
        if (compared++ >= kMaxCompared) return;
        std::string_view usual_local = LocalPartOf(c.address);
        double budget = SlipBudget(usual_local);
        if (budget <= 0) return;
        double slips = LocalPartDistance(local, usual_local, budget);
        if (slips > budget + kEpsilon || slips <= kEpsilon) return;
        if (display_conflicts(c.recipient)) return;
        suspect.Offer(HistoryFinding::Unfamiliar::kNearCorrespondent, kRankSlip, c.address,
                      c.messages, slips);
      });
    } else {
      std::vector<uint32_t> digests = index.keyer.LocalPartDigests(local);
      if (!digests.empty()) {
        index.ForEachCorrespondent(sender_domain_key,
                                   [&](const Index& owner, const Correspondent& c) {
                                     const uint32_t* begin = owner.digests.data() + c.digests.begin;
                                     const uint32_t* end = owner.digests.data() + c.digests.end;
                                     if (SharesDigest(digests, begin, end)) {
                                       suspect.Offer(HistoryFinding::Unfamiliar::kNearCorrespondent,
                                                     kRankSlip, "", c.messages, 1.0);
                                     }
                                   });
      }
    }
  }

  // People, not strings (clear mode): correspondents found by a word of the
  // new recipient's names, or by its run-together letters, then compared name
  // against name.
  if (clear && (!r.display.empty() || !r.local.empty() || !r.letters.empty())) {
    std::vector<std::string_view> handles;
    for (const PersonName* name_of : {&r.display, &r.local}) {
      for (const std::string& word : name_of->words) {
        if (word.size() >= 3) handles.push_back(word);
      }
    }
    std::string_view letters = r.letters;
    for (size_t n = 4; n <= letters.size(); ++n) {
      handles.push_back(letters.substr(0, n));
      if (n < letters.size()) handles.push_back(letters.substr(letters.size() - n));
    }
    std::vector<const Correspondent*> seen;
    for (std::string_view handle : handles) {
      index.ForEachByHandle(PairKey(sender_hash, HashString(handle)),
                            [&](const Index&, const Correspondent& c) {
                              if (std::find(seen.begin(), seen.end(), &c) != seen.end()) return;
                              seen.push_back(&c);
                              if (c.address == recipient_canonical) return;
                              std::string_view person = index.PersonOf(c.recipient);
                              if (person.empty()) return;
                              Agreement agreement = Compare(r, person, variants);
                              std::string_view domain = DomainOf(c.address);
                              if (domain == recipient.domain.ascii) {
                                // The same name at the same domain: the wrong John Smith, or
                                // his name in another format (annapatel@ for apatel@).
                                if (agreement.display == NameAgreement::kConflict) return;
                                if (Agrees(agreement.display) || Agrees(agreement.local)) {
                                  suspect.Offer(HistoryFinding::Unfamiliar::kSameName,
                                                kRankSameName, c.address, c.messages);
                                }
                                return;
                              }
                              // The display name is the correspondent's: in full, or against
                              // the initial of a correspondent whose given name history never
                              // saw written out (a.begum@, no display name: "Begum, Amy").
                              if (Agrees(agreement.display)) {
                                suspect.Offer(HistoryFinding::Unfamiliar::kNameMismatch,
                                              kRankDisplayName, c.address, c.messages);
                                return;
                              }
                              bool sister = false;
                              for (const SenderDomain* s : sisters)
                                sister = sister || s->domain == domain;
                              if (sister && agreement.display != NameAgreement::kConflict &&
                                  (Agrees(agreement.local) || Agrees(agreement.display))) {
                                suspect.Offer(HistoryFinding::Unfamiliar::kOtherDomain,
                                              kRankSisterName, c.address, c.messages);
                              }
                            });
    }
  }

  if (suspect.unfamiliar != HistoryFinding::Unfamiliar::kNone) {
    finding.unfamiliar = suspect.unfamiliar;
    finding.usual_address = std::move(suspect.address);
    finding.usual_messages = suspect.messages;
    finding.slips = suspect.slips;
    finding.same_local_part = suspect.same_local_part;
  }
  return finding;
}

size_t CorrespondentHistory::pair_count() const { return index_->pair_count; }

size_t CorrespondentHistory::MemoryUsage() const {
  size_t total = 0;
  for (const Index* index = index_.get(); index; index = index->base.get()) {
    total += sizeof(Index) + index->pairs.MemoryUsage() + index->org_addresses.MemoryUsage() +
             index->sender_domains.MemoryUsage() + index->org_domains.MemoryUsage() +
             index->correspondents.MemoryUsage() + index->names.MemoryUsage() +
             index->exceptions.MemoryUsage() + index->domain_lists.MemoryUsage() +
             index->people.MemoryUsage() + index->handles.MemoryUsage() +
             index->correspondent_list.capacity() * sizeof(Correspondent) +
             index->digests.capacity() * sizeof(uint32_t) +
             index->name_list.capacity() * sizeof(NamedRecipient) +
             index->domain_list.capacity() * sizeof(SenderDomain) +
             index->domain_ids.capacity() * sizeof(uint32_t) +
             index->handle_ids.capacity() * sizeof(uint32_t) +
             index->person_list.capacity() * sizeof(std::string);
    for (const Correspondent& c : index->correspondent_list) total += c.address.capacity();
    for (const NamedRecipient& n : index->name_list) total += n.address.capacity();
    for (const std::string& p : index->person_list) total += p.capacity();
    for (const SenderDomain& d : index->domain_list) total += d.domain.capacity();
    for (const auto& [domain, messages] : index->domain_totals) total += domain.size() + 40;
  }
  return total;
}

}  // namespace rcptguard
