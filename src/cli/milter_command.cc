// `rcptguard milter`: the mail-path daemon. A small supervisor process keeps
// the pid file, turns SIGHUP into a reload, and restarts the milter process
// if it dies; the milter process runs libmilter. The split exists because
// libmilter itself stops on SIGHUP: its signal thread would race a reload
// thread for the signal, so the milter process is reloaded with SIGUSR1,
// which libmilter leaves alone.
#include <signal.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/store_options.h"
#include "config/config.h"
#include "milter/milter.h"
#include "platform/logger.h"
#include "platform/process.h"

namespace rcptguard {
namespace {

struct MilterOptions {
  std::string config_path;
  std::vector<std::string> trusted_files;
  bool foreground = false;
  bool check_only = false;
  std::string socket;  // -p; empty: from the config
  std::string store;   // --store; empty: [history] store
  std::string hold_directory;  // --hold-directory; empty: [milter] hold_directory
  std::string pid_file;
  std::string user;
  bool version = false;
};

// Loads and compiles everything a message is checked with. `history` (may be
// null) is the running history service: its learned domains join the policy.
Result<std::shared_ptr<const MilterConfig>> LoadMilterConfig(
    const MilterOptions& options, std::string* socket,
    std::shared_ptr<HistoryService> history = nullptr) {
  auto config = LoadConfig(ConfigRequest{options.config_path, options.trusted_files});
  if (!config) return Unexpected(config.error());
  std::vector<ExpectedDomain> learned;
  if (history) learned = history->Current()->LearnedDomains();
  auto policy = CompilePolicy(*config, learned);
  if (!policy) return Unexpected(policy.error());
  auto outbound = OutboundRules::Compile(config->outbound);
  if (!outbound) {
    Error error = outbound.error();
    error.where = config->source;
    return Unexpected(std::move(error));
  }
  if (socket != nullptr) *socket = options.socket.empty() ? config->milter.socket : options.socket;
  auto milter = std::make_shared<MilterConfig>();
  auto session = std::make_shared<SessionSettings>();
  session->policy = std::move(*policy);
  session->outbound = std::move(*outbound);
  session->local_submission_daemon_names = config->milter.local_submission_daemon_names;
  milter->session = std::move(session);
  milter->tempfail_on_error = config->milter.tempfail_on_error;
  milter->source = config->source;
  milter->history = std::move(history);
  milter->learn = config->history.learn;
  milter->body_memory_bytes = static_cast<size_t>(config->milter.body_memory_bytes);
  milter->spool_directory = config->milter.spool_directory;
  milter->add_header = config->milter.add_header;
  milter->hold_directory = HoldDirectory(
      options.hold_directory.empty() ? config->milter.hold_directory : options.hold_directory);
  return std::shared_ptr<const MilterConfig>(std::move(milter));
}

// The milter process's history, once started: the service and the settings
// it was started with (a change of store needs a restart).
struct HistoryState {
  std::mutex mutex;
  std::shared_ptr<HistoryService> service;
};

// Starts the history service the configuration asks for (none without
// [history] store). Failing to reach the store is not fatal: mail is still
// checked, without history, and the next reload tries again.
std::shared_ptr<HistoryService> StartHistory(const std::string& store_flag,
                                             const HistorySettings& settings, Logger& logger) {
  if (store_flag.empty() && settings.store.empty()) return nullptr;
  auto store = ResolveStoreOptions(store_flag, settings);
  if (!store) {
    logger.Error("history: " + store.error().ToString() + "; running without history");
    return nullptr;
  }
  HistoryServiceOptions options;
  options.store = std::move(*store);
  options.history = settings.options;
  options.refresh = std::chrono::seconds(settings.refresh_seconds);
  options.rebuild = std::chrono::seconds(settings.rebuild_seconds);
  options.retention_days = settings.retention_days;
  auto service =
      HistoryService::Start(options, &logger, [] { return int64_t{std::time(nullptr)}; });
  if (!service) {
    logger.Error("history: " + service.error().ToString() + "; running without history");
    return nullptr;
  }
  return std::shared_ptr<HistoryService>(std::move(*service));
}

// Builds the configuration again with the history's learned domains and puts
// it in force: after start, on reload, and after each full history rebuild.
void ApplyHistory(const MilterOptions& options, const std::shared_ptr<HistoryState>& state,
                  LiveMilterConfig& live, Logger& logger) {
  std::lock_guard lock(state->mutex);
  auto rebuilt = LoadMilterConfig(options, nullptr, state->service);
  if (!rebuilt) {
    logger.Error("history: keeping the running configuration: " + rebuilt.error().ToString());
    return;
  }
  live.Set(std::move(*rebuilt));
}

sigset_t SignalSet(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : signals) sigaddset(&set, signal);
  return set;
}

// The milter process: serves until SIGTERM; SIGUSR1 reloads the configuration.
int RunMilterProcess(const MilterOptions& options, const std::string& socket,
                     std::shared_ptr<const MilterConfig> config, Logger& logger) {
  // Shared with the reload thread, which outlives this function's frame.
  auto live = std::make_shared<LiveMilterConfig>(std::move(config));
  // SIGUSR1 is blocked here, before libmilter starts its threads, so that only
  // the reload thread ever receives it.
  sigset_t reload_set = SignalSet({SIGUSR1});
  pthread_sigmask(SIG_BLOCK, &reload_set, nullptr);
  auto history = std::make_shared<HistoryState>();
  // Starts history (if configured and not running) and puts the configuration
  // with its learned domains in force.
  auto start_history = [options, live, history, &logger] {
    auto settings = LoadConfig(ConfigRequest{options.config_path, options.trusted_files});
    if (!settings) return;  // the caller has already reported a bad configuration
    std::shared_ptr<HistoryService> started;
    {
      std::lock_guard lock(history->mutex);
      if (history->service == nullptr) {
        history->service = StartHistory(options.store, settings->history, logger);
        started = history->service;
        if (started != nullptr) {
          // Each full rebuild brings new learned domains into the policy.
          started->SetRebuildListener([options, live, history, &logger](auto) {
            ApplyHistory(options, history, *live, logger);
          });
        }
      }
      if (history->service == nullptr) return;
    }
    ApplyHistory(options, history, *live, logger);
    // Said once the configuration with history is in force: from here on,
    // new connections are checked with it (tests and scripts wait for this).
    if (started != nullptr) {
      logger.Info("history: " + std::to_string(started->Current()->pair_count()) +
                  " correspondent pairs loaded");
    }
  };
  std::thread([options, live, history, &logger, reload_set, start_history] {
    while (true) {
      int signal = 0;
      if (sigwait(&reload_set, &signal) != 0) continue;
      std::shared_ptr<HistoryService> service;
      {
        std::lock_guard lock(history->mutex);
        service = history->service;
      }
      auto reloaded = LoadMilterConfig(options, nullptr, service);
      if (!reloaded) {
        // A bad configuration never replaces a good one.
        logger.Error("reload failed, keeping the running configuration: " +
                     reloaded.error().ToString());
        continue;
      }
      live->Set(std::move(*reloaded));
      logger.Info("configuration reloaded from " + live->Get()->source);
      if (service == nullptr) start_history();  // history may be new, or reachable again
    }
  }).detach();
  std::thread history_starter;
  auto result = RunMilter(socket, live.get(), &logger, [&]() -> Result<void> {
    if (!options.user.empty()) {
      if (auto dropped = DropPrivileges(options.user); !dropped) return dropped;
    }
    // History is opened after privileges are dropped, so that the database
    // files belong to the daemon's user, and on a thread of its own: loading
    // a large history takes seconds, and mail is checked (without history)
    // meanwhile rather than deferred.
    history_starter = std::thread(start_history);
    return {};
  });
  if (history_starter.joinable()) history_starter.join();
  {
    // What was learned but not yet recorded is written before the process ends.
    std::lock_guard lock(history->mutex);
    if (history->service != nullptr) history->service->Stop();
  }
  if (!result) {
    logger.Error(result.error().ToString());
    return result.error().code == ErrorCode::kConfig ? EX_CONFIG : EX_UNAVAILABLE;
  }
  return EX_OK;
}

// The supervisor: starts the milter process, forwards SIGHUP as a reload and
// SIGTERM/SIGINT as a stop, and starts a new milter process if one dies.
int Supervise(const MilterOptions& options, const std::string& socket,
              std::shared_ptr<const MilterConfig> config, Logger& logger) {
  sigset_t handled = SignalSet({SIGHUP, SIGTERM, SIGINT, SIGCHLD});
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  int quick_deaths = 0;  // milter processes in a row that died within a minute
  while (true) {
    auto started = std::chrono::steady_clock::now();
    pid_t child = fork();
    if (child < 0) {
      logger.Error("cannot start the milter process");
      return EX_OSERR;
    }
    if (child == 0) {
      sigset_t none;
      sigemptyset(&none);
      pthread_sigmask(SIG_SETMASK, &none, nullptr);
      std::exit(RunMilterProcess(options, socket, config, logger));
    }
    while (true) {
      int signal = 0;
      sigwait(&handled, &signal);
      if (signal == SIGHUP) {
        kill(child, SIGUSR1);
        continue;
      }
      if (signal == SIGTERM || signal == SIGINT) {
        kill(child, SIGTERM);
        int status = 0;
        waitpid(child, &status, 0);
        if (!options.pid_file.empty()) unlink(options.pid_file.c_str());
        logger.Info("stopped");
        return EX_OK;
      }
      int status = 0;
      if (waitpid(child, &status, WNOHANG) != child) continue;  // another SIGCHLD
      if (WIFEXITED(status)) {
        // The milter process stopped on its own (it cannot listen, for one):
        // starting it again would fail the same way.
        if (!options.pid_file.empty()) unlink(options.pid_file.c_str());
        return WEXITSTATUS(status) == EX_OK ? EX_SOFTWARE : WEXITSTATUS(status);
      }
      logger.Error("milter process died (signal " + std::to_string(WTERMSIG(status)) +
                   "); starting a new one");
      break;
    }
    // While no milter process listens, the MTA answers tempfail (with
    // milter_default_action = tempfail) and senders retry: nothing is lost.
    // A process that dies at once again and again is not restarted in a tight loop.
    bool quick = std::chrono::steady_clock::now() - started < std::chrono::minutes(1);
    quick_deaths = quick ? quick_deaths + 1 : 0;
    if (quick_deaths > 5) {
      timespec pause = {1, 0};
      sigset_t child_set = SignalSet({SIGCHLD});
      sigtimedwait(&child_set, nullptr, &pause);
    }
    // The replacement reads the configuration afresh.
    if (auto reloaded = LoadMilterConfig(options, nullptr)) config = std::move(*reloaded);
  }
}

int RunMilterCommand(const MilterOptions& options) {
  if (options.version) {
    std::printf("rcptguard %s\n", RCPTGUARD_VERSION);
    return EX_OK;
  }
  std::string socket;
  auto config = LoadMilterConfig(options, &socket);
  if (!config) {
    std::fprintf(stderr, "rcptguard: %s\n", config.error().ToString().c_str());
    return EX_CONFIG;
  }
  if (options.check_only) {
    std::printf("rcptguard: configuration OK (%s; %zu sensitivity markings)\n",
                (*config)->source.c_str(), (*config)->session->policy->marking_scanner()->markings().size());
    return EX_OK;
  }
  Logger logger(options.foreground ? Logger::Sink::kStderr : Logger::Sink::kSyslog, "rcptguard");
  if (!options.foreground && daemon(0, 0) != 0) {
    std::fprintf(stderr, "rcptguard: cannot run in the background\n");
    return EX_OSERR;
  }
  if (!options.pid_file.empty()) {
    if (auto written = WritePidFile(options.pid_file); !written) {
      logger.Error(written.error().ToString());
      return EX_CANTCREAT;
    }
  }
  logger.Info("starting with " + (*config)->source + " (" +
              std::to_string((*config)->session->policy->marking_scanner()->markings().size()) +
              " sensitivity markings)");
  return Supervise(options, socket, std::move(*config), logger);
}

}  // namespace

CommandRunner AddMilterCommand(CLI::App& app) {
  auto options = std::make_shared<MilterOptions>();
  CLI::App* milter =
      app.add_subcommand("milter", "Run the milter daemon in front of Postfix or Sendmail");
  milter->add_option("-c,--config", options->config_path,
                     "Configuration file (default /etc/rcptguard/rcptguard.toml if present)");
  milter
      ->add_option("--trusted-file", options->trusted_files,
                   "File of expected domains, one per line; repeatable")
      ->allow_extra_args(false);
  milter->add_flag("-f,--foreground", options->foreground,
                   "Stay in the foreground and log to stderr");
  milter->add_flag("-n,--check-config", options->check_only, "Check the configuration and exit");
  milter->add_option("-p,--socket", options->socket,
                     "Socket: unix:/path or inet:port@host (default from the config)");
  milter->add_option("-P,--pid-file", options->pid_file, "Write the process id here");
  milter->add_option("-u,--user", options->user,
                     "Run as this user (and its group), which then owns the socket");
  milter->add_option("--store", options->store,
                     "History store URL (sqlite:///path, postgresql://...), overriding [history] "
                     "store");
  milter->add_option("--hold-directory", options->hold_directory,
                     "Where held messages' records go, overriding [milter] hold_directory");
  milter->add_flag("-V", options->version, "Print the version and exit");
  return [options] { return RunMilterCommand(*options); };
}

}  // namespace rcptguard
