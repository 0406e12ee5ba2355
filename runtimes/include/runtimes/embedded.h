#pragma once
// The Lambda runtime interface clients of runtimes/python and runtimes/node, compiled into the
// binary so that Eddy ships as one file. Eddy writes them out under one directory, keeping their
// relative paths, and starts an environment as `python3 DIR/python/bootstrap.py` or
// `node DIR/node/bootstrap.cjs` (runtimes/README.md has the launch contract).

#include <span>
#include <string_view>

namespace eddy::runtimes {

struct File {
  std::string_view path;     // relative to the runtimes directory, e.g. "python/bootstrap.py"
  std::string_view content;  // the file's bytes
  bool executable;           // a script with a "#!" line: write it with mode 0755
};

// Every file, in a fixed order. The views point into static storage.
std::span<const File> Files();

}  // namespace eddy::runtimes
