// Reads Postfix's mail log (syslog lines, or the file Postfix 3.4+ writes with
// maillog_file) and turns each delivered message into a SentMessage: the
// sender from qmgr's from=, the recipients delivered with status=sent, the
// Message-ID from cleanup, joined by queue id.
#ifndef RCPTGUARD_LEARN_POSTFIX_LOG_READER_H_
#define RCPTGUARD_LEARN_POSTFIX_LOG_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "learn/learn_source.h"
#include "rcptguard/result.h"

namespace rcptguard {

struct PostfixLogOptions {
  // Classic syslog time stamps ("Nov 26 10:00:01") have no year: it is the
  // year of this time (unix seconds; the log file's mtime), or the year before
  // when that would put the line more than a day after it. The zone is not
  // logged either: such times are taken as UTC. ISO 8601 time stamps
  // ("2026-11-26T10:00:01.123456+00:00") are exact.
  int64_t reference_time = 0;
  // Messages still open (no "removed" line yet) kept at most; beyond it the
  // least recently active half is emitted early, so a log with lost lines
  // cannot grow memory without bound.
  size_t max_open_messages = 100000;
};

// A push parser: feed it lines in log order, then Finish().
//
// Lines whose program is not "postfix..." ("postfix/smtp", "postfix-out/qmgr",
// "postfix/submission/smtpd") are ignored, as are Postfix lines it does not
// need. A message is tracked by host and queue id (short hex or long ids):
//  - "client=" (smtpd) or "uid=" (pickup) starts a message; so does
//    "message-id=" (cleanup) or a from= with another sender when the queue id
//    already has a from=: Postfix reuses short queue ids, and a reused id whose
//    "removed" line was lost must not merge two messages;
//  - from=<sender> (qmgr; logged again each time a deferred message is
//    retried, which is the same message);
//  - to=<address> with status=sent adds the recipient once: orig_to= when
//    present (the address the sender wrote, as the milter saw it at RCPT TO),
//    else to=. deferred, bounced and expired recipients are not counted; a
//    recipient deferred and later sent counts once;
//  - "removed" emits the message and forgets the queue id.
// At Finish, messages with sent recipients but no "removed" line are emitted.
// Key: the Message-ID when cleanup logged one, else
// "postfix:<host>:<queue id>:<time stamp as logged on its first line>".
// Time: the message's first line. A message with no sender (a bounce, from=<>)
// or no sent recipient counts as skipped; an event line that cannot be parsed
// as malformed.
class PostfixLogReader {
 public:
  PostfixLogReader(const PostfixLogOptions& options, const LearnCallbacks& callbacks);
  ~PostfixLogReader();
  PostfixLogReader(const PostfixLogReader&) = delete;
  PostfixLogReader& operator=(const PostfixLogReader&) = delete;

  // One line, without or with its "\n" / "\r\n".
  void AddLine(std::string_view line);
  // Emits what is still open (in queue-id order, for determinism) and returns
  // the counters. Call once, after the last line.
  LearnCounters Finish();
  // True once the message callback returned false: further lines are ignored.
  bool stopped() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Reads the log in `data` line by line (the last line may lack its "\n").
LearnCounters ReadPostfixLog(std::string_view data, const PostfixLogOptions& options,
                             const LearnCallbacks& callbacks);

// Reads the log at `path`: a regular file is mapped, anything else (a pipe
// such as /dev/stdin from zcat) is read in chunks; constant memory either way.
// options.reference_time defaults to the file's mtime (now for a pipe) when 0.
// Fails (kIo, naming the path) when it cannot be opened or read.
Result<LearnCounters> ReadPostfixLogFile(const std::string& path, PostfixLogOptions options,
                                         const LearnCallbacks& callbacks);

}  // namespace rcptguard

#endif  // RCPTGUARD_LEARN_POSTFIX_LOG_READER_H_
