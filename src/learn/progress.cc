// The progress line and the summary of `rcptguard learn`.
#include "learn/progress.h"

#include <algorithm>
#include <cstdarg>
#include <utility>

namespace rcptguard {
namespace {

double Megabytes(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

__attribute__((format(printf, 1, 2))) std::string Format(const char* format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  if (n < 0) return {};
  return std::string(buffer, std::min(static_cast<size_t>(n), sizeof(buffer) - 1));
}

}  // namespace

std::string FormatSummary(const LearnSummary& s) {
  double rate = s.seconds > 0 ? Megabytes(s.bytes) / s.seconds : 0;
  std::string not_files =
      s.not_files == 0
          ? std::string()
          : Format(", %llu not regular files", static_cast<unsigned long long>(s.not_files));
  return Format(
      "read %llu messages (%llu recipients): %llu newly counted, %llu already known, "
      "%llu from other senders; %llu skipped, %llu malformed%s; %.1f MB in %.2f s (%.1f MB/s)",
      static_cast<unsigned long long>(s.messages), static_cast<unsigned long long>(s.recipients),
      static_cast<unsigned long long>(s.counted), static_cast<unsigned long long>(s.known),
      static_cast<unsigned long long>(s.filtered), static_cast<unsigned long long>(s.skipped),
      static_cast<unsigned long long>(s.malformed), not_files.c_str(), Megabytes(s.bytes),
      s.seconds, rate);
}

ProgressLine::ProgressLine(std::FILE* out, bool enabled, uint64_t total_bytes, Clock clock)
    : out_(out), enabled_(enabled), total_(total_bytes), clock_(std::move(clock)) {
  start_ = clock_();
  last_draw_ = start_;
}

void ProgressLine::Update(uint64_t bytes_done, uint64_t messages) {
  if (!enabled_) return;
  auto now = clock_();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  if (seconds <= 0) return;
  double rate = Megabytes(bytes_done) / seconds;
  std::string line = Format("learn: %.0f", Megabytes(bytes_done));
  if (total_ > 0) {
    line += Format("/%.0f MB (%.0f%%)", Megabytes(total_),
                   100.0 * static_cast<double>(bytes_done) / static_cast<double>(total_));
  } else {
    line += " MB";
  }
  line += Format(", %.1f MB/s, %.0f messages/s", rate, static_cast<double>(messages) / seconds);
  if (total_ > 0 && bytes_done > 0 && bytes_done < total_) {
    double left =
        static_cast<double>(total_ - bytes_done) / (static_cast<double>(bytes_done) / seconds);
    line += Format(", %.0f s left", left);
  }
  std::fprintf(out_, "\r%s\x1b[K", line.c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressLine::Clear() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace rcptguard
