// The directory of compiled marking databases: entries round-trip, are
// written privately, and are read only when they are this user's own.
#include "platform/marking_cache_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace rcptguard {
namespace {

std::string FreshDirectory(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = std::string(tmp != nullptr && *tmp == '/' ? tmp : "/tmp") +
                     "/rcptguard-cache-test-" + std::to_string(getpid()) + "-" + name;
  std::string remove = "rm -rf '" + base + "'";
  EXPECT_EQ(std::system(remove.c_str()), 0);
  return base + "/nested/cache";
}

TEST(MarkingCacheDir, StoresAndLoadsPrivately) {
  std::string dir = FreshDirectory("roundtrip");
  MarkingCacheDir cache(dir);
  EXPECT_EQ(cache.Load("00ff"), std::nullopt) << "nothing stored yet";
  std::string bytes("database\0bytes", 14);
  cache.Store("00ff", bytes);
  std::optional<std::string> got = cache.Load("00ff");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, bytes);
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "got mode " << std::oct << (st.st_mode & 0777);
  ASSERT_EQ(stat((dir + "/00ff.hsdb").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "got mode " << std::oct << (st.st_mode & 0777);
}

TEST(MarkingCacheDir, RefusesEntriesOthersCouldHaveWritten) {
  std::string dir = FreshDirectory("refuse");
  MarkingCacheDir cache(dir);
  cache.Store("abcd", "bytes");
  ASSERT_TRUE(cache.Load("abcd").has_value());
  std::string path = dir + "/abcd.hsdb";
  ASSERT_EQ(chmod(path.c_str(), 0666), 0);
  EXPECT_EQ(cache.Load("abcd"), std::nullopt) << "a world-writable entry was read";
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  // A link planted in place of an entry is not followed.
  std::string target = dir + "/target";
  std::ofstream(target) << "planted";
  ASSERT_EQ(symlink(target.c_str(), (dir + "/beef.hsdb").c_str()), 0);
  EXPECT_EQ(cache.Load("beef"), std::nullopt) << "a symbolic link was followed";
  // Names are hex digests: anything else (a path) is never opened.
  EXPECT_EQ(cache.Load("../target"), std::nullopt);
  cache.Store("../escape", "bytes");
  EXPECT_FALSE(std::ifstream(dir + "/../escape.hsdb").good());
}

TEST(MarkingCacheDir, AGroupWritableDirectoryIsNotWrittenTo) {
  std::string dir = FreshDirectory("shared");
  MarkingCacheDir cache(dir);
  cache.Store("aa", "x");  // creates it
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
  cache.Store("bb", "y");
  EXPECT_FALSE(std::ifstream(dir + "/bb.hsdb").good()) << "stored into a shared directory";
  ASSERT_EQ(chmod(dir.c_str(), 0700), 0);
}

}  // namespace
}  // namespace rcptguard
