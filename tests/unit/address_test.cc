// Address parsing: the forms users write, and a specific reason for each invalid one.
#include "rcptguard/address.h"

#include <gtest/gtest.h>

namespace rcptguard {
namespace {

struct ValidCase {
  const char* name;
  const char* input;
  const char* local_part;
  const char* domain_ascii;
  const char* display_name;
};

TEST(ParseAddress, AcceptsTheFormsUsersWrite) {
  const ValidCase cases[] = {
      {"plain", "user@example.com", "user", "example.com", ""},
      {"angle brackets", "<user@example.com>", "user", "example.com", ""},
      {"bare display name", "John Smith <js@example.com>", "js", "example.com", "John Smith"},
      {"quoted display name", "\"Smith, John\" <js@example.com>", "js", "example.com",
       "Smith, John"},
      {"quoted name with <", "\"a <b>\" <js@example.com>", "js", "example.com", "a <b>"},
      {"quoted local part", "\"john smith\"@example.com", "\"john smith\"", "example.com", ""},
      {"ip literal", "user@[192.0.2.1]", "user", "[192.0.2.1]", ""},
      {"ipv6 literal", "user@[IPv6:2001:db8::1]", "user", "[IPv6:2001:db8::1]", ""},
      {"trailing dot", "user@example.com.", "user", "example.com", ""},
      {"mixed case", "User@Example.COM", "User", "example.com", ""},
      {"surrounding space", "  user@example.com \r\n", "user", "example.com", ""},
      {"unicode domain", "user@bücher.de", "user", "xn--bcher-kva.de", ""},
      {"a-label domain", "user@xn--bcher-kva.de", "user", "xn--bcher-kva.de", ""},
      {"unicode local part", "пользователь@пример.рф", "пользователь", "xn--e1afmkfd.xn--p1ai", ""},
      {"plus and dots", "first.last+tag@sub.example.co.uk", "first.last+tag", "sub.example.co.uk",
       ""},
      {"source route", "<@relay.example:user@example.com>", "user", "example.com", ""},
  };
  for (const ValidCase& c : cases) {
    auto got = ParseAddress(c.input);
    ASSERT_TRUE(got.has_value()) << c.name << ": " << c.input << " failed: " << got.error().message;
    EXPECT_EQ(got->local_part, c.local_part) << c.name;
    EXPECT_EQ(got->domain.ascii, c.domain_ascii) << c.name;
    EXPECT_EQ(got->display_name, c.display_name) << c.name;
  }
}

TEST(ParseAddress, KeepsTheTypedDomainForMessages) {
  auto got = ParseAddress("user@Bücher.DE.");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->domain_typed, "Bücher.DE");
  EXPECT_EQ(got->domain.unicode, "bücher.de");
  EXPECT_EQ(got->WithDomain("buecher.de"), "user@buecher.de");
}

struct InvalidCase {
  const char* name;
  std::string input;
  const char* reason_fragment;
};

TEST(ParseAddress, NamesWhatIsWrong) {
  const InvalidCase cases[] = {
      {"empty", "", "empty"},
      {"empty local part", "@example.com", "local part"},
      {"no at", "user.example.com", "no @"},
      {"no domain", "user@", "no domain"},
      {"domain without dot", "user@localhost", "has no dot"},
      {"label over 63", "user@" + std::string(64, 'a') + ".com", "longer than 63"},
      {"domain over 253",
       "user@" + std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') +
           "." + std::string(60, 'd') + "." + std::string(10, 'e') + ".com",
       "longer than 253"},
      {"local part over 64", std::string(65, 'x') + "@example.com", "longer than 64"},
      {"bad character in domain", "user@exa_mple.com", "not allowed in a host name"},
      {"space in address", "us er@example.com", "space"},
      {"consecutive dots in domain", "user@example..com", "two dots in a row"},
      {"consecutive dots in local part", "us..er@example.com", "two dots in a row"},
      {"leading dot in local part", ".user@example.com", "starts or ends with a dot"},
      {"invalid idn", "user@xn--zz.com", "internationalised"},
      {"disallowed unicode",
       "user@ex\xe2\x80\x8d"
       "ample.com",
       "internationalised"},
      {"unclosed quote", "\"user@example.com", "never closed"},
      {"unclosed bracket", "Name <user@example.com", "no closing '>'"},
      {"text after bracket", "<user@example.com> trailing", "after the closing"},
      {"two at signs", "a@b@example.com", "more than one @"},
      {"bad ip literal", "user@[999.1.1.1]", "IP address literal"},
      {"hyphen at label end", "user@example-.com", "starts or ends with '-'"},
      // Found by the address fuzzer: each once slipped through as another name.
      {"two trailing dots", "user@example.com..", "ends with two dots"},
      {"underscore in an IDN", "user@b\xc3\xbc_cher.de", "not allowed in a host name: '_'"},
      {"port after an IDN",
       "user@b\xc3\xbc"
       "cher.de:25",
       "not allowed in a host name: ':'"},
      {"NUL inside an IDN",
       std::string("user@b\xc3\xbc"
                   "cher.de\0.evil.ml",
                   23),
       "control character"},
      {"IDNA2008-disallowed A-label", "user@xn--1ch.com", "internationalised"},
      {"IDNA2008-disallowed U-label", "user@\xe2\x89\xa0.com", "internationalised"},
  };
  for (const InvalidCase& c : cases) {
    auto got = ParseAddress(c.input);
    ASSERT_FALSE(got.has_value()) << c.name << ": " << c.input << " was accepted";
    EXPECT_EQ(got.error().code, ErrorCode::kInvalidAddress) << c.name;
    EXPECT_NE(got.error().message.find(c.reason_fragment), std::string::npos)
        << c.name << ": got \"" << got.error().message << "\", want it to mention \""
        << c.reason_fragment << "\"";
  }
}

}  // namespace
}  // namespace rcptguard
