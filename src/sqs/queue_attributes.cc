#include "sqs/queue_attributes.h"

#include <boost/json.hpp>

#include <cctype>
#include <charconv>
#include <set>

namespace eddy::sqs {
namespace {

Unexpected<Error> InvalidValue(const std::string& name) {
  return Fail(Errc::kInvalidAttributeValue, "Invalid value for the parameter " + name + ".");
}

Unexpected<Error> UnknownAttribute(const std::string& name) {
  return Fail(Errc::kInvalidAttributeName, "Unknown Attribute " + name + ".");
}

bool ParseInt(const std::string& text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && p == end;
}

bool ParseBool(const std::string& text, bool* out) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "true") return *out = true, true;
  if (lower == "false") return *out = false, true;
  return false;
}

Status SetRange(const std::string& name, const std::string& value, int64_t lo, int64_t hi,
                int64_t* field) {
  int64_t v = 0;
  if (!ParseInt(value, &v) || v < lo || v > hi) return InvalidValue(name);
  *field = v;
  return {};
}

const std::set<std::string>& ReadOnlyNames() {
  static const std::set<std::string> names = {
      "QueueArn", "CreatedTimestamp", "LastModifiedTimestamp", "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"};
  return names;
}

const std::set<std::string>& SettableNames() {
  static const std::set<std::string> names = {
      "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
      "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "Policy", "RedrivePolicy",
      "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
      "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
      "FifoThroughputLimit"};
  return names;
}

bool IsFifoOnly(const std::string& name) {
  return name == "FifoQueue" || name == "ContentBasedDeduplication" ||
         name == "DeduplicationScope" || name == "FifoThroughputLimit";
}

Unexpected<Error> InvalidPolicy(const std::string& name, const std::string& value,
                                const std::string& reason) {
  return InvalidParameterValue(value, name, reason);
}

// RedrivePolicy: {"deadLetterTargetArn": "<arn>", "maxReceiveCount": N}, N given as a number or a
// string, 1..1000. Returned in AWS's form, with N as a number.
struct RedrivePolicy {
  std::string normalised;
  std::string target_arn;
  int64_t max_receive_count = 0;
};

Result<RedrivePolicy> ParseRedrivePolicy(const std::string& value) {
  const std::string name = "RedrivePolicy";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(value, ec);
  if (ec || !v.is_object()) return InvalidPolicy(name, value, "Redrive policy is not a valid JSON map.");
  const auto& o = v.as_object();
  const auto* arn = o.if_contains("deadLetterTargetArn");
  const auto* count = o.if_contains("maxReceiveCount");
  if (arn == nullptr || !arn->is_string()) {
    return InvalidPolicy(name, value,
                         "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  if (count == nullptr) {
    return InvalidPolicy(name, value,
                         "Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  }
  for (const auto& [key, unused] : o) {
    if (key != "deadLetterTargetArn" && key != "maxReceiveCount") {
      return InvalidPolicy(name, value, "Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].");
    }
  }
  int64_t n = 0;
  bool parsed = count->is_int64() ? (n = count->as_int64(), true)
                : count->is_string() ? ParseInt(std::string(count->as_string()), &n)
                                     : false;
  if (!parsed || n < 1 || n > 1000) {
    std::string shown = count->is_string() ? std::string(count->as_string())
                                           : boost::json::serialize(*count);
    return InvalidPolicy(name, value,
                         "Invalid value for maxReceiveCount: " + shown +
                             ", valid values are from 1 to 1000 both inclusive.");
  }
  boost::json::object out;
  out["deadLetterTargetArn"] = arn->as_string();
  out["maxReceiveCount"] = n;
  return RedrivePolicy{boost::json::serialize(out), std::string(arn->as_string()), n};
}

// RedriveAllowPolicy: {"redrivePermission": "allowAll|denyAll|byQueue", "sourceQueueArns": [...]},
// the list only (and 1..10 of them) with byQueue.
struct RedriveAllowPolicy {
  std::string normalised;
  std::string permission;
  std::vector<std::string> source_arns;
};

Result<RedriveAllowPolicy> ParseRedriveAllowPolicy(const std::string& value) {
  const std::string name = "RedriveAllowPolicy";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(value, ec);
  if (ec || !v.is_object()) return InvalidPolicy(name, value, "Invalid value for the parameter RedriveAllowPolicy.");
  const auto& o = v.as_object();
  const auto* permission = o.if_contains("redrivePermission");
  const auto* sources = o.if_contains("sourceQueueArns");
  if (permission == nullptr || !permission->is_string() ||
      (permission->as_string() != "allowAll" && permission->as_string() != "denyAll" &&
       permission->as_string() != "byQueue")) {
    return InvalidPolicy(name, value, "Invalid value for redrivePermission. Valid values are allowAll, denyAll and byQueue.");
  }
  boost::json::object out;
  out["redrivePermission"] = permission->as_string();
  RedriveAllowPolicy policy;
  policy.permission = std::string(permission->as_string());
  if (permission->as_string() == "byQueue") {
    if (sources == nullptr || !sources->is_array() || sources->as_array().empty() ||
        sources->as_array().size() > 10) {
      return InvalidPolicy(name, value, "Please specify between 1 and 10 sourceQueueArns when redrivePermission is set to byQueue.");
    }
    for (const auto& arn : sources->as_array()) {
      if (!arn.is_string()) return InvalidPolicy(name, value, "sourceQueueArns must be a list of queue ARNs.");
      policy.source_arns.emplace_back(arn.as_string());
    }
    out["sourceQueueArns"] = *sources;
  } else if (sources != nullptr) {
    return InvalidPolicy(name, value, "sourceQueueArns can only be specified when redrivePermission is set to byQueue.");
  }
  policy.normalised = boost::json::serialize(out);
  return policy;
}

}  // namespace

bool IsKnownQueueAttribute(const std::string& name) {
  return SettableNames().count(name) > 0 || ReadOnlyNames().count(name) > 0;
}

Status ValidateQueueName(const std::string& name, bool fifo) {
  std::string_view base = name;
  bool has_suffix = base.size() >= 5 && base.substr(base.size() - 5) == ".fifo";
  if (has_suffix) base.remove_suffix(5);
  bool chars_ok = !base.empty() && name.size() <= 80;
  for (char c : base) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) chars_ok = false;
  }
  if (fifo) {
    if (!chars_ok || !has_suffix) {
      return Fail(Errc::kInvalidParameterValue,
                  "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                  "underscores, must end with .fifo suffix and be 1 to 80 in length");
    }
  } else if (!chars_ok || has_suffix) {
    return Fail(Errc::kInvalidParameterValue,
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                "length");
  }
  return {};
}

Status ApplyQueueAttributes(const StringMap& attributes, QueueConfig* c) {
  // Both SSE kinds in one request is an error, whatever the order of the map.
  auto sse = attributes.find("SqsManagedSseEnabled");
  auto kms = attributes.find("KmsMasterKeyId");
  if (sse != attributes.end() && kms != attributes.end() && !kms->second.empty()) {
    bool on = false;
    if (ParseBool(sse->second, &on) && on) {
      return Fail(Errc::kInvalidAttributeName,
                  "You can use one type of server-side encryption (SSE) at one time. You can either "
                  "enable KMS SSE or SQS SSE.");
    }
  }
  for (const auto& [name, value] : attributes) {
    if (ReadOnlyNames().count(name) || !SettableNames().count(name)) return UnknownAttribute(name);
    if (!c->fifo_queue && IsFifoOnly(name)) {
      if (name == "FifoQueue" || name == "ContentBasedDeduplication") return UnknownAttribute(name);
      return Fail(Errc::kInvalidAttributeName,
                  "You can specify the " + name + " only when FifoQueue is set to true.");
    }
    if (name == "DelaySeconds") {
      if (auto s = SetRange(name, value, 0, 900, &c->delay_seconds); !s) return s;
    } else if (name == "MaximumMessageSize") {
      if (auto s = SetRange(name, value, 1024, 1048576, &c->maximum_message_size); !s) return s;
    } else if (name == "MessageRetentionPeriod") {
      if (auto s = SetRange(name, value, 60, 1209600, &c->message_retention_period); !s) return s;
    } else if (name == "ReceiveMessageWaitTimeSeconds") {
      if (auto s = SetRange(name, value, 0, 20, &c->receive_message_wait_time_seconds); !s) return s;
    } else if (name == "VisibilityTimeout") {
      if (auto s = SetRange(name, value, 0, 43200, &c->visibility_timeout); !s) return s;
    } else if (name == "KmsDataKeyReusePeriodSeconds") {
      if (auto s = SetRange(name, value, 60, 86400, &c->kms_data_key_reuse_period_seconds); !s) {
        return s;
      }
    } else if (name == "Policy") {
      if (value.size() > 8192) return InvalidValue(name);
      c->policy = value;
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {  // "" removes the policy
        c->redrive_policy.clear();
        c->redrive_target_arn.clear();
        c->max_receive_count = 0;
      } else {
        auto policy = ParseRedrivePolicy(value);
        if (!policy) return std::move(policy).error();
        c->redrive_policy = std::move(policy->normalised);
        c->redrive_target_arn = std::move(policy->target_arn);
        c->max_receive_count = policy->max_receive_count;
      }
    } else if (name == "RedriveAllowPolicy") {
      if (value.empty()) {
        c->redrive_allow_policy.clear();
        c->redrive_permission.clear();
        c->redrive_source_arns.clear();
      } else {
        auto policy = ParseRedriveAllowPolicy(value);
        if (!policy) return std::move(policy).error();
        c->redrive_allow_policy = std::move(policy->normalised);
        c->redrive_permission = std::move(policy->permission);
        c->redrive_source_arns = std::move(policy->source_arns);
      }
    } else if (name == "KmsMasterKeyId") {
      c->kms_master_key_id = value;
      if (!value.empty()) c->sqs_managed_sse_enabled = false;
    } else if (name == "SqsManagedSseEnabled") {
      bool on = false;
      if (!ParseBool(value, &on)) return InvalidValue(name);
      c->sqs_managed_sse_enabled = on;
      if (on) c->kms_master_key_id.clear();
    } else if (name == "FifoQueue") {
      bool on = false;
      if (!ParseBool(value, &on)) return InvalidValue(name);
      if (!on) {
        return Fail(Errc::kInvalidAttributeValue,
                    "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
                    "supported.");
      }
    } else if (name == "ContentBasedDeduplication") {
      if (!ParseBool(value, &c->content_based_deduplication)) return InvalidValue(name);
    } else if (name == "DeduplicationScope") {
      if (value != "queue" && value != "messageGroup") return InvalidValue(name);
      c->deduplication_scope = value;
    } else if (name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId") return InvalidValue(name);
      c->fifo_throughput_limit = value;
    }
  }
  return {};
}

StringMap RenderQueueAttributes(const QueueConfig& c) {
  StringMap m;
  m["DelaySeconds"] = std::to_string(c.delay_seconds);
  m["MaximumMessageSize"] = std::to_string(c.maximum_message_size);
  m["MessageRetentionPeriod"] = std::to_string(c.message_retention_period);
  m["ReceiveMessageWaitTimeSeconds"] = std::to_string(c.receive_message_wait_time_seconds);
  m["VisibilityTimeout"] = std::to_string(c.visibility_timeout);
  if (!c.policy.empty()) m["Policy"] = c.policy;
  if (!c.redrive_policy.empty()) m["RedrivePolicy"] = c.redrive_policy;
  if (!c.redrive_allow_policy.empty()) m["RedriveAllowPolicy"] = c.redrive_allow_policy;
  if (!c.kms_master_key_id.empty()) {
    m["KmsMasterKeyId"] = c.kms_master_key_id;
    m["KmsDataKeyReusePeriodSeconds"] = std::to_string(c.kms_data_key_reuse_period_seconds);
  }
  m["SqsManagedSseEnabled"] = c.sqs_managed_sse_enabled ? "true" : "false";
  if (c.fifo_queue) {
    m["FifoQueue"] = "true";
    m["ContentBasedDeduplication"] = c.content_based_deduplication ? "true" : "false";
    m["DeduplicationScope"] = c.deduplication_scope;
    m["FifoThroughputLimit"] = c.fifo_throughput_limit;
  }
  return m;
}

}  // namespace eddy::sqs
