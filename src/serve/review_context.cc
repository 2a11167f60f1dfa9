// The review context of `rcptguard serve` (see review_context.h).
#include "serve/review_context.h"

#include "serve/metrics.h"

namespace rcptguard {

void ReviewCounts::CountAction(std::string_view action, std::string_view by) {
  std::lock_guard lock(mutex_);
  ++actions_[{std::string(action), std::string(by)}];
}

void ReviewCounts::CountNotification(std::string_view result) {
  std::lock_guard lock(mutex_);
  ++notifications_[std::string(result)];
}

void ReviewCounts::SetHeld(size_t held, int64_t oldest_age_seconds) {
  std::lock_guard lock(mutex_);
  held_ = held;
  oldest_age_ = oldest_age_seconds;
  scanned_ = true;
}

void ReviewCounts::Append(std::string* out) const {
  std::lock_guard lock(mutex_);
  std::vector<MetricSample> actions;
  for (const auto& [key, count] : actions_) {
    actions.push_back({{{"action", key.first}, {"by", key.second}}, double(count), ""});
  }
  AppendMetricFamily("rcptguard_held_actions_total", "counter",
                     "Held messages released or discarded, by action and by who did it "
                     "(sender, admin, expiry).",
                     actions, out);
  std::vector<MetricSample> notices;
  for (const auto& [result, count] : notifications_) {
    notices.push_back({{{"result", result}}, double(count), ""});
  }
  AppendMetricFamily("rcptguard_notifications_total", "counter",
                     "Notifications to senders of held messages, by result.", notices, out);
  if (!scanned_) return;
  AppendMetricFamily("rcptguard_held_messages", "gauge",
                     "Messages rcptguard holds, at the last scan.", {{{}, double(held_), ""}}, out);
  AppendMetricFamily("rcptguard_held_oldest_age_seconds", "gauge",
                     "Age of the oldest message rcptguard holds, at the last scan.",
                     {{{}, double(oldest_age_), ""}}, out);
}

Result<std::shared_ptr<ReviewContext>> MakeReviewContext(const Config& config,
                                                         const std::string& store_url,
                                                         const std::string& listen_base) {
  auto context = std::make_shared<ReviewContext>();
  ReviewContext* raw = context.get();
  context->quarantine.emplace(
      PostfixQueue(config.serve.postfix_config), HoldDirectory(config.milter.hold_directory),
      [raw](const ReviewAction& action) {
        raw->counts.CountAction(action.action, ActorKindName(action.actor.kind));
      });
  auto key = LinkKey::Load(config.serve.link_key_file);
  if (key) {
    context->key.emplace(std::move(*key));
  } else {
    context->key_problem = key.error().message;
  }
  std::string base = config.serve.link_base.empty() ? listen_base : config.serve.link_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  context->notification.from = config.serve.notify_from;
  size_t at = config.serve.notify_from.rfind('@');
  context->notification.hostname =
      at == std::string::npos ? "localhost" : config.serve.notify_from.substr(at + 1);
  context->notification.link_base = base + "/link/";
  context->notification.link_lifetime_seconds =
      config.serve.hold_expiry_seconds > 0 ? config.serve.hold_expiry_seconds : 86400 * 30;
  context->sendmail = config.serve.sendmail;
  context->expiry_seconds = config.serve.hold_expiry_seconds;
  context->expiry_action =
      config.serve.expiry_action == "release" ? ExpiryDefault::kRelease : ExpiryDefault::kDiscard;
  context->notify_per_hour = config.serve.notify_per_hour;
  context->scan_seconds = config.serve.scan_seconds;
  RCPTGUARD_ASSIGN_OR_RETURN(context->store,
                             OpenReviewStore(store_url.empty() ? "memory:serve" : store_url));
  return context;
}

void AppendReviewMetrics(ReviewContext& context, std::string* out) {
  Result<std::vector<VerdictCount>> totals = MakeError(ErrorCode::kInternal, "");
  {
    std::lock_guard lock(context.store_mutex);
    totals = context.store->VerdictTotals(0);
  }
  if (totals) {
    std::vector<MetricSample> samples;
    for (const VerdictCount& count : *totals) {
      samples.push_back({{{"source", count.source},
                          {"verdict", count.verdict},
                          {"reason_code", count.reason_code}},
                         double(count.count),
                         ""});
    }
    AppendMetricFamily("rcptguard_recorded_verdicts_total", "counter",
                       "Verdicts the review store counted, from the milter and the API, by "
                       "source, verdict and reason code.",
                       samples, out);
  }
  AppendMetricFamily("rcptguard_review_store_up", "gauge",
                     "1 when the review store answers, else 0.", {{{}, totals ? 1.0 : 0.0, ""}},
                     out);
  context.counts.Append(out);
}

}  // namespace rcptguard
