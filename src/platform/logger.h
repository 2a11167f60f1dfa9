// Log lines for the daemons: syslog (LOG_MAIL by default), stderr, or JSON
// lines on stderr. Callers pass text already sanitised (see SanitizeForLine).
#ifndef RCPTGUARD_PLATFORM_LOGGER_H_
#define RCPTGUARD_PLATFORM_LOGGER_H_

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace rcptguard {

class Logger {
 public:
  enum class Sink { kSyslog, kStderr, kJson };
  // Opens syslog with `ident` and `facility` (a LOG_* value) for kSyslog;
  // stderr lines start with "<ident>: ", JSON lines carry it as "ident".
  // Safe to use from any thread.
  Logger(Sink sink, std::string ident, int facility);
  // LOG_MAIL, ident "rcptguard".
  Logger(Sink sink, const char* ident);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void Info(const std::string& line) { Write(kInfo, line); }
  void Warning(const std::string& line) { Write(kWarning, line); }
  void Error(const std::string& line) { Write(kError, line); }

 private:
  enum Level { kInfo, kWarning, kError };
  void Write(Level level, const std::string& line);

  Sink sink_;
  std::string ident_;  // syslog keeps a pointer to it
  std::mutex mutex_;   // one stderr line at a time
};

// "syslog", "stderr" or "json"; nullopt for anything else.
std::optional<Logger::Sink> ParseLogSink(std::string_view name);

// A syslog facility by its name ("mail", "daemon", "local0" ... "local7",
// "user"), as syslog.conf writes it; nullopt for anything else.
std::optional<int> ParseLogFacility(std::string_view name);

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_LOGGER_H_
