// Parsing the shipped typo tables (data/tld_confusions.tsv, data/restricted_suffixes.txt).
#include "rcptguard/typo_data.h"

#include <array>
#include <charconv>
#include <cstring>
#include <utility>

#include "core/text_lines.h"

namespace rcptguard {
namespace {

constexpr std::array<std::pair<TypoClass, std::string_view>, 16> kClassNames = {{
    {TypoClass::kTldSwap, "tld-swap"},
    {TypoClass::kSuffixChange, "suffix-change"},
    {TypoClass::kOmission, "omission"},
    {TypoClass::kInsertion, "insertion"},
    {TypoClass::kRepetition, "repetition"},
    {TypoClass::kKeyboardSubstitution, "keyboard-substitution"},
    {TypoClass::kTransposition, "transposition"},
    {TypoClass::kVowelSwap, "vowel-swap"},
    {TypoClass::kBitsquat, "bitsquat"},
    {TypoClass::kHomoglyph, "homoglyph"},
    {TypoClass::kHyphenation, "hyphenation"},
    {TypoClass::kDotOmission, "dot-omission"},
    {TypoClass::kDotInsertion, "dot-insertion"},
    {TypoClass::kSubstitution, "substitution"},
    {TypoClass::kCombined, "combined"},
    {TypoClass::kDotMove, "dot-move"},
}};

std::string PairKey(std::string_view intended, std::string_view typed) {
  std::string key(intended);
  key.push_back('\t');
  key.append(typed);
  return key;
}

std::string Where(std::string_view name, size_t line) {
  return std::string(name) + ":" + std::to_string(line);
}

}  // namespace

std::string_view TypoClassName(TypoClass typo_class) {
  for (const auto& [value, name] : kClassNames) {
    if (value == typo_class) return name;
  }
  return "unknown";
}

std::optional<TypoClass> TypoClassFromName(std::string_view name) {
  for (const auto& [value, class_name] : kClassNames) {
    if (class_name == name) return value;
  }
  return std::nullopt;
}

Result<TypoData> TypoData::Parse(std::string_view confusions_text, std::string_view confusions_name,
                                 std::string_view restricted_text,
                                 std::string_view restricted_name) {
  TypoData data;
  Result<void> status;
  ForEachDataLine(confusions_text, [&](size_t line_number, std::string_view line) {
    if (!status) return;
    std::vector<std::string_view> fields = SplitTabs(line);
    if (fields.size() < 4) {
      status = MakeError(ErrorCode::kConfig,
                         "expected 'intended<TAB>typed<TAB>class<TAB>probability[<TAB>note]'",
                         Where(confusions_name, line_number));
      return;
    }
    SuffixConfusion confusion;
    confusion.intended.assign(fields[0]);
    confusion.typed.assign(fields[1]);
    auto typo_class = TypoClassFromName(fields[2]);
    if (!typo_class ||
        (*typo_class != TypoClass::kTldSwap && *typo_class != TypoClass::kSuffixChange)) {
      status =
          MakeError(ErrorCode::kConfig,
                    "class must be tld-swap or suffix-change, not '" + std::string(fields[2]) + "'",
                    Where(confusions_name, line_number));
      return;
    }
    confusion.typo_class = *typo_class;
    auto [end, ec] = std::from_chars(fields[3].data(), fields[3].data() + fields[3].size(),
                                     confusion.probability);
    if (ec != std::errc() || end != fields[3].data() + fields[3].size() ||
        !(confusion.probability > 0 && confusion.probability <= 1)) {
      status =
          MakeError(ErrorCode::kConfig,
                    "probability must be a number in (0, 1], not '" + std::string(fields[3]) + "'",
                    Where(confusions_name, line_number));
      return;
    }
    std::string key = PairKey(confusion.intended, confusion.typed);
    if (data.by_pair_.count(key) != 0) {
      status = MakeError(ErrorCode::kConfig,
                         "duplicate confusion " + confusion.intended + " -> " + confusion.typed,
                         Where(confusions_name, line_number));
      return;
    }
    data.by_pair_.emplace(std::move(key), data.confusions_.size());
    data.confusions_.push_back(std::move(confusion));
  });
  if (!status) return Unexpected(status.error());
  for (size_t i = 0; i < data.confusions_.size(); ++i) {
    data.by_typed_[data.confusions_[i].typed].push_back(i);
  }
  ForEachDataLine(restricted_text, [&](size_t line_number, std::string_view line) {
    if (!status) return;
    if (line.find_first_of(" \t") != std::string_view::npos) {
      status = MakeError(ErrorCode::kConfig, "expected one suffix per line",
                         Where(restricted_name, line_number));
      return;
    }
    data.restricted_.emplace(line);
  });
  if (!status) return Unexpected(status.error());
  return data;
}

Result<TypoData> TypoData::Embedded() {
  return Parse(EmbeddedTldConfusions(), "data/tld_confusions.tsv", EmbeddedRestrictedSuffixes(),
               "data/restricted_suffixes.txt");
}

const SuffixConfusion* TypoData::Find(std::string_view intended, std::string_view typed) const {
  // On the hot path: build the key on the stack (suffixes are short).
  char buffer[128];
  if (intended.size() + typed.size() + 1 > sizeof(buffer)) return nullptr;
  std::memcpy(buffer, intended.data(), intended.size());
  buffer[intended.size()] = '\t';
  std::memcpy(buffer + intended.size() + 1, typed.data(), typed.size());
  auto it = by_pair_.find(std::string_view(buffer, intended.size() + 1 + typed.size()));
  return it == by_pair_.end() ? nullptr : &confusions_[it->second];
}

bool TypoData::IsRestricted(std::string_view suffix) const {
  return restricted_.find(suffix) != restricted_.end();
}

}  // namespace rcptguard
