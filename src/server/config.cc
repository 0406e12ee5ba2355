#include "server/config.h"

#include <cctype>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

namespace eddy::server {

ParsedCommandLine ParseCommandLine(int argc, char** argv) {
  ParsedCommandLine out;
  Config& config = out.config;
  std::string log_level = "info";

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    out.exit_code = app.exit(e);  // prints help, version or the error
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
  out.serve = true;
  return out;
}

}  // namespace eddy::server
