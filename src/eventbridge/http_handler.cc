#include "eventbridge/http_handler.h"

#include <memory>
#include <utility>

#include <boost/json.hpp>

#include "aws/response.h"
#include "aws/sigv4.h"
#include "common/crypto.h"

namespace eddy::eventbridge {
namespace {

namespace json = boost::json;

net::Response Render(const Result<Reply>& result, const std::string& request_id) {
  net::Response r = aws::MakeResponse(200, "application/x-amz-json-1.1", "", request_id);
  if (result) {
    r.body = json::serialize(result->body);
  } else {
    const Error& e = result.error();
    r.status = Info(e.code).http_status;
    r.body = json::serialize(json::object{{"__type", Info(e.code).type}, {"message", e.message}});
  }
  return r;
}

}  // namespace

HttpHandler::HttpHandler(Rules& rules, store::MessageStore& store, const Clock& clock, HttpHandlerOptions options)
    : api_(rules, clock), store_(store), options_(std::move(options)) {}

bool HttpHandler::Accepts(const net::Request& request) {
  const std::string* target = request.header("x-amz-target");
  return target != nullptr && target->starts_with(kTargetPrefix);
}

void HttpHandler::Handle(net::Request&& request, net::Responder respond) {
  const std::string request_id = NewUuid();
  RequestContext ctx;
  ctx.region = options_.default_region;
  ctx.account = options_.account;
  if (const std::string* auth = request.header("authorization")) {
    if (auto parsed = aws::ParseAuthorizationHeader(*auth)) ctx.region = std::string(parsed->credential.region);
  }
  const std::string* target = request.header("x-amz-target");
  const std::string_view operation = std::string_view(*target).substr(kTargetPrefix.size());

  json::object input;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec || !parsed.is_object()) {
      respond(Render(Fail(Errc::kSerialization, "Malformed JSON request body."), request_id));
      return;
    }
    input = std::move(parsed.get_object());
  }
  Result<Reply> result = api_.Handle(operation, input, ctx);
  if (!result || result->ticket == 0) {
    respond(Render(result, request_id));
    return;
  }
  const uint64_t ticket = result->ticket;
  auto response = std::make_shared<net::Response>(Render(result, request_id));
  store_.WhenDurable(ticket, [response, respond = std::move(respond)]() mutable { respond(std::move(*response)); });
}

}  // namespace eddy::eventbridge
