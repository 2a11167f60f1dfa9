// Building the look-alike detector: normalising the expected domains and
// filling the indexes of DetectorIndex (see detector_index.h), once, before the
// detector answers any query.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/detector_index.h"
#include "rcptguard/detector.h"

namespace rcptguard {

using detector_internal::FirstLabels;
using detector_internal::kTwoSlipMinLabel;
using detector_internal::TwoSlipSalt;
using detector_internal::WithoutDots;

std::string_view DomainSourceName(DomainSource source) {
  switch (source) {
    case DomainSource::kOwn:
      return "own";
    case DomainSource::kTrusted:
      return "trusted";
    case DomainSource::kProvider:
      return "provider";
    case DomainSource::kLearned:
      return "learned";
    case DomainSource::kKnown:
      return "known";
  }
  return "trusted";
}

Result<LookalikeDetector> LookalikeDetector::Build(const std::vector<ExpectedDomain>& expected,
                                                   std::shared_ptr<const SuffixList> suffixes,
                                                   const TypoData& typo_data,
                                                   const DetectorOptions& options) {
  auto impl = std::make_shared<DetectorIndex>();
  impl->suffixes = std::move(suffixes);
  impl->typo_data = std::make_shared<const TypoData>(typo_data);
  impl->options = options;
  auto skeletons = SkeletonMaker::Create();
  if (!skeletons) return Unexpected(skeletons.error());
  impl->skeletons = std::move(*skeletons);

  // Strongest source first, so a name listed twice keeps it. Protected known
  // domains come last, as the weakest.
  std::vector<ExpectedDomain> known_targets;
  if (options.protect_known_domains) {
    known_targets.reserve(options.known_domains.size());
    for (const std::string& known : options.known_domains) {
      known_targets.push_back(
          ExpectedDomain{known, DomainSource::kKnown, options.known_domain_weight, false});
    }
  }
  std::vector<const ExpectedDomain*> ordered;
  ordered.reserve(expected.size() + known_targets.size());
  for (const ExpectedDomain& domain : expected) ordered.push_back(&domain);
  for (const ExpectedDomain& domain : known_targets) ordered.push_back(&domain);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->source < b->source; });

  std::unordered_map<std::string, uint32_t> ids;
  ids.reserve(ordered.size());
  for (const ExpectedDomain* domain : ordered) {
    std::string_view text = domain->domain;
    bool wildcard = text.size() > 2 && text.substr(0, 2) == "*.";
    if (wildcard) text.remove_prefix(2);
    auto name = NormalizeDomain(text);
    if (!name) {
      if (domain->source == DomainSource::kKnown)
        continue;  // the shipped list is checked by a test
      return MakeError(ErrorCode::kInvalidArgument,
                       "expected domain '" + domain->domain + "': " + name.error().message);
    }
    if (!(domain->weight > 0 && domain->weight <= 1)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "expected domain '" + domain->domain + "': weight must be in (0, 1]");
    }
    // Split with the facts asked so far, remembering this name's suffix: the
    // list is asked once per suffix, not once per name and tail.
    DomainParts parts = impl->Split(name->ascii);
    impl->RememberSuffix(parts.suffix);
    if (wildcard && (parts.left.empty() || impl->suffixes->IsListedSuffix(name->ascii))) {
      impl->wildcard_suffixes.insert(name->ascii);
      continue;
    }
    auto [it, inserted] = ids.try_emplace(name->ascii, static_cast<uint32_t>(impl->entries.size()));
    if (!inserted) {
      DetectorIndex::Entry& existing = impl->entries[it->second];
      existing.weight = std::max(existing.weight, static_cast<float>(domain->weight));
      existing.include_subdomains =
          existing.include_subdomains || domain->include_subdomains || wildcard;
      continue;
    }
    DetectorIndex::Entry entry;
    entry.offset = static_cast<uint32_t>(impl->strings.size());
    entry.length = static_cast<uint8_t>(name->ascii.size() > 255 ? 255 : name->ascii.size());
    // A name that is itself a public suffix ("police.uk", "nhs.uk") is still a
    // mail domain people write to: read its first label as the label.
    size_t left_length = parts.left.size();
    if (left_length == 0) {
      size_t dot = name->ascii.find('.');
      left_length = dot == std::string::npos ? 0 : dot;
    }
    entry.left_length = static_cast<uint8_t>(std::min<size_t>(left_length, 255));
    entry.source = domain->source;
    entry.include_subdomains = domain->include_subdomains || wildcard;
    entry.weight = static_cast<float>(domain->weight);
    impl->strings.append(name->ascii);
    if (name->unicode == name->ascii) {
      entry.unicode_offset = entry.offset;
      entry.unicode_length = entry.length;
      entry.unicode_left_length = entry.left_length;
    } else {
      entry.unicode_offset = static_cast<uint32_t>(impl->strings.size());
      entry.unicode_length = static_cast<uint8_t>(std::min<size_t>(name->unicode.size(), 255));
      size_t labels = left_length == 0
                          ? 0
                          : 1 + static_cast<size_t>(std::count(
                                    name->ascii.begin(), name->ascii.begin() + left_length, '.'));
      entry.unicode_left_length =
          static_cast<uint8_t>(std::min<size_t>(FirstLabels(name->unicode, labels).size(), 255));
      impl->strings.append(name->unicode);
    }
    impl->entries.push_back(entry);
  }
  impl->strings.shrink_to_fit();
  impl->entries.shrink_to_fit();

  std::vector<std::pair<uint64_t, uint32_t>> exact_pairs, deletion_pairs, two_slip_pairs,
      skeleton_pairs, skeleton_near_pairs, dotless_pairs;
  exact_pairs.reserve(impl->entries.size());
  dotless_pairs.reserve(impl->entries.size());
  skeleton_pairs.reserve(impl->entries.size());
  deletion_pairs.reserve(impl->entries.size() * 10);
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> doubles;
  std::vector<uint64_t> label_hashes;
  std::u32string key;
  for (uint32_t id = 0; id < impl->entries.size(); ++id) {
    std::string_view name = impl->Name(id);
    std::string_view unicode = impl->UnicodeName(id);
    exact_pairs.emplace_back(HashString(name), id);
    std::string_view left = impl->UnicodeLeft(id);
    if (left.empty()) continue;  // a single label: expected, but nothing to imitate
    bool ascii = name.data() == unicode.data();
    std::u32string left_points = ascii ? std::u32string() : DecodeUtf8(left);
    if (ascii) {
      DeletionHashes(left, &hashes);
    } else {
      DeletionHashes(std::u32string_view(left_points), &hashes);
    }
    for (uint64_t hash : hashes) deletion_pairs.emplace_back(hash, id);
    dotless_pairs.emplace_back(HashString(WithoutDots(unicode)), id);
    std::string_view suffix = impl->Suffix(id);
    uint64_t salt = HashString(suffix);
    // Two slips: registrable labels of five letters or more, keyed with the
    // subdomain before them and the suffix. Not for the protected known
    // domains: two slips are weaker evidence, kept for the names this
    // organisation writes to and the providers (and the known lists would
    // make this the largest index at start-up).
    if (impl->entries[id].source != DomainSource::kKnown) {
      size_t dot = left.rfind('.');
      std::string_view label = dot == std::string_view::npos ? left : left.substr(dot + 1);
      std::string_view ascii_left = impl->Left(id);
      size_t ascii_dot = ascii_left.rfind('.');
      std::string_view subdomain = ascii_dot == std::string_view::npos
                                       ? std::string_view()
                                       : ascii_left.substr(0, ascii_dot);
      std::u32string label_points = DecodeUtf8(label);
      if (label_points.size() >= kTwoSlipMinLabel) {
        uint64_t two_salt = TwoSlipSalt(subdomain, suffix);
        DeletionHashes(std::u32string_view(label_points), &label_hashes);
        for (uint64_t hash : label_hashes) {
          two_slip_pairs.emplace_back(CombineHashes(hash, two_salt), id);
        }
        doubles.clear();
        DoubleDeletionHashes(label_points, two_salt, &doubles);
        for (uint64_t hash : doubles) two_slip_pairs.emplace_back(hash, id);
      }
    }
    impl->skeletons->Key(unicode, &key);
    skeleton_pairs.emplace_back(HashString(std::u32string_view(key)), id);
    impl->skeletons->Key(left, &key);
    DeletionHashes(std::u32string_view(key), &hashes);
    for (uint64_t hash : hashes) skeleton_near_pairs.emplace_back(CombineHashes(hash, salt), id);
    if (size_t dot = suffix.find('.'); dot != std::string_view::npos) {
      std::vector<std::string>& heads = impl->suffix_heads[std::string(suffix.substr(dot + 1))];
      std::string head(suffix.substr(0, dot));
      if (std::find(heads.begin(), heads.end(), head) == heads.end()) heads.push_back(head);
      DeletionHashes(suffix, &hashes);
      impl->multi_suffix_deletions.insert(hashes.begin(), hashes.end());
    }
  }
  for (const std::string& known : options.known_domains) {
    // A lowercase ASCII name is its own canonical form (an invalid one can
    // never equal a typed name): no need to normalise four thousand names.
    bool canonical = std::all_of(known.begin(), known.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
    if (canonical) {
      impl->known.push_back(HashString(known));
    } else if (auto name = NormalizeDomain(known)) {
      impl->known.push_back(HashString(name->ascii));
    }
  }
  std::sort(impl->known.begin(), impl->known.end());
  for (uint32_t id = 0; id < impl->entries.size(); ++id) impl->RememberSuffix(impl->Suffix(id));
  impl->typo_data->ForEachConfusion([&](const SuffixConfusion& confusion) {
    impl->RememberSuffix(confusion.intended);
    impl->RememberSuffix(confusion.typed);
  });
  impl->known.erase(std::unique(impl->known.begin(), impl->known.end()), impl->known.end());
  impl->options.known_domains.clear();  // indexed above; not kept twice
  impl->exact = HashIndex(std::move(exact_pairs));
  impl->deletions = HashIndex(std::move(deletion_pairs));
  impl->two_slips = HashIndex(std::move(two_slip_pairs), /*filter=*/true);
  impl->skeleton = HashIndex(std::move(skeleton_pairs));
  impl->skeleton_near = HashIndex(std::move(skeleton_near_pairs));
  impl->dotless = HashIndex(std::move(dotless_pairs));
  return LookalikeDetector(std::move(impl));
}

size_t LookalikeDetector::size() const { return impl_->entries.size(); }

size_t LookalikeDetector::MemoryUsage() const {
  return impl_->strings.capacity() + impl_->entries.capacity() * sizeof(DetectorIndex::Entry) +
         impl_->exact.MemoryUsage() + impl_->deletions.MemoryUsage() +
         impl_->two_slips.MemoryUsage() + impl_->skeleton.MemoryUsage() +
         impl_->skeleton_near.MemoryUsage() + impl_->dotless.MemoryUsage() +
         impl_->known.capacity() * sizeof(uint64_t);
}

}  // namespace rcptguard
