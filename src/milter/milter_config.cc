// MilterConfig::FromConfig: a loaded configuration into what the milter
// checks messages with.
#include "config/config.h"
#include "milter/milter.h"

namespace rcptguard {

Result<std::shared_ptr<const MilterConfig>> MilterConfig::FromConfig(
    const Config& config, std::shared_ptr<HistoryService> history) {
  std::vector<ExpectedDomain> learned;
  if (history) learned = history->Current()->LearnedDomains();
  RCPTGUARD_ASSIGN_OR_RETURN(auto policy, CompilePolicy(config, learned));
  auto session = std::make_shared<SessionSettings>();
  session->policy = std::move(policy);
  if (config.outbound_rules != nullptr) {
    session->outbound = *config.outbound_rules;
  } else {
    // No [outbound] section: the defaults, which the loader did not compile.
    auto outbound = OutboundRules::Compile(config.outbound);
    if (!outbound) {
      Error error = outbound.error();
      error.where = config.source;
      return Unexpected(std::move(error));
    }
    session->outbound = std::move(*outbound);
  }
  session->local_submission_daemon_names = config.milter.local_submission_daemon_names;
  auto milter = std::make_shared<MilterConfig>();
  milter->session = std::move(session);
  milter->tempfail_on_error = config.milter.tempfail_on_error;
  milter->source = config.source;
  milter->history = std::move(history);
  milter->learn = config.history.learn;
  milter->body_memory_bytes = static_cast<size_t>(config.milter.body_memory_bytes);
  milter->spool_directory = config.milter.spool_directory;
  milter->add_header = config.milter.add_header;
  milter->hold_directory = HoldDirectory(config.milter.hold_directory);
  if (auto key = LinkKey::Load(config.serve.link_key_file)) {
    milter->link_key = std::make_shared<const LinkKey>(std::move(*key));
  }
  return std::shared_ptr<const MilterConfig>(std::move(milter));
}

}  // namespace rcptguard
