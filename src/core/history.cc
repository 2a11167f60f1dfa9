// Correspondent history in memory: canonical forms, the keyer (clear or keyed
// hashes), and the index the policy asks "does this sender write here?".
#include "rcptguard/history.h"

#include <sodium.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/hash_index.h"

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
  explicit FrozenMap(const std::unordered_map<uint64_t, V>& source) {
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
  if (!parsed) return tl::unexpected(parsed.error());
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
  uint64_t recipient = 0;  // HashString of the recipient key
  int64_t messages = 0;
  Span digests;         // into Index::digests
  std::string address;  // clear mode only
};

struct NamedRecipient {
  uint64_t recipient = 0;
  int64_t messages = 0;
  std::string address;  // clear mode only
};

}  // namespace

struct CorrespondentHistory::Index {
  HistoryKeyer keyer;
  HistoryOptions options;
  // For an overlay: the index it is layered on; counts below are then
  // adjustments (pairs: replacements) to the base's.
  std::shared_ptr<const Index> base;
  bool replaces_exceptions = false;

  FrozenMap<int64_t> pairs;           // (sender, recipient) -> messages
  FrozenMap<int64_t> org_addresses;   // recipient -> messages from anyone
  FrozenMap<int64_t> sender_domains;  // (sender, domain) -> messages
  FrozenMap<int64_t> org_domains;     // domain -> messages from anyone
  FrozenMap<Span> correspondents;     // (sender, domain) -> frequent correspondents
  std::vector<Correspondent> correspondent_list;
  std::vector<uint32_t> digests;
  FrozenMap<Span> names;  // (sender, name) -> the recipients it was used with
  std::vector<NamedRecipient> name_list;
  FrozenMap<int64_t> exceptions;  // (sender, recipient or domain) -> expires
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
};

namespace {

// Builds the index's maps from a snapshot. `base` (may be null) is the index
// an overlay sits on: aggregate counts become differences to it.
std::shared_ptr<CorrespondentHistory::Index> BuildIndex(
    const HistorySnapshot& snapshot, const HistoryKeyer& keyer, const HistoryOptions& options,
    std::shared_ptr<const CorrespondentHistory::Index> base) {
  auto index = std::make_shared<CorrespondentHistory::Index>();
  index->keyer = keyer;
  index->options = options;
  index->base = base;
  index->pair_count = snapshot.pairs.size();

  std::unordered_map<uint64_t, int64_t> pairs;
  std::unordered_map<uint64_t, int64_t> org_addresses;
  std::unordered_map<uint64_t, int64_t> sender_domains;
  std::unordered_map<uint64_t, int64_t> org_domains;
  std::unordered_map<std::string, int64_t> domain_totals;
  std::unordered_map<uint64_t, std::vector<uint32_t>> correspondent_groups;
  pairs.reserve(snapshot.pairs.size());
  org_addresses.reserve(snapshot.pairs.size());

  for (const PairRecord& pair : snapshot.pairs) {
    uint64_t sender = HashString(pair.sender);
    uint64_t recipient = HashString(pair.recipient);
    uint64_t pair_key = PairKey(sender, recipient);
    // In an overlay a pair replaces the base's count, so the aggregates move
    // by the difference.
    int64_t delta = pair.messages - (base ? base->PairMessages(pair_key) : 0);
    pairs[pair_key] = pair.messages;
    org_addresses[recipient] += delta;
    sender_domains[PairKey(sender, HashString(pair.domain))] += delta;
    org_domains[HashString(pair.domain)] += delta;
    domain_totals[pair.domain] += delta;

    if (pair.messages < options.frequent_messages) continue;
    Correspondent correspondent;
    correspondent.recipient = recipient;
    correspondent.messages = pair.messages;
    std::vector<uint32_t> digests = pair.local_digests.empty() && !keyer.hashed()
                                        ? keyer.LocalPartDigests(LocalPartOf(pair.recipient))
                                        : pair.local_digests;
    if (digests.empty()) continue;  // too short to compare
    correspondent.digests.begin = static_cast<uint32_t>(index->digests.size());
    index->digests.insert(index->digests.end(), digests.begin(), digests.end());
    correspondent.digests.end = static_cast<uint32_t>(index->digests.size());
    if (!keyer.hashed()) correspondent.address = pair.recipient;
    correspondent_groups[PairKey(sender, HashString(pair.domain))].push_back(
        static_cast<uint32_t>(index->correspondent_list.size()));
    index->correspondent_list.push_back(std::move(correspondent));
  }

  // Correspondents laid out group by group so a span names each group.
  std::vector<Correspondent> ordered;
  ordered.reserve(index->correspondent_list.size());
  std::unordered_map<uint64_t, Span> correspondent_spans;
  for (auto& [key, members] : correspondent_groups) {
    Span span{static_cast<uint32_t>(ordered.size()), 0};
    for (uint32_t member : members) ordered.push_back(std::move(index->correspondent_list[member]));
    span.end = static_cast<uint32_t>(ordered.size());
    correspondent_spans[key] = span;
  }
  index->correspondent_list = std::move(ordered);

  std::unordered_map<uint64_t, std::vector<NamedRecipient>> name_groups;
  for (const NameRecord& name : snapshot.names) {
    NamedRecipient named;
    named.recipient = HashString(name.recipient);
    named.messages = name.messages;
    if (!keyer.hashed()) named.address = name.recipient;
    name_groups[PairKey(name.sender, name.name)].push_back(std::move(named));
  }
  std::unordered_map<uint64_t, Span> name_spans;
  for (auto& [key, members] : name_groups) {
    Span span{static_cast<uint32_t>(index->name_list.size()), 0};
    for (NamedRecipient& member : members) index->name_list.push_back(std::move(member));
    span.end = static_cast<uint32_t>(index->name_list.size());
    name_spans[key] = span;
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

}  // namespace

std::shared_ptr<const CorrespondentHistory> CorrespondentHistory::Build(
    const HistorySnapshot& snapshot, const HistoryKeyer& keyer, const HistoryOptions& options) {
  return std::shared_ptr<const CorrespondentHistory>(
      new CorrespondentHistory(BuildIndex(snapshot, keyer, options, nullptr)));
}

std::shared_ptr<const CorrespondentHistory> CorrespondentHistory::Overlay(
    std::shared_ptr<const CorrespondentHistory> base, const HistorySnapshot& delta) {
  const Index& below = *base->index_;
  auto index = BuildIndex(delta, below.keyer, below.options, base->index_);
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

  // A display name the sender uses for someone else: the autocomplete slip.
  std::string name = NormalizeDisplayName(display_name);
  if (!name.empty()) {
    // The usual address is the one the sender writes to most among those the
    // name was given; how often the name itself came with it does not matter
    // (mail clients often send no display name).
    const NamedRecipient* usual = nullptr;
    int64_t usual_messages = 0;
    bool used_with_this = false;
    index.ForEachNamed(
        PairKey(sender_key, index.keyer.Key(name)), [&](const NamedRecipient& named) {
          if (named.recipient == recipient_hash) used_with_this = true;
          int64_t messages = index.PairMessages(PairKey(sender_hash, named.recipient));
          if (!usual || messages > usual_messages) {
            usual = &named;
            usual_messages = messages;
          }
        });
    if (!used_with_this && usual && usual_messages >= index.options.frequent_messages) {
      finding.unfamiliar = HistoryFinding::Unfamiliar::kNameMismatch;
      finding.usual_address = usual->address;
      finding.usual_messages = usual_messages;
      return finding;
    }
  }

  // Someone here writes to this exact address: a real person, not a slip.
  if (index.Count(&Index::org_addresses, recipient_hash) > 0) {
    finding.address_familiar = true;
    return finding;
  }

  if (sender_domain > 0) {
    std::vector<uint32_t> digests = index.keyer.LocalPartDigests(LocalPartOf(recipient_canonical));
    if (!digests.empty()) {
      const Correspondent* usual = nullptr;
      index.ForEachCorrespondent(
          sender_domain_key, [&](const Index& owner, const Correspondent& correspondent) {
            const uint32_t* begin = owner.digests.data() + correspondent.digests.begin;
            const uint32_t* end = owner.digests.data() + correspondent.digests.end;
            if (SharesDigest(digests, begin, end) &&
                (!usual || correspondent.messages > usual->messages)) {
              usual = &correspondent;
            }
          });
      if (usual) {
        finding.unfamiliar = HistoryFinding::Unfamiliar::kNearCorrespondent;
        finding.usual_address = usual->address;
        finding.usual_messages = usual->messages;
      }
    }
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
             index->exceptions.MemoryUsage() +
             index->correspondent_list.capacity() * sizeof(Correspondent) +
             index->digests.capacity() * sizeof(uint32_t) +
             index->name_list.capacity() * sizeof(NamedRecipient);
    for (const Correspondent& c : index->correspondent_list) total += c.address.capacity();
    for (const auto& [domain, messages] : index->domain_totals) total += domain.size() + 40;
  }
  return total;
}

}  // namespace rcptguard
