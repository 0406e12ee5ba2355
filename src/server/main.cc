// eddy: the server binary. Everything interesting lives in config.cc (command line) and app.cc (wiring);
// `eddy clock` talks to a running server (clock_admin.cc).

#include "server/app.h"
#include "server/clock_admin.h"
#include "server/config.h"

int main(int argc, char** argv) {
  eddy::server::ParsedCommandLine parsed = eddy::server::ParseCommandLine(argc, argv);
  if (parsed.clock) return eddy::server::RunClockCommand(*parsed.clock);
  if (!parsed.serve) return parsed.exit_code;
  eddy::server::App app(std::move(parsed.config));
  return app.Run();
}
