// Unicode text as the typo model compares it: UTF-8 decoded to code points, and
// letters folded to their base letter (diacritics off), so that a slip in
// "münchen" is counted on what the sender typed, not on its punycode.
#ifndef RCPTGUARD_CORE_CODE_POINTS_H_
#define RCPTGUARD_CORE_CODE_POINTS_H_

#include <string>
#include <string_view>

namespace rcptguard {

// Returns true iff every octet of `s` is ASCII.
bool IsAsciiText(std::string_view s);

// Decodes UTF-8; an invalid sequence gives U+FFFD for each octet it spans
// (domains reach here normalised, so that happens only on fuzzed input).
std::u32string DecodeUtf8(std::string_view s);

// Appends the UTF-8 encoding of `c` to *out.
void AppendUtf8(char32_t c, std::string* out);
std::string EncodeUtf8(std::u32string_view s);

// The letter `c` with its diacritics removed and lowercased: canonical
// decomposition (NFD) without the combining marks, plus the Latin letters
// that carry a stroke or are ligature-like and do not decompose (ø ł đ ħ ı ŧ
// ŀ ð þ ß æ œ ...). A letter that folds to two letters (ß -> ss) gives its
// first here; FoldText gives both. ASCII is returned lowercased.
char32_t FoldLetter(char32_t c);

// Appends the folded form of `text` (code points) to *out: each letter as
// FoldLetter, ß as "ss", æ as "ae", œ as "oe", þ as "th", combining marks dropped.
void FoldText(std::u32string_view text, std::u32string* out);

// `text` (UTF-8) with the umlauts and ß written the way German writes them
// without those letters (ä ae, ö oe, ü ue, ß ss): "münchen" and "muenchen"
// are one name in two spellings, not a slip.
std::string Transliterate(std::string_view text);

// Returns true iff `c` is a combining mark (general category Mn, Mc or Me).
bool IsCombiningMark(char32_t c);

}  // namespace rcptguard

#endif  // RCPTGUARD_CORE_CODE_POINTS_H_
