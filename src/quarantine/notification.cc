// Composing and sending the sender's notification. Every line of it that
// comes from outside (addresses, reasons) is sanitised first: a recipient
// with a CR LF in it must not become a header of the notification.
#include "quarantine/notification.h"

#include <sodium.h>

#include <ctime>

#include "platform/subprocess.h"
#include "rcptguard/session.h"

namespace rcptguard {
namespace {

// RFC 5322 date in UTC, without the C locale's say in the names.
std::string MailDate(int64_t now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t seconds = static_cast<time_t>(now);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buffer;
}

std::string_view Unbracketed(std::string_view id) {
  while (!id.empty() && (id.front() == ' ' || id.front() == '\t')) id.remove_prefix(1);
  while (!id.empty() && (id.back() == ' ' || id.back() == '\t')) id.remove_suffix(1);
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  return id;
}

// The marker: HMAC("rcptguard-notice\0" + message id), hex. The prefix keeps
// it from ever equalling a link's signature.
std::string NoticeMark(const LinkKey& key, std::string_view message_id) {
  std::string input = std::string("rcptguard-notice") + '\0' + std::string(Unbracketed(message_id));
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(input.data()), input.size(), key.data());
  char hex[2 * crypto_auth_BYTES + 1];
  sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
  return hex;
}

std::string Line(std::string_view text) { return SanitizeForLine(text, 400, false); }

}  // namespace

Result<SenderNotification> ComposeNotification(const HoldRecord& record,
                                               const NotificationSettings& settings,
                                               const LinkKey& key, int64_t now) {
  if (record.sender.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "the null sender cannot be notified");
  }
  std::vector<const Verdict*> flagged;
  for (const Verdict& verdict : record.verdicts) {
    if (verdict.action == Action::kHold || verdict.action == Action::kReject) {
      flagged.push_back(&verdict);
    }
  }
  if (flagged.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the hold record of " + record.queue_id + " holds no recipient");
  }
  LinkClaims claims;
  claims.queue_id = record.queue_id;
  claims.sender = record.sender;
  claims.expires_at = now + settings.link_lifetime_seconds;
  for (const Verdict* verdict : flagged) claims.recipients.push_back(verdict->recipient);
  SenderNotification out;
  out.to = record.sender;
  claims.action = LinkAction::kRelease;
  out.release = SignLink(key, claims);
  claims.action = LinkAction::kCancel;
  claims.link_id.clear();
  out.cancel = SignLink(key, claims);

  std::string message_id =
      "rcptguard." + out.release.claims.link_id + "@" + Line(settings.hostname);
  std::string& text = out.text;
  text += "From: " + Line(settings.from) + "\n";
  text += "To: <" + Line(record.sender) + ">\n";
  text += "Subject: Your message is on hold: please check its recipients\n";
  text += "Date: " + MailDate(now) + "\n";
  text += "Message-ID: <" + message_id + ">\n";
  text += "Auto-Submitted: auto-generated\n";
  text += "X-Auto-Response-Suppress: All\n";
  text += std::string(kNotificationHeader) + ": " + NoticeMark(key, message_id) + "\n";
  text += "MIME-Version: 1.0\n";
  text += "Content-Type: text/plain; charset=utf-8\n";
  text += "Content-Transfer-Encoding: 8bit\n";
  text += "\n";
  text += "Your message";
  if (!record.message_id.empty()) text += " " + Line(record.message_id);
  text += " has not been sent yet, because some of its recipients look wrong:\n\n";
  for (const Verdict* verdict : flagged) {
    text += "  " + Line(verdict->recipient) + "\n";
    for (const Reason& reason : verdict->reasons) {
      if (reason.action == Action::kAllow) continue;
      text += "    " + Line(reason.detail.empty() ? reason.code : reason.detail) + "\n";
    }
    if (verdict->suggestion) text += "    Did you mean " + Line(*verdict->suggestion) + "?\n";
  }
  text += "\nIf every recipient is right, send it anyway:\n  " + Line(settings.link_base) +
          out.release.token + "\n";
  text += "\nIf not, cancel it (nothing is sent) and write it again:\n  " +
          Line(settings.link_base) + out.cancel.token + "\n";
  text += "\nEach link works once and expires " + MailDate(claims.expires_at) + ".\n";
  text += "If you do nothing, the message follows your organisation's rule for held mail.\n";
  return out;
}

bool IsRcptguardNotification(const LinkKey& key, std::string_view message_id,
                             std::string_view header_value) {
  std::string want = NoticeMark(key, message_id);
  std::string_view got = Unbracketed(header_value);  // trims the folding whitespace
  return got.size() == want.size() && sodium_memcmp(got.data(), want.data(), want.size()) == 0;
}

Result<void> SendNotification(const SenderNotification& notification,
                              const NotificationSettings& settings,
                              const std::vector<std::string>& sendmail) {
  std::vector<std::string> argv = sendmail;
  // -t: recipients from To:; -i: a lone dot is not the end; -f: the envelope
  // sender, so a bounce of the notice does not go back to the sender.
  argv.insert(argv.end(), {"-t", "-i", "-f", settings.from});
  RCPTGUARD_TRY(RunWithInput(argv, notification.text));
  return {};
}

}  // namespace rcptguard
