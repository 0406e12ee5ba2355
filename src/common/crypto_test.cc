#include "common/crypto.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <vector>

namespace eddy {
namespace {

TEST(CryptoTest, Md5HexMatchesKnownVectors) {
  EXPECT_EQ(Md5Hex("hello"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(Md5Hex("msg"), "6e2baaf3b97dbeef01c0043275f9a0e7");
}

TEST(CryptoTest, Sha256HexMatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("Test"), "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25");
}

TEST(CryptoTest, Base64RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\x00\x01\xff", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)).value(), s);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(s)).value(), s);
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("aGVsbG8").has_value());
  EXPECT_FALSE(Base64Decode("a$==").has_value());
  EXPECT_FALSE(Base64UrlDecode("a").has_value());
}

TEST(CryptoTest, UuidIsV4AndUnique) {
  std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuid();
    ASSERT_TRUE(std::regex_match(id, re)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(CryptoTest, UuidHasCanonicalForm) {
  std::string u = NewUuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[8], '-');
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(NewUuid(), u);
}

}  // namespace
}  // namespace eddy
