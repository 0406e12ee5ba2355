#pragma once
// What the data plane needs to know about a function: an immutable snapshot of one version's runtime
// configuration (FunctionSpec), the function's async settings, and a resolved invoke target. The control
// plane (registry) builds these; environments, the invoke path and async delivery only read them.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace eddy::lambda {

// One version of a function as it runs. A new snapshot is made for every change to $LATEST's code or
// configuration (with a new `config_id`); environments built from an older snapshot are retired.
struct FunctionSpec {
  std::string region;
  std::string account;
  std::string name;
  std::string version;          // "$LATEST", "1", "2", ...
  std::string unqualified_arn;  // arn:aws:lambda:REGION:ACCOUNT:function:NAME
  std::string runtime;          // "python3.12", "nodejs20.x", "provided.al2023", ...
  std::string handler;          // may be empty for provided.*
  int64_t timeout_s = 3;
  int64_t memory_mb = 128;
  int64_t ephemeral_storage_mb = 512;
  std::vector<std::pair<std::string, std::string>> environment;  // the user's variables, sorted by name
  std::string code_dir;     // the unpacked package: the task root; environments must not write into it
  std::string code_sha256;  // base64, as CodeSha256
  std::string config_id;    // unique per snapshot (e.g. the RevisionId it was made at)
  std::string dead_letter_arn;  // DeadLetterConfig.TargetArn; empty = none
  std::string log_group;        // "/aws/lambda/NAME"

  // "arn:...:function:NAME:VERSION" (also for $LATEST).
  std::string QualifiedArn() const { return unqualified_arn + ":" + version; }
  // Identifies the function (all versions): "REGION/ACCOUNT/NAME".
  std::string FunctionKey() const { return region + "/" + account + "/" + name; }
};

// PutFunctionEventInvokeConfig, with AWS's defaults for what is unset.
struct EventInvokeSettings {
  int64_t maximum_retry_attempts = 2;          // 0..2
  int64_t maximum_event_age_s = 21600;         // 60..21600
  std::string on_success_arn;                  // empty = none
  std::string on_failure_arn;                  // empty = none
};

// A function name (+ qualifier) resolved for one invocation.
struct InvokeTarget {
  std::shared_ptr<const FunctionSpec> spec;  // the version that runs (alias resolved, weights applied)
  std::string invoked_arn;    // the ARN as the caller named it: unqualified when invoked by bare name,
                              // else ...:NAME:QUALIFIER (Lambda-Runtime-Invoked-Function-Arn)
  std::string qualified_arn;  // always qualified: ...:NAME:$LATEST / :1 / :alias (destination records)
  std::string qualifier;      // "$LATEST", a version or an alias name (which EventInvokeConfig applies)
  // Concurrency limits at the time of resolution.
  std::optional<int64_t> reserved_concurrency;  // the function's reservation (0 = always throttled)
  int64_t unreserved_capacity = 1000;           // account limit minus every function's reservation
  EventInvokeSettings event_settings;           // for `qualifier`
};

}  // namespace eddy::lambda
