#pragma once
// SQS data model shared by the engine and the API layer: queue configuration, message payloads and the
// typed requests/results of each action. No protocol or storage details here.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sqs/errors.h"

namespace eddy::sqs {

using StringMap = std::map<std::string, std::string>;

// Queue attributes a client can set, in typed form. Conversions to and from the attribute map, with
// AWS's validation, live in queue_attributes.h.
struct QueueConfig {
  int64_t delay_seconds = 0;
  int64_t maximum_message_size = 1048576;
  int64_t message_retention_period = 345600;
  int64_t receive_message_wait_time_seconds = 0;
  int64_t visibility_timeout = 30;
  std::string policy;                // empty = unset
  std::string redrive_policy;        // normalised JSON, empty = unset
  std::string redrive_target_arn;    // parsed from redrive_policy
  int64_t max_receive_count = 0;     // parsed from redrive_policy; 0 = no dead-letter queue
  std::string redrive_allow_policy;  // normalised JSON, empty = unset (allowAll)
  std::string redrive_permission;    // parsed: "allowAll", "denyAll", "byQueue"; empty = unset
  std::vector<std::string> redrive_source_arns;  // parsed, byQueue only
  std::string kms_master_key_id;     // empty = unset
  int64_t kms_data_key_reuse_period_seconds = 300;
  bool sqs_managed_sse_enabled = true;
  // FIFO (issue 3).
  bool fifo_queue = false;
  bool content_based_deduplication = false;
  std::string deduplication_scope = "queue";
  std::string fifo_throughput_limit = "perQueue";
};

struct MessageAttributeValue {
  std::string data_type;     // "String", "Number", "Binary", optionally ".label"
  std::string string_value;  // String/Number
  std::string binary_value;  // raw bytes (already base64-decoded)
  bool is_binary() const;    // DataType starts with "Binary"
};
// Ordered by name (byte-wise), which is also the order the MD5 digest needs.
using MessageAttributes = std::map<std::string, MessageAttributeValue>;

// The immutable part of a message, shared (never copied) between the queue, the store and receivers.
struct MessagePayload {
  std::string message_id;
  std::string body;
  std::string md5_of_body;
  MessageAttributes attributes;
  std::string md5_of_attributes;  // empty when there are no attributes
  std::string trace_header;       // AWSTraceHeader system attribute, empty if none
  std::string sender_id;
  int64_t sent_ms = 0;
  std::string group_id;                // FIFO, or fair standard queues
  std::string deduplication_id;        // FIFO
  std::string dead_letter_source_arn;  // set when dead-lettered

  // Binary encoding for the store; Decode returns nullopt on corrupt input.
  std::string Encode() const;
  static std::optional<MessagePayload> Decode(std::string_view bytes);
};
using PayloadPtr = std::shared_ptr<const MessagePayload>;

// MD5OfMessageAttributes: the digest AWS defines over name, data type, transport type and value of each
// attribute in name order (reference/sqs.md §4.3). Empty string for no attributes.
std::string Md5OfAttributes(const MessageAttributes& attributes);

// A queue named by its ARN, arn:aws:sqs:REGION:ACCOUNT:NAME.
struct QueueArn {
  std::string region;
  std::string account;
  std::string name;
  // The engine's queue-URL form for it ("ACCOUNT/NAME"; the engine reads only the last two parts), for
  // Eddy's own services that address queues by ARN.
  std::string Url() const { return account + "/" + name; }
};
// nullopt unless `arn` is an SQS queue ARN with a region, an account and a name.
std::optional<QueueArn> ParseQueueArn(std::string_view arn);

// Who is calling and how to spell URLs back to them.
struct RequestContext {
  std::string region = "us-east-1";
  std::string account = "000000000000";
  std::string url_base;      // "http://host:port", used to build queue URLs in responses
  std::string trace_header;  // X-Amzn-Trace-Id request header, if any
};

// ---- Requests and results (wire-neutral). ----

struct SendRequest {
  std::string body;
  std::optional<int64_t> delay_seconds;
  MessageAttributes attributes;
  std::optional<std::string> trace_header;  // MessageSystemAttributes.AWSTraceHeader
  std::optional<std::string> deduplication_id;
  std::optional<std::string> group_id;
};

struct SendResult {
  std::string message_id;
  std::string md5_of_body;
  std::string md5_of_attributes;         // empty = omit
  std::string md5_of_system_attributes;  // empty = omit
  std::string sequence_number;           // empty = omit
};

struct ReceiveRequest {
  int64_t max_messages = 1;
  std::optional<int64_t> wait_seconds;        // nullopt = queue default
  std::optional<int64_t> visibility_timeout;  // nullopt = queue default
  std::vector<std::string> system_attribute_names;   // "All" or names
  std::vector<std::string> message_attribute_names;  // "All", ".*", exact names, "prefix.*"
  std::optional<std::string> receive_request_attempt_id;
};

struct ReceivedMessage {
  PayloadPtr payload;
  std::string receipt_handle;
  StringMap system_attributes;     // only the selected ones
  MessageAttributes attributes;    // only the selected ones
  std::string md5_of_attributes;   // over the selected subset; empty = omit
};

struct ReceiveResult {
  std::vector<ReceivedMessage> messages;
  uint64_t commit = 0;  // store ticket to await before answering
};

struct BatchError {
  std::string id;
  Errc code;
  std::string message;
  bool sender_fault = true;
};

}  // namespace eddy::sqs
