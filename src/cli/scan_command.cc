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
#include "cli/store_options.h"
#include "config/config.h"
#include "rcptguard/ascii.h"
#include "rcptguard/marking.h"
#include "rcptguard/message_headers.h"
#include "rcptguard/session.h"
#include "rcptguard/verdict_format.h"

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
// The address fields kept to read the envelope from: at least this much,
// whatever max_scan_bytes says, so that a long recipient list (100,000 To:
// fields are 2.4 MB) is read whole. The bound on memory for a hostile one.
constexpr size_t kMinEnvelopeBytes = 64 << 20;

// A saved message's header block, field by field as the MTA hands fields to
// the milter, in bounded memory: each field holds at most `max_field`
// bytes of the file (max_scan_bytes + 1), and what is past that is skipped
// and the field marked cut. A cut field is still longer than the marking
// scan's budget, so the scan says truncated and on_limit applies, as in the
// milter, which would be handed the whole field. A field is a line that
// starts a field ("Name:" at the start), with the continuation lines and
// stray lines after it; the block ends at the first empty line or the end of
// the file. Each field is split as SplitMessage splits a whole message, so
// scan and the milter tests see the same names and values.
class HeaderReader {
 public:
  HeaderReader(std::FILE* in, size_t max_field) : in_(in), max_field_(max_field) {}

  // Fills `fields` with the header fields of the next field's text (none for
  // stray lines before the first field) and returns true, or returns false
  // at the end of the block. The views point into the reader and stay valid
  // until the next call.
  bool Next(std::vector<RawHeader>* fields, bool* cut) {
    fields->clear();
    *cut = false;
    if (!have_line_ && !ReadLine()) return false;
    field_.clear();
    bool first = true;
    while (have_line_) {
      std::string_view line = Content(line_);
      if (line.empty()) {
        done_ = true;  // the empty line ends the block; the body follows
        have_line_ = false;
        break;
      }
      if (!first && StartsField(line)) break;  // the next field's first line
      first = false;
      if (field_.size() + line_.size() > max_field_ || line_cut_) {
        field_.append(line_, 0, max_field_ - std::min(max_field_, field_.size()));
        *cut = true;
      } else {
        field_.append(line_);
      }
      if (!ReadLine()) break;
    }
    std::string_view unused;
    if (!field_.empty()) SplitMessage(field_, fields, &unused);
    return !field_.empty() || have_line_;
  }

  // The bytes read past the empty line: the start of the body.
  std::string& rest() { return rest_; }

 private:
  // A line without its line break: what SplitMessage looks at.
  static std::string_view Content(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }
  // "Name: ..." with no leading space: SplitMessage starts a new field here.
  static bool StartsField(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') return false;
    size_t colon = line.find(':');
    return colon != std::string_view::npos && colon > 0;
  }

  // The next line of the block (its line break kept) into line_, at most
  // max_field_ bytes of it; false at the end of the block or the file.
  bool ReadLine() {
    line_.clear();
    line_cut_ = false;
    have_line_ = false;
    if (done_) return false;
    while (true) {
      if (pos_ == buffer_.size()) {
        buffer_.resize(kChunk);
        size_t n = std::fread(buffer_.data(), 1, buffer_.size(), in_);
        buffer_.resize(n);
        pos_ = 0;
        if (n == 0) break;
      }
      const char* start = buffer_.data() + pos_;
      const void* nl = std::memchr(start, '\n', buffer_.size() - pos_);
      size_t take = nl == nullptr ? buffer_.size() - pos_
                                  : static_cast<size_t>(static_cast<const char*>(nl) - start) + 1;
      size_t room = max_field_ - std::min(max_field_, line_.size());
      line_.append(start, std::min(take, room));
      line_cut_ |= take > room;
      pos_ += take;
      if (nl != nullptr) break;
    }
    have_line_ = !line_.empty();
    if (!have_line_) done_ = true;  // the end of the file
    if (done_ || Content(line_).empty()) rest_.assign(buffer_, pos_);
    return have_line_;
  }

  std::FILE* in_;
  size_t max_field_;
  std::string buffer_;
  size_t pos_ = 0;
  std::string line_;  // the line looked at, read but not yet part of a field
  bool line_cut_ = false;
  bool have_line_ = false;
  bool done_ = false;  // the empty line or the end of the file was reached
  std::string field_;
  std::string rest_;
};

// The fields the envelope comes from (ParseMessageHeaders reads the sender
// and the recipients from them).
bool IsEnvelopeField(std::string_view name) {
  for (std::string_view wanted : {"From", "Sender", "Return-Path", "To", "Cc", "Bcc"}) {
    if (EqualsIgnoreCase(name, wanted)) return true;
  }
  return false;
}

// The envelope of a saved message, from its whole header block (the MTA
// would know it before the first header): `complete` is false when an
// address field was longer than `max_field` or the address fields together
// longer than `max_total`, so some recipient could not be read.
struct Envelope {
  SentMessage message;
  bool complete = true;
};
Envelope ReadEnvelope(std::FILE* in, size_t max_field, size_t max_total) {
  Envelope envelope;
  HeaderReader reader(in, max_field);
  std::vector<RawHeader> fields;
  bool cut = false;
  std::string text;
  while (reader.Next(&fields, &cut)) {
    for (const RawHeader& field : fields) {
      if (!IsEnvelopeField(field.name)) continue;
      if (cut || text.size() + field.name.size() + field.value.size() + 3 > max_total) {
        envelope.complete = false;
        continue;
      }
      text.append(field.name).append(": ").append(field.value).append("\n");
    }
  }
  ParseMessageHeaders(text, &envelope.message);
  return envelope;
}

// Where a message starts in a file that can be read twice, from where it
// was when scan began (stdin may be a regular file read from the middle).
struct Input {
  std::FILE* file = nullptr;
  long start = 0;
};

// `in` if it can be read twice (a regular file), else a temporary copy of
// it (a pipe): the envelope is read from the header block first, then the
// message is fed from its start. Null file (errno set) when the copy fails.
Input Rewindable(std::FILE* in) {
  long start = std::ftell(in);
  if (start >= 0 && std::fseek(in, start, SEEK_SET) == 0) return Input{in, start};
  std::FILE* copy = std::tmpfile();
  if (copy == nullptr) return {};
  std::vector<char> chunk(kChunk);
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), in)) > 0) {
    if (std::fwrite(chunk.data(), 1, n, copy) != n) break;
  }
  if (std::ferror(in) || std::ferror(copy) || std::fseek(copy, 0, SEEK_SET) != 0) {
    std::fclose(copy);
    return {};
  }
  return Input{copy, 0};
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
  std::FILE* opened = options.file == "-" ? stdin : std::fopen(options.file.c_str(), "rb");
  if (opened == nullptr) {
    PrintError(options.file + ": cannot open: " + std::strerror(errno));
    return kExitUsage;
  }
  Input input = Rewindable(opened);
  std::FILE* in = input.file;
  if (in != opened && opened != stdin) std::fclose(opened);
  if (in == nullptr) {
    PrintError(options.file + ": cannot read: " + std::strerror(errno));
    return kExitUsage;
  }
  // Closes the input on every way out.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(
      in, [](std::FILE* file) { return file == stdin ? 0 : std::fclose(file); });
  auto settings = std::make_shared<SessionSettings>();
  settings->policy = std::move(*policy);
  settings->outbound = std::move(*outbound);
  settings->local_submission_daemon_names = config->milter.local_submission_daemon_names;
  size_t max_bytes = settings->policy->marking_scanner()->options().max_scan_bytes;

  // The envelope, which the MTA would know first, comes from the headers
  // (or --from and --rcpt): the whole header block is read for it.
  Envelope envelope = ReadEnvelope(in, max_bytes + 1, std::max(max_bytes, kMinEnvelopeBytes));
  std::string sender_text = !options.from.empty() ? options.from : envelope.message.sender;
  if (!options.from.empty()) {
    if (auto parsed = ParseAddress(options.from); !parsed) {
      PrintError("--from " + options.from + ": " + parsed.error().message);
      return kExitUsage;
    }
  }
  std::vector<std::string> recipients = options.recipients;
  if (recipients.empty()) {
    if (!envelope.complete) {
      // Recipients past the bound would go unchecked: refuse rather than
      // answer for part of the list.
      PrintError(options.file + ": an address field is larger than max_scan_bytes (" +
                 std::to_string(max_bytes) + " bytes), or all of them together larger than " +
                 std::to_string(std::max(max_bytes, kMinEnvelopeBytes)) +
                 " bytes: not every recipient can be read; give --rcpt");
      return kExitUsage;
    }
    for (const SentRecipient& recipient : envelope.message.recipients) {
      recipients.push_back(recipient.address);
    }
  }
  if (recipients.empty()) {
    PrintError(options.file + ": no recipients in To, Cc or Bcc; give --rcpt");
    return kExitUsage;
  }
  if (std::fseek(in, input.start, SEEK_SET) != 0) {
    PrintError(options.file + ": cannot read it again: " + std::strerror(errno));
    return kExitUsage;
  }

  // The message through the same session the milter feeds, phase by phase:
  // every header field of the block, however large, then the body.
  SessionServices services;
  services.clock = [now] { return now; };
  if (history) services.history = [history] { return history; };
  MessageSession session(settings, std::move(services));
  ConnectionFacts facts;
  facts.local = true;  // a saved message is checked as submitted here
  session.Connect(std::move(facts));
  session.Sender("<" + sender_text + ">");
  for (const std::string& recipient : recipients) session.Recipient("<" + recipient + ">");
  HeaderReader reader(in, max_bytes + 1);
  std::vector<RawHeader> fields;
  bool cut = false;
  while (reader.Next(&fields, &cut)) {
    for (const RawHeader& field : fields) session.Header(field.name, field.value);
  }
  session.EndOfHeaders();
  if (!reader.rest().empty()) session.Body(reader.rest());
  reader.rest().clear();
  std::vector<char> chunk(kChunk);
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), in)) > 0) {
    session.Body(std::string_view(chunk.data(), n));
  }
  if (std::ferror(in) != 0) {
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
