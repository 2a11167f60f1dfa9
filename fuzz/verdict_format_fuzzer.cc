// libFuzzer target for the output formats: a verdict whose recipient, reason
// and suggestion are arbitrary bytes must render as JSON that a strict parser
// accepts (every string well-formed UTF-8, ill-formed input as U+FFFD), and
// as a text line with no control character, which ICU's strict UTF-8
// decoder also accepts.
#include <unicode/ustring.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_contract.h"
#include "rcptguard/policy.h"
#include "rcptguard/verdict_format.h"

namespace rcptguard {
namespace {

// Returns true iff `text` is well-formed UTF-8 by ICU's strict decoder
// (u_strFromUTF8 fails on overlong forms, surrogates and bytes over F4).
bool StrictUtf8(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  u_strFromUTF8(nullptr, 0, &length, text.data(), static_cast<int32_t>(text.size()), &status);
  return status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING ||
         U_SUCCESS(status);
}

}  // namespace
}  // namespace rcptguard

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rcptguard;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Three pieces of untrusted text from one input.
  size_t third = size / 3;
  Verdict verdict;
  verdict.recipient.assign(input.substr(0, third));
  verdict.action = Action::kReject;
  verdict.reasons.push_back(
      Reason{"lookalike-domain", ReasonLabel::kClass, std::string(input.substr(third, third)),
             "the detail quotes what was typed: " + std::string(input.substr(2 * third)),
             Action::kReject});
  verdict.suggestion = std::string(input.substr(2 * third));
  verdict.score = 0.5;

  std::string json;
  AppendVerdictJson(verdict, &json);
  FUZZ_CONTRACT(StrictUtf8(json), "the JSON output is well-formed UTF-8");
  auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  FUZZ_CONTRACT(!parsed.is_discarded(), "the JSON output parses");
  FUZZ_CONTRACT(parsed.is_object() && parsed["recipient"].is_string(),
                "the recipient is a JSON string");
  if (StrictUtf8(verdict.recipient)) {
    FUZZ_CONTRACT(parsed["recipient"].get<std::string>() == verdict.recipient,
                  "well-formed text survives unchanged");
  }

  std::string text;
  AppendVerdictText(verdict, &text);
  FUZZ_CONTRACT(!text.empty() && text.back() == '\n', "one line");
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    FUZZ_CONTRACT(c >= 0x20 && c != 0x7f, "no control character reaches a terminal");
  }
  FUZZ_CONTRACT(StrictUtf8(text), "the text output is well-formed UTF-8");
  return 0;
}
