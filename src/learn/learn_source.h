// What every `rcptguard learn` reader shares: the counters it returns and the
// callbacks it streams SentMessage values through. A reader never holds more
// than one message (or, for Postfix logs, the messages still in the queue).
#ifndef RCPTGUARD_LEARN_LEARN_SOURCE_H_
#define RCPTGUARD_LEARN_LEARN_SOURCE_H_

#include <cstdint>
#include <functional>

#include "rcptguard/history.h"

namespace rcptguard {

// What one reader did with its input.
struct LearnCounters {
  uint64_t bytes = 0;      // input bytes consumed
  uint64_t messages = 0;   // SentMessage values handed to the callback
  uint64_t skipped = 0;    // messages with nothing to learn: no sender (e.g. a
                           // bounce) or no recipient with a domain
  uint64_t malformed = 0;  // messages or log lines that could not be parsed
                           // (too large a header block, a broken log line)
  uint64_t not_files = 0;  // Maildir entries that are not regular files (a
                           // FIFO, a device, a directory): never opened
                           // for reading, counted and reported

  LearnCounters& operator+=(const LearnCounters& other) {
    bytes += other.bytes;
    messages += other.messages;
    skipped += other.skipped;
    malformed += other.malformed;
    not_files += other.not_files;
    return *this;
  }
};

struct LearnCallbacks {
  // Called once per learnable message, in input order. Required. Returns
  // false to stop reading (the reader returns at once, counters so far).
  std::function<bool(SentMessage&& message)> message;
  // Called with the input bytes consumed so far, about every few megabytes and
  // once at the end. Optional: progress display and releasing mapped pages.
  std::function<void(uint64_t bytes_done)> progress;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_LEARN_LEARN_SOURCE_H_
