// What a sender's link does, start to finish, for the page that serves it:
// check the signature, find the held message it was made for, use the link
// once (the review store decides atomically), release or discard, audit.
// The HTTP layer only maps the outcome to a page.
#ifndef RCPTGUARD_QUARANTINE_SENDER_CONFIRMATION_H_
#define RCPTGUARD_QUARANTINE_SENDER_CONFIRMATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "quarantine/confirm_link.h"
#include "quarantine/quarantine.h"
#include "store/review_store.h"

namespace rcptguard {

enum class SenderLinkFailureKind {
  kLink,    // the link itself: see link_failure (tampered, expired, wrong action, malformed)
  kUsed,    // the link was used before
  kGone,    // the message is no longer held (released, discarded, expired)
  kBusy,    // someone else is acting on it right now: try again
  kFailed,  // Postfix or the store failed; `message` says which
};
struct SenderLinkFailure {
  SenderLinkFailureKind kind;
  LinkFailureKind link_failure = LinkFailureKind::kMalformed;  // for kLink
  std::string message;                                         // one sentence the page may show
};

struct SenderLinkPreview {
  LinkClaims claims;
  HeldEntry entry;  // with its record: the page shows the same explanation
};

// For GET: checks the link and finds the message; changes nothing (not even
// the link's use).
Expected<SenderLinkPreview, SenderLinkFailure> PreviewSenderLink(const Quarantine& quarantine,
                                                                     const LinkKey& key,
                                                                     std::string_view token,
                                                                     LinkAction action,
                                                                     int64_t now);

// For the confirming POST: as Preview, then marks the link used (a second
// use, concurrent or later, gets kUsed), then releases (kRelease) or
// discards (kCancel) the message with the sender as actor, and appends
// "confirm" or "cancel" to the audit log. If Postfix fails after the link
// was used, the link stays used (it never works twice) and the message stays
// held for an administrator: kFailed says so.
Expected<HoldActionDone, SenderLinkFailure> ActOnSenderLink(const Quarantine& quarantine,
                                                                ReviewStore& store,
                                                                const LinkKey& key,
                                                                std::string_view token,
                                                                LinkAction action, int64_t now);

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_SENDER_CONFIRMATION_H_
