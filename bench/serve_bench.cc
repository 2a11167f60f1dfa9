// The HTTP API's own work for POST /api/v1/check, without the network:
// parsing the body, the message pipeline and the answer's JSON, swept over
// the number of recipients (bench/serve_load.sh measures it over loopback).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "config/config.h"
#include "milter/milter.h"
#include "serve/check_api.h"

namespace rcptguard {
namespace {

const char* const kRecipients[] = {
    "alice@army.mil",  "carol@hmrc.gov.uk", "dan@mod.co.uk",   "eve@nato.in",     "frank@gmail.com",
    "gina@hmrc.gv.uk", "harry@army.ml",     "ivy@example.com", "jon@outlook.com", "kim@mod.uk"};

std::string Body(int recipients) {
  std::string body =
      R"({"from": "bob@mod.uk", "subject": "OFFICIAL: weekly figures", "recipients": [)";
  for (int i = 0; i < recipients; ++i) {
    if (i > 0) body += ", ";
    body += "\"" + std::to_string(i / 10) + kRecipients[i % 10] + "\"";
  }
  return body + "]}";
}

void BM_ApiCheck(benchmark::State& state) {
  auto config = LoadConfig(
      ConfigRequest{std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/uk-department.toml", {}});
  if (!config) std::abort();
  auto built = MilterConfig::FromConfig(*config);
  if (!built) std::abort();
  std::string body = Body(static_cast<int>(state.range(0)));
  CheckLimits limits;
  for (auto _ : state) {
    auto request = ParseCheckRequest(body, limits);
    std::string answer = CheckResponseJson(CheckMessage((*built)->session, {}, *request));
    benchmark::DoNotOptimize(answer);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ApiCheck)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rcptguard
