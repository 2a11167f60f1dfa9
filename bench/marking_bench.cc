// Marking scan throughput: plain-text bodies streamed through Hyperscan, and
// base64 MIME messages parsed, decoded and scanned, with every shipped pack
// loaded. Figures in docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "rcptguard/marking.h"

namespace rcptguard {
namespace {

// Every shipped pack, or those named in RCPTGUARD_BENCH_PACKS ("uk-gsc,msip").
std::shared_ptr<const MarkingScanner> AllPacks() {
  static std::shared_ptr<const MarkingScanner> scanner = [] {
    std::string packs = "\"uk-gsc\", \"us-classification\", \"au-pspf\", \"rfc7444\", \"msip\"";
    if (const char* chosen = std::getenv("RCPTGUARD_BENCH_PACKS")) {
      packs.clear();
      for (std::string_view rest = chosen; !rest.empty();) {
        size_t comma = rest.find(',');
        packs += (packs.empty() ? "\"" : ", \"") + std::string(rest.substr(0, comma)) + "\"";
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
    auto config =
        ParseConfig("[markings]\npacks = [" + packs + "]\naccredited = [\"*.gov.uk\"]\n", "bench",
                    [](const std::string&) -> Result<std::string> { return std::string(); });
    if (!config) std::abort();
    auto compiled = MarkingScanner::Compile(config->policy.markings, {});
    if (!compiled) {
      std::fprintf(stderr, "%s\n", compiled.error().ToString().c_str());
      std::abort();
    }
    return *compiled;
  }();
  return scanner;
}

// Prose of about `size` bytes: lines of 60 to 80 characters. With `dense`,
// one word in four is one the patterns look for ("secret", "OFFICIAL",
// "CUI", "SECRET" ...) used as prose, never as a banner: the worst case for
// the patterns' verification; otherwise one word in a hundred is.
std::string Prose(size_t size, bool dense) {
  static const char* kWords[] = {"the",  "meeting", "is",   "on",      "Friday",   "and",
                                 "it's", "no",      "that", "figures", "training", "report",
                                 "we",   "will",    "send", "a",       "copy",     "to",
                                 "all",  "of",      "you",  "before",  "next",     "week"};
  static const char* kTriggers[] = {"secret",    "OFFICIAL",       "CUI",
                                    "SECRET",    "Santa",          "confidential",
                                    "PROTECTED", "Classification", "TOP"};
  std::string text;
  unsigned seed = 1;
  size_t line = 0;
  while (text.size() < size) {
    seed = seed * 1103515245 + 12345;
    unsigned pick = (seed >> 16) % 100;
    const char* word = pick < (dense ? 25u : 1u) ? kTriggers[(seed >> 8) % std::size(kTriggers)]
                                                 : kWords[(seed >> 20) % std::size(kWords)];
    text += word;
    line += std::char_traits<char>::length(word) + 1;
    if (line > 60 + (seed >> 8) % 20) {
      text += "\r\n";
      line = 0;
    } else {
      text += ' ';
    }
  }
  text.resize(size);
  return text;
}

std::string Base64(const std::string& data) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t line = 0;
  for (size_t i = 0; i < data.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<uint8_t>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[n & 63] : '=';
    if ((line += 4) == 76) {
      out += "\r\n";
      line = 0;
    }
  }
  return out + "\r\n";
}

using HeaderList = std::vector<std::pair<std::string_view, std::string_view>>;

// One session per message, a scratch per thread: `headers`, then `body` in
// 64 KiB chunks (as Postfix hands a milter the body). Rates are of body bytes.
void ScanMessages(benchmark::State& state, const HeaderList& headers, const std::string& body) {
  auto scanner = AllPacks();
  MarkingScratch scratch = scanner->NewScratch();
  for (auto _ : state) {
    MarkingSession session(scanner, &scratch);
    for (const auto& [name, value] : headers) session.Header(name, value);
    for (size_t pos = 0; pos < body.size(); pos += 65536) {
      session.Body(std::string_view(body).substr(pos, 65536));
    }
    MarkingResult result = session.End();
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
}

// A plain-text message body, scanned as it streams.
void BM_PlainTextScan(benchmark::State& state) {
  ScanMessages(state, {{"From", "bob@mod.uk"}, {"Subject", "Meeting notes for Friday"}},
               Prose(static_cast<size_t>(state.range(0)), state.range(1) != 0));
}
BENCHMARK(BM_PlainTextScan)
    ->ArgNames({"bytes", "dense"})
    ->ArgsProduct({{4 << 10, 64 << 10, 1 << 20}, {0, 1}});

// A multipart message whose text part is base64: GMime parses it, decodes
// the base64 into memory, and the text is scanned. Bytes are the message's.
void BM_Base64MimeScan(benchmark::State& state) {
  ScanMessages(state,
               {{"From", "bob@mod.uk"},
                {"Subject", "Meeting notes for Friday"},
                {"MIME-Version", "1.0"},
                {"Content-Type", "multipart/mixed; boundary=\"b\""}},
               "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
               "base64\r\n\r\n" +
                   Base64(Prose(static_cast<size_t>(state.range(0)), false)) + "--b--\r\n");
}
BENCHMARK(BM_Base64MimeScan)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);

// The same text as a single base64 text/plain part (no multipart): decoded as
// it streams, without GMime's parser. Bytes are the message body's.
void BM_Base64SinglePartScan(benchmark::State& state) {
  ScanMessages(state,
               {{"From", "bob@mod.uk"},
                {"Subject", "Meeting notes for Friday"},
                {"MIME-Version", "1.0"},
                {"Content-Type", "text/plain; charset=utf-8"},
                {"Content-Transfer-Encoding", "base64"}},
               Base64(Prose(static_cast<size_t>(state.range(0)), false)));
}
BENCHMARK(BM_Base64SinglePartScan)->Arg(4 << 10)->Arg(64 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace rcptguard
