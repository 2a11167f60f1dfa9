// The look-alike detector: indexes over the expected domains and the noisy-channel
// scoring of each candidate they return.
//
// Names are compared in their Unicode form (U-labels), edits counted on code
// points, so that "münchn.de" is one letter from "münchen.de" and a reason
// quotes what the sender typed. Candidates come from six indexes, none of which
// is scanned whole: one-deletion neighbourhoods of the part left of the suffix
// (SymSpell), two-deletion neighbourhoods of registrable labels of five letters
// or more (two slips), confusable keys (UTS #39 skeletons with diacritics
// folded) exactly and within one deletion, names with their dots removed (a dot
// moved, added or dropped), and exact names.
//
// This file holds the scoring and the searches by edits of the letters;
// detector_suffix_search.cc the searches by dots and suffixes, and
// detector_build.cc the building of the indexes.
#include "rcptguard/detector.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>

#include "core/detector_query.h"

namespace rcptguard {
namespace detector_internal {

std::optional<LookalikeMatch> Query::Run() {
  if (parts_.left.empty()) return std::nullopt;
  TypedSplit split = MakeSplit(parts_.left, parts_.suffix);
  SearchLeft(split, split.left, std::string_view());
  // A slip in the registrable label under a subdomain the user kept
  // ("mail.gmial.com"): search the label alone and keep the subdomain.
  if (!parts_.subdomain.empty()) {
    SearchLeft(split, split.label, FirstLabels(typed_.unicode, CountLabels(parts_.subdomain)));
  }
  SearchResplit();
  SearchMergedSuffix(split);
  SearchSkeleton(split);
  SearchDots(split);
  SearchSuffixRetyped(split);
  SearchLabelPositions(split);
  SearchWildcardSuffixes(split);
  Score();
  // Two slips only when nothing closer explains the name: a name one slip
  // from an expected one is judged by that slip.
  if (candidates_.empty() || candidates_.front().score < impl_.options.report_threshold) {
    size_t before = candidates_.size();
    SearchTwoSlips(split);
    if (candidates_.size() != before) Score();
  }
  // The best candidate whose intended name is itself a valid domain: one
  // built by editing the typed name can be too long or an invalid IDN.
  for (Candidate& best : candidates_) {
    if (best.score < impl_.options.report_threshold) break;
    Describe(best);
    auto intended = NormalizeDomain(best.intended);
    if (!intended || intended->ascii == typed_.ascii) continue;
    LookalikeMatch match;
    match.intended = std::move(*intended);
    match.typo_class = best.typo_class;
    match.score = best.score;
    match.source = best.id == kWildcardId ? DomainSource::kTrusted : impl_.entries[best.id].source;
    match.explanation = std::move(best.explanation);
    return match;
  }
  return std::nullopt;
}

// Fills in every candidate's posterior and sorts them, best first. The prior
// that the typed name is meant belongs to the name, not to a candidate: if
// any expected domain has its very label, that holds for all.
void Query::Score() {
  bool same_label = std::any_of(candidates_.begin(), candidates_.end(),
                                [](const Candidate& c) { return c.same_label; });
  for (Candidate& candidate : candidates_) {
    double prior =
        IntendedPrior(candidate.prior_label_length, same_label && !candidate.ignores_same_label,
                      candidate.restricted, candidate.listed) *
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
void Query::Describe(Candidate& candidate) const {
  if (!candidate.intended.empty()) return;
  const auto& label_edit = candidate.label_edit;
  const auto& suffix_edit = candidate.suffix_edit;
  if (label_edit && suffix_edit) {
    candidate.explanation = ExplainEdit(*label_edit, candidate.left, candidate.expected_left) +
                            ", and " +
                            ExplainEdit(*suffix_edit, candidate.suffix, candidate.expected_suffix);
  } else if (label_edit) {
    candidate.explanation = ExplainEdit(*label_edit, candidate.left, candidate.expected_left);
  } else if (suffix_edit) {
    candidate.explanation = ExplainEdit(*suffix_edit, candidate.suffix, candidate.expected_suffix);
  }
  if (!candidate.kept_subdomain.empty()) {
    candidate.intended.assign(candidate.kept_subdomain);
    candidate.intended.push_back('.');
  }
  candidate.intended.append(impl_.Name(candidate.id));
}

// Candidates whose left part is within one deletion of `left` on either side.
void Query::SearchLeft(const TypedSplit& split, std::string_view left,
                       std::string_view kept_subdomain) {
  if (IsAsciiText(left)) {
    DeletionHashes(left, &hashes_);
  } else {
    DeletionHashes(std::u32string_view(DecodeUtf8(left)), &hashes_);
  }
  seen_.clear();
  for (uint64_t hash : hashes_) {
    impl_.deletions.ForEach(hash, [&](uint32_t id) {
      if (std::find(seen_.begin(), seen_.end(), id) != seen_.end()) return;
      seen_.push_back(id);
      Evaluate(split, id, left, kept_subdomain);
    });
  }
}

// Look-alike letters: the typed name's confusable key equal to an expected
// name's, or (for a name with non-ASCII letters or digits, where look-alikes
// are) within one slip of it on the left of the suffix.
void Query::SearchSkeleton(const TypedSplit& split) {
  std::u32string typed_key;
  impl_.skeletons->Key(typed_.unicode, &typed_key);
  impl_.skeleton.ForEach(HashString(std::u32string_view(typed_key)), [&](uint32_t id) {
    std::u32string expected_key;
    impl_.skeletons->Key(impl_.UnicodeName(id), &expected_key);
    if (expected_key != typed_key || impl_.Name(id) == typed_.ascii) return;
    AddSkeletonCandidate(split, id, std::nullopt);
  });
  // Within one slip only where look-alikes are: letters outside ASCII, or digits.
  bool digits = std::any_of(typed_.unicode.begin(), typed_.unicode.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  if (!non_ascii_ && !digits) return;
  std::u32string left_key;
  impl_.skeletons->Key(split.left, &left_key);
  DeletionHashes(std::u32string_view(left_key), &hashes_);
  uint64_t salt = HashString(split.suffix);
  seen_.clear();
  for (uint64_t hash : hashes_) {
    impl_.skeleton_near.ForEach(CombineHashes(hash, salt), [&](uint32_t id) {
      if (std::find(seen_.begin(), seen_.end(), id) != seen_.end()) return;
      seen_.push_back(id);
      if (impl_.Suffix(id) != split.suffix) return;
      std::u32string expected_key;
      impl_.skeletons->Key(impl_.UnicodeLeft(id), &expected_key);
      if (expected_key == left_key) return;  // the exact search's
      // One name in two spellings (münchen, muenchen) is not a slip.
      if (Transliterate(split.left) == Transliterate(impl_.UnicodeLeft(id))) return;
      auto slip = ClassifyEdit(EncodeUtf8(left_key), EncodeUtf8(expected_key));
      if (!slip || slip->typo_class == TypoClass::kDotInsertion ||
          slip->typo_class == TypoClass::kDotOmission) {
        return;
      }
      AddSkeletonCandidate(split, id, slip);
    });
  }
}

void Query::AddSkeletonCandidate(const TypedSplit& split, uint32_t id, std::optional<Edit> slip) {
  // A name one plain edit from the expected one on its own letters
  // ("münchn.de", "mùnchen.de") is the edit search's, which names that edit;
  // only a letter from another alphabet needs the confusable key.
  if (split.suffix == impl_.Suffix(id)) {
    auto plain = ClassifyEdit(split.left, impl_.UnicodeLeft(id));
    if (plain && plain->typo_class != TypoClass::kSubstitution) return;
  }
  // Two expected names can share a folded key ("dia.mil", "dla.mil"); the
  // one that also matches without the ASCII folds is the closer.
  std::string_view expected_unicode = impl_.UnicodeName(id);
  if (typed_strict_.empty()) impl_.skeletons->StrictSkeleton(typed_.unicode, &typed_strict_);
  std::string expected_strict;
  impl_.skeletons->StrictSkeleton(expected_unicode, &expected_strict);
  double closeness = expected_strict == typed_strict_ ? 2.0 : 1.0;
  double channel = impl_.entries[id].weight * HomoglyphProbability(non_ascii_) * closeness;
  if (slip) channel = TwoSlipProbability(channel, slip->probability);
  Candidate candidate = NewCandidate(id, channel, split, split.label);
  candidate.typo_class = slip ? TypoClass::kCombined : TypoClass::kHomoglyph;
  candidate.intended = std::string(impl_.Name(id));
  std::string what =
      non_ascii_
          ? "look-alike letters such as " + SkeletonMaker::DescribeFirstNonAscii(typed_.unicode)
          : "characters that look like those of " + std::string(expected_unicode);
  if (suspicion_ == ScriptSuspicion::kMixed) what += ", mixing alphabets in one name";
  if (suspicion_ == ScriptSuspicion::kReadsAsLatin) what += ", a whole name in another alphabet";
  if (slip) {
    what += ", and " + ExplainEdit(*slip, "", "");
  }
  candidate.explanation = std::move(what);
  candidates_.push_back(std::move(candidate));
}

// Two slips in a registrable label of five letters or more ("gmila",
// "hotmia", "microsfotr"), scored by the keys and kinds of both.
void Query::SearchTwoSlips(const TypedSplit& split) {
  std::u32string label = DecodeUtf8(split.label);
  if (label.size() + 1 < kTwoSlipMinLabel || label.size() > 63) return;
  uint64_t salt = TwoSlipSalt(parts_.subdomain, split.suffix);
  two_slip_hashes_.clear();
  DeletionHashes(std::u32string_view(label), &hashes_);
  for (uint64_t hash : hashes_) two_slip_hashes_.push_back(CombineHashes(hash, salt));
  // Both sides two letters short (two substitutions, two insertions, a swap
  // and a substitution) costs a look-up per pair of letters, so only for
  // labels of up to nine letters, where most names people slip in are;
  // pairs with a letter left out or moved need one deletion on the typed
  // side, and are found in every length.
  if (label.size() <= kTwoSlipMaxPairsLabel) DoubleDeletionHashes(label, salt, &two_slip_hashes_);
  // Dozens of look-ups into the largest index, nearly all of them for
  // nothing: its presence filter answers most, and the memory loads of
  // the rest overlap.
  for (uint64_t hash : two_slip_hashes_) impl_.two_slips.PrefetchFilter(hash);
  size_t present = 0;
  for (uint64_t hash : two_slip_hashes_) {
    if (impl_.two_slips.MayContain(hash)) two_slip_hashes_[present++] = hash;
  }
  two_slip_hashes_.resize(present);
  for (uint64_t hash : two_slip_hashes_) impl_.two_slips.Prefetch(hash);
  seen_.clear();
  for (uint64_t hash : two_slip_hashes_) {
    impl_.two_slips.ForEach(hash, [&](uint32_t id) {
      if (std::find(seen_.begin(), seen_.end(), id) != seen_.end()) return;
      seen_.push_back(id);
      if (impl_.Suffix(id) != split.suffix) return;
      std::string_view expected_left = impl_.UnicodeLeft(id);
      if (expected_left.size() + 8 < split.label.size()) return;  // far too short
      size_t dot = expected_left.rfind('.');
      std::string_view expected =
          dot == std::string_view::npos ? expected_left : expected_left.substr(dot + 1);
      std::string_view expected_subdomain =
          dot == std::string_view::npos ? std::string_view()
                                        : impl_.Left(id).substr(0, impl_.Left(id).rfind('.'));
      if (expected_subdomain != parts_.subdomain) return;
      // One name in two spellings (münchen, muenchen) is not two slips.
      if ((non_ascii_ || !IsAsciiText(expected)) &&
          Transliterate(split.label) == Transliterate(expected)) {
        return;
      }
      auto slips = ClassifyTwoEdits(split.label, expected);
      if (!slips) return;
      Candidate candidate =
          NewCandidate(id, impl_.entries[id].weight * slips->probability, split, split.label);
      // Two slips stand on their own: not helped by a vetted suffix, nor by
      // the length of the name ("long labels are not flagged for being long").
      candidate.restricted = false;
      candidate.prior_label_length = std::min<size_t>(candidate.prior_label_length, 6);
      candidate.typo_class = TypoClass::kCombined;
      candidate.intended = std::string(impl_.Name(id));
      if (slips->moved) {
        std::string letter;
        AppendUtf8(slips->first.typo_class == TypoClass::kOmission ? slips->first.intended_char
                                                                   : slips->second.intended_char,
                   &letter);
        candidate.explanation = "the letter '" + letter + "' typed out of place";
      } else {
        candidate.explanation = ExplainEdit(slips->first, split.label, expected) + ", and " +
                                ExplainEdit(slips->second, split.label, expected);
      }
      candidates_.push_back(std::move(candidate));
    });
  }
}

}  // namespace detector_internal

using detector_internal::Query;

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
}  // namespace rcptguard
