#pragma once
// Engine internals shared by the engine's implementation files (engine.cc, move_tasks.cc). Not for use
// outside src/sqs. Everything here is guarded by Engine::mu_.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sqs/engine.h"

namespace eddy::sqs {

// Queues are keyed "region/account/name" (ordered, so one account's queues are a contiguous range).
inline std::string QueueKey(std::string_view region, std::string_view account, std::string_view name) {
  std::string key;
  key.reserve(region.size() + account.size() + name.size() + 2);
  key.append(region).append("/").append(account).append("/").append(name);
  return key;
}

inline std::string SqsArn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:sqs:";
  arn.append(region).append(":").append(account).append(":").append(name);
  return arn;
}

enum class Engine::MessageState : uint8_t { kDetached, kDelayed, kVisible, kInFlight };

struct Engine::Message {
  using State = MessageState;
  uint64_t seq = 0;
  PayloadPtr payload;
  State state = State::kDetached;  // kDetached only while being added or removed
  int64_t visible_at = 0;  // when a delayed or in-flight message becomes visible
  int32_t receive_count = 0;
  int64_t first_receive_ms = 0;
  uint64_t receipt_nonce = 0;
  int64_t received_at = 0;  // start of the current receive, for the 12-hour visibility cap
};

struct Engine::Queue {
  uint64_t id = 0;
  std::string key;  // region/account/name
  std::string region;
  std::string account;
  std::string name;
  QueueConfig config;
  StringMap tags;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  int64_t last_purge_ms = INT64_MIN / 2;

  std::map<uint64_t, Message> messages;  // every message, by seq (= send order)
  std::set<uint64_t> ready;              // visible messages, by seq
  size_t delayed = 0;
  size_t in_flight = 0;
  std::deque<uint64_t> waiters;  // parked long polls, oldest first

  // ---- FIFO only ----
  // A message group: its visible messages in order, and how many are in flight. A group with a message
  // in flight is blocked; an unblocked group with visible messages is listed in `available`, ordered by
  // its oldest visible message, which is where receives look.
  struct Group {
    std::set<uint64_t> ready;
    size_t in_flight = 0;
    uint64_t listed_seq = 0;  // its key in `available`, 0 = not listed
  };
  std::unordered_map<std::string, Group> groups;
  std::set<std::pair<uint64_t, std::string>> available;  // (oldest visible seq, group id)
  // Deduplication ids seen in the last 5 minutes, even of deleted messages.
  struct Dedup {
    int64_t expires_ms = 0;
    std::string message_id;
    uint64_t seq = 0;
    uint64_t commit = 0;  // store ticket of the original send
  };
  std::unordered_map<std::string, Dedup> dedup;
  std::deque<std::pair<int64_t, std::string>> dedup_expiry;  // (expires, key), oldest first
  // ReceiveRequestAttemptId -> what that receive returned, for 5 minutes.
  struct Attempt {
    int64_t expires_ms = 0;
    std::vector<std::pair<uint64_t, uint64_t>> taken;  // (seq, receipt nonce)
  };
  std::unordered_map<std::string, Attempt> attempts;
};

struct Engine::Waiter {
  uint64_t id = 0;
  uint64_t queue_id = 0;
  int64_t deadline = 0;
  ReceiveRequest request;
  ReceiveCallback done;
};

// A message move task (StartMessageMoveTask). Owned by move_tasks.cc, which defines the methods.
struct Engine::MoveTask {
  enum class State : uint8_t { kRunning, kCompleted, kCancelling, kCancelled, kFailed };
  uint64_t id = 0;       // creation order; the store key is "sqs.move_task.<id>"
  std::string task_id;   // the id inside the handle (a UUID)
  std::string handle;    // base64 of {"taskId":...,"sourceArn":...}
  State state = State::kRunning;
  std::string source_arn;
  std::string destination_arn;  // empty = each message back to its own source
  std::optional<int64_t> max_per_second;
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;
  int64_t started_ms = 0;
  // The queues as they were at start (ids are never reused): deleting one fails the task even if a
  // queue of the same name is created again. destination_queue_id 0 = own sources.
  uint64_t source_queue_id = 0;
  uint64_t destination_queue_id = 0;
  // When the destination is the source itself: the first seq this task re-enqueued there. Messages
  // from it on are not moved again, so the task ends after one pass.
  uint64_t first_own_seq = 0;
  // Rate schedule, in memory only (restarts from "now" after recovery): by `origin_ms + e` at most
  // floor(e * rate / 1000) messages have moved since origin.
  int64_t origin_ms = 0;
  int64_t moved_since_origin = 0;
  int64_t last_step_ms = 0;

  bool active() const { return state == State::kRunning || state == State::kCancelling; }
  int64_t Rate() const;       // messages per second
  int64_t NextDueMs() const;  // when the next message may move
  const char* StatusName() const;
  std::string MetaKey() const;
  std::string Encode() const;
  static std::optional<MoveTask> Decode(std::string_view bytes);
};

// Everything a receive needs to build its answer outside the lock.
struct TakenMessage {
  PayloadPtr payload;
  uint64_t queue_id;
  uint64_t seq;
  uint64_t nonce;
  int32_t receive_count;
  int64_t first_receive_ms;
  bool fifo;
};

}  // namespace eddy::sqs
