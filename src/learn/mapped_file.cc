// MappedFile: mmap plus madvise, with errors that name the file.
#include "learn/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace rcptguard {

Result<MappedFile> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError(ErrorCode::kIo, path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int saved = errno;
    ::close(fd);
    return MakeError(ErrorCode::kIo, path + ": " + std::strerror(saved));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kIo, path + ": not a regular file");
  }
  MappedFile file;
  file.size_ = static_cast<size_t>(st.st_size);
  file.mtime_ = st.st_mtim.tv_sec;
  if (file.size_ > 0) {
    void* base = ::mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED) {
      int saved = errno;
      ::close(fd);
      return MakeError(ErrorCode::kIo, path + ": cannot map: " + std::strerror(saved));
    }
    // Read-ahead for a front-to-back pass; advisory, so a failure is harmless.
    ::madvise(base, file.size_, MADV_SEQUENTIAL);
    file.base_ = base;
  }
  // The mapping keeps the file; the descriptor is not needed any more.
  ::close(fd);
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      released_(std::exchange(other.released_, 0)),
      mtime_(other.mtime_) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (base_ != nullptr) ::munmap(base_, size_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    released_ = std::exchange(other.released_, 0);
    mtime_ = other.mtime_;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (base_ != nullptr) ::munmap(base_, size_);
}

void MappedFile::Release(size_t offset) {
  static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  if (base_ == nullptr) return;
  if (offset > size_) offset = size_;
  size_t end = offset / kPage * kPage;
  if (end <= released_) return;
  // MADV_DONTNEED on a private read-only file mapping only unmaps the pages
  // from this process: nothing was written, so nothing is lost.
  ::madvise(static_cast<char*>(base_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

}  // namespace rcptguard
