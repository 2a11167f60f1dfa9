// Privilege drop and pid files.
#include "platform/process.h"

#include <grp.h>
#include <pwd.h>
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

}  // namespace rcptguard
