#pragma once
// LogStore: the CloudWatch Logs data Eddy keeps, in memory only (nothing survives a restart). Log
// groups live per region; each holds streams, and each stream its events ordered by (timestamp, seq),
// where seq is a store-wide counter assigned at append. That order is the one GetLogEvents and
// FilterLogEvents return, and (timestamp, seq) is what their tokens point at.
//
// Bounded: a stream keeps at most `max_events_per_stream` events and a group at most
// `max_bytes_per_group` message bytes; beyond either cap the oldest events (smallest timestamp) are
// dropped. A group keeps at most `max_streams_per_group` streams; beyond it the stream that was written
// to least recently goes (Lambda makes one stream per execution environment, so they accumulate).
//
// Thread-safety: every method may be called from any thread; one mutex guards everything (reads copy
// what they return). Lifetime: the clock must outlive the store.

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "logs/errors.h"

namespace eddy::logs {

struct LogEvent {
  int64_t timestamp_ms = 0;
  std::string message;  // one line, no trailing newline needed
};

struct LogStoreOptions {
  size_t max_events_per_stream = 10000;
  size_t max_bytes_per_group = 64 << 20;
  size_t max_streams_per_group = 10000;
};

// A point in a stream's (or a group's merged) event order: events are ordered by (timestamp, seq) and
// seq is unique store-wide, so a key names at most one event. Cursors are "gaps": the position just
// after `key` (every event with a greater key comes after it). seq 0 is never assigned, so the gap
// {t, 0} is "before every event at time t".
struct EventKey {
  int64_t timestamp_ms = 0;
  uint64_t seq = 0;
  auto operator<=>(const EventKey&) const = default;
};

struct StoredEvent {
  int64_t timestamp_ms = 0;
  int64_t ingestion_ms = 0;
  uint64_t seq = 0;
  std::string message = {};
  EventKey key() const { return {timestamp_ms, seq}; }
};

struct GroupInfo {
  std::string name = {};
  int64_t creation_ms = 0;
  uint64_t stored_bytes = 0;
  std::optional<int> retention_days = {};
};

struct StreamInfo {
  std::string name = {};
  int64_t creation_ms = 0;
  // Unset until the stream got its first event.
  std::optional<int64_t> first_event_ms = {};
  std::optional<int64_t> last_event_ms = {};
  std::optional<int64_t> last_ingestion_ms = {};
  uint64_t upload_count = 0;  // number of appends (PutLogEvents or Append calls) so far
  uint64_t last_seq = 0;      // seq of the newest event ever appended (0 = none)
};

struct GroupQuery {
  std::string prefix = {};   // name prefix; empty = all
  std::string pattern = {};  // case-insensitive substring of the name; empty = all
  std::vector<std::string> names = {};  // only these groups; empty = all
  std::optional<std::string> after = {};  // resume after this name (exclusive)
  size_t limit = 50;
};

struct GroupPage {
  std::vector<GroupInfo> groups = {};
  bool more = false;  // another page exists after the last group returned
};

struct StreamQuery {
  std::string prefix = {};
  bool order_by_last_event = false;  // else by name
  bool descending = false;
  // Resume after this entry of the chosen order: {name} for name order, {last event time, name}.
  struct Cursor {
    int64_t last_event_ms = 0;
    std::string name = {};
  };
  std::optional<Cursor> after = {};
  size_t limit = 50;
};

struct StreamPage {
  std::vector<StreamInfo> streams = {};
  bool more = false;
};

struct EventQuery {
  std::optional<int64_t> start_ms = {};  // inclusive
  std::optional<int64_t> end_ms = {};    // exclusive (GetLogEvents semantics)
  size_t limit = 10000;
  size_t max_bytes = 1 << 20;  // AWS caps a response at 1 MB
  bool start_from_head = false;
  // Read forward (events after the gap) or backward (events up to the gap). Unset: from the head or
  // the tail of the time range, per start_from_head.
  enum class Direction { kForward, kBackward };
  struct Cursor {
    Direction direction = Direction::kForward;
    EventKey gap = {};
  };
  std::optional<Cursor> cursor = {};
};

struct EventPage {
  std::vector<StoredEvent> events = {};  // ascending
  EventKey forward_gap = {};   // after the last event returned (or the cursor when nothing was)
  EventKey backward_gap = {};  // before the first event returned (or the cursor when nothing was)
};

// Matches one event message; FilterEvents calls it under the store lock, so it must be quick.
class MessageMatcher {
 public:
  virtual ~MessageMatcher() = default;
  virtual bool Matches(std::string_view message) const = 0;
};

struct FilterQuery {
  std::vector<std::string> stream_names = {};  // empty = all streams (subject to prefix)
  std::string stream_prefix = {};
  std::optional<int64_t> start_ms = {};  // inclusive
  std::optional<int64_t> end_ms = {};    // inclusive (FilterLogEvents semantics)
  std::optional<EventKey> after = {};    // resume after this gap
  size_t limit = 10000;
  size_t max_bytes = 1 << 20;
  const MessageMatcher* matcher = nullptr;  // null = every event
};

struct FilteredEvent {
  std::string stream_name = {};
  StoredEvent event = {};
};

struct FilterPage {
  std::vector<FilteredEvent> events = {};  // ascending by (timestamp, seq) across streams
  bool more = false;                  // more matching events exist after the last one returned
};

class LogStore {
 public:
  explicit LogStore(const Clock& clock, LogStoreOptions options = {});
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Creates the group and the stream if they don't exist. Thread-safe; cheap (called per log line
  // burst). Events may come in any order; negative timestamps count as 0.
  void Append(const std::string& region, const std::string& group, const std::string& stream,
              std::vector<LogEvent> events);

  // The API's writes. Errors: ResourceAlreadyExists / ResourceNotFound with AWS's messages.
  Status CreateGroup(const std::string& region, const std::string& group);
  Status DeleteGroup(const std::string& region, const std::string& group);
  Status CreateStream(const std::string& region, const std::string& group, const std::string& stream);
  Status DeleteStream(const std::string& region, const std::string& group, const std::string& stream);
  Status SetRetention(const std::string& region, const std::string& group,
                      std::optional<int> retention_days);
  // Appends to an existing stream; returns the stream's upload count afterwards (the sequence token).
  Result<uint64_t> Put(const std::string& region, const std::string& group, const std::string& stream,
                       std::vector<LogEvent> events);

  // Reads.
  GroupPage DescribeGroups(const std::string& region, const GroupQuery& query) const;
  Result<GroupInfo> DescribeGroup(const std::string& region, const std::string& group) const;
  Result<StreamPage> DescribeStreams(const std::string& region, const std::string& group,
                                     const StreamQuery& query) const;
  Result<EventPage> GetEvents(const std::string& region, const std::string& group,
                              const std::string& stream, const EventQuery& query) const;
  Result<FilterPage> FilterEvents(const std::string& region, const std::string& group,
                                  const FilterQuery& query) const;

 private:
  struct Stream;
  struct Group;
  using GroupMap = std::map<std::string, std::unique_ptr<Group>, std::less<>>;

  Group* FindGroupLocked(std::string_view region, std::string_view group) const;
  Group& EnsureGroupLocked(const std::string& region, const std::string& group);
  Stream& EnsureStreamLocked(Group& g, const std::string& stream);
  void AppendLocked(Group& g, Stream& s, std::vector<LogEvent> events);
  void EnforceCapsLocked(Group& g, Stream& s);
  void PopFrontLocked(Group& g, Stream& s);

  const Clock& clock_;
  const LogStoreOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, GroupMap, std::less<>> regions_;
  uint64_t next_seq_ = 1;
};

// "YYYY/MM/DD/[VERSION]<32 lower-case hex>": the name Lambda gives an execution environment's stream
// (UTC date of `now_ms`, random suffix).
std::string LambdaLogStreamName(int64_t now_ms, std::string_view version = "$LATEST");

}  // namespace eddy::logs
