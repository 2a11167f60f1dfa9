// FUZZ_CONTRACT: how the fuzzers report a broken promise of a public header
// (as opposed to a crash the sanitizers catch): one line on stderr, then abort.
#ifndef RCPTGUARD_FUZZ_FUZZ_CONTRACT_H_
#define RCPTGUARD_FUZZ_FUZZ_CONTRACT_H_

#include <cstdio>
#include <cstdlib>

// Not assert(): it must stay on in release builds, and libFuzzer records the abort
// as a crash with its input, like any sanitizer report.
#define FUZZ_CONTRACT(condition, what)                                                    \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: contract broken: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                           \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

#endif  // RCPTGUARD_FUZZ_FUZZ_CONTRACT_H_
