// Edit classification and keyboard geometry of the typo model.
#include "core/typo_model.h"

#include <gtest/gtest.h>

namespace rcptguard {
namespace {

struct EditCase {
  const char* typed;
  const char* intended;
  TypoClass want;
};

TEST(ClassifyEdit, NamesEachSingleEdit) {
  const EditCase cases[] = {
      {"gmal", "gmail", TypoClass::kOmission},
      {"yaho", "yahoo", TypoClass::kOmission},
      {"gmaill", "gmail", TypoClass::kRepetition},
      {"gmaoil", "gmail", TypoClass::kInsertion},
      {"gmial", "gmail", TypoClass::kTransposition},
      {"gmaik", "gmail", TypoClass::kKeyboardSubstitution},
      {"hotmeil", "hotmail", TypoClass::kVowelSwap},
      {"gmaxl", "gmail", TypoClass::kSubstitution},
      {"paypa1", "paypal", TypoClass::kHomoglyph},
      {"g0ogle", "google", TypoClass::kHomoglyph},
      {"micro-soft", "microsoft", TypoClass::kHyphenation},
      {"bundeswehr", "bundes-wehr", TypoClass::kHyphenation},
      {"usarmy", "us.army", TypoClass::kDotOmission},
      {"ar.my", "army", TypoClass::kDotInsertion},
      {"microsofu", "microsoft", TypoClass::kBitsquat},  // 't' 0x74 -> 'u' 0x75
  };
  for (const EditCase& c : cases) {
    auto edit = ClassifyEdit(c.typed, c.intended);
    ASSERT_TRUE(edit.has_value()) << c.typed << " vs " << c.intended;
    EXPECT_EQ(edit->typo_class, c.want)
        << c.typed << " vs " << c.intended << ": got " << TypoClassName(edit->typo_class)
        << ", want " << TypoClassName(c.want);
  }
}

TEST(ClassifyEdit, CountsCodePointsAndFoldsDiacritics) {
  const EditCase cases[] = {
      {"münchn", "münchen", TypoClass::kOmission},
      {"mnchen", "münchen", TypoClass::kOmission},
      {"munchen", "münchen", TypoClass::kHomoglyph},
      {"mùnchen", "münchen", TypoClass::kHomoglyph},
      {"gmäil", "gmail", TypoClass::kHomoglyph},
      {"søren", "soren", TypoClass::kHomoglyph},  // a stroke does not decompose
      {"mücnhen", "münchen", TypoClass::kTransposition},
  };
  for (const EditCase& c : cases) {
    auto edit = ClassifyEdit(c.typed, c.intended);
    ASSERT_TRUE(edit.has_value()) << c.typed << " vs " << c.intended;
    EXPECT_EQ(edit->typo_class, c.want)
        << c.typed << " vs " << c.intended << ": got " << TypoClassName(edit->typo_class)
        << ", want " << TypoClassName(c.want);
  }
  auto umlaut = ClassifyEdit("mnchen", "münchen");
  ASSERT_TRUE(umlaut.has_value());
  EXPECT_EQ(ExplainEdit(*umlaut, "mnchen", "münchen"), "the letter 'ü' left out");
}

TEST(ClassifyTwoEdits, FindsTheLikeliestPairAndScoresByKind) {
  auto rotation = ClassifyTwoEdits("gmila", "gmail");
  ASSERT_TRUE(rotation.has_value());
  EXPECT_TRUE(rotation->moved);
  auto keys = ClassifyTwoEdits("gnaik", "gmail");  // two neighbouring keys
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->first.typo_class, TypoClass::kKeyboardSubstitution);
  EXPECT_EQ(keys->second.typo_class, TypoClass::kKeyboardSubstitution);
  // Two letters from nowhere are another name, not two slips.
  EXPECT_FALSE(ClassifyTwoEdits("gxaiq", "gmail").has_value());
  auto vowel_and_key = ClassifyTwoEdits("gmeik", "gmail");
  ASSERT_TRUE(vowel_and_key.has_value());
  EXPECT_LT(vowel_and_key->probability, keys->probability * 2);
  EXPECT_FALSE(ClassifyTwoEdits("gmial", "gmail").has_value());  // one edit
  EXPECT_FALSE(ClassifyTwoEdits("gxqiq", "gmail").has_value());  // three edits
}

TEST(ClassifyEdit, RefusesEqualOrDistantStrings) {
  EXPECT_FALSE(ClassifyEdit("gmail", "gmail").has_value());
  EXPECT_FALSE(ClassifyEdit("navy", "army").has_value());
  EXPECT_FALSE(ClassifyEdit("gmx", "gmail").has_value());
  EXPECT_FALSE(ClassifyEdit("abcd", "badc").has_value());
}

TEST(AreKeyboardNeighbours, CoversQwertyQwertzAndAzerty) {
  EXPECT_TRUE(AreKeyboardNeighbours('m', 'n'));  // QWERTY bottom row
  EXPECT_TRUE(AreKeyboardNeighbours('s', 'w'));  // across rows
  EXPECT_TRUE(AreKeyboardNeighbours('z', 'u'));  // QWERTZ: z sits between t and u
  EXPECT_TRUE(AreKeyboardNeighbours('a', 'z'));  // AZERTY: a beside z
  EXPECT_TRUE(AreKeyboardNeighbours('m', 'l'));  // AZERTY: m at the end of the home row
  EXPECT_FALSE(AreKeyboardNeighbours('a', 'p'));
  EXPECT_FALSE(AreKeyboardNeighbours('q', 'm'));
}

TEST(ClassifySuffixChange, UsesTheTableThenKeystrokesThenLabels) {
  auto data = TypoData::Embedded();
  ASSERT_TRUE(data.has_value()) << data.error().ToString();
  auto mil = ClassifySuffixChange("ml", "mil", *data);
  ASSERT_TRUE(mil.has_value());
  EXPECT_EQ(mil->typo_class, TypoClass::kTldSwap);
  auto uk = ClassifySuffixChange("uk", "co.uk", *data);
  ASSERT_TRUE(uk.has_value());
  EXPECT_EQ(uk->typo_class, TypoClass::kSuffixChange);
  auto unlisted_keystroke = ClassifySuffixChange("cpm.au", "com.au", *data);
  ASSERT_TRUE(unlisted_keystroke.has_value());
  EXPECT_EQ(unlisted_keystroke->typo_class, TypoClass::kTldSwap);
  EXPECT_LT(unlisted_keystroke->probability, mil->probability);
  // Regional variants are as often other domains people mean as slips: weak
  // evidence, marked as the fallback.
  auto regional = ClassifySuffixChange("de", "net", *data);
  ASSERT_TRUE(regional.has_value());
  EXPECT_TRUE(regional->any_suffix);
  EXPECT_LT(regional->probability, mil->probability / 10);
  EXPECT_FALSE(ClassifySuffixChange("com", "com", *data).has_value());
  // The habitual endings are slips of their own kind, not the fallback.
  for (auto [typed, intended] : {std::pair{"com", "co.uk"},
                                 {"co.uk", "uk"},
                                 {"uk.co", "uk"},
                                 {"gov.com", "gov.uk"},
                                 {"uk.co", "co.uk"}}) {
    auto habit = ClassifySuffixChange(typed, intended, *data);
    ASSERT_TRUE(habit.has_value()) << typed << " for " << intended;
    EXPECT_FALSE(habit->any_suffix) << typed << " for " << intended;
    EXPECT_EQ(habit->typo_class, TypoClass::kSuffixChange) << typed << " for " << intended;
  }
}

TEST(IntendedPrior, ShortUnknownLabelsAreMoreLikelyMeant) {
  EXPECT_GT(IntendedPrior(3 /* ups */, false, false, true),
            IntendedPrior(5 /* gmial */, false, false, true));
  EXPECT_GT(IntendedPrior(5 /* gmial */, false, false, true),
            IntendedPrior(9 /* microsfot */, false, false, true));
  EXPECT_LT(IntendedPrior(4 /* arny */, false, true, true),
            IntendedPrior(4 /* arny */, false, false, true));
  EXPECT_LT(IntendedPrior(5 /* gmail */, true, false, false),
            IntendedPrior(5 /* gmail */, true, false, true));
}

TEST(TypoData, ShippedTablesParse) {
  auto data = TypoData::Embedded();
  ASSERT_TRUE(data.has_value()) << data.error().ToString();
  EXPECT_GT(data->confusion_count(), 50u);
  EXPECT_NE(data->Find("mil", "ml"), nullptr);
  EXPECT_TRUE(data->IsRestricted("mil"));
  EXPECT_TRUE(data->IsRestricted("gov.uk"));
  EXPECT_FALSE(data->IsRestricted("com"));
}

TEST(TypoData, ErrorsNameFileAndLine) {
  auto bad = TypoData::Parse("# header\nmil\tml\ttld-swap\tlots\n", "t.tsv", "", "r.txt");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().where, "t.tsv:2");
  auto bad_class = TypoData::Parse("mil\tml\tomission\t0.1\n", "t.tsv", "", "r.txt");
  ASSERT_FALSE(bad_class.has_value());
  EXPECT_NE(bad_class.error().message.find("tld-swap or suffix-change"), std::string::npos);
}

}  // namespace
}  // namespace rcptguard
