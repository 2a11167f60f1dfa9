// The look-alike detector's built indexes (DetectorIndex) and the keys they are
// built and searched with. Internal to src/core: detector_build.cc fills them,
// detector.cc and detector_suffix_search.cc search them (detector_query.h).
#ifndef RCPTGUARD_CORE_DETECTOR_INDEX_H_
#define RCPTGUARD_CORE_DETECTOR_INDEX_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/code_points.h"
#include "core/hash_index.h"
#include "core/skeleton.h"
#include "core/typo_model.h"
#include "rcptguard/detector.h"

namespace rcptguard {

// Lets unordered containers of strings be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct DetectorIndex {
  struct Entry {
    uint32_t offset = 0;          // into strings: the canonical ASCII name
    uint32_t unicode_offset = 0;  // into strings: the Unicode name (the same for ASCII)
    uint8_t length = 0;           // of the canonical ASCII name
    uint8_t left_length = 0;      // of the part left of the public suffix
    uint8_t unicode_length = 0;
    uint8_t unicode_left_length = 0;
    DomainSource source = DomainSource::kTrusted;
    bool include_subdomains = true;
    float weight = 1;
  };

  std::shared_ptr<const SuffixList> suffixes;
  std::shared_ptr<const SkeletonMaker> skeletons;
  std::shared_ptr<const TypoData> typo_data;
  DetectorOptions options;

  std::string strings;  // every name, back to back
  std::vector<Entry> entries;
  HashIndex exact;          // hash(name) -> id
  HashIndex deletions;      // hashes of the Unicode left part and its one-deletion variants -> id
  HashIndex two_slips;      // registrable label minus two letters, with the suffix -> id
  HashIndex skeleton;       // hash(confusable key of the Unicode name) -> id
  HashIndex skeleton_near;  // key of the left part and its one-deletion variants, with suffix
  HashIndex dotless;        // hash(Unicode name without its dots) -> id
  std::unordered_set<std::string> wildcard_suffixes;  // from "*.mil"
  // Multi-label suffixes of expected names ("gov.uk"), keyed by everything after
  // their first label ("uk" -> {"gov"}): finds "hmrcgov.uk" for "hmrc.gov.uk".
  std::unordered_map<std::string, std::vector<std::string>> suffix_heads;
  // Deletion hashes of those suffixes: a typed suffix one edit from one of them
  // ("gov.ukk", "com.uk") is worth re-splitting the typed name for.
  std::unordered_set<uint64_t> multi_suffix_deletions;
  std::vector<uint64_t> known;  // sorted HashString of known domains
  // The list's answers for the suffixes of expected names and of the typo
  // table, and every tail of them: asked of libpsl once here, not on every
  // query. Unknown tails are asked of libpsl.
  struct SuffixFacts {
    bool is_public = false;  // SuffixList::IsPublicSuffix
    bool icann = false;      // SuffixList::IsIcannSuffix
    bool listed = false;     // SuffixList::IsListedSuffix
  };
  std::unordered_map<std::string, SuffixFacts, StringHash, std::equal_to<>> suffix_facts;

  void RememberSuffix(std::string_view suffix) {
    while (!suffix.empty() && suffix_facts.find(suffix) == suffix_facts.end()) {
      suffix_facts.emplace(std::string(suffix), SuffixFacts{suffixes->IsPublicSuffix(suffix),
                                                            suffixes->IsIcannSuffix(suffix),
                                                            suffixes->IsListedSuffix(suffix)});
      size_t dot = suffix.find('.');
      suffix = dot == std::string_view::npos ? std::string_view() : suffix.substr(dot + 1);
    }
  }
  bool IsPublicSuffix(std::string_view tail) const {
    auto it = suffix_facts.find(tail);
    return it != suffix_facts.end() ? it->second.is_public : suffixes->IsPublicSuffix(tail);
  }
  bool IsIcannSuffix(std::string_view tail) const {
    auto it = suffix_facts.find(tail);
    return it != suffix_facts.end() ? it->second.icann : suffixes->IsIcannSuffix(tail);
  }
  bool IsListedSuffix(std::string_view suffix) const {
    auto it = suffix_facts.find(suffix);
    return it != suffix_facts.end() ? it->second.listed : suffixes->IsListedSuffix(suffix);
  }
  DomainParts Split(std::string_view name) const { return SuffixList::SplitWith(name, *this); }

  bool IsKnownName(std::string_view name) const {
    return std::binary_search(known.begin(), known.end(), HashString(name));
  }
  // Returns true iff `name` has a subdomain and its registrable domain is known.
  bool IsKnownRegistrable(std::string_view name, const DomainParts& parts) const {
    return !parts.subdomain.empty() && IsKnownName(name.substr(parts.subdomain.size() + 1));
  }

  std::string_view Name(uint32_t id) const {
    return std::string_view(strings).substr(entries[id].offset, entries[id].length);
  }
  std::string_view UnicodeName(uint32_t id) const {
    return std::string_view(strings).substr(entries[id].unicode_offset, entries[id].unicode_length);
  }
  std::string_view Left(uint32_t id) const { return Name(id).substr(0, entries[id].left_length); }
  std::string_view UnicodeLeft(uint32_t id) const {
    return UnicodeName(id).substr(0, entries[id].unicode_left_length);
  }
  std::string_view Suffix(uint32_t id) const {
    std::string_view name = Name(id);
    size_t left = entries[id].left_length;
    return left == 0 ? name : name.substr(left + 1);
  }

  // Returns the id of the expected entry named exactly `name`, if any.
  std::optional<uint32_t> Find(std::string_view name) const {
    std::optional<uint32_t> found;
    exact.ForEach(HashString(name), [&](uint32_t id) {
      if (Name(id) == name) found = id;
    });
    return found;
  }
};

namespace detector_internal {

// A label needs this many letters before two slips in it are worth reading as
// a typo: in shorter ones two slips are much of the name, and real names are
// as close (issue 2's analysis of two- to four-letter labels).
constexpr size_t kTwoSlipMinLabel = 5;
// The longest typed label whose pairs of letters are all looked up (see
// SearchTwoSlips): the look-ups grow with the square of the length.
constexpr size_t kTwoSlipMaxPairsLabel = 63;

inline size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// The first `labels` labels of a dotted name.
inline std::string_view FirstLabels(std::string_view name, size_t labels) {
  size_t at = 0;
  for (size_t i = 0; i < labels; ++i) {
    size_t dot = name.find('.', at);
    if (dot == std::string_view::npos) return name;
    at = dot + 1;
  }
  return at == 0 ? std::string_view() : name.substr(0, at - 1);
}

// What a two-slip key is salted with: the subdomain kept before the label and
// the suffix after it, both as typed (canonical ASCII).
inline uint64_t TwoSlipSalt(std::string_view subdomain, std::string_view suffix) {
  return CombineHashes(HashString(subdomain), HashString(suffix));
}

// The hash the one-deletion index keeps for a left part: over code points, which
// for ASCII is the hash of the bytes.
inline uint64_t HashText(std::string_view utf8) {
  return IsAsciiText(utf8) ? HashString(utf8) : HashString(std::u32string_view(DecodeUtf8(utf8)));
}

inline std::string WithoutDots(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c != '.') out.push_back(c);
  }
  return out;
}

}  // namespace detector_internal
}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_DETECTOR_INDEX_H_
