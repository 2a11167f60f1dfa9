// What `rcptguard serve` needs for held mail: the quarantine, the link key,
// the review store, the notifier's and the expiry's settings, and the counts
// /metrics shows. Built from [serve] and [milter] at start
// (MakeReviewContext); the link pages (link_pages.h) and the hold watcher
// (hold_watch.h) share it.
#ifndef RCPTGUARD_SERVE_REVIEW_CONTEXT_H_
#define RCPTGUARD_SERVE_REVIEW_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "platform/logger.h"
#include "quarantine/confirm_link.h"
#include "quarantine/hold_expiry.h"
#include "quarantine/notification.h"
#include "quarantine/quarantine.h"
#include "rcptguard/history.h"
#include "store/review_store.h"

namespace rcptguard {

// Counts for /metrics. Thread-safe.
class ReviewCounts {
 public:
  void CountAction(std::string_view action, std::string_view by);
  void CountNotification(std::string_view result);  // "sent", "rate-limited", "failed"
  void SetHeld(size_t held, int64_t oldest_age_seconds);
  // Appends rcptguard_held_actions_total, rcptguard_notifications_total,
  // rcptguard_held_messages and rcptguard_held_oldest_age_seconds.
  void Append(std::string* out) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, int64_t> actions_;
  std::map<std::string, int64_t> notifications_;
  size_t held_ = 0;
  int64_t oldest_age_ = 0;
  bool scanned_ = false;
};

struct ReviewContext {
  std::optional<Quarantine> quarantine;
  std::optional<LinkKey> key;         // nullopt: links and notifications are off
  std::string key_problem;            // why key is nullopt
  NotificationSettings notification;  // notification.from empty: no notifications
  std::vector<std::string> sendmail;
  int64_t expiry_seconds = 0;
  ExpiryDefault expiry_action = ExpiryDefault::kDiscard;
  int64_t notify_per_hour = 10;
  int64_t scan_seconds = 30;
  // The review store; one connection, used under store_mutex.
  std::mutex store_mutex;
  std::unique_ptr<ReviewStore> store;
  // Where a confirmed release's recipients are learned (history); may be empty.
  std::function<void(SentMessage)> learn;
  ReviewCounts counts;
  // The hold watcher's last failure to list the queue, logged once until it
  // changes (a serve without Postfix would otherwise log it every scan).
  std::string scan_problem;
};

// Builds the context from `config`: the hold directory of [milter], the
// link key, notification and expiry settings of [serve], and the review
// store at `store_url` ("" : an in-process memory store). A link key that
// cannot be loaded is not fatal (links and notices are off, key_problem says
// why); a review store that cannot be opened is.
Result<std::shared_ptr<ReviewContext>> MakeReviewContext(const Config& config,
                                                         const std::string& store_url,
                                                         const std::string& listen_base);

// Appends the review store's counters (rcptguard_recorded_verdicts_total by
// source, verdict and reason code) and the context's counts.
void AppendReviewMetrics(ReviewContext& context, std::string* out);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_REVIEW_CONTEXT_H_
