// File reading for configuration and data files: regular files only, bounded.
#include "platform/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rcptguard {
namespace {

// Opens `path` for reading and checks what it is. O_NONBLOCK: opening a FIFO
// must not wait for a writer; a regular file ignores the flag.
Result<int> OpenRegular(const std::string& path, struct stat* info) {
  if (path.empty()) return MakeError(ErrorCode::kIo, "an empty file name", "''");
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  }
  if (fstat(fd, info) != 0) {
    int saved = errno;
    close(fd);
    return MakeError(ErrorCode::kIo, std::string("cannot read: ") + std::strerror(saved), path);
  }
  if (!S_ISREG(info->st_mode)) {
    close(fd);
    const char* what = S_ISDIR(info->st_mode)    ? "a directory"
                       : S_ISFIFO(info->st_mode) ? "a FIFO"
                       : S_ISCHR(info->st_mode)  ? "a character device"
                       : S_ISBLK(info->st_mode)  ? "a block device"
                       : S_ISSOCK(info->st_mode) ? "a socket"
                                                 : "not a regular file";
    return MakeError(ErrorCode::kIo, std::string("cannot read: it is ") + what +
                                         ", not a regular file",
                     path);
  }
  return fd;
}

std::string Megabytes(size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  struct stat info;
  auto fd = OpenRegular(path, &info);
  if (!fd) return Unexpected(fd.error());
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    close(*fd);
    return MakeError(ErrorCode::kIo, "cannot read: larger than " + Megabytes(max_bytes), path);
  }
  // The size is a hint only (the file may grow while it is read), so the
  // bound is enforced on what is actually read.
  std::string contents;
  contents.resize(static_cast<size_t>(info.st_size) + 1);
  size_t used = 0;
  while (true) {
    if (used == contents.size()) {
      if (contents.size() > max_bytes) break;
      contents.resize(std::min(contents.size() * 2 + 4096, max_bytes + 1));
    }
    ssize_t n = read(*fd, contents.data() + used, contents.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(*fd);
      return MakeError(ErrorCode::kIo, std::string("cannot read: ") + std::strerror(saved), path);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  close(*fd);
  if (used > max_bytes) {
    return MakeError(ErrorCode::kIo, "cannot read: larger than " + Megabytes(max_bytes), path);
  }
  contents.resize(used);
  return contents;
}

Result<void> CheckReadableFile(const std::string& path) {
  struct stat info;
  auto fd = OpenRegular(path, &info);
  if (!fd) return Unexpected(fd.error());
  close(*fd);
  return {};
}

bool FileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace rcptguard
