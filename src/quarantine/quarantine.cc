// Listing held mail and releasing or discarding it, with one claim per
// message so that two clicks (or two consoles) never act on it twice.
#include "quarantine/quarantine.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "rcptguard/message_headers.h"

namespace rcptguard {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool Matches(const HeldEntry& entry, const HeldFilter& filter, int64_t now) {
  if (!entry.record && !filter.include_foreign) return false;
  if (!filter.sender.empty() && !EqualsNoCase(entry.message.sender, filter.sender)) return false;
  if (filter.min_age_seconds > 0 && now - entry.message.arrival_time < filter.min_age_seconds) {
    return false;
  }
  if (!filter.reason_code.empty()) {
    if (!entry.record) return false;
    bool found = std::any_of(
        entry.record->verdicts.begin(), entry.record->verdicts.end(), [&](const Verdict& v) {
          return std::any_of(v.reasons.begin(), v.reasons.end(),
                             [&](const Reason& r) { return r.code == filter.reason_code; });
        });
    if (!found) return false;
  }
  if (!filter.marking.empty()) {
    if (!entry.record) return false;
    const auto& markings = entry.record->markings;
    if (std::find(markings.begin(), markings.end(), filter.marking) == markings.end()) {
      return false;
    }
  }
  return true;
}

int64_t NowOr(int64_t now) { return now != 0 ? now : static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

std::string_view ActorKindName(ActorKind kind) {
  switch (kind) {
    case ActorKind::kAdministrator:
      return "admin";
    case ActorKind::kSenderLink:
      return "sender";
    case ActorKind::kExpiry:
      return "expiry";
  }
  return "admin";
}

Result<HeldPage> Quarantine::List(const HeldFilter& filter, const HeldPageRequest& page,
                                  std::vector<std::string>* warnings) const {
  RCPTGUARD_ASSIGN_OR_RETURN(std::vector<HeldMessage> held, queue_.ListHeld());
  HeldPage out;
  for (HeldMessage& message : held) {
    HeldEntry entry{std::move(message), std::nullopt};
    auto record = records_.Read(entry.message.queue_id);
    if (!record) {
      if (warnings != nullptr) warnings->push_back(record.error().ToString());
    } else if (*record && (*record)->sender == entry.message.sender) {
      // A record belongs to a message only if the sender matches too: a
      // record left from an earlier message must not vouch for a later one.
      entry.record = std::move(**record);
    }
    if (!entry.record) ++out.foreign;
    if (!Matches(entry, filter, page.now)) continue;
    size_t index = out.matched++;
    if (index < page.offset) continue;
    if (page.limit != 0 && out.entries.size() >= page.limit) continue;
    out.entries.push_back(std::move(entry));
  }
  return out;
}

HoldResult<HeldEntry> Quarantine::Get(std::string_view queue_id) const {
  std::string id(queue_id);
  if (!IsQueueId(id)) {
    return UnexpectedError(HoldFailure{HoldFailureKind::kInvalid, "not a queue id"});
  }
  HeldFilter filter;
  filter.include_foreign = true;
  auto page = List(filter, HeldPageRequest{});
  if (!page) {
    return UnexpectedError(HoldFailure{HoldFailureKind::kPostfixFailed, page.error().ToString()});
  }
  for (HeldEntry& entry : page->entries) {
    if (entry.message.queue_id == id) return std::move(entry);
  }
  return UnexpectedError(HoldFailure{HoldFailureKind::kNotHeld, id + " is not in the hold queue"});
}

HoldResult<HoldActionDone> Quarantine::Release(std::string_view queue_id, const Actor& actor,
                                               std::string_view reason, bool force,
                                               int64_t now) const {
  return Act(Step::kRelease, queue_id, actor, reason, force, now);
}

HoldResult<HoldActionDone> Quarantine::Discard(std::string_view queue_id, const Actor& actor,
                                               std::string_view reason, bool force,
                                               int64_t now) const {
  return Act(Step::kDiscard, queue_id, actor, reason, force, now);
}

HoldResult<HoldActionDone> Quarantine::Act(Step step, std::string_view queue_id, const Actor& actor,
                                           std::string_view reason, bool force, int64_t now) const {
  std::string id(queue_id);
  if (!IsQueueId(id)) {
    return UnexpectedError(HoldFailure{HoldFailureKind::kInvalid, "not a queue id"});
  }
  // The claim comes first and the look-up after it: whoever gets the claim
  // second finds the message gone from the hold queue (kNotHeld) instead of
  // releasing it again. The claim is given up only after the record is gone.
  auto claimed = records_.Claim(id);
  if (!claimed) {
    return UnexpectedError(
        HoldFailure{HoldFailureKind::kPostfixFailed, id + ": " + claimed.error().ToString()});
  }
  if (!*claimed) {
    return UnexpectedError(HoldFailure{HoldFailureKind::kInProgress,
                                      id + " is being released or discarded by someone else"});
  }
  struct ClaimGuard {
    const HoldDirectory& records;
    const std::string& id;
    ~ClaimGuard() { records.Unclaim(id); }
  } guard{records_, id};

  auto entry = Get(id);
  if (!entry) return UnexpectedError(entry.error());
  if (!entry->record && !force) {
    return UnexpectedError(HoldFailure{
        HoldFailureKind::kNotOurs, id + " was not held by rcptguard; --force acts on it anyway"});
  }
  now = NowOr(now);
  HoldActionDone done{std::move(*entry), std::nullopt};
  if (step == Step::kRelease) {
    // Read before the release: afterwards the message may already be gone.
    // Only what rcptguard held is learned: someone confirmed our question.
    if (done.entry.record) {
      if (auto learned = LearnedFrom(done.entry.message, now)) done.learned = std::move(*learned);
    }
    if (auto released = queue_.Release(id); !released) {
      return UnexpectedError(
          HoldFailure{HoldFailureKind::kPostfixFailed, id + ": " + released.error().ToString()});
    }
  } else if (auto discarded = queue_.Discard(id); !discarded) {
    return UnexpectedError(
        HoldFailure{HoldFailureKind::kPostfixFailed, id + ": " + discarded.error().ToString()});
  }
  if (done.entry.record) records_.Remove(id);  // a stale record is pruned later
  if (on_done_) {
    on_done_(ReviewAction{now, step == Step::kRelease ? "release" : "discard", actor, id,
                          done.entry.message.sender, std::string(reason),
                          done.entry.record.has_value()});
  }
  return done;
}

Result<SentMessage> Quarantine::LearnedFrom(const HeldMessage& held, int64_t now) const {
  RCPTGUARD_ASSIGN_OR_RETURN(std::string headers, queue_.Headers(held.queue_id));
  SentMessage from_headers;
  ParseMessageHeaders(headers, &from_headers);
  SentMessage message;
  message.key = from_headers.key;
  message.sender = held.sender;
  message.time = now;
  for (const std::string& recipient : held.recipients) {
    message.recipients.push_back(
        SentRecipient{recipient, std::string(DisplayNameFor(from_headers.recipients, recipient))});
  }
  return message;
}

Result<size_t> Quarantine::Prune(int64_t now, int64_t min_age_seconds) const {
  RCPTGUARD_ASSIGN_OR_RETURN(std::vector<HeldMessage> held, queue_.ListHeld());
  DIR* dir = opendir(records_.path().c_str());
  if (dir == nullptr) return size_t{0};
  int64_t cutoff = now - min_age_seconds;
  size_t pruned = 0;
  while (dirent* item = readdir(dir)) {
    std::string name = item->d_name;
    if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    std::string id = name.substr(0, name.size() - 5);
    if (!IsQueueId(id)) continue;
    bool still_held = std::any_of(held.begin(), held.end(),
                                  [&](const HeldMessage& m) { return m.queue_id == id; });
    struct stat info;
    std::string path = records_.path() + "/" + name;
    if (still_held || stat(path.c_str(), &info) != 0 || info.st_mtime > cutoff) continue;
    if (records_.Remove(id)) ++pruned;
  }
  closedir(dir);
  return pruned;
}

}  // namespace rcptguard
