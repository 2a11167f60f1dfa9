// `rcptguard history`: what the correspondent history holds, for the people
// who run it: a sender's usual recipients, who writes to a domain, the
// exceptions, and the data-protection requests (forget a sender or an address).
// Text for people, JSON for scripts.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "rcptguard/session.h"
#include "store/history_store.h"

namespace rcptguard {
namespace {

// Exit statuses (documented in man/rcptguard.1, HISTORY).
constexpr int kExitOk = 0;
constexpr int kExitNothingFound = 1;  // forget / unexcept matched nothing
constexpr int kExitIoError = 74;      // EX_IOERR: the store cannot be reached or written

constexpr int64_t kSecondsPerDay = 86400;

struct HistoryCommandOptions {
  std::string store;
  std::string config_path;
  std::string format = "text";
  std::string action;
  std::string address;    // top, forget-*, except, unexcept, exceptions: the sender/address
  std::string recipient;  // except, unexcept
  std::string domain;
  size_t limit = 20;
  int64_t days = 90;        // except: validity; prune: age
  int64_t prune_days = -1;  // prune: age; -1: [history] retention_days
  std::string note;
};

int Fail(int status, const Error& error) {
  ReportError("history", error.ToString());
  return status;
}

// Errors about the arguments or the configuration are usage errors (2); a
// store that cannot be reached or written is an I/O error (74).
int StatusFor(const Error& error) {
  return error.code == ErrorCode::kIo || error.code == ErrorCode::kInternal ? kExitIoError
                                                                            : kExitUsage;
}

std::string Date(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d", &tm);
  return buffer;
}

std::string Clean(const std::string& text) { return SanitizeForLine(text, 200, false); }

void PrintJson(const nlohmann::json& value) {
  std::printf("%s\n", value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

nlohmann::json PairJson(const PairRecord& pair) {
  return {{"sender", pair.sender},         {"recipient", pair.recipient},
          {"domain", pair.domain},         {"messages", pair.messages},
          {"first_seen", pair.first_seen}, {"last_seen", pair.last_seen}};
}

nlohmann::json ExceptionJson(const ExceptionRecord& exception, int64_t now) {
  return {{"sender", exception.sender},   {"recipient", exception.recipient},
          {"expires", exception.expires}, {"created", exception.created},
          {"note", exception.note},       {"expired", exception.expires <= now}};
}

// Column width: the longest of the header and the values, capped.
size_t Width(std::string_view header, const std::vector<std::string>& values) {
  size_t width = header.size();
  for (const std::string& value : values) width = std::max(width, value.size());
  return std::min<size_t>(width, 60);
}

void PrintPairs(const std::vector<PairRecord>& pairs, bool with_sender) {
  std::vector<std::string> senders;
  for (const PairRecord& pair : pairs) senders.push_back(Clean(pair.sender));
  int sender_width = static_cast<int>(Width("SENDER", senders));
  std::printf("%8s  %-10s  %-10s  ", "MESSAGES", "FIRST SEEN", "LAST SEEN");
  if (with_sender) std::printf("%-*s  ", sender_width, "SENDER");
  std::printf("RECIPIENT\n");
  for (size_t i = 0; i < pairs.size(); ++i) {
    const PairRecord& pair = pairs[i];
    std::printf("%8lld  %-10s  %-10s  ", static_cast<long long>(pair.messages),
                Date(pair.first_seen).c_str(), Date(pair.last_seen).c_str());
    if (with_sender) std::printf("%-*s  ", sender_width, senders[i].c_str());
    std::printf("%s\n", Clean(pair.recipient).c_str());
  }
}

int Top(HistoryStore& store, const HistoryCommandOptions& options) {
  auto pairs = store.TopCorrespondents(options.address, options.limit);
  if (!pairs) return Fail(StatusFor(pairs.error()), pairs.error());
  if (options.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const PairRecord& pair : *pairs) out.push_back(PairJson(pair));
    PrintJson(out);
  } else if (pairs->empty()) {
    std::printf("no history for %s\n", Clean(options.address).c_str());
  } else {
    PrintPairs(*pairs, /*with_sender=*/false);
  }
  return kExitOk;
}

int Domain(HistoryStore& store, const HistoryCommandOptions& options) {
  auto summary = store.DescribeDomain(options.domain, options.limit);
  if (!summary) return Fail(StatusFor(summary.error()), summary.error());
  if (options.format == "json") {
    nlohmann::json top = nlohmann::json::array();
    for (const PairRecord& pair : summary->top_pairs) top.push_back(PairJson(pair));
    PrintJson({{"domain", summary->domain},
               {"messages", summary->messages},
               {"senders", summary->senders},
               {"addresses", summary->addresses},
               {"first_seen", summary->first_seen},
               {"last_seen", summary->last_seen},
               {"top_pairs", top}});
    return kExitOk;
  }
  if (summary->messages == 0) {
    std::printf("no history for %s: nobody here has written to it\n", summary->domain.c_str());
    return kExitOk;
  }
  std::printf("domain     %s\n", summary->domain.c_str());
  std::printf("messages   %lld\n", static_cast<long long>(summary->messages));
  std::printf("senders    %lld\n", static_cast<long long>(summary->senders));
  std::printf("addresses  %lld\n", static_cast<long long>(summary->addresses));
  std::printf("seen       %s to %s\n\n", Date(summary->first_seen).c_str(),
              Date(summary->last_seen).c_str());
  PrintPairs(summary->top_pairs, /*with_sender=*/true);
  return kExitOk;
}

int Forget(HistoryStore& store, const HistoryCommandOptions& options) {
  bool sender_only = options.action == "forget-sender";
  auto removed =
      sender_only ? store.ForgetSender(options.address) : store.ForgetAddress(options.address);
  if (!removed) return Fail(StatusFor(removed.error()), removed.error());
  if (options.format == "json") {
    PrintJson({{"address", options.address}, {"removed", *removed}});
  } else if (*removed == 0) {
    std::printf("nothing stored about %s\n", Clean(options.address).c_str());
  } else {
    std::printf("forgot %s: %zu record%s removed\n", Clean(options.address).c_str(), *removed,
                *removed == 1 ? "" : "s");
  }
  return *removed == 0 ? kExitNothingFound : kExitOk;
}

int Except(HistoryStore& store, const HistoryCommandOptions& options, int64_t now) {
  ExceptionRecord exception;
  exception.sender = options.address;
  exception.recipient = options.recipient;
  exception.created = now;
  exception.expires = now + options.days * kSecondsPerDay;
  exception.note = options.note;
  auto added = store.AddException(exception);
  if (!added) return Fail(StatusFor(added.error()), added.error());
  if (options.format == "json") {
    PrintJson({{"sender", options.address},
               {"recipient", options.recipient},
               {"expires", exception.expires},
               {"created", exception.created},
               {"note", exception.note}});
  } else {
    std::printf("%s may write to %s without a warning until %s\n", Clean(options.address).c_str(),
                Clean(options.recipient).c_str(), Date(exception.expires).c_str());
  }
  return kExitOk;
}

int Unexcept(HistoryStore& store, const HistoryCommandOptions& options) {
  auto removed = store.RemoveException(options.address, options.recipient);
  if (!removed) return Fail(StatusFor(removed.error()), removed.error());
  if (options.format == "json") {
    PrintJson(
        {{"sender", options.address}, {"recipient", options.recipient}, {"removed", *removed}});
  } else if (*removed == 0) {
    std::printf("no exception for %s to %s\n", Clean(options.address).c_str(),
                Clean(options.recipient).c_str());
  } else {
    std::printf("removed the exception for %s to %s\n", Clean(options.address).c_str(),
                Clean(options.recipient).c_str());
  }
  return *removed == 0 ? kExitNothingFound : kExitOk;
}

int Exceptions(HistoryStore& store, const HistoryCommandOptions& options, int64_t now) {
  auto exceptions = store.ListExceptions(options.address);
  if (!exceptions) return Fail(StatusFor(exceptions.error()), exceptions.error());
  if (options.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const ExceptionRecord& exception : *exceptions) {
      out.push_back(ExceptionJson(exception, now));
    }
    PrintJson(out);
    return kExitOk;
  }
  if (exceptions->empty()) {
    std::printf("no exceptions\n");
    return kExitOk;
  }
  std::vector<std::string> senders;
  std::vector<std::string> recipients;
  for (const ExceptionRecord& exception : *exceptions) {
    senders.push_back(Clean(exception.sender));
    recipients.push_back(Clean(exception.recipient));
  }
  int sender_width = static_cast<int>(Width("SENDER", senders));
  int recipient_width = static_cast<int>(Width("RECIPIENT", recipients));
  std::printf("%-*s  %-*s  %-10s  %-10s  NOTE\n", sender_width, "SENDER", recipient_width,
              "RECIPIENT", "CREATED", "EXPIRES");
  for (size_t i = 0; i < exceptions->size(); ++i) {
    const ExceptionRecord& exception = (*exceptions)[i];
    std::string expires = Date(exception.expires);
    if (exception.expires <= now) expires += " (expired)";
    std::printf("%-*s  %-*s  %-10s  %-10s  %s\n", sender_width, senders[i].c_str(), recipient_width,
                recipients[i].c_str(), Date(exception.created).c_str(), expires.c_str(),
                Clean(exception.note).c_str());
  }
  return kExitOk;
}

int Prune(HistoryStore& store, const HistoryCommandOptions& options, int64_t now) {
  int64_t before = now - options.prune_days * kSecondsPerDay;
  auto removed = store.Prune(before);
  if (!removed) return Fail(StatusFor(removed.error()), removed.error());
  if (options.format == "json") {
    PrintJson({{"before", before}, {"pairs_removed", *removed}});
  } else {
    std::printf("pruned %zu pair%s last seen before %s\n", *removed, *removed == 1 ? "" : "s",
                Date(before).c_str());
  }
  return kExitOk;
}

int Stats(HistoryStore& store, const HistoryCommandOptions& options) {
  auto stats = store.Stats();
  if (!stats) return Fail(StatusFor(stats.error()), stats.error());
  if (auto intact = store.CheckIntegrity(); !intact) {
    return Fail(StatusFor(intact.error()), intact.error());
  }
  if (options.format == "json") {
    PrintJson({{"pairs", stats->pairs},
               {"senders", stats->senders},
               {"domains", stats->domains},
               {"names", stats->names},
               {"exceptions", stats->exceptions},
               {"recorded_messages", stats->recorded_messages},
               {"schema_version", stats->schema_version},
               {"hashed", stats->hashed}});
    return kExitOk;
  }
  std::printf("pairs              %lld\n", static_cast<long long>(stats->pairs));
  std::printf("senders            %lld\n", static_cast<long long>(stats->senders));
  std::printf("domains            %lld\n", static_cast<long long>(stats->domains));
  std::printf("names              %lld\n", static_cast<long long>(stats->names));
  std::printf("exceptions         %lld\n", static_cast<long long>(stats->exceptions));
  std::printf("recorded messages  %lld\n", static_cast<long long>(stats->recorded_messages));
  std::printf("schema version     %d\n", stats->schema_version);
  std::printf("mode               %s\n", stats->hashed ? "hashed" : "clear-text");
  return kExitOk;
}

int RunHistory(const HistoryCommandOptions& options) {
  auto config = LoadConfig(ConfigRequest{options.config_path, {}});
  if (!config) return Fail(kExitUsage, config.error());
  auto resolved = ResolveStoreOptions(options.store, config->history);
  if (!resolved) return Fail(StatusFor(resolved.error()), resolved.error());
  const std::string& verb = options.action;
  // What only reads opens read-only: it works on a store in a read-only
  // directory, and cannot change it by mistake.
  resolved->read_only = verb == "top" || verb == "domain" || verb == "exceptions" ||
                        verb == "stats";
  auto store = OpenHistoryStore(*resolved);
  if (!store) return Fail(StatusFor(store.error()), store.error());
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::string& action = options.action;
  if (action == "top") return Top(**store, options);
  if (action == "domain") return Domain(**store, options);
  if (action == "forget-sender" || action == "forget-address") return Forget(**store, options);
  if (action == "except") return Except(**store, options, now);
  if (action == "unexcept") return Unexcept(**store, options);
  if (action == "exceptions") return Exceptions(**store, options, now);
  if (action == "prune") {
    HistoryCommandOptions prune = options;
    if (prune.prune_days < 0) prune.prune_days = config->history.retention_days;
    return Prune(**store, prune, now);
  }
  if (action == "stats") return Stats(**store, options);
  return kExitUsage;
}

}  // namespace

CommandRunner AddHistoryCommand(CLI::App& app) {
  auto options = std::make_shared<HistoryCommandOptions>();
  CLI::App* history = app.add_subcommand(
      "history", "Inspect and edit correspondent history: usual recipients, exceptions, forget");
  history->require_subcommand(1);
  history->add_option("--store", options->store,
                      "Storage URL (sqlite:///path.db, postgresql://..., memory:); default: "
                      "[history] store in the configuration");
  history->add_option("--config,-c", options->config_path,
                      "Configuration file (default /etc/rcptguard/rcptguard.toml if present)");
  history->add_option("--format", options->format, "Output: text (for people) or json")
      ->check(CLI::IsMember({"text", "json"}));

  // Each action records its name; options after the action fall through to
  // `history` (so --format json works at either place).
  auto action = [&](const char* name, const char* description) {
    CLI::App* sub = history->add_subcommand(name, description);
    sub->fallthrough();
    sub->callback([options, name] { options->action = name; });
    return sub;
  };
  CLI::App* top = action("top", "A sender's most frequent recipients");
  top->add_option("sender", options->address, "Sender address")->required();
  top->add_option("--limit", options->limit, "How many (default 20, at most 100000)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  CLI::App* domain = action("domain", "Who writes to a domain, and how much");
  domain->add_option("domain", options->domain, "Domain")->required();
  domain->add_option("--limit", options->limit, "How many pairs to show (default 20, at most 100000)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  action("forget-sender", "Forget everything an address sent (pairs, names, exceptions)")
      ->add_option("address", options->address, "Sender address")
      ->required();
  action("forget-address", "Forget an address wherever it appears, as sender or recipient")
      ->add_option("address", options->address, "Address")
      ->required();
  CLI::App* except = action("except", "Stop warning a sender about a recipient or domain");
  except->add_option("sender", options->address, "Sender address")->required();
  except->add_option("recipient", options->recipient, "Recipient address or bare domain")
      ->required();
  except->add_option("--days", options->days, "Days the exception lasts (default 90)")
      ->check(CLI::Range(int64_t{1}, int64_t{36500}));
  except->add_option("--note", options->note, "Why (shown by `history exceptions`)");
  CLI::App* unexcept = action("unexcept", "Remove an exception");
  unexcept->add_option("sender", options->address, "Sender address")->required();
  unexcept->add_option("recipient", options->recipient, "Recipient address or bare domain")
      ->required();
  action("exceptions", "List exceptions, expired ones included")
      ->add_option("sender", options->address, "Only this sender's");
  action("prune", "Forget history older than a number of days")
      ->add_option("--days", options->prune_days,
                   "Age in days (default: [history] retention_days, 730 unless configured)")
      ->check(CLI::Range(int64_t{0}, int64_t{36500}));
  action("stats", "How much the store holds");
  return [options] { return RunHistory(*options); };
}

}  // namespace rcptguard
