// Running a helper program (Postfix's postqueue, postcat, postsuper) and
// capturing what it prints. Arguments are passed as a vector, never through a
// shell.
#ifndef RCPTGUARD_PLATFORM_SUBPROCESS_H_
#define RCPTGUARD_PLATFORM_SUBPROCESS_H_

#include <string>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

// Runs argv[0] (looked up in PATH) with the arguments and returns its standard
// output. Fails (kIo) if it cannot be started or exits non-zero, with the
// program's name, exit status and the first line of its standard error.
Result<std::string> RunAndCapture(const std::vector<std::string>& argv);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_SUBPROCESS_H_
