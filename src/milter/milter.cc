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

#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <optional>

#include "milter/spill_store.h"
#include "quarantine/hold_records.h"
#include "quarantine/notification.h"

namespace rcptguard {
namespace {

// libmilter's callbacks carry no user data, so the adapter reaches the live
// configuration and the logger through these, set once by RunMilter.
LiveMilterConfig* g_live = nullptr;
Logger* g_logger = nullptr;

// One SMTP connection: the configuration it started with and its message
// pipeline. The callbacks below only translate between libmilter and the
// session; every decision is the session's.
struct Connection {
  std::shared_ptr<const MilterConfig> config;
  std::optional<MessageSession> session;
  bool silent_body = false;     // SMFIP_NR_BODY negotiated: body chunks get no reply
  bool silent_eoh = false;      // SMFIP_NR_EOH negotiated: end of headers gets no reply
  bool silent_connect = false;  // SMFIP_NR_CONN negotiated: connect gets no reply
  bool silent_headers = false;  // SMFIP_NR_HDR negotiated: headers get no reply
  bool failed = false;          // connect failed; answer the safe action at MAIL FROM
  std::string notice;           // the message's X-Rcptguard-Notice header, if any
  std::string notice_id;        // its Message-ID (the session keeps one only with history)
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

// The session of a message in progress, or null.
MessageSession* Message(SMFICTX* ctx) {
  Connection* connection = Get(ctx);
  if (connection == nullptr || !connection->session || !connection->session->in_message()) {
    return nullptr;
  }
  // Postfix gives the queue id from MAIL FROM on (Sendmail from DATA): the
  // first one seen names the message in its log line.
  connection->session->SetQueueId(Macro(ctx, "i"));
  return &*connection->session;
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

// A step whose reply was negotiated away must answer SMFIS_NOREPLY.
sfsistat Quiet(sfsistat reply, bool silent) {
  return reply == SMFIS_CONTINUE && silent ? SMFIS_NOREPLY : reply;
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

// What the session needs from the milter process: the clock, the history in
// force and where large message bodies go.
SessionServices ServicesFor(const std::shared_ptr<const MilterConfig>& config) {
  SessionServices services;
  services.clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  if (config->history) {
    std::shared_ptr<HistoryService> history = config->history;
    services.history = [history] { return history->Current(); };
  }
  size_t memory = config->body_memory_bytes;
  std::string directory = config->spool_directory;
  services.body_store = [memory, directory]() -> std::unique_ptr<MarkingMessageStore> {
    // The scan stops where the store fails and says truncated, so on_limit
    // decides; the reason goes to the log.
    return std::make_unique<SpillStore>(memory, directory, [](const std::string& error) {
      g_logger->Warning("message body: " + error);
    });
  };
  return services;
}

sfsistat OnNegotiate(SMFICTX* ctx, unsigned long offered_actions, unsigned long offered_steps,
                     unsigned long, unsigned long, unsigned long* actions, unsigned long* steps,
                     unsigned long* flags2, unsigned long* flags3) {
  return Guarded(ctx, "negotiate", [&] {
    // Only the envelope, the headers (an X-Rcptguard field that arrives is
    // removed; display names for history; markings) and the end of message
    // matter, plus the body with sensitivity markings: skipping every other
    // step makes a checked message cost what a minimal milter costs. The
    // connect, header and body steps only record facts, so they need no reply.
    std::shared_ptr<const MilterConfig> config = g_live->Get();
    bool markings = !config->session->policy->marking_scanner()->empty();
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
    connection->session.emplace(connection->config->session, ServicesFor(connection->config));
    ConnectionFacts facts;
    facts.client_address = ClientAddress(address);
    // No address, or not an IP one: a unix-domain socket or an unknown
    // family (Sendmail's local submissions).
    facts.local = address == nullptr ||
                  (address->sa_family != AF_INET && address->sa_family != AF_INET6);
    facts.daemon_name = Macro(ctx, "{daemon_name}");
    connection->session->Connect(std::move(facts));
    return SMFIS_CONTINUE;
  });
  if (reply != SMFIS_CONTINUE) connection->failed = true;
  // With no reply negotiated, a failure is answered at MAIL FROM instead.
  return connection->silent_connect ? SMFIS_NOREPLY : reply;
}

void LogUnfinished(const std::string& log_line) {
  if (!log_line.empty()) g_logger->Info(log_line);
}

sfsistat OnEnvFrom(SMFICTX* ctx, char** argv) {
  return Guarded(ctx, "MAIL FROM", [&] {
    Connection* connection = Get(ctx);
    if (connection == nullptr || connection->failed || !connection->session) {
      return FailSafe(connection);
    }
    SenderOutcome outcome =
        connection->session->Sender(argv != nullptr && argv[0] != nullptr ? argv[0] : "",
                                    Macro(ctx, "{auth_authen}"));
    LogUnfinished(outcome.unfinished_log_line);
    connection->session->SetQueueId(Macro(ctx, "i"));
    connection->notice.clear();
    connection->notice_id.clear();
    // Not outbound: untouched, and no more callbacks for it.
    return outcome.outbound ? SMFIS_CONTINUE : SMFIS_ACCEPT;
  });
}

sfsistat OnEnvRcpt(SMFICTX* ctx, char** argv) {
  return Guarded(ctx, "RCPT TO", [&] {
    MessageSession* message = Message(ctx);
    if (message == nullptr) return FailSafe(Get(ctx));
    RecipientOutcome outcome =
        message->Recipient(argv != nullptr && argv[0] != nullptr ? argv[0] : "");
    if (!outcome.refuse) return SMFIS_CONTINUE;
    // Refuses this recipient only; the others of the message go through.
    if (smfi_setreply(ctx, const_cast<char*>("550"), const_cast<char*>("5.7.1"),
                      const_cast<char*>(outcome.reply.c_str())) != MI_SUCCESS) {
      g_logger->Warning(QueueId(ctx) + ": could not set the reply text");
    }
    return SMFIS_REJECT;
  });
}

sfsistat OnHeader(SMFICTX* ctx, char* name, char* value) {
  sfsistat reply = Guarded(ctx, "header", [&] {
    MessageSession* message = Message(ctx);
    if (message != nullptr && name != nullptr && value != nullptr) {
      message->Header(name, value);
      if (strcasecmp(name, kNotificationHeader.data()) == 0) Get(ctx)->notice = value;
      if (strcasecmp(name, "Message-ID") == 0) Get(ctx)->notice_id = value;
    }
    return SMFIS_CONTINUE;
  });
  Connection* connection = Get(ctx);
  return Quiet(reply, connection != nullptr && connection->silent_headers);
}

sfsistat OnEndOfHeaders(SMFICTX* ctx) {
  sfsistat reply = Guarded(ctx, "end of headers", [&] {
    if (MessageSession* message = Message(ctx)) message->EndOfHeaders();
    return SMFIS_CONTINUE;
  });
  Connection* connection = Get(ctx);
  return Quiet(reply, connection != nullptr && connection->silent_eoh);
}

sfsistat OnBody(SMFICTX* ctx, unsigned char* chunk, size_t length) {
  sfsistat reply = Guarded(ctx, "body", [&] {
    MessageSession* message = Message(ctx);
    if (message != nullptr && chunk != nullptr) {
      message->Body(std::string_view(reinterpret_cast<const char*>(chunk), length));
    }
    return SMFIS_CONTINUE;
  });
  Connection* connection = Get(ctx);
  return Quiet(reply, connection != nullptr && connection->silent_body);
}

// The reviewers' copy of what was found: every recipient with its verdict, in
// the hold directory (the message itself carries none of it). Written before
// the message is held, so a held message always has its record unless the
// write fails, which is logged: the message is held either way.
void WriteHoldRecord(const MilterConfig& config, const MessageSession& message,
                     const MessageOutcome& outcome, const std::string& queue_id) {
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

// Carries out the session's outcome at the end of the message: the MTA is
// told to refuse, to change headers, to hold; history learns what went.
sfsistat Apply(SMFICTX* ctx, const MilterConfig& config, MessageSession& message,
               const MessageOutcome& outcome) {
  std::string queue_id = QueueId(ctx);
  if (outcome.reject) {
    // Refused as a whole: the content may not go to some of its recipients.
    g_logger->Info(outcome.log_line);
    if (smfi_setreply(ctx, const_cast<char*>("550"), const_cast<char*>("5.7.1"),
                      const_cast<char*>(outcome.reply.c_str())) != MI_SUCCESS) {
      g_logger->Warning(queue_id + ": could not set the reply text");
    }
    return SMFIS_REJECT;
  }
  if (outcome.hold) WriteHoldRecord(config, message, outcome, queue_id);
  if (config.history && config.learn) {
    // Without a Message-ID there is no key that stays unique (Postfix reuses
    // queue ids), so such a message is always counted.
    if (std::optional<SentMessage> learned = message.ToLearn("")) {
      config.history->Learn(std::move(*learned));
    }
  }
  // A header of ours that arrived with the message goes, whatever it says:
  // indexes count the fields of that name, and deleting from the last keeps
  // the others' indexes valid.
  for (int index = outcome.remove_headers; index >= 1; --index) {
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
  g_logger->Info(outcome.log_line);
  return SMFIS_CONTINUE;
}

sfsistat OnEndOfMessage(SMFICTX* ctx) {
  return Guarded(ctx, "end of message", [&] {
    MessageSession* message = Message(ctx);
    if (message == nullptr) return FailSafe(Get(ctx));
    MessageOutcome outcome = message->EndOfMessage();
    const MilterConfig& config = *Get(ctx)->config;
    // rcptguard serve's own notice to a sender is never held (a hold would
    // notify again): it goes as it is. Its header is an HMAC under the link
    // key, so nobody else can make one.
    if ((outcome.hold || outcome.reject) && config.link_key != nullptr &&
        !Get(ctx)->notice.empty() &&
        IsRcptguardNotification(*config.link_key, Get(ctx)->notice_id, Get(ctx)->notice)) {
      g_logger->Info(QueueId(ctx) + ": a notification of rcptguard serve: not held");
      return SMFIS_CONTINUE;
    }
    return Apply(ctx, config, *message, outcome);
  });
}

sfsistat OnAbort(SMFICTX* ctx) {
  return Guarded(ctx, "abort", [&] {
    if (MessageSession* message = Message(ctx)) LogUnfinished(message->Abort());
    return SMFIS_CONTINUE;
  });
}

sfsistat OnClose(SMFICTX* ctx) {
  try {
    if (MessageSession* message = Message(ctx)) LogUnfinished(message->Abort());
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
                       const std::function<Result<void>()>& after_open) {
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
  // The socket's group must be able to connect: owner and group get read and
  // write, others nothing.
  mode_t old_mask = umask(0117);
  errno = 0;
  bool opened = smfi_opensocket(/*rmsocket=*/true) == MI_SUCCESS;
  int saved = errno;
  umask(old_mask);
  if (!opened) {
    return MakeError(ErrorCode::kIo,
                     "cannot listen on milter socket '" + socket +
                         "': " + (saved != 0 ? std::strerror(saved) : "libmilter gave no reason"));
  }
  if (auto ok = after_open(); !ok) return ok;
  DisableNagleOnListeningSockets();
  logger->Info("listening on " + socket);
  if (smfi_main() != MI_SUCCESS) {
    return MakeError(ErrorCode::kInternal, "libmilter stopped with an error");
  }
  return {};
}

}  // namespace rcptguard
