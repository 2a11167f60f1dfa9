// `rcptguard scan FILE.eml`: the verdict for each recipient of a saved
// message, markings included, through the same MessageSession the milter
// feeds, phase by phase, so an administrator can try a policy on real mail
// before turning it on and get the milter's answer.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "rcptguard/verdict_format.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "rcptguard/message_headers.h"
#include "rcptguard/marking.h"
#include "rcptguard/session.h"

namespace rcptguard {
namespace {

struct ScanOptions {
  std::string config_path;
  std::string from;
  std::string store;  // --store; empty: [history] store, if any
  std::vector<std::string> recipients;
  std::string format = "text";  // as check: for people by default
  std::string file;
};

constexpr size_t kChunk = 1 << 16;

// What a front end must know before feeding the session: the header block
// (the session wants the envelope first, and a saved message's envelope is
// in its headers), and whether it was read whole.
struct HeaderBlock {
  std::string bytes;    // the header block, then the first bytes of the body
  size_t end = 0;       // where the header block ends (the empty line)
  size_t body = 0;      // where the body starts
  bool complete = false;  // an empty line was found within the bound
};

// Reads until the end of the header block, at most `max_bytes` of it.
HeaderBlock ReadHeaderBlock(std::FILE* in, size_t max_bytes, bool* eof) {
  HeaderBlock block;
  std::vector<char> chunk(kChunk);
  while (true) {
    std::optional<HeaderEnd> end = FindHeaderEnd(block.bytes, max_bytes);
    if (!end) break;  // over the bound with no empty line
    if (end->empty_line < block.bytes.size() || *eof) {
      block.end = end->empty_line;
      block.body = end->body;
      block.complete = end->empty_line < block.bytes.size() || *eof;
      return block;
    }
    size_t n = std::fread(chunk.data(), 1, chunk.size(), in);
    if (n == 0) *eof = true;
    block.bytes.append(chunk.data(), n);
  }
  block.end = block.body = std::min(block.bytes.size(), max_bytes);
  return block;
}

void AppendMarkingsJson(const MarkingResult* markings, std::string* out) {
  static const MarkingResult kNone;
  if (markings == nullptr) markings = &kNone;
  out->append(",\"markings\":[");
  for (size_t i = 0; i < markings->found.size(); ++i) {
    const MarkingFound& found = markings->found[i];
    if (i > 0) out->push_back(',');
    out->append("{\"name\":");
    AppendJsonString(found.name, out);
    out->append(",\"scheme\":");
    AppendJsonString(found.scheme, out);
    out->append(",\"rank\":" + std::to_string(found.rank) + ",\"where\":");
    AppendJsonString(found.where, out);
    out->push_back('}');
  }
  out->append("],\"truncated\":");
  out->append(markings->truncated ? "true" : "false");
  out->append(",\"malformed\":");
  out->append(markings->malformed ? "true" : "false");
}

void PrintError(const std::string& text) { ReportError("scan", text); }

int RunScan(const ScanOptions& options) {
  auto config = LoadConfig(ConfigRequest{options.config_path, {}});
  if (!config) {
    PrintError(config.error().ToString());
    return kExitUsage;
  }
  // History, as `check` uses it, when a store is named.
  std::shared_ptr<const CorrespondentHistory> history;
  int64_t now = std::time(nullptr);
  if (!options.store.empty() || !config->history.store.empty()) {
    auto loaded = LoadCorrespondentHistory(options.store, config->history, now);
    if (!loaded) {
      PrintError(loaded.error().ToString());
      return kExitUsage;
    }
    history = std::move(*loaded);
  }
  auto policy =
      CompilePolicy(*config, history ? history->LearnedDomains() : std::vector<ExpectedDomain>{});
  auto outbound = OutboundRules::Compile(config->outbound);
  if (!policy || !outbound) {
    PrintError(!policy ? policy.error().ToString() : outbound.error().ToString());
    return kExitUsage;
  }
  std::FILE* in = options.file == "-" ? stdin : std::fopen(options.file.c_str(), "rb");
  if (in == nullptr) {
    PrintError(options.file + ": cannot open: " + std::strerror(errno));
    return kExitUsage;
  }
  auto settings = std::make_shared<SessionSettings>();
  settings->policy = std::move(*policy);
  settings->outbound = std::move(*outbound);
  settings->local_submission_daemon_names = config->milter.local_submission_daemon_names;
  size_t max_bytes = settings->policy->marking_scanner()->options().max_scan_bytes;

  // The envelope, which the MTA would know first, comes from the headers
  // (or --from and --rcpt).
  bool eof = false;
  HeaderBlock block = ReadHeaderBlock(in, max_bytes, &eof);
  std::string_view header_text(block.bytes.data(), block.end);
  SentMessage envelope;
  ParseMessageHeaders(header_text, &envelope);
  std::string sender_text = !options.from.empty() ? options.from : envelope.sender;
  if (!options.from.empty()) {
    if (auto parsed = ParseAddress(options.from); !parsed) {
      PrintError("--from " + options.from + ": " + parsed.error().message);
      if (in != stdin) std::fclose(in);
      return kExitUsage;
    }
  }
  std::vector<std::string> recipients = options.recipients;
  if (recipients.empty()) {
    if (!block.complete) {
      // Recipients past the bound would go unchecked: refuse rather than
      // answer for part of the list.
      PrintError(options.file + ": the header block is larger than max_scan_bytes (" +
                 std::to_string(max_bytes) + " bytes): not every recipient can be read; give " +
                 "--rcpt");
      if (in != stdin) std::fclose(in);
      return kExitUsage;
    }
    for (const SentRecipient& recipient : envelope.recipients) {
      recipients.push_back(recipient.address);
    }
  }
  if (recipients.empty()) {
    PrintError(options.file + ": no recipients in To, Cc or Bcc; give --rcpt");
    if (in != stdin) std::fclose(in);
    return kExitUsage;
  }

  // The message through the same session the milter feeds, phase by phase.
  SessionServices services;
  services.clock = [now] { return now; };
  if (history) services.history = [history] { return history; };
  MessageSession session(settings, std::move(services));
  ConnectionFacts facts;
  facts.local = true;  // a saved message is checked as submitted here
  session.Connect(std::move(facts));
  session.Sender("<" + sender_text + ">");
  for (const std::string& recipient : recipients) session.Recipient("<" + recipient + ">");
  std::vector<RawHeader> fields;
  std::string_view unused;
  SplitMessage(header_text, &fields, &unused);
  for (const RawHeader& field : fields) session.Header(field.name, field.value);
  session.EndOfHeaders();
  if (block.body < block.bytes.size()) {
    session.Body(std::string_view(block.bytes).substr(block.body));
  }
  block.bytes.clear();
  block.bytes.shrink_to_fit();
  std::vector<char> chunk(kChunk);
  size_t n = 0;
  while (!eof && (n = std::fread(chunk.data(), 1, chunk.size(), in)) > 0) {
    session.Body(std::string_view(chunk.data(), n));
  }
  bool read_failed = std::ferror(in) != 0;
  if (in != stdin) std::fclose(in);
  if (read_failed) {
    PrintError(options.file + ": read error");
    return kExitUsage;
  }
  MessageOutcome outcome = session.EndOfMessage();

  bool all_allowed = true;
  std::string out;
  for (const Verdict& verdict : outcome.verdicts) {
    if (verdict.action != Action::kAllow) all_allowed = false;
    if (options.format == "text") {
      AppendVerdictText(verdict, &out);
    } else {
      AppendVerdictJson(verdict, &out);
      out.pop_back();  // the closing brace: the scan's fields follow
      AppendMarkingsJson(session.markings(), &out);
      out.append("}\n");
    }
  }
  if (options.format == "text") {
    const MarkingResult* markings = session.markings();
    out.append("markings:");
    if (markings == nullptr || markings->found.empty()) out.append(" none");
    if (markings != nullptr) {
      for (const MarkingFound& found : markings->found) {
        out.append(" " + found.name + " (" + found.scheme + ", " + found.where + ")");
      }
      if (markings->truncated) out.append("; scan stopped at max_scan_bytes");
      if (markings->malformed) out.append("; malformed MIME");
    }
    out.push_back('\n');
    // The line the milter would log for this message.
    out.append("summary: " + outcome.summary + "\n");
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    PrintError(std::string("cannot write the output: ") + std::strerror(errno));
    return kExitUsage;
  }
  return all_allowed ? kExitAllAllowed : kExitNotAllowed;
}

}  // namespace

CommandRunner AddScanCommand(CLI::App& app) {
  auto options = std::make_shared<ScanOptions>();
  CLI::App* scan = app.add_subcommand(
      "scan", "The verdict for each recipient of a saved message, sensitivity markings included");
  scan->add_option("--config,-c", options->config_path,
                   "Configuration file (default /etc/rcptguard/rcptguard.toml if present, "
                   "else the embedded defaults)");
  scan->add_option("--from", options->from, "The sender (default: the From header)");
  scan->add_option("--store", options->store,
                   "History store URL (sqlite:///path, postgresql://...), overriding [history] "
                   "store");
  scan->add_option("--rcpt", options->recipients,
                   "A recipient; repeatable (default: the To, Cc and Bcc headers)")
      ->allow_extra_args(false);
  scan->add_option("--format", options->format,
                   "Output: text (for people, the default, as for check) or jsonl")
      ->check(CLI::IsMember({"jsonl", "text"}));
  scan->add_option("file", options->file, "The message (.eml, RFC 5322); '-' reads stdin")
      ->required();
  return [options] { return RunScan(*options); };
}

}  // namespace rcptguard
