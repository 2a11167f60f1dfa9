// Prometheus text exposition for `rcptguard serve` (GET /metrics): the API's
// own counters and histogram, and a list of sources that each append metric
// families, so that other parts (the milter's counts, held mail) can be
// added as sources without changing this file's callers.
#ifndef RCPTGUARD_SERVE_METRICS_H_
#define RCPTGUARD_SERVE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rcptguard/policy.h"

namespace rcptguard {

// One sample of a family: its labels (name, value) and its value.
struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::string suffix;  // "_bucket", "_sum", "_count" for histograms; else empty
};

// Appends one family in the text format 0.0.4: # HELP, # TYPE, then each
// sample. `name` must start with "rcptguard_"; label values are escaped.
void AppendMetricFamily(std::string_view name, std::string_view type, std::string_view help,
                        const std::vector<MetricSample>& samples, std::string* out);

// Appends every family a source knows to *out. Called on the scraping thread.
using MetricsSource = std::function<void(std::string* out)>;

// The API's counts. Thread-safe; recording costs a lock-free add for the
// latency and a short lock for the verdict counts.
class ApiMetrics {
 public:
  // Upper bounds of the check latency buckets, in seconds.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};

  // One recipient's verdict from POST /api/v1/check, counted by its action
  // and its main reason's code ("none" when it has no reason).
  void CountVerdict(const Verdict& verdict);
  // One answered check request and how long it took to decide.
  void ObserveCheck(double seconds);
  // One API response, by HTTP status.
  void CountResponse(int status);

  // Appends rcptguard_api_verdicts_total, rcptguard_api_check_duration_seconds
  // and rcptguard_api_responses_total.
  void Append(std::string* out) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, uint64_t> verdicts_;  // (verdict, reason)
  std::map<int, uint64_t> responses_;
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanoseconds_{0};
};

// The whole exposition: each source's families, in the order added.
class MetricsExposition {
 public:
  void AddSource(MetricsSource source) { sources_.push_back(std::move(source)); }
  std::string Render() const;

 private:
  std::vector<MetricsSource> sources_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_METRICS_H_
