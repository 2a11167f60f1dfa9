// One way of holding and releasing: the messages in Postfix's hold queue
// joined with the hold records rcptguard wrote, and the actions on them.
// `rcptguard quarantine` and the review console (rcptguard serve) both call
// this; they only parse their input and print or render the answer.
#ifndef RCPTGUARD_QUARANTINE_QUARANTINE_H_
#define RCPTGUARD_QUARANTINE_QUARANTINE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarantine/hold_records.h"
#include "quarantine/postfix_queue.h"
#include "rcptguard/history.h"
#include "rcptguard/result.h"

namespace rcptguard {

// A held message and, when rcptguard held it, its record.
struct HeldEntry {
  HeldMessage message;
  std::optional<HoldRecord> record;
};

// What List returns; empty fields match everything.
struct HeldFilter {
  std::string sender;            // the envelope sender, compared without case
  std::string reason_code;       // a recipient has a reason with this code ("lookalike-domain")
  std::string marking;           // the record names this marking
  int64_t min_age_seconds = 0;   // held at least this long (needs `now`)
  bool include_foreign = false;  // also messages rcptguard did not hold
};

struct HeldPageRequest {
  size_t offset = 0;
  size_t limit = 0;  // 0: every match
  int64_t now = 0;   // unix seconds, for min_age_seconds
};

struct HeldPage {
  std::vector<HeldEntry> entries;  // in the hold queue's order
  size_t matched = 0;              // matches in all pages
  size_t foreign = 0;              // held messages rcptguard did not hold (whatever the filter)
};

// Who acted on a held message; metrics and the audit log count by kind.
enum class ActorKind { kAdministrator, kSenderLink, kExpiry };
struct Actor {
  ActorKind kind = ActorKind::kAdministrator;
  std::string name;  // the console user, the sender's address, "cli:USER" or "expiry"
};
// "admin", "sender" or "expiry" (the metrics label).
std::string_view ActorKindName(ActorKind kind);

// Why an action on a held message did not happen. Nothing was delivered or
// deleted by this call unless the kind is kPostfixFailed after the release
// step (the message text says which step failed).
enum class HoldFailureKind {
  kNotHeld,        // not in the hold queue (released, deleted or never held): never acted on twice
  kNotOurs,        // rcptguard did not hold it and `force` was not given
  kInProgress,     // another process is releasing or discarding it right now
  kPostfixFailed,  // postqueue or postsuper failed
  kInvalid,        // the id cannot be a queue id
};
struct HoldFailure {
  HoldFailureKind kind;
  std::string message;  // one line for people, naming the queue id
};
template <typename T>
using HoldResult = Expected<T, HoldFailure>;

// What a release or discard did.
struct HoldActionDone {
  HeldEntry entry;  // the message as it was held
  // Release of a message rcptguard held: what history should learn (someone
  // confirmed every recipient). The caller records it (HistoryStore::Record),
  // because it may batch several releases into one transaction.
  std::optional<SentMessage> learned;
};

// One action done, for the audit log (the caller stores it).
struct ReviewAction {
  int64_t time = 0;    // unix seconds
  std::string action;  // "release" or "discard"
  Actor actor;
  std::string queue_id;
  std::string sender;  // the envelope sender of the message
  std::string reason;  // why, as the actor gave it
  bool held_by_rcptguard = false;
};
using ReviewActionSink = std::function<void(const ReviewAction&)>;

// Not thread-safe for concurrent calls on one object; two objects (or two
// processes) acting on the same message are safe: the hold record is claimed
// by an atomic rename, so exactly one of them releases or discards it.
class Quarantine {
 public:
  // `on_done` (may be empty) is called once after each release or discard
  // that happened, before Release/Discard returns.
  Quarantine(PostfixQueue queue, HoldDirectory records, ReviewActionSink on_done = {})
      : queue_(std::move(queue)), records_(std::move(records)), on_done_(std::move(on_done)) {}

  // Held messages matching `filter`, a page of them. A record whose sender
  // differs from the message's is ignored (Postfix reuses short queue ids).
  // Unreadable records are reported in `warnings` (if given), not fatal.
  // Fails (kIo) when postqueue cannot run.
  Result<HeldPage> List(const HeldFilter& filter, const HeldPageRequest& page,
                        std::vector<std::string>* warnings = nullptr) const;
  // The held message `queue_id`, or kNotHeld / kInvalid.
  HoldResult<HeldEntry> Get(std::string_view queue_id) const;

  // Takes the message out of the hold queue (postsuper -H) and flushes it
  // (postqueue -i). `force`: also a message rcptguard did not hold. `now`
  // (unix seconds; 0: the clock) stamps what history learns and the action.
  // Fails with kNotHeld if the message is no longer held (so a second click
  // never delivers twice), kInProgress if another caller holds the claim.
  HoldResult<HoldActionDone> Release(std::string_view queue_id, const Actor& actor,
                                     std::string_view reason, bool force = false,
                                     int64_t now = 0) const;
  // Deletes the message (postsuper -d); the same failures as Release.
  HoldResult<HoldActionDone> Discard(std::string_view queue_id, const Actor& actor,
                                     std::string_view reason, bool force = false,
                                     int64_t now = 0) const;

  // Removes records whose message is no longer held and whose file is older
  // than `min_age_seconds` (the milter writes a record just before Postfix
  // holds the message). Returns how many it removed.
  Result<size_t> Prune(int64_t now, int64_t min_age_seconds = 600) const;

  const PostfixQueue& queue() const { return queue_; }
  const HoldDirectory& records() const { return records_; }

 private:
  enum class Step { kRelease, kDiscard };
  HoldResult<HoldActionDone> Act(Step step, std::string_view queue_id, const Actor& actor,
                                 std::string_view reason, bool force, int64_t now) const;
  Result<SentMessage> LearnedFrom(const HeldMessage& held, int64_t now) const;

  PostfixQueue queue_;
  HoldDirectory records_;
  ReviewActionSink on_done_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_QUARANTINE_H_
