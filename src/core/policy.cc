// Policy evaluation: rules, then the look-alike detector and correspondent
// history, combined into a Verdict.
#include "rcptguard/policy.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// History's part in scoring (DESIGN.md section 2): a look-alike of a domain the
// sender writes to often, typed at a domain nobody here writes to, is far more
// likely a slip than a new correspondent; its odds are multiplied by this.
constexpr double kHistoryOddsFactor = 20;
// unfamiliar-recipient has no score of its own; these order it among reasons.
constexpr double kNearCorrespondentScore = 0.8;
constexpr double kNameMismatchScore = 0.9;

std::string_view UnfamiliarClass(HistoryFinding::Unfamiliar unfamiliar) {
  switch (unfamiliar) {
    case HistoryFinding::Unfamiliar::kNameMismatch:
      return kUnfamiliarNameMismatch;
    case HistoryFinding::Unfamiliar::kSameName:
      return kUnfamiliarSameName;
    case HistoryFinding::Unfamiliar::kOtherDomain:
      return kUnfamiliarOtherDomain;
    default:
      return kUnfamiliarNearCorrespondent;
  }
}

// "you write to apatel@partner.org (5 messages); annapatel@partner.org is new
// and has the same name": the usual address, how often, and why this one looks
// like a slip of it. In hashed mode the store holds no address to name.
std::string ExplainUnfamiliar(const HistoryFinding& finding, const std::string& recipient,
                              std::string_view recipient_domain) {
  std::string usual =
      finding.usual_address.empty() ? std::string("another address") : finding.usual_address;
  std::string why;
  switch (finding.unfamiliar) {
    case HistoryFinding::Unfamiliar::kNameMismatch:
      why = "is given the name of the person you write to there";
      break;
    case HistoryFinding::Unfamiliar::kSameName:
      why = "has the same name";
      break;
    case HistoryFinding::Unfamiliar::kOtherDomain: {
      std::string_view usual_domain = finding.usual_address.empty()
                                          ? std::string_view()
                                          : std::string_view(finding.usual_address)
                                                .substr(finding.usual_address.rfind('@') + 1);
      why = std::string(finding.same_local_part ? "is the same address" : "has the same name") +
            " at " + std::string(recipient_domain) +
            (usual_domain.empty() ? std::string(", a sister domain of one you use")
                                  : " instead of " + std::string(usual_domain));
      break;
    }
    default:
      why = finding.slips < 0.5    ? "differs from it only by a dot or hyphen"
            : finding.slips <= 1.0 ? "is one slip from it"
                                   : "is two slips from it";
      break;
  }
  return "you write to " + usual + " (" + std::to_string(finding.usual_messages) + " messages); " +
         recipient + " is new and " + why;
}

double RaiseOdds(double probability, double factor) {
  double odds = probability / (1 - std::min(probability, 0.999999));
  return odds * factor / (1 + odds * factor);
}

std::string FormatScore(double score) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%.2f", score);
  return buffer;
}

}  // namespace

AddressPattern AddressPattern::Anyone() {
  AddressPattern pattern;
  pattern.text_ = "*";
  pattern.any_domain_ = true;
  return pattern;
}

Result<AddressPattern> AddressPattern::Parse(std::string_view text) {
  AddressPattern pattern;
  pattern.text_.assign(text);
  std::string_view domain = text;
  if (size_t at = text.rfind('@'); at != std::string_view::npos) {
    std::string_view local = text.substr(0, at);
    if (local.empty()) {
      return MakeError(ErrorCode::kConfig,
                       "pattern '" + EscapedExcerpt(text, 80) + "' has an empty local part");
    }
    if (local != "*") pattern.local_.assign(local);
    domain = text.substr(at + 1);
  }
  if (domain == "*") {
    pattern.any_domain_ = true;
    return pattern;
  }
  if (domain.size() > 2 && domain.substr(0, 2) == "*.") {
    pattern.subdomains_ = true;
    domain.remove_prefix(2);
  }
  if (domain.find('*') != std::string_view::npos) {
    return MakeError(ErrorCode::kConfig,
                     "pattern '" + EscapedExcerpt(text, 80) +
                         "': '*' is allowed only as the whole pattern, the local part, or a "
                         "leading '*.'");
  }
  auto normalized = NormalizeDomain(domain);
  if (!normalized) {
    return MakeError(ErrorCode::kConfig,
                     "pattern '" + EscapedExcerpt(text, 80) + "': " + normalized.error().message);
  }
  pattern.domain_ = std::move(normalized->ascii);
  return pattern;
}

bool AddressPattern::Matches(std::string_view local_part, const DomainName& domain) const {
  if (!local_.empty() && !EqualsIgnoreCase(local_, local_part)) return false;
  if (any_domain_) return true;
  const std::string& name = domain.ascii;
  if (!subdomains_) return name == domain_;
  return IsSubdomainOf(name, domain_);
}

Policy::Policy(LookalikeDetector detector, std::vector<RuleSpec> rules,
               std::vector<ScoreBand> bands, Action invalid_address_action,
               Action unfamiliar_recipient_action, bool audit)
    : detector_(std::move(detector)),
      rules_(std::move(rules)),
      bands_(std::move(bands)),
      invalid_address_action_(invalid_address_action),
      unfamiliar_recipient_action_(unfamiliar_recipient_action),
      audit_(audit) {}

Result<std::shared_ptr<const Policy>> Policy::Compile(const PolicySpec& spec,
                                                      std::shared_ptr<const SuffixList> suffixes,
                                                      const TypoData& typo_data,
                                                      MarkingDatabaseCache* marking_cache) {
  std::vector<RuleSpec> rules = spec.rules;
  std::vector<ScoreBand> bands = spec.lookalike_bands;
  for (const ScoreBand& band : bands) {
    if (!(band.min_score >= 0 && band.min_score <= 1)) {
      return MakeError(ErrorCode::kConfig, "a score band's min_score must be in [0, 1]");
    }
  }
  std::sort(bands.begin(), bands.end(),
            [](const ScoreBand& a, const ScoreBand& b) { return a.min_score > b.min_score; });
  DetectorOptions options;
  // Matches below every band are still wanted: history can raise their score
  // (a slip of a domain this sender writes to every week).
  options.report_threshold =
      bands.empty() ? 1.0 : std::min(bands.back().min_score, kLookalikeHistoryFloor);
  options.known_domains = spec.known_domains;
  options.protect_known_domains = spec.protect_known_domains;
  auto detector = LookalikeDetector::Build(spec.expected, std::move(suffixes), typo_data, options);
  if (!detector) return Unexpected(detector.error());
  std::shared_ptr<Policy> policy(new Policy(std::move(*detector), std::move(rules),
                                            std::move(bands), spec.invalid_address_action,
                                            spec.unfamiliar_recipient_action, spec.audit));
  if (auto ok = policy->CompileMarkings(spec, marking_cache); !ok) return Unexpected(ok.error());
  return std::shared_ptr<const Policy>(std::move(policy));
}

Result<void> Policy::CompileMarkings(const PolicySpec& spec, MarkingDatabaseCache* cache) {
  auto scanner = MarkingScanner::Compile(spec.markings, spec.marking_options, cache);
  if (!scanner) return Unexpected(scanner.error());
  marking_scanner_ = std::move(*scanner);
  marking_limit_action_ = spec.marking_limit_action;
  for (const MarkingSpec& marking : spec.markings) {
    Accreditation accreditation;
    accreditation.action = marking.action;
    for (const std::string& text : marking.accredited) {
      auto pattern = AddressPattern::Parse(text);
      if (!pattern) {
        return MakeError(ErrorCode::kConfig,
                         "marking '" + marking.name + "': accredited " + pattern.error().message,
                         marking.where);
      }
      accreditation.accredited.push_back(std::move(*pattern));
      if (!accreditation.listed.empty()) accreditation.listed += ", ";
      accreditation.listed += text;
    }
    accreditations_.push_back(std::move(accreditation));
  }
  // The organisation's own domains (and their subdomains) hold every marking:
  // mail that stays inside stays on the organisation's own systems.
  for (const ExpectedDomain& domain : spec.expected) {
    if (domain.source != DomainSource::kOwn) continue;
    std::string bare = domain.domain;
    if (bare.rfind("*.", 0) == 0) bare.erase(0, 2);
    if (auto exact = AddressPattern::Parse(bare)) own_domains_.push_back(std::move(*exact));
    if (auto below = AddressPattern::Parse("*." + bare)) own_domains_.push_back(std::move(*below));
  }
  return {};
}

void Policy::CheckMarkings(const Address& recipient, const MarkingResult& markings,
                           std::vector<Reason>* reasons) const {
  auto matches_any = [&](const std::vector<AddressPattern>& patterns) {
    for (const AddressPattern& pattern : patterns) {
      if (pattern.Matches(recipient.local_part, recipient.domain)) return true;
    }
    return false;
  };
  if (matches_any(own_domains_)) return;
  const std::vector<MarkingSpec>& specs = marking_scanner_->markings();
  auto index_of = [&](const MarkingFound& found) -> size_t {
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == found.name && specs[i].scheme == found.scheme) return i;
    }
    return specs.size();
  };
  // The highest marking decides. Every marking found is checked, highest
  // first, and the first that does not accredit the recipient gives the
  // reason: the same answer when accreditations narrow as ranks rise, and
  // safe when a caveat (NOFORN) ranks below a level with a wider list.
  std::vector<const MarkingFound*> found;
  for (const MarkingFound& marking : markings.found) found.push_back(&marking);
  std::stable_sort(found.begin(), found.end(),
                   [](const MarkingFound* a, const MarkingFound* b) { return a->rank > b->rank; });
  std::string address = CanonicalAddress(recipient);
  for (const MarkingFound* marking : found) {
    size_t index = index_of(*marking);
    if (index == specs.size()) continue;  // from another policy: cannot be judged here
    const Accreditation& accreditation = accreditations_[index];
    if (accreditation.action == Action::kAllow || matches_any(accreditation.accredited)) continue;
    std::string listed = accreditation.listed.empty()
                             ? std::string("only the organisation's own domains")
                             : accreditation.listed;
    reasons->push_back(
        Reason{std::string(kReasonMarkingDestination), ReasonLabel::kMarking, marking->name,
               "the message is marked " + marking->name + "; " + address +
                   " is not an accredited destination for it (accredited: " + listed + ")",
               accreditation.action});
    return;
  }
  if (markings.truncated && marking_limit_action_ != Action::kAllow) {
    // Whatever follows the bound could carry any marking: only a recipient
    // accredited for every marking is safe.
    for (const Accreditation& accreditation : accreditations_) {
      if (accreditation.action != Action::kAllow && !matches_any(accreditation.accredited)) {
        reasons->push_back(Reason{std::string(kReasonMarkingDestination), ReasonLabel::kMarking,
                                  std::string(kMarkingScanLimit),
                                  "the message is larger than the " +
                                      std::to_string(marking_scanner_->options().max_scan_bytes) +
                                      " bytes scanned for markings, and " + address +
                                      " is not accredited for every marking",
                                  marking_limit_action_});
        return;
      }
    }
  }
}

ReasonLabel ReasonLabelFor(std::string_view code) {
  if (code == kReasonLookalike || code == kReasonUnfamiliarRecipient) return ReasonLabel::kClass;
  if (code == kReasonPolicyRule) return ReasonLabel::kRule;
  if (code == kReasonMarkingDestination) return ReasonLabel::kMarking;
  return ReasonLabel::kNone;
}

Verdict Policy::InvalidAddress(std::string_view recipient, std::string_view why) const {
  Verdict verdict;
  verdict.recipient.assign(recipient);
  verdict.action = invalid_address_action_;
  verdict.score = 1.0;
  verdict.reasons.push_back(Reason{std::string(kReasonInvalidAddress), ReasonLabel::kNone, "",
                                   "not a deliverable address: " + std::string(why),
                                   invalid_address_action_});
  return verdict;
}

Verdict Policy::Evaluate(const Address* sender, std::string_view recipient,
                         const EvaluationContext& context) const {
  auto address = ParseAddress(recipient);
  if (!address) return InvalidAddress(recipient, address.error().message);
  Verdict verdict;
  verdict.recipient.assign(recipient);
  auto add = [&](Reason reason, double score) {
    verdict.action = std::max(verdict.action, reason.action);
    verdict.score = std::max(verdict.score, score);
    verdict.reasons.push_back(std::move(reason));
  };

  // Markings first: content decides where the message may go whatever the
  // rules below say about the address (an allow rule returns early).
  if (context.markings != nullptr && !marking_scanner_->empty()) {
    std::vector<Reason> marking_reasons;
    CheckMarkings(*address, *context.markings, &marking_reasons);
    for (Reason& reason : marking_reasons) add(std::move(reason), 1.0);
  }

  for (const RuleSpec& rule : rules_) {
    bool from_matches =
        sender ? rule.from.Matches(sender->local_part, sender->domain) : rule.from.text() == "*";
    if (!from_matches || !rule.to.Matches(address->local_part, address->domain)) continue;
    // An allow rule is an explicit exception: nothing else is checked.
    if (rule.action == Action::kAllow) return verdict;
    add(Reason{std::string(kReasonPolicyRule), ReasonLabel::kRule, rule.name,
               "rule '" + rule.name + "': mail from " + rule.from.text() + " may not go to " +
                   rule.to.text(),
               rule.action},
        1.0);
    break;
  }

  HistoryFinding finding;
  if (context.history) {
    std::string_view name = context.display_name.empty() ? std::string_view(address->display_name)
                                                         : context.display_name;
    finding = context.history->Examine(sender, *address, name, context.now);
  }
  // A recipient the sender or the organisation already writes to was meant.
  bool intended = finding.excepted || finding.domain_familiar || finding.address_familiar;
  std::optional<LookalikeMatch> match;
  if (!intended) match = detector_.Check(address->domain, context.lookalikes);
  if (match) {
    double score = match->score;
    std::string because;
    if (context.history && sender) {
      int64_t usual =
          context.history->DomainMessages(CanonicalAddress(*sender), match->intended.ascii);
      if (usual >= context.history->options().frequent_messages) {
        score = RaiseOdds(score, kHistoryOddsFactor);
        because = "; you write there often (" + std::to_string(usual) + " messages), never to " +
                  address->domain.unicode;
      }
    }
    auto band = std::find_if(bands_.begin(), bands_.end(),
                             [&](const ScoreBand& b) { return score >= b.min_score; });
    if (band != bands_.end() && band->action != Action::kAllow) {
      add(Reason{std::string(kReasonLookalike), ReasonLabel::kClass,
                 std::string(TypoClassName(match->typo_class)),
                 "recipient domain " + address->domain.unicode + " looks like a mistyping of " +
                     match->intended.unicode + " (" + match->explanation + because + "; score " +
                     FormatScore(score) + ")",
                 band->action},
          score);
      verdict.intended_domain = match->intended.unicode;
      verdict.suggestion = address->WithDomain(match->intended.unicode);
    }
  }

  if (!finding.excepted && finding.unfamiliar != HistoryFinding::Unfamiliar::kNone &&
      unfamiliar_recipient_action_ != Action::kAllow) {
    bool by_name = finding.unfamiliar == HistoryFinding::Unfamiliar::kNameMismatch;
    add(Reason{std::string(kReasonUnfamiliarRecipient), ReasonLabel::kClass,
               std::string(UnfamiliarClass(finding.unfamiliar)),
               ExplainUnfamiliar(finding, CanonicalAddress(*address), address->domain.ascii),
               unfamiliar_recipient_action_},
        by_name ? kNameMismatchScore : kNearCorrespondentScore);
    if (!verdict.suggestion && !finding.usual_address.empty()) {
      verdict.suggestion = finding.usual_address;
    }
  }
  return verdict;
}

}  // namespace rcptguard
