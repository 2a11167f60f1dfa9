// One look-alike check (Query): the candidates it gathers from the indexes and
// their noisy-channel scoring. Internal to src/core: the searches by edits of
// the letters and the scoring are in detector.cc, the searches by the name's
// dots and suffix in detector_suffix_search.cc.
#ifndef RCPTGUARD_CORE_DETECTOR_QUERY_H_
#define RCPTGUARD_CORE_DETECTOR_QUERY_H_

#include "core/detector_index.h"

namespace rcptguard {
namespace detector_internal {

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
  // Only the suffix differs from an expected name whose owner, or someone else
  // with the same name, may well own the typed one too (not a mail provider,
  // whose real domains are shipped as data).
  bool same_label = false;
  // The typed suffix is a keystroke slip of a vetted one (army.ml for
  // army.mil): whoever owns the same label elsewhere does not make this name
  // meant, because the owner under .mil owns nothing under .ml.
  bool ignores_same_label = false;
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

// The prior scale for a typed name by the script make-up of its labels: a
// label mixing Latin with Cyrillic, or a whole Cyrillic label that reads as
// Latin, is built to deceive (nobody means it by accident); Latin with accents
// is ordinary writing in many languages but rarer than ASCII in mail domains.
inline double ScriptPriorScale(ScriptSuspicion suspicion) {
  switch (suspicion) {
    case ScriptSuspicion::kMixed:
    case ScriptSuspicion::kReadsAsLatin:
      return 0.01;
    case ScriptSuspicion::kLatinAccent:
      return 0.3;
    case ScriptSuspicion::kNone:
      return 1.0;
  }
  return 1.0;
}

// One way of reading a typed name: what the sender typed left of the suffix, and
// the suffix. The Public Suffix List gives the first; a slip inside a
// multi-label suffix ("gov.ukk") needs another.
struct TypedSplit {
  std::string_view left;    // Unicode, as typed
  std::string_view label;   // the registrable label (last label of left), Unicode
  std::string_view suffix;  // canonical ASCII
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
    non_ascii_ = !IsAsciiText(typed.unicode);
    if (non_ascii_) {
      // The most suspicious label decides.
      std::string_view rest = typed.unicode;
      while (!rest.empty()) {
        size_t dot = rest.find('.');
        ScriptSuspicion label = impl.skeletons->Suspicion(rest.substr(0, dot));
        if (static_cast<int>(label) > static_cast<int>(suspicion_)) suspicion_ = label;
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
      }
    }
  }

  // Runs every search and returns the best match above the threshold, if any.
  std::optional<LookalikeMatch> Run();

 private:
  static constexpr uint32_t kWildcardId = 0xffffffff;

  static size_t CountLabels(std::string_view name) {
    return name.empty() ? 0 : 1 + static_cast<size_t>(std::count(name.begin(), name.end(), '.'));
  }

  // The Unicode form of the typed name's first labels, as many as `ascii_left` has.
  std::string_view UnicodeOf(std::string_view ascii_left) const {
    return FirstLabels(typed_.unicode, CountLabels(ascii_left));
  }

  TypedSplit MakeSplit(std::string_view ascii_left, std::string_view suffix) const {
    TypedSplit split;
    split.left = UnicodeOf(ascii_left);
    size_t dot = split.left.rfind('.');
    split.label = dot == std::string_view::npos ? split.left : split.left.substr(dot + 1);
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
        CountCodePoints(label) - static_cast<size_t>(std::count(label.begin(), label.end(), '.'));
    candidate.restricted = split.restricted;
    candidate.listed = split.listed;
    candidate.prior_scale = ScriptPriorScale(suspicion_);
    return candidate;
  }

  // Returns true iff an expected name with this very label under another
  // suffix says the typed name may be meant: names are reused under other
  // endings (bbc.co.uk and bbc.com, army.mil and army.gov.au), except a mail
  // provider's, whose real domains are shipped as data: nobody has a mailbox
  // at gmail.net.
  bool SameLabelCounts(uint32_t id) const {
    return id != kWildcardId && impl_.entries[id].source != DomainSource::kProvider;
  }

  // The hot path of every search: scores one expected entry as the intended
  // name of `left` (defined here so that every search file inlines it).
  void Evaluate(const TypedSplit& split, uint32_t id, std::string_view left,
                std::string_view kept_subdomain) {
    const Impl::Entry& entry = impl_.entries[id];
    if (!kept_subdomain.empty() && !entry.include_subdomains) return;
    std::string_view expected_left = impl_.UnicodeLeft(id);
    std::string_view expected_suffix = impl_.Suffix(id);
    std::optional<Edit> label_edit;
    if (left != expected_left) {
      label_edit = ClassifyEdit(left, expected_left);
      if (!label_edit) return;
    }
    std::optional<Edit> suffix_edit;
    if (split.suffix != expected_suffix) {
      suffix_edit = ClassifySuffixChange(split.suffix, expected_suffix, *impl_.typo_data);
      // Any other suffix is evidence only when the label is the same.
      if (!suffix_edit || (label_edit && suffix_edit->any_suffix)) return;
    }
    if (!label_edit && !suffix_edit) return;  // the same name: expected, not a slip

    // Two slips in one name (a label slip and a suffix slip) cluster as two in
    // one label do.
    // (only with the table's curated suffix confusions: a keystroke in any
    // suffix beside a label slip is as often another country's namesake).
    double channel = entry.weight;
    if (label_edit && suffix_edit) {
      channel *= suffix_edit->from_table
                     ? TwoSlipProbability(label_edit->probability, suffix_edit->probability)
                     : label_edit->probability * suffix_edit->probability;
    } else {
      channel *= label_edit ? label_edit->probability : suffix_edit->probability;
    }
    Candidate candidate =
        NewCandidate(id, channel, split, kept_subdomain.empty() ? left : split.label);
    candidate.same_label = !label_edit && kept_subdomain.empty() && SameLabelCounts(id);
    // The script of letters the expected name shares says nothing of a slip.
    if (!label_edit) candidate.prior_scale = 1.0;
    candidate.ignores_same_label = !label_edit && suffix_edit && !suffix_edit->any_suffix &&
                                   suffix_edit->typo_class == TypoClass::kTldSwap &&
                                   impl_.typo_data->IsRestricted(expected_suffix);
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

  // Defined in detector.cc: scoring, and the searches by edits of the letters.
  void Score();
  void Describe(Candidate& candidate) const;
  void SearchLeft(const TypedSplit& split, std::string_view left, std::string_view kept_subdomain);
  void SearchSkeleton(const TypedSplit& split);
  void AddSkeletonCandidate(const TypedSplit& split, uint32_t id, std::optional<Edit> slip);
  void SearchTwoSlips(const TypedSplit& split);

  // Defined in detector_suffix_search.cc: the searches by the structure of the
  // name (its dots and its suffix).
  void SearchResplit();
  void SearchMergedSuffix(const TypedSplit& split);
  void SearchDots(const TypedSplit& split);
  void SearchSuffixRetyped(const TypedSplit& split);
  void SearchLabelPositions(const TypedSplit& split);
  void SearchWildcardSuffixes(const TypedSplit& split);

  const Impl& impl_;
  const DomainName& typed_;
  DomainParts parts_;
  bool known_name_ = false;         // the typed name is a known domain
  bool known_registrable_ = false;  // its registrable domain is (it has a subdomain)
  bool non_ascii_ = false;          // the typed name has non-ASCII letters
  ScriptSuspicion suspicion_ = ScriptSuspicion::kNone;
  std::string typed_strict_;
  std::vector<Candidate> candidates_;
  std::vector<uint64_t> hashes_;
  std::vector<uint64_t> suffix_hashes_;
  std::vector<uint64_t> two_slip_hashes_;
  std::vector<uint32_t> seen_;
};

}  // namespace detector_internal
}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_DETECTOR_QUERY_H_
