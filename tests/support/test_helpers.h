// Small helpers shared by the black-box tests that drive real processes:
// whole-file reads and writes, and waiting for a condition with a deadline.
#ifndef RCPTGUARD_TESTS_SUPPORT_TEST_HELPERS_H_
#define RCPTGUARD_TESTS_SUPPORT_TEST_HELPERS_H_

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

namespace rcptguard::testing_support {

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// Waits until `done()` holds, checking every 10 ms, for at most `limit`.
// Returns whether it held: tests wait for conditions, never for a fixed time.
template <typename Condition>
bool WaitFor(Condition done, std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_TEST_HELPERS_H_
