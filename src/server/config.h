#pragma once
// Config: everything `eddy serve` can be told, with its defaults. Each field is one command-line
// option and one environment variable (the option wins); `eddy serve --help` prints them all.
// Changing any of them requires a restart.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"

namespace eddy::server {

// The version reported by --version and the health endpoints.
inline constexpr const char* kVersion = EDDY_VERSION;

struct Config {
  // --host / EDDY_HOST: address the HTTP listener binds. "0.0.0.0" exposes Eddy to the network
  // (e.g. inside a container); the default keeps it local.
  std::string host = "127.0.0.1";
  // --port / EDDY_PORT: TCP port. 4566 is LocalStack's edge port, so existing endpoint URLs keep
  // working. 0 picks a free port (the startup line shows which).
  uint16_t port = 4566;
  // --data-dir / EDDY_DATA_DIR: directory of the durable SQLite store (created if missing; one
  // process at a time). Ignored with --in-memory.
  std::string data_dir = "./eddy-data";
  // --in-memory / EDDY_IN_MEMORY: keep everything in memory; all state is lost on exit.
  bool in_memory = false;
  // --log-level / EDDY_LOG_LEVEL: debug | info | warn | error. debug logs every request.
  log::Level log_level = log::Level::kInfo;
  // --threads / EDDY_THREADS: HTTP io threads (1..64). Each runs its own event loop; request work
  // is short, so about one per core is right.
  int threads = 2;

  // ---- Lambda ----
  // --lambda-python / EDDY_LAMBDA_PYTHON: interpreter for python3.* functions (looked up in PATH).
  std::string lambda_python = "python3";
  // --lambda-node / EDDY_LAMBDA_NODE: interpreter for nodejs* functions.
  std::string lambda_node = "node";
  // --lambda-idle-timeout / EDDY_LAMBDA_IDLE_TIMEOUT: seconds an idle execution environment is
  // kept warm before it is stopped (LocalStack's default keep-alive is 10 minutes too).
  int64_t lambda_idle_timeout_s = 600;
  // --lambda-concurrency / EDDY_LAMBDA_CONCURRENCY: the account's concurrent executions limit.
  int64_t lambda_concurrency = 1000;

  // ---- Time ----
  // --clock / EDDY_CLOCK: "real" (the default) or "virtual": time stands still until it is set or
  // advanced (`eddy clock`, POST /_eddy/clock), and every timer fires, in order, as the clock passes it.
  bool virtual_clock = false;
  // --clock-start / EDDY_CLOCK_START (virtual only): where the clock starts, ISO-8601 (UTC unless a zone
  // is given) or epoch ms. A data dir resumes where its clock stood if that is later (the clock never
  // goes back). Default: where it stood, else now.
  std::optional<int64_t> clock_start_ms;
};

// `eddy clock [set <time> | advance <duration>]`: reads or moves a running server's virtual clock.
struct ClockCommand {
  std::string action;    // "" (print the time), "set" or "advance"
  std::string argument;  // the time or duration
  std::string endpoint_url = "http://127.0.0.1:4566";  // --endpoint-url / EDDY_ENDPOINT
};

// What main() should do after parsing the command line.
struct ParsedCommandLine {
  bool serve = false;  // true: run the server with `config`; false: exit with `exit_code`
  int exit_code = 0;
  Config config;
  std::optional<ClockCommand> clock;  // set: run `eddy clock` (serve is false)
};

// Parses argv ("eddy serve [options]", "eddy clock ...", "eddy --version", "eddy --help", bare "eddy"
// prints help).
// Prints help, version and errors itself.
ParsedCommandLine ParseCommandLine(int argc, char** argv);

}  // namespace eddy::server
