// The policy: what to do with each recipient. Combines explicit rules, the
// look-alike detector and address validity into a Verdict with reasons.
// Compiled once, immutable, shared across threads; Evaluate is pure.
#ifndef RCPTGUARD_POLICY_H_
#define RCPTGUARD_POLICY_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/action.h"
#include "rcptguard/address.h"
#include "rcptguard/detector.h"
#include "rcptguard/history.h"
#include "rcptguard/marking.h"
#include "rcptguard/result.h"

namespace rcptguard {

// Stable machine codes of reasons (part of the output contract).
inline constexpr std::string_view kReasonLookalike = "lookalike-domain";
inline constexpr std::string_view kReasonPolicyRule = "policy-rule";
inline constexpr std::string_view kReasonInvalidAddress = "invalid-address";
inline constexpr std::string_view kReasonUnfamiliarRecipient = "unfamiliar-recipient";
// The message carries a sensitivity marking and the recipient is outside the
// destinations accredited for it (Reason::typo_class: the marking's name), or
// the message was too large to scan whole (typo_class kMarkingScanLimit).
inline constexpr std::string_view kReasonMarkingDestination = "marking-destination";
inline constexpr std::string_view kMarkingScanLimit = "scan-limit";

// The detector inside a Policy reports look-alikes down to this score, below
// every band: correspondent history can raise them (a slip of a domain the
// sender writes to every week).
inline constexpr double kLookalikeHistoryFloor = 0.1;

// Classes of unfamiliar-recipient (Reason::typo_class).
inline constexpr std::string_view kUnfamiliarNearCorrespondent = "near-correspondent";
inline constexpr std::string_view kUnfamiliarNameMismatch = "display-name-mismatch";
inline constexpr std::string_view kUnfamiliarSameName = "same-name";
inline constexpr std::string_view kUnfamiliarOtherDomain = "other-domain";

// What Reason::label names. The JSON contract writes every label as "class".
enum class ReasonLabel {
  kNone,     // invalid-address: no label
  kClass,    // a typo class (TypoClassName) or an unfamiliar-recipient class
  kRule,     // the policy rule's name
  kMarking,  // the marking's name, or kMarkingScanLimit
};

// The kind of label a reason with this code carries (for reasons read back
// from JSON, which keeps only the code and the label).
ReasonLabel ReasonLabelFor(std::string_view code);

struct Reason {
  std::string code;  // kReasonLookalike, kReasonPolicyRule, kReasonInvalidAddress
  ReasonLabel label_kind = ReasonLabel::kNone;
  // lookalike-domain: TypoClassName; policy-rule: the rule's name;
  // unfamiliar-recipient: kUnfamiliarNearCorrespondent, kUnfamiliarNameMismatch,
  // kUnfamiliarSameName or kUnfamiliarOtherDomain; marking-destination: the
  // marking's name
  std::string label;
  std::string detail;  // one sentence for people
  Action action = Action::kAllow;
};

struct Verdict {
  std::string recipient;  // as given
  Action action = Action::kAllow;
  std::vector<Reason> reasons;
  std::optional<std::string> suggestion;       // the address with the intended domain
  std::optional<std::string> intended_domain;  // Unicode form
  double score = 0;                            // highest reason score, 0 when allowed
};

// Matches senders and recipients: "*" (anyone), "*.mil" (any domain under mil),
// "example.com" (that domain, not its subdomains), "*@example.com",
// "user@example.com", "user@*.mil". Case-insensitive; IDNs in either form.
class AddressPattern {
 public:
  static Result<AddressPattern> Parse(std::string_view text);
  // "*": every address. A default-constructed pattern matches nothing.
  static AddressPattern Anyone();
  bool Matches(std::string_view local_part, const DomainName& domain) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string local_;   // empty: any local part
  std::string domain_;  // canonical ASCII; empty with any_domain_
  bool any_domain_ = false;
  bool subdomains_ = false;  // "*.x": names strictly under x
};

// Parsed where it is written (the config loader names the line of a bad
// pattern), so Policy::Compile takes the patterns as they are.
struct RuleSpec {
  std::string name;
  AddressPattern from = AddressPattern::Anyone();
  AddressPattern to;
  Action action = Action::kReject;
  std::string where;  // "file:line" for errors
};

// A look-alike whose score is at least min_score gets action (the highest band
// that applies wins). Below every band the recipient is allowed.
struct ScoreBand {
  double min_score = 0;
  Action action = Action::kWarn;
};

// What the policy may know about a message besides its recipients.
struct EvaluationContext {
  // Correspondent history (null: none). A domain the sender or the
  // organisation writes to is never a look-alike; a look-alike of a domain the
  // sender writes to often is scored up; unfamiliar-recipient comes from here.
  const CorrespondentHistory* history = nullptr;
  // The display name the message gives this recipient (To/Cc); when empty, the
  // one written with the recipient ("John Smith <js@example.com>") is used.
  std::string_view display_name;
  int64_t now = 0;  // unix seconds: exceptions expire
  // The markings found in the message (null: not scanned, as for `check`).
  // Must come from this policy's marking_scanner().
  const MarkingResult* markings = nullptr;
  // The detector's recent answers (null: none), owned by the caller and used
  // by one thread at a time: see LookalikeCache.
  LookalikeCache* lookalikes = nullptr;
};

struct PolicySpec {
  std::vector<ExpectedDomain> expected;    // own, trusted, provider (and later learned) domains
  std::vector<std::string> known_domains;  // widely used domains: see DetectorOptions
  // Whether look-alikes of the known domains are flagged too (the embedded
  // defaults do: see DetectorOptions::protect_known_domains).
  bool protect_known_domains = false;
  std::vector<RuleSpec> rules;             // checked in order; the first match applies
  std::vector<ScoreBand> lookalike_bands = {{0.9, Action::kReject}, {0.5, Action::kWarn}};
  Action invalid_address_action = Action::kReject;
  Action unfamiliar_recipient_action = Action::kWarn;
  bool audit = false;  // decide and log, never act (the mail path honours it)
  // Sensitivity markings ([[marking]], packs) and how messages are scanned.
  std::vector<MarkingSpec> markings;
  MarkingScanOptions marking_options;
  // For a recipient not accredited for every marking, when the scan stopped
  // at max_scan_bytes ([markings] on_limit).
  Action marking_limit_action = Action::kHold;
};

class Policy {
 public:
  // Builds the detector and compiles the rules. Errors name the rule's location.
  // `marking_cache` (may be null) keeps compiled marking patterns between runs.
  static Result<std::shared_ptr<const Policy>> Compile(
      const PolicySpec& spec, std::shared_ptr<const SuffixList> suffixes, const TypoData& typo_data,
      MarkingDatabaseCache* marking_cache = nullptr);

  // The verdict for one recipient as written (any form ParseAddress accepts).
  // `sender` may be null (no sender known: only rules from "*" apply, and
  // only the organisation's history).
  Verdict Evaluate(const Address* sender, std::string_view recipient,
                   const EvaluationContext& context = {}) const;
  // The invalid-address verdict (with the configured action) for input that
  // is not a deliverable address, saying `why` ("the line is longer than ...").
  Verdict InvalidAddress(std::string_view recipient, std::string_view why) const;

  const LookalikeDetector& detector() const { return detector_; }
  bool audit() const { return audit_; }
  // The compiled markings, never null (empty when none are configured): feed
  // each message to a MarkingSession on it and pass the result to Evaluate.
  const std::shared_ptr<const MarkingScanner>& marking_scanner() const { return marking_scanner_; }

 private:
  Policy(LookalikeDetector detector, std::vector<RuleSpec> rules, std::vector<ScoreBand> bands,
         Action invalid_address_action, Action unfamiliar_recipient_action, bool audit);

  Result<void> CompileMarkings(const PolicySpec& spec, MarkingDatabaseCache* cache);
  // A recipient's marking-destination reason, if any (`markings` as found).
  void CheckMarkings(const Address& recipient, const MarkingResult& markings,
                     std::vector<Reason>* reasons) const;

  struct Accreditation {
    std::vector<AddressPattern> accredited;
    Action action = Action::kHold;
    std::string listed;  // "*.gov.uk, *.mod.uk" for the reason's detail
  };

  LookalikeDetector detector_;
  std::vector<RuleSpec> rules_;
  std::vector<ScoreBand> bands_;  // highest min_score first
  Action invalid_address_action_;
  Action unfamiliar_recipient_action_;
  bool audit_;
  std::shared_ptr<const MarkingScanner> marking_scanner_;
  std::vector<Accreditation> accreditations_;  // parallel to marking_scanner_->markings()
  std::vector<AddressPattern> own_domains_;    // accredited for every marking
  Action marking_limit_action_ = Action::kHold;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_POLICY_H_
