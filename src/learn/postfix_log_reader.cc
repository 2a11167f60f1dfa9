// The Postfix log reader: a line parser and a table of open messages keyed by
// host and queue id. Each line is classified with a few prefix comparisons;
// only event lines of open messages allocate.
#include "learn/postfix_log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <zlib.h>

#include "learn/mapped_file.h"
#include "rcptguard/ascii.h"
#include "rcptguard/message_headers.h"

namespace rcptguard {
namespace {

constexpr uint64_t kProgressEvery = 8u << 20;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Consumes the next space-delimited token of `s` (skipping leading spaces).
std::string_view NextToken(std::string_view* s) {
  size_t start = s->find_first_not_of(' ');
  if (start == std::string_view::npos) {
    *s = {};
    return {};
  }
  size_t end = s->find(' ', start);
  if (end == std::string_view::npos) end = s->size();
  std::string_view token = s->substr(start, end - start);
  s->remove_prefix(end);
  return token;
}

std::optional<int64_t> Digits(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

// "2026-11-26T10:00:01.123456+00:00" (also "Z", "+0100", no fraction).
std::optional<int64_t> ParseIsoTime(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) {
    return std::nullopt;
  }
  auto year = Digits(s.substr(0, 4));
  auto month = Digits(s.substr(5, 2));
  auto day = Digits(s.substr(8, 2));
  auto clock = ParseClock(s.substr(11, 8));
  if (!year || !month || !day || !clock || *month < 1 || *month > 12 || *day < 1 || *day > 31) {
    return std::nullopt;
  }
  int64_t t =
      DaysFromCivil(*year, static_cast<int>(*month), static_cast<int>(*day)) * 86400 + *clock;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
  }
  if (pos == s.size() || s[pos] == 'Z') return t;
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  int sign = s[pos] == '+' ? 1 : -1;
  std::string_view zone = s.substr(pos + 1);
  auto hours = Digits(zone.substr(0, 2));
  zone.remove_prefix(std::min<size_t>(2, zone.size()));
  if (!zone.empty() && zone.front() == ':') zone.remove_prefix(1);
  auto minutes = Digits(zone.substr(0, 2));
  if (!hours || !minutes) return std::nullopt;
  return t - sign * (*hours * 3600 + *minutes * 60);
}

int64_t YearOf(int64_t unix_time) {
  time_t t = static_cast<time_t>(unix_time);
  struct tm parts {};
  gmtime_r(&t, &parts);
  return parts.tm_year + 1900;
}

// One line, split into the parts the reader uses.
struct LogLine {
  std::string_view stamp;  // as logged: the key of messages without a Message-ID
  bool iso = false;
  std::string_view host;
  std::string_view queue_id;
  std::string_view event;  // after "QUEUEID: "
};

// Splits `line`; false for lines that are not a Postfix queue-file event.
bool SplitLine(std::string_view line, LogLine* out) {
  std::string_view rest = line;
  if (rest.size() >= 19 && IsDigit(rest[0]) && rest[4] == '-') {
    out->stamp = NextToken(&rest);
    out->iso = true;
  } else {
    // "Nov 26 10:00:01" or "Nov  6 10:00:01": three tokens, kept as one view.
    std::string_view month = NextToken(&rest);
    std::string_view day = NextToken(&rest);
    std::string_view clock = NextToken(&rest);
    if (MonthFromName(month) == 0 || !Digits(day) || !ParseClock(clock)) return false;
    out->stamp = line.substr(0, static_cast<size_t>(clock.data() + clock.size() - line.data()));
    out->iso = false;
  }
  out->host = NextToken(&rest);
  std::string_view tag = NextToken(&rest);
  if (out->host.empty() || tag.size() < 2 || tag.back() != ':') return false;
  // syslog_name is "postfix" or, for other instances, "postfix-<name>".
  if (tag.substr(0, 7) != "postfix") return false;
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  size_t id_end = 0;
  while (id_end < rest.size() && IsAlnum(rest[id_end])) ++id_end;
  if (id_end == 0 || rest.substr(id_end, 2) != ": ") return false;
  out->queue_id = rest.substr(0, id_end);
  if (out->queue_id == "NOQUEUE") return false;
  out->event = rest.substr(id_end + 2);
  return true;
}

// The address in "<...>" at the start of `s` (Postfix quotes odd local parts,
// so the value ends at the last '>' before the next ", " field or the end).
std::optional<std::string_view> AngleValue(std::string_view s) {
  if (s.empty() || s.front() != '<') return std::nullopt;
  size_t end = s.find(">, ");
  if (end == std::string_view::npos) {
    end = s.rfind('>');
    if (end == std::string_view::npos || end == 0) return std::nullopt;
  }
  return s.substr(1, end - 1);
}

// The value of ", name=" in `s` up to the next space or ',' (for status=).
std::string_view FieldWord(std::string_view s, std::string_view field) {
  size_t at = s.find(field);
  if (at == std::string_view::npos) return {};
  s.remove_prefix(at + field.size());
  size_t end = s.find_first_of(" ,");
  return s.substr(0, end);
}

}  // namespace

struct PostfixLogReader::State {
  struct Open {
    std::string host, queue_id, stamp;
    int64_t time = 0;
    std::string message_id;
    std::string sender;
    bool has_from = false;
    std::vector<SentRecipient> recipients;
    uint64_t last_line = 0;
  };

  State(const PostfixLogOptions& o, const LearnCallbacks& c) : options(o), callbacks(c) {
    reference_year = YearOf(options.reference_time);
  }

  int64_t LineTime(const LogLine& line) const {
    if (line.iso) return ParseIsoTime(line.stamp).value_or(0);
    std::string_view rest = line.stamp;
    int month = MonthFromName(NextToken(&rest));
    int day = static_cast<int>(Digits(NextToken(&rest)).value_or(1));
    int64_t clock = ParseClock(NextToken(&rest)).value_or(0);
    int64_t t = DaysFromCivil(reference_year, month, day) * 86400 + clock;
    if (t > options.reference_time + 86400) {
      t = DaysFromCivil(reference_year - 1, month, day) * 86400 + clock;
    }
    return t;
  }

  static std::string MapKey(const LogLine& line) {
    std::string key;
    key.reserve(line.host.size() + 1 + line.queue_id.size());
    key.append(line.host).push_back(' ');
    key.append(line.queue_id);
    return key;
  }

  Open& Start(const std::string& key, const LogLine& line) {
    Open& entry = open[key];
    entry = Open();
    entry.host.assign(line.host);
    entry.queue_id.assign(line.queue_id);
    entry.stamp.assign(line.stamp);
    entry.time = LineTime(line);
    if (open.size() > options.max_open_messages) EvictOldest(key);
    return entry;
  }

  // The entry for `line`, created when the queue id is new.
  Open& Find(const std::string& key, const LogLine& line) {
    auto it = open.find(key);
    if (it != open.end()) return it->second;
    return Start(key, line);
  }

  void Emit(Open& entry) {
    if (entry.sender.empty() || entry.recipients.empty()) {
      // A bounce (from=<>), a message nothing was delivered for, or one whose
      // first lines are not in this log.
      if (entry.has_from || !entry.recipients.empty()) ++counters.skipped;
      return;
    }
    SentMessage message;
    message.key = !entry.message_id.empty()
                      ? std::move(entry.message_id)
                      : "postfix:" + entry.host + ":" + entry.queue_id + ":" + entry.stamp;
    message.sender = std::move(entry.sender);
    message.recipients = std::move(entry.recipients);
    message.time = entry.time;
    ++counters.messages;
    if (!callbacks.message(std::move(message))) stopped = true;
  }

  void EmitAndForget(const std::string& key) {
    auto it = open.find(key);
    if (it == open.end()) return;
    Emit(it->second);
    open.erase(it);
  }

  // Emits the least recently active half of the open messages (never `keep`).
  void EvictOldest(const std::string& keep) {
    if (stopped) return;
    std::vector<std::pair<uint64_t, std::string>> by_age;
    by_age.reserve(open.size());
    for (const auto& [key, entry] : open) {
      if (key != keep) by_age.emplace_back(entry.last_line, key);
    }
    size_t half = by_age.size() / 2;
    std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(half),
                     by_age.end());
    for (size_t i = 0; i < half; ++i) EmitAndForget(by_age[i].second);
  }

  void AddRecipient(Open& entry, std::string_view address) {
    for (const SentRecipient& r : entry.recipients) {
      if (EqualsIgnoreCase(r.address, address)) return;
    }
    entry.recipients.push_back(SentRecipient{std::string(address), std::string()});
  }

  void AddLine(std::string_view text) {
    if (stopped) return;
    ++line_number;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    LogLine line;
    if (!SplitLine(text, &line)) return;
    std::string_view event = line.event;

    if (event.substr(0, 7) == "client=" || event.substr(0, 4) == "uid=") {
      std::string key = MapKey(line);
      auto it = open.find(key);
      if (it != open.end() && it->second.has_from) EmitAndForget(key);
      Find(key, line).last_line = line_number;
    } else if (event.substr(0, 11) == "message-id=") {
      std::string key = MapKey(line);
      auto it = open.find(key);
      if (it != open.end() && it->second.has_from) EmitAndForget(key);
      Open& entry = Find(key, line);
      entry.last_line = line_number;
      std::string_view id = event.substr(11);
      id = id.substr(0, id.find_first_of(" ,"));
      // "message-id=<>" (or nothing): no id, so the message keeps the
      // queue-id key rather than sharing "<>" with every other such message.
      if (id.find_first_not_of("<>") == std::string_view::npos) id = {};
      entry.message_id.assign(id);
    } else if (event.substr(0, 5) == "from=") {
      std::optional<std::string_view> sender = AngleValue(event.substr(5));
      if (!sender) {
        ++counters.malformed;
        return;
      }
      std::string key = MapKey(line);
      auto it = open.find(key);
      if (it != open.end() && it->second.has_from && it->second.sender != *sender) {
        EmitAndForget(key);
      }
      Open& entry = Find(key, line);
      entry.last_line = line_number;
      entry.has_from = true;
      entry.sender.assign(*sender);
    } else if (event.substr(0, 3) == "to=") {
      std::optional<std::string_view> to = AngleValue(event.substr(3));
      size_t status_at = event.find(", status=");
      if (!to || status_at == std::string_view::npos) {
        ++counters.malformed;
        return;
      }
      // Only the fields before status= are Postfix's: the text after it
      // quotes the remote server and may contain anything.
      std::string_view fields = event.substr(0, status_at);
      std::string_view status = FieldWord(event.substr(status_at), ", status=");
      if (status != "sent") {
        // Still note the activity: a deferred message is not stale.
        auto it = open.find(MapKey(line));
        if (it != open.end()) it->second.last_line = line_number;
        return;
      }
      std::string_view recipient = *to;
      if (size_t orig = fields.find(", orig_to=<"); orig != std::string_view::npos) {
        if (auto original = AngleValue(fields.substr(orig + 10))) recipient = *original;
      }
      if (recipient.find('@') == std::string_view::npos) return;  // a local user name
      Open& entry = Find(MapKey(line), line);
      entry.last_line = line_number;
      AddRecipient(entry, recipient);
    } else if (event == "removed") {
      EmitAndForget(MapKey(line));
    }
  }

  LearnCounters Finish() {
    std::vector<std::string> keys;
    keys.reserve(open.size());
    for (const auto& [key, entry] : open) keys.push_back(key);
    std::sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
      return open[a].last_line < open[b].last_line;
    });
    for (const std::string& key : keys) {
      if (stopped) break;
      Open& entry = open[key];
      // At the end of the log, a message with nothing delivered yet may still
      // be in the queue: neither learned nor counted.
      if (!entry.recipients.empty()) Emit(entry);
    }
    open.clear();
    return counters;
  }

  const PostfixLogOptions& options;
  const LearnCallbacks& callbacks;
  int64_t reference_year = 1970;
  uint64_t line_number = 0;
  bool stopped = false;  // the callback asked to stop
  std::unordered_map<std::string, Open> open;
  LearnCounters counters;
};

PostfixLogReader::PostfixLogReader(const PostfixLogOptions& options,
                                   const LearnCallbacks& callbacks)
    : state_(std::make_unique<State>(options, callbacks)) {}

PostfixLogReader::~PostfixLogReader() = default;

void PostfixLogReader::AddLine(std::string_view line) {
  state_->counters.bytes += line.size();
  state_->AddLine(line);
}

LearnCounters PostfixLogReader::Finish() { return state_->Finish(); }

bool PostfixLogReader::stopped() const { return state_->stopped; }

namespace {

// Longer than any Postfix log line (syslog caps a line at a few KiB; the
// longest Postfix lines, with long orig_to= and relay=, stay under 2 KiB):
// such a "line" is counted malformed and skipped, never kept.
constexpr size_t kMaxLogLine = 64 * 1024;

// Splits a stream of chunks into lines of at most kMaxLogLine, handing each
// to the reader. A line that ends in one chunk is passed as a view into it; a
// line split across chunks is carried (bounded); an over-long line is skipped
// up to its newline and counted once.
class LineSplitter {
 public:
  explicit LineSplitter(PostfixLogReader& reader) : reader_(reader) {}

  void Add(std::string_view chunk) {
    while (!chunk.empty() && !reader_.stopped()) {
      const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
      size_t end = nl == nullptr ? chunk.size()
                                 : static_cast<size_t>(static_cast<const char*>(nl) -
                                                       chunk.data()) + 1;
      std::string_view piece = chunk.substr(0, end);
      chunk.remove_prefix(end);
      if (skipping_) {
        if (nl != nullptr) skipping_ = false;
        continue;
      }
      if (carry_.size() + piece.size() > kMaxLogLine) {
        carry_.clear();
        ++overlong_;
        skipping_ = nl == nullptr;
        continue;
      }
      if (nl == nullptr) {
        carry_.append(piece);
        continue;
      }
      if (carry_.empty()) {
        reader_.AddLine(piece);
      } else {
        carry_.append(piece);
        reader_.AddLine(carry_);
        carry_.clear();
      }
    }
  }

  // The last line, if it had no newline; returns how many lines were too long.
  uint64_t Finish() {
    if (!carry_.empty() && !skipping_ && !reader_.stopped()) reader_.AddLine(carry_);
    carry_.clear();
    return overlong_;
  }

 private:
  PostfixLogReader& reader_;
  std::string carry_;
  bool skipping_ = false;
  uint64_t overlong_ = 0;
};

// Reads the whole input through `read` (returns bytes, 0 at the end, -1 on
// error with the message in *error) in chunks, in constant memory.
template <typename Read>
Result<LearnCounters> ReadStream(Read read, const std::string& path,
                                 const PostfixLogOptions& options,
                                 const LearnCallbacks& callbacks) {
  PostfixLogReader reader(options, callbacks);
  LineSplitter lines(reader);
  std::vector<char> chunk(1 << 20);
  uint64_t done = 0;
  uint64_t next_progress = kProgressEvery;
  while (!reader.stopped()) {
    std::string error;
    int64_t n = read(chunk.data(), chunk.size(), &error);
    if (n < 0) return MakeError(ErrorCode::kIo, path + ": " + error);
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
    lines.Add(std::string_view(chunk.data(), static_cast<size_t>(n)));
    if (callbacks.progress && done >= next_progress) {
      callbacks.progress(done);
      next_progress = done + kProgressEvery;
    }
  }
  uint64_t overlong = lines.Finish();
  LearnCounters counters = reader.Finish();
  counters.malformed += overlong;
  counters.bytes = done;
  if (callbacks.progress) callbacks.progress(done);
  return counters;
}

// gzip files start with these two bytes (RFC 1952).
bool IsGzip(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  unsigned char magic[2] = {0, 0};
  bool gzip = ::read(fd, magic, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  ::close(fd);
  return gzip;
}

}  // namespace

LearnCounters ReadPostfixLog(std::string_view data, const PostfixLogOptions& options,
                             const LearnCallbacks& callbacks) {
  PostfixLogReader reader(options, callbacks);
  LineSplitter lines(reader);
  // In windows, so that progress (which releases the pages of a mapped file
  // already read) runs even inside one enormous line.
  constexpr size_t kWindow = 1u << 20;
  uint64_t next_progress = kProgressEvery;
  for (size_t pos = 0; pos < data.size() && !reader.stopped(); pos += kWindow) {
    lines.Add(data.substr(pos, kWindow));
    size_t done = std::min(data.size(), pos + kWindow);
    if (callbacks.progress && done >= next_progress) {
      callbacks.progress(done);
      next_progress = done + kProgressEvery;
    }
  }
  uint64_t overlong = lines.Finish();
  LearnCounters counters = reader.Finish();
  counters.malformed += overlong;
  counters.bytes = data.size();
  if (callbacks.progress) callbacks.progress(data.size());
  return counters;
}

Result<LearnCounters> ReadPostfixLogFile(const std::string& path, PostfixLogOptions options,
                                         const LearnCallbacks& callbacks) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return MakeError(ErrorCode::kIo, path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kIo, path + ": a directory, not a log file");
  }
  if (S_ISREG(st.st_mode) && IsGzip(path)) {
    // A rotated log (mail.log.2.gz): decompressed as it is read.
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) return MakeError(ErrorCode::kIo, path + ": " + std::strerror(errno));
    gzbuffer(file, 1 << 17);
    if (options.reference_time == 0) options.reference_time = st.st_mtim.tv_sec;
    auto result = ReadStream(
        [&](char* out, size_t n, std::string* error) -> int64_t {
          int got = gzread(file, out, static_cast<unsigned>(n));
          if (got < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            *error = std::string("cannot decompress: ") + (message != nullptr ? message : "?");
          }
          return got;
        },
        path, options, callbacks);
    if (gzclose(file) != Z_OK && result) {
      return MakeError(ErrorCode::kIo, path + ": the compressed file is truncated or damaged");
    }
    return result;
  }
  if (S_ISREG(st.st_mode)) {
    Result<MappedFile> file = MappedFile::Open(path);
    if (!file) return Unexpected(file.error());
    if (options.reference_time == 0) options.reference_time = file->mtime();
    LearnCallbacks wrapped = callbacks;
    wrapped.progress = [&](uint64_t done) {
      file->Release(static_cast<size_t>(done));
      if (callbacks.progress) callbacks.progress(done);
    };
    return ReadPostfixLog(file->data(), options, wrapped);
  }
  // A pipe or character device (zcat ... | rcptguard learn --postfix-log /dev/stdin).
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, path + ": " + std::strerror(errno));
  if (options.reference_time == 0) options.reference_time = ::time(nullptr);
  auto result = ReadStream(
      [&](char* out, size_t n, std::string* error) -> int64_t {
        while (true) {
          ssize_t got = ::read(fd, out, n);
          if (got < 0 && errno == EINTR) continue;
          if (got < 0) *error = std::strerror(errno);
          return got;
        }
      },
      path, options, callbacks);
  ::close(fd);
  return result;
}

}  // namespace rcptguard
