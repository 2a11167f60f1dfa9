// Compiling the marking definitions: one Hyperscan database per location,
// the scratch space they share, and errors that name the marking and the
// pattern.
#include <hs/hs.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "core/marking_internal.h"
#include "rcptguard/ascii.h"
#include "rcptguard/marking.h"

namespace rcptguard {

MarkingDatabases::~MarkingDatabases() {
  for (hs_database_t* db : {subject, header, edges, body_block, body_stream}) {
    if (db != nullptr) hs_free_database(db);
  }
  if (prototype != nullptr) hs_free_scratch(prototype);
}

namespace {

struct PatternSource {
  std::string expression;
  PatternRef ref;
  const MarkingSpec* spec;
};

// A pattern as an error message quotes it: control and non-ASCII bytes
// escaped (\xNN), at most 60 bytes of the original, "..." when cut.
std::string PatternExcerpt(std::string_view pattern) {
  constexpr size_t kMax = 60;
  std::string out;
  for (size_t i = 0; i < pattern.size() && i < kMax; ++i) {
    auto b = static_cast<unsigned char>(pattern[i]);
    if (b >= 0x20 && b < 0x7F) {
      out.push_back(static_cast<char>(b));
    } else {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  if (pattern.size() > kMax) out += "...";
  return out;
}

// The expression handed to Hyperscan, which reads a C string: a NUL byte in
// the pattern is written as the escape \x00 so the pattern is not cut there.
std::string HyperscanExpression(std::string_view pattern) {
  std::string out;
  for (char c : pattern) {
    if (c == '\0') {
      out += "\\x00";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<void> CompileError(const PatternSource& bad, std::string_view message) {
  return MakeError(ErrorCode::kConfig,
                   "marking '" + bad.spec->name + "': pattern '" + PatternExcerpt(bad.expression) +
                       "': " + std::string(message),
                   bad.spec->where);
}

// What a cached database was compiled from: Hyperscan's version and mode,
// then every pattern's id, flags and expression, length-prefixed. Stored at
// the head of the cache entry and compared whole on load, so that a hash
// collision or a stale entry can never give a database for other patterns.
std::string CacheKey(unsigned mode, const std::vector<std::string>& expressions,
                     const std::vector<unsigned>& flags) {
  std::string key = "rcptguard-markings-1\n";
  key += hs_version();
  key += '\n' + std::to_string(mode) + '\n';
  for (size_t i = 0; i < expressions.size(); ++i) {
    key += std::to_string(i) + ' ' + std::to_string(flags[i]) + ' ' +
           std::to_string(expressions[i].size()) + ' ' + expressions[i] + '\n';
  }
  return key;
}

// A BLAKE2b digest (libsodium's generic hash) of `bytes`, `size` bytes long.
std::string Digest(std::string_view bytes, size_t size) {
  // Idempotent and thread-safe; picks the fastest implementation for the CPU.
  if (sodium_init() < 0) std::abort();  // no usable CPU features: cannot run
  std::string digest(size, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()), size,
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr,
                     0);
  return digest;
}

// The entry's name: 8 bytes of the key's digest, in hex (a file name; the
// key itself decides).
std::string CacheName(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  for (char c : Digest(key, 8)) {
    name.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    name.push_back(kHex[static_cast<unsigned char>(c) & 15]);
  }
  return name;
}

// An entry is the key, the digest of the serialised database, then the
// database. Hyperscan checks a database's version and platform but not its
// bytes, and a damaged database could fail in the middle of a scan: the
// digest is what makes a damaged entry one to compile again.
constexpr size_t kDigestBytes = 32;

// The database a cache entry holds for `key`, or null (no entry, another
// key, damaged bytes, or another Hyperscan or CPU).
hs_database_t* LoadCached(MarkingDatabaseCache* cache, const std::string& name,
                          const std::string& key) {
  std::optional<std::string> entry = cache->Load(name);
  if (!entry || entry->size() <= key.size() + kDigestBytes ||
      entry->compare(0, key.size(), key) != 0) {
    return nullptr;
  }
  std::string_view rest = std::string_view(*entry).substr(key.size());
  std::string_view digest = rest.substr(0, kDigestBytes);
  std::string_view bytes = rest.substr(kDigestBytes);
  if (Digest(bytes, kDigestBytes) != digest) return nullptr;
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
  return db;
}

void StoreCached(MarkingDatabaseCache* cache, const std::string& name, const std::string& key,
                 const hs_database_t* db) {
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return;
  std::string_view serialised(bytes, length);
  std::string entry = key + Digest(serialised, kDigestBytes);
  entry.append(serialised);
  free(bytes);  // hs_serialize_database allocates with the misc allocator: malloc
  cache->Store(name, entry);
}

// Compiles one location's patterns into `*db` (null when there are none),
// or takes them from `cache` (may be null) when it holds them, and grows the
// prototype scratch to fit. `extra_flags` are added to every pattern's.
Result<void> CompileDatabase(const std::vector<PatternSource>& sources, unsigned mode,
                             unsigned extra_flags, MarkingDatabaseCache* cache, hs_database_t** db,
                             std::vector<PatternRef>* refs, hs_scratch_t** prototype) {
  *db = nullptr;
  if (sources.empty()) return {};
  std::vector<std::string> escaped;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  escaped.reserve(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    escaped.push_back(HyperscanExpression(sources[i].expression));
    // MULTILINE: banners are whole lines, so '^' and '$' mean line ends.
    // SINGLEMATCH: one report per pattern is all a marking needs, and it lets
    // Hyperscan stop tracking a pattern once it has matched. No UTF8 flag:
    // mail is often not valid UTF-8, and Hyperscan leaves results on invalid
    // UTF-8 undefined in that mode; patterns match bytes.
    flags.push_back(HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH | extra_flags);
    ids.push_back(static_cast<unsigned>(i));
    refs->push_back(sources[i].ref);
  }
  for (const std::string& expression : escaped) expressions.push_back(expression.c_str());
  std::string key, name;
  if (cache != nullptr) {
    key = CacheKey(mode, escaped, flags);
    name = CacheName(key);
    *db = LoadCached(cache, name, key);
    if (*db != nullptr) {
      if (hs_alloc_scratch(*db, prototype) != HS_SUCCESS) {
        return MakeError(ErrorCode::kInternal, "Hyperscan could not allocate scratch space");
      }
      return {};
    }
  }
  hs_compile_error_t* error = nullptr;
  hs_error_t status =
      hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), mode, nullptr, db, &error);
  if (status != HS_SUCCESS) {
    std::string message = error && error->message ? error->message : "cannot compile";
    int expression = error ? error->expression : -1;
    hs_free_compile_error(error);
    if (expression >= 0 && static_cast<size_t>(expression) < sources.size()) {
      return CompileError(sources[static_cast<size_t>(expression)], message);
    }
    // A limit of the whole database (a resource limit): the pattern that
    // fails alone is the one to name, else the first.
    for (size_t i = 0; i < sources.size(); ++i) {
      hs_database_t* single = nullptr;
      hs_compile_error_t* single_error = nullptr;
      hs_error_t single_status =
          hs_compile(expressions[i], flags[i], mode, nullptr, &single, &single_error);
      if (single != nullptr) hs_free_database(single);
      if (single_error != nullptr) hs_free_compile_error(single_error);
      if (single_status != HS_SUCCESS) return CompileError(sources[i], message);
    }
    return CompileError(sources.front(), message + " (all patterns of this location together)");
  }
  if (cache != nullptr) StoreCached(cache, name, key, *db);
  if (hs_alloc_scratch(*db, prototype) != HS_SUCCESS) {
    return MakeError(ErrorCode::kInternal, "Hyperscan could not allocate scratch space");
  }
  return {};
}

}  // namespace

MarkingScanner::MarkingScanner(std::vector<MarkingSpec> markings, MarkingScanOptions options)
    : markings_(std::move(markings)),
      options_(options),
      db_(std::make_unique<MarkingDatabases>()) {}

MarkingScanner::~MarkingScanner() = default;

Result<std::shared_ptr<const MarkingScanner>> MarkingScanner::Compile(
    std::vector<MarkingSpec> markings, MarkingScanOptions options, MarkingDatabaseCache* cache) {
  if (options.edge_lines < 1) {
    return MakeError(ErrorCode::kConfig, "edge_lines must be at least 1");
  }
  for (const MarkingSpec& spec : markings) {
    if (spec.name.empty())
      return MakeError(ErrorCode::kConfig, "a marking needs a name", spec.where);
    for (const MarkingMatchSpec& match : spec.matches) {
      bool header = std::find(match.where.begin(), match.where.end(), MarkingLocation::kHeader) !=
                    match.where.end();
      if (header && match.headers.empty()) {
        return MakeError(ErrorCode::kConfig,
                         "marking '" + spec.name + "': 'header' needs the header names to look in",
                         spec.where);
      }
      if (match.where.empty() || match.patterns.empty()) {
        return MakeError(ErrorCode::kConfig,
                         "marking '" + spec.name + "': a match needs 'where' and 'patterns'",
                         spec.where);
      }
    }
  }
  std::shared_ptr<MarkingScanner> scanner(new MarkingScanner(std::move(markings), options));
  MarkingDatabases& db = *scanner->db_;
  std::array<std::vector<PatternSource>, 4> by_location;
  for (size_t m = 0; m < scanner->markings_.size(); ++m) {
    const MarkingSpec& spec = scanner->markings_[m];
    for (const MarkingMatchSpec& match : spec.matches) {
      std::vector<std::string> headers;
      for (const std::string& name : match.headers) {
        headers.push_back(AsciiLower(name));
        if (std::find(db.header_names.begin(), db.header_names.end(), headers.back()) ==
            db.header_names.end()) {
          db.header_names.push_back(headers.back());
        }
      }
      for (MarkingLocation location : match.where) {
        for (const std::string& pattern : match.patterns) {
          PatternRef ref{
              m, location == MarkingLocation::kHeader ? headers : std::vector<std::string>{}};
          by_location[static_cast<size_t>(location)].push_back(
              PatternSource{pattern, std::move(ref), &spec});
        }
      }
    }
  }
  auto compile = [&](MarkingLocation location, unsigned mode, hs_database_t** out,
                     std::vector<PatternRef>* refs) {
    // Label headers are written by machines in any case: matched caselessly.
    unsigned extra = location == MarkingLocation::kHeader ? HS_FLAG_CASELESS : 0;
    return CompileDatabase(by_location[static_cast<size_t>(location)], mode, extra, cache, out,
                           refs, &db.prototype);
  };
  RCPTGUARD_TRY(compile(MarkingLocation::kSubject, HS_MODE_BLOCK, &db.subject, &db.subject_refs));
  RCPTGUARD_TRY(compile(MarkingLocation::kHeader, HS_MODE_BLOCK, &db.header, &db.header_refs));
  RCPTGUARD_TRY(compile(MarkingLocation::kBodyEdges, HS_MODE_BLOCK, &db.edges, &db.edge_refs));
  RCPTGUARD_TRY(compile(MarkingLocation::kBody, HS_MODE_BLOCK, &db.body_block, &db.body_refs));
  // The same body patterns again for streaming: plain text is scanned chunk by
  // chunk as the milter receives it, matches spanning chunks included.
  std::vector<PatternRef> stream_refs;
  RCPTGUARD_TRY(compile(MarkingLocation::kBody, HS_MODE_STREAM, &db.body_stream, &stream_refs));
  return std::shared_ptr<const MarkingScanner>(std::move(scanner));
}

MarkingScratch MarkingScanner::NewScratch() const {
  MarkingScratch scratch;
  scratch.scanner_ = this;
  if (db_->prototype != nullptr) {
    hs_scratch_t* clone = nullptr;
    if (hs_clone_scratch(db_->prototype, &clone) == HS_SUCCESS) scratch.scratch_ = clone;
  }
  return scratch;
}

MarkingScratch::MarkingScratch(MarkingScratch&& other) noexcept
    : scratch_(std::exchange(other.scratch_, nullptr)),
      scanner_(std::exchange(other.scanner_, nullptr)) {}

MarkingScratch& MarkingScratch::operator=(MarkingScratch&& other) noexcept {
  if (this != &other) {
    if (scratch_ != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
    scratch_ = std::exchange(other.scratch_, nullptr);
    scanner_ = std::exchange(other.scanner_, nullptr);
  }
  return *this;
}

MarkingScratch::~MarkingScratch() {
  if (scratch_ != nullptr) hs_free_scratch(static_cast<hs_scratch_t*>(scratch_));
}

}  // namespace rcptguard
