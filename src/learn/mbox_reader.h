// Reads an mbox file (mboxo or mboxrd, LF or CRLF) as a stream of SentMessage
// values, front to back: only each message's header block is parsed; bodies
// are skipped with memmem.
#ifndef RCPTGUARD_LEARN_MBOX_READER_H_
#define RCPTGUARD_LEARN_MBOX_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "learn/learn_source.h"
#include "rcptguard/result.h"

namespace rcptguard {

struct MboxOptions {
  // Names the mbox in the keys of messages without a Message-ID:
  // "mbox:<source>:<byte offset of the From line>". Such keys stay the same
  // only while the file before the message is unchanged: a rewritten mbox
  // (compacted, messages deleted) gives new keys and counts them again.
  std::string source;
  // The time of messages whose Date header is missing or unreadable and whose
  // "From " line carries no date (the file's mtime when reading a file).
  int64_t fallback_time = 0;
  // A header block longer than this is not one: the message is malformed.
  size_t max_header_bytes = 256 * 1024;
};

// Reads every message of the mbox in `data`. A message starts with a line
// beginning "From " at the start of `data` or after an empty line, provided
// the line after it looks like a header field ("Name:"); so an unquoted body
// line "From ..." not preceded by an empty line never splits a message, and
// one that is rarely does. ">From " lines (mboxrd quoting) are body text.
// Bytes before the first "From " line are skipped (counted malformed when
// they are not blank). A message's time is its Date header, else the date of
// its "From " line (UTC), else options.fallback_time. Never fails: a message
// with no sender or recipient counts as skipped, one whose header block is
// too long as malformed, and reading goes on.
LearnCounters ReadMbox(std::string_view data, const MboxOptions& options,
                       const LearnCallbacks& callbacks);

// Maps `path` and reads it as above, in constant resident memory (pages
// already read are dropped). options.source defaults to `path` and
// options.fallback_time to the file's mtime when left empty/zero. Fails
// (kIo, naming the path) only when the file cannot be opened or mapped.
Result<LearnCounters> ReadMboxFile(const std::string& path, MboxOptions options,
                                   const LearnCallbacks& callbacks);

}  // namespace rcptguard

#endif  // RCPTGUARD_LEARN_MBOX_READER_H_
