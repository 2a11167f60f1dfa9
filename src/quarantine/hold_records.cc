// Hold records on disk: JSON, one file per held message, written atomically.
#include "quarantine/hold_records.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "platform/files.h"
#include "rcptguard/verdict_format.h"

namespace rcptguard {
namespace {

Error IoError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kIo, what + ": " + std::strerror(errno), path};
}

// Reads a verdict back from the object AppendVerdictJson wrote.
Verdict VerdictFromJson(const nlohmann::json& object) {
  Verdict verdict;
  verdict.recipient = object.value("recipient", "");
  verdict.action = ParseAction(object.value("verdict", "")).value_or(Action::kHold);
  verdict.score = object.value("score", 0.0);
  if (object.contains("suggestion") && object["suggestion"].is_string()) {
    verdict.suggestion = object["suggestion"].get<std::string>();
  }
  if (object.contains("intended_domain") && object["intended_domain"].is_string()) {
    verdict.intended_domain = object["intended_domain"].get<std::string>();
  }
  for (const auto& item : object.value("reasons", nlohmann::json::array())) {
    if (!item.is_object()) continue;
    Reason reason;
    reason.code = item.value("code", "");
    reason.label_kind = ReasonLabelFor(reason.code);
    if (item.contains("class") && item["class"].is_string()) {
      reason.label = item["class"].get<std::string>();
    }
    reason.detail = item.value("detail", "");
    reason.action = ParseAction(item.value("action", "")).value_or(Action::kHold);
    verdict.reasons.push_back(std::move(reason));
  }
  return verdict;
}

}  // namespace

bool IsQueueId(std::string_view id) {
  return !id.empty() && id.size() < 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c));
  });
}

std::string HoldRecordToJson(const HoldRecord& record) {
  std::string out = "{\"queue_id\":";
  AppendJsonString(record.queue_id, &out);
  out += ",\"message_id\":";
  AppendJsonString(record.message_id, &out);
  out += ",\"sender\":";
  AppendJsonString(record.sender, &out);
  out += ",\"held_at\":" + std::to_string(record.held_at) + ",\"reason\":";
  AppendJsonString(record.reason, &out);
  out += ",\"markings\":[";
  for (size_t i = 0; i < record.markings.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(record.markings[i], &out);
  }
  out += "],\"recipients\":[";
  for (size_t i = 0; i < record.verdicts.size(); ++i) {
    if (i > 0) out += ',';
    AppendVerdictJson(record.verdicts[i], &out);
  }
  out += "]}\n";
  return out;
}

Result<HoldRecord> HoldRecordFromJson(std::string_view text) {
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("queue_id") ||
      !json["queue_id"].is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a hold record");
  }
  HoldRecord record;
  record.queue_id = json["queue_id"].get<std::string>();
  record.message_id = json.value("message_id", "");
  record.sender = json.value("sender", "");
  record.held_at = json.value("held_at", int64_t{0});
  record.reason = json.value("reason", "");
  for (const auto& name : json.value("markings", nlohmann::json::array())) {
    if (name.is_string()) record.markings.push_back(name.get<std::string>());
  }
  for (const auto& item : json.value("recipients", nlohmann::json::array())) {
    if (item.is_object()) record.verdicts.push_back(VerdictFromJson(item));
  }
  return record;
}

std::string HoldDirectory::FileFor(std::string_view queue_id) const {
  return path_ + "/" + std::string(queue_id) + ".json";
}

Result<void> HoldDirectory::Write(const HoldRecord& record) const {
  if (!IsQueueId(record.queue_id)) {
    return MakeError(ErrorCode::kInvalidArgument, "no usable queue id for the hold record");
  }
  if (mkdir(path_.c_str(), 0750) != 0 && errno != EEXIST) {
    return Unexpected(IoError("cannot create the hold directory", path_));
  }
  std::string final_path = FileFor(record.queue_id);
  std::string temporary = path_ + "/." + record.queue_id + "." + std::to_string(getpid());
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) return Unexpected(IoError("cannot create a hold record", temporary));
  std::string text = HoldRecordToJson(record);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error error = IoError("cannot write a hold record", temporary);
      close(fd);
      unlink(temporary.c_str());
      return Unexpected(std::move(error));
    }
    written += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    Error error = IoError("cannot write a hold record", temporary);
    unlink(temporary.c_str());
    return Unexpected(std::move(error));
  }
  if (rename(temporary.c_str(), final_path.c_str()) != 0) {
    Error error = IoError("cannot put the hold record in place", final_path);
    unlink(temporary.c_str());
    return Unexpected(std::move(error));
  }
  return {};
}

Result<std::optional<HoldRecord>> HoldDirectory::Read(std::string_view queue_id) const {
  if (!IsQueueId(queue_id) || path_.empty()) return std::optional<HoldRecord>();
  std::string file = FileFor(queue_id);
  struct stat info;
  if (stat(file.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<HoldRecord>();
    return Unexpected(IoError("cannot read the hold record", file));
  }
  auto text = ReadFile(file);
  if (!text) return Unexpected(text.error());
  auto record = HoldRecordFromJson(*text);
  if (!record) return MakeError(ErrorCode::kIo, "not a hold record", file);
  return std::optional<HoldRecord>(std::move(*record));
}

Result<void> HoldDirectory::Remove(std::string_view queue_id) const {
  if (!IsQueueId(queue_id) || path_.empty()) return {};
  std::string file = FileFor(queue_id);
  if (unlink(file.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return Unexpected(IoError("cannot remove the hold record", file));
  }
  unlink((path_ + "/." + std::string(queue_id) + ".notified").c_str());
  return {};
}

Result<bool> HoldDirectory::Claim(std::string_view queue_id) const {
  return CreateMarker(queue_id, ".claim", "cannot claim the held message");
}

Result<bool> HoldDirectory::MarkNotified(std::string_view queue_id) const {
  return CreateMarker(queue_id, ".notified", "cannot mark the sender notified");
}

Result<bool> HoldDirectory::CreateMarker(std::string_view queue_id, std::string_view suffix,
                                         std::string_view what) const {
  if (!IsQueueId(queue_id)) {
    return MakeError(ErrorCode::kInvalidArgument, "not a queue id");
  }
  if (path_.empty()) return true;
  if (mkdir(path_.c_str(), 0750) != 0 && errno != EEXIST) {
    return Unexpected(IoError("cannot create the hold directory", path_));
  }
  std::string marker = path_ + "/." + std::string(queue_id) + std::string(suffix);
  int fd = open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return Unexpected(IoError(std::string(what), marker));
  }
  close(fd);
  return true;
}

void HoldDirectory::Unclaim(std::string_view queue_id) const {
  if (!IsQueueId(queue_id) || path_.empty()) return;
  std::string claim = path_ + "/." + std::string(queue_id) + ".claim";
  unlink(claim.c_str());
}

}  // namespace rcptguard
