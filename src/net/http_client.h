#pragma once
// A blocking one-request HTTP/1.1 client, for command-line tools (`eddy clock`), not for the server's
// hot paths. Lives in net/ because net/ is the only code that includes Asio/Beast: every TU that does
// must be compiled with the same Asio configuration, or the linker may pick an incompatible instance of
// an inline function (it did: a Debug `eddy` crashed in socket shutdown).

#include <string>

#include "common/status.h"

namespace eddy::net {

struct ClientResponse {
  int status = 0;
  std::string body;
};

// Sends `method path` to `host:port` on a fresh connection and reads the whole answer. `host_header`
// is sent as Host (e.g. "127.0.0.1:4566"). Connection and I/O failures are IoError.
Result<ClientResponse> Fetch(const std::string& host, const std::string& port, const std::string& host_header,
                             const std::string& method, const std::string& path,
                             const std::string& content_type, std::string body);

}  // namespace eddy::net
