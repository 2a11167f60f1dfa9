// Library versions for `-V` (see library_versions.h).
#include "platform/library_versions.h"

#include <gmime/gmime.h>
#include <hs/hs.h>
#include <idn2.h>
#include <libmilter/mfapi.h>
#include <libpq-fe.h>
#include <libpsl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <toml++/impl/version.h>
#include <unicode/uversion.h>
#include <zlib.h>

namespace rcptguard {
namespace {

std::string Dotted(unsigned major, unsigned minor, unsigned patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> LibraryVersions() {
  std::vector<std::pair<std::string, std::string>> versions;
  UVersionInfo icu;
  u_getVersion(icu);
  char icu_text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(icu, icu_text);
  versions.emplace_back("ICU", icu_text);
  std::string hyperscan = hs_version();  // "5.4.0 2023-01-01": the date is not wanted
  versions.emplace_back("Hyperscan", hyperscan.substr(0, hyperscan.find(' ')));
  versions.emplace_back("GMime",
                        Dotted(gmime_major_version, gmime_minor_version, gmime_micro_version));
  versions.emplace_back("libpsl", psl_get_version());
  versions.emplace_back("libidn2", idn2_check_version(nullptr));
  versions.emplace_back("SQLite", sqlite3_libversion());
  int pq = PQlibVersion();  // 150003 for 15.3 (since 10: major * 10000 + minor)
  versions.emplace_back("libpq", std::to_string(pq / 10000) + "." + std::to_string(pq % 10000));
  versions.emplace_back("libsodium", sodium_version_string());
  unsigned milter_major = 0, milter_minor = 0, milter_patch = 0;
  smfi_version(&milter_major, &milter_minor, &milter_patch);
  versions.emplace_back("libmilter", Dotted(milter_major, milter_minor, milter_patch));
  versions.emplace_back("zlib", zlibVersion());
  versions.emplace_back("toml++", Dotted(TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH));
  return versions;
}

std::string VersionReport(const std::string& version) {
  std::string report = "rcptguard " + version + "\n";
  for (const auto& [name, library] : LibraryVersions())
    report += "  " + name + " " + library + "\n";
  return report;
}

}  // namespace rcptguard
