// syslog or stderr logging for the daemons.
#include "platform/logger.h"

#include <syslog.h>

#include <cstdio>

namespace rcptguard {

Logger::Logger(Sink sink, const char* ident) : sink_(sink) {
  if (sink_ == Sink::kSyslog) openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

Logger::~Logger() {
  if (sink_ == Sink::kSyslog) closelog();
}

void Logger::Write(Level level, const std::string& line) {
  if (sink_ == Sink::kSyslog) {
    int priority = level == kError ? LOG_ERR : level == kWarning ? LOG_WARNING : LOG_INFO;
    syslog(priority, "%s", line.c_str());
    return;
  }
  const char* tag = level == kError ? "error: " : level == kWarning ? "warning: " : "";
  std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(stderr, "rcptguard: %s%s\n", tag, line.c_str());
  std::fflush(stderr);
}

}  // namespace rcptguard
