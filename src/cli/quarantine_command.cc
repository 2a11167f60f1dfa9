// `rcptguard quarantine`: the messages rcptguard put in Postfix's hold queue,
// for the people who review them: list, show, release, discard, prune. What
// rcptguard found is read from the hold record the milter wrote when it held
// the message, never from the message (whose headers every recipient reads).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
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
#include "quarantine/quarantine.h"
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

void PrintError(const std::string& text) { ReportError("quarantine", text); }

// The subcommands over the Quarantine service: flags in, lines out.
class QuarantineCommand {
 public:
  explicit QuarantineCommand(const QuarantineOptions& options) : options_(options) {}

  // Loads rcptguard's configuration (for the hold directory and history).
  // Returns false after printing the error.
  bool LoadSettings() {
    auto config = LoadConfig(ConfigRequest{options_.config_path, {}});
    if (!config) {
      PrintError(config.error().ToString());
      return false;
    }
    config_ = std::move(*config);
    quarantine_.emplace(
        PostfixQueue(options_.postfix_config),
        HoldDirectory(!options_.hold_directory.empty() ? options_.hold_directory
                                                       : config_.milter.hold_directory));
    return true;
  }

  int RunList() const {
    HeldFilter filter;
    filter.include_foreign = options_.all;
    std::vector<std::string> warnings;
    auto page = quarantine_->List(filter, HeldPageRequest{}, &warnings);
    for (const std::string& warning : warnings) PrintError(warning);
    if (!page) return PostfixFailed(page.error());
    long long now = static_cast<long long>(std::time(nullptr));
    if (options_.format == "json") {
      std::string out = "[";
      for (size_t i = 0; i < page->entries.size(); ++i) {
        if (i > 0) out += ",";
        out += "\n  " + EntryJson(page->entries[i], now);
      }
      out += page->entries.empty() ? "]\n" : "\n]\n";
      std::fputs(out.c_str(), stdout);
      return kExitDone;
    }
    if (page->entries.empty()) {
      std::printf("no messages on hold%s\n", options_.all ? "" : " by rcptguard");
    }
    for (const HeldEntry& entry : page->entries) PrintEntry(entry, now);
    if (!options_.all && page->foreign > 0) {
      std::printf("(%zu more held by something else: --all lists them)\n", page->foreign);
    }
    return kExitDone;
  }

  int RunShow() const {
    int status = kExitDone;
    for (const std::string& id : options_.ids) {
      auto entry = quarantine_->Get(id);
      if (!entry) {
        status = std::max(status, Failed(id, entry.error()));
        continue;
      }
      // Envelope and headers only: the body may be the sensitive part.
      auto text = quarantine_->queue().EnvelopeAndHeaders(entry->message.queue_id);
      if (!text) {
        PrintError(SanitizeForLine(id, 64, true) + ": " + text.error().ToString());
        status = kExitPostfixFailed;
        continue;
      }
      std::fputs(text->c_str(), stdout);
      std::printf("*** rcptguard ***\n");
      if (!entry->record) {
        std::printf("not held by rcptguard\n");
        continue;
      }
      for (const Verdict& verdict : entry->record->verdicts) {
        std::string line;
        AppendVerdictText(verdict, &line);
        std::fputs(line.c_str(), stdout);
      }
    }
    return status;
  }

  int RunRelease() const {
    std::vector<SentMessage> released;
    int status = kExitDone;
    for (const std::string& id : options_.ids) {
      auto done = quarantine_->Release(id, CliActor(), "", options_.force);
      if (!done) {
        status = std::max(status, Failed(id, done.error()));
        continue;
      }
      std::printf("released %s\n", id.c_str());
      if (done->learned) released.push_back(std::move(*done->learned));
    }
    LearnReleased(released);
    return status;
  }

  int RunDiscard() const {
    int status = kExitDone;
    for (const std::string& id : options_.ids) {
      auto done = quarantine_->Discard(id, CliActor(), "", options_.force);
      if (!done) {
        status = std::max(status, Failed(id, done.error()));
        continue;
      }
      std::printf("discarded %s\n", id.c_str());
    }
    return status;
  }

  int RunPrune() const {
    auto pruned = quarantine_->Prune(static_cast<int64_t>(std::time(nullptr)));
    if (!pruned) return PostfixFailed(pruned.error());
    std::printf("pruned %zu hold records\n", *pruned);
    return kExitDone;
  }

 private:
  int PostfixFailed(const Error& error) const {
    PrintError(error.ToString());
    return kExitPostfixFailed;
  }

  // Prints the failure; returns the exit status it means.
  static int Failed(const std::string& id, const HoldFailure& failure) {
    std::string shown_id = SanitizeForLine(id, 64, true);
    switch (failure.kind) {
      case HoldFailureKind::kNotHeld:
      case HoldFailureKind::kInvalid:
        PrintError(shown_id + " is not in the hold queue");
        return kExitNotHeld;
      case HoldFailureKind::kNotOurs:
        PrintError(shown_id + " was not held by rcptguard; --force acts on it anyway");
        return kExitNotHeld;
      case HoldFailureKind::kInProgress:
        PrintError(shown_id + " is being released or discarded by someone else");
        return kExitNotHeld;
      case HoldFailureKind::kPostfixFailed:
        break;
    }
    PrintError(SanitizeForLine(failure.message, 400, false));
    return kExitPostfixFailed;
  }

  static Actor CliActor() {
    const char* user = std::getenv("USER");
    return Actor{ActorKind::kAdministrator, std::string("cli:") + (user != nullptr ? user : "")};
  }

  std::string EntryJson(const HeldEntry& entry, long long now) const {
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

  void PrintEntry(const HeldEntry& entry, long long now) const {
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

  const QuarantineOptions& options_;
  Config config_;
  std::optional<Quarantine> quarantine_;
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
    QuarantineCommand held(*options);
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
