// The look-alike detector: given a recipient domain, which domain that the
// organisation really writes to does it imitate, how, and how sure are we?
//
// Built once from the expected domains; immutable afterwards, so one instance is
// shared by every thread. Pure: no I/O, no clock, no globals.
#ifndef RCPTGUARD_DETECTOR_H_
#define RCPTGUARD_DETECTOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/domain.h"
#include "rcptguard/result.h"
#include "rcptguard/typo_class.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {

struct DetectorIndex;  // the built indexes; defined in src/core/detector_index.h

// Where an expected domain came from. Order matters: a domain listed twice keeps
// the first (strongest) source. kKnown: a widely used domain from the shipped
// lists, protected against look-alikes when DetectorOptions::protect_known_domains.
enum class DomainSource : uint8_t { kOwn, kTrusted, kProvider, kLearned, kKnown };
std::string_view DomainSourceName(DomainSource source);

struct ExpectedDomain {
  // "army.mil", "bücher.de", or a wildcard "*.mil" / "*.gov.uk". A wildcard whose
  // base is a public suffix trusts every domain under it and protects them all
  // against known suffix confusions (trusting "*.mil" flags "anything.ml"). Any
  // other wildcard ("*.army.mil") is the same as the base with subdomains.
  std::string domain;
  DomainSource source = DomainSource::kTrusted;
  // How much this domain is used, in (0, 1]: own and trusted domains are 1, a
  // public provider its share of use, a learned one its share of the history.
  double weight = 1.0;
  // Subdomains of an expected domain are expected too (an organisation controls
  // its subdomains); false narrows the entry to the name itself.
  bool include_subdomains = true;
};

struct LookalikeMatch {
  DomainName intended;  // the expected domain the typed one imitates
  TypoClass typo_class = TypoClass::kSubstitution;
  // Posterior probability, in [0, 1], that the typed domain is a mistyping of
  // `intended` rather than a destination the sender meant (see DESIGN.md section 2).
  double score = 0;
  DomainSource source = DomainSource::kTrusted;
  // One plain phrase on what differs, for people: "the top-level domain .mil typed as .ml".
  std::string explanation;
};

// What the detector is built with besides the expected domains.
struct DetectorOptions {
  // Below this score a near match is not reported at all.
  double report_threshold = 0.3;
  // Widely used, real domains (data/known_domains.txt, data/providers.txt): a
  // typed name on this list, or under a registrable domain on it, is probably
  // meant as typed (ups.com is not a slip for usps.com). Not typo targets.
  std::vector<std::string> known_domains;
  // Whether the known domains are also protected: a look-alike of one is
  // flagged (at a lower weight than an expected domain's), so that "army.ml"
  // is caught with no configuration. A known domain protected this way is
  // expected itself but its subdomains are not ("hot.mail.com" is still a
  // slip for hotmail.com).
  bool protect_known_domains = false;
  double known_domain_weight = 0.05;
};

class LookalikeDetector;

// The detector's answers for the domains checked most recently, for a caller
// that checks many addresses on one thread (`check -`, one worker of it): mail
// names the same domains again and again, and an answer depends on the
// domain alone. Direct-mapped: a fixed number of slots, each holding the
// last domain whose hash falls there, so memory is bounded whatever the
// input. One cache per thread; it follows the detector it is used with
// (used with another one, it starts empty).
class LookalikeCache {
 public:
  static constexpr size_t kDefaultSlots = 4096;
  // `slots` is rounded up to a power of two.
  explicit LookalikeCache(size_t slots = kDefaultSlots);

  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  friend class LookalikeDetector;
  struct Slot {
    bool used = false;
    std::string ascii;
    std::string unicode;  // explanations quote the name as typed
    std::optional<LookalikeMatch> match;
  };
  std::shared_ptr<const DetectorIndex> owner_;  // the detector the answers are from
  std::vector<Slot> slots_;
  size_t hits_ = 0;
  size_t misses_ = 0;
};

class LookalikeDetector {
 public:
  // Builds the indexes. Fails (kInvalidArgument) on an expected domain that is not
  // a valid domain name or wildcard, naming it.
  static Result<LookalikeDetector> Build(const std::vector<ExpectedDomain>& expected,
                                         std::shared_ptr<const SuffixList> suffixes,
                                         const TypoData& typo_data,
                                         const DetectorOptions& options = {});

  // Returns true iff `domain` is expected: listed (a protected known domain
  // included), a subdomain of an entry that includes subdomains, or under a
  // trusted wildcard suffix.
  bool IsExpected(const DomainName& domain) const;

  // Returns the expected domain that `typed` most likely imitates, or nullopt if
  // `typed` is itself expected or nothing expected is close enough. Cost does not
  // grow with the number of expected domains (indexed candidates only).
  std::optional<LookalikeMatch> Check(const DomainName& typed) const;
  // The same, answered from `cache` when it holds `typed` (null: no cache).
  std::optional<LookalikeMatch> Check(const DomainName& typed, LookalikeCache* cache) const;

  // Returns true iff `domain` or its registrable domain is a known domain.
  bool IsKnown(const DomainName& domain) const;

  size_t size() const;         // number of expected domains indexed
  size_t MemoryUsage() const;  // bytes held by the indexes and the domain strings

 private:
  explicit LookalikeDetector(std::shared_ptr<const DetectorIndex> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const DetectorIndex> impl_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_DETECTOR_H_
