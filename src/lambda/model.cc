#include "lambda/model.h"

#include <time.h>

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

namespace eddy::lambda {
namespace json = boost::json;

bool VersionConfig::SameCodeAndConfig(const VersionConfig& o) const {
  return runtime == o.runtime && role == o.role && handler == o.handler &&
         timeout_s == o.timeout_s && memory_mb == o.memory_mb &&
         ephemeral_storage_mb == o.ephemeral_storage_mb && has_environment == o.has_environment &&
         environment == o.environment && dead_letter_arn == o.dead_letter_arn &&
         kms_key_arn == o.kms_key_arn && tracing_mode == o.tracing_mode &&
         architecture == o.architecture && log_format == o.log_format && log_group == o.log_group &&
         application_log_level == o.application_log_level &&
         system_log_level == o.system_log_level && code_sha256 == o.code_sha256;
}

const VersionConfig* Function::FindVersion(std::string_view version) const {
  if (version == kLatest) return &latest;
  if (!IsVersionNumber(version) || version.size() > 18) return nullptr;
  auto it = versions.find(std::stoll(std::string(version)));
  return it == versions.end() ? nullptr : &it->second;
}

const AliasConfig* Function::FindAlias(std::string_view name) const {
  auto it = aliases.find(std::string(name));
  return it == aliases.end() ? nullptr : &it->second;
}

std::shared_ptr<const FunctionSpec> Function::SpecOf(std::string_view version) const {
  if (version == kLatest) return latest_spec;
  if (!IsVersionNumber(version) || version.size() > 18) return nullptr;
  auto it = version_specs.find(std::stoll(std::string(version)));
  return it == version_specs.end() ? nullptr : it->second;
}

std::string Function::LogGroup(const VersionConfig& v) const {
  return v.log_group.empty() ? "/aws/lambda/" + id.name : v.log_group;
}

namespace {

std::shared_ptr<const FunctionSpec> BuildSpec(const Function& f, const VersionConfig& v,
                                              const std::string& tasks_dir) {
  auto spec = std::make_shared<FunctionSpec>();
  spec->region = f.id.region;
  spec->account = f.id.account;
  spec->name = f.id.name;
  spec->version = v.version;
  spec->unqualified_arn = f.id.Arn();
  spec->runtime = v.runtime;
  spec->handler = v.handler;
  spec->timeout_s = v.timeout_s;
  spec->memory_mb = v.memory_mb;
  spec->ephemeral_storage_mb = v.ephemeral_storage_mb;
  spec->environment = v.environment;
  std::sort(spec->environment.begin(), spec->environment.end());
  spec->code_dir = tasks_dir + "/" + v.code_hex;
  spec->code_sha256 = v.code_sha256;
  spec->config_id = v.config_id;
  spec->dead_letter_arn = v.dead_letter_arn;
  spec->log_group = f.LogGroup(v);
  return spec;
}

json::object EncodeVersion(const VersionConfig& v) {
  json::object o;
  o["version"] = v.version;
  o["runtime"] = v.runtime;
  o["role"] = v.role;
  o["handler"] = v.handler;
  o["description"] = v.description;
  o["timeout"] = v.timeout_s;
  o["memory"] = v.memory_mb;
  o["ephemeral"] = v.ephemeral_storage_mb;
  if (v.has_environment) {
    json::array env;
    for (const auto& [k, val] : v.environment) env.push_back(json::array{json::string(k), json::string(val)});
    o["environment"] = std::move(env);
  }
  o["dlq"] = v.dead_letter_arn;
  o["kms"] = v.kms_key_arn;
  o["tracing"] = v.tracing_mode;
  o["arch"] = v.architecture;
  o["log_format"] = v.log_format;
  o["log_group"] = v.log_group;
  o["app_log_level"] = v.application_log_level;
  o["sys_log_level"] = v.system_log_level;
  o["code_sha256"] = v.code_sha256;
  o["code_hex"] = v.code_hex;
  o["code_size"] = v.code_size;
  o["modified"] = v.last_modified_ms;
  o["revision"] = v.revision_id;
  o["config_id"] = v.config_id;
  return o;
}

// Readers that tolerate missing members (older documents) but not wrong types.
struct Reader {
  const json::object& o;
  bool ok = true;
  std::string Str(std::string_view k) {
    const json::value* v = o.if_contains(k);
    if (v == nullptr) return {};
    if (!v->is_string()) { ok = false; return {}; }
    return std::string(v->get_string());
  }
  int64_t Int(std::string_view k, int64_t def = 0) {
    const json::value* v = o.if_contains(k);
    if (v == nullptr) return def;
    if (!v->is_int64()) { ok = false; return def; }
    return v->get_int64();
  }
};

bool DecodeVersion(const json::value& value, VersionConfig* v) {
  if (!value.is_object()) return false;
  Reader r{value.get_object()};
  v->version = r.Str("version");
  v->runtime = r.Str("runtime");
  v->role = r.Str("role");
  v->handler = r.Str("handler");
  v->description = r.Str("description");
  v->timeout_s = r.Int("timeout", 3);
  v->memory_mb = r.Int("memory", 128);
  v->ephemeral_storage_mb = r.Int("ephemeral", 512);
  if (const json::value* env = value.get_object().if_contains("environment")) {
    if (!env->is_array()) return false;
    v->has_environment = true;
    for (const json::value& kv : env->get_array()) {
      if (!kv.is_array() || kv.get_array().size() != 2 || !kv.get_array()[0].is_string() ||
          !kv.get_array()[1].is_string()) {
        return false;
      }
      v->environment.emplace_back(std::string(kv.get_array()[0].get_string()),
                                  std::string(kv.get_array()[1].get_string()));
    }
  }
  v->dead_letter_arn = r.Str("dlq");
  v->kms_key_arn = r.Str("kms");
  v->tracing_mode = r.Str("tracing");
  v->architecture = r.Str("arch");
  v->log_format = r.Str("log_format");
  v->log_group = r.Str("log_group");
  v->application_log_level = r.Str("app_log_level");
  v->system_log_level = r.Str("sys_log_level");
  v->code_sha256 = r.Str("code_sha256");
  v->code_hex = r.Str("code_hex");
  v->code_size = r.Int("code_size");
  v->last_modified_ms = r.Int("modified");
  v->revision_id = r.Str("revision");
  v->config_id = r.Str("config_id");
  return r.ok && !v->version.empty() && !v->code_hex.empty();
}

}  // namespace

void Function::RebuildSpecs(const std::string& tasks_dir) {
  latest_spec = BuildSpec(*this, latest, tasks_dir);
  version_specs.clear();
  for (const auto& [n, v] : versions) version_specs[n] = BuildSpec(*this, v, tasks_dir);
}

std::string EncodeFunction(const Function& f) {
  json::object o;
  o["region"] = f.id.region;
  o["account"] = f.id.account;
  o["name"] = f.id.name;
  o["latest"] = EncodeVersion(f.latest);
  json::array versions;
  for (const auto& [n, v] : f.versions) versions.push_back(EncodeVersion(v));
  o["versions"] = std::move(versions);
  o["last_version"] = f.last_version;
  json::array aliases;
  for (const auto& [name, a] : f.aliases) {
    json::object w;
    for (const auto& [ver, weight] : a.additional_weights) w[ver] = weight;
    aliases.push_back(json::object{{"name", a.name},
                                   {"version", a.function_version},
                                   {"description", a.description},
                                   {"revision", a.revision_id},
                                   {"weights", std::move(w)}});
  }
  o["aliases"] = std::move(aliases);
  if (f.reserved_concurrency) o["reserved"] = *f.reserved_concurrency;
  json::object provisioned;
  for (const auto& [q, p] : f.provisioned) {
    provisioned[q] = json::object{{"requested", p.requested}, {"modified", p.last_modified_ms}};
  }
  o["provisioned"] = std::move(provisioned);
  json::object event_invoke;
  for (const auto& [q, e] : f.event_invoke) {
    json::object c{{"on_success", e.on_success}, {"on_failure", e.on_failure},
                   {"modified", e.last_modified_ms}};
    if (e.maximum_retry_attempts) c["retries"] = *e.maximum_retry_attempts;
    if (e.maximum_event_age_s) c["max_age"] = *e.maximum_event_age_s;
    event_invoke[q] = std::move(c);
  }
  o["event_invoke"] = std::move(event_invoke);
  json::object policies;
  for (const auto& [q, statements] : f.policies) {
    json::array a;
    for (const PolicyStatement& s : statements) a.push_back(json::array{json::string(s.sid), json::string(s.json)});
    policies[q] = std::move(a);
  }
  o["policies"] = std::move(policies);
  json::object tags;
  for (const auto& [k, v] : f.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  return json::serialize(o);
}

bool DecodeFunction(std::string_view doc, Function* out) {
  boost::system::error_code ec;
  json::value root = json::parse(doc, ec);
  if (ec || !root.is_object()) return false;
  const json::object& o = root.get_object();
  Reader r{o};
  Function f;
  f.id.region = r.Str("region");
  f.id.account = r.Str("account");
  f.id.name = r.Str("name");
  f.last_version = r.Int("last_version");
  const json::value* latest = o.if_contains("latest");
  if (latest == nullptr || !DecodeVersion(*latest, &f.latest)) return false;
  if (const json::value* vs = o.if_contains("versions"); vs != nullptr && vs->is_array()) {
    for (const json::value& v : vs->get_array()) {
      VersionConfig c;
      if (!DecodeVersion(v, &c) || !IsVersionNumber(c.version)) return false;
      f.versions[std::stoll(c.version)] = std::move(c);
    }
  }
  if (const json::value* as = o.if_contains("aliases"); as != nullptr && as->is_array()) {
    for (const json::value& v : as->get_array()) {
      if (!v.is_object()) return false;
      Reader ar{v.get_object()};
      AliasConfig a;
      a.name = ar.Str("name");
      a.function_version = ar.Str("version");
      a.description = ar.Str("description");
      a.revision_id = ar.Str("revision");
      if (const json::value* w = v.get_object().if_contains("weights"); w != nullptr && w->is_object()) {
        for (const auto& kv : w->get_object()) {
          if (!kv.value().is_number()) return false;
          a.additional_weights[std::string(kv.key())] = kv.value().to_number<double>();
        }
      }
      if (!ar.ok || a.name.empty()) return false;
      f.aliases[a.name] = std::move(a);
    }
  }
  if (o.contains("reserved")) f.reserved_concurrency = r.Int("reserved");
  if (const json::value* ps = o.if_contains("provisioned"); ps != nullptr && ps->is_object()) {
    for (const auto& kv : ps->get_object()) {
      if (!kv.value().is_object()) return false;
      Reader pr{kv.value().get_object()};
      f.provisioned[std::string(kv.key())] = {pr.Int("requested"), pr.Int("modified")};
      if (!pr.ok) return false;
    }
  }
  if (const json::value* es = o.if_contains("event_invoke"); es != nullptr && es->is_object()) {
    for (const auto& kv : es->get_object()) {
      if (!kv.value().is_object()) return false;
      const json::object& c = kv.value().get_object();
      Reader er{c};
      EventInvokeConfig e;
      if (c.contains("retries")) e.maximum_retry_attempts = er.Int("retries");
      if (c.contains("max_age")) e.maximum_event_age_s = er.Int("max_age");
      e.on_success = er.Str("on_success");
      e.on_failure = er.Str("on_failure");
      e.last_modified_ms = er.Int("modified");
      if (!er.ok) return false;
      f.event_invoke[std::string(kv.key())] = std::move(e);
    }
  }
  if (const json::value* ps = o.if_contains("policies"); ps != nullptr && ps->is_object()) {
    for (const auto& kv : ps->get_object()) {
      if (!kv.value().is_array()) return false;
      auto& list = f.policies[std::string(kv.key())];
      for (const json::value& s : kv.value().get_array()) {
        if (!s.is_array() || s.get_array().size() != 2 || !s.get_array()[0].is_string() ||
            !s.get_array()[1].is_string()) {
          return false;
        }
        list.push_back({std::string(s.get_array()[0].get_string()),
                        std::string(s.get_array()[1].get_string())});
      }
    }
  }
  if (const json::value* ts = o.if_contains("tags"); ts != nullptr && ts->is_object()) {
    for (const auto& kv : ts->get_object()) {
      if (!kv.value().is_string()) return false;
      f.tags[std::string(kv.key())] = std::string(kv.value().get_string());
    }
  }
  if (!r.ok || f.id.name.empty() || f.id.region.empty() || f.id.account.empty()) return false;
  *out = std::move(f);
  return true;
}

std::string FunctionDocKey(const FunctionId& id) {
  return std::string(kFunctionDocPrefix) + id.region + "/" + id.account + "/" + id.name;
}

std::string FormatLastModified(int64_t epoch_ms) {
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           static_cast<int>(epoch_ms % 1000));
  return buf;
}

}  // namespace eddy::lambda
