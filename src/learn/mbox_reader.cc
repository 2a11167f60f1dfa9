// The mbox reader. The hot path is skipping bodies: one memmem for "\nFrom "
// per candidate, so throughput is close to memory bandwidth on base64-heavy
// mail and the per-message cost is the header parse alone.
#include "learn/mbox_reader.h"

#include <cstring>
#include <utility>

#include "learn/mapped_file.h"
#include "rcptguard/message_headers.h"

namespace rcptguard {
namespace {

constexpr std::string_view kSeparator = "\nFrom ";
constexpr uint64_t kProgressEvery = 8u << 20;  // bytes between progress calls

bool IsFieldNameChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && c != ':';
}

// True iff the line at `pos` looks like the first header field of a message:
// a field name, then ':' (optional spaces before it, obsolete syntax).
bool LooksLikeField(std::string_view data, size_t pos) {
  size_t start = pos;
  while (pos < data.size() && pos - start < 128 && IsFieldNameChar(data[pos])) ++pos;
  if (pos == start) return false;
  while (pos < data.size() && (data[pos] == ' ' || data[pos] == '\t')) ++pos;
  return pos < data.size() && data[pos] == ':';
}

// True iff a "From " line starting at `from` (not at 0) starts a message: it
// follows an empty line ("\n\n" or "\n\r\n" before it) and the next line is a
// header field.
bool StartsMessage(std::string_view data, size_t from) {
  // data[from - 1] is the '\n' ending the previous line; the line before that
  // must be empty.
  if (from < 2) return false;
  size_t prev_end = from - 1;
  bool blank_before = data[prev_end - 1] == '\n' ||
                      (data[prev_end - 1] == '\r' && prev_end >= 2 && data[prev_end - 2] == '\n');
  if (!blank_before) return false;
  const void* nl = std::memchr(data.data() + from, '\n', data.size() - from);
  if (nl == nullptr) return false;  // a "From " line with nothing after it
  return LooksLikeField(data, static_cast<size_t>(static_cast<const char*>(nl) - data.data()) + 1);
}

// The offset of the next "From " line at or after `pos` that starts a message,
// or data.size().
size_t FindNextMessage(std::string_view data, size_t pos) {
  // Start one byte early: the separator's '\n' may be the byte before `pos`.
  size_t search = pos > 0 ? pos - 1 : 0;
  while (search < data.size()) {
    const void* hit =
        memmem(data.data() + search, data.size() - search, kSeparator.data(), kSeparator.size());
    if (hit == nullptr) break;
    size_t from = static_cast<size_t>(static_cast<const char*>(hit) - data.data()) + 1;
    if (from >= pos && StartsMessage(data, from)) return from;
    search = from;
  }
  return data.size();
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

LearnCounters ReadMbox(std::string_view data, const MboxOptions& options,
                       const LearnCallbacks& callbacks) {
  LearnCounters counters;
  uint64_t next_progress = kProgressEvery;
  size_t start = data.substr(0, 5) == "From " ? 0 : FindNextMessage(data, 0);
  if (start > 0 && !IsBlank(data.substr(0, start))) ++counters.malformed;

  SentMessage message;
  while (start < data.size()) {
    // The "From " line, then the header block.
    const void* nl = std::memchr(data.data() + start, '\n', data.size() - start);
    size_t headers_start =
        nl == nullptr ? data.size()
                      : static_cast<size_t>(static_cast<const char*>(nl) - data.data()) + 1;
    std::string_view from_line = data.substr(start, headers_start - start);
    std::string_view rest = data.substr(headers_start);
    std::optional<HeaderEnd> end = FindHeaderEnd(rest, options.max_header_bytes);

    size_t next;
    if (!end) {
      ++counters.malformed;
      next = FindNextMessage(data, headers_start);
    } else {
      HeaderOutcome outcome = ParseMessageHeaders(rest.substr(0, end->empty_line), &message);
      // The next message may start right after the empty line (no body).
      next = FindNextMessage(data, headers_start + end->empty_line);
      if (outcome == HeaderOutcome::kMessage) {
        if (message.key.empty()) {
          message.key = "mbox:" + options.source + ":" + std::to_string(start);
        }
        if (message.time == 0) {
          message.time = ParseFromLineDate(from_line).value_or(options.fallback_time);
        }
        ++counters.messages;
        if (!callbacks.message(std::move(message))) {
          counters.bytes = next;
          return counters;
        }
        message = SentMessage();
      } else {
        ++counters.skipped;
      }
    }
    start = next;
    if (callbacks.progress && start >= next_progress) {
      callbacks.progress(start);
      next_progress = start + kProgressEvery;
    }
  }
  counters.bytes = data.size();
  if (callbacks.progress) callbacks.progress(data.size());
  return counters;
}

Result<LearnCounters> ReadMboxFile(const std::string& path, MboxOptions options,
                                   const LearnCallbacks& callbacks) {
  Result<MappedFile> file = MappedFile::Open(path);
  if (!file) return Unexpected(file.error());
  if (options.source.empty()) options.source = path;
  if (options.fallback_time == 0) options.fallback_time = file->mtime();
  // Drop the pages behind the reader as it goes, so resident memory stays at
  // the read-ahead window whatever the size of the file.
  LearnCallbacks wrapped = callbacks;
  wrapped.progress = [&](uint64_t done) {
    file->Release(static_cast<size_t>(done));
    if (callbacks.progress) callbacks.progress(done);
  };
  return ReadMbox(file->data(), options, wrapped);
}

}  // namespace rcptguard
