#pragma once
// HttpHandler: the EventBridge wire layer, AWS JSON 1.1 (`X-Amz-Target: AWSEvents.<Operation>`).
// Answers `application/x-amz-json-1.1` with the result, or {"__type":"<Error>","message":"..."}; a
// mutation is answered once the store has made it durable. The region comes from the SigV4 scope.
//
// Thread-safety: Handle() may be called concurrently from any thread.

#include <string>
#include <string_view>

#include "common/clock.h"
#include "eventbridge/api.h"
#include "net/http.h"
#include "store/message_store.h"

namespace eddy::eventbridge {

inline constexpr std::string_view kTargetPrefix = "AWSEvents.";

struct HttpHandlerOptions {
  std::string default_region = "us-east-1";
  std::string account = "000000000000";
};

class HttpHandler {
 public:
  HttpHandler(Rules& rules, store::MessageStore& store, const Clock& clock, HttpHandlerOptions options = {});

  static bool Accepts(const net::Request& request);
  void Handle(net::Request&& request, net::Responder respond);

 private:
  Api api_;
  store::MessageStore& store_;
  const HttpHandlerOptions options_;
};

}  // namespace eddy::eventbridge
