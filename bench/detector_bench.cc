// Benchmarks of the look-alike detector and the policy on synthetic expected-domain
// sets of 1k, 10k and 100k names: query time (flagged, clean, expected), build
// time, memory per domain, end-to-end Policy::Evaluate and address parsing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bench/synthetic_names.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/address.h"
#include "rcptguard/detector.h"
#include "rcptguard/domain.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/policy.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

// How many typed names each query benchmark cycles through: enough that the
// branch predictor and caches cannot learn one name, few enough to precompute.
constexpr size_t kQueryPoolSize = 1000;

// The default policy's lowest band (warn at 0.5) is what Policy passes to the
// detector as its report threshold, so the detector benchmarks use the same.
constexpr double kReportThreshold = 0.5;

// `count` distinct expected domains.
std::vector<std::string> MakeExpectedNames(size_t count, uint64_t seed) {
  DeterministicRandom random(seed);
  std::unordered_set<std::string> seen;
  std::vector<std::string> names;
  names.reserve(count);
  while (names.size() < count) {
    std::string name = MakeDomainName(random);
    if (seen.insert(name).second) names.push_back(std::move(name));
  }
  return names;
}

// Neighbouring keys on a QWERTY keyboard, for realistic substitutions.
std::string_view QwertyNeighbours(char c) {
  static const std::map<char, std::string_view> kNeighbours = {
      {'a', "qwsz"},   {'b', "vghn"},   {'c', "xdfv"},   {'d', "serfcx"}, {'e', "wsdr"},
      {'f', "drtgvc"}, {'g', "ftyhbv"}, {'h', "gyujnb"}, {'i', "ujko"},   {'j', "huikmn"},
      {'k', "jiolm"},  {'l', "kop"},    {'m', "njk"},    {'n', "bhjm"},   {'o', "iklp"},
      {'p', "ol"},     {'q', "wa"},     {'r', "edft"},   {'s', "awedxz"}, {'t', "rfgy"},
      {'u', "yhji"},   {'v', "cfgb"},   {'w', "qase"},   {'x', "zsdc"},   {'y', "tghu"},
      {'z', "asx"}};
  auto it = kNeighbours.find(c);
  return it == kNeighbours.end() ? std::string_view("e") : it->second;
}

// One slip in the registrable label of `name` (omission, repetition,
// transposition, keyboard substitution or insertion), or a suffix swap
// (com -> con, mil -> ml) for one name in eight.
std::string MakeTypo(const std::string& name, const SuffixList& suffixes,
                     DeterministicRandom& random) {
  DomainParts parts = suffixes.Split(name);
  std::string label(parts.label);
  std::string prefix = parts.subdomain.empty() ? "" : std::string(parts.subdomain) + ".";
  std::string suffix(parts.suffix);
  if (random.Below(8) == 0) {
    if (suffix == "com") return prefix + label + ".con";
    if (suffix == "mil") return prefix + label + ".ml";
    if (suffix == "co.uk") return prefix + label + ".uk";
    if (suffix == "org") return prefix + label + ".ogr";
  }
  size_t at = random.Below(label.size());
  switch (random.Below(5)) {
    case 0:  // omission: "gmail" -> "gmal"
      label.erase(at, 1);
      break;
    case 1:  // repetition: "gmail" -> "gmaill"
      label.insert(at, 1, label[at]);
      break;
    case 2:  // transposition: "gmail" -> "gmial"
      if (at + 1 == label.size()) at = at - 1;
      std::swap(label[at], label[at + 1]);
      break;
    case 3: {  // keyboard substitution: "gmail" -> "gmaik"
      std::string_view near = QwertyNeighbours(label[at]);
      label[at] = near[random.Below(near.size())];
      break;
    }
    default: {  // insertion of a neighbouring key: "gmail" -> "gmasil"
      std::string_view near = QwertyNeighbours(label[at]);
      label.insert(at, 1, near[random.Below(near.size())]);
      break;
    }
  }
  return prefix + label + "." + suffix;
}

DomainName MustNormalize(std::string_view typed) {
  auto name = NormalizeDomain(typed);
  if (!name) {
    std::fprintf(stderr, "detector_bench: cannot normalise %.*s: %s\n",
                 static_cast<int>(typed.size()), typed.data(), name.error().ToString().c_str());
    std::abort();
  }
  return *name;
}

// Everything the benchmarks of one expected-domain count share, built once per
// count: the domain list, a detector, a policy, and the query pools.
struct BenchWorld {
  std::vector<ExpectedDomain> expected;
  std::unique_ptr<LookalikeDetector> detector;
  std::shared_ptr<const Policy> policy;
  std::vector<DomainName> typos;            // one-slip typos of expected domains
  std::vector<DomainName> clean;            // unknown and near nothing expected
  std::vector<DomainName> expected_names;   // expected domains themselves
  std::vector<std::string> typo_addresses;  // "user@<typo>"
};

std::shared_ptr<const SuffixList> Suffixes() {
  static const std::shared_ptr<const SuffixList> suffixes = LoadSystemSuffixList();
  return suffixes;
}

const TypoData& EmbeddedTypoData() {
  static const TypoData data = [] {
    auto parsed = TypoData::Embedded();
    if (!parsed) {
      std::fprintf(stderr, "detector_bench: %s\n", parsed.error().ToString().c_str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return data;
}

// The detector options the shipped configuration builds with: the default
// policy's report threshold and the shipped known-domain lists.
const DetectorOptions& ShippedDetectorOptions() {
  static const DetectorOptions options = [] {
    DetectorOptions shipped;
    shipped.report_threshold = kReportThreshold;
    shipped.known_domains = ShippedKnownDomains();
    return shipped;
  }();
  return options;
}

LookalikeDetector MustBuild(const std::vector<ExpectedDomain>& expected) {
  auto detector =
      LookalikeDetector::Build(expected, Suffixes(), EmbeddedTypoData(), ShippedDetectorOptions());
  if (!detector) {
    std::fprintf(stderr, "detector_bench: %s\n", detector.error().ToString().c_str());
    std::abort();
  }
  return std::move(*detector);
}

std::vector<ExpectedDomain> MakeExpected(size_t count) {
  std::vector<ExpectedDomain> expected;
  expected.reserve(count);
  for (std::string& name : MakeExpectedNames(count, /*seed=*/20261126)) {
    expected.push_back(ExpectedDomain{std::move(name), DomainSource::kTrusted});
  }
  return expected;
}

BenchWorld MakeWorld(size_t count) {
  BenchWorld world;
  world.expected = MakeExpected(count);
  world.detector = std::make_unique<LookalikeDetector>(MustBuild(world.expected));
  PolicySpec spec;
  spec.expected = world.expected;
  spec.known_domains = ShippedDetectorOptions().known_domains;
  auto policy = Policy::Compile(spec, Suffixes(), EmbeddedTypoData());
  if (!policy) {
    std::fprintf(stderr, "detector_bench: %s\n", policy.error().ToString().c_str());
    std::abort();
  }
  world.policy = *policy;

  // Typos of evenly spread expected names; a typo that happens to be another
  // expected name is not a typo and is skipped.
  DeterministicRandom random(count * 7919 + 1);
  while (world.typos.size() < kQueryPoolSize) {
    const std::string& intended = world.expected[random.Below(count)].domain;
    DomainName typed = MustNormalize(MakeTypo(intended, *Suffixes(), random));
    if (world.detector->IsExpected(typed)) continue;
    world.typos.push_back(typed);
    world.typo_addresses.push_back("user@" + typed.ascii);
  }

  // Clean names come from the same generator with another seed, so they look
  // like the expected ones; those the detector finds anything near are dropped,
  // leaving names that are unknown and near nothing.
  DeterministicRandom other_random(/*seed=*/424242);
  while (world.clean.size() < kQueryPoolSize) {
    DomainName typed = MustNormalize(MakeDomainName(other_random));
    if (world.detector->IsExpected(typed) || world.detector->Check(typed)) continue;
    world.clean.push_back(typed);
  }

  for (size_t i = 0; i < kQueryPoolSize; ++i) {
    world.expected_names.push_back(MustNormalize(world.expected[random.Below(count)].domain));
  }
  return world;
}

// Worlds are large (100k domains) and shared by several benchmarks, so each is
// built once, on first use, outside any timed region.
const BenchWorld& World(size_t count) {
  static std::map<size_t, BenchWorld> worlds;
  auto it = worlds.find(count);
  if (it == worlds.end()) it = worlds.emplace(count, MakeWorld(count)).first;
  return it->second;
}

// Times each query of `pool` on its own, `passes` times round, and returns the
// latencies in nanoseconds, sorted. Each includes one steady_clock::now() call
// (about 20 ns here), which matters only for the fastest queries.
std::vector<double> QueryLatencies(const LookalikeDetector& detector,
                                   const std::vector<DomainName>& pool, int passes) {
  std::vector<double> latencies;
  latencies.reserve(pool.size() * static_cast<size_t>(passes));
  for (int pass = 0; pass < passes; ++pass) {
    for (const DomainName& typed : pool) {
      auto start = std::chrono::steady_clock::now();
      auto match = detector.Check(typed);
      auto stop = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(match);
      latencies.push_back(std::chrono::duration<double, std::nano>(stop - start).count());
    }
  }
  std::sort(latencies.begin(), latencies.end());
  return latencies;
}

// Runs Check over `pool` and reports which fraction of queries were flagged, so
// a run shows how many typos are caught and that clean names are left alone.
// The benchmark's time is the mean per query; the p50_ns and p99_ns counters
// are the median and 99th percentile of single queries, measured after the
// timed loop.
void RunCheck(benchmark::State& state, const BenchWorld& world,
              const std::vector<DomainName>& pool) {
  size_t index = 0;
  size_t matches = 0;
  for (auto _ : state) {
    auto match = world.detector->Check(pool[index]);
    matches += match.has_value();
    benchmark::DoNotOptimize(match);
    if (++index == pool.size()) index = 0;
  }
  state.counters["flagged_fraction"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));

  std::vector<double> latencies = QueryLatencies(*world.detector, pool, /*passes=*/3);
  state.counters["p50_ns"] = latencies[latencies.size() / 2];
  state.counters["p99_ns"] = latencies[latencies.size() * 99 / 100];
}

void BM_CheckFlagged(benchmark::State& state) {
  const BenchWorld& world = World(static_cast<size_t>(state.range(0)));
  RunCheck(state, world, world.typos);
}

void BM_CheckClean(benchmark::State& state) {
  const BenchWorld& world = World(static_cast<size_t>(state.range(0)));
  RunCheck(state, world, world.clean);
}

void BM_CheckExpected(benchmark::State& state) {
  const BenchWorld& world = World(static_cast<size_t>(state.range(0)));
  RunCheck(state, world, world.expected_names);
}

// Build time with the shipped options, so it includes indexing the shipped
// known domains. bytes_per_domain is what each expected domain adds: the
// memory of the built detector less that of one built from no expected
// domains (the known-domain index alone, reported as known_bytes).
void BM_Build(benchmark::State& state) {
  size_t count = static_cast<size_t>(state.range(0));
  std::vector<ExpectedDomain> expected = MakeExpected(count);
  std::shared_ptr<const SuffixList> suffixes = Suffixes();
  const TypoData& typo_data = EmbeddedTypoData();
  const DetectorOptions& options = ShippedDetectorOptions();
  size_t memory = 0;
  for (auto _ : state) {
    auto detector = LookalikeDetector::Build(expected, suffixes, typo_data, options);
    if (!detector) {
      state.SkipWithError(detector.error().ToString().c_str());
      return;
    }
    memory = detector->MemoryUsage();
    benchmark::DoNotOptimize(detector);
  }
  size_t known_only = MustBuild({}).MemoryUsage();
  state.counters["bytes_per_domain"] =
      static_cast<double>(memory - known_only) / static_cast<double>(count);
  state.counters["memory_bytes"] = static_cast<double>(memory);
  state.counters["known_bytes"] = static_cast<double>(known_only);
}

void BM_PolicyEvaluate(benchmark::State& state) {
  const BenchWorld& world = World(static_cast<size_t>(state.range(0)));
  size_t index = 0;
  size_t not_allowed = 0;
  for (auto _ : state) {
    Verdict verdict = world.policy->Evaluate(nullptr, world.typo_addresses[index]);
    not_allowed += verdict.action != Action::kAllow;
    benchmark::DoNotOptimize(verdict);
    if (++index == world.typo_addresses.size()) index = 0;
  }
  state.counters["not_allowed_fraction"] =
      static_cast<double>(not_allowed) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_ParseAddress(benchmark::State& state, std::string_view address) {
  for (auto _ : state) {
    auto parsed = ParseAddress(address);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// The expected-domain counts every size-dependent benchmark sweeps. Each
// benchmark builds its world before its timed loop, so setup is never timed.
void ExpectedCounts(benchmark::internal::Benchmark* benchmark) {
  benchmark->Arg(1000)->Arg(10000)->Arg(100000);
}

BENCHMARK(BM_CheckFlagged)->Apply(ExpectedCounts);
BENCHMARK(BM_CheckClean)->Apply(ExpectedCounts);
BENCHMARK(BM_CheckExpected)->Apply(ExpectedCounts);
BENCHMARK(BM_Build)->Apply(ExpectedCounts)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PolicyEvaluate)->Apply(ExpectedCounts);

BENCHMARK_CAPTURE(BM_ParseAddress, bare, std::string_view("user@example.com"));
BENCHMARK_CAPTURE(BM_ParseAddress, angle_brackets,
                  std::string_view("<j.smith@mail.example.co.uk>"));
BENCHMARK_CAPTURE(BM_ParseAddress, display_name,
                  std::string_view("\"Smith, John\" <john.smith@example.com>"));
BENCHMARK_CAPTURE(BM_ParseAddress, idn, std::string_view("müller@bücher.de"));
BENCHMARK_CAPTURE(BM_ParseAddress, ip_literal, std::string_view("postmaster@[192.0.2.1]"));

}  // namespace
}  // namespace rcptguard
