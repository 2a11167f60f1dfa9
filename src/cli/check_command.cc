// `rcptguard check`: the verdict for each recipient, as text for people or JSON
// for scripts. Streams stdin with constant memory.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "config/config.h"

namespace rcptguard {
namespace {

struct CheckOptions {
  std::string config_path;
  std::vector<std::string> trusted_files;
  std::string from;
  std::string format = "text";
  std::vector<std::string> addresses;
};

// Buffers output and writes it in large blocks: a million verdicts must not cost
// a million write calls.
class OutputBuffer {
 public:
  ~OutputBuffer() { Flush(); }
  std::string& text() { return text_; }
  void MaybeFlush() {
    if (text_.size() >= kFlushSize) Flush();
  }
  void Flush() {
    if (!text_.empty()) std::fwrite(text_.data(), 1, text_.size(), stdout);
    text_.clear();
  }

 private:
  static constexpr size_t kFlushSize = 1 << 16;
  std::string text_;
};

class Checker {
 public:
  Checker(const Policy& policy, const Address* sender, std::string_view format)
      : policy_(policy), sender_(sender), format_(format) {}

  void Check(std::string_view recipient) {
    Verdict verdict = policy_.Evaluate(sender_, recipient);
    if (verdict.action != Action::kAllow) all_allowed_ = false;
    std::string& out = output_.text();
    if (format_ == "jsonl") {
      AppendVerdictJson(verdict, &out);
      out.push_back('\n');
    } else if (format_ == "json") {
      out.append(count_ == 0 ? "[\n" : ",\n");
      AppendVerdictJson(verdict, &out);
    } else {
      AppendVerdictText(verdict, &out);
    }
    ++count_;
    output_.MaybeFlush();
  }

  int Finish() {
    if (format_ == "json") output_.text().append(count_ == 0 ? "[]\n" : "\n]\n");
    output_.Flush();
    std::fflush(stdout);
    return all_allowed_ ? kExitAllAllowed : kExitNotAllowed;
  }

 private:
  const Policy& policy_;
  const Address* sender_;
  std::string_view format_;
  OutputBuffer output_;
  size_t count_ = 0;
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
  auto policy = CompilePolicy(*config);
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
  Checker checker(**policy, sender ? &*sender : nullptr, options.format);
  for (const std::string& address : options.addresses) {
    if (address == "-") {
      ForEachStdinLine([&](std::string_view line) { checker.Check(line); });
    } else {
      checker.Check(address);
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
  check->add_option("--from", options->from, "The sender, for rules that depend on it");
  check->add_option("--format", options->format, "Output: text (for people), json or jsonl")
      ->check(CLI::IsMember({"text", "json", "jsonl"}));
  check
      ->add_option("addresses", options->addresses,
                   "Recipient addresses; '-' reads one per line from stdin")
      ->required();
  return [options] { return RunCheck(*options); };
}

}  // namespace rcptguard
