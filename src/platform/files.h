// Reading whole files, with errors that name the file.
#ifndef RCPTGUARD_PLATFORM_FILES_H_
#define RCPTGUARD_PLATFORM_FILES_H_

#include <string>

#include "rcptguard/result.h"

namespace rcptguard {

// Returns the contents of `path`, or kIo naming the path and the OS error.
Result<std::string> ReadFile(const std::string& path);

// Returns true iff `path` exists (any type).
bool FileExists(const std::string& path);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_FILES_H_
