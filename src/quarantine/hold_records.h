// Hold records: what rcptguard knew when it held a message (the sender, each
// recipient with its verdict and reasons, the markings), kept beside Postfix's
// hold queue for the people who review it. The message itself carries none of
// this: every recipient, a Bcc one included, could read it there.
#ifndef RCPTGUARD_QUARANTINE_HOLD_RECORDS_H_
#define RCPTGUARD_QUARANTINE_HOLD_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/policy.h"
#include "rcptguard/result.h"

namespace rcptguard {

struct HoldRecord {
  std::string queue_id;    // the MTA's queue id (letters and digits)
  std::string message_id;  // the Message-ID header, if any
  std::string sender;      // the envelope sender ("" for the null sender)
  int64_t held_at = 0;     // unix seconds
  std::string reason;      // one line: the recipients and why (the log's detail)
  std::vector<std::string> markings;  // names of the markings found
  std::vector<Verdict> verdicts;      // every recipient, with its verdict
};

// One JSON object on one line (the file format; docs/milter.md).
std::string HoldRecordToJson(const HoldRecord& record);
// Fails (kInvalidArgument) on text that is not a hold record.
Result<HoldRecord> HoldRecordFromJson(std::string_view text);

// Returns true iff `id` can name a queue file: 1 to 63 letters and digits
// (Postfix's short and long queue ids; Sendmail's). Anything else is refused
// before it reaches a file name or a command line.
bool IsQueueId(std::string_view id);

// A directory of hold records, one file per held message ("QUEUEID.json").
// Writes are atomic (a temporary file renamed into place), so a reader never
// sees half a record and a crash leaves at most a temporary file behind.
class HoldDirectory {
 public:
  explicit HoldDirectory(std::string path) : path_(std::move(path)) {}

  // Writes (or replaces) the record for record.queue_id, creating the
  // directory (mode 0750) if it is missing. Fails (kIo) naming the path and
  // the OS error, or (kInvalidArgument) for a queue id IsQueueId refuses.
  Result<void> Write(const HoldRecord& record) const;
  // The record for `queue_id`; nullopt when there is none (or the directory
  // does not exist). Fails on a record that cannot be read or parsed.
  Result<std::optional<HoldRecord>> Read(std::string_view queue_id) const;
  // Removes the record for `queue_id`; no record is not an error.
  Result<void> Remove(std::string_view queue_id) const;

  // Claims `queue_id` for one release or discard: creates ".QUEUEID.claim"
  // with O_EXCL, so of any number of callers (threads or processes) exactly
  // one gets true until it calls Unclaim. false: someone else holds it.
  // Fails (kIo) when the directory cannot be written. With no directory
  // configured (path empty) there is nothing to claim and it returns true.
  Result<bool> Claim(std::string_view queue_id) const;
  void Unclaim(std::string_view queue_id) const;
  // Marks that the sender of `queue_id` was notified (".QUEUEID.notified",
  // O_EXCL as Claim): true for the one caller that may send the notice.
  // Remove forgets the mark with the record.
  Result<bool> MarkNotified(std::string_view queue_id) const;

  const std::string& path() const { return path_; }

 private:
  std::string FileFor(std::string_view queue_id) const;
  Result<bool> CreateMarker(std::string_view queue_id, std::string_view suffix,
                            std::string_view what) const;
  std::string path_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_HOLD_RECORDS_H_
