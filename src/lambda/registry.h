#pragma once
// Registry: the Lambda control plane's state (functions, versions, aliases, concurrency, event invoke
// configs, resource policies, tags) and the rules that change it. No HTTP, no JSON of the wire: the
// API layer validates requests into the typed arguments below and renders the snapshots it gets back.
//
// State: each function is an immutable snapshot (shared_ptr<const Function>); a change copies the
// function, edits the copy and swaps it in under the one mutex, so readers never hold the lock while
// they render. Every change appends the function's whole document (`lambda/function/...`) to the
// store's meta table while holding the lock (the store sees changes in order); callers answer only once
// `Change::ticket` is durable. Recover() reads the documents back.
//
// Thread-safety: every public method may be called from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "lambda/code_store.h"
#include "lambda/errors.h"
#include "lambda/function.h"
#include "lambda/model.h"
#include "store/message_store.h"

namespace eddy::lambda {

struct RegistryOptions {
  // ConcurrentExecutions of the account (AWS's default quota).
  int64_t account_concurrency_limit = 1000;
  // Reservations must leave this many unreserved (AWS: 100).
  int64_t minimum_unreserved = 100;
};

// A committed change: the function as it is afterwards (null after a delete) and the store ticket to
// wait for.
struct Change {
  std::shared_ptr<const Function> function;
  uint64_t ticket = 0;
  std::string version;  // PublishVersion / Create with Publish: the version returned
  bool unchanged = false;  // set by a mutation that turned out to be a no-op
};

// UpdateFunctionConfiguration: the fields given (unset = unchanged).
struct ConfigPatch {
  std::optional<std::string> runtime, role, handler, description;
  std::optional<int64_t> timeout_s, memory_mb, ephemeral_storage_mb;
  std::optional<std::vector<std::pair<std::string, std::string>>> environment;
  std::optional<std::string> dead_letter_arn, kms_key_arn, tracing_mode;
  std::optional<std::string> log_format, log_group, application_log_level, system_log_level;
};

struct AliasPatch {
  std::optional<std::string> function_version;
  std::optional<std::string> description;
  std::optional<std::map<std::string, double>> additional_weights;
};

struct AccountUsage {
  int64_t function_count = 0;
  int64_t total_code_size = 0;
  int64_t concurrency_limit = 0;
  int64_t unreserved_concurrency = 0;
};

class Registry {
 public:
  Registry(const Clock& clock, store::MessageStore& store, CodeStore& code,
           RegistryOptions options = {});
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Loads every function document, makes sure each referenced package is unpacked and removes
  // packages nothing references. Call once, before any other method.
  eddy::Status Recover();

  // ---- Reads ----
  std::shared_ptr<const Function> Find(const FunctionId& id) const;
  Result<std::shared_ptr<const Function>> Get(const FunctionId& id) const;  // 404 if missing
  // Every function of the account in the region, by name.
  std::vector<std::shared_ptr<const Function>> List(const std::string& region,
                                                    const std::string& account) const;
  AccountUsage Usage(const std::string& region, const std::string& account) const;
  // Every provisioned-concurrency config: (config key, spec of the version it runs, count).
  struct ProvisionedEntry {
    std::string config_key;
    std::shared_ptr<const FunctionSpec> spec;
    int64_t requested = 0;
  };
  std::vector<ProvisionedEntry> AllProvisioned() const;

  // Resolves an invoke target (reference/lambda.md §1.1, §1.6): `function_name` is the raw
  // FunctionName parameter (name, full/partial ARN, name:qualifier), `qualifier` the explicit one (may
  // be empty). Aliases pick a version by their weights. Missing function or qualifier: 404 with the
  // qualified ARN.
  Result<InvokeTarget> Resolve(const std::string& region, const std::string& account,
                               const std::string& function_name, const std::string& qualifier) const;

  // ---- Functions ----
  // `latest` is complete (validated, code stored and pinned). Publish also creates version 1.
  Result<Change> CreateFunction(const FunctionId& id, VersionConfig latest,
                                std::map<std::string, std::string> tags, bool publish);
  Result<Change> UpdateCode(const FunctionId& id, const CodePackage& code,
                            std::optional<std::string> architecture,
                            const std::optional<std::string>& revision_id, bool publish);
  Result<Change> UpdateConfiguration(const FunctionId& id, const ConfigPatch& patch,
                                     const std::optional<std::string>& revision_id);
  // Without qualifier: the function with all versions and aliases. With one: that version.
  Result<Change> DeleteFunction(const FunctionId& id, const std::string& qualifier);
  Result<Change> PublishVersion(const FunctionId& id, const std::optional<std::string>& code_sha256,
                                const std::optional<std::string>& description,
                                const std::optional<std::string>& revision_id);

  // ---- Aliases ----
  Result<Change> CreateAlias(const FunctionId& id, AliasConfig alias);
  Result<Change> UpdateAlias(const FunctionId& id, const std::string& name, const AliasPatch& patch,
                             const std::optional<std::string>& revision_id);
  Result<Change> DeleteAlias(const FunctionId& id, const std::string& name);

  // ---- Concurrency ----
  Result<Change> PutReservedConcurrency(const FunctionId& id, int64_t reserved);
  Result<Change> DeleteReservedConcurrency(const FunctionId& id);
  Result<Change> PutProvisioned(const FunctionId& id, const std::string& qualifier, int64_t count);
  Result<Change> DeleteProvisioned(const FunctionId& id, const std::string& qualifier);

  // ---- Event invoke configs ---- (`qualifier` already defaulted to $LATEST)
  // Put replaces the config; Update merges the fields given into the existing one (which must exist).
  Result<Change> PutEventInvokeConfig(const FunctionId& id, const std::string& qualifier,
                                      EventInvokeConfig config, bool merge,
                                      bool has_retries, bool has_age, bool has_success,
                                      bool has_failure);
  Result<Change> DeleteEventInvokeConfig(const FunctionId& id, const std::string& qualifier);

  // ---- Resource policies ---- (`qualifier` empty = the function itself)
  Result<Change> AddPermission(const FunctionId& id, const std::string& qualifier,
                               PolicyStatement statement,
                               const std::optional<std::string>& revision_id);
  Result<Change> RemovePermission(const FunctionId& id, const std::string& qualifier,
                                  const std::string& sid,
                                  const std::optional<std::string>& revision_id);

  // ---- Tags ----
  Result<Change> TagResource(const FunctionId& id, const std::map<std::string, std::string>& tags);
  Result<Change> UntagResource(const FunctionId& id, const std::vector<std::string>& keys);

  // Deletes packages whose last reference went away in a change that is now durable. Best effort;
  // call from a request thread now and then (it does disk I/O outside the lock).
  void CollectGarbage();
  // A package stored for a request that then failed (or a DryRun): collect it unless something
  // references it by then.
  void ForgetPackage(const std::string& hex);

  // The ARN of a qualifier ("" = unqualified).
  static std::string ArnOf(const FunctionId& id, const std::string& qualifier);
  // The revision id that a qualifier's policy and RevisionId checks use: $LATEST's for "" or
  // "$LATEST", the version's or alias's own otherwise.
  static const std::string* RevisionOf(const Function& f, const std::string& qualifier);

 private:
  // Copies the (existing) function, applies `mutate`, persists and swaps in the copy. A mutator that
  // sets `Change::unchanged` commits nothing (its answer then waits for the last append).
  Result<Change> Mutate(const FunctionId& id, const std::function<Status(Function&, Change&)>& mutate);
  Change CommitLocked(std::shared_ptr<Function> next, const Function* before);
  void ScheduleCollectionLocked(const Function& before, const Function* after, uint64_t ticket);
  std::set<std::string> ReferencedLocked() const;
  int64_t ReservedSumLocked(const std::string& region, const std::string& account,
                            const std::string& except_key) const;
  std::string NewRevision() const;

  const Clock& clock_;
  store::MessageStore& store_;
  CodeStore& code_;
  const RegistryOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Function>> functions_;  // by FunctionId::Key()
  uint64_t last_ticket_ = 0;  // of the latest append: what a no-op change waits for
  // Packages that lost a reference, waiting for that change to become durable / to be collected.
  std::mutex gc_mu_;
  std::vector<std::string> gc_ready_;
};

}  // namespace eddy::lambda
