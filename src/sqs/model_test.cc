#include "sqs/model.h"

#include <gtest/gtest.h>

#include "sqs/receipt.h"

namespace eddy::sqs {
namespace {

MessageAttributeValue Str(std::string type, std::string v) { return {std::move(type), std::move(v), {}}; }
MessageAttributeValue Bin(std::string v) { return {"Binary", {}, std::move(v)}; }

// Vectors from reference/sqs.md §4.3 (several recorded on AWS).
TEST(Md5OfAttributesTest, MatchesAwsVectors) {
  EXPECT_EQ(Md5OfAttributes({{"Foo", Str("String", "Bar")}}), "ae7155c6026991b6d54b11589678bf9c");
  EXPECT_EQ(Md5OfAttributes({{"MyAttribute", Str("String", "foobar")}}),
            "adb59cd4678ea5a855436b949cd07ab6");
  EXPECT_EQ(Md5OfAttributes({{"a", Str("String", "x")}}), "a512aac9938034acb0b3c3d965944bf1");
  EXPECT_EQ(Md5OfAttributes({{"n", Str("Number", "1")}}), "ef88bdc4583394a9f2bcdc6a6f0ccbfe");
  EXPECT_EQ(Md5OfAttributes({{"b", Bin(std::string("\x00\x01", 2))}}),
            "973749046908c117819a7d5e12dac587");
  EXPECT_EQ(Md5OfAttributes({{"a", Bin(std::string("\x00\x01", 2))},
                             {"b", Str("Number", "1")},
                             {"c", Str("String.custom", "x")}}),
            "4fb84f591774b8129f606b6d5d05af13");
  EXPECT_EQ(Md5OfAttributes({{"Help.Me", Str("String", "Me")},
                             {"Hello", Str("String", "There")},
                             {"General", Str("String", "Kenobi")}}),
            "4c360f3fdafd970e05fae2f149d997f5");
  EXPECT_EQ(Md5OfAttributes({{"Hello", Str("String", "There")}, {"General", Str("String", "Kenobi")}}),
            "fca026605781cb4126a1e9044df24232");
  EXPECT_EQ(Md5OfAttributes({{"AWSTraceHeader",
                              Str("String",
                                  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
                                  "Sampled=1")}}),
            "5ae4d5d7636402d80f4eb6d213245a88");
  EXPECT_EQ(Md5OfAttributes({}), "");
}

TEST(MessagePayloadTest, EncodeDecodeRoundTrips) {
  MessagePayload p;
  p.message_id = "id";
  p.body = std::string("body\0with nul", 13);
  p.md5_of_body = "md5";
  p.attributes = {{"a", Str("String", "x")}, {"b", Bin("\x01\x02")}};
  p.md5_of_attributes = "m";
  p.trace_header = "t";
  p.sender_id = "s";
  p.sent_ms = 123456789;
  p.group_id = "g";
  auto d = MessagePayload::Decode(p.Encode());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->body, p.body);
  EXPECT_EQ(d->attributes.at("b").binary_value, "\x01\x02");
  EXPECT_EQ(d->attributes.at("a").string_value, "x");
  EXPECT_EQ(d->sent_ms, p.sent_ms);
  EXPECT_EQ(d->group_id, "g");
  std::string truncated = p.Encode();
  truncated.pop_back();
  EXPECT_FALSE(MessagePayload::Decode(truncated).has_value());
}

TEST(ReceiptTest, RejectsForgeryAndOtherKeys) {
  std::string key(32, 'k');
  std::string h = EncodeReceipt({7, 42, 99}, key);
  auto r = DecodeReceipt(h, key);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->queue_id, 7u);
  EXPECT_EQ(r->seq, 42u);
  EXPECT_EQ(r->nonce, 99u);
  std::string forged = h;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(DecodeReceipt(forged, key).has_value());
  EXPECT_FALSE(DecodeReceipt(h, std::string(32, 'x')).has_value());
  EXPECT_FALSE(DecodeReceipt("garbage", key).has_value());
}

TEST(QueueArnTest, ParsesQueueArnsOnly) {
  auto q = ParseQueueArn("arn:aws:sqs:eu-west-1:123456789012:orders.fifo");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->region, "eu-west-1");
  EXPECT_EQ(q->account, "123456789012");
  EXPECT_EQ(q->name, "orders.fifo");
  EXPECT_EQ(q->Url(), "123456789012/orders.fifo");
  for (const char* bad : {"", "arn:aws:sns:us-east-1:1:t", "arn:aws:sqs:us-east-1:1", "arn:aws:sqs:us-east-1:1:",
                          "arn:aws:sqs::1:q", "arn:aws:sqs:us-east-1::q", "http://host/1/q"}) {
    EXPECT_FALSE(ParseQueueArn(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace eddy::sqs
