// Loading the configuration: the TOML pre-scan alone and the whole parse of
// the shipped sample (packs, markings, providers), so that the bound on
// hostile files is seen to cost nothing next to the parse it protects.
#include <benchmark/benchmark.h>

#include <string>

#include "config/config.h"
#include "config/toml_shape.h"
#include "platform/files.h"

namespace {

std::string Sample() {
  auto text =
      rcptguard::ReadFile(std::string(RCPTGUARD_SOURCE_DIR) + "/conf/rcptguard.toml.sample");
  return text ? *text : std::string();
}

void BM_PreScanSample(benchmark::State& state) {
  std::string text = Sample();
  for (auto _ : state) benchmark::DoNotOptimize(rcptguard::CheckTomlShape(text, "sample"));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_PreScanSample);

// The largest file the pre-scan lets through: 1 MiB of key = value lines.
void BM_PreScanOneMebibyte(benchmark::State& state) {
  std::string text;
  while (text.size() < (1 << 20) - 64)
    text += "key_" + std::to_string(text.size()) + " = [1, \"a.b\"]\n";
  for (auto _ : state) benchmark::DoNotOptimize(rcptguard::CheckTomlShape(text, "big"));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_PreScanOneMebibyte);

void BM_ParseSample(benchmark::State& state) {
  std::string text = Sample();
  auto no_files = [](const std::string& path) -> rcptguard::Result<std::string> {
    return rcptguard::MakeError(rcptguard::ErrorCode::kIo, "no files", path);
  };
  for (auto _ : state) {
    auto config = rcptguard::ParseConfig(text, "sample", no_files);
    if (!config) state.SkipWithError(config.error().ToString().c_str());
    benchmark::DoNotOptimize(config);
  }
}
BENCHMARK(BM_ParseSample);

}  // namespace
