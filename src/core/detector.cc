// The look-alike detector: indexes over the expected domains and the noisy-channel
// scoring of each candidate they return.
#include "rcptguard/detector.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "core/hash_index.h"
#include "core/skeleton.h"
#include "core/typo_model.h"

namespace rcptguard {

// Lets unordered containers of strings be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

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

// A candidate under evaluation: what the typed name would be if it were a slip,
// and what the prior of the typed name being meant depends on.
struct Candidate {
  double channel = 0;  // weight(expected) * P(typed | expected)
  double score = 0;    // posterior, filled in once every candidate is known
  TypoClass typo_class = TypoClass::kSubstitution;
  uint32_t id = 0;
  // Prior inputs: the length of the typed label it is judged by, its suffix,
  // whether only the suffix differs, and whether the typed name's own standing
  // (known) counts.
  size_t prior_label_length = 0;
  bool restricted = false;
  bool listed = true;
  bool same_label = false;
  bool known_applies = true;
  double prior_scale = 1.0;
  // What is reported. Edit candidates, by far the most numerous, fill these in
  // only if they win (Describe): the views below say how.
  std::string intended;  // canonical ASCII
  std::string explanation;
  std::optional<Edit> label_edit;
  std::optional<Edit> suffix_edit;
  std::string_view left, expected_left, suffix, expected_suffix, kept_subdomain;
};

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Describes the first non-ASCII character of a UTF-8 string for a message:
// "а' (U+0430)" (the caller supplies the opening quote).
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

// One way of reading a typed name: what the sender typed left of the suffix, and
// the suffix. The Public Suffix List gives the first; a slip inside a
// multi-label suffix ("gov.ukk") needs another.
struct TypedSplit {
  std::string_view left;
  std::string_view label;  // the registrable label (last label of left)
  std::string_view suffix;
  bool restricted = false;
  bool listed = true;
};

class Query {
 public:
  Query(const Impl& impl, const DomainName& typed) : impl_(impl), typed_(typed) {
    parts_ = impl.Split(typed.ascii);
    // A typed name that is itself a public suffix ("cty.sapporo.jp" under
    // *.sapporo.jp) is read like an expected one: its first label is the label.
    if (parts_.left.empty()) {
      size_t dot = typed.ascii.find('.');
      if (dot != std::string::npos) {
        parts_.left = parts_.label = std::string_view(typed.ascii).substr(0, dot);
        parts_.suffix = std::string_view(typed.ascii).substr(dot + 1);
      }
    }
    known_name_ = impl.IsKnownName(typed.ascii);
    known_registrable_ = impl.IsKnownRegistrable(typed.ascii, parts_);
  }

  std::optional<LookalikeMatch> Run() {
    if (parts_.left.empty()) return std::nullopt;
    TypedSplit split = MakeSplit(parts_.left, parts_.suffix);
    SearchLeft(split, split.left, std::string_view());
    // A slip in the registrable label under a subdomain the user kept
    // ("mail.gmial.com"): search the label alone and keep the subdomain.
    if (!parts_.subdomain.empty()) SearchLeft(split, split.label, parts_.subdomain);
    SearchResplit();
    SearchMergedSuffix(split);
    SearchSkeleton(split);
    SearchWildcardSuffixes(split);
    Score();
    // The best candidate whose intended name is itself a valid domain: one
    // built by editing the typed name can be too long or an invalid IDN.
    for (Candidate& best : candidates_) {
      if (best.score < impl_.options.report_threshold) break;
      Describe(best);
      auto intended = NormalizeDomain(best.intended);
      if (!intended) continue;
      LookalikeMatch match;
      match.intended = std::move(*intended);
      match.typo_class = best.typo_class;
      match.score = best.score;
      match.source =
          best.id == kWildcardId ? DomainSource::kTrusted : impl_.entries[best.id].source;
      match.explanation = std::move(best.explanation);
      return match;
    }
    return std::nullopt;
  }

 private:
  static constexpr uint32_t kWildcardId = 0xffffffff;

  TypedSplit MakeSplit(std::string_view left, std::string_view suffix) const {
    TypedSplit split;
    split.left = left;
    size_t dot = left.rfind('.');
    split.label = dot == std::string_view::npos ? left : left.substr(dot + 1);
    split.suffix = suffix;
    split.restricted = impl_.typo_data->IsRestricted(suffix);
    split.listed = impl_.IsListedSuffix(suffix);
    return split;
  }

  // A candidate judged by the typed name's prior under `split`, with `label`.
  Candidate NewCandidate(uint32_t id, double channel, const TypedSplit& split,
                         std::string_view label) const {
    Candidate candidate;
    candidate.id = id;
    candidate.channel = channel;
    candidate.prior_label_length =
        label.size() - static_cast<size_t>(std::count(label.begin(), label.end(), '.'));
    candidate.restricted = split.restricted;
    candidate.listed = split.listed;
    return candidate;
  }

  // Fills in every candidate's posterior and sorts them, best first. The prior
  // that the typed name is meant belongs to the name, not to a candidate: if
  // any expected domain has its very label, that holds for all.
  void Score() {
    bool same_label = std::any_of(candidates_.begin(), candidates_.end(),
                                  [](const Candidate& c) { return c.same_label; });
    for (Candidate& candidate : candidates_) {
      double prior = IntendedPrior(candidate.prior_label_length, same_label, candidate.restricted,
                                   candidate.listed) *
                     candidate.prior_scale;
      if (candidate.known_applies && (known_name_ || known_registrable_)) {
        prior = std::max(prior, KnownDomainPrior() * candidate.prior_scale);
      }
      candidate.score = Posterior(candidate.channel, prior);
    }
    std::stable_sort(candidates_.begin(), candidates_.end(),
                     [](const Candidate& a, const Candidate& b) {
                       return a.score != b.score ? a.score > b.score : a.channel > b.channel;
                     });
  }

  // Fills in the intended name and the explanation of an edit candidate.
  void Describe(Candidate& candidate) const {
    if (!candidate.intended.empty()) return;
    const auto& label_edit = candidate.label_edit;
    const auto& suffix_edit = candidate.suffix_edit;
    if (label_edit && suffix_edit) {
      candidate.explanation =
          ExplainEdit(*label_edit, candidate.left, candidate.expected_left) + ", and " +
          ExplainEdit(*suffix_edit, candidate.suffix, candidate.expected_suffix);
    } else if (label_edit) {
      candidate.explanation = ExplainEdit(*label_edit, candidate.left, candidate.expected_left);
    } else if (suffix_edit) {
      candidate.explanation =
          ExplainEdit(*suffix_edit, candidate.suffix, candidate.expected_suffix);
    }
    if (!candidate.kept_subdomain.empty()) {
      candidate.intended.assign(candidate.kept_subdomain);
      candidate.intended.push_back('.');
    }
    candidate.intended.append(impl_.Name(candidate.id));
  }

  // Candidates whose left part is within one deletion of `left` on either side.
  void SearchLeft(const TypedSplit& split, std::string_view left, std::string_view kept_subdomain) {
    DeletionHashes(left, &hashes_);
    seen_.clear();
    for (uint64_t hash : hashes_) {
      impl_.deletions.ForEach(hash, [&](uint32_t id) {
        if (std::find(seen_.begin(), seen_.end(), id) != seen_.end()) return;
        seen_.push_back(id);
        Evaluate(split, id, left, kept_subdomain);
      });
    }
  }

  void Evaluate(const TypedSplit& split, uint32_t id, std::string_view left,
                std::string_view kept_subdomain) {
    const Impl::Entry& entry = impl_.entries[id];
    if (!kept_subdomain.empty() && !entry.include_subdomains) return;
    std::string_view expected_left = impl_.Left(id);
    std::string_view expected_suffix = impl_.Suffix(id);
    std::optional<Edit> label_edit;
    if (left != expected_left) {
      label_edit = ClassifyEdit(left, expected_left);
      if (!label_edit) return;
    }
    std::optional<Edit> suffix_edit;
    if (split.suffix != expected_suffix) {
      suffix_edit = ClassifySuffixChange(split.suffix, expected_suffix, *impl_.typo_data);
      if (!suffix_edit) return;
    }
    if (!label_edit && !suffix_edit) return;  // the same name: expected, not a slip

    double channel = entry.weight * (label_edit ? label_edit->probability : 1.0) *
                     (suffix_edit ? suffix_edit->probability : 1.0);
    Candidate candidate =
        NewCandidate(id, channel, split, kept_subdomain.empty() ? left : split.label);
    candidate.same_label = !label_edit && kept_subdomain.empty();
    // The typed name's standing counts when it is the name the slip is in. A dot
    // added inside a label ("hot.mail.com") makes a host under a known domain,
    // which says nothing for the host; a slip under a kept subdomain
    // ("dot.ca.gov") is judged by its registrable domain.
    candidate.known_applies = known_name_ || (!kept_subdomain.empty() && known_registrable_) ||
                              (label_edit && label_edit->typo_class != TypoClass::kDotInsertion &&
                               parts_.subdomain.empty());
    candidate.typo_class = label_edit && suffix_edit ? TypoClass::kCombined
                           : label_edit              ? label_edit->typo_class
                                                     : suffix_edit->typo_class;
    candidate.label_edit = label_edit;
    candidate.suffix_edit = suffix_edit;
    candidate.left = left;
    candidate.expected_left = expected_left;
    candidate.suffix = split.suffix;
    candidate.expected_suffix = expected_suffix;
    candidate.kept_subdomain = kept_subdomain;
    candidates_.push_back(std::move(candidate));
  }

  // A slip inside a multi-label suffix can change how the Public Suffix List
  // splits the name ("afp.gov.auu" has suffix "auu"): read the last two or
  // three labels as the suffix when they are one edit from an expected suffix.
  void SearchResplit() {
    if (impl_.multi_suffix_deletions.empty()) return;
    std::string_view name = typed_.ascii;
    size_t cut = name.size();
    for (int labels = 1; labels <= 3; ++labels) {
      cut = name.rfind('.', cut - 1);
      if (cut == std::string_view::npos || cut == 0) return;
      std::string_view suffix = name.substr(cut + 1);
      if (labels == 1 || suffix.size() <= parts_.suffix.size()) continue;
      DeletionHashes(suffix, &suffix_hashes_);
      bool near = std::any_of(suffix_hashes_.begin(), suffix_hashes_.end(), [&](uint64_t h) {
        return impl_.multi_suffix_deletions.count(h) != 0;
      });
      if (!near) continue;
      TypedSplit split = MakeSplit(name.substr(0, cut), suffix);
      SearchLeft(split, split.left, std::string_view());
    }
  }

  // "hmrcgov.uk" for "hmrc.gov.uk": the dot before a multi-label suffix left out.
  void SearchMergedSuffix(const TypedSplit& split) {
    auto heads = impl_.suffix_heads.find(std::string(split.suffix));
    if (heads == impl_.suffix_heads.end()) return;
    for (const std::string& head : heads->second) {
      std::string_view left = split.left;
      if (left.size() <= head.size() || left.substr(left.size() - head.size()) != head) continue;
      std::string name(left.substr(0, left.size() - head.size()));
      if (name.back() == '.') continue;
      name += "." + head + "." + std::string(split.suffix);
      auto id = impl_.Find(name);
      if (!id) continue;
      Candidate candidate = NewCandidate(*id, impl_.entries[*id].weight * DotOmissionProbability(),
                                         split, split.label);
      candidate.typo_class = TypoClass::kDotOmission;
      candidate.intended = std::move(name);
      candidate.explanation =
          "the dot before ." + head + "." + std::string(split.suffix) + " left out";
      candidates_.push_back(std::move(candidate));
    }
  }

  void SearchSkeleton(const TypedSplit& split) {
    std::string typed_skeleton;
    std::string typed_strict;
    impl_.skeletons->Skeleton(typed_.unicode, &typed_skeleton);
    bool non_ascii = !IsAscii(typed_.unicode);
    impl_.skeleton.ForEach(HashString(typed_skeleton), [&](uint32_t id) {
      std::string_view name = impl_.Name(id);
      auto expected = NormalizeDomain(name);
      if (!expected) return;
      std::string expected_skeleton;
      impl_.skeletons->Skeleton(expected->unicode, &expected_skeleton);
      if (expected_skeleton != typed_skeleton || expected->ascii == typed_.ascii) return;
      // Two expected names can share a folded skeleton ("dia.mil", "dla.mil");
      // the one that also matches without the ASCII folds is the closer.
      if (typed_strict.empty()) impl_.skeletons->StrictSkeleton(typed_.unicode, &typed_strict);
      std::string expected_strict;
      impl_.skeletons->StrictSkeleton(expected->unicode, &expected_strict);
      double closeness = expected_strict == typed_strict ? 2.0 : 1.0;
      Candidate candidate =
          NewCandidate(id, impl_.entries[id].weight * HomoglyphProbability(non_ascii) * closeness,
                       split, split.label);
      // A name mixing look-alike letters from another script with the letters
      // of an expected name is built to deceive; nobody means it by accident.
      if (non_ascii) candidate.prior_scale = 0.01;
      candidate.typo_class = TypoClass::kHomoglyph;
      candidate.intended = std::string(name);
      candidate.explanation = non_ascii ? "look-alike characters from another alphabet, such as '" +
                                              FirstNonAsciiCodePoint(typed_.unicode)
                                        : "letters that look like those of " + expected->unicode;
      candidates_.push_back(std::move(candidate));
    });
  }

  // Trusting "*.mil" protects every name under it against the table's known
  // confusions: "anything.ml" was probably meant to be "anything.mil".
  void SearchWildcardSuffixes(const TypedSplit& split) {
    if (impl_.wildcard_suffixes.empty()) return;
    impl_.typo_data->ForEachTyped(split.suffix, [&](const SuffixConfusion& confusion) {
      if (impl_.wildcard_suffixes.count(confusion.intended) == 0) return;
      Candidate candidate = NewCandidate(kWildcardId, confusion.probability, split, split.label);
      candidate.same_label = true;
      candidate.typo_class = confusion.typo_class;
      candidate.intended = std::string(split.left) + "." + confusion.intended;
      candidate.explanation =
          "the ending ." + confusion.intended + " typed as ." + std::string(split.suffix);
      candidates_.push_back(std::move(candidate));
    });
  }

  const Impl& impl_;
  const DomainName& typed_;
  DomainParts parts_;
  bool known_name_ = false;         // the typed name is a known domain
  bool known_registrable_ = false;  // its registrable domain is (it has a subdomain)
  std::vector<Candidate> candidates_;
  std::vector<uint64_t> hashes_;
  std::vector<uint64_t> suffix_hashes_;
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
                                                   const DetectorOptions& options) {
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
    if (left.empty()) continue;  // a single label: expected, but nothing to imitate
    DeletionHashes(left, &hashes);
    for (uint64_t hash : hashes) deletion_pairs.emplace_back(hash, id);
    if (name.find("xn--") == std::string_view::npos) {
      impl->skeletons->Skeleton(name, &skeleton);
    } else {
      auto normalized = NormalizeDomain(name);
      impl->skeletons->Skeleton(normalized ? normalized->unicode : std::string(name), &skeleton);
    }
    skeleton_pairs.emplace_back(HashString(skeleton), id);
    std::string_view suffix = impl->Suffix(id);
    if (size_t dot = suffix.find('.'); dot != std::string_view::npos) {
      std::vector<std::string>& heads = impl->suffix_heads[std::string(suffix.substr(dot + 1))];
      std::string head(suffix.substr(0, dot));
      if (std::find(heads.begin(), heads.end(), head) == heads.end()) heads.push_back(head);
      DeletionHashes(suffix, &hashes);
      impl->multi_suffix_deletions.insert(hashes.begin(), hashes.end());
    }
  }
  for (const std::string& known : options.known_domains) {
    if (auto name = NormalizeDomain(known)) impl->known.push_back(HashString(name->ascii));
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

bool LookalikeDetector::IsKnown(const DomainName& domain) const {
  return impl_->IsKnownName(domain.ascii) ||
         impl_->IsKnownRegistrable(domain.ascii, impl_->Split(domain.ascii));
}

size_t LookalikeDetector::size() const { return impl_->entries.size(); }

size_t LookalikeDetector::MemoryUsage() const {
  return impl_->strings.capacity() + impl_->entries.capacity() * sizeof(DetectorIndex::Entry) +
         impl_->exact.MemoryUsage() + impl_->deletions.MemoryUsage() +
         impl_->skeleton.MemoryUsage() + impl_->known.capacity() * sizeof(uint64_t);
}

}  // namespace rcptguard
