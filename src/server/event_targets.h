#pragma once
// The two delivery sinks of EventBridge rules and Scheduler schedules (events::TargetSinks), wired to
// Eddy's own engines: a Lambda target is an asynchronous (Event) invocation through the Lambda async
// queue — so Lambda's own retries then apply — and an SQS target is a SendMessage on the engine.
// Failures are classified as EventBridge does: a missing function or queue is not retried.

#include "events/target_dispatcher.h"
#include "lambda/async/async_invocations.h"
#include "lambda/registry.h"
#include "sqs/engine.h"

namespace eddy::server {

events::TargetSinks MakeTargetSinks(sqs::Engine& engine, const lambda::Registry& registry,
                                    lambda::AsyncInvocations& async);

}  // namespace eddy::server
