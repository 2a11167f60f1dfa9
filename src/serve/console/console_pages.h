// The console's pages as functions of what they show: no I/O, so tests and
// the benchmark render them from plain values. Every text from a message, a
// sender or a user is escaped (html.h).
#ifndef RCPTGUARD_SERVE_CONSOLE_CONSOLE_PAGES_H_
#define RCPTGUARD_SERVE_CONSOLE_CONSOLE_PAGES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quarantine/quarantine.h"
#include "rcptguard/history.h"
#include "serve/console/html.h"
#include "store/review_store.h"

namespace rcptguard {

// The log-in form; `error` ("" for none) above it.
std::string RenderLoginPage(std::string_view csrf_token, std::string_view error);

struct HeldListView {
  HeldFilter filter;
  int64_t min_age_hours = 0;  // as the filter form shows it
  HeldPage page;
  size_t offset = 0;
  size_t page_size = 50;
  int64_t now = 0;
  std::string notice;  // "Released 4XyZ1b2C3d." after an action, or ""
  std::vector<std::string> warnings;
};
std::string RenderHeldList(const PageFrame& frame, const HeldListView& view);

// One held message: why it was held, every recipient with its verdict and
// the suggestion, and the release and discard forms.
std::string RenderHeldMessage(const PageFrame& frame, const HeldEntry& entry, int64_t now,
                              std::string_view error);

// The audit log, newest first; `next_before` (0: none) links to older entries.
std::string RenderAuditLog(const PageFrame& frame, const std::vector<AuditEntry>& entries,
                           int64_t next_before);

// The per-sender exceptions ("don't warn bob@ about partner.org"); with
// `may_change` (an admin) a form to add one and a remove button on each.
struct ExceptionsView {
  std::vector<ExceptionRecord> exceptions;
  bool may_change = false;
  int64_t now = 0;
  std::string notice;
};
std::string RenderExceptions(const PageFrame& frame, const ExceptionsView& view);

struct ReportsView {
  int64_t days = 30;
  int64_t first_day = 0;  // unix days
  std::vector<DailyCount> caught_per_day;
  std::vector<CountByKey> top_lookalike_domains;
  std::vector<CountByKey> top_senders;
  std::vector<CountByKey> stopped_by_marking;
};
std::string RenderReports(const PageFrame& frame, const ReportsView& view);

// A page with one message (an error, or that the console is not available).
std::string RenderMessage(const PageFrame& frame, std::string_view css_class,
                          std::string_view text);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_CONSOLE_PAGES_H_
