// Benchmarks of the history store backends: Record throughput in messages per
// second (batches of 100 messages to 3 recipients, as the milter's learning
// thread writes them) and the time to Load 100k and 1M pairs (what a gateway
// does at start and at every full rebuild). SQLite on a temporary file, and the
// in-memory store for comparison. PostgreSQL is left out: its figures depend
// on the server and the network more than on this code.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/synthetic_names.h"
#include "store/history_store.h"

namespace rcptguard {
namespace {

enum Backend { kMemory = 0, kSqlite = 1 };

// A temporary directory removed with the object.
class TempDir {
 public:
  TempDir() {
    char path[] = "/tmp/rcptguard-store-bench-XXXXXX";
    if (mkdtemp(path) != nullptr) path_ = path;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<HistoryStore> OpenBenchStore(Backend backend, bool hashed, const TempDir& dir,
                                             benchmark::State& state) {
  StoreOptions options;
  options.url = backend == kMemory ? "memory:" : "sqlite://" + dir.path() + "/history.db";
  if (hashed) options.keyer = *HistoryKeyer::Hashed("benchmark-secret-0123456789abcdef");
  auto store = OpenHistoryStore(options);
  if (!store) {
    state.SkipWithError(store.error().ToString().c_str());
    return nullptr;
  }
  return std::move(*store);
}

std::string Domain(size_t i) { return "org" + std::to_string(i) + ".example"; }

// Mail as an organisation sends it: 1,000 senders, each writing mostly to a
// few dozen usual correspondents among 50,000 addresses at 2,000 domains.
std::vector<SentMessage> MakeBatch(DeterministicRandom& random, size_t first_key, size_t size,
                                   size_t recipients) {
  std::vector<SentMessage> batch(size);
  for (size_t i = 0; i < size; ++i) {
    SentMessage& message = batch[i];
    message.key = "<" + std::to_string(first_key + i) + "@bench.example>";
    size_t sender = random.Below(1000);
    message.sender = "user" + std::to_string(sender) + "@corp.example";
    message.time = 1700000000 + static_cast<int64_t>(first_key + i);
    for (size_t r = 0; r < recipients; ++r) {
      size_t person = (sender * 37 + random.Below(40)) % 50000;
      message.recipients.push_back({"person" + std::to_string(person) + "@" + Domain(person % 2000),
                                    r == 0 ? "Person " + std::to_string(person) : ""});
    }
  }
  return batch;
}

void BM_Record(benchmark::State& state) {
  auto backend = static_cast<Backend>(state.range(0));
  bool hashed = state.range(1) != 0;
  TempDir dir;
  auto store = OpenBenchStore(backend, hashed, dir, state);
  if (!store) return;
  DeterministicRandom random(42);
  size_t key = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<SentMessage> batch = MakeBatch(random, key, 100, 3);
    key += batch.size();
    state.ResumeTiming();
    auto counted = store->Record(batch);
    if (!counted || *counted != batch.size()) {
      state.SkipWithError("Record failed");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(key));  // items = messages
  auto stats = store->Stats();
  if (stats) state.counters["pairs"] = static_cast<double>(stats->pairs);
}
BENCHMARK(BM_Record)
    ->ArgNames({"backend", "hashed"})
    ->Args({kMemory, 0})
    ->Args({kSqlite, 0})
    ->Args({kSqlite, 1})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3);

// Fills a store with exactly `pairs` pairs: 100 recipients per sender, each
// pair written by one message (batches of 100 messages to 10 recipients).
bool Fill(HistoryStore& store, size_t pairs) {
  std::vector<SentMessage> batch;
  for (size_t i = 0; i < pairs; i += 10) {
    SentMessage message;
    message.sender = "user" + std::to_string(i / 100) + "@corp.example";
    message.time = 1700000000 + static_cast<int64_t>(i);
    for (size_t r = i; r < i + 10 && r < pairs; ++r) {
      message.recipients.push_back({"person" + std::to_string(r) + "@" + Domain(r % 5000), ""});
    }
    batch.push_back(std::move(message));
    if (batch.size() == 100) {
      if (!store.Record(batch)) return false;
      batch.clear();
    }
  }
  return batch.empty() || store.Record(batch).has_value();
}

void BM_Load(benchmark::State& state) {
  auto backend = static_cast<Backend>(state.range(0));
  size_t pairs = static_cast<size_t>(state.range(1));
  TempDir dir;
  auto store = OpenBenchStore(backend, /*hashed=*/false, dir, state);
  if (!store) return;
  if (!Fill(*store, pairs)) {
    state.SkipWithError("filling the store failed");
    return;
  }
  size_t loaded = 0;
  for (auto _ : state) {
    auto snapshot = store->Load(0);
    if (!snapshot) {
      state.SkipWithError(snapshot.error().ToString().c_str());
      return;
    }
    loaded = snapshot->pairs.size();
    benchmark::DoNotOptimize(snapshot->pairs.data());
  }
  if (loaded != pairs) state.SkipWithError("loaded a different number of pairs");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * loaded));  // items = pairs
}
BENCHMARK(BM_Load)
    ->ArgNames({"backend", "pairs"})
    ->Args({kMemory, 100000})
    ->Args({kSqlite, 100000})
    ->Args({kMemory, 1000000})
    ->Args({kSqlite, 1000000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace rcptguard
