#pragma once
// Request ids for the x-amzn-RequestId header and error bodies.

#include <string>

namespace eddy::aws {

// A random version-4 UUID (lower-case 8-4-4-4-12). Uses a per-thread generator seeded from the OS, not
// a CSPRNG call per request: ids must be unique, not unpredictable. Thread-safe.
std::string NewRequestId();

}  // namespace eddy::aws
