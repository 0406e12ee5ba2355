#include "lambda/esm/sqs_poller.h"

#include <time.h>

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "common/log.h"
#include "events/pattern.h"

namespace eddy::lambda {
namespace {

namespace json = boost::json;

int64_t SteadyMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

// The order AWS's records list system attributes in; anything else follows in name order.
// AWS adds up to 300 concurrent batches a minute to a mapping with a backlog: one every 200 ms.
constexpr int64_t kScaleUpIntervalMs = 200;
constexpr int64_t kThrottleScaleFreezeMs = 1000;

constexpr const char* kAttributeOrder[] = {
    "ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
    "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp"};

}  // namespace

struct SqsPoller::Mapping {
  MappingPtr snapshot;
  uint64_t generation = 0;  // bumped when consumers of the old settings must stop
  int64_t consumers = 0;
  sqs::RequestContext ctx;
  std::string queue_url;
  bool valid = false;
  int64_t last_scale_up_ms = 0;   // consumers are added at most every kScaleUpIntervalMs
  int64_t no_scale_until_ms = 0;  // after a throttle, no new consumers for a while
  std::optional<int64_t> reserved;  // the function's reserved concurrency, as last resolved
};

struct SqsPoller::Batch {
  std::string uuid;
  uint64_t generation = 0;
  MappingPtr mapping;
  sqs::RequestContext ctx;
  std::string queue_url;
  std::vector<sqs::ReceivedMessage> messages;
  int64_t bytes = 0;
  int64_t first_ms = 0;  // when the first message arrived (batching window)
  int throttles = 0;
};

SqsPoller::SqsPoller(sqs::Engine& engine, Invoker& invoker, Resolver resolve, ResultSink record_result,
                     SqsPollerOptions options)
    : engine_(engine),
      invoker_(invoker),
      resolve_(std::move(resolve)),
      record_result_(std::move(record_result)),
      options_(options) {}

SqsPoller::~SqsPoller() { Shutdown(); }

void SqsPoller::Shutdown() { executor_.Stop(); }

void SqsPoller::Post(std::function<void()> task, int64_t delay_ms) { executor_.Post(std::move(task), delay_ms); }

SqsPoller::Stats SqsPoller::GetStats() {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

// ---- Mappings ----

void SqsPoller::Apply(MappingPtr snapshot) {
  Post([this, snapshot = std::move(snapshot)] {
    auto& slot = mappings_[snapshot->uuid];
    if (!slot) slot = std::make_unique<Mapping>();
    Mapping& m = *slot;
    const MappingPtr before = m.snapshot;
    m.snapshot = snapshot;
    // Running consumers finish their batch with the settings they started with; a new generation
    // makes them stop (or pick up the new settings) before their next receive.
    ++m.generation;
    std::optional<sqs::QueueArn> queue = sqs::ParseQueueArn(snapshot->event_source_arn);
    m.valid = queue.has_value();
    if (queue) {
      m.ctx.region = queue->region;
      m.ctx.account = queue->account;
      m.queue_url = queue->Url();
    }
    m.ctx.url_base = "internal:";
    if (snapshot->deleted) {
      if (m.consumers == 0) mappings_.erase(snapshot->uuid);
      return;
    }
    if (snapshot->enabled && m.valid && m.consumers == 0) StartConsumer(m);
  });
}

void SqsPoller::StartConsumer(Mapping& m) {
  ++m.consumers;
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.consumers;
  }
  auto batch = std::make_shared<Batch>();
  batch->uuid = m.snapshot->uuid;
  batch->generation = m.generation;
  batch->mapping = m.snapshot;
  batch->ctx = m.ctx;
  batch->queue_url = m.queue_url;
  Receive(batch);
}

// Ends a consumer's batch; the consumer either goes on with a fresh batch or stops.
void SqsPoller::Finish(const std::shared_ptr<Batch>& batch, bool keep_consumer) {
  auto it = mappings_.find(batch->uuid);
  if (it == mappings_.end()) return;
  Mapping& m = *it->second;
  const bool current = m.generation == batch->generation;
  if (keep_consumer && !m.snapshot->deleted && m.snapshot->enabled && m.valid) {
    auto next = std::make_shared<Batch>();
    next->uuid = batch->uuid;
    next->generation = m.generation;
    next->mapping = m.snapshot;
    next->ctx = m.ctx;
    next->queue_url = m.queue_url;
    (void)current;
    Receive(next);
    return;
  }
  --m.consumers;
  {
    std::lock_guard lock(stats_mu_);
    --stats_.consumers;
  }
  if (m.consumers == 0 && m.snapshot->deleted) mappings_.erase(it);
}

// ---- Receiving ----

void SqsPoller::Receive(const std::shared_ptr<Batch>& batch) {
  const MappingSnapshot& mapping = *batch->mapping;
  sqs::ReceiveRequest req;
  req.max_messages = std::clamp<int64_t>(mapping.batch_size - static_cast<int64_t>(batch->messages.size()), 1, 10);
  if (batch->messages.empty()) {
    req.wait_seconds = options_.long_poll_s;
  } else {
    int64_t left_ms = mapping.maximum_batching_window_s * 1000 - (SteadyMs() - batch->first_ms);
    req.wait_seconds = std::clamp<int64_t>((left_ms + 999) / 1000, 0, 20);
  }
  req.system_attribute_names = {"All"};
  req.message_attribute_names = {"All"};
  engine_.ReceiveMessage(batch->ctx, batch->queue_url, std::move(req),
                         [this, batch](sqs::Result<sqs::ReceiveResult> r) {
                           Post([this, batch, r = std::move(r)]() mutable { OnReceived(batch, std::move(r)); });
                         });
}

void SqsPoller::OnReceived(std::shared_ptr<Batch> batch, sqs::Result<sqs::ReceiveResult> result) {
  auto it = mappings_.find(batch->uuid);
  const bool stale = it == mappings_.end() || it->second->generation != batch->generation ||
                     !it->second->snapshot->enabled || it->second->snapshot->deleted;
  if (!result.ok()) {
    record_result_(batch->uuid, "PROBLEM: " + result.error().message);
    // The queue is gone or unreadable: try again later, without spinning.
    if (stale) return Finish(batch, false);
    Post([this, batch] { Finish(batch, true); }, 1000);
    return;
  }
  std::vector<sqs::ReceivedMessage>& got = result.value().messages;
  if (stale) {
    // Disabled, deleted or changed while this receive was parked: hand the messages back at once.
    for (const auto& msg : got) {
      auto r = engine_.ChangeMessageVisibility(batch->ctx, batch->queue_url, msg.receipt_handle, 0);
      (void)r;
    }
    for (const auto& msg : batch->messages) {
      auto r = engine_.ChangeMessageVisibility(batch->ctx, batch->queue_url, msg.receipt_handle, 0);
      (void)r;
    }
    return Finish(batch, it != mappings_.end() && it->second->generation != batch->generation);
  }
  if (batch->messages.empty() && got.empty()) {
    // An empty long poll: the backlog is gone, so spare consumers retire.
    return Finish(batch, it->second->consumers <= 1);
  }
  const MappingSnapshot& mapping = *batch->mapping;
  if (batch->messages.empty() && !got.empty()) batch->first_ms = SteadyMs();
  for (auto& msg : got) {
    batch->bytes += static_cast<int64_t>(msg.payload->body.size()) + 512;
    batch->messages.push_back(std::move(msg));
  }
  const bool full = static_cast<int64_t>(batch->messages.size()) >= mapping.batch_size ||
                    batch->bytes >= options_.max_batch_bytes;
  const bool window_over = mapping.maximum_batching_window_s == 0 ||
                           SteadyMs() - batch->first_ms >= mapping.maximum_batching_window_s * 1000;
  if (!full && !window_over) return Receive(batch);

  // A full batch means a backlog: one more consumer polls while this one invokes, up to
  // MaximumConcurrency and the function's reserved concurrency, at AWS's ramp rate.
  Mapping& m = *it->second;
  int64_t cap = mapping.maximum_concurrency > 0 ? mapping.maximum_concurrency : options_.default_max_consumers;
  if (m.reserved) cap = std::min(cap, std::max<int64_t>(*m.reserved, 1));
  const int64_t now = SteadyMs();
  if (full && m.consumers < cap && now >= m.no_scale_until_ms && now - m.last_scale_up_ms >= kScaleUpIntervalMs) {
    m.last_scale_up_ms = now;
    StartConsumer(m);
  }
  Invoke(std::move(batch));
}

// ---- Invoking ----

void SqsPoller::Invoke(std::shared_ptr<Batch> batch) {
  const MappingSnapshot& mapping = *batch->mapping;
  if (!mapping.filter_patterns.empty() && batch->throttles == 0) {
    // FilterCriteria: messages that match no pattern are deleted, not delivered (§5.5). For SQS the
    // pattern sees the record's body, as JSON when it parses.
    std::vector<events::Pattern> patterns;
    for (const std::string& text : mapping.filter_patterns) {
      if (auto p = events::Pattern::Parse(text)) patterns.push_back(std::move(*p));
    }
    std::vector<sqs::ReceivedMessage> kept;
    std::vector<size_t> dropped;
    for (size_t i = 0; i < batch->messages.size(); ++i) {
      boost::system::error_code ec;
      json::value body = json::parse(batch->messages[i].payload->body, ec);
      if (ec) body = json::value(batch->messages[i].payload->body);
      json::value record = json::object{{"body", std::move(body)}};
      bool match = std::any_of(patterns.begin(), patterns.end(),
                               [&](const events::Pattern& p) { return p.Matches(record); });
      if (match) {
        kept.push_back(batch->messages[i]);
      } else {
        dropped.push_back(i);
      }
    }
    DeleteMessages(*batch, dropped);
    batch->messages = std::move(kept);
    if (batch->messages.empty()) return Finish(batch, true);
  }
  std::optional<InvokeTarget> target = resolve_(mapping);
  if (!target) {
    record_result_(batch->uuid, "PROBLEM: Function not found");
    // The messages stay in flight and come back after the visibility timeout.
    Post([this, batch] { Finish(batch, true); }, 1000);
    return;
  }
  if (auto it = mappings_.find(batch->uuid); it != mappings_.end()) it->second->reserved = target->reserved_concurrency;
  InvokeRequest req;
  req.target = std::move(*target);
  req.request_id = NewUuid();
  req.payload = EventJson(*batch);
  invoker_.Invoke(std::move(req), [this, batch](InvokeResult r) {
    Post([this, batch, r = std::move(r)]() mutable { OnInvoked(batch, std::move(r)); });
  });
}

void SqsPoller::OnInvoked(std::shared_ptr<Batch> batch, InvokeResult result) {
  const MappingSnapshot& mapping = *batch->mapping;
  switch (result.outcome) {
    case InvokeResult::Outcome::kThrottled: {
      // Keep the batch in flight and try again with backoff (AWS does the same until the
      // visibility timeout returns the messages to the queue).
      int64_t delay = std::min<int64_t>(options_.max_throttle_backoff_ms, 100LL << std::min(batch->throttles, 10));
      ++batch->throttles;
      if (auto it = mappings_.find(batch->uuid); it != mappings_.end()) {
        it->second->no_scale_until_ms = SteadyMs() + kThrottleScaleFreezeMs;
      }
      Post([this, batch] { Invoke(batch); }, delay);
      return;
    }
    case InvokeResult::Outcome::kFunctionError:
      // Nothing is deleted and nothing is retried here: the queue's visibility timeout and
      // RedrivePolicy decide what happens to the messages.
      record_result_(batch->uuid, "PROBLEM: Function call failed");
      return Finish(batch, true);
    case InvokeResult::Outcome::kSuccess:
      break;
  }
  std::vector<size_t> done;
  done.reserve(batch->messages.size());
  bool full_failure = false;
  std::vector<bool> failed(batch->messages.size(), false);
  if (mapping.report_batch_item_failures) {
    // reference/lambda.md §5.3: empty/null/absent lists are full success; an unusable entry fails
    // the whole batch; otherwise everything but the listed messages is deleted.
    boost::system::error_code ec;
    json::value v = result.payload.empty() ? json::value(nullptr) : json::parse(result.payload, ec);
    const json::array* failures = nullptr;
    if (!ec && v.is_object()) {
      if (const json::value* f = v.get_object().if_contains("batchItemFailures"); f && f->is_array()) {
        failures = &f->get_array();
      }
    }
    if (failures != nullptr) {
      for (const json::value& entry : *failures) {
        const json::value* id = entry.is_object() ? entry.get_object().if_contains("itemIdentifier") : nullptr;
        if (id == nullptr || !id->is_string() || id->get_string().empty()) {
          full_failure = true;
          break;
        }
        bool found = false;
        for (size_t i = 0; i < batch->messages.size(); ++i) {
          if (batch->messages[i].payload->message_id == id->get_string()) {
            failed[i] = true;
            found = true;
          }
        }
        if (!found) {
          full_failure = true;
          break;
        }
      }
    }
  }
  if (!full_failure) {
    for (size_t i = 0; i < batch->messages.size(); ++i) {
      if (!failed[i]) done.push_back(i);
    }
    DeleteMessages(*batch, done);
  }
  record_result_(batch->uuid, full_failure ? "PROBLEM: Function call failed" : "OK");
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.batches;
    stats_.messages += static_cast<int64_t>(batch->messages.size());
  }
  Finish(batch, true);
}

void SqsPoller::DeleteMessages(const Batch& batch, const std::vector<size_t>& which) {
  for (size_t i : which) {
    auto r = engine_.DeleteMessage(batch.ctx, batch.queue_url, batch.messages[i].receipt_handle);
    if (!r.ok()) {
      log::Debug("esm " + batch.uuid + ": delete failed: " + r.error().message);
    }
  }
}

// {"Records":[...]} exactly as Lambda builds it for SQS (reference/lambda.md §5.2).
std::string SqsPoller::EventJson(const Batch& batch) const {
  json::array records;
  records.reserve(batch.messages.size());
  for (const sqs::ReceivedMessage& msg : batch.messages) {
    json::object r;
    r["messageId"] = msg.payload->message_id;
    r["receiptHandle"] = msg.receipt_handle;
    r["body"] = msg.payload->body;
    json::object attrs;
    for (const char* name : kAttributeOrder) {
      if (auto a = msg.system_attributes.find(name); a != msg.system_attributes.end()) attrs[name] = a->second;
    }
    for (const auto& [name, value] : msg.system_attributes) {
      if (!attrs.contains(name)) attrs[name] = value;
    }
    r["attributes"] = std::move(attrs);
    json::object message_attributes;
    for (const auto& [name, value] : msg.attributes) {
      json::object a;
      if (value.is_binary()) {
        a["binaryValue"] = Base64Encode(value.binary_value);
      } else {
        a["stringValue"] = value.string_value;
      }
      a["stringListValues"] = json::array();
      a["binaryListValues"] = json::array();
      a["dataType"] = value.data_type;
      message_attributes[name] = std::move(a);
    }
    r["messageAttributes"] = std::move(message_attributes);
    if (msg.md5_of_attributes.empty()) {
      r["md5OfMessageAttributes"] = nullptr;
    } else {
      r["md5OfMessageAttributes"] = msg.md5_of_attributes;
    }
    r["md5OfBody"] = msg.payload->md5_of_body;
    r["eventSource"] = "aws:sqs";
    r["eventSourceARN"] = batch.mapping->event_source_arn;
    r["awsRegion"] = batch.ctx.region;
    records.push_back(std::move(r));
  }
  json::object event;
  event["Records"] = std::move(records);
  return json::serialize(event);
}

}  // namespace eddy::lambda
