#pragma once
// What an EventBridge rule target receives: the event envelope (MakeEvent), a target's Input / InputPath /
// InputTransformer (TargetInput), and EventBridge Scheduler's context attributes in a schedule's Input
// (SubstituteSchedulerContext). reference/lambda.md §6.3–§6.5.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace eddy::aws {
class Violations;
}

namespace eddy::events {

// The predefined InputTransformer variables that do not come from the event.
struct InputContext {
  std::string rule_arn, rule_name;
  int64_t ingestion_time_ms = 0;  // <aws.events.event.ingestion-time>, rendered ISO-8601 UTC
};

// How a rule target turns the matched event into what the target receives.
class TargetInput {
 public:
  // From one PutTargets target object (members Id, Input, InputPath, InputTransformer{InputPathsMap,
  // InputTemplate}). nullopt with *error = AWS's ValidationException message when the target's input
  // settings are invalid: the model limits below (worded for `targets.<target_index>.member`), more than
  // one of Input/InputPath/InputTransformer, Input not JSON, an unsupported JSON path, an undefined
  // placeholder, or <aws.events.event[.json]> outside a JSON object template.
  static std::optional<TargetInput> Parse(const boost::json::object& target, std::string* error, int target_index = 1);

  // The request-model limits on a target's input members (Input <= 8192, InputPath <= 256, InputPathsMap
  // <= 100 entries with keys [A-Za-z0-9\_\-]{1,256} and paths <= 256, InputTemplate 1..8192 and
  // required), added to `violations` under `field_prefix` (e.g. "targets.2.member") so an API handler
  // can report them together with its own in one "N validation errors detected" message.
  static void CheckConstraints(const boost::json::object& target, std::string_view field_prefix,
                               aws::Violations& violations);

  // The payload for `event` (the full envelope). Default (no Input*): the event's JSON text.
  std::string Render(const boost::json::value& event, const InputContext& context) const;

 private:
  enum class Mode { kEvent, kInput, kInputPath, kTransformer };
  Mode mode_ = Mode::kEvent;
  std::string input_;                                           // Input text, or the InputPath
  std::vector<std::pair<std::string, std::string>> paths_map_;  // InputPathsMap: name -> JSONPath
  std::string template_;                                        // InputTemplate
};

// The envelope every rule target sees:
// {"version":"0","id","detail-type","source","account","time","region","resources","detail"} with keys in
// exactly this order; time is "YYYY-MM-DDTHH:MM:SSZ" (no milliseconds).
boost::json::object MakeEvent(std::string_view id, std::string_view detail_type, std::string_view source,
                              std::string_view account, int64_t time_ms, std::string_view region,
                              const std::vector<std::string>& resources, boost::json::value detail);

// "YYYY-MM-DDTHH:MM:SSZ" for a Unix time in milliseconds (UTC, milliseconds dropped).
std::string FormatEventTime(int64_t time_ms);

// Compact JSON text, keys in their stored order; unlike boost::json::serialize, doubles are written as
// 1.5 / 100.0 rather than 1.5E0 / 1E2 (what targets and SDKs expect to see).
std::string ToJsonText(const boost::json::value& value);

// EventBridge Scheduler context attributes inside a schedule's Input, replaced at each invocation:
// <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time> (e.g. 2022-03-22T18:59:43Z),
// <aws.scheduler.execution-id>, <aws.scheduler.attempt-number>.
struct SchedulerContext {
  std::string schedule_arn;
  int64_t scheduled_time_ms = 0;
  std::string execution_id;
  int attempt_number = 1;
};
std::string SubstituteSchedulerContext(std::string_view input, const SchedulerContext& context);

}  // namespace eddy::events
