// `rcptguard check`: the verdict for each recipient, as text for people or JSON
// for scripts. Streams stdin with constant memory.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "rcptguard/verdict_format.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "rcptguard/session.h"

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

  void Add(std::string_view line) { Queue(line, std::nullopt); }
  // A line that is not an address whatever it holds (`why` says what is wrong).
  void AddInvalid(std::string_view line, std::string why) { Queue(line, std::move(why)); }

  // Checks what is left and ends the output. Returns the exit status: a
  // failed write (a full disk, a closed pipe) is an error, never "all
  // allowed" or "not allowed" as if the answers had been written.
  int Finish() {
    RunRound();
    if (format_ == Format::kJson && !write_failed_) {
      Write(checked_ == 0 ? "[]\n" : "\n]\n");
    }
    if (!write_failed_ && std::fflush(stdout) != 0) {
      write_failed_ = true;
      write_errno_ = errno;
    }
    if (write_failed_) {
      std::fprintf(stderr, "rcptguard check: cannot write the output: %s\n",
                   std::strerror(write_errno_ != 0 ? write_errno_ : EIO));
      return kExitUsage;
    }
    return all_allowed_ ? kExitAllAllowed : kExitNotAllowed;
  }

  // Returns true iff writing the output has failed: stop reading input.
  bool write_failed() const { return write_failed_; }

 private:
  static constexpr size_t kBatchLines = 4096;

  struct Batch {
    std::string text;                              // the lines, back to back
    std::vector<std::pair<size_t, size_t>> lines;  // offset and length of each
    std::vector<std::pair<size_t, std::string>> invalid;  // line index, why
    std::string out;
    bool all_allowed = true;
    LookalikeCache lookalikes;  // this batch's thread's recent answers
  };

  void Queue(std::string_view line, std::optional<std::string> invalid) {
    if (write_failed_) return;
    Batch& batch = batches_[filling_];
    if (invalid) batch.invalid.emplace_back(batch.lines.size(), std::move(*invalid));
    batch.lines.emplace_back(batch.text.size(), line.size());
    batch.text.append(line);
    if (batch.lines.size() == kBatchLines && ++filling_ == batches_.size()) RunRound();
  }

  void Write(std::string_view text) {
    if (write_failed_) return;
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
      write_failed_ = true;
      write_errno_ = errno;
    }
  }

  void CheckBatch(Batch& batch, bool first_of_all) const {
    EvaluationContext context = context_;
    context.lookalikes = &batch.lookalikes;
    auto invalid = batch.invalid.begin();
    for (size_t i = 0; i < batch.lines.size(); ++i) {
      auto [offset, length] = batch.lines[i];
      std::string_view line = std::string_view(batch.text).substr(offset, length);
      Verdict verdict;
      if (invalid != batch.invalid.end() && invalid->first == i) {
        verdict = policy_.InvalidAddress(line, (invalid++)->second);
      } else {
        verdict = policy_.Evaluate(sender_, line, context);
      }
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
      Write(batch.out);
      checked_ += batch.lines.size();
      all_allowed_ = all_allowed_ && batch.all_allowed;
      batch.text.clear();
      batch.lines.clear();
      batch.invalid.clear();
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
  bool write_failed_ = false;
  int write_errno_ = 0;
};

void PrintError(const std::string& text) { ReportError("check", text); }

// The longest input line taken as an address. An address is at most 254
// octets (RFC 5321's path limit less the brackets); with a display name and
// spacing a line is still far shorter. A longer line is one invalid-address
// verdict, and memory stays bounded whatever the input.
constexpr size_t kMaxLineBytes = 16 * 1024;

// Reads stdin in blocks and calls fn(line, whole) for each line (without the
// line ending): `whole` is false for a line longer than kMaxLineBytes, whose
// first kMaxLineBytes are given and the rest skipped. Memory stays constant
// whatever the input; returns false on a read error.
template <typename Fn>
bool ForEachStdinLine(Fn&& fn) {
  std::vector<char> block(1 << 16);
  std::string carry;
  bool overlong = false;  // the line being read is past the bound
  size_t n;
  auto emit = [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r' && !overlong) line.remove_suffix(1);
    fn(line, !overlong);
  };
  while ((n = std::fread(block.data(), 1, block.size(), stdin)) > 0) {
    std::string_view data(block.data(), n);
    while (true) {
      size_t eol = data.find('\n');
      std::string_view piece = data.substr(0, eol);
      if (!overlong) {
        size_t room = kMaxLineBytes - carry.size();
        carry.append(piece.substr(0, room));
        overlong = piece.size() > room;
      }
      if (eol == std::string_view::npos) break;
      emit(carry);
      carry.clear();
      overlong = false;
      data.remove_prefix(eol + 1);
    }
  }
  if (!carry.empty() || overlong) emit(carry);
  return std::ferror(stdin) == 0;
}

int RunCheck(const CheckOptions& options) {
  auto config = LoadConfig(ConfigRequest{options.config_path, options.trusted_files});
  if (!config) {
    PrintError(config.error().ToString());
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
      PrintError(loaded.error().ToString());
      return kExitUsage;
    }
    history = std::move(*loaded);
    context.history = history.get();
  }
  auto policy =
      CompilePolicy(*config, history ? history->LearnedDomains() : std::vector<ExpectedDomain>{});
  if (!policy) {
    PrintError(policy.error().ToString());
    return kExitUsage;
  }
  std::optional<Address> sender;
  if (!options.from.empty()) {
    auto parsed = ParseAddress(options.from);
    if (!parsed) {
      PrintError("--from " + options.from + ": " + parsed.error().message);
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
      bool read = ForEachStdinLine([&](std::string_view line, bool whole) {
        if (whole) {
          checker.Add(line);
        } else {
          checker.AddInvalid(line.substr(0, 256), "the line is longer than " +
                                                      std::to_string(kMaxLineBytes) + " bytes");
        }
      });
      if (!read) {
        PrintError(std::string("cannot read standard input: ") + std::strerror(errno));
        return kExitUsage;
      }
    } else if (address.size() > kMaxLineBytes) {
      checker.AddInvalid(std::string_view(address).substr(0, 256),
                         "longer than " + std::to_string(kMaxLineBytes) + " bytes");
    } else {
      checker.Add(address);
    }
    if (checker.write_failed()) break;
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
