// The progress line `rcptguard learn` redraws on a terminal, and the summary
// it always prints.
#ifndef RCPTGUARD_LEARN_PROGRESS_H_
#define RCPTGUARD_LEARN_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace rcptguard {

// What the summary line reports. Times are seconds.
struct LearnSummary {
  uint64_t messages = 0;    // read and learnable
  uint64_t recipients = 0;  // in those messages
  uint64_t counted = 0;     // newly counted by the store
  uint64_t known = 0;       // skipped by the store: key recorded before
  uint64_t skipped = 0;     // nothing to learn (no sender or recipient)
  uint64_t malformed = 0;   // could not be parsed
  uint64_t filtered = 0;    // sender not in --sender-domain
  uint64_t bytes = 0;
  double seconds = 0;
  uint64_t not_files = 0;  // Maildir entries that are not regular files
};

// "read 1200 messages (3400 recipients): 1100 newly counted, 100 already known,
// 0 from other senders; 2 skipped, 0 malformed; 512.0 MB in 2.10 s (243.8 MB/s)"
std::string FormatSummary(const LearnSummary& summary);

// Redraws one status line ("\r... \x1b[K") on `out`, at most every 200 ms:
// bytes done of total, MB/s, messages/s and, when the total is known, the
// time left. Not thread-safe. Disabled reporters do nothing.
class ProgressLine {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `enabled`: stderr is a terminal and --no-progress was not given.
  // `total_bytes` 0: unknown (a Maildir or a pipe).
  ProgressLine(std::FILE* out, bool enabled, uint64_t total_bytes,
               Clock clock = &std::chrono::steady_clock::now);

  // The bytes done over all inputs so far and the messages read.
  void Update(uint64_t bytes_done, uint64_t messages);
  // Clears the line (before the summary or an error is printed).
  void Clear();

 private:
  std::FILE* out_;
  bool enabled_;
  uint64_t total_;
  Clock clock_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_LEARN_PROGRESS_H_
