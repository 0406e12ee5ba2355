#pragma once
// HttpHandler: the EventBridge Scheduler API (restJson1, routed by path; botocore
// scheduler/2021-06-30, reference/lambda.md §6.5):
//   POST|GET|PUT|DELETE /schedules/{Name}          Create|Get|Update|DeleteSchedule (?groupName=)
//   GET                 /schedules                 ListSchedules (?ScheduleGroup&NamePrefix&State&...)
//   POST|GET|DELETE     /schedule-groups/{Name}    Create|Get|DeleteScheduleGroup
//   GET                 /schedule-groups           ListScheduleGroups
//   POST|GET|DELETE     /tags/{ResourceArn}        TagResource|ListTagsForResource|UntagResource
// It parses requests into the model's types, runs them on Schedules and answers once their changes
// are durable. Every response carries x-amzn-RequestId; errors carry x-amzn-ErrorType and
// {"Message":"..."}. The region comes from the SigV4 credential scope.
//
// Thread-safety: Handle() may be called concurrently from any thread. The handler must outlive every
// request it accepted (responders may run on the store's thread).

#include <optional>
#include <string>
#include <string_view>

#include "net/http.h"
#include "scheduler/schedules.h"
#include "store/message_store.h"

namespace eddy::scheduler {

struct HttpHandlerOptions {
  std::string default_region = "us-east-1";  // when the request carries no SigV4 credential scope
  std::string account = "000000000000";
};

enum class Op {
  kCreateSchedule,
  kGetSchedule,
  kUpdateSchedule,
  kDeleteSchedule,
  kListSchedules,
  kCreateScheduleGroup,
  kGetScheduleGroup,
  kDeleteScheduleGroup,
  kListScheduleGroups,
  kTagResource,
  kUntagResource,
  kListTagsForResource,
};

struct Route {
  Op op;
  std::string name;  // {Name}, or {ResourceArn} for the tag operations (percent-decoded)
};

// Exposed for tests. Trailing slashes are optional. Unknown paths or methods: nullopt.
std::optional<Route> MatchRoute(std::string_view method, std::string_view path);

class HttpHandler {
 public:
  HttpHandler(Schedules& schedules, store::MessageStore& store, HttpHandlerOptions options = {});
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;

  // Whether `request` is for the Scheduler: /schedules, /schedule-groups, and /tags/ when the ARN is a
  // scheduler one or the request is signed for the "scheduler" service.
  static bool Matches(const net::Request& request);

  void Handle(net::Request&& request, net::Responder respond);

 private:
  Schedules& schedules_;
  store::MessageStore& store_;
  const HttpHandlerOptions options_;
};

}  // namespace eddy::scheduler
