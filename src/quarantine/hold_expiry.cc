// Expiry of held mail and the per-sender notification limit.
#include "quarantine/hold_expiry.h"

#include <algorithm>
#include <cctype>

namespace rcptguard {

std::optional<ExpiryDefault> ExpiryActionDue(int64_t held_at, int64_t now, int64_t lifetime_seconds,
                                             ExpiryDefault fallback) {
  if (lifetime_seconds <= 0 || now - held_at < lifetime_seconds) return std::nullopt;
  return fallback;
}

SenderRateLimiter::SenderRateLimiter(size_t limit, int64_t window_seconds, size_t max_senders)
    : limit_(limit), window_(window_seconds), max_senders_(std::max<size_t>(max_senders, 1)) {}

bool SenderRateLimiter::Allow(std::string_view sender, int64_t now) {
  std::string key(sender);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto found = senders_.find(key);
  if (found == senders_.end()) {
    if (senders_.size() >= max_senders_) ForgetOne();
    found = senders_.emplace(std::move(key), Sent{}).first;
  }
  Sent& sent = found->second;
  sent.last_seen = now;
  while (!sent.times.empty() && sent.times.front() <= now - window_) sent.times.pop_front();
  if (sent.times.size() >= limit_) return false;
  sent.times.push_back(now);
  return true;
}

void SenderRateLimiter::ForgetOne() {
  // A linear scan, only when the table is full (a sender flood): the least
  // recently seen sender goes.
  auto oldest = senders_.begin();
  for (auto it = senders_.begin(); it != senders_.end(); ++it) {
    if (it->second.last_seen < oldest->second.last_seen) oldest = it;
  }
  if (oldest != senders_.end()) senders_.erase(oldest);
}

}  // namespace rcptguard
