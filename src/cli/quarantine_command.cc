// `rcptguard quarantine`: the messages rcptguard put in Postfix's hold queue,
// for the people who review them: list, show, release, discard. It drives
// Postfix's own tools (postqueue, postcat, postsuper), so it sees exactly what
// Postfix holds.
#include <strings.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "learn/message_headers.h"
#include "platform/subprocess.h"
#include "rcptguard/session.h"

namespace rcptguard {
namespace {

struct QuarantineOptions {
  std::string postfix_config;  // -c for the Postfix tools; empty: Postfix's default
  std::string config_path;     // rcptguard's configuration: where history is
  std::string store;           // --store, overriding [history] store
  std::string format = "text";
  std::vector<std::string> ids;
};

struct HeldMessage {
  std::string queue_id;
  std::string sender;
  std::vector<std::string> recipients;
  long long arrival_time = 0;
  std::string rcptguard;  // the X-Rcptguard header: what was found and why
};

std::vector<std::string> PostfixCommand(const QuarantineOptions& options,
                                        std::initializer_list<std::string> args) {
  auto it = args.begin();
  std::vector<std::string> argv = {*it++};
  if (!options.postfix_config.empty()) argv.insert(argv.end(), {"-c", options.postfix_config});
  argv.insert(argv.end(), it, args.end());
  return argv;
}

// Postfix queue ids are letters and digits; anything else is refused before it
// reaches a command line.
bool IsQueueId(const std::string& id) {
  return !id.empty() && id.size() < 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c));
  });
}

Result<std::string> HeaderOf(const QuarantineOptions& options, const std::string& id,
                             std::string_view name) {
  auto headers = RunAndCapture(PostfixCommand(options, {"postcat", "-h", "-q", id}));
  if (!headers) return tl::unexpected(headers.error());
  // Headers start at a line start; a leading newline makes the first one too.
  std::string text = "\n" + *headers;
  std::string prefix = "\n" + std::string(name) + ": ";
  size_t at = text.find(prefix);
  if (at == std::string::npos) return std::string();
  at += prefix.size();
  return text.substr(at, text.find('\n', at) - at);
}

Result<std::vector<HeldMessage>> ListHeld(const QuarantineOptions& options) {
  auto queue = RunAndCapture(PostfixCommand(options, {"postqueue", "-j"}));
  if (!queue) return tl::unexpected(queue.error());
  std::vector<HeldMessage> held;
  size_t start = 0;
  while (start < queue->size()) {
    size_t end = queue->find('\n', start);
    std::string line =
        queue->substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? queue->size() : end + 1;
    if (line.empty()) continue;
    auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded() || entry.value("queue_name", "") != "hold") continue;
    HeldMessage message;
    message.queue_id = entry.value("queue_id", "");
    message.sender = entry.value("sender", "");
    message.arrival_time = entry.value("arrival_time", 0LL);
    for (const auto& recipient : entry.value("recipients", nlohmann::json::array())) {
      message.recipients.push_back(recipient.value("address", ""));
    }
    if (!IsQueueId(message.queue_id)) continue;
    auto header = HeaderOf(options, message.queue_id, "X-Rcptguard");
    if (header) message.rcptguard = *header;  // gone meanwhile: still listed
    held.push_back(std::move(message));
  }
  return held;
}

std::string Age(long long seconds) {
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

int List(const QuarantineOptions& options) {
  auto held = ListHeld(options);
  if (!held) {
    std::fprintf(stderr, "rcptguard: %s\n", held.error().ToString().c_str());
    return 1;
  }
  long long now = static_cast<long long>(std::time(nullptr));
  if (options.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const HeldMessage& message : *held) {
      out.push_back({{"queue_id", message.queue_id},
                     {"sender", message.sender},
                     {"recipients", message.recipients},
                     {"arrival_time", message.arrival_time},
                     {"age_seconds", now - message.arrival_time},
                     {"rcptguard", message.rcptguard.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(message.rcptguard)}});
    }
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (held->empty()) {
    std::printf("no messages on hold\n");
    return 0;
  }
  for (const HeldMessage& message : *held) {
    std::string recipients;
    for (const std::string& recipient : message.recipients) {
      recipients += (recipients.empty() ? "" : ", ") + SanitizeForLine(recipient, 200, false);
    }
    std::printf("%-14s %5s  from <%s> to %s\n", message.queue_id.c_str(),
                Age(now - message.arrival_time).c_str(),
                SanitizeForLine(message.sender, 200, false).c_str(), recipients.c_str());
    std::printf("%-14s        %s\n", "",
                message.rcptguard.empty()
                    ? "(not held by rcptguard)"
                    : SanitizeForLine(message.rcptguard, 1000, false).c_str());
  }
  return 0;
}

// Runs `action` on each id that is in the hold queue; ids that are not are
// reported and make the exit status 1.
template <typename Action>
int ForEachHeld(const QuarantineOptions& options, Action action) {
  auto held = ListHeld(options);
  if (!held) {
    std::fprintf(stderr, "rcptguard: %s\n", held.error().ToString().c_str());
    return 1;
  }
  int status = 0;
  for (const std::string& id : options.ids) {
    bool on_hold =
        IsQueueId(id) && std::any_of(held->begin(), held->end(),
                                     [&](const HeldMessage& m) { return m.queue_id == id; });
    if (!on_hold) {
      std::fprintf(stderr, "rcptguard: %s is not in the hold queue\n",
                   SanitizeForLine(id, 64, true).c_str());
      status = 1;
      continue;
    }
    if (auto done = action(id); !done) {
      std::fprintf(stderr, "rcptguard: %s: %s\n", id.c_str(), done.error().ToString().c_str());
      status = 1;
    }
  }
  return status;
}

int Show(const QuarantineOptions& options) {
  return ForEachHeld(options, [&](const std::string& id) -> Result<void> {
    // Envelope and headers only: the body may be the sensitive part.
    auto text = RunAndCapture(PostfixCommand(options, {"postcat", "-e", "-h", "-q", id}));
    if (!text) return tl::unexpected(text.error());
    std::fputs(text->c_str(), stdout);
    return {};
  });
}

// What history learns from a held message: someone confirmed it by releasing
// it, so every envelope recipient is meant, with the names its headers give.
Result<SentMessage> ReleasedMessage(const QuarantineOptions& options, const HeldMessage& held) {
  auto headers = RunAndCapture(PostfixCommand(options, {"postcat", "-h", "-q", held.queue_id}));
  if (!headers) return tl::unexpected(headers.error());
  SentMessage from_headers;
  ParseMessageHeaders(*headers, &from_headers);
  SentMessage message;
  message.key = from_headers.key;
  message.sender = held.sender;
  message.time = std::time(nullptr);
  for (const std::string& recipient : held.recipients) {
    std::string name;
    for (const SentRecipient& named : from_headers.recipients) {
      if (strcasecmp(named.address.c_str(), recipient.c_str()) == 0) name = named.display_name;
    }
    message.recipients.push_back(SentRecipient{recipient, name});
  }
  return message;
}

// Records released messages in history, when the configuration keeps one.
// A failure here is reported but does not undo the release.
void LearnReleased(const QuarantineOptions& options, const std::vector<SentMessage>& released) {
  if (released.empty()) return;
  auto config = LoadConfig(ConfigRequest{options.config_path, {}});
  if (!config) {
    std::fprintf(stderr, "rcptguard: not learned: %s\n", config.error().ToString().c_str());
    return;
  }
  if (options.store.empty() && config->history.store.empty()) return;  // no history kept
  auto store_options = ResolveStoreOptions(options.store, config->history);
  auto store = store_options
                   ? OpenHistoryStore(*store_options)
                   : Result<std::unique_ptr<HistoryStore>>(tl::unexpected(store_options.error()));
  auto recorded =
      store ? (*store)->Record(released) : Result<size_t>(tl::unexpected(store.error()));
  if (!recorded) {
    std::fprintf(stderr, "rcptguard: released, but not learned: %s\n",
                 recorded.error().ToString().c_str());
  }
}

int Release(const QuarantineOptions& options) {
  auto held = ListHeld(options);
  std::vector<SentMessage> released;
  int status = ForEachHeld(options, [&](const std::string& id) -> Result<void> {
    // Read before the release: afterwards the message may already be gone.
    std::optional<SentMessage> learned;
    if (held) {
      for (const HeldMessage& message : *held) {
        if (message.queue_id != id) continue;
        if (auto parsed = ReleasedMessage(options, message)) learned = std::move(*parsed);
      }
    }
    if (auto done = RunAndCapture(PostfixCommand(options, {"postsuper", "-H", id})); !done) {
      return tl::unexpected(done.error());
    }
    // Deliver it now rather than at the next queue run.
    if (auto done = RunAndCapture(PostfixCommand(options, {"postqueue", "-i", id})); !done) {
      return tl::unexpected(done.error());
    }
    std::printf("released %s\n", id.c_str());
    if (learned) released.push_back(std::move(*learned));
    return {};
  });
  LearnReleased(options, released);
  return status;
}

int Discard(const QuarantineOptions& options) {
  return ForEachHeld(options, [&](const std::string& id) -> Result<void> {
    if (auto done = RunAndCapture(PostfixCommand(options, {"postsuper", "-d", id})); !done) {
      return tl::unexpected(done.error());
    }
    std::printf("discarded %s\n", id.c_str());
    return {};
  });
}

}  // namespace

CommandRunner AddQuarantineCommand(CLI::App& app) {
  auto options = std::make_shared<QuarantineOptions>();
  CLI::App* quarantine = app.add_subcommand(
      "quarantine", "Review the messages rcptguard held in Postfix's hold queue");
  quarantine->require_subcommand(1);
  quarantine->add_option("--postfix-config", options->postfix_config,
                         "Postfix configuration directory (default: Postfix's own)");
  quarantine->add_option("-c,--config", options->config_path,
                         "rcptguard configuration, for [history] (release teaches history)");
  quarantine->add_option("--store", options->store,
                         "History store URL for release to record in, overriding [history] store");
  CLI::App* list = quarantine->add_subcommand("list",
                                              "List held messages with sender, "
                                              "recipients, age and reasons");
  list->add_option("--format", options->format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  CLI::App* show =
      quarantine->add_subcommand("show", "Print a held message's envelope and headers");
  CLI::App* release = quarantine->add_subcommand("release", "Deliver held messages now");
  CLI::App* discard = quarantine->add_subcommand("discard", "Delete held messages");
  for (CLI::App* command : {show, release, discard}) {
    command->add_option("ids", options->ids, "Postfix queue ids")->required();
  }
  return [options, list, show, release, discard] {
    if (list->parsed()) return List(*options);
    if (show->parsed()) return Show(*options);
    if (release->parsed()) return Release(*options);
    if (discard->parsed()) return Discard(*options);
    return kExitUsage;
  };
}

}  // namespace rcptguard
