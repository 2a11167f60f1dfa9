// libmilter callbacks for rcptguard. Every callback catches everything: no
// exception may unwind through libmilter, and a failure answers the configured
// safe action (tempfail by default) so no mail passes unchecked.
#include "milter/milter.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <exception>
#include <optional>

#include "learn/message_headers.h"
#include "milter/spill_store.h"
#include "quarantine/hold_records.h"

namespace rcptguard {
namespace {

// libmilter's callbacks carry no user data, so the adapter reaches the live
// configuration and the logger through these, set once by RunMilter.
LiveMilterConfig* g_live = nullptr;
Logger* g_logger = nullptr;

// One SMTP connection: the configuration it started with, what the MTA told
// us about the client, and the message in progress.
struct Connection {
  std::shared_ptr<const MilterConfig> config;
  ConnectionFacts facts;
  std::optional<MessageSession> message;
  // With history: the From, To, Cc, Bcc and Message-ID header fields of the
  // message, as a header block (display names and the learning key).
  std::string headers;
  // How many X-Rcptguard fields the message arrived with: each is removed at
  // the end, so nobody can make a message look checked.
  int forged_headers = 0;
  // With sensitivity markings: the scan of the message in progress, its body
  // store, and a Hyperscan scratch kept for the connection (remade when a
  // reload brings another scanner). Declared in this order so the session,
  // which uses the other two, goes first.
  std::shared_ptr<const MarkingScanner> scanner;
  MarkingScratch scratch;
  std::unique_ptr<SpillStore> body;
  std::optional<MarkingSession> marking;
  bool silent_body = false;     // SMFIP_NR_BODY negotiated: body chunks get no reply
  bool silent_eoh = false;      // SMFIP_NR_EOH negotiated: end of headers gets no reply
  bool silent_connect = false;  // SMFIP_NR_CONN negotiated: connect gets no reply
  bool silent_headers = false;  // SMFIP_NR_HDR negotiated: headers get no reply
  bool failed = false;          // connect failed; answer the safe action at MAIL FROM
};

Connection* Get(SMFICTX* ctx) { return static_cast<Connection*>(smfi_getpriv(ctx)); }

std::string Macro(SMFICTX* ctx, const char* name) {
  const char* value = smfi_getsymval(ctx, const_cast<char*>(name));
  return value == nullptr ? std::string() : std::string(value);
}

std::string QueueId(SMFICTX* ctx) {
  std::string id = SanitizeForLine(Macro(ctx, "i"), 64, true);
  return id.empty() ? "NOQUEUE" : id;
}

sfsistat FailSafe(Connection* connection) {
  bool tempfail = connection == nullptr || connection->config == nullptr ||
                  connection->config->tempfail_on_error;
  return tempfail ? SMFIS_TEMPFAIL : SMFIS_ACCEPT;
}

// Runs a callback body; any exception is logged and answered with the safe action.
template <typename Body>
sfsistat Guarded(SMFICTX* ctx, const char* stage, Body&& body) {
  try {
    return body();
  } catch (const std::exception& error) {
    g_logger->Error(QueueId(ctx) + ": internal error at " + stage + ": " +
                    SanitizeForLine(error.what(), 300, true));
  } catch (...) {
    g_logger->Error(QueueId(ctx) + ": internal error at " + stage);
  }
  return FailSafe(Get(ctx));
}

std::string ClientAddress(_SOCK_ADDR* address) {
  if (address == nullptr) return {};
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  }
  return text;
}

sfsistat OnNegotiate(SMFICTX* ctx, unsigned long offered_actions, unsigned long offered_steps,
                     unsigned long, unsigned long, unsigned long* actions, unsigned long* steps,
                     unsigned long* flags2, unsigned long* flags3) {
  return Guarded(ctx, "negotiate", [&] {
    // Only the envelope, the headers (an X-Rcptguard field that arrives is
    // removed; display names for history) and the end of message matter, plus
    // the body with sensitivity markings: skipping every other step makes a
    // checked message cost what a minimal milter costs. The connect, header
    // and body steps only record facts, so they need no reply either.
    std::shared_ptr<const MilterConfig> config = g_live->Get();
    bool markings = !config->policy->marking_scanner()->empty();
    unsigned long wanted =
        SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN | SMFIP_NR_HDR;
    wanted |= markings ? (SMFIP_NR_EOH | SMFIP_NR_BODY) : (SMFIP_NOEOH | SMFIP_NOBODY);
    *actions = offered_actions & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
    *steps = offered_steps & wanted;
    *flags2 = 0;
    *flags3 = 0;
    auto connection = std::make_unique<Connection>();
    connection->silent_connect = (*steps & SMFIP_NR_CONN) != 0;
    connection->silent_headers = (*steps & SMFIP_NR_HDR) != 0;
    connection->silent_body = (*steps & SMFIP_NR_BODY) != 0;
    connection->silent_eoh = (*steps & SMFIP_NR_EOH) != 0;
    delete Get(ctx);
    smfi_setpriv(ctx, connection.release());
    return SMFIS_CONTINUE;
  });
}

sfsistat OnConnect(SMFICTX* ctx, char* /*hostname*/, _SOCK_ADDR* address) {
  Connection* connection = Get(ctx);
  if (connection == nullptr) {
    // No negotiation callback (an old MTA): start the connection here.
    connection = new Connection();
    smfi_setpriv(ctx, connection);
  }
  sfsistat reply = Guarded(ctx, "connect", [&] {
    connection->config = g_live->Get();
    connection->facts.client_address = ClientAddress(address);
    connection->facts.daemon_name = Macro(ctx, "{daemon_name}");
    return SMFIS_CONTINUE;
  });
  if (reply != SMFIS_CONTINUE) connection->failed = true;
  // With no reply negotiated, a failure is answered at MAIL FROM instead.
  if (connection->silent_connect) return SMFIS_NOREPLY;
  return reply;
}

sfsistat OnEnvFrom(SMFICTX* ctx, char** argv) {
  return Guarded(ctx, "MAIL FROM", [&] {
    Connection* connection = Get(ctx);
    if (connection == nullptr || connection->failed || connection->config == nullptr) {
      return FailSafe(connection);
    }
    connection->message.reset();
    connection->facts.auth_user = Macro(ctx, "{auth_authen}");
    const auto& local = connection->config->local_submission_daemon_names;
    bool can_refuse =
        std::find(local.begin(), local.end(), connection->facts.daemon_name) == local.end();
    const MilterConfig& config = *connection->config;
    MessageSession message(config.policy, can_refuse,
                           config.history ? config.history->Current() : nullptr,
                           std::time(nullptr));
    connection->headers.clear();
    connection->forged_headers = 0;
    connection->marking.reset();
    connection->body.reset();
    const std::shared_ptr<const MarkingScanner>& scanner = config.policy->marking_scanner();
    if (!scanner->empty()) {
      if (connection->scanner != scanner) {
        connection->scanner = scanner;
        connection->scratch = scanner->NewScratch();
      }
      connection->body =
          std::make_unique<SpillStore>(config.body_memory_bytes, config.spool_directory);
      connection->marking.emplace(scanner, &connection->scratch, connection->body.get());
    }
    message.SetSender(argv != nullptr && argv[0] != nullptr ? argv[0] : "");
    if (!connection->config->outbound.IsOutbound(connection->facts, message.sender())) {
      return SMFIS_ACCEPT;  // not outbound: untouched, and no more callbacks for it
    }
    connection->message.emplace(std::move(message));
    return SMFIS_CONTINUE;
  });
}

sfsistat OnEnvRcpt(SMFICTX* ctx, char** argv) {
  return Guarded(ctx, "RCPT TO", [&] {
    Connection* connection = Get(ctx);
    if (connection == nullptr || !connection->message) return FailSafe(connection);
    RecipientOutcome outcome =
        connection->message->AddRecipient(argv != nullptr && argv[0] != nullptr ? argv[0] : "");
    if (!outcome.refuse) return SMFIS_CONTINUE;
    // Refuses this recipient only; the others of the message go through.
    if (smfi_setreply(ctx, const_cast<char*>("550"), const_cast<char*>("5.7.1"),
                      const_cast<char*>(outcome.reply.c_str())) != MI_SUCCESS) {
      g_logger->Warning(QueueId(ctx) + ": could not set the reply text");
    }
    return SMFIS_REJECT;
  });
}

// Keeps the header fields history needs; the rest is not looked at.
sfsistat OnHeader(SMFICTX* ctx, char* name, char* value) {
  sfsistat reply = Guarded(ctx, "header", [&] {
    Connection* connection = Get(ctx);
    if (connection == nullptr || !connection->message || name == nullptr || value == nullptr) {
      return SMFIS_CONTINUE;
    }
    if (strcasecmp(name, "X-Rcptguard") == 0) {
      ++connection->forged_headers;
      return SMFIS_CONTINUE;  // ours to write: not read as part of the message
    }
    if (connection->marking) connection->marking->Header(name, value);
    if (connection->config->history == nullptr) return SMFIS_CONTINUE;
    constexpr size_t kMaxHeaders = 64 * 1024;  // a bound on memory per message
    for (const char* wanted : {"From", "To", "Cc", "Bcc", "Message-ID"}) {
      if (strcasecmp(name, wanted) == 0 && connection->headers.size() < kMaxHeaders) {
        connection->headers.append(name).append(": ").append(value).append("\n");
      }
    }
    return SMFIS_CONTINUE;
  });
  Connection* connection = Get(ctx);
  if (reply == SMFIS_CONTINUE && connection != nullptr && connection->silent_headers) {
    return SMFIS_NOREPLY;
  }
  return reply;
}

// The end of the headers and the body: only the marking scan reads them.
sfsistat OnEndOfHeaders(SMFICTX* ctx) {
  sfsistat reply = Guarded(ctx, "end of headers", [&] {
    Connection* connection = Get(ctx);
    if (connection != nullptr && connection->marking) connection->marking->EndHeaders();
    return SMFIS_CONTINUE;
  });
  Connection* connection = Get(ctx);
  if (reply == SMFIS_CONTINUE && connection != nullptr && connection->silent_eoh) {
    return SMFIS_NOREPLY;
  }
  return reply;
}

sfsistat OnBody(SMFICTX* ctx, unsigned char* chunk, size_t length) {
  sfsistat reply = Guarded(ctx, "body", [&] {
    Connection* connection = Get(ctx);
    if (connection != nullptr && connection->marking && chunk != nullptr) {
      connection->marking->Body(std::string_view(reinterpret_cast<const char*>(chunk), length));
    }
    return SMFIS_CONTINUE;
  });
  Connection* connection = Get(ctx);
  if (reply == SMFIS_CONTINUE && connection != nullptr && connection->silent_body) {
    return SMFIS_NOREPLY;
  }
  return reply;
}

// The reviewers' copy of what was found: every recipient with its verdict, in
// the hold directory (the message itself carries none of it). Written before
// the message is held, so a held message always has its record unless the
// write fails, which is logged: the message is held either way.
void WriteHoldRecord(const MilterConfig& config, const std::string& queue_id,
                     const MessageSession& message, const MessageOutcome& outcome) {
  if (config.hold_directory.path().empty()) return;
  HoldRecord record;
  record.queue_id = queue_id;
  record.message_id = message.message_id();
  record.sender = message.sender() ? CanonicalAddress(*message.sender()) : std::string();
  record.held_at = std::time(nullptr);
  record.reason = outcome.hold_reason;
  if (const MarkingResult* markings = message.markings()) {
    for (const MarkingFound& found : markings->found) record.markings.push_back(found.name);
  }
  record.verdicts = outcome.verdicts;
  if (auto written = config.hold_directory.Write(record); !written) {
    g_logger->Warning(queue_id + ": no hold record: " + written.error().ToString());
  }
}

sfsistat OnEndOfMessage(SMFICTX* ctx) {
  return Guarded(ctx, "end of message", [&] {
    Connection* connection = Get(ctx);
    if (connection == nullptr || !connection->message) return FailSafe(connection);
    MessageSession& message = *connection->message;
    if (!connection->headers.empty()) {
      SentMessage from_headers;
      ParseMessageHeaders(connection->headers, &from_headers);
      message.SetHeaderFacts(std::move(from_headers.recipients), std::move(from_headers.key));
    }
    std::string queue_id = QueueId(ctx);
    if (connection->marking) {
      MarkingResult markings = connection->marking->End();
      if (connection->body && !connection->body->error().empty()) {
        // The scan stopped there and says truncated, so on_limit decides.
        g_logger->Warning(queue_id + ": " + connection->body->error());
      }
      message.SetMarkings(std::move(markings));
      connection->marking.reset();
      connection->body.reset();
    }
    MessageOutcome outcome = message.Finish();
    if (outcome.reject) {
      // Refused as a whole: the content may not go to some of its recipients.
      g_logger->Info(queue_id + ": " + outcome.summary);
      connection->message.reset();
      if (smfi_setreply(ctx, const_cast<char*>("550"), const_cast<char*>("5.7.1"),
                        const_cast<char*>(outcome.reply.c_str())) != MI_SUCCESS) {
        g_logger->Warning(queue_id + ": could not set the reply text");
      }
      return SMFIS_REJECT;
    }
    const MilterConfig& config = *connection->config;
    if (outcome.hold) WriteHoldRecord(config, queue_id, message, outcome);
    if (config.history && config.learn) {
      // Without a Message-ID there is no key that stays unique (Postfix reuses
      // queue ids), so such a message is always counted.
      if (std::optional<SentMessage> learned = message.ToLearn("")) {
        config.history->Learn(std::move(*learned));
      }
    }
    connection->message.reset();
    // A header of ours that arrived with the message goes, whatever it says:
    // indexes count the fields of that name, and deleting from the last
    // keeps the others' indexes valid.
    for (int index = connection->forged_headers; index >= 1; --index) {
      if (smfi_chgheader(ctx, const_cast<char*>("X-Rcptguard"), index, nullptr) != MI_SUCCESS) {
        // A forged "checked" must not reach a recipient: keep the message.
        g_logger->Error(queue_id + ": could not remove an X-Rcptguard header it arrived with; "
                        "tempfail");
        return SMFIS_TEMPFAIL;
      }
    }
    if (config.add_header && !outcome.header.empty() &&
        smfi_addheader(ctx, const_cast<char*>("X-Rcptguard"),
                       const_cast<char*>(outcome.header.c_str())) != MI_SUCCESS) {
      g_logger->Warning(queue_id + ": could not add the X-Rcptguard header");
    }
    if (outcome.hold &&
        smfi_quarantine(ctx, const_cast<char*>(outcome.hold_reason.c_str())) != MI_SUCCESS) {
      // Not held means it would be delivered: refuse it for now instead.
      g_logger->Error(queue_id + ": could not hold the message; tempfail");
      return SMFIS_TEMPFAIL;
    }
    g_logger->Info(queue_id + ": " + outcome.summary);
    return SMFIS_CONTINUE;
  });
}

// Logs the summary of a transaction that ends without a message (every
// recipient refused, or the client gave up), so every message has its line.
void LogUnfinished(SMFICTX* ctx, Connection* connection) {
  if (connection == nullptr || !connection->message || !connection->message->has_recipients()) {
    return;
  }
  g_logger->Info(QueueId(ctx) + ": " + connection->message->Finish().summary);
  connection->message.reset();
}

sfsistat OnAbort(SMFICTX* ctx) {
  return Guarded(ctx, "abort", [&] {
    Connection* connection = Get(ctx);
    LogUnfinished(ctx, connection);
    if (connection != nullptr) {
      connection->message.reset();
      connection->marking.reset();
      connection->body.reset();
    }
    return SMFIS_CONTINUE;
  });
}

sfsistat OnClose(SMFICTX* ctx) {
  try {
    LogUnfinished(ctx, Get(ctx));
    delete Get(ctx);
    smfi_setpriv(ctx, nullptr);
  } catch (...) {
    // Nothing to answer at close; never unwind into libmilter.
  }
  return SMFIS_CONTINUE;
}

// libmilter sets no socket options on the connections it accepts, so on a TCP
// socket every reply waits for Nagle's algorithm to meet the MTA's delayed
// ACK: about 40 ms per message, twice when a header is added. Linux copies
// TCP_NODELAY from a listening socket to the sockets it accepts, so setting
// it on libmilter's listening socket (the only one in this process; libmilter
// does not expose it) makes every connection reply at once.
void DisableNagleOnListeningSockets() {
  for (int fd = 0; fd < 1024; ++fd) {
    int listening = 0;
    socklen_t length = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
      continue;
    }
    sockaddr_storage address;
    socklen_t address_length = sizeof(address);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) continue;
    if (address.ss_family != AF_INET && address.ss_family != AF_INET6) continue;
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) != 0) {
      g_logger->Warning("could not set TCP_NODELAY on the milter socket");
    }
  }
}

}  // namespace

Result<void> RunMilter(const std::string& socket, LiveMilterConfig* live, Logger* logger,
                       const std::function<Result<void>()>& before_listen) {
  g_live = live;
  g_logger = logger;
  smfiDesc description = {};
  description.xxfi_name = const_cast<char*>("rcptguard");
  description.xxfi_version = SMFI_VERSION;
  description.xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE;
  description.xxfi_connect = OnConnect;
  description.xxfi_envfrom = OnEnvFrom;
  description.xxfi_envrcpt = OnEnvRcpt;
  description.xxfi_header = OnHeader;
  description.xxfi_eoh = OnEndOfHeaders;
  description.xxfi_body = OnBody;
  description.xxfi_eom = OnEndOfMessage;
  description.xxfi_abort = OnAbort;
  description.xxfi_close = OnClose;
  description.xxfi_negotiate = OnNegotiate;

  if (smfi_setconn(const_cast<char*>(socket.c_str())) != MI_SUCCESS) {
    return MakeError(ErrorCode::kConfig, "invalid milter socket '" + socket + "'");
  }
  if (smfi_register(description) != MI_SUCCESS) {
    return MakeError(ErrorCode::kInternal, "libmilter refused to register the filter");
  }
  if (auto ok = before_listen(); !ok) return ok;
  // The socket's group must be able to connect: owner and group get read and
  // write, others nothing.
  mode_t old_mask = umask(007);
  bool opened = smfi_opensocket(/*rmsocket=*/true) == MI_SUCCESS;
  umask(old_mask);
  if (!opened) {
    return MakeError(ErrorCode::kIo, "cannot listen on milter socket '" + socket + "'");
  }
  DisableNagleOnListeningSockets();
  logger->Info("listening on " + socket);
  if (smfi_main() != MI_SUCCESS) {
    return MakeError(ErrorCode::kInternal, "libmilter stopped with an error");
  }
  return {};
}

}  // namespace rcptguard
