// Helpers for the black-box tests of the rcptguard binary: run a command line
// and capture what it prints, and paths private to one test.
#ifndef RCPTGUARD_TESTS_SUPPORT_CLI_HELPERS_H_
#define RCPTGUARD_TESTS_SUPPORT_CLI_HELPERS_H_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace rcptguard::testing_support {

struct ProcessResult {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string out;  // whatever the command line printed (redirect stderr to see it)
};

// Runs `command` through the shell and captures its standard output.
inline ProcessResult RunShell(const std::string& command) {
  ProcessResult run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A path private to the running test: ctest runs tests as parallel processes.
inline std::string TestTempPath(const std::string& name) {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  return testing::TempDir() + "rcptguard_" + test->test_suite_name() + "_" + test->name() + "_" +
         std::to_string(getpid()) + "_" + name;
}

}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_CLI_HELPERS_H_
