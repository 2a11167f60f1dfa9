// rcptguard.toml(5), written from the key table so that the page and the
// loader cannot disagree. man/rcptguard.toml.5 is this text; the build can
// regenerate it (the rcptguard_config_manpage target) and a test compares.
#include <string>

#include "config/config.h"
#include "config/config_keys.h"
#include "config/toml_shape.h"

namespace rcptguard {
namespace {

// Text made safe for roff: a backslash is \e, and a line may not start with
// a control character ('.' or '\'').
std::string Roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

std::string_view SectionOf(std::string_view name) {
  size_t dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
}

void Paragraph(std::string& page, std::string_view text) {
  page += Roff(text);
  page += '\n';
}

}  // namespace

std::string ConfigManPage() {
  std::string page;
  page += ".\\\" Generated from src/config/config_keys.cc by ConfigManPage(); do not edit.\n";
  page += ".\\\" Regenerate with: cmake --build build --target rcptguard_config_manpage\n";
  page += ".TH RCPTGUARD.TOML 5 \"\" \"rcptguard\" \"File Formats\"\n";
  page +=
      ".SH NAME\nrcptguard.toml \\- configuration of rcptguard, the outbound\\-recipient guard\n";
  page += ".SH SYNOPSIS\n.B /etc/rcptguard/rcptguard.toml\n.br\n.B /etc/rcptguard/conf.d/*.toml\n";
  page += ".SH DESCRIPTION\n";
  Paragraph(page,
            "One TOML file configures every rcptguard command and the milter. Every key is "
            "optional; without a file rcptguard runs on its embedded defaults. An unknown key, "
            "a value of the wrong type (an integer where true or false is expected, a float "
            "where a whole number is), nan or inf, or a value out of range stops rcptguard "
            "with \"file:line: problem\" (check a file with rcptguard check -c FILE "
            "user@example.com, or rcptguard milter -n -c FILE). A commented example of "
            "every key is the sample file rcptguard.toml.sample.");
  page += ".PP\n";
  Paragraph(page,
            "Every file named (the configuration, drop-ins, trusted.files, "
            "detector.known_files, history.secret_file, --trusted-file) must be a regular "
            "file rcptguard can read; a directory, a FIFO or a device is an error that names "
            "it. Relative paths are taken from the directory of the file that names them.");
  page += ".SH KEYS\n";
  std::string_view section = "-";
  for (const ConfigKey& key : ConfigKeyTable()) {
    std::string_view own = SectionOf(key.name);
    if (key.type == KeyType::kSection || key.type == KeyType::kTableArray) {
      if (SectionOf(key.name).empty()) {
        page += ".SS " + std::string(key.type == KeyType::kSection ? "[" : "[[") + Roff(key.name) +
                (key.type == KeyType::kSection ? "]" : "]]") + "\n";
        Paragraph(page, key.doc);
        section = key.name;
        continue;
      }
    } else if (own.empty() && section != "") {
      page += ".SS Top level\n";
      section = "";
    }
    page += ".TP\n.B " + Roff(key.name) + "\n";
    std::string facts = std::string(KeyTypeName(key.type));
    if (!key.valid.empty()) facts += "; " + std::string(key.valid);
    if (!key.default_value.empty()) facts += "; default: " + std::string(key.default_value);
    if ((key.scope & kInPack) != 0) facts += "; also in marking packs";
    page += "(" + Roff(facts) + ")\n.br\n";
    Paragraph(page, key.doc);
  }
  page += ".SH DROP-INS\n";
  Paragraph(page,
            "After the main file, every regular file named *.toml in the directory conf.d "
            "beside it is read, in lexical (byte) order of the names, as rspamd reads local.d "
            "(files starting with a dot, and names not ending in .toml, are skipped). Each "
            "drop-in is checked as the main file is, and its errors name the drop-in and "
            "line. The merge rules:");
  page += ".IP \\(bu 2\n";
  Paragraph(page, "tables ([trusted], [milter], ...) merge key by key;");
  page += ".IP \\(bu 2\n";
  Paragraph(page,
            "[[rule]] and [[marking]] tables are appended after those of the earlier files "
            "(rules are checked in that order);");
  page += ".IP \\(bu 2\n";
  Paragraph(page,
            "any other value, a scalar or an array (own_domains, trusted.domains, "
            "actions.lookalike-domain, ...), replaces the earlier value as a whole.");
  page += ".PP\n";
  Paragraph(page, "At most " + std::to_string(kMaxDropIns) + " drop-ins are read.");
  TomlLimits limits;
  page += ".SH LIMITS\n";
  Paragraph(page, "Before a file is parsed it is checked against fixed bounds: at most " +
                      std::to_string(limits.max_bytes >> 10) +
                      " KiB per file, keys and table "
                      "names of at most " +
                      std::to_string(limits.max_key_parts) + " dotted parts and " +
                      std::to_string(limits.max_key_bytes) +
                      " bytes, arrays and inline tables nested at most " +
                      std::to_string(limits.max_nesting) +
                      " deep. Domain lists (trusted.files, "
                      "detector.known_files) may be up to " +
                      std::to_string(kMaxDomainFileBytes >> 20) + " MiB.");
  page += ".SH FILES\n.TP\n.I /etc/rcptguard/rcptguard.toml\nthe configuration\n";
  page += ".TP\n.I /etc/rcptguard/conf.d/*.toml\ndrop\\-ins, merged in order\n";
  page += ".SH SEE ALSO\n.BR rcptguard (1),\n.IR docs/markings.md ,\n.IR docs/history.md ,\n";
  page += ".IR docs/milter.md\n";
  return page;
}

}  // namespace rcptguard
