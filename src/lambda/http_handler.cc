#include "lambda/http_handler.h"

#include <fstream>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "aws/form.h"
#include "aws/response.h"
#include "aws/sigv4.h"
#include "common/crypto.h"
#include "common/log.h"

namespace eddy::lambda {
namespace json = boost::json;
namespace {

constexpr std::string_view kCodePrefix = "/_eddy/lambda/code/";

// Path prefixes of the Lambda operations Eddy serves.
constexpr std::string_view kPrefixes[] = {
    "/2015-03-31/functions", "/2015-03-31/event-source-mappings", "/2014-11-13/functions", "/2016-08-19/account-settings",
    "/2017-03-31/tags",      "/2017-10-31/functions", "/2019-09-25/functions",
    "/2019-09-30/functions", "/_eddy/lambda/code",
};

// Splits "/a/b%3Ac/" into {"a", "b:c"} (trailing slash dropped). False on a malformed escape or an
// empty segment in the middle ("//").
bool SplitPath(std::string_view path, std::vector<std::string>* out) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return true;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string segment;
    if (end == start || !aws::PercentDecode(path.substr(start, end - start), false, &segment)) {
      return false;
    }
    out->push_back(std::move(segment));
    start = end + 1;
  }
  return true;
}

bool QueryHas(std::string_view query, std::string_view name, std::string_view value) {
  aws::FormParams params;
  if (!aws::ParseForm(query, &params)) return false;
  const std::string* v = aws::FindParam(params, name);
  return v != nullptr && *v == value;
}

net::Response ErrorResponse(const Error& error, const std::string& request_id) {
  const ErrorInfo& info = Info(error.code);
  net::Response r = aws::JsonResponse(info.http_status, ErrorBody(error), request_id);
  r.headers.push_back({"x-amzn-ErrorType", std::string(info.code)});
  return r;
}

bool HasJsonBody(Op op) {
  switch (op) {
    case Op::kCreateFunction:
    case Op::kUpdateFunctionCode:
    case Op::kUpdateFunctionConfiguration:
    case Op::kPublishVersion:
    case Op::kCreateAlias:
    case Op::kUpdateAlias:
    case Op::kPutFunctionConcurrency:
    case Op::kPutProvisionedConcurrencyConfig:
    case Op::kPutFunctionEventInvokeConfig:
    case Op::kUpdateFunctionEventInvokeConfig:
    case Op::kAddPermission:
    case Op::kTagResource:
    case Op::kCreateEventSourceMapping:
    case Op::kUpdateEventSourceMapping:
      return true;
    default:
      return false;
  }
}

std::string InvalidJsonMessage(std::string_view detail) {
  return "Could not parse request body into json: Could not parse payload into json: " +
         std::string(detail);
}

}  // namespace

std::optional<Route> MatchRoute(std::string_view method, std::string_view path,
                                std::string_view query) {
  std::vector<std::string> s;
  if (!SplitPath(path, &s) || s.size() < 2) return std::nullopt;
  const std::string& date = s[0];
  const std::string& kind = s[1];
  auto route = [&](Op op, std::string fn = {}, std::string sub = {}) {
    return std::optional<Route>(Route{op, std::move(fn), std::move(sub)});
  };
  const bool get = method == "GET", post = method == "POST", put = method == "PUT",
             del = method == "DELETE";
  if (date == "2016-08-19" && kind == "account-settings" && s.size() == 2 && get) {
    return route(Op::kGetAccountSettings);
  }
  if (date == "2017-03-31" && kind == "tags" && s.size() == 3) {
    if (get) return route(Op::kListTags, s[2]);
    if (post) return route(Op::kTagResource, s[2]);
    if (del) return route(Op::kUntagResource, s[2]);
    return std::nullopt;
  }
  if (date == "2015-03-31" && kind == "event-source-mappings") {
    if (s.size() == 2) {
      if (get) return route(Op::kListEventSourceMappings);
      if (post) return route(Op::kCreateEventSourceMapping);
    } else if (s.size() == 3) {
      if (get) return route(Op::kGetEventSourceMapping, {}, s[2]);
      if (put) return route(Op::kUpdateEventSourceMapping, {}, s[2]);
      if (del) return route(Op::kDeleteEventSourceMapping, {}, s[2]);
    }
    return std::nullopt;
  }
  if (kind != "functions") return std::nullopt;
  if (date == "2015-03-31") {
    if (s.size() == 2) {
      if (get) return route(Op::kListFunctions);
      if (post) return route(Op::kCreateFunction);
      return std::nullopt;
    }
    const std::string& fn = s[2];
    if (s.size() == 3) {
      if (get) return route(Op::kGetFunction, fn);
      if (del) return route(Op::kDeleteFunction, fn);
      return std::nullopt;
    }
    const std::string& what = s[3];
    if (s.size() == 4) {
      if (what == "configuration") {
        if (get) return route(Op::kGetFunctionConfiguration, fn);
        if (put) return route(Op::kUpdateFunctionConfiguration, fn);
      } else if (what == "code") {
        if (put) return route(Op::kUpdateFunctionCode, fn);
      } else if (what == "invocations") {
        if (post) return route(Op::kInvoke, fn);
      } else if (what == "versions") {
        if (get) return route(Op::kListVersionsByFunction, fn);
        if (post) return route(Op::kPublishVersion, fn);
      } else if (what == "aliases") {
        if (get) return route(Op::kListAliases, fn);
        if (post) return route(Op::kCreateAlias, fn);
      } else if (what == "policy") {
        if (get) return route(Op::kGetPolicy, fn);
        if (post) return route(Op::kAddPermission, fn);
      }
      return std::nullopt;
    }
    if (s.size() == 5) {
      if (what == "aliases") {
        if (get) return route(Op::kGetAlias, fn, s[4]);
        if (put) return route(Op::kUpdateAlias, fn, s[4]);
        if (del) return route(Op::kDeleteAlias, fn, s[4]);
      } else if (what == "policy" && del) {
        return route(Op::kRemovePermission, fn, s[4]);
      }
    }
    return std::nullopt;
  }
  if (s.size() < 4) return std::nullopt;
  const std::string& fn = s[2];
  const std::string& what = s[3];
  if (date == "2014-11-13" && what == "invoke-async" && s.size() == 4 && post) {
    return route(Op::kInvokeAsync, fn);
  }
  if (date == "2017-10-31" && what == "concurrency" && s.size() == 4) {
    if (put) return route(Op::kPutFunctionConcurrency, fn);
    if (del) return route(Op::kDeleteFunctionConcurrency, fn);
  }
  if (date == "2019-09-30" && what == "concurrency" && s.size() == 4 && get) {
    return route(Op::kGetFunctionConcurrency, fn);
  }
  if (date == "2019-09-30" && what == "provisioned-concurrency" && s.size() == 4) {
    if (get) {
      return route(QueryHas(query, "List", "ALL") ? Op::kListProvisionedConcurrencyConfigs
                                                  : Op::kGetProvisionedConcurrencyConfig,
                   fn);
    }
    if (put) return route(Op::kPutProvisionedConcurrencyConfig, fn);
    if (del) return route(Op::kDeleteProvisionedConcurrencyConfig, fn);
  }
  if (date == "2019-09-25" && what == "event-invoke-config") {
    if (s.size() == 4) {
      if (get) return route(Op::kGetFunctionEventInvokeConfig, fn);
      if (put) return route(Op::kPutFunctionEventInvokeConfig, fn);
      if (post) return route(Op::kUpdateFunctionEventInvokeConfig, fn);
      if (del) return route(Op::kDeleteFunctionEventInvokeConfig, fn);
    } else if (s.size() == 5 && s[4] == "list" && get) {
      return route(Op::kListFunctionEventInvokeConfigs, fn);
    }
  }
  return std::nullopt;
}

HttpHandler::HttpHandler(Registry& registry, Invoker& invoker, CodeStore& code,
                         store::MessageStore& store, HttpHandlerOptions options)
    : registry_(registry),
      invoker_(invoker),
      code_(code),
      store_(store),
      api_(registry, invoker, code),
      options_(std::move(options)) {}

bool HttpHandler::Matches(const net::Request& request) {
  std::string_view path = request.path();
  for (std::string_view prefix : kPrefixes) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

void HttpHandler::Start() {
  for (auto& entry : registry_.AllProvisioned()) {
    invoker_.SetProvisioned(entry.config_key, entry.spec, entry.requested);
  }
}

void HttpHandler::ServeCode(std::string_view file, const std::string& request_id,
                            const net::Responder& respond) {
  net::Response r;
  r.headers.push_back({"x-amzn-RequestId", request_id});
  std::string_view hex = file;
  if (hex.ends_with(".zip")) hex.remove_suffix(4);
  std::ifstream in;
  if (IsPackageName(hex)) in.open(code_.ZipPath(hex), std::ios::binary);
  if (!in.is_open() || !in) {
    r.status = 404;
    r.body = "no such package\n";
    return respond(std::move(r));
  }
  r.content_type = "application/zip";
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  respond(std::move(r));
}

void HttpHandler::Handle(net::Request&& request, net::Responder respond) {
  std::string request_id = NewUuid();
  const std::string_view path = request.path();
  if (path.starts_with(kCodePrefix)) {
    if (request.method != "GET") {
      return respond(ErrorResponse(Error{Errc::kUnknownOperation, "Unknown operation", {}}, request_id));
    }
    return ServeCode(path.substr(kCodePrefix.size()), request_id, respond);
  }

  std::string region = options_.default_region;
  if (const std::string* auth = request.header("authorization")) {
    if (auto parsed = aws::ParseAuthorizationHeader(*auth)) region = std::string(parsed->credential.region);
  }

  std::optional<Route> route = MatchRoute(request.method, path, request.query());
  if (!route) {
    return respond(ErrorResponse(
        Error{Errc::kUnknownOperation, "Unknown operation: " + request.method + " " + std::string(path), {}},
        request_id));
  }
  if (route->op == Op::kInvoke || route->op == Op::kInvokeAsync) {
    return HandleInvoke(request, *route, region, std::move(request_id), std::move(respond));
  }
  if (request.method != "GET") registry_.CollectGarbage();

  ApiRequest in;
  in.region = region;
  in.account = options_.account;
  if (const std::string* host = request.header("host"); host != nullptr && !host->empty()) {
    in.code_url_base = "http://" + *host;
  } else {
    in.code_url_base = options_.fallback_url_base;
  }
  in.function_name = std::move(route->function_name);
  in.sub_name = std::move(route->sub_name);
  if (!aws::ParseForm(request.query(), &in.query)) {
    return respond(ErrorResponse(
        Error{Errc::kInvalidParameterValue, "The request contains a malformed percent-encoded sequence.", {}},
        request_id));
  }
  if (HasJsonBody(route->op)) {
    if ((route->op == Op::kCreateFunction || route->op == Op::kUpdateFunctionCode) &&
        request.body.size() > options_.max_create_request) {
      const char* op = route->op == Op::kCreateFunction ? "CreateFunction" : "UpdateFunctionCode";
      return respond(ErrorResponse(
          Error{Errc::kRequestEntityTooLarge,
                "Request must be smaller than " + std::to_string(options_.max_create_request) +
                    " bytes for the " + op + " operation",
                {}},
          request_id));
    }
    if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      boost::system::error_code ec;
      json::value parsed = json::parse(request.body, ec);
      if (ec || !parsed.is_object()) {
        return respond(ErrorResponse(
            Error{Errc::kInvalidRequestContent,
                  InvalidJsonMessage(ec ? ec.message() : "expected a JSON object"), {}},
            request_id));
      }
      in.body = std::move(parsed.get_object());
    }
  }

  auto reply = api_.Handle(route->op, in);
  if (!reply) return respond(ErrorResponse(reply.error(), request_id));
  net::Response response = aws::JsonResponse(reply->status, std::move(reply->body), request_id);
  if (reply->status == 204) response.content_type.clear();
  if (reply->ticket == 0) return respond(std::move(response));
  store_.WhenDurable(reply->ticket, [respond = std::move(respond), response = std::move(response)]() mutable {
    respond(std::move(response));
  });
}

void HttpHandler::HandleInvoke(net::Request& request, const Route& route, const std::string& region,
                               std::string request_id, net::Responder respond) {
  const bool legacy = route.op == Op::kInvokeAsync;
  auto fail = [&](Error e) { respond(ErrorResponse(e, request_id)); };

  std::string type = "RequestResponse";
  if (legacy) {
    type = "Event";
  } else if (const std::string* t = request.header("x-amz-invocation-type")) {
    type = *t;
  }
  if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
    return fail(ValidationFailed(type, "invocationType",
                                 "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
                    .error);
  }
  bool tail = false;
  if (const std::string* lt = request.header("x-amz-log-type"); lt != nullptr && !legacy) {
    if (*lt != "None" && *lt != "Tail") {
      return fail(ValidationFailed(*lt, "logType", "Member must satisfy enum value set: [None, Tail]").error);
    }
    tail = *lt == "Tail" && type == "RequestResponse";
  }
  std::string client_context;
  if (const std::string* cc = request.header("x-amz-client-context"); cc != nullptr && !legacy) {
    if (cc->size() > 3583) {
      return fail(InvalidParameter("Client context must be smaller than 3583 bytes.").error);
    }
    auto decoded = Base64Decode(*cc);
    boost::system::error_code ec;
    if (decoded) json::parse(*decoded, ec);
    if (!decoded || ec) {
      return fail(InvalidParameter("Client context must be a valid Base64-encoded JSON object.").error);
    }
    if (type == "RequestResponse") client_context = std::move(*decoded);
  }

  const size_t limit = legacy ? options_.max_invoke_async_payload
                              : type == "Event" ? options_.max_async_payload
                                                : options_.max_sync_payload;
  if (request.body.size() > limit) {
    return fail(Error{Errc::kRequestEntityTooLarge,
                      "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                          (legacy ? "InvokeAsync" : "InvokeFunction") + " operation",
                      {}});
  }

  aws::FormParams query;
  if (!aws::ParseForm(request.query(), &query)) {
    return fail(InvalidParameter("The request contains a malformed percent-encoded sequence.").error);
  }
  std::string qualifier;
  if (const std::string* q = aws::FindParam(query, "Qualifier")) qualifier = *q;
  auto target = registry_.Resolve(region, options_.account, route.function_name, qualifier);
  if (!target) return fail(target.error());

  if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    boost::system::error_code ec;
    json::parse(request.body, ec);
    if (ec) return fail(Error{Errc::kInvalidRequestContent, InvalidJsonMessage(ec.message()), {}});
  }

  if (type == "DryRun") {
    net::Response r = aws::JsonResponse(204, std::string(), request_id);
    r.content_type.clear();
    return respond(std::move(r));
  }

  InvokeRequest invoke;
  invoke.target = std::move(*target);
  invoke.request_id = request_id;
  invoke.payload = std::move(request.body);
  invoke.client_context = std::move(client_context);
  invoke.tail_log = tail;
  invoke.io_thread = request.io_thread;

  if (type == "Event") {
    std::string body = legacy ? R"({"Status":202})" : std::string();
    invoker_.InvokeAsync(std::move(invoke), [respond = std::move(respond), request_id, body = std::move(body)] {
      net::Response r = aws::JsonResponse(202, body, request_id);
      if (body.empty()) r.content_type.clear();
      respond(std::move(r));
    });
    return;
  }
  invoker_.Invoke(std::move(invoke), [respond = std::move(respond), request_id](InvokeResult result) {
    if (result.outcome == InvokeResult::Outcome::kThrottled) {
      Error e{Errc::kTooManyRequests, "Rate Exceeded.", result.throttle_reason};
      return respond(ErrorResponse(e, request_id));
    }
    net::Response r = aws::JsonResponse(200, std::move(result.payload), request_id);
    r.headers.push_back({"X-Amz-Executed-Version", result.executed_version});
    if (result.outcome == InvokeResult::Outcome::kFunctionError) {
      r.headers.push_back({"X-Amz-Function-Error", "Unhandled"});
    }
    if (!result.log_tail.empty()) {
      std::string_view log = result.log_tail;
      if (log.size() > 4096) log = log.substr(log.size() - 4096);
      r.headers.push_back({"X-Amz-Log-Result", Base64Encode(log)});
    }
    respond(std::move(r));
  });
}

}  // namespace eddy::lambda
