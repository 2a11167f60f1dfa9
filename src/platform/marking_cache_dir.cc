// MarkingCacheDir: compiled marking databases kept as files, read only when
// they are this user's own.
#include "platform/marking_cache_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <random>

namespace rcptguard {
namespace {

// A shipped set of packs compiles to a few megabytes; anything far larger is
// not ours.
constexpr off_t kMaxEntryBytes = 256 << 20;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  return true;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> MarkingCacheDir::Load(std::string_view name) {
  if (!ValidName(name)) return std::nullopt;
  std::string path = directory_ + "/" + std::string(name) + ".hsdb";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct stat st;
  std::optional<std::string> out;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
      (st.st_mode & (S_IWGRP | S_IWOTH)) == 0 && st.st_size > 0 && st.st_size < kMaxEntryBytes) {
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done == bytes.size()) out = std::move(bytes);
  }
  close(fd);
  return out;
}

void MarkingCacheDir::Store(std::string_view name, std::string_view bytes) {
  if (!ValidName(name)) return;
  // Parents as needed ($HOME/.cache may not exist yet); the last one private.
  for (size_t slash = directory_.find('/', 1); slash != std::string::npos;
       slash = directory_.find('/', slash + 1)) {
    mkdir(directory_.substr(0, slash).c_str(), 0755);
  }
  mkdir(directory_.c_str(), 0700);
  struct stat st;
  if (lstat(directory_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return;  // not a directory of ours: nothing is written there
  }
  std::random_device random;
  std::string final_path = directory_ + "/" + std::string(name) + ".hsdb";
  std::string temp_path = final_path + ".tmp" + std::to_string(random());
  int fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  bool ok = WriteAll(fd, bytes);
  ok = close(fd) == 0 && ok;
  if (!ok || rename(temp_path.c_str(), final_path.c_str()) != 0) unlink(temp_path.c_str());
}

MarkingDatabaseCache* DefaultMarkingCache() {
  static MarkingCacheDir* cache = []() -> MarkingCacheDir* {
    std::string directory;
    if (const char* chosen = std::getenv("RCPTGUARD_CACHE_DIR")) {
      directory = chosen;
      if (directory.empty()) return nullptr;
    } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
      directory = std::string(xdg) + "/rcptguard";
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
      directory = std::string(home) + "/.cache/rcptguard";
    } else {
      return nullptr;
    }
    return new MarkingCacheDir(directory);  // lives as long as the process
  }();
  return cache;
}

}  // namespace rcptguard
