// Process set-up for the daemons: privilege drop, pid files, the parent-death
// signal, the owner of a socket file.
#ifndef RCPTGUARD_PLATFORM_PROCESS_H_
#define RCPTGUARD_PLATFORM_PROCESS_H_

#include <sys/types.h>

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

// Asks the kernel to send `signal` to this process when the thread that
// forked it (its parent) ends, even by SIGKILL; then checks that the parent is
// still `parent` (it may have died before the request). Returns false if the
// parent is already gone. The kernel clears the request when the process's
// user or group ids change, so call it again after DropPrivileges.
bool AskForParentDeathSignal(int signal, pid_t parent);

// Gives the file at `path` (a unix socket, for one) to `user` and `group`
// (either may be empty: unchanged; a user alone also gives its group).
// Errors name the path, the name and the OS error.
Result<void> GiveFileTo(const std::string& path, const std::string& user, const std::string& group);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_PROCESS_H_
