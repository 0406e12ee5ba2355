#pragma once
// HttpServer: the HTTP/1.1 front door (Boost.Beast parser + Asio sockets, both hidden in
// http_server.cc so that nothing else pays their compile time).
//
// Model: one io_context per thread (no strands, no cross-thread locking on the hot path); the
// acceptor hands connections out round-robin. A connection serves one request at a time: it parses a
// request, calls the Handler, and reads nothing more until the Responder has been called and the
// response written (pipelined requests wait in the read buffer). While a request is with the handler
// the connection has no idle timeout, so long polls and durable commits may take as long as they need.
//
// Thread-safety: Start() and Run() are called once, from one thread. Stop() may be called from any
// thread (e.g. a signal thread), any number of times. Handlers run on io threads and must not block.
// Responders may be called from any thread, at any time, even after the client went away or the
// server was destroyed; such late calls are dropped.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/http.h"

namespace eddy::net {

struct HttpServerOptions {
  // Address to listen on: an IP literal ("127.0.0.1", "0.0.0.0", "::") or a host name.
  std::string host = "127.0.0.1";
  // TCP port; 0 picks a free one (see HttpServer::port()).
  uint16_t port = 4566;
  // io threads (each runs its own event loop). Clamped to at least 1.
  int threads = 2;
  // Largest accepted request body; larger ones get 413 and the connection is closed. SQS messages
  // are at most 1 MiB, but a batch of them, JSON-escaped or base64-encoded, is bigger.
  size_t max_body_bytes = 8 * 1024 * 1024;
  // Largest accepted request line plus headers; larger ones get 431.
  size_t max_header_bytes = 64 * 1024;
  // A connection waiting for (or in the middle of reading/writing) a request for this long is
  // closed. Never applies while a request is with the handler.
  std::chrono::milliseconds idle_timeout{75'000};
  // On Stop(), how long in-flight requests get to complete before their connections are closed.
  std::chrono::milliseconds drain_timeout{2'000};
};

class HttpServer {
 public:
  using Options = HttpServerOptions;

  HttpServer(Options options, Handler handler);
  // Requires that Run() has returned (or was never called).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Resolves and binds the listening socket. Fails with a readable message (e.g. "address already in
  // use") without starting anything.
  Status Start();
  // The bound port (useful with port 0). Valid after a successful Start().
  uint16_t port() const;

  // Runs the io threads (the calling thread is one of them) until Stop() has drained every
  // connection. Requires a successful Start().
  void Run();

  // Extra listeners on 127.0.0.1 with an OS-chosen port, served by the same threads and handler;
  // requests they accept carry `tag` in Request::listener_tag. For ports that identify their
  // caller, like each Lambda environment's Runtime API. Thread-safe; valid after Start().
  // `tag` must be non-zero and unique among open listeners.
  // `io_thread` (a Request::io_thread) picks the thread that serves its connections; -1 = round-robin.
  Result<uint16_t> AddListener(uint64_t tag, int io_thread = -1);
  // Connections the listener accepts from now on are served by `io_thread` (existing ones stay where
  // they are; a handler can answer with Response::close to make its client reconnect).
  void MoveListener(uint64_t tag, int io_thread);
  // Stops accepting on the listener; connections it accepted stay open until either side closes.
  void RemoveListener(uint64_t tag);

  // Graceful shutdown, non-blocking: stops accepting, closes idle connections, lets in-flight
  // requests finish (their connections close after the response) for up to drain_timeout, then
  // closes whatever is left and makes Run() return.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::net
