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

// The failed state of any Result, as a type (for helpers that build an error
// and return it): converts to every Result<T>.
using Failure = tl::unexpected<Error>;

// The failed state of any Result: `return Unexpected(std::move(error));`.
// This file is the one place that names tl:: (Result, Failure and this), so
// moving to std::expected is a change to this file only.
inline Failure Unexpected(Error error) { return Failure(std::move(error)); }

// The same for results whose error carries more than an Error (a kind the
// caller branches on, as HoldFailure does).
template <typename T, typename E>
using Expected = tl::expected<T, E>;
template <typename E>
using UnexpectedOf = tl::unexpected<E>;
template <typename E>
UnexpectedOf<E> UnexpectedError(E error) {
  return UnexpectedOf<E>(std::move(error));
}

inline Failure MakeError(ErrorCode code, std::string message, std::string where = {}) {
  return Unexpected(Error{code, std::move(message), std::move(where)});
}

}  // namespace rcptguard

// Propagating errors. RCPTGUARD_TRY(expr) evaluates a Result (of any type)
// and returns its error from the enclosing function if it failed.
// RCPTGUARD_ASSIGN_OR_RETURN(lhs, expr) does the same and otherwise moves the
// value into `lhs` (a declaration such as `auto config` or an lvalue). Both
// work in any function that returns a Result.
#define RCPTGUARD_CONCAT_INNER_(a, b) a##b
#define RCPTGUARD_CONCAT_(a, b) RCPTGUARD_CONCAT_INNER_(a, b)
#define RCPTGUARD_TRY(expr)                                                     \
  do {                                                                          \
    auto&& rcptguard_try_result_ = (expr);                                      \
    if (!rcptguard_try_result_) {                                               \
      return ::rcptguard::Unexpected(std::move(rcptguard_try_result_).error()); \
    }                                                                           \
  } while (false)
#define RCPTGUARD_ASSIGN_OR_RETURN(lhs, expr) \
  RCPTGUARD_ASSIGN_OR_RETURN_IMPL_(RCPTGUARD_CONCAT_(rcptguard_result_, __LINE__), lhs, expr)
#define RCPTGUARD_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr)               \
  auto result = (expr);                                                   \
  if (!result) return ::rcptguard::Unexpected(std::move(result).error()); \
  lhs = std::move(*result)

#endif  // RCPTGUARD_RESULT_H_
