#include "lambda/registry.h"

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "lambda/test_support.h"

namespace eddy::lambda {
namespace {

using testing::MetaStore;
using testing::TempDir;

constexpr char kRegion[] = "us-east-1";
constexpr char kAccount[] = "000000000000";

void ExpectError(const Error& e, Errc code, const std::string& message) {
  EXPECT_EQ(e.code, code);
  EXPECT_EQ(e.message, message);
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(code_.Init().ok());
    registry_ = std::make_unique<Registry>(clock_, store_, code_);
    ASSERT_TRUE(registry_->Recover().ok());
  }

  // A "restart": a new registry over the same store and directory.
  void Restart() {
    registry_ = std::make_unique<Registry>(clock_, store_, code_);
    ASSERT_TRUE(registry_->Recover().ok());
  }

  FunctionId Id(const std::string& name) { return {kRegion, kAccount, name}; }

  CodePackage Package(const std::string& body = "def handler(e, c):\n    return e\n") {
    auto pkg = code_.Add(testing::SimpleZip(body));
    EXPECT_TRUE(pkg.ok());
    code_.Unpin(pkg->sha256_hex);  // referenced right after by the test
    return *pkg;
  }

  std::shared_ptr<const Function> Create(const std::string& name, bool publish = false) {
    CodePackage pkg = Package();
    VersionConfig v;
    v.runtime = "python3.12";
    v.role = "arn:aws:iam::000000000000:role/r";
    v.handler = "app.handler";
    v.code_sha256 = pkg.sha256_base64;
    v.code_hex = pkg.sha256_hex;
    v.code_size = pkg.size;
    v.has_environment = true;
    v.environment = {{"B", "2"}, {"A", "1"}};
    auto change = registry_->CreateFunction(Id(name), v, {{"team", "x"}}, publish);
    EXPECT_TRUE(change.ok()) << change.error().message;
    return change->function;
  }

  Result<InvokeTarget> Resolve(const std::string& name, const std::string& qualifier = "") {
    return registry_->Resolve(kRegion, kAccount, name, qualifier);
  }

  FakeClock clock_;
  MetaStore store_;
  TempDir dir_;
  CodeStore code_{dir_.path()};
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, CreateGetAndConflict) {
  auto f = Create("fn");
  EXPECT_EQ(f->latest.version, "$LATEST");
  EXPECT_EQ(f->latest.last_modified_ms, clock_.NowMs());
  EXPECT_FALSE(f->latest.revision_id.empty());
  EXPECT_TRUE(store_.meta.contains("lambda/function/us-east-1/000000000000/fn"));
  ASSERT_TRUE(registry_->Get(Id("fn")).ok());

  CodePackage pkg = Package();
  VersionConfig v = f->latest;
  auto dup = registry_->CreateFunction(Id("fn"), v, {}, false);
  ASSERT_FALSE(dup.ok());
  ExpectError(dup.error(), Errc::kResourceConflict, "Function already exist: fn");

  auto missing = registry_->Get(Id("nope"));
  ASSERT_FALSE(missing.ok());
  ExpectError(missing.error(), Errc::kResourceNotFound,
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
}

TEST_F(RegistryTest, SpecsCarryWhatTheDataPlaneNeeds) {
  auto f = Create("fn");
  const FunctionSpec& s = *f->latest_spec;
  EXPECT_EQ(s.FunctionKey(), "us-east-1/000000000000/fn");
  EXPECT_EQ(s.QualifiedArn(), "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST");
  EXPECT_EQ(s.code_dir, code_.TaskDir(f->latest.code_hex));
  EXPECT_TRUE(std::filesystem::exists(s.code_dir + "/app.py"));
  EXPECT_EQ(s.log_group, "/aws/lambda/fn");
  // Sorted by name for the data plane, in the given order for GetFunction.
  EXPECT_EQ(s.environment, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "2"}}));
  EXPECT_EQ(f->latest.environment.front().first, "B");

  const std::string before = s.config_id;
  ConfigPatch p;
  p.timeout_s = 30;
  auto updated = registry_->UpdateConfiguration(Id("fn"), p, std::nullopt);
  ASSERT_TRUE(updated.ok());
  EXPECT_NE(updated->function->latest_spec->config_id, before);
  EXPECT_EQ(updated->function->latest_spec->timeout_s, 30);
}

TEST_F(RegistryTest, ResolveNamesArnsQualifiersAndAliases) {
  Create("fn", /*publish=*/true);
  auto bare = Resolve("fn");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->spec->version, "$LATEST");
  EXPECT_EQ(bare->qualifier, "$LATEST");
  EXPECT_EQ(bare->invoked_arn, "arn:aws:lambda:us-east-1:000000000000:function:fn");
  EXPECT_EQ(bare->qualified_arn, "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST");

  auto by_arn = Resolve("arn:aws:lambda:us-east-1:000000000000:function:fn:1");
  ASSERT_TRUE(by_arn.ok());
  EXPECT_EQ(by_arn->spec->version, "1");
  EXPECT_EQ(by_arn->invoked_arn, "arn:aws:lambda:us-east-1:000000000000:function:fn:1");

  auto explicit_q = Resolve("000000000000:function:fn", "1");
  ASSERT_TRUE(explicit_q.ok());
  EXPECT_EQ(explicit_q->spec->version, "1");

  auto missing = Resolve("doesnotexist");
  ASSERT_FALSE(missing.ok());
  ExpectError(missing.error(), Errc::kResourceNotFound,
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:doesnotexist:$LATEST");
  auto missing_version = Resolve("fn:7");
  ASSERT_FALSE(missing_version.ok());
  ExpectError(missing_version.error(), Errc::kResourceNotFound,
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn:7");

  // Version 2, then an alias whose weights are certain either way.
  ConfigPatch p;
  p.memory_mb = 256;
  ASSERT_TRUE(registry_->UpdateConfiguration(Id("fn"), p, std::nullopt).ok());
  ASSERT_TRUE(registry_->PublishVersion(Id("fn"), std::nullopt, std::nullopt, std::nullopt).ok());
  ASSERT_TRUE(registry_->CreateAlias(Id("fn"), {"all2", "1", "", "", {{"2", 1.0}}}).ok());
  ASSERT_TRUE(registry_->CreateAlias(Id("fn"), {"none2", "1", "", "", {{"2", 0.0}}}).ok());
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Resolve("fn", "all2")->spec->version, "2");
    EXPECT_EQ(Resolve("fn:none2")->spec->version, "1");
  }
  auto alias = Resolve("fn", "all2");
  EXPECT_EQ(alias->qualifier, "all2");
  EXPECT_EQ(alias->qualified_arn, "arn:aws:lambda:us-east-1:000000000000:function:fn:all2");
}

TEST_F(RegistryTest, ResolveReportsConcurrencyAndEventSettings) {
  Create("a");
  Create("b");
  ASSERT_TRUE(registry_->PutReservedConcurrency(Id("a"), 100).ok());
  ASSERT_TRUE(registry_->PutReservedConcurrency(Id("b"), 50).ok());
  EventInvokeConfig c;
  c.maximum_retry_attempts = 0;
  c.on_failure = "arn:aws:sqs:us-east-1:000000000000:dlq";
  ASSERT_TRUE(registry_->PutEventInvokeConfig(Id("a"), "$LATEST", c, false, true, false, false, true).ok());
  auto t = Resolve("a");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->reserved_concurrency, 100);
  EXPECT_EQ(t->unreserved_capacity, 1000 - 150);
  EXPECT_EQ(t->event_settings.maximum_retry_attempts, 0);
  EXPECT_EQ(t->event_settings.maximum_event_age_s, 21600);  // AWS default for what is unset
  EXPECT_EQ(t->event_settings.on_failure_arn, "arn:aws:sqs:us-east-1:000000000000:dlq");

  auto too_much = registry_->PutReservedConcurrency(Id("b"), 851);
  ASSERT_FALSE(too_much.ok());
  ExpectError(too_much.error(), Errc::kInvalidParameterValue,
              "Specified ReservedConcurrentExecutions for function decreases account's "
              "UnreservedConcurrentExecution below its minimum value of [100].");
  EXPECT_TRUE(registry_->PutReservedConcurrency(Id("b"), 800).ok());
}

TEST_F(RegistryTest, PublishIsANoOpWithoutChangesAndNumbersAreNeverReused) {
  Create("fn");
  auto v1 = registry_->PublishVersion(Id("fn"), std::nullopt, std::string("first"), std::nullopt);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->version, "1");
  EXPECT_EQ(v1->function->FindVersion("1")->description, "first");
  auto again = registry_->PublishVersion(Id("fn"), std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, "1");
  EXPECT_TRUE(again->unchanged);

  auto wrong_sha = registry_->PublishVersion(Id("fn"), std::string("abc"), std::nullopt, std::nullopt);
  ASSERT_FALSE(wrong_sha.ok());
  ExpectError(wrong_sha.error(), Errc::kInvalidParameterValue,
              "CodeSHA256 (abc) is different from current CodeSHA256 in $LATEST (" +
                  v1->function->latest.code_sha256 + "). Please try again with the CodeSHA256 in $LATEST.");

  auto code = registry_->UpdateCode(Id("fn"), Package("v2 = 1\n"), std::nullopt, std::nullopt, true);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->version, "2");
  ASSERT_TRUE(registry_->DeleteFunction(Id("fn"), "2").ok());
  ASSERT_TRUE(registry_->UpdateCode(Id("fn"), Package("v3 = 1\n"), std::nullopt, std::nullopt, false).ok());
  auto v3 = registry_->PublishVersion(Id("fn"), std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(v3->version, "3");
}

TEST_F(RegistryTest, RevisionIdPreconditions) {
  auto f = Create("fn");
  const std::string stale = f->latest.revision_id;
  ConfigPatch p;
  p.description = "x";
  ASSERT_TRUE(registry_->UpdateConfiguration(Id("fn"), p, stale).ok());
  auto r = registry_->UpdateConfiguration(Id("fn"), p, stale);
  ASSERT_FALSE(r.ok());
  ExpectError(r.error(), Errc::kPreconditionFailed,
              "The Revision Id provided does not match the latest Revision Id. Call the "
              "GetFunction/GetAlias API to retrieve the latest Revision Id");
}

TEST_F(RegistryTest, AliasRules) {
  Create("fn", true);
  ASSERT_TRUE(registry_->CreateAlias(Id("fn"), {"live", "1", "", "", {}}).ok());
  auto dup = registry_->CreateAlias(Id("fn"), {"live", "1", "", "", {}});
  ExpectError(dup.error(), Errc::kResourceConflict,
              "Alias already exists: arn:aws:lambda:us-east-1:000000000000:function:fn:live");
  auto missing_version = registry_->CreateAlias(Id("fn"), {"x", "5", "", "", {}});
  ExpectError(missing_version.error(), Errc::kResourceNotFound,
              "Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn:5");
  auto two = registry_->CreateAlias(Id("fn"), {"x", "1", "", "", {{"2", 0.1}, {"3", 0.1}}});
  ExpectError(two.error(), Errc::kInvalidParameterValue,
              "Number of items in AdditionalVersionWeights cannot be greater than 1");
  auto latest = registry_->CreateAlias(Id("fn"), {"x", "$LATEST", "", "", {{"1", 0.1}}});
  ExpectError(latest.error(), Errc::kInvalidParameterValue,
              "$LATEST is not supported for an alias pointing to more than 1 version");
  auto not_found = registry_->UpdateAlias(Id("fn"), "ghost", {}, std::nullopt);
  ExpectError(not_found.error(), Errc::kResourceNotFound,
              "Alias not found: arn:aws:lambda:us-east-1:000000000000:function:fn:ghost");
  auto in_use = registry_->DeleteFunction(Id("fn"), "1");
  ExpectError(in_use.error(), Errc::kResourceConflict,
              "Unable to delete version because the following aliases reference it: [live]");
  auto latest_delete = registry_->DeleteFunction(Id("fn"), "$LATEST");
  ExpectError(latest_delete.error(), Errc::kInvalidParameterValue,
              "$LATEST version cannot be deleted without deleting the function.");
  ASSERT_TRUE(registry_->DeleteAlias(Id("fn"), "live").ok());
  EXPECT_TRUE(registry_->DeleteFunction(Id("fn"), "1").ok());
}

TEST_F(RegistryTest, ProvisionedConcurrencyRules) {
  Create("fn", true);
  ASSERT_TRUE(registry_->CreateAlias(Id("fn"), {"live", "1", "", "", {}}).ok());
  ExpectError(registry_->PutProvisioned(Id("fn"), "$LATEST", 1).error(), Errc::kInvalidParameterValue,
              "Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
  ExpectError(registry_->PutProvisioned(Id("fn"), "ghost", 1).error(), Errc::kResourceNotFound,
              "Cannot find alias arn: arn:aws:lambda:us-east-1:000000000000:function:fn:ghost");
  ASSERT_TRUE(registry_->PutReservedConcurrency(Id("fn"), 2).ok());
  ExpectError(registry_->PutProvisioned(Id("fn"), "live", 3).error(), Errc::kInvalidParameterValue,
              "Requested Provisioned Concurrency should not be greater than the "
              "reservedConcurrentExecution for function");
  ASSERT_TRUE(registry_->PutProvisioned(Id("fn"), "1", 1).ok());
  ExpectError(registry_->PutProvisioned(Id("fn"), "live", 1).error(), Errc::kResourceConflict,
              "Alias can't be used for Provisioned Concurrency configuration on an already "
              "Provisioned version");
  auto all = registry_->AllProvisioned();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].config_key, "us-east-1/000000000000/fn:1");
  EXPECT_EQ(all[0].spec->version, "1");
  EXPECT_EQ(all[0].requested, 1);
}

TEST_F(RegistryTest, EventInvokeConfigRules) {
  Create("fn");
  EventInvokeConfig self;
  self.on_success = "arn:aws:lambda:us-east-1:000000000000:function:fn";
  ExpectError(registry_->PutEventInvokeConfig(Id("fn"), "$LATEST", self, false, false, false, true, false)
                  .error(),
              Errc::kInvalidParameterValue, "You can't specify the function as a destination for itself.");
  EventInvokeConfig missing;
  missing.on_failure = "arn:aws:lambda:us-east-1:000000000000:function:doesnotexist";
  ExpectError(registry_->PutEventInvokeConfig(Id("fn"), "$LATEST", missing, false, false, false, false, true)
                  .error(),
              Errc::kInvalidParameterValue,
              "The destination ARN arn:aws:lambda:us-east-1:000000000000:function:doesnotexist is invalid.");
  EventInvokeConfig retries;
  retries.maximum_retry_attempts = 1;
  ExpectError(registry_->PutEventInvokeConfig(Id("fn"), "$LATEST", retries, true, true, false, false, false)
                  .error(),
              Errc::kResourceNotFound,
              "The function arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST doesn't have an "
              "EventInvokeConfig");
  ASSERT_TRUE(registry_->PutEventInvokeConfig(Id("fn"), "$LATEST", retries, false, true, false, false, false).ok());
  EventInvokeConfig age;
  age.maximum_event_age_s = 60;
  auto merged = registry_->PutEventInvokeConfig(Id("fn"), "$LATEST", age, true, false, true, false, false);
  ASSERT_TRUE(merged.ok());
  const EventInvokeConfig& c = merged->function->event_invoke.at("$LATEST");
  EXPECT_EQ(c.maximum_retry_attempts, 1);
  EXPECT_EQ(c.maximum_event_age_s, 60);
}

TEST_F(RegistryTest, PermissionRules) {
  Create("fn");
  const std::string rev = registry_->Find(Id("fn"))->latest.revision_id;
  ASSERT_TRUE(registry_->AddPermission(Id("fn"), "", {"s1", "{}"}, rev).ok());
  EXPECT_NE(registry_->Find(Id("fn"))->latest.revision_id, rev);  // a policy change is a change
  ExpectError(registry_->AddPermission(Id("fn"), "", {"s1", "{}"}, std::nullopt).error(),
              Errc::kResourceConflict,
              "The statement id (s1) provided already exists. Please provide a new statement id, or "
              "remove the existing statement.");
  ExpectError(registry_->AddPermission(Id("fn"), "$LATEST", {"s2", "{}"}, std::nullopt).error(),
              Errc::kInvalidParameterValue, "We currently do not support adding policies for $LATEST.");
  ExpectError(registry_->RemovePermission(Id("fn"), "", "s9", std::nullopt).error(),
              Errc::kResourceNotFound, "Statement s9 is not found in resource policy.");
  ASSERT_TRUE(registry_->RemovePermission(Id("fn"), "", "s1", std::nullopt).ok());
  ExpectError(registry_->RemovePermission(Id("fn"), "", "s1", std::nullopt).error(),
              Errc::kResourceNotFound, "No policy is associated with the given resource.");
}

TEST_F(RegistryTest, EverythingSurvivesARestart) {
  Create("fn", true);
  ASSERT_TRUE(registry_->CreateAlias(Id("fn"), {"live", "1", "desc", "", {}}).ok());
  ASSERT_TRUE(registry_->PutReservedConcurrency(Id("fn"), 5).ok());
  ASSERT_TRUE(registry_->PutProvisioned(Id("fn"), "live", 2).ok());
  EventInvokeConfig c;
  c.maximum_event_age_s = 300;
  ASSERT_TRUE(registry_->PutEventInvokeConfig(Id("fn"), "live", c, false, false, true, false, false).ok());
  ASSERT_TRUE(registry_->AddPermission(Id("fn"), "live", {"s", R"({"Sid":"s"})"}, std::nullopt).ok());
  ASSERT_TRUE(registry_->TagResource(Id("fn"), {{"k", "v"}}).ok());
  Create("other");
  ASSERT_TRUE(registry_->DeleteFunction(Id("other"), "").ok());
  const std::string before = EncodeFunction(*registry_->Find(Id("fn")));

  Restart();
  auto f = registry_->Find(Id("fn"));
  ASSERT_TRUE(f);
  EXPECT_EQ(EncodeFunction(*f), before);
  EXPECT_FALSE(registry_->Find(Id("other")));
  EXPECT_EQ(Resolve("fn:live")->spec->version, "1");
  EXPECT_EQ(registry_->AllProvisioned().size(), 1u);
  EXPECT_EQ(registry_->List(kRegion, kAccount).size(), 1u);

  // A package deleted behind our back is unpacked again from its zip.
  std::filesystem::remove_all(code_.TaskDir(f->latest.code_hex));
  Restart();
  EXPECT_TRUE(std::filesystem::exists(code_.TaskDir(f->latest.code_hex) + "/app.py"));
}

TEST_F(RegistryTest, UnreferencedPackagesAreCollected) {
  auto f = Create("fn");
  const std::string old_hex = f->latest.code_hex;
  ASSERT_TRUE(registry_->UpdateCode(Id("fn"), Package("new = 1\n"), std::nullopt, std::nullopt, false).ok());
  EXPECT_TRUE(std::filesystem::exists(code_.ZipPath(old_hex)));  // until collected
  registry_->CollectGarbage();
  EXPECT_FALSE(std::filesystem::exists(code_.ZipPath(old_hex)));
  EXPECT_FALSE(std::filesystem::exists(code_.TaskDir(old_hex)));
  // Still referenced by a published version: kept.
  auto v = registry_->PublishVersion(Id("fn"), std::nullopt, std::nullopt, std::nullopt);
  const std::string published_hex = v->function->latest.code_hex;
  ASSERT_TRUE(registry_->UpdateCode(Id("fn"), Package("newer = 1\n"), std::nullopt, std::nullopt, false).ok());
  registry_->CollectGarbage();
  EXPECT_TRUE(std::filesystem::exists(code_.ZipPath(published_hex)));
  // Deleting the function releases everything.
  ASSERT_TRUE(registry_->DeleteFunction(Id("fn"), "").ok());
  registry_->CollectGarbage();
  EXPECT_TRUE(code_.List().empty());
}

}  // namespace
}  // namespace eddy::lambda
