// The header block of one RFC 5322 message, turned into what history learns
// from it: sender, recipients with display names, Message-ID and Date. Shared
// by the mbox and Maildir readers. The block is split and unfolded here; the
// address-list values go to GMime, which knows quoting, groups, comments and
// RFC 2047 encoded words.
#ifndef RCPTGUARD_MESSAGE_HEADERS_H_
#define RCPTGUARD_MESSAGE_HEADERS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "rcptguard/history.h"

namespace rcptguard {

// Where the header block that starts at `data` ends, looking at most
// `max_bytes` far. A header block ends at the first empty line ("\n" or
// "\r\n"), or at the end of `data`.
struct HeaderEnd {
  size_t empty_line = 0;  // offset of the empty line (== data.size() when none)
  size_t body = 0;        // offset just past it: where the body starts
};
// nullopt when there is no empty line within `max_bytes` and `data` is longer
// than that: a header block too large to be one.
std::optional<HeaderEnd> FindHeaderEnd(std::string_view data, size_t max_bytes);

enum class HeaderOutcome {
  kMessage,       // sender and at least one recipient found
  kNoSender,      // no address in From, Sender or Return-Path
  kNoRecipients,  // no address with a domain in To, Cc or Bcc
};

// Fills `message` from the header block `headers` (the lines before the empty
// line; CRLF or LF; continuation lines unfolded):
//  - sender: the first mailbox of From, else of Sender, else Return-Path;
//  - recipients: every mailbox of To, Cc and Bcc (all occurrences; inside
//    groups too), in order, each address once (ASCII case-insensitively; the
//    first non-empty display name wins), display names decoded to UTF-8.
//    Addresses without '@' (local user names) are left out. An entry with a
//    NUL byte and an '@' in it is malformed: it is listed as written (NUL
//    included, no display name), after the others, so that checking it
//    reports it;
//  - key: the Message-ID including its angle brackets ("<abc@x>"), or empty;
//  - time: the Date header as unix seconds, or 0 when missing or unreadable.
// Lines that are neither a field nor a continuation are ignored. Never fails
// on any bytes; `message` is only complete when kMessage is returned.
// Thread-safe: GMime is initialised once per process (on first use) and each
// call parses into objects of its own (the milter calls it from many threads).
HeaderOutcome ParseMessageHeaders(std::string_view headers, SentMessage* message);

// The display name the headers give an envelope recipient: the first of
// `named` (ParseMessageHeaders' recipients) whose address equals `address`
// ignoring ASCII case, compared with explicit lengths (a NUL is a byte like
// any other); empty when none does. The one rule the milter's session and
// `rcptguard quarantine release` both follow.
std::string_view DisplayNameFor(const std::vector<SentRecipient>& named, std::string_view address);

// Parses the date of an mbox "From " line ("From alice@x Thu Nov 26 10:00:01
// 2026", asctime form, optionally with a zone before the year), taken as UTC.
// nullopt when the line carries no such date.
std::optional<int64_t> ParseFromLineDate(std::string_view from_line);

// "Jan".."Dec" -> 1..12 (ASCII case-insensitive), else 0. Shared with the log reader.
int MonthFromName(std::string_view name);

// "10:00:01" or "10:00" -> seconds into the day; nullopt when malformed.
std::optional<int64_t> ParseClock(std::string_view hh_mm_ss);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace rcptguard

#endif  // RCPTGUARD_MESSAGE_HEADERS_H_
