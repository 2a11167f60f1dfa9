// The claim that makes a release or discard happen once: of many concurrent
// callers exactly one wins, and the message can be claimed again afterwards.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "quarantine/hold_records.h"
#include "quarantine/quarantine.h"

namespace rcptguard {
namespace {

class QuarantineClaim : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/rcptguard-claim-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(QuarantineClaim, ExactlyOneOfManyThreadsWins) {
  HoldDirectory records(dir_ + "/hold");
  std::atomic<int> winners = 0;
  std::atomic<bool> go = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
      auto claimed = records.Claim("4XyZ1b2C3d");
      if (claimed && *claimed) ++winners;
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  auto again = records.Claim("4XyZ1b2C3d");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "claimed twice before Unclaim";
  records.Unclaim("4XyZ1b2C3d");
  again = records.Claim("4XyZ1b2C3d");
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again) << "not claimable after Unclaim";
}

TEST_F(QuarantineClaim, ExactlyOneOfManyProcessesWins) {
  HoldDirectory records(dir_ + "/hold");
  ASSERT_TRUE(records.Claim("other"));  // creates the directory
  records.Unclaim("other");
  std::vector<pid_t> children;
  for (int i = 0; i < 8; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto claimed = records.Claim("4XyZ1b2C3d");
      _exit(claimed && *claimed ? 0 : 1);
    }
    children.push_back(pid);
  }
  int winners = 0;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    winners += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
  }
  EXPECT_EQ(winners, 1);
}

TEST_F(QuarantineClaim, RefusesIdsThatCannotNameAFile) {
  HoldDirectory records(dir_);
  for (const char* id : {"", "../etc", "a/b", "a.b"}) {
    EXPECT_FALSE(records.Claim(id)) << "claimed \"" << id << "\"";
  }
}

TEST_F(QuarantineClaim, ReleaseOfAnIdInProgressIsRefusedWithoutTouchingPostfix) {
  HoldDirectory records(dir_);
  // No Postfix configuration here: any call to postqueue or postsuper would
  // fail with kPostfixFailed, so kInProgress proves none was made.
  Quarantine quarantine(PostfixQueue(dir_ + "/no-postfix"), records);
  ASSERT_TRUE(*records.Claim("4XyZ1b2C3d"));
  auto done = quarantine.Release("4XyZ1b2C3d", Actor{ActorKind::kSenderLink, "a@b"}, "");
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().kind, HoldFailureKind::kInProgress) << done.error().message;
  auto invalid = quarantine.Discard("../x", Actor{}, "");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().kind, HoldFailureKind::kInvalid);
}

}  // namespace
}  // namespace rcptguard
