#include "lambda/registry.h"

#include <random>
#include <utility>

#include "common/crypto.h"
#include "common/log.h"

namespace eddy::lambda {
namespace {

Unexpected<Error> RevisionMismatch() {
  return Fail(Errc::kPreconditionFailed,
              "The Revision Id provided does not match the latest Revision Id. Call the "
              "GetFunction/GetAlias API to retrieve the latest Revision Id");
}

Status CheckRevision(const std::optional<std::string>& given, const std::string& current) {
  if (given && *given != current) return RevisionMismatch();
  return {};
}

// Every package a function references.
void CollectPackages(const Function& f, std::set<std::string>* out) {
  out->insert(f.latest.code_hex);
  for (const auto& [n, v] : f.versions) out->insert(v.code_hex);
}

double UniformRandom() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// The function a destination ARN names, if it is a Lambda function ARN.
std::optional<FunctionRef> LambdaDestination(const std::string& arn) {
  if (!arn.starts_with("arn:") || arn.find(":lambda:") == std::string::npos) return std::nullopt;
  auto ref = ParseFunctionName(arn);
  if (!ref) return std::nullopt;
  return std::move(ref).value();
}

}  // namespace

Registry::Registry(const Clock& clock, store::MessageStore& store, CodeStore& code,
                   RegistryOptions options)
    : clock_(clock), store_(store), code_(code), options_(options) {}

std::string Registry::NewRevision() const { return NewUuid(); }

std::string Registry::ArnOf(const FunctionId& id, const std::string& qualifier) {
  return qualifier.empty() ? id.Arn() : id.QualifiedArn(qualifier);
}

const std::string* Registry::RevisionOf(const Function& f, const std::string& qualifier) {
  if (qualifier.empty() || qualifier == kLatest) return &f.latest.revision_id;
  if (const VersionConfig* v = f.FindVersion(qualifier)) return &v->revision_id;
  if (const AliasConfig* a = f.FindAlias(qualifier)) return &a->revision_id;
  return nullptr;
}

eddy::Status Registry::Recover() {
  std::map<std::string, std::shared_ptr<const Function>> loaded;
  eddy::Status st = store_.LoadMeta(std::string(kFunctionDocPrefix),
                                    [&](const std::string& key, const std::string& value) {
    auto f = std::make_shared<Function>();
    if (!DecodeFunction(value, f.get())) {
      log::Error("lambda: skipping unreadable function document " + key);
      return;
    }
    std::set<std::string> packages;
    CollectPackages(*f, &packages);
    for (const std::string& hex : packages) {
      if (eddy::Status u = code_.EnsureUnpacked(hex); !u.ok()) {
        log::Error("lambda: function " + f->id.name + ": " + u.message());
      }
    }
    f->RebuildSpecs(code_.tasks_dir());
    loaded[f->id.Key()] = std::move(f);
  });
  if (!st.ok()) return st;
  std::set<std::string> referenced;
  for (const auto& [key, f] : loaded) CollectPackages(*f, &referenced);
  {
    std::lock_guard lock(mu_);
    functions_ = std::move(loaded);
  }
  // Everything loaded is durable, so unreferenced packages can go now.
  for (const std::string& hex : code_.List()) {
    if (!referenced.contains(hex)) CodeStore::Discard(code_.Detach(hex));
  }
  return eddy::Status::Ok();
}

// ---- Reads ----

std::shared_ptr<const Function> Registry::Find(const FunctionId& id) const {
  std::lock_guard lock(mu_);
  auto it = functions_.find(id.Key());
  return it == functions_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<const Function>> Registry::Get(const FunctionId& id) const {
  auto f = Find(id);
  if (!f) return FunctionNotFound(id.Arn());
  return f;
}

std::vector<std::shared_ptr<const Function>> Registry::List(const std::string& region,
                                                            const std::string& account) const {
  const std::string prefix = region + "/" + account + "/";
  std::vector<std::shared_ptr<const Function>> out;
  std::lock_guard lock(mu_);
  for (auto it = functions_.lower_bound(prefix); it != functions_.end() && it->first.starts_with(prefix);
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

int64_t Registry::ReservedSumLocked(const std::string& region, const std::string& account,
                                    const std::string& except_key) const {
  const std::string prefix = region + "/" + account + "/";
  int64_t sum = 0;
  for (auto it = functions_.lower_bound(prefix); it != functions_.end() && it->first.starts_with(prefix);
       ++it) {
    if (it->first != except_key && it->second->reserved_concurrency) {
      sum += *it->second->reserved_concurrency;
    }
  }
  return sum;
}

AccountUsage Registry::Usage(const std::string& region, const std::string& account) const {
  AccountUsage u;
  std::lock_guard lock(mu_);
  const std::string prefix = region + "/" + account + "/";
  for (auto it = functions_.lower_bound(prefix); it != functions_.end() && it->first.starts_with(prefix);
       ++it) {
    ++u.function_count;
    const Function& f = *it->second;
    std::set<std::string> seen;
    if (seen.insert(f.latest.code_hex).second) u.total_code_size += f.latest.code_size;
    for (const auto& [n, v] : f.versions) {
      if (seen.insert(v.code_hex).second) u.total_code_size += v.code_size;
    }
  }
  u.concurrency_limit = options_.account_concurrency_limit;
  u.unreserved_concurrency =
      options_.account_concurrency_limit - ReservedSumLocked(region, account, std::string());
  return u;
}

std::vector<Registry::ProvisionedEntry> Registry::AllProvisioned() const {
  std::vector<ProvisionedEntry> out;
  std::lock_guard lock(mu_);
  for (const auto& [key, f] : functions_) {
    for (const auto& [qualifier, p] : f->provisioned) {
      std::string version = qualifier;
      if (const AliasConfig* a = f->FindAlias(qualifier)) version = a->function_version;
      if (auto spec = f->SpecOf(version)) out.push_back({key + ":" + qualifier, spec, p.requested});
    }
  }
  return out;
}

Result<InvokeTarget> Registry::Resolve(const std::string& region, const std::string& account,
                                       const std::string& function_name,
                                       const std::string& qualifier) const {
  auto ref = ParseFunctionName(function_name, NameShape::kNamespaced);
  if (!ref) return std::move(ref).error();
  auto resolved = ResolveName(*ref, region, account, qualifier);
  if (!resolved) return std::move(resolved).error();
  const FunctionId& id = resolved->id;
  const std::string effective = resolved->qualifier.empty() ? std::string(kLatest) : resolved->qualifier;

  std::shared_ptr<const Function> f;
  int64_t reserved_sum = 0;
  {
    std::lock_guard lock(mu_);
    auto it = functions_.find(id.Key());
    if (it != functions_.end()) f = it->second;
    reserved_sum = ReservedSumLocked(id.region, id.account, std::string());
  }
  if (!f) return FunctionNotFound(id.QualifiedArn(effective));

  InvokeTarget t;
  t.qualifier = effective;
  t.qualified_arn = id.QualifiedArn(effective);
  t.invoked_arn = resolved->qualifier.empty() ? id.Arn() : t.qualified_arn;
  std::string version = effective;
  if (const AliasConfig* alias = f->FindAlias(effective)) {
    version = alias->function_version;
    // At most one additional version (enforced on write): it runs with its weight's probability.
    for (const auto& [extra, weight] : alias->additional_weights) {
      if (UniformRandom() < weight) version = extra;
    }
  }
  t.spec = f->SpecOf(version);
  if (!t.spec) return FunctionNotFound(t.qualified_arn);
  t.reserved_concurrency = f->reserved_concurrency;
  t.unreserved_capacity = options_.account_concurrency_limit - reserved_sum;
  if (auto it = f->event_invoke.find(effective); it != f->event_invoke.end()) {
    const EventInvokeConfig& c = it->second;
    if (c.maximum_retry_attempts) t.event_settings.maximum_retry_attempts = *c.maximum_retry_attempts;
    if (c.maximum_event_age_s) t.event_settings.maximum_event_age_s = *c.maximum_event_age_s;
    t.event_settings.on_success_arn = c.on_success;
    t.event_settings.on_failure_arn = c.on_failure;
  }
  return t;
}

// ---- Commit machinery ----

Change Registry::CommitLocked(std::shared_ptr<Function> next, const Function* before) {
  Change change;
  const FunctionId id = next ? next->id : before->id;
  if (next) {
    next->RebuildSpecs(code_.tasks_dir());
    change.ticket = store_.Append(store::PutMeta{FunctionDocKey(id), EncodeFunction(*next)});
    functions_[id.Key()] = next;
  } else {
    change.ticket = store_.Append(store::DeleteMeta{FunctionDocKey(id)});
    functions_.erase(id.Key());
  }
  last_ticket_ = change.ticket;
  if (before != nullptr) ScheduleCollectionLocked(*before, next.get(), change.ticket);
  change.function = std::move(next);
  return change;
}

void Registry::ScheduleCollectionLocked(const Function& before, const Function* after,
                                        uint64_t ticket) {
  std::set<std::string> old_refs, new_refs;
  CollectPackages(before, &old_refs);
  if (after != nullptr) CollectPackages(*after, &new_refs);
  std::vector<std::string> dropped;
  for (const std::string& hex : old_refs) {
    if (!new_refs.contains(hex)) dropped.push_back(hex);
  }
  if (dropped.empty()) return;
  // Only once the change that dropped the reference is durable: a crash before that brings the
  // reference back, and its package must still be there.
  store_.WhenDurable(ticket, [this, dropped = std::move(dropped)]() mutable {
    std::lock_guard lock(gc_mu_);
    for (std::string& hex : dropped) gc_ready_.push_back(std::move(hex));
  });
}

void Registry::CollectGarbage() {
  std::vector<std::string> candidates;
  {
    std::lock_guard lock(gc_mu_);
    candidates.swap(gc_ready_);
  }
  if (candidates.empty()) return;
  std::vector<std::string> moved;
  {
    // Under the registry lock, so no change can start referencing a package between the check and
    // the detach (a new reference is pinned in the code store before it gets here).
    std::lock_guard lock(mu_);
    std::set<std::string> referenced = ReferencedLocked();
    for (const std::string& hex : candidates) {
      if (!referenced.contains(hex)) moved.push_back(code_.Detach(hex));
    }
  }
  for (const std::string& dir : moved) CodeStore::Discard(dir);
}

void Registry::ForgetPackage(const std::string& hex) {
  std::lock_guard lock(gc_mu_);
  gc_ready_.push_back(hex);
}

std::set<std::string> Registry::ReferencedLocked() const {
  std::set<std::string> out;
  for (const auto& [key, f] : functions_) CollectPackages(*f, &out);
  return out;
}

Result<Change> Registry::Mutate(const FunctionId& id,
                                const std::function<Status(Function&, Change&)>& mutate) {
  std::lock_guard lock(mu_);
  auto it = functions_.find(id.Key());
  if (it == functions_.end()) return FunctionNotFound(id.Arn());
  auto next = std::make_shared<Function>(*it->second);
  Change result;
  if (Status st = mutate(*next, result); !st) return std::move(st).error();
  if (result.unchanged) {
    result.function = it->second;
    result.ticket = last_ticket_;
    return result;
  }
  std::shared_ptr<const Function> before = it->second;  // keeps it alive through the commit
  Change committed = CommitLocked(std::move(next), before.get());
  committed.version = std::move(result.version);
  return committed;
}

// ---- Functions ----

Result<Change> Registry::CreateFunction(const FunctionId& id, VersionConfig latest,
                                        std::map<std::string, std::string> tags, bool publish) {
  std::lock_guard lock(mu_);
  if (functions_.contains(id.Key())) {
    return Fail(Errc::kResourceConflict, "Function already exist: " + id.name);
  }
  auto f = std::make_shared<Function>();
  f->id = id;
  latest.version = std::string(kLatest);
  latest.last_modified_ms = clock_.NowMs();
  latest.revision_id = NewRevision();
  latest.config_id = NewUuid();
  f->latest = std::move(latest);
  f->tags = std::move(tags);
  std::string version(kLatest);
  if (publish) {
    VersionConfig v = f->latest;
    v.version = "1";
    v.revision_id = NewRevision();
    v.config_id = NewUuid();
    f->versions[1] = std::move(v);
    f->last_version = 1;
    version = "1";
  }
  Change change = CommitLocked(std::move(f), nullptr);
  change.version = std::move(version);
  return change;
}

namespace {

// Publishes $LATEST as the next version unless the newest version already equals it.
std::string PublishLatest(Function& f, const std::optional<std::string>& description, int64_t now_ms,
                          bool* created) {
  *created = false;
  if (!f.versions.empty() && f.versions.rbegin()->second.SameCodeAndConfig(f.latest)) {
    return f.versions.rbegin()->second.version;
  }
  const int64_t n = ++f.last_version;
  VersionConfig v = f.latest;
  v.version = std::to_string(n);
  if (description) v.description = *description;
  v.last_modified_ms = now_ms;
  v.revision_id = NewUuid();
  v.config_id = NewUuid();
  f.versions[n] = std::move(v);
  *created = true;
  return std::to_string(n);
}

void Touch(VersionConfig& latest, int64_t now_ms) {
  latest.last_modified_ms = now_ms;
  latest.revision_id = NewUuid();
  latest.config_id = NewUuid();
}

}  // namespace

Result<Change> Registry::UpdateCode(const FunctionId& id, const CodePackage& code,
                                    std::optional<std::string> architecture,
                                    const std::optional<std::string>& revision_id, bool publish) {
  const int64_t now = clock_.NowMs();
  return Mutate(id, [&](Function& f, Change& change) -> Status {
    if (Status st = CheckRevision(revision_id, f.latest.revision_id); !st) return st;
    f.latest.code_sha256 = code.sha256_base64;
    f.latest.code_hex = code.sha256_hex;
    f.latest.code_size = code.size;
    if (architecture) f.latest.architecture = *architecture;
    Touch(f.latest, now);
    change.version = std::string(kLatest);
    if (publish) {
      bool created = false;
      change.version = PublishLatest(f, std::nullopt, now, &created);
    }
    return {};
  });
}

Result<Change> Registry::UpdateConfiguration(const FunctionId& id, const ConfigPatch& p,
                                             const std::optional<std::string>& revision_id) {
  const int64_t now = clock_.NowMs();
  return Mutate(id, [&](Function& f, Change& change) -> Status {
    if (Status st = CheckRevision(revision_id, f.latest.revision_id); !st) return st;
    VersionConfig& v = f.latest;
    if (p.runtime) v.runtime = *p.runtime;
    if (p.role) v.role = *p.role;
    if (p.handler) v.handler = *p.handler;
    if (p.description) v.description = *p.description;
    if (p.timeout_s) v.timeout_s = *p.timeout_s;
    if (p.memory_mb) v.memory_mb = *p.memory_mb;
    if (p.ephemeral_storage_mb) v.ephemeral_storage_mb = *p.ephemeral_storage_mb;
    if (p.environment) {
      v.has_environment = true;
      v.environment = *p.environment;
    }
    if (p.dead_letter_arn) v.dead_letter_arn = *p.dead_letter_arn;
    if (p.kms_key_arn) v.kms_key_arn = *p.kms_key_arn;
    if (p.tracing_mode) v.tracing_mode = *p.tracing_mode;
    if (p.log_format) v.log_format = *p.log_format;
    if (p.log_group) v.log_group = *p.log_group;
    if (p.application_log_level) v.application_log_level = *p.application_log_level;
    if (p.system_log_level) v.system_log_level = *p.system_log_level;
    Touch(v, now);
    change.version = std::string(kLatest);
    return {};
  });
}

Result<Change> Registry::DeleteFunction(const FunctionId& id, const std::string& qualifier) {
  if (qualifier.empty()) {
    std::lock_guard lock(mu_);
    auto it = functions_.find(id.Key());
    if (it == functions_.end()) return FunctionNotFound(id.Arn());
    std::shared_ptr<const Function> before = it->second;
    return CommitLocked(nullptr, before.get());
  }
  if (qualifier == kLatest) {
    return InvalidParameter("$LATEST version cannot be deleted without deleting the function.");
  }
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (!IsVersionNumber(qualifier)) {
      if (f.FindAlias(qualifier) == nullptr) return FunctionNotFound(id.QualifiedArn(qualifier));
      return InvalidParameter("Deletion of aliases is not currently supported.");
    }
    if (f.FindVersion(qualifier) == nullptr) return FunctionNotFound(id.QualifiedArn(qualifier));
    std::string users;
    for (const auto& [name, a] : f.aliases) {
      bool uses = a.function_version == qualifier || a.additional_weights.contains(qualifier);
      if (uses) users += (users.empty() ? "" : ", ") + name;
    }
    if (!users.empty()) {
      return Fail(Errc::kResourceConflict,
                  "Unable to delete version because the following aliases reference it: [" + users +
                      "]");
    }
    f.versions.erase(std::stoll(qualifier));
    f.provisioned.erase(qualifier);
    f.event_invoke.erase(qualifier);
    f.policies.erase(qualifier);
    return {};
  });
}

Result<Change> Registry::PublishVersion(const FunctionId& id,
                                        const std::optional<std::string>& code_sha256,
                                        const std::optional<std::string>& description,
                                        const std::optional<std::string>& revision_id) {
  const int64_t now = clock_.NowMs();
  return Mutate(id, [&](Function& f, Change& change) -> Status {
    if (Status st = CheckRevision(revision_id, f.latest.revision_id); !st) return st;
    if (code_sha256 && *code_sha256 != f.latest.code_sha256) {
      return InvalidParameter("CodeSHA256 (" + *code_sha256 +
                              ") is different from current CodeSHA256 in $LATEST (" +
                              f.latest.code_sha256 +
                              "). Please try again with the CodeSHA256 in $LATEST.");
    }
    bool created = false;
    change.version = PublishLatest(f, description, now, &created);
    change.unchanged = !created;
    return {};
  });
}

// ---- Aliases ----

namespace {

Status CheckAliasTarget(const Function& f, const std::string& version,
                        const std::map<std::string, double>& weights) {
  if (f.FindVersion(version) == nullptr) return FunctionNotFound(f.id.QualifiedArn(version));
  if (weights.size() > 1) {
    return InvalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
  }
  for (const auto& [extra, weight] : weights) {
    if (version == kLatest || extra == kLatest) {
      return InvalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
    }
    if (extra == version) {
      return InvalidParameter("Invalid function version " + extra +
                              ". Function version " + extra +
                              " is already included in routing configuration.");
    }
    if (f.FindVersion(extra) == nullptr) return FunctionNotFound(f.id.QualifiedArn(extra));
  }
  return {};
}

}  // namespace

Result<Change> Registry::CreateAlias(const FunctionId& id, AliasConfig alias) {
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (f.FindAlias(alias.name) != nullptr) {
      return Fail(Errc::kResourceConflict, "Alias already exists: " + id.QualifiedArn(alias.name));
    }
    if (Status st = CheckAliasTarget(f, alias.function_version, alias.additional_weights); !st) {
      return st;
    }
    alias.revision_id = NewRevision();
    f.aliases[alias.name] = std::move(alias);
    return {};
  });
}

Result<Change> Registry::UpdateAlias(const FunctionId& id, const std::string& name,
                                     const AliasPatch& patch,
                                     const std::optional<std::string>& revision_id) {
  return Mutate(id, [&](Function& f, Change&) -> Status {
    auto it = f.aliases.find(name);
    if (it == f.aliases.end()) {
      return Fail(Errc::kResourceNotFound, "Alias not found: " + id.QualifiedArn(name));
    }
    AliasConfig& a = it->second;
    if (Status st = CheckRevision(revision_id, a.revision_id); !st) return st;
    AliasConfig next = a;
    if (patch.function_version) next.function_version = *patch.function_version;
    if (patch.description) next.description = *patch.description;
    if (patch.additional_weights) next.additional_weights = *patch.additional_weights;
    if (Status st = CheckAliasTarget(f, next.function_version, next.additional_weights); !st) {
      return st;
    }
    next.revision_id = NewRevision();
    a = std::move(next);
    return {};
  });
}

Result<Change> Registry::DeleteAlias(const FunctionId& id, const std::string& name) {
  return Mutate(id, [&](Function& f, Change& change) -> Status {
    if (f.aliases.erase(name) == 0) {
      change.unchanged = true;  // AWS answers 204 for an alias that is not there
      return {};
    }
    f.provisioned.erase(name);
    f.event_invoke.erase(name);
    f.policies.erase(name);
    return {};
  });
}

// ---- Concurrency ----

Result<Change> Registry::PutReservedConcurrency(const FunctionId& id, int64_t reserved) {
  std::lock_guard lock(mu_);
  auto it = functions_.find(id.Key());
  if (it == functions_.end()) return FunctionNotFound(id.Arn());
  const int64_t others = ReservedSumLocked(id.region, id.account, id.Key());
  if (options_.account_concurrency_limit - others - reserved < options_.minimum_unreserved) {
    return InvalidParameter(
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [" +
        std::to_string(options_.minimum_unreserved) + "].");
  }
  std::shared_ptr<const Function> before = it->second;
  auto next = std::make_shared<Function>(*before);
  next->reserved_concurrency = reserved;
  return CommitLocked(std::move(next), before.get());
}

Result<Change> Registry::DeleteReservedConcurrency(const FunctionId& id) {
  return Mutate(id, [&](Function& f, Change& change) -> Status {
    change.unchanged = !f.reserved_concurrency;
    f.reserved_concurrency.reset();
    return {};
  });
}

Result<Change> Registry::PutProvisioned(const FunctionId& id, const std::string& qualifier,
                                        int64_t count) {
  const int64_t now = clock_.NowMs();
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (qualifier == kLatest) {
      return InvalidParameter(
          "Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
    }
    const AliasConfig* alias = f.FindAlias(qualifier);
    if (alias == nullptr && !IsVersionNumber(qualifier)) {
      return Fail(Errc::kResourceNotFound, "Cannot find alias arn: " + id.QualifiedArn(qualifier));
    }
    if (alias == nullptr && f.FindVersion(qualifier) == nullptr) {
      return FunctionNotFound(id.QualifiedArn(qualifier));
    }
    if (f.reserved_concurrency && count > *f.reserved_concurrency) {
      return InvalidParameter(
          "Requested Provisioned Concurrency should not be greater than the "
          "reservedConcurrentExecution for function");
    }
    // A version may be provisioned through one route only: itself or one alias.
    const std::string version = alias != nullptr ? alias->function_version : qualifier;
    for (const auto& [q, p] : f.provisioned) {
      if (q == qualifier) continue;
      const AliasConfig* other = f.FindAlias(q);
      const std::string other_version = other != nullptr ? other->function_version : q;
      if (other_version == version) {
        return Fail(Errc::kResourceConflict,
                    alias != nullptr ? "Alias can't be used for Provisioned Concurrency "
                                       "configuration on an already Provisioned version"
                                     : "Version is pointed by a Provisioned Concurrency alias");
      }
    }
    f.provisioned[qualifier] = {count, now};
    return {};
  });
}

Result<Change> Registry::DeleteProvisioned(const FunctionId& id, const std::string& qualifier) {
  return Mutate(id, [&](Function& f, Change& change) -> Status {
    if (f.FindAlias(qualifier) == nullptr && f.FindVersion(qualifier) == nullptr) {
      return FunctionNotFound(id.QualifiedArn(qualifier));
    }
    change.unchanged = f.provisioned.erase(qualifier) == 0;
    return {};
  });
}

// ---- Event invoke configs ----

Result<Change> Registry::PutEventInvokeConfig(const FunctionId& id, const std::string& qualifier,
                                              EventInvokeConfig config, bool merge, bool has_retries,
                                              bool has_age, bool has_success, bool has_failure) {
  // Destinations that are functions must exist (outside the lock: Find takes it).
  for (const std::string* dest : {&config.on_success, &config.on_failure}) {
    auto ref = LambdaDestination(*dest);
    if (!ref) continue;
    FunctionId target{ref->region.empty() ? id.region : ref->region,
                      ref->account.empty() ? id.account : ref->account, ref->name};
    if (target.Key() == id.Key()) {
      return InvalidParameter("You can't specify the function as a destination for itself.");
    }
    auto f = Find(target);
    if (!f || (!ref->qualifier.empty() && f->FindVersion(ref->qualifier) == nullptr &&
               f->FindAlias(ref->qualifier) == nullptr)) {
      return InvalidParameter("The destination ARN " + *dest + " is invalid.");
    }
  }
  const int64_t now = clock_.NowMs();
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (qualifier != kLatest && f.FindVersion(qualifier) == nullptr &&
        f.FindAlias(qualifier) == nullptr) {
      return FunctionNotFound(id.QualifiedArn(qualifier));
    }
    EventInvokeConfig next = config;
    if (merge) {
      auto it = f.event_invoke.find(qualifier);
      if (it == f.event_invoke.end()) {
        return Fail(Errc::kResourceNotFound, "The function " + id.QualifiedArn(qualifier) +
                                                 " doesn't have an EventInvokeConfig");
      }
      next = it->second;
      if (has_retries) next.maximum_retry_attempts = config.maximum_retry_attempts;
      if (has_age) next.maximum_event_age_s = config.maximum_event_age_s;
      if (has_success) next.on_success = config.on_success;
      if (has_failure) next.on_failure = config.on_failure;
    }
    next.last_modified_ms = now;
    f.event_invoke[qualifier] = std::move(next);
    return {};
  });
}

Result<Change> Registry::DeleteEventInvokeConfig(const FunctionId& id, const std::string& qualifier) {
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (f.event_invoke.erase(qualifier) == 0) {
      return Fail(Errc::kResourceNotFound, "The function " + id.QualifiedArn(qualifier) +
                                               " doesn't have an EventInvokeConfig");
    }
    return {};
  });
}

// ---- Resource policies ----

namespace {

Status CheckPolicyTarget(const Function& f, const std::string& qualifier) {
  if (qualifier.empty()) return {};
  if (f.FindVersion(qualifier) != nullptr) return {};
  if (!IsVersionNumber(qualifier) && qualifier != kLatest) {
    if (f.FindAlias(qualifier) != nullptr) return {};
    return Fail(Errc::kResourceNotFound, "Cannot find alias arn: " + f.id.QualifiedArn(qualifier));
  }
  return FunctionNotFound(f.id.QualifiedArn(qualifier));
}

// A policy change is a change of the target's record: $LATEST's or the alias's revision moves on.
void BumpRevision(Function& f, const std::string& qualifier) {
  if (qualifier.empty() || qualifier == kLatest) {
    f.latest.revision_id = NewUuid();
  } else if (auto it = f.aliases.find(qualifier); it != f.aliases.end()) {
    it->second.revision_id = NewUuid();
  }
}

}  // namespace

Result<Change> Registry::AddPermission(const FunctionId& id, const std::string& qualifier,
                                       PolicyStatement statement,
                                       const std::optional<std::string>& revision_id) {
  if (qualifier == kLatest) return InvalidParameter("We currently do not support adding policies for $LATEST.");
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (Status st = CheckPolicyTarget(f, qualifier); !st) return st;
    if (Status st = CheckRevision(revision_id, *RevisionOf(f, qualifier)); !st) return st;
    auto& statements = f.policies[qualifier];
    for (const PolicyStatement& s : statements) {
      if (s.sid == statement.sid) {
        return Fail(Errc::kResourceConflict,
                    "The statement id (" + statement.sid +
                        ") provided already exists. Please provide a new statement id, or remove "
                        "the existing statement.");
      }
    }
    statements.push_back(std::move(statement));
    BumpRevision(f, qualifier);
    return {};
  });
}

Result<Change> Registry::RemovePermission(const FunctionId& id, const std::string& qualifier,
                                          const std::string& sid,
                                          const std::optional<std::string>& revision_id) {
  return Mutate(id, [&](Function& f, Change&) -> Status {
    if (Status st = CheckPolicyTarget(f, qualifier); !st) return st;
    if (Status st = CheckRevision(revision_id, *RevisionOf(f, qualifier)); !st) return st;
    auto it = f.policies.find(qualifier);
    if (it == f.policies.end() || it->second.empty()) {
      return Fail(Errc::kResourceNotFound, "No policy is associated with the given resource.");
    }
    auto& statements = it->second;
    auto pos = std::find_if(statements.begin(), statements.end(),
                            [&](const PolicyStatement& s) { return s.sid == sid; });
    if (pos == statements.end()) {
      return Fail(Errc::kResourceNotFound, "Statement " + sid + " is not found in resource policy.");
    }
    statements.erase(pos);
    if (statements.empty()) f.policies.erase(it);
    BumpRevision(f, qualifier);
    return {};
  });
}

// ---- Tags ----

Result<Change> Registry::TagResource(const FunctionId& id,
                                     const std::map<std::string, std::string>& tags) {
  return Mutate(id, [&](Function& f, Change&) -> Status {
    for (const auto& [k, v] : tags) f.tags[k] = v;
    return {};
  });
}

Result<Change> Registry::UntagResource(const FunctionId& id, const std::vector<std::string>& keys) {
  return Mutate(id, [&](Function& f, Change&) -> Status {
    for (const std::string& k : keys) f.tags.erase(k);
    return {};
  });
}

}  // namespace eddy::lambda
