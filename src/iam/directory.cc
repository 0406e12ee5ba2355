#include "iam/directory.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/log.h"

namespace eddy::iam {
namespace {

namespace json = boost::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsJsonObject(std::string_view document) {
  boost::system::error_code ec;
  json::value v = json::parse(document, ec);
  return !ec && v.is_object();
}

// Permission policies (inline and managed) and trust policies are worded differently [AWS-observed].
Status CheckPermissionPolicy(std::string_view document) {
  if (!IsJsonObject(document)) return Fail(Errc::kMalformedPolicyDocument, "Syntax errors in policy.");
  return {};
}

Status CheckTrustPolicy(std::string_view document) {
  if (!IsJsonObject(document)) {
    return Fail(Errc::kMalformedPolicyDocument, "This policy contains invalid Json");
  }
  if (detail::PolicySize(document) > Directory::kTrustPolicySize) {
    return Fail(Errc::kLimitExceeded,
                "Cannot exceed quota for ACLSizePerRole: " + std::to_string(Directory::kTrustPolicySize));
  }
  return {};
}

// Merges `added` into `tags` (keys compare regardless of case; a new value replaces the old one).
void MergeTags(std::vector<Tag>* tags, const std::vector<Tag>& added) {
  for (const Tag& t : added) {
    auto it = std::find_if(tags->begin(), tags->end(),
                           [&](const Tag& old) { return Lower(old.key) == Lower(t.key); });
    if (it != tags->end()) {
      it->value = t.value;
    } else {
      tags->push_back(t);
    }
  }
}

Status CheckDistinctTagKeys(const std::vector<Tag>& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    for (size_t j = i + 1; j < tags.size(); ++j) {
      if (Lower(tags[i].key) == Lower(tags[j].key)) {
        return Fail(Errc::kInvalidInput,
                    "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
      }
    }
  }
  return {};
}

// [?] AWS's wording for more than 50 tags on one role or policy is unconfirmed.
Status CheckTagCount(const std::vector<Tag>& tags, std::string_view entity) {
  if (tags.size() > Directory::kTagsPerEntity) {
    return Fail(Errc::kLimitExceeded, "Cannot exceed quota for TagsPer" + std::string(entity) + ": " +
                                          std::to_string(Directory::kTagsPerEntity));
  }
  return {};
}

// ---- Persistence ----

json::array EncodeTags(const std::vector<Tag>& tags) {
  json::array out;
  for (const Tag& t : tags) out.push_back(json::array{json::string(t.key), json::string(t.value)});
  return out;
}

bool DecodeTags(const json::object& o, std::vector<Tag>* tags) {
  const json::value* v = o.if_contains("tags");
  if (v == nullptr) return true;
  if (!v->is_array()) return false;
  for (const json::value& e : v->get_array()) {
    if (!e.is_array() || e.get_array().size() != 2 || !e.get_array()[0].is_string() ||
        !e.get_array()[1].is_string()) {
      return false;
    }
    tags->push_back({std::string(e.get_array()[0].get_string()), std::string(e.get_array()[1].get_string())});
  }
  return true;
}

struct Reader {
  const json::object& o;
  bool Str(std::string_view k, std::string* out) const {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_string()) return false;
    *out = std::string(x->get_string());
    return true;
  }
  bool OptStr(std::string_view k, std::optional<std::string>* out) const {
    const json::value* x = o.if_contains(k);
    if (x == nullptr) return true;
    if (!x->is_string()) return false;
    *out = std::string(x->get_string());
    return true;
  }
  bool Num(std::string_view k, int64_t* out) const {
    const json::value* x = o.if_contains(k);
    if (x == nullptr || !x->is_int64()) return false;
    *out = x->get_int64();
    return true;
  }
};

}  // namespace

namespace detail {

size_t PolicySize(std::string_view document) {
  return static_cast<size_t>(std::count_if(document.begin(), document.end(), [](char c) {
    return c != ' ' && c != '\t' && c != '\n' && c != '\r';
  }));
}

std::string NewUniqueId(std::string_view prefix) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // 32: no bias
  std::string random = RandomBytes(17);
  std::string out(prefix);
  for (char c : random) out.push_back(kAlphabet[static_cast<unsigned char>(c) % kAlphabet.size()]);
  return out;
}

std::string EncodeRole(const RoleRecord& r) {
  json::object o;
  o["account"] = r.account;
  o["name"] = r.name;
  o["path"] = r.path;
  o["id"] = r.id;
  o["created_ms"] = r.create_ms;
  o["trust"] = r.assume_role_policy;
  if (r.description) o["description"] = *r.description;
  o["max_session_s"] = r.max_session_duration_s;
  o["tags"] = EncodeTags(r.tags);
  json::array inline_policies;
  for (const auto& [key, p] : r.inline_policies) {
    inline_policies.push_back(json::array{json::string(p.name), json::string(p.document)});
  }
  o["inline"] = std::move(inline_policies);
  json::array attached;
  for (const std::string& arn : r.attached_policy_arns) attached.emplace_back(arn);
  o["attached"] = std::move(attached);
  return json::serialize(o);
}

bool DecodeRole(std::string_view doc, RoleRecord* r) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return false;
  const json::object& o = v.get_object();
  Reader in{o};
  if (!in.Str("account", &r->account) || !in.Str("name", &r->name) || !in.Str("path", &r->path) ||
      !in.Str("id", &r->id) || !in.Num("created_ms", &r->create_ms) ||
      !in.Str("trust", &r->assume_role_policy) || !in.OptStr("description", &r->description) ||
      !in.Num("max_session_s", &r->max_session_duration_s) || !DecodeTags(o, &r->tags)) {
    return false;
  }
  if (const json::value* x = o.if_contains("inline")) {
    if (!x->is_array()) return false;
    for (const json::value& e : x->get_array()) {
      if (!e.is_array() || e.get_array().size() != 2 || !e.get_array()[0].is_string() ||
          !e.get_array()[1].is_string()) {
        return false;
      }
      InlinePolicy p{std::string(e.get_array()[0].get_string()), std::string(e.get_array()[1].get_string())};
      r->inline_policies[Lower(p.name)] = std::move(p);
    }
  }
  if (const json::value* x = o.if_contains("attached")) {
    if (!x->is_array()) return false;
    for (const json::value& e : x->get_array()) {
      if (!e.is_string()) return false;
      r->attached_policy_arns.emplace_back(e.get_string());
    }
  }
  return true;
}

std::string EncodePolicy(const PolicyRecord& p) {
  json::object o;
  o["account"] = p.account;
  o["name"] = p.name;
  o["path"] = p.path;
  o["id"] = p.id;
  o["document"] = p.document;
  if (p.description) o["description"] = *p.description;
  o["created_ms"] = p.create_ms;
  o["updated_ms"] = p.update_ms;
  o["tags"] = EncodeTags(p.tags);
  return json::serialize(o);
}

bool DecodePolicy(std::string_view doc, PolicyRecord* p) {
  boost::system::error_code ec;
  json::value v = json::parse(doc, ec);
  if (ec || !v.is_object()) return false;
  const json::object& o = v.get_object();
  Reader in{o};
  return in.Str("account", &p->account) && in.Str("name", &p->name) && in.Str("path", &p->path) &&
         in.Str("id", &p->id) && in.Str("document", &p->document) &&
         in.OptStr("description", &p->description) && in.Num("created_ms", &p->create_ms) &&
         in.Num("updated_ms", &p->update_ms) && DecodeTags(o, &p->tags);
}

}  // namespace detail

std::optional<PolicyArn> ParsePolicyArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!arn.starts_with(kPrefix)) return std::nullopt;
  arn.remove_prefix(kPrefix.size());
  size_t colon = arn.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view account = arn.substr(0, colon);
  const bool digits = account.size() == 12 && std::all_of(account.begin(), account.end(),
                                                          [](char c) { return c >= '0' && c <= '9'; });
  if (!digits && account != "aws") return std::nullopt;
  std::string_view resource = arn.substr(colon + 1);
  constexpr std::string_view kPolicy = "policy/";
  if (!resource.starts_with(kPolicy)) return std::nullopt;
  std::string_view path_and_name = resource.substr(kPolicy.size() - 1);  // keeps the leading '/'
  size_t last = path_and_name.rfind('/');
  std::string_view name = path_and_name.substr(last + 1);
  if (name.empty()) return std::nullopt;
  return PolicyArn{std::string(account), std::string(path_and_name.substr(0, last + 1)), std::string(name)};
}

Directory::Directory(const Clock& clock, store::MessageStore& store) : clock_(clock), store_(store) {}

Directory::Key Directory::KeyOf(const std::string& account, std::string_view name) {
  return {account, Lower(name)};
}

eddy::Status Directory::Recover() {
  std::map<Key, RoleRecord> roles;
  std::map<Key, PolicyRecord> policies;
  eddy::Status st =
      store_.LoadMeta(std::string(kDocPrefix), [&](const std::string& key, const std::string& doc) {
        if (key.starts_with("iam/role/")) {
          RoleRecord r;
          if (!detail::DecodeRole(doc, &r)) {
            log::Warn("skipping an unreadable IAM role document: " + key);
            return;
          }
          Key k = KeyOf(r.account, r.name);
          roles[k] = std::move(r);
        } else if (key.starts_with("iam/policy/")) {
          PolicyRecord p;
          if (!detail::DecodePolicy(doc, &p)) {
            log::Warn("skipping an unreadable IAM policy document: " + key);
            return;
          }
          Key k = KeyOf(p.account, p.name);
          policies[k] = std::move(p);
        }
      });
  if (!st.ok()) return st;
  std::lock_guard<std::mutex> lock(mu_);
  roles_ = std::move(roles);
  policies_ = std::move(policies);
  return eddy::Status::Ok();
}

uint64_t Directory::PersistRoleLocked(const RoleRecord& r, bool deleted) {
  std::string key = std::string(kDocPrefix) + "role/" + r.account + "/" + Lower(r.name);
  last_ticket_ = deleted ? store_.Append(store::DeleteMeta{std::move(key)})
                         : store_.Append(store::PutMeta{std::move(key), detail::EncodeRole(r)});
  return last_ticket_;
}

uint64_t Directory::PersistPolicyLocked(const PolicyRecord& p, bool deleted) {
  std::string key = std::string(kDocPrefix) + "policy/" + p.account + "/" + Lower(p.name);
  last_ticket_ = deleted ? store_.Append(store::DeleteMeta{std::move(key)})
                         : store_.Append(store::PutMeta{std::move(key), detail::EncodePolicy(p)});
  return last_ticket_;
}

Result<RoleRecord*> Directory::FindRoleLocked(const std::string& account, const std::string& name) {
  auto it = roles_.find(KeyOf(account, name));
  if (it == roles_.end()) return NoSuchRole(name);
  return &it->second;
}

const PolicyRecord* Directory::FindPolicyLocked(const std::string& account, const std::string& arn) const {
  std::optional<PolicyArn> parsed = ParsePolicyArn(arn);
  if (!parsed || parsed->account != account) return nullptr;
  auto it = policies_.find(KeyOf(account, parsed->name));
  if (it == policies_.end() || it->second.path != parsed->path || it->second.name != parsed->name) {
    return nullptr;
  }
  return &it->second;
}

int64_t Directory::AttachmentCountLocked(const std::string& account, const std::string& arn) const {
  int64_t n = 0;
  for (auto it = roles_.lower_bound({account, ""}); it != roles_.end() && it->first.first == account; ++it) {
    const auto& attached = it->second.attached_policy_arns;
    n += std::count(attached.begin(), attached.end(), arn);
  }
  return n;
}

// ---- Roles ----

Result<Change<RoleRecord>> Directory::CreateRole(RoleSpec spec) {
  if (Status st = CheckTrustPolicy(spec.assume_role_policy); !st) return std::move(st).error();
  if (Status st = CheckDistinctTagKeys(spec.tags); !st) return std::move(st).error();
  if (Status st = CheckTagCount(spec.tags, "Role"); !st) return std::move(st).error();
  RoleRecord r;
  r.account = std::move(spec.account);
  r.name = std::move(spec.name);
  r.path = std::move(spec.path);
  r.id = detail::NewUniqueId("AROA");
  r.create_ms = clock_.NowMs();
  r.assume_role_policy = std::move(spec.assume_role_policy);
  r.description = std::move(spec.description);
  r.max_session_duration_s = spec.max_session_duration_s;
  r.tags = std::move(spec.tags);

  std::lock_guard<std::mutex> lock(mu_);
  Key key = KeyOf(r.account, r.name);
  if (roles_.count(key) != 0) {
    return Fail(Errc::kEntityAlreadyExists, "Role with name " + r.name + " already exists.");
  }
  uint64_t ticket = PersistRoleLocked(r, false);
  roles_[key] = r;
  return Change<RoleRecord>{std::move(r), ticket};
}

Result<RoleRecord> Directory::GetRole(const std::string& account, const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = roles_.find(KeyOf(account, name));
  if (it == roles_.end()) return NoSuchRole(name);
  return it->second;
}

Result<Change<RoleRecord>> Directory::DeleteRole(const std::string& account, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = roles_.find(KeyOf(account, name));
  if (it == roles_.end()) return NoSuchRole(name);
  if (!it->second.inline_policies.empty()) {
    return Fail(Errc::kDeleteConflict, "Cannot delete entity, must delete policies first.");
  }
  if (!it->second.attached_policy_arns.empty()) {
    return Fail(Errc::kDeleteConflict, "Cannot delete entity, must detach all policies first.");
  }
  RoleRecord r = std::move(it->second);
  roles_.erase(it);
  uint64_t ticket = PersistRoleLocked(r, true);
  return Change<RoleRecord>{std::move(r), ticket};
}

std::vector<RoleRecord> Directory::ListRoles(const std::string& account,
                                             const std::string& path_prefix) const {
  std::vector<RoleRecord> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = roles_.lower_bound({account, ""}); it != roles_.end() && it->first.first == account; ++it) {
    if (it->second.path.starts_with(path_prefix)) out.push_back(it->second);
  }
  return out;
}

Result<Change<RoleRecord>> Directory::UpdateAssumeRolePolicy(const std::string& account,
                                                             const std::string& name, std::string document) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, name);
  if (!r) return std::move(r).error();
  if (Status st = CheckTrustPolicy(document); !st) return std::move(st).error();
  (*r)->assume_role_policy = std::move(document);
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

Result<Change<RoleRecord>> Directory::UpdateRole(const std::string& account, const std::string& name,
                                                 std::optional<std::string> description,
                                                 std::optional<int64_t> max_session_duration_s) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, name);
  if (!r) return std::move(r).error();
  if (description) (*r)->description = std::move(*description);
  if (max_session_duration_s) (*r)->max_session_duration_s = *max_session_duration_s;
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

Result<Change<RoleRecord>> Directory::TagRole(const std::string& account, const std::string& name,
                                              const std::vector<Tag>& tags) {
  if (Status st = CheckDistinctTagKeys(tags); !st) return std::move(st).error();
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, name);
  if (!r) return std::move(r).error();
  std::vector<Tag> merged = (*r)->tags;
  MergeTags(&merged, tags);
  if (Status st = CheckTagCount(merged, "Role"); !st) return std::move(st).error();
  (*r)->tags = std::move(merged);
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

Result<Change<RoleRecord>> Directory::UntagRole(const std::string& account, const std::string& name,
                                                const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, name);
  if (!r) return std::move(r).error();
  for (const std::string& k : keys) {
    std::erase_if((*r)->tags, [&](const Tag& t) { return Lower(t.key) == Lower(k); });
  }
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

// ---- Inline role policies ----

Result<Change<RoleRecord>> Directory::PutRolePolicy(const std::string& account, const std::string& role,
                                                    const std::string& policy_name, std::string document) {
  if (Status st = CheckPermissionPolicy(document); !st) return std::move(st).error();
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, role);
  if (!r) return std::move(r).error();
  const std::string key = Lower(policy_name);
  size_t total = detail::PolicySize(document);
  for (const auto& [k, p] : (*r)->inline_policies) {
    if (k != key) total += detail::PolicySize(p.document);
  }
  if (total > kInlinePoliciesSizePerRole) {
    return Fail(Errc::kLimitExceeded, "Maximum policy size of " + std::to_string(kInlinePoliciesSizePerRole) +
                                          " bytes exceeded for role " + (*r)->name);
  }
  InlinePolicy& slot = (*r)->inline_policies[key];
  if (slot.name.empty()) slot.name = policy_name;
  slot.document = std::move(document);
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

Result<InlinePolicy> Directory::GetRolePolicy(const std::string& account, const std::string& role,
                                              const std::string& policy_name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = roles_.find(KeyOf(account, role));
  if (it == roles_.end()) return NoSuchRole(role);
  auto p = it->second.inline_policies.find(Lower(policy_name));
  if (p == it->second.inline_policies.end()) return NoSuchRolePolicy(policy_name);
  return p->second;
}

Result<Change<RoleRecord>> Directory::DeleteRolePolicy(const std::string& account, const std::string& role,
                                                       const std::string& policy_name) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, role);
  if (!r) return std::move(r).error();
  if ((*r)->inline_policies.erase(Lower(policy_name)) == 0) return NoSuchRolePolicy(policy_name);
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

// ---- Managed policies ----

Result<Change<PolicyRecord>> Directory::CreatePolicy(PolicySpec spec) {
  if (Status st = CheckPermissionPolicy(spec.document); !st) return std::move(st).error();
  if (detail::PolicySize(spec.document) > kManagedPolicySize) {
    return Fail(Errc::kLimitExceeded,
                "Cannot exceed quota for PolicySize: " + std::to_string(kManagedPolicySize));
  }
  if (Status st = CheckDistinctTagKeys(spec.tags); !st) return std::move(st).error();
  if (Status st = CheckTagCount(spec.tags, "Policy"); !st) return std::move(st).error();
  PolicyRecord p;
  p.account = std::move(spec.account);
  p.name = std::move(spec.name);
  p.path = std::move(spec.path);
  p.id = detail::NewUniqueId("ANPA");
  p.document = std::move(spec.document);
  p.description = std::move(spec.description);
  p.create_ms = p.update_ms = clock_.NowMs();
  p.tags = std::move(spec.tags);

  std::lock_guard<std::mutex> lock(mu_);
  Key key = KeyOf(p.account, p.name);
  if (policies_.count(key) != 0) {
    return Fail(Errc::kEntityAlreadyExists,
                "A policy called " + p.name + " already exists. Duplicate names are not allowed.");
  }
  uint64_t ticket = PersistPolicyLocked(p, false);
  policies_[key] = p;
  return Change<PolicyRecord>{std::move(p), ticket};
}

Result<PolicyRecord> Directory::GetPolicy(const std::string& account, const std::string& arn) const {
  if (!ParsePolicyArn(arn)) return InvalidArn(arn);
  std::lock_guard<std::mutex> lock(mu_);
  const PolicyRecord* p = FindPolicyLocked(account, arn);
  if (p == nullptr) return NoSuchPolicy(arn);
  PolicyRecord out = *p;
  out.attachment_count = AttachmentCountLocked(account, arn);
  return out;
}

Result<Change<PolicyRecord>> Directory::DeletePolicy(const std::string& account, const std::string& arn) {
  if (!ParsePolicyArn(arn)) return InvalidArn(arn);
  std::lock_guard<std::mutex> lock(mu_);
  const PolicyRecord* p = FindPolicyLocked(account, arn);
  if (p == nullptr) return NoSuchPolicy(arn);
  if (AttachmentCountLocked(account, arn) > 0) {
    return Fail(Errc::kDeleteConflict, "Cannot delete a policy attached to entities.");
  }
  auto it = policies_.find(KeyOf(account, p->name));
  PolicyRecord removed = std::move(it->second);
  policies_.erase(it);
  uint64_t ticket = PersistPolicyLocked(removed, true);
  return Change<PolicyRecord>{std::move(removed), ticket};
}

std::vector<PolicyRecord> Directory::ListPolicies(const std::string& account,
                                                  const PolicyFilter& filter) const {
  std::vector<PolicyRecord> out;
  if (filter.scope == "AWS") return out;  // no catalogue of AWS managed policies
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = policies_.lower_bound({account, ""}); it != policies_.end() && it->first.first == account;
       ++it) {
    if (!it->second.path.starts_with(filter.path_prefix)) continue;
    PolicyRecord p = it->second;
    p.attachment_count = AttachmentCountLocked(account, p.Arn());
    if (filter.only_attached && p.attachment_count == 0) continue;
    out.push_back(std::move(p));
  }
  return out;
}

Result<Change<RoleRecord>> Directory::AttachRolePolicy(const std::string& account, const std::string& role,
                                                       const std::string& policy_arn) {
  std::optional<PolicyArn> parsed = ParsePolicyArn(policy_arn);
  if (!parsed) return InvalidArn(policy_arn);
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, role);
  if (!r) return std::move(r).error();
  if (parsed->account != "aws" && FindPolicyLocked(account, policy_arn) == nullptr) {
    return NoSuchPolicy(policy_arn);
  }
  std::vector<std::string>& attached = (*r)->attached_policy_arns;
  if (std::find(attached.begin(), attached.end(), policy_arn) != attached.end()) {
    return Change<RoleRecord>{**r, last_ticket_};  // already attached: nothing changes
  }
  if (attached.size() >= kManagedPoliciesPerRole) {
    return Fail(Errc::kLimitExceeded,
                "Cannot exceed quota for PoliciesPerRole: " + std::to_string(kManagedPoliciesPerRole));
  }
  attached.push_back(policy_arn);
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

Result<Change<RoleRecord>> Directory::DetachRolePolicy(const std::string& account, const std::string& role,
                                                       const std::string& policy_arn) {
  if (!ParsePolicyArn(policy_arn)) return InvalidArn(policy_arn);
  std::lock_guard<std::mutex> lock(mu_);
  Result<RoleRecord*> r = FindRoleLocked(account, role);
  if (!r) return std::move(r).error();
  std::vector<std::string>& attached = (*r)->attached_policy_arns;
  auto it = std::find(attached.begin(), attached.end(), policy_arn);
  if (it == attached.end()) {
    // [?] AWS's wording when the policy is not attached to the role is unconfirmed.
    return Fail(Errc::kNoSuchEntity, "Policy " + policy_arn + " was not found.");
  }
  attached.erase(it);
  return Change<RoleRecord>{**r, PersistRoleLocked(**r, false)};
}

}  // namespace eddy::iam
