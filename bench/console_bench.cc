// The review console's held-mail list page at scale (issue 16's bar: 10,000
// held messages, the list page under 300 ms): Quarantine::List over the hold
// queue's JSON and the hold records (one file each, all read and filtered
// per page, as the console does), then the page rendered; and the pages'
// rendering alone. postqueue is stood in for by a script printing a prepared
// `postqueue -j` listing, so this measures rcptguard's work, not showq's.
//   build/bench/rcptguard_console_bench --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true  (one command line)
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "quarantine/quarantine.h"
#include "serve/console/console_pages.h"

namespace rcptguard {
namespace {

constexpr int64_t kNow = 1796300000;

HoldRecord RecordFor(int i) {
  HoldRecord record;
  record.queue_id = "4Q" + std::to_string(100000 + i);
  record.message_id = "<" + std::to_string(i) + "@mail.example.org>";
  record.sender = "user" + std::to_string(i % 500) + "@example.org";
  record.held_at = kNow - i * 60;
  record.reason = "rcptguard: bob@army.ml hold lookalike-domain tld-swap -> army.mil";
  if (i % 7 == 0) record.markings.push_back("OFFICIAL-SENSITIVE");
  for (int r = 0; r < 3; ++r) {
    Verdict verdict;
    verdict.recipient = "person" + std::to_string(r) + "@army.ml";
    verdict.action = r == 0 ? Action::kHold : Action::kAllow;
    if (r == 0) {
      verdict.reasons.push_back(
          Reason{"lookalike-domain", ReasonLabel::kClass, "tld-swap",
                 "recipient domain army.ml looks like a mistyping of army.mil", Action::kHold});
      verdict.suggestion = "person0@army.mil";
      verdict.intended_domain = "army.mil";
      verdict.score = 1.0;
    }
    record.verdicts.push_back(verdict);
  }
  return record;
}

// A hold queue of `count` messages rcptguard held, set up once per size.
class HeldQueueFixture {
 public:
  explicit HeldQueueFixture(int count) {
    char pattern[] = "/tmp/rcptguard-console-bench-XXXXXX";
    dir_ = mkdtemp(pattern);
    mkdir((dir_ + "/bin").c_str(), 0755);
    HoldDirectory records(dir_ + "/hold");
    std::ofstream listing(dir_ + "/queue.jsonl");
    for (int i = 0; i < count; ++i) {
      HoldRecord record = RecordFor(i);
      (void)records.Write(record);
      listing << "{\"queue_name\": \"hold\", \"queue_id\": \"" << record.queue_id
              << "\", \"arrival_time\": " << record.held_at
              << ", \"message_size\": 2048, \"forced_expire\": false, \"sender\": \""
              << record.sender << "\", \"recipients\": [{\"address\": \"person0@army.ml\"}, "
              << "{\"address\": \"person1@army.ml\"}, {\"address\": \"person2@army.ml\"}]}\n";
    }
    std::ofstream script(dir_ + "/bin/postqueue");
    script << "#!/bin/sh\nexec cat " << dir_ << "/queue.jsonl\n";
    script.close();
    chmod((dir_ + "/bin/postqueue").c_str(), 0755);
    std::string path = dir_ + "/bin:" + std::getenv("PATH");
    setenv("PATH", path.c_str(), 1);
  }
  ~HeldQueueFixture() { std::system(("rm -rf " + dir_).c_str()); }
  Quarantine quarantine() const {
    return Quarantine(PostfixQueue(), HoldDirectory(dir_ + "/hold"));
  }

 private:
  std::string dir_;
};

PageFrame Frame() {
  PageFrame frame;
  frame.title = "Held mail";
  frame.user = "alice";
  frame.role = "officer";
  frame.csrf_token = "0123456789012345678901234567890123456789012";
  return frame;
}

// The whole list page: listing, records, filter, one page of 50, rendering.
void BM_HeldListPage(benchmark::State& state) {
  HeldQueueFixture fixture(static_cast<int>(state.range(0)));
  Quarantine quarantine = fixture.quarantine();
  bool filtered = state.range(1) != 0;
  for (auto _ : state) {
    HeldListView view;
    view.now = kNow;
    if (filtered) view.filter.sender = "user7@example.org";
    auto page = quarantine.List(view.filter, {0, 50, kNow}, &view.warnings);
    if (!page) {
      state.SkipWithError(page.error().ToString().c_str());
      break;
    }
    view.page = std::move(*page);
    std::string html = RenderHeldList(Frame(), view);
    benchmark::DoNotOptimize(html);
  }
}
BENCHMARK(BM_HeldListPage)
    ->ArgsProduct({{100, 1000, 10000}, {0, 1}})
    ->ArgNames({"held", "by_sender"})
    ->Unit(benchmark::kMillisecond);

// Rendering alone: 50 rows.
void BM_RenderHeldList(benchmark::State& state) {
  HeldListView view;
  view.now = kNow;
  view.page.matched = 10000;
  for (int i = 0; i < 50; ++i) {
    HoldRecord record = RecordFor(i);
    HeldEntry entry;
    entry.message.queue_id = record.queue_id;
    entry.message.sender = record.sender;
    entry.message.recipients = {"person0@army.ml", "person1@army.ml", "person2@army.ml"};
    entry.record = record;
    view.page.entries.push_back(entry);
  }
  for (auto _ : state) benchmark::DoNotOptimize(RenderHeldList(Frame(), view));
}
BENCHMARK(BM_RenderHeldList)->Unit(benchmark::kMicrosecond);

// The reports page for a year of 8 classes a day.
void BM_RenderReports(benchmark::State& state) {
  ReportsView view;
  view.days = 365;
  view.first_day = kNow / 86400 - 364;
  for (int64_t d = 0; d < 365; ++d) {
    for (int k = 0; k < 8; ++k) {
      view.caught_per_day.push_back({view.first_day + d, "class-" + std::to_string(k), d % 13 + k});
    }
  }
  for (int i = 0; i < 10; ++i) {
    view.top_lookalike_domains.push_back({"domain" + std::to_string(i) + ".example", 100 - i});
    view.top_senders.push_back({"sender" + std::to_string(i) + "@example.org", 50 - i});
  }
  for (auto _ : state) benchmark::DoNotOptimize(RenderReports(Frame(), view));
}
BENCHMARK(BM_RenderReports)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rcptguard
