#pragma once
// Plain HTTP request/response types and the handler contract between the network layer (net/, the only
// code that includes Asio/Beast) and the services behind it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::net {

struct Header {
  std::string name;  // lower-case
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path plus query, exactly as received ("/000000000000/q?Action=...")
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;
  // Which listener accepted the connection: 0 = the main port, else the tag given to
  // HttpServer::AddListener (e.g. one Lambda execution environment's Runtime API port).
  uint64_t listener_tag = 0;
  // The io thread serving the connection (0-based). Work that answers on another connection does best
  // on the same thread: a hand-off between threads costs a wake-up (see HttpServer::AddListener).
  int io_thread = -1;

  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', or empty
  // First header with this name (give it lower-case), or nullptr.
  const std::string* header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain";
  std::vector<Header> headers;  // extra headers (Content-Type and Content-Length are set by net/)
  std::string body;
  bool close = false;  // close the connection after this response ("Connection: close")
};

// Completes one request. Call it exactly once, from any thread, possibly long after the handler returned
// (long polls, durable commits). Calling it after the connection closed is harmless.
using Responder = std::function<void(Response)>;

// Handles one request. Must not block: slow work completes later through the responder.
using Handler = std::function<void(Request&&, Responder)>;

}  // namespace eddy::net
