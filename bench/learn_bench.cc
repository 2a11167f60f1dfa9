// The `rcptguard learn` readers over in-memory input: MB/s of the mbox reader
// by message size (header parsing vs body skipping) and of the Postfix log
// reader. Whole-process figures: bench/learn_throughput.sh.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "learn/mbox_reader.h"
#include "learn/postfix_log_reader.h"

namespace rcptguard {
namespace {

// About `total` bytes of mbox: messages with a realistic header block (five
// recipients, two of them with encoded or quoted names) and a base64-like body
// of `body_bytes`.
std::string MakeMbox(size_t body_bytes, size_t total) {
  std::string line;
  uint32_t x = 12345;
  for (int i = 0; i < 76; ++i) {
    x = x * 1103515245 + 12345;
    line.push_back(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(x >> 16) & 63]);
  }
  line.push_back('\n');
  std::string body;
  while (body.size() < body_bytes) body += line;
  std::string mbox;
  for (int n = 0; mbox.size() < total; ++n) {
    std::string id = std::to_string(n);
    mbox +=
        "From alice@mod.uk Thu Nov 26 10:00:01 2026\n"
        "Received: from relay.mod.uk (relay.mod.uk [10.0.0.1])\n"
        "\tby mx.mod.uk (Postfix) with ESMTPS id 4ABC" +
        id +
        "\n"
        "\tfor <john.smith@army.mil>; Thu, 26 Nov 2026 10:00:01 +0000\n"
        "From: Alice Example <alice@mod.uk>\n"
        "To: \"Smith, John\" <john.smith@army.mil>, =?UTF-8?Q?J=C3=B6rg?= <joerg@bund.de>,\n"
        " carol@mod.uk\n"
        "Cc: Dave <dave@dstl.gov.uk>, erin" +
        id +
        "@navy.mil\n"
        "Subject: Report " +
        id +
        "\n"
        "Date: Thu, 26 Nov 2026 10:00:01 +0000\n"
        "Message-ID: <" +
        id +
        ".bench@mod.uk>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: application/pdf\n"
        "Content-Transfer-Encoding: base64\n\n" +
        body + "\n";
  }
  return mbox;
}

void BM_MboxReader(benchmark::State& state) {
  const std::string mbox = MakeMbox(static_cast<size_t>(state.range(0)), 64u << 20);
  uint64_t messages = 0;
  LearnCallbacks callbacks{[&](SentMessage&& m) {
                             benchmark::DoNotOptimize(m);
                             return true;
                           },
                           {}};
  for (auto _ : state) {
    LearnCounters counters = ReadMbox(mbox, MboxOptions{"bench", 0, 256 * 1024}, callbacks);
    messages += counters.messages;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * mbox.size()));
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MboxReader)
    ->Arg(2 << 10)
    ->Arg(20 << 10)
    ->Arg(200 << 10)
    ->Unit(benchmark::kMillisecond);

void BM_PostfixLogReader(benchmark::State& state) {
  std::string log;
  for (int n = 0; log.size() < (32u << 20); ++n) {
    std::string id = "4A" + std::to_string(100000 + n);
    log += "Nov 26 10:00:00 mx1 postfix/smtpd[100]: " + id +
           ": client=ws1.mod.uk[10.0.0.5]\n"
           "Nov 26 10:00:00 mx1 postfix/cleanup[101]: " +
           id + ": message-id=<" + id +
           "@mod.uk>\n"
           "Nov 26 10:00:01 mx1 postfix/qmgr[102]: " +
           id +
           ": from=<alice@mod.uk>, size=1234, "
           "nrcpt=2 (queue active)\n";
    for (const char* to : {"bob@army.mil", "carol@navy.mil"}) {
      log += "Nov 26 10:00:02 mx1 postfix/smtp[103]: " + id + ": to=<" + to +
             ">, relay=mx.army.mil[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, "
             "status=sent (250 2.0.0 Ok: queued as 999)\n";
    }
    log += "Nov 26 10:00:02 mx1 postfix/qmgr[102]: " + id + ": removed\n";
  }
  LearnCallbacks callbacks{[&](SentMessage&& m) {
                             benchmark::DoNotOptimize(m);
                             return true;
                           },
                           {}};
  for (auto _ : state) {
    ReadPostfixLog(log, PostfixLogOptions{1798675200}, callbacks);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log.size()));
}
BENCHMARK(BM_PostfixLogReader)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rcptguard
