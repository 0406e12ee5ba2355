#include "server/event_targets.h"

#include "common/crypto.h"
#include "sqs/model.h"

namespace eddy::server {
namespace {

using events::SendOutcome;

// arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] -> region, account.
bool FunctionArnScope(const std::string& arn, std::string* region, std::string* account) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= arn.size(); ++i) {
    if (i == arn.size() || arn[i] == ':') {
      parts.push_back(arn.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() < 7 || parts[2] != "lambda" || parts[5] != "function") return false;
  *region = parts[3];
  *account = parts[4];
  return true;
}

}  // namespace

events::TargetSinks MakeTargetSinks(sqs::Engine& engine, const lambda::Registry& registry,
                                    lambda::AsyncInvocations& async) {
  events::TargetSinks sinks;
  sinks.invoke_lambda = [&registry, &async](const std::string& arn, const std::string& payload) {
    std::string region, account;
    if (!FunctionArnScope(arn, &region, &account)) {
      return SendOutcome::Failed(false, "RESOURCE_NOT_FOUND", "Invalid function ARN: " + arn);
    }
    auto target = registry.Resolve(region, account, arn, "");
    if (!target.ok()) return SendOutcome::Failed(false, "RESOURCE_NOT_FOUND", target.error().message);
    lambda::InvokeRequest request;
    request.target = std::move(target.value());
    request.request_id = NewUuid();
    request.payload = payload;
    async.Enqueue(std::move(request), [] {});
    return SendOutcome::Ok();
  };
  sinks.send_sqs = [&engine](const std::string& arn, const std::string& body, const std::string& group_id,
                             const std::string& deduplication_id,
                             const std::vector<std::pair<std::string, std::string>>& attributes) {
    std::optional<sqs::QueueArn> queue = sqs::ParseQueueArn(arn);
    if (!queue) return SendOutcome::Failed(false, "RESOURCE_NOT_FOUND", "Invalid queue ARN: " + arn);
    sqs::RequestContext ctx;
    ctx.region = queue->region;
    ctx.account = queue->account;
    ctx.url_base = "internal:";
    sqs::SendRequest send;
    send.body = body;
    for (const auto& [name, value] : attributes) {
      sqs::MessageAttributeValue v;
      v.data_type = "String";
      v.string_value = value;
      send.attributes[name] = std::move(v);
    }
    if (!group_id.empty()) send.group_id = group_id;
    const bool fifo = queue->name.ends_with(".fifo");
    if (fifo && !deduplication_id.empty()) send.deduplication_id = deduplication_id;
    auto sent = engine.SendMessage(ctx, queue->Url(), std::move(send));
    if (sent.ok()) return SendOutcome::Ok();
    const sqs::Error& e = sent.error();
    if (e.code == sqs::Errc::kQueueDoesNotExist) {
      return SendOutcome::Failed(false, "RESOURCE_NOT_FOUND", e.message);
    }
    if (e.code == sqs::Errc::kInternalError || e.code == sqs::Errc::kRequestThrottled) {
      return SendOutcome::Failed(true, "INTERNAL_ERROR", e.message);
    }
    return SendOutcome::Failed(false, "SDK_CLIENT_ERROR", e.message);
  };
  return sinks;
}

}  // namespace eddy::server
