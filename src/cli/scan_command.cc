// `rcptguard scan FILE.eml`: the verdict for each recipient of a saved
// message, markings included, through the same MarkingSession the milter
// feeds, so an administrator can try a policy on real mail before turning it on.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "rcptguard/verdict_format.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "learn/message_headers.h"
#include "rcptguard/marking.h"

namespace rcptguard {
namespace {

struct ScanOptions {
  std::string config_path;
  std::string from;
  std::string store;  // --store; empty: [history] store, if any
  std::vector<std::string> recipients;
  std::string format = "jsonl";
  std::string file;
};

// A header block larger than this is not one (the milter's MTA would have
// refused it long before); what was read is taken as the headers.
constexpr size_t kMaxHeaderBytes = 1 << 20;
constexpr size_t kChunk = 1 << 16;

struct ReadMessage {
  MarkingResult markings;
  SentMessage envelope;  // sender and recipients from From, To, Cc, Bcc
};

// Reads `in` in chunks: the header block first (each field to the session,
// and to the header parser for From/To/Cc/Bcc), then the body, chunk by
// chunk, as the milter would hand it over.
ReadMessage Read(std::FILE* in, const std::shared_ptr<const MarkingScanner>& scanner) {
  ReadMessage read;
  MarkingSession session(scanner);
  std::string buffer;
  std::vector<char> block(kChunk);
  size_t n = 0;
  std::optional<HeaderEnd> end;
  bool eof = false;
  while (true) {
    end = FindHeaderEnd(buffer, kMaxHeaderBytes);
    if (!end || end->empty_line < buffer.size() || eof) break;
    n = std::fread(block.data(), 1, block.size(), in);
    if (n == 0) eof = true;
    buffer.append(block.data(), n);
  }
  size_t header_size = end ? end->empty_line : std::min(buffer.size(), kMaxHeaderBytes);
  size_t body_start = end ? end->body : header_size;
  std::string_view headers(buffer.data(), header_size);
  std::vector<RawHeader> fields;
  std::string_view unused;
  SplitMessage(headers, &fields, &unused);
  for (const RawHeader& field : fields) session.Header(field.name, field.value);
  ParseMessageHeaders(headers, &read.envelope);
  session.EndHeaders();
  if (body_start < buffer.size()) session.Body(std::string_view(buffer).substr(body_start));
  buffer.clear();
  buffer.shrink_to_fit();
  while (!eof && (n = std::fread(block.data(), 1, block.size(), in)) > 0) {
    session.Body(std::string_view(block.data(), n));
  }
  read.markings = session.End();
  return read;
}

void AppendMarkingsJson(const MarkingResult& markings, std::string* out) {
  out->append(",\"markings\":[");
  for (size_t i = 0; i < markings.found.size(); ++i) {
    const MarkingFound& found = markings.found[i];
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
  out->append(markings.truncated ? "true" : "false");
  out->append(",\"malformed\":");
  out->append(markings.malformed ? "true" : "false");
}

int RunScan(const ScanOptions& options) {
  auto config = LoadConfig(ConfigRequest{options.config_path, {}});
  if (!config) {
    std::fprintf(stderr, "rcptguard: %s\n", config.error().ToString().c_str());
    return kExitUsage;
  }
  // History, as `check` uses it, when a store is named.
  std::shared_ptr<const CorrespondentHistory> history;
  int64_t now = std::time(nullptr);
  if (!options.store.empty() || !config->history.store.empty()) {
    auto loaded = LoadCorrespondentHistory(options.store, config->history, now);
    if (!loaded) {
      std::fprintf(stderr, "rcptguard: %s\n", loaded.error().ToString().c_str());
      return kExitUsage;
    }
    history = std::move(*loaded);
  }
  auto policy =
      CompilePolicy(*config, history ? history->LearnedDomains() : std::vector<ExpectedDomain>{});
  if (!policy) {
    std::fprintf(stderr, "rcptguard: %s\n", policy.error().ToString().c_str());
    return kExitUsage;
  }
  std::FILE* in = options.file == "-" ? stdin : std::fopen(options.file.c_str(), "rb");
  if (in == nullptr) {
    std::fprintf(stderr, "rcptguard: %s: cannot open\n", options.file.c_str());
    return kExitUsage;
  }
  ReadMessage read = Read(in, (*policy)->marking_scanner());
  if (in != stdin) std::fclose(in);

  std::string sender_text = !options.from.empty() ? options.from : read.envelope.sender;
  std::optional<Address> sender;
  if (!sender_text.empty()) {
    auto parsed = ParseAddress(sender_text);
    if (!parsed && !options.from.empty()) {
      std::fprintf(stderr, "rcptguard: --from %s: %s\n", options.from.c_str(),
                   parsed.error().message.c_str());
      return kExitUsage;
    }
    if (parsed) sender = std::move(*parsed);
  }
  std::vector<std::string> recipients = options.recipients;
  std::vector<std::string> names;
  if (recipients.empty()) {
    for (const SentRecipient& recipient : read.envelope.recipients) {
      recipients.push_back(recipient.address);
      names.push_back(recipient.display_name);
    }
  }
  if (recipients.empty()) {
    std::fprintf(stderr, "rcptguard: %s: no recipients in To, Cc or Bcc; give --rcpt\n",
                 options.file.c_str());
    return kExitUsage;
  }
  bool all_allowed = true;
  std::string out;
  for (size_t i = 0; i < recipients.size(); ++i) {
    EvaluationContext context;
    context.markings = &read.markings;
    context.history = history.get();
    context.now = now;
    if (i < names.size()) context.display_name = names[i];
    Verdict verdict = (*policy)->Evaluate(sender ? &*sender : nullptr, recipients[i], context);
    if (verdict.action != Action::kAllow) all_allowed = false;
    if (options.format == "text") {
      AppendVerdictText(verdict, &out);
    } else {
      AppendVerdictJson(verdict, &out);
      out.pop_back();  // the closing brace: the scan's fields follow
      AppendMarkingsJson(read.markings, &out);
      out.append("}\n");
    }
  }
  if (options.format == "text") {
    out.append("markings:");
    if (read.markings.found.empty()) out.append(" none");
    for (const MarkingFound& found : read.markings.found) {
      out.append(" " + found.name + " (" + found.scheme + ", " + found.where + ")");
    }
    if (read.markings.truncated) out.append("; scan stopped at max_scan_bytes");
    if (read.markings.malformed) out.append("; malformed MIME");
    out.push_back('\n');
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
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
  scan->add_option("--format", options->format, "Output: jsonl (default) or text")
      ->check(CLI::IsMember({"jsonl", "text"}));
  scan->add_option("file", options->file, "The message (.eml, RFC 5322); '-' reads stdin")
      ->required();
  return [options] { return RunScan(*options); };
}

}  // namespace rcptguard
