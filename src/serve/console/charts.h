// Charts for the reports page, drawn on the server as SVG: the page needs no
// script. Colours come from the stylesheet's classes (s0..s7).
#ifndef RCPTGUARD_SERVE_CONSOLE_CHARTS_H_
#define RCPTGUARD_SERVE_CONSOLE_CHARTS_H_

#include <cstdint>
#include <span>
#include <string>

#include "store/review_store.h"

namespace rcptguard {

// A stacked bar chart of `counts` over the `days` days from `first_day`
// (unix days), one bar per day, one colour per key (the eight keys with the
// most in all, the rest as "other"), with a legend and a <title> per bar
// segment. Days without counts are drawn as empty bars. Returns the SVG and
// the legend as HTML.
std::string RenderDailyChart(std::span<const DailyCount> counts, int64_t first_day, int64_t days);

// Horizontal bars for a top list, largest first as given.
std::string RenderBarList(std::span<const CountByKey> rows);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_CHARTS_H_
