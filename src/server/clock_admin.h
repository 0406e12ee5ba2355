#pragma once
// The clock's admin side: the HTTP endpoint, the `eddy clock` command that calls it, and where the
// virtual time is kept across restarts.
//
//   GET  /_eddy/clock  -> {"mode":"virtual","now":"2026-11-24T21:00:00.000Z","epochMs":1795554000000}
//   POST /_eddy/clock  {"set":"<ISO-8601 or epoch ms>"} | {"advance":"<duration>"}
//                      -> the same shape, once everything due on the way has fired
// Errors are 400 {"message":"..."}; with the real clock, POST is refused.

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/time_driver.h"
#include "net/http.h"
#include "server/config.h"
#include "store/message_store.h"

namespace eddy::server {

inline constexpr const char* kClockPath = "/_eddy/clock";
// Meta key of the virtual time (epoch ms, decimal).
inline constexpr const char* kVirtualTimeMetaKey = "clock/virtual-ms";

// GET/POST /_eddy/clock; false if `request` is for another path. Blocks while an advance fires.
bool HandleClockRequest(const net::Request& request, TimeDriver& driver, net::Response* response);

// Where the virtual clock starts: the later of --clock-start and the persisted time (the clock never goes
// back on a data directory), either if only one is there, else `real_now_ms`.
// Reads the store's meta table, so call it before anything is appended.
Result<int64_t> VirtualClockStart(store::MessageStore& store, std::optional<int64_t> configured_ms,
                                  int64_t real_now_ms);
// Records the virtual time (after each advance, so that a restart resumes there).
void PersistVirtualTime(store::MessageStore& store, int64_t now_ms);

// `eddy clock [set <time> | advance <duration>]`: prints the server's time (ISO-8601) and returns 0, or
// prints the error to stderr and returns 1.
int RunClockCommand(const ClockCommand& command);

}  // namespace eddy::server
