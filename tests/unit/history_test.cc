// Correspondent history in memory: canonical forms, the keyer, the index, and
// what the policy makes of it. Every decision is checked in clear and in
// hashed mode: hashing addresses must not change a verdict.
#include "rcptguard/history.h"

#include <gtest/gtest.h>

#include "core/name_key.h"
#include "platform/suffix_list_file.h"
#include "rcptguard/policy.h"
#include "rcptguard/session.h"
#include "support/history_builder.h"
#include "support/session_helpers.h"

namespace rcptguard {
namespace {

constexpr int64_t kNow = kHistoryNow;

TEST(CanonicalAddress, LowersLocalPartAndUsesTheAsciiDomain) {
  struct Case {
    const char* name;
    const char* input;
    const char* want;
  } cases[] = {
      {"case", "J.Smith@Army.MIL", "j.smith@army.mil"},
      {"display name and trailing dot", "\"Smith, John\" <J.Smith@army.mil.>", "j.smith@army.mil"},
      {"IDN domain", "anna@Bücher.de", "anna@xn--bcher-kva.de"},
      {"Unicode local part", "ÅSA@example.se", "åsa@example.se"},
  };
  for (const Case& c : cases) {
    auto got = CanonicalAddress(c.input);
    ASSERT_TRUE(got.has_value()) << c.name << ": " << got.error().ToString();
    EXPECT_EQ(*got, c.want) << c.name;
  }
  EXPECT_FALSE(CanonicalAddress("no-at-sign").has_value());
}

TEST(NormalizeDisplayName, SameNameHoweverWritten) {
  EXPECT_EQ(NormalizeDisplayName("John Smith"), "john smith");
  EXPECT_EQ(NormalizeDisplayName("  Smith,  John "), "john smith");
  EXPECT_EQ(NormalizeDisplayName("\"SMITH, John\""), "john smith");
  EXPECT_EQ(NormalizeDisplayName("Dr. J. Smith"), "dr j smith");
  EXPECT_EQ(NormalizeDisplayName("Zoë Ångström"), "zoë ångström");
  EXPECT_EQ(NormalizeDisplayName("js@army.mil"), "");  // an address is not a name
  EXPECT_EQ(NormalizeDisplayName(" , "), "");
}

TEST(HistoryKeyer, HashedModeHidesAddressesAndNeedsALongSecret) {
  EXPECT_FALSE(HistoryKeyer::Hashed("short").has_value());
  auto keyer = HistoryKeyer::Hashed("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(keyer.has_value());
  std::string key = keyer->Key("j.smith@army.mil");
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(key.find("smith"), std::string::npos);
  EXPECT_EQ(key, keyer->Key("j.smith@army.mil"));
  EXPECT_NE(key, keyer->Key("j.smyth@army.mil"));
  auto other = HistoryKeyer::Hashed("another secret, also long enough");
  EXPECT_NE(key, other->Key("j.smith@army.mil"));
  EXPECT_EQ(HistoryKeyer().Key("j.smith@army.mil"), "j.smith@army.mil");
}

bool ShareDigest(const HistoryKeyer& keyer, std::string_view a, std::string_view b) {
  auto x = keyer.LocalPartDigests(a);
  auto y = keyer.LocalPartDigests(b);
  for (uint32_t d : x) {
    if (std::find(y.begin(), y.end(), d) != y.end()) return true;
  }
  return false;
}

TEST(HistoryKeyer, LocalPartDigestsMeetIffOneEditApart) {
  HistoryKeyer keyer;
  struct Case {
    const char* a;
    const char* b;
    bool near;
  } cases[] = {
      {"j.smith", "j.smyth", true},                                     // substitution
      {"jsmith", "jsmiht", true},                                       // transposition
      {"john.smith", "johnsmith", true},                                // dropped dot
      {"smith", "smiith", true},                                        // doubled letter
      {"jsmith", "jsmith", true},                                       // itself
      {"j.smith", "k.smyth", false},                                    // two edits
      {"alice.jones", "bob.jones", false}, {"müller", "muller", true},  // a whole UTF-8 character
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ShareDigest(keyer, c.a, c.b), c.near) << c.a << " vs " << c.b;
  }
  EXPECT_TRUE(keyer.LocalPartDigests("bob").empty());  // too short to compare
}

// An officer who writes to a partner at army.mil every week.
HistorySnapshot OfficerHistory(const HistoryKeyer& keyer) {
  HistoryBuilder b{keyer, {}};
  b.Pair("alice@mod.uk", "j.smith@army.mil", 40, "John Smith")
      .Pair("alice@mod.uk", "k.jones@army.mil", 3, "Kate Jones")
      .Pair("alice@mod.uk", "pat@ga.com", 2)
      .Pair("alice@mod.uk", "once@army.mil", 1)
      .Pair("bob@mod.uk", "j.smyth@navy.mil", 5)
      .Pair("bob@mod.uk", "r.roe@army.mil", 4);
  return b.snapshot;
}

class HistoryModes : public ::testing::TestWithParam<bool> {
 protected:
  HistoryModes()
      : keyer_(GetParam() ? *HistoryKeyer::Hashed("a local secret of 32 bytes......")
                          : HistoryKeyer()),
        history_(CorrespondentHistory::Build(OfficerHistory(keyer_), keyer_)) {}

  HistoryFinding Examine(std::string_view sender, std::string_view recipient,
                         std::string_view name = {}) {
    auto from = ParseAddress(sender);
    auto to = ParseAddress(recipient);
    EXPECT_TRUE(from && to);
    return history_->Examine(&*from, *to, name, kNow);
  }

  HistoryKeyer keyer_;
  std::shared_ptr<const CorrespondentHistory> history_;
};

std::string ModeName(const ::testing::TestParamInfo<bool>& mode) {
  return mode.param ? "Hashed" : "Clear";
}

INSTANTIATE_TEST_SUITE_P(ClearAndHashed, HistoryModes, ::testing::Values(false, true), ModeName);

TEST_P(HistoryModes, CountsDomainsAndAddresses) {
  EXPECT_EQ(history_->DomainMessages("alice@mod.uk", "army.mil"), 44);
  EXPECT_EQ(history_->DomainMessages("", "army.mil"), 48);
  EXPECT_EQ(history_->AddressMessages("alice@mod.uk", "j.smith@army.mil"), 40);
  EXPECT_EQ(history_->AddressMessages("", "j.smyth@navy.mil"), 5);
  EXPECT_EQ(history_->AddressMessages("bob@mod.uk", "j.smith@army.mil"), 0);
}

TEST_P(HistoryModes, KnownAddressAndDomainAreFamiliar) {
  HistoryFinding known = Examine("alice@mod.uk", "J.Smith@Army.mil");
  EXPECT_TRUE(known.address_familiar);
  EXPECT_TRUE(known.domain_familiar);
  EXPECT_EQ(known.unfamiliar, HistoryFinding::Unfamiliar::kNone);
  // Bob never wrote to ga.com and the organisation only twice: familiar to the
  // organisation from two messages on.
  EXPECT_TRUE(Examine("bob@mod.uk", "new@ga.com").domain_familiar);
  EXPECT_FALSE(Examine("bob@mod.uk", "x@gs.com").domain_familiar);
}

TEST_P(HistoryModes, NewAddressOneEditFromAFrequentCorrespondent) {
  HistoryFinding finding = Examine("alice@mod.uk", "j.smiht@army.mil");
  EXPECT_EQ(finding.unfamiliar, HistoryFinding::Unfamiliar::kNearCorrespondent);
  EXPECT_EQ(finding.usual_messages, 40);
  EXPECT_EQ(finding.usual_address, keyer_.hashed() ? "" : "j.smith@army.mil");
  // One message is not a habit: a slip of once@army.mil is not flagged.
  EXPECT_EQ(Examine("alice@mod.uk", "onse@army.mil").unfamiliar, HistoryFinding::Unfamiliar::kNone);
  // A different person, two edits away.
  EXPECT_EQ(Examine("alice@mod.uk", "m.smyth@army.mil").unfamiliar,
            HistoryFinding::Unfamiliar::kNone);
}

TEST_P(HistoryModes, SomeoneElseWritingToTheAddressMakesItReal) {
  // Bob writes to j.smyth@navy.mil; Alice writing to j.smyth@army.mil is new,
  // but j.smyth@navy.mil is not near anything of Alice's at navy.mil.
  EXPECT_EQ(Examine("alice@mod.uk", "j.smyth@army.mil").unfamiliar,
            HistoryFinding::Unfamiliar::kNearCorrespondent);
  HistoryFinding real = Examine("alice@mod.uk", "r.roe@army.mil");
  EXPECT_TRUE(real.address_familiar);
  EXPECT_EQ(real.unfamiliar, HistoryFinding::Unfamiliar::kNone);
}

TEST_P(HistoryModes, DisplayNameUsedForAnotherAddress) {
  HistoryFinding finding = Examine("alice@mod.uk", "john.smith@gmail.com", "Smith, John");
  EXPECT_EQ(finding.unfamiliar, HistoryFinding::Unfamiliar::kNameMismatch);
  EXPECT_EQ(finding.usual_messages, 40);
  EXPECT_EQ(Examine("alice@mod.uk", "j.smith@army.mil", "John Smith").unfamiliar,
            HistoryFinding::Unfamiliar::kNone);
  // A name given to someone only once or never is no evidence.
  EXPECT_EQ(Examine("alice@mod.uk", "x@example.org", "Jane Doe").unfamiliar,
            HistoryFinding::Unfamiliar::kNone);
}

TEST_P(HistoryModes, ANameSeenOnceWithAFrequentAddressIsEnough) {
  // Mail clients often send no display name: Alice wrote to k.jones 3 times,
  // but gave the name "Katherine Jones" only once.
  HistoryBuilder b{keyer_, OfficerHistory(keyer_)};
  b.snapshot.names.push_back(NameRecord{keyer_.Key("alice@mod.uk"),
                                        keyer_.Key(NormalizeDisplayName("Katherine Jones")),
                                        keyer_.Key("k.jones@army.mil"), 1});
  auto history = CorrespondentHistory::Build(b.snapshot, keyer_);
  auto alice = ParseAddress("alice@mod.uk");
  auto other = ParseAddress("kjones@gmail.com");
  HistoryFinding finding = history->Examine(&*alice, *other, "Jones, Katherine", kNow);
  EXPECT_EQ(finding.unfamiliar, HistoryFinding::Unfamiliar::kNameMismatch);
  EXPECT_EQ(finding.usual_messages, 3);
}

TEST_P(HistoryModes, ExceptionsExpire) {
  HistoryBuilder b{keyer_, OfficerHistory(keyer_)};
  b.Except("alice@mod.uk", "j.smiht@army.mil", kNow + 3600)
      .Except("alice@mod.uk", "gs.com", kNow - 1);
  auto history = CorrespondentHistory::Build(b.snapshot, keyer_);
  auto alice = ParseAddress("alice@mod.uk");
  auto excepted = ParseAddress("j.smiht@army.mil");
  auto expired = ParseAddress("x@gs.com");
  EXPECT_TRUE(history->Examine(&*alice, *excepted, "", kNow).excepted);
  EXPECT_FALSE(history->Examine(&*alice, *excepted, "", kNow + 7200).excepted);
  EXPECT_FALSE(history->Examine(&*alice, *expired, "", kNow).excepted);
}

TEST_P(HistoryModes, AnExceptionForADomainCoversItsAddressesAndSubdomains) {
  HistoryBuilder b{keyer_, OfficerHistory(keyer_)};
  b.Except("alice@mod.uk", "army.ml", kNow + 3600);
  auto history = CorrespondentHistory::Build(b.snapshot, keyer_);
  auto alice = ParseAddress("alice@mod.uk");
  auto sub = ParseAddress("x@hq.army.ml");
  EXPECT_TRUE(history->Examine(&*alice, *sub, "", kNow).excepted);
}

TEST_P(HistoryModes, OverlayShowsNewLearningWithoutARebuild) {
  auto before = ParseAddress("k.jones@army.mil");
  auto alice = ParseAddress("alice@mod.uk");
  HistoryBuilder delta{keyer_, {}};
  delta.Pair("alice@mod.uk", "k.jones@army.mil", 4, "Kate Jones")
      .Pair("alice@mod.uk", "new.partner@nato.int", 2);
  auto layered = CorrespondentHistory::Overlay(history_, delta.snapshot);
  EXPECT_EQ(layered->AddressMessages("alice@mod.uk", "k.jones@army.mil"),
            4);  // replaced, not added
  EXPECT_EQ(layered->DomainMessages("alice@mod.uk", "army.mil"), 45);
  EXPECT_EQ(layered->DomainMessages("", "nato.int"), 2);
  auto slip = ParseAddress("new.partnr@nato.int");
  EXPECT_EQ(layered->Examine(&*alice, *slip, "", kNow).unfamiliar,
            HistoryFinding::Unfamiliar::kNearCorrespondent);
  EXPECT_EQ(history_->Examine(&*alice, *slip, "", kNow).unfamiliar,
            HistoryFinding::Unfamiliar::kNone);
  EXPECT_TRUE(layered->Examine(&*alice, *before, "", kNow).address_familiar);
}

TEST_P(HistoryModes, LearnedDomainsAreWeightedByUse) {
  std::vector<ExpectedDomain> learned = history_->LearnedDomains();
  ASSERT_EQ(learned.size(), 2u);  // army.mil (48) and navy.mil (5); ga.com has 2
  EXPECT_EQ(learned[0].domain, "army.mil");
  EXPECT_DOUBLE_EQ(learned[0].weight, 1.0);
  EXPECT_EQ(learned[1].domain, "navy.mil");
  EXPECT_LT(learned[1].weight, learned[0].weight);
  EXPECT_EQ(learned[1].source, DomainSource::kLearned);
}

// ---------------------------------------------------------------------------
// People, not strings: names, variants, slips.

TEST(FoldName, OneSpellingForCaseAccentsApostrophesAndUmlauts) {
  struct Case {
    const char* name;
    const char* input;
    const char* want;
  } cases[] = {
      {"accent", "Siobhán", "siobhan"},
      {"capitals and comma", "TURNER, Paul", "turner paul"},
      {"apostrophe", "O'Brien", "obrien"},
      {"umlaut and its spelling meet", "Jörg Müller", "jorg muller"},
      {"ascii umlaut spelling", "joerg.mueller", "jorg muller"},
      {"sharp s", "Strauß", "strauss"},
      {"digits are not letters", "tgreen1981", "tgreen"},
      {"cyrillic, as its address spells it", "Олена Коваленко", "olena kovalenko"},
      {"greek", "Νίκος Παπαδόπουλος", "nikos papadopoulos"},
      {"latin and cyrillic together", "Dmitry Иванов", "dmitry ivanov"},
  };
  for (const Case& c : cases) EXPECT_EQ(FoldName(c.input), c.want) << c.name;
}

TEST(AddressInDisplay, FindsTheAddressAClientWroteAsOrIntoTheName) {
  struct Case {
    const char* name;
    const char* display;
    const char* want;
  } cases[] = {
      {"the whole name", "paul.turner@baesystems.com", "paul.turner@baesystems.com"},
      {"quoted by Outlook", "'p.turner@x.org'", "p.turner@x.org"},
      {"after the name", "Paul Turner (paul.turner@x.org)", "paul.turner@x.org"},
      {"in angle brackets", "Turner, Paul <paul.turner@x.org>", "paul.turner@x.org"},
      {"none", "Turner, Paul", ""},
      {"a lone at sign", "Team @ HQ", ""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(AddressInDisplay(c.display), c.want) << c.name << ": " << c.display;
  }
  // The rest of the name still counts.
  EXPECT_EQ(NameFromDisplay("Paul Turner (paul.turner@x.org)").words,
            (std::vector<std::string>{"paul", "turner"}));
  EXPECT_TRUE(NameFromDisplay("paul.turner@x.org").empty());
}

TEST(NameVariants, ShippedListKnowsSpellingsAndShortFormsButNotMereNeighbours) {
  auto variants = NameVariants::Embedded();
  struct Case {
    const char* a;
    const char* b;
    bool same;
  } cases[] = {
      {"steven", "stephen", true},       // both listed under "steve", two edits apart
      {"catherine", "katherine", true},  // both listed with "kathy"
      {"stephen", "steve", true},        // a short form listed directly
      {"william", "bill", true},        {"alan", "albert", false},  // they only share "al"
      {"john", "jane", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(variants->SamePerson(FoldName(c.a), FoldName(c.b)), c.same) << c.a << " / " << c.b;
  }
  EXPECT_TRUE(variants->IsGivenName("anna"));
  EXPECT_FALSE(variants->IsGivenName("patel"));
  EXPECT_FALSE(NameVariants::Parse("anna,annie\n,,\n", "test.csv").has_value());
}

TEST(CompareNames, AgreesOnThePersonHoweverTheNameIsWritten) {
  auto variants = NameVariants::Embedded();
  struct Case {
    const char* name;
    PersonName a;
    PersonName b;
    NameAgreement want;
  } cases[] = {
      {"last, first", NameFromDisplay("Turner, Paul"), NameFromDisplay("Paul Turner"),
       NameAgreement::kFull},
      {"middle initial", NameFromDisplay("Hughes, Owen T"),
       NameFromLocalPart("owen.hughes", *variants), NameAgreement::kFull},
      {"accent", NameFromDisplay("Siobhán Murphy"), NameFromLocalPart("siobhan.murphy", *variants),
       NameAgreement::kFull},
      {"RFC 2047", NameFromDisplay("=?utf-8?q?Siobh=C3=A1n?= Murphy"),
       NameFromDisplay("Murphy, Siobhan"), NameAgreement::kFull},
      {"rank and DoD tag", NameFromDisplay("Smith, John A CIV"),
       NameFromLocalPart("john.a.smith.civ", *variants), NameAgreement::kFull},
      {"variant", NameFromDisplay("Steve Jones"), NameFromLocalPart("stephen.jones", *variants),
       NameAgreement::kFull},
      {"initial", NameFromLocalPart("m.taylor", *variants),
       NameFromLocalPart("marktaylor", *variants), NameAgreement::kInitial},
      {"another given name", NameFromDisplay("Jane Smith"), NameFromDisplay("Smith, John"),
       NameAgreement::kConflict},
      {"another surname", NameFromDisplay("Paul Smith"), NameFromDisplay("Paul Turner"),
       NameAgreement::kConflict},
      {"a title is not a name", NameFromDisplay("Dr J Smith"), NameFromDisplay("Dr John Doe"),
       NameAgreement::kNone},
      {"numbered namesakes share the name", NameFromLocalPart("john.smith2", *variants),
       NameFromLocalPart("john.smith", *variants), NameAgreement::kFull},
      {"role mailboxes of two cells are not one", NameFromLocalPart("ops-j6-plans", *variants),
       NameFromLocalPart("ops-j3-plans", *variants), NameAgreement::kConflict},
      {"a middle initial against another given name", NameFromDisplay("Brown, Brandon R CPT"),
       NameFromDisplay("Rebecca Brown"), NameAgreement::kConflict},
      {"a shared given name and an initial", NameFromDisplay("Michael Lane"),
       NameFromLocalPart("michael.l.walker.civ", *variants), NameAgreement::kConflict},
      {"only a shared given name and an initial", NameFromDisplay("Michael Lane"),
       NameFromDisplay("Michael L"), NameAgreement::kNone},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(static_cast<int>(CompareNames(c.a, c.b, *variants)), static_cast<int>(c.want))
        << c.name;
  }
}

TEST(SpellsName, RunTogetherLocalPartsInTheFormatsMailSystemsUse) {
  auto variants = NameVariants::Embedded();
  PersonName anna = NameFromDisplay("Patel, Anna");
  struct Case {
    const char* letters;
    NameAgreement want;
  } cases[] = {
      {"annapatel", NameAgreement::kFull},     {"apatel", NameAgreement::kInitial},
      {"patela", NameAgreement::kInitial},     {"patelanna", NameAgreement::kFull},
      {"annampatel", NameAgreement::kFull},    {"janepatel", NameAgreement::kConflict},
      {"annasmith", NameAgreement::kConflict},  // "anna" shared, the rest differs
      {"bobsmith", NameAgreement::kNone},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(static_cast<int>(SpellsName(c.letters, anna, *variants)), static_cast<int>(c.want))
        << c.letters;
  }
  EXPECT_TRUE(SameRunTogetherName("apatel", "annapatel"));
  EXPECT_TRUE(SameRunTogetherName("smithj", "smithjohn"));
  EXPECT_FALSE(SameRunTogetherName("apatel", "bpatel"));
}

TEST(LocalPartDistance, BudgetGrowsWithLengthAndSeparatorsAreSmall) {
  struct Case {
    const char* typed;
    const char* intended;
    bool within;
  } cases[] = {
      {"peter.schmidr", "peter.schmidt", true},  // one keyboard slip
      {"lusy.bakr", "lucy.baker", true},         // two slips in a long local part
      {"ops-j3plns", "ops-j3-plans", true},      // a dropped hyphen and a letter
      {"j.smyth", "j.smith", true},              // one slip in a short one
      {"m.smyth", "j.smith", false},             // two slips in a short one
      {"jane.smith", "john.smith", false},       // three
      {"johnsmith", "john.smith", true},         // a dropped dot
  };
  for (const Case& c : cases) {
    double budget = SlipBudget(c.intended);
    double got = LocalPartDistance(c.typed, c.intended, budget);
    EXPECT_EQ(got <= budget + 1e-9, c.within)
        << c.typed << " for " << c.intended << ": got " << got << ", budget " << budget;
  }
  EXPECT_LT(LocalPartDistance("johnsmith", "john.smith", 2),
            LocalPartDistance("jahn.smith", "john.smith", 2));  // a dot weighs less than a letter
  EXPECT_EQ(SlipBudget("bob"), 0);
}

// An analyst at mod.uk and the people she writes to, as a GAL and mail
// clients record them. Bob, a colleague, writes to a few of his own.
HistorySnapshot AnalystHistory(const HistoryKeyer& keyer) {
  HistoryBuilder b{keyer, {}};
  b.Pair("carol@mod.uk", "tgreen1981@hotmail.co.uk", 12)
      .Pair("carol@mod.uk", "ann.lee@defence.gov.au", 6)
      .Pair("carol@mod.uk", "apatel@partner.org", 5, "Patel, Anna")
      .Pair("carol@mod.uk", "m.taylor@partner.org", 4)
      .Pair("carol@mod.uk", "mark.taylor@navy.mil", 3)
      .Pair("carol@mod.uk", "paul.turner@baesystems.com", 9)
      .Pair("carol@mod.uk", "owen.hughes@cranfield.ac.uk", 4, "Owen Hughes")
      .Pair("carol@mod.uk", "siobhan.murphy@ucl.ac.uk", 3)
      .Pair("carol@mod.uk", "stephen.jones@qinetiq.com", 7, "Stephen Jones")
      .Pair("carol@mod.uk", "peter.schmidt@bund.de", 8)
      .Pair("carol@mod.uk", "lucy.baker@dstl.gov.uk", 6)
      .Pair("carol@mod.uk", "ops-j3-plans@army.mod.uk", 10)
      .Pair("carol@mod.uk", "j.smith@partner.org", 6, "Smith, John")
      .Pair("carol@mod.uk", "info@hotmail.co.uk", 3)
      // Colleagues write to hotmail.com and defense.gov: the domains are
      // familiar, and to a real namesake of Paul Turner.
      .Pair("bob@mod.uk", "someone@hotmail.com", 4)
      .Pair("bob@mod.uk", "x.y@defense.gov", 3)
      .Pair("bob@mod.uk", "paul.turner@navy.mil", 5, "Paul Turner");
  return b.snapshot;
}

class PeopleNotStrings : public HistoryModes {
 protected:
  PeopleNotStrings() { history_ = CorrespondentHistory::Build(AnalystHistory(keyer_), keyer_); }
};

INSTANTIATE_TEST_SUITE_P(ClearAndHashed, PeopleNotStrings, ::testing::Values(false, true),
                         ModeName);

using Unfamiliar = HistoryFinding::Unfamiliar;

struct PeopleCase {
  const char* name;
  const char* recipient;
  const char* display;
  Unfamiliar clear;   // what clear mode finds
  Unfamiliar hashed;  // what hashed mode can still find
  const char* usual;  // the usual address (clear mode)
};

TEST_P(PeopleNotStrings, FindsThePersonBehindANewAddress) {
  const PeopleCase cases[] = {
      {"same local part at the sister domain", "tgreen1981@hotmail.com", "",
       Unfamiliar::kOtherDomain, Unfamiliar::kOtherDomain, "tgreen1981@hotmail.co.uk"},
      {"defense.gov for defence.gov.au", "ann.lee@defense.gov", "", Unfamiliar::kOtherDomain,
       Unfamiliar::kOtherDomain, "ann.lee@defence.gov.au"},
      {"the name run together", "annapatel@partner.org", "", Unfamiliar::kSameName,
       Unfamiliar::kNone, "apatel@partner.org"},
      {"written out against an initial", "marktaylor@partner.org", "", Unfamiliar::kSameName,
       Unfamiliar::kNone, "m.taylor@partner.org"},
      {"last.first", "taylor.mark@navy.mil", "", Unfamiliar::kSameName, Unfamiliar::kNone,
       "mark.taylor@navy.mil"},
      {"one slip in a long local part", "peter.schmidr@bund.de", "", Unfamiliar::kNearCorrespondent,
       Unfamiliar::kNearCorrespondent, "peter.schmidt@bund.de"},
      {"two slips in a long local part", "lusy.bakr@dstl.gov.uk", "",
       Unfamiliar::kNearCorrespondent, Unfamiliar::kNone, "lucy.baker@dstl.gov.uk"},
      {"a hyphen dropped and a letter", "ops-j3plns@army.mod.uk", "",
       Unfamiliar::kNearCorrespondent, Unfamiliar::kNone, "ops-j3-plans@army.mod.uk"},
      {"the variant spelling", "steven.jones@qinetiq.com", "", Unfamiliar::kNearCorrespondent,
       Unfamiliar::kNone, "stephen.jones@qinetiq.com"},
      {"Last, First on freemail", "pturner77@gmail.com", "Turner, Paul", Unfamiliar::kNameMismatch,
       Unfamiliar::kNone, "paul.turner@baesystems.com"},
      {"middle initial", "ohughes@gmail.com", "Hughes, Owen T", Unfamiliar::kNameMismatch,
       Unfamiliar::kNone, "owen.hughes@cranfield.ac.uk"},
      {"accent", "smurphy@outlook.com", "Siobhán MURPHY", Unfamiliar::kNameMismatch,
       Unfamiliar::kNone, "siobhan.murphy@ucl.ac.uk"},
      {"short form of the given name", "sjones@yahoo.co.uk", "Steve Jones",
       Unfamiliar::kNameMismatch, Unfamiliar::kNone, "stephen.jones@qinetiq.com"},
      {"the name exactly as the sender gives it", "stephen.j@icloud.com", "Stephen Jones",
       Unfamiliar::kNameMismatch, Unfamiliar::kNameMismatch, "stephen.jones@qinetiq.com"},
      // Hard negatives: real other people.
      {"a namesake a colleague writes to", "paul.turner@navy.mil", "Paul Turner", Unfamiliar::kNone,
       Unfamiliar::kNone, ""},
      {"another given name at the same partner", "jane.smith@partner.org", "Jane Smith",
       Unfamiliar::kNone, Unfamiliar::kNone, ""},
      {"another person, another domain", "paul.smith@gmail.com", "Paul Smith", Unfamiliar::kNone,
       Unfamiliar::kNone, ""},
      {"a new domain altogether", "tgreen1981@example.net", "", Unfamiliar::kNone,
       Unfamiliar::kNone, ""},
      {"a service mailbox (RFC 2142) at the sister domain", "info@hotmail.com", "",
       Unfamiliar::kNone, Unfamiliar::kNone, ""},
  };
  for (const PeopleCase& c : cases) {
    HistoryFinding finding = Examine("carol@mod.uk", c.recipient, c.display);
    Unfamiliar want = keyer_.hashed() ? c.hashed : c.clear;
    EXPECT_EQ(static_cast<int>(finding.unfamiliar), static_cast<int>(want))
        << c.name << ": " << c.recipient;
    // Hashed mode names the usual address only when it was guessed from the
    // recipient (the same local part at a sister domain).
    bool named = !keyer_.hashed() || (want == Unfamiliar::kOtherDomain && finding.same_local_part);
    if (want != Unfamiliar::kNone && named) {
      EXPECT_EQ(finding.usual_address, c.usual) << c.name;
      EXPECT_GT(finding.usual_messages, 0) << c.name;
    }
  }
  // The typed domain is familiar to the organisation: only the address-level
  // check could tell.
  EXPECT_TRUE(Examine("carol@mod.uk", "tgreen1981@hotmail.com").domain_familiar);
}

TEST_P(PeopleNotStrings, ReasonNamesTheUsualAddressAndWhy) {
  PolicySpec spec;
  spec.expected = {{"mod.uk", DomainSource::kOwn}};
  auto data = TypoData::Embedded();
  auto policy = Policy::Compile(spec, LoadSystemSuffixList(), *data);
  ASSERT_TRUE(policy.has_value());
  auto carol = ParseAddress("carol@mod.uk");
  EvaluationContext context;
  context.history = history_.get();
  context.now = kNow;
  struct Case {
    const char* recipient;
    std::string_view typo_class;
    const char* detail;  // clear mode
  } cases[] = {
      {"annapatel@partner.org", kUnfamiliarSameName,
       "you write to apatel@partner.org (5 messages); annapatel@partner.org is new and has the "
       "same name"},
      {"tgreen1981@hotmail.com", kUnfamiliarOtherDomain,
       "you write to tgreen1981@hotmail.co.uk (12 messages); tgreen1981@hotmail.com is new and is "
       "the same address at hotmail.com instead of hotmail.co.uk"},
      {"lusy.bakr@dstl.gov.uk", kUnfamiliarNearCorrespondent,
       "you write to lucy.baker@dstl.gov.uk (6 messages); lusy.bakr@dstl.gov.uk is new and is two "
       "slips from it"},
      {"\"Turner, Paul\" <pturner77@gmail.com>", kUnfamiliarNameMismatch,
       "you write to paul.turner@baesystems.com (9 messages); pturner77@gmail.com is new and is "
       "given the name of the person you write to there"},
  };
  for (const auto& c : cases) {
    Verdict verdict = (*policy)->Evaluate(&*carol, c.recipient, context);
    if (keyer_.hashed() && c.typo_class != kUnfamiliarOtherDomain) continue;  // see docs/history.md
    ASSERT_EQ(verdict.reasons.size(), 1u) << c.recipient;
    EXPECT_EQ(verdict.action, Action::kWarn) << c.recipient;
    EXPECT_EQ(verdict.reasons[0].label, c.typo_class) << c.recipient;
    EXPECT_EQ(verdict.reasons[0].detail, c.detail) << c.recipient;
    std::string usual = c.detail + std::string_view("you write to ").size();
    EXPECT_EQ(verdict.suggestion, usual.substr(0, usual.find(' '))) << c.recipient;
  }
}

// The policy with history: the reasons a sender sees.
class PolicyWithHistory : public HistoryModes {
 protected:
  std::shared_ptr<const Policy> Compile() {
    PolicySpec spec;
    spec.expected = {{"mod.uk", DomainSource::kOwn}};
    for (ExpectedDomain& learned : history_->LearnedDomains()) spec.expected.push_back(learned);
    auto data = TypoData::Embedded();
    auto policy = Policy::Compile(spec, LoadSystemSuffixList(), *data);
    EXPECT_TRUE(policy.has_value()) << policy.error().ToString();
    return *policy;
  }
  Verdict Evaluate(std::string_view sender, std::string_view recipient) {
    auto from = ParseAddress(sender);
    EvaluationContext context;
    context.history = history_.get();
    context.now = kNow;
    return policy_->Evaluate(&*from, recipient, context);
  }
  std::shared_ptr<const Policy> policy_ = Compile();
};

INSTANTIATE_TEST_SUITE_P(ClearAndHashed, PolicyWithHistory, ::testing::Values(false, true),
                         ModeName);

TEST_P(PolicyWithHistory, SlipOfAWeeklyDomainIsRejected) {
  Verdict verdict = Evaluate("alice@mod.uk", "j.smith@army.ml");
  EXPECT_EQ(verdict.action, Action::kReject);
  ASSERT_FALSE(verdict.reasons.empty());
  EXPECT_EQ(verdict.reasons[0].code, kReasonLookalike);
  EXPECT_NE(verdict.reasons[0].detail.find("you write there often (44 messages)"),
            std::string::npos)
      << verdict.reasons[0].detail;
  EXPECT_EQ(verdict.suggestion, "j.smith@army.mil");
}

TEST_P(PolicyWithHistory, ADomainWithHistoryIsNeverATypo) {
  // ga.com is one letter from gs.com-like names; Alice writes there.
  EXPECT_EQ(Evaluate("alice@mod.uk", "pat@ga.com").action, Action::kAllow);
  EXPECT_EQ(Evaluate("bob@mod.uk", "j.smyth@navy.mil").action, Action::kAllow);
}

TEST_P(PolicyWithHistory, UnfamiliarRecipientWarnsWithTheUsualAddress) {
  Verdict verdict = Evaluate("alice@mod.uk", "j.smiht@army.mil");
  EXPECT_EQ(verdict.action, Action::kWarn);
  ASSERT_EQ(verdict.reasons.size(), 1u);
  EXPECT_EQ(verdict.reasons[0].code, kReasonUnfamiliarRecipient);
  EXPECT_EQ(verdict.reasons[0].label, kUnfamiliarNearCorrespondent);
  if (keyer_.hashed()) {
    EXPECT_FALSE(verdict.suggestion.has_value());
  } else {
    EXPECT_EQ(verdict.suggestion, "j.smith@army.mil");
  }
  Verdict by_name = Evaluate("alice@mod.uk", "\"John Smith\" <john.smith@outlook.com>");
  EXPECT_EQ(by_name.action, Action::kWarn);
  ASSERT_EQ(by_name.reasons.size(), 1u);
  EXPECT_EQ(by_name.reasons[0].label, kUnfamiliarNameMismatch);
}

TEST_P(PolicyWithHistory, NoSenderMeansOnlyTheOrganisationsHistory) {
  EvaluationContext context;
  context.history = history_.get();
  context.now = kNow;
  EXPECT_EQ(policy_->Evaluate(nullptr, "j.smiht@army.mil", context).action, Action::kAllow);
  EXPECT_EQ(policy_->Evaluate(nullptr, "x@army.ml", context).action, Action::kReject);
}

TEST_P(PolicyWithHistory, SessionChecksDisplayNamesAtTheEndAndLearnsOnlyAllowedRecipients) {
  MessageSession session = testing_support::NewSession(policy_, /*can_refuse=*/true, history_, kNow);
  session.Sender("<alice@mod.uk>");
  EXPECT_FALSE(session.Recipient("<j.smith@army.mil>").refuse);
  EXPECT_FALSE(session.Recipient("<john.smith@outlook.com>").refuse);
  EXPECT_TRUE(session.Recipient("<x@army.ml>").refuse);
  session.Header("To", "John Smith <j.smith@army.mil>, John Smith <John.Smith@outlook.com>");
  session.Header("Message-ID", "<id-1@mod.uk>");
  MessageOutcome outcome = session.EndOfMessage();
  EXPECT_FALSE(outcome.hold);
  EXPECT_NE(outcome.summary.find("unfamiliar-recipient"), std::string::npos) << outcome.summary;
  std::optional<SentMessage> learned = session.ToLearn("QUEUEID");
  ASSERT_TRUE(learned.has_value());
  EXPECT_EQ(learned->key, "<id-1@mod.uk>");
  EXPECT_EQ(learned->sender, "alice@mod.uk");
  ASSERT_EQ(learned->recipients.size(), 1u);  // the warned and the refused ones are not learned
  EXPECT_EQ(learned->recipients[0].address, "j.smith@army.mil");
  EXPECT_EQ(learned->recipients[0].display_name, "John Smith");
}

TEST_P(PolicyWithHistory, HeldMailIsNotLearned) {
  MessageSession session = testing_support::NewSession(policy_, /*can_refuse=*/false, history_, kNow);  // sendmail(1)
  session.Sender("<alice@mod.uk>");
  session.Recipient("<j.smith@army.mil>");
  session.Recipient("<x@army.ml>");  // a reject becomes a hold here
  EXPECT_TRUE(session.EndOfMessage().hold);
  EXPECT_FALSE(session.ToLearn("QUEUEID").has_value());
}

}  // namespace
}  // namespace rcptguard
