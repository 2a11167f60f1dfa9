// syslog, stderr or JSON-lines logging for the daemons.
#include "platform/logger.h"

#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <utility>

#include "rcptguard/verdict_format.h"

namespace rcptguard {

Logger::Logger(Sink sink, std::string ident, int facility) : sink_(sink), ident_(std::move(ident)) {
  if (sink_ == Sink::kSyslog) openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, facility);
}

Logger::Logger(Sink sink, const char* ident) : Logger(sink, std::string(ident), LOG_MAIL) {}

Logger::~Logger() {
  if (sink_ == Sink::kSyslog) closelog();
}

void Logger::Write(Level level, const std::string& line) {
  if (sink_ == Sink::kSyslog) {
    int priority = level == kError ? LOG_ERR : level == kWarning ? LOG_WARNING : LOG_INFO;
    syslog(priority, "%s", line.c_str());
    return;
  }
  std::string out;
  if (sink_ == Sink::kJson) {
    // One object a line: time (unix seconds, fractional), level, ident, pid, message.
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    char head[64];
    std::snprintf(head, sizeof(head), "{\"time\":%.3f,\"level\":", now);
    out = head;
    AppendJsonString(level == kError ? "error" : level == kWarning ? "warning" : "info", &out);
    out += ",\"ident\":";
    AppendJsonString(ident_, &out);
    out += ",\"pid\":" + std::to_string(getpid()) + ",\"message\":";
    AppendJsonString(line, &out);
    out += "}\n";
  } else {
    const char* tag = level == kError ? "error: " : level == kWarning ? "warning: " : "";
    out = ident_ + ": " + tag + line + "\n";
  }
  std::lock_guard<std::mutex> lock(mutex_);
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

std::optional<Logger::Sink> ParseLogSink(std::string_view name) {
  if (name == "syslog") return Logger::Sink::kSyslog;
  if (name == "stderr") return Logger::Sink::kStderr;
  if (name == "json") return Logger::Sink::kJson;
  return std::nullopt;
}

std::optional<int> ParseLogFacility(std::string_view name) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
      {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7}};
  for (const auto& [known, facility] : kFacilities) {
    if (known == name) return facility;
  }
  return std::nullopt;
}

}  // namespace rcptguard
