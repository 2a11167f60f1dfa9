// What rcptguard does with a recipient: allow, warn, hold or reject. Parsed
// once, where the configuration is read; everything after that holds an Action.
#ifndef RCPTGUARD_ACTION_H_
#define RCPTGUARD_ACTION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "rcptguard/result.h"

namespace rcptguard {

// Ordered by severity: the verdict for a recipient is its most severe reason.
enum class Action : uint8_t { kAllow, kWarn, kHold, kReject };

// "allow", "warn", "hold" or "reject". A value outside the enumeration (only a
// cast can make one) is named "invalid-action", never passed off as "allow".
constexpr std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kAllow:
      return "allow";
    case Action::kWarn:
      return "warn";
    case Action::kHold:
      return "hold";
    case Action::kReject:
      return "reject";
  }
  return "invalid-action";
}

// The action named `name` (exactly "allow", "warn", "hold" or "reject"), or a
// kConfig error that says which names are allowed. The error quotes no input:
// the caller knows where it came from and quotes it safely if it wants to.
inline Result<Action> ParseAction(std::string_view name) {
  for (Action action : {Action::kAllow, Action::kWarn, Action::kHold, Action::kReject}) {
    if (ActionName(action) == name) return action;
  }
  return MakeError(ErrorCode::kConfig, "must be allow, warn, hold or reject");
}

}  // namespace rcptguard

#endif  // RCPTGUARD_ACTION_H_
