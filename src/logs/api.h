#pragma once
// Api: the CloudWatch Logs operations over the AWS JSON 1.1 request and response objects (member names
// exactly as in botocore logs/2014-03-28), on a LogStore.
//
// Implemented: DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents (what `aws logs
// tail` and SDK log readers use), plus CreateLogGroup, DeleteLogGroup, CreateLogStream,
// DeleteLogStream, PutLogEvents, PutRetentionPolicy and DeleteRetentionPolicy. Anything else answers
// UnknownOperationException.
//
// Validation follows AWS's framework: a member of the wrong JSON type is a SerializationException;
// model constraints (lengths, patterns, ranges, required members) are InvalidParameterException with
// the "N validation error(s) detected: Value '...' at '...' failed to satisfy constraint: ..." text.
//
// Thread-safety: stateless apart from the store; Handle() may be called from any thread.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/clock.h"
#include "logs/errors.h"
#include "logs/log_store.h"

namespace eddy::logs {

struct RequestContext {
  std::string region = "us-east-1";
  std::string account = "000000000000";
};

class Api {
 public:
  Api(LogStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Runs `operation` ("DescribeLogGroups", ...) on `input`; the result is the response object.
  Result<boost::json::object> Handle(std::string_view operation, const boost::json::object& input,
                                     const RequestContext& ctx);

  static bool IsImplemented(std::string_view operation);

 private:
  LogStore& store_;
  const Clock& clock_;
};

// Token and id codecs (exposed for tests). GetLogEvents tokens look like AWS's: "f/<56 digits>/s"
// and "b/<56 digits>/s", where the digits are the decimal of (timestamp << 64 | seq) of a gap;
// event ids are the same 56 digits for the event's own key. The describe/filter tokens are opaque
// base64url strings.
namespace tokens {

std::string EventToken(EventQuery::Direction direction, const EventKey& gap);
std::optional<EventQuery::Cursor> ParseEventToken(std::string_view token);
std::string EventId(const EventKey& key);

std::string FilterToken(const EventKey& gap);
std::optional<EventKey> ParseFilterToken(std::string_view token);

std::string GroupToken(std::string_view last_name);
std::optional<std::string> ParseGroupToken(std::string_view token);

std::string StreamToken(const StreamQuery::Cursor& cursor);
std::optional<StreamQuery::Cursor> ParseStreamToken(std::string_view token);

}  // namespace tokens
}  // namespace eddy::logs
