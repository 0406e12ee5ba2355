#include "iam/api.h"

#include <gtest/gtest.h>

#include "iam/http_handler.h"
#include "store/test_meta_store.h"

namespace eddy::iam {
namespace {

constexpr char kAccount[] = "000000000000";
constexpr char kTrust[] =
    R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})";

class ApiTest : public ::testing::Test {
 protected:
  Result<Reply> Call(std::string_view action, aws::FormParams params) {
    return api_.Handle(action, params, kAccount, "req-1");
  }
  std::string Ok(std::string_view action, aws::FormParams params) {
    auto reply = Call(action, std::move(params));
    EXPECT_TRUE(reply) << action << ": " << (reply ? "" : reply.error().message);
    return reply ? reply->body : std::string();
  }
  Error Err(std::string_view action, aws::FormParams params) {
    auto reply = Call(action, std::move(params));
    EXPECT_FALSE(reply) << action;
    return reply ? Error{} : reply.error();
  }
  void CreateRole(const std::string& name) {
    Ok("CreateRole", {{"RoleName", name}, {"AssumeRolePolicyDocument", kTrust}});
  }

  FakeClock clock_{1'767'225'600'000};  // 2026-01-01T00:00:00Z
  store::testing::MetaStore store_;
  Directory dir_{clock_, store_};
  Api api_{dir_};
};

TEST(IamFormatTest, UrlEncodeAndDates) {
  EXPECT_EQ(detail::UrlEncode(R"({"a": "b-c_d.e~f/g"})"), "%7B%22a%22%3A%20%22b-c_d.e~f%2Fg%22%7D");
  EXPECT_EQ(detail::FormatIamDate(1'767'225'600'123), "2026-01-01T00:00:00Z");
}

TEST_F(ApiTest, CreateRoleAnswersAwsShape) {
  auto reply = Call("CreateRole", {{"Action", "CreateRole"},
                                   {"Version", "2010-05-08"},
                                   {"RoleName", "dlq-redrive"},
                                   {"Path", "/service-role/"},
                                   {"AssumeRolePolicyDocument", kTrust},
                                   {"Description", "a & b"},
                                   {"Tags.member.1.Key", "team"},
                                   {"Tags.member.1.Value", "ops"}});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_GT(reply->ticket, 0u);
  const std::string& body = reply->body;
  EXPECT_NE(
      body.find(
          R"(<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role>)"
          "<Path>/service-role/</Path><RoleName>dlq-redrive</RoleName><RoleId>AROA"),
      std::string::npos)
      << body;
  EXPECT_NE(
      body.find("<Arn>arn:aws:iam::000000000000:role/service-role/dlq-redrive</Arn>"
                "<CreateDate>2026-01-01T00:00:00Z</CreateDate>"
                "<AssumeRolePolicyDocument>" +
                detail::UrlEncode(kTrust) +
                "</AssumeRolePolicyDocument>"
                "<Description>a &amp; b</Description>"
                "<Tags><member><Key>team</Key><Value>ops</Value></member></Tags></Role></CreateRoleResult>"
                "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateRoleResponse>"),
      std::string::npos)
      << body;

  std::string got = Ok("GetRole", {{"RoleName", "DLQ-REDRIVE"}});
  EXPECT_NE(got.find("<RoleName>dlq-redrive</RoleName>"), std::string::npos) << got;
  EXPECT_NE(got.find("<MaxSessionDuration>3600</MaxSessionDuration><Tags>"), std::string::npos) << got;
  EXPECT_NE(got.find("<RoleLastUsed/></Role></GetRoleResult>"), std::string::npos) << got;
}

TEST_F(ApiTest, ValidationErrors) {
  Error e = Err("CreateRole", {{"RoleName", "bad name"}, {"AssumeRolePolicyDocument", kTrust}});
  EXPECT_EQ(e.code, Errc::kValidationError);
  EXPECT_EQ(e.message,
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  e = Err("CreateRole", {{"RoleName", std::string(65, 'a')}});
  EXPECT_EQ(
      e.message,
      "2 validation errors detected: Value '" + std::string(65, 'a') +
          "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64; "
          "Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null");
  e = Err("CreateRole",
          {{"RoleName", "r"}, {"AssumeRolePolicyDocument", kTrust}, {"MaxSessionDuration", "60"}});
  EXPECT_EQ(e.message,
            "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: "
            "Member must have value greater than or equal to 3600");
  e = Err("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", kTrust}, {"Path", "no-slash"}});
  EXPECT_EQ(e.code, Errc::kValidationError);
  e = Err("GetRole", {});
  EXPECT_EQ(e.message,
            "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: "
            "Member must not be null");
  e = Err("CreateRole",
          {{"RoleName", "r"}, {"AssumeRolePolicyDocument", "{}"}, {"Tags.member.1.Key", "a*b"}});
  EXPECT_NE(e.message.find("at 'tags.1.member.key'"), std::string::npos) << e.message;
  e = Err("ListRoles", {{"MaxItems", "abc"}});
  EXPECT_EQ(e.code, Errc::kValidationError);
  e = Err("CreateRole", {{"RoleName", "r"}, {"AssumeRolePolicyDocument", "nope"}});
  EXPECT_EQ(e.code, Errc::kMalformedPolicyDocument);
  e = Err("DescribeRole", {});
  EXPECT_EQ(e.code, Errc::kInvalidAction);
}

TEST_F(ApiTest, InlinePolicyRoundTripIsUrlEncoded) {
  CreateRole("r");
  const std::string doc = R"({"Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})";
  auto put = Call("PutRolePolicy", {{"RoleName", "r"}, {"PolicyName", "Sqs"}, {"PolicyDocument", doc}});
  ASSERT_TRUE(put);
  EXPECT_EQ(put->body.find("Result"), std::string::npos);  // no output, no <Result>
  std::string got = Ok("GetRolePolicy", {{"RoleName", "R"}, {"PolicyName", "Sqs"}});
  EXPECT_NE(
      got.find("<GetRolePolicyResult><RoleName>r</RoleName><PolicyName>Sqs</PolicyName><PolicyDocument>" +
               detail::UrlEncode(doc) + "</PolicyDocument></GetRolePolicyResult>"),
      std::string::npos)
      << got;
  std::string list = Ok("ListRolePolicies", {{"RoleName", "r"}});
  EXPECT_NE(list.find("<PolicyNames><member>Sqs</member></PolicyNames><IsTruncated>false</IsTruncated>"),
            std::string::npos)
      << list;
  Error e = Err("DeleteRole", {{"RoleName", "r"}});
  EXPECT_EQ(e.code, Errc::kDeleteConflict);
}

TEST_F(ApiTest, ManagedPoliciesAndAttachments) {
  CreateRole("r");
  std::string created =
      Ok("CreatePolicy",
         {{"PolicyName", "Q"}, {"Path", "/app/"}, {"PolicyDocument", "{}"}, {"Description", "queues"}});
  EXPECT_NE(created.find("<PolicyName>Q</PolicyName><DefaultVersionId>v1</DefaultVersionId><PolicyId>ANPA"),
            std::string::npos)
      << created;
  EXPECT_NE(created.find("<Path>/app/</Path><Arn>arn:aws:iam::000000000000:policy/app/Q</Arn>"
                         "<AttachmentCount>0</AttachmentCount>"),
            std::string::npos)
      << created;
  const std::string arn = "arn:aws:iam::000000000000:policy/app/Q";
  Ok("AttachRolePolicy", {{"RoleName", "r"}, {"PolicyArn", arn}});
  Ok("AttachRolePolicy",
     {{"RoleName", "r"}, {"PolicyArn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}});
  std::string attached = Ok("ListAttachedRolePolicies", {{"RoleName", "r"}});
  EXPECT_NE(
      attached.find("<AttachedPolicies><member><PolicyName>Q</PolicyName><PolicyArn>" + arn +
                    "</PolicyArn></member><member><PolicyName>AWSLambdaBasicExecutionRole</PolicyName>"),
      std::string::npos)
      << attached;
  std::string got = Ok("GetPolicy", {{"PolicyArn", arn}});
  EXPECT_NE(got.find("<AttachmentCount>1</AttachmentCount>"), std::string::npos) << got;
  EXPECT_NE(got.find("<Description>queues</Description>"), std::string::npos) << got;
  std::string version = Ok("GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  EXPECT_NE(version.find("<PolicyVersion><Document>%7B%7D</Document><VersionId>v1</VersionId>"
                         "<IsDefaultVersion>true</IsDefaultVersion>"),
            std::string::npos)
      << version;
  std::string local = Ok("ListPolicies", {{"Scope", "Local"}, {"OnlyAttached", "true"}});
  EXPECT_NE(local.find("<Policies><member><PolicyName>Q</PolicyName>"), std::string::npos) << local;
  EXPECT_EQ(Err("ListPolicies", {{"Scope", "Mine"}}).code, Errc::kValidationError);
  EXPECT_EQ(Err("GetPolicy", {{"PolicyArn", "arn:aws:iam::000000000000:policy/Q"}}).code,
            Errc::kNoSuchEntity);
  EXPECT_EQ(Err("DeletePolicy", {{"PolicyArn", arn}}).code, Errc::kDeleteConflict);
}

TEST_F(ApiTest, ListRolesPaginates) {
  for (const char* name : {"c", "a", "B", "d", "e"}) CreateRole(name);
  std::string first = Ok("ListRoles", {{"MaxItems", "2"}});
  EXPECT_NE(first.find("<RoleName>a</RoleName>"), std::string::npos);
  EXPECT_NE(first.find("<RoleName>B</RoleName>"), std::string::npos);
  EXPECT_EQ(first.find("<RoleName>c</RoleName>"), std::string::npos);
  EXPECT_EQ(first.find("<Tags>"), std::string::npos);
  size_t at = first.find("<IsTruncated>true</IsTruncated><Marker>");
  ASSERT_NE(at, std::string::npos) << first;
  size_t begin = at + std::string("<IsTruncated>true</IsTruncated><Marker>").size();
  std::string marker = first.substr(begin, first.find("</Marker>") - begin);
  std::string second = Ok("ListRoles", {{"MaxItems", "2"}, {"Marker", marker}});
  EXPECT_NE(second.find("<RoleName>c</RoleName>"), std::string::npos) << second;
  EXPECT_NE(second.find("<RoleName>d</RoleName>"), std::string::npos) << second;
  EXPECT_EQ(second.find("<RoleName>e</RoleName>"), std::string::npos) << second;
}

TEST_F(ApiTest, TagsAndUntag) {
  CreateRole("r");
  Ok("TagRole", {{"RoleName", "r"},
                 {"Tags.member.1.Key", "a"},
                 {"Tags.member.1.Value", "1"},
                 {"Tags.member.2.Key", "b"},
                 {"Tags.member.2.Value", "2"}});
  Ok("UntagRole", {{"RoleName", "r"}, {"TagKeys.member.1", "a"}});
  std::string tags = Ok("ListRoleTags", {{"RoleName", "r"}});
  EXPECT_NE(tags.find("<ListRoleTagsResult><Tags><member><Key>b</Key><Value>2</Value></member></Tags>"
                      "<IsTruncated>false</IsTruncated></ListRoleTagsResult>"),
            std::string::npos)
      << tags;
  EXPECT_EQ(Err("TagRole", {{"RoleName", "r"}}).code, Errc::kValidationError);
}

TEST_F(ApiTest, ErrorBody) {
  std::string body =
      RenderErrorBody(Error{Errc::kNoSuchEntity, "The role with name X cannot be found."}, "id-9");
  EXPECT_EQ(
      body,
      "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>"
      "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name X cannot be found.</Message>"
      "</Error><RequestId>id-9</RequestId></ErrorResponse>");
  EXPECT_EQ(Info(Errc::kNoSuchEntity).http_status, 404);
  EXPECT_EQ(Info(Errc::kEntityAlreadyExists).http_status, 409);
  EXPECT_EQ(Info(Errc::kDeleteConflict).http_status, 409);
  EXPECT_EQ(Info(Errc::kMalformedPolicyDocument).http_status, 400);
  EXPECT_EQ(Info(Errc::kValidationError).http_status, 400);
}

net::Request SignedRequest(std::string_view service) {
  net::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers.push_back({"authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/" +
                                            std::string(service) +
                                            "/aws4_request, SignedHeaders=host, Signature=abc"});
  return r;
}

TEST(IamHttpHandlerTest, AcceptsOnlyIamSignedRequests) {
  EXPECT_TRUE(HttpHandler::Accepts(SignedRequest("iam")));
  EXPECT_FALSE(HttpHandler::Accepts(SignedRequest("sqs")));
  net::Request unsigned_request;
  unsigned_request.method = "POST";
  unsigned_request.target = "/";
  EXPECT_FALSE(HttpHandler::Accepts(unsigned_request));
  net::Request presigned;
  presigned.method = "GET";
  presigned.target = "/?Action=ListRoles&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fiam%2Faws4_request";
  EXPECT_TRUE(HttpHandler::Accepts(presigned));
}

TEST(IamHttpHandlerTest, AnswersAfterTheChangeIsDurable) {
  FakeClock clock;
  store::testing::MetaStore store;
  Directory dir(clock, store);
  HttpHandler handler(dir, store);
  net::Request request = SignedRequest("iam");
  request.body = "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D";
  net::Response response;
  handler.Handle(std::move(request), [&](net::Response r) { response = std::move(r); });
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/xml");
  EXPECT_EQ(store.durable_waits, std::vector<uint64_t>{1});

  net::Request again = SignedRequest("iam");
  again.body = "Action=CreateRole&RoleName=R&AssumeRolePolicyDocument=%7B%7D";
  handler.Handle(std::move(again), [&](net::Response r) { response = std::move(r); });
  EXPECT_EQ(response.status, 409);
  EXPECT_NE(response.body.find(
                "<Code>EntityAlreadyExists</Code><Message>Role with name R already exists.</Message>"),
            std::string::npos)
      << response.body;

  net::Request no_action = SignedRequest("iam");
  handler.Handle(std::move(no_action), [&](net::Response r) { response = std::move(r); });
  EXPECT_EQ(response.status, 400);
}

}  // namespace
}  // namespace eddy::iam
