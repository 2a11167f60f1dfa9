// The data the typo model is built from: which public-suffix confusions people
// make (mil -> ml) and which suffixes only vetted organisations can register.
// Parsed from the text files in data/, which are also compiled into the binary.
#ifndef RCPTGUARD_TYPO_DATA_H_
#define RCPTGUARD_TYPO_DATA_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rcptguard/result.h"
#include "rcptguard/typo_class.h"

namespace rcptguard {

// "Someone who meant .intended typed .typed", with how likely that is per message
// to that suffix (the channel probability P(typed | intended), see DESIGN.md 2).
struct SuffixConfusion {
  std::string intended;
  std::string typed;
  TypoClass typo_class = TypoClass::kTldSwap;  // kTldSwap or kSuffixChange
  double probability = 0;
};

class TypoData {
 public:
  // Parses the suffix confusion table (data/tld_confusions.tsv: intended, typed,
  // class, probability, note; TAB separated; '#' comments) and the restricted
  // suffix list (data/restricted_suffixes.txt: one suffix per line). Errors name
  // `*_name:line` and the problem.
  static Result<TypoData> Parse(std::string_view confusions_text, std::string_view confusions_name,
                                std::string_view restricted_text, std::string_view restricted_name);

  // The copies of data/ compiled into the library.
  static Result<TypoData> Embedded();

  // Returns the confusion intended -> typed, or nullptr if the table has none.
  const SuffixConfusion* Find(std::string_view intended, std::string_view typed) const;

  // Calls fn(const SuffixConfusion&) for every confusion whose typed side is
  // `typed` ("ml" gives mil -> ml).
  template <typename Fn>
  void ForEachTyped(std::string_view typed, Fn&& fn) const {
    auto it = by_typed_.find(typed);
    if (it == by_typed_.end()) return;
    for (size_t index : it->second) fn(confusions_[index]);
  }

  // Returns true iff only vetted organisations can register directly under
  // `suffix` ("mil", "gov.uk"), so an unknown domain there is rarely intended.
  bool IsRestricted(std::string_view suffix) const;

  // Calls fn(const SuffixConfusion&) for every entry of the table.
  template <typename Fn>
  void ForEachConfusion(Fn&& fn) const {
    for (const SuffixConfusion& confusion : confusions_) fn(confusion);
  }

  size_t confusion_count() const { return confusions_.size(); }

 private:
  std::vector<SuffixConfusion> confusions_;
  // Keyed by "intended\ttyped".
  // Lets the maps below be searched with a string_view, without a copy.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> by_pair_;
  // Indexes into confusions_ (not pointers, so copies stay valid).
  std::unordered_map<std::string, std::vector<size_t>, StringHash, std::equal_to<>> by_typed_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> restricted_;
};

// The texts of data/ as compiled into the library (generated at build time).
std::string_view EmbeddedTldConfusions();
std::string_view EmbeddedRestrictedSuffixes();
std::string_view EmbeddedProviders();
std::string_view EmbeddedKnownDomains();
std::string_view EmbeddedProviderTlds();  // data/provider_tlds.txt

}  // namespace rcptguard

#endif  // RCPTGUARD_TYPO_DATA_H_
