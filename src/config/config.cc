// Loading and validating rcptguard.toml with toml++.
#include "config/config.h"

#include <toml++/toml.h>

#include <array>

#include "config/marking_packs.h"
#include "platform/files.h"
#include "platform/marking_cache_dir.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

constexpr std::array<std::string_view, 64> kKeys = {
    "audit",
    "milter",
    "milter.socket",
    "milter.on_error",
    "milter.local_submission_daemon_names",
    "milter.body_memory_bytes",
    "milter.spool_directory",
    "milter.header",
    "milter.hold_directory",
    "outbound",
    "outbound.authenticated",
    "outbound.networks",
    "outbound.sender_domains",
    "outbound.daemon_names",
    "detector",
    "detector.known_domains",
    "detector.known_files",
    "own_domains",
    "trusted",
    "trusted.domains",
    "trusted.domains.domain",
    "trusted.domains.subdomains",
    "trusted.files",
    "trusted.providers",
    "rule",
    "rule.name",
    "rule.from",
    "rule.to",
    "rule.action",
    "actions",
    "actions.invalid-address",
    "actions.lookalike-domain.min_score",
    "actions.lookalike-domain.action",
    "actions.unfamiliar-recipient",
    "history",
    "history.store",
    "history.secret_file",
    "history.retention_days",
    "history.learn",
    "history.frequent_messages",
    "history.organisation_messages",
    "history.expected_domain_messages",
    "history.refresh_seconds",
    "history.rebuild_seconds",
    "markings",
    "markings.packs",
    "markings.accredited",
    "markings.action",
    "markings.max_scan_bytes",
    "markings.on_limit",
    "markings.edge_lines",
    "marking",
    "marking.name",
    "marking.scheme",
    "marking.rank",
    "marking.where",
    "marking.headers",
    "marking.patterns",
    "marking.match",
    "marking.match.where",
    "marking.match.headers",
    "marking.match.patterns",
    "marking.accredited",
    "marking.action",
};

// The keys of one [[marking]] table (in the configuration or a pack).
constexpr std::array<std::string_view, 9> kMarkingKeys = {
    "name", "scheme", "rank", "where", "headers", "patterns", "match", "accredited", "action"};
constexpr std::array<std::string_view, 3> kMatchKeys = {"where", "headers", "patterns"};

// Keys whose value is an array of tables (their members are keys too), or an
// array whose elements may be tables.
bool HasTableElements(std::string_view key) {
  return key == "rule" || key == "trusted.domains" || key == "actions.lookalike-domain" ||
         key == "marking" || key == "marking.match";
}

class Parser {
 public:
  Parser(const std::string& path, const FileReader& read_file)
      : path_(path), read_file_(read_file) {}

  Result<Config> Parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, path_);
    } catch (const toml::parse_error& error) {
      return MakeError(ErrorCode::kConfig, std::string(error.description()),
                       path_ + ":" + std::to_string(error.source().begin.line));
    }
    if (auto ok = CheckKeys(root, ""); !ok) return Unexpected(ok.error());
    config_.source = path_;
    if (auto ok = Load(root); !ok) return Unexpected(ok.error());
    return std::move(config_);
  }

 private:
  std::string Where(const toml::node& node) const {
    return path_ + ":" + std::to_string(node.source().begin.line);
  }

  Failure Fail(const toml::node& node, std::string message) const {
    return MakeError(ErrorCode::kConfig, std::move(message), Where(node));
  }

  // Refuses any key not in the key table, wherever it is.
  Result<void> CheckKeys(const toml::table& table, const std::string& prefix) {
    for (const auto& [key, node] : table) {
      std::string path =
          prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
      bool known =
          std::find(kKeys.begin(), kKeys.end(), path) != kKeys.end() || HasTableElements(path);
      if (!known) {
        return Fail(node, "unknown key '" + path + "' (see conf/rcptguard.toml.sample)");
      }
      config_.keys_seen.push_back(path);
      if (const toml::table* child = node.as_table()) {
        if (auto ok = CheckKeys(*child, path); !ok) return ok;
      } else if (const toml::array* array = node.as_array(); array && HasTableElements(path)) {
        for (const toml::node& element : *array) {
          if (const toml::table* child_table = element.as_table()) {
            if (auto ok = CheckKeys(*child_table, path); !ok) return ok;
          }
        }
      }
    }
    return {};
  }

  Result<bool> GetBool(const toml::node& node, std::string_view key) {
    if (auto value = node.value<bool>()) return *value;
    return Fail(node, "'" + std::string(key) + "' must be true or false");
  }

  Result<std::string> GetString(const toml::node& node, std::string_view key) {
    if (auto value = node.value<std::string>()) return *value;
    return Fail(node, "'" + std::string(key) + "' must be a string");
  }

  Result<Action> GetAction(const toml::node& node, std::string_view key) {
    auto text = GetString(node, key);
    if (!text) return Unexpected(text.error());
    auto action = ActionFromName(*text);
    if (!action) {
      return Fail(node, "'" + std::string(key) + "' must be allow, warn, hold or reject, not '" +
                            *text + "'");
    }
    return *action;
  }

  Result<const toml::array*> GetArray(const toml::node& node, std::string_view key) {
    if (const toml::array* array = node.as_array()) return array;
    return Fail(node, "'" + std::string(key) + "' must be an array");
  }

  Result<void> AddDomain(const toml::node& node, std::string text, DomainSource source,
                         bool subdomains) {
    std::string_view bare = text;
    if (bare.size() > 2 && bare.substr(0, 2) == "*.") bare.remove_prefix(2);
    if (auto normalized = NormalizeDomain(bare); !normalized) {
      return Fail(node, "'" + text + "' is not a domain: " + normalized.error().message);
    }
    ExpectedDomain domain;
    domain.domain = std::move(text);
    domain.source = source;
    domain.include_subdomains = subdomains;
    config_.policy.expected.push_back(std::move(domain));
    return {};
  }

  Result<void> LoadOwnDomains(const toml::node& node) {
    auto array = GetArray(node, "own_domains");
    if (!array) return Unexpected(array.error());
    for (const toml::node& element : **array) {
      auto text = GetString(element, "own_domains");
      if (!text) return Unexpected(text.error());
      if (auto ok = AddDomain(element, *text, DomainSource::kOwn, true); !ok) return ok;
    }
    return {};
  }

  Result<void> LoadTrusted(const toml::table& trusted) {
    for (const auto& [key, node] : trusted) {
      if (key == "providers") {
        auto value = GetBool(node, "trusted.providers");
        if (!value) return Unexpected(value.error());
        providers_ = *value;
      } else if (key == "domains") {
        auto array = GetArray(node, "trusted.domains");
        if (!array) return Unexpected(array.error());
        for (const toml::node& element : **array) {
          if (auto ok = LoadTrustedEntry(element); !ok) return ok;
        }
      } else if (key == "files") {
        auto domains = ReadDomainFiles(node, "trusted.files");
        if (!domains) return Unexpected(domains.error());
        for (ExpectedDomain& domain : *domains) {
          config_.policy.expected.push_back(std::move(domain));
        }
      }
    }
    return {};
  }

  // A string ("army.mil", "*.mil") or a table { domain = "...", subdomains = false }.
  Result<void> LoadTrustedEntry(const toml::node& element) {
    if (element.is_string()) {
      return AddDomain(element, *element.value<std::string>(), DomainSource::kTrusted, true);
    }
    const toml::table* table = element.as_table();
    if (table == nullptr) {
      return Fail(element,
                  "'trusted.domains' entries must be strings or "
                  "{ domain = \"...\", subdomains = true|false }");
    }
    const toml::node* domain = table->get("domain");
    if (domain == nullptr) return Fail(element, "'trusted.domains' entry has no 'domain'");
    auto text = GetString(*domain, "trusted.domains.domain");
    if (!text) return Unexpected(text.error());
    bool subdomains = true;
    if (const toml::node* flag = table->get("subdomains")) {
      auto value = GetBool(*flag, "trusted.domains.subdomains");
      if (!value) return Unexpected(value.error());
      subdomains = *value;
    }
    return AddDomain(*domain, *text, DomainSource::kTrusted, subdomains);
  }

  std::string ResolvePath(const std::string& file) const {
    if (file.empty() || file.front() == '/') return file;
    size_t slash = path_.rfind('/');
    return slash == std::string::npos ? file : path_.substr(0, slash + 1) + file;
  }

  // Reads every file named in the array `node` ("key" in errors): one domain per
  // line, as ParseDomainList reads them.
  Result<std::vector<ExpectedDomain>> ReadDomainFiles(const toml::node& node,
                                                      std::string_view key) {
    auto array = GetArray(node, key);
    if (!array) return Unexpected(array.error());
    std::vector<ExpectedDomain> all;
    for (const toml::node& element : **array) {
      auto file = GetString(element, key);
      if (!file) return Unexpected(file.error());
      std::string path = ResolvePath(*file);
      auto text = read_file_(path);
      if (!text) return Fail(element, text.error().ToString());
      auto domains = ParseDomainList(*text, path, DomainSource::kTrusted);
      if (!domains) return Unexpected(domains.error());
      all.insert(all.end(), std::make_move_iterator(domains->begin()),
                 std::make_move_iterator(domains->end()));
    }
    return all;
  }

  Result<void> LoadRules(const toml::node& node) {
    const toml::array* rules = node.as_array();
    if (rules == nullptr) return Fail(node, "'rule' must be written as [[rule]] tables");
    for (const toml::node& element : *rules) {
      const toml::table* table = element.as_table();
      if (table == nullptr) return Fail(element, "'rule' must be written as [[rule]] tables");
      RuleSpec rule;
      rule.where = Where(element);
      rule.name = "rule at line " + std::to_string(element.source().begin.line);
      for (const auto& [key, value] : *table) {
        std::string key_name = "rule." + std::string(key.str());
        Result<std::string> text =
            key == "action" ? Result<std::string>("") : GetString(value, key_name);
        if (!text) return Unexpected(text.error());
        if (key == "name") rule.name = *text;
        if (key == "from") rule.from = *text;
        if (key == "to") rule.to = *text;
        if (key == "action") {
          auto action = GetAction(value, key_name);
          if (!action) return Unexpected(action.error());
          rule.action = *action;
        }
      }
      if (rule.to.empty()) return Fail(element, "a [[rule]] needs 'to' (a recipient pattern)");
      if (table->get("action") == nullptr) {
        return Fail(element, "a [[rule]] needs 'action' (allow, warn, hold or reject)");
      }
      if (auto from = AddressPattern::Parse(rule.from); !from) {
        return Fail(element, from.error().message);
      }
      if (auto to = AddressPattern::Parse(rule.to); !to) return Fail(element, to.error().message);
      config_.policy.rules.push_back(std::move(rule));
    }
    return {};
  }

  Result<void> LoadActions(const toml::table& actions) {
    for (const auto& [key, node] : actions) {
      if (key == "invalid-address") {
        auto action = GetAction(node, "actions.invalid-address");
        if (!action) return Unexpected(action.error());
        config_.policy.invalid_address_action = *action;
      } else if (key == "unfamiliar-recipient") {
        auto action = GetAction(node, "actions.unfamiliar-recipient");
        if (!action) return Unexpected(action.error());
        config_.policy.unfamiliar_recipient_action = *action;
      } else if (key == "lookalike-domain") {
        auto bands = GetArray(node, "actions.lookalike-domain");
        if (!bands) return Unexpected(bands.error());
        config_.policy.lookalike_bands.clear();
        for (const toml::node& element : **bands) {
          const toml::table* band = element.as_table();
          const toml::node* min_score = band ? band->get("min_score") : nullptr;
          const toml::node* action_node = band ? band->get("action") : nullptr;
          if (min_score == nullptr || action_node == nullptr) {
            return Fail(element,
                        "'actions.lookalike-domain' entries are "
                        "{ min_score = 0.9, action = \"reject\" }");
          }
          auto score = min_score->value<double>();
          if (!score || *score < 0 || *score > 1) {
            return Fail(*min_score, "'min_score' must be a number from 0 to 1");
          }
          auto action = GetAction(*action_node, "actions.lookalike-domain.action");
          if (!action) return Unexpected(action.error());
          config_.policy.lookalike_bands.push_back(ScoreBand{*score, *action});
        }
      }
    }
    return {};
  }

  Result<void> Load(const toml::table& root) {
    for (const auto& [key, node] : root) {
      Result<void> ok;
      if (key == "audit") {
        auto value = GetBool(node, "audit");
        if (!value) return Unexpected(value.error());
        config_.policy.audit = *value;
      } else if (key == "own_domains") {
        ok = LoadOwnDomains(node);
      } else if (key == "trusted") {
        if (!node.is_table()) return Fail(node, "'trusted' must be a table: [trusted]");
        ok = LoadTrusted(*node.as_table());
      } else if (key == "rule") {
        ok = LoadRules(node);
      } else if (key == "actions") {
        if (!node.is_table()) return Fail(node, "'actions' must be a table: [actions]");
        ok = LoadActions(*node.as_table());
      } else if (key == "detector") {
        if (!node.is_table()) return Fail(node, "'detector' must be a table: [detector]");
        ok = LoadDetector(*node.as_table());
      } else if (key == "milter") {
        if (!node.is_table()) return Fail(node, "'milter' must be a table: [milter]");
        ok = LoadMilter(*node.as_table());
      } else if (key == "outbound") {
        if (!node.is_table()) return Fail(node, "'outbound' must be a table: [outbound]");
        ok = LoadOutbound(*node.as_table());
      } else if (key == "history") {
        if (!node.is_table()) return Fail(node, "'history' must be a table: [history]");
        ok = LoadHistory(*node.as_table());
      } else if (key == "markings") {
        if (!node.is_table()) return Fail(node, "'markings' must be a table: [markings]");
        markings_section_ = node.as_table();
      } else if (key == "marking") {
        marking_tables_ = &node;
      }
      if (!ok) return ok;
    }
    // Packs first, then the file's own [[marking]] tables, which may refine them.
    if (auto ok = LoadMarkings(); !ok) return ok;
    if (providers_) AddProviders();
    if (known_) AddKnown();
    return {};
  }

  Result<int64_t> GetCount(const toml::node& node, std::string_view key, int64_t min, int64_t max) {
    auto value = node.value<int64_t>();
    if (!value || *value < min || *value > max) {
      return Fail(node, "'" + std::string(key) + "' must be a whole number from " +
                            std::to_string(min) + " to " + std::to_string(max));
    }
    return *value;
  }

  Result<void> LoadHistory(const toml::table& history) {
    HistorySettings& settings = config_.history;
    for (const auto& [key, node] : history) {
      std::string name = "history." + std::string(key.str());
      if (key == "store" || key == "secret_file") {
        auto value = GetString(node, name);
        if (!value) return Unexpected(value.error());
        if (key == "store") {
          if (!value->empty() && value->find(':') == std::string::npos) {
            return Fail(node,
                        "'history.store' must be a URL such as "
                        "sqlite:///var/lib/rcptguard/rcptguard.db, not '" +
                            *value + "'");
          }
          settings.store = *value;
        } else {
          settings.secret_file = ResolvePath(*value);
        }
      } else if (key == "learn") {
        auto value = GetBool(node, name);
        if (!value) return Unexpected(value.error());
        settings.learn = *value;
      } else {
        constexpr int64_t kYearsOfDays = 100 * 366;
        auto value = GetCount(node, name, 1, key == "retention_days" ? kYearsOfDays : 1'000'000);
        if (!value) return Unexpected(value.error());
        if (key == "retention_days") settings.retention_days = *value;
        if (key == "frequent_messages") settings.options.frequent_messages = *value;
        if (key == "organisation_messages") settings.options.organisation_messages = *value;
        if (key == "expected_domain_messages") settings.options.expected_domain_messages = *value;
        if (key == "refresh_seconds") settings.refresh_seconds = *value;
        if (key == "rebuild_seconds") settings.rebuild_seconds = *value;
      }
    }
    return {};
  }

  Result<void> LoadMilter(const toml::table& milter) {
    for (const auto& [key, node] : milter) {
      if (key == "socket") {
        auto socket = GetString(node, "milter.socket");
        if (!socket) return Unexpected(socket.error());
        if (socket->rfind("unix:", 0) != 0 && socket->rfind("local:", 0) != 0 &&
            socket->rfind("inet:", 0) != 0 && socket->rfind("inet6:", 0) != 0) {
          return Fail(
              node, "'milter.socket' must be unix:/path or inet:port@host, not '" + *socket + "'");
        }
        config_.milter.socket = *socket;
      } else if (key == "on_error") {
        auto value = GetString(node, "milter.on_error");
        if (!value) return Unexpected(value.error());
        if (*value != "tempfail" && *value != "accept") {
          return Fail(node, "'milter.on_error' must be tempfail or accept, not '" + *value + "'");
        }
        config_.milter.tempfail_on_error = *value == "tempfail";
      } else if (key == "body_memory_bytes") {
        auto value = GetCount(node, "milter.body_memory_bytes", 0, int64_t{1} << 32);
        if (!value) return Unexpected(value.error());
        config_.milter.body_memory_bytes = *value;
      } else if (key == "spool_directory") {
        auto value = GetString(node, "milter.spool_directory");
        if (!value) return Unexpected(value.error());
        config_.milter.spool_directory = *value;
      } else if (key == "header") {
        auto value = GetString(node, "milter.header");
        if (!value) return Unexpected(value.error());
        if (*value != "summary" && *value != "off") {
          return Fail(node, "'milter.header' must be summary or off, not '" + *value + "'");
        }
        config_.milter.add_header = *value == "summary";
      } else if (key == "hold_directory") {
        auto value = GetString(node, "milter.hold_directory");
        if (!value) return Unexpected(value.error());
        config_.milter.hold_directory = *value;
      } else if (key == "local_submission_daemon_names") {
        auto names = GetStrings(node, "milter.local_submission_daemon_names");
        if (!names) return Unexpected(names.error());
        config_.milter.local_submission_daemon_names = std::move(*names);
      }
    }
    return {};
  }

  Result<std::vector<std::string>> GetStrings(const toml::node& node, std::string_view key) {
    auto array = GetArray(node, key);
    if (!array) return Unexpected(array.error());
    std::vector<std::string> values;
    for (const toml::node& element : **array) {
      auto value = GetString(element, key);
      if (!value) return Unexpected(value.error());
      values.push_back(std::move(*value));
    }
    return values;
  }

  Result<void> LoadOutbound(const toml::table& outbound) {
    OutboundSpec& spec = config_.outbound;
    for (const auto& [key, node] : outbound) {
      std::string name = "outbound." + std::string(key.str());
      if (key == "authenticated") {
        auto value = GetBool(node, name);
        if (!value) return Unexpected(value.error());
        spec.authenticated = *value;
        continue;
      }
      auto values = GetStrings(node, name);
      if (!values) return Unexpected(values.error());
      if (key == "networks") spec.networks = std::move(*values);
      if (key == "sender_domains") spec.sender_domains = std::move(*values);
      if (key == "daemon_names") spec.daemon_names = std::move(*values);
    }
    // Checked here so the error names this file and section.
    auto rules = OutboundRules::Compile(spec);
    if (!rules) return Fail(outbound, rules.error().message);
    config_.outbound_rules = std::make_shared<const OutboundRules>(std::move(*rules));
    return {};
  }

  Result<void> LoadDetector(const toml::table& detector) {
    for (const auto& [key, node] : detector) {
      if (key == "known_domains") {
        auto value = GetBool(node, "detector.known_domains");
        if (!value) return Unexpected(value.error());
        known_ = *value;
      } else if (key == "known_files") {
        auto domains = ReadDomainFiles(node, "detector.known_files");
        if (!domains) return Unexpected(domains.error());
        for (ExpectedDomain& domain : *domains) {
          config_.policy.known_domains.push_back(std::move(domain.domain));
        }
      }
    }
    return {};
  }

  // --- markings ---------------------------------------------------------------

  // A marking while the configuration is read: which of its settings were
  // given, so that [markings] defaults fill only the others.
  struct PendingMarking {
    MarkingSpec spec;
    bool has_accredited = false;
    bool has_action = false;
  };

  Result<std::vector<MarkingLocation>> GetLocations(const toml::node& node, std::string_view key,
                                                    const std::string& file) {
    const toml::array* array = node.as_array();
    if (array == nullptr) return FailIn(node, file, "'" + std::string(key) + "' must be an array");
    std::vector<MarkingLocation> where;
    for (const toml::node& element : *array) {
      auto text = element.value<std::string>();
      if (text == "subject") {
        where.push_back(MarkingLocation::kSubject);
      } else if (text == "header") {
        where.push_back(MarkingLocation::kHeader);
      } else if (text == "body-edges") {
        where.push_back(MarkingLocation::kBodyEdges);
      } else if (text == "body") {
        where.push_back(MarkingLocation::kBody);
      } else {
        return FailIn(element, file,
                      "'" + std::string(key) + "' entries are subject, header, body-edges or body");
      }
    }
    return where;
  }

  Failure FailIn(const toml::node& node, const std::string& file,
                               std::string message) const {
    return MakeError(ErrorCode::kConfig, std::move(message),
                     file + ":" + std::to_string(node.source().begin.line));
  }

  Result<std::vector<std::string>> GetStringsIn(const toml::node& node, std::string_view key,
                                                const std::string& file) {
    const toml::array* array = node.as_array();
    if (array == nullptr) return FailIn(node, file, "'" + std::string(key) + "' must be an array");
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      auto value = element.value<std::string>();
      if (!value) return FailIn(element, file, "'" + std::string(key) + "' must hold strings");
      values.push_back(std::move(*value));
    }
    return values;
  }

  // One { where, headers, patterns } set, from a [[marking]] or its match list.
  Result<MarkingMatchSpec> LoadMatch(const toml::table& table, const std::string& file,
                                     std::string_view prefix) {
    MarkingMatchSpec match;
    for (const auto& [key, value] : table) {
      std::string name = std::string(prefix) + std::string(key.str());
      if (key == "where") {
        auto where = GetLocations(value, name, file);
        if (!where) return Unexpected(where.error());
        match.where = std::move(*where);
      } else if (key == "headers" || key == "patterns") {
        auto values = GetStringsIn(value, name, file);
        if (!values) return Unexpected(values.error());
        (key == "headers" ? match.headers : match.patterns) = std::move(*values);
      }
    }
    if (!match.patterns.empty() && match.where.empty()) {
      return FailIn(table, file, "'" + std::string(prefix) + "patterns' needs 'where'");
    }
    if (!match.headers.empty() && std::find(match.where.begin(), match.where.end(),
                                            MarkingLocation::kHeader) == match.where.end()) {
      return FailIn(table, file, "'headers' is only used with where = [\"header\"]");
    }
    return match;
  }

  // One [[marking]] table. `file` names it in errors; `known` is the keys
  // check for packs (the configuration's keys were checked already).
  Result<PendingMarking> LoadMarkingTable(const toml::table& table, const std::string& file) {
    PendingMarking marking;
    marking.spec.where = file + ":" + std::to_string(table.source().begin.line);
    for (const auto& [key, value] : table) {
      if (std::find(kMarkingKeys.begin(), kMarkingKeys.end(), key.str()) == kMarkingKeys.end()) {
        return FailIn(value, file, "unknown key 'marking." + std::string(key.str()) + "'");
      }
      std::string name = "marking." + std::string(key.str());
      if (key == "name" || key == "scheme" || key == "action") {
        auto text = value.value<std::string>();
        if (!text) return FailIn(value, file, "'" + name + "' must be a string");
        if (key == "name") marking.spec.name = *text;
        if (key == "scheme") marking.spec.scheme = *text;
        if (key == "action") {
          if (!ActionFromName(*text)) {
            return FailIn(
                value, file,
                "'marking.action' must be allow, warn, hold or reject, not '" + *text + "'");
          }
          marking.spec.action = *text;
          marking.has_action = true;
        }
      } else if (key == "rank") {
        auto rank = value.value<int64_t>();
        if (!rank || *rank < 0 || *rank > 1000) {
          return FailIn(value, file, "'marking.rank' must be a whole number from 0 to 1000");
        }
        marking.spec.rank = static_cast<int>(*rank);
      } else if (key == "accredited") {
        auto values = GetStringsIn(value, name, file);
        if (!values) return Unexpected(values.error());
        for (const std::string& pattern : *values) {
          if (auto parsed = AddressPattern::Parse(pattern); !parsed) {
            return FailIn(value, file, "'marking.accredited': " + parsed.error().message);
          }
        }
        marking.spec.accredited = std::move(*values);
        marking.has_accredited = true;
      } else if (key == "match") {
        const toml::array* array = value.as_array();
        if (array == nullptr)
          return FailIn(value, file, "'marking.match' must be an array of tables");
        for (const toml::node& element : *array) {
          const toml::table* match_table = element.as_table();
          if (match_table == nullptr) {
            return FailIn(element, file,
                          "'marking.match' entries are { where = [...], patterns = [...] }");
          }
          for (const auto& [match_key, match_value] : *match_table) {
            if (std::find(kMatchKeys.begin(), kMatchKeys.end(), match_key.str()) ==
                kMatchKeys.end()) {
              return FailIn(match_value, file,
                            "unknown key 'marking.match." + std::string(match_key.str()) + "'");
            }
          }
          auto match = LoadMatch(*match_table, file, "marking.match.");
          if (!match) return Unexpected(match.error());
          if (match->patterns.empty()) {
            return FailIn(element, file, "a 'marking.match' entry needs 'patterns'");
          }
          marking.spec.matches.push_back(std::move(*match));
        }
      }
    }
    // where / headers / patterns directly in the table: one more match.
    auto direct = LoadMatch(table, file, "marking.");
    if (!direct) return Unexpected(direct.error());
    if (!direct->patterns.empty())
      marking.spec.matches.insert(marking.spec.matches.begin(), *direct);
    if (marking.spec.name.empty()) return FailIn(table, file, "a [[marking]] needs 'name'");
    return marking;
  }

  Result<void> LoadPack(const std::string& pack_name, const toml::node& where_named) {
    std::optional<std::string_view> text = EmbeddedMarkingPack(pack_name);
    if (!text) {
      return Fail(where_named, "unknown marking pack '" + pack_name +
                                   "' (shipped: " + std::string(ShippedMarkingPackNames()) + ")");
    }
    std::string file = "data/markings/" + pack_name + ".toml";
    toml::table root;
    try {
      root = toml::parse(*text, file);
    } catch (const toml::parse_error& error) {
      return MakeError(ErrorCode::kConfig, std::string(error.description()),
                       file + ":" + std::to_string(error.source().begin.line));
    }
    for (const auto& [key, node] : root) {
      const toml::array* array = node.as_array();
      if (key != "marking" || array == nullptr) {
        return FailIn(node, file, "a pack holds only [[marking]] tables");
      }
      for (const toml::node& element : *array) {
        const toml::table* table = element.as_table();
        if (table == nullptr) return FailIn(element, file, "a pack holds only [[marking]] tables");
        auto marking = LoadMarkingTable(*table, file);
        if (!marking) return Unexpected(marking.error());
        if (marking->spec.scheme.empty()) marking->spec.scheme = pack_name;
        if (marking->spec.matches.empty()) {
          return FailIn(element, file, "marking '" + marking->spec.name + "' has no patterns");
        }
        markings_.push_back(std::move(*marking));
      }
    }
    return {};
  }

  Result<void> LoadMarkings() {
    std::vector<std::string> default_accredited;
    bool has_default_accredited = false;
    std::string default_action = "hold";
    if (markings_section_ != nullptr) {
      MarkingScanOptions& options = config_.policy.marking_options;
      for (const auto& [key, node] : *markings_section_) {
        std::string name = "markings." + std::string(key.str());
        if (key == "packs") {
          auto packs = GetStrings(node, name);
          if (!packs) return Unexpected(packs.error());
          for (const std::string& pack : *packs) {
            if (auto ok = LoadPack(pack, node); !ok) return ok;
          }
        } else if (key == "accredited") {
          auto values = GetStrings(node, name);
          if (!values) return Unexpected(values.error());
          for (const std::string& pattern : *values) {
            if (auto parsed = AddressPattern::Parse(pattern); !parsed) {
              return Fail(node, "'markings.accredited': " + parsed.error().message);
            }
          }
          default_accredited = std::move(*values);
          has_default_accredited = true;
        } else if (key == "action") {
          auto action = GetAction(node, name);
          if (!action) return Unexpected(action.error());
          default_action = std::string(ActionName(*action));
        } else if (key == "on_limit") {
          auto action = GetAction(node, name);
          if (!action) return Unexpected(action.error());
          config_.policy.marking_limit_action = *action;
        } else if (key == "max_scan_bytes") {
          auto value = GetCount(node, name, 4096, int64_t{1} << 30);
          if (!value) return Unexpected(value.error());
          options.max_scan_bytes = static_cast<size_t>(*value);
        } else if (key == "edge_lines") {
          auto value = GetCount(node, name, 1, 1000);
          if (!value) return Unexpected(value.error());
          options.edge_lines = static_cast<int>(*value);
        }
      }
    }
    if (marking_tables_ != nullptr) {
      const toml::array* array = marking_tables_->as_array();
      if (array == nullptr) {
        return Fail(*marking_tables_, "'marking' must be written as [[marking]] tables");
      }
      for (const toml::node& element : *array) {
        const toml::table* table = element.as_table();
        if (table == nullptr)
          return Fail(element, "'marking' must be written as [[marking]] tables");
        auto marking = LoadMarkingTable(*table, path_);
        if (!marking) return Unexpected(marking.error());
        if (auto ok = MergeMarking(std::move(*marking), *table); !ok) return ok;
      }
    }
    for (PendingMarking& marking : markings_) {
      if (!marking.has_accredited && has_default_accredited) {
        marking.spec.accredited = default_accredited;
      }
      if (!marking.has_action) marking.spec.action = default_action;
      config_.policy.markings.push_back(std::move(marking.spec));
    }
    return {};
  }

  // A [[marking]] of the configuration: refines the markings of that name
  // (and scheme, if given) that packs defined, or defines a new one.
  Result<void> MergeMarking(PendingMarking marking, const toml::table& table) {
    bool merged = false;
    for (PendingMarking& existing : markings_) {
      if (existing.spec.name != marking.spec.name) continue;
      if (!marking.spec.scheme.empty() && existing.spec.scheme != marking.spec.scheme) continue;
      merged = true;
      if (table.get("rank") != nullptr) existing.spec.rank = marking.spec.rank;
      if (marking.has_accredited) {
        existing.spec.accredited = marking.spec.accredited;
        existing.has_accredited = true;
      }
      if (marking.has_action) {
        existing.spec.action = marking.spec.action;
        existing.has_action = true;
      }
      existing.spec.matches.insert(existing.spec.matches.end(), marking.spec.matches.begin(),
                                   marking.spec.matches.end());
    }
    if (merged) return {};
    if (marking.spec.matches.empty()) {
      return Fail(table, "marking '" + marking.spec.name +
                             "' is not in any pack named in [markings] packs, and has no "
                             "patterns of its own");
    }
    if (table.get("rank") == nullptr) {
      return Fail(table, "a new [[marking]] needs 'rank' (its order of precedence)");
    }
    if (marking.spec.scheme.empty()) marking.spec.scheme = "local";
    markings_.push_back(std::move(marking));
    return {};
  }

  // The shipped lists of widely used domains: evidence that a name is meant.
  void AddKnown() {
    // Protected as well: a look-alike of a well-known domain is flagged with
    // no configuration at all ("army.ml" for army.mil).
    config_.policy.protect_known_domains = true;
    std::vector<std::string> known = ShippedKnownDomains();
    config_.policy.known_domains.insert(config_.policy.known_domains.end(),
                                        std::make_move_iterator(known.begin()),
                                        std::make_move_iterator(known.end()));
  }

  void AddProviders() {
    // The shipped list parses by construction (a unit test checks it).
    auto providers =
        ParseDomainList(EmbeddedProviders(), "data/providers.txt", DomainSource::kProvider);
    if (!providers) return;
    for (ExpectedDomain& domain : *providers) {
      // Mailboxes are at the provider's own name, never under it:
      // "hot.mail.com" is a slip for hotmail.com, not a host of mail.com.
      domain.include_subdomains = false;
      config_.policy.expected.push_back(std::move(domain));
    }
  }

 private:
  const std::string& path_;
  const FileReader& read_file_;
  Config config_;
  bool providers_ = true;
  bool known_ = true;
  const toml::table* markings_section_ = nullptr;
  const toml::node* marking_tables_ = nullptr;
  std::vector<PendingMarking> markings_;
};

}  // namespace

std::span<const std::string_view> ConfigKeys() { return kKeys; }

Result<Config> ParseConfig(std::string_view text, const std::string& path,
                           const FileReader& read_file) {
  return Parser(path, read_file).Parse(text);
}

Result<Config> LoadConfig(const ConfigRequest& request) {
  FileReader reader = [](const std::string& file) { return ReadFile(file); };
  std::string path = request.path;
  if (path.empty() && FileExists(std::string(kDefaultConfigPath))) {
    path = std::string(kDefaultConfigPath);
  }
  // The embedded defaults are what an empty file gives.
  std::string text;
  if (!path.empty()) {
    auto contents = ReadFile(path);
    if (!contents) return Unexpected(contents.error());
    text = std::move(*contents);
  }
  auto parsed = ParseConfig(text, path.empty() ? "embedded defaults" : path, reader);
  if (!parsed) return Unexpected(parsed.error());
  Config config = std::move(*parsed);
  for (const std::string& file : request.trusted_files) {
    auto list = ReadFile(file);
    if (!list) return Unexpected(list.error());
    auto domains = ParseDomainList(*list, file, DomainSource::kTrusted);
    if (!domains) return Unexpected(domains.error());
    for (ExpectedDomain& domain : *domains) config.policy.expected.push_back(std::move(domain));
  }
  return config;
}

Result<std::shared_ptr<const Policy>> CompilePolicy(const Config& config,
                                                    const std::vector<ExpectedDomain>& learned) {
  auto typo_data = TypoData::Embedded();
  if (!typo_data) return Unexpected(typo_data.error());
  const PolicySpec* spec = &config.policy;
  PolicySpec with_learned;
  if (!learned.empty()) {
    // Learned domains come after the configured ones: a domain listed in both
    // keeps its configured (stronger) source.
    with_learned = config.policy;
    with_learned.expected.insert(with_learned.expected.end(), learned.begin(), learned.end());
    spec = &with_learned;
  }
  auto policy = Policy::Compile(*spec, LoadSystemSuffixList(), *typo_data, DefaultMarkingCache());
  if (!policy) {
    Error error = policy.error();
    if (error.where.empty()) error.where = config.source;
    return Unexpected(std::move(error));
  }
  return policy;
}

}  // namespace rcptguard
