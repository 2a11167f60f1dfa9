// File reading for configuration and data files.
#include "platform/files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rcptguard {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), path);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return MakeError(ErrorCode::kIo, std::string("cannot read: ") + std::strerror(errno), path);
  }
  return contents.str();
}

bool FileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

}  // namespace rcptguard
