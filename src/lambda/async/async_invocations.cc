#include "lambda/async/async_invocations.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include <boost/json.hpp>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/log.h"

namespace eddy::lambda {
namespace {

namespace json = boost::json;

constexpr const char* kInternalAccount = "_lambda";
constexpr const char* kInternalRegion = "us-east-1";
constexpr const char* kQueueName = "async-invocations";
constexpr size_t kDlqErrorMessageBytes = 1024;
constexpr int64_t kVisibilityMarginS = 30;

// A payload embedded in a destination record: as JSON when it is JSON, else as a string.
json::value Embed(const std::string& payload) {
  if (payload.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec) return json::value(payload);
  return v;
}

// arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE -> parts; false if not an ARN.
struct Arn {
  std::string service, region, account, resource;
};
bool ParseArn(const std::string& arn, Arn* out) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string::npos) return false;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts[0] != "arn") return false;
  out->service = parts[2];
  out->region = parts[3];
  out->account = parts[4];
  out->resource = arn.substr(start);
  return true;
}

}  // namespace

// The durable form of a queued event (the internal message's body).
struct AsyncInvocations::Event {
  std::string region, account, function, qualifier;
  std::string request_id;
  std::string invoked_arn;
  std::string payload;
  int64_t attempts = 0;   // invocations that ran (throttles excluded)
  int64_t throttles = 0;  // consecutive throttles, for the backoff
  int64_t enqueued_ms = 0;

  std::string Encode() const {
    json::object o;
    o["region"] = region;
    o["account"] = account;
    o["function"] = function;
    o["qualifier"] = qualifier;
    o["requestId"] = request_id;
    o["invokedArn"] = invoked_arn;
    o["payload"] = payload;
    o["attempts"] = attempts;
    o["throttles"] = throttles;
    o["enqueuedMs"] = enqueued_ms;
    return json::serialize(o);
  }

  static std::optional<Event> Decode(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const json::object& o = v.get_object();
    auto str = [&](const char* k) -> std::string {
      const json::value* x = o.if_contains(k);
      return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    auto num = [&](const char* k) -> int64_t {
      const json::value* x = o.if_contains(k);
      return x && x->is_int64() ? x->get_int64() : 0;
    };
    Event e;
    e.region = str("region");
    e.account = str("account");
    e.function = str("function");
    e.qualifier = str("qualifier");
    e.request_id = str("requestId");
    e.invoked_arn = str("invokedArn");
    e.payload = str("payload");
    e.attempts = num("attempts");
    e.throttles = num("throttles");
    e.enqueued_ms = num("enqueuedMs");
    if (e.function.empty() || e.request_id.empty()) return std::nullopt;
    return e;
  }
};

AsyncInvocations::AsyncInvocations(sqs::Engine& engine, store::MessageStore& store, const Clock& clock,
                                   Invoker& runner, Resolver resolve, AsyncOptions options)
    : engine_(engine),
      store_(store),
      clock_(clock),
      runner_(runner),
      resolve_(std::move(resolve)),
      options_(options) {
  internal_.region = kInternalRegion;
  internal_.account = kInternalAccount;
  internal_.url_base = "internal:";
  queue_url_ = std::string("internal:/") + kInternalAccount + "/" + kQueueName;
}

AsyncInvocations::~AsyncInvocations() { Shutdown(); }

Status AsyncInvocations::Start() {
  // Long retention: an event may wait up to MaximumEventAgeInSeconds (6 h) plus retries.
  auto created = engine_.CreateQueue(internal_, kQueueName, {{"MessageRetentionPeriod", "1209600"}}, {});
  if (!created.ok()) return Status::Internal("cannot create the async invocation queue: " + created.error().message);
  for (int i = 0; i < options_.consumers; ++i) Post([this] { Poll(); });
  return Status::Ok();
}

void AsyncInvocations::Shutdown() { executor_.Stop(); }

// Every continuation runs on the executor, one at a time: receive callbacks and invoke completions may
// run on the caller's own stack, so looping through them directly could recurse without bound.
void AsyncInvocations::Post(std::function<void()> task) { executor_.Post(std::move(task)); }

void AsyncInvocations::Enqueue(InvokeRequest request, std::function<void()> accepted) {
  Event e;
  const FunctionSpec& spec = *request.target.spec;
  e.region = spec.region;
  e.account = spec.account;
  e.function = spec.name;
  e.qualifier = request.target.qualifier;
  e.request_id = request.request_id;
  e.invoked_arn = request.target.invoked_arn;
  e.payload = request.payload.empty() ? "{}" : std::move(request.payload);
  e.enqueued_ms = clock_.NowMs();
  sqs::SendRequest send;
  send.body = e.Encode();
  auto sent = engine_.SendMessage(internal_, queue_url_, std::move(send));
  if (!sent.ok()) {
    log::Error("lambda: cannot queue an async invocation: " + sent.error().message);
    accepted();
    return;
  }
  store_.WhenDurable(sent.value().commit, std::move(accepted));
}

void AsyncInvocations::Poll() {
  sqs::ReceiveRequest req;
  req.max_messages = 1;
  req.wait_seconds = 20;
  req.visibility_timeout = options_.delivery_visibility_s;
  engine_.ReceiveMessage(internal_, queue_url_, std::move(req), [this](sqs::Result<sqs::ReceiveResult> r) {
    Post([this, r = std::move(r)]() mutable { OnReceived(std::move(r)); });
  });
}

void AsyncInvocations::OnReceived(sqs::Result<sqs::ReceiveResult> result) {
  if (!result.ok() || result.value().messages.empty()) {
    // Empty long poll (or the engine is shutting down, in which case Post is a no-op soon).
    Post([this] { Poll(); });
    return;
  }
  const sqs::ReceivedMessage& m = result.value().messages.front();
  std::optional<Event> event = Event::Decode(m.payload->body);
  if (!event) {
    log::Warn("lambda: dropping an unreadable async event");
    Delete(m.receipt_handle);
    Post([this] { Poll(); });
    return;
  }
  Run(std::move(*event), m.receipt_handle);
}

void AsyncInvocations::Run(Event event, std::string receipt) {
  std::optional<InvokeTarget> target = resolve_(event.region, event.account, event.function, event.qualifier);
  if (!target) {
    log::Warn("lambda: dropping async event " + event.request_id + ": function " + event.function +
              " no longer exists");
    Delete(receipt);
    Post([this] { Poll(); });
    return;
  }
  const int64_t now = clock_.NowMs();
  if (now - event.enqueued_ms > target->event_settings.maximum_event_age_s * 1000) {
    Fail(event, &*target, nullptr, "EventAgeExceeded");
    Delete(receipt);
    Post([this] { Poll(); });
    return;
  }
  // Hidden only as long as this attempt can take: after a crash the event comes back that soon.
  auto hidden = engine_.ChangeMessageVisibility(internal_, queue_url_, receipt,
                                                target->spec->timeout_s + kVisibilityMarginS);
  if (!hidden.ok()) log::Warn("lambda: async event " + event.request_id + ": " + hidden.error().message);
  InvokeRequest req;
  req.target = *target;
  req.target.invoked_arn = event.invoked_arn;
  req.request_id = event.request_id;
  req.payload = event.payload;
  runner_.Invoke(std::move(req), [this, event = std::move(event), receipt = std::move(receipt),
                                  target = std::move(*target)](InvokeResult r) mutable {
    Post([this, event = std::move(event), receipt = std::move(receipt), target = std::move(target),
          r = std::move(r)]() mutable { OnResult(std::move(event), std::move(receipt), std::move(target), std::move(r)); });
  });
}

void AsyncInvocations::OnResult(Event event, std::string receipt, InvokeTarget target, InvokeResult result) {
  const EventInvokeSettings& settings = target.event_settings;
  const int64_t now = clock_.NowMs();
  const int64_t age_limit_ms = event.enqueued_ms + settings.maximum_event_age_s * 1000;
  switch (result.outcome) {
    case InvokeResult::Outcome::kThrottled: {
      // Back to the queue; throttles don't use up retries, only the event's age.
      int64_t backoff = std::min<int64_t>(options_.max_throttle_backoff_s, int64_t{1} << std::min<int64_t>(event.throttles, 20));
      event.throttles++;
      if (now + backoff * 1000 > age_limit_ms) {
        Fail(event, &target, nullptr, "EventAgeExceeded");
      } else {
        Requeue(event, backoff);
      }
      break;
    }
    case InvokeResult::Outcome::kSuccess:
      event.attempts++;
      if (!settings.on_success_arn.empty()) {
        Deliver(settings.on_success_arn, Record(event, target.qualified_arn, "Success", &result), event);
      }
      break;
    case InvokeResult::Outcome::kFunctionError: {
      event.attempts++;
      event.throttles = 0;
      const int64_t delay = options_.retry_base_delay_s * event.attempts;  // ~1 min, then ~2 min
      if (event.attempts > settings.maximum_retry_attempts) {
        Fail(event, &target, &result, "RetriesExhausted");
      } else if (now + delay * 1000 > age_limit_ms) {
        Fail(event, &target, &result, "EventAgeExceeded");
      } else {
        Requeue(event, delay);
      }
      break;
    }
  }
  Delete(receipt);
  Poll();
}

void AsyncInvocations::Requeue(const Event& event, int64_t delay_s) {
  sqs::SendRequest send;
  send.body = event.Encode();
  send.delay_seconds = std::min<int64_t>(delay_s, 900);
  auto sent = engine_.SendMessage(internal_, queue_url_, std::move(send));
  if (!sent.ok()) log::Error("lambda: cannot requeue async event " + event.request_id + ": " + sent.error().message);
}

void AsyncInvocations::Delete(const std::string& receipt) {
  auto deleted = engine_.DeleteMessage(internal_, queue_url_, receipt);
  if (!deleted.ok()) log::Warn("lambda: cannot delete an async event: " + deleted.error().message);
}

std::string AsyncInvocations::Record(const Event& event, const std::string& function_arn,
                                     std::string_view condition, const InvokeResult* last) const {
  json::object record;
  record["version"] = "1.0";
  record["timestamp"] = FormatIsoUtcMs(clock_.NowMs());
  json::object context;
  context["requestId"] = event.request_id;
  context["functionArn"] = function_arn;
  context["condition"] = condition;
  context["approximateInvokeCount"] = event.attempts;
  record["requestContext"] = std::move(context);
  record["requestPayload"] = Embed(event.payload);
  if (last != nullptr) {
    json::object response;
    response["statusCode"] = 200;
    response["executedVersion"] = last->executed_version;
    if (last->outcome == InvokeResult::Outcome::kFunctionError) response["functionError"] = "Unhandled";
    record["responseContext"] = std::move(response);
    record["responsePayload"] = Embed(last->payload);
  }
  return json::serialize(record);
}

void AsyncInvocations::Fail(const Event& event, const InvokeTarget* target, const InvokeResult* last,
                            std::string_view condition) {
  const EventInvokeSettings& settings = target->event_settings;
  if (!settings.on_failure_arn.empty()) {
    Deliver(settings.on_failure_arn, Record(event, target->qualified_arn, condition, last), event);
  }
  const std::string& dlq = target->spec->dead_letter_arn;
  if (!dlq.empty()) {
    // The original event, with why it failed (reference/lambda.md §4.4).
    std::string message;
    if (last != nullptr) {
      boost::system::error_code ec;
      json::value v = json::parse(last->payload, ec);
      if (!ec && v.is_object()) {
        if (const json::value* m = v.get_object().if_contains("errorMessage"); m && m->is_string()) {
          message = std::string(m->get_string());
        }
      }
      if (message.empty()) message = last->error_type;
    } else {
      message = "Event age exceeded";
    }
    if (message.size() > kDlqErrorMessageBytes) message.resize(kDlqErrorMessageBytes);
    sqs::MessageAttributes attrs;
    attrs["RequestID"] = sqs::MessageAttributeValue{"String", event.request_id, ""};
    attrs["ErrorCode"] = sqs::MessageAttributeValue{"Number", "200", ""};
    if (!message.empty()) attrs["ErrorMessage"] = sqs::MessageAttributeValue{"String", message, ""};
    if (sqs::ParseQueueArn(dlq)) {
      SendToQueue(dlq, event.payload, attrs);
    } else {
      log::Warn("lambda: dead-letter target " + dlq + " is not an SQS queue; event " + event.request_id + " dropped");
    }
  }
  if (settings.on_failure_arn.empty() && dlq.empty()) {
    log::Info("lambda: async event " + event.request_id + " for " + event.function + " discarded (" +
              std::string(condition) + ")");
  }
}

void AsyncInvocations::SendToQueue(const std::string& queue_arn, const std::string& body,
                                   const sqs::MessageAttributes& attributes) {
  std::optional<sqs::QueueArn> queue = sqs::ParseQueueArn(queue_arn);
  if (!queue) {
    log::Warn("lambda: " + queue_arn + " is not an SQS queue ARN");
    return;
  }
  sqs::RequestContext ctx;
  ctx.region = queue->region;
  ctx.account = queue->account;
  ctx.url_base = "internal:";
  sqs::SendRequest send;
  send.body = body;
  send.attributes = attributes;
  auto sent = engine_.SendMessage(ctx, queue->Url(), std::move(send));
  if (!sent.ok()) {
    log::Warn("lambda: delivery to " + queue_arn + " failed: " + sent.error().message);
  }
}

void AsyncInvocations::Deliver(const std::string& destination_arn, const std::string& record, const Event& event) {
  Arn a;
  if (!ParseArn(destination_arn, &a)) {
    log::Warn("lambda: invalid destination " + destination_arn);
    return;
  }
  if (a.service == "sqs") {
    SendToQueue(destination_arn, record, {});
  } else if (a.service == "lambda" && a.resource.starts_with("function:")) {
    std::string name = a.resource.substr(9);
    std::string qualifier;
    if (size_t colon = name.find(':'); colon != std::string::npos) {
      qualifier = name.substr(colon + 1);
      name.resize(colon);
    }
    std::optional<InvokeTarget> target = resolve_(a.region, a.account, name, qualifier);
    if (!target) {
      log::Warn("lambda: destination function " + destination_arn + " does not exist");
      return;
    }
    InvokeRequest req;
    req.target = std::move(*target);
    req.request_id = NewUuid();
    req.payload = record;
    Enqueue(std::move(req), [] {});
  } else {
    log::Warn("lambda: destination type of " + destination_arn + " is not supported yet; record for " +
              event.request_id + " dropped");
  }
}

}  // namespace eddy::lambda
