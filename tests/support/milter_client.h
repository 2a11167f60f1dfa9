// The MTA side of the milter protocol (version 6, as libmilter and Postfix
// speak it), for black-box tests of `rcptguard milter`: every step, every
// size of packet, out-of-order and malformed phases, which Debian's
// miltertest cannot send (it crashes on header values of about 60 KB).
// It honours what the filter negotiates: steps the filter declines are not
// sent, and steps it asked not to answer are not waited for.
#ifndef RCPTGUARD_TESTS_SUPPORT_MILTER_CLIENT_H_
#define RCPTGUARD_TESTS_SUPPORT_MILTER_CLIENT_H_

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rcptguard::testing_support {

// What the filter answered to one step, with the modifications it asked for
// before answering (at end of message).
struct MilterReply {
  // 'c' continue, 'a' accept, 'r' reject, 't' tempfail, 'd' discard, 'y' a
  // reply code (text in `text`), 's' skip; 0: no reply (the step was not
  // answered by negotiation, or not sent); 'E': the connection failed.
  char code = 0;
  std::string text;  // for 'y': "550 5.7.1 ..."
  // End of message: each modification as (code, data): 'h' add header
  // ("name\0value"), 'm' change header (index, then "name\0value"; empty
  // value deletes), 'q' quarantine (the reason), 'i' insert header.
  std::vector<std::pair<char, std::string>> modifications;

  bool has(char modification) const {
    for (const auto& [kind, data] : modifications)
      if (kind == modification) return true;
    return false;
  }
};

class MilterClient {
 public:
  // Protocol step flags (libmilter's mfdef.h).
  static constexpr uint32_t kNoConnect = 0x1, kNoHelo = 0x2, kNoMail = 0x4, kNoRcpt = 0x8,
                            kNoBody = 0x10, kNoHeaders = 0x20, kNoEoh = 0x40, kNoReplyHeader = 0x80,
                            kNoUnknown = 0x100, kNoData = 0x200, kNoReplyConnect = 0x1000,
                            kNoReplyHelo = 0x2000, kNoReplyMail = 0x4000, kNoReplyRcpt = 0x8000,
                            kNoReplyData = 0x10000, kNoReplyEoh = 0x40000,
                            kNoReplyBody = 0x80000;
  static constexpr uint32_t kAllSteps = 0x1fffff;
  static constexpr uint32_t kAllActions = 0x1ff;

  MilterClient() = default;
  ~MilterClient() { Close(); }
  MilterClient(const MilterClient&) = delete;
  MilterClient& operator=(const MilterClient&) = delete;

  // Connects to a unix socket path and negotiates (offering every action and
  // every step). Returns false on failure (see error()).
  bool Open(const std::string& path, int timeout_ms = 30000) {
    timeout_ms_ = timeout_ms;
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) return Fail("socket path too long");
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return Fail(std::string("connect: ") + std::strerror(errno));
    }
    std::string offer = U32(6) + U32(kAllActions) + U32(kAllSteps);
    if (!Send('O', offer)) return false;
    char code = 0;
    std::string data;
    if (!Receive(&code, &data) || code != 'O' || data.size() < 12) {
      return Fail("no option negotiation reply");
    }
    actions_ = ReadU32(data, 4);
    steps_ = ReadU32(data, 8);
    return true;
  }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  uint32_t steps() const { return steps_; }
  uint32_t actions() const { return actions_; }
  const std::string& error() const { return error_; }

  // Macros for the next step (`step`: 'C', 'M', 'R', 'N', 'E', ...).
  bool Macros(char step, const std::vector<std::pair<std::string, std::string>>& macros) {
    std::string data(1, step);
    for (const auto& [name, value] : macros) data += name + '\0' + value + '\0';
    return Send('D', data);
  }

  // family: '4', '6', 'L' (unix socket) or 'U' (unknown: no port, no address).
  MilterReply Connect(const std::string& host, char family, uint16_t port,
                      const std::string& address) {
    std::string data = host + '\0' + family;
    if (family != 'U') data += U16(port) + address + '\0';
    return Step('C', data, kNoConnect, kNoReplyConnect);
  }
  MilterReply Helo(const std::string& name) {
    return Step('H', name + '\0', kNoHelo, kNoReplyHelo);
  }
  // `args[0]` is the address as the MTA gives it ("<bob@mod.uk>").
  MilterReply Mail(const std::vector<std::string>& args) {
    return Step('M', Join(args), kNoMail, kNoReplyMail);
  }
  MilterReply Rcpt(const std::vector<std::string>& args) {
    return Step('R', Join(args), kNoRcpt, kNoReplyRcpt);
  }
  MilterReply Data() { return Step('T', "", kNoData, kNoReplyData); }
  MilterReply Header(const std::string& name, const std::string& value) {
    return Step('L', name + '\0' + value + '\0', kNoHeaders, kNoReplyHeader);
  }
  MilterReply EndOfHeaders() { return Step('N', "", kNoEoh, kNoReplyEoh); }
  MilterReply Body(const std::string& chunk) { return Step('B', chunk, kNoBody, kNoReplyBody); }
  // Reads modifications until the final answer.
  MilterReply EndOfMessage() {
    MilterReply reply;
    if (!Send('E', "")) return Broken();
    while (true) {
      char code = 0;
      std::string data;
      if (!Receive(&code, &data)) return Broken();
      if (code == 'p') continue;  // progress: keep waiting
      if (code == 'h' || code == 'm' || code == 'q' || code == 'i' || code == '+' ||
          code == '-' || code == 'b' || code == 'e' || code == '2') {
        reply.modifications.emplace_back(code, data);
        continue;
      }
      reply.code = code;
      if (code == 'y') reply.text = data.substr(0, data.find('\0'));
      return reply;
    }
  }
  bool Abort() { return Send('A', ""); }
  bool Quit() { return Send('Q', ""); }

  // Sends a raw packet (for malformed input); with `answer`, reads one reply.
  MilterReply Raw(char command, const std::string& data, bool answer) {
    if (!Send(command, data)) return Broken();
    return answer ? ReadReply() : MilterReply{};
  }

 private:
  static std::string U32(uint32_t value) {
    uint32_t net = htonl(value);
    return std::string(reinterpret_cast<const char*>(&net), 4);
  }
  static std::string U16(uint16_t value) {
    uint16_t net = htons(value);
    return std::string(reinterpret_cast<const char*>(&net), 2);
  }
  static uint32_t ReadU32(const std::string& data, size_t at) {
    uint32_t net;
    std::memcpy(&net, data.data() + at, 4);
    return ntohl(net);
  }
  static std::string Join(const std::vector<std::string>& args) {
    std::string data;
    for (const std::string& arg : args) data += arg + '\0';
    return data;
  }

  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  MilterReply Broken() {
    MilterReply reply;
    reply.code = 'E';
    return reply;
  }

  MilterReply Step(char command, const std::string& data, uint32_t skipped, uint32_t silent) {
    if (steps_ & skipped) return {};  // the filter declined this step
    if (!Send(command, data)) return Broken();
    if (steps_ & silent) return {};
    return ReadReply();
  }

  MilterReply ReadReply() {
    MilterReply reply;
    char code = 0;
    std::string data;
    do {
      if (!Receive(&code, &data)) return Broken();
    } while (code == 'p');
    reply.code = code;
    if (code == 'y') reply.text = data.substr(0, data.find('\0'));
    return reply;
  }

  bool Send(char command, const std::string& data) {
    if (fd_ < 0) return Fail("not connected");
    std::string packet = U32(static_cast<uint32_t>(data.size() + 1)) + command + data;
    size_t sent = 0;
    while (sent < packet.size()) {
      ssize_t n = send(fd_, packet.data() + sent, packet.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail(std::string("send: ") + std::strerror(errno));
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  bool ReadExactly(char* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      pollfd wait = {fd_, POLLIN, 0};
      if (poll(&wait, 1, timeout_ms_) <= 0) return Fail("no answer within the timeout");
      ssize_t r = read(fd_, out + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return Fail("the filter closed the connection");
      got += static_cast<size_t>(r);
    }
    return true;
  }

  bool Receive(char* code, std::string* data) {
    char header[4];
    if (!ReadExactly(header, 4)) return false;
    uint32_t length;
    std::memcpy(&length, header, 4);
    length = ntohl(length);
    if (length == 0 || length > (64u << 20)) return Fail("bad packet length");
    std::string packet(length, '\0');
    if (!ReadExactly(packet.data(), length)) return false;
    *code = packet[0];
    *data = packet.substr(1);
    return true;
  }

  int fd_ = -1;
  int timeout_ms_ = 30000;
  uint32_t actions_ = 0;
  uint32_t steps_ = 0;
  std::string error_;
};

}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_MILTER_CLIENT_H_
