// The table of every key rcptguard.toml accepts: its type, default, the values
// it accepts and a one-line doc. The loader takes types and bounds from it, the
// sample test checks conf/rcptguard.toml.sample against it, and the man page
// rcptguard.toml(5) is generated from it (ConfigManPage).
#ifndef RCPTGUARD_CONFIG_CONFIG_KEYS_H_
#define RCPTGUARD_CONFIG_CONFIG_KEYS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rcptguard {

enum class KeyType : uint8_t {
  kSection,     // [name]: a table of keys
  kTableArray,  // [[name]]: tables that repeat; drop-ins append to them
  kBoolean,     // true or false (never 0 or 1)
  kInteger,     // a whole number from `min` to `max`
  kFloat,       // a finite number from `min_float` to `max_float` (no nan or inf)
  kString,
  kChoice,     // a string, one of `choices`
  kAction,     // "allow", "warn", "hold" or "reject"
  kStrings,    // an array of strings
  kDomains,    // an array of strings or { domain, subdomains } tables
  kBands,      // an array of { min_score, action } tables
  kLocations,  // an array of "subject", "header", "body-edges", "body"
};

// Where a key may be written.
enum KeyScope : uint8_t {
  kInConfig = 1,  // rcptguard.toml and its conf.d drop-ins
  kInPack = 2,    // a marking pack (data/markings/*.toml)
};

struct ConfigKey {
  std::string_view name;  // dotted; members of [[rule]] are "rule.action"
  KeyType type;
  std::string_view default_value;  // as TOML would write it; "" for none
  std::string_view valid;          // the values it accepts, for people
  std::string_view doc;            // one line
  int64_t min = 0;                 // kInteger
  int64_t max = 0;
  double min_float = 0;  // kFloat
  double max_float = 0;
  std::string_view choices = {};  // kChoice: the accepted strings, space-separated
  uint8_t scope = kInConfig;
};

// Every key, in the order of conf/rcptguard.toml.sample.
std::span<const ConfigKey> ConfigKeyTable();

// The row named `name`, or null.
const ConfigKey* FindConfigKey(std::string_view name);

// The row named `name`, which the loader knows is there (aborts if not: a
// programming error that every test of the loader would hit).
const ConfigKey& ConfigKeyNamed(std::string_view name);

// "boolean", "integer", "array of strings", ...: for errors and the man page.
std::string_view KeyTypeName(KeyType type);

// The man page rcptguard.toml(5), in roff, from the table: man/rcptguard.toml.5
// is this text (a unit test compares them).
std::string ConfigManPage();

}  // namespace rcptguard

#endif  // RCPTGUARD_CONFIG_CONFIG_KEYS_H_
