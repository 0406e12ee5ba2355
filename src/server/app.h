#pragma once
// App: wires the store, the SQS engine, the SQS wire handler and the HTTP server together and runs
// them until SIGINT or SIGTERM.
//
// Shutdown order (each step lets the previous one's work finish):
//   1. the HTTP server stops accepting and closes idle connections;
//   2. engine.Shutdown() completes parked long polls (their empty responses go out);
//   3. the server drains in-flight requests (bounded), then its io threads exit;
//   4. store.Close() makes everything appended durable and stops the writer.
// A second signal during shutdown exits at once.
//
// Threading: Run() must be called from the main thread before any other thread exists (it blocks
// SIGINT/SIGTERM in the calling thread so every thread it starts inherits the mask, and waits for
// them on a dedicated signal thread).

#include <cstdint>
#include <string_view>

#include "net/http.h"
#include "server/config.h"

namespace eddy::server {

class App {
 public:
  explicit App(Config config);

  // Runs until shut down by a signal. Returns the process exit code (0 after a clean shutdown, 1 if
  // startup failed).
  int Run();

 private:
  Config config_;
};

// The built-in endpoints (GET/HEAD /_eddy/health and /_localstack/health). Returns false if `request`
// is not one of them. Exposed for tests.
struct HealthInfo {
  std::string_view storage;  // "sqlite" | "memory"
  int64_t uptime_ms = 0;
};
bool HandleBuiltin(const net::Request& request, const HealthInfo& info, net::Response* response);

}  // namespace eddy::server
