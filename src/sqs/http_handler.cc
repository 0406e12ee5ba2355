#include "sqs/http_handler.h"

#include <utility>

#include <boost/json.hpp>

#include "aws/query_codec.h"
#include "aws/shape.h"
#include "aws/sigv4.h"
#include "aws/xml.h"
#include "common/crypto.h"

namespace eddy::sqs {
namespace wire {
namespace {

namespace json = boost::json;
using aws::Member;
using aws::Shape;
using aws::ShapeKind;

constexpr ShapeKind kInt = ShapeKind::kInteger;
constexpr ShapeKind kBool = ShapeKind::kBoolean;
constexpr ShapeKind kList = ShapeKind::kList;
constexpr ShapeKind kMap = ShapeKind::kMap;
constexpr ShapeKind kStruct = ShapeKind::kStructure;

// ---- The Query-era SQS model (botocore sqs/2012-11-05 before the JSON switch): member names with
// their flattened Query/XML spellings. Member order = the order AWS emits XML elements.

constexpr Member kAttributeValueMembers[] = {
    {.name = "StringValue"},
    {.name = "BinaryValue"},
    {.name = "StringListValues", .wire = "StringListValue", .kind = kList},
    {.name = "BinaryListValues", .wire = "BinaryListValue", .kind = kList},
    {.name = "DataType"},
};
constexpr Shape kAttributeValue{kAttributeValueMembers};

constexpr Member kQueueUrl{.name = "QueueUrl"};
constexpr Member kQueueName{.name = "QueueName"};
constexpr Member kReceiptHandle{.name = "ReceiptHandle"};
constexpr Member kId{.name = "Id"};
constexpr Member kNextToken{.name = "NextToken"};
constexpr Member kMaxResults{.name = "MaxResults", .kind = kInt};
constexpr Member kVisibilityTimeout{.name = "VisibilityTimeout", .kind = kInt};
constexpr Member kQueueAttributes{.name = "Attributes", .wire = "Attribute", .kind = kMap};
constexpr Member kTags{.name = "Tags", .wire = "Tag", .kind = kMap, .key = "Key", .value = "Value"};
constexpr Member kAttributeNames{.name = "AttributeNames", .wire = "AttributeName", .kind = kList};
constexpr Member kMessageAttributes{.name = "MessageAttributes", .wire = "MessageAttribute",
                                    .kind = kMap, .element = kStruct, .structure = &kAttributeValue};
constexpr Member kMessageSystemAttributes{.name = "MessageSystemAttributes",
                                          .wire = "MessageSystemAttribute", .kind = kMap,
                                          .element = kStruct, .structure = &kAttributeValue};

// Inputs.
constexpr Member kQueueUrlOnlyIn[] = {kQueueUrl};
constexpr Member kCreateQueueIn[] = {
    kQueueName, kQueueAttributes,
    {.name = "tags", .wire = "Tag", .kind = kMap, .key = "Key", .value = "Value"}};
constexpr Member kGetQueueUrlIn[] = {kQueueName, {.name = "QueueOwnerAWSAccountId"}};
constexpr Member kListQueuesIn[] = {{.name = "QueueNamePrefix"}, kNextToken, kMaxResults};
constexpr Member kGetQueueAttributesIn[] = {kQueueUrl, kAttributeNames};
constexpr Member kSetQueueAttributesIn[] = {kQueueUrl, kQueueAttributes};
constexpr Member kSendMessageIn[] = {
    kQueueUrl,
    {.name = "MessageBody"},
    {.name = "DelaySeconds", .kind = kInt},
    kMessageAttributes,
    kMessageSystemAttributes,
    {.name = "MessageDeduplicationId"},
    {.name = "MessageGroupId"},
};
constexpr Member kSendEntryMembers[] = {
    kId,
    {.name = "MessageBody"},
    {.name = "DelaySeconds", .kind = kInt},
    kMessageAttributes,
    kMessageSystemAttributes,
    {.name = "MessageDeduplicationId"},
    {.name = "MessageGroupId"},
};
constexpr Shape kSendEntry{kSendEntryMembers};
constexpr Member kSendMessageBatchIn[] = {
    kQueueUrl, {.name = "Entries", .wire = "SendMessageBatchRequestEntry", .kind = kList,
                .element = kStruct, .structure = &kSendEntry}};
constexpr Member kReceiveMessageIn[] = {
    kQueueUrl,
    kAttributeNames,
    {.name = "MessageSystemAttributeNames", .wire = "MessageSystemAttributeName", .kind = kList},
    {.name = "MessageAttributeNames", .wire = "MessageAttributeName", .kind = kList},
    {.name = "MaxNumberOfMessages", .kind = kInt},
    kVisibilityTimeout,
    {.name = "WaitTimeSeconds", .kind = kInt},
    {.name = "ReceiveRequestAttemptId"},
};
constexpr Member kDeleteMessageIn[] = {kQueueUrl, kReceiptHandle};
constexpr Member kDeleteEntryMembers[] = {kId, kReceiptHandle};
constexpr Shape kDeleteEntry{kDeleteEntryMembers};
constexpr Member kDeleteMessageBatchIn[] = {
    kQueueUrl, {.name = "Entries", .wire = "DeleteMessageBatchRequestEntry", .kind = kList,
                .element = kStruct, .structure = &kDeleteEntry}};
constexpr Member kChangeVisibilityIn[] = {kQueueUrl, kReceiptHandle, kVisibilityTimeout};
constexpr Member kChangeEntryMembers[] = {kId, kReceiptHandle, kVisibilityTimeout};
constexpr Shape kChangeEntry{kChangeEntryMembers};
constexpr Member kChangeVisibilityBatchIn[] = {
    kQueueUrl, {.name = "Entries", .wire = "ChangeMessageVisibilityBatchRequestEntry",
                .kind = kList, .element = kStruct, .structure = &kChangeEntry}};
constexpr Member kTagQueueIn[] = {kQueueUrl, kTags};
constexpr Member kUntagQueueIn[] = {kQueueUrl,
                                    {.name = "TagKeys", .wire = "TagKey", .kind = kList}};
constexpr Member kAddPermissionIn[] = {
    kQueueUrl,
    {.name = "Label"},
    {.name = "AWSAccountIds", .wire = "AWSAccountId", .kind = kList},
    {.name = "Actions", .wire = "ActionName", .kind = kList},
};
constexpr Member kRemovePermissionIn[] = {kQueueUrl, {.name = "Label"}};
constexpr Member kListDeadLetterSourceQueuesIn[] = {kQueueUrl, kNextToken, kMaxResults};
constexpr Member kStartMessageMoveTaskIn[] = {
    {.name = "SourceArn"},
    {.name = "DestinationArn"},
    {.name = "MaxNumberOfMessagesPerSecond", .kind = kInt},
};
constexpr Member kCancelMessageMoveTaskIn[] = {{.name = "TaskHandle"}};
constexpr Member kListMessageMoveTasksIn[] = {{.name = "SourceArn"}, kMaxResults};

// Outputs.
constexpr Member kQueueUrlOut[] = {kQueueUrl};
constexpr Member kListQueuesOut[] = {
    {.name = "QueueUrls", .wire = "QueueUrl", .kind = kList}, kNextToken};
constexpr Member kListDeadLetterSourceQueuesOut[] = {
    {.name = "queueUrls", .wire = "QueueUrl", .kind = kList}, kNextToken};
constexpr Member kQueueAttributesOut[] = {kQueueAttributes};
constexpr Member kTagsOut[] = {kTags};
constexpr Member kMd5Members[] = {
    {.name = "MD5OfMessageBody"},
    {.name = "MD5OfMessageAttributes"},
    {.name = "MD5OfMessageSystemAttributes"},
};
constexpr Member kSendMessageOut[] = {
    {.name = "MessageId"}, kMd5Members[0], kMd5Members[1], kMd5Members[2], {.name = "SequenceNumber"}};
constexpr Member kErrorEntryMembers[] = {
    kId, {.name = "SenderFault", .kind = kBool}, {.name = "Code"}, {.name = "Message"}};
constexpr Shape kErrorEntry{kErrorEntryMembers};
constexpr Member kFailed{.name = "Failed", .wire = "BatchResultErrorEntry", .kind = kList,
                         .element = kStruct, .structure = &kErrorEntry};
constexpr Member kSendResultEntryMembers[] = {
    kId, {.name = "MessageId"}, kMd5Members[0], kMd5Members[1], kMd5Members[2],
    {.name = "SequenceNumber"}};
constexpr Shape kSendResultEntry{kSendResultEntryMembers};
constexpr Member kSendMessageBatchOut[] = {
    {.name = "Successful", .wire = "SendMessageBatchResultEntry", .kind = kList, .element = kStruct,
     .structure = &kSendResultEntry},
    kFailed};
constexpr Member kIdOnlyMembers[] = {kId};
constexpr Shape kIdOnly{kIdOnlyMembers};
constexpr Member kDeleteMessageBatchOut[] = {
    {.name = "Successful", .wire = "DeleteMessageBatchResultEntry", .kind = kList,
     .element = kStruct, .structure = &kIdOnly},
    kFailed};
constexpr Member kChangeVisibilityBatchOut[] = {
    {.name = "Successful", .wire = "ChangeMessageVisibilityBatchResultEntry", .kind = kList,
     .element = kStruct, .structure = &kIdOnly},
    kFailed};
constexpr Member kMessageMembers[] = {
    {.name = "MessageId"},
    kReceiptHandle,
    {.name = "MD5OfBody"},
    {.name = "Body"},
    kQueueAttributes,  // the message's system attributes: <Attribute><Name/><Value/></Attribute>
    kMd5Members[1],
    kMessageAttributes,
};
constexpr Shape kMessage{kMessageMembers};
constexpr Member kReceiveMessageOut[] = {
    {.name = "Messages", .wire = "Message", .kind = kList, .element = kStruct,
     .structure = &kMessage}};
constexpr Member kStartMessageMoveTaskOut[] = {{.name = "TaskHandle"}};
constexpr Member kCancelMessageMoveTaskOut[] = {
    {.name = "ApproximateNumberOfMessagesMoved", .kind = kInt}};
constexpr Member kMoveTaskMembers[] = {
    {.name = "TaskHandle"},
    {.name = "Status"},
    {.name = "SourceArn"},
    {.name = "DestinationArn"},
    {.name = "MaxNumberOfMessagesPerSecond", .kind = kInt},
    {.name = "ApproximateNumberOfMessagesMoved", .kind = kInt},
    {.name = "ApproximateNumberOfMessagesToMove", .kind = kInt},
    {.name = "FailureReason"},
    {.name = "StartedTimestamp", .kind = kInt},
};
constexpr Shape kMoveTask{kMoveTaskMembers};
constexpr Member kListMessageMoveTasksOut[] = {
    {.name = "Results", .wire = "ListMessageMoveTasksResultEntry", .kind = kList,
     .element = kStruct, .structure = &kMoveTask}};

struct Operation {
  std::string_view name;
  Shape input;
  Shape output;
  bool has_output;  // every op with output has a <Op>Result wrapper in the Query-era model
};

constexpr Operation kOperations[] = {
    {"SendMessage", {kSendMessageIn}, {kSendMessageOut}, true},
    {"ReceiveMessage", {kReceiveMessageIn}, {kReceiveMessageOut}, true},
    {"DeleteMessage", {kDeleteMessageIn}, {}, false},
    {"SendMessageBatch", {kSendMessageBatchIn}, {kSendMessageBatchOut}, true},
    {"DeleteMessageBatch", {kDeleteMessageBatchIn}, {kDeleteMessageBatchOut}, true},
    {"ChangeMessageVisibility", {kChangeVisibilityIn}, {}, false},
    {"ChangeMessageVisibilityBatch", {kChangeVisibilityBatchIn}, {kChangeVisibilityBatchOut}, true},
    {"CreateQueue", {kCreateQueueIn}, {kQueueUrlOut}, true},
    {"DeleteQueue", {kQueueUrlOnlyIn}, {}, false},
    {"GetQueueUrl", {kGetQueueUrlIn}, {kQueueUrlOut}, true},
    {"ListQueues", {kListQueuesIn}, {kListQueuesOut}, true},
    {"GetQueueAttributes", {kGetQueueAttributesIn}, {kQueueAttributesOut}, true},
    {"SetQueueAttributes", {kSetQueueAttributesIn}, {}, false},
    {"PurgeQueue", {kQueueUrlOnlyIn}, {}, false},
    {"TagQueue", {kTagQueueIn}, {}, false},
    {"UntagQueue", {kUntagQueueIn}, {}, false},
    {"ListQueueTags", {kQueueUrlOnlyIn}, {kTagsOut}, true},
    {"AddPermission", {kAddPermissionIn}, {}, false},
    {"RemovePermission", {kRemovePermissionIn}, {}, false},
    {"ListDeadLetterSourceQueues", {kListDeadLetterSourceQueuesIn},
     {kListDeadLetterSourceQueuesOut}, true},
    {"StartMessageMoveTask", {kStartMessageMoveTaskIn}, {kStartMessageMoveTaskOut}, true},
    {"CancelMessageMoveTask", {kCancelMessageMoveTaskIn}, {kCancelMessageMoveTaskOut}, true},
    {"ListMessageMoveTasks", {kListMessageMoveTasksIn}, {kListMessageMoveTasksOut}, true},
};

const Operation* FindOperation(std::string_view name) {
  for (const Operation& op : kOperations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

std::string InvalidActionMessage(std::string_view action) {
  return "The action " + std::string(action) + " is not valid for this endpoint.";
}

// AWS words QueueDoesNotExist differently in the Query protocol [AWS-observed].
std::string_view QueryMessage(const Error& e) {
  if (e.code == Errc::kQueueDoesNotExist && e.message == "The specified queue does not exist.") {
    return "The specified queue does not exist for this wsdl version.";
  }
  return e.message;
}

}  // namespace

bool IsQueuePath(std::string_view path) {
  if (path.size() < 4 || path[0] != '/') return false;
  size_t slash = path.find('/', 1);
  if (slash == std::string_view::npos || slash == 1 || slash + 1 >= path.size()) return false;
  for (size_t i = 1; i < slash; ++i) {
    if (path[i] < '0' || path[i] > '9') return false;
  }
  return path.find('/', slash + 1) == std::string_view::npos;
}

Status QueryToRequest(std::string_view action, const aws::FormParams& params, json::object* out) {
  const Operation* op = FindOperation(action);
  if (op == nullptr) return Fail(Errc::kInvalidAction, InvalidActionMessage(action));
  aws::QueryDecodeError error;
  if (!aws::QueryToJson(params, op->input, out, &error)) {
    // AWS's wording for unparsable numbers is not recorded anywhere we could find; this follows its
    // "Value X for parameter Y is invalid. Reason: ..." pattern.
    return InvalidParameterValue(error.value, error.parameter,
                                 error.expected == ShapeKind::kBoolean ? "Must be a boolean."
                                                                       : "Must be an integer.");
  }
  return {};
}

std::string RenderJsonBody(const json::object& result) { return json::serialize(result); }

std::string RenderXmlBody(std::string_view action, const json::object& result,
                          std::string_view request_id) {
  std::string out;
  out.reserve(320);
  aws::XmlWriter w(&out);
  w.Declaration();
  std::string tag(action);
  tag += "Response";
  w.OpenWithNamespace(tag, kXmlNamespace);
  const Operation* op = FindOperation(action);
  if (op != nullptr && op->has_output) {
    std::string wrapper(action);
    wrapper += "Result";
    const size_t mark = out.size();
    w.Open(wrapper);
    const size_t inner = out.size();
    aws::JsonToXml(result, op->output, w);
    if (out.size() == inner) {
      out.resize(mark);
      w.Empty(wrapper);  // e.g. an empty receive is <ReceiveMessageResult/> [AWS-observed]
    } else {
      w.Close(wrapper);
    }
  }
  w.Open("ResponseMetadata");
  w.Element("RequestId", request_id);
  w.Close("ResponseMetadata");
  w.Close(tag);
  return out;
}

std::string RenderJsonErrorBody(const Error& error) {
  json::object o;
  o.emplace("__type", Info(error.code).json_type);
  o.emplace("message", error.message);
  return json::serialize(o);
}

std::string RenderXmlErrorBody(const Error& error, std::string_view request_id) {
  const ErrorInfo& info = Info(error.code);
  std::string out;
  out.reserve(256 + error.message.size());
  aws::XmlWriter w(&out);
  w.Declaration();
  w.OpenWithNamespace("ErrorResponse", kXmlNamespace);
  w.Open("Error");
  w.Element("Type", info.sender_fault ? "Sender" : "Receiver");
  w.Element("Code", info.query_code);
  w.Element("Message", QueryMessage(error));
  w.Empty("Detail");
  w.Close("Error");
  w.Element("RequestId", request_id);
  w.Close("ErrorResponse");
  return out;
}

net::Response RenderResponse(Protocol protocol, std::string_view action,
                             const Result<json::object>& result, const std::string& request_id) {
  net::Response r;
  r.headers.push_back({"x-amzn-RequestId", request_id});
  if (protocol == Protocol::kJson) {
    r.content_type = "application/x-amz-json-1.0";
    if (result) {
      r.body = RenderJsonBody(*result);
    } else {
      const ErrorInfo& info = Info(result.error().code);
      r.status = info.http_status;
      std::string query_error(info.query_code);
      query_error += info.sender_fault ? ";Sender" : ";Receiver";
      r.headers.push_back({"x-amzn-query-error", std::move(query_error)});
      r.body = RenderJsonErrorBody(result.error());
    }
  } else {
    r.content_type = "text/xml";
    if (result) {
      r.body = RenderXmlBody(action, *result, request_id);
    } else {
      r.status = Info(result.error().code).http_status;
      r.body = RenderXmlErrorBody(result.error(), request_id);
    }
  }
  return r;
}

}  // namespace wire

namespace {

namespace json = boost::json;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Completes a request: renders on this thread, then answers once `commit` is durable.
Api::Reply MakeReply(store::MessageStore& store, wire::Protocol protocol, std::string action,
                     std::string request_id, net::Responder respond) {
  return [&store, protocol, action = std::move(action), request_id = std::move(request_id),
          respond = std::move(respond)](Result<json::object> result, uint64_t commit) mutable {
    net::Response response = wire::RenderResponse(protocol, action, result, request_id);
    if (commit == 0) return respond(std::move(response));
    store.WhenDurable(commit, [respond = std::move(respond), response = std::move(response)]() mutable {
      respond(std::move(response));
    });
  };
}

void RespondError(wire::Protocol protocol, Error error, const std::string& request_id,
                  const net::Responder& respond) {
  respond(wire::RenderResponse(protocol, {}, Unexpected<Error>{std::move(error)}, request_id));
}

// Queue-URL routing: a request sent to /<account>/<name> without a QueueUrl parameter is about that
// queue; an explicit QueueUrl wins [AWS-observed].
void DefaultQueueUrlFromPath(std::string_view path, const RequestContext& ctx, json::object* input) {
  if (!wire::IsQueuePath(path)) return;
  const json::value* v = input->if_contains("QueueUrl");
  if (v != nullptr && !(v->is_string() && v->get_string().empty()) && !v->is_null()) return;
  std::string url = ctx.url_base;
  url += path;
  (*input)["QueueUrl"] = url;
}

}  // namespace

HttpHandler::HttpHandler(Engine& engine, store::MessageStore& store, HttpHandlerOptions options)
    : api_(engine), store_(store), options_(std::move(options)) {}

void HttpHandler::Handle(net::Request&& request, net::Responder respond) {
  RequestContext ctx;
  ctx.account = options_.account;
  ctx.region = options_.default_region;
  if (const std::string* auth = request.header("authorization")) {
    if (auto parsed = aws::ParseAuthorizationHeader(*auth)) {
      ctx.region = std::string(parsed->credential.region);
    }
  }
  if (!options_.url_base.empty()) {
    ctx.url_base = options_.url_base;
  } else if (const std::string* host = request.header("host"); host != nullptr && !host->empty()) {
    ctx.url_base.reserve(7 + host->size());
    ctx.url_base = "http://";
    ctx.url_base += *host;
  } else {
    ctx.url_base = options_.fallback_url_base;
  }
  if (const std::string* trace = request.header("x-amzn-trace-id")) ctx.trace_header = *trace;

  std::string request_id = NewUuid();
  const std::string* target = request.header("x-amz-target");
  const std::string* content_type = request.header("content-type");
  if (target != nullptr ||
      (content_type != nullptr && StartsWith(*content_type, "application/x-amz-json"))) {
    HandleJson(request, ctx, std::move(request_id), std::move(respond));
  } else {
    HandleQuery(request, ctx, std::move(request_id), std::move(respond));
  }
}

void HttpHandler::HandleJson(net::Request& request, RequestContext& ctx, std::string request_id,
                             net::Responder respond) {
  constexpr std::string_view kPrefix = "AmazonSQS.";
  const std::string* target = request.header("x-amz-target");
  std::string_view t = target ? std::string_view(*target) : std::string_view();
  if (!StartsWith(t, kPrefix)) {
    return RespondError(wire::Protocol::kJson,
                        Error{Errc::kInvalidAction, wire::InvalidActionMessage(t)}, request_id,
                        respond);
  }
  std::string_view action = t.substr(kPrefix.size());

  // The request object only lives for the synchronous part of the call (Api copies what it keeps),
  // so it is parsed into a stack arena: no per-node heap allocations.
  unsigned char arena[4096];
  json::monotonic_resource resource(arena, sizeof(arena));
  json::object input(&resource);
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec, &resource);
    if (ec) {
      // Coral answers unparsable JSON with a bare SerializationException.
      return RespondError(wire::Protocol::kJson,
                          Error{Errc::kSerializationException, "Malformed JSON request body."},
                          request_id, respond);
    }
    if (!parsed.is_object()) {
      return RespondError(wire::Protocol::kJson,
                          Error{Errc::kSerializationException,
                                parsed.is_array() ? "Start of list found where not expected."
                                                  : "Unexpected JSON value; expected an object."},
                          request_id, respond);
    }
    input = std::move(parsed.get_object());
  }
  DefaultQueueUrlFromPath(request.path(), ctx, &input);
  api_.Handle(action, input, ctx,
              MakeReply(store_, wire::Protocol::kJson, std::string(action), std::move(request_id),
                        std::move(respond)));
}

void HttpHandler::HandleQuery(net::Request& request, RequestContext& ctx, std::string request_id,
                              net::Responder respond) {
  const wire::Protocol kQuery = wire::Protocol::kQuery;
  aws::FormParams params;
  bool ok = aws::ParseForm(request.query(), &params);
  if (ok && request.method != "GET" && !request.body.empty()) {
    ok = aws::ParseForm(request.body, &params);
  }
  if (!ok) {
    return RespondError(kQuery,
                        Error{Errc::kInvalidParameterValue,
                              "The request contains a malformed percent-encoded sequence."},
                        request_id, respond);
  }
  // Presigned URLs carry the credential scope as a parameter.
  if (request.header("authorization") == nullptr) {
    if (const std::string* credential = aws::FindParam(params, "X-Amz-Credential")) {
      if (auto scope = aws::ParseCredential(*credential)) ctx.region = std::string(scope->region);
    }
  }

  const std::string_view path = request.path();
  const std::string* action = aws::FindParam(params, "Action");
  if (action == nullptr || action->empty()) {
    if (request.method == "GET" && wire::IsQueuePath(path)) {  // [AWS-observed]
      net::Response r;
      r.status = 404;
      r.content_type = "text/xml";
      r.headers.push_back({"x-amzn-RequestId", request_id});
      r.body = "<UnknownOperationException/>";
      return respond(std::move(r));
    }
    return RespondError(kQuery, MissingParameter("Action").error, request_id, respond);
  }
  // Account-level actions sent to a queue URL [AWS-observed for ListQueues/CreateQueue].
  if (wire::IsQueuePath(path) &&
      (*action == "ListQueues" || *action == "CreateQueue" || *action == "GetQueueUrl")) {
    return RespondError(kQuery, Error{Errc::kInvalidAction, wire::InvalidActionMessage(*action)},
                        request_id, respond);
  }
  unsigned char arena[4096];  // see HandleJson
  json::monotonic_resource resource(arena, sizeof(arena));
  json::object input(&resource);
  if (Status st = wire::QueryToRequest(*action, params, &input); !st) {
    return RespondError(kQuery, std::move(st).error(), request_id, respond);
  }
  DefaultQueueUrlFromPath(path, ctx, &input);
  api_.Handle(*action, input, ctx,
              MakeReply(store_, kQuery, *action, std::move(request_id), std::move(respond)));
}

}  // namespace eddy::sqs
