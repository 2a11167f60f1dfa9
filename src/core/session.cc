// The message pipeline: per-recipient outcomes at RCPT TO, the header facts
// and markings as they stream by, and what to do at the end of the message.
#include "rcptguard/session.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "rcptguard/ascii.h"
#include "rcptguard/message_headers.h"

namespace rcptguard {
namespace {

constexpr size_t kMaxReplyLength = 400;  // SMTP reply text; RFC 5321 allows 512 per line
constexpr size_t kMaxLogItem = 200;
// The From, To, Cc, Bcc and Message-ID fields kept for display names and the
// learning key. A bound on memory per message: a header block larger than
// this (far beyond what MTAs accept) loses the names of the recipients past
// it; every envelope recipient is still checked.
constexpr size_t kMaxHeaderFacts = 1 << 20;

// The domain part of an address as written (after the last '@').
std::string_view DomainPart(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

// The first reason asking for `action`, or the first reason.
const Reason* MainReason(const Verdict& verdict) {
  for (const Reason& reason : verdict.reasons) {
    if (reason.action == verdict.action) return &reason;
  }
  return verdict.reasons.empty() ? nullptr : &verdict.reasons.front();
}

// One plain sentence for the sender's client, ASCII only (IDNs in A-label form).
std::string ReplyFor(const Verdict& verdict) {
  const Reason* reason = MainReason(verdict);
  std::string text;
  if (reason != nullptr && reason->code == kReasonLookalike && verdict.intended_domain) {
    auto recipient = ParseAddress(verdict.recipient);
    auto intended = NormalizeDomain(*verdict.intended_domain);
    std::string typed =
        recipient ? recipient->domain.ascii : std::string(DomainPart(verdict.recipient));
    std::string meant = intended ? intended->ascii : *verdict.intended_domain;
    text = "recipient domain " + typed + " looks like a mistyping of " + meant;
    if (recipient) text += "; did you mean " + recipient->WithDomain(meant) + "?";
    text += " Not sent.";
  } else if (reason != nullptr) {
    text = reason->detail + ". Not sent.";
  } else {
    text = "recipient refused by policy. Not sent.";
  }
  return SanitizeForLine(text, kMaxReplyLength, /*ascii_only=*/true);
}

// "alice@army.ml reject lookalike-domain tld-swap -> army.mil"
std::string Describe(const Verdict& verdict, Action action) {
  std::string out = SanitizeForLine(verdict.recipient, kMaxLogItem, true);
  out += " ";
  out += ActionName(action);
  if (const Reason* reason = MainReason(verdict)) {
    out += " " + reason->code;
    if (!reason->label.empty()) out += " " + SanitizeForLine(reason->label, 64, true);
  }
  if (verdict.intended_domain) {
    auto intended = NormalizeDomain(*verdict.intended_domain);
    out +=
        " -> " + (intended ? intended->ascii : SanitizeForLine(*verdict.intended_domain, 64, true));
  }
  return out;
}

}  // namespace

struct MessageSession::Message {
  int64_t now = 0;
  std::shared_ptr<const CorrespondentHistory> history;
  bool can_refuse = true;
  bool ended = false;
  bool held = false;  // EndOfMessage held or rejected it: nothing to learn
  std::string queue_id;
  std::optional<Address> sender;
  std::string sender_text;  // sanitised, for the log line
  std::vector<Verdict> accepted;  // recipients still in the message
  std::vector<Verdict> refused_verdicts;
  std::vector<bool> refused_in_order;  // for each recipient as given: refused at RCPT TO
  std::vector<std::string> refused_summaries;
  // The header fields history reads, as a header block, parsed at the end.
  std::string header_facts;
  int forged_headers = 0;
  std::vector<SentRecipient> named;  // from the headers, at the end
  std::string message_id;
  // The marking scan: the body store is declared first so that the session,
  // which uses it, goes first.
  std::unique_ptr<MarkingMessageStore> body;
  std::optional<MarkingSession> marking;
  std::optional<MarkingResult> markings;

  // The evaluation context for a recipient as the envelope gives it: the
  // history, the markings once known, and the display name the headers give it.
  EvaluationContext Context(std::string_view envelope_rcpt) const {
    EvaluationContext context;
    context.history = history.get();
    context.now = now;
    context.markings = markings ? &*markings : nullptr;
    context.display_name = DisplayNameFor(named, envelope_rcpt);
    return context;
  }

  size_t recipient_count() const { return accepted.size() + refused_verdicts.size(); }

  // The recipients still in the message that are not simply allowed.
  struct Tally {
    size_t holds = 0, warns = 0, rejects = 0;
    std::string details;  // "alice@army.ml hold lookalike-domain ...; ..."
  };
  Tally Count() const {
    Tally tally;
    for (const Verdict& verdict : accepted) {
      if (verdict.action == Action::kAllow) continue;
      tally.holds += verdict.action == Action::kHold;
      tally.warns += verdict.action == Action::kWarn;
      tally.rejects += verdict.action == Action::kReject;  // audit mode, or refused at the end
      if (!tally.details.empty()) tally.details += "; ";
      tally.details += Describe(verdict, verdict.action);
    }
    return tally;
  }

  std::string LogLine(const std::string& summary) const {
    return (queue_id.empty() ? std::string("NOQUEUE") : queue_id) + ": " + summary;
  }

  // The summary of the message's log line; `action` is how it ended.
  std::string Summary(std::string_view action, bool audit, const Tally& tally) const {
    std::string summary = "from=<" + sender_text + "> rcpts=" + std::to_string(recipient_count()) +
                          " refused=" + std::to_string(refused_verdicts.size()) +
                          " hold=" + std::to_string(tally.holds) +
                          " warn=" + std::to_string(tally.warns);
    if (markings && !markings->found.empty()) {
      summary += " markings=" + SanitizeForLine(markings->Summary(), 300, true);
    }
    if (markings && markings->truncated) summary += " scan=truncated";
    summary += " action=";
    summary += action;
    if (audit && (tally.holds + tally.warns + tally.rejects) > 0) {
      summary += " (audit: nothing changed)";
    }
    for (const std::string& refused : refused_summaries) summary += "; " + refused;
    if (!tally.details.empty()) summary += "; " + tally.details;
    return SanitizeForLine(summary, 2000, true);
  }
};

std::string_view StripAngleBrackets(std::string_view address) {
  while (!address.empty() && (address.front() == ' ' || address.front() == '\t')) {
    address.remove_prefix(1);
  }
  while (!address.empty() && (address.back() == ' ' || address.back() == '\t')) {
    address.remove_suffix(1);
  }
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    address = address.substr(1, address.size() - 2);
  }
  return address;
}

std::string SanitizeForLine(std::string_view text, size_t max_length, bool ascii_only) {
  std::string out;
  out.reserve(std::min(text.size(), max_length));
  for (char c : text) {
    if (out.size() >= max_length) break;
    auto u = static_cast<unsigned char>(c);
    bool bad = u < 0x20 || u == 0x7f || c == '%' || (ascii_only && u >= 0x80);
    out.push_back(bad ? '?' : c);
  }
  return out;
}

MessageSession::MessageSession(std::shared_ptr<const SessionSettings> settings,
                               SessionServices services)
    : settings_(std::move(settings)), services_(std::move(services)) {}

MessageSession::~MessageSession() = default;
MessageSession::MessageSession(MessageSession&&) noexcept = default;
MessageSession& MessageSession::operator=(MessageSession&&) noexcept = default;

void MessageSession::Connect(ConnectionFacts facts) { facts_ = std::move(facts); }

void MessageSession::SetQueueId(std::string_view queue_id) {
  if (message_ && !message_->ended && message_->queue_id.empty() && !queue_id.empty()) {
    message_->queue_id = SanitizeForLine(queue_id, 64, true);
  }
}

bool MessageSession::in_message() const { return message_ && !message_->ended; }
const Address* MessageSession::sender() const {
  return message_ && message_->sender ? &*message_->sender : nullptr;
}
const std::string& MessageSession::message_id() const {
  static const std::string kNone;
  return message_ ? message_->message_id : kNone;
}
const MarkingResult* MessageSession::markings() const {
  return message_ && message_->markings ? &*message_->markings : nullptr;
}

SenderOutcome MessageSession::Sender(std::string_view envelope_from, std::string_view auth_user) {
  SenderOutcome outcome;
  // MAIL without an end or an abort of the message before: it never got to
  // the end of data, so it was not delivered; say so under its own queue id.
  if (in_message()) outcome.unfinished_log_line = Abort();
  facts_.auth_user.assign(auth_user);
  auto message = std::make_unique<Message>();
  message->now = services_.clock ? services_.clock() : 0;
  if (services_.history) message->history = services_.history();
  const auto& local = settings_->local_submission_daemon_names;
  message->can_refuse = std::find(local.begin(), local.end(), facts_.daemon_name) == local.end();
  std::string_view address = StripAngleBrackets(envelope_from);
  message->sender_text = SanitizeForLine(address, kMaxLogItem, true);
  // The null sender (bounces and notifications) has no address.
  if (!address.empty()) {
    if (auto parsed = ParseAddress(address)) message->sender = std::move(*parsed);
  }
  const std::shared_ptr<const MarkingScanner>& scanner = settings_->policy->marking_scanner();
  if (!scanner->empty()) {
    if (scanner_ != scanner) {
      scanner_ = scanner;
      scratch_ = std::make_unique<MarkingScratch>(scanner->NewScratch());
    }
    if (services_.body_store) message->body = services_.body_store();
    message->marking.emplace(scanner, scratch_.get(), message->body.get());
  }
  outcome.outbound =
      settings_->outbound.IsOutbound(facts_, message->sender ? &*message->sender : nullptr);
  message_ = std::move(message);
  return outcome;
}

RecipientOutcome MessageSession::Recipient(std::string_view envelope_rcpt) {
  RecipientOutcome outcome;
  if (!in_message()) {
    // RCPT before MAIL: a protocol error the MTA does not make; never let it pass.
    outcome.verdict.recipient.assign(StripAngleBrackets(envelope_rcpt));
    outcome.verdict.action = Action::kReject;
    outcome.refuse = true;
    outcome.reply = "no sender given before the recipient. Not sent.";
    return outcome;
  }
  Message& message = *message_;
  const Policy& policy = *settings_->policy;
  std::string_view recipient = StripAngleBrackets(envelope_rcpt);
  outcome.verdict = policy.Evaluate(sender(), recipient, message.Context(recipient));
  Verdict& verdict = outcome.verdict;
  if (verdict.action == Action::kReject && !policy.audit()) {
    if (message.can_refuse) {
      outcome.refuse = true;
      outcome.reply = ReplyFor(verdict);
      message.refused_summaries.push_back(Describe(verdict, Action::kReject));
      message.refused_verdicts.push_back(verdict);
      message.refused_in_order.push_back(true);
      return outcome;
    }
    // The MTA cannot refuse one recipient here (mail from sendmail(1)): keep
    // the whole message out of delivery instead.
    verdict.action = Action::kHold;
  }
  message.accepted.push_back(verdict);
  message.refused_in_order.push_back(false);
  return outcome;
}

void MessageSession::Header(std::string_view name, std::string_view value) {
  if (!in_message()) return;
  Message& message = *message_;
  if (EqualsIgnoreCase(name, "X-Rcptguard")) {
    ++message.forged_headers;  // ours to write: not read as part of the message
    return;
  }
  if (message.marking) message.marking->Header(name, value);
  if (message.history == nullptr) return;  // display names and the key serve history only
  for (std::string_view wanted : {"From", "To", "Cc", "Bcc", "Message-ID"}) {
    if (EqualsIgnoreCase(name, wanted) &&
        message.header_facts.size() + name.size() + value.size() + 3 <= kMaxHeaderFacts) {
      message.header_facts.append(name).append(": ").append(value).append("\n");
    }
  }
}

void MessageSession::EndOfHeaders() {
  if (in_message() && message_->marking) message_->marking->EndHeaders();
}

void MessageSession::Body(std::string_view chunk) {
  if (in_message() && message_->marking) message_->marking->Body(chunk);
}

MessageOutcome MessageSession::EndOfMessage() {
  MessageOutcome outcome;
  if (!in_message()) return outcome;
  Message& message = *message_;
  message.ended = true;
  const Policy& policy = *settings_->policy;
  if (!message.header_facts.empty()) {
    SentMessage from_headers;
    ParseMessageHeaders(message.header_facts, &from_headers);
    message.named = std::move(from_headers.recipients);
    message.message_id = std::move(from_headers.key);
  }
  if (message.marking) {
    message.markings = message.marking->End();
    message.marking.reset();
    message.body.reset();
  }
  bool audit = policy.audit();
  std::vector<const Verdict*> refused_at_end;
  if ((message.history && !message.named.empty()) || message.markings) {
    // Display names and markings arrive after RCPT TO: check again with them.
    for (Verdict& verdict : message.accepted) {
      Verdict again =
          policy.Evaluate(sender(), verdict.recipient, message.Context(verdict.recipient));
      if (again.action > verdict.action ||
          (again.action == verdict.action && again.reasons.size() > verdict.reasons.size())) {
        // Too late to refuse one recipient: the whole message is refused
        // where the MTA can refuse it, held where it cannot (sendmail(1)).
        if (again.action == Action::kReject && !message.can_refuse) again.action = Action::kHold;
        verdict = std::move(again);
      }
      if (verdict.action == Action::kReject && !audit) refused_at_end.push_back(&verdict);
    }
  }
  Message::Tally tally = message.Count();
  outcome.reject = !refused_at_end.empty();
  if (outcome.reject) {
    const Reason* reason = MainReason(*refused_at_end.front());
    std::string reply = reason ? reason->detail : "recipient refused by policy";
    if (refused_at_end.size() > 1) {
      reply += "; also not accredited:";
      for (size_t i = 1; i < refused_at_end.size(); ++i)
        reply += " " + refused_at_end[i]->recipient;
    }
    reply += ". Not sent to anyone: remove those recipients and send again.";
    outcome.reply = SanitizeForLine(reply, kMaxReplyLength, /*ascii_only=*/true);
  }
  outcome.hold = !audit && !outcome.reject && tally.holds > 0;
  message.held = outcome.hold || outcome.reject;
  if (outcome.hold) {
    outcome.hold_reason = SanitizeForLine("rcptguard: " + tally.details, kMaxReplyLength, true);
  }
  // Everyone who receives the message reads this header, so it says nothing
  // about any recipient: not even how many there were (that would betray a Bcc).
  if (!audit) outcome.header = std::string(kCheckedHeaderValue);
  outcome.remove_headers = message.forged_headers;
  auto refused = message.refused_verdicts.begin();
  auto accepted = message.accepted.begin();
  for (bool was_refused : message.refused_in_order) {
    outcome.verdicts.push_back(was_refused ? *refused++ : *accepted++);
  }
  std::string_view action = audit                                       ? "audit"
                            : outcome.reject                            ? "reject"
                            : outcome.hold                              ? "hold"
                            : message.accepted.empty() && !message.refused_verdicts.empty()
                                ? "refused"
                                : "deliver";
  outcome.summary = message.Summary(action, audit, tally);
  outcome.log_line = message.LogLine(outcome.summary);
  return outcome;
}

std::string MessageSession::Abort() {
  if (!in_message()) return {};
  Message& message = *message_;
  message.ended = true;
  message.held = true;  // never delivered: nothing to learn
  message.marking.reset();
  message.body.reset();
  if (message.recipient_count() == 0) return {};
  // Every recipient refused ends this way too (the MTA aborts a transaction
  // with no recipient left): that is "refused", not a message given up.
  std::string_view action =
      message.accepted.empty() ? std::string_view("refused") : std::string_view("aborted");
  return message.LogLine(message.Summary(action, settings_->policy->audit(), message.Count()));
}

std::optional<SentMessage> MessageSession::ToLearn(std::string_view fallback_key) const {
  if (!message_ || !message_->ended || message_->held || !message_->sender) return std::nullopt;
  const Message& message = *message_;
  SentMessage learned;
  learned.key = message.message_id.empty() ? std::string(fallback_key) : message.message_id;
  learned.sender = CanonicalAddress(*message.sender);
  learned.time = message.now;
  for (const Verdict& verdict : message.accepted) {
    // Warned recipients are not learned: a slip the sender did not notice would
    // become a habit. Confirmed ones are learned when released or sent again.
    if (verdict.action != Action::kAllow) continue;
    EvaluationContext context = message.Context(verdict.recipient);
    learned.recipients.push_back(
        SentRecipient{verdict.recipient, std::string(context.display_name)});
  }
  if (learned.recipients.empty()) return std::nullopt;
  return learned;
}

}  // namespace rcptguard
