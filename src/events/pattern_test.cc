#include "events/pattern.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace eddy::events {
namespace {

bool M(const char* pattern, const char* event) {
  std::string error;
  auto p = Pattern::Parse(pattern, &error);
  EXPECT_TRUE(p.has_value()) << pattern << ": " << error;
  return p && p->Matches(boost::json::parse(event));
}

TEST(PatternTest, ExactValuesAndNesting) {
  EXPECT_TRUE(M(R"({"source":["aws.ec2"]})", R"({"source":"aws.ec2"})"));
  EXPECT_FALSE(M(R"({"source":["aws.ec2"]})", R"({"source":"aws.s3"})"));
  EXPECT_FALSE(M(R"({"source":["aws.ec2"]})", R"({})"));
  EXPECT_TRUE(M(R"({"detail":{"state":["running","stopped"]}})", R"({"detail":{"state":"stopped"}})"));
  EXPECT_TRUE(M(R"({"n":[5]})", R"({"n":5.0})"));
  EXPECT_TRUE(M(R"({"x":[null]})", R"({"x":null})"));
  EXPECT_TRUE(M(R"({"tags":["a"]})", R"({"tags":["b","a"]})")) << "arrays: any element";
  EXPECT_TRUE(M(R"({"body":{"RequestCode":["BBBB"]}})", R"({"body":{"RequestCode":"BBBB"}})"));
}

TEST(PatternTest, Operators) {
  EXPECT_TRUE(M(R"({"k":[{"prefix":"ab"}]})", R"({"k":"abc"})"));
  EXPECT_FALSE(M(R"({"k":[{"prefix":"ab"}]})", R"({"k":"xabc"})"));
  EXPECT_TRUE(M(R"({"k":[{"suffix":".png"}]})", R"({"k":"a.png"})"));
  EXPECT_TRUE(M(R"({"k":[{"equals-ignore-case":"AbC"}]})", R"({"k":"aBc"})"));
  EXPECT_TRUE(M(R"({"k":[{"wildcard":"a*c*e"}]})", R"({"k":"abcde"})"));
  EXPECT_FALSE(M(R"({"k":[{"wildcard":"a*c"}]})", R"({"k":"abcd"})"));
  EXPECT_TRUE(M(R"({"k":[{"anything-but":"x"}]})", R"({"k":"y"})"));
  EXPECT_FALSE(M(R"({"k":[{"anything-but":["x","y"]}]})", R"({"k":"y"})"));
  EXPECT_FALSE(M(R"({"k":[{"anything-but":{"prefix":"in"}}]})", R"({"k":"init"})"));
  EXPECT_TRUE(M(R"({"n":[{"numeric":[">",0,"<=",5]}]})", R"({"n":5})"));
  EXPECT_FALSE(M(R"({"n":[{"numeric":[">",0,"<=",5]}]})", R"({"n":6})"));
  EXPECT_TRUE(M(R"({"k":[{"exists":false}]})", R"({})"));
  EXPECT_FALSE(M(R"({"k":[{"exists":false}]})", R"({"k":1})"));
  EXPECT_TRUE(M(R"({"k":[{"exists":true}]})", R"({"k":1})"));
  EXPECT_TRUE(M(R"({"$or":[{"a":[1]},{"b":[2]}]})", R"({"b":2})"));
  EXPECT_FALSE(M(R"({"$or":[{"a":[1]},{"b":[2]}]})", R"({"b":3})"));
}

TEST(PatternTest, InvalidPatternsAreRejected) {
  for (const char* bad : {"not json", "[]", R"({"a":"x"})", R"({"a":[]})", R"({"a":[{"nope":1}]})",
                          R"({"a":[{"numeric":[">"]}]})", R"({"a":[{"prefix":1}]})",
                          R"({"$or":[{"a":[1]}]})"}) {
    EXPECT_FALSE(Pattern::Parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace eddy::events
