// POST /api/v1/check: the request body into a message for the core's
// MessageSession (the pipeline the milter and `scan` feed), and its verdicts
// into the answer. The HTTP server (serve_process.cc) only moves bytes.
#ifndef RCPTGUARD_SERVE_CHECK_API_H_
#define RCPTGUARD_SERVE_CHECK_API_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rcptguard/policy.h"
#include "rcptguard/result.h"
#include "rcptguard/session.h"

namespace rcptguard {

// {"from": "...", "recipients": ["...", ...], "subject": "...", "headers": {...}}
struct CheckRequest {
  std::string from;  // empty: the null sender
  std::vector<std::string> recipients;
  // Header fields in order: Subject first (if given), then "headers", whose
  // values are a string or an array of strings (a field given more than once).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct CheckLimits {
  size_t max_recipients = 1000;
  size_t max_address_bytes = 1024;
  size_t max_header_fields = 1000;
};

// Parses a request body. Fails (kInvalidArgument) with a message a client
// developer can act on: not JSON, not an object, an unknown field, a field of
// the wrong type, no recipients, more than `limits.max_recipients`, a header
// name that is not a field name. Never throws.
Result<CheckRequest> ParseCheckRequest(std::string_view body, const CheckLimits& limits);

// Feeds the request through a MessageSession, as the milter feeds a message
// submitted on this host: connect, sender, each recipient, each header, end
// of headers, end of message (no body). Returns every recipient's final
// verdict in the order given, markings and history included.
std::vector<Verdict> CheckMessage(const std::shared_ptr<const SessionSettings>& settings,
                                  SessionServices services, const CheckRequest& request);

// {"recipients": [ ... ]}: each element the JSON object of `rcptguard check
// --format jsonl` (AppendVerdictJson).
std::string CheckResponseJson(const std::vector<Verdict>& verdicts);

// {"error": "...", "status": N}
std::string ErrorJson(int status, std::string_view message);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CHECK_API_H_
