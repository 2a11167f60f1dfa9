// The console's pages (see console_pages.h).
#include "serve/console/console_pages.h"

#include <algorithm>
#include <set>

#include "rcptguard/action.h"
#include "serve/console/charts.h"

namespace rcptguard {
namespace {

// The reason codes of a record, each once, in first-seen order.
std::vector<std::string> ReasonCodes(const HoldRecord& record) {
  std::vector<std::string> codes;
  for (const Verdict& verdict : record.verdicts) {
    for (const Reason& reason : verdict.reasons) {
      std::string code = reason.code;
      if (!reason.label.empty()) code += " (" + reason.label + ")";
      if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
    }
  }
  return codes;
}

void AppendJoinedEscaped(const std::vector<std::string>& items, std::string* out) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) *out += ", ";
    AppendHtmlEscaped(items[i], out);
  }
}

void AppendTextInput(std::string_view label, std::string_view name, std::string_view value,
                     std::string* out) {
  *out += "<label>";
  *out += label;
  *out += "<input type=\"text\" name=\"";
  *out += name;
  *out += "\" value=\"";
  AppendHtmlEscaped(value, out);
  *out += "\"></label>";
}

// The list's query string for another page of the same filter.
std::string ListQuery(const HeldListView& view, size_t offset) {
  std::string query = "?sender=" + UrlEncode(view.filter.sender) +
                      "&reason=" + UrlEncode(view.filter.reason_code) +
                      "&marking=" + UrlEncode(view.filter.marking) +
                      "&min_age_hours=" + std::to_string(view.min_age_hours);
  if (view.filter.include_foreign) query += "&all=1";
  return query + "&offset=" + std::to_string(offset);
}

void AppendActionForm(std::string_view queue_id, std::string_view action, std::string_view label,
                      std::string_view button_class, std::string_view csrf, std::string* out) {
  *out += "<form method=\"post\" action=\"/console/held/";
  *out += UrlEncode(queue_id);
  *out += "/";
  *out += action;
  *out += "\">";
  *out += CsrfField(csrf);
  *out +=
      "<label>Reason (kept in the audit log)<textarea name=\"reason\" rows=\"2\" required "
      "maxlength=\"500\"></textarea></label><button type=\"submit\" class=\"";
  *out += button_class;
  *out += "\">";
  *out += label;
  *out += "</button></form>";
}

}  // namespace

std::string RenderLoginPage(std::string_view csrf_token, std::string_view error) {
  std::string body;
  if (!error.empty()) {
    body += "<p class=\"error\" role=\"alert\">";
    AppendHtmlEscaped(error, &body);
    body += "</p>";
  }
  body += "<form class=\"login\" method=\"post\" action=\"/console/login\">" +
          CsrfField(csrf_token) +
          "<label>User<input type=\"text\" name=\"user\" autocomplete=\"username\" required "
          "autofocus></label><label>Password<input type=\"password\" name=\"password\" "
          "autocomplete=\"current-password\" required></label>"
          "<button type=\"submit\">Log in</button></form>";
  PageFrame frame;
  frame.title = "Log in";
  frame.page = ConsolePage::kLogin;
  return RenderPage(frame, body);
}

std::string RenderHeldList(const PageFrame& frame, const HeldListView& view) {
  std::string out;
  out.reserve(256 + view.page.entries.size() * 400);
  if (!view.notice.empty()) {
    out += "<p class=\"notice\" role=\"status\">";
    AppendHtmlEscaped(view.notice, &out);
    out += "</p>";
  }
  for (const std::string& warning : view.warnings) {
    out += "<p class=\"error\">";
    AppendHtmlEscaped(warning, &out);
    out += "</p>";
  }
  out += "<form class=\"filter\" method=\"get\" action=\"/console/held\">";
  AppendTextInput("Sender", "sender", view.filter.sender, &out);
  AppendTextInput("Reason code", "reason", view.filter.reason_code, &out);
  AppendTextInput("Marking", "marking", view.filter.marking, &out);
  out +=
      "<label>Held at least (hours)<input type=\"number\" min=\"0\" name=\"min_age_hours\" "
      "value=\"" +
      std::to_string(view.min_age_hours) + "\"></label>";
  out +=
      "<label>Also others<select name=\"all\"><option value=\"0\">rcptguard's only</option>"
      "<option value=\"1\"";
  out += view.filter.include_foreign ? " selected" : "";
  out += ">all held mail</option></select></label><button type=\"submit\">Filter</button></form>";
  size_t first = view.page.matched == 0 ? 0 : view.offset + 1;
  size_t last = view.offset + view.page.entries.size();
  out += "<p class=\"muted\">" + std::to_string(view.page.matched) + " held messages match";
  if (view.page.matched > 0) {
    out += "; showing " + std::to_string(first) + " to " + std::to_string(last);
  }
  if (view.page.foreign > 0 && !view.filter.include_foreign) {
    out += " (" + std::to_string(view.page.foreign) + " held by something else are not shown)";
  }
  out += ".</p>";
  if (!view.page.entries.empty()) {
    out +=
        "<table><thead><tr><th>Queue id</th><th>Held</th><th>Sender</th><th>Why</th>"
        "<th>Markings</th><th class=\"num\">Recipients</th></tr></thead><tbody>";
    for (const HeldEntry& entry : view.page.entries) {
      const HeldMessage& message = entry.message;
      int64_t held_at = entry.record ? entry.record->held_at : message.arrival_time;
      out += "<tr><td><a href=\"/console/held/" + UrlEncode(message.queue_id) + "\">";
      AppendHtmlEscaped(message.queue_id, &out);
      out += "</a></td><td title=\"" + FormatUtc(held_at) + "\">" + FormatAge(view.now - held_at) +
             " ago</td><td>";
      AppendHtmlEscaped(message.sender.empty() ? "<>" : message.sender, &out);
      out += "</td><td>";
      if (entry.record) {
        AppendJoinedEscaped(ReasonCodes(*entry.record), &out);
      } else {
        out += "<span class=\"muted\">not held by rcptguard</span>";
      }
      out += "</td><td>";
      if (entry.record) AppendJoinedEscaped(entry.record->markings, &out);
      out += "</td><td class=\"num\">" + std::to_string(message.recipients.size()) + "</td></tr>";
    }
    out += "</tbody></table>";
  }
  out += "<nav class=\"pager\">";
  if (view.offset > 0) {
    size_t previous = view.offset > view.page_size ? view.offset - view.page_size : 0;
    out += "<a href=\"/console/held" + ListQuery(view, previous) + "\">Newer page</a>";
  }
  if (last < view.page.matched) {
    out += "<a href=\"/console/held" + ListQuery(view, last) + "\">Next page</a>";
  }
  out += "</nav>";
  return RenderPage(frame, out);
}

std::string RenderHeldMessage(const PageFrame& frame, const HeldEntry& entry, int64_t now,
                              std::string_view error) {
  const HeldMessage& message = entry.message;
  std::string out;
  if (!error.empty()) {
    out += "<p class=\"error\" role=\"alert\">";
    AppendHtmlEscaped(error, &out);
    out += "</p>";
  }
  int64_t held_at = entry.record ? entry.record->held_at : message.arrival_time;
  out += "<table class=\"facts\"><tbody><tr><th>Queue id</th><td>";
  AppendHtmlEscaped(message.queue_id, &out);
  out += "</td></tr><tr><th>Sender</th><td>";
  AppendHtmlEscaped(message.sender.empty() ? "<>" : message.sender, &out);
  out += "</td></tr><tr><th>Held</th><td>" + FormatUtc(held_at) + " (" + FormatAge(now - held_at) +
         " ago)</td></tr>";
  if (entry.record) {
    const HoldRecord& record = *entry.record;
    out += "<tr><th>Message-ID</th><td>";
    AppendHtmlEscaped(record.message_id, &out);
    out += "</td></tr><tr><th>Why it was held</th><td>";
    AppendHtmlEscaped(record.reason, &out);
    out += "</td></tr><tr><th>Markings</th><td>";
    AppendJoinedEscaped(record.markings, &out);
    out += "</td></tr>";
  }
  out += "</tbody></table>";
  if (entry.record) {
    out +=
        "<h2>Recipients and verdicts</h2><table><thead><tr><th>Recipient</th><th>Verdict</th>"
        "<th>Reasons</th><th>Probably meant</th></tr></thead><tbody>";
    for (const Verdict& verdict : entry.record->verdicts) {
      std::string_view action = ActionName(verdict.action);
      out += "<tr><td>";
      AppendHtmlEscaped(verdict.recipient, &out);
      out += "</td><td class=\"verdict-";
      out += action;
      out += "\">";
      out += action;
      out += "</td><td>";
      for (size_t i = 0; i < verdict.reasons.size(); ++i) {
        const Reason& reason = verdict.reasons[i];
        if (i > 0) out += "<br>";
        AppendHtmlEscaped(reason.code, &out);
        if (!reason.label.empty()) {
          out += " (";
          AppendHtmlEscaped(reason.label, &out);
          out += ")";
        }
        if (!reason.detail.empty()) {
          out += ": ";
          AppendHtmlEscaped(reason.detail, &out);
        }
      }
      out += "</td><td>";
      if (verdict.suggestion) AppendHtmlEscaped(*verdict.suggestion, &out);
      out += "</td></tr>";
    }
    out += "</tbody></table>";
  } else {
    out +=
        "<p class=\"muted\">rcptguard did not hold this message: it has no record of why. "
        "Its envelope recipients:</p><ul>";
    for (const std::string& recipient : message.recipients) {
      out += "<li>";
      AppendHtmlEscaped(recipient, &out);
      out += "</li>";
    }
    out += "</ul>";
  }
  if (entry.record) {
    out += "<div class=\"actions\">";
    AppendActionForm(message.queue_id, "release", "Release (deliver now)", "", frame.csrf_token,
                     &out);
    AppendActionForm(message.queue_id, "discard", "Discard (delete)", "danger", frame.csrf_token,
                     &out);
    out += "</div>";
  } else {
    out +=
        "<p class=\"muted\">Release or discard it with <code>rcptguard quarantine --force"
        "</code> on the mail server.</p>";
  }
  return RenderPage(frame, out);
}

std::string RenderAuditLog(const PageFrame& frame, const std::vector<AuditEntry>& entries,
                           int64_t next_before) {
  std::string out;
  if (entries.empty()) {
    out += "<p class=\"muted\">No entries.</p>";
  } else {
    out +=
        "<table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>On</th><th>Reason</th>"
        "</tr></thead><tbody>";
    for (const AuditEntry& entry : entries) {
      out += "<tr><td>" + FormatUtc(entry.time) + "</td><td>";
      AppendHtmlEscaped(entry.actor, &out);
      out += " <span class=\"muted\">(";
      AppendHtmlEscaped(entry.actor_kind, &out);
      out += ")</span></td><td>";
      AppendHtmlEscaped(entry.action, &out);
      out += "</td><td>";
      AppendHtmlEscaped(entry.subject, &out);
      out += "</td><td>";
      AppendHtmlEscaped(entry.reason, &out);
      out += "</td></tr>";
    }
    out += "</tbody></table>";
  }
  if (next_before > 0) {
    out += "<nav class=\"pager\"><a href=\"/console/audit?before=" + std::to_string(next_before) +
           "\">Older entries</a></nav>";
  }
  return RenderPage(frame, out);
}

std::string RenderExceptions(const PageFrame& frame, const ExceptionsView& view) {
  std::string out;
  if (!view.notice.empty()) {
    out += "<p class=\"notice\" role=\"status\">";
    AppendHtmlEscaped(view.notice, &out);
    out += "</p>";
  }
  out +=
      "<p class=\"muted\">A sender is not warned about a recipient (an address or a whole "
      "domain) while an exception lasts.";
  if (!view.may_change) out += " Only an admin may add or remove exceptions.";
  out += "</p>";
  if (view.may_change) {
    out += "<form class=\"filter\" method=\"post\" action=\"/console/exceptions/add\">" +
           CsrfField(frame.csrf_token);
    AppendTextInput("Sender", "sender", "", &out);
    AppendTextInput("Recipient or domain", "recipient", "", &out);
    out +=
        "<label>Days<input type=\"number\" name=\"days\" min=\"1\" max=\"3650\" "
        "value=\"90\"></label>";
    AppendTextInput("Why", "note", "", &out);
    out += "<button type=\"submit\">Add exception</button></form>";
  }
  if (view.exceptions.empty()) {
    out += "<p class=\"muted\">No exceptions.</p>";
    return RenderPage(frame, out);
  }
  out +=
      "<table><thead><tr><th>Sender</th><th>Recipient</th><th>Until</th><th>Why</th>"
      "<th>Added</th><th></th></tr></thead><tbody>";
  for (const ExceptionRecord& exception : view.exceptions) {
    out += "<tr><td>";
    AppendHtmlEscaped(exception.sender, &out);
    out += "</td><td>";
    AppendHtmlEscaped(exception.recipient, &out);
    out += "</td><td>" + FormatUtc(exception.expires);
    if (exception.expires != 0 && exception.expires <= view.now) out += " (expired)";
    out += "</td><td>";
    AppendHtmlEscaped(exception.note, &out);
    out += "</td><td>" + FormatUtc(exception.created) + "</td><td>";
    if (view.may_change) {
      out += "<form method=\"post\" action=\"/console/exceptions/remove\">" +
             CsrfField(frame.csrf_token) + "<input type=\"hidden\" name=\"sender\" value=\"";
      AppendHtmlEscaped(exception.sender, &out);
      out += "\"><input type=\"hidden\" name=\"recipient\" value=\"";
      AppendHtmlEscaped(exception.recipient, &out);
      out += "\"><button type=\"submit\" class=\"danger\">Remove</button></form>";
    }
    out += "</td></tr>";
  }
  out += "</tbody></table>";
  return RenderPage(frame, out);
}

std::string RenderReports(const PageFrame& frame, const ReportsView& view) {
  std::string out =
      "<form class=\"filter\" method=\"get\" action=\"/console/reports\"><label>"
      "Days<select name=\"days\">";
  for (int64_t days : {7, 30, 90, 365}) {
    out += "<option value=\"" + std::to_string(days) + "\"";
    out += days == view.days ? " selected" : "";
    out += ">" + std::to_string(days) + "</option>";
  }
  out += "</select></label><button type=\"submit\">Show</button></form>";
  out += "<h2>Caught per day, by class</h2>";
  out += RenderDailyChart(view.caught_per_day, view.first_day, view.days);
  out += "<h2>Top look-alike domains</h2>" + RenderBarList(view.top_lookalike_domains);
  out += "<h2>Top senders</h2>" + RenderBarList(view.top_senders);
  out += "<h2>Marked mail stopped, by marking</h2>" + RenderBarList(view.stopped_by_marking);
  return RenderPage(frame, out);
}

std::string RenderMessage(const PageFrame& frame, std::string_view css_class,
                          std::string_view text) {
  std::string out = "<p class=\"";
  out += css_class;
  out += "\">";
  AppendHtmlEscaped(text, &out);
  out += "</p>";
  return RenderPage(frame, out);
}

}  // namespace rcptguard
