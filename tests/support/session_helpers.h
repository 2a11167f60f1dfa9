// A MessageSession for unit tests, as the milter would make one: from a
// compiled policy, for a client that can be refused at RCPT TO (SMTP) or not
// (sendmail(1), which Postfix names "local-submission").
#ifndef RCPTGUARD_TESTS_SUPPORT_SESSION_HELPERS_H_
#define RCPTGUARD_TESTS_SUPPORT_SESSION_HELPERS_H_

#include <memory>

#include "rcptguard/session.h"

namespace rcptguard::testing_support {

inline MessageSession NewSession(std::shared_ptr<const Policy> policy, bool can_refuse,
                                 std::shared_ptr<const CorrespondentHistory> history = nullptr,
                                 int64_t now = 0) {
  auto settings = std::make_shared<SessionSettings>();
  settings->policy = std::move(policy);
  settings->outbound = *OutboundRules::Compile(OutboundSpec{});
  SessionServices services;
  services.clock = [now] { return now; };
  if (history) services.history = [history] { return history; };
  MessageSession session(std::move(settings), std::move(services));
  ConnectionFacts facts;
  facts.client_address = "127.0.0.1";
  if (!can_refuse) facts.daemon_name = "local-submission";
  session.Connect(std::move(facts));
  return session;
}

}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_SESSION_HELPERS_H_
