// The look-alike searches by the structure of a typed name: a slip inside a
// multi-label suffix, the dot before the suffix left out or moved, the suffix
// typed again, extended or reordered, and wildcard-trusted suffixes (see
// detector_query.h for the Query they belong to).
#include <algorithm>
#include <string>

#include "core/detector_query.h"

namespace rcptguard {
namespace detector_internal {

// A slip inside a multi-label suffix can change how the Public Suffix List
// splits the name ("afp.gov.auu" has suffix "auu"): read the last two or
// three labels as the suffix when they are one edit from an expected suffix.
void Query::SearchResplit() {
  if (impl_.multi_suffix_deletions.empty()) return;
  std::string_view name = typed_.ascii;
  size_t cut = name.size();
  for (int labels = 1; labels <= 3; ++labels) {
    cut = name.rfind('.', cut - 1);
    if (cut == std::string_view::npos || cut == 0) return;
    std::string_view suffix = name.substr(cut + 1);
    if (labels == 1 || suffix.size() <= parts_.suffix.size()) continue;
    DeletionHashes(suffix, &suffix_hashes_);
    bool near = std::any_of(suffix_hashes_.begin(), suffix_hashes_.end(),
                            [&](uint64_t h) { return impl_.multi_suffix_deletions.count(h) != 0; });
    if (!near) continue;
    TypedSplit split = MakeSplit(name.substr(0, cut), suffix);
    SearchLeft(split, split.left, std::string_view());
  }
}

// "hmrcgov.uk" for "hmrc.gov.uk": the dot before a multi-label suffix left out.
void Query::SearchMergedSuffix(const TypedSplit& split) {
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
    Candidate candidate =
        NewCandidate(*id, impl_.entries[*id].weight * DotOmissionProbability(), split, split.label);
    candidate.typo_class = TypoClass::kDotOmission;
    candidate.intended = std::move(name);
    candidate.explanation =
        "the dot before ." + head + "." + std::string(split.suffix) + " left out";
    candidates_.push_back(std::move(candidate));
  }
}

// A dot moved ("outlookc.om", "darp.amil"), added ("hot.mail.com") or left
// out ("usarmy.mil") anywhere in the name, whether or not the suffix that
// results exists: the same letters as an expected name, the dots elsewhere.
void Query::SearchDots(const TypedSplit& split) {
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
void Query::SearchSuffixRetyped(const TypedSplit& split) {
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
void Query::SearchLabelPositions(const TypedSplit& split) {
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

// Trusting "*.mil" protects every name under it against the table's known
// confusions: "anything.ml" was probably meant to be "anything.mil". Only
// for a registrable name as typed, so the suggestion is the typed name with
// its suffix mended ("hmrc.gv.uk" is not "hmrc.gv.gov.uk").
void Query::SearchWildcardSuffixes(const TypedSplit& split) {
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

}  // namespace detector_internal
}  // namespace rcptguard
