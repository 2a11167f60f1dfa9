// Loading rcptguard.toml and its conf.d drop-ins: parse each (after a bounded
// pre-scan), check every key against the key table, merge the drop-ins in,
// then read each section into a Config, checking each value once.
#include "config/config.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "config/config_keys.h"
#include "config/marking_config.h"
#include "config/toml_reader.h"
#include "platform/files.h"
#include "platform/marking_cache_dir.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/ascii.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

const ConfigKey& Key(std::string_view name) { return ConfigKeyNamed(name); }

// Keys whose elements are tables whose members are keys too.
bool HasTableElements(const ConfigKey& key) {
  return key.type == KeyType::kTableArray || key.type == KeyType::kDomains ||
         key.type == KeyType::kBands;
}

// Merges the drop-in `overlay` into `base` (docs: rcptguard.toml(5), DROP-INS):
// tables merge key by key, [[rule]] and [[marking]] tables are appended, and
// any other value (a scalar or an array) replaces the earlier one. Nodes are
// moved, so they keep the file and line they were written at.
void MergeTables(toml::table& base, toml::table& overlay, const std::string& prefix) {
  for (auto&& [name, node] : overlay) {
    std::string path = prefix + std::string(name.str());
    const ConfigKey* key = FindConfigKey(path);
    toml::node* existing = base.get(name);
    if (existing != nullptr && key != nullptr && key->type == KeyType::kSection &&
        existing->is_table() && node.is_table()) {
      MergeTables(*existing->as_table(), *node.as_table(), path + ".");
    } else if (existing != nullptr && key != nullptr && key->type == KeyType::kTableArray &&
               existing->is_array() && node.is_array()) {
      for (toml::node& element : *node.as_array()) {
        element.visit(
            [&](auto&& concrete) { existing->as_array()->push_back(std::move(concrete)); });
      }
    } else {
      // A structured binding cannot be captured before C++20's P1091 (clang 14).
      const toml::key& entry = name;
      node.visit([&](auto&& concrete) { base.insert_or_assign(entry, std::move(concrete)); });
    }
  }
}

class Parser {
 public:
  Parser(const std::string& path, const FileReader& read_file)
      : reader_(path), read_file_(read_file) {}

  Result<Config> Parse(const std::vector<ConfigText>& files) {
    toml::table root;
    for (size_t i = 0; i < files.size(); ++i) {
      RCPTGUARD_ASSIGN_OR_RETURN(toml::table table, reader_.Parse(files[i].text, files[i].path));
      RCPTGUARD_TRY(CheckKeys(table, ""));
      if (i == 0) {
        root = std::move(table);
      } else {
        MergeTables(root, table, "");
        config_.drop_ins.push_back(files[i].path);
      }
    }
    config_.source = reader_.file();
    RCPTGUARD_TRY(Load(root));
    return std::move(config_);
  }

 private:
  // Refuses any key not in the key table, wherever it is.
  Result<void> CheckKeys(const toml::table& table, const std::string& prefix) {
    for (const auto& [name, node] : table) {
      std::string path =
          prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
      const ConfigKey* key = FindConfigKey(path);
      if (key == nullptr || (key->scope & kInConfig) == 0) {
        return reader_.Fail(
            node, "unknown key '" + EscapedExcerpt(path, 80) + "' (see rcptguard.toml(5))");
      }
      config_.keys_seen.push_back(path);
      // Only sections and tables of tables hold keys: a table where a value
      // belongs is the loader's type error, not a list of unknown keys.
      if (const toml::table* child = node.as_table(); child && key->type == KeyType::kSection) {
        RCPTGUARD_TRY(CheckKeys(*child, path));
      } else if (const toml::array* array = node.as_array(); array && HasTableElements(*key)) {
        for (const toml::node& element : *array) {
          if (const toml::table* child_table = element.as_table()) {
            RCPTGUARD_TRY(CheckKeys(*child_table, path));
          }
        }
      }
    }
    return {};
  }

  Result<void> Load(const toml::table& root) {
    const toml::table* markings = nullptr;
    const toml::node* marking_tables = nullptr;
    for (const auto& [name, node] : root) {
      const ConfigKey& key = Key(name.str());
      if (key.type == KeyType::kSection) RCPTGUARD_TRY(reader_.Table(node, key));
      if (name == "audit") {
        RCPTGUARD_ASSIGN_OR_RETURN(config_.policy.audit, reader_.Boolean(node, key));
      } else if (name == "own_domains") {
        RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* array, reader_.Array(node, key));
        for (const toml::node& element : *array) {
          RCPTGUARD_ASSIGN_OR_RETURN(std::string text, reader_.String(element, key));
          RCPTGUARD_TRY(AddDomain(element, std::move(text), DomainSource::kOwn, true));
        }
      } else if (name == "trusted") {
        RCPTGUARD_TRY(LoadTrusted(*node.as_table()));
      } else if (name == "rule") {
        RCPTGUARD_TRY(LoadRules(node));
      } else if (name == "actions") {
        RCPTGUARD_TRY(LoadActions(*node.as_table()));
      } else if (name == "detector") {
        RCPTGUARD_TRY(LoadDetector(*node.as_table()));
      } else if (name == "milter") {
        RCPTGUARD_TRY(LoadMilter(*node.as_table()));
      } else if (name == "serve") {
        RCPTGUARD_TRY(LoadServe(*node.as_table()));
      } else if (name == "outbound") {
        RCPTGUARD_TRY(LoadOutbound(*node.as_table()));
      } else if (name == "history") {
        RCPTGUARD_TRY(LoadHistory(*node.as_table()));
      } else if (name == "markings") {
        markings = node.as_table();
      } else if (name == "marking") {
        marking_tables = &node;
      }
    }
    // Packs first, then the file's own [[marking]] tables, which may refine them.
    RCPTGUARD_TRY(LoadMarkings(reader_, markings, marking_tables, &config_.policy));
    if (providers_) AddProviders();
    if (known_) AddKnown();
    return {};
  }

  Result<void> AddDomain(const toml::node& node, std::string text, DomainSource source,
                         bool subdomains) {
    std::string_view bare = text;
    if (bare.size() > 2 && bare.substr(0, 2) == "*.") bare.remove_prefix(2);
    if (auto normalized = NormalizeDomain(bare); !normalized) {
      return reader_.Fail(node, "'" + EscapedExcerpt(text, 80) +
                                    "' is not a domain: " + normalized.error().message);
    }
    ExpectedDomain domain;
    domain.domain = std::move(text);
    domain.source = source;
    domain.include_subdomains = subdomains;
    config_.policy.expected.push_back(std::move(domain));
    return {};
  }

  Result<void> LoadTrusted(const toml::table& trusted) {
    for (const auto& [name, node] : trusted) {
      const ConfigKey& key = Key("trusted." + std::string(name.str()));
      if (name == "providers") {
        RCPTGUARD_ASSIGN_OR_RETURN(providers_, reader_.Boolean(node, key));
      } else if (name == "domains") {
        RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* array, reader_.Array(node, key));
        for (const toml::node& element : *array) RCPTGUARD_TRY(LoadTrustedEntry(element));
      } else if (name == "files") {
        RCPTGUARD_ASSIGN_OR_RETURN(auto domains, ReadDomainFiles(node, key));
        for (ExpectedDomain& domain : domains) {
          config_.policy.expected.push_back(std::move(domain));
        }
      }
    }
    return {};
  }

  // A string ("army.mil", "*.mil") or a table { domain = "...", subdomains = false }.
  Result<void> LoadTrustedEntry(const toml::node& element) {
    if (const auto* text = element.as_string()) {
      return AddDomain(element, text->get(), DomainSource::kTrusted, true);
    }
    const toml::table* table = element.as_table();
    if (table == nullptr) {
      return reader_.Fail(element,
                          "'trusted.domains' entries must be strings or "
                          "{ domain = \"...\", subdomains = true|false }, not " +
                              std::string(NodeTypeName(element)));
    }
    const toml::node* domain = table->get("domain");
    if (domain == nullptr) return reader_.Fail(element, "'trusted.domains' entry has no 'domain'");
    RCPTGUARD_ASSIGN_OR_RETURN(std::string text,
                               reader_.String(*domain, Key("trusted.domains.domain")));
    bool subdomains = true;
    if (const toml::node* flag = table->get("subdomains")) {
      RCPTGUARD_ASSIGN_OR_RETURN(subdomains,
                                 reader_.Boolean(*flag, Key("trusted.domains.subdomains")));
    }
    return AddDomain(*domain, std::move(text), DomainSource::kTrusted, subdomains);
  }

  // Reads every file named in the array `node`: one domain per line, as
  // ParseDomainList reads them. Each must be a regular file (ReadFile).
  Result<std::vector<ExpectedDomain>> ReadDomainFiles(const toml::node& node,
                                                      const ConfigKey& key) {
    RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* array, reader_.Array(node, key));
    std::vector<ExpectedDomain> all;
    for (const toml::node& element : *array) {
      RCPTGUARD_ASSIGN_OR_RETURN(std::string file, reader_.String(element, key));
      std::string path = reader_.ResolvePath(element, file);
      auto text = read_file_(path);
      if (!text) {
        return reader_.Fail(element, "'" + std::string(key.name) +
                                         "': " + EscapedExcerpt(text.error().ToString(), 300));
      }
      RCPTGUARD_ASSIGN_OR_RETURN(auto domains,
                                 ParseDomainList(*text, path, DomainSource::kTrusted));
      all.insert(all.end(), std::make_move_iterator(domains.begin()),
                 std::make_move_iterator(domains.end()));
    }
    return all;
  }

  Result<void> LoadRules(const toml::node& node) {
    const toml::array* rules = node.as_array();
    if (rules == nullptr) return reader_.Fail(node, "'rule' must be written as [[rule]] tables");
    for (const toml::node& element : *rules) {
      const toml::table* table = element.as_table();
      if (table == nullptr) {
        return reader_.Fail(element, "'rule' must be written as [[rule]] tables");
      }
      RuleSpec rule;
      rule.where = reader_.Where(element);
      rule.name = "rule at line " + std::to_string(element.source().begin.line);
      bool has_action = false;
      bool has_to = false;
      for (const auto& [name, value] : *table) {
        const ConfigKey& key = Key("rule." + std::string(name.str()));
        if (name == "action") {
          RCPTGUARD_ASSIGN_OR_RETURN(rule.action, reader_.GetAction(value, key));
          has_action = true;
          continue;
        }
        RCPTGUARD_ASSIGN_OR_RETURN(std::string text, reader_.String(value, key));
        if (name == "name") {
          rule.name = std::move(text);
          continue;
        }
        // The patterns are parsed here, once, so that `check -c` names the line.
        auto pattern = AddressPattern::Parse(text);
        if (!pattern) return reader_.Fail(element, pattern.error().message);
        if (name == "from") rule.from = std::move(*pattern);
        if (name == "to") {
          rule.to = std::move(*pattern);
          has_to = true;
        }
      }
      if (!has_to) {
        return reader_.Fail(element, "a [[rule]] needs 'to' (a recipient pattern)");
      }
      if (!has_action) {
        return reader_.Fail(element, "a [[rule]] needs 'action' (allow, warn, hold or reject)");
      }
      config_.policy.rules.push_back(std::move(rule));
    }
    return {};
  }

  Result<void> LoadActions(const toml::table& actions) {
    for (const auto& [name, node] : actions) {
      const ConfigKey& key = Key("actions." + std::string(name.str()));
      if (name == "invalid-address") {
        RCPTGUARD_ASSIGN_OR_RETURN(config_.policy.invalid_address_action,
                                   reader_.GetAction(node, key));
      } else if (name == "unfamiliar-recipient") {
        RCPTGUARD_ASSIGN_OR_RETURN(config_.policy.unfamiliar_recipient_action,
                                   reader_.GetAction(node, key));
      } else if (name == "lookalike-domain") {
        RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* bands, reader_.Array(node, key));
        config_.policy.lookalike_bands.clear();
        for (const toml::node& element : *bands) {
          const toml::table* band = element.as_table();
          const toml::node* min_score = band ? band->get("min_score") : nullptr;
          const toml::node* action_node = band ? band->get("action") : nullptr;
          if (min_score == nullptr || action_node == nullptr) {
            return reader_.Fail(element,
                                "'actions.lookalike-domain' entries are "
                                "{ min_score = 0.9, action = \"reject\" }");
          }
          RCPTGUARD_ASSIGN_OR_RETURN(
              double score, reader_.Float(*min_score, Key("actions.lookalike-domain.min_score")));
          RCPTGUARD_ASSIGN_OR_RETURN(
              Action action,
              reader_.GetAction(*action_node, Key("actions.lookalike-domain.action")));
          config_.policy.lookalike_bands.push_back(ScoreBand{score, action});
        }
      }
    }
    return {};
  }

  Result<void> LoadHistory(const toml::table& history) {
    HistorySettings& settings = config_.history;
    for (const auto& [name, node] : history) {
      const ConfigKey& key = Key("history." + std::string(name.str()));
      if (name == "store") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.store, reader_.String(node, key));
        if (!settings.store.empty() && settings.store.find(':') == std::string::npos) {
          return reader_.Fail(node,
                              "'history.store' must be a URL such as "
                              "sqlite:///var/lib/rcptguard/rcptguard.db, not '" +
                                  EscapedExcerpt(settings.store, 80) + "'");
        }
        settings.store_where = reader_.Where(node);
      } else if (name == "secret_file") {
        RCPTGUARD_ASSIGN_OR_RETURN(std::string file, reader_.String(node, key));
        settings.secret_file = reader_.ResolvePath(node, file);
        if (!settings.secret_file.empty()) {
          // Read later (when the store opens), so checked now: a directory or
          // a missing file is a start-up error, not a surprise at the first message.
          if (auto readable = CheckReadableFile(settings.secret_file); !readable) {
            return reader_.Fail(
                node, "'history.secret_file': " + EscapedExcerpt(readable.error().ToString(), 300));
          }
        }
      } else if (name == "learn") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.learn, reader_.Boolean(node, key));
      } else {
        RCPTGUARD_ASSIGN_OR_RETURN(int64_t value, reader_.Integer(node, key));
        if (name == "retention_days") settings.retention_days = value;
        if (name == "frequent_messages") settings.options.frequent_messages = value;
        if (name == "organisation_messages") settings.options.organisation_messages = value;
        if (name == "expected_domain_messages") settings.options.expected_domain_messages = value;
        if (name == "refresh_seconds") settings.refresh_seconds = value;
        if (name == "rebuild_seconds") settings.rebuild_seconds = value;
      }
    }
    return {};
  }

  Result<void> LoadMilter(const toml::table& milter) {
    MilterSettings& settings = config_.milter;
    for (const auto& [name, node] : milter) {
      const ConfigKey& key = Key("milter." + std::string(name.str()));
      if (name == "socket") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.socket, reader_.String(node, key));
        const std::string& socket = settings.socket;
        if (socket.rfind("unix:", 0) != 0 && socket.rfind("local:", 0) != 0 &&
            socket.rfind("inet:", 0) != 0 && socket.rfind("inet6:", 0) != 0) {
          return reader_.Fail(node, "'milter.socket' must be unix:/path or inet:port@host, not '" +
                                        EscapedExcerpt(socket, 80) + "'");
        }
      } else if (name == "on_error") {
        RCPTGUARD_ASSIGN_OR_RETURN(std::string value, reader_.Choice(node, key));
        settings.tempfail_on_error = value == "tempfail";
      } else if (name == "body_memory_bytes") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.body_memory_bytes, reader_.Integer(node, key));
      } else if (name == "spool_directory") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.spool_directory, reader_.String(node, key));
      } else if (name == "header") {
        RCPTGUARD_ASSIGN_OR_RETURN(std::string value, reader_.Choice(node, key));
        settings.add_header = value == "summary";
      } else if (name == "hold_directory") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.hold_directory, reader_.String(node, key));
      } else if (name == "local_submission_daemon_names") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.local_submission_daemon_names,
                                   reader_.Strings(node, key));
      }
    }
    return {};
  }

  // Out of line: inlined into Load, it tips GCC 12 into a false
  // -Wmaybe-uninitialized in LoadMilter.
  [[gnu::noinline]] Result<void> LoadServe(const toml::table& serve) {
    using S = ServeSettings;
    static constexpr std::pair<std::string_view, std::string S::*> kStrings[] = {
        {"listen", &S::listen},           {"tokens_file", &S::tokens_file},
        {"link_key_file", &S::link_key_file}, {"link_base", &S::link_base},
        {"notify_from", &S::notify_from}, {"postfix_config", &S::postfix_config}};
    static constexpr std::pair<std::string_view, int64_t S::*> kIntegers[] = {
        {"max_recipients", &S::max_recipients},
        {"max_request_bytes", &S::max_request_bytes},
        {"threads", &S::threads},
        {"notify_per_hour", &S::notify_per_hour},
        {"hold_expiry_seconds", &S::hold_expiry_seconds},
        {"scan_seconds", &S::scan_seconds}};
    ServeSettings& settings = config_.serve;
    for (const auto& [name, node] : serve) {
      const ConfigKey& key = Key("serve." + std::string(name.str()));
      for (const auto& [key_name, member] : kStrings) {
        if (name == key_name) {
          RCPTGUARD_ASSIGN_OR_RETURN(settings.*member, reader_.String(node, key));
        }
      }
      for (const auto& [key_name, member] : kIntegers) {
        if (name == key_name) {
          RCPTGUARD_ASSIGN_OR_RETURN(settings.*member, reader_.Integer(node, key));
        }
      }
      if (name == "sendmail") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.sendmail, reader_.Strings(node, key));
        if (settings.sendmail.empty()) return reader_.Fail(node, "'serve.sendmail' is empty");
      }
      if (name == "expiry_action") {
        RCPTGUARD_ASSIGN_OR_RETURN(settings.expiry_action, reader_.Choice(node, key));
      }
    }
    return {};
  }

  Result<void> LoadOutbound(const toml::table& outbound) {
    OutboundSpec& spec = config_.outbound;
    for (const auto& [name, node] : outbound) {
      const ConfigKey& key = Key("outbound." + std::string(name.str()));
      if (name == "authenticated") {
        RCPTGUARD_ASSIGN_OR_RETURN(spec.authenticated, reader_.Boolean(node, key));
        continue;
      }
      RCPTGUARD_ASSIGN_OR_RETURN(auto values, reader_.Strings(node, key));
      if (name == "networks") spec.networks = std::move(values);
      if (name == "sender_domains") spec.sender_domains = std::move(values);
      if (name == "daemon_names") spec.daemon_names = std::move(values);
    }
    // Checked here so the error names this file and section.
    auto rules = OutboundRules::Compile(spec);
    if (!rules) return reader_.Fail(outbound, EscapedExcerpt(rules.error().message, 200));
    config_.outbound_rules = std::make_shared<const OutboundRules>(std::move(*rules));
    return {};
  }

  Result<void> LoadDetector(const toml::table& detector) {
    for (const auto& [name, node] : detector) {
      const ConfigKey& key = Key("detector." + std::string(name.str()));
      if (name == "known_domains") {
        RCPTGUARD_ASSIGN_OR_RETURN(known_, reader_.Boolean(node, key));
      } else if (name == "known_files") {
        RCPTGUARD_ASSIGN_OR_RETURN(auto domains, ReadDomainFiles(node, key));
        for (ExpectedDomain& domain : domains) {
          config_.policy.known_domains.push_back(std::move(domain.domain));
        }
      }
    }
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

  TomlReader reader_;
  const FileReader& read_file_;
  Config config_;
  bool providers_ = true;
  bool known_ = true;
};

// The drop-ins of the configuration file `path`: conf.d/*.toml beside it,
// regular files only, in lexical (byte) order. A name that is not a regular
// file is an error, as for the main file.
Result<std::vector<std::string>> ListDropIns(const std::string& path) {
  std::filesystem::path directory = std::filesystem::path(path).parent_path() / "conf.d";
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) return std::vector<std::string>{};
  std::vector<std::string> names;
  for (auto it = std::filesystem::directory_iterator(directory, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    // Editor backups and disabled files (x.toml~, x.toml.off, .x.toml) are not read.
    if (name.size() <= 5 || name.front() == '.' || name.substr(name.size() - 5) != ".toml") {
      continue;
    }
    names.push_back(it->path().string());
    if (names.size() > kMaxDropIns) {
      return MakeError(ErrorCode::kConfig,
                       "more than " + std::to_string(kMaxDropIns) + " drop-in files",
                       directory.string());
    }
  }
  if (error) {
    return MakeError(ErrorCode::kIo, "cannot list: " + error.message(), directory.string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<Config> ParseConfigFiles(const std::vector<ConfigText>& files, const FileReader& read_file) {
  if (files.empty()) return ParseConfig("", "embedded defaults", read_file);
  return Parser(files.front().path, read_file).Parse(files);
}

Result<Config> ParseConfig(std::string_view text, const std::string& path,
                           const FileReader& read_file) {
  return Parser(path, read_file).Parse({ConfigText{path, std::string(text)}});
}

Result<Config> LoadConfig(const ConfigRequest& request) {
  FileReader reader = [](const std::string& file) { return ReadFile(file, kMaxDomainFileBytes); };
  std::string path = request.path;
  if (path.empty() && FileExists(std::string(kDefaultConfigPath))) {
    path = std::string(kDefaultConfigPath);
  }
  // The embedded defaults are what an empty file gives (and have no drop-ins).
  std::vector<ConfigText> files;
  if (!path.empty()) {
    // A little over the pre-scan's bound, so that it names the file's size.
    RCPTGUARD_ASSIGN_OR_RETURN(std::string text, ReadFile(path, TomlLimits().max_bytes + 1));
    files.push_back(ConfigText{path, std::move(text)});
    RCPTGUARD_ASSIGN_OR_RETURN(auto drop_ins, ListDropIns(path));
    for (std::string& drop_in : drop_ins) {
      RCPTGUARD_ASSIGN_OR_RETURN(std::string drop_in_text,
                                 ReadFile(drop_in, TomlLimits().max_bytes + 1));
      files.push_back(ConfigText{std::move(drop_in), std::move(drop_in_text)});
    }
  }
  RCPTGUARD_ASSIGN_OR_RETURN(Config config, ParseConfigFiles(files, reader));
  for (const std::string& file : request.trusted_files) {
    RCPTGUARD_ASSIGN_OR_RETURN(std::string list, reader(file));
    RCPTGUARD_ASSIGN_OR_RETURN(auto domains, ParseDomainList(list, file, DomainSource::kTrusted));
    for (ExpectedDomain& domain : domains) config.policy.expected.push_back(std::move(domain));
  }
  return config;
}

Result<std::shared_ptr<const Policy>> CompilePolicy(const Config& config,
                                                    const std::vector<ExpectedDomain>& learned) {
  RCPTGUARD_ASSIGN_OR_RETURN(auto typo_data, TypoData::Embedded());
  const PolicySpec* spec = &config.policy;
  PolicySpec with_learned;
  if (!learned.empty()) {
    // Learned domains come after the configured ones: a domain listed in both
    // keeps its configured (stronger) source.
    with_learned = config.policy;
    with_learned.expected.insert(with_learned.expected.end(), learned.begin(), learned.end());
    spec = &with_learned;
  }
  auto policy = Policy::Compile(*spec, LoadSystemSuffixList(), typo_data, DefaultMarkingCache());
  if (!policy) {
    Error error = policy.error();
    if (error.where.empty()) error.where = config.source;
    return Unexpected(std::move(error));
  }
  return policy;
}

}  // namespace rcptguard
