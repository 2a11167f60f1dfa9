// Running a helper program (Postfix's postqueue, postcat, postsuper) and
// capturing what it prints. Arguments are passed as a vector, never through a
// shell.
#ifndef RCPTGUARD_PLATFORM_SUBPROCESS_H_
#define RCPTGUARD_PLATFORM_SUBPROCESS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

// Runs argv[0] (looked up in PATH) with the arguments and returns its standard
// output. Fails (kIo) if it cannot be started or exits non-zero, with the
// program's name, exit status and the first line of its standard error.
Result<std::string> RunAndCapture(const std::vector<std::string>& argv);
// The same, with `input` written to its standard input (then closed);
// nullopt: the child inherits ours. For `sendmail -t -i`.
Result<std::string> RunWithInput(const std::vector<std::string>& argv,
                                 std::optional<std::string_view> input);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_SUBPROCESS_H_
