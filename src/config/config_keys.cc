// The key table of rcptguard.toml (see config_keys.h). A new key is one row
// here, one loader line, and its paragraph in conf/rcptguard.toml.sample.
#include "config/config_keys.h"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace rcptguard {
namespace {

constexpr int64_t kYearsOfDays = 100 * 366;

using K = KeyType;

// clang-format off
constexpr std::array kKeys = {
    ConfigKey{"audit", K::kBoolean, "false", "true or false",
              "Decide and log, never act: the mail path delivers everything unchanged."},
    ConfigKey{"own_domains", K::kStrings, "[]", "domains",
              "The organisation's own domains: expected, protected, and accredited for every marking."},
    ConfigKey{"trusted", K::kSection, "", "", "Destinations the organisation writes to."},
    ConfigKey{"trusted.domains", K::kDomains, "[]",
              "domains or wildcards (\"*.mil\"), or { domain = \"...\", subdomains = false }",
              "Trusted destination domains, with their subdomains unless told otherwise."},
    ConfigKey{"trusted.domains.domain", K::kString, "", "a domain or wildcard",
              "The domain of a { domain, subdomains } entry of trusted.domains."},
    ConfigKey{"trusted.domains.subdomains", K::kBoolean, "true", "true or false",
              "Whether that entry covers the domain's subdomains."},
    ConfigKey{"trusted.files", K::kStrings, "[]", "paths of regular files",
              "Files of more trusted domains, one per line; relative to the file that names them."},
    ConfigKey{"trusted.providers", K::kBoolean, "true", "true or false",
              "Expect the shipped list of public mail providers (gmail.com, outlook.com, ...)."},
    ConfigKey{"detector", K::kSection, "", "", "How look-alikes are found."},
    ConfigKey{"detector.known_domains", K::kBoolean, "true", "true or false",
              "Use the shipped lists of widely used domains as evidence that a name is meant."},
    ConfigKey{"detector.known_files", K::kStrings, "[]", "paths of regular files",
              "Files of more widely used domains, one per line."},
    ConfigKey{"rule", K::kTableArray, "", "", "Explicit rules, checked in order; the first match applies."},
    ConfigKey{"rule.name", K::kString, "\"rule at line N\"", "any text",
              "A label for logs and messages."},
    ConfigKey{"rule.from", K::kString, "\"*\"", "an address pattern",
              "Sender pattern: *, *.mil, example.com, *@example.com, user@example.com, user@*.mil."},
    ConfigKey{"rule.to", K::kString, "", "an address pattern (required)", "Recipient pattern."},
    ConfigKey{"rule.action", K::kAction, "", "allow, warn, hold or reject (required)",
              "What the rule does; allow is an exception that ends the checks."},
    ConfigKey{"outbound", K::kSection, "", "", "Which mail the milter checks."},
    ConfigKey{"outbound.authenticated", K::kBoolean, "true", "true or false",
              "Mail from clients that logged in with SMTP AUTH is outbound."},
    ConfigKey{"outbound.networks", K::kStrings, "[\"127.0.0.0/8\", \"::1/128\"]",
              "addresses or address/prefix", "Client networks whose mail is outbound."},
    ConfigKey{"outbound.sender_domains", K::kStrings, "[]", "domains",
              "Envelope sender domains (and subdomains) whose mail is outbound."},
    ConfigKey{"outbound.daemon_names", K::kStrings, "[]", "Postfix service names",
              "Postfix services ({daemon_name}) whose mail is outbound."},
    ConfigKey{"milter", K::kSection, "", "", "How rcptguard milter listens and fails."},
    ConfigKey{"milter.socket", K::kString, "\"unix:/run/rcptguard/milter.sock\"",
              "unix:/path or inet:port@host", "Where the milter listens, unless -p says otherwise."},
    ConfigKey{"milter.on_error", K::kChoice, "\"tempfail\"", "tempfail or accept",
              "The answer when rcptguard itself fails on a message.", 0, 0, 0, 0, "tempfail accept"},
    ConfigKey{"milter.local_submission_daemon_names", K::kStrings, "[\"local-submission\"]",
              "Postfix service names",
              "The {daemon_name} of mail submitted with sendmail(1), where a reject becomes a hold."},
    ConfigKey{"milter.body_memory_bytes", K::kInteger, "1048576", "0 to 4294967296",
              "Bytes of a message kept in memory for the marking scan; the rest goes to a temporary file.",
              0, int64_t{1} << 32},
    ConfigKey{"milter.spool_directory", K::kString, "\"\"", "a directory; \"\" for $TMPDIR or /tmp",
              "Where those temporary files are made."},
    ConfigKey{"milter.header", K::kChoice, "\"summary\"", "summary or off",
              "Whether a checked message gets \"X-Rcptguard: checked\" (which names nothing).",
              0, 0, 0, 0, "summary off"},
    ConfigKey{"milter.hold_directory", K::kString, "\"/var/lib/rcptguard/held\"",
              "a directory; \"\" for none", "Where a held message's record is written for quarantine."},
    ConfigKey{"serve", K::kSection, "", "", "How rcptguard serve (the HTTP API) listens and answers."},
    ConfigKey{"serve.listen", K::kString, "\"127.0.0.1:9025\"", "HOST:PORT or [IPv6]:PORT",
              "Where the API listens, unless --listen says otherwise; plain HTTP only on loopback."},
    ConfigKey{"serve.tokens_file", K::kString, "\"/etc/rcptguard/api-tokens\"", "a file that rcptguard token writes",
              "The API tokens' hashes; read at start and on SIGHUP."},
    ConfigKey{"serve.max_recipients", K::kInteger, "1000", "1 to 100000",
              "The most recipients one POST /api/v1/check may name.", 1, 100'000},
    ConfigKey{"serve.max_request_bytes", K::kInteger, "1048576", "1024 to 67108864",
              "The largest request body taken; a larger one is refused with 413.", 1024, int64_t{1} << 26},
    ConfigKey{"serve.threads", K::kInteger, "8", "1 to 256",
              "Threads answering requests.", 1, 256},
    ConfigKey{"serve.link_key_file", K::kString, "\"/etc/rcptguard/link-key\"",
              "a 32-byte file of mode 0600 (rcptguard serve --create-link-key)",
              "The key the sender's send-anyway and cancel links are signed with."},
    ConfigKey{"serve.link_base", K::kString, "\"\"", "an http:// or https:// URL; \"\" for the listen address",
              "Where the sender's links point; the link's token is appended to /link/."},
    ConfigKey{"serve.notify_from", K::kString, "\"\"", "an address; \"\" for no notifications",
              "The From of the notification a held message's sender gets."},
    ConfigKey{"serve.sendmail", K::kStrings, "[\"/usr/sbin/sendmail\"]", "a command and its arguments",
              "How a notification is handed to the local MTA (-t -i -f FROM are added)."},
    ConfigKey{"serve.notify_per_hour", K::kInteger, "10", "1 to 10000",
              "The most notifications one sender gets in an hour.", 1, 10'000},
    ConfigKey{"serve.hold_expiry_seconds", K::kInteger, "259200", "0 to 31536000",
              "After this long a held message nobody acted on gets expiry_action; 0: never.", 0,
              31'536'000},
    ConfigKey{"serve.expiry_action", K::kChoice, "\"discard\"", "discard or release",
              "What happens to a held message at its expiry.", 0, 0, 0, 0, "discard release"},
    ConfigKey{"serve.scan_seconds", K::kInteger, "30", "1 to 3600",
              "How often the hold directory is read for new and expired holds.", 1, 3600},
    ConfigKey{"serve.postfix_config", K::kString, "\"\"", "a directory; \"\" for Postfix's default",
              "The Postfix configuration directory the queue tools are given (-c)."},
    ConfigKey{"actions", K::kSection, "", "", "The action for each reason."},
    ConfigKey{"actions.invalid-address", K::kAction, "\"reject\"", "allow, warn, hold or reject",
              "For a recipient that is not a deliverable address."},
    ConfigKey{"actions.lookalike-domain", K::kBands,
              "[{ min_score = 0.9, action = \"reject\" }, { min_score = 0.5, action = \"warn\" }]",
              "{ min_score, action } tables", "Score bands for look-alikes; the highest that applies wins."},
    ConfigKey{"actions.lookalike-domain.min_score", K::kFloat, "", "a number from 0 to 1",
              "The lowest score of a band.", 0, 0, 0.0, 1.0},
    ConfigKey{"actions.lookalike-domain.action", K::kAction, "", "allow, warn, hold or reject",
              "The action of a band."},
    ConfigKey{"actions.unfamiliar-recipient", K::kAction, "\"warn\"", "allow, warn, hold or reject",
              "For a new address that looks like a slip of a usual correspondent (needs [history])."},
    ConfigKey{"history", K::kSection, "", "", "Correspondent history."},
    ConfigKey{"history.store", K::kString, "\"\"",
              "sqlite:///path or postgresql://...; \"\" for no history", "Where history lives."},
    ConfigKey{"history.secret_file", K::kString, "\"\"", "a regular file of at least 16 bytes; \"\" for none",
              "Hashed mode: addresses are stored as keyed hashes under this secret."},
    ConfigKey{"history.retention_days", K::kInteger, "730", "1 to 36600",
              "Pairs not seen for this long are forgotten.", 1, kYearsOfDays},
    ConfigKey{"history.learn", K::kBoolean, "true", "true or false",
              "Whether the milter records delivered mail."},
    ConfigKey{"history.frequent_messages", K::kInteger, "2", "1 to 1000000",
              "A correspondent is frequent from this many messages on.", 1, 1'000'000},
    ConfigKey{"history.organisation_messages", K::kInteger, "2", "1 to 1000000",
              "A domain anyone here wrote to this often is never a look-alike.", 1, 1'000'000},
    ConfigKey{"history.expected_domain_messages", K::kInteger, "3", "1 to 1000000",
              "Domains written to this often join the expected domains.", 1, 1'000'000},
    ConfigKey{"history.refresh_seconds", K::kInteger, "5", "1 to 1000000",
              "How often the milter reads what was learned since.", 1, 1'000'000},
    ConfigKey{"history.rebuild_seconds", K::kInteger, "600", "1 to 1000000",
              "How often the milter rebuilds its history index from the whole store.", 1, 1'000'000},
    ConfigKey{"markings", K::kSection, "", "", "Sensitivity markings: defaults and the scan."},
    ConfigKey{"markings.packs", K::kStrings, "[]",
              "uk-gsc, us-classification, au-pspf, rfc7444, msip", "Shipped marking packs to include."},
    ConfigKey{"markings.accredited", K::kStrings, "[]", "address patterns",
              "Destinations accredited for every marking that sets none."},
    ConfigKey{"markings.action", K::kAction, "\"hold\"", "allow, warn, hold or reject",
              "For recipients outside a marking's destinations, for markings that set none."},
    ConfigKey{"markings.max_scan_bytes", K::kInteger, "16777216", "4096 to 1073741824",
              "At most this many bytes of a message are kept and scanned.", 4096, int64_t{1} << 30},
    ConfigKey{"markings.on_limit", K::kAction, "\"hold\"", "allow, warn, hold or reject",
              "For a message larger than max_scan_bytes, for recipients not accredited for every marking."},
    ConfigKey{"markings.edge_lines", K::kInteger, "10", "1 to 1000",
              "Lines at the top and bottom of each text part that body-edges patterns look at.", 1, 1000},
    ConfigKey{"marking", K::kTableArray, "", "",
              "Define a marking, or refine one a pack defines (same name).", 0, 0, 0, 0, {},
              kInConfig | kInPack},
    ConfigKey{"marking.name", K::kString, "", "any text (required)",
              "The marking as people write it; named in verdicts.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.scheme", K::kString, "the pack's name, or \"local\"", "any text",
              "The scheme it belongs to.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.rank", K::kInteger, "", "0 to 1000 (required for a new marking)",
              "Order of precedence; higher is more sensitive.", 0, 1000, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.where", K::kLocations, "", "subject, header, body-edges, body",
              "Where patterns look.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.headers", K::kStrings, "[]", "header names",
              "The headers to look in, for where = [\"header\"].", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.patterns", K::kStrings, "[]", "Hyperscan regular expressions",
              "Case-sensitive patterns, ^ and $ at every line.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.match", K::kTableArray, "", "", "More where/headers/patterns sets.",
              0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.match.where", K::kLocations, "", "subject, header, body-edges, body",
              "Where this set's patterns look.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.match.headers", K::kStrings, "[]", "header names",
              "The headers to look in.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.match.patterns", K::kStrings, "", "Hyperscan regular expressions (required)",
              "This set's patterns.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.accredited", K::kStrings, "[markings] accredited", "address patterns",
              "Destinations accredited for this marking.", 0, 0, 0, 0, {}, kInConfig | kInPack},
    ConfigKey{"marking.action", K::kAction, "[markings] action", "allow, warn, hold or reject",
              "For any other recipient.", 0, 0, 0, 0, {}, kInConfig | kInPack},
};
// clang-format on

}  // namespace

std::span<const ConfigKey> ConfigKeyTable() { return kKeys; }

const ConfigKey* FindConfigKey(std::string_view name) {
  for (const ConfigKey& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

const ConfigKey& ConfigKeyNamed(std::string_view name) {
  const ConfigKey* key = FindConfigKey(name);
  if (key == nullptr) {
    std::fprintf(stderr, "rcptguard: internal error: no key '%.*s' in the key table\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return *key;
}

std::string_view KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kSection:
      return "table";
    case KeyType::kTableArray:
      return "array of tables";
    case KeyType::kBoolean:
      return "boolean";
    case KeyType::kInteger:
      return "integer";
    case KeyType::kFloat:
      return "number";
    case KeyType::kString:
    case KeyType::kChoice:
      return "string";
    case KeyType::kAction:
      return "action";
    case KeyType::kStrings:
    case KeyType::kLocations:
      return "array of strings";
    case KeyType::kDomains:
      return "array of strings or tables";
    case KeyType::kBands:
      return "array of tables";
  }
  return "value";
}

}  // namespace rcptguard
