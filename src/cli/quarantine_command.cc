// `rcptguard quarantine`: the messages rcptguard put in Postfix's hold queue,
// for the people who review them: list, show, release, discard, prune. What
// rcptguard found is read from the hold record the milter wrote when it held
// the message, never from the message (whose headers every recipient reads).
#include <dirent.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "quarantine/hold_records.h"
#include "quarantine/postfix_queue.h"
#include "rcptguard/message_headers.h"
#include "rcptguard/session.h"
#include "rcptguard/verdict_format.h"

namespace rcptguard {
namespace {

// Exit statuses (man/rcptguard.1).
constexpr int kExitDone = 0;
constexpr int kExitNotHeld = 1;       // an id is not in the hold queue, or not ours
constexpr int kExitPostfixFailed = 3;  // postqueue, postcat or postsuper failed

struct QuarantineOptions {
  std::string postfix_config;  // -c for the Postfix tools; empty: Postfix's default
  std::string config_path;     // rcptguard's configuration: hold records and history
  std::string hold_directory;  // --hold-directory, overriding [milter] hold_directory
  std::string store;           // --store, overriding [history] store
  std::string format = "text";
  bool all = false;    // list: also messages rcptguard did not hold
  bool force = false;  // release/discard: also messages rcptguard did not hold
  std::vector<std::string> ids;
};

// A held message and, when rcptguard held it, its record.
struct Entry {
  HeldMessage message;
  std::optional<HoldRecord> record;
};

void PrintError(const std::string& text) { ReportError("quarantine", text); }

class Quarantine {
 public:
  explicit Quarantine(const QuarantineOptions& options)
      : options_(options), queue_(options.postfix_config) {}

  // Loads rcptguard's configuration (for the hold directory and history).
  // Returns false after printing the error.
  bool LoadSettings() {
    auto config = LoadConfig(ConfigRequest{options_.config_path, {}});
    if (!config) {
      PrintError(config.error().ToString());
      return false;
    }
    config_ = std::move(*config);
    records_ = HoldDirectory(!options_.hold_directory.empty() ? options_.hold_directory
                                                              : config_.milter.hold_directory);
    return true;
  }

  // Every held message, with its record where rcptguard held it. A record
  // belongs to a message only if the sender matches too: Postfix reuses
  // short queue ids, and a record left from an earlier message must not
  // vouch for a later one.
  Result<std::vector<Entry>> List() const {
    auto held = queue_.ListHeld();
    if (!held) return Unexpected(held.error());
    std::vector<Entry> entries;
    for (HeldMessage& message : *held) {
      Entry entry{std::move(message), std::nullopt};
      auto record = records_.Read(entry.message.queue_id);
      if (!record) {
        PrintError(record.error().ToString());
      } else if (*record && (*record)->sender == entry.message.sender) {
        entry.record = std::move(**record);
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  int RunList() const {
    auto entries = List();
    if (!entries) return PostfixFailed(entries.error());
    long long now = static_cast<long long>(std::time(nullptr));
    std::vector<const Entry*> shown;
    for (const Entry& entry : *entries) {
      if (entry.record || options_.all) shown.push_back(&entry);
    }
    if (options_.format == "json") {
      std::string out = "[";
      for (size_t i = 0; i < shown.size(); ++i) {
        if (i > 0) out += ",";
        out += "\n  " + EntryJson(*shown[i], now);
      }
      out += shown.empty() ? "]\n" : "\n]\n";
      std::fputs(out.c_str(), stdout);
      return kExitDone;
    }
    if (shown.empty()) {
      std::printf("no messages on hold%s\n", options_.all ? "" : " by rcptguard");
    }
    for (const Entry* entry : shown) PrintEntry(*entry, now);
    size_t others = entries->size();
    for (const Entry& entry : *entries) others -= entry.record ? 1 : 0;
    if (!options_.all && others > 0) {
      std::printf("(%zu more held by something else: --all lists them)\n", others);
    }
    return kExitDone;
  }

  int RunShow() const {
    return ForEach(/*only_ours=*/false, [&](const Entry& entry) -> Result<void> {
      // Envelope and headers only: the body may be the sensitive part.
      auto text = queue_.EnvelopeAndHeaders(entry.message.queue_id);
      if (!text) return Unexpected(text.error());
      std::fputs(text->c_str(), stdout);
      std::printf("*** rcptguard ***\n");
      if (!entry.record) {
        std::printf("not held by rcptguard\n");
        return {};
      }
      for (const Verdict& verdict : entry.record->verdicts) {
        std::string line;
        AppendVerdictText(verdict, &line);
        std::fputs(line.c_str(), stdout);
      }
      return {};
    });
  }

  int RunRelease() const {
    std::vector<SentMessage> released;
    int status = ForEach(/*only_ours=*/true, [&](const Entry& entry) -> Result<void> {
      // Read before the release: afterwards the message may already be gone.
      // Only what rcptguard held is learned: someone confirmed our question.
      std::optional<SentMessage> learned;
      if (entry.record) {
        if (auto parsed = ReleasedMessage(entry.message)) learned = std::move(*parsed);
      }
      if (auto done = queue_.Release(entry.message.queue_id); !done) {
        return Unexpected(done.error());
      }
      std::printf("released %s\n", entry.message.queue_id.c_str());
      RemoveRecord(entry);
      if (learned) released.push_back(std::move(*learned));
      return {};
    });
    LearnReleased(released);
    return status;
  }

  int RunDiscard() const {
    return ForEach(/*only_ours=*/true, [&](const Entry& entry) -> Result<void> {
      if (auto done = queue_.Discard(entry.message.queue_id); !done) {
        return Unexpected(done.error());
      }
      std::printf("discarded %s\n", entry.message.queue_id.c_str());
      RemoveRecord(entry);
      return {};
    });
  }

  // Removes records whose message is no longer in the hold queue (released
  // or deleted with Postfix's tools directly). A record younger than ten
  // minutes is kept: the milter writes it just before Postfix holds the
  // message.
  int RunPrune() const {
    auto held = queue_.ListHeld();
    if (!held) return PostfixFailed(held.error());
    DIR* dir = opendir(records_.path().c_str());
    if (dir == nullptr) {
      std::printf("pruned 0 hold records\n");
      return kExitDone;
    }
    long long cutoff = static_cast<long long>(std::time(nullptr)) - 600;
    size_t pruned = 0;
    while (dirent* item = readdir(dir)) {
      std::string name = item->d_name;
      if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
      std::string id = name.substr(0, name.size() - 5);
      if (!IsQueueId(id)) continue;
      bool still_held = std::any_of(held->begin(), held->end(),
                                    [&](const HeldMessage& m) { return m.queue_id == id; });
      struct stat info;
      std::string path = records_.path() + "/" + name;
      if (still_held || stat(path.c_str(), &info) != 0 || info.st_mtime > cutoff) continue;
      if (records_.Remove(id)) ++pruned;
    }
    closedir(dir);
    std::printf("pruned %zu hold records\n", pruned);
    return kExitDone;
  }

 private:
  int PostfixFailed(const Error& error) const {
    PrintError(error.ToString());
    return kExitPostfixFailed;
  }

  // Runs `action` on each id given that is in the hold queue. An id that is
  // not, or (`only_ours`, without --force) that rcptguard did not hold, makes
  // the status kExitNotHeld; a failed Postfix tool makes it kExitPostfixFailed.
  template <typename Action>
  int ForEach(bool only_ours, Action action) const {
    auto entries = List();
    if (!entries) return PostfixFailed(entries.error());
    int status = kExitDone;
    for (const std::string& id : options_.ids) {
      std::string shown_id = SanitizeForLine(id, 64, true);
      auto found = std::find_if(entries->begin(), entries->end(), [&](const Entry& entry) {
        return IsQueueId(id) && entry.message.queue_id == id;
      });
      if (found == entries->end()) {
        PrintError(shown_id + " is not in the hold queue");
        status = std::max(status, kExitNotHeld);
        continue;
      }
      if (!found->record && !options_.force && only_ours) {
        PrintError(shown_id + " was not held by rcptguard; --force acts on it anyway");
        status = std::max(status, kExitNotHeld);
        continue;
      }
      if (auto done = action(*found); !done) {
        PrintError(shown_id + ": " + done.error().ToString());
        status = kExitPostfixFailed;
      }
    }
    return status;
  }

  void RemoveRecord(const Entry& entry) const {
    if (!entry.record) return;
    if (auto removed = records_.Remove(entry.message.queue_id); !removed) {
      PrintError(removed.error().ToString());
    }
  }

  std::string EntryJson(const Entry& entry, long long now) const {
    nlohmann::json object = {{"queue_id", entry.message.queue_id},
                             {"sender", entry.message.sender},
                             {"recipients", entry.message.recipients},
                             {"arrival_time", entry.message.arrival_time},
                             {"age_seconds", now - entry.message.arrival_time},
                             {"held_by_rcptguard", entry.record.has_value()}};
    std::string out = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.pop_back();  // the closing brace: the record's fields follow
    out += ",\"rcptguard\":";
    if (entry.record) {
      AppendJsonString(entry.record->reason, &out);
      out += ",\"markings\":[";
      for (size_t i = 0; i < entry.record->markings.size(); ++i) {
        if (i > 0) out += ",";
        AppendJsonString(entry.record->markings[i], &out);
      }
      out += "],\"verdicts\":[";
      for (size_t i = 0; i < entry.record->verdicts.size(); ++i) {
        if (i > 0) out += ",";
        AppendVerdictJson(entry.record->verdicts[i], &out);
      }
      out += "]";
    } else {
      out += "null";
    }
    return out + "}";
  }

  static std::string Age(long long seconds) {
    if (seconds < 120) return std::to_string(seconds) + "s";
    if (seconds < 7200) return std::to_string(seconds / 60) + "m";
    if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
    return std::to_string(seconds / 86400) + "d";
  }

  void PrintEntry(const Entry& entry, long long now) const {
    std::string recipients;
    for (const std::string& recipient : entry.message.recipients) {
      recipients += (recipients.empty() ? "" : ", ") + SanitizeForLine(recipient, 200, false);
    }
    std::printf("%-14s %5s  from <%s> to %s\n", entry.message.queue_id.c_str(),
                Age(now - entry.message.arrival_time).c_str(),
                SanitizeForLine(entry.message.sender, 200, false).c_str(), recipients.c_str());
    if (!entry.record) {
      std::printf("%-14s        (not held by rcptguard)\n", "");
      return;
    }
    for (const Verdict& verdict : entry.record->verdicts) {
      if (verdict.action == Action::kAllow) continue;
      std::string line;
      AppendVerdictText(verdict, &line);
      std::printf("%-14s        %s", "", line.c_str());
    }
  }

  // What history learns from a released message: someone confirmed it, so
  // every envelope recipient is meant, with the names its headers give.
  Result<SentMessage> ReleasedMessage(const HeldMessage& held) const {
    auto headers = queue_.Headers(held.queue_id);
    if (!headers) return Unexpected(headers.error());
    SentMessage from_headers;
    ParseMessageHeaders(*headers, &from_headers);
    SentMessage message;
    message.key = from_headers.key;
    message.sender = held.sender;
    message.time = std::time(nullptr);
    for (const std::string& recipient : held.recipients) {
      message.recipients.push_back(SentRecipient{
          recipient, std::string(DisplayNameFor(from_headers.recipients, recipient))});
    }
    return message;
  }

  // Records released messages in history, when the configuration keeps one.
  // A failure here is reported but does not undo the release.
  void LearnReleased(const std::vector<SentMessage>& released) const {
    if (released.empty()) return;
    if (options_.store.empty() && config_.history.store.empty()) return;  // no history kept
    auto store_options = ResolveStoreOptions(options_.store, config_.history);
    auto store = store_options
                     ? OpenHistoryStore(*store_options)
                     : Result<std::unique_ptr<HistoryStore>>(Unexpected(store_options.error()));
    auto recorded =
        store ? (*store)->Record(released) : Result<size_t>(Unexpected(store.error()));
    if (!recorded) PrintError("released, but not learned: " + recorded.error().ToString());
  }

 private:
  const QuarantineOptions& options_;
  PostfixQueue queue_;
  Config config_;
  HoldDirectory records_{""};
};

}  // namespace

CommandRunner AddQuarantineCommand(CLI::App& app) {
  auto options = std::make_shared<QuarantineOptions>();
  CLI::App* quarantine = app.add_subcommand(
      "quarantine", "Review the messages rcptguard held in Postfix's hold queue");
  quarantine->require_subcommand(1);
  quarantine->add_option("--postfix-config", options->postfix_config,
                         "Postfix configuration directory (default: Postfix's own)");
  quarantine->add_option("-c,--config", options->config_path,
                         "rcptguard configuration: [milter] hold_directory, and [history] "
                         "(release teaches history)");
  quarantine->add_option("--hold-directory", options->hold_directory,
                         "Where the milter writes hold records, overriding [milter] "
                         "hold_directory");
  quarantine->add_option("--store", options->store,
                         "History store URL for release to record in, overriding [history] store");
  CLI::App* list = quarantine->add_subcommand(
      "list", "List the messages rcptguard held, with sender, recipients, age and reasons");
  list->add_option("--format", options->format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  list->add_flag("--all", options->all, "Also list messages held by something else");
  CLI::App* show = quarantine->add_subcommand(
      "show", "Print a held message's envelope and headers, and what rcptguard found");
  CLI::App* release = quarantine->add_subcommand("release", "Deliver held messages now");
  CLI::App* discard = quarantine->add_subcommand("discard", "Delete held messages");
  CLI::App* prune = quarantine->add_subcommand(
      "prune", "Remove hold records of messages that are no longer held");
  for (CLI::App* command : {show, release, discard}) {
    command->add_option("ids", options->ids, "Postfix queue ids")->required();
  }
  for (CLI::App* command : {release, discard}) {
    command->add_flag("--force", options->force,
                      "Also act on messages rcptguard did not hold (never learned)");
  }
  return [options, list, show, release, discard, prune] {
    Quarantine held(*options);
    if (!held.LoadSettings()) return kExitUsage;
    if (list->parsed()) return held.RunList();
    if (show->parsed()) return held.RunShow();
    if (release->parsed()) return held.RunRelease();
    if (discard->parsed()) return held.RunDiscard();
    if (prune->parsed()) return held.RunPrune();
    return kExitUsage;
  };
}

}  // namespace rcptguard
