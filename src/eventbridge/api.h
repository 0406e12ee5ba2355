#pragma once
// Api: the EventBridge operations (AWS JSON 1.1, `AWSEvents.<Op>`; members as in botocore
// events/2015-10-07) over Rules: PutRule, DescribeRule, ListRules, DeleteRule, EnableRule,
// DisableRule, PutTargets, RemoveTargets, ListTargetsByRule, ListRuleNamesByTarget, PutEvents,
// TestEventPattern, DescribeEventBus, ListEventBuses, TagResource, UntagResource, ListTagsForResource.
// Only the default event bus exists (by name or ARN); others are ResourceNotFoundException.
//
// Thread-safety: stateless apart from Rules; Handle() may be called from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/clock.h"
#include "eventbridge/errors.h"
#include "eventbridge/rules.h"

namespace eddy::eventbridge {

struct RequestContext {
  std::string region = "us-east-1";
  std::string account = "000000000000";
};

struct Reply {
  boost::json::object body;
  uint64_t ticket = 0;  // store ticket to wait on before answering; 0 = none
};

class Api {
 public:
  Api(Rules& rules, const Clock& clock) : rules_(rules), clock_(clock) {}

  Result<Reply> Handle(std::string_view operation, const boost::json::object& input, const RequestContext& ctx);

 private:
  Rules& rules_;
  const Clock& clock_;
};

}  // namespace eddy::eventbridge
