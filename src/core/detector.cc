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
#include "rcptguard/detector.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <unordered_map>
#include <unordered_set>

#include "core/code_points.h"
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

namespace {

using Impl = DetectorIndex;

// A label needs this many letters before two slips in it are worth reading as
// a typo: in shorter ones two slips are much of the name, and real names are
// as close (issue 2's analysis of two- to four-letter labels).
constexpr size_t kTwoSlipMinLabel = 5;
// The longest typed label whose pairs of letters are all looked up (see
// SearchTwoSlips): the look-ups grow with the square of the length.
constexpr size_t kTwoSlipMaxPairsLabel = 63;

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
double ScriptPriorScale(ScriptSuspicion suspicion) {
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

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// The first `labels` labels of a dotted name.
std::string_view FirstLabels(std::string_view name, size_t labels) {
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
uint64_t TwoSlipSalt(std::string_view subdomain, std::string_view suffix) {
  return CombineHashes(HashString(subdomain), HashString(suffix));
}

// The hash the one-deletion index keeps for a left part: over code points, which
// for ASCII is the hash of the bytes.
uint64_t HashText(std::string_view utf8) {
  return IsAsciiText(utf8) ? HashString(utf8) : HashString(std::u32string_view(DecodeUtf8(utf8)));
}

std::string WithoutDots(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c != '.') out.push_back(c);
  }
  return out;
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

  std::optional<LookalikeMatch> Run() {
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
      match.source =
          best.id == kWildcardId ? DomainSource::kTrusted : impl_.entries[best.id].source;
      match.explanation = std::move(best.explanation);
      return match;
    }
    return std::nullopt;
  }

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

  // Fills in every candidate's posterior and sorts them, best first. The prior
  // that the typed name is meant belongs to the name, not to a candidate: if
  // any expected domain has its very label, that holds for all.
  void Score() {
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
    std::string_view ascii_left = parts_.left;
    for (const std::string& head : heads->second) {
      if (ascii_left.size() <= head.size() ||
          ascii_left.substr(ascii_left.size() - head.size()) != head) {
        continue;
      }
      std::string name(ascii_left.substr(0, ascii_left.size() - head.size()));
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

  // Look-alike letters: the typed name's confusable key equal to an expected
  // name's, or (for a name with non-ASCII letters or digits, where look-alikes
  // are) within one slip of it on the left of the suffix.
  void SearchSkeleton(const TypedSplit& split) {
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

  void AddSkeletonCandidate(const TypedSplit& split, uint32_t id, std::optional<Edit> slip) {
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

  // A dot moved ("outlookc.om", "darp.amil"), added ("hot.mail.com") or left
  // out ("usarmy.mil") anywhere in the name, whether or not the suffix that
  // results exists: the same letters as an expected name, the dots elsewhere.
  void SearchDots(const TypedSplit& split) {
    std::string dotless = WithoutDots(typed_.unicode);
    impl_.dotless.ForEach(HashString(dotless), [&](uint32_t id) {
      std::string_view expected = impl_.UnicodeName(id);
      if (expected == typed_.unicode || WithoutDots(expected) != dotless) return;
      // Where the dots differ: typed and expected dot positions, counted on
      // the letters before each dot.
      auto positions = [](std::string_view name) {
        std::vector<size_t> at;
        size_t letters = 0;
        for (char c : name) {
          if (c == '.') {
            at.push_back(letters);
          } else {
            ++letters;
          }
        }
        return at;
      };
      std::vector<size_t> typed_dots = positions(typed_.unicode);
      std::vector<size_t> expected_dots = positions(expected);
      std::vector<size_t> extra, missing;
      std::set_difference(typed_dots.begin(), typed_dots.end(), expected_dots.begin(),
                          expected_dots.end(), std::back_inserter(extra));
      std::set_difference(expected_dots.begin(), expected_dots.end(), typed_dots.begin(),
                          typed_dots.end(), std::back_inserter(missing));
      if (extra.size() + missing.size() > 2) return;
      double channel = impl_.entries[id].weight;
      Candidate candidate = NewCandidate(id, 0, split, split.left);
      if (extra.size() == 1 && missing.size() == 1) {
        size_t places = extra[0] > missing[0] ? extra[0] - missing[0] : missing[0] - extra[0];
        channel *= DotMoveProbability(places);
        candidate.typo_class = TypoClass::kDotMove;
        candidate.explanation =
            places <= 1 ? "a dot typed one letter out of place" : "a dot typed out of place";
      } else if (extra.size() == 1 && missing.empty()) {
        // A dot inside the registrable label ("hot.mail.com") makes a host
        // under whatever the tail is, which says nothing for the host.
        channel *= DotMoveProbability(1) / 2;
        candidate.typo_class = TypoClass::kDotInsertion;
        candidate.explanation = "a dot added";
        candidate.known_applies = known_name_;
      } else if (missing.size() == 1 && extra.empty()) {
        channel *= DotOmissionProbability();
        candidate.typo_class = TypoClass::kDotOmission;
        candidate.explanation = "a dot left out";
      } else {
        return;
      }
      candidate.channel = channel;
      candidate.prior_scale = 1.0;  // the letters are the expected name's
      candidate.intended = std::string(impl_.Name(id));
      candidates_.push_back(std::move(candidate));
    });
  }

  // The dot before the suffix left out and the suffix typed again after it
  // ("anzcom.com", "bluewinch.ch", "ars.usda-gov.com"): the end of the typed
  // label is an expected name's suffix, with or without a hyphen for the dot.
  void SearchSuffixRetyped(const TypedSplit& split) {
    std::string_view left = parts_.left;
    size_t label_start = left.size() - parts_.label.size();
    for (size_t tail = 2; tail <= 7 && tail < parts_.label.size(); ++tail) {
      size_t cut = left.size() - tail;
      std::string_view suffix = left.substr(cut);
      if (impl_.suffix_facts.find(suffix) == impl_.suffix_facts.end()) continue;
      size_t end = cut;
      if (left[end - 1] == '-') --end;
      if (end <= label_start) continue;
      std::string name(left.substr(0, end));
      name.push_back('.');
      name.append(suffix);
      auto id = impl_.Find(name);
      if (!id) continue;
      Candidate candidate = NewCandidate(
          *id, impl_.entries[*id].weight * DotOmissionProbability() / 2, split, split.label);
      candidate.typo_class = TypoClass::kDotOmission;
      candidate.intended = std::move(name);
      candidate.explanation =
          "the dot before ." + std::string(suffix) + " left out and the ending typed again";
      candidates_.push_back(std::move(candidate));
    }
  }

  // The suffix extended, swapped or reordered with the label kept
  // ("mod.uk.co", "hmrc.gov.com" for hmrc.gov.uk): the Public Suffix List
  // reads these as a host under another registrable name ("uk.co",
  // "gov.com"), so read each earlier label as the label instead.
  void SearchLabelPositions(const TypedSplit& split) {
    std::string_view ascii = typed_.ascii;
    size_t start = 0;
    size_t label_index = 0;
    while (true) {
      size_t dot = ascii.find('.', start);
      if (dot == std::string_view::npos) break;
      std::string_view tail = ascii.substr(dot + 1);
      if (tail.size() <= parts_.suffix.size()) break;  // the Public Suffix List's own reading
      std::string_view label = FirstLabels(typed_.unicode, label_index + 1);
      std::string_view kept = FirstLabels(typed_.unicode, label_index);
      label.remove_prefix(kept.empty() ? 0 : kept.size() + 1);
      impl_.deletions.ForEach(HashText(label), [&](uint32_t id) {
        if (impl_.UnicodeLeft(id) != label) return;
        if (!kept.empty() && !impl_.entries[id].include_subdomains) return;
        auto change = ClassifySuffixChange(tail, impl_.Suffix(id), *impl_.typo_data);
        if (!change || change->any_suffix) return;
        Candidate candidate =
            NewCandidate(id, impl_.entries[id].weight * change->probability, split, split.label);
        // The typed name is a host under another registrable name ("uk.co"),
        // not the same name under another suffix.
        candidate.known_applies = known_name_;
        candidate.prior_scale = 1.0;  // the letters are the expected name's
        candidate.typo_class = change->typo_class;
        candidate.suffix_edit = change;
        candidate.suffix = tail;
        candidate.expected_suffix = impl_.Suffix(id);
        candidate.kept_subdomain = kept;
        candidates_.push_back(std::move(candidate));
      });
      start = dot + 1;
      ++label_index;
    }
  }

  // Two slips in a registrable label of five letters or more ("gmila",
  // "hotmia", "microsfotr"), scored by the keys and kinds of both.
  void SearchTwoSlips(const TypedSplit& split) {
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

  // Trusting "*.mil" protects every name under it against the table's known
  // confusions: "anything.ml" was probably meant to be "anything.mil". Only
  // for a registrable name as typed, so the suggestion is the typed name with
  // its suffix mended ("hmrc.gv.uk" is not "hmrc.gv.gov.uk").
  void SearchWildcardSuffixes(const TypedSplit& split) {
    if (impl_.wildcard_suffixes.empty() || !parts_.subdomain.empty()) return;
    impl_.typo_data->ForEachTyped(split.suffix, [&](const SuffixConfusion& confusion) {
      if (impl_.wildcard_suffixes.count(confusion.intended) == 0) return;
      Candidate candidate = NewCandidate(kWildcardId, confusion.probability, split, split.label);
      candidate.same_label = false;
      candidate.typo_class = confusion.typo_class;
      candidate.intended = std::string(parts_.left) + "." + confusion.intended;
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
  bool non_ascii_ = false;          // the typed name has non-ASCII letters
  ScriptSuspicion suspicion_ = ScriptSuspicion::kNone;
  std::string typed_strict_;
  std::vector<Candidate> candidates_;
  std::vector<uint64_t> hashes_;
  std::vector<uint64_t> suffix_hashes_;
  std::vector<uint64_t> two_slip_hashes_;
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
         impl_->two_slips.MemoryUsage() + impl_->skeleton.MemoryUsage() +
         impl_->skeleton_near.MemoryUsage() + impl_->dotless.MemoryUsage() +
         impl_->known.capacity() * sizeof(uint64_t);
}

}  // namespace rcptguard
