// Process set-up for the daemons: privilege drop, pid files.
#ifndef RCPTGUARD_PLATFORM_PROCESS_H_
#define RCPTGUARD_PLATFORM_PROCESS_H_

#include <string>

#include "rcptguard/result.h"

namespace rcptguard {

// Becomes `user` for good, in Postfix's order: look the user up, set the group,
// the supplementary groups, then the user; checks that root cannot be regained.
// Any failure is an error: a daemon must not run on with privileges it meant
// to give up.
Result<void> DropPrivileges(const std::string& user);

// Writes this process's id to `path` (created or replaced).
Result<void> WritePidFile(const std::string& path);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_PROCESS_H_
