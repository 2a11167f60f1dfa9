// A read-only memory map of a whole input file, read front to back, whose
// already-read pages can be dropped so a pass over a file of any size runs in
// constant resident memory.
#ifndef RCPTGUARD_LEARN_MAPPED_FILE_H_
#define RCPTGUARD_LEARN_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rcptguard/result.h"

namespace rcptguard {

class MappedFile {
 public:
  // Maps `path` (a regular file) with MADV_SEQUENTIAL. Fails with kIo naming
  // the path and the OS error when it cannot be opened, is not a regular file
  // (a pipe cannot be mapped: decompress to a file first) or cannot be mapped.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // The whole file; valid while this object lives. Empty for an empty file.
  std::string_view data() const { return {static_cast<const char*>(base_), size_}; }
  // Last modification time, unix seconds.
  int64_t mtime() const { return mtime_; }

  // Unmaps nothing but drops this process's pages before `offset` (rounded
  // down to a page), so they no longer count in its resident set; the page
  // cache keeps them. Reading them again faults them back in.
  void Release(size_t offset);

 private:
  MappedFile() = default;
  void* base_ = nullptr;
  size_t size_ = 0;
  size_t released_ = 0;
  int64_t mtime_ = 0;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_LEARN_MAPPED_FILE_H_
