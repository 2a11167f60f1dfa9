// The Prometheus text format (version 0.0.4) and the API's counts.
#include "serve/metrics.h"

#include <cstdio>

namespace rcptguard {
namespace {

// Label values escape backslash, double quote and newline (the format's rule).
void AppendLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

std::string FormatValue(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// The reason a verdict is mostly about: the first that asks for its action.
std::string_view MainReasonCode(const Verdict& verdict) {
  for (const Reason& reason : verdict.reasons) {
    if (reason.action == verdict.action) return reason.code;
  }
  return verdict.reasons.empty() ? std::string_view("none") : verdict.reasons.front().code;
}

}  // namespace

void AppendMetricFamily(std::string_view name, std::string_view type, std::string_view help,
                        const std::vector<MetricSample>& samples, std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
  for (const MetricSample& sample : samples) {
    out->append(name).append(sample.suffix);
    if (!sample.labels.empty()) {
      out->push_back('{');
      bool first = true;
      for (const auto& [label, value] : sample.labels) {
        if (!first) out->push_back(',');
        first = false;
        out->append(label).append("=\"");
        AppendLabelValue(value, out);
        out->push_back('"');
      }
      out->push_back('}');
    }
    out->append(" ").append(FormatValue(sample.value)).append("\n");
  }
}

void ApiMetrics::CountVerdict(const Verdict& verdict) {
  std::lock_guard lock(mutex_);
  ++verdicts_[{std::string(ActionName(verdict.action)), std::string(MainReasonCode(verdict))}];
}

void ApiMetrics::ObserveCheck(double seconds) {
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanoseconds_.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void ApiMetrics::CountResponse(int status) {
  std::lock_guard lock(mutex_);
  ++responses_[status];
}

void ApiMetrics::Append(std::string* out) const {
  std::vector<MetricSample> verdicts;
  std::vector<MetricSample> responses;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : verdicts_) {
      verdicts.push_back(
          {{{"verdict", key.first}, {"reason", key.second}}, static_cast<double>(count), ""});
    }
    for (const auto& [status, count] : responses_) {
      responses.push_back({{{"code", std::to_string(status)}}, static_cast<double>(count), ""});
    }
  }
  AppendMetricFamily("rcptguard_api_verdicts_total", "counter",
                     "Recipients checked through POST /api/v1/check, by verdict and main reason.",
                     verdicts, out);
  // Buckets are cumulative in the format; they are kept per bucket here so
  // that recording is one add.
  std::vector<MetricSample> latency;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    latency.push_back(
        {{{"le", FormatValue(kLatencyBuckets[i])}}, static_cast<double>(cumulative), "_bucket"});
  }
  uint64_t count = count_.load(std::memory_order_relaxed);
  latency.push_back({{{"le", "+Inf"}}, static_cast<double>(count), "_bucket"});
  latency.push_back(
      {{}, static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) / 1e9, "_sum"});
  latency.push_back({{}, static_cast<double>(count), "_count"});
  AppendMetricFamily("rcptguard_api_check_duration_seconds", "histogram",
                     "Time to decide one POST /api/v1/check request (parsing to answer).", latency,
                     out);
  AppendMetricFamily("rcptguard_api_responses_total", "counter",
                     "API responses (/api/...), by HTTP status.", responses, out);
}

std::string MetricsExposition::Render() const {
  std::string out;
  for (const MetricsSource& source : sources_) source(&out);
  return out;
}

}  // namespace rcptguard
