// Reads a Maildir (one message per file) as a stream of SentMessage values.
// Only the header block of each file is read.
#ifndef RCPTGUARD_LEARN_MAILDIR_READER_H_
#define RCPTGUARD_LEARN_MAILDIR_READER_H_

#include <cstddef>
#include <string>

#include "learn/learn_source.h"
#include "rcptguard/result.h"

namespace rcptguard {

struct MaildirOptions {
  // A file whose header block is longer than this is malformed (skipped).
  size_t max_header_bytes = 256 * 1024;
};

// Reads the messages of the Maildir `dir`: the files of dir/cur and dir/new
// (never dir/tmp, where deliveries are still being written). When `dir` has
// neither, `dir` itself is read as a directory of message files, so pointing
// at a Maildir's cur/ or new/ works. Sub-folders (Maildir++ ".Sent") are not
// descended: name the folder itself. Files are read in directory order;
// dot-files and non-regular files are ignored.
// A message without a Message-ID gets the key "maildir:<unique name>", the
// file name up to its ":2," flags, which survive the file being moved from
// new/ to cur/ and its flags changing. A message without a usable Date gets
// the delivery time at the start of its file name, else the file's mtime.
// Counters as for ReadMbox; bytes are the sizes of the files read. A file
// that vanishes or cannot be read while reading is counted malformed. Fails
// (kIo, naming the directory) only when `dir` cannot be listed.
Result<LearnCounters> ReadMaildir(const std::string& dir, const MaildirOptions& options,
                                  const LearnCallbacks& callbacks);

}  // namespace rcptguard

#endif  // RCPTGUARD_LEARN_MAILDIR_READER_H_
