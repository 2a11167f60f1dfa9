// Answering from correspondent history's index: message counts, learned
// domains, and Examine, which judges a new recipient against the sender's
// correspondents (a slip of an address, a sister domain, a display name).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "core/history_index.h"

namespace rcptguard {

using namespace history_internal;  // NOLINT: this file's own internals

namespace {

bool SharesDigest(const std::vector<uint32_t>& sorted, const uint32_t* begin, const uint32_t* end) {
  // Both sides are short sorted runs (a dozen digests).
  return SortedRangesMeet(sorted.begin(), sorted.end(), begin, end);
}

// The best explanation found so far for a new recipient. Classes rank by how
// specific their evidence is: the same local part at a sister domain, then a
// slip of a local part, then the same name at the same domain, then a display
// name, then the same name at a sister domain.
struct Suspect {
  HistoryFinding::Unfamiliar unfamiliar = HistoryFinding::Unfamiliar::kNone;
  int rank = 0;
  std::string address;
  int64_t messages = 0;
  double slips = 0;
  bool same_local_part = false;

  void Offer(HistoryFinding::Unfamiliar what, int what_rank, std::string_view usual,
             int64_t usual_messages, double usual_slips = 0, bool same_local = false) {
    bool better =
        what_rank > rank ||
        (what_rank == rank && (usual_slips < slips - kEpsilon ||
                               (usual_slips <= slips + kEpsilon && usual_messages > messages)));
    if (!better) return;
    unfamiliar = what;
    rank = what_rank;
    address.assign(usual);
    messages = usual_messages;
    slips = usual_slips;
    same_local_part = same_local;
  }
};

constexpr int kRankSameLocalPart = 5;
constexpr int kRankSlip = 4;
constexpr int kRankSameName = 3;
constexpr int kRankDisplayName = 2;
constexpr int kRankSisterName = 1;

// How the new recipient's names agree with a correspondent's: by the display
// name the message gives it, and by its local part.
struct Agreement {
  NameAgreement display = NameAgreement::kNone;
  NameAgreement local = NameAgreement::kNone;
};

// Merges the agreements of several names of one correspondent: a full match
// settles it; short of one, a name that conflicts (John's entry against
// Jane) outweighs one that only shares an initial (j.smith).
NameAgreement Stronger(NameAgreement a, NameAgreement b) {
  if (a == NameAgreement::kFull || b == NameAgreement::kFull) return NameAgreement::kFull;
  if (a == NameAgreement::kConflict || b == NameAgreement::kConflict) {
    return NameAgreement::kConflict;
  }
  return a == NameAgreement::kInitial || b == NameAgreement::kInitial ? NameAgreement::kInitial
                                                                      : NameAgreement::kNone;
}

bool Agrees(NameAgreement a) { return a == NameAgreement::kInitial || a == NameAgreement::kFull; }

// The new recipient as the name checks see it.
struct NewRecipient {
  PersonName display;   // from the display name the message gives it
  PersonName local;     // from its local part
  std::string letters;  // its local part run together, if written so
};

Agreement Compare(const NewRecipient& r, std::string_view serialized, const NameVariants& v) {
  Agreement out;
  PersonEntry c = ParsePerson(serialized);
  for (const PersonName& name : c.names) {
    if (!r.display.empty()) out.display = Stronger(out.display, CompareNames(r.display, name, v));
    if (!r.local.empty()) out.local = Stronger(out.local, CompareNames(r.local, name, v));
    if (!r.letters.empty()) out.local = Stronger(out.local, SpellsName(r.letters, name, v));
  }
  if (!c.letters.empty()) {
    if (!r.display.empty())
      out.display = Stronger(out.display, SpellsName(c.letters, r.display, v));
    if (!r.local.empty()) out.local = Stronger(out.local, SpellsName(c.letters, r.local, v));
    if (!r.letters.empty() && SameRunTogetherName(r.letters, c.letters)) {
      out.local = Stronger(out.local, NameAgreement::kInitial);
    }
  }
  return out;
}

std::string_view DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

}  // namespace

int64_t CorrespondentHistory::DomainMessages(std::string_view sender,
                                             std::string_view domain) const {
  const Index& index = *index_;
  if (sender.empty()) return index.Count(&Index::org_domains, HashString(domain));
  return index.Count(&Index::sender_domains,
                     PairKey(HashString(index.keyer.Key(sender)), HashString(domain)));
}

int64_t CorrespondentHistory::AddressMessages(std::string_view sender,
                                              std::string_view recipient) const {
  const Index& index = *index_;
  uint64_t recipient_key = HashString(index.keyer.Key(recipient));
  if (sender.empty()) return index.Count(&Index::org_addresses, recipient_key);
  return index.PairMessages(PairKey(HashString(index.keyer.Key(sender)), recipient_key));
}

std::vector<ExpectedDomain> CorrespondentHistory::LearnedDomains() const {
  const Index& index = *index_;
  std::vector<ExpectedDomain> learned;
  if (index.domain_totals.empty()) return learned;
  double most = static_cast<double>(index.domain_totals.front().second);
  for (const auto& [domain, messages] : index.domain_totals) {
    if (messages < index.options.expected_domain_messages) break;
    ExpectedDomain expected;
    expected.domain = domain;
    expected.source = DomainSource::kLearned;
    // Use on a log scale: the organisation's main partner weighs like a trusted
    // domain, one written to a few times still counts for something.
    expected.weight =
        std::min(1.0, 0.25 + 0.75 * std::log1p(static_cast<double>(messages)) / std::log1p(most));
    learned.push_back(std::move(expected));
  }
  return learned;
}

const HistoryOptions& CorrespondentHistory::options() const { return index_->options; }

HistoryFinding CorrespondentHistory::Examine(const Address* sender, const Address& recipient,
                                             std::string_view display_name, int64_t now) const {
  const Index& index = *index_;
  HistoryFinding finding;
  std::string recipient_canonical = CanonicalAddress(recipient);
  std::string recipient_key = index.keyer.Key(recipient_canonical);
  uint64_t recipient_hash = HashString(recipient_key);
  uint64_t domain_hash = HashString(recipient.domain.ascii);
  if (!sender) {
    finding.domain_familiar =
        index.Count(&Index::org_domains, domain_hash) >= index.options.organisation_messages;
    finding.address_familiar = index.Count(&Index::org_addresses, recipient_hash) > 0;
    return finding;
  }
  std::string sender_key = index.keyer.Key(CanonicalAddress(*sender));
  uint64_t sender_hash = HashString(sender_key);

  // An exception names the address, or the domain, or a parent of the domain.
  const FrozenMap<int64_t>& exceptions = index.ExceptionMap();
  auto excepted = [&](std::string_view what) {
    const int64_t* expires = exceptions.Find(PairKey(sender_hash, HashString(what)));
    return expires && *expires > now;
  };
  if (exceptions.size() > 0) {
    finding.excepted = excepted(recipient_key);
    for (std::string_view d = recipient.domain.ascii; !finding.excepted && !d.empty();) {
      finding.excepted = excepted(d);
      size_t dot = d.find('.');
      d = dot == std::string_view::npos ? std::string_view() : d.substr(dot + 1);
    }
  }

  uint64_t sender_domain_key = PairKey(sender_hash, domain_hash);
  int64_t sender_domain = index.Count(&Index::sender_domains, sender_domain_key);
  // One message is not enough, even from this sender: a slip that went out
  // once (before history knew better) must not become a habit.
  finding.domain_familiar =
      index.Count(&Index::org_domains, domain_hash) >= index.options.organisation_messages;

  if (index.PairMessages(PairKey(sender_hash, recipient_hash)) > 0) {
    finding.address_familiar = true;
    return finding;
  }
  // Someone here writes to this exact address: a real person, not a slip,
  // however much its name or spelling resembles one of the sender's
  // correspondents (the namesake the organisation knows).
  // One exception: a personal address at a public mail provider, given the
  // name of a frequent correspondent of this sender who is at another address
  // (the autocomplete offered the correspondent's personal address, which a
  // colleague uses). Only the display name is examined then.
  bool org_known = index.Count(&Index::org_addresses, recipient_hash) > 0;
  if (org_known) {
    finding.address_familiar = true;
    if (display_name.empty() || !index.IsPublicProvider(recipient.domain.ascii)) return finding;
  }

  const int64_t frequent = index.options.frequent_messages;
  const bool clear = !index.keyer.hashed();
  const NameVariants& variants = *index.variants;
  std::string_view local = LocalPartOf(recipient_canonical);
  Suspect suspect;

  // An address written as the name ("paul.turner@x.org" <p.turner77@gmail.com>),
  // as clients do for a contact without a name: if the sender writes to that
  // address, the message names that correspondent.
  std::string shown_local;
  if (std::string_view shown = AddressInDisplay(display_name); !shown.empty()) {
    if (Result<std::string> canonical = CanonicalAddress(shown);
        canonical && *canonical != recipient_canonical) {
      int64_t messages =
          index.PairMessages(PairKey(sender_hash, HashString(index.keyer.Key(*canonical))));
      if (messages >= frequent) {
        suspect.Offer(HistoryFinding::Unfamiliar::kNameMismatch, kRankDisplayName, *canonical,
                      messages);
      }
      shown_local.assign(LocalPartOf(*canonical));
    }
  }

  // The same local part at a sister domain the sender writes to: the person
  // is known, the domain is not theirs (tgreen1981@hotmail.com for
  // tgreen1981@hotmail.co.uk). Works in hashed mode too: the candidate
  // address is keyed and looked up.
  SenderDomain typed_domain = MakeSenderDomain(recipient.domain.ascii);
  std::vector<const SenderDomain*> sisters;
  std::vector<uint64_t> core_hashes;
  if (!org_known) DeletionHashes(CoreOf(typed_domain), &core_hashes);
  std::sort(core_hashes.begin(), core_hashes.end());
  core_hashes.erase(std::unique(core_hashes.begin(), core_hashes.end()), core_hashes.end());
  for (uint64_t h : core_hashes) {
    index.ForEachDomainNear(h, [&](const SenderDomain& domain) {
      if (!SisterDomains(typed_domain, domain)) return;
      if (index.Count(&Index::sender_domains, PairKey(sender_hash, HashString(domain.domain))) ==
          0) {
        return;  // the organisation writes there, this sender does not
      }
      for (const SenderDomain* seen : sisters) {
        if (seen->domain == domain.domain) return;  // listed by an overlay and its base
      }
      sisters.push_back(&domain);
      if (IsServiceMailbox(local)) return;
      std::string candidate = std::string(local) + "@" + domain.domain;
      int64_t messages =
          index.PairMessages(PairKey(sender_hash, HashString(index.keyer.Key(candidate))));
      if (messages >= frequent) {
        // The usual address is the guess that was looked up, so hashed mode
        // can name it too: it comes from the recipient, not from the store.
        suspect.Offer(HistoryFinding::Unfamiliar::kOtherDomain, kRankSameLocalPart, candidate,
                      messages, 0, true);
      }
    });
  }

  // A display name the sender uses for someone else, exactly as normalised:
  // the autocomplete slip. The usual address is the one the sender writes to
  // most among those the name was given; how often the name itself came with
  // it does not matter (mail clients often send no display name).
  std::string name = NormalizeDisplayName(display_name);
  if (!name.empty()) {
    const NamedRecipient* usual = nullptr;
    int64_t usual_messages = 0;
    index.ForEachNamed(
        PairKey(sender_key, index.keyer.Key(name)), [&](const NamedRecipient& named) {
          int64_t messages = index.PairMessages(PairKey(sender_hash, named.recipient));
          if (!usual || messages > usual_messages) {
            usual = &named;
            usual_messages = messages;
          }
        });
    bool usual_is_work = clear && !index.IsPublicProvider(DomainOf(usual ? usual->address : ""));
    if (usual && usual_messages >= frequent && (!org_known || usual_is_work)) {
      suspect.Offer(HistoryFinding::Unfamiliar::kNameMismatch, kRankDisplayName, usual->address,
                    usual_messages);
    }
  }

  NewRecipient r;
  if (clear) {
    r.display = NameFromDisplay(display_name);
    if (r.display.empty() && !shown_local.empty()) {
      r.display = NameFromLocalPart(shown_local, variants);
    }
    if (!org_known) {
      r.local = NameFromLocalPart(local, variants);
      r.letters = RunTogetherLetters(local);
    }
  }
  // A display name that names someone else than the correspondent says the
  // sender means another person (Jane Smith, not John): not a slip of John's.
  auto display_conflicts = [&](uint64_t correspondent) {
    if (r.display.empty()) return false;
    std::string_view person = index.PersonOf(correspondent);
    return !person.empty() && Compare(r, person, variants).display == NameAgreement::kConflict;
  };

  // A slip of a frequent correspondent's local part at this domain: one slip
  // for a short one, two for a long one (clear mode); one edit by the
  // deletion digests (hashed mode, where local parts are not kept).
  if (sender_domain > 0 && !org_known) {
    if (clear) {
      size_t compared = 0;
      index.ForEachCorrespondent(sender_domain_key, [&](const Index&, const Correspondent& c) {
        if (compared++ >= kMaxCompared) return;
        std::string_view usual_local = LocalPartOf(c.address);
        double budget = SlipBudget(usual_local);
        if (budget <= 0) return;
        double slips = LocalPartDistance(local, usual_local, budget);
        if (slips > budget + kEpsilon || slips <= kEpsilon) return;
        if (display_conflicts(c.recipient)) return;
        suspect.Offer(HistoryFinding::Unfamiliar::kNearCorrespondent, kRankSlip, c.address,
                      c.messages, slips);
      });
    } else {
      std::vector<uint32_t> digests = index.keyer.LocalPartDigests(local);
      if (!digests.empty()) {
        index.ForEachCorrespondent(sender_domain_key,
                                   [&](const Index& owner, const Correspondent& c) {
                                     const uint32_t* begin = owner.digests.data() + c.digests.begin;
                                     const uint32_t* end = owner.digests.data() + c.digests.end;
                                     if (SharesDigest(digests, begin, end)) {
                                       suspect.Offer(HistoryFinding::Unfamiliar::kNearCorrespondent,
                                                     kRankSlip, "", c.messages, 1.0);
                                     }
                                   });
      }
    }
  }

  // People, not strings (clear mode): correspondents found by a word of the
  // new recipient's names, or by its run-together letters, then compared name
  // against name.
  if (clear && (!r.display.empty() || !r.local.empty() || !r.letters.empty())) {
    std::vector<std::string_view> handles;
    for (const PersonName* name_of : {&r.display, &r.local}) {
      for (const std::string& word : name_of->words) {
        if (word.size() >= 3) handles.push_back(word);
      }
    }
    std::string_view letters = r.letters;
    for (size_t n = 4; n <= letters.size(); ++n) {
      handles.push_back(letters.substr(0, n));
      if (n < letters.size()) handles.push_back(letters.substr(letters.size() - n));
    }
    std::vector<const Correspondent*> seen;
    for (std::string_view handle : handles) {
      index.ForEachByHandle(PairKey(sender_hash, HashString(handle)),
                            [&](const Index&, const Correspondent& c) {
                              if (std::find(seen.begin(), seen.end(), &c) != seen.end()) return;
                              seen.push_back(&c);
                              if (c.address == recipient_canonical) return;
                              std::string_view person = index.PersonOf(c.recipient);
                              if (person.empty()) return;
                              Agreement agreement = Compare(r, person, variants);
                              std::string_view domain = DomainOf(c.address);
                              if (org_known) {
                                // A colleague's contact: only the full name of a frequent
                                // correspondent who is not at a public provider.
                                if (agreement.display == NameAgreement::kFull &&
                                    c.messages >= frequent && !index.IsPublicProvider(domain)) {
                                  suspect.Offer(HistoryFinding::Unfamiliar::kNameMismatch,
                                                kRankDisplayName, c.address, c.messages);
                                }
                                return;
                              }
                              if (domain == recipient.domain.ascii) {
                                // The same name at the same domain: the wrong John Smith, or
                                // his name in another format (annapatel@ for apatel@).
                                if (agreement.display == NameAgreement::kConflict) return;
                                if (Agrees(agreement.display) || Agrees(agreement.local)) {
                                  suspect.Offer(HistoryFinding::Unfamiliar::kSameName,
                                                kRankSameName, c.address, c.messages);
                                }
                                return;
                              }
                              // The display name is the correspondent's: in full, or against
                              // the initial of a correspondent whose given name history never
                              // saw written out (a.begum@, no display name: "Begum, Amy").
                              if (Agrees(agreement.display)) {
                                suspect.Offer(HistoryFinding::Unfamiliar::kNameMismatch,
                                              kRankDisplayName, c.address, c.messages);
                                return;
                              }
                              bool sister = false;
                              for (const SenderDomain* s : sisters)
                                sister = sister || s->domain == domain;
                              if (sister && agreement.display != NameAgreement::kConflict &&
                                  (Agrees(agreement.local) || Agrees(agreement.display))) {
                                suspect.Offer(HistoryFinding::Unfamiliar::kOtherDomain,
                                              kRankSisterName, c.address, c.messages);
                              }
                            });
    }
  }

  if (suspect.unfamiliar != HistoryFinding::Unfamiliar::kNone) {
    finding.unfamiliar = suspect.unfamiliar;
    finding.usual_address = std::move(suspect.address);
    finding.usual_messages = suspect.messages;
    finding.slips = suspect.slips;
    finding.same_local_part = suspect.same_local_part;
  }
  return finding;
}

size_t CorrespondentHistory::pair_count() const { return index_->pair_count; }

size_t CorrespondentHistory::MemoryUsage() const {
  size_t total = 0;
  for (const Index* index = index_.get(); index; index = index->base.get()) {
    total += sizeof(Index) + index->pairs.MemoryUsage() + index->org_addresses.MemoryUsage() +
             index->sender_domains.MemoryUsage() + index->org_domains.MemoryUsage() +
             index->correspondents.MemoryUsage() + index->names.MemoryUsage() +
             index->exceptions.MemoryUsage() + index->domain_lists.MemoryUsage() +
             index->people.MemoryUsage() + index->handles.MemoryUsage() +
             index->correspondent_list.capacity() * sizeof(Correspondent) +
             index->digests.capacity() * sizeof(uint32_t) +
             index->name_list.capacity() * sizeof(NamedRecipient) +
             index->domain_list.capacity() * sizeof(SenderDomain) +
             index->domain_ids.capacity() * sizeof(uint32_t) +
             index->handle_ids.capacity() * sizeof(uint32_t) +
             index->person_list.capacity() * sizeof(std::string);
    for (const Correspondent& c : index->correspondent_list) total += c.address.capacity();
    for (const NamedRecipient& n : index->name_list) total += n.address.capacity();
    for (const std::string& p : index->person_list) total += p.capacity();
    for (const SenderDomain& d : index->domain_list) total += d.domain.capacity();
    for (const auto& [domain, messages] : index->domain_totals) total += domain.size() + 40;
  }
  return total;
}

}  // namespace rcptguard
