// Privilege drop, pid files, the parent-death signal and file owners.
#include "platform/process.h"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace rcptguard {
namespace {

Failure SystemError(const std::string& what) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

}  // namespace

Result<void> DropPrivileges(const std::string& user) {
  errno = 0;
  struct passwd* entry = getpwnam(user.c_str());
  if (entry == nullptr) {
    return MakeError(ErrorCode::kConfig, "unknown user '" + user + "'");
  }
  uid_t uid = entry->pw_uid;
  gid_t gid = entry->pw_gid;
  // The group first: once the user id is gone, so is the right to change it.
  if (setgid(gid) != 0) return SystemError("setgid(" + std::to_string(gid) + ")");
  if (initgroups(user.c_str(), gid) != 0) return SystemError("initgroups(" + user + ")");
  if (setuid(uid) != 0) return SystemError("setuid(" + std::to_string(uid) + ")");
  if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
    return MakeError(ErrorCode::kInternal, "root privileges could be regained after setuid");
  }
  return {};
}

Result<void> WritePidFile(const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return SystemError("cannot write pid file " + path);
  out << getpid() << "\n";
  if (!out) return SystemError("cannot write pid file " + path);
  return {};
}

bool AskForParentDeathSignal(int signal, pid_t parent) {
  // Without the request (an old kernel) the parent is still checked here.
  prctl(PR_SET_PDEATHSIG, signal);
  return getppid() == parent;
}

Result<void> GiveFileTo(const std::string& path, const std::string& user,
                        const std::string& group) {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (!user.empty()) {
    struct passwd* entry = getpwnam(user.c_str());
    if (entry == nullptr) return MakeError(ErrorCode::kConfig, "unknown user '" + user + "'");
    uid = entry->pw_uid;
    gid = entry->pw_gid;
  }
  if (!group.empty()) {
    struct group* entry = getgrnam(group.c_str());
    if (entry == nullptr) return MakeError(ErrorCode::kConfig, "unknown group '" + group + "'");
    gid = entry->gr_gid;
  }
  if (chown(path.c_str(), uid, gid) != 0) {
    return SystemError("cannot give " + path + " to " + (user.empty() ? "" : user) +
                       (group.empty() ? "" : ":" + group));
  }
  return {};
}

}  // namespace rcptguard
