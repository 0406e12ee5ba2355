#pragma once
// HttpHandler: IAM's wire layer (AWS Query: `POST /` with a form body `Action=CreateRole&...`, XML
// answers). IAM shares `POST /` with SQS's Query protocol; Accepts() tells IAM requests apart by the
// service of their SigV4 credential scope (`.../us-east-1/iam/aws4_request`), which every SDK and the
// CLI sign with. Changes are answered only once the store made them durable.
//
// Thread-safety: Handle() may be called concurrently from any thread.

#include <string>

#include "iam/api.h"
#include "iam/directory.h"
#include "net/http.h"
#include "store/message_store.h"

namespace eddy::iam {

struct HttpHandlerOptions {
  // The caller's account (until authentication maps access keys to accounts).
  std::string account = "000000000000";
};

class HttpHandler {
 public:
  HttpHandler(Directory& directory, store::MessageStore& store, HttpHandlerOptions options = {});
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;

  // True for requests signed for the `iam` service (Authorization header, or X-Amz-Credential in the
  // URL of a presigned request).
  static bool Accepts(const net::Request& request);

  void Handle(net::Request&& request, net::Responder respond);

 private:
  Api api_;
  store::MessageStore& store_;
  const HttpHandlerOptions options_;
};

}  // namespace eddy::iam
