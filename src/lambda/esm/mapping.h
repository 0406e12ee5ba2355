#pragma once
// An SQS event source mapping as the poller sees it: an immutable snapshot, replaced on every change.
// The control plane (mappings.{h,cc}) owns the mutable state and hands these to the poller.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace eddy::lambda {

struct MappingSnapshot {
  std::string uuid;
  std::string region;
  std::string account;
  std::string function_name;      // bare name
  std::string qualifier;          // "" = unqualified ($LATEST), a version or an alias
  std::string function_arn;       // as AWS reports FunctionArn (qualified when a qualifier was given)
  std::string event_source_arn;   // arn:aws:sqs:REGION:ACCOUNT:NAME
  int64_t batch_size = 10;
  int64_t maximum_batching_window_s = 0;
  bool report_batch_item_failures = false;  // FunctionResponseTypes contains ReportBatchItemFailures
  int64_t maximum_concurrency = 0;          // ScalingConfig.MaximumConcurrency; 0 = not set
  std::vector<std::string> filter_patterns;  // FilterCriteria.Filters[].Pattern, validated JSON
  bool enabled = true;
  bool deleted = false;  // the last snapshot of a deleted mapping
};

using MappingPtr = std::shared_ptr<const MappingSnapshot>;

}  // namespace eddy::lambda
