// The hold watcher (see hold_watch.h).
#include "serve/hold_watch.h"

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace rcptguard {
namespace {

void Notify(ReviewContext& context, SenderRateLimiter& limiter, const HoldRecord& record,
            int64_t now, Logger& logger) {
  if (!context.key || context.notification.from.empty() || record.sender.empty()) return;
  // Never about a notice of ours (the milter lets them through; this is the
  // second guard against a loop).
  if (strcasecmp(record.sender.c_str(), context.notification.from.c_str()) == 0) return;
  const HoldDirectory& records = context.quarantine->records();
  auto marked = records.MarkNotified(record.queue_id);
  if (!marked) {
    logger.Error("notify " + record.queue_id + ": " + marked.error().ToString());
    return;
  }
  if (!*marked) return;  // notified before (or by another process)
  // Past the limit the message stays marked: it waits for an administrator
  // or its expiry, and the sender is not flooded later either.
  if (!limiter.Allow(record.sender, now)) {
    context.counts.CountNotification("rate-limited");
    logger.Warning("not notifying the sender of " + record.queue_id + ": rate limit");
    return;
  }
  auto notice = ComposeNotification(record, context.notification, *context.key, now);
  Result<void> sent = notice ? SendNotification(*notice, context.notification, context.sendmail)
                             : Result<void>(Unexpected(notice.error()));
  if (!sent) {
    context.counts.CountNotification("failed");
    logger.Error("notify " + record.queue_id + ": " + sent.error().ToString());
    return;
  }
  context.counts.CountNotification("sent");
  logger.Info("notified the sender of " + record.queue_id);
}

void Expire(ReviewContext& context, const HeldEntry& entry, int64_t now, Logger& logger) {
  const HoldRecord& record = *entry.record;
  auto due = ExpiryActionDue(record.held_at, now, context.expiry_seconds, context.expiry_action);
  if (!due) return;
  Actor actor{ActorKind::kExpiry, "expiry"};
  bool release = *due == ExpiryDefault::kRelease;
  constexpr std::string_view kReason = "nobody acted before the hold expired";
  auto done = release ? context.quarantine->Release(record.queue_id, actor, kReason, false, now)
                      : context.quarantine->Discard(record.queue_id, actor, kReason, false, now);
  if (!done) {
    // Released or discarded meanwhile, or being acted on: nothing to do.
    if (done.error().kind == HoldFailureKind::kNotHeld ||
        done.error().kind == HoldFailureKind::kInProgress) {
      return;
    }
    logger.Error("expiry of " + record.queue_id + ": " + done.error().message);
    return;
  }
  logger.Info((release ? "released " : "discarded ") + record.queue_id + " at its expiry");
  {
    std::lock_guard lock(context.store_mutex);
    auto audited = context.store->AppendAudit(AuditEntry{0, now, "expiry", "expiry",
                                                         release ? "release" : "discard",
                                                         record.queue_id, std::string(kReason)});
    if (!audited) logger.Error("audit: " + audited.error().ToString());
  }
  if (done->learned && context.learn) context.learn(std::move(*done->learned));
}

}  // namespace

void ScanHeldMessages(ReviewContext& context, SenderRateLimiter& limiter, int64_t now,
                      Logger& logger) {
  std::vector<std::string> warnings;
  auto page = context.quarantine->List(HeldFilter{}, HeldPageRequest{0, 0, now}, &warnings);
  if (!page) {
    std::string problem = page.error().ToString();
    if (problem != context.scan_problem) logger.Error("hold watch: " + problem);
    context.scan_problem = std::move(problem);
    return;
  }
  if (!context.scan_problem.empty()) logger.Info("hold watch: the hold queue answers again");
  context.scan_problem.clear();
  for (const std::string& warning : warnings) logger.Warning("hold watch: " + warning);
  int64_t oldest = 0;
  for (const HeldEntry& entry : page->entries) {
    if (!entry.record) continue;
    oldest = std::max(oldest, now - entry.record->held_at);
    Notify(context, limiter, *entry.record, now, logger);
    Expire(context, entry, now, logger);
  }
  context.counts.SetHeld(page->entries.size(), oldest);
}

HoldWatch::HoldWatch(std::shared_ptr<ReviewContext> context, Logger& logger)
    : context_(std::move(context)) {
  thread_ = std::thread([this, &logger] {
    SenderRateLimiter limiter(static_cast<size_t>(context_->notify_per_hour), 3600);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      ScanHeldMessages(*context_, limiter, int64_t{std::time(nullptr)}, logger);
      lock.lock();
      wake_.wait_for(lock, std::chrono::seconds(context_->scan_seconds),
                     [this] { return stopping_; });
    }
  });
}

void HoldWatch::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rcptguard
