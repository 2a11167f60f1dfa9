// One message in the mail path, phase by phase as the MTA hands it over
// (connection facts, envelope sender, each recipient, end of message): which
// recipients to refuse at once, whether to hold the message, and the header
// and log line that summarise it. Pure: the milter, tests and benchmarks drive
// the same code.
#ifndef RCPTGUARD_SESSION_H_
#define RCPTGUARD_SESSION_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/history.h"
#include "rcptguard/marking.h"
#include "rcptguard/policy.h"
#include "rcptguard/result.h"

namespace rcptguard {

// What the MTA tells us about the client (Postfix milter macros).
struct ConnectionFacts {
  std::string client_address;  // "192.0.2.1", "::1"; empty if unknown
  std::string auth_user;       // {auth_authen}: set when the client authenticated
  std::string daemon_name;     // {daemon_name}: the Postfix service ("submission")
};

// Which mail counts as outbound, as configured ([outbound]).
struct OutboundSpec {
  bool authenticated = true;                                       // any SMTP AUTH login
  std::vector<std::string> networks = {"127.0.0.0/8", "::1/128"};  // client CIDRs
  std::vector<std::string> sender_domains;  // envelope sender domains (and subdomains)
  std::vector<std::string> daemon_names;    // Postfix services, e.g. "submission"
};

class OutboundRules {
 public:
  // Fails (kConfig) on a network that is not an address/prefix, or a sender
  // domain that is not a domain, naming it.
  static Result<OutboundRules> Compile(const OutboundSpec& spec);

  // Returns true iff a message with these facts and this envelope sender (may
  // be null: the null sender) is outbound.
  bool IsOutbound(const ConnectionFacts& facts, const Address* sender) const;

 private:
  struct Network {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };
  bool InNetworks(std::string_view address) const;

  bool authenticated_ = true;
  std::vector<Network> networks_;
  std::vector<std::string> sender_domains_;  // canonical ASCII
  std::vector<std::string> daemon_names_;
};

// What to answer for one recipient at RCPT TO.
struct RecipientOutcome {
  Verdict verdict;
  bool refuse = false;  // reply 550 5.7.1 `reply` for this recipient only
  std::string reply;    // one plain ASCII line for the sender
};

// What to do at the end of the message.
struct MessageOutcome {
  // Refuse the whole message at end of data (550 5.7.1 `reply`): a recipient
  // the policy rejects only once the content is known (a marking it is not
  // accredited for). The MTA refuses the message for every recipient.
  bool reject = false;
  std::string reply;        // one plain ASCII line naming the marking and recipients
  bool hold = false;        // put the message in the hold queue
  std::string hold_reason;  // names the recipients and why (never message text)
  // The value of the X-Rcptguard header every recipient reads: only that the
  // message was checked, never a recipient, a verdict, a rule or a trusted
  // domain (a Bcc recipient must stay hidden). Empty in audit mode: add none.
  std::string header;
  std::string summary;  // the log line after the queue id
  // Every recipient of the message with its final verdict, refused ones
  // included, in the order given: the per-recipient detail for the log and the
  // hold record, never for the message itself.
  std::vector<Verdict> verdicts;
};

// The value of our header on a delivered message (MessageOutcome::header).
inline constexpr std::string_view kCheckedHeaderValue = "checked";

// One message, from MAIL FROM to end of message. Not thread-safe (one per
// SMTP transaction); the policy it holds is shared and immutable.
class MessageSession {
 public:
  // `can_refuse` is false where the MTA cannot refuse a recipient (Postfix's
  // non_smtpd_milters, mail from sendmail(1)): a reject becomes a hold.
  // `history` (may be null) is the correspondent history in force when the
  // message started; `now` is unix seconds.
  MessageSession(std::shared_ptr<const Policy> policy, bool can_refuse,
                 std::shared_ptr<const CorrespondentHistory> history = nullptr, int64_t now = 0);

  // The envelope sender as the MTA gives it ("<bob@mod.uk>", "<>").
  void SetSender(std::string_view envelope_from);
  const Address* sender() const { return sender_ ? &*sender_ : nullptr; }
  // The Message-ID from SetHeaderFacts ("" before), and the markings from
  // SetMarkings (null before).
  const std::string& message_id() const { return message_id_; }
  const MarkingResult* markings() const { return markings_ ? &*markings_ : nullptr; }

  RecipientOutcome AddRecipient(std::string_view envelope_rcpt);
  // What the headers say (after the recipients, before Finish): the display
  // names To, Cc and Bcc give the recipients, and the Message-ID. With history
  // a display name the sender uses for another address is an unfamiliar
  // recipient; Finish checks the envelope recipients again with their names.
  void SetHeaderFacts(std::vector<SentRecipient> named, std::string message_id);
  // The sensitivity markings the message carries (MarkingSession::End), before
  // Finish: each recipient is checked again against them.
  void SetMarkings(MarkingResult markings);
  // The end of the message. Also gives the log line of a transaction that
  // ends early (every recipient refused, or the client gave up).
  MessageOutcome Finish();
  bool has_recipients() const { return !accepted_.empty() || refused_ > 0; }

  // What history learns from this message once it is delivered: the sender and
  // the recipients whose verdict was allow, with their display names; keyed by
  // the Message-ID, else by `fallback_key` (the queue id). Nothing (nullopt)
  // for a held message, the null sender, or no allowed recipient. Call after
  // Finish.
  std::optional<SentMessage> ToLearn(std::string_view fallback_key) const;

 private:
  EvaluationContext Context(std::string_view envelope_rcpt) const;

  std::shared_ptr<const Policy> policy_;
  bool can_refuse_;
  std::shared_ptr<const CorrespondentHistory> history_;
  int64_t now_ = 0;
  std::vector<SentRecipient> named_;  // from the headers
  std::string message_id_;
  std::optional<MarkingResult> markings_;
  bool held_ = false;  // Finish held or rejected the message: nothing to learn
  std::optional<Address> sender_;
  std::string sender_text_;
  std::vector<Verdict> accepted_;  // recipients still in the message
  size_t refused_ = 0;
  std::vector<std::string> refused_summaries_;
  std::vector<Verdict> refused_verdicts_;
};

// Strips one pair of angle brackets and surrounding space from an envelope
// address as milters receive it ("<a@b>" -> "a@b").
std::string_view StripAngleBrackets(std::string_view envelope_address);

// Makes untrusted text safe for one log line or an SMTP reply: control
// characters, '%', and (if `ascii_only`) non-ASCII bytes become '?'; at most
// `max_length` bytes.
std::string SanitizeForLine(std::string_view text, size_t max_length, bool ascii_only);

}  // namespace rcptguard

#endif  // RCPTGUARD_SESSION_H_
