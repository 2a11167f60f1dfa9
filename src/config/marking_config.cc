// Reading markings: packs first, then the configuration's [[marking]] tables,
// then the [markings] defaults for whatever a marking leaves unset.
#include "config/marking_config.h"

#include <optional>

#include "config/marking_packs.h"
#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// A marking while the configuration is read: which of its settings were
// given, so that [markings] defaults fill only the others.
struct PendingMarking {
  MarkingSpec spec;
  bool has_accredited = false;
  bool has_action = false;
  bool has_rank = false;
};

// Accredited destinations are checked where they are written: a default of
// [markings] is copied into markings that packs define, and Policy::Compile
// could name only the pack's line.
Result<void> CheckPatterns(const TomlReader& reader, const toml::node& node, const ConfigKey& key,
                           const std::vector<std::string>& patterns) {
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (auto parsed = AddressPattern::Parse(patterns[i]); !parsed) {
      return reader.Fail(*node.as_array()->get(i),
                         "'" + std::string(key.name) + "': " + parsed.error().message);
    }
  }
  return {};
}

class MarkingLoader {
 public:
  MarkingLoader(const TomlReader& reader, PolicySpec* policy) : config_(reader), policy_(policy) {}

  Result<void> Load(const toml::table* section, const toml::node* tables) {
    std::vector<std::string> default_accredited;
    bool has_default_accredited = false;
    Action default_action = Action::kHold;
    if (section != nullptr) {
      MarkingScanOptions& options = policy_->marking_options;
      for (const auto& [name, node] : *section) {
        const ConfigKey& key = ConfigKeyNamed("markings." + std::string(name.str()));
        if (name == "packs") {
          RCPTGUARD_ASSIGN_OR_RETURN(auto packs, config_.Strings(node, key));
          for (const std::string& pack : packs) RCPTGUARD_TRY(LoadPack(pack, node));
        } else if (name == "accredited") {
          RCPTGUARD_ASSIGN_OR_RETURN(default_accredited, config_.Strings(node, key));
          has_default_accredited = true;
        } else if (name == "action") {
          RCPTGUARD_ASSIGN_OR_RETURN(default_action, config_.GetAction(node, key));
        } else if (name == "on_limit") {
          RCPTGUARD_ASSIGN_OR_RETURN(policy_->marking_limit_action, config_.GetAction(node, key));
        } else if (name == "max_scan_bytes") {
          RCPTGUARD_ASSIGN_OR_RETURN(int64_t value, config_.Integer(node, key));
          options.max_scan_bytes = static_cast<size_t>(value);
        } else if (name == "edge_lines") {
          RCPTGUARD_ASSIGN_OR_RETURN(int64_t value, config_.Integer(node, key));
          options.edge_lines = static_cast<int>(value);
        }
      }
    }
    if (tables != nullptr) {
      RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* array,
                                 config_.Array(*tables, ConfigKeyNamed("marking")));
      for (const toml::node& element : *array) {
        const toml::table* table = element.as_table();
        if (table == nullptr) {
          return config_.Fail(element, "'marking' must be written as [[marking]] tables");
        }
        RCPTGUARD_ASSIGN_OR_RETURN(PendingMarking marking, LoadTable(*table, config_));
        RCPTGUARD_TRY(Merge(std::move(marking), *table));
      }
    }
    for (PendingMarking& marking : markings_) {
      if (!marking.has_accredited && has_default_accredited) {
        marking.spec.accredited = default_accredited;
      }
      if (!marking.has_action) marking.spec.action = default_action;
      policy_->markings.push_back(std::move(marking.spec));
    }
    return {};
  }

 private:
  // The row of a [[marking]] member ("marking.rank", "marking.match.where"),
  // if it may be written in a pack (`in_pack`) or the configuration.
  static const ConfigKey* MemberKey(std::string_view prefix, std::string_view name, bool in_pack) {
    const ConfigKey* key = FindConfigKey(std::string(prefix) + std::string(name));
    if (key == nullptr || (key->scope & (in_pack ? kInPack : kInConfig)) == 0) return nullptr;
    return key;
  }

  // One { where, headers, patterns } set, from a [[marking]] or its match list.
  static Result<MarkingMatchSpec> LoadMatch(const TomlReader& reader, const toml::table& table,
                                            std::string_view prefix) {
    MarkingMatchSpec match;
    for (const auto& [name, value] : table) {
      if (name == "where") {
        const ConfigKey& key = ConfigKeyNamed(std::string(prefix) + "where");
        RCPTGUARD_ASSIGN_OR_RETURN(auto places, reader.Strings(value, key));
        for (size_t i = 0; i < places.size(); ++i) {
          const std::string& place = places[i];
          if (place == "subject") {
            match.where.push_back(MarkingLocation::kSubject);
          } else if (place == "header") {
            match.where.push_back(MarkingLocation::kHeader);
          } else if (place == "body-edges") {
            match.where.push_back(MarkingLocation::kBodyEdges);
          } else if (place == "body") {
            match.where.push_back(MarkingLocation::kBody);
          } else {
            return reader.Fail(*value.as_array()->get(i),
                               "'" + std::string(key.name) +
                                   "' entries are subject, header, body-edges or body, not '" +
                                   EscapedExcerpt(place) + "'");
          }
        }
      } else if (name == "headers" || name == "patterns") {
        const ConfigKey& key = ConfigKeyNamed(std::string(prefix) + std::string(name.str()));
        RCPTGUARD_ASSIGN_OR_RETURN(auto values, reader.Strings(value, key));
        (name == "headers" ? match.headers : match.patterns) = std::move(values);
      }
    }
    if (!match.patterns.empty() && match.where.empty()) {
      return reader.Fail(table, "'" + std::string(prefix) + "patterns' needs 'where'");
    }
    if (!match.headers.empty() && std::find(match.where.begin(), match.where.end(),
                                            MarkingLocation::kHeader) == match.where.end()) {
      return reader.Fail(table, "'headers' is only used with where = [\"header\"]");
    }
    return match;
  }

  // One [[marking]] table, of the configuration or of a pack (`in_pack`).
  static Result<PendingMarking> LoadTable(const toml::table& table, const TomlReader& reader,
                                          bool in_pack = false) {
    PendingMarking marking;
    marking.spec.where = reader.Where(table);
    for (const auto& [name, value] : table) {
      const ConfigKey* key = MemberKey("marking.", name.str(), in_pack);
      if (key == nullptr) {
        return reader.Fail(value, "unknown key 'marking." + EscapedExcerpt(name.str()) + "'");
      }
      if (name == "name") {
        RCPTGUARD_ASSIGN_OR_RETURN(marking.spec.name, reader.String(value, *key));
      } else if (name == "scheme") {
        RCPTGUARD_ASSIGN_OR_RETURN(marking.spec.scheme, reader.String(value, *key));
      } else if (name == "action") {
        RCPTGUARD_ASSIGN_OR_RETURN(marking.spec.action, reader.GetAction(value, *key));
        marking.has_action = true;
      } else if (name == "rank") {
        RCPTGUARD_ASSIGN_OR_RETURN(int64_t rank, reader.Integer(value, *key));
        marking.spec.rank = static_cast<int>(rank);
        marking.has_rank = true;
      } else if (name == "accredited") {
        RCPTGUARD_ASSIGN_OR_RETURN(marking.spec.accredited, reader.Strings(value, *key));
        RCPTGUARD_TRY(CheckPatterns(reader, value, *key, marking.spec.accredited));
        marking.has_accredited = true;
      } else if (name == "match") {
        RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* array, reader.Array(value, *key));
        for (const toml::node& element : *array) {
          const toml::table* match_table = element.as_table();
          if (match_table == nullptr) {
            return reader.Fail(element,
                               "'marking.match' entries are { where = [...], patterns = [...] }");
          }
          for (const auto& [match_name, match_value] : *match_table) {
            if (MemberKey("marking.match.", match_name.str(), in_pack) == nullptr) {
              return reader.Fail(match_value, "unknown key 'marking.match." +
                                                  EscapedExcerpt(match_name.str()) + "'");
            }
          }
          RCPTGUARD_ASSIGN_OR_RETURN(MarkingMatchSpec match,
                                     LoadMatch(reader, *match_table, "marking.match."));
          if (match.patterns.empty()) {
            return reader.Fail(element, "a 'marking.match' entry needs 'patterns'");
          }
          marking.spec.matches.push_back(std::move(match));
        }
      }
    }
    // where / headers / patterns directly in the table: one more match.
    RCPTGUARD_ASSIGN_OR_RETURN(MarkingMatchSpec direct, LoadMatch(reader, table, "marking."));
    if (!direct.patterns.empty()) {
      marking.spec.matches.insert(marking.spec.matches.begin(), std::move(direct));
    }
    if (marking.spec.name.empty()) return reader.Fail(table, "a [[marking]] needs 'name'");
    return marking;
  }

  Result<void> LoadPack(const std::string& pack_name, const toml::node& where_named) {
    std::optional<std::string_view> text = EmbeddedMarkingPack(pack_name);
    if (!text) {
      return config_.Fail(where_named, "unknown marking pack '" + EscapedExcerpt(pack_name) +
                                           "' (shipped: " + std::string(ShippedMarkingPackNames()) +
                                           ")");
    }
    std::string file = "data/markings/" + pack_name + ".toml";
    TomlReader pack(file);
    // Shipped packs hold hundreds of patterns; their size is ours to bound.
    TomlLimits limits;
    limits.max_bytes = 16 << 20;
    RCPTGUARD_ASSIGN_OR_RETURN(toml::table root, pack.Parse(*text, file, limits));
    for (const auto& [key, node] : root) {
      const toml::array* array = node.as_array();
      if (key != "marking" || array == nullptr) {
        return pack.Fail(node, "a pack holds only [[marking]] tables");
      }
      for (const toml::node& element : *array) {
        const toml::table* table = element.as_table();
        if (table == nullptr) return pack.Fail(element, "a pack holds only [[marking]] tables");
        RCPTGUARD_ASSIGN_OR_RETURN(PendingMarking marking, LoadTable(*table, pack, true));
        if (marking.spec.scheme.empty()) marking.spec.scheme = pack_name;
        if (marking.spec.matches.empty()) {
          return pack.Fail(element,
                           "marking '" + EscapedExcerpt(marking.spec.name) + "' has no patterns");
        }
        markings_.push_back(std::move(marking));
      }
    }
    return {};
  }

  // A [[marking]] of the configuration: refines the markings of that name
  // (and scheme, if given) that packs defined, or defines a new one.
  Result<void> Merge(PendingMarking marking, const toml::table& table) {
    bool merged = false;
    for (PendingMarking& existing : markings_) {
      if (existing.spec.name != marking.spec.name) continue;
      if (!marking.spec.scheme.empty() && existing.spec.scheme != marking.spec.scheme) continue;
      merged = true;
      if (marking.has_rank) existing.spec.rank = marking.spec.rank;
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
      return config_.Fail(table, "marking '" + EscapedExcerpt(marking.spec.name) +
                                     "' is not in any pack named in [markings] packs, and has no "
                                     "patterns of its own");
    }
    if (!marking.has_rank) {
      return config_.Fail(table, "a new [[marking]] needs 'rank' (its order of precedence)");
    }
    if (marking.spec.scheme.empty()) marking.spec.scheme = "local";
    markings_.push_back(std::move(marking));
    return {};
  }

  const TomlReader& config_;
  PolicySpec* policy_;
  std::vector<PendingMarking> markings_;
};

}  // namespace

Result<void> LoadMarkings(const TomlReader& reader, const toml::table* section,
                          const toml::node* tables, PolicySpec* policy) {
  return MarkingLoader(reader, policy).Load(section, tables);
}

}  // namespace rcptguard
