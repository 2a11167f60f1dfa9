// The milter's serving process: the configuration in force, the history
// service, reloads on SIGUSR1 (see milter_process.h).
#include "milter/milter_process.h"

#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/daemon.h"
#include "milter/milter.h"
#include "platform/process.h"

namespace rcptguard {
namespace {

// The serving process's state beside the live configuration: the last
// configuration that loaded (history rebuilds recompile from it, without
// reading the file again) and the history service, once started.
struct ProcessState {
  std::mutex mutex;
  std::shared_ptr<const Config> config;
  std::shared_ptr<HistoryService> history;
};

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

Failure NotADirectory(const std::string& key, const std::string& path) {
  return MakeError(ErrorCode::kConfig,
                   key + " '" + path + "' is not a directory" +
                       (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()));
}

// Starts the history service the configuration asks for (none without a
// store). Failing to reach the store is not fatal: mail is still checked,
// without history, and the next reload tries again.
std::shared_ptr<HistoryService> StartHistory(const MilterProcessOptions& options,
                                             const HistorySettings& settings, Logger& logger) {
  if (options.store.empty() && settings.store.empty()) return nullptr;
  auto store = options.resolve_store(options.store, settings);
  if (!store) {
    logger.Error("history: " + store.error().ToString() + "; running without history");
    return nullptr;
  }
  HistoryServiceOptions service_options;
  service_options.store = std::move(*store);
  service_options.history = settings.options;
  service_options.refresh = std::chrono::seconds(settings.refresh_seconds);
  service_options.rebuild = std::chrono::seconds(settings.rebuild_seconds);
  service_options.retention_days = settings.retention_days;
  auto service =
      HistoryService::Start(service_options, &logger, [] { return int64_t{std::time(nullptr)}; });
  if (!service) {
    logger.Error("history: " + service.error().ToString() + "; running without history");
    return nullptr;
  }
  return std::shared_ptr<HistoryService>(std::move(*service));
}

// Builds the configuration again with the history's learned domains, from the
// configuration last loaded, and puts it in force.
void ApplyHistory(ProcessState& state, LiveMilterConfig& live, Logger& logger) {
  std::lock_guard lock(state.mutex);
  auto rebuilt = MilterConfig::FromConfig(*state.config, state.history);
  if (!rebuilt) {
    logger.Error("history: keeping the running configuration: " + rebuilt.error().ToString());
    return;
  }
  live.Set(std::move(*rebuilt));
}

// Starts history (if configured and not running) and puts the configuration
// with its learned domains in force.
void EnsureHistory(const MilterProcessOptions& options, const std::shared_ptr<ProcessState>& state,
                   const std::shared_ptr<LiveMilterConfig>& live, Logger& logger) {
  std::shared_ptr<HistoryService> started;
  {
    std::lock_guard lock(state->mutex);
    if (state->history != nullptr) return;
    state->history = StartHistory(options, state->config->history, logger);
    started = state->history;
    if (started == nullptr) return;
    // Each full rebuild brings new learned domains into the policy.
    std::weak_ptr<ProcessState> weak = state;
    started->SetRebuildListener([weak, live, &logger](auto) {
      if (auto held = weak.lock()) ApplyHistory(*held, *live, logger);
    });
  }
  ApplyHistory(*state, *live, logger);
  // Said once the configuration with history is in force: from here on, new
  // connections are checked with it (tests and scripts wait for this).
  logger.Info("history: " + std::to_string(started->Current()->pair_count()) +
              " correspondent pairs loaded");
}

// SIGUSR1: the supervisor has checked the file in a child; it is loaded here.
void Reload(const MilterProcessOptions& options, const std::shared_ptr<ProcessState>& state,
            const std::shared_ptr<LiveMilterConfig>& live, Logger& logger) {
  auto loaded = LoadMilterSettings(options);
  std::shared_ptr<HistoryService> history;
  Result<std::shared_ptr<const MilterConfig>> built = MakeError(ErrorCode::kInternal, "");
  if (loaded) {
    std::lock_guard lock(state->mutex);
    history = state->history;
    built = MilterConfig::FromConfig(*loaded, history);
    if (built) state->config = std::make_shared<const Config>(std::move(*loaded));
  }
  if (!loaded || !built) {
    // A bad configuration never replaces a good one.
    logger.Error("reload failed, keeping the running configuration: " +
                 (loaded ? built.error() : loaded.error()).ToString());
    return;
  }
  live->Set(std::move(*built));
  logger.Info("configuration reloaded from " + live->Get()->source);
  if (history == nullptr) EnsureHistory(options, state, live, logger);  // new, or reachable again
}

// Gives the socket to the daemon's user and group, drops privileges and
// watches the supervisor again (a change of user clears the request).
Result<void> BecomeDaemonUser(const MilterProcessOptions& options, const SocketSpec& socket) {
  if (socket.family == SocketSpec::Family::kUnix &&
      (!options.user.empty() || !options.socket_group.empty())) {
    RCPTGUARD_TRY(GiveFileTo(socket.path, options.user, options.socket_group));
  }
  if (!options.user.empty()) {
    RCPTGUARD_TRY(DropPrivileges(options.user));
    if (!WatchSupervisor()) return MakeError(ErrorCode::kInternal, "the supervisor is gone");
  }
  return {};
}

}  // namespace

Result<Config> LoadMilterSettings(const MilterProcessOptions& options) {
  RCPTGUARD_ASSIGN_OR_RETURN(Config config, LoadConfig(options.config));
  if (!options.hold_directory.empty()) config.milter.hold_directory = options.hold_directory;
  if (config.outbound_rules == nullptr) {
    // The defaults (no [outbound]): compiled once here, not at each rebuild.
    auto outbound = OutboundRules::Compile(config.outbound);
    if (!outbound) {
      Error error = outbound.error();
      error.where = config.source;
      return Unexpected(std::move(error));
    }
    config.outbound_rules = std::make_shared<const OutboundRules>(std::move(*outbound));
  }
  return config;
}

// The parent folder of `path` ("/" for a name at the top).
std::string ParentOf(const std::string& path) {
  std::string parent = path.substr(0, path.rfind('/'));
  return parent.empty() ? "/" : parent;
}

// The socket the milter listens on. A unix socket's folder may be missing
// when the folder above it exists (a fresh install's /run/rcptguard): start-up
// (`make_directory`, still as root) makes it, mode 0750, and gives it to the
// daemon user and the socket group, as it gives the socket; the check accepts it.
Result<SocketSpec> MilterSocket(const MilterProcessOptions& options, const Config& config,
                                bool make_directory) {
  RCPTGUARD_ASSIGN_OR_RETURN(
      SocketSpec socket,
      ParseSocketSpec(options.socket.empty() ? config.milter.socket : options.socket));
  if (socket.family != SocketSpec::Family::kUnix) return socket;
  std::string directory = ParentOf(socket.path);
  errno = 0;
  if (IsDirectory(directory)) return socket;
  errno = 0;
  if (!IsDirectory(ParentOf(directory))) {
    errno = ENOENT;
    return NotADirectory("the socket's directory", directory);
  }
  if (make_directory) {
    if (mkdir(directory.c_str(), 0750) != 0 && errno != EEXIST) {
      return MakeError(ErrorCode::kIo, "cannot make the socket's directory '" + directory +
                                           "': " + std::strerror(errno));
    }
    if (!options.user.empty() || !options.socket_group.empty()) {
      RCPTGUARD_TRY(GiveFileTo(directory, options.user, options.socket_group));
    }
  }
  return socket;
}

Result<std::string> CheckMilterConfiguration(const MilterProcessOptions& options, bool deep) {
  // The serving process reads the files again on reload as the daemon user:
  // so does the check.
  if (!options.user.empty() && geteuid() == 0) RCPTGUARD_TRY(DropPrivileges(options.user));
  RCPTGUARD_ASSIGN_OR_RETURN(Config config, LoadMilterSettings(options));
  RCPTGUARD_ASSIGN_OR_RETURN(auto built, MilterConfig::FromConfig(config));
  RCPTGUARD_ASSIGN_OR_RETURN(SocketSpec socket, MilterSocket(options, config, false));
  if (deep) {
    errno = 0;
    if (!config.milter.spool_directory.empty() && !IsDirectory(config.milter.spool_directory)) {
      return NotADirectory("milter.spool_directory", config.milter.spool_directory);
    }
    struct stat info;
    const std::string& hold = config.milter.hold_directory;
    // A missing hold directory is made at the first hold; anything else there is an error.
    if (!hold.empty() && stat(hold.c_str(), &info) == 0 && !S_ISDIR(info.st_mode)) {
      errno = 0;
      return NotADirectory("milter.hold_directory", hold);
    }
    if (!options.store.empty() || !config.history.store.empty()) {
      RCPTGUARD_ASSIGN_OR_RETURN(StoreOptions store,
                                 options.resolve_store(options.store, config.history));
      store.read_only = true;
      auto opened = OpenHistoryStore(store);
      constexpr std::string_view kSqlite = "sqlite://";
      bool absent_sqlite = !opened && store.url.starts_with(kSqlite) &&
                           stat(store.url.c_str() + kSqlite.size(), &info) != 0;
      if (absent_sqlite) {
        // A new SQLite store is made at start; its directory must be there.
        std::string path = store.url.substr(kSqlite.size());
        std::string directory = path.substr(0, path.rfind('/'));
        errno = 0;
        if (!IsDirectory(directory.empty() ? "/" : directory)) {
          return NotADirectory("the history store's directory", directory);
        }
      } else if (!opened) {
        Error error = opened.error();
        error.message = "the history store is not reachable: " + error.message;
        return Unexpected(std::move(error));
      }
    }
  }
  return "configuration OK (" + config.source + "; " +
         std::to_string(built->session->policy->marking_scanner()->markings().size()) +
         " sensitivity markings; socket " + socket.text + ")";
}

int RunMilterProcess(const MilterProcessOptions& options, Logger& logger) {
  auto loaded = LoadMilterSettings(options);
  Result<SocketSpec> socket = MakeError(ErrorCode::kInternal, "");
  Result<std::shared_ptr<const MilterConfig>> built = MakeError(ErrorCode::kInternal, "");
  if (loaded) socket = MilterSocket(options, *loaded, /*make_directory=*/true);
  if (loaded && socket) built = MilterConfig::FromConfig(*loaded);
  if (!loaded || !socket || !built) {
    const Error& error = !loaded ? loaded.error() : !socket ? socket.error() : built.error();
    logger.Error(error.ToString());
    return EX_CONFIG;
  }
  auto state = std::make_shared<ProcessState>();
  state->config = std::make_shared<const Config>(std::move(*loaded));
  // Shared with the reload and history threads, which outlive this frame.
  auto live = std::make_shared<LiveMilterConfig>(std::move(*built));
  // Before libmilter starts its threads, so that only the reload thread
  // receives SIGUSR1.
  StartReloadThread([options, state, live, &logger] { Reload(options, state, live, logger); });
  std::thread history_starter;
  auto result = RunMilter(socket->text, live.get(), &logger, [&]() -> Result<void> {
    RCPTGUARD_TRY(BecomeDaemonUser(options, *socket));
    // History is opened after privileges are dropped, so that the database
    // files belong to the daemon's user, and on a thread of its own: loading
    // a large history takes seconds, and mail is checked (without history)
    // meanwhile rather than deferred.
    history_starter = std::thread([&] { EnsureHistory(options, state, live, logger); });
    return {};
  });
  if (history_starter.joinable()) history_starter.join();
  std::shared_ptr<HistoryService> history;
  {
    std::lock_guard lock(state->mutex);
    history = state->history;
  }
  // What was learned but not yet recorded is written before the process ends.
  if (history != nullptr) history->Stop();
  if (!result) {
    logger.Error(result.error().ToString());
    return result.error().code == ErrorCode::kConfig ? EX_CONFIG : EX_UNAVAILABLE;
  }
  logger.Info("milter process stopped");
  return EX_OK;
}

}  // namespace rcptguard
