// The review console of `rcptguard serve`: server-rendered pages for the
// people who review held mail (log-in, held messages with release and
// discard, the audit log, reports). No script; a strict CSP; a CSRF token on
// every form; sessions in HttpOnly SameSite=Strict cookies; users from the
// review store (`rcptguard user add`). Registered under /console/.
#ifndef RCPTGUARD_SERVE_CONSOLE_CONSOLE_H_
#define RCPTGUARD_SERVE_CONSOLE_CONSOLE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "rcptguard/result.h"

namespace httplib {
class Server;
}

namespace rcptguard {

class HistoryStore;
class Logger;

struct ConsoleOptions {
  // The review store's URL (the history store's): users, sessions, the audit
  // log, the reports. Empty: the console answers that it needs a store.
  std::string store_url;
  // Opens the history store, for the per-sender exceptions (in its mode,
  // clear or hashed). Empty: the exceptions page says history is off.
  std::function<Result<std::unique_ptr<HistoryStore>>()> open_history;
  std::string hold_directory;  // [milter] hold_directory: what rcptguard knew when it held
  std::string postfix_config;  // -c for Postfix's tools; empty: Postfix's default
  bool tls = false;            // the cookies get Secure
  int64_t session_seconds = 8 * 3600;
  // Failed log-ins allowed per client address in `login_window_seconds`.
  int login_failures_allowed = 10;
  int64_t login_window_seconds = 300;
  Logger* logger = nullptr;        // may be null
  std::function<int64_t()> clock;  // unix seconds; empty: the system clock
};

// Adds the console's routes to `server`. Thread-safe once registered: the
// handlers serialise their use of the one review store connection.
void RegisterConsole(httplib::Server& server, ConsoleOptions options);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_CONSOLE_CONSOLE_H_
