#pragma once
// HttpHandler: the CloudWatch Logs wire layer, AWS JSON 1.1. Requests carry
// `X-Amz-Target: Logs_20140328.<Operation>` and a JSON body; answers are
// `application/x-amz-json-1.1` with the result object, or status 400 and
// {"__type":"<Error>","message":"..."}. The region comes from the SigV4 credential scope.
//
// Everything is answered synchronously (the store is in memory, nothing waits for durability).
// Thread-safety: Handle() may be called concurrently from any thread.

#include <string>
#include <string_view>

#include "common/clock.h"
#include "logs/api.h"
#include "logs/log_store.h"
#include "net/http.h"

namespace eddy::logs {

inline constexpr std::string_view kTargetPrefix = "Logs_20140328.";

struct HttpHandlerOptions {
  std::string default_region = "us-east-1";  // when the request has no SigV4 credential scope
  std::string account = "000000000000";
};

class HttpHandler {
 public:
  HttpHandler(LogStore& store, const Clock& clock, HttpHandlerOptions options = {});
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;

  // True when the request is for this service (its X-Amz-Target starts with Logs_20140328.).
  static bool Accepts(const net::Request& request);

  void Handle(net::Request&& request, net::Responder respond);
  net::Response HandleSync(const net::Request& request);

 private:
  Api api_;
  const HttpHandlerOptions options_;
};

}  // namespace eddy::logs
