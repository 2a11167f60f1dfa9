// The milter's body store: memory first, then an unlinked temporary file.
#include "milter/spill_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rcptguard {

SpillStore::SpillStore(size_t memory_limit, std::string directory,
                       std::function<void(const std::string&)> report)
    : memory_limit_(memory_limit), directory_(std::move(directory)), report_(std::move(report)) {}

SpillStore::~SpillStore() {
  if (fd_ >= 0) close(fd_);
}

Result<void> SpillStore::OpenFile() {
  std::string directory = directory_;
  if (directory.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    directory = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  // O_TMPFILE: a file with no name at all, so no other process can open it and
  // nothing is left if we die. Filesystems without it get mkstemp + unlink.
  fd_ = open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd_ < 0) {
    std::string path = directory + "/rcptguard-body.XXXXXX";
    fd_ = mkostemp(path.data(), O_CLOEXEC);
    if (fd_ >= 0) unlink(path.c_str());
  }
  if (fd_ < 0) {
    return Fail("cannot create a temporary file in " + directory + ": " + std::strerror(errno));
  }
  return {};
}

Failure SpillStore::Fail(std::string message) {
  if (report_) report_(message);
  report_ = nullptr;  // once per message
  return MakeError(ErrorCode::kIo, std::move(message));
}

Result<void> SpillStore::Append(std::string_view bytes) {
  if (fd_ < 0 && memory_.size() + bytes.size() <= memory_limit_) {
    memory_.append(bytes);
    size_ += bytes.size();
    return {};
  }
  if (fd_ < 0) RCPTGUARD_TRY(OpenFile());
  while (!bytes.empty()) {
    ssize_t written = write(fd_, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      return Fail(std::string("cannot write the temporary body file: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
    size_ += static_cast<uint64_t>(written);
  }
  return {};
}

int64_t SpillStore::Read(uint64_t offset, char* out, size_t n) {
  if (offset >= size_ || n == 0) return 0;
  if (offset < memory_.size()) {
    size_t count = std::min<uint64_t>(n, memory_.size() - offset);
    std::memcpy(out, memory_.data() + offset, count);
    return static_cast<int64_t>(count);
  }
  ssize_t count;
  do {
    count = pread(fd_, out, n, static_cast<off_t>(offset - memory_.size()));
  } while (count < 0 && errno == EINTR);
  return count;
}

}  // namespace rcptguard
