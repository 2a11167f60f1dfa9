// Result<T> and Error: how every fallible rcptguard function reports failure.
// The library never throws; a factory or parser returns Result<T> instead.
#ifndef RCPTGUARD_RESULT_H_
#define RCPTGUARD_RESULT_H_

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace rcptguard {

enum class ErrorCode {
  kInvalidArgument,  // a caller passed something malformed
  kInvalidAddress,   // an e-mail address that cannot be delivered to
  kConfig,           // a configuration file or value is wrong
  kIo,               // a file could not be read
  kInternal,         // a library we depend on failed unexpectedly
};

// What went wrong and, for configuration and data files, where ("file:line").
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string where;

  // "where: message", or just the message when there is no location.
  std::string ToString() const { return where.empty() ? message : where + ": " + message; }
};

// Only the members that std::expected also has are used, so moving to C++23 is one line.
template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                       std::string where = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}

}  // namespace rcptguard

#endif  // RCPTGUARD_RESULT_H_
