// Helpers for tests of the configuration loader: files served from memory.
#ifndef RCPTGUARD_TESTS_SUPPORT_CONFIG_HELPERS_H_
#define RCPTGUARD_TESTS_SUPPORT_CONFIG_HELPERS_H_

#include <map>
#include <string>

#include "config/config.h"

namespace rcptguard::testing_support {

// Serves files from a map instead of the disk; any other path cannot be opened.
inline FileReader FakeFiles(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> Result<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return MakeError(ErrorCode::kIo, "cannot open: No such file", path);
    return it->second;
  };
}

}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_CONFIG_HELPERS_H_
