#include "server/clock_admin.h"

#include <iostream>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/clock.h"
#include "common/log.h"
#include "net/http_client.h"

namespace eddy::server {
namespace {

namespace json = boost::json;

net::Response JsonResponse(int status, const json::object& body) {
  net::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = json::serialize(body);
  return r;
}

net::Response ErrorResponse(int status, std::string_view message) {
  json::object o;
  o["message"] = message;
  return JsonResponse(status, o);
}

net::Response ClockResponse(const TimeDriver& driver, int64_t now_ms) {
  json::object o;
  o["mode"] = driver.is_virtual() ? "virtual" : "real";
  o["now"] = FormatIsoUtcMs(now_ms);
  o["epochMs"] = now_ms;
  return JsonResponse(200, o);
}

// {"set": "<ISO-8601>" | "<epoch ms>" | <epoch ms>}
std::optional<int64_t> TimeOf(const json::value& v) {
  if (v.is_string()) return ParseTimeMs(std::string_view(v.get_string()));
  if (v.is_int64() && v.get_int64() >= 0) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX / 2)) {
    return static_cast<int64_t>(v.get_uint64());
  }
  return std::nullopt;
}

// {"advance": "<duration>" | <seconds>}
std::optional<int64_t> DurationOf(const json::value& v) {
  if (v.is_string()) return ParseDurationMs(std::string_view(v.get_string()));
  if (v.is_number()) {
    boost::system::error_code ec;
    const double seconds = v.to_number<double>(ec);
    if (ec || !(seconds >= 0) || seconds > 3.2e9) return std::nullopt;
    return static_cast<int64_t>(seconds * 1000.0 + 0.5);
  }
  return std::nullopt;
}

std::string Text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

net::Response HandlePost(const net::Request& request, TimeDriver& driver) {
  if (!driver.is_virtual()) {
    return ErrorResponse(400, "The clock is real; start eddy with --clock virtual to set it.");
  }
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  const json::object* o = ec ? nullptr : body.if_object();
  if (o == nullptr) {
    return ErrorResponse(
        400, R"(The body must be a JSON object: {"set":"<time>"} or {"advance":"<duration>"}.)");
  }
  const json::value* set = o->if_contains("set");
  const json::value* advance = o->if_contains("advance");
  if ((set == nullptr) == (advance == nullptr) || o->size() != 1) {
    return ErrorResponse(400, R"(Give exactly one of "set" and "advance".)");
  }
  Result<int64_t> now = int64_t{0};
  if (set != nullptr) {
    std::optional<int64_t> target = TimeOf(*set);
    if (!target) {
      return ErrorResponse(400, "\"set\" must be an ISO-8601 time (e.g. 2026-11-24T21:00:00Z) or epoch "
                                "milliseconds, not " + Text(*set) + ".");
    }
    now = driver.AdvanceTo(*target);
  } else {
    std::optional<int64_t> delta = DurationOf(*advance);
    if (!delta) {
      return ErrorResponse(400, "\"advance\" must be a duration: seconds, or units largest first such as "
                                "90s, 15m, 2h, 1d, 1h30m; not " + Text(*advance) + ".");
    }
    now = driver.AdvanceBy(*delta);
  }
  if (!now.ok()) return ErrorResponse(400, now.error().message());
  log::Info("clock: virtual time is now " + FormatIsoUtcMs(*now));
  return ClockResponse(driver, *now);
}

// ---- `eddy clock` ----

struct Endpoint {
  std::string host;  // without brackets
  std::string port;
  std::string host_header;
};

std::optional<Endpoint> ParseEndpoint(std::string_view url) {
  if (!url.starts_with("http://")) return std::nullopt;
  url.remove_prefix(7);
  url = url.substr(0, url.find('/'));
  if (url.empty()) return std::nullopt;
  Endpoint e;
  e.host_header = std::string(url);
  if (url.front() == '[') {  // [::1]:4566
    const size_t close = url.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    e.host = std::string(url.substr(1, close - 1));
    std::string_view rest = url.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    e.port = rest.empty() ? "80" : std::string(rest.substr(1));
  } else {
    const size_t colon = url.rfind(':');
    e.host = std::string(url.substr(0, colon));
    e.port = colon == std::string_view::npos ? "80" : std::string(url.substr(colon + 1));
  }
  if (e.host.empty() || e.port.empty()) return std::nullopt;
  return e;
}

// One request on a fresh connection: (status, body).
Result<std::pair<int, std::string>> Call(const Endpoint& endpoint, bool post, std::string body) {
  auto r = net::Fetch(endpoint.host, endpoint.port, endpoint.host_header, post ? "POST" : "GET", kClockPath,
                      post ? "application/json" : "", std::move(body));
  if (!r.ok()) return r.error();
  return std::make_pair(r->status, std::move(r->body));
}

}  // namespace

bool HandleClockRequest(const net::Request& request, TimeDriver& driver, net::Response* response) {
  if (request.path() != kClockPath) return false;
  if (request.method == "GET" || request.method == "HEAD") {
    *response = ClockResponse(driver, driver.NowMs());
  } else if (request.method == "POST") {
    *response = HandlePost(request, driver);
  } else {
    *response = ErrorResponse(405, "Use GET to read the clock and POST to set or advance it.");
    response->headers.push_back({"allow", "GET, HEAD, POST"});
  }
  return true;
}

Result<int64_t> VirtualClockStart(store::MessageStore& store, std::optional<int64_t> configured_ms,
                                  int64_t real_now_ms) {
  std::optional<int64_t> persisted;
  Status st = store.LoadMeta(kVirtualTimeMetaKey, [&](const std::string& key, const std::string& value) {
    if (key != kVirtualTimeMetaKey) return;
    persisted = ParseTimeMs(value);
  });
  if (!st.ok()) return st;
  // The clock never goes back on a data directory (its state would lie in the future): a --clock-start
  // before the time it reached is ignored, so a fixed command line resumes on restart.
  if (configured_ms && persisted && *configured_ms < *persisted) {
    log::Info("clock: resuming at " + FormatIsoUtcMs(*persisted) + ", where the data directory's virtual "
              "clock stood (--clock-start " + FormatIsoUtcMs(*configured_ms) + " is earlier)");
    return *persisted;
  }
  if (configured_ms) return *configured_ms;
  return persisted.value_or(real_now_ms);
}

void PersistVirtualTime(store::MessageStore& store, int64_t now_ms) {
  store.Append(store::PutMeta{kVirtualTimeMetaKey, std::to_string(now_ms)});
}

int RunClockCommand(const ClockCommand& command) {
  std::optional<Endpoint> endpoint = ParseEndpoint(command.endpoint_url);
  if (!endpoint) {
    std::cerr << "eddy clock: --endpoint-url must look like http://HOST:PORT, not " << command.endpoint_url
              << "\n";
    return 2;
  }
  std::string body;
  if (!command.action.empty()) {
    json::object o;
    o[command.action] = command.argument;
    body = json::serialize(o);
  }
  auto result = Call(*endpoint, !command.action.empty(), std::move(body));
  if (!result.ok()) {
    std::cerr << "eddy clock: cannot reach eddy at " << command.endpoint_url << ": "
              << result.error().message() << "\n";
    return 1;
  }
  auto& [status, text] = *result;
  boost::system::error_code ec;
  json::value reply = json::parse(text, ec);
  const json::object* o = ec ? nullptr : reply.if_object();
  if (status == 200 && o != nullptr && o->contains("now") && o->at("now").is_string()) {
    std::cout << std::string_view(o->at("now").get_string()) << "\n";
    return 0;
  }
  if (o != nullptr && o->contains("message") && o->at("message").is_string()) {
    std::cerr << "eddy clock: " << std::string_view(o->at("message").get_string()) << "\n";
  } else {
    std::cerr << "eddy clock: unexpected answer (HTTP " << status << "): " << text.substr(0, 500) << "\n";
  }
  return 1;
}

}  // namespace eddy::server
