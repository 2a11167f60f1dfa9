// Integration tests with a real Postfix: a private instance on loopback (its
// own configuration, queue and ports; no systemd), rcptguard milter in front,
// and smtp-sink as the next hop. Mail goes in with swaks and comes out at the
// sink, in the hold queue, or is refused. Nothing leaves 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "quarantine/sender_confirmation.h"
#include "support/test_helpers.h"

namespace {

using rcptguard::testing_support::ReadAll;
using rcptguard::testing_support::WaitFor;
using rcptguard::testing_support::WriteAll;

namespace fs = std::filesystem;

// A loopback TCP port nobody listens on now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool Listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

int Shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    freopen(log.c_str(), "a", stdout);
    freopen(log.c_str(), "a", stderr);
    std::vector<char*> c_argv;
    for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
    c_argv.push_back(nullptr);
    execvp(c_argv[0], c_argv.data());
    _exit(127);
  }
  return pid;
}

// The header block of a message as the sink stored it, without the lines
// smtp-sink adds to record the envelope (X-Client-Addr, X-Rcpt-Args, ...):
// what every recipient of the message reads.
std::string RecipientVisibleHeaders(const std::string& message) {
  std::string headers = message.substr(0, message.find("\r\n\r\n"));
  std::string out;
  size_t start = 0;
  while (start < headers.size()) {
    size_t end = headers.find('\n', start);
    if (end == std::string::npos) end = headers.size();
    std::string line = headers.substr(start, end - start + 1);
    start = end + 1;
    static const char* kSinkFields[] = {"X-Client-Addr:", "X-Client-Proto:", "X-Helo-Args:",
                                        "X-Mail-Args:", "X-Rcpt-Args:"};
    bool sink = false;
    for (const char* field : kSinkFields) sink = sink || line.rfind(field, 0) == 0;
    if (!sink) out += line;
  }
  return out;
}

// The values of every `name` field in a message's header block.
std::vector<std::string> HeaderValues(const std::string& message, const std::string& name) {
  std::vector<std::string> values;
  std::string headers = "\n" + message.substr(0, message.find("\r\n\r\n"));
  std::string prefix = "\n" + name + ": ";
  for (size_t at = headers.find(prefix); at != std::string::npos;
       at = headers.find(prefix, at + 1)) {
    size_t start = at + prefix.size();
    std::string value = headers.substr(start, headers.find('\n', start) - start);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    values.push_back(value);
  }
  return values;
}

void Stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
}

class PostfixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rcptguard-postfix.XXXXXX";
    dir_ = mkdtemp(pattern);
    chmod(dir_.c_str(), 0755);
    smtpd_port_ = FreePort();
    sink_port_ = FreePort();
    struct passwd* postfix = getpwnam("postfix");
    ASSERT_NE(postfix, nullptr) << "no postfix user: is Postfix installed?";
    for (const char* sub : {"conf", "queue", "data", "milter", "sink", "history"}) {
      fs::create_directories(Path(sub));
      if (std::string(sub) != "conf" && std::string(sub) != "queue") {
        ASSERT_EQ(chown(Path(sub).c_str(), postfix->pw_uid, postfix->pw_gid), 0);
      }
    }
    WriteMasterCf();
    WriteAll(Path("conf/main.cf"), MainCf());
    WriteAll(Path("partners.txt"), "army.mil\n");
    chmod(Path("partners.txt").c_str(), 0644);
  }

  void TearDown() override {
    Shell("postfix -c " + Path("conf") + " stop > /dev/null 2>&1");
    Stop(milter_);
    Stop(sink_);
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string MainCf() const {
    return "compatibility_level = 3.6\n"
           "queue_directory = " +
           Path("queue") +
           "\n"
           "data_directory = " +
           Path("data") +
           "\n"
           "mail_owner = postfix\nsetgid_group = postdrop\n"
           "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
           "myhostname = rcptguard-test.localdomain\nmydestination =\n"
           "mynetworks = 127.0.0.0/8\n"
           "relayhost = [127.0.0.1]:" +
           std::to_string(sink_port_) +
           "\n"
           "smtpd_milters = unix:" +
           Path("milter/milter.sock") +
           "\n"
           "non_smtpd_milters = $smtpd_milters\n"
           "milter_default_action = tempfail\n"
           "smtpd_relay_restrictions = permit_mynetworks, reject\n"
           "maillog_file_prefixes = /tmp\nmaillog_file = " +
           Path("maillog") +
           "\n"
           "smtp_tls_security_level = none\nsmtpd_tls_security_level = none\n"
           "alias_maps =\nalias_database =\nlocal_recipient_maps =\nbiff = no\n"
           "smtputf8_enable = yes\n";
  }

  // Debian's master.cf with the SMTP service on our loopback port and no chroot
  // (a private instance has no chroot tree).
  void WriteMasterCf() {
    std::ifstream in("/etc/postfix/master.cf");
    std::ostringstream out;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                                 std::istream_iterator<std::string>());
      if (!line.empty() && line[0] != '#' && line[0] != ' ' && f.size() >= 8) {
        if (f[0] == "smtp" && f[1] == "inet") {
          out << "127.0.0.1:" << smtpd_port_ << " inet n - n - - smtpd\n";
          continue;
        }
        if (f[0] == "cleanup" && f[1] == "unix") {
          // As docs/milter.md says: sendmail(1) mail gets its own daemon name.
          out << "cleanup unix n - n - 0 cleanup -o milter_macro_daemon_name=local-submission\n";
          continue;
        }
        if (f[4] == "y") {
          f[4] = "n";
          std::string joined;
          for (const std::string& field : f) joined += field + " ";
          out << joined << "\n";
          continue;
        }
      }
      out << line << "\n";
    }
    WriteAll(Path("conf/master.cf"), out.str());
  }

  // Starts the sink, rcptguard milter (with `milter_args`) and Postfix.
  void StartAll(std::vector<std::string> milter_args = {}) {
    sink_ = Spawn({"smtp-sink", "-u", "postfix", "-d", Path("sink") + "/%Y%m%d%H%M%S.",
                   "127.0.0.1:" + std::to_string(sink_port_), "100"},
                  Path("sink.log"));
    std::vector<std::string> argv = {RCPTGUARD_BINARY,
                                     "milter",
                                     "-f",
                                     "-u",
                                     "postfix",
                                     "-p",
                                     "unix:" + Path("milter/milter.sock"),
                                     "--trusted-file",
                                     Path("partners.txt"),
                                     "--hold-directory",
                                     Path("history/held")};
    argv.insert(argv.end(), milter_args.begin(), milter_args.end());
    milter_ = Spawn(argv, Path("milter.log"));
    ASSERT_TRUE(WaitFor([&] { return fs::exists(Path("milter/milter.sock")); }))
        << ReadAll(Path("milter.log"));
    ASSERT_EQ(Shell("postfix -c " + Path("conf") + " post-install create-missing > " +
                    Path("postfix.out") + " 2>&1"),
              0)
        << ReadAll(Path("postfix.out"));
    ASSERT_EQ(Shell("postfix -c " + Path("conf") + " start > " + Path("postfix.out") + " 2>&1"), 0)
        << ReadAll(Path("postfix.out")) << ReadAll(Path("maillog"));
    ASSERT_TRUE(WaitFor([&] { return Listening(smtpd_port_) && Listening(sink_port_); }))
        << ReadAll(Path("maillog"));
  }

  // A [history] section keeping history in this test's folder (writable by
  // the milter's user, postfix).
  std::string HistorySection() const {
    return "[history]\nstore = \"" + HistoryUrl() + "\"\nrefresh_seconds = 1\n";
  }
  std::string HistoryUrl() const { return "sqlite://" + Path("history/history.db"); }

  // `rcptguard check` against this test's history: the verdict for `rcpt`.
  std::string CheckWithHistory(const std::string& from, const std::string& rcpt) {
    std::string out = Path("check.out");
    Shell(std::string(RCPTGUARD_BINARY) + " check --format jsonl --trusted-file " +
          Path("partners.txt") + " --store " + HistoryUrl() + " --from " + from + " '" + rcpt +
          "' > " + out + " 2>&1");
    return ReadAll(out);
  }

  // Sends one message with swaks; returns the SMTP conversation.
  std::string Send(const std::string& from, const std::string& to) {
    std::string out = Path("swaks.out");
    Shell("swaks --server 127.0.0.1:" + std::to_string(smtpd_port_) + " --from '" + from +
          "' --to '" + to + "' > " + out + " 2>&1");
    return ReadAll(out);
  }

  // Sends a message with this subject and body text; returns the conversation.
  std::string SendText(const std::string& from, const std::string& to, const std::string& subject,
                       const std::string& body) {
    std::string out = Path("swaks.out");
    WriteAll(Path("body.txt"), body);
    Shell("swaks --server 127.0.0.1:" + std::to_string(smtpd_port_) + " --from '" + from +
          "' --to '" + to + "' --header 'Subject: " + subject + "' --body " + Path("body.txt") +
          " > " + out + " 2>&1");
    return ReadAll(out);
  }

  // Speaks SMTP over a socket: sends each command, returns every reply line.
  std::string Converse(const std::vector<std::string>& commands) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(smtpd_port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return "";
    timeval timeout = {60, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string replies;
    auto read_reply = [&] {
      // A reply ends with a line whose fourth character is a space.
      std::string line;
      char c;
      while (read(fd, &c, 1) == 1) {
        replies.push_back(c);
        if (c != '\n') {
          line.push_back(c);
          continue;
        }
        if (line.size() >= 4 && line[3] == ' ') return;
        line.clear();
      }
    };
    read_reply();  // greeting
    for (const std::string& command : commands) {
      std::string wire = command + "\r\n";
      if (write(fd, wire.data(), wire.size()) != static_cast<ssize_t>(wire.size())) break;
      read_reply();
    }
    close(fd);
    return replies;
  }

  // Returns the messages the sink received, one string each.
  std::vector<std::string> Delivered() const {
    std::vector<std::string> messages;
    for (const auto& entry : fs::directory_iterator(Path("sink"))) {
      messages.push_back(ReadAll(entry.path()));
    }
    return messages;
  }

  // Waits until the sink holds a message for `rcpt`; returns it.
  std::string WaitForDelivery(const std::string& rcpt) {
    std::string found;
    WaitFor([&] {
      for (const std::string& message : Delivered()) {
        if (message.find("X-Rcpt-Args: <" + rcpt + ">") != std::string::npos) {
          found = message;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::string Queue() const {
    Shell("postqueue -c " + Path("conf") + " -j > " + Path("queue.json") + " 2>&1");
    return ReadAll(Path("queue.json"));
  }

  std::string dir_;
  int smtpd_port_ = 0;
  int sink_port_ = 0;
  pid_t milter_ = -1;
  pid_t sink_ = -1;
};

TEST_F(PostfixTest, LookalikeRecipientGets550WithSuggestionAndTheOthersAreDelivered) {
  StartAll();
  std::string conversation = Send("bob@mod.uk", "alice@army.ml,carol@army.mil");
  EXPECT_NE(conversation.find("550 5.7.1 recipient domain army.ml looks like a mistyping of "
                              "army.mil; did you mean alice@army.mil? Not sent."),
            std::string::npos)
      << conversation;
  EXPECT_NE(conversation.find("queued as"), std::string::npos) << conversation;
  std::string delivered = WaitForDelivery("carol@army.mil");
  ASSERT_FALSE(delivered.empty()) << ReadAll(Path("maillog"));
  EXPECT_EQ(HeaderValues(delivered, "X-Rcptguard"), std::vector<std::string>{"checked"})
      << delivered;
  for (const std::string& message : Delivered()) {
    EXPECT_EQ(message.find("X-Rcpt-Args: <alice@army.ml>"), std::string::npos);
  }
  // The milter's log line starts with the Postfix queue id.
  std::string log = ReadAll(Path("milter.log"));
  size_t queued = conversation.find("queued as ");
  ASSERT_NE(queued, std::string::npos);
  std::string queue_id =
      conversation.substr(queued + 10, conversation.find('\n', queued) - queued - 10);
  while (!queue_id.empty() && (queue_id.back() == '\r' || queue_id.back() == ' '))
    queue_id.pop_back();
  EXPECT_NE(log.find("rcptguard: " + queue_id + ": from=<bob@mod.uk>"), std::string::npos)
      << "queue id " << queue_id << "\n"
      << log;
}

TEST_F(PostfixTest, DeliveredMailNamesNoBccRecipientAndAForgedHeaderIsRemoved) {
  // partner.uk looks like a slip for the trusted partner.co.uk: the Bcc
  // recipient is warned and delivered, and must stay invisible to the others.
  WriteAll(Path("partners.txt"), "army.mil\npartner.co.uk\n");
  StartAll();
  std::string out = Path("swaks.out");
  Shell("swaks --server 127.0.0.1:" + std::to_string(smtpd_port_) +
        " --from bob@mod.uk --to visible@partner.co.uk,secret.bcc@partner.uk"
        " --header 'To: visible@partner.co.uk'"
        " --add-header 'X-Rcptguard: checked 1 recipient; all clear'"
        " --add-header 'x-rcptguard: checked' > " +
        out + " 2>&1");
  std::string delivered = WaitForDelivery("secret.bcc@partner.uk");
  ASSERT_FALSE(delivered.empty()) << ReadAll(out) << ReadAll(Path("maillog"));
  for (const std::string& message : Delivered()) {
    std::string visible = RecipientVisibleHeaders(message);
    EXPECT_EQ(visible.find("secret.bcc"), std::string::npos) << visible;
    EXPECT_EQ(visible.find("partner.uk"), std::string::npos) << visible;
    EXPECT_EQ(visible.find("lookalike"), std::string::npos) << visible;
    EXPECT_EQ(visible.find("recipients"), std::string::npos) << visible;
    // Only our own header is left, and it says nothing but "checked".
    EXPECT_EQ(HeaderValues(message, "X-Rcptguard"), std::vector<std::string>{"checked"})
        << visible;
    EXPECT_EQ(HeaderValues(message, "x-rcptguard"), std::vector<std::string>{}) << visible;
  }
  // The detail is in the log, for the administrator.
  std::string log = ReadAll(Path("milter.log"));
  EXPECT_NE(log.find("secret.bcc@partner.uk warn lookalike-domain suffix-change -> partner.co.uk"),
            std::string::npos)
      << log;
}

TEST_F(PostfixTest, HoldPutsTheWholeMessageInTheHoldQueue) {
  WriteAll(Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n");
  chmod(Path("hold.toml").c_str(), 0644);
  StartAll({"-c", Path("hold.toml")});
  std::string conversation = Send("bob@mod.uk", "alice@army.ml,carol@army.mil");
  EXPECT_NE(conversation.find("250 2.1.5"), std::string::npos) << conversation;
  ASSERT_TRUE(WaitFor([&] {
    return Queue().find("\"queue_name\": \"hold\"") != std::string::npos;
  })) << Queue()
      << ReadAll(Path("maillog"));
  EXPECT_TRUE(Delivered().empty());
}

// Runs `rcptguard quarantine ARGS` against this Postfix and the hold records
// its milter writes; returns its output.
std::string Quarantine(const std::string& conf, const std::string& args, int* status) {
  std::string out = conf + "/../quarantine.out";
  *status = Shell(std::string(RCPTGUARD_BINARY) + " quarantine --postfix-config " + conf +
                  " --hold-directory " + conf + "/../history/held " + args + " > " + out +
                  " 2>&1");
  return ReadAll(out);
}

TEST_F(PostfixTest, QuarantineListsHeldMessagesAndReleaseDelivers) {
  WriteAll(Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n" +
               HistorySection());
  chmod(Path("hold.toml").c_str(), 0644);
  StartAll({"-c", Path("hold.toml")});
  Send("bob@mod.uk", "alice@army.ml,carol@army.mil");
  Send("bob@mod.uk", "dave@army.ml");
  ASSERT_TRUE(WaitFor([&] {
    std::string queue = Queue();
    size_t first = queue.find("\"queue_name\": \"hold\"");
    return first != std::string::npos &&
           queue.find("\"queue_name\": \"hold\"", first + 1) != std::string::npos;
  })) << Queue();

  int status = 0;
  std::string listed = Quarantine(Path("conf"), "list --format json", &status);
  ASSERT_EQ(status, 0) << listed;
  auto held = nlohmann::json::parse(listed);
  ASSERT_EQ(held.size(), 2u) << listed;
  std::string release_id, discard_id;
  for (const auto& message : held) {
    EXPECT_EQ(message["sender"], "bob@mod.uk");
    EXPECT_NE(message["rcptguard"].get<std::string>().find("hold lookalike-domain"),
              std::string::npos)
        << message.dump();
    EXPECT_GE(message["age_seconds"].get<long long>(), 0);
    bool has_carol = message["recipients"].dump().find("carol@army.mil") != std::string::npos;
    (has_carol ? release_id : discard_id) = message["queue_id"];
  }
  ASSERT_FALSE(release_id.empty());
  ASSERT_FALSE(discard_id.empty());

  std::string text = Quarantine(Path("conf"), "list", &status);
  EXPECT_NE(text.find(release_id), std::string::npos) << text;
  EXPECT_NE(text.find("from <bob@mod.uk>"), std::string::npos) << text;

  std::string shown = Quarantine(Path("conf"), "show " + release_id, &status);
  EXPECT_EQ(status, 0) << shown;
  EXPECT_NE(shown.find("X-Rcptguard:"), std::string::npos) << shown;

  // Held mail is not learned; released mail is: someone confirmed it.
  EXPECT_NE(CheckWithHistory("bob@mod.uk", "alice@army.ml").find("\"verdict\":\"reject\""),
            std::string::npos)
      << ReadAll(Path("check.out"));
  std::string released =
      Quarantine(Path("conf"), "-c " + Path("hold.toml") + " release " + release_id, &status);
  EXPECT_EQ(status, 0) << released;
  EXPECT_FALSE(WaitForDelivery("carol@army.mil").empty()) << ReadAll(Path("maillog"));
  EXPECT_NE(CheckWithHistory("bob@mod.uk", "alice@army.ml").find("\"verdict\":\"allow\""),
            std::string::npos)
      << ReadAll(Path("check.out"));

  std::string discarded = Quarantine(Path("conf"), "discard " + discard_id, &status);
  EXPECT_EQ(status, 0) << discarded;
  EXPECT_TRUE(WaitFor([&] { return Queue().find(discard_id) == std::string::npos; }));
  for (const std::string& message : Delivered()) {
    EXPECT_EQ(message.find("dave@army.ml"), std::string::npos);
  }

  std::string missing = Quarantine(Path("conf"), "release NOSUCHID", &status);
  EXPECT_EQ(status, 1);
  EXPECT_NE(missing.find("NOSUCHID is not in the hold queue"), std::string::npos) << missing;

  // Released once is released: a second release (a second click) is refused
  // and the message is not delivered again.
  std::string again = Quarantine(Path("conf"), "release " + release_id, &status);
  EXPECT_EQ(status, 1) << again;
  EXPECT_NE(again.find(release_id + " is not in the hold queue"), std::string::npos) << again;
  std::string undiscarded = Quarantine(Path("conf"), "discard " + discard_id, &status);
  EXPECT_EQ(status, 1) << undiscarded;
}

// The sender's links against the real hold queue: of concurrent clicks on
// "send anyway" exactly one releases the message, which is delivered once;
// the link then never works again; "cancel" deletes the other message.
TEST_F(PostfixTest, SenderLinkReleasesOnceUnderConcurrentClicksAndCancelDiscards) {
  WriteAll(Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n" +
               HistorySection());
  chmod(Path("hold.toml").c_str(), 0644);
  StartAll({"-c", Path("hold.toml")});
  Send("bob@mod.uk", "alice@army.ml,carol@army.mil");
  Send("bob@mod.uk", "dave@army.ml");
  rcptguard::Quarantine quarantine(rcptguard::PostfixQueue(Path("conf")),
                                   rcptguard::HoldDirectory(Path("history/held")));
  std::vector<rcptguard::HeldEntry> held;
  ASSERT_TRUE(WaitFor([&] {
    auto page = quarantine.List({}, {});
    if (!page || page->entries.size() != 2) return false;
    held = std::move(page->entries);
    return true;
  })) << Queue();
  std::array<unsigned char, rcptguard::LinkKey::kSize> bytes;
  bytes.fill(3);
  rcptguard::LinkKey key = rcptguard::LinkKey::FromBytes(bytes);
  auto link_for = [&](const rcptguard::HeldEntry& entry, rcptguard::LinkAction action) {
    rcptguard::LinkClaims claims;
    claims.action = action;
    claims.queue_id = entry.message.queue_id;
    claims.sender = entry.record->sender;
    for (const auto& verdict : entry.record->verdicts)
      claims.recipients.push_back(verdict.recipient);
    claims.expires_at = time(nullptr) + 3600;
    return rcptguard::SignLink(key, claims).token;
  };
  bool first_has_carol = held[0].message.recipients.size() == 2;
  const rcptguard::HeldEntry& to_release = first_has_carol ? held[0] : held[1];
  const rcptguard::HeldEntry& to_cancel = first_has_carol ? held[1] : held[0];
  std::string release = link_for(to_release, rcptguard::LinkAction::kRelease);
  auto store = rcptguard::OpenReviewStore("memory:");
  ASSERT_TRUE(store);
  std::atomic<int> released = 0, refused = 0;
  std::vector<std::thread> clicks;
  for (int i = 0; i < 4; ++i) {
    clicks.emplace_back([&] {
      auto done = rcptguard::ActOnSenderLink(quarantine, **store, key, release,
                                             rcptguard::LinkAction::kRelease, time(nullptr));
      ++(done ? released : refused);
    });
  }
  for (std::thread& click : clicks) click.join();
  EXPECT_EQ(released.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_FALSE(WaitForDelivery("carol@army.mil").empty()) << ReadAll(Path("maillog"));
  auto again = rcptguard::ActOnSenderLink(quarantine, **store, key, release,
                                          rcptguard::LinkAction::kRelease, time(nullptr));
  ASSERT_FALSE(again) << "a used link released again";
  // The message is checked first: it is gone, which is what the page says.
  EXPECT_EQ(again.error().kind, rcptguard::SenderLinkFailureKind::kGone) << again.error().message;
  auto wrong = rcptguard::ActOnSenderLink(quarantine, **store, key, release,
                                          rcptguard::LinkAction::kCancel, time(nullptr));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, rcptguard::SenderLinkFailureKind::kLink);

  auto cancelled = rcptguard::ActOnSenderLink(quarantine, **store, key,
                                              link_for(to_cancel, rcptguard::LinkAction::kCancel),
                                              rcptguard::LinkAction::kCancel, time(nullptr));
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_TRUE(
      WaitFor([&] { return Queue().find(to_cancel.message.queue_id) == std::string::npos; }));
  size_t carol_copies = 0;
  for (const std::string& message : Delivered()) {
    EXPECT_EQ(message.find("dave@army.ml"), std::string::npos);
    carol_copies += message.find("X-Rcpt-Args: <carol@army.mil>") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(carol_copies, 1u) << "released message delivered more than once";
  auto audit = (*store)->ListAudit(0, 10);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].action, "cancel");
  EXPECT_EQ((*audit)[1].action, "confirm");
  EXPECT_EQ((*audit)[1].actor, "bob@mod.uk");
}

// The whole sender loop through the real daemons: the milter holds a
// message, `rcptguard serve` notifies its sender through this Postfix (the
// notice goes to a look-alike address, so the milter would hold it, but it
// recognises its own notice and lets it through), the link's GET page acts
// on nothing, of concurrent POSTs exactly one releases, the message is
// delivered once, and the link never works again.
TEST_F(PostfixTest, ServeNotifiesTheSenderAndItsLinkReleasesExactlyOnce) {
  int serve_port = FreePort();
  std::string base = "http://127.0.0.1:" + std::to_string(serve_port);
  WriteAll(Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n"
           "[milter]\nhold_directory = \"" + Path("history/held") + "\"\n"
           "[serve]\nlink_key_file = \"" + Path("link-key") + "\"\n"
           "link_base = \"" + base + "\"\n"
           "notify_from = \"rcptguard@rcptguard-test.localdomain\"\n"
           "sendmail = [\"/usr/sbin/sendmail\", \"-C\", \"" + Path("conf") + "\"]\n"
           "postfix_config = \"" + Path("conf") + "\"\n"
           "scan_seconds = 1\n");
  chmod(Path("hold.toml").c_str(), 0644);
  ASSERT_EQ(Shell(std::string(RCPTGUARD_BINARY) + " serve --create-link-key -c " +
                  Path("hold.toml") + " > " + Path("key.out") + " 2>&1"),
            0)
      << ReadAll(Path("key.out"));
  // The milter runs as postfix and must read the key to know the notice.
  struct passwd* postfix = getpwnam("postfix");
  ASSERT_EQ(chown(Path("link-key").c_str(), postfix->pw_uid, postfix->pw_gid), 0);
  StartAll({"-c", Path("hold.toml")});
  pid_t serve = Spawn({RCPTGUARD_BINARY, "serve", "-f", "-c", Path("hold.toml"), "--listen",
                       "127.0.0.1:" + std::to_string(serve_port), "--tokens-file",
                       Path("tokens")},
                      Path("serve.log"));
  ASSERT_TRUE(WaitFor([&] { return Listening(serve_port); })) << ReadAll(Path("serve.log"));
  httplib::Client client("127.0.0.1", serve_port);
  client.set_read_timeout(30);

  Send("bob@army.ml", "alice@army.ml");
  std::string notice = WaitForDelivery("bob@army.ml");
  ASSERT_FALSE(notice.empty()) << ReadAll(Path("serve.log")) << ReadAll(Path("milter.log"))
                               << Queue();
  EXPECT_NE(notice.find("alice@army.ml"), std::string::npos) << notice;
  EXPECT_NE(notice.find("Did you mean alice@army.mil?"), std::string::npos) << notice;
  size_t at = notice.find(base + "/link/");
  ASSERT_NE(at, std::string::npos) << notice;
  size_t end = notice.find_first_of(" \r\n", at);
  std::string release = notice.substr(at + base.size(), end - at - base.size());
  EXPECT_NE(ReadAll(Path("milter.log")).find("notification of rcptguard serve: not held"),
            std::string::npos)
      << ReadAll(Path("milter.log"));

  // A GET (what a mail scanner does with a link) changes nothing.
  for (int i = 0; i < 2; ++i) {
    auto page = client.Get(release);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200) << page->body;
    EXPECT_NE(page->body.find("Send anyway"), std::string::npos) << page->body;
    EXPECT_NE(page->body.find("alice@army.ml"), std::string::npos) << page->body;
  }
  EXPECT_NE(Queue().find("\"queue_name\": \"hold\""), std::string::npos) << "a GET released it";

  std::atomic<int> released = 0, refused = 0;
  std::vector<std::thread> clicks;
  for (int i = 0; i < 4; ++i) {
    clicks.emplace_back([&] {
      httplib::Client own("127.0.0.1", serve_port);
      own.set_read_timeout(30);
      auto res = own.Post(release, std::string(), "application/x-www-form-urlencoded");
      ++(res && res->status == 200 ? released : refused);
    });
  }
  for (std::thread& click : clicks) click.join();
  EXPECT_EQ(released.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_FALSE(WaitForDelivery("alice@army.ml").empty()) << ReadAll(Path("maillog"));
  auto again = client.Post(release, std::string(), "application/x-www-form-urlencoded");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 410) << again->body;
  size_t copies = 0;
  for (const std::string& message : Delivered()) {
    copies += message.find("X-Rcpt-Args: <alice@army.ml>") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(copies, 1u) << "released message delivered more than once";
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("rcptguard_held_actions_total{action=\"release\",by=\"sender\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("rcptguard_notifications_total{result=\"sent\"} 1"),
            std::string::npos)
      << metrics->body;
  kill(serve, SIGTERM);
  int status;
  waitpid(serve, &status, 0);
}

// A held message nobody acts on gets the configured default at its expiry,
// exactly once: here "release", so it reaches the sink one time.
TEST_F(PostfixTest, ServeReleasesAnExpiredHoldOnce) {
  int serve_port = FreePort();
  WriteAll(Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n"
           "[milter]\nhold_directory = \"" + Path("history/held") + "\"\n"
           "[serve]\nlink_key_file = \"" + Path("link-key") + "\"\n"
           "postfix_config = \"" + Path("conf") + "\"\n"
           "hold_expiry_seconds = 2\nexpiry_action = \"release\"\nscan_seconds = 1\n");
  chmod(Path("hold.toml").c_str(), 0644);
  StartAll({"-c", Path("hold.toml")});
  Send("bob@mod.uk", "alice@army.ml");
  ASSERT_TRUE(WaitFor([&] { return Queue().find("\"queue_name\": \"hold\"") != std::string::npos; }))
      << Queue();
  pid_t serve = Spawn({RCPTGUARD_BINARY, "serve", "-f", "-c", Path("hold.toml"), "--listen",
                       "127.0.0.1:" + std::to_string(serve_port), "--tokens-file",
                       Path("tokens")},
                      Path("serve.log"));
  EXPECT_FALSE(WaitForDelivery("alice@army.ml").empty()) << ReadAll(Path("serve.log"));
  ASSERT_TRUE(WaitFor([&] {
    httplib::Client client("127.0.0.1", serve_port);
    auto metrics = client.Get("/metrics");
    return metrics && metrics->body.find("rcptguard_held_actions_total{action=\"release\","
                                         "by=\"expiry\"} 1") != std::string::npos;
  })) << ReadAll(Path("serve.log"));
  size_t copies = 0;
  for (const std::string& message : Delivered()) {
    copies += message.find("X-Rcpt-Args: <alice@army.ml>") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(copies, 1u);
  kill(serve, SIGTERM);
  int status;
  waitpid(serve, &status, 0);
}

TEST_F(PostfixTest, QuarantineTellsWhatRcptguardHeldFromWhatSomethingElseHeld) {
  // Postfix itself holds one message (a header_checks HOLD); rcptguard holds
  // the other. Only rcptguard's has a hold record, so only it is listed, and
  // only it can be released without --force.
  WriteAll(Path("header_checks"), "/^Subject: held by postfix/ HOLD\n");
  WriteAll(Path("conf/main.cf"), MainCf() + "header_checks = regexp:" + Path("header_checks") + "\n");
  WriteAll(Path("hold.toml"),
           "[actions]\nlookalike-domain = [{ min_score = 0.5, action = \"hold\" }]\n");
  chmod(Path("hold.toml").c_str(), 0644);
  StartAll({"-c", Path("hold.toml")});
  SendText("bob@mod.uk", "carol@army.mil", "held by postfix", "hello\n");
  Send("bob@mod.uk", "alice@army.ml");
  ASSERT_TRUE(WaitFor([&] {
    std::string queue = Queue();
    size_t first = queue.find("\"queue_name\": \"hold\"");
    return first != std::string::npos &&
           queue.find("\"queue_name\": \"hold\"", first + 1) != std::string::npos;
  })) << Queue() << ReadAll(Path("maillog"));

  int status = 0;
  std::string ours_text = Quarantine(Path("conf"), "list --format json", &status);
  ASSERT_EQ(status, 0) << ours_text;
  auto ours = nlohmann::json::parse(ours_text);
  ASSERT_EQ(ours.size(), 1u) << ours_text;
  EXPECT_TRUE(ours[0]["held_by_rcptguard"].get<bool>());
  ASSERT_EQ(ours[0]["verdicts"].size(), 1u) << ours_text;
  EXPECT_EQ(ours[0]["verdicts"][0]["recipient"], "alice@army.ml");
  EXPECT_EQ(ours[0]["verdicts"][0]["verdict"], "hold");
  EXPECT_EQ(ours[0]["verdicts"][0]["suggestion"], "alice@army.mil");
  std::string ours_id = ours[0]["queue_id"];
  EXPECT_TRUE(fs::exists(Path("history/held/" + ours_id + ".json")));

  auto all = nlohmann::json::parse(Quarantine(Path("conf"), "list --all --format json", &status));
  ASSERT_EQ(all.size(), 2u) << all.dump();
  std::string other_id;
  for (const auto& message : all) {
    if (!message["held_by_rcptguard"].get<bool>()) {
      other_id = message["queue_id"];
      EXPECT_TRUE(message["rcptguard"].is_null()) << message.dump();
    }
  }
  ASSERT_FALSE(other_id.empty());
  std::string text = Quarantine(Path("conf"), "list", &status);
  EXPECT_NE(text.find("1 more held by something else"), std::string::npos) << text;
  EXPECT_NE(text.find("alice@army.ml"), std::string::npos) << text;

  std::string refused = Quarantine(Path("conf"), "release " + other_id, &status);
  EXPECT_EQ(status, 1) << refused;
  EXPECT_NE(refused.find("was not held by rcptguard"), std::string::npos) << refused;
  std::string forced = Quarantine(Path("conf"), "release --force " + other_id, &status);
  EXPECT_EQ(status, 0) << forced;
  EXPECT_FALSE(WaitForDelivery("carol@army.mil").empty()) << ReadAll(Path("maillog"));

  std::string discarded = Quarantine(Path("conf"), "discard " + ours_id, &status);
  EXPECT_EQ(status, 0) << discarded;
  EXPECT_FALSE(fs::exists(Path("history/held/" + ours_id + ".json")));

  // A Postfix tool that fails is not "no such message".
  fs::create_directories(Path("empty/conf"));
  std::string broken = Quarantine(Path("empty/conf"), "list", &status);
  EXPECT_EQ(status, 3) << broken;
  EXPECT_NE(broken.find("postqueue"), std::string::npos) << broken;
}

// Sensitivity markings with the shipped example policies: marked mail only goes
// to accredited destinations; unmarked mail flows.
TEST_F(PostfixTest, UkMarkedMailToAMixedListIsHeldAndUnmarkedMailFlows) {
  StartAll({"-c", std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/uk-department.toml"});
  std::string plain = SendText("bob@mod.uk", "alice@cabinetoffice.gov.uk,carol@example.com",
                               "Lunch on Friday", "Shall we meet at noon?\n");
  EXPECT_NE(plain.find("queued as"), std::string::npos) << plain;
  EXPECT_FALSE(WaitForDelivery("carol@example.com").empty()) << ReadAll(Path("maillog"));

  std::string marked = SendText("bob@mod.uk", "alice@cabinetoffice.gov.uk,carol@example.com",
                                "OFFICIAL-SENSITIVE: budget figures",
                                "OFFICIAL-SENSITIVE\n\nThe draft figures are attached.\n");
  EXPECT_NE(marked.find("queued as"), std::string::npos) << marked;
  ASSERT_TRUE(WaitFor([&] {
    return Queue().find("\"queue_name\": \"hold\"") != std::string::npos;
  })) << Queue()
      << ReadAll(Path("milter.log"));
  int status = 0;
  std::string listed = Quarantine(Path("conf"), "list --format json", &status);
  ASSERT_EQ(status, 0) << listed;
  auto held = nlohmann::json::parse(listed);
  ASSERT_EQ(held.size(), 1u) << listed;
  std::string reason = held[0]["rcptguard"].get<std::string>();
  EXPECT_NE(reason.find("carol@example.com hold marking-destination OFFICIAL-SENSITIVE"),
            std::string::npos)
      << reason;
  EXPECT_EQ(reason.find("draft figures"), std::string::npos)
      << "the hold reason quotes the message";
  EXPECT_NE(ReadAll(Path("milter.log")).find("markings=OFFICIAL-SENSITIVE (subject)"),
            std::string::npos)
      << ReadAll(Path("milter.log"));
}

TEST_F(PostfixTest, UsSecretMailIsRefusedAtEndOfDataNamingTheMarkingAndTheRecipient) {
  StartAll({"-c", std::string(RCPTGUARD_SOURCE_DIR) + "/conf/examples/us-dod.toml"});
  std::string marked =
      SendText("jane.doe@army.mil", "john.roe@navy.mil,partner@example.com", "Weekly summary",
               "SECRET//NOFORN\n\nThe convoy leaves at dawn.\n\nSECRET//NOFORN\n");
  EXPECT_NE(marked.find("550 5.7.1 the message is marked"), std::string::npos)
      << marked << ReadAll(Path("milter.log"));
  EXPECT_NE(marked.find("partner@example.com is not an accredited destination"), std::string::npos)
      << marked;
  EXPECT_EQ(marked.find("5.7.1 the message is marked NOFORN; partner@example.com is not an "
                        "accredited destination for it (accredited: *.mil, *.gov); also"),
            std::string::npos)
      << "one recipient only: " << marked;
  // Refused for everyone: not delivered to the accredited recipient either.
  std::string unmarked = SendText("jane.doe@army.mil", "john.roe@navy.mil,partner@example.com",
                                  "Weekly summary", "Nothing to report.\n");
  EXPECT_NE(unmarked.find("queued as"), std::string::npos) << unmarked;
  EXPECT_FALSE(WaitForDelivery("partner@example.com").empty()) << ReadAll(Path("maillog"));
  for (const std::string& message : Delivered()) {
    EXPECT_EQ(message.find("convoy"), std::string::npos) << message;
  }
}

TEST_F(PostfixTest, SendmailSubmissionIsHeldNotRejected) {
  StartAll();
  std::string submit = "printf 'Subject: test\\n\\nhello\\n' | sendmail -C " + Path("conf") +
                       " -f bob@mod.uk alice@army.ml carol@army.mil";
  ASSERT_EQ(Shell(submit), 0);
  ASSERT_TRUE(WaitFor([&] {
    return Queue().find("\"queue_name\": \"hold\"") != std::string::npos;
  })) << Queue()
      << ReadAll(Path("maillog"));
  EXPECT_EQ(ReadAll(Path("maillog")).find("can't reject recipient"), std::string::npos);
  EXPECT_TRUE(Delivered().empty());
}

TEST_F(PostfixTest, InboundMailIsUntouched) {
  // Nothing counts as outbound: every message is accepted as it is.
  WriteAll(Path("inbound.toml"), "[outbound]\nauthenticated = false\nnetworks = []\n");
  chmod(Path("inbound.toml").c_str(), 0644);
  StartAll({"-c", Path("inbound.toml")});
  std::string conversation = Send("someone@example.org", "alice@army.ml");
  // swaks marks a refusal "<** 550 ..."; a bare "550" can be in the Message-Id.
  EXPECT_EQ(conversation.find("<** "), std::string::npos) << "got a refusal:\n" << conversation;
  EXPECT_NE(conversation.find("<-  250 2.1.5 Ok"), std::string::npos)
      << "want the recipient accepted:\n" << conversation;
  std::string delivered = WaitForDelivery("alice@army.ml");
  ASSERT_FALSE(delivered.empty()) << ReadAll(Path("maillog"));
  EXPECT_EQ(delivered.find("X-Rcptguard"), std::string::npos) << delivered;
}

TEST_F(PostfixTest, KillingTheMilterDuringABurstLosesNothingAndLetsNothingThroughUnchecked) {
  // With history on, the milter records the burst while it is killed.
  WriteAll(Path("history.toml"), HistorySection());
  chmod(Path("history.toml").c_str(), 0644);
  StartAll({"-c", Path("history.toml")});
  // 600 messages to a trusted domain and 600 to its look-alike, 5 sessions
  // each, while the milter process is killed with SIGKILL mid-burst.
  auto burst = [&](const std::string& to, const std::string& log) {
    return Spawn({"smtp-source", "-s", "5", "-m", "600", "-f", "bob@mod.uk", "-t", to,
                  "127.0.0.1:" + std::to_string(smtpd_port_)},
                 Path(log));
  };
  pid_t good = burst("carol@army.mil", "good.log");
  pid_t bad = burst("alice@army.ml", "bad.log");
  ASSERT_TRUE(WaitFor([&] { return Delivered().size() >= 100; })) << ReadAll(Path("maillog"));
  std::string children = Path("children");
  Shell("pgrep -P " + std::to_string(milter_) + " > " + children);
  pid_t child = std::atoi(ReadAll(children).c_str());
  ASSERT_GT(child, 0);
  kill(child, SIGKILL);
  for (pid_t source : {good, bad}) {
    int status;
    waitpid(source, &status, 0);
  }
  // Everything Postfix accepted leaves the queue: nothing is stuck or lost.
  ASSERT_TRUE(WaitFor([&] { return Queue().find("queue_id") == std::string::npos; })) << Queue();
  std::vector<std::string> delivered = Delivered();
  size_t accepted = 0;
  std::string maillog = ReadAll(Path("maillog"));
  for (size_t at = maillog.find("postfix/qmgr"); at != std::string::npos;
       at = maillog.find("postfix/qmgr", at + 1)) {
    size_t end = maillog.find('\n', at);
    if (maillog.substr(at, end - at).find("from=<bob@mod.uk>") != std::string::npos) ++accepted;
  }
  EXPECT_EQ(delivered.size(), accepted) << "accepted and delivered differ";
  std::cout << "burst: " << accepted << " messages accepted and delivered, all checked\n";
  EXPECT_GT(delivered.size(), 100u);
  for (const std::string& message : delivered) {
    // Nothing unchecked: every delivered message went through rcptguard, and
    // no look-alike recipient got through.
    ASSERT_NE(message.find("X-Rcptguard: checked"), std::string::npos) << message;
    ASSERT_EQ(message.find("X-Rcpt-Args: <alice@army.ml>"), std::string::npos) << message;
  }
  EXPECT_NE(ReadAll(Path("milter.log")).find("milter process died (signal 9)"), std::string::npos);
  // And the guard is back: a new message is checked and delivered.
  size_t before = Delivered().size();
  Send("bob@mod.uk", "dave@army.mil");
  EXPECT_TRUE(WaitFor([&] { return Delivered().size() == before + 1; }));
  // The history database survived the kill intact, and holds what was learned.
  Shell("sqlite3 " + Path("history/history.db") + " 'PRAGMA integrity_check' > " +
        Path("integrity.out") + " 2>&1");
  EXPECT_EQ(ReadAll(Path("integrity.out")), "ok\n");
  EXPECT_TRUE(WaitFor([&] {
    return CheckWithHistory("bob@mod.uk", "carol@army.mil").find("\"verdict\":\"allow\"") !=
           std::string::npos;
  })) << ReadAll(Path("check.out"));
  Shell("sqlite3 " + Path("history/history.db") +
        " \"select messages from pairs where recipient = 'carol@army.mil'\" > " +
        Path("count.out") + " 2>&1");
  EXPECT_GT(std::atoi(ReadAll(Path("count.out")).c_str()), 0) << ReadAll(Path("count.out"));
}

TEST_F(PostfixTest, InternationalisedLookalikeOverSmtputf8IsRefused) {
  StartAll();
  // "аrmy.mil" with a Cyrillic а, as an SMTPUTF8 client sends it.
  std::string replies = Converse({"EHLO client.test", "MAIL FROM:<bob@mod.uk> SMTPUTF8",
                                  "RCPT TO:<alice@\xd0\xb0rmy.mil>", "QUIT"});
  EXPECT_NE(replies.find("550 5.7.1 recipient domain xn--rmy-5cd.mil looks like a mistyping of "
                         "army.mil; did you mean alice@army.mil? Not sent."),
            std::string::npos)
      << replies;
}

TEST_F(PostfixTest, AHungMilterMakesPostfixTempfailAndMailFlowsAgainAfterwards) {
  WriteAll(Path("conf/main.cf"), MainCf() + "milter_command_timeout = 3s\n");
  StartAll();
  std::string children = Path("children");
  Shell("pgrep -P " + std::to_string(milter_) + " > " + children);
  pid_t child = std::atoi(ReadAll(children).c_str());
  ASSERT_GT(child, 0);
  kill(child, SIGSTOP);
  std::string stalled = Send("bob@mod.uk", "carol@army.mil");
  EXPECT_NE(stalled.find("451 4.7.1"), std::string::npos) << stalled;
  EXPECT_TRUE(Delivered().empty());
  kill(child, SIGCONT);
  std::string flowing = Send("bob@mod.uk", "carol@army.mil");
  EXPECT_NE(flowing.find("queued as"), std::string::npos) << flowing;
  EXPECT_FALSE(WaitForDelivery("carol@army.mil").empty());
}

TEST_F(PostfixTest, MilterDownMeansTempfailNotUncheckedDelivery) {
  StartAll();
  Stop(milter_);
  milter_ = -1;
  std::string conversation = Send("bob@mod.uk", "alice@army.ml");
  // milter_default_action = tempfail: the sender is told to retry.
  EXPECT_NE(conversation.find("451 4.7.1"), std::string::npos) << conversation;
  EXPECT_TRUE(Delivered().empty());
}

}  // namespace
