#pragma once
// Starting and observing the runtime processes of execution environments.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace eddy::lambda {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;
};

// A started child: its own process group (so a timeout kills what it spawned too), stdin on /dev/null,
// stdout and stderr on ONE pipe (so their lines keep their order, as in CloudWatch).
struct Child {
  pid_t pid = -1;
  int pidfd = -1;   // readable once the process has exited
  int output = -1;  // read end of the stdout+stderr pipe, non-blocking
};

Result<Child> Spawn(const SpawnSpec& spec);

// SIGKILL (or `sig`) to the child's whole process group.
void KillGroup(pid_t pid, int sig);

// Reaps an exited child and describes how it ended as AWS does: "exit status 1", "signal: killed".
// Empty if it has not exited yet.
std::string ReapAndDescribe(pid_t pid);

// Peak and current resident set size of a process, in KiB (0 if unknown).
struct MemoryUse {
  int64_t peak_kib = 0;
  int64_t current_kib = 0;
};
MemoryUse ReadMemoryUse(pid_t pid);

}  // namespace eddy::lambda
