#pragma once
// HttpHandler: the Lambda REST API (restJson1, routed by path; reference/lambda.md §1.2). It maps
// method + path to an operation, decodes path parameters (a FunctionName may be a percent-encoded ARN),
// runs control-plane operations through Api and answers once their changes are durable, and runs
// Invoke / InvokeAsync against the Invoker. It also serves the deployment packages that GetFunction's
// Code.Location points at (GET /_eddy/lambda/code/<sha256 hex>.zip).
//
// Every response carries x-amzn-RequestId; errors carry x-amzn-ErrorType and AWS's body.
//
// Thread-safety: Handle() may be called concurrently from any thread. The handler must outlive every
// request it accepted (responders may run on invoker or store threads).

#include <cstdint>
#include <string>
#include <string_view>

#include "lambda/api.h"
#include "lambda/code_store.h"
#include "lambda/invoker.h"
#include "lambda/registry.h"
#include "net/http.h"
#include "store/message_store.h"

namespace eddy::lambda {

struct HttpHandlerOptions {
  // Region when the request carries no SigV4 credential scope.
  std::string default_region = "us-east-1";
  // The caller's account (until authentication maps access keys to accounts).
  std::string account = "000000000000";
  // Base of Code.Location URLs when the request has no Host header ("http://host:port").
  std::string fallback_url_base = "http://127.0.0.1:4566";
  // Invoke payload limits (reference/lambda.md §1.6).
  size_t max_sync_payload = 6 * 1024 * 1024;
  size_t max_async_payload = 1024 * 1024;
  size_t max_invoke_async_payload = 256 * 1024;  // the legacy InvokeAsync
  // CreateFunction / UpdateFunctionCode requests (base64 zip in JSON).
  size_t max_create_request = 70'167'211;
};

// The route of a request: the operation plus its path parameters (percent-decoded).
struct Route {
  Op op;
  std::string function_name;  // {FunctionName}, or {Resource} for tag operations
  std::string sub_name;       // {Name} of an alias, {StatementId}, {UUID} of a mapping
};

// Exposed for tests. Trailing slashes are optional. Unknown paths or methods: nullopt.
std::optional<Route> MatchRoute(std::string_view method, std::string_view path,
                                std::string_view query);

class HttpHandler {
 public:
  HttpHandler(Registry& registry, Invoker& invoker, CodeStore& code, store::MessageStore& store,
              HttpHandlerOptions options = {});
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;

  // Whether `request` is for Lambda (by path prefix).
  static bool Matches(const net::Request& request);

  void Handle(net::Request&& request, net::Responder respond);

  // Pushes the recovered provisioned-concurrency configs into the invoker. Call once after
  // Registry::Recover(), before serving.
  void Start();

  // Serves the event source mapping operations from `mappings`. Call before serving.
  void AttachMappings(Mappings* mappings) { api_.AttachMappings(mappings); }

 private:
  void HandleInvoke(net::Request& request, const Route& route, const std::string& region,
                    std::string request_id, net::Responder respond);
  void ServeCode(std::string_view file, const std::string& request_id, const net::Responder& respond);

  Registry& registry_;
  Invoker& invoker_;
  CodeStore& code_;
  store::MessageStore& store_;
  Api api_;
  const HttpHandlerOptions options_;
};

}  // namespace eddy::lambda
