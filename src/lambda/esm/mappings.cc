#include "lambda/esm/mappings.h"

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/log.h"
#include "lambda/registry.h"

namespace eddy::lambda {
namespace json = boost::json;
namespace {

constexpr std::string_view kDocPrefix = "lambda/esm/";

std::string DocKey(const std::string& uuid) { return std::string(kDocPrefix) + uuid; }

// ---- Filter patterns (EventBridge style) ----

bool IsOperatorObject(const json::object& o) {
  static constexpr std::string_view kOperators[] = {
      "prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard", "cidr"};
  if (o.size() != 1) return false;
  std::string_view key = o.begin()->key();
  return std::find(std::begin(kOperators), std::end(kOperators), key) != std::end(kOperators);
}

bool IsValidPatternObject(const json::object& o, int depth) {
  if (o.empty() || depth > 32) return false;
  for (const auto& kv : o) {
    const json::value& v = kv.value();
    if (kv.key() == "$or") {
      if (!v.is_array() || v.as_array().size() < 2) return false;
      for (const json::value& alt : v.as_array()) {
        if (!alt.is_object() || !IsValidPatternObject(alt.as_object(), depth + 1)) return false;
      }
    } else if (v.is_object()) {
      if (!IsValidPatternObject(v.as_object(), depth + 1)) return false;
    } else if (v.is_array()) {
      if (v.as_array().empty()) return false;
      for (const json::value& leaf : v.as_array()) {
        if (leaf.is_array()) return false;
        if (leaf.is_object() && !IsOperatorObject(leaf.as_object())) return false;
      }
    } else {
      return false;  // leaves must be arrays
    }
  }
  return true;
}

// ---- Persistence ----

std::string Encode(const MappingRecord& r) {
  json::object o;
  o["uuid"] = r.uuid;
  o["region"] = r.function.region;
  o["account"] = r.function.account;
  o["function"] = r.function.name;
  o["qualifier"] = r.qualifier;
  o["source"] = r.event_source_arn;
  o["batch_size"] = r.batch_size;
  o["window_s"] = r.maximum_batching_window_s;
  o["report_failures"] = r.report_batch_item_failures;
  o["max_concurrency"] = r.maximum_concurrency;
  o["has_filters"] = r.has_filter_criteria;
  json::array patterns;
  for (const std::string& p : r.filter_patterns) patterns.emplace_back(p);
  o["filters"] = std::move(patterns);
  o["enabled"] = r.enabled;
  o["modified_ms"] = r.last_modified_ms;
  json::object tags;
  for (const auto& [k, v] : r.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  return json::serialize(o);
}

bool Decode(std::string_view doc, MappingRecord* r) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return false;
  const json::object& o = v.as_object();
  auto str = [&](std::string_view k, std::string* out) {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_string()) return false;
    *out = std::string(x->get_string());
    return true;
  };
  auto num = [&](std::string_view k, int64_t* out) {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_int64()) return false;
    *out = x->get_int64();
    return true;
  };
  auto flag = [&](std::string_view k, bool* out) {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_bool()) return false;
    *out = x->get_bool();
    return true;
  };
  if (!str("uuid", &r->uuid) || !str("region", &r->function.region) ||
      !str("account", &r->function.account) || !str("function", &r->function.name) ||
      !str("qualifier", &r->qualifier) || !str("source", &r->event_source_arn) ||
      !num("batch_size", &r->batch_size) || !num("window_s", &r->maximum_batching_window_s) ||
      !flag("report_failures", &r->report_batch_item_failures) ||
      !num("max_concurrency", &r->maximum_concurrency) || !flag("has_filters", &r->has_filter_criteria) ||
      !flag("enabled", &r->enabled) || !num("modified_ms", &r->last_modified_ms)) {
    return false;
  }
  if (const json::value* f = o.if_contains("filters"); f != nullptr && f->is_array()) {
    for (const json::value& p : f->as_array()) {
      if (!p.is_string()) return false;
      r->filter_patterns.emplace_back(p.get_string());
    }
  }
  if (const json::value* t = o.if_contains("tags"); t != nullptr && t->is_object()) {
    for (const auto& kv : t->as_object()) {
      if (!kv.value().is_string()) return false;
      r->tags[std::string(kv.key())] = std::string(kv.value().get_string());
    }
  }
  return true;
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!IsHex(s.substr(i, 1))) {
      return false;
    }
  }
  return true;
}

// AWS's text for an unknown UUID (Get, Update, Delete, tags).
Unexpected<Error> MappingNotFound() {
  return Fail(Errc::kResourceNotFound, "The resource you requested does not exist.");
}

}  // namespace

bool IsValidFilterPattern(std::string_view pattern) {
  boost::system::error_code ec;
  json::value v = json::parse(pattern, ec);
  return !ec && v.is_object() && IsValidPatternObject(v.as_object(), 0);
}

FunctionTimeoutLookup RegistryTimeoutLookup(const Registry& registry) {
  return [&registry](const FunctionId& id, const std::string& qualifier) -> std::optional<int64_t> {
    std::shared_ptr<const Function> f = registry.Find(id);
    if (!f) return std::nullopt;
    if (qualifier.empty()) return f->latest.timeout_s;
    if (const VersionConfig* v = f->FindVersion(qualifier)) return v->timeout_s;
    if (const AliasConfig* a = f->FindAlias(qualifier)) {
      if (const VersionConfig* v = f->FindVersion(a->function_version)) return v->timeout_s;
    }
    return std::nullopt;
  };
}

Mappings::Mappings(const Clock& clock, store::MessageStore& store, FunctionTimeoutLookup functions,
                   QueueLookup queues)
    : clock_(clock), store_(store), functions_(std::move(functions)), queues_(std::move(queues)) {}

void Mappings::SetObserver(std::function<void(const MappingPtr&)> observer) {
  std::lock_guard<std::mutex> lock(mu_);
  observer_ = std::move(observer);
}

eddy::Status Mappings::Recover() {
  std::map<std::string, MappingRecord> loaded;
  eddy::Status st = store_.LoadMeta(std::string(kDocPrefix), [&](const std::string& key, const std::string& doc) {
    MappingRecord r;
    if (!Decode(doc, &r)) {
      log::Warn("skipping an unreadable event source mapping document: " + key);
      return;
    }
    loaded[r.uuid] = std::move(r);
  });
  if (!st.ok()) return st;
  std::unique_lock<std::mutex> lock(mu_);
  mappings_ = std::move(loaded);
  for (const auto& [uuid, r] : mappings_) pending_.push_back(Snapshot(r, false));
  DeliverPending(lock);
  return eddy::Status::Ok();
}

MappingPtr Mappings::Snapshot(const MappingRecord& r, bool deleted) {
  auto s = std::make_shared<MappingSnapshot>();
  s->uuid = r.uuid;
  s->region = r.function.region;
  s->account = r.function.account;
  s->function_name = r.function.name;
  s->qualifier = r.qualifier;
  s->function_arn = r.FunctionArn();
  s->event_source_arn = r.event_source_arn;
  s->batch_size = r.batch_size;
  s->maximum_batching_window_s = r.maximum_batching_window_s;
  s->report_batch_item_failures = r.report_batch_item_failures;
  s->maximum_concurrency = r.maximum_concurrency;
  s->filter_patterns = r.filter_patterns;
  s->enabled = r.enabled;
  s->deleted = deleted;
  return s;
}

std::string Mappings::UuidOfArn(std::string_view arn) {
  constexpr std::string_view kMarker = ":event-source-mapping:";
  if (!arn.starts_with("arn:aws:lambda:")) return {};
  size_t at = arn.find(kMarker);
  if (at == std::string_view::npos) return {};
  std::string_view uuid = arn.substr(at + kMarker.size());
  return IsUuid(uuid) ? std::string(uuid) : std::string();
}

// ---- Reads ----

Result<MappingRecord> Mappings::Get(const std::string& uuid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  return it->second;
}

std::vector<MappingRecord> Mappings::List(const std::string& region, const std::string& account,
                                          const std::string& event_source_arn,
                                          const std::optional<FunctionId>& function,
                                          const std::optional<std::string>& qualifier) const {
  std::vector<MappingRecord> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [uuid, r] : mappings_) {
    if (r.function.region != region || r.function.account != account) continue;
    if (!event_source_arn.empty() && r.event_source_arn != event_source_arn) continue;
    if (function && r.function.name != function->name) continue;
    if (qualifier && r.qualifier != *qualifier) continue;
    out.push_back(r);
  }
  return out;
}

std::vector<MappingPtr> Mappings::Snapshots() const {
  std::vector<MappingPtr> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [uuid, r] : mappings_) out.push_back(Snapshot(r, false));
  return out;
}

// ---- Changes ----

Status Mappings::CheckLocked(const MappingRecord& r, const std::string& except_uuid) const {
  std::optional<QueueInfo> queue = queues_ ? queues_(r.event_source_arn) : std::nullopt;
  if (!queue) {
    return InvalidParameter(
        "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
        "SQS Error Message: The specified queue does not exist.");
  }
  std::optional<int64_t> timeout = functions_ ? functions_(r.function, r.qualifier) : std::nullopt;
  if (!timeout) return InvalidParameter("Function does not exist");
  if (queue->fifo && r.batch_size > 10) {
    // [?] AWS's wording for FIFO batch sizes is unconfirmed.
    return InvalidParameter("Batch size for FIFO queues must be between 1 and 10.");
  }
  if (r.batch_size > 10 && r.maximum_batching_window_s <= 0) {
    return InvalidParameter(
        "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
  }
  if (queue->visibility_timeout_s < *timeout) {
    return InvalidParameter("Queue visibility timeout: " + std::to_string(queue->visibility_timeout_s) +
                            " seconds is less than Function timeout: " + std::to_string(*timeout) +
                            " seconds");
  }
  const std::string function_arn = r.FunctionArn();
  for (const auto& [uuid, other] : mappings_) {
    if (uuid == except_uuid || other.event_source_arn != r.event_source_arn ||
        other.FunctionArn() != function_arn) {
      continue;
    }
    std::string shown = r.function.name;
    if (!r.qualifier.empty()) shown += ":" + r.qualifier;
    return Fail(Errc::kResourceConflict,
                "An event source mapping with SQS arn (\" " + r.event_source_arn + " \") and function (\" " +
                    shown + " \") already exists. Please update or delete the existing mapping with UUID " +
                    uuid);
  }
  return {};
}

uint64_t Mappings::PersistLocked(const MappingRecord& r, bool deleted) {
  if (deleted) return store_.Append(store::DeleteMeta{DocKey(r.uuid)});
  return store_.Append(store::PutMeta{DocKey(r.uuid), Encode(r)});
}

void Mappings::Notify(std::unique_lock<std::mutex>& state_lock, const MappingRecord& r, bool deleted) {
  pending_.push_back(Snapshot(r, deleted));
  DeliverPending(state_lock);
}

void Mappings::DeliverPending(std::unique_lock<std::mutex>& state_lock) {
  if (delivering_) return;  // that thread delivers ours too, in order
  delivering_ = true;
  while (!pending_.empty()) {
    MappingPtr next = std::move(pending_.front());
    pending_.pop_front();
    std::function<void(const MappingPtr&)> observer = observer_;
    state_lock.unlock();
    if (observer) observer(next);
    state_lock.lock();
  }
  delivering_ = false;
}

Result<MappingChange> Mappings::Create(MappingSpec spec) {
  MappingRecord r;
  r.uuid = NewUuid();
  r.function = std::move(spec.function);
  r.qualifier = std::move(spec.qualifier);
  r.event_source_arn = std::move(spec.event_source_arn);
  r.batch_size = spec.batch_size.value_or(10);
  r.maximum_batching_window_s = spec.maximum_batching_window_s.value_or(0);
  r.report_batch_item_failures = spec.report_batch_item_failures;
  r.maximum_concurrency = spec.maximum_concurrency;
  if (spec.filter_patterns) {
    r.has_filter_criteria = true;
    r.filter_patterns = std::move(*spec.filter_patterns);
  }
  r.enabled = spec.enabled;
  r.tags = std::move(spec.tags);
  r.last_modified_ms = clock_.NowMs();

  std::unique_lock<std::mutex> lock(mu_);
  if (Status st = CheckLocked(r, ""); !st) return std::move(st).error();
  MappingChange change{r, "Creating", PersistLocked(r, false)};
  mappings_[r.uuid] = r;
  Notify(lock, r, false);
  return change;
}

Result<MappingChange> Mappings::Update(const std::string& uuid, const MappingPatch& patch) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  MappingRecord r = it->second;
  if (patch.function) {
    r.function = *patch.function;
    r.qualifier = patch.qualifier.value_or("");
  }
  if (patch.batch_size) r.batch_size = *patch.batch_size;
  if (patch.maximum_batching_window_s) r.maximum_batching_window_s = *patch.maximum_batching_window_s;
  if (patch.report_batch_item_failures) r.report_batch_item_failures = *patch.report_batch_item_failures;
  if (patch.maximum_concurrency) r.maximum_concurrency = *patch.maximum_concurrency;
  if (patch.filter_patterns) {
    r.has_filter_criteria = !patch.filter_patterns->empty();
    r.filter_patterns = *patch.filter_patterns;
  }
  std::string state = "Updating";
  if (patch.enabled && *patch.enabled != r.enabled) state = *patch.enabled ? "Enabling" : "Disabling";
  if (patch.enabled) r.enabled = *patch.enabled;
  r.last_modified_ms = clock_.NowMs();
  if (Status st = CheckLocked(r, uuid); !st) return std::move(st).error();
  MappingChange change{r, std::move(state), PersistLocked(r, false)};
  it->second = r;
  Notify(lock, r, false);
  return change;
}

Result<MappingChange> Mappings::Delete(const std::string& uuid) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  MappingRecord r = std::move(it->second);
  mappings_.erase(it);
  MappingChange change{r, "Deleting", PersistLocked(r, true)};
  Notify(lock, r, true);
  return change;
}

Result<MappingChange> Mappings::Tag(const std::string& uuid, const std::map<std::string, std::string>& tags) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  for (const auto& [k, v] : tags) it->second.tags[k] = v;
  return MappingChange{it->second, it->second.SettledState(), PersistLocked(it->second, false)};
}

Result<MappingChange> Mappings::Untag(const std::string& uuid, const std::vector<std::string>& keys) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return MappingNotFound();
  for (const std::string& k : keys) it->second.tags.erase(k);
  return MappingChange{it->second, it->second.SettledState(), PersistLocked(it->second, false)};
}

void Mappings::RecordProcessingResult(const std::string& uuid, std::string result) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it != mappings_.end()) it->second.last_processing_result = std::move(result);
}

}  // namespace eddy::lambda
