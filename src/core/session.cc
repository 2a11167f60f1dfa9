// A message in the mail path: outbound rules, per-recipient outcomes, and what
// to do at the end of the message.
#include "rcptguard/session.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace rcptguard {
namespace {

constexpr size_t kMaxReplyLength = 400;   // SMTP reply text; RFC 5321 allows 512 per line
constexpr size_t kMaxLogItem = 200;

bool ParseIp(std::string_view text, bool* v6, std::array<uint8_t, 16>* bytes) {
  char buffer[64];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  bytes->fill(0);
  if (inet_pton(AF_INET, buffer, bytes->data()) == 1) {
    *v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buffer, bytes->data()) == 1) {
    // An IPv4-mapped address (::ffff:192.0.2.1) is matched as IPv4.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes->data(), kMapped, sizeof(kMapped)) == 0) {
      std::memmove(bytes->data(), bytes->data() + 12, 4);
      std::fill(bytes->begin() + 4, bytes->end(), 0);
      *v6 = false;
    } else {
      *v6 = true;
    }
    return true;
  }
  return false;
}

bool IsUnder(std::string_view name, std::string_view domain) {
  if (name == domain) return true;
  return name.size() > domain.size() + 1 && name.substr(name.size() - domain.size()) == domain &&
         name[name.size() - domain.size() - 1] == '.';
}

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
    if (!reason->typo_class.empty()) out += " " + SanitizeForLine(reason->typo_class, 64, true);
  }
  if (verdict.intended_domain) {
    auto intended = NormalizeDomain(*verdict.intended_domain);
    out +=
        " -> " + (intended ? intended->ascii : SanitizeForLine(*verdict.intended_domain, 64, true));
  }
  return out;
}

}  // namespace

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

Result<OutboundRules> OutboundRules::Compile(const OutboundSpec& spec) {
  OutboundRules rules;
  rules.authenticated_ = spec.authenticated;
  for (const std::string& text : spec.networks) {
    std::string_view address = text;
    int prefix = -1;
    if (size_t slash = address.find('/'); slash != std::string_view::npos) {
      std::string_view bits = address.substr(slash + 1);
      address = address.substr(0, slash);
      prefix = 0;
      for (char c : bits) {
        if (c < '0' || c > '9' || prefix > 128) {
          prefix = 999;
          break;
        }
        prefix = prefix * 10 + (c - '0');
      }
      if (bits.empty()) prefix = 999;
    }
    Network network;
    if (!ParseIp(address, &network.v6, &network.bytes)) {
      return MakeError(ErrorCode::kConfig, "'" + text + "' is not an IP address or network");
    }
    int max_prefix = network.v6 ? 128 : 32;
    network.prefix = prefix < 0 ? max_prefix : prefix;
    if (network.prefix > max_prefix) {
      return MakeError(ErrorCode::kConfig, "'" + text + "': the prefix length must be 0 to " +
                                               std::to_string(max_prefix));
    }
    rules.networks_.push_back(network);
  }
  for (const std::string& text : spec.sender_domains) {
    auto domain = NormalizeDomain(text);
    if (!domain) {
      return MakeError(ErrorCode::kConfig,
                       "'" + text + "' is not a domain: " + domain.error().message);
    }
    rules.sender_domains_.push_back(domain->ascii);
  }
  rules.daemon_names_ = spec.daemon_names;
  return rules;
}

bool OutboundRules::InNetworks(std::string_view address) const {
  bool v6 = false;
  std::array<uint8_t, 16> bytes;
  if (!ParseIp(address, &v6, &bytes)) return false;
  for (const Network& network : networks_) {
    if (network.v6 != v6) continue;
    int full = network.prefix / 8;
    int rest = network.prefix % 8;
    if (std::memcmp(bytes.data(), network.bytes.data(), full) != 0) continue;
    if (rest != 0) {
      auto mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((bytes[full] & mask) != (network.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

bool OutboundRules::IsOutbound(const ConnectionFacts& facts, const Address* sender) const {
  if (authenticated_ && !facts.auth_user.empty()) return true;
  if (!facts.daemon_name.empty() && std::find(daemon_names_.begin(), daemon_names_.end(),
                                              facts.daemon_name) != daemon_names_.end()) {
    return true;
  }
  if (InNetworks(facts.client_address)) return true;
  if (sender != nullptr) {
    for (const std::string& domain : sender_domains_) {
      if (IsUnder(sender->domain.ascii, domain)) return true;
    }
  }
  return false;
}

MessageSession::MessageSession(std::shared_ptr<const Policy> policy, bool can_refuse,
                               std::shared_ptr<const CorrespondentHistory> history, int64_t now)
    : policy_(std::move(policy)),
      can_refuse_(can_refuse),
      history_(std::move(history)),
      now_(now) {}

EvaluationContext MessageSession::Context(std::string_view envelope_rcpt) const {
  EvaluationContext context;
  context.history = history_.get();
  context.now = now_;
  context.markings = markings_ ? &*markings_ : nullptr;
  if (!named_.empty()) {
    // Header addresses are compared as the envelope gives them, ignoring case.
    auto same = [&](const SentRecipient& named) {
      return named.address.size() == envelope_rcpt.size() &&
             std::equal(named.address.begin(), named.address.end(), envelope_rcpt.begin(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
    };
    auto found = std::find_if(named_.begin(), named_.end(), same);
    if (found != named_.end()) context.display_name = found->display_name;
  }
  return context;
}

void MessageSession::SetMarkings(MarkingResult markings) { markings_ = std::move(markings); }

void MessageSession::SetHeaderFacts(std::vector<SentRecipient> named, std::string message_id) {
  named_ = std::move(named);
  message_id_ = std::move(message_id);
}

void MessageSession::SetSender(std::string_view envelope_from) {
  std::string_view address = StripAngleBrackets(envelope_from);
  sender_text_ = SanitizeForLine(address, kMaxLogItem, true);
  sender_.reset();
  if (address.empty()) return;  // the null sender: bounces and notifications
  if (auto parsed = ParseAddress(address)) sender_ = std::move(*parsed);
}

RecipientOutcome MessageSession::AddRecipient(std::string_view envelope_rcpt) {
  RecipientOutcome outcome;
  std::string_view recipient = StripAngleBrackets(envelope_rcpt);
  outcome.verdict = policy_->Evaluate(sender(), recipient, Context(recipient));
  Verdict& verdict = outcome.verdict;
  if (verdict.action == Action::kReject && !policy_->audit()) {
    if (can_refuse_) {
      outcome.refuse = true;
      outcome.reply = ReplyFor(verdict);
      ++refused_;
      refused_summaries_.push_back(Describe(verdict, Action::kReject));
      refused_verdicts_.push_back(verdict);
      return outcome;
    }
    // The MTA cannot refuse one recipient here (mail from sendmail(1)): keep
    // the whole message out of delivery instead.
    verdict.action = Action::kHold;
  }
  accepted_.push_back(verdict);
  return outcome;
}

MessageOutcome MessageSession::Finish() {
  bool audit = policy_->audit();
  std::vector<const Verdict*> refused_at_end;
  if ((history_ && !named_.empty()) || markings_) {
    // Display names and markings arrive after RCPT TO: check again with them.
    for (Verdict& verdict : accepted_) {
      Verdict again = policy_->Evaluate(sender(), verdict.recipient, Context(verdict.recipient));
      if (again.action > verdict.action ||
          (again.action == verdict.action && again.reasons.size() > verdict.reasons.size())) {
        // Too late to refuse one recipient: the whole message is refused
        // where the MTA can refuse it, held where it cannot (sendmail(1)).
        if (again.action == Action::kReject && !can_refuse_) again.action = Action::kHold;
        verdict = std::move(again);
      }
      if (verdict.action == Action::kReject && !audit) refused_at_end.push_back(&verdict);
    }
  }
  MessageOutcome outcome;
  size_t holds = 0, warns = 0, rejects = 0;
  std::string details;
  for (const Verdict& verdict : accepted_) {
    if (verdict.action == Action::kAllow) continue;
    holds += verdict.action == Action::kHold;
    warns += verdict.action == Action::kWarn;
    rejects += verdict.action == Action::kReject;  // audit mode, or refused at end of data
    if (!details.empty()) details += "; ";
    details += Describe(verdict, verdict.action);
  }
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
  outcome.hold = !audit && !outcome.reject && holds > 0;
  held_ = outcome.hold || outcome.reject;
  if (outcome.hold) {
    std::string reason = "rcptguard: " + details;
    outcome.hold_reason = SanitizeForLine(reason, kMaxReplyLength, true);
  }
  // Everyone who receives the message reads this header, so it says nothing
  // about any recipient: not even how many there were (that would betray a Bcc).
  if (!audit) outcome.header = std::string(kCheckedHeaderValue);
  outcome.verdicts = refused_verdicts_;
  outcome.verdicts.insert(outcome.verdicts.end(), accepted_.begin(), accepted_.end());
  std::string summary = "from=<" + sender_text_ +
                        "> rcpts=" + std::to_string(accepted_.size() + refused_) +
                        " refused=" + std::to_string(refused_) + " hold=" + std::to_string(holds) +
                        " warn=" + std::to_string(warns);
  if (markings_ && !markings_->found.empty()) {
    summary += " markings=" + SanitizeForLine(markings_->Summary(), 300, true);
  }
  if (markings_ && markings_->truncated) summary += " scan=truncated";
  summary += audit                               ? " action=audit"
             : outcome.reject                    ? " action=reject"
             : outcome.hold                      ? " action=hold"
             : accepted_.empty() && refused_ > 0 ? " action=refused"
                                                 : " action=deliver";
  if (audit && (holds + warns + rejects) > 0) summary += " (audit: nothing changed)";
  for (const std::string& refused : refused_summaries_) summary += "; " + refused;
  if (!details.empty()) summary += "; " + details;
  outcome.summary = SanitizeForLine(summary, 2000, true);
  return outcome;
}

std::optional<SentMessage> MessageSession::ToLearn(std::string_view fallback_key) const {
  if (held_ || !sender_) return std::nullopt;
  SentMessage message;
  message.key = message_id_.empty() ? std::string(fallback_key) : message_id_;
  message.sender = CanonicalAddress(*sender_);
  message.time = now_;
  for (const Verdict& verdict : accepted_) {
    // Warned recipients are not learned: a slip the sender did not notice would
    // become a habit. Confirmed ones are learned when released or sent again.
    if (verdict.action != Action::kAllow) continue;
    EvaluationContext context = Context(verdict.recipient);
    message.recipients.push_back(
        SentRecipient{verdict.recipient, std::string(context.display_name)});
  }
  if (message.recipients.empty()) return std::nullopt;
  return message;
}

}  // namespace rcptguard
