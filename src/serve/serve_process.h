// The HTTP API's serving process and its configuration check: what
// `rcptguard serve` hands to RunDaemon (src/daemon/daemon.h), as
// `rcptguard milter` hands over the milter process.
#ifndef RCPTGUARD_SERVE_SERVE_PROCESS_H_
#define RCPTGUARD_SERVE_SERVE_PROCESS_H_

#include <functional>
#include <string>

#include "config/config.h"
#include "platform/logger.h"
#include "rcptguard/result.h"
#include "serve/listen_address.h"
#include "store/history_store.h"

namespace rcptguard {

struct ServeProcessOptions {
  ConfigRequest config;     // absolute paths (the daemon runs in /)
  std::string listen;       // --listen; empty: [serve] listen
  std::string store;        // --store; empty: [history] store
  std::string tokens_file;  // --tokens-file; empty: [serve] tokens_file
  std::string user;         // -u: drop to this user once the port is bound
  // --store and [history] into what the store opens (the CLI's rule, injected).
  std::function<Result<StoreOptions>(const std::string& flag, const HistorySettings&)>
      resolve_store;
};

// Loads the configuration with the command line's overrides applied
// (--listen and --tokens-file into [serve]).
Result<Config> LoadServeSettings(const ServeProcessOptions& options);

// The address to listen on, checked: plain HTTP only on loopback, so a
// non-loopback address is an error (kConfig) until TLS is supported.
Result<ListenAddress> ServeListenAddress(const Config& config);

// What start-up checks: the configuration loads and compiles, the listen
// address is valid and loopback, and the tokens file, if present, parses.
// With `deep` (`serve -n`) the history store must also answer. Returns
// "configuration OK (...)". Run as root with -u, it first becomes that user:
// call it only in a child (CheckInChild).
Result<std::string> CheckServeConfiguration(const ServeProcessOptions& options, bool deep);

// The serving process: loads the configuration and tokens, binds the port,
// drops privileges, starts history, serves until SIGTERM (or the
// supervisor's death); SIGUSR1 reloads the configuration and the tokens,
// keeping both as they were if either fails. Returns its exit status.
int RunServeProcess(const ServeProcessOptions& options, Logger& logger);

}  // namespace rcptguard

#endif  // RCPTGUARD_SERVE_SERVE_PROCESS_H_
