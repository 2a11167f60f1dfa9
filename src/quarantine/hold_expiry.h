// Pure decisions about held mail over time: what happens to a message nobody
// acted on, and how often one sender may be notified. The clock is passed in.
#ifndef RCPTGUARD_QUARANTINE_HOLD_EXPIRY_H_
#define RCPTGUARD_QUARANTINE_HOLD_EXPIRY_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rcptguard {

// The configured fate of a held message whose links expired unused.
enum class ExpiryDefault { kDiscard, kRelease };

// Returns the action due for a message held at `held_at` (unix seconds) when
// it is `now`: nullopt while it is younger than `lifetime_seconds` (and
// always when lifetime_seconds <= 0: no expiry configured).
std::optional<ExpiryDefault> ExpiryActionDue(int64_t held_at, int64_t now, int64_t lifetime_seconds,
                                             ExpiryDefault fallback);

// At most `limit` notifications per sender in any `window_seconds`. Memory is
// bounded: at most `max_senders` senders are remembered; past that the one
// seen least recently is forgotten (it may then get one notice early, which
// is better than a sender flood filling memory). Not thread-safe.
class SenderRateLimiter {
 public:
  SenderRateLimiter(size_t limit, int64_t window_seconds, size_t max_senders = 100000);

  // Returns true iff `sender` (compared without case) may be notified at
  // `now`, and counts it when it may.
  bool Allow(std::string_view sender, int64_t now);
  size_t tracked() const { return senders_.size(); }

 private:
  struct Sent {
    std::deque<int64_t> times;  // ascending, within the window
    int64_t last_seen = 0;
  };
  void ForgetOne();
  size_t limit_;
  int64_t window_;
  size_t max_senders_;
  std::unordered_map<std::string, Sent> senders_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_HOLD_EXPIRY_H_
