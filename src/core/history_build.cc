// Building correspondent history's index from a snapshot of the store (or an
// overlay of changes on top of a built one): CorrespondentHistory::Build and
// Overlay. See history_index.h for what the index holds.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/history_index.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {

using namespace history_internal;  // NOLINT: this file's own internals

namespace {

// Serialised form kept in the index: "letters\tword word|word word".
std::string SerializePerson(const PersonEntry& person) {
  std::string out = person.letters;
  out.push_back('\t');
  for (size_t i = 0; i < person.names.size(); ++i) {
    if (i > 0) out.push_back('|');
    for (size_t w = 0; w < person.names[i].words.size(); ++w) {
      if (w > 0) out.push_back(' ');
      out += person.names[i].words[w];
    }
  }
  return out;
}

PersonEntry DescribePerson(std::string_view local_part, const std::vector<std::string_view>& names,
                           const NameVariants& variants) {
  PersonEntry person;
  person.letters = RunTogetherLetters(local_part);
  auto add = [&](PersonName name) {
    if (name.words.size() < 2) return;
    for (const PersonName& known : person.names) {
      if (known.words == name.words) return;
    }
    person.names.push_back(std::move(name));
  };
  add(NameFromLocalPart(local_part, variants));
  for (std::string_view name : names) add(NameFromDisplay(name));
  return person;
}

// What a correspondent can be found by: the words of its names and its
// run-together letters, with one end trimmed ("apatel" is found by "patel").
std::vector<std::string> PersonHandles(const PersonEntry& person) {
  std::vector<std::string> handles;
  for (const PersonName& name : person.names) {
    for (const std::string& word : name.words) {
      if (word.size() >= 3) handles.push_back(word);
    }
  }
  const std::string& l = person.letters;
  if (l.size() >= 4) handles.push_back(l);
  if (l.size() >= 5) {
    handles.push_back(l.substr(1));
    handles.push_back(l.substr(0, l.size() - 1));
  }
  std::sort(handles.begin(), handles.end());
  handles.erase(std::unique(handles.begin(), handles.end()), handles.end());
  return handles;
}

template <typename V>
std::unordered_map<uint64_t, Span> LayOut(std::unordered_map<uint64_t, std::vector<V>>& groups,
                                          std::vector<V>* list) {
  std::unordered_map<uint64_t, Span> spans;
  spans.reserve(groups.size());
  for (auto& [key, members] : groups) {
    Span span{static_cast<uint32_t>(list->size()), 0};
    for (V& member : members) list->push_back(std::move(member));
    span.end = static_cast<uint32_t>(list->size());
    spans[key] = span;
  }
  return spans;
}

// Builds the index's maps from a snapshot. `base` (may be null) is the index
// an overlay sits on: aggregate counts become differences to it.
std::shared_ptr<CorrespondentHistory::Index> BuildIndex(
    const HistorySnapshot& snapshot, const HistoryKeyer& keyer, const HistoryOptions& options,
    std::shared_ptr<const NameVariants> variants,
    std::shared_ptr<const CorrespondentHistory::Index> base) {
  auto index = std::make_shared<CorrespondentHistory::Index>();
  index->keyer = keyer;
  index->options = options;
  index->variants = std::move(variants);
  index->base = base;
  index->pair_count = snapshot.pairs.size();
  bool clear = !keyer.hashed();

  std::unordered_map<uint64_t, int64_t> pairs;
  std::unordered_map<uint64_t, int64_t> org_addresses;
  std::unordered_map<uint64_t, int64_t> sender_domains;
  std::unordered_map<uint64_t, int64_t> org_domains;
  std::unordered_map<std::string, int64_t> domain_totals;
  std::unordered_map<uint64_t, std::vector<Correspondent>> correspondent_groups;
  std::unordered_map<uint64_t, std::vector<uint32_t>> domain_groups;
  pairs.reserve(snapshot.pairs.size());
  org_addresses.reserve(snapshot.pairs.size());

  for (const PairRecord& pair : snapshot.pairs) {
    uint64_t sender = HashString(pair.sender);
    uint64_t recipient = HashString(pair.recipient);
    uint64_t pair_key = PairKey(sender, recipient);
    uint64_t domain = HashString(pair.domain);
    // In an overlay a pair replaces the base's count, so the aggregates move
    // by the difference.
    int64_t delta = pair.messages - (base ? base->PairMessages(pair_key) : 0);
    pairs[pair_key] = pair.messages;
    org_addresses[recipient] += delta;
    sender_domains[PairKey(sender, domain)] += delta;
    auto [od, new_domain] = org_domains.try_emplace(domain, 0);
    od->second += delta;
    if (new_domain &&
        (!base || base->Count(&CorrespondentHistory::Index::org_domains, domain) == 0)) {
      auto id = static_cast<uint32_t>(index->domain_list.size());
      index->domain_list.push_back(MakeSenderDomain(pair.domain));
      std::vector<uint64_t> hashes;
      DeletionHashes(CoreOf(index->domain_list.back()), &hashes);
      std::sort(hashes.begin(), hashes.end());
      hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
      for (uint64_t h : hashes) domain_groups[h].push_back(id);
    }
    domain_totals[pair.domain] += delta;

    if (pair.messages < options.frequent_messages) continue;
    Correspondent correspondent;
    correspondent.sender = sender;
    correspondent.recipient = recipient;
    correspondent.messages = pair.messages;
    if (clear) {
      correspondent.address = pair.recipient;
    } else {
      // Hashed mode compares local parts by their one-deletion digests only.
      if (pair.local_digests.empty()) continue;  // too short to compare
      correspondent.digests.begin = static_cast<uint32_t>(index->digests.size());
      index->digests.insert(index->digests.end(), pair.local_digests.begin(),
                            pair.local_digests.end());
      correspondent.digests.end = static_cast<uint32_t>(index->digests.size());
    }
    correspondent_groups[PairKey(sender, domain)].push_back(std::move(correspondent));
  }
  // Most frequent first in each group: the letter-by-letter comparison looks
  // at the first kMaxCompared only.
  for (auto& [key, members] : correspondent_groups) {
    std::sort(members.begin(), members.end(), [](const Correspondent& a, const Correspondent& b) {
      return a.messages > b.messages;
    });
  }
  auto correspondent_spans = LayOut(correspondent_groups, &index->correspondent_list);
  auto domain_spans = LayOut(domain_groups, &index->domain_ids);

  std::unordered_map<uint64_t, std::vector<NamedRecipient>> name_groups;
  // Clear mode: (recipient, index into snapshot.names), to gather each
  // correspondent's display names from every sender.
  std::vector<std::pair<uint64_t, uint32_t>> names_by_recipient;
  for (size_t i = 0; i < snapshot.names.size(); ++i) {
    const NameRecord& name = snapshot.names[i];
    NamedRecipient named;
    named.recipient = HashString(name.recipient);
    named.messages = name.messages;
    if (clear) {
      named.address = name.recipient;
      names_by_recipient.emplace_back(named.recipient, static_cast<uint32_t>(i));
    }
    name_groups[PairKey(name.sender, name.name)].push_back(std::move(named));
  }
  auto name_spans = LayOut(name_groups, &index->name_list);

  // Who the frequent correspondents are (clear mode): one entry per
  // recipient, and the handles each sender finds them by. Built from sorted
  // flat vectors: at a million pairs, maps of vectors cost more than the work.
  std::vector<std::pair<uint64_t, uint32_t>> people;    // recipient -> person
  std::vector<std::pair<uint64_t, Span>> handle_spans;  // (sender, handle) -> correspondents
  if (clear) {
    std::sort(names_by_recipient.begin(), names_by_recipient.end());
    std::vector<std::pair<uint64_t, uint32_t>> recipients;  // recipient -> a correspondent
    recipients.reserve(index->correspondent_list.size());
    for (uint32_t c = 0; c < index->correspondent_list.size(); ++c) {
      recipients.emplace_back(index->correspondent_list[c].recipient, c);
    }
    std::sort(recipients.begin(), recipients.end());
    std::vector<uint64_t> handle_pool;
    std::vector<Span> handles_of;  // per person, into handle_pool
    std::vector<std::string_view> known;
    size_t n = 0;
    for (size_t r = 0; r < recipients.size(); ++r) {
      uint64_t recipient = recipients[r].first;
      if (r > 0 && recipients[r - 1].first == recipient) continue;
      while (n < names_by_recipient.size() && names_by_recipient[n].first < recipient) ++n;
      known.clear();
      for (; n < names_by_recipient.size() && names_by_recipient[n].first == recipient; ++n) {
        std::string_view name = snapshot.names[names_by_recipient[n].second].name;
        if (std::find(known.begin(), known.end(), name) == known.end()) known.push_back(name);
      }
      const Correspondent& correspondent = index->correspondent_list[recipients[r].second];
      PersonEntry person =
          DescribePerson(LocalPartOf(correspondent.address), known, *index->variants);
      Span span{static_cast<uint32_t>(handle_pool.size()), 0};
      for (const std::string& handle : PersonHandles(person)) {
        handle_pool.push_back(HashString(handle));
      }
      span.end = static_cast<uint32_t>(handle_pool.size());
      people.emplace_back(recipient, static_cast<uint32_t>(index->person_list.size()));
      handles_of.push_back(span);
      index->person_list.push_back(SerializePerson(person));
    }
    // people is sorted by recipient: each correspondent finds its person by
    // binary search.
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    for (uint32_t c = 0; c < index->correspondent_list.size(); ++c) {
      const Correspondent& correspondent = index->correspondent_list[c];
      auto it = std::lower_bound(people.begin(), people.end(),
                                 std::make_pair(correspondent.recipient, uint32_t{0}));
      const Span& span = handles_of[static_cast<size_t>(it - people.begin())];
      for (uint32_t h = span.begin; h < span.end; ++h) {
        entries.emplace_back(PairKey(correspondent.sender, handle_pool[h]), c);
      }
    }
    std::sort(entries.begin(), entries.end());
    index->handle_ids.reserve(entries.size());
    for (size_t e = 0; e < entries.size(); ++e) {
      if (e == 0 || entries[e].first != entries[e - 1].first) {
        handle_spans.emplace_back(entries[e].first,
                                  Span{static_cast<uint32_t>(index->handle_ids.size()), 0});
      }
      index->handle_ids.push_back(entries[e].second);
      handle_spans.back().second.end = static_cast<uint32_t>(index->handle_ids.size());
    }
  }

  std::unordered_map<uint64_t, int64_t> exceptions;
  for (const ExceptionRecord& exception : snapshot.exceptions) {
    int64_t& expires = exceptions[PairKey(exception.sender, exception.recipient)];
    expires = std::max(expires, exception.expires);
  }

  index->pairs = FrozenMap<int64_t>(pairs);
  index->org_addresses = FrozenMap<int64_t>(org_addresses);
  index->sender_domains = FrozenMap<int64_t>(sender_domains);
  index->org_domains = FrozenMap<int64_t>(org_domains);
  index->correspondents = FrozenMap<Span>(correspondent_spans);
  index->names = FrozenMap<Span>(name_spans);
  index->exceptions = FrozenMap<int64_t>(exceptions);
  index->domain_lists = FrozenMap<Span>(domain_spans);
  index->people = FrozenMap<uint32_t>(people);
  index->handles = FrozenMap<Span>(handle_spans);
  if (base) {
    // Learned domains of an overlay: the base's totals moved by this delta.
    for (const auto& [domain, total] : base->domain_totals) domain_totals[domain] += total;
  }
  index->domain_totals.assign(domain_totals.begin(), domain_totals.end());
  std::sort(index->domain_totals.begin(), index->domain_totals.end(),
            [](const auto& a, const auto& b) {
              return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
  return index;
}

// The shipped provider list's domains, sorted; empty should it fail to parse
// (the unit tests parse it).
std::shared_ptr<const std::vector<std::string>> PublicProviders() {
  auto providers = std::make_shared<std::vector<std::string>>();
  auto parsed = ParseDomainList(EmbeddedProviders(), "data/providers.txt", DomainSource::kProvider);
  if (parsed) {
    for (const ExpectedDomain& d : *parsed) providers->push_back(d.domain);
    std::sort(providers->begin(), providers->end());
  }
  return providers;
}

}  // namespace

std::shared_ptr<const CorrespondentHistory> CorrespondentHistory::Build(
    const HistorySnapshot& snapshot, const HistoryKeyer& keyer, const HistoryOptions& options,
    std::shared_ptr<const NameVariants> variants) {
  if (!variants) variants = NameVariants::Embedded();
  auto index = BuildIndex(snapshot, keyer, options, std::move(variants), nullptr);
  index->public_providers = PublicProviders();
  return std::shared_ptr<const CorrespondentHistory>(new CorrespondentHistory(std::move(index)));
}

std::shared_ptr<const CorrespondentHistory> CorrespondentHistory::Overlay(
    std::shared_ptr<const CorrespondentHistory> base, const HistorySnapshot& delta) {
  const Index& below = *base->index_;
  auto index = BuildIndex(delta, below.keyer, below.options, below.variants, base->index_);
  index->public_providers = below.public_providers;
  index->replaces_exceptions = true;  // a delta carries every unexpired exception
  index->pair_count = below.pair_count + delta.pairs.size();
  return std::shared_ptr<const CorrespondentHistory>(new CorrespondentHistory(std::move(index)));
}

}  // namespace rcptguard
