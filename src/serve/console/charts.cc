// Server-side SVG charts (see charts.h).
#include "serve/console/charts.h"

#include <algorithm>
#include <map>
#include <vector>

#include "serve/console/html.h"

namespace rcptguard {
namespace {

constexpr size_t kSeries = 8;  // colours in the stylesheet; more keys become "other"

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// "2026-12-03" for a unix day.
std::string DayLabel(int64_t day) { return FormatUtc(day * 86400).substr(0, 10); }

// The smallest "nice" ceiling (1, 2, 5 times a power of ten) >= value.
int64_t NiceCeiling(int64_t value) {
  int64_t step = 1;
  while (true) {
    for (int64_t factor : {1, 2, 5}) {
      if (step * factor >= value) return step * factor;
    }
    step *= 10;
  }
}

}  // namespace

std::string RenderDailyChart(std::span<const DailyCount> counts, int64_t first_day, int64_t days) {
  if (days <= 0) days = 1;
  // The keys, most first; past kSeries - 1 they share the last colour.
  std::map<std::string, int64_t> totals;
  for (const DailyCount& count : counts) totals[count.key] += count.count;
  std::vector<std::pair<std::string, int64_t>> keys(totals.begin(), totals.end());
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::map<std::string, size_t> series;
  std::vector<std::string> names;
  for (const auto& [key, total] : keys) {
    if (names.size() < kSeries - 1 || keys.size() <= kSeries) {
      series[key] = names.size();
      names.push_back(key.empty() ? "(none)" : key);
    } else {
      series[key] = kSeries - 1;
    }
  }
  if (keys.size() > kSeries) names.push_back("other");
  // Per day, per series.
  std::vector<std::vector<int64_t>> stack(static_cast<size_t>(days),
                                          std::vector<int64_t>(names.size(), 0));
  int64_t highest = 0;
  for (const DailyCount& count : counts) {
    int64_t index = count.day - first_day;
    if (index < 0 || index >= days) continue;
    stack[static_cast<size_t>(index)][series[count.key]] += count.count;
  }
  for (const auto& day : stack) {
    int64_t sum = 0;
    for (int64_t value : day) sum += value;
    highest = std::max(highest, sum);
  }
  // Four grid steps of a "nice" whole size, so every tick label is exact.
  int64_t step = NiceCeiling(std::max<int64_t>((highest + 3) / 4, 1));
  int64_t ceiling = step * 4;

  constexpr double kWidth = 760, kHeight = 240, kLeft = 44, kRight = 10, kTop = 10, kBottom = 36;
  double plot_width = kWidth - kLeft - kRight, plot_height = kHeight - kTop - kBottom;
  double slot = plot_width / static_cast<double>(days);
  double bar = std::max(1.0, slot * 0.75);
  std::string out = "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + Number(kWidth) + " " +
                    Number(kHeight) + "\" width=\"" + Number(kWidth) + "\" height=\"" +
                    Number(kHeight) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">"
                    "<title>Caught per day, by class</title>";
  for (int tick = 0; tick <= 4; ++tick) {
    double y = kTop + plot_height - plot_height * tick / 4.0;
    out += "<line class=\"grid\" x1=\"" + Number(kLeft) + "\" x2=\"" + Number(kWidth - kRight) +
           "\" y1=\"" + Number(y) + "\" y2=\"" + Number(y) + "\"/>";
    out += "<text x=\"" + Number(kLeft - 4) + "\" y=\"" + Number(y + 4) +
           "\" text-anchor=\"end\">" + std::to_string(step * tick) + "</text>";
  }
  for (int64_t d = 0; d < days; ++d) {
    double x = kLeft + slot * static_cast<double>(d) + (slot - bar) / 2;
    double y = kTop + plot_height;
    const auto& day = stack[static_cast<size_t>(d)];
    for (size_t s = 0; s < day.size(); ++s) {
      if (day[s] == 0) continue;
      double h = plot_height * static_cast<double>(day[s]) / static_cast<double>(ceiling);
      y -= h;
      out += "<rect class=\"s" + std::to_string(std::min(s, kSeries - 1)) + "\" x=\"" + Number(x) +
             "\" y=\"" + Number(y) + "\" width=\"" + Number(bar) + "\" height=\"" + Number(h) +
             "\"><title>" + DayLabel(first_day + d) + ": ";
      AppendHtmlEscaped(names[s], &out);
      out += " " + std::to_string(day[s]) + "</title></rect>";
    }
    // A date under the first, the last and about every seventh bar.
    int64_t every = std::max<int64_t>(1, days / 6);
    if (d == 0 || d == days - 1 || (d % every == 0 && days - 1 - d >= every / 2)) {
      out += "<text x=\"" + Number(x + bar / 2) + "\" y=\"" + Number(kHeight - kBottom + 16) +
             "\" text-anchor=\"middle\">" + DayLabel(first_day + d).substr(5) + "</text>";
    }
  }
  out += "<line class=\"axis\" x1=\"" + Number(kLeft) + "\" x2=\"" + Number(kWidth - kRight) +
         "\" y1=\"" + Number(kTop + plot_height) + "\" y2=\"" + Number(kTop + plot_height) +
         "\"/></svg><div class=\"legend\">";
  for (size_t s = 0; s < names.size(); ++s) {
    out += "<span><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect class=\"s" +
           std::to_string(std::min(s, kSeries - 1)) + "\" width=\"12\" height=\"12\"/></svg> ";
    AppendHtmlEscaped(names[s], &out);
    out += "</span>";
  }
  if (names.empty()) out += "<span class=\"muted\">Nothing caught in this period.</span>";
  out += "</div>";
  return out;
}

std::string RenderBarList(std::span<const CountByKey> rows) {
  if (rows.empty()) return "<p class=\"muted\">None in this period.</p>";
  int64_t highest = 1;
  for (const CountByKey& row : rows) highest = std::max(highest, row.count);
  std::string out =
      "<table><thead><tr><th></th><th class=\"num\">Count</th><th></th></tr></thead><tbody>";
  for (const CountByKey& row : rows) {
    out += "<tr><td>";
    AppendHtmlEscaped(row.key.empty() ? "(none)" : row.key, &out);
    out += "</td><td class=\"num\">" + std::to_string(row.count) +
           "</td><td><svg width=\"200\" height=\"12\" aria-hidden=\"true\"><rect class=\"s0\" "
           "height=\"12\" width=\"" +
           Number(200.0 * static_cast<double>(row.count) / static_cast<double>(highest)) +
           "\"/></svg></td></tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace rcptguard
