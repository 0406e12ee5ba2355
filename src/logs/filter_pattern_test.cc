// Filter patterns: the unstructured syntax FilterLogEvents and `aws logs tail --filter-pattern` use.

#include "logs/filter_pattern.h"

#include <gtest/gtest.h>

namespace eddy::logs {
namespace {

bool Match(std::string_view pattern, std::string_view message) {
  return FilterPattern::Parse(pattern).Matches(message);
}

TEST(FilterPatternTest, EmptyMatchesEverything) {
  EXPECT_TRUE(FilterPattern::Parse("").MatchesEverything());
  EXPECT_TRUE(FilterPattern::Parse("   ").MatchesEverything());
  EXPECT_TRUE(FilterPattern::Parse("\"\"").MatchesEverything());
  EXPECT_TRUE(Match("", "anything"));
}

TEST(FilterPatternTest, AllTermsMustAppearCaseSensitive) {
  EXPECT_TRUE(Match("ERROR timeout", "12:00 ERROR: db timeout after 3s"));
  EXPECT_FALSE(Match("ERROR timeout", "12:00 ERROR: db refused"));
  EXPECT_FALSE(Match("ERROR", "error in lower case"));
}

TEST(FilterPatternTest, QuotedPhraseIsOneTerm) {
  EXPECT_TRUE(Match("\"connection reset\"", "peer: connection reset by peer"));
  EXPECT_FALSE(Match("\"connection reset\"", "reset connection"));
  EXPECT_TRUE(Match("\"say \\\"hi\\\"\"", "they say \"hi\" twice"));
  EXPECT_TRUE(Match("\"unterminated phrase", "an unterminated phrase here"));
}

TEST(FilterPatternTest, QuestionMarkTermsAreAlternatives) {
  FilterPattern p = FilterPattern::Parse("?ERROR ?WARN");
  EXPECT_EQ(p.any_of(), (std::vector<std::string>{"ERROR", "WARN"}));
  EXPECT_TRUE(p.Matches("WARN disk"));
  EXPECT_TRUE(p.Matches("ERROR disk"));
  EXPECT_FALSE(p.Matches("INFO disk"));
  EXPECT_TRUE(Match("?\"Task timed out\" ?Exception", "Task timed out after 3.00 seconds"));
}

TEST(FilterPatternTest, MinusTermsExclude) {
  EXPECT_TRUE(Match("ERROR -Retrying", "ERROR failed"));
  EXPECT_FALSE(Match("ERROR -Retrying", "ERROR failed. Retrying"));
  // A lone '-' or '?' is a literal term.
  EXPECT_TRUE(Match("a - b", "a - b"));
  EXPECT_FALSE(Match("?", "no question"));
}

TEST(FilterPatternTest, StructuredPatternsAreTermsAndNeverFail) {
  for (std::string_view p : {"{ $.level = \"ERROR\" }", "[ip, user, ...]", "%ERR(OR)?%", "{", "[",
                             "\"", "\\", "?", "-", "{ $.a = * }"}) {
    FilterPattern parsed = FilterPattern::Parse(p);
    (void)parsed.Matches("{\"level\":\"ERROR\"}");
  }
  EXPECT_FALSE(Match("{ $.level = \"ERROR\" }", "{\"level\":\"ERROR\"}"));
  EXPECT_TRUE(Match("[ip,", "[ip, user]"));
}

}  // namespace
}  // namespace eddy::logs
