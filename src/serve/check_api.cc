// ParseCheckRequest, CheckMessage and the answer's JSON (see check_api.h).
#include "serve/check_api.h"

#include <nlohmann/json.hpp>

#include "rcptguard/verdict_format.h"

namespace rcptguard {
namespace {

Failure BadRequest(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// RFC 5322's field-name: printable ASCII except the colon.
bool IsFieldName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~' || c == ':') return false;
  }
  return true;
}

std::string_view TypeName(const nlohmann::ordered_json& value) { return value.type_name(); }

}  // namespace

Result<CheckRequest> ParseCheckRequest(std::string_view body, const CheckLimits& limits) {
  // No exceptions: a parse error gives a discarded value.
  nlohmann::ordered_json json =
      nlohmann::ordered_json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded()) return BadRequest("the body is not valid JSON");
  if (!json.is_object()) return BadRequest("the body must be a JSON object");
  CheckRequest request;
  bool have_recipients = false;
  for (const auto& [key, value] : json.items()) {
    if (key == "from") {
      if (!value.is_string()) {
        return BadRequest("'from' must be a string, not " + std::string(TypeName(value)));
      }
      request.from = value.get<std::string>();
      if (request.from.size() > limits.max_address_bytes) return BadRequest("'from' is too long");
    } else if (key == "recipients") {
      if (!value.is_array()) {
        return BadRequest("'recipients' must be an array of strings, not " +
                          std::string(TypeName(value)));
      }
      if (value.size() > limits.max_recipients) {
        return BadRequest("'recipients' has " + std::to_string(value.size()) +
                          " entries; at most " + std::to_string(limits.max_recipients) +
                          " are taken in one request");
      }
      for (const nlohmann::ordered_json& recipient : value) {
        if (!recipient.is_string()) {
          return BadRequest("every recipient must be a string, not " +
                            std::string(TypeName(recipient)));
        }
        request.recipients.push_back(recipient.get<std::string>());
        if (request.recipients.back().size() > limits.max_address_bytes) {
          return BadRequest("recipient " + std::to_string(request.recipients.size()) +
                            " is longer than " + std::to_string(limits.max_address_bytes) +
                            " bytes");
        }
      }
      have_recipients = true;
    } else if (key == "subject") {
      if (!value.is_string()) {
        return BadRequest("'subject' must be a string, not " + std::string(TypeName(value)));
      }
      request.headers.insert(request.headers.begin(), {"Subject", value.get<std::string>()});
    } else if (key == "headers") {
      if (!value.is_object()) {
        return BadRequest("'headers' must be an object of field names to strings, not " +
                          std::string(TypeName(value)));
      }
      for (const auto& [name, field] : value.items()) {
        if (!IsFieldName(name)) {
          return BadRequest("'headers': '" + name.substr(0, 80) + "' is not a header field name");
        }
        auto add = [&](const nlohmann::ordered_json& one) -> Result<void> {
          if (!one.is_string()) {
            return BadRequest("'headers': the value of " + name +
                              " must be a string or an array of strings");
          }
          if (request.headers.size() == limits.max_header_fields) {
            return BadRequest("'headers': more than " + std::to_string(limits.max_header_fields) +
                              " fields");
          }
          request.headers.emplace_back(name, one.get<std::string>());
          return {};
        };
        if (field.is_array()) {
          for (const nlohmann::ordered_json& one : field) RCPTGUARD_TRY(add(one));
        } else {
          RCPTGUARD_TRY(add(field));
        }
      }
    } else {
      return BadRequest("unknown field '" + key.substr(0, 80) +
                        "' (the fields are from, recipients, subject and headers)");
    }
  }
  if (!have_recipients || request.recipients.empty()) {
    return BadRequest("'recipients' must name at least one address");
  }
  return request;
}

std::vector<Verdict> CheckMessage(const std::shared_ptr<const SessionSettings>& settings,
                                  SessionServices services, const CheckRequest& request) {
  MessageSession session(settings, std::move(services));
  // The client asks about mail it is about to submit: checked as mail
  // submitted on this host is (as `rcptguard scan` checks a saved message).
  ConnectionFacts facts;
  facts.local = true;
  session.Connect(std::move(facts));
  session.Sender("<" + request.from + ">");
  for (const std::string& recipient : request.recipients) session.Recipient("<" + recipient + ">");
  for (const auto& [name, value] : request.headers) session.Header(name, value);
  session.EndOfHeaders();
  return session.EndOfMessage().verdicts;
}

std::string CheckResponseJson(const std::vector<Verdict>& verdicts) {
  std::string out = "{\"recipients\":[";
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendVerdictJson(verdicts[i], &out);
  }
  out.append("]}\n");
  return out;
}

std::string ErrorJson(int status, std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(message, &out);
  out.append(",\"status\":" + std::to_string(status) + "}\n");
  return out;
}

}  // namespace rcptguard
