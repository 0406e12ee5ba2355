#include "lambda/names.h"

#include <gtest/gtest.h>

namespace eddy::lambda {
namespace {

FunctionRef Parse(std::string_view text, NameShape shape = NameShape::kNamespaced) {
  auto r = ParseFunctionName(text, shape);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : FunctionRef{};
}

void ExpectError(std::string_view text, Errc code, const std::string& message,
                 NameShape shape = NameShape::kNamespaced) {
  auto r = ParseFunctionName(text, shape);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().message, message);
}

TEST(FunctionNameTest, AcceptsEveryFormAwsDocuments) {
  FunctionRef bare = Parse("my-fn");
  EXPECT_EQ(bare.name, "my-fn");
  EXPECT_TRUE(bare.qualifier.empty() && bare.region.empty() && bare.account.empty());

  FunctionRef qualified = Parse("my-fn:live");
  EXPECT_EQ(qualified.name, "my-fn");
  EXPECT_EQ(qualified.qualifier, "live");

  FunctionRef arn = Parse("arn:aws:lambda:us-east-1:123456789012:function:my-fn");
  EXPECT_EQ(arn.region, "us-east-1");
  EXPECT_EQ(arn.account, "123456789012");
  EXPECT_EQ(arn.name, "my-fn");
  EXPECT_TRUE(arn.qualifier.empty());

  FunctionRef arn_latest = Parse("arn:aws:lambda:eu-west-2:123456789012:function:my-fn:$LATEST");
  EXPECT_EQ(arn_latest.qualifier, "$LATEST");

  FunctionRef partial = Parse("123456789012:function:my-fn:7");
  EXPECT_EQ(partial.account, "123456789012");
  EXPECT_EQ(partial.name, "my-fn");
  EXPECT_EQ(partial.qualifier, "7");

  FunctionRef gov = Parse("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f");
  EXPECT_EQ(gov.region, "us-gov-west-1");
  EXPECT_EQ(Parse("my.fn").name, "my.fn");  // '.' only in NamespacedFunctionName
}

TEST(FunctionNameTest, RejectsWithTheModelPattern) {
  const std::string pattern = std::string(kFunctionNamePattern);
  ExpectError("bad name", Errc::kValidation,
              "1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy "
              "constraint: Member must satisfy regular expression pattern: " + pattern,
              NameShape::kFunctionName);
  ExpectError("my.fn", Errc::kValidation,
              "1 validation error detected: Value 'my.fn' at 'functionName' failed to satisfy "
              "constraint: Member must satisfy regular expression pattern: " + pattern,
              NameShape::kFunctionName);
  ExpectError("fn:a:b", Errc::kValidation,
              "1 validation error detected: Value 'fn:a:b' at 'functionName' failed to satisfy "
              "constraint: Member must satisfy regular expression pattern: " +
                  std::string(kNamespacedFunctionNamePattern));
  // A full ARN must say "function".
  EXPECT_FALSE(ParseFunctionName("arn:aws:lambda:us-east-1:123456789012:fn").ok());
  EXPECT_FALSE(ParseFunctionName("arn:aws:s3:us-east-1:123456789012:function:fn").ok());
  EXPECT_FALSE(ParseFunctionName("").ok());
}

TEST(FunctionNameTest, LengthLimits) {
  ExpectError(std::string(141, 'a'), Errc::kValidation,
              "1 validation error detected: Value '" + std::string(141, 'a') +
                  "' at 'functionName' failed to satisfy constraint: Member must have length less "
                  "than or equal to 140",
              NameShape::kFunctionName);
  // Over 64 characters but within the shape: AWS's InvalidParameterValueException oddity.
  ExpectError(std::string(65, 'a'), Errc::kInvalidParameterValue,
              "1 validation error detected: Value '" + std::string(65, 'a') +
                  "' at 'functionName' failed to satisfy constraint: Member must have length less "
                  "than or equal to 64");
  EXPECT_TRUE(ParseFunctionName(std::string(64, 'a')).ok());
}

TEST(FunctionNameTest, ResolveChecksRegionAndQualifier) {
  auto other_region =
      ResolveName(Parse("arn:aws:lambda:ap-southeast-1:000000000000:function:f"), "us-east-1",
                  "000000000000", "");
  ASSERT_FALSE(other_region.ok());
  EXPECT_EQ(other_region.error().code, Errc::kResourceNotFound);
  EXPECT_EQ(other_region.error().message,
            "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')");

  auto mismatch = ResolveName(Parse("f:1"), "us-east-1", "000000000000", "2");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, Errc::kInvalidParameterValue);
  EXPECT_EQ(mismatch.error().message,
            "The derived qualifier from the function name does not match the specified qualifier.");

  auto same = ResolveName(Parse("f:1"), "us-east-1", "000000000000", "1");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->qualifier, "1");

  auto explicit_only = ResolveName(Parse("123456789012:function:f"), "us-east-1", "000000000000", "live");
  ASSERT_TRUE(explicit_only.ok());
  EXPECT_EQ(explicit_only->id.account, "123456789012");
  EXPECT_EQ(explicit_only->qualifier, "live");
  EXPECT_EQ(explicit_only->id.Arn(), "arn:aws:lambda:us-east-1:123456789012:function:f");
}

TEST(PatternTest, RoleArn) {
  EXPECT_TRUE(IsRoleArn("arn:aws:iam::123456789012:role/lambda-role"));
  EXPECT_TRUE(IsRoleArn("arn:aws:iam::123456789012:role/path/to/r+=,.@-_"));
  EXPECT_TRUE(IsRoleArn("arn:aws-cn:iam::123456789012:role/r"));
  EXPECT_FALSE(IsRoleArn("r1"));
  EXPECT_FALSE(IsRoleArn("arn:aws:iam::12345678901:role/r"));  // 11 digits
  EXPECT_FALSE(IsRoleArn("arn:aws:iam::123456789012:role"));
  EXPECT_FALSE(IsRoleArn("arn:aws:iam::123456789012:user/r"));
  EXPECT_FALSE(IsRoleArn("arn:aws:iam::123456789012:role/a b"));
}

TEST(PatternTest, AliasesVersionsRegions) {
  EXPECT_TRUE(IsAliasName("live"));
  EXPECT_TRUE(IsAliasName("v1"));
  EXPECT_FALSE(IsAliasName("123"));  // all digits is a version
  EXPECT_FALSE(IsAliasName("a.b"));
  EXPECT_TRUE(IsQualifier("$LATEST"));
  EXPECT_FALSE(IsQualifier("$latest"));
  EXPECT_TRUE(IsRegion("us-east-1"));
  EXPECT_TRUE(IsRegion("us-gov-west-1"));
  EXPECT_TRUE(IsRegion("us-isob-east-1"));
  EXPECT_FALSE(IsRegion("us-east"));
  EXPECT_FALSE(IsRegion("useast-1"));
}

}  // namespace
}  // namespace eddy::lambda
