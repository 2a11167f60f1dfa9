// The HTTP API's serving process (see serve_process.h): the configuration and
// tokens in force, history, and cpp-httplib's server with four routes.
#include "serve/serve_process.h"

#include <httplib.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

#include "daemon/daemon.h"
#include "milter/history_service.h"
#include "milter/milter.h"
#include "platform/files.h"
#include "platform/process.h"
#include "rcptguard/verdict_format.h"
#include "serve/api_tokens.h"
#include "serve/check_api.h"
#include "serve/hold_watch.h"
#include "serve/link_pages.h"
#include "serve/console/console.h"
#include "serve/metrics.h"
#include "serve/review_context.h"

namespace rcptguard {
namespace {

// Everything the request threads read, swapped whole on reload.
struct ServeSnapshot {
  std::shared_ptr<const MilterConfig> checks;  // the policy and session settings
  std::shared_ptr<const ApiTokens> tokens;     // empty when the file is missing
  CheckLimits limits;
};

// The serving process's state. Request threads read `snapshot`; the reload
// and history threads write it under `mutex`.
struct ServeState {
  std::atomic<std::shared_ptr<const ServeSnapshot>> snapshot;
  std::mutex mutex;                      // guards the three below
  std::shared_ptr<const Config> config;  // the last configuration that loaded
  std::shared_ptr<HistoryService> history;
  std::string history_problem;  // why history is not in force yet ("" once it is)
  ApiMetrics metrics;
};

// The tokens file: a missing one means no token is valid (every call gets
// 401); one that does not parse is an error.
Result<std::shared_ptr<const ApiTokens>> LoadTokens(const std::string& path, Logger* logger) {
  if (!path.empty() && !FileExists(path)) {
    if (logger != nullptr) {
      logger->Warning("tokens file " + path + " does not exist: every API call is refused");
    }
    return std::make_shared<const ApiTokens>();
  }
  RCPTGUARD_ASSIGN_OR_RETURN(ApiTokens tokens, ApiTokens::Load(path));
  return std::make_shared<const ApiTokens>(std::move(tokens));
}

CheckLimits LimitsOf(const Config& config) {
  CheckLimits limits;
  limits.max_recipients = static_cast<size_t>(config.serve.max_recipients);
  return limits;
}

bool HasStore(const ServeProcessOptions& options, const Config& config) {
  return !options.store.empty() || !config.history.store.empty();
}

// Puts a configuration in force with the history's learned domains.
Result<void> Install(ServeState& state, const Config& config,
                     std::shared_ptr<const ApiTokens> tokens) {
  auto snapshot = std::make_shared<ServeSnapshot>();
  RCPTGUARD_ASSIGN_OR_RETURN(snapshot->checks, MilterConfig::FromConfig(config, state.history));
  snapshot->tokens = std::move(tokens);
  snapshot->limits = LimitsOf(config);
  state.snapshot.store(std::move(snapshot));
  return {};
}

// Starts history when the configuration names a store and it is not running:
// the store's index in force for each check, refreshed as the milter's is.
// Failing to reach the store is not fatal (checks go on without history;
// /healthz says why), and the next reload tries again.
void EnsureHistory(const ServeProcessOptions& options, const std::shared_ptr<ServeState>& state,
                   Logger& logger) {
  std::shared_ptr<const Config> config;
  {
    std::lock_guard lock(state->mutex);
    if (state->history != nullptr || !HasStore(options, *state->config)) return;
    config = state->config;
    state->history_problem = "history is loading";
  }
  auto fail = [&](const Error& error) {
    logger.Error("history: " + error.ToString() + "; checking without history");
    std::lock_guard lock(state->mutex);
    state->history_problem = "the history store is not usable: " + error.ToString();
  };
  auto store = options.resolve_store(options.store, config->history);
  if (!store) return fail(store.error());
  HistoryServiceOptions service_options;
  service_options.store = std::move(*store);
  service_options.history = config->history.options;
  service_options.refresh = std::chrono::seconds(config->history.refresh_seconds);
  service_options.rebuild = std::chrono::seconds(config->history.rebuild_seconds);
  service_options.retention_days = config->history.retention_days;
  auto started =
      HistoryService::Start(service_options, &logger, [] { return int64_t{std::time(nullptr)}; });
  if (!started) return fail(started.error());
  std::shared_ptr<HistoryService> service(std::move(*started));
  std::weak_ptr<ServeState> weak = state;
  // A full rebuild brings new learned domains: the policy is compiled again.
  service->SetRebuildListener([weak, &logger](auto) {
    auto held = weak.lock();
    if (held == nullptr) return;
    std::lock_guard lock(held->mutex);
    auto installed = Install(*held, *held->config, held->snapshot.load()->tokens);
    if (!installed)
      logger.Error("history: keeping the running policy: " + installed.error().ToString());
  });
  std::lock_guard lock(state->mutex);
  state->history = service;
  auto installed = Install(*state, *state->config, state->snapshot.load()->tokens);
  if (!installed) {
    logger.Error("history: " + installed.error().ToString());
    return;
  }
  state->history_problem.clear();
  logger.Info("history: " + std::to_string(service->Current()->pair_count()) +
              " correspondent pairs loaded");
}

// SIGUSR1: the supervisor has checked the files in a child; loaded here. The
// configuration and the tokens change together or not at all.
void Reload(const ServeProcessOptions& options, const std::shared_ptr<ServeState>& state,
            Logger& logger) {
  auto loaded = LoadServeSettings(options);
  Result<std::shared_ptr<const ApiTokens>> tokens = MakeError(ErrorCode::kInternal, "");
  if (loaded) tokens = LoadTokens(loaded->serve.tokens_file, &logger);
  Result<void> installed = MakeError(ErrorCode::kInternal, "");
  if (loaded && tokens) {
    std::lock_guard lock(state->mutex);
    installed = Install(*state, *loaded, *tokens);
    if (installed) state->config = std::make_shared<const Config>(std::move(*loaded));
  }
  if (!loaded || !tokens || !installed) {
    const Error& error = !loaded ? loaded.error() : !tokens ? tokens.error() : installed.error();
    logger.Error("reload failed, keeping the running configuration: " + error.ToString());
    return;
  }
  logger.Info("configuration reloaded from " + state->snapshot.load()->checks->source + "; " +
              std::to_string((*tokens)->tokens().size()) + " API tokens");
  EnsureHistory(options, state, logger);  // new, or reachable again
}

// "" when the store answers a small query now, else why not. A fresh
// connection each time: one held open would keep answering from a database
// file that has been removed.
std::string ProbeStore(const ServeProcessOptions& options, const Config& config) {
  auto store = options.resolve_store(options.store, config.history);
  if (!store) return store.error().ToString();
  store->read_only = true;
  auto opened = OpenHistoryStore(*store);
  if (!opened) return opened.error().ToString();
  auto answered = (*opened)->LoadChangedSince(INT64_MAX, std::time(nullptr));
  return answered ? std::string() : answered.error().ToString();
}

// What the review console needs: the history store's URL for its review
// store ("" when none is configured or it does not resolve: the console
// says so) and where the milter writes hold records.
ConsoleOptions ConsoleOptionsFor(const ServeProcessOptions& options, const Config& config,
                                 Logger& logger) {
  ConsoleOptions console;
  if (HasStore(options, config)) {
    auto store = options.resolve_store(options.store, config.history);
    if (store) {
      console.store_url = store->url;
      console.open_history = [history = *store] { return OpenHistoryStore(history); };
    }
  }
  console.hold_directory = config.milter.hold_directory;
  console.logger = &logger;
  return console;
}

// "" when checks are answered as the milter would answer them: the policy
// is loaded and, with a store configured, history is in force and the store
// answers.
std::string HealthProblem(const ServeProcessOptions& options, ServeState& state) {
  std::shared_ptr<const Config> config;
  {
    std::lock_guard lock(state.mutex);
    if (state.snapshot.load() == nullptr) return "no policy is loaded";
    if (!HasStore(options, *state.config)) return "";
    if (!state.history_problem.empty()) return state.history_problem;
    config = state.config;
  }
  std::string problem = ProbeStore(options, *config);
  return problem.empty() ? "" : "the history store does not answer: " + problem;
}

// "Bearer TOKEN" -> TOKEN; "" when the header is missing or another scheme.
std::string_view BearerToken(const std::string& header) {
  constexpr std::string_view kScheme = "Bearer ";
  std::string_view value = header;
  if (value.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return {};
    }
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

void SendJson(httplib::Response& res, int status, std::string body) {
  res.status = status;
  // Answers depend on who asks and on the policy now: never cached.
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(body), "application/json");
}

void HandleCheck(const httplib::Request& req, httplib::Response& res, ServeState& state) {
  auto started = std::chrono::steady_clock::now();
  std::shared_ptr<const ServeSnapshot> snapshot = state.snapshot.load();
  std::string authorization = req.get_header_value("Authorization");  // a copy: the view below
  std::string_view presented = BearerToken(authorization);
  if (presented.empty() || snapshot->tokens->Find(presented) == nullptr) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"rcptguard\"");
    SendJson(res, 401,
             ErrorJson(401, presented.empty() ? "an Authorization: Bearer TOKEN header is required"
                                              : "the token is not valid"));
    return;
  }
  auto request = ParseCheckRequest(req.body, snapshot->limits);
  if (!request) {
    SendJson(res, 400, ErrorJson(400, request.error().message));
    return;
  }
  SessionServices services;
  services.clock = [] { return int64_t{std::time(nullptr)}; };
  if (std::shared_ptr<HistoryService> history = snapshot->checks->history) {
    services.history = [history] { return history->Current(); };
  }
  std::vector<Verdict> verdicts = CheckMessage(snapshot->checks->session, services, *request);
  for (const Verdict& verdict : verdicts) state.metrics.CountVerdict(verdict);
  SendJson(res, 200, CheckResponseJson(verdicts));
  state.metrics.ObserveCheck(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// The process's own families beside the API's: store health and build info.
void AppendProcessMetrics(const ServeProcessOptions& options, ServeState& state, std::string* out) {
  std::shared_ptr<const Config> config;
  {
    std::lock_guard lock(state.mutex);
    config = state.config;
  }
  if (HasStore(options, *config)) {
    bool up = HealthProblem(options, state).empty();
    AppendMetricFamily("rcptguard_store_up", "gauge",
                       "1 when the history store answers and its history is in force, else 0.",
                       {{{}, up ? 1.0 : 0.0, ""}}, out);
  }
  AppendMetricFamily("rcptguard_build_info", "gauge", "The version of rcptguard serving.",
                     {{{{"version", RCPTGUARD_SERVE_VERSION}}, 1.0, ""}}, out);
}

void AddRoutes(httplib::Server& server, const ServeProcessOptions& options,
               const std::shared_ptr<ServeState>& state,
               const std::shared_ptr<MetricsExposition>& exposition) {
  ServeState* shared = state.get();
  server.Post("/api/v1/check", [shared](const httplib::Request& req, httplib::Response& res) {
    HandleCheck(req, res, *shared);
  });
  server.Get("/healthz", [shared, options](const httplib::Request&, httplib::Response& res) {
    std::string problem = HealthProblem(options, *shared);
    if (problem.empty()) {
      SendJson(res, 200, "{\"status\":\"ok\"}\n");
      return;
    }
    std::string body = "{\"status\":\"unavailable\",\"reason\":";
    AppendJsonString(problem, &body);
    SendJson(res, 503, body + "}\n");
  });
  server.Get("/metrics", [exposition](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(exposition->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // Statuses cpp-httplib decides itself (404, 413, 400 for a broken request)
  // get a JSON body too.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string text = res.status == 413   ? "the request body is too large"
                       : res.status == 404 ? "no such endpoint (the API is POST /api/v1/check)"
                                           : "the request was refused";
    SendJson(res, res.status, ErrorJson(res.status, text));
  });
  // Nothing unwinds out of a handler: an exception is a 500, never a crash.
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendJson(res, 500, ErrorJson(500, "internal error"));
      });
  // Counted before the answer is written (a logger runs after it: a scrape
  // that follows an answer at once could miss it).
  server.set_post_routing_handler([shared](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) == 0) shared->metrics.CountResponse(res.status);
  });
}

// Takes SIGTERM and SIGINT (blocked in every thread) and stops the server.
std::thread StartStopThread(httplib::Server& server) {
  return std::thread([&server] {
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    int signal = 0;
    while (sigwait(&stops, &signal) != 0) {
    }
    server.stop();
  });
}

}  // namespace

Result<Config> LoadServeSettings(const ServeProcessOptions& options) {
  RCPTGUARD_ASSIGN_OR_RETURN(Config config, LoadConfig(options.config));
  if (!options.listen.empty()) config.serve.listen = options.listen;
  if (!options.tokens_file.empty()) config.serve.tokens_file = options.tokens_file;
  return config;
}

Result<ListenAddress> ServeListenAddress(const Config& config) {
  RCPTGUARD_ASSIGN_OR_RETURN(ListenAddress address, ParseListenAddress(config.serve.listen));
  if (!address.loopback) {
    return MakeError(ErrorCode::kConfig,
                     "listen address '" + address.text +
                         "' is not loopback: plain HTTP is allowed only on 127.0.0.1, ::1 or "
                         "localhost (TLS is not supported yet; put a TLS proxy in front)");
  }
  return address;
}

Result<std::string> CheckServeConfiguration(const ServeProcessOptions& options, bool deep) {
  if (!options.user.empty() && geteuid() == 0) RCPTGUARD_TRY(DropPrivileges(options.user));
  RCPTGUARD_ASSIGN_OR_RETURN(Config config, LoadServeSettings(options));
  RCPTGUARD_ASSIGN_OR_RETURN(auto built, MilterConfig::FromConfig(config));
  RCPTGUARD_ASSIGN_OR_RETURN(ListenAddress address, ServeListenAddress(config));
  RCPTGUARD_ASSIGN_OR_RETURN(auto tokens, LoadTokens(config.serve.tokens_file, nullptr));
  if (deep && HasStore(options, config)) {
    std::string problem = ProbeStore(options, config);
    if (!problem.empty()) {
      return MakeError(ErrorCode::kConfig, "the history store is not reachable: " + problem);
    }
  }
  std::string token_text =
      FileExists(config.serve.tokens_file)
          ? std::to_string(tokens->tokens().size()) + " API tokens"
          : "no tokens file " + config.serve.tokens_file + ": every API call is refused";
  return "configuration OK (" + config.source + "; " +
         std::to_string(built->session->policy->marking_scanner()->markings().size()) +
         " sensitivity markings; listen " + address.text + "; " + token_text + ")";
}

int RunServeProcess(const ServeProcessOptions& options, Logger& logger) {
  auto loaded = LoadServeSettings(options);
  Result<ListenAddress> address = MakeError(ErrorCode::kInternal, "");
  Result<std::shared_ptr<const ApiTokens>> tokens = MakeError(ErrorCode::kInternal, "");
  if (loaded) address = ServeListenAddress(*loaded);
  if (loaded && address) tokens = LoadTokens(loaded->serve.tokens_file, &logger);
  auto state = std::make_shared<ServeState>();
  Result<void> installed = MakeError(ErrorCode::kInternal, "");
  if (loaded && address && tokens) installed = Install(*state, *loaded, *tokens);
  if (!loaded || !address || !tokens || !installed) {
    const Error& error = !loaded    ? loaded.error()
                         : !address ? address.error()
                         : !tokens  ? tokens.error()
                                    : installed.error();
    logger.Error(error.ToString());
    return EX_CONFIG;
  }
  state->config = std::make_shared<const Config>(std::move(*loaded));
  if (HasStore(options, *state->config)) state->history_problem = "history is loading";
  // Before any other thread, so that only the reload thread takes SIGUSR1.
  StartReloadThread([options, state, &logger] { Reload(options, state, logger); });

  // Held mail: the sender links, their notifications and the expiry.
  auto store_options = HasStore(options, *state->config)
                           ? options.resolve_store(options.store, state->config->history)
                           : Result<StoreOptions>(StoreOptions{});
  Result<std::shared_ptr<ReviewContext>> review = MakeError(ErrorCode::kInternal, "");
  if (store_options) {
    std::string listen_base = "http://" + (address->host.find(':') != std::string::npos
                                               ? "[" + address->host + "]"
                                               : address->host) +
                              ":" + std::to_string(address->port);
    review = MakeReviewContext(*state->config, store_options->url, listen_base);
  }
  if (!review) {
    logger.Error((store_options ? review.error() : store_options.error()).ToString());
    return EX_CONFIG;
  }
  if (!(*review)->key) logger.Warning("sender links are off: " + (*review)->key_problem);
  std::weak_ptr<ServeState> weak_state = state;
  (*review)->learn = [weak_state](SentMessage message) {
    auto held = weak_state.lock();
    if (held == nullptr) return;
    std::shared_ptr<HistoryService> history;
    {
      std::lock_guard lock(held->mutex);
      history = held->history;
    }
    if (history != nullptr) history->Learn(std::move(message));
  };

  auto exposition = std::make_shared<MetricsExposition>();
  exposition->AddSource([review = *review](std::string* out) { AppendReviewMetrics(*review, out); });
  exposition->AddSource([state](std::string* out) { state->metrics.Append(out); });
  exposition->AddSource(
      [options, state](std::string* out) { AppendProcessMetrics(options, *state, out); });
  httplib::Server server;
  size_t threads = static_cast<size_t>(state->config->serve.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(static_cast<size_t>(state->config->serve.max_request_bytes));
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_max_count(1000);
  // The answer goes out as headers then body: without TCP_NODELAY, Nagle and
  // the client's delayed ACK hold the body for 40 ms.
  server.set_tcp_nodelay(true);
  AddRoutes(server, options, state, exposition);
  AddLinkPages(server, *review);
  RegisterConsole(server, ConsoleOptionsFor(options, *state->config, logger));

  // Bound as the user the daemon was started as (a port below 1024 needs
  // root), then privileges are dropped before any request is read.
  int port = address->port;
  bool bound = port == 0 ? (port = server.bind_to_any_port(address->host)) > 0
                         : server.bind_to_port(address->host, port);
  if (!bound) {
    logger.Error("cannot listen on " + address->text + ": " + std::strerror(errno));
    return EX_UNAVAILABLE;
  }
  if (!options.user.empty()) {
    auto dropped = DropPrivileges(options.user);
    if (!dropped || !WatchSupervisor()) {
      logger.Error(dropped ? "the supervisor is gone" : dropped.error().ToString());
      return EX_NOPERM;
    }
  }
  if (state->config->serve.link_base.empty() && address->port == 0) {
    // Listening on a port the system chose: the links point at it.
    std::string& base = (*review)->notification.link_base;
    base = base.substr(0, base.rfind(':')) + ":" + std::to_string(port) + "/link/";
  }
  std::thread stopper = StartStopThread(server);
  HoldWatch hold_watch(*review, logger);
  // History loads on a thread of its own (a large one takes seconds):
  // /healthz says 503 until it is in force.
  std::thread history_starter([&] { EnsureHistory(options, state, logger); });
  std::string where = address->host.find(':') != std::string::npos
                          ? "[" + address->host + "]:" + std::to_string(port)
                          : address->host + ":" + std::to_string(port);
  logger.Info("listening on " + where);
  bool served = server.listen_after_bind();
  history_starter.join();
  // listen_after_bind returns once stop() was called or on a fatal error:
  // the stop thread is released either way.
  if (!served) kill(getpid(), SIGTERM);
  stopper.join();
  hold_watch.Stop();
  std::shared_ptr<HistoryService> history;
  {
    std::lock_guard lock(state->mutex);
    history = state->history;
  }
  if (history != nullptr) history->Stop();
  if (!served) {
    logger.Error("the HTTP server stopped on an error");
    return EX_UNAVAILABLE;
  }
  logger.Info("serve process stopped");
  return EX_OK;
}

}  // namespace rcptguard
