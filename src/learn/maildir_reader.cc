// The Maildir reader: a readdir stream over cur/ and new/, and one bounded
// read() per file, up to the end of its header block.
#include "learn/maildir_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "rcptguard/message_headers.h"

namespace rcptguard {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The unique part of a Maildir file name: everything before the info
// separator (":" on Unix; "!" or ";" where ':' is not allowed in names).
std::string_view UniqueName(std::string_view name) {
  size_t info = name.find_first_of(":!;");
  return info == std::string_view::npos ? name : name.substr(0, info);
}

// The delivery time a Maildir name starts with ("1795683601.M12P3.host"),
// when it is a plausible unix time.
std::optional<int64_t> NameTime(std::string_view name) {
  int64_t t = 0;
  size_t i = 0;
  while (i < name.size() && i < 12 && name[i] >= '0' && name[i] <= '9') {
    t = t * 10 + (name[i] - '0');
    ++i;
  }
  if (i < 9 || i == name.size() || name[i] != '.') return std::nullopt;
  return t;
}

class MaildirReader {
 public:
  MaildirReader(const MaildirOptions& options, const LearnCallbacks& callbacks)
      : options_(options), callbacks_(callbacks), buffer_(kChunk) {}

  Result<void> ReadDirectory(const std::string& dir) {
    std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
    if (!handle) return MakeError(ErrorCode::kIo, dir + ": " + std::strerror(errno));
    while (struct dirent* entry = ::readdir(handle.get())) {
      std::string_view name = entry->d_name;
      if (name.empty() || name.front() == '.') continue;
      if (!ReadMessageFile(dir + "/" + std::string(name), name)) break;
    }
    return {};
  }

  const LearnCounters& counters() const { return counters_; }
  bool stopped() const { return stopped_; }

 private:
  static constexpr size_t kChunk = 64 * 1024;

  // Returns false when the callback asked to stop.
  bool ReadMessageFile(const std::string& path, std::string_view name) {
    // O_NONBLOCK: opening a FIFO someone left in cur/ must not wait for a
    // writer (a regular file ignores the flag).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
      // Gone since readdir (moved by a mail client) or a symlink: not mail to learn.
      if (errno != ENOENT && errno != ELOOP) ++counters_.malformed;
      return true;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      ++counters_.not_files;
      return true;
    }
    // Read until the header block ends, at most max_header_bytes + one chunk.
    size_t filled = 0;
    std::optional<HeaderEnd> end;
    bool eof = false;
    bool failed = false;
    for (;;) {
      if (buffer_.size() < filled + kChunk) buffer_.resize(filled + kChunk);
      ssize_t n = ::read(fd, buffer_.data() + filled, kChunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        failed = true;
        break;
      }
      filled += static_cast<size_t>(n);
      eof = n == 0;
      std::string_view data(buffer_.data(), filled);
      end = FindHeaderEnd(data, options_.max_header_bytes);
      if (!end) break;                             // too long: malformed
      if (end->empty_line < filled || eof) break;  // found, or the file is all headers
    }
    ::close(fd);
    counters_.bytes += static_cast<uint64_t>(st.st_size);
    if (failed || !end) {
      ++counters_.malformed;
      return true;
    }
    SentMessage message;
    HeaderOutcome outcome =
        ParseMessageHeaders(std::string_view(buffer_.data(), end->empty_line), &message);
    if (outcome != HeaderOutcome::kMessage) {
      ++counters_.skipped;
      return true;
    }
    if (message.key.empty()) message.key = "maildir:" + std::string(UniqueName(name));
    if (message.time == 0) message.time = NameTime(name).value_or(st.st_mtim.tv_sec);
    ++counters_.messages;
    if (!callbacks_.message(std::move(message))) {
      stopped_ = true;
      return false;
    }
    if (callbacks_.progress) callbacks_.progress(counters_.bytes);
    return true;
  }

  const MaildirOptions& options_;
  const LearnCallbacks& callbacks_;
  std::vector<char> buffer_;
  LearnCounters counters_;
  bool stopped_ = false;
};

}  // namespace

Result<LearnCounters> ReadMaildir(const std::string& dir, const MaildirOptions& options,
                                  const LearnCallbacks& callbacks) {
  if (!IsDirectory(dir)) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      return MakeError(ErrorCode::kIo, dir + ": " + std::strerror(errno));
    }
    return MakeError(ErrorCode::kIo, dir + ": not a directory");
  }
  MaildirReader reader(options, callbacks);
  std::vector<std::string> parts;
  for (const char* sub : {"/cur", "/new"}) {
    if (IsDirectory(dir + sub)) parts.push_back(dir + sub);
  }
  if (parts.empty()) parts.push_back(dir);
  for (const std::string& part : parts) {
    if (Result<void> read = reader.ReadDirectory(part); !read) return Unexpected(read.error());
    if (reader.stopped()) break;
  }
  return reader.counters();
}

}  // namespace rcptguard
