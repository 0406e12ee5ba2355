#pragma once
// The control plane's state of one function: $LATEST, its published versions, aliases, concurrency
// settings, event invoke configs, resource policies and tags. Plain values: the registry keeps each
// function as an immutable snapshot (copy on write) and persists it as one JSON document.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lambda/function.h"
#include "lambda/names.h"

namespace eddy::lambda {

// One version's configuration ($LATEST or a published number), as FunctionConfiguration shows it.
struct VersionConfig {
  std::string version = std::string(kLatest);
  std::string runtime;
  std::string role;
  std::string handler;
  std::string description;
  int64_t timeout_s = 3;
  int64_t memory_mb = 128;
  int64_t ephemeral_storage_mb = 512;
  // Environment.Variables in the order given; `has_environment` also when given as an empty map.
  bool has_environment = false;
  std::vector<std::pair<std::string, std::string>> environment;
  std::string dead_letter_arn;
  std::string kms_key_arn;
  std::string tracing_mode = "PassThrough";
  std::string architecture = "x86_64";
  std::string log_format = "Text";
  std::string log_group;  // empty = "/aws/lambda/NAME"
  std::string application_log_level;  // only with LogFormat JSON
  std::string system_log_level;
  // Code.
  std::string code_sha256;  // base64 (CodeSha256)
  std::string code_hex;     // lower-case hex of the same digest: names the package on disk
  int64_t code_size = 0;
  // Bookkeeping.
  int64_t last_modified_ms = 0;
  std::string revision_id;  // changes on every mutation of this version's record
  std::string config_id;    // changes on every change of code or runtime configuration

  // Equal code and runtime configuration (what PublishVersion compares; description excluded).
  bool SameCodeAndConfig(const VersionConfig& o) const;
};

struct AliasConfig {
  std::string name;
  std::string function_version;
  std::string description;
  std::string revision_id;
  std::map<std::string, double> additional_weights;  // RoutingConfig.AdditionalVersionWeights
};

struct ProvisionedConfig {
  int64_t requested = 0;
  int64_t last_modified_ms = 0;
};

struct EventInvokeConfig {
  std::optional<int64_t> maximum_retry_attempts;
  std::optional<int64_t> maximum_event_age_s;
  std::string on_success;  // destination ARNs; empty = none
  std::string on_failure;
  int64_t last_modified_ms = 0;
};

struct PolicyStatement {
  std::string sid;
  std::string json;  // the statement as AWS renders it (serialized JSON object)
};

struct Function {
  FunctionId id;
  VersionConfig latest;
  std::map<int64_t, VersionConfig> versions;  // published, immutable
  int64_t last_version = 0;                   // numbers are never reused, even after deletion
  std::map<std::string, AliasConfig> aliases;
  std::optional<int64_t> reserved_concurrency;
  std::map<std::string, ProvisionedConfig> provisioned;  // by qualifier (version or alias)
  std::map<std::string, EventInvokeConfig> event_invoke;  // by qualifier ("$LATEST", "1", alias)
  std::map<std::string, std::vector<PolicyStatement>> policies;  // by qualifier; "" = unqualified
  std::map<std::string, std::string> tags;
  // Runtime snapshots for the data plane (rebuilt, not persisted).
  std::shared_ptr<const FunctionSpec> latest_spec;
  std::map<int64_t, std::shared_ptr<const FunctionSpec>> version_specs;

  // $LATEST, a version number or nullptr.
  const VersionConfig* FindVersion(std::string_view version) const;
  const AliasConfig* FindAlias(std::string_view name) const;
  std::shared_ptr<const FunctionSpec> SpecOf(std::string_view version) const;
  // (Re)builds latest_spec and version_specs; `tasks_dir` holds the unpacked packages.
  void RebuildSpecs(const std::string& tasks_dir);
  std::string LogGroup(const VersionConfig& v) const;
};

// Persistence: the document stored under `lambda/function/REGION/ACCOUNT/NAME`.
std::string EncodeFunction(const Function& f);
// Returns false if the document cannot be read (the caller logs and skips it).
bool DecodeFunction(std::string_view doc, Function* out);
std::string FunctionDocKey(const FunctionId& id);
inline constexpr std::string_view kFunctionDocPrefix = "lambda/function/";

// "2026-03-01T12:34:56.789+0000" (FunctionConfiguration.LastModified).
std::string FormatLastModified(int64_t epoch_ms);

}  // namespace eddy::lambda
