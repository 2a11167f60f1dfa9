// The rcptguard configuration file (TOML) and its conf.d drop-ins: loading and
// validation. Every key is in the key table (config/config_keys.h), documented
// in rcptguard.toml(5) and conf/rcptguard.toml.sample.
#ifndef RCPTGUARD_CONFIG_CONFIG_H_
#define RCPTGUARD_CONFIG_CONFIG_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rcptguard/history.h"
#include "rcptguard/policy.h"
#include "rcptguard/result.h"
#include "rcptguard/session.h"

namespace rcptguard {

inline constexpr std::string_view kDefaultConfigPath = "/etc/rcptguard/rcptguard.toml";
inline constexpr std::string_view kDefaultHoldDirectory = "/var/lib/rcptguard/held";
// At most this many drop-ins are read from conf.d/.
inline constexpr size_t kMaxDropIns = 256;
// The largest domain list (trusted.files, detector.known_files, --trusted-file)
// read: about four million names.
inline constexpr size_t kMaxDomainFileBytes = 64u << 20;

// The [milter] section: how `rcptguard milter` listens and fails.
struct MilterSettings {
  std::string socket = "unix:/run/rcptguard/milter.sock";
  bool tempfail_on_error = true;  // on_error = "tempfail" (else "accept")
  // {daemon_name} values of mail submitted with sendmail(1): Postfix's
  // non_smtpd_milters cannot refuse one recipient, so a reject becomes a hold.
  std::vector<std::string> local_submission_daemon_names = {"local-submission"};
  // The marking scan keeps a message's body in memory up to this many bytes,
  // then in an unlinked temporary file in spool_directory (empty: $TMPDIR or /tmp).
  int64_t body_memory_bytes = 1 << 20;
  std::string spool_directory;
  // header = "summary": every checked message gets "X-Rcptguard: checked",
  // which names nothing; "off": none.
  bool add_header = true;
  // Where a held message's record (each recipient, its verdict and why) is
  // written for `rcptguard quarantine`; empty: no records.
  std::string hold_directory = std::string(kDefaultHoldDirectory);
};

// The [serve] section: how `rcptguard serve` listens and what it takes.
struct ServeSettings {
  std::string listen = "127.0.0.1:9025";
  std::string tokens_file = "/etc/rcptguard/api-tokens";
  int64_t max_recipients = 1000;
  int64_t max_request_bytes = 1 << 20;
  int64_t threads = 8;
  // Sender confirmation: the key the links are signed with (rcptguard serve
  // --create-link-key), the page base the links point to ("" : the listen
  // address), and the From of the notification ("": no notifications).
  std::string link_key_file = "/etc/rcptguard/link-key";
  std::string link_base;
  std::string notify_from;
  std::vector<std::string> sendmail = {"/usr/sbin/sendmail"};
  int64_t notify_per_hour = 10;  // notifications per sender per hour
  // A held message nobody acted on after this long gets `expiry_action`
  // ("discard" or "release"); 0: held until someone acts. Also the links' lifetime.
  int64_t hold_expiry_seconds = 259200;
  std::string expiry_action = "discard";
  int64_t scan_seconds = 30;  // how often the hold directory is looked at
  std::string postfix_config;  // -c for the Postfix tools; "": Postfix's default
};

// The [history] section: where correspondent history lives and how it is used.
struct HistorySettings {
  // Storage URL (see src/store/history_store.h). Empty: no history is kept or
  // used. The sample configuration sets sqlite:///var/lib/rcptguard/rcptguard.db.
  std::string store;
  std::string store_where;  // "file:line" of history.store, for errors; empty: not set
  // A file holding the secret for hashed mode (addresses stored as keyed
  // hashes); empty: addresses are stored as they are.
  std::string secret_file;
  int64_t retention_days = 730;
  bool learn = true;  // the milter records delivered mail
  HistoryOptions options;
  int64_t refresh_seconds = 5;    // how often a daemon reads what others learned
  int64_t rebuild_seconds = 600;  // how often it rebuilds its index and learned domains
};

struct Config {
  PolicySpec policy;
  OutboundSpec outbound;
  // `outbound` compiled by the loader, which checks it (null: no [outbound]).
  std::shared_ptr<const OutboundRules> outbound_rules;
  MilterSettings milter;
  ServeSettings serve;
  HistorySettings history;
  std::string source;  // the file it came from, or "embedded defaults"
  std::vector<std::string> drop_ins;  // the conf.d files merged into it, in order
  // Every key seen in the files (dotted, as in the key table), for the sample test.
  std::vector<std::string> keys_seen;
};

// Reads a file's contents; injected so tests need no files.
using FileReader = std::function<Result<std::string>(const std::string& path)>;

// Parses configuration text. `path` names it in errors ("path:line: ..."). Domain
// files named by trusted.files are read with `read_file`; relative paths are
// taken from the directory of the file that names them. The text is bounded
// (TomlLimits: size, key depth and length, nesting) before toml++ sees it.
Result<Config> ParseConfig(std::string_view text, const std::string& path,
                           const FileReader& read_file);

struct ConfigText {
  std::string path;
  std::string text;
};

// Parses the main file (first) and its drop-ins (in order), merged as
// rcptguard.toml(5) says: tables key by key; [[rule]] and [[marking]] tables
// are appended; any other value (scalar or array) replaces the earlier one.
// Errors name the file (main or drop-in) and line. No files: the defaults.
Result<Config> ParseConfigFiles(const std::vector<ConfigText>& files, const FileReader& read_file);

struct ConfigRequest {
  std::string path;                        // empty: kDefaultConfigPath if it exists
  std::vector<std::string> trusted_files;  // --trusted-file, on top of the config
};

// Loads the configuration for a command: the file asked for (it must exist), or
// the default path if present, else the embedded defaults; then the drop-ins
// conf.d/*.toml beside it; then adds the --trusted-file lists. Every file
// named (config, drop-ins, trusted and known files, secret_file) must be a
// regular, readable file, or it is an error that names it.
Result<Config> LoadConfig(const ConfigRequest& request);

// Compiles the configuration's policy with the system Public Suffix List and the
// embedded typo data: what every command and daemon runs on. `learned` adds
// the domains history says the organisation writes to (CorrespondentHistory::
// LearnedDomains).
Result<std::shared_ptr<const Policy>> CompilePolicy(
    const Config& config, const std::vector<ExpectedDomain>& learned = {});

}  // namespace rcptguard

#endif  // RCPTGUARD_CONFIG_CONFIG_H_
