// The console's routes, sessions and log-in (see console.h). Pages are
// rendered by console_pages.cc; held mail is acted on only through the
// Quarantine service, and every action is written to the audit log with the
// logged-in user as its actor.
#include "serve/console/console.h"

#include <httplib.h>

#include <cctype>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>

#include "platform/logger.h"
#include "quarantine/quarantine.h"
#include "rcptguard/session.h"
#include "serve/console/console_assets.h"
#include "serve/console/console_pages.h"
#include "serve/console/csrf.h"
#include "serve/console/html.h"
#include "serve/console/login_limiter.h"
#include "store/history_store.h"
#include "store/review_store.h"

namespace rcptguard {
namespace {

constexpr std::string_view kSessionCookie = "rcptguard_session";
// Before log-in the form's CSRF token is bound to this random value (a
// double-submit cookie), so another site cannot log a browser in as itself.
constexpr std::string_view kLoginCookie = "rcptguard_login";
constexpr size_t kHeldPageSize = 50;
constexpr size_t kAuditPageSize = 50;
constexpr size_t kMaxReasonBytes = 500;

// No script at all; styles and images only from the console itself; forms
// post only to it; no framing (clickjacking on the release button).
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

struct LoggedIn {
  std::string session_id;  // the cookie's value (for the CSRF token)
  ConsoleUser user;
};

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(const std::string& header, std::string_view name) {
  std::string_view rest = header;
  while (!rest.empty()) {
    size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
  }
  return "";
}

PageFrame Titled(std::string title) {
  PageFrame frame;
  frame.title = std::move(title);
  return frame;
}

void SetSecurityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: under no-referrer Chromium sends
  // "Origin: null" with the console's own form posts, which SameOrigin
  // refuses; the console's addresses still never leave it.
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("Cache-Control", "no-store");
}

void SendHtml(httplib::Response& res, int status, std::string body) {
  SetSecurityHeaders(res);
  res.status = status;
  res.set_content(std::move(body), "text/html; charset=utf-8");
}

void Redirect(httplib::Response& res, const std::string& location) {
  SetSecurityHeaders(res);
  res.status = 303;  // after a POST: the browser follows with a GET
  res.set_header("Location", location);
  res.set_content("", "text/plain");
}

int64_t ParseInt(const std::string& text, int64_t fallback, int64_t low, int64_t high) {
  if (text.empty() || text.size() > 18) return fallback;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return fallback;
    value = value * 10 + (c - '0');
  }
  return std::clamp(value, low, high);
}

// One connection to a store, opened on first use (so a store that was down
// at start-up is used once it answers), used by one caller at a time: the
// stores are not thread-safe.
template <typename Store>
class LazyStore {
 public:
  using Opener = std::function<Result<std::unique_ptr<Store>>()>;
  LazyStore(Opener open, std::string unavailable)
      : open_(std::move(open)), unavailable_(std::move(unavailable)) {}

  template <typename Work>
  auto With(Work work) -> decltype(work(std::declval<Store&>())) {
    std::lock_guard lock(mutex_);
    if (store_ == nullptr) {
      if (!open_) return MakeError(ErrorCode::kConfig, unavailable_);
      auto opened = open_();
      if (!opened) return Unexpected(opened.error());
      store_ = std::move(*opened);
    }
    return work(*store_);
  }

 private:
  Opener open_;
  std::string unavailable_;
  std::mutex mutex_;
  std::unique_ptr<Store> store_;
};

class Console : public std::enable_shared_from_this<Console> {
 public:
  explicit Console(ConsoleOptions options)
      : options_(std::move(options)),
        limiter_(options_.login_failures_allowed, options_.login_window_seconds),
        review_(ReviewOpener(options_.store_url),
                "the console needs a store: set [history] store (or --store)"),
        history_(options_.open_history,
                 "exceptions live in the history store: set [history] store (or --store)") {}

  void Register(httplib::Server& server);

 private:
  int64_t Now() const {
    return options_.clock ? options_.clock() : static_cast<int64_t>(std::time(nullptr));
  }

  static LazyStore<ReviewStore>::Opener ReviewOpener(const std::string& url) {
    if (url.empty()) return {};
    return [url] { return OpenReviewStore(url); };
  }
  template <typename Work>
  auto WithStore(Work work) {
    return review_.With(std::move(work));
  }

  // The user of the request's session, or nullopt (no cookie, unknown or
  // expired session, user removed since).
  std::optional<LoggedIn> SessionOf(const httplib::Request& req) {
    std::string id = CookieValue(req.get_header_value("Cookie"), kSessionCookie);
    if (id.empty()) return std::nullopt;
    auto user = WithStore([&](ReviewStore& store) -> Result<std::optional<ConsoleUser>> {
      RCPTGUARD_ASSIGN_OR_RETURN(auto session, store.GetSession(SessionIdHash(id), Now()));
      if (!session) return std::nullopt;
      return store.GetUser(session->user);
    });
    if (!user || !*user) return std::nullopt;
    return LoggedIn{std::move(id), std::move(**user)};
  }

  PageFrame FrameFor(const LoggedIn& who, std::string title, ConsolePage page) const {
    PageFrame frame;
    frame.title = std::move(title);
    frame.page = page;
    frame.user = who.user.name;
    frame.role = std::string(ConsoleRoleName(who.user.role));
    frame.csrf_token = CsrfTokenFor(who.session_id);
    return frame;
  }

  // For a POST: the session, with the origin and the CSRF token checked.
  // Sends the refusal and returns nullopt when any is missing or wrong.
  std::optional<LoggedIn> AuthorisePost(const httplib::Request& req, httplib::Response& res) {
    auto who = SessionOf(req);
    if (!who) {
      SendHtml(res, 403,
               RenderMessage(Titled("Not logged in"), "error",
                             "Log in first: this request has no valid session."));
      return std::nullopt;
    }
    if (!SameOrigin(req.get_header_value("Origin"), req.get_header_value("Host")) ||
        !CsrfTokenValid(who->session_id, req.get_param_value("csrf"))) {
      Log("console: refused a POST to " + req.path + " by " + who->user.name +
          " without a valid CSRF token");
      SendHtml(res, 403,
               RenderMessage(FrameFor(*who, "Refused", ConsolePage::kHeld), "error",
                             "The form's security token is missing or wrong. Reload "
                             "the page and try again."));
      return std::nullopt;
    }
    return who;
  }

  // Wraps a GET handler: no session, no page (a redirect to the log-in).
  template <typename Handler>
  httplib::Server::Handler Page(Handler handler) {
    return
        [self = shared_from_this(), handler](const httplib::Request& req, httplib::Response& res) {
          auto who = self->SessionOf(req);
          if (!who) return Redirect(res, "/console/login");
          handler(req, res, *who);
        };
  }

  void Log(const std::string& line) const {
    if (options_.logger != nullptr) options_.logger->Info(line);
  }

  void LoginForm(const httplib::Request& req, httplib::Response& res, int status,
                 std::string_view error) {
    std::string secret = CookieValue(req.get_header_value("Cookie"), kLoginCookie);
    if (secret.empty()) {
      secret = NewSessionId();
      res.set_header("Set-Cookie", CookieHeader(kLoginCookie, secret, 3600));
    }
    SendHtml(res, status, RenderLoginPage(CsrfTokenFor(secret), error));
  }

  std::string CookieHeader(std::string_view name, std::string_view value, int64_t max_age) const {
    std::string header =
        std::string(name) + "=" + std::string(value) +
        "; Path=/console; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
    if (options_.tls) header += "; Secure";
    return header;
  }

  void HandleLogin(const httplib::Request& req, httplib::Response& res);
  void HandleLogout(const httplib::Request& req, httplib::Response& res);
  void HandleHeldList(const httplib::Request& req, httplib::Response& res, const LoggedIn& who);
  void HandleHeldMessage(const httplib::Request& req, httplib::Response& res, const LoggedIn& who);
  void HandleAction(const httplib::Request& req, httplib::Response& res, bool release);
  void HandleAudit(const httplib::Request& req, httplib::Response& res, const LoggedIn& who);
  void HandleExceptions(const httplib::Request& req, httplib::Response& res, const LoggedIn& who);
  void HandleExceptionChange(const httplib::Request& req, httplib::Response& res, bool add);
  void Audit(const LoggedIn& who, std::string action, std::string subject, std::string reason);
  // Writes to the audit log; a failure is logged (the action itself happened).
  void AppendAudit(const AuditEntry& entry);
  void HandleReports(const httplib::Request& req, httplib::Response& res, const LoggedIn& who);

  // A Quarantine whose actions are written to the audit log.
  Quarantine QuarantineFor() {
    return Quarantine(PostfixQueue(options_.postfix_config), HoldDirectory(options_.hold_directory),
                      [this](const ReviewAction& action) {
                        AuditEntry entry;
                        entry.time = action.time;
                        entry.actor = action.actor.name;
                        entry.actor_kind = std::string(ActorKindName(action.actor.kind));
                        entry.action = action.action;
                        entry.subject = action.queue_id;
                        entry.reason = action.reason;
                        AppendAudit(entry);
                      });
  }

  ConsoleOptions options_;
  LoginLimiter limiter_;
  LazyStore<ReviewStore> review_;
  LazyStore<HistoryStore> history_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // verified against for unknown users: the same cost either way
};

void Console::HandleLogin(const httplib::Request& req, httplib::Response& res) {
  std::string secret = CookieValue(req.get_header_value("Cookie"), kLoginCookie);
  if (!SameOrigin(req.get_header_value("Origin"), req.get_header_value("Host")) ||
      !CsrfTokenValid(secret, req.get_param_value("csrf"))) {
    return LoginForm(req, res, 403, "The form's security token is missing or wrong. Try again.");
  }
  int64_t now = Now();
  std::string client = req.remote_addr;
  if (!limiter_.Allowed(client, now)) {
    Log("console: log-in refused for " + client + ": too many failed attempts");
    return LoginForm(req, res, 429, "Too many failed log-ins from here. Wait a few minutes.");
  }
  std::string name = req.get_param_value("user");
  std::string password = req.get_param_value("password");
  auto user = WithStore([&](ReviewStore& store) { return store.GetUser(name); });
  if (!user) {
    return LoginForm(req, res, 503, "The store does not answer: " + user.error().message);
  }
  std::call_once(dummy_once_, [this] {
    auto hash = HashPassword(NewSessionId());
    if (hash) dummy_hash_ = *hash;
  });
  bool valid = *user ? VerifyPassword(password, (*user)->password_hash)
                     : (VerifyPassword(password, dummy_hash_), false);
  if (!valid) {
    limiter_.Failed(client, now);
    // The name is what the client typed: made safe for one log line.
    Log("console: failed log-in for '" + SanitizeForLine(name, 64, true) + "' from " + client);
    return LoginForm(req, res, 401, "The user name or the password is wrong.");
  }
  std::string id = NewSessionId();
  ConsoleSession session{SessionIdHash(id), (*user)->name, now + options_.session_seconds};
  auto stored = WithStore([&](ReviewStore& store) { return store.PutSession(session); });
  if (!stored) {
    return LoginForm(req, res, 503, "The store does not answer: " + stored.error().message);
  }
  Log("console: " + (*user)->name + " logged in from " + client);
  res.set_header("Set-Cookie", CookieHeader(kSessionCookie, id, options_.session_seconds));
  Redirect(res, "/console/held");
}

void Console::HandleLogout(const httplib::Request& req, httplib::Response& res) {
  auto who = AuthorisePost(req, res);
  if (!who) return;
  auto removed = WithStore(
      [&](ReviewStore& store) { return store.RemoveSession(SessionIdHash(who->session_id)); });
  if (!removed) Log("console: log-out of " + who->user.name + ": " + removed.error().ToString());
  res.set_header("Set-Cookie", CookieHeader(kSessionCookie, "", 0));
  Redirect(res, "/console/login");
}

void Console::HandleHeldList(const httplib::Request& req, httplib::Response& res,
                             const LoggedIn& who) {
  HeldListView view;
  view.now = Now();
  view.filter.sender = req.get_param_value("sender");
  view.filter.reason_code = req.get_param_value("reason");
  view.filter.marking = req.get_param_value("marking");
  view.filter.include_foreign = req.get_param_value("all") == "1";
  view.min_age_hours = ParseInt(req.get_param_value("min_age_hours"), 0, 0, 24 * 3650);
  view.filter.min_age_seconds = view.min_age_hours * 3600;
  view.offset = static_cast<size_t>(ParseInt(req.get_param_value("offset"), 0, 0, 1 << 30));
  view.page_size = kHeldPageSize;
  std::string done = req.get_param_value("done");
  std::string id = req.get_param_value("id");
  if ((done == "released" || done == "discarded") && IsQueueId(id)) {
    view.notice = (done == "released" ? "Released " : "Discarded ") + id + ".";
  }
  auto page =
      QuarantineFor().List(view.filter, {view.offset, view.page_size, view.now}, &view.warnings);
  PageFrame frame = FrameFor(who, "Held mail", ConsolePage::kHeld);
  if (!page) return SendHtml(res, 502, RenderMessage(frame, "error", page.error().ToString()));
  view.page = std::move(*page);
  SendHtml(res, 200, RenderHeldList(frame, view));
}

void Console::HandleHeldMessage(const httplib::Request& req, httplib::Response& res,
                                const LoggedIn& who) {
  std::string id = req.matches[1];
  PageFrame frame = FrameFor(who, "Held message " + id, ConsolePage::kHeld);
  auto entry = QuarantineFor().Get(id);
  if (!entry) {
    int status = entry.error().kind == HoldFailureKind::kPostfixFailed ? 502 : 404;
    return SendHtml(res, status, RenderMessage(frame, "error", entry.error().message));
  }
  SendHtml(res, 200, RenderHeldMessage(frame, *entry, Now(), ""));
}

void Console::HandleAction(const httplib::Request& req, httplib::Response& res, bool release) {
  auto who = AuthorisePost(req, res);
  if (!who) return;
  std::string id = req.matches[1];
  std::string reason = req.get_param_value("reason");
  PageFrame frame = FrameFor(*who, "Held message " + id, ConsolePage::kHeld);
  if (reason.empty() || reason.size() > kMaxReasonBytes) {
    auto entry = QuarantineFor().Get(id);
    std::string error = "Give a reason (at most 500 bytes): it goes into the audit log.";
    if (!entry) return SendHtml(res, 400, RenderMessage(frame, "error", error));
    return SendHtml(res, 400, RenderHeldMessage(frame, *entry, Now(), error));
  }
  Actor actor{ActorKind::kAdministrator, who->user.name};
  Quarantine quarantine = QuarantineFor();
  auto done = release ? quarantine.Release(id, actor, reason, false, Now())
                      : quarantine.Discard(id, actor, reason, false, Now());
  if (!done) {
    int status = 409;
    if (done.error().kind == HoldFailureKind::kInvalid) status = 400;
    if (done.error().kind == HoldFailureKind::kPostfixFailed) status = 502;
    Log("console: " + who->user.name + (release ? " release of " : " discard of ") + id +
        " failed: " + done.error().message);
    return SendHtml(res, status, RenderMessage(frame, "error", done.error().message));
  }
  Log("console: " + who->user.name + (release ? " released " : " discarded ") + id);
  Redirect(res, std::string("/console/held?done=") + (release ? "released" : "discarded") +
                    "&id=" + UrlEncode(id));
}

void Console::HandleAudit(const httplib::Request& req, httplib::Response& res,
                          const LoggedIn& who) {
  int64_t before = ParseInt(req.get_param_value("before"), 0, 0, INT64_MAX / 10);
  auto entries =
      WithStore([&](ReviewStore& store) { return store.ListAudit(before, kAuditPageSize + 1); });
  PageFrame frame = FrameFor(who, "Audit log", ConsolePage::kAudit);
  if (!entries) {
    return SendHtml(res, 503, RenderMessage(frame, "error", entries.error().ToString()));
  }
  int64_t next = 0;
  if (entries->size() > kAuditPageSize) {
    entries->resize(kAuditPageSize);
    next = entries->back().id;
  }
  SendHtml(res, 200, RenderAuditLog(frame, *entries, next));
}

void Console::Audit(const LoggedIn& who, std::string action, std::string subject,
                    std::string reason) {
  AuditEntry entry;
  entry.time = Now();
  entry.actor = who.user.name;
  entry.actor_kind = "admin";
  entry.action = std::move(action);
  entry.subject = std::move(subject);
  entry.reason = std::move(reason);
  AppendAudit(entry);
}

void Console::AppendAudit(const AuditEntry& entry) {
  auto appended = WithStore([&](ReviewStore& store) { return store.AppendAudit(entry); });
  if (!appended && options_.logger != nullptr) {
    options_.logger->Error("console: the audit log did not take " + entry.action + " of " +
                           entry.subject + ": " + appended.error().ToString());
  }
}

void Console::HandleExceptions(const httplib::Request& req, httplib::Response& res,
                               const LoggedIn& who) {
  ExceptionsView view;
  view.now = Now();
  view.may_change = who.user.role == ConsoleRole::kAdmin;
  std::string done = req.get_param_value("done");
  if (done == "added") view.notice = "Exception added.";
  if (done == "removed") view.notice = "Exception removed.";
  if (done == "none") view.notice = "There was no such exception.";
  auto listed = history_.With([](HistoryStore& store) { return store.ListExceptions(""); });
  PageFrame frame = FrameFor(who, "Exceptions", ConsolePage::kExceptions);
  if (!listed) return SendHtml(res, 503, RenderMessage(frame, "error", listed.error().ToString()));
  view.exceptions = std::move(*listed);
  SendHtml(res, 200, RenderExceptions(frame, view));
}

void Console::HandleExceptionChange(const httplib::Request& req, httplib::Response& res, bool add) {
  auto who = AuthorisePost(req, res);
  if (!who) return;
  PageFrame frame = FrameFor(*who, "Exceptions", ConsolePage::kExceptions);
  if (who->user.role != ConsoleRole::kAdmin) {
    Log("console: " + who->user.name + " (officer) tried to change an exception");
    return SendHtml(res, 403,
                    RenderMessage(frame, "error", "Only an admin may add or remove exceptions."));
  }
  std::string sender = req.get_param_value("sender");
  std::string recipient = req.get_param_value("recipient");
  std::string note = req.get_param_value("note");
  bool valid = sender.find('@') != std::string::npos && sender.size() <= 320 &&
               !recipient.empty() && recipient.size() <= 320 && note.size() <= kMaxReasonBytes;
  if (!valid) {
    return SendHtml(res, 400,
                    RenderMessage(frame, "error",
                                  "Give a sender address and a recipient address or "
                                  "domain (each at most 320 bytes; why: at most 500)."));
  }
  std::string subject = sender + " -> " + recipient;
  if (add) {
    int64_t now = Now();
    ExceptionRecord exception;
    exception.sender = sender;
    exception.recipient = recipient;
    exception.created = now;
    exception.expires = now + ParseInt(req.get_param_value("days"), 90, 1, 3650) * 86400;
    exception.note = note;
    auto added = history_.With([&](HistoryStore& store) { return store.AddException(exception); });
    if (!added) return SendHtml(res, 503, RenderMessage(frame, "error", added.error().ToString()));
    Audit(*who, "except", subject, note);
    Log("console: " + who->user.name + " added an exception");
    return Redirect(res, "/console/exceptions?done=added");
  }
  auto removed =
      history_.With([&](HistoryStore& store) { return store.RemoveException(sender, recipient); });
  if (!removed)
    return SendHtml(res, 503, RenderMessage(frame, "error", removed.error().ToString()));
  if (*removed == 0) return Redirect(res, "/console/exceptions?done=none");
  Audit(*who, "unexcept", subject, "");
  Log("console: " + who->user.name + " removed an exception");
  Redirect(res, "/console/exceptions?done=removed");
}

void Console::HandleReports(const httplib::Request& req, httplib::Response& res,
                            const LoggedIn& who) {
  ReportsView view;
  view.days = ParseInt(req.get_param_value("days"), 30, 1, 365);
  int64_t today = Now() / 86400;
  view.first_day = today - view.days + 1;
  int64_t since = view.first_day * 86400;
  auto loaded = WithStore([&](ReviewStore& store) -> Result<void> {
    RCPTGUARD_ASSIGN_OR_RETURN(view.caught_per_day, store.CaughtPerDay(since));
    RCPTGUARD_ASSIGN_OR_RETURN(view.top_lookalike_domains, store.TopLookalikeDomains(since, 10));
    RCPTGUARD_ASSIGN_OR_RETURN(view.top_senders, store.TopSenders(since, 10));
    RCPTGUARD_ASSIGN_OR_RETURN(view.stopped_by_marking, store.StoppedByMarking(since));
    return {};
  });
  PageFrame frame = FrameFor(who, "Reports", ConsolePage::kReports);
  if (!loaded) return SendHtml(res, 503, RenderMessage(frame, "error", loaded.error().ToString()));
  SendHtml(res, 200, RenderReports(frame, view));
}

void Console::Register(httplib::Server& server) {
  std::shared_ptr<Console> self = shared_from_this();
  server.Get("/console/static/console.css", [](const httplib::Request&, httplib::Response& res) {
    SetSecurityHeaders(res);
    res.set_header("Cache-Control", "max-age=3600");
    std::string_view css = ConsoleStylesheet();
    res.set_content(css.data(), css.size(), "text/css; charset=utf-8");
  });
  auto home = [](const httplib::Request&, httplib::Response& res) {
    Redirect(res, "/console/held");
  };
  server.Get("/console", home);
  server.Get("/console/", home);
  server.Get("/console/login", [self](const httplib::Request& req, httplib::Response& res) {
    if (self->SessionOf(req)) return Redirect(res, "/console/held");
    self->LoginForm(req, res, 200, "");
  });
  server.Post("/console/login", [self](const httplib::Request& req, httplib::Response& res) {
    self->HandleLogin(req, res);
  });
  server.Post("/console/logout", [self](const httplib::Request& req, httplib::Response& res) {
    self->HandleLogout(req, res);
  });
  server.Get("/console/held", self->Page([self](const auto& req, auto& res, const LoggedIn& who) {
    self->HandleHeldList(req, res, who);
  }));
  server.Get(R"(/console/held/([A-Za-z0-9]{1,63}))",
             self->Page([self](const auto& req, auto& res, const LoggedIn& who) {
               self->HandleHeldMessage(req, res, who);
             }));
  server.Post(R"(/console/held/([A-Za-z0-9]{1,63})/release)",
              [self](const httplib::Request& req, httplib::Response& res) {
                self->HandleAction(req, res, true);
              });
  server.Post(R"(/console/held/([A-Za-z0-9]{1,63})/discard)",
              [self](const httplib::Request& req, httplib::Response& res) {
                self->HandleAction(req, res, false);
              });
  server.Get("/console/exceptions",
             self->Page([self](const auto& req, auto& res, const LoggedIn& who) {
               self->HandleExceptions(req, res, who);
             }));
  server.Post("/console/exceptions/add",
              [self](const httplib::Request& req, httplib::Response& res) {
                self->HandleExceptionChange(req, res, true);
              });
  server.Post("/console/exceptions/remove",
              [self](const httplib::Request& req, httplib::Response& res) {
                self->HandleExceptionChange(req, res, false);
              });
  server.Get("/console/audit", self->Page([self](const auto& req, auto& res, const LoggedIn& who) {
    self->HandleAudit(req, res, who);
  }));
  server.Get("/console/reports",
             self->Page([self](const auto& req, auto& res, const LoggedIn& who) {
               self->HandleReports(req, res, who);
             }));
}

}  // namespace

void RegisterConsole(httplib::Server& server, ConsoleOptions options) {
  // Each handler holds the console: it lives as long as the server's routes.
  std::make_shared<Console>(std::move(options))->Register(server);
}

}  // namespace rcptguard
