// Link tokens: base64url(payload) "." base64url(HMAC(payload)). The payload
// is a version byte, the action, the expiry and length-prefixed strings, so
// no field can bleed into the next (a sender ending in the queue id's bytes
// cannot make a different message's link).
#include "quarantine/confirm_link.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace rcptguard {
namespace {

constexpr unsigned char kVersion = 1;
constexpr size_t kLinkIdBytes = 16;
// Far above any real link (a few recipients), far below what could hurt.
constexpr size_t kMaxTokenSize = 16 * 1024;

void EnsureSodium() {
  // Idempotent and thread-safe; it fails only without a source of randomness.
  if (sodium_init() < 0) std::abort();
}

std::string Base64Url(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t size = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &size, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

void PutU32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(value >> shift));
}
void PutString(std::string_view value, std::string* out) {
  PutU32(static_cast<uint32_t>(value.size()), out);
  out->append(value);
}

// Reads the payload back; nullopt on anything short or left over.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view data) : data_(data) {}
  bool U8(unsigned char* value) {
    if (data_.empty()) return false;
    *value = static_cast<unsigned char>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* value) {
    if (data_.size() < 4) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) *value = (*value << 8) | static_cast<unsigned char>(data_[i]);
    data_.remove_prefix(4);
    return true;
  }
  bool I64(int64_t* value) {
    uint32_t high, low;
    if (!U32(&high) || !U32(&low)) return false;
    *value = static_cast<int64_t>((static_cast<uint64_t>(high) << 32) | low);
    return true;
  }
  bool String(std::string* value) {
    uint32_t size;
    if (!U32(&size) || data_.size() < size) return false;
    value->assign(data_.substr(0, size));
    data_.remove_prefix(size);
    return true;
  }
  bool AtEnd() const { return data_.empty(); }

 private:
  std::string_view data_;
};

std::string Payload(const LinkClaims& claims) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(claims.action == LinkAction::kRelease ? 'r' : 'c');
  uint64_t expires = static_cast<uint64_t>(claims.expires_at);
  PutU32(static_cast<uint32_t>(expires >> 32), &out);
  PutU32(static_cast<uint32_t>(expires), &out);
  PutString(claims.link_id, &out);
  PutString(claims.queue_id, &out);
  PutString(claims.sender, &out);
  PutU32(static_cast<uint32_t>(claims.recipients.size()), &out);
  for (const std::string& recipient : claims.recipients) PutString(recipient, &out);
  return out;
}

std::optional<LinkClaims> ParsePayload(std::string_view data) {
  PayloadReader reader(data);
  unsigned char version, action;
  LinkClaims claims;
  uint32_t count;
  if (!reader.U8(&version) || version != kVersion || !reader.U8(&action) ||
      (action != 'r' && action != 'c') || !reader.I64(&claims.expires_at) ||
      !reader.String(&claims.link_id) || !reader.String(&claims.queue_id) ||
      !reader.String(&claims.sender) || !reader.U32(&count) || count > data.size()) {
    return std::nullopt;
  }
  claims.action = action == 'r' ? LinkAction::kRelease : LinkAction::kCancel;
  for (uint32_t i = 0; i < count; ++i) {
    std::string recipient;
    if (!reader.String(&recipient)) return std::nullopt;
    claims.recipients.push_back(std::move(recipient));
  }
  if (!reader.AtEnd()) return std::nullopt;
  return claims;
}

UnexpectedOf<LinkFailure> Fail(LinkFailureKind kind, std::string message) {
  return UnexpectedError(LinkFailure{kind, std::move(message)});
}

}  // namespace

std::string_view LinkActionName(LinkAction action) {
  return action == LinkAction::kRelease ? "release" : "cancel";
}

Result<LinkKey> LinkKey::Load(const std::string& path) {
  EnsureSodium();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kConfig, "cannot read the link key " + path + ": " +
                                             std::strerror(errno) +
                                             " (rcptguard serve --create-link-key makes one)");
  }
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return MakeError(ErrorCode::kConfig, "the link key " + path + " is not a regular file");
  }
  if ((info.st_mode & 0007) != 0) {
    close(fd);
    return MakeError(ErrorCode::kConfig, "the link key " + path +
                                             " can be read or written by others (chmod 600 it): "
                                             "anyone could forge release links");
  }
  LinkKey key;
  unsigned char extra;
  ssize_t n = read(fd, key.bytes_.data(), kSize);
  ssize_t more = n == static_cast<ssize_t>(kSize) ? read(fd, &extra, 1) : 0;
  close(fd);
  if (n != static_cast<ssize_t>(kSize) || more != 0) {
    return MakeError(ErrorCode::kConfig, "the link key " + path + " must hold exactly " +
                                             std::to_string(kSize) + " bytes");
  }
  return key;
}

Result<void> LinkKey::Create(const std::string& path) {
  EnsureSodium();
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kIo,
                     "cannot create the link key " + path + ": " + std::strerror(errno));
  }
  std::array<unsigned char, kSize> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  ssize_t n = write(fd, bytes.data(), bytes.size());
  sodium_memzero(bytes.data(), bytes.size());
  if (n != static_cast<ssize_t>(kSize) || fsync(fd) != 0 || close(fd) != 0) {
    int error = errno;
    unlink(path.c_str());
    return MakeError(ErrorCode::kIo,
                     "cannot write the link key " + path + ": " + std::strerror(error));
  }
  return {};
}

LinkKey LinkKey::FromBytes(const std::array<unsigned char, kSize>& bytes) {
  EnsureSodium();
  LinkKey key;
  key.bytes_ = bytes;
  return key;
}

LinkKey::LinkKey(LinkKey&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), kSize);
}
LinkKey& LinkKey::operator=(LinkKey&& other) noexcept {
  bytes_ = other.bytes_;
  sodium_memzero(other.bytes_.data(), kSize);
  return *this;
}
LinkKey::~LinkKey() { sodium_memzero(bytes_.data(), kSize); }

SignedLink SignLink(const LinkKey& key, LinkClaims claims) {
  if (claims.link_id.empty()) {
    unsigned char id[kLinkIdBytes];
    randombytes_buf(id, sizeof(id));
    claims.link_id = Base64Url(id, sizeof(id));
  }
  std::string payload = Payload(claims);
  unsigned char mac[crypto_auth_BYTES];
  crypto_auth(mac, reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
              key.data());
  std::string token =
      Base64Url(reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) + "." +
      Base64Url(mac, sizeof(mac));
  return SignedLink{std::move(token), std::move(claims)};
}

Expected<LinkClaims, LinkFailure> VerifyLink(const LinkKey& key, std::string_view token,
                                                 LinkAction expected, int64_t now) {
  constexpr const char* kBroken = "This link is incomplete or broken; copy the whole link.";
  if (token.size() > kMaxTokenSize) return Fail(LinkFailureKind::kMalformed, kBroken);
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return Fail(LinkFailureKind::kMalformed, kBroken);
  auto payload = FromBase64Url(token.substr(0, dot));
  auto mac = FromBase64Url(token.substr(dot + 1));
  if (!payload || !mac) return Fail(LinkFailureKind::kMalformed, kBroken);
  if (mac->size() != crypto_auth_BYTES) return Fail(LinkFailureKind::kMalformed, kBroken);
  if (crypto_auth_verify(reinterpret_cast<const unsigned char*>(mac->data()),
                         reinterpret_cast<const unsigned char*>(payload->data()), payload->size(),
                         key.data()) != 0) {
    return Fail(LinkFailureKind::kTampered, "This link is not valid: it was altered.");
  }
  auto claims = ParsePayload(*payload);
  if (!claims) return Fail(LinkFailureKind::kMalformed, kBroken);
  if (claims->action != expected) {
    return Fail(LinkFailureKind::kWrongAction,
                "This link is for " + std::string(LinkActionName(claims->action)) + ", not " +
                    std::string(LinkActionName(expected)) + ".");
  }
  if (now >= claims->expires_at) {
    return Fail(LinkFailureKind::kExpired, "This link has expired.");
  }
  return std::move(*claims);
}

bool LinkMatchesHold(const LinkClaims& claims, const HoldRecord& record) {
  if (claims.queue_id != record.queue_id || claims.sender != record.sender) return false;
  return std::all_of(
      claims.recipients.begin(), claims.recipients.end(), [&](const std::string& recipient) {
        return std::any_of(record.verdicts.begin(), record.verdicts.end(),
                           [&](const Verdict& v) { return v.recipient == recipient; });
      });
}

}  // namespace rcptguard
