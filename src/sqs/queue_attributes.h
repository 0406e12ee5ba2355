#pragma once
// Queue attributes: validation of client-supplied attribute maps into QueueConfig, and rendering back to
// the string map AWS returns. All messages follow AWS's wording (reference/sqs.md §2-3).

#include <string>
#include <vector>

#include "sqs/errors.h"
#include "sqs/model.h"

namespace eddy::sqs {

// Applies `attributes` to `config`. `config->fifo_queue` must already say what the queue is (on create,
// decided from the FifoQueue attribute by the caller). Leaves `config` unspecified on error.
Status ApplyQueueAttributes(const StringMap& attributes, QueueConfig* config);

// The settable attributes as AWS returns them (unset optional ones omitted).
StringMap RenderQueueAttributes(const QueueConfig& config);

// True for every name GetQueueAttributes accepts (settable, read-only and FIFO names, not "All").
bool IsKnownQueueAttribute(const std::string& name);

// Queue names: 1..80 of [A-Za-z0-9_-], FIFO queues end in ".fifo" (counted in the 80).
Status ValidateQueueName(const std::string& name, bool fifo);

}  // namespace eddy::sqs
