// Log lines for the daemons: syslog (LOG_MAIL) by default, stderr in the
// foreground. Callers pass text already sanitised (see SanitizeForLine).
#ifndef RCPTGUARD_PLATFORM_LOGGER_H_
#define RCPTGUARD_PLATFORM_LOGGER_H_

#include <mutex>
#include <string>

namespace rcptguard {

class Logger {
 public:
  enum class Sink { kSyslog, kStderr };
  // Opens syslog with `ident` for kSyslog. Safe to use from any thread.
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
  std::mutex mutex_;  // one stderr line at a time
};

}  // namespace rcptguard

#endif  // RCPTGUARD_PLATFORM_LOGGER_H_
