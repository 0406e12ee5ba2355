#include "server/clock_admin.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/memory_store.h"
#include "store/sqlite_store.h"

namespace eddy::server {
namespace {

constexpr int64_t kStart = 1'795'554'000'000;  // 2026-11-24T21:00:00Z

net::Response Call(TimeDriver& driver, std::string method, std::string body = "") {
  net::Request request;
  request.method = std::move(method);
  request.target = kClockPath;
  request.body = std::move(body);
  net::Response response;
  EXPECT_TRUE(HandleClockRequest(request, driver, &response));
  return response;
}

TEST(ClockAdminTest, ReadsSetsAndAdvancesTheVirtualClock) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  net::Response r = Call(driver, "GET");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"mode":"virtual","now":"2026-11-24T21:00:00.000Z","epochMs":1795554000000})");

  r = Call(driver, "POST", R"({"advance":"1h30m"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"mode":"virtual","now":"2026-11-24T22:30:00.000Z","epochMs":1795559400000})");
  r = Call(driver, "POST", R"({"advance":90})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(clock.NowMs(), kStart + 5'400'000 + 90'000);
  r = Call(driver, "POST", R"({"set":"2026-11-25T06:00:00Z"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(clock.NowMs(), kStart + 9 * 3'600'000);
  r = Call(driver, "POST", R"({"set":1795590000001})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(clock.NowMs(), 1'795'590'000'001);
}

TEST(ClockAdminTest, Errors) {
  VirtualClock clock(kStart);
  TimeDriver driver(clock);
  auto expect_400 = [&](const std::string& body, const std::string& message) {
    net::Response r = Call(driver, "POST", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.body, R"({"message":")" + message + R"("})") << body;
  };
  expect_400(R"({"set":"2026-11-24T20:59:59Z"})",
             "The virtual clock only moves forward: it is 2026-11-24T21:00:00.000Z, later than "
             "2026-11-24T20:59:59.000Z.");
  expect_400(R"({"set":"tomorrow"})",
             R"(\"set\" must be an ISO-8601 time (e.g. 2026-11-24T21:00:00Z) or epoch milliseconds, not tomorrow.)");
  expect_400(R"({"advance":"-5m"})",
             R"(\"advance\" must be a duration: seconds, or units largest first such as 90s, 15m, 2h, 1d, 1h30m; not -5m.)");
  expect_400(R"({"advance":-1})",
             R"(\"advance\" must be a duration: seconds, or units largest first such as 90s, 15m, 2h, 1d, 1h30m; not -1.)");
  expect_400(R"({"set":"2026-11-25T00:00:00Z","advance":"1m"})", R"(Give exactly one of \"set\" and \"advance\".)");
  expect_400(R"({})", R"(Give exactly one of \"set\" and \"advance\".)");
  expect_400("not json", R"(The body must be a JSON object: {\"set\":\"<time>\"} or {\"advance\":\"<duration>\"}.)");
  EXPECT_EQ(clock.NowMs(), kStart) << "nothing moved";

  net::Response r = Call(driver, "DELETE");
  EXPECT_EQ(r.status, 405);

  net::Request other;
  other.method = "GET";
  other.target = "/_eddy/health";
  EXPECT_FALSE(HandleClockRequest(other, driver, &r));
}

TEST(ClockAdminTest, RealClockIsReadOnly) {
  SystemClock clock;
  TimeDriver driver(clock);
  net::Response r = Call(driver, "GET");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("mode":"real")"), std::string::npos) << r.body;
  r = Call(driver, "POST", R"({"advance":"1m"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"message":"The clock is real; start eddy with --clock virtual to set it."})");
}

TEST(ClockAdminTest, VirtualTimeSurvivesARestart) {
  store::MemoryStore memory;
  EXPECT_EQ(VirtualClockStart(memory, std::nullopt, 42).value(), 42) << "nothing persisted: real now";
  EXPECT_EQ(VirtualClockStart(memory, kStart, 42).value(), kStart) << "--clock-start";

  char tmpl[] = "/tmp/eddy-clock-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    auto opened = store::SqliteStore::Open(dir);
    ASSERT_TRUE(opened.ok());
    auto& store = *opened.value();
    EXPECT_EQ(VirtualClockStart(store, std::nullopt, 42).value(), 42);
    PersistVirtualTime(store, kStart + 1);
    PersistVirtualTime(store, kStart + 2);
    store.Close();
  }
  {
    auto opened = store::SqliteStore::Open(dir);
    ASSERT_TRUE(opened.ok());
    auto& store = *opened.value();
    EXPECT_EQ(VirtualClockStart(store, std::nullopt, 42).value(), kStart + 2);
    EXPECT_EQ(VirtualClockStart(store, kStart + 9, 42).value(), kStart + 9) << "a later --clock-start";
    EXPECT_EQ(VirtualClockStart(store, kStart, 42).value(), kStart + 2) << "never back";
    store.Close();
  }
  std::filesystem::remove_all(dir);
}

TEST(ClockAdminTest, CommandLine) {
  auto parse = [](std::vector<std::string> args) {
    args.insert(args.begin(), "eddy");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  };
  unsetenv("EDDY_ENDPOINT");
  unsetenv("EDDY_CLOCK");
  unsetenv("EDDY_CLOCK_START");
  ParsedCommandLine p = parse({"clock"});
  ASSERT_TRUE(p.clock.has_value());
  EXPECT_FALSE(p.serve);
  EXPECT_EQ(p.clock->action, "");
  EXPECT_EQ(p.clock->endpoint_url, "http://127.0.0.1:4566");

  p = parse({"clock", "advance", "15m", "--endpoint-url", "http://127.0.0.1:9"});
  ASSERT_TRUE(p.clock.has_value());
  EXPECT_EQ(p.clock->action, "advance");
  EXPECT_EQ(p.clock->argument, "15m");
  EXPECT_EQ(p.clock->endpoint_url, "http://127.0.0.1:9");

  setenv("EDDY_ENDPOINT", "http://[::1]:4567", 1);
  p = parse({"clock", "set", "2026-11-24T21:00:00Z"});
  unsetenv("EDDY_ENDPOINT");
  ASSERT_TRUE(p.clock.has_value());
  EXPECT_EQ(p.clock->action, "set");
  EXPECT_EQ(p.clock->argument, "2026-11-24T21:00:00Z");
  EXPECT_EQ(p.clock->endpoint_url, "http://[::1]:4567");

  p = parse({"serve"});
  ASSERT_TRUE(p.serve);
  EXPECT_FALSE(p.config.virtual_clock);
  p = parse({"serve", "--clock", "virtual", "--clock-start", "2026-11-24T21:00:00Z"});
  ASSERT_TRUE(p.serve);
  EXPECT_TRUE(p.config.virtual_clock);
  EXPECT_EQ(p.config.clock_start_ms, kStart);
  p = parse({"serve", "--clock-start", "2026-11-24T21:00:00Z"});
  EXPECT_FALSE(p.serve) << "--clock-start without --clock virtual";
  EXPECT_EQ(p.exit_code, 2);
  p = parse({"serve", "--clock", "virtual", "--clock-start", "soon"});
  EXPECT_FALSE(p.serve);
  EXPECT_EQ(p.exit_code, 2);

  ClockCommand bad;
  bad.endpoint_url = "https://example.com";
  EXPECT_EQ(RunClockCommand(bad), 2);
}

}  // namespace
}  // namespace eddy::server
