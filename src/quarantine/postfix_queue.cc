// The hold queue through postqueue -j, postcat and postsuper.
#include "quarantine/postfix_queue.h"

#include <nlohmann/json.hpp>

#include "platform/subprocess.h"
#include "quarantine/hold_records.h"

namespace rcptguard {

std::vector<std::string> PostfixQueue::Command(std::initializer_list<std::string> args) const {
  auto it = args.begin();
  std::vector<std::string> argv = {*it++};
  if (!config_directory_.empty()) argv.insert(argv.end(), {"-c", config_directory_});
  argv.insert(argv.end(), it, args.end());
  return argv;
}

Result<std::vector<HeldMessage>> PostfixQueue::ListHeld() const {
  auto queue = RunAndCapture(Command({"postqueue", "-j"}));
  if (!queue) return Unexpected(queue.error());
  std::vector<HeldMessage> held;
  size_t start = 0;
  while (start < queue->size()) {
    size_t end = queue->find('\n', start);
    if (end == std::string::npos) end = queue->size();
    std::string_view line(queue->data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded() || !entry.is_object() || entry.value("queue_name", "") != "hold") {
      continue;
    }
    HeldMessage message;
    message.queue_id = entry.value("queue_id", "");
    message.sender = entry.value("sender", "");
    message.arrival_time = entry.value("arrival_time", 0LL);
    for (const auto& recipient : entry.value("recipients", nlohmann::json::array())) {
      if (recipient.is_object()) message.recipients.push_back(recipient.value("address", ""));
    }
    if (!IsQueueId(message.queue_id)) continue;
    held.push_back(std::move(message));
  }
  return held;
}

Result<std::string> PostfixQueue::Headers(const std::string& queue_id) const {
  return RunAndCapture(Command({"postcat", "-h", "-q", queue_id}));
}

Result<std::string> PostfixQueue::EnvelopeAndHeaders(const std::string& queue_id) const {
  return RunAndCapture(Command({"postcat", "-e", "-h", "-q", queue_id}));
}

Result<void> PostfixQueue::Release(const std::string& queue_id) const {
  if (auto done = RunAndCapture(Command({"postsuper", "-H", queue_id})); !done) {
    return Unexpected(done.error());
  }
  // Deliver it now rather than at the next queue run.
  if (auto done = RunAndCapture(Command({"postqueue", "-i", queue_id})); !done) {
    return Unexpected(done.error());
  }
  return {};
}

Result<void> PostfixQueue::Discard(const std::string& queue_id) const {
  if (auto done = RunAndCapture(Command({"postsuper", "-d", queue_id})); !done) {
    return Unexpected(done.error());
  }
  return {};
}

}  // namespace rcptguard
