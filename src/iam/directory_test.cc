#include "iam/directory.h"

#include <gtest/gtest.h>

#include "store/test_meta_store.h"

namespace eddy::iam {
namespace {

constexpr char kAccount[] = "123456789012";
constexpr char kTrust[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
constexpr char kPolicy[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]})";
constexpr char kBasicExecution[] = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

class DirectoryTest : public ::testing::Test {
 protected:
  RoleSpec Role(std::string name) {
    RoleSpec spec;
    spec.account = kAccount;
    spec.name = std::move(name);
    spec.assume_role_policy = kTrust;
    return spec;
  }
  PolicySpec Policy(std::string name, std::string path = "/") {
    PolicySpec spec;
    spec.account = kAccount;
    spec.name = std::move(name);
    spec.path = std::move(path);
    spec.document = kPolicy;
    return spec;
  }

  FakeClock clock_{1'700'000'000'000};
  store::testing::MetaStore store_;
  Directory dir_{clock_, store_};
};

TEST_F(DirectoryTest, CreateRoleFillsIdentityAndPersists) {
  RoleSpec spec = Role("dlq-redrive-role");
  spec.path = "/service-role/";
  spec.description = "redrives";
  auto change = dir_.CreateRole(spec);
  ASSERT_TRUE(change);
  const RoleRecord& r = change->record;
  EXPECT_EQ(r.Arn(), "arn:aws:iam::123456789012:role/service-role/dlq-redrive-role");
  ASSERT_EQ(r.id.size(), 21u);
  EXPECT_EQ(r.id.substr(0, 4), "AROA");
  for (char c : r.id) EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) << r.id;
  EXPECT_EQ(r.create_ms, 1'700'000'000'000);
  EXPECT_EQ(r.max_session_duration_s, 3600);
  EXPECT_GT(change->ticket, 0u);
  EXPECT_EQ(store_.meta.count("iam/role/123456789012/dlq-redrive-role"), 1u);
}

TEST_F(DirectoryTest, RoleNamesAreUniqueAndFoundRegardlessOfCase) {
  ASSERT_TRUE(dir_.CreateRole(Role("MyRole")));
  auto dup = dir_.CreateRole(Role("myrole"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kEntityAlreadyExists);
  EXPECT_EQ(dup.error().message, "Role with name myrole already exists.");
  auto got = dir_.GetRole(kAccount, "MYROLE");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "MyRole");
  auto other_account = dir_.GetRole("000000000000", "MyRole");
  ASSERT_FALSE(other_account);
  EXPECT_EQ(other_account.error().code, Errc::kNoSuchEntity);
  EXPECT_EQ(other_account.error().message, "The role with name MyRole cannot be found.");
}

TEST_F(DirectoryTest, TrustPolicyMustBeJsonAndWithinQuota) {
  RoleSpec spec = Role("r");
  spec.assume_role_policy = "not json";
  auto bad = dir_.CreateRole(spec);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kMalformedPolicyDocument);
  EXPECT_EQ(bad.error().message, "This policy contains invalid Json");

  spec.assume_role_policy = R"({"Statement":")" + std::string(2100, 'x') + R"("})";
  auto big = dir_.CreateRole(spec);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(big.error().message, "Cannot exceed quota for ACLSizePerRole: 2048");

  // White space does not count.
  spec.assume_role_policy = "{" + std::string(5000, ' ') + "}";
  EXPECT_TRUE(dir_.CreateRole(spec));

  auto update = dir_.UpdateAssumeRolePolicy(kAccount, "r", "[1,");
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code, Errc::kMalformedPolicyDocument);
  ASSERT_TRUE(dir_.UpdateAssumeRolePolicy(kAccount, "R", kTrust));
  EXPECT_EQ(dir_.GetRole(kAccount, "r")->assume_role_policy, kTrust);
}

TEST_F(DirectoryTest, InlinePolicies) {
  ASSERT_TRUE(dir_.CreateRole(Role("r")));
  auto bad = dir_.PutRolePolicy(kAccount, "r", "p", "{oops");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kMalformedPolicyDocument);
  EXPECT_EQ(bad.error().message, "Syntax errors in policy.");
  EXPECT_EQ(dir_.PutRolePolicy(kAccount, "nope", "p", kPolicy).error().code, Errc::kNoSuchEntity);

  ASSERT_TRUE(dir_.PutRolePolicy(kAccount, "r", "SqsAccess", kPolicy));
  auto got = dir_.GetRolePolicy(kAccount, "r", "SqsAccess");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "SqsAccess");
  EXPECT_EQ(got->document, kPolicy);
  // Replacing keeps one policy.
  ASSERT_TRUE(dir_.PutRolePolicy(kAccount, "r", "SqsAccess", R"({"Statement":[]})"));
  EXPECT_EQ(dir_.GetRole(kAccount, "r")->inline_policies.size(), 1u);

  auto conflict = dir_.DeleteRole(kAccount, "r");
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, Errc::kDeleteConflict);
  EXPECT_EQ(conflict.error().message, "Cannot delete entity, must delete policies first.");

  auto missing = dir_.GetRolePolicy(kAccount, "r", "Other");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "The role policy with name Other cannot be found.");
  EXPECT_EQ(dir_.DeleteRolePolicy(kAccount, "r", "Other").error().code, Errc::kNoSuchEntity);
  ASSERT_TRUE(dir_.DeleteRolePolicy(kAccount, "r", "SqsAccess"));
  auto deleted = dir_.DeleteRole(kAccount, "r");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(store_.meta.count("iam/role/123456789012/r"), 0u);
  EXPECT_EQ(dir_.GetRole(kAccount, "r").error().code, Errc::kNoSuchEntity);
}

TEST_F(DirectoryTest, InlinePoliciesShareTheRoleQuota) {
  ASSERT_TRUE(dir_.CreateRole(Role("r")));
  std::string half = R"({"S":")" + std::string(5000, 'x') + R"("})";
  ASSERT_TRUE(dir_.PutRolePolicy(kAccount, "r", "a", half));
  ASSERT_TRUE(dir_.PutRolePolicy(kAccount, "r", "b", half));
  ASSERT_TRUE(dir_.PutRolePolicy(kAccount, "r", "b", half));  // replacing does not add up
  auto over = dir_.PutRolePolicy(kAccount, "r", "c", half);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(over.error().message, "Maximum policy size of 10240 bytes exceeded for role r");
}

TEST_F(DirectoryTest, ManagedPoliciesAttachDetachAndCount) {
  ASSERT_TRUE(dir_.CreateRole(Role("r")));
  auto created = dir_.CreatePolicy(Policy("QueueAccess", "/app/"));
  ASSERT_TRUE(created);
  const std::string arn = created->record.Arn();
  EXPECT_EQ(arn, "arn:aws:iam::123456789012:policy/app/QueueAccess");
  EXPECT_EQ(created->record.id.substr(0, 4), "ANPA");
  auto dup = dir_.CreatePolicy(Policy("queueaccess"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kEntityAlreadyExists);
  EXPECT_EQ(dup.error().message,
            "A policy called queueaccess already exists. Duplicate names are not allowed.");

  // AWS managed policies are accepted unchecked; customer ones must exist (path included).
  ASSERT_TRUE(dir_.AttachRolePolicy(kAccount, "r", kBasicExecution));
  ASSERT_TRUE(dir_.AttachRolePolicy(kAccount, "r", arn));
  ASSERT_TRUE(dir_.AttachRolePolicy(kAccount, "r", arn));  // idempotent
  auto wrong_path = dir_.AttachRolePolicy(kAccount, "r", "arn:aws:iam::123456789012:policy/QueueAccess");
  ASSERT_FALSE(wrong_path);
  EXPECT_EQ(wrong_path.error().code, Errc::kNoSuchEntity);
  EXPECT_EQ(wrong_path.error().message,
            "Policy arn:aws:iam::123456789012:policy/QueueAccess does not exist or is not attachable.");
  auto bad_arn = dir_.AttachRolePolicy(kAccount, "r", "arn:aws:iam::12:role/x");
  ASSERT_FALSE(bad_arn);
  EXPECT_EQ(bad_arn.error().code, Errc::kInvalidInput);
  EXPECT_EQ(bad_arn.error().message, "ARN arn:aws:iam::12:role/x is not valid.");

  EXPECT_EQ(dir_.GetRole(kAccount, "r")->attached_policy_arns,
            (std::vector<std::string>{kBasicExecution, arn}));
  EXPECT_EQ(dir_.GetPolicy(kAccount, arn)->attachment_count, 1);
  PolicyFilter attached_only;
  attached_only.only_attached = true;
  EXPECT_EQ(dir_.ListPolicies(kAccount, attached_only).size(), 1u);

  auto in_use = dir_.DeletePolicy(kAccount, arn);
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code, Errc::kDeleteConflict);
  EXPECT_EQ(in_use.error().message, "Cannot delete a policy attached to entities.");
  auto role_in_use = dir_.DeleteRole(kAccount, "r");
  ASSERT_FALSE(role_in_use);
  EXPECT_EQ(role_in_use.error().message, "Cannot delete entity, must detach all policies first.");

  ASSERT_TRUE(dir_.DetachRolePolicy(kAccount, "r", arn));
  auto not_attached = dir_.DetachRolePolicy(kAccount, "r", arn);
  ASSERT_FALSE(not_attached);
  EXPECT_EQ(not_attached.error().code, Errc::kNoSuchEntity);
  EXPECT_EQ(dir_.GetPolicy(kAccount, arn)->attachment_count, 0);
  EXPECT_TRUE(dir_.ListPolicies(kAccount, attached_only).empty());
  ASSERT_TRUE(dir_.DeletePolicy(kAccount, arn));
  EXPECT_EQ(dir_.GetPolicy(kAccount, arn).error().code, Errc::kNoSuchEntity);
}

TEST_F(DirectoryTest, ManagedPolicyQuotas) {
  ASSERT_TRUE(dir_.CreateRole(Role("r")));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(dir_.AttachRolePolicy(kAccount, "r", "arn:aws:iam::aws:policy/P" + std::to_string(i)));
  }
  auto over = dir_.AttachRolePolicy(kAccount, "r", "arn:aws:iam::aws:policy/P10");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);
  EXPECT_EQ(over.error().message, "Cannot exceed quota for PoliciesPerRole: 10");

  PolicySpec big = Policy("big");
  big.document = R"({"S":")" + std::string(6200, 'x') + R"("})";
  auto too_big = dir_.CreatePolicy(big);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().message, "Cannot exceed quota for PolicySize: 6144");
  PolicySpec malformed = Policy("m");
  malformed.document = "Statement";
  EXPECT_EQ(dir_.CreatePolicy(malformed).error().message, "Syntax errors in policy.");
}

TEST_F(DirectoryTest, ListsAreSortedAndFilteredByPath) {
  RoleSpec b = Role("beta");
  b.path = "/team/";
  ASSERT_TRUE(dir_.CreateRole(b));
  ASSERT_TRUE(dir_.CreateRole(Role("Alpha")));
  ASSERT_TRUE(dir_.CreateRole(Role("gamma")));
  std::vector<RoleRecord> all = dir_.ListRoles(kAccount, "/");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "Alpha");
  EXPECT_EQ(all[1].name, "beta");
  EXPECT_EQ(all[2].name, "gamma");
  std::vector<RoleRecord> team = dir_.ListRoles(kAccount, "/team");
  ASSERT_EQ(team.size(), 1u);
  EXPECT_EQ(team[0].name, "beta");
  EXPECT_TRUE(dir_.ListRoles("000000000000", "/").empty());
}

TEST_F(DirectoryTest, Tags) {
  RoleSpec spec = Role("r");
  spec.tags = {{"team", "a"}, {"Team", "b"}};
  auto dup = dir_.CreateRole(spec);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kInvalidInput);
  EXPECT_EQ(dup.error().message, "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
  spec.tags = {{"team", "a"}, {"env", "dev"}};
  ASSERT_TRUE(dir_.CreateRole(spec));
  ASSERT_TRUE(dir_.TagRole(kAccount, "r", {{"TEAM", "b"}, {"owner", "me"}}));
  std::vector<Tag> tags = dir_.GetRole(kAccount, "r")->tags;
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].key, "team");
  EXPECT_EQ(tags[0].value, "b");
  EXPECT_EQ(tags[2].key, "owner");
  ASSERT_TRUE(dir_.UntagRole(kAccount, "r", {"Env", "missing"}));
  EXPECT_EQ(dir_.GetRole(kAccount, "r")->tags.size(), 2u);

  std::vector<Tag> many;
  for (int i = 0; i < 49; ++i) many.push_back({"k" + std::to_string(i), "v"});
  auto over = dir_.TagRole(kAccount, "r", many);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::kLimitExceeded);
}

TEST_F(DirectoryTest, RecoverRestoresEverything) {
  RoleSpec spec = Role("Redrive");
  spec.path = "/svc/";
  spec.description = "d";
  spec.max_session_duration_s = 7200;
  spec.tags = {{"k", "v"}};
  auto role = dir_.CreateRole(spec);
  ASSERT_TRUE(role);
  ASSERT_TRUE(dir_.PutRolePolicy(kAccount, "Redrive", "Inline", kPolicy));
  auto policy = dir_.CreatePolicy(Policy("Managed"));
  ASSERT_TRUE(policy);
  ASSERT_TRUE(dir_.AttachRolePolicy(kAccount, "Redrive", policy->record.Arn()));
  ASSERT_TRUE(dir_.AttachRolePolicy(kAccount, "Redrive", kBasicExecution));
  ASSERT_TRUE(dir_.CreateRole(Role("gone")));
  ASSERT_TRUE(dir_.DeleteRole(kAccount, "gone"));
  store_.meta["iam/role/123456789012/broken"] = "{not json";

  Directory restarted(clock_, store_);
  ASSERT_TRUE(restarted.Recover().ok());
  auto r = restarted.GetRole(kAccount, "redrive");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "Redrive");
  EXPECT_EQ(r->id, role->record.id);
  EXPECT_EQ(r->Arn(), role->record.Arn());
  EXPECT_EQ(r->create_ms, role->record.create_ms);
  EXPECT_EQ(r->assume_role_policy, kTrust);
  EXPECT_EQ(r->description, std::optional<std::string>("d"));
  EXPECT_EQ(r->max_session_duration_s, 7200);
  ASSERT_EQ(r->tags.size(), 1u);
  EXPECT_EQ(r->tags[0].key, "k");
  ASSERT_EQ(r->inline_policies.size(), 1u);
  EXPECT_EQ(r->inline_policies.begin()->second.name, "Inline");
  EXPECT_EQ(r->attached_policy_arns.size(), 2u);
  EXPECT_EQ(restarted.GetPolicy(kAccount, policy->record.Arn())->attachment_count, 1);
  EXPECT_EQ(restarted.GetPolicy(kAccount, policy->record.Arn())->id, policy->record.id);
  EXPECT_EQ(restarted.GetRole(kAccount, "gone").error().code, Errc::kNoSuchEntity);
  EXPECT_EQ(restarted.ListRoles(kAccount, "/").size(), 1u);
}

TEST(PolicyArnTest, Parses) {
  auto aws = ParsePolicyArn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->account, "aws");
  EXPECT_EQ(aws->path, "/service-role/");
  EXPECT_EQ(aws->name, "AWSLambdaBasicExecutionRole");
  auto mine = ParsePolicyArn("arn:aws:iam::123456789012:policy/p");
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->path, "/");
  EXPECT_FALSE(ParsePolicyArn("arn:aws:iam::123456789012:policy/"));
  EXPECT_FALSE(ParsePolicyArn("arn:aws:iam::123456789012:role/p"));
  EXPECT_FALSE(ParsePolicyArn("arn:aws:iam::1234:policy/p"));
  EXPECT_FALSE(ParsePolicyArn("arn:aws:sqs::123456789012:policy/p"));
}

}  // namespace
}  // namespace eddy::iam
