// The message pipeline: one message in the mail path, phase by phase as the
// MTA hands it over (connection facts, envelope sender, each recipient, each
// header, the body, the end): which recipients to refuse at once, whether to
// refuse or hold the message, what to add to it and the log line that
// summarises it. Pure: the milter, `rcptguard scan`, tests and benchmarks
// drive the same code.
#ifndef RCPTGUARD_SESSION_H_
#define RCPTGUARD_SESSION_H_

#include <array>
#include <cstdint>
#include <functional>
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

// What the MTA tells us about the client (the milter's connect step and
// Postfix's macros).
struct ConnectionFacts {
  std::string client_address;  // "192.0.2.1", "::1"; empty if unknown
  std::string auth_user;       // {auth_authen}: set when the client authenticated
  std::string daemon_name;     // {daemon_name}: the Postfix service ("submission")
  // The client has no network address: the MTA reports a unix-domain socket
  // (milter family 'L') or an unknown family ('U'), as Sendmail does for local
  // submissions. Such mail never came from the network.
  bool local = false;
};

// Which mail counts as outbound, as configured ([outbound]).
struct OutboundSpec {
  bool authenticated = true;                                       // any SMTP AUTH login
  std::vector<std::string> networks = {"127.0.0.0/8", "::1/128"};  // client CIDRs
  std::vector<std::string> sender_domains;  // envelope sender domains (and subdomains)
  std::vector<std::string> daemon_names;    // Postfix services, e.g. "submission"
  bool local_clients = true;                // ConnectionFacts::local
};

class OutboundRules {
 public:
  // Fails (kConfig) on a network that is not an address/prefix, or a sender
  // domain that is not a domain, naming it.
  static Result<OutboundRules> Compile(const OutboundSpec& spec);

  // Returns true iff a message with these facts and this envelope sender (may
  // be null: the null sender) is outbound. Decided by the policy (who
  // authenticated, which service, which network, local submission), never by
  // the mere address family.
  bool IsOutbound(const ConnectionFacts& facts, const Address* sender) const;

 private:
  struct Network {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };
  bool InNetworks(std::string_view address) const;

  bool authenticated_ = true;
  bool local_clients_ = true;
  std::vector<Network> networks_;
  std::vector<std::string> sender_domains_;  // canonical ASCII
  std::vector<std::string> daemon_names_;
};

// What a message is checked with, besides the message itself. Immutable and
// shared by every session; a reload builds a new one.
struct SessionSettings {
  std::shared_ptr<const Policy> policy;
  OutboundRules outbound;
  // {daemon_name} values of mail submitted with sendmail(1): Postfix's
  // non_smtpd_milters cannot refuse one recipient, so a reject becomes a hold.
  std::vector<std::string> local_submission_daemon_names = {"local-submission"};
};

// What a session takes from its surroundings, injected so that the milter,
// `rcptguard scan`, tests and benchmarks drive the same code. Each may be
// empty: no clock (time 0), no history, message bodies kept in memory.
struct SessionServices {
  std::function<int64_t()> clock;  // unix seconds
  // The correspondent history in force when a message starts (may return null).
  std::function<std::shared_ptr<const CorrespondentHistory>()> history;
  // A fresh store for a message that the marking scan must keep whole (the
  // milter spills large ones to a private temporary file).
  std::function<std::unique_ptr<MarkingMessageStore>()> body_store;
};

// What to answer at MAIL FROM.
struct SenderOutcome {
  // Check this message. False: not outbound; the MTA may take it untouched
  // (the milter stops there); the session still checks it if it is fed on.
  bool outbound = false;
  // A message still in progress (a second MAIL without an abort or an end)
  // was ended as aborted: its log line, else empty.
  std::string unfinished_log_line;
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
  // How many X-Rcptguard fields the message arrived with: remove them all
  // (they were not written here, and could fake "checked").
  int remove_headers = 0;
  std::string summary;  // the log line after the queue id
  // "QUEUEID: summary" (NOQUEUE when the MTA gave no queue id): the line to log.
  std::string log_line;
  // Every recipient of the message with its final verdict, refused ones
  // included, in the order given: the per-recipient detail for the log and the
  // hold record, never for the message itself.
  std::vector<Verdict> verdicts;
};

// The value of our header on a delivered message (MessageOutcome::header).
inline constexpr std::string_view kCheckedHeaderValue = "checked";

// One SMTP connection's messages, phase by phase as the MTA hands them over:
// Connect, then for each message Sender, Recipient..., Header...,
// EndOfHeaders, Body..., EndOfMessage (or Abort). Every front end (the
// milter, `rcptguard scan`) feeds it the same way, so the same message gets
// the same verdict everywhere; front ends translate, this decides. Not
// thread-safe (one per connection); the settings it holds are shared and
// immutable. Phases out of order are tolerated: a header or body with no
// message in progress is ignored, a body before the end of the headers ends
// them, a second Sender ends the message in progress as aborted.
class MessageSession {
 public:
  explicit MessageSession(std::shared_ptr<const SessionSettings> settings,
                          SessionServices services = {});
  ~MessageSession();
  MessageSession(const MessageSession&) = delete;
  MessageSession& operator=(const MessageSession&) = delete;
  MessageSession(MessageSession&&) noexcept;
  MessageSession& operator=(MessageSession&&) noexcept;

  // What the MTA says about the client; kept for the connection's messages.
  void Connect(ConnectionFacts facts);
  // The MTA's queue id for the message in progress ("i"); the first
  // non-empty one given for a message is used in its log line.
  void SetQueueId(std::string_view queue_id);

  // Starts a message: the envelope sender as the MTA gives it ("<bob@mod.uk>",
  // "<>") and, if the client logged in, its SMTP AUTH name.
  SenderOutcome Sender(std::string_view envelope_from, std::string_view auth_user = {});
  RecipientOutcome Recipient(std::string_view envelope_rcpt);
  // One header field (name without the colon; the value as received, maybe
  // folded). Read for the markings, the display names history compares and
  // the Message-ID; an X-Rcptguard field is counted for removal and not read.
  void Header(std::string_view name, std::string_view value);
  void EndOfHeaders();
  // A piece of the body, any size, in order.
  void Body(std::string_view chunk);
  // The end of the message: each recipient is checked again with what the
  // headers and the content said (display names, markings), and the outcome
  // decided. The message is over afterwards (ToLearn still answers for it).
  MessageOutcome EndOfMessage();
  // The client gave up on the message (RSET, QUIT, a lost connection): the
  // message's log line ("... action=aborted"), or empty when no recipient was
  // given. The message is over afterwards.
  std::string Abort();

  // Returns true iff a message has been started (Sender) and not yet ended.
  bool in_message() const;
  // The message in progress or just ended: its sender (null: the null sender
  // or none), its Message-ID ("" if none seen) and markings (null before
  // EndOfMessage or when the policy has none).
  const Address* sender() const;
  const std::string& message_id() const;
  const MarkingResult* markings() const;

  // What history learns from the message just ended once it is delivered: the
  // sender and the recipients whose verdict was allow, with their display
  // names; keyed by the Message-ID, else by `fallback_key`. Nothing (nullopt)
  // for a held or refused message, the null sender, or no allowed recipient.
  std::optional<SentMessage> ToLearn(std::string_view fallback_key) const;

 private:
  struct Message;
  std::shared_ptr<const SessionSettings> settings_;
  SessionServices services_;
  ConnectionFacts facts_;
  // A Hyperscan scratch kept for the connection, remade when a message
  // brings another scanner.
  std::shared_ptr<const MarkingScanner> scanner_;
  std::unique_ptr<MarkingScratch> scratch_;
  std::unique_ptr<Message> message_;
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
