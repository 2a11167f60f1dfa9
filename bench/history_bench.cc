// Benchmarks of correspondent history on a synthetic organisation of 100k and
// 1M (sender, recipient) pairs: index build time and memory, Examine for a
// known, a near-miss and a new recipient, and Policy::Evaluate with history
// (learned expected domains and per-sender checks) against the same policy
// without it.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/synthetic_names.h"
#include "config/config.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/history.h"
#include "rcptguard/policy.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

constexpr int64_t kNow = 1'790'000'000;
constexpr size_t kQueries = 1000;

// An organisation: senders at mod.uk, each writing to about 100 addresses at
// partner domains drawn from a shared pool (a few big partners, a long tail),
// with Zipf-like counts; people have first.last local parts and a name.
struct Organisation {
  HistoryKeyer keyer;
  HistorySnapshot snapshot;
  std::vector<std::string> senders;
  std::vector<std::string> known;  // "sender\trecipient" of existing pairs
  std::vector<std::string> near;   // a frequent correspondent with one letter changed
  std::vector<std::string> fresh;  // a new address at a new domain
  // A new address at a domain the sender writes to: every name and slip check
  // runs, and finds nothing (the costliest answer).
  std::vector<std::string> new_at_known;
  // A frequent correspondent's name, written "Last, First", on a new address.
  std::vector<std::string> by_name;
  std::shared_ptr<const CorrespondentHistory> history;
};

std::string Person(DeterministicRandom& random) {
  return MakeLabel(random).substr(0, 6) + "." + MakeLabel(random).substr(0, 8);
}

std::unique_ptr<Organisation> MakeOrganisation(size_t pairs) {
  auto org = std::make_unique<Organisation>();
  DeterministicRandom random(pairs * 31 + 7);
  constexpr size_t kPerSender = 100;
  size_t sender_count = pairs / kPerSender;
  std::vector<std::string> domains;
  for (size_t i = 0; i < sender_count / 5 + 50; ++i) domains.push_back(MakeDomainName(random));
  // A shared pool of people, so that several senders write to the same address.
  std::vector<std::string> people;
  for (size_t i = 0; i < pairs / 4; ++i) {
    // Zipf-like choice of domain: the first ones are the big partners.
    size_t d =
        static_cast<size_t>(static_cast<double>(domains.size()) *
                            std::pow(static_cast<double>(random.Below(1000) + 1) / 1000.0, 3));
    people.push_back(Person(random) + "@" + domains[std::min(d, domains.size() - 1)]);
  }
  org->snapshot.pairs.reserve(pairs);
  for (size_t s = 0; s < sender_count; ++s) {
    std::string sender = "user" + std::to_string(s) + "@mod.uk";
    org->senders.push_back(sender);
    std::map<std::string, int64_t> mine;
    while (mine.size() < kPerSender) {
      mine.emplace(people[random.Below(people.size())], 1 + 200 / (1 + random.Below(100)));
    }
    for (const auto& [recipient, messages] : mine) {
      PairRecord pair;
      pair.sender = sender;
      pair.recipient = recipient;
      pair.domain = recipient.substr(recipient.find('@') + 1);
      pair.messages = messages;
      pair.first_seen = kNow - 86400 * 200;
      pair.last_seen = kNow - 86400;
      org->snapshot.pairs.push_back(pair);
      // Most pairs carry the display name "Last, First" (a GAL's form).
      std::string local = recipient.substr(0, recipient.find('@'));
      std::string display =
          local.substr(local.find('.') + 1) + ", " + local.substr(0, local.find('.'));
      if (random.Below(10) < 6) {
        org->snapshot.names.push_back(
            NameRecord{sender, NormalizeDisplayName(display), recipient, messages});
      }
      if (messages >= 5 && org->by_name.size() < kQueries && random.Below(4) == 0) {
        org->by_name.push_back(sender + "\t\"" + display + "\" <" + local + "77@gmail.com>");
      }
      if (org->new_at_known.size() < kQueries && random.Below(50) == 0) {
        org->new_at_known.push_back(sender + "\t" + Person(random) + "@" + pair.domain);
      }
      if (messages >= 5 && org->near.size() < kQueries) {
        std::string slip = recipient;
        std::swap(slip[1], slip[2]);  // a transposition in the local part
        org->near.push_back(sender + "\t" + slip);
      }
      if (org->known.size() < kQueries && random.Below(50) == 0) {
        org->known.push_back(sender + "\t" + recipient);
      }
    }
    if (org->fresh.size() < kQueries) {
      org->fresh.push_back(sender + "\t" + Person(random) + "@" + MakeDomainName(random));
    }
  }
  org->history = CorrespondentHistory::Build(org->snapshot, org->keyer);
  return org;
}

const Organisation& Org(size_t pairs) {
  static std::map<size_t, std::unique_ptr<Organisation>> cache;
  auto& slot = cache[pairs];
  if (!slot) slot = MakeOrganisation(pairs);
  return *slot;
}

struct Query {
  Address sender;
  Address recipient;
};

std::vector<Query> Parse(const std::vector<std::string>& lines) {
  std::vector<Query> queries;
  for (const std::string& line : lines) {
    size_t tab = line.find('\t');
    auto sender = ParseAddress(line.substr(0, tab));
    auto recipient = ParseAddress(line.substr(tab + 1));
    if (sender && recipient) queries.push_back(Query{*sender, *recipient});
  }
  return queries;
}

void BM_HistoryBuild(benchmark::State& state) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  size_t memory = 0;
  for (auto _ : state) {
    auto history = CorrespondentHistory::Build(org.snapshot, org.keyer);
    memory = history->MemoryUsage();
    benchmark::DoNotOptimize(history);
  }
  state.counters["bytes_per_pair"] =
      static_cast<double>(memory) / static_cast<double>(state.range(0));
  state.counters["MB"] = static_cast<double>(memory) / 1e6;
}

void RunExamine(benchmark::State& state, const std::vector<std::string>& lines,
                const Organisation& org) {
  std::vector<Query> queries = Parse(lines);
  size_t i = 0;
  for (auto _ : state) {
    const Query& q = queries[i++ % queries.size()];
    benchmark::DoNotOptimize(
        org.history->Examine(&q.sender, q.recipient, q.recipient.display_name, kNow));
  }
}

void BM_ExamineKnown(benchmark::State& state) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  RunExamine(state, org.known, org);
}
void BM_ExamineNearCorrespondent(benchmark::State& state) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  RunExamine(state, org.near, org);
}
void BM_ExamineNewAtKnownDomain(benchmark::State& state) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  RunExamine(state, org.new_at_known, org);
}
void BM_ExamineDisplayNameOfAnother(benchmark::State& state) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  RunExamine(state, org.by_name, org);
}
void BM_ExamineNewDomain(benchmark::State& state) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  RunExamine(state, org.fresh, org);
}

// The whole per-recipient decision, as the milter makes it: with history the
// policy also holds the learned expected domains.
void RunEvaluate(benchmark::State& state, bool with_history) {
  const Organisation& org = Org(static_cast<size_t>(state.range(0)));
  Config config;
  config.policy.expected = {{"mod.uk", DomainSource::kOwn}};
  static std::map<std::pair<size_t, bool>, std::shared_ptr<const Policy>> policies;
  auto& policy = policies[{static_cast<size_t>(state.range(0)), with_history}];
  if (!policy) {
    auto compiled = CompilePolicy(
        config, with_history ? org.history->LearnedDomains() : std::vector<ExpectedDomain>{});
    if (!compiled) {
      state.SkipWithError(compiled.error().ToString().c_str());
      return;
    }
    policy = *compiled;
  }
  // A realistic mix: mostly known correspondents, some slips, some new.
  std::vector<std::string> lines = org.known;
  lines.insert(lines.end(), org.near.begin(),
               org.near.begin() + std::min<size_t>(100, org.near.size()));
  lines.insert(lines.end(), org.fresh.begin(),
               org.fresh.begin() + std::min<size_t>(100, org.fresh.size()));
  lines.insert(lines.end(), org.new_at_known.begin(),
               org.new_at_known.begin() + std::min<size_t>(100, org.new_at_known.size()));
  lines.insert(lines.end(), org.by_name.begin(),
               org.by_name.begin() + std::min<size_t>(50, org.by_name.size()));
  std::vector<Query> queries = Parse(lines);
  std::vector<std::string> recipients;
  // As written, display name included ("Last, First" <x@gmail.com>).
  for (const std::string& line : lines) recipients.push_back(line.substr(line.find('\t') + 1));
  EvaluationContext context;
  context.history = with_history ? org.history.get() : nullptr;
  context.now = kNow;
  size_t i = 0;
  for (auto _ : state) {
    size_t k = i++ % queries.size();
    benchmark::DoNotOptimize(policy->Evaluate(&queries[k].sender, recipients[k], context));
  }
}
void BM_EvaluateWithHistory(benchmark::State& state) { RunEvaluate(state, true); }
void BM_EvaluateWithoutHistory(benchmark::State& state) { RunEvaluate(state, false); }

BENCHMARK(BM_HistoryBuild)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_ExamineKnown)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_ExamineNearCorrespondent)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_ExamineNewDomain)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_ExamineNewAtKnownDomain)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_ExamineDisplayNameOfAnother)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_EvaluateWithoutHistory)->Arg(1'000'000);
BENCHMARK(BM_EvaluateWithHistory)->Arg(100'000)->Arg(1'000'000);

}  // namespace
}  // namespace rcptguard
