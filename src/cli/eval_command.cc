// `rcptguard eval`: measures the detector on the labelled set in tests/data/eval:
// recall per typo class, suggestion accuracy, false alarms (all and hard), speed.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "rcptguard/verdict_format.h"
#include "config/config.h"
#include "core/text_lines.h"
#include "platform/files.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/domain_list.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

struct EvalOptions {
  std::string dir;  // --dir; empty: tests/data/eval here, else the installed copy
  std::string format = "text";
  int show_misses = 0;
  bool without_known = false;
};

struct ClassTally {
  size_t total = 0;
  size_t flagged = 0;
  size_t suggested_right = 0;
};

struct Tallies {
  std::map<std::string, ClassTally> by_class;
  // The same for intended domains whose registrable label has four letters or
  // more (issue 13's bar; shorter labels are judged with history).
  std::map<std::string, ClassTally> by_class_long;
  ClassTally all;
  ClassTally all_long;
  ClassTally realworld;  // class "real-world": typos published by other projects
  size_t legit = 0, legit_flagged = 0, hard = 0, hard_flagged = 0;
  // Legitimate domains that are not on the shipped known-domain lists: how the
  // model does on real domains it has no knowledge of.
  size_t unlisted = 0, unlisted_flagged = 0, unlisted_hard = 0, unlisted_hard_flagged = 0;
  double seconds = 0;
  size_t queries = 0;
  std::vector<std::string> misses;
  std::vector<std::string> false_alarms;
};

double Percent(size_t part, size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::string Canonical(std::string_view domain) {
  auto normalized = NormalizeDomain(domain);
  return normalized ? normalized->ascii : std::string(domain);
}

Result<std::vector<std::vector<std::string>>> ReadTsv(const std::string& path, size_t columns) {
  auto text = ReadFile(path);
  if (!text) return Unexpected(text.error());
  std::vector<std::vector<std::string>> rows;
  Result<void> status;
  bool header = true;
  ForEachDataLine(*text, [&](size_t line_number, std::string_view line) {
    if (!status) return;
    if (header) {  // the first data line names the columns
      header = false;
      return;
    }
    std::vector<std::string_view> fields = SplitTabs(line);
    if (fields.size() < columns) {
      status = MakeError(ErrorCode::kConfig,
                         "expected " + std::to_string(columns) + " TAB-separated columns",
                         path + ":" + std::to_string(line_number));
      return;
    }
    rows.emplace_back(fields.begin(), fields.begin() + columns);
  });
  if (!status) return Unexpected(status.error());
  return rows;
}

// The files in `dir` named prefix*suffix, sorted by name.
std::vector<std::string> ListFiles(const std::string& dir, std::string_view prefix,
                                   std::string_view suffix) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() + suffix.size() && name.rfind(prefix, 0) == 0 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Where the labelled set is: --dir, else tests/data/eval under the current
// folder (a source tree), else the copy `cmake --install` puts in the data
// directory. Empty when none has it, after saying what is needed.
std::string FindEvalSet(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const std::string& dir :
       {std::string("tests/data/eval"), std::string(RCPTGUARD_DATADIR) + "/eval"}) {
    if (FileExists(dir + "/expected.txt")) return dir;
  }
  ReportError("eval", "needs the labelled set (expected.txt, typos.tsv, legit.tsv): run it in "
                      "the rcptguard source tree, install it (cmake --install puts it in " +
                          std::string(RCPTGUARD_DATADIR) + "/eval), or give --dir DIR");
  return {};
}

int RunEval(const EvalOptions& flags) {
  EvalOptions options = flags;
  options.dir = FindEvalSet(flags.dir);
  if (options.dir.empty()) return kExitUsage;
  auto expected_text = ReadFile(options.dir + "/expected.txt");
  // typos.tsv (our generator) and every other typos_*.tsv (typos_independent.tsv:
  // other projects' lists, dnstwist, Unicode's data), in name order.
  auto typos = ReadTsv(options.dir + "/typos.tsv", 3);
  std::vector<std::string> more_typo_files = ListFiles(options.dir, "typos_", ".tsv");
  for (const std::string& file : more_typo_files) {
    if (!typos) break;
    auto more = ReadTsv(file, 3);
    if (!more) {
      typos = Unexpected(more.error());
      break;
    }
    typos->insert(typos->end(), more->begin(), more->end());
  }
  auto legit = ReadTsv(options.dir + "/legit.tsv", 2);
  for (const Error* error : {expected_text ? nullptr : &expected_text.error(),
                             typos ? nullptr : &typos.error(), legit ? nullptr : &legit.error()}) {
    if (error) {
      ReportError("eval", error->ToString());
      return kExitUsage;
    }
  }
  auto expected =
      ParseDomainList(*expected_text, options.dir + "/expected.txt", DomainSource::kTrusted);
  if (!expected) {
    ReportError("eval", expected.error().ToString());
    return kExitUsage;
  }
  // The eval builds the policy as `rcptguard check --trusted-file expected.txt`
  // does with no configuration file: the embedded defaults (the shipped
  // providers expected, the known-domain lists as evidence and protected) plus
  // the expected list as trusted. --without-known measures the expected list
  // alone, as the comparison tools in bench/compare get it.
  PolicySpec spec;
  if (!options.without_known) {
    auto defaults = ParseConfig("", "embedded defaults",
                                [](const std::string& path) { return ReadFile(path); });
    if (!defaults) {
      ReportError("eval", defaults.error().ToString());
      return kExitUsage;
    }
    spec = defaults->policy;
  }
  spec.expected.insert(spec.expected.end(), expected->begin(), expected->end());
  auto typo_data = TypoData::Embedded();
  if (!typo_data) {
    ReportError("eval", typo_data.error().ToString());
    return kExitUsage;
  }
  auto build_start = std::chrono::steady_clock::now();
  std::shared_ptr<const SuffixList> suffixes = LoadSystemSuffixList();
  auto policy = Policy::Compile(spec, suffixes, *typo_data);
  auto build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
  if (!policy) {
    ReportError("eval", policy.error().ToString());
    return kExitUsage;
  }

  Tallies tallies;
  auto timed = [&](const std::string& address) {
    auto start = std::chrono::steady_clock::now();
    Verdict verdict = (*policy)->Evaluate(nullptr, address);
    tallies.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++tallies.queries;
    return verdict;
  };
  for (const auto& row : *typos) {
    const std::string& typed = row[0];
    const std::string& intended = row[1];
    const std::string& typo_class = row[2];
    Verdict verdict = timed("user@" + typed);
    bool flagged = verdict.action != Action::kAllow;
    bool right = flagged && verdict.intended_domain &&
                 Canonical(*verdict.intended_domain) == Canonical(intended);
    std::vector<ClassTally*> counted = {&tallies.by_class[typo_class], &tallies.all};
    if (auto name = NormalizeDomain(intended)) {
      DomainParts parts = suffixes->Split(name->ascii);
      std::string_view label = parts.label.empty() ? std::string_view(name->ascii) : parts.label;
      if (label.size() >= 4) {
        counted.push_back(&tallies.by_class_long[typo_class]);
        counted.push_back(&tallies.all_long);
      }
    }
    if (typo_class == "real-world") counted.push_back(&tallies.realworld);
    for (ClassTally* tally : counted) {
      ++tally->total;
      tally->flagged += flagged;
      tally->suggested_right += right;
    }
    if (!right) {
      tallies.misses.push_back(typo_class + "\t" + typed + "\t" + intended + "\t" +
                               (verdict.intended_domain ? *verdict.intended_domain : "-"));
    }
  }
  for (const auto& row : *legit) {
    Verdict verdict = timed("user@" + row[0]);
    bool flagged = verdict.action != Action::kAllow;
    bool hard = row[1] == "hard";
    ++tallies.legit;
    tallies.legit_flagged += flagged;
    tallies.hard += hard;
    tallies.hard_flagged += flagged && hard;
    auto name = NormalizeDomain(row[0]);
    if (name && !(*policy)->detector().IsKnown(*name)) {
      ++tallies.unlisted;
      tallies.unlisted_flagged += flagged;
      tallies.unlisted_hard += hard;
      tallies.unlisted_hard_flagged += flagged && hard;
    }
    if (flagged) {
      tallies.false_alarms.push_back(row[0] + "\t" + row[1] + "\t" +
                                     (verdict.reasons.empty() ? "" : verdict.reasons[0].detail));
    }
  }
  double per_second =
      tallies.seconds > 0 ? static_cast<double>(tallies.queries) / tallies.seconds : 0;

  if (options.format == "json") {
    std::string out = "{\"classes\":{";
    bool first = true;
    for (const auto& [name, tally] : tallies.by_class) {
      if (!first) out.push_back(',');
      first = false;
      AppendJsonString(name, &out);
      out += ":{\"total\":" + std::to_string(tally.total) +
             ",\"recall\":" + std::to_string(Percent(tally.flagged, tally.total)) +
             ",\"suggestion_accuracy\":" +
             std::to_string(Percent(tally.suggested_right, tally.total)) + "}";
    }
    out += "},\"recall\":" + std::to_string(Percent(tallies.all.flagged, tallies.all.total));
    out += ",\"recall_labels_4_plus\":" +
           std::to_string(Percent(tallies.all_long.flagged, tallies.all_long.total));
    out += ",\"recall_real_world\":" +
           std::to_string(Percent(tallies.realworld.flagged, tallies.realworld.total));
    out += ",\"suggestion_accuracy\":" +
           std::to_string(Percent(tallies.all.suggested_right, tallies.all.total));
    out += ",\"false_alarms\":" + std::to_string(Percent(tallies.legit_flagged, tallies.legit));
    out += ",\"false_alarms_hard\":" + std::to_string(Percent(tallies.hard_flagged, tallies.hard));
    out += ",\"false_alarms_unlisted\":" +
           std::to_string(Percent(tallies.unlisted_flagged, tallies.unlisted));
    out += ",\"false_alarms_unlisted_hard\":" +
           std::to_string(Percent(tallies.unlisted_hard_flagged, tallies.unlisted_hard));
    out += ",\"verdicts_per_second\":" + std::to_string(per_second);
    out += ",\"build_seconds\":" + std::to_string(build_seconds) + "}\n";
    std::fputs(out.c_str(), stdout);
  } else {
    std::printf("%-26s %6s %8s %11s %8s %8s\n", "class", "typos", "recall", "suggestion",
                "4+ typos", "4+ recall");
    auto row = [](const std::string& name, const ClassTally& tally, const ClassTally& long_tally) {
      std::printf("%-26s %6zu %7.1f%% %10.1f%% %8zu %8.1f%%\n", name.c_str(), tally.total,
                  Percent(tally.flagged, tally.total), Percent(tally.suggested_right, tally.total),
                  long_tally.total, Percent(long_tally.flagged, long_tally.total));
    };
    for (const auto& [name, tally] : tallies.by_class)
      row(name, tally, tallies.by_class_long[name]);
    row("all", tallies.all, tallies.all_long);
    double macro = 0;
    for (const auto& [name, tally] : tallies.by_class) macro += Percent(tally.flagged, tally.total);
    if (!tallies.by_class.empty()) macro /= static_cast<double>(tallies.by_class.size());
    std::printf(
        "\nmacro recall over %zu classes: %.1f%%; real-world typos: %.1f%% of %zu "
        "(suggestion %.1f%%)\n",
        tallies.by_class.size(), macro, Percent(tallies.realworld.flagged, tallies.realworld.total),
        tallies.realworld.total,
        Percent(tallies.realworld.suggested_right, tallies.realworld.total));
    std::printf(
        "\nfalse alarms: %.2f%% of %zu legitimate domains; %.2f%% of %zu hard near-misses\n",
        Percent(tallies.legit_flagged, tallies.legit), tallies.legit,
        Percent(tallies.hard_flagged, tallies.hard), tallies.hard);
    if (!options.without_known) {
      std::printf(
          "  on those not in the shipped known-domain lists: %.2f%% of %zu; %.2f%% of %zu hard\n",
          Percent(tallies.unlisted_flagged, tallies.unlisted), tallies.unlisted,
          Percent(tallies.unlisted_hard_flagged, tallies.unlisted_hard), tallies.unlisted_hard);
    }
    std::printf(
        "speed: %.0f verdicts/s (parse + detect, one thread); index build %.1f ms for %zu "
        "domains\n",
        per_second, build_seconds * 1000, (*policy)->detector().size());
  }
  if (options.show_misses > 0) {
    std::fprintf(stderr, "\nmissed or wrong suggestion (class, typed, intended, suggested):\n");
    for (size_t i = 0; i < tallies.misses.size() && i < static_cast<size_t>(options.show_misses);
         ++i) {
      std::fprintf(stderr, "  %s\n", tallies.misses[i].c_str());
    }
    std::fprintf(stderr, "\nfalse alarms (domain, kind, reason):\n");
    for (size_t i = 0;
         i < tallies.false_alarms.size() && i < static_cast<size_t>(options.show_misses); ++i) {
      std::fprintf(stderr, "  %s\n", tallies.false_alarms[i].c_str());
    }
  }
  return 0;
}

}  // namespace

CommandRunner AddEvalCommand(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* eval = app.add_subcommand(
      "eval", "Measure detection on a labelled set (expected.txt, typos.tsv, legit.tsv)");
  eval->add_option("--dir", options->dir,
                   "Folder of the labelled set (default: tests/data/eval here, else the "
                   "installed copy)");
  eval->add_option("--format", options->format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  eval->add_flag("--without-known", options->without_known,
                 "Measure without the shipped lists of widely used domains");
  eval->add_option("--show-misses", options->show_misses,
                   "Print up to N missed typos and false alarms to stderr");
  return [options] { return RunEval(*options); };
}

}  // namespace rcptguard
