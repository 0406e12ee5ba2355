#include "logs/http_handler.h"

#include <utility>

#include <boost/json.hpp>

#include "aws/response.h"
#include "aws/sigv4.h"
#include "common/crypto.h"

namespace eddy::logs {
namespace {

namespace json = boost::json;

net::Response Render(const Result<json::object>& result, const std::string& request_id) {
  net::Response r = aws::MakeResponse(200, "application/x-amz-json-1.1", "", request_id);
  if (result) {
    r.body = json::serialize(*result);
  } else {
    const Error& e = result.error();
    r.status = Info(e.code).http_status;
    json::object o;
    o["__type"] = Info(e.code).type;
    o["message"] = e.message;
    r.body = json::serialize(o);
  }
  return r;
}

}  // namespace

HttpHandler::HttpHandler(LogStore& store, const Clock& clock, HttpHandlerOptions options)
    : api_(store, clock), options_(std::move(options)) {}

bool HttpHandler::Accepts(const net::Request& request) {
  const std::string* target = request.header("x-amz-target");
  return target != nullptr && target->starts_with(kTargetPrefix);
}

void HttpHandler::Handle(net::Request&& request, net::Responder respond) {
  respond(HandleSync(request));
}

net::Response HttpHandler::HandleSync(const net::Request& request) {
  const std::string request_id = NewUuid();
  RequestContext ctx;
  ctx.region = options_.default_region;
  ctx.account = options_.account;
  if (const std::string* auth = request.header("authorization")) {
    if (auto parsed = aws::ParseAuthorizationHeader(*auth)) {
      ctx.region = std::string(parsed->credential.region);
    }
  }

  const std::string* target = request.header("x-amz-target");
  std::string_view t = target != nullptr ? std::string_view(*target) : std::string_view();
  if (!t.starts_with(kTargetPrefix)) {
    return Render(Unexpected<Error>{Error{Errc::kUnknownOperation,
                                          "Unknown operation " + std::string(t) + "."}},
                  request_id);
  }
  const std::string_view operation = t.substr(kTargetPrefix.size());

  json::object input;
  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec) {
      return Render(Unexpected<Error>{Error{Errc::kSerialization, "Malformed JSON request body."}},
                    request_id);
    }
    if (!parsed.is_object()) {
      return Render(Unexpected<Error>{Error{Errc::kSerialization,
                                            parsed.is_array()
                                                ? "Start of list found where not expected."
                                                : "Unexpected JSON value; expected an object."}},
                    request_id);
    }
    input = std::move(parsed.get_object());
  }
  return Render(api_.Handle(operation, input, ctx), request_id);
}

}  // namespace eddy::logs
