// Typed reads of TOML values against the key table, with file:line errors.
#include "config/toml_reader.h"

#include <cmath>
#include <cstdio>

#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// 0, 1, 0.5: as people write bounds.
std::string ShortNumber(double number) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", number);
  return buffer;
}

}  // namespace

std::string_view NodeTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

Result<toml::table> TomlReader::Parse(std::string_view text, const std::string& file,
                                      const TomlLimits& limits) const {
  RCPTGUARD_TRY(CheckTomlShape(text, file, limits));
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& error) {
    // toml++'s description may quote the offending character: escape it.
    return MakeError(ErrorCode::kConfig, EscapedExcerpt(error.description(), 200),
                     file + ":" + std::to_string(error.source().begin.line));
  }
}

std::string_view TomlReader::FileOf(const toml::node& node) const {
  const auto& path = node.source().path;
  return path && !path->empty() ? std::string_view(*path) : std::string_view(file_);
}

std::string TomlReader::Where(const toml::node& node) const {
  return std::string(FileOf(node)) + ":" + std::to_string(node.source().begin.line);
}

Failure TomlReader::Fail(const toml::node& node, std::string message) const {
  return MakeError(ErrorCode::kConfig, std::move(message), Where(node));
}

Failure TomlReader::WrongType(const toml::node& node, const ConfigKey& key,
                              std::string_view want) const {
  return Fail(node, "'" + std::string(key.name) + "' must be " + std::string(want) + ", not " +
                        std::string(NodeTypeName(node)));
}

Result<bool> TomlReader::Boolean(const toml::node& node, const ConfigKey& key) const {
  // value<bool>() would take 0 and 1: `providers = 0` must not switch the
  // provider list off silently.
  if (const auto* value = node.as_boolean()) return value->get();
  return WrongType(node, key, "true or false");
}

Result<int64_t> TomlReader::Integer(const toml::node& node, const ConfigKey& key) const {
  const auto* value = node.as_integer();
  std::string range =
      "a whole number from " + std::to_string(key.min) + " to " + std::to_string(key.max);
  if (value == nullptr) return WrongType(node, key, range);
  if (value->get() < key.min || value->get() > key.max) {
    return Fail(node, "'" + std::string(key.name) + "' must be " + range + ", not " +
                          std::to_string(value->get()));
  }
  return value->get();
}

Result<double> TomlReader::Float(const toml::node& node, const ConfigKey& key) const {
  std::string range =
      "a number from " + ShortNumber(key.min_float) + " to " + ShortNumber(key.max_float);
  double number = 0;
  if (const auto* integer = node.as_integer()) {
    number = static_cast<double>(integer->get());
  } else if (const auto* floating = node.as_floating_point()) {
    number = floating->get();
  } else {
    return WrongType(node, key, range);
  }
  // nan compares false with everything, so it is refused by name.
  if (!std::isfinite(number) || number < key.min_float || number > key.max_float) {
    return Fail(node, "'" + std::string(key.name) + "' must be " + range +
                          (std::isfinite(number) ? "" : ", not nan or inf"));
  }
  return number;
}

Result<std::string> TomlReader::String(const toml::node& node, const ConfigKey& key) const {
  if (const auto* value = node.as_string()) return value->get();
  return WrongType(node, key, "a string");
}

Result<std::string> TomlReader::Choice(const toml::node& node, const ConfigKey& key) const {
  RCPTGUARD_ASSIGN_OR_RETURN(std::string text, String(node, key));
  std::string_view choices = key.choices;
  while (!choices.empty()) {
    size_t space = choices.find(' ');
    if (choices.substr(0, space) == text) return text;
    choices = space == std::string_view::npos ? std::string_view() : choices.substr(space + 1);
  }
  return Fail(node, "'" + std::string(key.name) + "' must be " + std::string(key.valid) +
                        ", not '" + EscapedExcerpt(text) + "'");
}

Result<Action> TomlReader::GetAction(const toml::node& node, const ConfigKey& key) const {
  RCPTGUARD_ASSIGN_OR_RETURN(std::string text, String(node, key));
  auto action = ParseAction(text);
  if (!action) {
    return Fail(node, "'" + std::string(key.name) + "' " + action.error().message + ", not '" +
                          EscapedExcerpt(text) + "'");
  }
  return *action;
}

Result<const toml::array*> TomlReader::Array(const toml::node& node, const ConfigKey& key) const {
  if (const toml::array* array = node.as_array()) return array;
  return WrongType(node, key, "an array");
}

Result<const toml::table*> TomlReader::Table(const toml::node& node, const ConfigKey& key) const {
  if (const toml::table* table = node.as_table()) return table;
  return WrongType(node, key, "a table ([" + std::string(key.name) + "])");
}

Result<std::vector<std::string>> TomlReader::Strings(const toml::node& node,
                                                     const ConfigKey& key) const {
  RCPTGUARD_ASSIGN_OR_RETURN(const toml::array* array, Array(node, key));
  std::vector<std::string> values;
  values.reserve(array->size());
  for (const toml::node& element : *array) {
    const auto* value = element.as_string();
    if (value == nullptr) {
      return Fail(element, "'" + std::string(key.name) + "' must hold strings, not " +
                               std::string(NodeTypeName(element)));
    }
    values.push_back(value->get());
  }
  return values;
}

std::string TomlReader::ResolvePath(const toml::node& node, const std::string& path) const {
  if (path.empty() || path.front() == '/') return path;
  std::string_view file = FileOf(node);
  size_t slash = file.rfind('/');
  return slash == std::string_view::npos ? path : std::string(file.substr(0, slash + 1)) + path;
}

}  // namespace rcptguard
