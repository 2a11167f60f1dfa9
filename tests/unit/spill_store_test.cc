// The milter's body store: memory up to the bound, then a temporary file that
// has no name; reads see one continuous message.
#include "milter/spill_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace rcptguard {
namespace {

std::string ReadAllOf(SpillStore& store, size_t piece) {
  std::string out;
  std::string buffer(piece, '\0');
  uint64_t offset = 0;
  while (true) {
    int64_t n = store.Read(offset, buffer.data(), buffer.size());
    EXPECT_GE(n, 0);
    if (n <= 0) break;
    out.append(buffer.data(), static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return out;
}

TEST(SpillStore, SmallMessagesStayInMemory) {
  SpillStore store(1024, "");
  ASSERT_TRUE(store.Append("Subject: x\r\n\r\nhello\r\n"));
  EXPECT_FALSE(store.spilled());
  EXPECT_EQ(ReadAllOf(store, 7), "Subject: x\r\n\r\nhello\r\n");
}

TEST(SpillStore, LargeMessagesSpillToAFileWithNoNameAndReadBackWhole) {
  std::string dir = std::filesystem::temp_directory_path() / "rcptguard-spill-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::string message;
  for (int i = 0; i < 5000; ++i) message += "line " + std::to_string(i) + " of the body\r\n";
  {
    SpillStore store(1000, dir);
    for (size_t at = 0; at < message.size(); at += 333) {
      auto appended = store.Append(std::string_view(message).substr(at, 333));
      ASSERT_TRUE(appended) << appended.error().ToString();
    }
    EXPECT_TRUE(store.spilled());
    EXPECT_EQ(store.size(), message.size());
    EXPECT_EQ(ReadAllOf(store, 4096), message);
    EXPECT_EQ(ReadAllOf(store, 10), message);  // reads across the memory/file boundary
    // Nothing with a name: another process cannot open the body.
    EXPECT_TRUE(std::filesystem::is_empty(dir));
  }
  std::filesystem::remove_all(dir);
}

TEST(SpillStore, AnUnusableDirectoryFailsWithAReason) {
  SpillStore store(4, "/nonexistent/rcptguard");
  EXPECT_TRUE(store.Append("abcd"));
  auto failed = store.Append("more than four bytes");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("/nonexistent/rcptguard"), std::string::npos)
      << failed.error().ToString();
}

}  // namespace
}  // namespace rcptguard
