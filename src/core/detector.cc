// The look-alike detector: indexes over the expected domains and the noisy-channel
// scoring of each candidate they return.
#include "rcptguard/detector.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <unordered_set>

#include "core/hash_index.h"
#include "core/skeleton.h"
#include "core/typo_model.h"

namespace rcptguard {

struct DetectorIndex {
  struct Entry {
    uint32_t offset = 0;      // into strings
    uint8_t length = 0;       // of the canonical ASCII name
    uint8_t left_length = 0;  // of the part left of the public suffix
    DomainSource source = DomainSource::kTrusted;
    bool include_subdomains = true;
    float weight = 1;
  };

  std::shared_ptr<const SuffixList> suffixes;
  std::shared_ptr<const SkeletonMaker> skeletons;
  std::shared_ptr<const TypoData> typo_data;
  DetectorOptions options;

  std::string strings;  // every canonical name, back to back
  std::vector<Entry> entries;
  HashIndex exact;      // hash(name) -> id
  HashIndex deletions;  // hashes of the left part and its one-deletion variants -> id
  HashIndex skeleton;   // hash(confusable skeleton of the Unicode name) -> id
  std::unordered_set<std::string> wildcard_suffixes;  // from "*.mil"

  std::string_view Name(uint32_t id) const {
    return std::string_view(strings).substr(entries[id].offset, entries[id].length);
  }
  std::string_view Left(uint32_t id) const { return Name(id).substr(0, entries[id].left_length); }
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

namespace {

using Impl = DetectorIndex;

// A candidate under evaluation: what the typed name would be if it were a slip.
struct Candidate {
  double score = 0;
  double channel = 0;
  TypoClass typo_class = TypoClass::kSubstitution;
  uint32_t id = 0;
  std::string intended;  // canonical ASCII
  std::string explanation;
};

size_t LengthWithoutDots(std::string_view s) {
  return s.size() - static_cast<size_t>(std::count(s.begin(), s.end(), '.'));
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Returns "U+0430" for the first non-ASCII code point of a UTF-8 string.
std::string FirstNonAsciiCodePoint(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) continue;
    uint32_t cp = 0;
    int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    cp = c & (0x3f >> extra);
    for (int k = 1; k <= extra && i + k < s.size(); ++k) {
      cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    }
    char buffer[16];
    std::snprintf(buffer, sizeof(buffer), "U+%04X", cp);
    return std::string(s.substr(i, extra + 1)) + "' (" + buffer + ")";
  }
  return {};
}

class Query {
 public:
  Query(const Impl& impl, const DomainName& typed)
      : impl_(impl), typed_(typed), parts_(impl.suffixes->Split(typed.ascii)) {
    restricted_ = impl.typo_data->IsRestricted(parts_.suffix);
    listed_ = impl.suffixes->IsListedSuffix(parts_.suffix);
  }

  std::optional<LookalikeMatch> Run() {
    if (parts_.left.empty()) return std::nullopt;
    SearchLeft(parts_.left, std::string_view());
    // A slip in the registrable label under a subdomain the user kept
    // ("mail.gmial.com"): search the label alone and keep the subdomain.
    if (!parts_.subdomain.empty()) SearchLeft(parts_.label, parts_.subdomain);
    SearchSkeleton();
    SearchWildcardSuffixes();
    if (!best_ || best_->score < impl_.options.report_threshold) return std::nullopt;
    LookalikeMatch match;
    auto normalized = NormalizeDomain(best_->intended);
    match.intended = normalized ? *normalized : DomainName{best_->intended, best_->intended};
    match.typo_class = best_->typo_class;
    match.score = best_->score;
    match.source = impl_.entries.empty() || best_->id == kWildcardId
                       ? DomainSource::kTrusted
                       : impl_.entries[best_->id].source;
    match.explanation = std::move(best_->explanation);
    return match;
  }

 private:
  static constexpr uint32_t kWildcardId = 0xffffffff;

  void Offer(Candidate candidate) {
    if (!best_ || candidate.score > best_->score ||
        (candidate.score == best_->score && candidate.channel > best_->channel)) {
      best_ = std::move(candidate);
    }
  }

  // Candidates whose left part is within one deletion of `left` on either side.
  void SearchLeft(std::string_view left, std::string_view kept_subdomain) {
    DeletionHashes(left, &hashes_);
    seen_.clear();
    for (uint64_t hash : hashes_) {
      impl_.deletions.ForEach(hash, [&](uint32_t id) {
        if (std::find(seen_.begin(), seen_.end(), id) != seen_.end()) return;
        seen_.push_back(id);
        Evaluate(id, left, kept_subdomain);
      });
    }
  }

  void Evaluate(uint32_t id, std::string_view left, std::string_view kept_subdomain) {
    const DetectorIndex::Entry& entry = impl_.entries[id];
    if (!kept_subdomain.empty() && !entry.include_subdomains) return;
    std::string_view expected_left = impl_.Left(id);
    std::string_view expected_suffix = impl_.Suffix(id);
    std::optional<Edit> label_edit;
    if (left != expected_left) {
      label_edit = ClassifyEdit(left, expected_left);
      if (!label_edit) return;
    }
    std::optional<Edit> suffix_edit;
    if (parts_.suffix != expected_suffix) {
      suffix_edit = ClassifySuffixChange(parts_.suffix, expected_suffix, *impl_.typo_data);
      if (!suffix_edit) return;
    }
    if (!label_edit && !suffix_edit) return;  // the same name: expected, not a slip

    Candidate candidate;
    candidate.id = id;
    candidate.channel = entry.weight * (label_edit ? label_edit->probability : 1.0) *
                        (suffix_edit ? suffix_edit->probability : 1.0);
    std::string_view label_for_prior =
        kept_subdomain.empty() ? std::string_view(left) : parts_.label;
    double prior = IntendedPrior(label_for_prior.substr(0, LengthWithoutDots(label_for_prior)),
                                 !label_edit, restricted_, listed_);
    candidate.score = Posterior(candidate.channel, prior);
    if (best_ && candidate.score < best_->score) return;
    if (label_edit && suffix_edit) {
      candidate.typo_class = TypoClass::kCombined;
      candidate.explanation = ExplainEdit(*label_edit, left, expected_left) + ", and " +
                              ExplainEdit(*suffix_edit, parts_.suffix, expected_suffix);
    } else if (label_edit) {
      candidate.typo_class = label_edit->typo_class;
      candidate.explanation = ExplainEdit(*label_edit, left, expected_left);
    } else {
      candidate.typo_class = suffix_edit->typo_class;
      candidate.explanation = ExplainEdit(*suffix_edit, parts_.suffix, expected_suffix);
    }
    candidate.intended = kept_subdomain.empty()
                             ? std::string(impl_.Name(id))
                             : std::string(kept_subdomain) + "." + std::string(impl_.Name(id));
    Offer(std::move(candidate));
  }

  void SearchSkeleton() {
    std::string typed_skeleton;
    impl_.skeletons->Skeleton(typed_.unicode, &typed_skeleton);
    bool non_ascii = !IsAscii(typed_.unicode);
    impl_.skeleton.ForEach(HashString(typed_skeleton), [&](uint32_t id) {
      std::string_view name = impl_.Name(id);
      auto expected = NormalizeDomain(name);
      if (!expected) return;
      std::string expected_skeleton;
      impl_.skeletons->Skeleton(expected->unicode, &expected_skeleton);
      if (expected_skeleton != typed_skeleton || expected->ascii == typed_.ascii) return;
      Candidate candidate;
      candidate.id = id;
      candidate.channel = impl_.entries[id].weight * HomoglyphProbability(non_ascii);
      double prior = IntendedPrior(parts_.label, false, restricted_, listed_);
      // A name mixing look-alike letters from another script with the letters
      // of an expected name is built to deceive; nobody means it by accident.
      if (non_ascii) prior *= 0.01;
      candidate.score = Posterior(candidate.channel, prior);
      candidate.typo_class = TypoClass::kHomoglyph;
      candidate.intended = std::string(name);
      candidate.explanation = non_ascii ? "look-alike characters from another alphabet, such as '" +
                                              FirstNonAsciiCodePoint(typed_.unicode)
                                        : "letters that look like those of " + expected->unicode;
      Offer(std::move(candidate));
    });
  }

  // Trusting "*.mil" protects every name under it against the table's known
  // confusions: "anything.ml" was probably meant to be "anything.mil".
  void SearchWildcardSuffixes() {
    if (impl_.wildcard_suffixes.empty()) return;
    impl_.typo_data->ForEachTyped(parts_.suffix, [&](const SuffixConfusion& confusion) {
      if (impl_.wildcard_suffixes.count(confusion.intended) == 0) return;
      Candidate candidate;
      candidate.id = kWildcardId;
      candidate.channel = confusion.probability;
      double prior = IntendedPrior(parts_.label, true, restricted_, listed_);
      candidate.score = Posterior(candidate.channel, prior);
      candidate.typo_class = confusion.typo_class;
      candidate.intended = std::string(parts_.left) + "." + confusion.intended;
      candidate.explanation =
          "the ending ." + confusion.intended + " typed as ." + std::string(parts_.suffix);
      Offer(std::move(candidate));
    });
  }

  const Impl& impl_;
  const DomainName& typed_;
  DomainParts parts_;
  bool restricted_ = false;
  bool listed_ = true;
  std::optional<Candidate> best_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> seen_;
};

}  // namespace

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
  }
  return "trusted";
}

Result<LookalikeDetector> LookalikeDetector::Build(const std::vector<ExpectedDomain>& expected,
                                                   std::shared_ptr<const SuffixList> suffixes,
                                                   const TypoData& typo_data,
                                                   DetectorOptions options) {
  auto impl = std::make_shared<DetectorIndex>();
  impl->suffixes = std::move(suffixes);
  impl->typo_data = std::make_shared<const TypoData>(typo_data);
  impl->options = options;
  auto skeletons = SkeletonMaker::Create();
  if (!skeletons) return tl::unexpected(skeletons.error());
  impl->skeletons = std::move(*skeletons);

  // Strongest source first, so a name listed twice keeps it.
  std::vector<const ExpectedDomain*> ordered;
  ordered.reserve(expected.size());
  for (const ExpectedDomain& domain : expected) ordered.push_back(&domain);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto* a, const auto* b) { return a->source < b->source; });

  std::unordered_map<std::string, uint32_t> ids;
  ids.reserve(expected.size());
  for (const ExpectedDomain* domain : ordered) {
    std::string_view text = domain->domain;
    bool wildcard = text.size() > 2 && text.substr(0, 2) == "*.";
    if (wildcard) text.remove_prefix(2);
    auto name = NormalizeDomain(text);
    if (!name) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "expected domain '" + domain->domain + "': " + name.error().message);
    }
    if (!(domain->weight > 0 && domain->weight <= 1)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "expected domain '" + domain->domain + "': weight must be in (0, 1]");
    }
    DomainParts parts = impl->suffixes->Split(name->ascii);
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
    entry.left_length = static_cast<uint8_t>(parts.left.size());
    entry.source = domain->source;
    entry.include_subdomains = domain->include_subdomains || wildcard;
    entry.weight = static_cast<float>(domain->weight);
    impl->strings.append(name->ascii);
    impl->entries.push_back(entry);
  }
  impl->strings.shrink_to_fit();
  impl->entries.shrink_to_fit();

  std::vector<std::pair<uint64_t, uint32_t>> exact_pairs;
  std::vector<std::pair<uint64_t, uint32_t>> deletion_pairs;
  std::vector<std::pair<uint64_t, uint32_t>> skeleton_pairs;
  exact_pairs.reserve(impl->entries.size());
  skeleton_pairs.reserve(impl->entries.size());
  deletion_pairs.reserve(impl->entries.size() * 10);
  std::vector<uint64_t> hashes;
  std::string skeleton;
  for (uint32_t id = 0; id < impl->entries.size(); ++id) {
    std::string_view name = impl->Name(id);
    exact_pairs.emplace_back(HashString(name), id);
    std::string_view left = impl->Left(id);
    if (left.empty()) continue;  // a bare public suffix: expected, but no label to imitate
    DeletionHashes(left, &hashes);
    for (uint64_t hash : hashes) deletion_pairs.emplace_back(hash, id);
    if (name.find("xn--") == std::string_view::npos) {
      impl->skeletons->Skeleton(name, &skeleton);
    } else {
      auto normalized = NormalizeDomain(name);
      impl->skeletons->Skeleton(normalized ? normalized->unicode : std::string(name), &skeleton);
    }
    skeleton_pairs.emplace_back(HashString(skeleton), id);
  }
  impl->exact = HashIndex(std::move(exact_pairs));
  impl->deletions = HashIndex(std::move(deletion_pairs));
  impl->skeleton = HashIndex(std::move(skeleton_pairs));
  return LookalikeDetector(std::move(impl));
}

bool LookalikeDetector::IsExpected(const DomainName& domain) const {
  std::string_view name = domain.ascii;
  bool whole = true;
  while (!name.empty()) {
    if (auto id = impl_->Find(name)) {
      if (whole || impl_->entries[*id].include_subdomains) return true;
    }
    if (!whole && impl_->wildcard_suffixes.count(std::string(name)) != 0) return true;
    size_t dot = name.find('.');
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
    whole = false;
  }
  return false;
}

std::optional<LookalikeMatch> LookalikeDetector::Check(const DomainName& typed) const {
  if (typed.ascii.empty() || typed.ascii.front() == '[' || IsExpected(typed)) return std::nullopt;
  return Query(*impl_, typed).Run();
}

size_t LookalikeDetector::size() const { return impl_->entries.size(); }

size_t LookalikeDetector::MemoryUsage() const {
  return impl_->strings.capacity() + impl_->entries.capacity() * sizeof(DetectorIndex::Entry) +
         impl_->exact.MemoryUsage() + impl_->deletions.MemoryUsage() +
         impl_->skeleton.MemoryUsage();
}

}  // namespace rcptguard
