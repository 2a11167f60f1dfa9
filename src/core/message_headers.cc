// Header-block parsing for the mbox and Maildir readers. The block is walked
// line by line here (cheap, and only the eight fields history needs are kept);
// GMime parses the address lists and dates, which is where the hard cases are.
#include "rcptguard/message_headers.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "rcptguard/ascii.h"

namespace rcptguard {
namespace {

// GMime keeps global tables (charsets, iconv cache); initialised once per
// process, never shut down (the process exit frees them).
void EnsureGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

bool IsWsp(char c) { return c == ' ' || c == '\t'; }
bool IsSpace(char c) { return IsWsp(c) || c == '\r' || c == '\n'; }

enum class Field { kOther, kFrom, kSender, kReturnPath, kTo, kCc, kBcc, kMessageId, kDate };

Field FieldFromName(std::string_view name) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"from", Field::kFrom},
      {"sender", Field::kSender},
      {"return-path", Field::kReturnPath},
      {"to", Field::kTo},
      {"cc", Field::kCc},
      {"bcc", Field::kBcc},
      {"message-id", Field::kMessageId},
      {"date", Field::kDate},
  };
  for (const auto& [field_name, field] : kFields) {
    if (EqualsIgnoreCase(name, field_name)) return field;
  }
  return Field::kOther;
}

// The unfolded values of the fields history reads. Unfolding (RFC 5322 2.2.3)
// removes only the line break; the whitespace that starts the next line stays.
struct FieldValues {
  std::string from, sender, return_path, recipients, message_id, date;
  bool has_from = false, has_sender = false, has_return_path = false;
  bool has_message_id = false, has_date = false;
};

// The string a field's value is collected into, or null for the fields not
// kept. Only the first From/Sender/Return-Path/Message-ID/Date counts; every
// To, Cc and Bcc is appended to one comma-separated list.
std::string* Target(Field field, FieldValues* values) {
  auto first = [](bool* seen, std::string* value) -> std::string* {
    if (*seen) return nullptr;
    *seen = true;
    return value;
  };
  switch (field) {
    case Field::kFrom:
      return first(&values->has_from, &values->from);
    case Field::kSender:
      return first(&values->has_sender, &values->sender);
    case Field::kReturnPath:
      return first(&values->has_return_path, &values->return_path);
    case Field::kMessageId:
      return first(&values->has_message_id, &values->message_id);
    case Field::kDate:
      return first(&values->has_date, &values->date);
    case Field::kTo:
    case Field::kCc:
    case Field::kBcc:
      if (!values->recipients.empty()) values->recipients.append(", ");
      return &values->recipients;
    case Field::kOther:
      return nullptr;
  }
  return nullptr;
}

void SplitFields(std::string_view headers, FieldValues* values) {
  std::string* current = nullptr;  // the value a continuation line extends
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t end = headers.find('\n', pos);
    if (end == std::string_view::npos) end = headers.size();
    std::string_view line = headers.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the caller passed more than the block
    if (IsWsp(line.front())) {
      if (current != nullptr) current->append(line);
      continue;
    }
    // field-name = 1*(%d33-57 / %d59-126), then optional WSP (obsolete
    // syntax) and ':'. Anything else is not a field: ignored, and it ends the
    // field before it.
    size_t colon = line.find(':');
    current = nullptr;
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && IsWsp(name.back())) name.remove_suffix(1);
    bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return static_cast<unsigned char>(c) > 32 && static_cast<unsigned char>(c) < 127;
    });
    if (!valid) continue;
    current = Target(FieldFromName(name), values);
    if (current != nullptr) current->append(line.substr(colon + 1));
  }
}

// Calls `visit(mailbox)` for every mailbox of `list`, descending into groups.
template <typename Visit>
void ForEachMailbox(InternetAddressList* list, const Visit& visit) {
  if (list == nullptr) return;
  int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(address)) {
      ForEachMailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), visit);
    } else if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      if (!visit(INTERNET_ADDRESS_MAILBOX(address))) return;
    }
  }
}

// Owns what internet_address_list_parse returns.
struct ListDeleter {
  void operator()(InternetAddressList* list) const { g_object_unref(list); }
};
using AddressList = std::unique_ptr<InternetAddressList, ListDeleter>;

AddressList ParseList(const std::string& value) {
  // GMime takes a C string, and a NUL would silently end the list there,
  // hiding every address after it. A NUL is malformed input: it becomes
  // DEL, a control character no address may contain, so the address that
  // held it is reported invalid and the ones after it are still read.
  std::string text = value;
  std::replace(text.begin(), text.end(), '\0', '\x7f');
  // NULL options: GMime's defaults (loose RFC compliance, UTF-8 then
  // ISO-8859-1 for undeclared 8-bit text).
  return AddressList(internet_address_list_parse(nullptr, text.c_str()));
}

std::string_view MailboxAddress(InternetAddressMailbox* mailbox) {
  const char* addr = internet_address_mailbox_get_addr(mailbox);
  return addr == nullptr ? std::string_view() : std::string_view(addr);
}

// The first mailbox address with an '@' in `value`, or empty.
std::string FirstAddress(const std::string& value) {
  std::string found;
  AddressList list = ParseList(value);
  ForEachMailbox(list.get(), [&](InternetAddressMailbox* mailbox) {
    std::string_view addr = MailboxAddress(mailbox);
    if (addr.find('@') == std::string_view::npos) return true;
    found.assign(addr);
    return false;
  });
  return found;
}

// "<abc@x>" from " <abc@x> (comment)"; a bare "abc@x" is kept as written.
std::string MessageIdKey(std::string_view value) {
  value = Trim(value);
  size_t open = value.find('<');
  if (open != std::string_view::npos) {
    size_t close = value.find('>', open);
    if (close != std::string_view::npos && close > open + 1) {
      return std::string(value.substr(open, close - open + 1));
    }
  }
  size_t end = 0;
  while (end < value.size() && !IsWsp(value[end])) ++end;
  std::string_view id = value.substr(0, end);
  // "<>" or "<" names no message: as good as no Message-ID (a shared key
  // would make every such message look learned already).
  if (id.find_first_not_of("<>") == std::string_view::npos) return {};
  return std::string(id);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<int64_t> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::optional<HeaderEnd> FindHeaderEnd(std::string_view data, size_t max_bytes) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (pos > max_bytes) return std::nullopt;
    if (data[pos] == '\n') return HeaderEnd{pos, pos + 1};
    if (data[pos] == '\r' && pos + 1 < data.size() && data[pos + 1] == '\n') {
      return HeaderEnd{pos, pos + 2};
    }
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    if (nl == nullptr) break;
    pos = static_cast<size_t>(static_cast<const char*>(nl) - data.data()) + 1;
  }
  if (data.size() > max_bytes) return std::nullopt;
  return HeaderEnd{data.size(), data.size()};
}

HeaderOutcome ParseMessageHeaders(std::string_view headers, SentMessage* message) {
  EnsureGMime();
  FieldValues values;
  SplitFields(headers, &values);

  message->key = values.has_message_id ? MessageIdKey(values.message_id) : std::string();
  message->time = 0;
  if (values.has_date) {
    std::string date(Trim(values.date));
    if (GDateTime* parsed = g_mime_utils_header_decode_date(date.c_str())) {
      message->time = g_date_time_to_unix(parsed);
      g_date_time_unref(parsed);
    }
  }

  message->sender.clear();
  if (values.has_from) message->sender = FirstAddress(values.from);
  if (message->sender.empty() && values.has_sender) message->sender = FirstAddress(values.sender);
  if (message->sender.empty() && values.has_return_path) {
    message->sender = FirstAddress(values.return_path);
  }

  message->recipients.clear();
  if (!values.recipients.empty()) {
    AddressList list = ParseList(values.recipients);
    std::unordered_set<std::string> seen;
    ForEachMailbox(list.get(), [&](InternetAddressMailbox* mailbox) {
      std::string_view addr = MailboxAddress(mailbox);
      if (addr.find('@') == std::string_view::npos) return true;
      const char* name = internet_address_get_name(INTERNET_ADDRESS(mailbox));
      std::string_view display = name == nullptr ? std::string_view() : Trim(name);
      if (!seen.insert(AsciiLower(addr)).second) {
        // Already listed: keep its first display name unless it had none.
        for (SentRecipient& r : message->recipients) {
          if (r.display_name.empty() && EqualsIgnoreCase(r.address, addr)) {
            r.display_name.assign(display);
          }
        }
        return true;
      }
      message->recipients.push_back(SentRecipient{std::string(addr), std::string(display)});
      return true;
    });
    // A NUL in a list is malformed input, not the end of the list: the entry
    // that holds it is kept as written (NUL included), so that whoever checks
    // the recipients reports it as an invalid address rather than never
    // seeing it.
    std::string_view all = values.recipients;
    for (size_t nul = all.find('\0'); nul != std::string_view::npos;
         nul = all.find('\0', nul + 1)) {
      size_t start = all.find_last_of(",", nul);
      start = start == std::string_view::npos ? 0 : start + 1;
      size_t end = all.find(',', nul);
      std::string_view entry = Trim(all.substr(start, end == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : end - start));
      if (size_t open = entry.rfind('<'); open != std::string_view::npos) {
        entry = entry.substr(open + 1, entry.find('>', open) - open - 1);
      }
      // As for every entry, one without '@' is a local user name: left out.
      if (entry.find('@') != std::string_view::npos) {
        message->recipients.push_back(SentRecipient{std::string(entry), std::string()});
      }
      nul = end == std::string_view::npos ? all.size() - 1 : end;
    }
  }

  if (message->sender.empty()) return HeaderOutcome::kNoSender;
  if (message->recipients.empty()) return HeaderOutcome::kNoRecipients;
  return HeaderOutcome::kMessage;
}

std::optional<int64_t> ParseClock(std::string_view s) {
  int parts[3] = {0, 0, 0};
  int count = 0;
  size_t i = 0;
  while (count < 3) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i]) && i - start < 2) {
      parts[count] = parts[count] * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return std::nullopt;
    ++count;
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
  }
  if (count < 2 || i != s.size() || parts[0] > 23 || parts[1] > 59 || parts[2] > 60) {
    return std::nullopt;
  }
  return parts[0] * 3600 + parts[1] * 60 + parts[2];
}

int MonthFromName(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; ++i) {
    if (EqualsIgnoreCase(name, kMonths[i])) return i + 1;
  }
  return 0;
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  // Howard Hinnant's days_from_civil: exact for any proleptic Gregorian date.
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> ParseFromLineDate(std::string_view from_line) {
  // Tokens after "From sender": ... Mmm dd hh:mm[:ss] [zone] yyyy ...
  std::string_view tokens[16];
  size_t count = 0;
  size_t pos = 0;
  while (pos < from_line.size() && count < 16) {
    while (pos < from_line.size() && IsSpace(from_line[pos])) ++pos;
    size_t start = pos;
    while (pos < from_line.size() && !IsSpace(from_line[pos])) ++pos;
    if (pos > start) tokens[count++] = from_line.substr(start, pos - start);
  }
  for (size_t i = 2; i + 2 < count; ++i) {
    int month = MonthFromName(tokens[i]);
    if (month == 0) continue;
    std::optional<int64_t> day = ParseNumber(tokens[i + 1]);
    std::optional<int64_t> clock = ParseClock(tokens[i + 2]);
    if (!day || !clock || *day < 1 || *day > 31) continue;
    for (size_t j = i + 3; j < count && j <= i + 4; ++j) {
      std::optional<int64_t> year = ParseNumber(tokens[j]);
      if (year && tokens[j].size() == 4 && *year >= 1970) {
        return DaysFromCivil(*year, month, static_cast<int>(*day)) * 86400 + *clock;
      }
    }
  }
  return std::nullopt;
}

std::string_view DisplayNameFor(const std::vector<SentRecipient>& named, std::string_view address) {
  for (const SentRecipient& candidate : named) {
    if (EqualsIgnoreCase(candidate.address, address)) return candidate.display_name;
  }
  return {};
}

}  // namespace rcptguard
