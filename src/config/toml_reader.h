// Reading typed values out of parsed TOML, with errors that name the file and
// line of the value and quote at most a short escaped excerpt of it. One
// reader serves a configuration and its drop-ins (every node remembers the
// file it came from) or one marking pack.
#ifndef RCPTGUARD_CONFIG_TOML_READER_H_
#define RCPTGUARD_CONFIG_TOML_READER_H_

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config_keys.h"
#include "config/toml_shape.h"
#include "rcptguard/action.h"
#include "rcptguard/result.h"

namespace rcptguard {

class TomlReader {
 public:
  // `file` names the text in errors where a node has no file of its own.
  explicit TomlReader(std::string file) : file_(std::move(file)) {}

  // Runs CheckTomlShape, then toml++. `file` names this text (a drop-in has
  // its own); its nodes remember it.
  Result<toml::table> Parse(std::string_view text, const std::string& file,
                            const TomlLimits& limits = {}) const;

  // "file:line" of a node: the file it was parsed from.
  std::string Where(const toml::node& node) const;
  Failure Fail(const toml::node& node, std::string message) const;

  // The value of `node` as `key` says it must be; anything else (an integer
  // for a boolean, a float for an integer, nan, a string for an array, a
  // number out of range) is an error naming the key and the line.
  Result<bool> Boolean(const toml::node& node, const ConfigKey& key) const;
  Result<int64_t> Integer(const toml::node& node, const ConfigKey& key) const;
  Result<double> Float(const toml::node& node, const ConfigKey& key) const;
  Result<std::string> String(const toml::node& node, const ConfigKey& key) const;
  Result<std::string> Choice(const toml::node& node, const ConfigKey& key) const;
  Result<Action> GetAction(const toml::node& node, const ConfigKey& key) const;
  Result<std::vector<std::string>> Strings(const toml::node& node, const ConfigKey& key) const;
  Result<const toml::array*> Array(const toml::node& node, const ConfigKey& key) const;
  Result<const toml::table*> Table(const toml::node& node, const ConfigKey& key) const;

  // `path` as written in the file of `node`: absolute, or taken from that
  // file's directory.
  std::string ResolvePath(const toml::node& node, const std::string& path) const;

  const std::string& file() const { return file_; }

 private:
  Failure WrongType(const toml::node& node, const ConfigKey& key, std::string_view want) const;
  std::string_view FileOf(const toml::node& node) const;

  std::string file_;
};

// "an integer", "a string", ... for the node's own type.
std::string_view NodeTypeName(const toml::node& node);

}  // namespace rcptguard

#endif  // RCPTGUARD_CONFIG_TOML_READER_H_
