// `rcptguard check`: the verdict for each recipient, as text for people or JSON
// for scripts. Streams stdin with constant memory.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "rcptguard/verdict_format.h"
#include "cli/store_options.h"
#include "config/config.h"

namespace rcptguard {
namespace {

struct CheckOptions {
  std::string config_path;
  std::vector<std::string> trusted_files;
  std::string from;
  std::string store;  // --store; empty: [history] store, if any
  std::string format = "text";
  unsigned threads = 0;  // 0: one per core
  std::vector<std::string> addresses;
};

enum class Format { kText, kJson, kJsonl };

// Appends one verdict in the chosen format; `first` is the first of a json array.
void Render(const Verdict& verdict, Format format, bool first, std::string* out) {
  switch (format) {
    case Format::kJsonl:
      AppendVerdictJson(verdict, out);
      out->push_back('\n');
      break;
    case Format::kJson:
      out->append(first ? "[\n" : ",\n");
      AppendVerdictJson(verdict, out);
      break;
    case Format::kText:
      AppendVerdictText(verdict, out);
      break;
  }
}

// Checks recipients in batches, several batches at once on a multi-core
// machine, and writes the results in input order. Memory is bounded by one
// round of batches whatever the input size.
class BatchChecker {
 public:
  BatchChecker(const Policy& policy, const Address* sender, const EvaluationContext& context,
               Format format, unsigned threads)
      : policy_(policy),
        sender_(sender),
        context_(context),
        format_(format),
        batches_(std::max(threads, 1u)) {}

  void Add(std::string_view line) {
    Batch& batch = batches_[filling_];
    batch.lines.emplace_back(batch.text.size(), line.size());
    batch.text.append(line);
    if (batch.lines.size() == kBatchLines && ++filling_ == batches_.size()) RunRound();
  }

  int Finish() {
    RunRound();
    if (format_ == Format::kJson) std::fputs(checked_ == 0 ? "[]\n" : "\n]\n", stdout);
    std::fflush(stdout);
    return all_allowed_ ? kExitAllAllowed : kExitNotAllowed;
  }

 private:
  static constexpr size_t kBatchLines = 4096;

  struct Batch {
    std::string text;                              // the lines, back to back
    std::vector<std::pair<size_t, size_t>> lines;  // offset and length of each
    std::string out;
    bool all_allowed = true;
  };

  void CheckBatch(Batch& batch, bool first_of_all) const {
    for (size_t i = 0; i < batch.lines.size(); ++i) {
      auto [offset, length] = batch.lines[i];
      Verdict verdict =
          policy_.Evaluate(sender_, std::string_view(batch.text).substr(offset, length), context_);
      if (verdict.action != Action::kAllow) batch.all_allowed = false;
      Render(verdict, format_, first_of_all && i == 0, &batch.out);
    }
  }

  // Checks every batch filled so far, the first on this thread and the others
  // on their own (the policy is immutable and shared), then writes in order.
  void RunRound() {
    size_t used = filling_ < batches_.size() ? filling_ + 1 : batches_.size();
    std::vector<std::thread> workers;
    for (size_t b = 1; b < used; ++b) {
      workers.emplace_back([this, b] { CheckBatch(batches_[b], false); });
    }
    CheckBatch(batches_[0], checked_ == 0);
    for (std::thread& worker : workers) worker.join();
    for (size_t b = 0; b < used; ++b) {
      Batch& batch = batches_[b];
      std::fwrite(batch.out.data(), 1, batch.out.size(), stdout);
      checked_ += batch.lines.size();
      all_allowed_ = all_allowed_ && batch.all_allowed;
      batch.text.clear();
      batch.lines.clear();
      batch.out.clear();
      batch.all_allowed = true;
    }
    filling_ = 0;
  }

  const Policy& policy_;
  const Address* sender_;
  EvaluationContext context_;
  Format format_;
  std::vector<Batch> batches_;
  size_t filling_ = 0;  // the batch being filled
  size_t checked_ = 0;
  bool all_allowed_ = true;
};

// Reads stdin in blocks and calls fn for each line (without the line ending).
// Memory stays constant whatever the input size; a line longer than the block
// is kept whole by growing the carry-over.
template <typename Fn>
void ForEachStdinLine(Fn&& fn) {
  std::vector<char> block(1 << 16);
  std::string carry;
  size_t n;
  while ((n = std::fread(block.data(), 1, block.size(), stdin)) > 0) {
    std::string_view data(block.data(), n);
    while (true) {
      size_t eol = data.find('\n');
      if (eol == std::string_view::npos) {
        carry.append(data);
        break;
      }
      std::string_view line = data.substr(0, eol);
      if (!carry.empty()) {
        carry.append(line);
        line = carry;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      fn(line);
      carry.clear();
      data.remove_prefix(eol + 1);
    }
  }
  if (!carry.empty()) {
    std::string_view line = carry;
    if (line.back() == '\r') line.remove_suffix(1);
    fn(line);
  }
}

int RunCheck(const CheckOptions& options) {
  auto config = LoadConfig(ConfigRequest{options.config_path, options.trusted_files});
  if (!config) {
    std::fprintf(stderr, "rcptguard: %s\n", config.error().ToString().c_str());
    return kExitUsage;
  }
  // History, when a store is named: the whole of it, as the milter holds it,
  // so that check gives the milter's answer.
  std::shared_ptr<const CorrespondentHistory> history;
  EvaluationContext context;
  context.now = std::time(nullptr);
  if (!options.store.empty() || !config->history.store.empty()) {
    auto loaded = LoadCorrespondentHistory(options.store, config->history, context.now);
    if (!loaded) {
      std::fprintf(stderr, "rcptguard: %s\n", loaded.error().ToString().c_str());
      return kExitUsage;
    }
    history = std::move(*loaded);
    context.history = history.get();
  }
  auto policy =
      CompilePolicy(*config, history ? history->LearnedDomains() : std::vector<ExpectedDomain>{});
  if (!policy) {
    std::fprintf(stderr, "rcptguard: %s\n", policy.error().ToString().c_str());
    return kExitUsage;
  }
  std::optional<Address> sender;
  if (!options.from.empty()) {
    auto parsed = ParseAddress(options.from);
    if (!parsed) {
      std::fprintf(stderr, "rcptguard: --from %s: %s\n", options.from.c_str(),
                   parsed.error().message.c_str());
      return kExitUsage;
    }
    sender = std::move(*parsed);
  }
  Format format = options.format == "json"    ? Format::kJson
                  : options.format == "jsonl" ? Format::kJsonl
                                              : Format::kText;
  unsigned threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  BatchChecker checker(**policy, sender ? &*sender : nullptr, context, format, threads);
  for (const std::string& address : options.addresses) {
    if (address == "-") {
      ForEachStdinLine([&](std::string_view line) { checker.Add(line); });
    } else {
      checker.Add(address);
    }
  }
  return checker.Finish();
}

}  // namespace

CommandRunner AddCheckCommand(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand(
      "check", "Check recipient addresses: is this where the sender meant to write?");
  check->add_option("--config,-c", options->config_path,
                    "Configuration file (default /etc/rcptguard/rcptguard.toml if present, "
                    "else the embedded defaults)");
  check
      ->add_option("--trusted-file", options->trusted_files,
                   "File of expected domains, one per line ('#' comments), on top of the "
                   "config; repeatable")
      ->allow_extra_args(false);  // one file per flag: what follows is an address
  check->add_option("--from", options->from, "The sender, for rules and for that sender's history");
  check->add_option("--store", options->store,
                    "History store URL (sqlite:///path, postgresql://...), overriding [history] "
                    "store");
  check->add_option("--format", options->format, "Output: text (for people), json or jsonl")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  check
      ->add_option("--threads", options->threads,
                   "Threads checking a batch from stdin (default: one per core)")
      ->check(CLI::Range(1u, 256u));
  check
      ->add_option("addresses", options->addresses,
                   "Recipient addresses; '-' reads one per line from stdin")
      ->required();
  return [options] { return RunCheck(*options); };
}

}  // namespace rcptguard
