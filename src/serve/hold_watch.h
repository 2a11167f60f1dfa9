// The hold watcher of `rcptguard serve`: every scan_seconds it reads the
// held messages rcptguard holds, sends each one's sender one notification
// (rate-limited per sender; the ".notified" mark in the hold directory makes
// it once, across restarts and processes), and gives a message past its
// expiry the configured default (release or discard), exactly once through
// the quarantine's claim.
#ifndef RCPTGUARD_SERVE_HOLD_WATCH_H_
#define RCPTGUARD_SERVE_HOLD_WATCH_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "platform/logger.h"
#include "serve/review_context.h"

namespace rcptguard {

// One pass at `now`: notifies and expires as described above.
void ScanHeldMessages(ReviewContext& context, SenderRateLimiter& limiter, int64_t now,
                      Logger& logger);

// Runs ScanHeldMessages on a thread of its own until Stop (or destruction).
class HoldWatch {
 public:
  HoldWatch(std::shared_ptr<ReviewContext> context, Logger& logger);
  ~HoldWatch() { Stop(); }
  HoldWatch(const HoldWatch&) = delete;
  HoldWatch& operator=(const HoldWatch&) = delete;
  void Stop();

 private:
  std::shared_ptr<ReviewContext> context_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_HOLD_WATCH_H_
