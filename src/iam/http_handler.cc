#include "iam/http_handler.h"

#include <utility>

#include "aws/form.h"
#include "aws/response.h"
#include "aws/sigv4.h"
#include "common/crypto.h"

namespace eddy::iam {
namespace {

net::Response ErrorResponse(const Error& error, const std::string& request_id) {
  return aws::MakeResponse(Info(error.code).http_status, "text/xml", RenderErrorBody(error, request_id),
                           request_id);
}

}  // namespace

HttpHandler::HttpHandler(Directory& directory, store::MessageStore& store, HttpHandlerOptions options)
    : api_(directory), store_(store), options_(std::move(options)) {}

bool HttpHandler::Accepts(const net::Request& request) {
  if (const std::string* auth = request.header("authorization")) {
    auto parsed = aws::ParseAuthorizationHeader(*auth);
    return parsed && parsed->credential.service == "iam";
  }
  const std::string_view query = request.query();
  if (query.find("X-Amz-Credential") == std::string_view::npos) return false;
  aws::FormParams params;
  if (!aws::ParseForm(query, &params)) return false;
  const std::string* credential = aws::FindParam(params, "X-Amz-Credential");
  if (credential == nullptr) return false;
  auto scope = aws::ParseCredential(*credential);
  return scope && scope->service == "iam";
}

void HttpHandler::Handle(net::Request&& request, net::Responder respond) {
  const std::string request_id = NewUuid();
  aws::FormParams params;
  bool ok = aws::ParseForm(request.query(), &params);
  if (ok && request.method != "GET" && !request.body.empty()) ok = aws::ParseForm(request.body, &params);
  if (!ok) {
    // [?] AWS's answer to a malformed percent-encoded body is unconfirmed.
    return respond(ErrorResponse(
        Error{Errc::kValidationError, "The request contains a malformed percent-encoded sequence."},
        request_id));
  }
  const std::string* action = aws::FindParam(params, "Action");
  if (action == nullptr || action->empty()) {
    // [?] Wording as other Query services answer a request without an action.
    return respond(ErrorResponse(Error{Errc::kMissingAction, "Missing Action"}, request_id));
  }
  Result<Reply> reply = api_.Handle(*action, params, options_.account, request_id);
  if (!reply) return respond(ErrorResponse(reply.error(), request_id));
  net::Response response = aws::MakeResponse(200, "text/xml", std::move(reply->body), request_id);
  if (reply->ticket == 0) return respond(std::move(response));
  store_.WhenDurable(reply->ticket, [respond = std::move(respond), response = std::move(response)]() mutable {
    respond(std::move(response));
  });
}

}  // namespace eddy::iam
