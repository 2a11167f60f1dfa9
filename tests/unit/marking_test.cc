// The marking scanner and session: compilation errors, where patterns look,
// streaming in any chunk size, bounds, scratch sharing, and the policy's
// marking-destination reason.
#include "rcptguard/marking.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/marking_internal.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/policy.h"

namespace rcptguard {
namespace {

MarkingSpec Spec(std::string name, int rank, std::vector<MarkingLocation> where,
                 std::vector<std::string> patterns, std::vector<std::string> headers = {}) {
  MarkingSpec spec;
  spec.name = std::move(name);
  spec.scheme = "test";
  spec.rank = rank;
  spec.matches.push_back(
      MarkingMatchSpec{std::move(where), std::move(headers), std::move(patterns)});
  spec.where = "test.toml:1";
  return spec;
}

std::shared_ptr<const MarkingScanner> Scanner(std::vector<MarkingSpec> specs,
                                              MarkingScanOptions options = {}) {
  auto scanner = MarkingScanner::Compile(std::move(specs), options);
  EXPECT_TRUE(scanner.has_value()) << scanner.error().ToString();
  return *scanner;
}

std::vector<MarkingSpec> Banners() {
  return {
      Spec("OS", 20, {MarkingLocation::kSubject}, {"^OFFICIAL-SENSITIVE\\b"}),
      Spec("SECRET", 40, {MarkingLocation::kBody}, {"^SECRET[ \\t\\r]*$"}),
      Spec("EDGE", 30, {MarkingLocation::kBodyEdges}, {"^CONFIDENTIAL[ \\t\\r]*$"}),
      Spec("AU", 25, {MarkingLocation::kHeader}, {"SEC=PROTECTED\\b"}, {"X-Protective-Marking"})};
}

std::string Names(const MarkingResult& result) {
  std::string out;
  for (const MarkingFound& found : result.found) {
    out += (out.empty() ? "" : ";") + found.name + "@" + found.where;
  }
  return out;
}

TEST(MarkingScanner, BadPatternIsAConfigErrorNamingMarkingAndPlace) {
  auto scanner =
      MarkingScanner::Compile({Spec("BAD", 1, {MarkingLocation::kBody}, {"(unclosed"})}, {});
  ASSERT_FALSE(scanner.has_value());
  EXPECT_EQ(scanner.error().code, ErrorCode::kConfig);
  EXPECT_EQ(scanner.error().where, "test.toml:1");
  EXPECT_NE(scanner.error().message.find("BAD"), std::string::npos) << scanner.error().message;
}

TEST(MarkingScanner, CompileErrorsQuoteThePatternShortAndEscaped) {
  struct Case {
    const char* name;
    std::string pattern;
    std::string want_in_message;  // the excerpt the message must quote
  };
  const Case cases[] = {
      {"nul is escaped, not cut", std::string("SECRET\0(", 8), "pattern 'SECRET\\x00(':"},
      {"long pattern is an excerpt", "(" + std::string(200000, 'a'),
       "pattern '(" + std::string(59, 'a') + "...':"},
      {"control bytes escaped", "\x1b[31m(", "pattern '\\x1b[31m(':"},
  };
  for (const Case& c : cases) {
    auto scanner =
        MarkingScanner::Compile({Spec("BAD", 1, {MarkingLocation::kBody}, {c.pattern})}, {});
    ASSERT_FALSE(scanner.has_value()) << c.name;
    const std::string& got = scanner.error().message;
    EXPECT_NE(got.find("marking 'BAD'"), std::string::npos) << c.name << ": got " << got;
    EXPECT_NE(got.find(c.want_in_message), std::string::npos)
        << c.name << ": got " << got << ", want it to contain " << c.want_in_message;
    EXPECT_LT(got.size(), 300u) << c.name << ": got " << got.size() << " bytes";
    EXPECT_EQ(scanner.error().where, "test.toml:1") << c.name;
  }
}

TEST(MarkingScanner, NulInAPatternMatchesANul) {
  auto scanner = Scanner({Spec("NUL", 1, {MarkingLocation::kBody}, {std::string("A\0B", 3)})});
  std::string with_nul = std::string("Subject: x\n\nA") + '\0' + "B\n";
  EXPECT_EQ(Names(ScanMessage(scanner, with_nul)), "NUL@body");
  EXPECT_EQ(Names(ScanMessage(scanner, "Subject: x\n\nA\n")), "");
}

TEST(MarkingScanner, PatternBeyondHyperscansLimitsNamesTheMarkingAndPattern) {
  // Hyperscan refuses a bounded repeat larger than it can build; the other
  // marking of the same location is not blamed.
  std::vector<MarkingSpec> specs = {
      Spec("FINE", 1, {MarkingLocation::kBody}, {"^SECRET$"}),
      Spec("HUGE", 2, {MarkingLocation::kBody}, {"^SECRET [ab]{70000}"})};
  auto scanner = MarkingScanner::Compile(specs, {});
  ASSERT_FALSE(scanner.has_value());
  const std::string& got = scanner.error().message;
  EXPECT_NE(got.find("marking 'HUGE': pattern '^SECRET [ab]{70000}':"), std::string::npos)
      << "got " << got;
  EXPECT_NE(got.find("too large"), std::string::npos) << "got " << got;
}

// A cache in memory that counts what it is asked.
class CountingCache : public MarkingDatabaseCache {
 public:
  std::optional<std::string> Load(std::string_view name) override {
    ++loads;
    auto it = entries.find(std::string(name));
    if (it == entries.end()) return std::nullopt;
    ++hits;
    return it->second;
  }
  void Store(std::string_view name, std::string_view bytes) override {
    ++stores;
    entries[std::string(name)] = std::string(bytes);
  }
  std::map<std::string, std::string> entries;
  int loads = 0, hits = 0, stores = 0;
};

TEST(MarkingScanner, CompiledDatabasesAreReusedFromTheCache) {
  CountingCache cache;
  const std::string message =
      "Subject: OFFICIAL-SENSITIVE\nX-Protective-Marking: SEC=PROTECTED\n\nSECRET\n\n"
      "CONFIDENTIAL\n";
  auto first = MarkingScanner::Compile(Banners(), {}, &cache);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  // Subject, header, edges, body (block) and body (stream).
  EXPECT_EQ(cache.stores, 5) << "got " << cache.stores << " entries stored, want 5";
  EXPECT_EQ(cache.hits, 0);
  auto second = MarkingScanner::Compile(Banners(), {}, &cache);
  ASSERT_TRUE(second.has_value()) << second.error().ToString();
  EXPECT_EQ(cache.hits, 5) << "got " << cache.hits << " databases from the cache, want 5";
  EXPECT_EQ(cache.stores, 5) << "nothing is compiled again";
  EXPECT_EQ(Names(ScanMessage(*second, message)), Names(ScanMessage(*first, message)));
  EXPECT_EQ(Names(ScanMessage(*second, message)),
            "OS@subject;AU@header X-Protective-Marking;SECRET@body;EDGE@body");
}

TEST(MarkingScanner, ABadOrForeignCacheEntryIsCompiledAgain) {
  struct Case {
    const char* name;
    void (*spoil)(std::string* entry);
  };
  const Case cases[] = {
      {"truncated", [](std::string* e) { e->resize(e->size() / 2); }},
      {"a flipped byte in the database", [](std::string* e) { e->back() ^= 0x55; }},
      {"empty", [](std::string* e) { e->clear(); }},
      {"another pattern's key", [](std::string* e) { (*e)[e->find("SECRET")] = 'Z'; }},
  };
  for (const Case& c : cases) {
    CountingCache cache;
    ASSERT_TRUE(MarkingScanner::Compile(Banners(), {}, &cache).has_value()) << c.name;
    for (auto& [name, entry] : cache.entries) {
      if (entry.find("SECRET") != std::string::npos) c.spoil(&entry);
    }
    int stores_before = cache.stores;
    auto again = MarkingScanner::Compile(Banners(), {}, &cache);
    ASSERT_TRUE(again.has_value()) << c.name;
    EXPECT_GT(cache.stores, stores_before) << c.name << ": the spoilt entry was used";
    EXPECT_EQ(Names(ScanMessage(*again, "Subject: x\n\nSECRET\n")), "SECRET@body") << c.name;
    EXPECT_EQ(Names(ScanMessage(*again, "Subject: x\n\nZECRET\n")), "") << c.name;
  }
}

TEST(MarkingScanner, OtherPatternsGetOtherEntries) {
  CountingCache cache;
  ASSERT_TRUE(MarkingScanner::Compile(Banners(), {}, &cache).has_value());
  auto other = MarkingScanner::Compile(
      {Spec("SECRET", 40, {MarkingLocation::kBody}, {"^TOP SECRET[ \\t\\r]*$"})}, {}, &cache);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(Names(ScanMessage(*other, "Subject: x\n\nSECRET\n")), "");
  EXPECT_EQ(Names(ScanMessage(*other, "Subject: x\n\nTOP SECRET\n")), "SECRET@body");
}

TEST(MarkingScanner, PatternMatchingEmptyIsRefused) {
  EXPECT_FALSE(MarkingScanner::Compile({Spec("E", 1, {MarkingLocation::kBody}, {"x*"})}, {}));
}

TEST(MarkingScanner, HeaderMatchNeedsHeaderNames) {
  EXPECT_FALSE(MarkingScanner::Compile({Spec("H", 1, {MarkingLocation::kHeader}, {"x"})}, {}));
}

TEST(MarkingScanner, NoMarkingsFindsNothing) {
  auto scanner = Scanner({});
  MarkingResult result = ScanMessage(scanner, "Subject: SECRET\n\nSECRET\n");
  EXPECT_TRUE(result.found.empty());
  EXPECT_EQ(result.highest(), nullptr);
  EXPECT_EQ(result.highest_rank(), -1);
}

TEST(MarkingSession, FindsEachLocationAndReportsWhere) {
  auto scanner = Scanner(Banners());
  MarkingResult result = ScanMessage(
      scanner,
      "Subject: OFFICIAL-SENSITIVE: x\nX-Protective-Marking: VER=2018.1, SEC=PROTECTED\n\n"
      "CONFIDENTIAL\nhello\nSECRET\n");
  EXPECT_EQ(Names(result), "OS@subject;AU@header X-Protective-Marking;SECRET@body;EDGE@body");
  ASSERT_NE(result.highest(), nullptr);
  EXPECT_EQ(result.highest()->name, "SECRET");
}

TEST(MarkingSession, HeaderPatternsLookOnlyInTheirHeaders) {
  auto scanner = Scanner(Banners());
  EXPECT_EQ(Names(ScanMessage(scanner, "X-Other: SEC=PROTECTED\nSubject: SEC=PROTECTED\n\nx\n")),
            "");
}

TEST(MarkingSession, EdgePatternsLookOnlyAtTheFirstAndLastLines) {
  MarkingScanOptions options;
  options.edge_lines = 2;
  auto scanner = Scanner(Banners(), options);
  std::string middle = "Subject: x\n\na\n\nb\nc\nCONFIDENTIAL\nd\ne\n\n";
  EXPECT_EQ(Names(ScanMessage(scanner, middle)), "");
  EXPECT_EQ(Names(ScanMessage(scanner, "Subject: x\n\n\n\na\nb\nc\nd\nCONFIDENTIAL\r\n\n")),
            "EDGE@body");
  EXPECT_EQ(Names(ScanMessage(scanner, "Subject: x\n\n\n  \nCONFIDENTIAL\nb\nc\nd\n")),
            "EDGE@body");
}

TEST(MarkingSession, EdgeLinesOfALongStreamedBodyAreItsLastLines) {
  auto scanner = Scanner(Banners());
  std::string body(300000, 'x');
  for (size_t i = 80; i < body.size(); i += 81) body[i] = '\n';
  body += "\nCONFIDENTIAL\n";
  MarkingSession session(scanner);
  session.Header("Subject", "x");
  for (size_t pos = 0; pos < body.size(); pos += 999)
    session.Body(std::string_view(body).substr(pos, 999));
  EXPECT_EQ(Names(session.End()), "EDGE@body");
}

TEST(MarkingSession, BannerSplitAcrossChunksIsFound) {
  auto scanner = Scanner(Banners());
  MarkingSession session(scanner);
  session.Header("Subject", "x");
  for (char c : std::string("hello\nSEC")) session.Body(std::string_view(&c, 1));
  session.Body("RET\nbye\n");
  EXPECT_EQ(Names(session.End()), "SECRET@body");
}

// Keeps what a session hands over for GMime, in memory.
class MemoryStore : public MarkingMessageStore {
 public:
  rcptguard::Result<void> Append(std::string_view bytes) override {
    kept_.append(bytes);
    return {};
  }
  int64_t Read(uint64_t offset, char* out, size_t n) override {
    if (offset >= kept_.size()) return 0;
    size_t count = std::min(n, kept_.size() - static_cast<size_t>(offset));
    kept_.copy(out, count, static_cast<size_t>(offset));
    return static_cast<int64_t>(count);
  }
  uint64_t size() const override { return kept_.size(); }

 private:
  std::string kept_;
};

// A body in base64 or quoted-printable as one text/plain part is decoded as it
// streams and never kept for GMime; whatever the chunk size, it finds what
// GMime finds in the same part inside a multipart message.
TEST(MarkingSession, SinglePartEncodedBodyIsDecodedAsItStreams) {
  auto scanner = Scanner(Banners());
  // "CONFIDENTIAL\nnotes\nSECRET\n", and the same in quoted-printable with a
  // soft line break inside the banner.
  const std::string base64 = "Q09ORklERU5USUFMCm5vdGVzClNF\r\nQ1JFVAo=\r\n";
  const std::string quoted = "CONFIDENTIAL=0Anotes=0ASEC=\r\nRET=0A\r\n";
  for (const auto& [encoding, body] :
       {std::pair{"base64", base64}, std::pair{"quoted-printable", quoted}}) {
    const std::string part_headers = std::string("Content-Type: text/plain; charset=utf-8\r\n") +
                                     "Content-Transfer-Encoding: " + encoding + "\r\n";
    MarkingResult multipart = ScanMessage(
        scanner, "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
                     part_headers + "\r\n" + body + "--b--\r\n");
    EXPECT_EQ(Names(multipart), "SECRET@body;EDGE@body") << encoding;
    for (size_t chunk : {1, 3, 7, 1000}) {
      MemoryStore store;
      MarkingSession session(scanner, nullptr, &store);
      session.Header("Subject", "x");
      session.Header("Content-Type", "text/plain; charset=utf-8");
      session.Header("Content-Transfer-Encoding", std::string(" ") + encoding + " ");
      for (size_t pos = 0; pos < body.size(); pos += chunk) {
        session.Body(std::string_view(body).substr(pos, chunk));
      }
      MarkingResult result = session.End();
      EXPECT_EQ(Names(result), Names(multipart)) << encoding << " in chunks of " << chunk;
      // The bound counts the bytes as received, before decoding.
      const std::string cte = std::string(" ") + encoding + " ";
      const uint64_t headers = (7 + 1 + 4) + (12 + 25 + 4) + (25 + cte.size() + 4);
      EXPECT_EQ(result.bytes_scanned, headers + body.size()) << encoding;
      EXPECT_EQ(store.size(), 0u) << encoding << ": the body was kept instead of streamed";
    }
  }
}

// Two transfer encodings (or content types) on one message: a reader may take
// either, so the clear text is scanned too and the message is called malformed.
TEST(MarkingSession, ConflictingTransferEncodingsScanTheRawBodyToo) {
  auto scanner = Scanner(Banners());
  MarkingResult result = ScanMessage(scanner,
                                     "Subject: x\r\nContent-Type: text/plain\r\n"
                                     "Content-Transfer-Encoding: 7bit\r\n"
                                     "Content-Transfer-Encoding: base64\r\n\r\n"
                                     "hello\r\nSECRET\r\nbye\r\n");
  EXPECT_EQ(Names(result), "SECRET@body");
  EXPECT_TRUE(result.malformed);
}

// A single part that is an attachment is reported as one, encoded or not.
TEST(MarkingSession, SinglePartAttachmentIsNamedAsOne) {
  auto scanner = Scanner(Banners());
  for (const char* encoding : {"7bit", "base64"}) {
    std::string body =
        std::string(encoding) == "base64" ? "aGkKU0VDUkVUCg==\r\n" : "hi\r\nSECRET\r\n";
    MarkingResult result =
        ScanMessage(scanner, std::string("Subject: x\r\nContent-Type: text/plain\r\n"
                                         "Content-Disposition: attachment; filename=a.txt\r\n"
                                         "Content-Transfer-Encoding: ") +
                                 encoding + "\r\n\r\n" + body);
    EXPECT_EQ(Names(result), "SECRET@attachment a.txt") << encoding;
  }
  // "inline" alone is still the body, and still streamed.
  MemoryStore store;
  MarkingSession session(scanner, nullptr, &store);
  session.Header("Content-Type", "text/plain");
  session.Header("Content-Disposition", "inline");
  session.Header("Content-Transfer-Encoding", "base64");
  session.Body("aGkKU0VDUkVUCg==\r\n");
  EXPECT_EQ(Names(session.End()), "SECRET@body");
  EXPECT_EQ(store.size(), 0u);
}

TEST(MarkingSession, SubjectIsDecodedFromRfc2047) {
  auto scanner = Scanner(Banners());
  // "OFFICIAL-SENSITIVE: café" in Q encoding, folded over two lines.
  MarkingResult result = ScanMessage(
      scanner, "Subject: =?ISO-8859-1?Q?OFFICIAL-SENSITIVE?=\n =?ISO-8859-1?Q?=3A_caf=E9?=\n\nx\n");
  EXPECT_EQ(Names(result), "OS@subject");
}

TEST(MarkingSession, BoundIsHitAndReported) {
  MarkingScanOptions options;
  options.max_scan_bytes = 4096;
  auto scanner = Scanner(Banners(), options);
  std::string message = "Subject: x\n\n" + std::string(5000, 'a') + "\nSECRET\n";
  MarkingResult result = ScanMessage(scanner, message);
  EXPECT_TRUE(result.truncated);
  EXPECT_TRUE(result.found.empty());
  EXPECT_LE(result.bytes_scanned, 4096u);
}

TEST(MarkingSession, HtmlIsReadAsTextAndScriptIsIgnored) {
  auto scanner = Scanner(Banners());
  std::string message =
      "Subject: x\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
      "<html><script>var a='\nSECRET\n';</script><p>hello</p><div>SECRET</div></html>\n";
  EXPECT_EQ(Names(ScanMessage(scanner, message)), "SECRET@body");
  std::string only_script =
      "Subject: x\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
      "<html><script>\nSECRET\n</script><p>hello</p></html>\n";
  EXPECT_EQ(Names(ScanMessage(scanner, only_script)), "");
}

TEST(MarkingSession, NulInADecodedPartDoesNotHideTheRest) {
  auto scanner = Scanner(Banners());
  // base64 of "a\0b\nSECRET\n"
  std::string message =
      "Subject: x\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: "
      "base64\n\nYQBiClNFQ1JFVAo=\n";
  EXPECT_EQ(Names(ScanMessage(scanner, message)), "SECRET@body");
}

TEST(MarkingSession, AScratchIsSharedAcrossSessionsAndThreadsUseTheirOwn) {
  auto scanner = Scanner(Banners());
  std::vector<std::thread> threads;
  std::vector<int> found(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      MarkingScratch scratch = scanner->NewScratch();
      for (int i = 0; i < 200; ++i) {
        MarkingSession session(scanner, &scratch);
        session.Header("Subject", "OFFICIAL-SENSITIVE x");
        session.Body("hello\nSECRET\n");
        if (session.End().found.size() == 2) ++found[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : found) EXPECT_EQ(count, 200);
}

TEST(MarkingSession, ArbitraryBytesNeverCrash) {
  auto scanner = Scanner(Banners());
  std::mt19937 random(42);
  const std::string pieces[] = {"--b\n",
                                "Content-Type: multipart/mixed; boundary=b\n",
                                "Content-Transfer-Encoding: base64\n",
                                "\n",
                                "SECRET\n",
                                "<p>",
                                "=?utf-8?q?x?=",
                                "message/rfc822\n",
                                "\r\n",
                                "\0"};
  for (int i = 0; i < 300; ++i) {
    std::string message = "MIME-Version: 1.0\n";
    int n = static_cast<int>(random() % 40);
    for (int k = 0; k < n; ++k) message += pieces[random() % std::size(pieces)];
    MarkingResult result = ScanMessage(scanner, message);
    EXPECT_LE(result.bytes_scanned, message.size() + 64);
  }
}

TEST(MarkingSession, AFailingStoreMakesTheResultTruncated) {
  // Refuses whatever would take it past 200 bytes.
  class FailingStore : public MemoryStore {
   public:
    Result<void> Append(std::string_view bytes) override {
      if (size() + bytes.size() > 200) return MakeError(ErrorCode::kIo, "full");
      return MemoryStore::Append(bytes);
    }
  } store;
  auto scanner = Scanner(Banners());
  MarkingSession session(scanner, nullptr, &store);
  session.Header("Content-Type", "text/html");
  session.EndHeaders();
  session.Body("<p>SECRET</p>\n");
  session.Body(std::string(500, 'x'));
  session.Body("<p>SECRET</p>\n");
  MarkingResult result = session.End();
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(Names(result), "SECRET@body");
}

// A multipart message of `parts` tiny parts, SECRET in the 5th and
// CONFIDENTIAL (an edge banner) in the last.
std::string ManyParts(size_t parts, size_t fields_per_part = 0) {
  std::string message =
      "Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n";
  for (size_t i = 1; i <= parts; ++i) {
    message += "--b\nContent-Type: text/plain\n";
    for (size_t f = 0; f < fields_per_part; ++f) message += "X-F: v\n";
    message += i == 5 ? "\nSECRET\n" : i == parts ? "\nCONFIDENTIAL\n" : "\nx\n";
  }
  return message + "--b--\n";
}

TEST(MarkingSession, PartsAndFieldsPerMessageAreCapped) {
  struct Case {
    const char* name;
    size_t parts, fields_per_part;
    bool want_truncated;
    std::string want_names;
  };
  const Case cases[] = {
      {"under the part cap", 9000, 0, false, "SECRET@body;EDGE@body"},
      {"over the part cap", 12000, 0, true, "SECRET@body"},
      {"over the field cap", 100, 600, true, "SECRET@body"},
  };
  auto scanner = Scanner(Banners(), MarkingScanOptions{64 << 20, 10});
  for (const Case& c : cases) {
    for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{7}}) {
      std::string message = ManyParts(c.parts, c.fields_per_part);
      std::vector<RawHeader> headers;
      std::string_view body;
      SplitMessage(message, &headers, &body);
      MarkingSession session(scanner);
      for (const RawHeader& header : headers) session.Header(header.name, header.value);
      for (size_t at = 0; at < body.size(); at += chunk) session.Body(body.substr(at, chunk));
      MarkingResult result = session.End();
      EXPECT_EQ(result.truncated, c.want_truncated)
          << c.name << " in chunks of " << chunk << ": got truncated=" << result.truncated;
      EXPECT_EQ(Names(result), c.want_names) << c.name << " in chunks of " << chunk << ": got "
                                             << Names(result) << ", want " << c.want_names;
    }
  }
}

TEST(MimeObjectCounter, CountsLineStartsAcrossChunks) {
  MimeObjectCounter whole;
  std::string boundaries;
  for (size_t i = 0; i <= MimeObjectCounter::kMaxParts; ++i) boundaries += "--b\nbody line\n";
  size_t within = whole.Feed(boundaries);
  // The line that goes over is the last "--b" line; nothing of it is kept.
  EXPECT_EQ(within, boundaries.size() - std::string("--b\nbody line\n").size()) << "got " << within;
  MimeObjectCounter bytewise;
  size_t kept = 0;
  for (char c : boundaries) {
    size_t n = bytewise.Feed(std::string_view(&c, 1));
    kept += n;
    if (n == 0) break;
  }
  // Fed a byte at a time, the bytes of the line over the cap that came in
  // earlier chunks ("--b") were kept already; no more.
  EXPECT_GE(kept, within) << "one byte at a time: got " << kept;
  EXPECT_LE(kept, within + 3) << "one byte at a time: got " << kept << ", want " << within;
  MimeObjectCounter prose;
  std::string text(1 << 20, 'A');  // base64-like lines: no colon, no dash
  for (size_t i = 76; i < text.size(); i += 77) text[i] = '\n';
  EXPECT_EQ(prose.Feed(text), text.size());
}

TEST(MarkingResult, SummaryNamesEachMarkingOnceHighestFirst) {
  MarkingResult result;
  EXPECT_EQ(result.Summary(), "none");
  result.found = {{"OFFICIAL", "uk-gsc", 10, "subject"},
                  {"SECRET", "uk-gsc", 40, "body"},
                  {"OFFICIAL", "uk-gsc", 10, "body"}};
  EXPECT_EQ(result.Summary(), "SECRET (body), OFFICIAL (subject)");
}

TEST(MarkingNormalizer, DashesSpacesAndIgnorablesTakeOneForm) {
  struct Case {
    const char* name;
    std::string in, want;
    bool single_byte = false;
  };
  const Case cases[] = {
      {"en dash (Outlook autocorrect)", "OFFICIAL\u2013SENSITIVE", "OFFICIAL-SENSITIVE"},
      {"em dash", "OFFICIAL\u2014SENSITIVE", "OFFICIAL-SENSITIVE"},
      {"non-breaking hyphen U+2011", "OFFICIAL\u2011SENSITIVE", "OFFICIAL-SENSITIVE"},
      {"minus sign U+2212", "OFFICIAL\u2212SENSITIVE", "OFFICIAL-SENSITIVE"},
      {"fullwidth hyphen-minus", "OFFICIAL\uff0dSENSITIVE", "OFFICIAL-SENSITIVE"},
      {"no-break space", "OFFICIAL\u00a0SENSITIVE", "OFFICIAL SENSITIVE"},
      {"narrow no-break space", "TOP\u202fSECRET", "TOP SECRET"},
      {"zero-width space dropped", "OFFICIAL-\u200bSENSITIVE", "OFFICIAL-SENSITIVE"},
      {"soft hyphen dropped", "OFFI\u00adCIAL", "OFFICIAL"},
      {"byte order mark dropped", "\ufeffSECRET", "SECRET"},
      {"runs of spaces collapse", "OFFICIAL   SENSITIVE", "OFFICIAL SENSITIVE"},
      {"runs of dashes collapse", "OFFICIAL--\u2013SENSITIVE", "OFFICIAL-SENSITIVE"},
      {"space and dash are kept apart", "SECRET - UK", "SECRET - UK"},
      {"tabs and line breaks stay", "A\t\tB\r\n\r\nC", "A\t\tB\r\n\r\nC"},
      {"case stays", "Official-Sensitive", "Official-Sensitive"},
      {"other text stays", "caf\u00e9 \u00dcber \u4e2d\u6587", "caf\u00e9 \u00dcber \u4e2d\u6587"},
      {"invalid UTF-8 passes through", "A\xff\xc3(B\x80", "A\xff\xc3(B\x80"},
      {"truncated sequence at the end", "A\xe2\x80", "A\xe2\x80"},
      {"windows-1252 en dash", "OFFICIAL\x96SENSITIVE", "OFFICIAL-SENSITIVE", true},
      {"windows-1252 em dash and nbsp", "TOP\xa0SECRET\x97UK", "TOP SECRET-UK", true},
      {"0x96 outside a single-byte charset",
       "A\x96"
       "B",
       "A\x96"
       "B"},
      {"U+0096 from a Latin-1 header", "OFFICIAL\u0096SENSITIVE", "OFFICIAL-SENSITIVE"},
  };
  // Runs at every offset of the 8-byte words the fast path reads.
  std::string long_in, long_want;
  for (int shift = 0; shift < 16; ++shift) {
    std::string pad(static_cast<size_t>(shift), 'x');
    long_in += pad + "SECRET  --  UK\u2013\u2013EYES ONLY\n";
    long_want += pad + "SECRET - UK-EYES ONLY\n";
  }
  std::vector<Case> all(std::begin(cases), std::end(cases));
  all.push_back({"runs at every word offset", long_in, long_want});
  for (const Case& c : all) {
    MarkingNormalizer whole(c.single_byte);
    std::string got;
    whole.Append(c.in, &got);
    whole.Finish(&got);
    EXPECT_EQ(got, c.want) << c.name;
    // Chunked at every byte, the output is the same.
    MarkingNormalizer bytewise(c.single_byte);
    std::string pieces;
    for (char b : c.in) bytewise.Append(std::string_view(&b, 1), &pieces);
    bytewise.Finish(&pieces);
    EXPECT_EQ(pieces, c.want) << c.name << " (one byte at a time)";
  }
}

TEST(MarkingNormalizer, CharsetDecidesTheSingleByteForms) {
  struct Case {
    const char* charset;
    bool maps;
  };
  const Case cases[] = {
      {"windows-1252", true}, {"Windows-1250", true}, {"ISO-8859-1", true}, {"iso-8859-15", true},
      {"utf-8", false},       {"us-ascii", false},    {"", false}};
  for (const Case& c : cases) {
    MarkingNormalizer normalizer = MarkingNormalizer::ForCharset(c.charset);
    std::string got;
    normalizer.Append(
        "A\x96"
        "B",
        &got);
    normalizer.Finish(&got);
    EXPECT_EQ(got, c.maps ? "A-B"
                          : "A\x96"
                            "B")
        << c.charset;
  }
}

TEST(MarkingEdges, FirstAndLastNonEmptyLines) {
  std::string_view text = "\n a\n\nb\r\nc\nd\ne\n\n";
  EXPECT_EQ(text.substr(0, EndOfFirstLines(text, 2)), "\n a\n\nb\r\n");
  EXPECT_EQ(text.substr(StartOfLastLines(text, 2)), "d\ne\n\n");
  EXPECT_EQ(EndOfFirstLines("one\ntwo", 2), std::string_view::npos);  // "two" is not complete
  EXPECT_EQ(StartOfLastLines("one\ntwo", 5), 0u);
  EXPECT_EQ(StartOfLastLines("one\ntwo", 1), 4u);
  EXPECT_EQ(StartOfLastLines("", 1), 0u);
  EXPECT_EQ(EndOfFirstLines("", 1), std::string_view::npos);
}

// --- the policy --------------------------------------------------------------

std::shared_ptr<const Policy> PolicyWith(std::vector<MarkingSpec> markings,
                                         MarkingScanOptions options = {}) {
  PolicySpec spec;
  spec.expected = {{"mod.uk", DomainSource::kOwn}};
  spec.markings = std::move(markings);
  spec.marking_options = options;
  auto data = TypoData::Embedded();
  auto policy = Policy::Compile(spec, LoadSystemSuffixList(), *data);
  EXPECT_TRUE(policy.has_value()) << policy.error().ToString();
  return *policy;
}

TEST(PolicyMarkings, UnaccreditedRecipientGetsTheMarkingsActionNamingIt) {
  MarkingSpec os =
      Spec("OFFICIAL-SENSITIVE", 20, {MarkingLocation::kSubject}, {"^OFFICIAL-SENSITIVE"});
  os.accredited = {"*.gov.uk", "*.mod.uk", "*.mil", "*.nato.int"};
  os.action = Action::kHold;
  auto policy = PolicyWith({os});
  MarkingResult result = ScanMessage(policy->marking_scanner(),
                                     "Subject: OFFICIAL-SENSITIVE: secret figures 42\n\nx\n");
  EvaluationContext context;
  context.markings = &result;
  auto sender = ParseAddress("bob@mod.uk");
  Verdict out = policy->Evaluate(&*sender, "j@example.com", context);
  EXPECT_EQ(out.action, Action::kHold);
  ASSERT_EQ(out.reasons.size(), 1u);
  EXPECT_EQ(out.reasons[0].code, kReasonMarkingDestination);
  EXPECT_EQ(out.reasons[0].label, "OFFICIAL-SENSITIVE");
  EXPECT_EQ(out.reasons[0].detail,
            "the message is marked OFFICIAL-SENSITIVE; j@example.com is not an accredited "
            "destination for it (accredited: *.gov.uk, *.mod.uk, *.mil, *.nato.int)");
  EXPECT_EQ(out.reasons[0].detail.find("figures"), std::string::npos);
  EXPECT_EQ(policy->Evaluate(&*sender, "a@army.mil", context).action, Action::kAllow);
  EXPECT_EQ(policy->Evaluate(&*sender, "c@hq.mod.uk", context).action, Action::kAllow);
  // Own domains are always accredited.
  EXPECT_EQ(policy->Evaluate(&*sender, "c@mod.uk", context).action, Action::kAllow);
  // Without a scan (check), markings play no part.
  EXPECT_EQ(policy->Evaluate(&*sender, "j@example.com").action, Action::kAllow);
}

TEST(PolicyMarkings, ScanLimitAppliesToRecipientsNotAccreditedForEverything) {
  MarkingSpec s = Spec("S", 40, {MarkingLocation::kBody}, {"^S$"});
  s.accredited = {"*.mil"};
  MarkingScanOptions options;
  options.max_scan_bytes = 4096;
  auto policy = PolicyWith({s}, options);
  MarkingResult result =
      ScanMessage(policy->marking_scanner(), "Subject: x\n\n" + std::string(9000, 'a'));
  ASSERT_TRUE(result.truncated);
  EvaluationContext context;
  context.markings = &result;
  Verdict out = policy->Evaluate(nullptr, "j@example.com", context);
  EXPECT_EQ(out.action, Action::kHold);
  ASSERT_EQ(out.reasons.size(), 1u);
  EXPECT_EQ(out.reasons[0].label, kMarkingScanLimit);
  EXPECT_EQ(policy->Evaluate(nullptr, "a@army.mil", context).action, Action::kAllow);
}

TEST(PolicyMarkings, EveryMarkingFoundMustAccreditTheRecipient) {
  MarkingSpec level = Spec("SECRET", 40, {MarkingLocation::kBody}, {"^SECRET"});
  level.accredited = {"*.mil", "*.nato.int"};
  MarkingSpec caveat = Spec("NOFORN", 45, {MarkingLocation::kBody}, {"//NOFORN"});
  caveat.accredited = {"*.mil"};
  caveat.action = Action::kReject;
  auto policy = PolicyWith({level, caveat});
  MarkingResult result = ScanMessage(policy->marking_scanner(), "Subject: x\n\nSECRET//NOFORN\n");
  EvaluationContext context;
  context.markings = &result;
  Verdict nato = policy->Evaluate(nullptr, "x@hq.nato.int", context);
  EXPECT_EQ(nato.action, Action::kReject);
  EXPECT_EQ(nato.reasons[0].label, "NOFORN");
  EXPECT_EQ(policy->Evaluate(nullptr, "x@army.mil", context).action, Action::kAllow);
}

}  // namespace
}  // namespace rcptguard
