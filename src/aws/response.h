#pragma once
// The frame of every AWS answer Eddy sends: status, content type, body, and the x-amzn-RequestId
// header each service echoes.

#include <string>

#include "net/http.h"

namespace eddy::aws {

inline net::Response MakeResponse(int status, std::string content_type, std::string body,
                                  const std::string& request_id) {
  net::Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.headers.push_back({"x-amzn-RequestId", request_id});
  r.body = std::move(body);
  return r;
}

// restJson1 services (Lambda, Scheduler).
inline net::Response JsonResponse(int status, std::string body, const std::string& request_id) {
  return MakeResponse(status, "application/json", std::move(body), request_id);
}

}  // namespace eddy::aws
