// Postfix's hold queue through Postfix's own tools (postqueue, postcat,
// postsuper), so rcptguard sees exactly what Postfix holds. One way of
// listing, releasing and discarding held mail for every front end
// (`rcptguard quarantine`, and the console).
#ifndef RCPTGUARD_QUARANTINE_POSTFIX_QUEUE_H_
#define RCPTGUARD_QUARANTINE_POSTFIX_QUEUE_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "rcptguard/result.h"

namespace rcptguard {

// A message in Postfix's hold queue, as postqueue -j describes it.
struct HeldMessage {
  std::string queue_id;
  std::string sender;
  std::vector<std::string> recipients;  // envelope recipients
  long long arrival_time = 0;           // unix seconds
};

class PostfixQueue {
 public:
  // `config_directory` is passed to the tools as -c; empty: Postfix's default.
  explicit PostfixQueue(std::string config_directory = {})
      : config_directory_(std::move(config_directory)) {}

  // Every message in the hold queue (whoever held it). Fails (kIo) when
  // postqueue cannot run, naming it and its error.
  Result<std::vector<HeldMessage>> ListHeld() const;
  // The header block of a queued message (postcat -h), for reading the
  // names and the Message-ID; never the body.
  Result<std::string> Headers(const std::string& queue_id) const;
  // Envelope and headers (postcat -e -h): what a reviewer may see by default.
  Result<std::string> EnvelopeAndHeaders(const std::string& queue_id) const;
  // Takes the message out of the hold queue and asks for its delivery now.
  Result<void> Release(const std::string& queue_id) const;
  // Deletes the message.
  Result<void> Discard(const std::string& queue_id) const;

 private:
  std::vector<std::string> Command(std::initializer_list<std::string> args) const;
  std::string config_directory_;
};

}  // namespace rcptguard

#endif  // RCPTGUARD_QUARANTINE_POSTFIX_QUEUE_H_
