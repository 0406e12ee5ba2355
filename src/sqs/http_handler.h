#pragma once
// HttpHandler: the SQS wire layer. Accepts both SQS protocols on one port (reference/sqs.md §1):
//   - AWS JSON 1.0: `X-Amz-Target: AmazonSQS.<Op>`, JSON body;
//   - Query: `Action=<Op>` in a form-encoded POST body or in the URL query string, XML responses;
// converts the request to the canonical JSON form, runs it through Api, renders the answer in the
// request's protocol and responds once the engine's changes are durable.
//
// Durability: the response is rendered on the thread that completed the action, then only the finished
// net::Response is handed to store.WhenDurable(commit); the client never sees an unpersisted change.
//
// Thread-safety: Handle() may be called concurrently from any thread. Lifetime: the handler must outlive
// every request it accepted; shut the engine down (which completes parked long polls) before
// destroying it.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "aws/form.h"
#include "net/http.h"
#include "sqs/api.h"
#include "sqs/engine.h"
#include "store/message_store.h"

namespace eddy::sqs {

struct HttpHandlerOptions {
  // Region when the request carries no SigV4 credential scope.
  std::string default_region = "us-east-1";
  // The caller's account (until authentication maps access keys to accounts).
  std::string account = "000000000000";
  // Base of the queue URLs handed to clients ("http://host:port"). Empty = "http://" + the request's
  // Host header, or `fallback_url_base` when there is none.
  std::string url_base;
  std::string fallback_url_base = "http://127.0.0.1:4566";
};

class HttpHandler {
 public:
  HttpHandler(Engine& engine, store::MessageStore& store, HttpHandlerOptions options = {});
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;

  void Handle(net::Request&& request, net::Responder respond);

 private:
  void HandleJson(net::Request& request, RequestContext& ctx, std::string request_id,
                  net::Responder respond);
  void HandleQuery(net::Request& request, RequestContext& ctx, std::string request_id,
                   net::Responder respond);

  Api api_;
  store::MessageStore& store_;
  const HttpHandlerOptions options_;
};

// The protocol codecs, pure functions (exposed for tests).
namespace wire {

enum class Protocol { kJson, kQuery };

inline constexpr std::string_view kXmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

// "/<digits>/<name>": a queue URL path (queue-URL routing, reference/sqs.md §1.5).
bool IsQueuePath(std::string_view path);

// Query parameters -> the canonical JSON request of `action` (added to *out, allocating from its
// storage), using the query-era model's flattened names. Integers arrive as text and are converted
// here: bad text -> InvalidParameterValue. Unknown action -> InvalidAction.
Status QueryToRequest(std::string_view action, const aws::FormParams& params,
                      boost::json::object* out);

// Success bodies.
std::string RenderJsonBody(const boost::json::object& result);
// <OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>...</ResponseMetadata></OpResponse>;
// ops without output have no Result element; an empty result is <OpResult/>.
std::string RenderXmlBody(std::string_view action, const boost::json::object& result,
                          std::string_view request_id);

// Error bodies. The Query form rewords QueueDoesNotExist as AWS does ("... for this wsdl version.").
std::string RenderJsonErrorBody(const Error& error);
std::string RenderXmlErrorBody(const Error& error, std::string_view request_id);

// The complete HTTP response for an action's outcome (status, content type, x-amzn-RequestId, and for
// JSON errors the x-amzn-query-error header).
net::Response RenderResponse(Protocol protocol, std::string_view action,
                             const Result<boost::json::object>& result, const std::string& request_id);

}  // namespace wire
}  // namespace eddy::sqs
