// The milter's serving process and its configuration check: what
// `rcptguard milter` hands to RunDaemon (src/daemon/daemon.h).
#ifndef RCPTGUARD_MILTER_MILTER_PROCESS_H_
#define RCPTGUARD_MILTER_MILTER_PROCESS_H_

#include <functional>
#include <string>

#include "config/config.h"
#include "daemon/socket_spec.h"
#include "platform/logger.h"
#include "rcptguard/result.h"
#include "store/history_store.h"

namespace rcptguard {

struct MilterProcessOptions {
  ConfigRequest config;        // absolute paths (the daemon runs in /)
  std::string socket;          // -p; empty: [milter] socket
  std::string hold_directory;  // --hold-directory; empty: [milter] hold_directory
  std::string store;           // --store; empty: [history] store
  std::string user;            // -u: drop to this user once the socket is open
  std::string socket_group;    // --socket-group: the unix socket's group
  // --store and [history] into what the store opens (the CLI's rule, injected).
  std::function<Result<StoreOptions>(const std::string& flag, const HistorySettings&)>
      resolve_store;
};

// Loads the configuration with the command line's overrides applied.
Result<Config> LoadMilterSettings(const MilterProcessOptions& options);

// The socket the milter listens on: -p, else [milter] socket; checked by
// ParseSocketSpec, and for a unix socket, its directory must exist.
Result<SocketSpec> MilterSocket(const MilterProcessOptions& options, const Config& config);

// What start-up checks: the configuration loads and compiles (every file it
// names a regular, readable file), and the socket spec is valid. With `deep`
// (`milter -n`) also what start-up tolerates but an admin wants to know: the
// history store is reachable, and the spool and hold directories are
// directories. Returns "configuration OK (...)". Run as root with -u, it
// first becomes that user (the serving process reads the files again as that
// user on reload): call it only in a child (CheckInChild).
Result<std::string> CheckMilterConfiguration(const MilterProcessOptions& options, bool deep);

// The serving process: loads the configuration, opens the socket, drops
// privileges, serves until SIGTERM (or the supervisor's death); SIGUSR1
// reloads. Returns its exit status.
int RunMilterProcess(const MilterProcessOptions& options, Logger& logger);

}  // namespace rcptguard

#endif  // RCPTGUARD_MILTER_MILTER_PROCESS_H_
