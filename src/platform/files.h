// Reading whole files, with errors that name the file.
#ifndef RCPTGUARD_PLATFORM_FILES_H_
#define RCPTGUARD_PLATFORM_FILES_H_

#include <cstddef>
#include <string>

#include "rcptguard/result.h"

namespace rcptguard {

// The largest file ReadFile reads unless told otherwise: configuration files,
// domain lists of a few million names and secrets all fit well under it.
inline constexpr size_t kMaxReadFileBytes = 256u << 20;

// Returns the contents of `path`, or kIo naming the path and the problem: it
// cannot be opened (with the OS error), it is not a regular file (a
// directory, a FIFO, a device such as /dev/zero: never read as if empty or
// endless), or it is larger than `max_bytes`. Never blocks on a FIFO.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes = kMaxReadFileBytes);

// Returns an error (as ReadFile would give) unless `path` is a regular file
// this process can read: for start-up checks of files read later.
Result<void> CheckReadableFile(const std::string& path);

// Returns true iff `path` exists (any type).
bool FileExists(const std::string& path);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_FILES_H_
