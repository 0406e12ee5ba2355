#include "server/config.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/http.h"
#include "server/app.h"

namespace eddy::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ClearEnv(); }
  void TearDown() override { ClearEnv(); }
  static void ClearEnv() {
    for (const char* name : {"EDDY_HOST", "EDDY_PORT", "EDDY_DATA_DIR", "EDDY_IN_MEMORY",
                             "EDDY_LOG_LEVEL", "EDDY_THREADS"}) {
      unsetenv(name);
    }
  }

  ParsedCommandLine Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "eddy");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  }
};

TEST_F(ConfigTest, DefaultsWithServe) {
  ParsedCommandLine p = Parse({"serve"});
  ASSERT_TRUE(p.serve);
  EXPECT_EQ(p.config.host, "127.0.0.1");
  EXPECT_EQ(p.config.port, 4566);
  EXPECT_EQ(p.config.data_dir, "./eddy-data");
  EXPECT_FALSE(p.config.in_memory);
  EXPECT_EQ(p.config.log_level, log::Level::kInfo);
  EXPECT_EQ(p.config.threads, 2);
}

TEST_F(ConfigTest, CommandLineOptions) {
  ParsedCommandLine p = Parse({"serve", "--host", "0.0.0.0", "--port", "9000", "--data-dir", "/tmp/x",
                               "--in-memory", "--log-level", "DEBUG", "--threads", "4"});
  ASSERT_TRUE(p.serve);
  EXPECT_EQ(p.config.host, "0.0.0.0");
  EXPECT_EQ(p.config.port, 9000);
  EXPECT_EQ(p.config.data_dir, "/tmp/x");
  EXPECT_TRUE(p.config.in_memory);
  EXPECT_EQ(p.config.log_level, log::Level::kDebug);
  EXPECT_EQ(p.config.threads, 4);
}

TEST_F(ConfigTest, EnvironmentVariablesAndPrecedence) {
  setenv("EDDY_HOST", "::", 1);
  setenv("EDDY_PORT", "1234", 1);
  setenv("EDDY_DATA_DIR", "/var/lib/eddy", 1);
  setenv("EDDY_IN_MEMORY", "true", 1);
  setenv("EDDY_LOG_LEVEL", "warn", 1);
  setenv("EDDY_THREADS", "3", 1);
  ParsedCommandLine p = Parse({"serve", "--port", "5555"});
  ASSERT_TRUE(p.serve);
  EXPECT_EQ(p.config.host, "::");
  EXPECT_EQ(p.config.port, 5555);  // the option wins over the environment
  EXPECT_EQ(p.config.data_dir, "/var/lib/eddy");
  EXPECT_TRUE(p.config.in_memory);
  EXPECT_EQ(p.config.log_level, log::Level::kWarn);
  EXPECT_EQ(p.config.threads, 3);
}

TEST_F(ConfigTest, InMemoryEnvFalse) {
  setenv("EDDY_IN_MEMORY", "0", 1);
  ParsedCommandLine p = Parse({"serve"});
  ASSERT_TRUE(p.serve);
  EXPECT_FALSE(p.config.in_memory);
}

TEST_F(ConfigTest, BadValuesAreRejected) {
  EXPECT_FALSE(Parse({"serve", "--port", "70000"}).serve);
  EXPECT_FALSE(Parse({"serve", "--threads", "0"}).serve);
  EXPECT_FALSE(Parse({"serve", "--log-level", "chatty"}).serve);
  ParsedCommandLine p = Parse({"serve", "--bogus"});
  EXPECT_FALSE(p.serve);
  EXPECT_NE(p.exit_code, 0);
}

TEST_F(ConfigTest, BareCommandAndVersionExitCleanly) {
  ParsedCommandLine bare = Parse({});
  EXPECT_FALSE(bare.serve);
  EXPECT_EQ(bare.exit_code, 0);
  ParsedCommandLine version = Parse({"--version"});
  EXPECT_FALSE(version.serve);
  EXPECT_EQ(version.exit_code, 0);
  ParsedCommandLine help = Parse({"serve", "--help"});
  EXPECT_FALSE(help.serve);
  EXPECT_EQ(help.exit_code, 0);
}

TEST(BuiltinTest, HealthEndpoints) {
  HealthInfo info{"memory", 42};
  net::Request req;
  req.method = "GET";
  req.target = "/_eddy/health";
  net::Response res;
  ASSERT_TRUE(HandleBuiltin(req, info, &res));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, std::string(R"({"status":"ok","version":")") + kVersion +
                          R"(","storage":"memory","uptime_ms":42})");

  req.method = "HEAD";
  req.target = "/_localstack/health?reload";
  net::Response ls;
  ASSERT_TRUE(HandleBuiltin(req, info, &ls));
  EXPECT_EQ(ls.body,
            std::string(R"({"services":{"sqs":"running","logs":"running","lambda":"running","events":"running","scheduler":"running","iam":"running"},"edition":"eddy","version":")") +
                kVersion + R"("})");

  req.method = "POST";
  net::Response other;
  EXPECT_FALSE(HandleBuiltin(req, info, &other));
  req.method = "GET";
  req.target = "/000000000000/queue";
  EXPECT_FALSE(HandleBuiltin(req, info, &other));
}

}  // namespace
}  // namespace eddy::server
