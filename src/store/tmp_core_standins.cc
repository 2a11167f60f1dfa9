// TEMPORARY stand-ins for src/core/history.cc (being written on main) so the
// store links. Delete when main's lands.
#include <algorithm>
#include <cctype>
#include <functional>
#include <sstream>

#include "rcptguard/history.h"

namespace rcptguard {

Result<std::string> CanonicalAddress(std::string_view address) {
  auto parsed = ParseAddress(address);
  if (!parsed) return tl::unexpected(parsed.error());
  return CanonicalAddress(*parsed);
}

std::string CanonicalAddress(const Address& address) {
  std::string local = address.local_part;
  for (char& c : local) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return local + "@" + address.domain.ascii;
}

std::string NormalizeDisplayName(std::string_view display_name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : display_name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  std::sort(words.begin(), words.end());
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

HistoryKeyer::HistoryKeyer() = default;

Result<HistoryKeyer> HistoryKeyer::Hashed(std::string_view secret) {
  if (secret.size() < 16) return MakeError(ErrorCode::kInvalidArgument, "secret too short");
  HistoryKeyer keyer;
  keyer.hashed_ = true;
  for (size_t i = 0; i < secret.size(); ++i) keyer.address_key_[i % 32] ^= secret[i];
  return keyer;
}

std::string HistoryKeyer::Key(std::string_view text) const {
  if (!hashed_) return std::string(text);
  std::string salted(reinterpret_cast<const char*>(address_key_.data()), 32);
  salted.append(text);
  char out[80];
  size_t h1 = std::hash<std::string>()(salted);
  size_t h2 = std::hash<std::string>()(salted + "x");
  std::snprintf(out, sizeof(out), "%016zx%016zx%016zx%016zx", h1, h2, h1 ^ 0x5555, h2 ^ 0xaaaa);
  return out;
}

std::vector<uint32_t> HistoryKeyer::LocalPartDigests(std::string_view local_part) const {
  std::vector<uint32_t> out;
  if (local_part.size() < 4) return out;
  auto h = [](std::string_view s) {
    return static_cast<uint32_t>(std::hash<std::string_view>()(s));
  };
  out.push_back(h(local_part));
  for (size_t i = 0; i < local_part.size(); ++i) {
    std::string s(local_part);
    s.erase(i, 1);
    out.push_back(h(s));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace rcptguard
