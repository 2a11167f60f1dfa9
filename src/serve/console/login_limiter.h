// Failed log-ins per client address, so that guessing passwords through the
// console is slow (see console.cc's HandleLogin).
#ifndef RCPTGUARD_SERVE_CONSOLE_LOGIN_LIMITER_H_
#define RCPTGUARD_SERVE_CONSOLE_LOGIN_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rcptguard {

// Counts failed log-ins per client address in a sliding window. Bounded:
// past kMaxTrackedClients the map is cleared (a flood of addresses then
// gets a fresh allowance, which the hash's cost still limits).
class LoginLimiter {
 public:
  static constexpr size_t kMaxTrackedClients = 10000;
  LoginLimiter(int allowed, int64_t window) : allowed_(allowed), window_(window) {}
  bool Allowed(const std::string& client, int64_t now) {
    std::lock_guard lock(mutex_);
    auto found = failures_.find(client);
    if (found == failures_.end()) return true;
    Trim(found->second, now);
    return static_cast<int>(found->second.size()) < allowed_;
  }
  void Failed(const std::string& client, int64_t now) {
    std::lock_guard lock(mutex_);
    if (failures_.size() >= kMaxTrackedClients) failures_.clear();
    auto& times = failures_[client];
    Trim(times, now);
    times.push_back(now);
  }

 private:
  void Trim(std::deque<int64_t>& times, int64_t now) const {
    while (!times.empty() && times.front() <= now - window_) times.pop_front();
  }
  int allowed_;
  int64_t window_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<int64_t>> failures_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_LOGIN_LIMITER_H_
