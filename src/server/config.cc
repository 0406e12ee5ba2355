#include "server/config.h"

#include <cctype>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "common/clock.h"

namespace eddy::server {

ParsedCommandLine ParseCommandLine(int argc, char** argv) {
  ParsedCommandLine out;
  Config& config = out.config;
  std::string log_level = "info";
  std::string clock_mode = "real";
  std::string clock_start;

  CLI::App app{"Eddy: a single-binary, wire-compatible Amazon SQS server.", "eddy"};
  app.set_version_flag("--version", std::string("eddy ") + kVersion);
  app.footer("Run `eddy serve --help` for the server options.");

  CLI::App* serve = app.add_subcommand(
      "serve", "Run the server (every option can also be set by the environment variable shown).");
  serve->footer("");
  serve->add_option("--host", config.host,
                    "Address to listen on; 0.0.0.0 exposes Eddy to the network")
      ->envname("EDDY_HOST")
      ->capture_default_str();
  serve->add_option("--port", config.port, "TCP port (4566 = LocalStack's edge port; 0 = any free)")
      ->envname("EDDY_PORT")
      ->capture_default_str();
  serve->add_option("--data-dir", config.data_dir,
                    "Directory of the durable SQLite store (created if missing)")
      ->envname("EDDY_DATA_DIR")
      ->capture_default_str();
  serve->add_flag("--in-memory", config.in_memory,
                  "Keep all state in memory (lost on exit); --data-dir is ignored")
      ->envname("EDDY_IN_MEMORY");
  serve->add_option("--log-level", log_level, "debug | info | warn | error (debug logs every request)")
      ->envname("EDDY_LOG_LEVEL")
      ->transform(CLI::IsMember({"debug", "info", "warn", "error"}, CLI::ignore_case))
      ->capture_default_str();
  serve->add_option("--threads", config.threads, "HTTP io threads, about one per core")
      ->envname("EDDY_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->add_option("--lambda-python", config.lambda_python, "Interpreter for python3.* functions")
      ->envname("EDDY_LAMBDA_PYTHON")
      ->capture_default_str();
  serve->add_option("--lambda-node", config.lambda_node, "Interpreter for nodejs* functions")
      ->envname("EDDY_LAMBDA_NODE")
      ->capture_default_str();
  serve->add_option("--lambda-idle-timeout", config.lambda_idle_timeout_s,
                    "Seconds an idle Lambda environment stays warm")
      ->envname("EDDY_LAMBDA_IDLE_TIMEOUT")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}))
      ->capture_default_str();
  serve->add_option("--lambda-concurrency", config.lambda_concurrency,
                    "Account limit of concurrent Lambda executions")
      ->envname("EDDY_LAMBDA_CONCURRENCY")
      ->check(CLI::Range(int64_t{100}, int64_t{100000}))
      ->capture_default_str();
  serve->add_option("--clock", clock_mode,
                    "real | virtual (time stands still until `eddy clock set/advance` moves it)")
      ->envname("EDDY_CLOCK")
      ->transform(CLI::IsMember({"real", "virtual"}, CLI::ignore_case))
      ->capture_default_str();
  serve->add_option("--clock-start", clock_start,
                    "Virtual clock's start: ISO-8601 (UTC) or epoch ms; a data dir's later time wins")
      ->envname("EDDY_CLOCK_START");

  ClockCommand clock_command;
  CLI::App* clock = app.add_subcommand(
      "clock", "Print a running eddy's clock, or set/advance its virtual clock (eddy serve --clock virtual)");
  clock->fallthrough();
  clock->add_option("--endpoint-url", clock_command.endpoint_url, "The eddy server")
      ->envname("EDDY_ENDPOINT")
      ->capture_default_str();
  CLI::App* clock_set = clock->add_subcommand(
      "set", "Move the clock forward to a time, firing everything due on the way");
  clock_set->add_option("time", clock_command.argument,
                        "ISO-8601 (e.g. 2026-11-24T21:00:00Z; UTC unless a zone is given) or epoch ms")
      ->required();
  CLI::App* clock_advance = clock->add_subcommand(
      "advance", "Advance the clock, firing everything due on the way");
  clock_advance->add_option("duration", clock_command.argument,
                            "Seconds, or units largest first: 90s, 15m, 2h, 1d, 1h30m")
      ->required();
  clock->require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    out.exit_code = app.exit(e);  // prints help, version or the error
    return out;
  }

  if (clock->parsed()) {
    if (clock_set->parsed()) clock_command.action = "set";
    if (clock_advance->parsed()) clock_command.action = "advance";
    out.clock = std::move(clock_command);
    return out;
  }

  if (!serve->parsed()) {
    std::cout << app.help();
    out.exit_code = 0;
    return out;
  }

  for (char& c : log_level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!log::ParseLevel(log_level, &config.log_level)) {
    std::cerr << "--log-level: unknown level " << log_level << "\n";
    out.exit_code = 2;
    return out;
  }
  for (char& c : clock_mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  config.virtual_clock = clock_mode == "virtual";
  if (!clock_start.empty()) {
    config.clock_start_ms = ParseTimeMs(clock_start);
    if (!config.clock_start_ms) {
      std::cerr << "--clock-start: not an ISO-8601 time or epoch milliseconds: " << clock_start << "\n";
      out.exit_code = 2;
      return out;
    }
    if (!config.virtual_clock) {
      std::cerr << "--clock-start needs --clock virtual\n";
      out.exit_code = 2;
      return out;
    }
  }
  out.serve = true;
  return out;
}

}  // namespace eddy::server
