// The libmilter adapter: turns milter callbacks into MessageSession calls and
// their outcomes into milter replies. Thin by design; all decisions are in the
// core (rcptguard/session.h).
#ifndef RCPTGUARD_MILTER_MILTER_H_
#define RCPTGUARD_MILTER_MILTER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "milter/history_service.h"
#include "platform/logger.h"
#include "quarantine/confirm_link.h"
#include "quarantine/hold_records.h"
#include "rcptguard/policy.h"
#include "rcptguard/result.h"
#include "rcptguard/session.h"

namespace rcptguard {

struct Config;

// Everything a message is checked with. Immutable; a reload builds a new one.
struct MilterConfig {
  // Builds it from a loaded configuration (see milter_config.cc): compiles the
  // policy (with `history`'s learned domains, if any) and takes the outbound
  // rules the loader compiled (compiling them only if it did not). `history`
  // may be null.
  static Result<std::shared_ptr<const MilterConfig>> FromConfig(
      const Config& config, std::shared_ptr<HistoryService> history = nullptr);

  // The policy, the outbound rules and the sendmail(1) service names: what
  // every MessageSession of a connection is built on.
  std::shared_ptr<const SessionSettings> session;
  bool tempfail_on_error = true;  // the answer when rcptguard itself fails
  std::string source;  // the configuration file, for log lines
  // Correspondent history (null: none). One service per milter process, kept
  // across reloads; `learn` says whether delivered mail is recorded.
  std::shared_ptr<HistoryService> history;
  bool learn = false;
  // The marking scan's body store ([milter] body_memory_bytes, spool_directory).
  size_t body_memory_bytes = 1 << 20;
  std::string spool_directory;
  bool add_header = true;  // [milter] header = "summary"
  // Where held messages' records go ([milter] hold_directory; "" for none).
  HoldDirectory hold_directory{""};
  // The sender links' key ([serve] link_key_file) when readable: it tells
  // rcptguard serve's notifications (never held) from other mail. Null: none.
  std::shared_ptr<const LinkKey> link_key;
};

// The configuration in force. Connections take a snapshot when they open, so
// a reload never changes the rules under a message in flight.
class LiveMilterConfig {
 public:
  explicit LiveMilterConfig(std::shared_ptr<const MilterConfig> config)
      : current_(std::move(config)) {}
  std::shared_ptr<const MilterConfig> Get() const { return current_.load(); }
  void Set(std::shared_ptr<const MilterConfig> config) { current_.store(std::move(config)); }

 private:
  std::atomic<std::shared_ptr<const MilterConfig>> current_;
};

// Listens on `socket` ("unix:/path", "inet:port@host") and serves until
// libmilter is told to stop (SIGTERM). The socket is opened (a unix socket
// with mode 0660) by the process as it was started, root under systemd, so it
// may live in a directory only root can write; `after_open` runs next, before
// any connection is served: the place to give the socket to the daemon's user
// and the MTA's group and to drop privileges. Returns an error (with the OS
// error) if the socket cannot be opened, or if `after_open` or libmilter fails.
// One per process: libmilter's callbacks reach `live` and `logger` through a
// process-wide pointer, since libmilter passes no user data to them.
Result<void> RunMilter(const std::string& socket, LiveMilterConfig* live, Logger* logger,
                       const std::function<Result<void>()>& after_open);

}  // namespace rcptguard

#endif  // RCPTGUARD_MILTER_MILTER_H_
