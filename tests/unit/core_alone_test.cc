// The pure core on its own: this test binary links rcptguard_core and nothing
// else of ours (no platform, config, store or adapter), which proves the core
// builds and works without them. It drives the whole message pipeline with
// the suffix list built into libpsl and the embedded data.
#include <gtest/gtest.h>

#include "rcptguard/domain.h"
#include "rcptguard/marking.h"
#include "rcptguard/policy.h"
#include "rcptguard/session.h"
#include "rcptguard/typo_data.h"

namespace rcptguard {
namespace {

TEST(CoreAlone, ChecksAMessageWithNoAdapterLinked) {
  PolicySpec spec;
  spec.expected = {{"army.mil", DomainSource::kTrusted}};
  MarkingSpec marking;
  marking.name = "SECRET";
  marking.scheme = "test";
  marking.rank = 40;
  marking.matches.push_back({{MarkingLocation::kSubject}, {}, {"^SECRET"}});
  marking.accredited = {"*.mil"};
  spec.markings.push_back(marking);
  auto data = TypoData::Embedded();
  ASSERT_TRUE(data.has_value()) << data.error().ToString();
  auto policy = Policy::Compile(spec, SuffixList::Builtin(), *data);
  ASSERT_TRUE(policy.has_value()) << policy.error().ToString();

  auto settings = std::make_shared<SessionSettings>();
  settings->policy = *policy;
  settings->outbound = *OutboundRules::Compile(OutboundSpec{});
  MessageSession session(settings);
  session.Connect(ConnectionFacts{"127.0.0.1", "", "", false});
  EXPECT_TRUE(session.Sender("<bob@mod.uk>").outbound);
  RecipientOutcome refused = session.Recipient("<alice@army.ml>");
  EXPECT_TRUE(refused.refuse) << "got allowed, want refused: " << refused.reply;
  EXPECT_FALSE(session.Recipient("<carol@army.mil>").refuse);
  EXPECT_FALSE(session.Recipient("<dave@example.com>").refuse);
  session.Header("Subject", "SECRET plans");
  session.EndOfHeaders();
  session.Body("hello\r\n");
  MessageOutcome outcome = session.EndOfMessage();
  EXPECT_TRUE(outcome.hold) << outcome.summary;
  EXPECT_NE(outcome.summary.find("dave@example.com hold marking-destination SECRET"),
            std::string::npos)
      << outcome.summary;
}

}  // namespace
}  // namespace rcptguard
