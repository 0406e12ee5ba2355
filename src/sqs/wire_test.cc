// Tests of the SQS wire layer: the pure codecs (Query -> canonical JSON, JSON -> XML, error bodies)
// with golden strings, and the whole HttpHandler over a real Engine for both protocols.

#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "aws/form.h"
#include "common/clock.h"
#include "sqs/http_handler.h"

namespace eddy::sqs {
namespace {

namespace json = boost::json;
using wire::Protocol;

aws::FormParams Form(std::string_view text) {
  aws::FormParams p;
  EXPECT_TRUE(aws::ParseForm(text, &p)) << text;
  return p;
}

std::string QueryJson(std::string_view action, std::string_view form) {
  json::object out;
  auto r = wire::QueryToRequest(action, Form(form), &out);
  if (!r) return "error: " + r.error().message;
  return json::serialize(out);
}

// ---------------------------------------------------------------------------------------------------
// Query -> canonical JSON

TEST(QueryToRequestTest, CreateQueueAttributesAndTags) {
  EXPECT_EQ(QueryJson("CreateQueue",
                      "Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=DelaySeconds"
                      "&Attribute.1.Value=5&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=60"
                      "&Tag.1.Key=team&Tag.1.Value=core&Tag.2.Key=empty&Tag.2.Value="),
            R"({"QueueName":"q","Attributes":{"DelaySeconds":"5","VisibilityTimeout":"60"},)"
            R"("tags":{"team":"core","empty":""}})");
}

TEST(QueryToRequestTest, TagQueueUntagQueueSetAttributes) {
  EXPECT_EQ(QueryJson("TagQueue", "QueueUrl=u&Tag.1.Key=a&Tag.1.Value=b"),
            R"({"QueueUrl":"u","Tags":{"a":"b"}})");
  EXPECT_EQ(QueryJson("UntagQueue", "QueueUrl=u&TagKey.1=a&TagKey.2=b"),
            R"({"QueueUrl":"u","TagKeys":["a","b"]})");
  EXPECT_EQ(QueryJson("SetQueueAttributes", "QueueUrl=u&Attribute.1.Name=Policy&Attribute.1.Value="),
            R"({"QueueUrl":"u","Attributes":{"Policy":""}})");
  EXPECT_EQ(QueryJson("GetQueueAttributes", "QueueUrl=u&AttributeName.1=All"),
            R"({"QueueUrl":"u","AttributeNames":["All"]})");
  EXPECT_EQ(QueryJson("ListQueues", "QueueNamePrefix=p&MaxResults=5&NextToken=t"),
            R"({"QueueNamePrefix":"p","NextToken":"t","MaxResults":5})");
}

TEST(QueryToRequestTest, ReceiveMessage) {
  EXPECT_EQ(QueryJson("ReceiveMessage",
                      "QueueUrl=u&AttributeName.1=All&MessageSystemAttributeName.1=SenderId"
                      "&MessageAttributeName.1=a&MessageAttributeName.2=b.*&MaxNumberOfMessages=10"
                      "&VisibilityTimeout=0&WaitTimeSeconds=20&ReceiveRequestAttemptId=x"),
            R"({"QueueUrl":"u","AttributeNames":["All"],"MessageSystemAttributeNames":["SenderId"],)"
            R"("MessageAttributeNames":["a","b.*"],"MaxNumberOfMessages":10,"VisibilityTimeout":0,)"
            R"("WaitTimeSeconds":20,"ReceiveRequestAttemptId":"x"})");
}

TEST(QueryToRequestTest, SendMessageWithAttributes) {
  EXPECT_EQ(QueryJson("SendMessage",
                      "QueueUrl=u&MessageBody=hello+world&DelaySeconds=3"
                      "&MessageAttribute.1.Name=s&MessageAttribute.1.Value.DataType=String"
                      "&MessageAttribute.1.Value.StringValue=x"
                      "&MessageAttribute.2.Name=b&MessageAttribute.2.Value.DataType=Binary"
                      "&MessageAttribute.2.Value.BinaryValue=AAE%3D"
                      "&MessageSystemAttribute.1.Name=AWSTraceHeader"
                      "&MessageSystemAttribute.1.Value.DataType=String"
                      "&MessageSystemAttribute.1.Value.StringValue=Root%3D1"
                      "&MessageDeduplicationId=d&MessageGroupId=g"),
            R"({"QueueUrl":"u","MessageBody":"hello world","DelaySeconds":3,"MessageAttributes":)"
            R"({"s":{"StringValue":"x","DataType":"String"},"b":{"BinaryValue":"AAE=","DataType":"Binary"}},)"
            R"("MessageSystemAttributes":{"AWSTraceHeader":{"StringValue":"Root=1","DataType":"String"}},)"
            R"("MessageDeduplicationId":"d","MessageGroupId":"g"})");
}

TEST(QueryToRequestTest, BatchEntries) {
  EXPECT_EQ(QueryJson("SendMessageBatch",
                      "QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a"
                      "&SendMessageBatchRequestEntry.1.MessageBody=one"
                      "&SendMessageBatchRequestEntry.1.DelaySeconds=2"
                      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k"
                      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Number"
                      "&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=1"
                      "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two"),
            R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"one","DelaySeconds":2,)"
            R"("MessageAttributes":{"k":{"StringValue":"1","DataType":"Number"}}},)"
            R"({"Id":"b","MessageBody":"two"}]})");
  EXPECT_EQ(QueryJson("DeleteMessageBatch",
                      "QueueUrl=u&DeleteMessageBatchRequestEntry.1.Id=a"
                      "&DeleteMessageBatchRequestEntry.1.ReceiptHandle=r1"
                      "&DeleteMessageBatchRequestEntry.2.Id=b&DeleteMessageBatchRequestEntry.2.ReceiptHandle=r2"),
            R"({"QueueUrl":"u","Entries":[{"Id":"a","ReceiptHandle":"r1"},{"Id":"b","ReceiptHandle":"r2"}]})");
  EXPECT_EQ(QueryJson("ChangeMessageVisibilityBatch",
                      "QueueUrl=u&ChangeMessageVisibilityBatchRequestEntry.1.Id=a"
                      "&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=r"
                      "&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=30"),
            R"({"QueueUrl":"u","Entries":[{"Id":"a","ReceiptHandle":"r","VisibilityTimeout":30}]})");
  EXPECT_EQ(QueryJson("ChangeMessageVisibility", "QueueUrl=u&ReceiptHandle=r&VisibilityTimeout=7"),
            R"({"QueueUrl":"u","ReceiptHandle":"r","VisibilityTimeout":7})");
}

TEST(QueryToRequestTest, DeadLetterQueuesAndMoveTasks) {
  EXPECT_EQ(QueryJson("ListDeadLetterSourceQueues", "QueueUrl=u&MaxResults=2&NextToken=t"),
            R"({"QueueUrl":"u","NextToken":"t","MaxResults":2})");
  EXPECT_EQ(QueryJson("StartMessageMoveTask",
                      "Action=StartMessageMoveTask&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A0%3Adlq"
                      "&DestinationArn=arn%3Aaws%3Asqs%3Aus-east-1%3A0%3Aq&MaxNumberOfMessagesPerSecond=50"),
            R"({"SourceArn":"arn:aws:sqs:us-east-1:0:dlq","DestinationArn":"arn:aws:sqs:us-east-1:0:q",)"
            R"("MaxNumberOfMessagesPerSecond":50})");
  EXPECT_EQ(QueryJson("StartMessageMoveTask", "SourceArn=s"), R"({"SourceArn":"s"})");
  EXPECT_EQ(QueryJson("CancelMessageMoveTask", "TaskHandle=eyJ0%2B%3D"), R"({"TaskHandle":"eyJ0+="})");
  EXPECT_EQ(QueryJson("ListMessageMoveTasks", "SourceArn=s&MaxResults=10"),
            R"({"SourceArn":"s","MaxResults":10})");
  EXPECT_EQ(QueryJson("StartMessageMoveTask", "SourceArn=s&MaxNumberOfMessagesPerSecond=fast"),
            "error: Value fast for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
            "an integer.");
}

TEST(QueryToRequestTest, FifoMembers) {
  EXPECT_EQ(QueryJson("SendMessageBatch",
                      "QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a"
                      "&SendMessageBatchRequestEntry.1.MessageBody=one"
                      "&SendMessageBatchRequestEntry.1.MessageGroupId=g%211"
                      "&SendMessageBatchRequestEntry.1.MessageDeduplicationId=d%7E1"),
            R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"one",)"
            R"("MessageDeduplicationId":"d~1","MessageGroupId":"g!1"}]})");
}

TEST(QueryToRequestTest, Errors) {
  EXPECT_EQ(QueryJson("ReceiveMessage", "QueueUrl=u&MaxNumberOfMessages=ten"),
            "error: Value ten for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer.");
  EXPECT_EQ(QueryJson("SendMessageBatch", "SendMessageBatchRequestEntry.2.DelaySeconds=1.5"),
            "error: Value 1.5 for parameter SendMessageBatchRequestEntry.2.DelaySeconds is invalid. "
            "Reason: Must be an integer.");
  json::object out;
  auto r = wire::QueryToRequest("FooBar", Form("Action=FooBar"), &out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidAction);
  EXPECT_EQ(r.error().message, "The action FooBar is not valid for this endpoint.");
}

// ---------------------------------------------------------------------------------------------------
// JSON -> XML (golden strings)

constexpr std::string_view kXmlHead = "<?xml version=\"1.0\"?>";
constexpr std::string_view kMeta = "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>";

std::string Xml(std::string_view action, std::string_view json_text) {
  return wire::RenderXmlBody(action, json::parse(json_text).as_object(), "rid");
}

std::string Wrap(std::string_view action, std::string_view result) {
  std::string s(kXmlHead);
  s += "<" + std::string(action) + "Response xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">";
  s += result;
  s += kMeta;
  s += "</" + std::string(action) + "Response>";
  return s;
}

TEST(XmlRenderTest, QueueOperations) {
  EXPECT_EQ(Xml("CreateQueue", R"({"QueueUrl":"http://h/000000000000/q"})"),
            Wrap("CreateQueue",
                 "<CreateQueueResult><QueueUrl>http://h/000000000000/q</QueueUrl></CreateQueueResult>"));
  EXPECT_EQ(Xml("GetQueueUrl", R"({"QueueUrl":"u"})"),
            Wrap("GetQueueUrl", "<GetQueueUrlResult><QueueUrl>u</QueueUrl></GetQueueUrlResult>"));
  EXPECT_EQ(Xml("ListQueues", R"({"QueueUrls":["a","b"],"NextToken":"t"})"),
            Wrap("ListQueues",
                 "<ListQueuesResult><QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>"
                 "<NextToken>t</NextToken></ListQueuesResult>"));
  EXPECT_EQ(Xml("ListQueues", "{}"), Wrap("ListQueues", "<ListQueuesResult/>"));
  EXPECT_EQ(Xml("GetQueueAttributes", R"({"Attributes":{"DelaySeconds":"0","Policy":"{\"a\":\"<&>\"}"}})"),
            Wrap("GetQueueAttributes",
                 "<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name><Value>0</Value>"
                 "</Attribute><Attribute><Name>Policy</Name><Value>{&quot;a&quot;:&quot;&lt;&amp;&gt;"
                 "&quot;}</Value></Attribute></GetQueueAttributesResult>"));
  EXPECT_EQ(Xml("ListQueueTags", R"({"Tags":{"k":"v"}})"),
            Wrap("ListQueueTags",
                 "<ListQueueTagsResult><Tag><Key>k</Key><Value>v</Value></Tag></ListQueueTagsResult>"));
  EXPECT_EQ(Xml("ListDeadLetterSourceQueues", R"({"queueUrls":["a"]})"),
            Wrap("ListDeadLetterSourceQueues",
                 "<ListDeadLetterSourceQueuesResult><QueueUrl>a</QueueUrl>"
                 "</ListDeadLetterSourceQueuesResult>"));
}

TEST(XmlRenderTest, DeadLetterSourceQueues) {
  EXPECT_EQ(Xml("ListDeadLetterSourceQueues", R"({"queueUrls":["a","b"],"NextToken":"t"})"),
            Wrap("ListDeadLetterSourceQueues",
                 "<ListDeadLetterSourceQueuesResult><QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>"
                 "<NextToken>t</NextToken></ListDeadLetterSourceQueuesResult>"));
  EXPECT_EQ(Xml("ListDeadLetterSourceQueues", R"({"queueUrls":[]})"),
            Wrap("ListDeadLetterSourceQueues", "<ListDeadLetterSourceQueuesResult/>"));
}

TEST(XmlRenderTest, MessageMoveTasks) {
  EXPECT_EQ(Xml("StartMessageMoveTask", R"({"TaskHandle":"h+/="})"),
            Wrap("StartMessageMoveTask",
                 "<StartMessageMoveTaskResult><TaskHandle>h+/=</TaskHandle></StartMessageMoveTaskResult>"));
  EXPECT_EQ(Xml("CancelMessageMoveTask", R"({"ApproximateNumberOfMessagesMoved":12})"),
            Wrap("CancelMessageMoveTask",
                 "<CancelMessageMoveTaskResult><ApproximateNumberOfMessagesMoved>12"
                 "</ApproximateNumberOfMessagesMoved></CancelMessageMoveTaskResult>"));
  // XML elements follow the model's member order, whatever the order in the JSON object.
  EXPECT_EQ(
      Xml("ListMessageMoveTasks",
          R"({"Results":[{"StartedTimestamp":1700000000123,"TaskHandle":"h","Status":"RUNNING",)"
          R"("SourceArn":"arn:dlq","DestinationArn":"arn:q","MaxNumberOfMessagesPerSecond":5,)"
          R"("ApproximateNumberOfMessagesMoved":2,"ApproximateNumberOfMessagesToMove":10},)"
          R"({"Status":"FAILED","SourceArn":"arn:dlq","ApproximateNumberOfMessagesMoved":0,)"
          R"("ApproximateNumberOfMessagesToMove":3,)"
          R"("FailureReason":"AWS.SimpleQueueService.NonExistentQueue","StartedTimestamp":1}]})"),
      Wrap("ListMessageMoveTasks",
           "<ListMessageMoveTasksResult>"
           "<ListMessageMoveTasksResultEntry><TaskHandle>h</TaskHandle><Status>RUNNING</Status>"
           "<SourceArn>arn:dlq</SourceArn><DestinationArn>arn:q</DestinationArn>"
           "<MaxNumberOfMessagesPerSecond>5</MaxNumberOfMessagesPerSecond>"
           "<ApproximateNumberOfMessagesMoved>2</ApproximateNumberOfMessagesMoved>"
           "<ApproximateNumberOfMessagesToMove>10</ApproximateNumberOfMessagesToMove>"
           "<StartedTimestamp>1700000000123</StartedTimestamp></ListMessageMoveTasksResultEntry>"
           "<ListMessageMoveTasksResultEntry><Status>FAILED</Status><SourceArn>arn:dlq</SourceArn>"
           "<ApproximateNumberOfMessagesMoved>0</ApproximateNumberOfMessagesMoved>"
           "<ApproximateNumberOfMessagesToMove>3</ApproximateNumberOfMessagesToMove>"
           "<FailureReason>AWS.SimpleQueueService.NonExistentQueue</FailureReason>"
           "<StartedTimestamp>1</StartedTimestamp></ListMessageMoveTasksResultEntry>"
           "</ListMessageMoveTasksResult>"));
  EXPECT_EQ(Xml("ListMessageMoveTasks", R"({"Results":[]})"),
            Wrap("ListMessageMoveTasks", "<ListMessageMoveTasksResult/>"));
}

TEST(XmlRenderTest, FifoOutputs) {
  EXPECT_EQ(Xml("SendMessageBatch",
                R"({"Successful":[{"MD5OfMessageBody":"m","MessageId":"i","SequenceNumber":"18849",)"
                R"("Id":"a"}],"Failed":[]})"),
            Wrap("SendMessageBatch",
                 "<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>i</MessageId>"
                 "<MD5OfMessageBody>m</MD5OfMessageBody><SequenceNumber>18849</SequenceNumber>"
                 "</SendMessageBatchResultEntry></SendMessageBatchResult>"));
  EXPECT_EQ(
      Xml("ReceiveMessage",
          R"({"Messages":[{"MessageId":"i","ReceiptHandle":"r","MD5OfBody":"m","Body":"b",)"
          R"("Attributes":{"DeadLetterQueueSourceArn":"arn:aws:sqs:us-east-1:0:q.fifo",)"
          R"("MessageDeduplicationId":"d","MessageGroupId":"g","SequenceNumber":"18849"}}]})"),
      Wrap("ReceiveMessage",
           "<ReceiveMessageResult><Message><MessageId>i</MessageId><ReceiptHandle>r</ReceiptHandle>"
           "<MD5OfBody>m</MD5OfBody><Body>b</Body>"
           "<Attribute><Name>DeadLetterQueueSourceArn</Name><Value>arn:aws:sqs:us-east-1:0:q.fifo</Value>"
           "</Attribute><Attribute><Name>MessageDeduplicationId</Name><Value>d</Value></Attribute>"
           "<Attribute><Name>MessageGroupId</Name><Value>g</Value></Attribute>"
           "<Attribute><Name>SequenceNumber</Name><Value>18849</Value></Attribute>"
           "</Message></ReceiveMessageResult>"));
}

TEST(XmlRenderTest, OperationsWithoutOutputHaveNoResult) {
  for (std::string_view op : {"DeleteQueue", "DeleteMessage", "SetQueueAttributes", "PurgeQueue",
                              "TagQueue", "UntagQueue", "ChangeMessageVisibility"}) {
    EXPECT_EQ(Xml(op, "{}"), Wrap(op, "")) << op;
  }
}

TEST(XmlRenderTest, SendMessage) {
  EXPECT_EQ(Xml("SendMessage",
                R"({"MD5OfMessageBody":"m1","MD5OfMessageAttributes":"m2","MessageId":"id",)"
                R"("SequenceNumber":"1"})"),
            Wrap("SendMessage",
                 "<SendMessageResult><MessageId>id</MessageId><MD5OfMessageBody>m1</MD5OfMessageBody>"
                 "<MD5OfMessageAttributes>m2</MD5OfMessageAttributes><SequenceNumber>1</SequenceNumber>"
                 "</SendMessageResult>"));
}

TEST(XmlRenderTest, Batches) {
  EXPECT_EQ(Xml("SendMessageBatch",
                R"({"Successful":[{"MD5OfMessageBody":"m","MessageId":"i","Id":"a"}],)"
                R"("Failed":[{"Id":"b","SenderFault":true,"Code":"InvalidParameterValue","Message":"x"}]})"),
            Wrap("SendMessageBatch",
                 "<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>i</MessageId>"
                 "<MD5OfMessageBody>m</MD5OfMessageBody></SendMessageBatchResultEntry>"
                 "<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault>"
                 "<Code>InvalidParameterValue</Code><Message>x</Message></BatchResultErrorEntry>"
                 "</SendMessageBatchResult>"));
  EXPECT_EQ(Xml("DeleteMessageBatch", R"({"Successful":[{"Id":"a"}],"Failed":[]})"),
            Wrap("DeleteMessageBatch",
                 "<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id>"
                 "</DeleteMessageBatchResultEntry></DeleteMessageBatchResult>"));
  EXPECT_EQ(Xml("ChangeMessageVisibilityBatch", R"({"Successful":[{"Id":"a"}],"Failed":[]})"),
            Wrap("ChangeMessageVisibilityBatch",
                 "<ChangeMessageVisibilityBatchResult><ChangeMessageVisibilityBatchResultEntry><Id>a</Id>"
                 "</ChangeMessageVisibilityBatchResultEntry></ChangeMessageVisibilityBatchResult>"));
}

TEST(XmlRenderTest, ReceiveMessage) {
  EXPECT_EQ(Xml("ReceiveMessage", "{}"), Wrap("ReceiveMessage", "<ReceiveMessageResult/>"));
  EXPECT_EQ(
      Xml("ReceiveMessage",
          R"({"Messages":[{"MessageId":"i","ReceiptHandle":"r","MD5OfBody":"m","Body":"a\r\nb<",)"
          R"("Attributes":{"SenderId":"s","SentTimestamp":"1"},"MD5OfMessageAttributes":"ma",)"
          R"("MessageAttributes":{"b":{"BinaryValue":"AAE=","DataType":"Binary"},)"
          R"("s":{"StringValue":"x","DataType":"String.custom"}}}]})"),
      Wrap("ReceiveMessage",
           "<ReceiveMessageResult><Message><MessageId>i</MessageId><ReceiptHandle>r</ReceiptHandle>"
           "<MD5OfBody>m</MD5OfBody><Body>a&#xD;\nb&lt;</Body>"
           "<Attribute><Name>SenderId</Name><Value>s</Value></Attribute>"
           "<Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>"
           "<MD5OfMessageAttributes>ma</MD5OfMessageAttributes>"
           "<MessageAttribute><Name>b</Name><Value><BinaryValue>AAE=</BinaryValue>"
           "<DataType>Binary</DataType></Value></MessageAttribute>"
           "<MessageAttribute><Name>s</Name><Value><StringValue>x</StringValue>"
           "<DataType>String.custom</DataType></Value></MessageAttribute>"
           "</Message></ReceiveMessageResult>"));
}

// ---------------------------------------------------------------------------------------------------
// Error bodies

TEST(ErrorRenderTest, XmlErrors) {
  EXPECT_EQ(wire::RenderXmlErrorBody(QueueDoesNotExist().error, "rid"),
            std::string(kXmlHead) +
                "<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error>"
                "<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"
                "<Message>The specified queue does not exist for this wsdl version.</Message><Detail/>"
                "</Error><RequestId>rid</RequestId></ErrorResponse>");
  EXPECT_EQ(wire::RenderXmlErrorBody(MissingParameter("MessageBody").error, "rid"),
            std::string(kXmlHead) +
                "<ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error>"
                "<Type>Sender</Type><Code>MissingParameter</Code>"
                "<Message>The request must contain the parameter MessageBody.</Message><Detail/>"
                "</Error><RequestId>rid</RequestId></ErrorResponse>");
}

TEST(ErrorRenderTest, JsonErrors) {
  EXPECT_EQ(wire::RenderJsonErrorBody(QueueDoesNotExist().error),
            R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})");
  net::Response r = wire::RenderResponse(
      Protocol::kJson, "SendMessage",
      InvalidParameterValue("11", "MaxNumberOfMessages", "Must be between 1 and 10, if provided."), "rid");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/x-amz-json-1.0");
  EXPECT_EQ(r.body,
            R"({"__type":"com.amazon.coral.service#InvalidParameterValueException","message":)"
            R"("Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."})");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].name, "x-amzn-RequestId");
  EXPECT_EQ(r.headers[0].value, "rid");
  EXPECT_EQ(r.headers[1].name, "x-amzn-query-error");
  EXPECT_EQ(r.headers[1].value, "InvalidParameterValue;Sender");

  net::Response p = wire::RenderResponse(
      Protocol::kQuery, "PurgeQueue",
      Fail(Errc::kPurgeQueueInProgress, "Only one PurgeQueue operation on q is allowed every 60 seconds."),
      "rid");
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(p.content_type, "text/xml");
}

TEST(WireTest, IsQueuePath) {
  EXPECT_TRUE(wire::IsQueuePath("/000000000000/q"));
  EXPECT_TRUE(wire::IsQueuePath("/123/q.fifo"));
  EXPECT_FALSE(wire::IsQueuePath("/"));
  EXPECT_FALSE(wire::IsQueuePath("/000000000000"));
  EXPECT_FALSE(wire::IsQueuePath("/000000000000/"));
  EXPECT_FALSE(wire::IsQueuePath("/abc/q"));
  EXPECT_FALSE(wire::IsQueuePath("/000000000000/q/x"));
}

// ---------------------------------------------------------------------------------------------------
// End to end through HttpHandler + Engine

// A store whose commits become durable only when the test says so.
class DeferredStore final : public store::MessageStore {
 public:
  eddy::Status Load(store::LoadVisitor&, uint64_t* max_seq, uint64_t* max_queue_id) override {
    *max_seq = 0;
    *max_queue_id = 0;
    return eddy::Status::Ok();
  }
  eddy::Status LoadMeta(const std::string&,
                        const std::function<void(const std::string&, const std::string&)>&) override {
    return eddy::Status::Ok();
  }
  uint64_t Append(store::Mutation) override {
    std::lock_guard lock(mu_);
    return ++appended_;
  }
  uint64_t AppendAtomic(std::vector<store::Mutation> ms) override {
    std::lock_guard lock(mu_);
    return appended_ += ms.size();
  }
  void WhenDurable(uint64_t ticket, std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      if (ticket > durable_) {
        pending_.push_back(std::move(fn));
        return;
      }
    }
    fn();
  }
  void Close() override {}
  void Flush() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mu_);
      durable_ = appended_;
      run.swap(pending_);
    }
    for (auto& f : run) f();
  }

 private:
  std::mutex mu_;
  uint64_t appended_ = 0;
  uint64_t durable_ = 0;
  std::vector<std::function<void()>> pending_;
};

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(engine_.Recover().ok()); }

  // Runs a request; flushes the store so the answer (if any) arrives; returns it.
  net::Response Call(net::Request req, bool flush = true) {
    auto slot = std::make_shared<std::optional<net::Response>>();
    handler_.Handle(std::move(req), [slot](net::Response r) { *slot = std::move(r); });
    if (flush) store_.Flush();
    EXPECT_TRUE(slot->has_value());
    return slot->has_value() ? std::move(**slot) : net::Response{};
  }

  static net::Request Json(std::string_view action, std::string body, std::string path = "/") {
    net::Request r;
    r.method = "POST";
    r.target = std::move(path);
    r.headers = {{"host", "localhost:4566"},
                 {"x-amz-target", "AmazonSQS." + std::string(action)},
                 {"content-type", "application/x-amz-json-1.0"}};
    r.body = std::move(body);
    return r;
  }
  static net::Request QueryPost(std::string body, std::string path = "/") {
    net::Request r;
    r.method = "POST";
    r.target = std::move(path);
    r.headers = {{"host", "localhost:4566"},
                 {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = std::move(body);
    return r;
  }
  static net::Request QueryGet(std::string target) {
    net::Request r;
    r.method = "GET";
    r.target = std::move(target);
    r.headers = {{"host", "localhost:4566"}};
    return r;
  }

  json::object JsonOk(std::string_view action, std::string body) {
    net::Response r = Call(Json(action, std::move(body)));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/x-amz-json-1.0");
    return json::parse(r.body).as_object();
  }
  // Returns "<status> <__type> <message>".
  std::string JsonErr(std::string_view action, std::string body) {
    net::Response r = Call(Json(action, std::move(body)));
    json::object o = json::parse(r.body).as_object();
    return std::to_string(r.status) + " " + std::string(o["__type"].as_string()) + " " +
           std::string(o["message"].as_string());
  }
  static const std::string* Header(const net::Response& r, std::string_view name) {
    for (const auto& h : r.headers) {
      if (h.name == name) return &h.value;
    }
    return nullptr;
  }
  std::string CreateQueue(std::string name = "q") {
    return std::string(JsonOk("CreateQueue", R"({"QueueName":")" + name + R"("})")["QueueUrl"].as_string());
  }

  FakeClock clock_;
  DeferredStore store_;
  Engine engine_{clock_, store_};
  HttpHandler handler_{engine_, store_, {}};
};

TEST_F(HandlerTest, JsonLifecycle) {
  std::string url = CreateQueue();
  EXPECT_EQ(url, "http://localhost:4566/000000000000/q");
  json::object sent = JsonOk(
      "SendMessage",
      R"({"QueueUrl":")" + url + R"(","MessageBody":"hello","MessageAttributes":{"a":{"DataType":"String","StringValue":"x"}}})");
  EXPECT_EQ(sent["MD5OfMessageBody"].as_string(), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(sent["MD5OfMessageAttributes"].as_string(), "a512aac9938034acb0b3c3d965944bf1");
  json::object got = JsonOk("ReceiveMessage", R"({"QueueUrl":")" + url +
                                                  R"(","MessageAttributeNames":["All"],"AttributeNames":["All"]})");
  ASSERT_EQ(got["Messages"].as_array().size(), 1u);
  json::object& m = got["Messages"].as_array()[0].as_object();
  EXPECT_EQ(m["Body"].as_string(), "hello");
  EXPECT_EQ(m["MessageId"], sent["MessageId"]);
  EXPECT_EQ(m["MessageAttributes"].as_object()["a"].as_object()["StringValue"].as_string(), "x");
  EXPECT_EQ(m["Attributes"].as_object()["ApproximateReceiveCount"].as_string(), "1");
  json::object del = JsonOk("DeleteMessage", R"({"QueueUrl":")" + url + R"(","ReceiptHandle":")" +
                                                 std::string(m["ReceiptHandle"].as_string()) + R"("})");
  EXPECT_TRUE(del.empty());
  json::object empty = JsonOk("ReceiveMessage", R"({"QueueUrl":")" + url + R"("})");
  EXPECT_TRUE(empty.empty());  // no Messages key
}

TEST_F(HandlerTest, AnswersOnlyWhenDurable) {
  std::string url = CreateQueue();
  auto slot = std::make_shared<std::optional<net::Response>>();
  handler_.Handle(Json("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"x"})"),
                  [slot](net::Response r) { *slot = std::move(r); });
  EXPECT_FALSE(slot->has_value());
  store_.Flush();
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((*slot)->status, 200);
}

TEST_F(HandlerTest, JsonErrorsAndHeaders) {
  net::Response r = Call(Json("GetQueueUrl", R"({"QueueName":"nope"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."})");
  ASSERT_NE(Header(r, "x-amzn-query-error"), nullptr);
  EXPECT_EQ(*Header(r, "x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender");
  ASSERT_NE(Header(r, "x-amzn-RequestId"), nullptr);
  EXPECT_EQ(Header(r, "x-amzn-RequestId")->size(), 36u);

  std::string url = CreateQueue();
  EXPECT_EQ(JsonErr("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","MaxNumberOfMessages":11})"),
            "400 com.amazon.coral.service#InvalidParameterValueException Value 11 for parameter "
            "MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
  EXPECT_EQ(JsonErr("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","WaitTimeSeconds":21})"),
            "400 com.amazon.coral.service#InvalidParameterValueException Value 21 for parameter "
            "WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.");
  EXPECT_EQ(JsonErr("SendMessage", R"({"QueueUrl":")" + url + R"("})"),
            "400 com.amazon.coral.service#MissingRequiredParameterException The request must contain "
            "the parameter MessageBody.");
  EXPECT_EQ(JsonErr("SendMessage", R"({"MessageBody":"x"})"),
            "400 com.amazon.coral.service#MissingRequiredParameterException The request must contain "
            "the parameter QueueUrl.");
  EXPECT_EQ(JsonErr("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","MaxNumberOfMessages":"1"})"),
            "400 com.amazon.coral.service#SerializationException STRING_VALUE can not be converted to an "
            "Integer");
  EXPECT_EQ(JsonErr("SendMessage", R"({"QueueUrl":5,"MessageBody":"x"})"),
            "400 com.amazon.coral.service#SerializationException NUMBER_VALUE can not be converted to a "
            "String");
  EXPECT_EQ(JsonErr("SendMessage", "{not json"),
            "400 com.amazon.coral.service#SerializationException Malformed JSON request body.");
  EXPECT_EQ(JsonErr("FooBar", "{}"),
            "400 com.amazon.coral.service#UnknownOperationException The action FooBar is not valid for "
            "this endpoint.");
  EXPECT_EQ(JsonErr("AddPermission", "{}").substr(0, 43),
            "400 com.amazonaws.sqs#UnsupportedOperation ");
  EXPECT_EQ(JsonErr("ListQueues", R"({"MaxResults":0})"),
            "400 com.amazon.coral.service#InvalidParameterValueException Value 0 for parameter "
            "MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
}

TEST_F(HandlerTest, EmptyJsonBodyIsEmptyObject) {
  CreateQueue("a");
  json::object out = JsonOk("ListQueues", "");
  EXPECT_EQ(json::serialize(out), R"({"QueueUrls":["http://localhost:4566/000000000000/a"]})");
}

TEST_F(HandlerTest, MessageAttributeValidation) {
  std::string url = CreateQueue();
  auto send = [&](std::string attrs) {
    return JsonErr("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"x","MessageAttributes":)" +
                                      attrs + "}");
  };
  const std::string ipv = "400 com.amazon.coral.service#InvalidParameterValueException ";
  EXPECT_EQ(send(R"({"ErrorDetails":{"DataType":"String","StringValue":""}})"),
            ipv + "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.");
  EXPECT_EQ(send(R"({"a":{"DataType":"Invalid","StringValue":"v"}})"),
            ipv + "The type of message (user) attribute 'a' is invalid. You must use only the following "
                  "supported type prefixes: Binary, Number, String.");
  EXPECT_EQ(send(R"({"a":{"DataType":"Number","StringValue":"abc"}})"),
            ipv + "Can't cast the value of message (user) attribute 'a' to a number.");
  EXPECT_EQ(send(R"({"a":{"DataType":"Binary","BinaryValue":"!!!"}})"),
            ipv + "The message attribute 'a' has an invalid base64 BinaryValue.");
  EXPECT_EQ(send(R"({"AWS.x":{"DataType":"String","StringValue":"v"}})").substr(0, ipv.size() + 20),
            ipv + "You can't use messag");
  EXPECT_EQ(send(R"({"Invalid-§-attr":{"DataType":"String","StringValue":"v"}})").substr(0, ipv.size() + 30),
            ipv + "Message (user) attributes name");
  std::string many = "{";
  for (int i = 0; i < 11; ++i) many += (i ? "," : "") + std::string("\"a") + std::to_string(i) + R"(":{"DataType":"String","StringValue":"v"})";
  many += "}";
  EXPECT_EQ(send(many), ipv + "Number of message attributes [11] exceeds the allowed maximum [10].");
  // Unicode letters are fine, so are custom type labels.
  JsonOk("SendMessage", R"({"QueueUrl":")" + url +
                            R"(","MessageBody":"x","MessageAttributes":{"attr.1øßä":{"DataType":"Number.int","StringValue":"-1.5e3"},)"
                            R"("b":{"DataType":"Binary","BinaryValue":"AAE="}}})");
}

TEST_F(HandlerTest, BatchMergesPerEntryValidationFailures) {
  std::string url = CreateQueue();
  json::object out = JsonOk(
      "SendMessageBatch",
      R"({"QueueUrl":")" + url +
          R"(","Entries":[{"Id":"ok","MessageBody":"a"},)"
          R"({"Id":"bad","MessageBody":"b","MessageAttributes":{"x":{"DataType":"String","StringValue":""}}},)"
          R"({"Id":"empty","MessageBody":""}]})");
  ASSERT_EQ(out["Successful"].as_array().size(), 1u);
  EXPECT_EQ(out["Successful"].as_array()[0].as_object()["Id"].as_string(), "ok");
  json::array& failed = out["Failed"].as_array();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].as_object()["Id"].as_string(), "bad");
  EXPECT_EQ(failed[0].as_object()["Code"].as_string(), "InvalidParameterValue");
  EXPECT_EQ(failed[0].as_object()["SenderFault"].as_bool(), true);
  EXPECT_EQ(failed[1].as_object()["Id"].as_string(), "empty");
  EXPECT_EQ(failed[1].as_object()["Code"].as_string(), "MissingParameter");

  EXPECT_EQ(JsonErr("SendMessageBatch", R"({"QueueUrl":")" + url + R"(","Entries":[]})"),
            "400 com.amazonaws.sqs#EmptyBatchRequest There should be at least one "
            "SendMessageBatchRequestEntry in the request.");
  json::object del = JsonOk("DeleteMessageBatch", R"({"QueueUrl":")" + url +
                                                      R"(","Entries":[{"Id":"a","ReceiptHandle":"garbage"}]})");
  EXPECT_EQ(json::serialize(del),
            R"({"Successful":[],"Failed":[{"Id":"a","SenderFault":true,"Code":"ReceiptHandleIsInvalid",)"
            R"("Message":"The input receipt handle \"garbage\" is not a valid receipt handle."}]})");
}

TEST_F(HandlerTest, QueryLifecycleWithQueuePathRouting) {
  net::Response r = Call(QueryPost("Action=CreateQueue&Version=2012-11-05&QueueName=qq"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/xml");
  EXPECT_NE(r.body.find("<CreateQueueResult><QueueUrl>http://localhost:4566/000000000000/qq</QueueUrl>"),
            std::string::npos)
      << r.body;
  // Java SDK v1 style: no QueueUrl parameter, queue taken from the path.
  r = Call(QueryPost("Action=SendMessage&MessageBody=hi%21", "/000000000000/qq"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<MD5OfMessageBody>"), std::string::npos);
  r = Call(QueryGet("/000000000000/qq?Action=ReceiveMessage&AttributeName.1=All"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<Body>hi!</Body>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>"),
            std::string::npos)
      << r.body;
  // An explicit QueueUrl wins over the path.
  r = Call(QueryPost("Action=GetQueueAttributes&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fnope"
                     "&AttributeName.1=All",
                     "/000000000000/qq"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Message>The specified queue does not exist for this wsdl version.</Message>"),
            std::string::npos)
      << r.body;
}

TEST_F(HandlerTest, QueryRoutingErrors) {
  CreateQueue("q");
  net::Response r = Call(QueryPost("Action=ListQueues", "/000000000000/q"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>InvalidAction</Code><Message>The action ListQueues is not valid for this "
                        "endpoint.</Message>"),
            std::string::npos)
      << r.body;
  r = Call(QueryGet("/000000000000/q"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "<UnknownOperationException/>");
  r = Call(QueryPost("Action=FooBar"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("The action FooBar is not valid for this endpoint."), std::string::npos);
  r = Call(QueryPost("Version=2012-11-05"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>MissingParameter</Code>"), std::string::npos);
  r = Call(QueryPost("Action=SendMessage&QueueUrl=%zz"));
  EXPECT_EQ(r.status, 400);
  r = Call(QueryPost("Action=SendMessage", "/000000000000/q"));
  EXPECT_NE(r.body.find("The request must contain the parameter MessageBody."), std::string::npos);
}

TEST_F(HandlerTest, RegionFromCredentialScope) {
  net::Request req = Json("CreateQueue", R"({"QueueName":"r"})");
  req.headers.push_back({"authorization",
                         "AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/sqs/aws4_request, "
                         "SignedHeaders=host, Signature=00"});
  EXPECT_EQ(Call(std::move(req)).status, 200);
  EXPECT_TRUE(JsonOk("ListQueues", "{}").empty());  // default region us-east-1 sees nothing
  req = Json("ListQueues", "{}");
  req.headers.push_back({"authorization",
                         "AWS4-HMAC-SHA256 Credential=AKID/20250101/eu-west-1/sqs/aws4_request, "
                         "SignedHeaders=host, Signature=00"});
  EXPECT_NE(Call(std::move(req)).body.find("/000000000000/r"), std::string::npos);
}

TEST_F(HandlerTest, ListDeadLetterSourceQueuesBothProtocols) {
  std::string dlq = CreateQueue("dlq");
  json::object attrs = JsonOk("GetQueueAttributes",
                              R"({"QueueUrl":")" + dlq + R"(","AttributeNames":["QueueArn"]})");
  std::string arn(attrs["Attributes"].as_object()["QueueArn"].as_string());
  EXPECT_EQ(arn, "arn:aws:sqs:us-east-1:000000000000:dlq");
  // No sources yet: queueUrls is required in the model, so it is present and empty.
  EXPECT_EQ(json::serialize(JsonOk("ListDeadLetterSourceQueues", R"({"QueueUrl":")" + dlq + R"("})")),
            R"({"queueUrls":[]})");
  std::string redrive = R"({\"deadLetterTargetArn\":\")" + arn + R"(\",\"maxReceiveCount\":2})";
  for (std::string name : {"src1", "src2"}) {
    JsonOk("CreateQueue",
           R"({"QueueName":")" + name + R"(","Attributes":{"RedrivePolicy":")" + redrive + R"("}})");
  }
  CreateQueue("unrelated");
  EXPECT_EQ(json::serialize(JsonOk("ListDeadLetterSourceQueues", R"({"QueueUrl":")" + dlq + R"("})")),
            R"({"queueUrls":["http://localhost:4566/000000000000/src1",)"
            R"("http://localhost:4566/000000000000/src2"]})");
  // Paging: a token only when MaxResults is given and more remain.
  json::object page = JsonOk("ListDeadLetterSourceQueues",
                             R"({"QueueUrl":")" + dlq + R"(","MaxResults":1})");
  ASSERT_EQ(page["queueUrls"].as_array().size(), 1u);
  ASSERT_TRUE(page.contains("NextToken"));
  json::object rest = JsonOk("ListDeadLetterSourceQueues",
                             R"({"QueueUrl":")" + dlq + R"(","MaxResults":1,"NextToken":")" +
                                 std::string(page["NextToken"].as_string()) + R"("})");
  ASSERT_EQ(rest["queueUrls"].as_array().size(), 1u);
  EXPECT_NE(rest["queueUrls"].as_array()[0], page["queueUrls"].as_array()[0]);

  EXPECT_EQ(JsonErr("ListDeadLetterSourceQueues", R"({"QueueUrl":")" + dlq + R"(","MaxResults":1001})"),
            "400 com.amazon.coral.service#InvalidParameterValueException Value 1001 for parameter "
            "MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.");
  EXPECT_EQ(JsonErr("ListDeadLetterSourceQueues", "{}"),
            "400 com.amazon.coral.service#MissingRequiredParameterException The request must contain "
            "the parameter QueueUrl.");
  EXPECT_EQ(JsonErr("ListDeadLetterSourceQueues", R"({"QueueUrl":"http://localhost:4566/000000000000/x"})"),
            "400 com.amazonaws.sqs#QueueDoesNotExist The specified queue does not exist.");

  // Query, routed by the queue path (as Java SDK v1 does).
  net::Response r = Call(QueryPost("Action=ListDeadLetterSourceQueues&Version=2012-11-05",
                                   "/000000000000/dlq"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<ListDeadLetterSourceQueuesResult>"
                        "<QueueUrl>http://localhost:4566/000000000000/src1</QueueUrl>"
                        "<QueueUrl>http://localhost:4566/000000000000/src2</QueueUrl>"
                        "</ListDeadLetterSourceQueuesResult><ResponseMetadata>"),
            std::string::npos)
      << r.body;
  r = Call(QueryPost("Action=ListDeadLetterSourceQueues&QueueUrl=http%3A%2F%2Flocalhost%3A4566%2F"
                     "000000000000%2Fdlq&MaxResults=1"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<QueueUrl>http://localhost:4566/000000000000/src1</QueueUrl><NextToken>"),
            std::string::npos)
      << r.body;
  r = Call(QueryPost("Action=ListDeadLetterSourceQueues", "/000000000000/unrelated"));
  EXPECT_NE(r.body.find("<ListDeadLetterSourceQueuesResult/>"), std::string::npos) << r.body;
}

TEST_F(HandlerTest, MoveTaskRequestValidation) {
  const std::string missing = "400 com.amazon.coral.service#MissingRequiredParameterException ";
  EXPECT_EQ(JsonErr("StartMessageMoveTask", "{}"),
            missing + "The request must contain the parameter SourceArn.");
  EXPECT_EQ(JsonErr("CancelMessageMoveTask", "{}"),
            missing + "The request must contain the parameter TaskHandle.");
  EXPECT_EQ(JsonErr("ListMessageMoveTasks", R"({"MaxResults":2})"),
            missing + "The request must contain the parameter SourceArn.");
  const std::string ipv = "400 com.amazon.coral.service#InvalidParameterValueException ";
  EXPECT_EQ(JsonErr("ListMessageMoveTasks", R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:q","MaxResults":11})"),
            ipv + "Value 11 for parameter MaxResults is invalid. Reason: MaxResults must be an integer "
                  "between 1 and 10.");
  EXPECT_EQ(JsonErr("ListMessageMoveTasks", R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:q","MaxResults":0})"),
            ipv + "Value 0 for parameter MaxResults is invalid. Reason: MaxResults must be an integer "
                  "between 1 and 10.");
  EXPECT_EQ(JsonErr("StartMessageMoveTask", R"({"SourceArn":"s","MaxNumberOfMessagesPerSecond":"5"})"),
            "400 com.amazon.coral.service#SerializationException STRING_VALUE can not be converted to an "
            "Integer");
  net::Response r = Call(QueryPost("Action=CancelMessageMoveTask"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>MissingParameter</Code><Message>The request must contain the parameter "
                        "TaskHandle.</Message>"),
            std::string::npos)
      << r.body;
}

TEST_F(HandlerTest, FifoIdFormats) {
  std::string url = CreateQueue();
  const std::string ipv = "400 com.amazon.coral.service#InvalidParameterValueException ";
  const std::string reason =
      " can only include alphanumeric and punctuation characters. 1 to 128 in length.";
  EXPECT_EQ(JsonErr("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"x","MessageGroupId":"group 123"})"),
            ipv + "Value group 123 for parameter MessageGroupId is invalid. Reason: MessageGroupId" + reason);
  EXPECT_EQ(JsonErr("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"x","MessageGroupId":""})"),
            ipv + "Value  for parameter MessageGroupId is invalid. Reason: MessageGroupId" + reason);
  const std::string long_id(129, 'a');
  EXPECT_EQ(JsonErr("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"x","MessageDeduplicationId":")" +
                                       long_id + R"("})"),
            ipv + "Value " + long_id + " for parameter MessageDeduplicationId is invalid. Reason: "
                  "MessageDeduplicationId" + reason);
  EXPECT_EQ(JsonErr("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"x","MessageDeduplicationId":"é"})"),
            ipv + "Value é for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId" +
                reason);
  EXPECT_EQ(JsonErr("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","ReceiveRequestAttemptId":"a\tb"})"),
            ipv + "Value a\tb for parameter ReceiveRequestAttemptId is invalid. Reason: "
                  "ReceiveRequestAttemptId" + reason);
  // Every printable ASCII character but space is allowed, up to 128 of them.
  const std::string punct = R"(!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~)";  // JSON-escaped
  JsonOk("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","ReceiveRequestAttemptId":"aZ9)" + punct + R"("})");
  JsonOk("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","ReceiveRequestAttemptId":")" +
                               std::string(128, 'x') + R"("})");
  // In a batch, a bad id fails only its entry.
  json::object out = JsonOk(
      "SendMessageBatch",
      R"({"QueueUrl":")" + url +
          R"(","Entries":[{"Id":"ok","MessageBody":"a"},{"Id":"bad","MessageBody":"b","MessageGroupId":"g g"}]})");
  ASSERT_EQ(out["Failed"].as_array().size(), 1u);
  json::object& f = out["Failed"].as_array()[0].as_object();
  EXPECT_EQ(f["Id"].as_string(), "bad");
  EXPECT_EQ(f["Code"].as_string(), "InvalidParameterValue");
  EXPECT_EQ(f["Message"].as_string(),
            "Value g g for parameter MessageGroupId is invalid. Reason: MessageGroupId" + reason);
  // Query: the same check, XML error.
  net::Response r = Call(QueryPost("Action=SendMessage&MessageBody=x&MessageGroupId=a+b", "/000000000000/q"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>InvalidParameterValue</Code><Message>Value a b for parameter MessageGroupId"),
            std::string::npos)
      << r.body;
}

TEST_F(HandlerTest, LongPollAnswersWhenAMessageArrives) {
  std::string url = CreateQueue();
  auto slot = std::make_shared<std::optional<net::Response>>();
  handler_.Handle(Json("ReceiveMessage", R"({"QueueUrl":")" + url + R"(","WaitTimeSeconds":5})"),
                  [slot](net::Response r) { *slot = std::move(r); });
  store_.Flush();
  EXPECT_FALSE(slot->has_value());
  JsonOk("SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"wake"})");
  store_.Flush();
  ASSERT_TRUE(slot->has_value());
  EXPECT_NE((*slot)->body.find("\"Body\":\"wake\""), std::string::npos) << (*slot)->body;
}

}  // namespace
}  // namespace eddy::sqs
