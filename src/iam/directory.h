#pragma once
// Directory: the IAM roles and customer managed policies of every account, and the rules that change
// them. IAM is global: nothing here has a region. No HTTP: the API layer checks the model's
// constraints (name patterns, lengths, ranges) and renders what it gets back; the Directory applies
// the service's own rules (existence, uniqueness, conflicts, quotas, policy documents are JSON).
//
// Names: role and managed policy names are unique per account regardless of case, and found
// regardless of case (AWS: "Role names are not distinguished by case"); records keep the spelling
// they were created with.
//
// State: one record per role (its inline policies, attached policy ARNs and tags inside it) and per
// managed policy, under one mutex. Every change appends the record's whole JSON document
// (`iam/role/<account>/<lower name>`, `iam/policy/<account>/<lower name>`) to the store's meta table
// while holding the lock, and returns the store ticket: callers answer only once it is durable.
// Recover() reads the documents back.
//
// Nothing is enforced: Eddy verifies no signatures and evaluates no policies; roles and policies are
// stored so that deploy scripts run unchanged and read back what they wrote.
//
// Thread-safety: every public method may be called from any thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "iam/errors.h"
#include "store/message_store.h"

namespace eddy::iam {

struct Tag {
  std::string key;
  std::string value;
};

struct InlinePolicy {
  std::string name;
  std::string document;  // as given
};

struct RoleRecord {
  std::string account;
  std::string name;
  std::string path = "/";
  std::string id;  // "AROA" + 17 upper-case alphanumerics
  int64_t create_ms = 0;
  std::string assume_role_policy;  // the trust policy, as given
  std::optional<std::string> description;
  int64_t max_session_duration_s = 3600;
  std::vector<Tag> tags;                                // in the order they were added
  std::map<std::string, InlinePolicy> inline_policies;  // by lower-case name
  std::vector<std::string> attached_policy_arns;        // in the order they were attached

  std::string Arn() const { return "arn:aws:iam::" + account + ":role" + path + name; }
};

struct PolicyRecord {
  std::string account;
  std::string name;
  std::string path = "/";
  std::string id;        // "ANPA" + 17 upper-case alphanumerics
  std::string document;  // version v1, the only (and default) one
  std::optional<std::string> description;
  int64_t create_ms = 0;
  int64_t update_ms = 0;
  std::vector<Tag> tags;
  int64_t attachment_count = 0;  // computed when read: roles of the account it is attached to

  std::string Arn() const { return "arn:aws:iam::" + account + ":policy" + path + name; }
};

// A managed policy ARN taken apart: `account` is "aws" for AWS managed policies.
struct PolicyArn {
  std::string account;
  std::string path;  // "/" or "/a/b/"
  std::string name;
};
// nullopt unless `arn` is "arn:aws:iam::<12 digits or aws>:policy<path><name>".
std::optional<PolicyArn> ParsePolicyArn(std::string_view arn);

struct RoleSpec {
  std::string account;
  std::string name;
  std::string path = "/";
  std::string assume_role_policy;
  std::optional<std::string> description;
  int64_t max_session_duration_s = 3600;
  std::vector<Tag> tags;
};

struct PolicySpec {
  std::string account;
  std::string name;
  std::string path = "/";
  std::string document;
  std::optional<std::string> description;
  std::vector<Tag> tags;
};

// A committed change: the record afterwards (before, for deletes) and the store ticket to wait for.
template <typename T>
struct Change {
  T record;
  uint64_t ticket = 0;
};

// Which managed policies ListPolicies shows.
struct PolicyFilter {
  std::string scope = "All";  // All | AWS | Local (only customer managed policies exist here)
  bool only_attached = false;
  std::string path_prefix = "/";
};

class Directory {
 public:
  // AWS's default quotas.
  static constexpr size_t kManagedPoliciesPerRole = 10;
  static constexpr size_t kTrustPolicySize = 2048;  // ACLSizePerRole
  static constexpr size_t kInlinePoliciesSizePerRole = 10240;
  static constexpr size_t kManagedPolicySize = 6144;  // PolicySize
  static constexpr size_t kTagsPerEntity = 50;

  static constexpr std::string_view kDocPrefix = "iam/";

  Directory(const Clock& clock, store::MessageStore& store);
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  // Loads the persisted roles and policies. Call once, before the first request.
  eddy::Status Recover();

  // ---- Roles ----
  Result<Change<RoleRecord>> CreateRole(RoleSpec spec);
  Result<RoleRecord> GetRole(const std::string& account, const std::string& name) const;
  Result<Change<RoleRecord>> DeleteRole(const std::string& account, const std::string& name);
  // Sorted by name (case-insensitively); only those whose path starts with `path_prefix`.
  std::vector<RoleRecord> ListRoles(const std::string& account, const std::string& path_prefix) const;
  Result<Change<RoleRecord>> UpdateAssumeRolePolicy(const std::string& account, const std::string& name,
                                                    std::string document);
  // Unset = unchanged.
  Result<Change<RoleRecord>> UpdateRole(const std::string& account, const std::string& name,
                                        std::optional<std::string> description,
                                        std::optional<int64_t> max_session_duration_s);
  // Adds or replaces (keys compare regardless of case, as AWS does).
  Result<Change<RoleRecord>> TagRole(const std::string& account, const std::string& name,
                                     const std::vector<Tag>& tags);
  Result<Change<RoleRecord>> UntagRole(const std::string& account, const std::string& name,
                                       const std::vector<std::string>& keys);

  // ---- Inline role policies ----
  Result<Change<RoleRecord>> PutRolePolicy(const std::string& account, const std::string& role,
                                           const std::string& policy_name, std::string document);
  Result<InlinePolicy> GetRolePolicy(const std::string& account, const std::string& role,
                                     const std::string& policy_name) const;
  Result<Change<RoleRecord>> DeleteRolePolicy(const std::string& account, const std::string& role,
                                              const std::string& policy_name);

  // ---- Managed policies ----
  Result<Change<PolicyRecord>> CreatePolicy(PolicySpec spec);
  Result<PolicyRecord> GetPolicy(const std::string& account, const std::string& arn) const;
  Result<Change<PolicyRecord>> DeletePolicy(const std::string& account, const std::string& arn);
  // Sorted by name (case-insensitively).
  std::vector<PolicyRecord> ListPolicies(const std::string& account, const PolicyFilter& filter) const;

  // AWS managed policies (arn:aws:iam::aws:policy/...) are accepted without checking they exist.
  Result<Change<RoleRecord>> AttachRolePolicy(const std::string& account, const std::string& role,
                                              const std::string& policy_arn);
  Result<Change<RoleRecord>> DetachRolePolicy(const std::string& account, const std::string& role,
                                              const std::string& policy_arn);

 private:
  using Key = std::pair<std::string, std::string>;  // account, lower-case name

  static Key KeyOf(const std::string& account, std::string_view name);
  Result<RoleRecord*> FindRoleLocked(const std::string& account, const std::string& name);
  const PolicyRecord* FindPolicyLocked(const std::string& account, const std::string& arn) const;
  int64_t AttachmentCountLocked(const std::string& account, const std::string& arn) const;
  uint64_t PersistRoleLocked(const RoleRecord& r, bool deleted);
  uint64_t PersistPolicyLocked(const PolicyRecord& p, bool deleted);

  const Clock& clock_;
  store::MessageStore& store_;
  mutable std::mutex mu_;
  std::map<Key, RoleRecord> roles_;
  std::map<Key, PolicyRecord> policies_;
  uint64_t last_ticket_ = 0;  // what a change that changes nothing waits for (earlier writes it shows)
};

// Exposed for tests.
namespace detail {
// Characters of `document` that count towards IAM's size quotas (white space does not).
size_t PolicySize(std::string_view document);
std::string EncodeRole(const RoleRecord& r);
bool DecodeRole(std::string_view doc, RoleRecord* r);
std::string EncodePolicy(const PolicyRecord& p);
bool DecodePolicy(std::string_view doc, PolicyRecord* p);
// "AROA"/"ANPA" + 17 random upper-case alphanumerics.
std::string NewUniqueId(std::string_view prefix);
}  // namespace detail

}  // namespace eddy::iam
