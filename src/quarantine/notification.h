// The message to the sender of a held message: what looked wrong, what was
// probably meant, and the two links (send anyway, cancel). It never carries
// the held message's body, and it is marked so it never goes through a hold
// itself (loop prevention).
#ifndef RCPTGUARD_QUARANTINE_NOTIFICATION_H_
#define RCPTGUARD_QUARANTINE_NOTIFICATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quarantine/confirm_link.h"
#include "quarantine/hold_records.h"
#include "rcptguard/result.h"

namespace rcptguard {

// The header every notification carries (beside Auto-Submitted:
// auto-generated). Its value is an HMAC of the Message-ID under the link key,
// so a user cannot put it on their own mail to get past the guard; see
// IsRcptguardNotification.
inline constexpr std::string_view kNotificationHeader = "X-Rcptguard-Notice";

struct NotificationSettings {
  std::string from;      // the From address, e.g. "rcptguard@mail.example.org"
  std::string hostname;  // for the Message-ID, e.g. "mail.example.org"
  // The confirmation page: the token is appended ("https://host/confirm/").
  std::string link_base;
  int64_t link_lifetime_seconds = 86400;
};

struct SenderNotification {
  std::string to;      // the held message's sender
  std::string text;    // the RFC 5322 message, CRLF-free (LF lines, for sendmail -t -i)
  SignedLink release;  // its link id is what the store marks used
  SignedLink cancel;
};

// Composes the notification for `record` at `now`. Names only the recipients
// that were not allowed, each with why and the suggestion. Fails
// (kInvalidArgument) for the null sender (nobody to tell) or a record with
// no recipient held or rejected.
Result<SenderNotification> ComposeNotification(const HoldRecord& record,
                                               const NotificationSettings& settings,
                                               const LinkKey& key, int64_t now);

// Returns true iff `header_value` is the kNotificationHeader value that
// ComposeNotification gave a message with this Message-ID (with or without
// the angle brackets as they appear in the header).
bool IsRcptguardNotification(const LinkKey& key, std::string_view message_id,
                             std::string_view header_value);

// Hands the message to the local MTA: `sendmail -t -i -f FROM` (the argv
// may be replaced for tests). Fails (kIo) with sendmail's error.
Result<void> SendNotification(const SenderNotification& notification,
                              const NotificationSettings& settings,
                              const std::vector<std::string>& sendmail = {"sendmail"});

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_NOTIFICATION_H_
