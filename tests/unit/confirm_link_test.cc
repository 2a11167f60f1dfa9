// Sender links: a genuine link verifies; altered, expired, wrong-action and
// foreign-key links are refused, each with its own kind; the key file rules.
#include "quarantine/confirm_link.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace rcptguard {
namespace {

LinkKey KeyOf(unsigned char fill) {
  std::array<unsigned char, LinkKey::kSize> bytes;
  bytes.fill(fill);
  return LinkKey::FromBytes(bytes);
}

LinkClaims Claims() {
  LinkClaims claims;
  claims.action = LinkAction::kRelease;
  claims.queue_id = "4XyZ1b2C3d";
  claims.sender = "alice@example.org";
  claims.recipients = {"bob@exampel.org", "carol@army.ml"};
  claims.expires_at = 2000;
  return claims;
}

const char* KindName(LinkFailureKind kind) {
  switch (kind) {
    case LinkFailureKind::kMalformed:
      return "malformed";
    case LinkFailureKind::kTampered:
      return "tampered";
    case LinkFailureKind::kWrongAction:
      return "wrong-action";
    case LinkFailureKind::kExpired:
      return "expired";
    case LinkFailureKind::kWrongMessage:
      return "wrong-message";
  }
  return "?";
}

TEST(ConfirmLink, GenuineLinkVerifiesWithItsClaims) {
  LinkKey key = KeyOf(7);
  SignedLink link = SignLink(key, Claims());
  EXPECT_EQ(link.token.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."),
            std::string::npos)
      << "token is not URL-safe: " << link.token;
  auto claims = VerifyLink(key, link.token, LinkAction::kRelease, 1999);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->queue_id, "4XyZ1b2C3d");
  EXPECT_EQ(claims->sender, "alice@example.org");
  EXPECT_EQ(claims->recipients, Claims().recipients);
  EXPECT_EQ(claims->expires_at, 2000);
  EXPECT_EQ(claims->link_id, link.claims.link_id);
  EXPECT_GE(claims->link_id.size(), 20u);
}

TEST(ConfirmLink, EachLinkGetsItsOwnId) {
  LinkKey key = KeyOf(7);
  EXPECT_NE(SignLink(key, Claims()).claims.link_id, SignLink(key, Claims()).claims.link_id);
}

TEST(ConfirmLink, RefusesBadLinksWithDistinctKinds) {
  LinkKey key = KeyOf(7);
  std::string token = SignLink(key, Claims()).token;
  std::string flipped_payload = token;
  flipped_payload[3] = flipped_payload[3] == 'A' ? 'B' : 'A';
  // A character inside the signature: the last one also holds padding bits,
  // and a change there can make the text not base64 at all (malformed).
  std::string flipped_mac = token;
  char& in_mac = flipped_mac[token.find('.') + 5];
  in_mac = in_mac == 'A' ? 'B' : 'A';
  LinkClaims other_sender = Claims();
  other_sender.sender = "mallory@example.org";
  // Another message's genuine payload under this link's signature.
  std::string spliced = SignLink(key, other_sender).token;
  spliced = spliced.substr(0, spliced.find('.')) + token.substr(token.find('.'));
  struct Case {
    const char* name;
    std::string token;
    LinkAction action;
    int64_t now;
    const LinkKey* key;
    LinkFailureKind want;
  };
  LinkKey other_key = KeyOf(8);
  const Case cases[] = {
      {"payload altered", flipped_payload, LinkAction::kRelease, 1000, &key,
       LinkFailureKind::kTampered},
      {"signature altered", flipped_mac, LinkAction::kRelease, 1000, &key,
       LinkFailureKind::kTampered},
      {"payload of another link", spliced, LinkAction::kRelease, 1000, &key,
       LinkFailureKind::kTampered},
      {"signed with another key", token, LinkAction::kRelease, 1000, &other_key,
       LinkFailureKind::kTampered},
      {"release link used to cancel", token, LinkAction::kCancel, 1000, &key,
       LinkFailureKind::kWrongAction},
      {"at its expiry", token, LinkAction::kRelease, 2000, &key, LinkFailureKind::kExpired},
      {"after its expiry", token, LinkAction::kRelease, 99999, &key, LinkFailureKind::kExpired},
      {"truncated", token.substr(0, token.size() / 2), LinkAction::kRelease, 1000, &key,
       LinkFailureKind::kMalformed},
      {"no signature", token.substr(0, token.find('.')), LinkAction::kRelease, 1000, &key,
       LinkFailureKind::kMalformed},
      {"not base64", "%%%.%%%", LinkAction::kRelease, 1000, &key, LinkFailureKind::kMalformed},
      {"empty", "", LinkAction::kRelease, 1000, &key, LinkFailureKind::kMalformed},
      {"huge", std::string(100000, 'A') + ".AAAA", LinkAction::kRelease, 1000, &key,
       LinkFailureKind::kMalformed},
  };
  for (const Case& c : cases) {
    auto got = VerifyLink(*c.key, c.token, c.action, c.now);
    ASSERT_FALSE(got) << c.name << ": accepted, want " << KindName(c.want);
    EXPECT_EQ(got.error().kind, c.want)
        << c.name << ": got " << KindName(got.error().kind) << ", want " << KindName(c.want);
    EXPECT_FALSE(got.error().message.empty()) << c.name;
  }
}

TEST(ConfirmLink, MatchesOnlyTheMessageItWasMadeFor) {
  HoldRecord record;
  record.queue_id = "4XyZ1b2C3d";
  record.sender = "alice@example.org";
  for (const char* recipient : {"bob@exampel.org", "carol@army.ml", "dave@example.org"}) {
    Verdict verdict;
    verdict.recipient = recipient;
    record.verdicts.push_back(verdict);
  }
  EXPECT_TRUE(LinkMatchesHold(Claims(), record));
  HoldRecord reused = record;  // Postfix gave the id to a later message
  reused.sender = "eve@example.org";
  EXPECT_FALSE(LinkMatchesHold(Claims(), reused));
  HoldRecord fewer = record;
  fewer.verdicts.erase(fewer.verdicts.begin());
  EXPECT_FALSE(LinkMatchesHold(Claims(), fewer));
  HoldRecord other_id = record;
  other_id.queue_id = "5AbC";
  EXPECT_FALSE(LinkMatchesHold(Claims(), other_id));
}

class LinkKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/rcptguard-linkkey-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(LinkKeyFile, CreatedKeyLoadsAndSignsLikeItself) {
  std::string path = dir_ + "/link.key";
  ASSERT_TRUE(LinkKey::Create(path));
  struct stat info;
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(info.st_size, 32);
  auto key = LinkKey::Load(path);
  ASSERT_TRUE(key) << key.error().ToString();
  auto again = LinkKey::Load(path);
  ASSERT_TRUE(again);
  std::string token = SignLink(*key, Claims()).token;
  EXPECT_TRUE(VerifyLink(*again, token, LinkAction::kRelease, 1000));
  EXPECT_FALSE(LinkKey::Create(path)) << "Create replaced an existing key";
}

TEST_F(LinkKeyFile, RefusesUnusableKeyFiles) {
  auto write = [&](const std::string& name, size_t size, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << std::string(size, 'k');
    chmod(path.c_str(), mode);
    return path;
  };
  struct Case {
    const char* name;
    std::string path;
    std::string want_in_message;
  };
  const Case cases[] = {
      {"missing", dir_ + "/nothing.key", "cannot read"},
      {"short", write("short.key", 16, 0600), "exactly 32 bytes"},
      {"long", write("long.key", 33, 0600), "exactly 32 bytes"},
      {"world-readable", write("open.key", 32, 0644), "read or written by others"},
      {"world-writable", write("writable.key", 32, 0602), "read or written by others"},
      {"a directory", dir_, "not a regular file"},
  };
  for (const Case& c : cases) {
    auto got = LinkKey::Load(c.path);
    ASSERT_FALSE(got) << c.name << ": loaded";
    EXPECT_EQ(got.error().code, ErrorCode::kConfig) << c.name;
    EXPECT_NE(got.error().ToString().find(c.want_in_message), std::string::npos)
        << c.name << ": got \"" << got.error().ToString() << "\", want it to say \""
        << c.want_in_message << "\"";
    EXPECT_NE(got.error().ToString().find(c.path), std::string::npos) << c.name;
  }
  EXPECT_TRUE(LinkKey::Load(write("group.key", 32, 0640))) << "group-readable is allowed";
}

}  // namespace
}  // namespace rcptguard
