// Loading the system's Public Suffix List (Debian's publicsuffix package).
#ifndef RCPTGUARD_PLATFORM_SUFFIX_LIST_FILE_H_
#define RCPTGUARD_PLATFORM_SUFFIX_LIST_FILE_H_

#include <memory>

#include "rcptguard/domain.h"

namespace rcptguard {

// The newest of the system's list and the one built into libpsl (psl_latest):
// the system file is kept current by the distribution. Falls back to the
// built-in list if no file can be read, so this never fails.
std::shared_ptr<const SuffixList> LoadSystemSuffixList();

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_SUFFIX_LIST_FILE_H_
