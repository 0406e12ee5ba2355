#pragma once
// The EventBridge Scheduler model (botocore scheduler/2021-06-30; reference/lambda.md §6.5): schedules
// and schedule groups as stored, the parser that turns a CreateSchedule/UpdateSchedule body into a
// validated ScheduleSpec (every model constraint AWS enforces server side, plus the expression and
// time zone), and the JSON renderings of GetSchedule, ListSchedules and the schedule-group operations.
//
// Persistence reuses the GetSchedule rendering: a stored schedule document is that object plus the
// region, account, timestamps in ms and the completion flag, read back through the same parser.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "events/dispatcher.h"
#include "scheduler/errors.h"

namespace eddy::scheduler {

inline constexpr std::string_view kDefaultGroup = "default";

struct TargetConfig {
  std::string arn;
  std::string role_arn;
  std::optional<std::string> input;  // verbatim text
  events::RetryPolicy retry;         // omitted members take AWS's defaults (185 attempts, 86,400 s)
  std::string dead_letter_arn;       // "" = no DeadLetterConfig
  std::optional<std::string> message_group_id;  // SqsParameters.MessageGroupId (FIFO queue targets)
  bool has_sqs_parameters = false;
  // EcsParameters, EventBridgeParameters, KinesisParameters, SageMakerPipelineParameters: kept as given
  // (a JSON object text) so GetSchedule echoes them; Eddy only invokes Lambda and SQS targets.
  std::string other_parameters = "{}";
};

// Everything a CreateSchedule/UpdateSchedule request sets (Update replaces all of it).
struct ScheduleSpec {
  std::string group = std::string(kDefaultGroup);
  std::string name;
  std::string expression;
  std::string timezone = "UTC";
  std::optional<int64_t> start_date_ms;
  std::optional<int64_t> end_date_ms;
  std::optional<std::string> description;
  std::string kms_key_arn;  // "" = none
  bool enabled = true;
  bool delete_after_completion = false;  // ActionAfterCompletion DELETE
  bool flexible = false;                 // FlexibleTimeWindow.Mode FLEXIBLE
  int32_t maximum_window_minutes = 0;    // with `flexible`
  TargetConfig target;
};

struct ScheduleRecord {
  std::string region;
  std::string account;
  ScheduleSpec spec;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  // A one-time schedule that has fired (or whose time passed while Eddy was down), or a recurring one
  // with no fire left before its EndDate. Completed schedules stay visible until deleted.
  bool completed = false;

  std::string Arn() const;
  std::string Key() const;  // region/account/group/name: unique, and the order ListSchedules pages in
};

struct GroupRecord {
  std::string region;
  std::string account;
  std::string name;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  std::map<std::string, std::string> tags;

  bool is_default() const { return name == kDefaultGroup; }
  std::string Arn() const;
};

std::string ScheduleArn(std::string_view region, std::string_view account, std::string_view group,
                        std::string_view name);
std::string GroupArn(std::string_view region, std::string_view account, std::string_view name);

// Parses the ARN TagResource & co. take (only schedule groups can be tagged). nullopt if it does not
// match the model's TagResourceArn pattern.
struct GroupArnParts {
  std::string region, account, name;
};
std::optional<GroupArnParts> ParseGroupArn(std::string_view arn);

// ---- Requests ----

// CreateSchedule/UpdateSchedule: `name` from the path, everything else from `body`. Checks the model's
// constraints (required members, lengths, patterns, ranges, enums), then the schedule expression and
// the time zone, then the rules between members (FlexibleTimeWindow, EndDate after StartDate). Checks
// that depend on the current time (StartDate in the past) are the caller's.
Result<ScheduleSpec> ParseScheduleRequest(std::string_view name, const boost::json::object& body);

// Name-shaped values (schedule and group names, name prefixes): 1..64 of [0-9a-zA-Z-_.].
void CheckName(std::string_view value, std::string_view field, aws::Violations* v);
void CheckClientToken(const boost::json::value* token, std::string_view field, aws::Violations* v);

// Tags: [{"Key","Value"}] (1..128 / 1..256, at most 200) into a map; `field` is "tags".
Result<std::map<std::string, std::string>> ParseTags(const boost::json::value* tags,
                                                     std::string_view field);

// ---- Renderings ----

boost::json::object ScheduleToJson(const ScheduleRecord& r);         // GetScheduleOutput
boost::json::object ScheduleSummaryJson(const ScheduleRecord& r);    // ScheduleSummary
boost::json::object GroupToJson(const GroupRecord& g);               // GetScheduleGroupOutput
boost::json::array TagsToJson(const std::map<std::string, std::string>& tags);

// ---- Persistence ----

std::string EncodeSchedule(const ScheduleRecord& r);
bool DecodeSchedule(std::string_view doc, ScheduleRecord* r);
std::string EncodeGroup(const GroupRecord& g);
bool DecodeGroup(std::string_view doc, GroupRecord* g);

}  // namespace eddy::scheduler
