// Writing verdicts: JSON (the `check` contract) and one plain line for people.
#ifndef RCPTGUARD_VERDICT_FORMAT_H_
#define RCPTGUARD_VERDICT_FORMAT_H_

#include <string>
#include <string_view>

#include "rcptguard/policy.h"

namespace rcptguard {

// Appends `text` to *out as a JSON string literal (quotes included). Invalid
// UTF-8 is replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string_view text, std::string* out);

// Appends one JSON object (no newline) with the fields of DESIGN.md section 4:
// recipient, verdict, reasons [{code, class, detail}], suggestion, intended_domain, score.
void AppendVerdictJson(const Verdict& verdict, std::string* out);

// Appends one line for people: the verdict, the recipient, the reason in words
// and the suggestion ("did you mean alice@army.mil?").
void AppendVerdictText(const Verdict& verdict, std::string* out);

}  // namespace rcptguard

#endif  // RCPTGUARD_VERDICT_FORMAT_H_
