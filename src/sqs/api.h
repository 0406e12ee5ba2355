#pragma once
// Api: every SQS action over ONE canonical representation, whatever the wire protocol: the request is
// the AWS JSON 1.0 request object (member names exactly as in the botocore service model) and the
// result is the JSON 1.0 response object. The Query protocol is converted to this form before it gets
// here (http_handler.cc), and rendered back from it.
//
// What is validated here: request shape and JSON types (SerializationException), required members
// (MissingParameter), per-parameter ranges that are not queue-dependent (ReceiveMessage, the
// MaxResults of the list actions), the format of MessageGroupId / MessageDeduplicationId /
// ReceiveRequestAttemptId and message attributes (names, data types, values, base64). The engine
// validates everything that depends on queue state (body characters, sizes, delays, queue names and
// attributes, receipt handles, batch ids, FIFO rules, ARNs and move-task rates).
//
// Thread-safety: stateless apart from the engine reference; Handle() may be called from any thread.

#include <cstdint>
#include <functional>
#include <string_view>

#include <boost/json/object.hpp>

#include "sqs/engine.h"

namespace eddy::sqs {

class Api {
 public:
  // Completes a request: the response object (or the error) and the store ticket that must be durable
  // before the client may see the answer (0 = nothing to wait for). Called exactly once, on the calling
  // thread or, for long polls, on whichever thread completes the receive.
  //
  // Durability is the caller's job (see HttpHandler: it renders the response first, then hands only the
  // finished bytes to store.WhenDurable, so the store's writer thread never serialises responses).
  using Reply = std::function<void(Result<boost::json::object> result, uint64_t commit)>;

  explicit Api(Engine& engine) : engine_(engine) {}

  // Runs `action` ("SendMessage", ...). Unknown actions fail with InvalidAction; known actions that are
  // not implemented yet with UnsupportedOperation. `input` is only read during the call.
  void Handle(std::string_view action, const boost::json::object& input, const RequestContext& ctx,
              Reply done);

  // True for every action name of the SQS model (implemented or not).
  static bool IsKnownAction(std::string_view action);

 private:
  Engine& engine_;
};

}  // namespace eddy::sqs
