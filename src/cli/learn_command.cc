// `rcptguard learn`: bootstraps correspondent history from the mail an
// organisation already has (mbox files, Maildirs, Postfix logs), in batches
// through the history store. Idempotent: the store skips message keys it has
// recorded, and every reader derives its keys deterministically.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "learn/maildir_reader.h"
#include "learn/mbox_reader.h"
#include "learn/postfix_log_reader.h"
#include "learn/progress.h"
#include "rcptguard/address.h"
#include "store/history_store.h"

namespace rcptguard {
namespace {

constexpr int kExitIoError = 74;  // EX_IOERR: an input or the store failed

struct LearnOptions {
  std::vector<std::string> mboxes;
  std::vector<std::string> maildirs;
  std::vector<std::string> postfix_logs;
  std::string store_url;
  std::string config_path;
  std::vector<std::string> sender_domains;
  size_t batch = 5000;  // large transactions: SQLite learns faster (bench/learn_throughput.sh)
  bool no_progress = false;
};

// The absolute, symlink-free path: mbox keys name the file, and must not
// depend on the directory learn was run from.
std::string CanonicalPath(const std::string& path) {
  char resolved[PATH_MAX];
  return ::realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
}

// Checks every input before anything is learned, so a typo in the last
// argument does not leave the store half-taught. Returns the error line.
std::string CheckInputs(const LearnOptions& options, uint64_t* total_bytes) {
  *total_bytes = 0;
  bool size_known = options.maildirs.empty();  // a Maildir's is not, without reading it
  auto check = [&](const std::string& path, bool want_directory) -> std::string {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
    if (want_directory && !S_ISDIR(st.st_mode)) return path + ": not a directory";
    if (!want_directory && S_ISDIR(st.st_mode)) return path + ": is a directory";
    if (::access(path.c_str(), R_OK) != 0) return path + ": " + std::strerror(errno);
    if (S_ISREG(st.st_mode)) {
      *total_bytes += static_cast<uint64_t>(st.st_size);
    } else if (!S_ISDIR(st.st_mode)) {
      size_known = false;  // a pipe: its size is not known until it ends
    }
    return {};
  };
  for (const std::string& path : options.mboxes) {
    if (std::string error = check(path, false); !error.empty()) return error;
    // An mbox is mapped, which a pipe cannot be.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      return path + ": not a regular file (an mbox is read mapped: decompress it to a file)";
    }
  }
  for (const std::string& path : options.postfix_logs) {
    if (std::string error = check(path, false); !error.empty()) return error;
  }
  for (const std::string& path : options.maildirs) {
    if (std::string error = check(path, true); !error.empty()) return error;
  }
  // Without the whole size there is no percentage and no time left.
  if (!size_known) *total_bytes = 0;
  return {};
}

// "mod.uk", "@MOD.UK." -> "mod.uk"; empty on an invalid domain.
std::string SenderDomain(std::string_view typed) {
  if (!typed.empty() && typed.front() == '@') typed.remove_prefix(1);
  auto domain = NormalizeDomain(typed);
  return domain ? domain->ascii : std::string();
}

// Collects messages into batches for the store and keeps the figures.
class Learner {
 public:
  Learner(HistoryStore& store, const LearnOptions& options, std::vector<std::string> domains,
          ProgressLine& progress)
      : store_(store), options_(options), domains_(std::move(domains)), progress_(progress) {
    batch_.reserve(options.batch);
  }

  // The message callback: false once the store has failed (reading stops).
  bool Add(SentMessage&& message) {
    ++summary_.messages;
    summary_.recipients += message.recipients.size();
    if (!domains_.empty() && !FromOurDomains(message.sender)) {
      ++summary_.filtered;
      return true;
    }
    batch_.push_back(std::move(message));
    if (batch_.size() >= options_.batch) return Flush();
    return true;
  }

  // Records what is batched. False (and the error kept) when the store fails.
  bool Flush() {
    if (batch_.empty() || !store_error_.empty()) return store_error_.empty();
    Result<size_t> counted = store_.Record(batch_);
    if (!counted) {
      store_error_ = counted.error().ToString();
      return false;
    }
    summary_.counted += *counted;
    summary_.known += batch_.size() - *counted;
    batch_.clear();
    return true;
  }

  // Progress over all inputs: the bytes of the inputs already read plus this one's.
  void Progress(uint64_t done_in_current) {
    progress_.Update(finished_bytes_ + done_in_current, summary_.messages);
  }
  void FinishInput(const LearnCounters& counters) {
    finished_bytes_ += counters.bytes;
    summary_.skipped += counters.skipped;
    summary_.malformed += counters.malformed;
    summary_.not_files += counters.not_files;
  }

  LearnCallbacks Callbacks() {
    return LearnCallbacks{[this](SentMessage&& m) { return Add(std::move(m)); },
                          [this](uint64_t done) { Progress(done); }};
  }

  const std::string& store_error() const { return store_error_; }
  LearnSummary summary() const {
    LearnSummary summary = summary_;
    summary.bytes = finished_bytes_;
    return summary;
  }

 private:
  bool FromOurDomains(const std::string& sender) const {
    auto address = ParseAddress(sender);
    if (!address) return false;
    for (const std::string& domain : domains_) {
      if (IsInDomain(address->domain.ascii, domain)) return true;
    }
    return false;
  }

  HistoryStore& store_;
  const LearnOptions& options_;
  std::vector<std::string> domains_;
  ProgressLine& progress_;
  std::vector<SentMessage> batch_;
  LearnSummary summary_;
  uint64_t finished_bytes_ = 0;
  std::string store_error_;
};

int RunLearn(const LearnOptions& options) {
  if (options.mboxes.empty() && options.maildirs.empty() && options.postfix_logs.empty()) {
    std::fprintf(stderr,
                 "rcptguard learn: nothing to learn from: give --mbox, --maildir or "
                 "--postfix-log\n");
    return kExitUsage;
  }
  std::vector<std::string> domains;
  for (const std::string& typed : options.sender_domains) {
    std::string domain = SenderDomain(typed);
    if (domain.empty()) {
      std::fprintf(stderr, "rcptguard learn: --sender-domain %s: not a domain\n", typed.c_str());
      return kExitUsage;
    }
    domains.push_back(std::move(domain));
  }
  uint64_t total_bytes = 0;
  if (std::string error = CheckInputs(options, &total_bytes); !error.empty()) {
    ReportError("learn", error);
    return kExitIoError;
  }

  // The configuration matters only for [history]: the store URL when --store
  // is not given, and hashed mode. A broken configuration is a usage error.
  Result<Config> config = LoadConfig(ConfigRequest{options.config_path, {}});
  if (!config) {
    ReportError("learn", config.error().ToString());
    return kExitUsage;
  }
  Result<StoreOptions> store_options = ResolveStoreOptions(options.store_url, config->history);
  if (!store_options) {
    ReportError("learn", store_options.error().ToString());
    return kExitUsage;
  }
  Result<std::unique_ptr<HistoryStore>> store = OpenHistoryStore(*store_options);
  if (!store) {
    ReportError("learn", store.error().ToString());
    return store.error().code == ErrorCode::kConfig ? kExitUsage : kExitIoError;
  }
  // Learning into a damaged store would report counts it cannot keep.
  if (auto intact = (*store)->CheckIntegrity(); !intact) {
    ReportError("learn", intact.error().ToString());
    return kExitIoError;
  }

  auto start = std::chrono::steady_clock::now();
  ProgressLine progress(stderr, !options.no_progress && ::isatty(STDERR_FILENO) == 1, total_bytes);
  Learner learner(**store, options, std::move(domains), progress);
  LearnCallbacks callbacks = learner.Callbacks();
  std::string input_error;

  auto run = [&](const Result<LearnCounters>& counters) {
    if (!counters) {
      input_error = counters.error().ToString();
      return false;
    }
    learner.FinishInput(*counters);
    return learner.store_error().empty();
  };
  bool ok = true;
  for (const std::string& path : options.mboxes) {
    if (!ok) break;
    MboxOptions mbox;
    mbox.source = CanonicalPath(path);
    ok = run(ReadMboxFile(path, mbox, callbacks));
  }
  for (const std::string& path : options.maildirs) {
    if (!ok) break;
    ok = run(ReadMaildir(path, MaildirOptions{}, callbacks));
  }
  for (const std::string& path : options.postfix_logs) {
    if (!ok) break;
    ok = run(ReadPostfixLogFile(path, PostfixLogOptions{}, callbacks));
  }
  if (ok) learner.Flush();
  progress.Clear();

  LearnSummary summary = learner.summary();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s\n", FormatSummary(summary).c_str());
  std::fflush(stdout);
  if (!input_error.empty()) {
    ReportError("learn", input_error);
    return kExitIoError;
  }
  if (!learner.store_error().empty()) {
    ReportError("learn", learner.store_error());
    return kExitIoError;
  }
  // What was written must be readable: a store damaged meanwhile is a
  // failure, whatever the counts above say.
  if (auto intact = (*store)->CheckIntegrity(); !intact) {
    ReportError("learn", intact.error().ToString());
    return kExitIoError;
  }
  return 0;
}

}  // namespace

CommandRunner AddLearnCommand(CLI::App& app) {
  auto options = std::make_shared<LearnOptions>();
  CLI::App* learn = app.add_subcommand(
      "learn", "Learn correspondent history from existing mail: mbox, Maildir, Postfix logs");
  learn->add_option("--mbox", options->mboxes, "An mbox file (mboxo or mboxrd); repeatable")
      ->allow_extra_args(false);
  learn->add_option("--maildir", options->maildirs, "A Maildir (its cur/ and new/); repeatable")
      ->allow_extra_args(false);
  learn
      ->add_option("--postfix-log", options->postfix_logs,
                   "A Postfix mail log (syslog or maillog_file format; a pipe works); repeatable")
      ->allow_extra_args(false);
  learn->add_option("--store", options->store_url,
                    "History store URL (default: [history] store of the configuration)");
  learn->add_option("--config,-c", options->config_path,
                    "Configuration file (default /etc/rcptguard/rcptguard.toml if present)");
  learn
      ->add_option("--sender-domain", options->sender_domains,
                   "Learn only messages from senders at this domain or its subdomains "
                   "(a shared mailbox also holds inbound mail); repeatable")
      ->allow_extra_args(false);
  learn->add_option("--batch", options->batch, "Messages per store transaction (default 5000)")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  learn->add_flag("--no-progress", options->no_progress,
                  "No progress line on a terminal (the summary is always printed)");
  return [options] { return RunLearn(*options); };
}

}  // namespace rcptguard
