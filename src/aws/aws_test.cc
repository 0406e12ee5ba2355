#include <regex>
#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "aws/form.h"
#include "aws/query_codec.h"
#include "aws/sigv4.h"
#include "aws/xml.h"

namespace eddy::aws {
namespace {

namespace json = boost::json;

TEST(FormTest, DecodesPercentAndPlus) {
  FormParams p;
  ASSERT_TRUE(ParseForm("Action=SendMessage&MessageBody=hello+world%21%0A%E2%9C%93&Empty=&Flag", &p));
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].name, "Action");
  EXPECT_EQ(p[0].value, "SendMessage");
  EXPECT_EQ(p[1].value, "hello world!\n\xE2\x9C\x93");
  EXPECT_EQ(p[2].name, "Empty");
  EXPECT_EQ(p[2].value, "");
  EXPECT_EQ(p[3].name, "Flag");
  EXPECT_EQ(p[3].value, "");
  ASSERT_NE(FindParam(p, "Action"), nullptr);
  EXPECT_EQ(FindParam(p, "action"), nullptr);
}

TEST(FormTest, SkipsEmptyPairsAndDecodesNames) {
  FormParams p;
  ASSERT_TRUE(ParseForm("&&a%2Eb=1&&%41=%2b&", &p));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "a.b");
  EXPECT_EQ(p[1].name, "A");
  EXPECT_EQ(p[1].value, "+");
}

TEST(FormTest, RejectsMalformedEscapes) {
  FormParams p;
  EXPECT_FALSE(ParseForm("a=%", &p));
  EXPECT_FALSE(ParseForm("a=%4", &p));
  EXPECT_FALSE(ParseForm("a=%zz", &p));
  EXPECT_FALSE(ParseForm("a%g1=1", &p));
  std::string out;
  EXPECT_TRUE(PercentDecode("a+b%20c", false, &out));
  EXPECT_EQ(out, "a+b c");
}

TEST(XmlTest, Escapes) {
  std::string out;
  AppendXmlEscaped("a&b<c>d\"e'f\rg\th\ni\x01j", &out);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&quot;e'f&#xD;g\th\ni\xEF\xBF\xBDj");
}

TEST(XmlTest, EscapesEveryPositionOfLongText) {
  // Exercise the 8-byte fast path: special characters at every offset.
  for (size_t pos = 0; pos < 20; ++pos) {
    for (char special : {'&', '<', '>', '"', '\r', '\x01', '\t', '\n'}) {
      std::string text(20, 'a');
      text[pos] = special;
      std::string out;
      AppendXmlEscaped(text, &out);
      std::string expected = std::string(pos, 'a');
      switch (special) {
        case '&': expected += "&amp;"; break;
        case '<': expected += "&lt;"; break;
        case '>': expected += "&gt;"; break;
        case '"': expected += "&quot;"; break;
        case '\r': expected += "&#xD;"; break;
        case '\x01': expected += "\xEF\xBF\xBD"; break;
        default: expected += special; break;
      }
      expected += std::string(19 - pos, 'a');
      EXPECT_EQ(out, expected) << pos << " " << int(special);
    }
  }
  std::string utf8 = "\xE2\x9C\x93\xF0\x9F\x98\x80 plain \xC3\xA9t\xC3\xA9";
  std::string out;
  AppendXmlEscaped(utf8, &out);
  EXPECT_EQ(out, utf8);
}

TEST(FormTest, DecodesEveryPositionOfLongText) {
  for (size_t pos = 0; pos < 20; ++pos) {
    std::string text(20, 'a');
    text.replace(pos, 1, "%2B+");
    std::string out;
    ASSERT_TRUE(PercentDecode(text, true, &out));
    EXPECT_EQ(out, std::string(pos, 'a') + "+ " + std::string(19 - pos, 'a'));
  }
}

TEST(XmlTest, Writer) {
  std::string out;
  XmlWriter w(&out);
  w.Declaration();
  w.OpenWithNamespace("R", "http://x/");
  w.Element("S", "a<b");
  w.Element("I", int64_t{-42});
  w.Element("B", true);
  w.Empty("E");
  w.Close("R");
  EXPECT_EQ(out, "<?xml version=\"1.0\"?><R xmlns=\"http://x/\"><S>a&lt;b</S><I>-42</I><B>true</B><E/></R>");
}

TEST(SigV4Test, ParsesAuthorizationHeader) {
  auto h = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-2/sqs/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=abc123");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->credential.access_key_id, "AKID");
  EXPECT_EQ(h->credential.date, "20250101");
  EXPECT_EQ(h->credential.region, "eu-west-2");
  EXPECT_EQ(h->credential.service, "sqs");
  EXPECT_EQ(h->credential.terminator, "aws4_request");
  EXPECT_EQ(h->signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(h->signature, "abc123");
  // Without spaces after commas (some SDKs).
  h = ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=A/20250101/us-west-1/sqs/aws4_request,SignedHeaders=host,Signature=0");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->credential.region, "us-west-1");
}

TEST(SigV4Test, RejectsBadHeaders) {
  EXPECT_FALSE(ParseAuthorizationHeader(""));
  EXPECT_FALSE(ParseAuthorizationHeader("AWS AKID:sig"));
  EXPECT_FALSE(ParseAuthorizationHeader("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=0"));
  EXPECT_FALSE(ParseAuthorizationHeader("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/sqs"));
  EXPECT_FALSE(ParseCredential("a/b/c/d/e/f"));
  EXPECT_FALSE(ParseCredential("a//c/d/e"));
  EXPECT_TRUE(ParseCredential("a/b/c/d/e"));
}

// A test model: Op{Name, Count:int, Flag:bool, Names:list "Name", Tags:map "Tag" Key/Value,
// Entries:list "Entry" of {Id, Attrs: map "Attr" Name/Value of {Type, Val}}}.
constexpr Member kAttrValueMembers[] = {{.name = "Val"}, {.name = "Type"}};
constexpr Shape kAttrValue{kAttrValueMembers};
constexpr Member kEntryMembers[] = {
    {.name = "Id"},
    {.name = "Attrs", .wire = "Attr", .kind = ShapeKind::kMap, .element = ShapeKind::kStructure,
     .structure = &kAttrValue},
    {.name = "Delay", .kind = ShapeKind::kInteger},
};
constexpr Shape kEntry{kEntryMembers};
constexpr Member kOpMembers[] = {
    {.name = "Name"},
    {.name = "Count", .kind = ShapeKind::kInteger},
    {.name = "Flag", .kind = ShapeKind::kBoolean},
    {.name = "Names", .wire = "Name", .kind = ShapeKind::kList},
    {.name = "Tags", .wire = "Tag", .kind = ShapeKind::kMap, .key = "Key", .value = "Value"},
    {.name = "Entries", .wire = "Entry", .kind = ShapeKind::kList, .element = ShapeKind::kStructure,
     .structure = &kEntry},
};
constexpr Shape kOp{kOpMembers};

json::object Decode(std::string_view form) {
  FormParams p;
  EXPECT_TRUE(ParseForm(form, &p));
  json::object out;
  QueryDecodeError err;
  EXPECT_TRUE(QueryToJson(p, kOp, &out, &err)) << err.parameter;
  return out;
}

TEST(QueryCodecTest, ScalarsListsMaps) {
  json::object o = Decode(
      "Action=Op&Version=1&Name=n&Count=-7&Flag=true&Name.2=b&Name.1=a&Name.x=ignored&Name.0=ignored"
      "&Tag.1.Key=k1&Tag.1.Value=v1&Tag.2.Key=k2&Tag.3.Value=orphan&Unknown=1");
  EXPECT_EQ(json::serialize(o),
            R"({"Name":"n","Count":-7,"Flag":true,"Names":["a","b"],"Tags":{"k1":"v1","k2":""}})");
}

TEST(QueryCodecTest, NestedStructuresInOrderWithGaps) {
  json::object o = Decode(
      "Entry.10.Id=ten&Entry.2.Id=two&Entry.2.Delay=5&Entry.2.Attr.1.Name=a&Entry.2.Attr.1.Value.Type=T"
      "&Entry.2.Attr.1.Value.Val=x&Entry.2.Attr.2.Name=b");
  EXPECT_EQ(json::serialize(o),
            R"({"Entries":[{"Id":"two","Attrs":{"a":{"Val":"x","Type":"T"},"b":{}},"Delay":5},{"Id":"ten"}]})");
}

TEST(QueryCodecTest, EmptyWhenNothingMatches) {
  EXPECT_TRUE(Decode("Action=Op").empty());
}

TEST(QueryCodecTest, ReportsBadIntegers) {
  for (std::string_view form : {"Count=abc", "Count=", "Count=1.5", "Count=99999999999999999999",
                                "Entry.3.Delay=x"}) {
    FormParams p;
    ASSERT_TRUE(ParseForm(form, &p));
    json::object out;
    QueryDecodeError err;
    EXPECT_FALSE(QueryToJson(p, kOp, &out, &err)) << form;
    EXPECT_EQ(err.parameter, std::string(form.substr(0, form.find('='))));
  }
  FormParams p;
  ASSERT_TRUE(ParseForm("Flag=yes", &p));
  json::object out;
  QueryDecodeError err;
  EXPECT_FALSE(QueryToJson(p, kOp, &out, &err));
  EXPECT_EQ(err.expected, ShapeKind::kBoolean);
}

TEST(QueryCodecTest, JsonToXmlFlattened) {
  json::object o = json::parse(
      R"({"Entries":[{"Id":"1","Attrs":{"a":{"Type":"T","Val":"x&y"}}},{"Id":"2"}],"Name":"n","Count":3,)"
      R"("Flag":false,"Names":["p","q"],"Tags":{"k":"v"},"Other":"ignored"})")
                      .as_object();
  std::string out;
  XmlWriter w(&out);
  JsonToXml(o, kOp, w);
  EXPECT_EQ(out,
            "<Name>n</Name><Count>3</Count><Flag>false</Flag><Name>p</Name><Name>q</Name>"
            "<Tag><Key>k</Key><Value>v</Value></Tag>"
            "<Entry><Id>1</Id><Attr><Name>a</Name><Value><Val>x&amp;y</Val><Type>T</Type></Value></Attr></Entry>"
            "<Entry><Id>2</Id></Entry>");
}

}  // namespace
}  // namespace eddy::aws
