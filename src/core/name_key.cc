// Names of people: folding, the given-name variants, parsing display names
// and local parts, and comparing names (the local-part distance is in
// local_part_distance.cc).
#include "core/name_key.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>

#include "core/marking_internal.h"
#include "core/typo_model.h"
#include "rcptguard/history.h"

namespace rcptguard {
namespace {

// Honorifics, ranks and affiliation tags that display names and US DoD local
// parts carry around a name ("Lt Col Jane Smith", "john.a.smith.civ"). They say
// nothing about who the person is, so they are never the word two names share.
constexpr std::array<std::string_view, 62> kNotNames = {
    "mr",   "mrs",  "ms",   "miss", "mx",  "dr",  "prof",      "professor", "sir",  "dame", "lord",
    "lady", "rev",  "revd", "hon",  "lt",  "col", "maj",       "gen",       "brig", "capt", "cpt",
    "cdr",  "lcdr", "cmdr", "cdre", "adm", "sgt", "cpl",       "pte",       "msg",  "sfc",  "ssg",
    "ltc",  "civ",  "ctr",  "mil",  "ret", "phd", "md",        "mba",       "msc",  "bsc",  "jr",
    "sr",   "ii",   "iii",  "iv",   "esq", "obe", "mbe",       "cbe",       "rn",   "raf",  "usn",
    "usaf", "usmc", "wg",   "sqn",  "ldr", "flt", "contractor"};

// Words by which lists and forwarders join a name to what sent it ("'Owen
// Hughes' via Defence Research", "on behalf of").
constexpr std::array<std::string_view, 2> kJoiningWords = {"via", "behalf"};

bool IsNotName(std::string_view word) {
  return std::find(kNotNames.begin(), kNotNames.end(), word) != kNotNames.end() ||
         std::find(kJoiningWords.begin(), kJoiningWords.end(), word) != kJoiningWords.end();
}

void AppendUtf8(UChar32 c, std::string* out) {
  char buffer[U8_MAX_LENGTH];
  int32_t n = 0;
  U8_APPEND_UNSAFE(buffer, n, c);
  out->append(buffer, static_cast<size_t>(n));
}

// Letters that compatibility decomposition leaves whole but that people write
// out in ASCII.
std::string_view SpelledOut(UChar32 c) {
  switch (c) {
    case 0x00DF:
      return "ss";  // ß
    case 0x00E6:
    case 0x00C6:
      return "ae";
    case 0x0153:
    case 0x0152:
      return "oe";
    case 0x00F8:
    case 0x00D8:
      return "o";
    case 0x0142:
    case 0x0141:
      return "l";
    case 0x0111:
    case 0x0110:
    case 0x00F0:
    case 0x00D0:
      return "d";
    case 0x00FE:
    case 0x00DE:
      return "th";
    case 0x0131:
      return "i";
    default:
      return {};
  }
}

bool IsApostrophe(UChar32 c) { return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC; }

// "joerg mueller" -> "jorg muller": the umlaut spelled with an e reduced to its
// vowel, as NFKD leaves "jörg" -> "jorg". Applied to every folded word alike.
std::string ReduceUmlautSpelling(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    out.push_back(c);
    if ((c == 'a' || c == 'o' || c == 'u') && i + 1 < text.size() && text[i + 1] == 'e') ++i;
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view folded) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < folded.size()) {
    while (i < folded.size() && folded[i] == ' ') ++i;
    size_t start = i;
    while (i < folded.size() && folded[i] != ' ') ++i;
    if (i > start) words.emplace_back(folded.substr(start, i - start));
  }
  return words;
}

// What ends an address written inside a display name.
bool IsAddressDelimiter(char c) {
  return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '(' || c == ')' || c == '<' ||
         c == '>' || c == '[' || c == ']' || c == ',' || c == ';';
}

bool IsSeparator(char c) { return c == '.' || c == '-' || c == '_' || c == '+'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Agreement of two given-name words (neither the shared word).
NameAgreement GivenAgreement(std::string_view a, std::string_view b, const NameVariants& variants) {
  if (a.size() == 1 || b.size() == 1) {
    return a.front() == b.front() ? NameAgreement::kInitial : NameAgreement::kNone;
  }
  if (a == b || variants.SamePerson(a, b)) return NameAgreement::kFull;
  return NameAgreement::kConflict;
}

// Orders agreements by strength: a full match beats an initial, which beats a
// conflict, which beats nothing.
int Rank(NameAgreement agreement) {
  switch (agreement) {
    case NameAgreement::kNone:
      return 0;
    case NameAgreement::kConflict:
      return 1;
    case NameAgreement::kInitial:
      return 2;
    case NameAgreement::kFull:
      return 3;
  }
  return 0;
}

NameAgreement Better(NameAgreement a, NameAgreement b) { return Rank(a) >= Rank(b) ? a : b; }

// Unweighted edit distance of two short words, capped at 3.
size_t SmallDistance(std::string_view a, std::string_view b) {
  if (a.size() > 24 || b.size() > 24) return 3;
  size_t la = a.size();
  size_t lb = b.size();
  if ((la > lb ? la - lb : lb - la) > 2) return 3;
  std::array<std::array<uint8_t, 25>, 25> d{};
  for (size_t i = 0; i <= la; ++i) d[i][0] = static_cast<uint8_t>(i);
  for (size_t j = 0; j <= lb; ++j) d[0][j] = static_cast<uint8_t>(j);
  for (size_t i = 1; i <= la; ++i) {
    for (size_t j = 1; j <= lb; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int best = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        best = std::min(best, d[i - 2][j - 2] + 1);
      }
      d[i][j] = static_cast<uint8_t>(best);
    }
  }
  return std::min<size_t>(d[la][lb], 3);
}

bool HasNonLatinLetter(const icu::UnicodeString& text) {
  for (int32_t i = 0; i < text.length();) {
    UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (!u_isalpha(c)) continue;
    UErrorCode status = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &status);
    if (U_SUCCESS(status) && script != USCRIPT_LATIN && script != USCRIPT_COMMON &&
        script != USCRIPT_INHERITED) {
      return true;
    }
  }
  return false;
}

// "Иванов" -> "Ivanov", "Παπαδόπουλος" -> "Papadopoulos": the Unicode CLDR
// transforms ICU ships (Any-Latin, then Latin-ASCII), as an address is
// usually written for a name in another script. The transliterator is costly
// to make and not to be shared between threads: one per thread, made on the
// first name in another script. Left as it is should ICU lack the transforms.
void ToLatin(icu::UnicodeString* text) {
  thread_local std::unique_ptr<icu::Transliterator> to_latin = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> made(
        icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    if (U_FAILURE(status)) made.reset();
    return made;
  }();
  if (to_latin) to_latin->transliterate(*text);
}

// `longer` is `name` with a feminine -a ending: Paula for Paul.
bool IsFeminineInA(std::string_view name, std::string_view longer) {
  return name.size() >= 4 && longer.size() == name.size() + 1 && longer.starts_with(name) &&
         longer.back() == 'a';
}

}  // namespace

std::string FoldName(std::string_view text) {
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    // The common case, without ICU: lower case, apostrophes dropped, the rest
    // of what is not a letter a single space.
    std::string out;
    out.reserve(text.size());
    bool space = true;
    for (char c : text) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c >= 'a' && c <= 'z') {
        out.push_back(c);
        space = false;
      } else if (c != '\'' && !space) {
        out.push_back(' ');
        space = true;
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return ReduceUmlautSpelling(std::move(out));
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkd = icu::Normalizer2::getNFKDInstance(status);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (HasNonLatinLetter(source)) ToLatin(&source);
  icu::UnicodeString decomposed = source;
  if (U_SUCCESS(status)) {
    decomposed = nfkd->normalize(source, status);
    if (U_FAILURE(status)) decomposed = source;
  }
  std::string out;
  out.reserve(text.size());
  bool space = true;  // no leading space
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    int8_t type = u_charType(c);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
        type == U_COMBINING_SPACING_MARK || IsApostrophe(c)) {
      continue;  // "Siobha\u0301n" -> "siobhan", "O'Brien" -> "obrien"
    }
    if (std::string_view spelled = SpelledOut(c); !spelled.empty()) {
      out.append(spelled);
      space = false;
    } else if (u_isalpha(c)) {
      AppendUtf8(u_foldCase(c, U_FOLD_CASE_DEFAULT), &out);
      space = false;
    } else if (!space) {
      out.push_back(' ');
      space = true;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return ReduceUmlautSpelling(std::move(out));
}

// ---------------------------------------------------------------------------
// NameVariants

Result<std::shared_ptr<const NameVariants>> NameVariants::Parse(std::string_view text,
                                                                std::string_view name) {
  auto variants = std::make_shared<NameVariants>();
  size_t line_number = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string> names;
    size_t start = 0;
    while (start <= line.size()) {
      size_t comma = line.find(',', start);
      std::string_view field = line.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      // "k.c." and the like are initials, not names: their letters run together.
      std::string folded = FoldName(field);
      folded.erase(std::remove(folded.begin(), folded.end(), ' '), folded.end());
      if (!folded.empty()) names.push_back(std::move(folded));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (names.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       std::string(name) + ":" + std::to_string(line_number) + ": no name");
    }
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i] == names[0]) continue;
      variants->related_[names[0]].push_back(names[i]);
      variants->related_[names[i]].push_back(names[0]);
    }
    variants->related_.try_emplace(names[0]);
  }
  for (auto& [key, list] : variants->related_) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return std::shared_ptr<const NameVariants>(std::move(variants));
}

std::shared_ptr<const NameVariants> NameVariants::Embedded() {
  auto parsed = Parse(EmbeddedNameVariants(), "data/name_variants.csv");
  // The embedded copy is checked by the unit tests; an empty list (no
  // variants) is the safe fallback should it ever fail to parse.
  return parsed ? *parsed : std::make_shared<const NameVariants>();
}

bool NameVariants::SamePerson(std::string_view a, std::string_view b) const {
  if (a == b) return true;
  // A name and its feminine form in -a (Paul and Paula, Edwin and Edwina,
  // Justin and Justina) are two people's, though lists of variants give one
  // under the other; the short names that do this are nicknames (Ann, Anna).
  if (IsFeminineInA(a, b) || IsFeminineInA(b, a)) return false;
  auto ia = related_.find(a);
  auto ib = related_.find(b);
  if (ia == related_.end() || ib == related_.end()) return false;
  const std::vector<std::string>& ra = ia->second;
  const std::vector<std::string>& rb = ib->second;
  if (std::binary_search(ra.begin(), ra.end(), b)) return true;
  // Through a shared short form only when the two are spellings of one name.
  if (SmallDistance(a, b) > 2) return false;
  return SortedRangesMeet(ra.begin(), ra.end(), rb.begin(), rb.end());
}

bool NameVariants::IsGivenName(std::string_view word) const {
  return word.size() >= 3 && related_.find(word) != related_.end();
}

// ---------------------------------------------------------------------------
// Names

std::string_view AddressInDisplay(std::string_view display_name) {
  size_t at = display_name.find('@');
  if (at == std::string_view::npos) return {};
  size_t begin = at;
  while (begin > 0 && !IsAddressDelimiter(display_name[begin - 1])) --begin;
  size_t end = at;
  while (end < display_name.size() && !IsAddressDelimiter(display_name[end])) ++end;
  std::string_view address = display_name.substr(begin, end - begin);
  while (!address.empty() && address.back() == '.') address.remove_suffix(1);
  if (address.front() == '@' || address.back() == '@') return {};
  return address;
}

PersonName NameFromDisplay(std::string_view display_name) {
  PersonName name;
  // An address in the name ("Paul Turner (paul.turner@x.org)", or the whole
  // name one) is not words of the name; what is left may still be.
  std::string without_address;
  for (std::string_view address = AddressInDisplay(display_name); !address.empty();
       address = AddressInDisplay(display_name)) {
    size_t at = static_cast<size_t>(address.data() - display_name.data());
    without_address = std::string(display_name.substr(0, at)) + " " +
                      std::string(display_name.substr(at + address.size()));
    display_name = without_address;
  }
  if (display_name.find('@') != std::string_view::npos) return name;
  // A name pasted from a raw header may still be RFC 2047-encoded
  // ("=?utf-8?q?Siobh=C3=A1n?= Murphy").
  std::string decoded;
  if (display_name.find("=?") != std::string_view::npos) {
    decoded = DecodeHeaderValue(display_name);
    display_name = decoded;
  }
  for (std::string& word : SplitWords(FoldName(display_name))) {
    if (!IsNotName(word)) name.words.push_back(std::move(word));
  }
  return name;
}

std::string LocalPartLetters(std::string_view local_part) {
  std::string folded = FoldName(local_part);
  folded.erase(std::remove(folded.begin(), folded.end(), ' '), folded.end());
  return folded;
}

PersonName NameFromLocalPart(std::string_view local_part, const NameVariants& variants) {
  PersonName name;
  // Digits at the end number namesakes ("john.smith2", "tgreen1981") and are
  // dropped. A part with digits elsewhere ("j3" in "ops-j3-plans") is no
  // name: it is kept whole, so J3's mailbox never matches J6's.
  size_t end = local_part.size();
  while (end > 0 && IsDigit(local_part[end - 1])) --end;
  std::string_view rest = local_part.substr(0, end);
  while (!rest.empty()) {
    size_t cut = 0;
    while (cut < rest.size() && !IsSeparator(rest[cut])) ++cut;
    std::string_view part = rest.substr(0, cut);
    rest = cut < rest.size() ? rest.substr(cut + 1) : std::string_view();
    if (std::any_of(part.begin(), part.end(), IsDigit)) {
      std::string kept;
      for (char c : part) kept.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
      name.words.push_back(std::move(kept));
      continue;
    }
    for (std::string& word : SplitWords(FoldName(part))) {
      if (!IsNotName(word)) name.words.push_back(std::move(word));
    }
  }
  if (name.words.size() != 1) return name;
  // Run together: a given name of the list at either end ("annapatel",
  // "patelanna"), the rest the surname. The longest given name wins.
  std::string run = std::move(name.words.front());
  name.words.clear();
  if (run.size() < 6 || variants.IsGivenName(run)) return name;  // a given name alone says little
  for (size_t n = run.size() - 3; n >= 3; --n) {
    if (variants.IsGivenName(std::string_view(run).substr(0, n))) {
      name.words = {run.substr(0, n), run.substr(n)};
      return name;
    }
  }
  for (size_t n = run.size() - 3; n >= 3; --n) {
    if (variants.IsGivenName(std::string_view(run).substr(run.size() - n))) {
      name.words = {run.substr(0, run.size() - n), run.substr(run.size() - n)};
      return name;
    }
  }
  return name;
}

NameAgreement CompareNames(const PersonName& a, const PersonName& b, const NameVariants& variants) {
  // Parts with digits identify a mailbox, not a person (J3's plans cell is
  // not J6's): when both sides have them, they must be the same.
  auto identifiers = [](const PersonName& name) {
    std::vector<std::string_view> out;
    for (const std::string& word : name.words) {
      if (std::any_of(word.begin(), word.end(), IsDigit)) out.push_back(word);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  std::vector<std::string_view> ids_a = identifiers(a);
  std::vector<std::string_view> ids_b = identifiers(b);
  if (!ids_a.empty() && !ids_b.empty() && ids_a != ids_b) return NameAgreement::kConflict;
  NameAgreement best = NameAgreement::kNone;
  for (size_t i = 0; i < a.words.size(); ++i) {
    if (a.words[i].size() < 2) continue;
    for (size_t j = 0; j < b.words.size(); ++j) {
      if (a.words[i] != b.words[j]) continue;
      // One word shared; the rest must hold a given name of one person. Two
      // given names written out that differ outweigh an initial that fits
      // ("Brown, Brandon R" is not Rebecca Brown by the R).
      NameAgreement here = NameAgreement::kNone;
      bool conflict = false;
      for (size_t k = 0; k < a.words.size(); ++k) {
        if (k == i) continue;
        for (size_t l = 0; l < b.words.size(); ++l) {
          if (l == j) continue;
          NameAgreement pair = GivenAgreement(a.words[k], b.words[l], variants);
          conflict = conflict || pair == NameAgreement::kConflict;
          here = Better(here, pair);
        }
      }
      if (conflict && here != NameAgreement::kFull) here = NameAgreement::kConflict;
      // Sharing a given name and an initial says too little: "Michael Lane"
      // and "Michael L Walker" share "michael", and "l" is Walker's middle
      // initial. An initial counts only beside a shared surname.
      if (here == NameAgreement::kInitial && variants.IsGivenName(a.words[i])) {
        here = NameAgreement::kNone;
      }
      best = Better(best, here);
    }
  }
  return best;
}

NameAgreement SpellsName(std::string_view letters, const PersonName& name,
                         const NameVariants& variants) {
  NameAgreement best = NameAgreement::kNone;
  for (size_t s = 0; s < name.words.size(); ++s) {
    std::string_view surname = name.words[s];
    if (surname.size() < 3 || surname.size() >= letters.size()) continue;
    std::string_view rests[2];
    if (letters.starts_with(surname)) rests[0] = letters.substr(surname.size());
    if (letters.ends_with(surname)) rests[1] = letters.substr(0, letters.size() - surname.size());
    for (std::string_view rest : rests) {
      if (rest.empty()) continue;
      for (size_t g = 0; g < name.words.size(); ++g) {
        if (g == s) continue;
        std::string_view given = name.words[g];
        NameAgreement here = NameAgreement::kNone;
        if (given.size() == 1) {
          // The name has only the initial; the local part may write it out.
          if (rest.front() == given.front()) here = NameAgreement::kInitial;
        } else if (rest == given || variants.SamePerson(rest, given)) {
          here = NameAgreement::kFull;
        } else if (rest.size() == given.size() + 1 && rest.starts_with(given)) {
          here = NameAgreement::kFull;  // firstmlast: the middle initial run in
        } else if (rest.size() <= 2 && rest.front() == given.front() &&
                   !variants.IsGivenName(surname)) {
          here = NameAgreement::kInitial;  // flast, lastf, fmlast
        } else if (rest.size() >= 3) {
          here = NameAgreement::kConflict;
        }
        best = Better(best, here);
      }
    }
  }
  return best;
}

bool SameRunTogetherName(std::string_view a, std::string_view b) {
  if (a == b || a.size() < 5 || b.size() < 5) return false;
  auto initial_against_name = [](std::string_view x, std::string_view y) {
    return (x.size() == 1 && y.size() >= 2 && y.front() == x.front()) ||
           (y.size() == 1 && x.size() >= 2 && x.front() == y.front());
  };
  size_t suffix = 0;
  while (suffix < a.size() && suffix < b.size() &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  for (size_t k = 4; k <= suffix; ++k) {
    if (initial_against_name(a.substr(0, a.size() - k), b.substr(0, b.size() - k))) return true;
  }
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  for (size_t k = 4; k <= prefix; ++k) {
    std::string_view ra = a.substr(k);
    std::string_view rb = b.substr(k);
    // lastf against lastfirst: the rest is the initial against the given name.
    if ((ra.size() == 1 && rb.size() >= 2 && rb.front() == ra.front()) ||
        (rb.size() == 1 && ra.size() >= 2 && ra.front() == rb.front())) {
      return true;
    }
  }
  return false;
}

}  // namespace rcptguard
