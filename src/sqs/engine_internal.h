#pragma once
// Engine internals shared by the engine's implementation files (engine.cc, move_tasks.cc). Not for use
// outside src/sqs. Everything here is guarded by Engine::mu_.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "sqs/engine.h"

namespace eddy::sqs {

struct Engine::Message {
  enum class State : uint8_t { kDelayed, kVisible, kInFlight };
  uint64_t seq = 0;
  PayloadPtr payload;
  State state = State::kVisible;
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
};

struct Engine::Waiter {
  uint64_t id = 0;
  uint64_t queue_id = 0;
  int64_t deadline = 0;
  ReceiveRequest request;
  ReceiveCallback done;
};

// A message move task (StartMessageMoveTask). Its fields are owned by move_tasks.cc.
struct Engine::MoveTask {
  uint64_t id = 0;
  std::string handle;
  std::string status;  // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
  std::string source_arn;
  std::string destination_arn;  // empty = each message back to its own source
  std::optional<int64_t> max_per_second;
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;
  int64_t started_ms = 0;
  int64_t next_step_ms = 0;  // when the next message may move (rate limit)
};

// Everything a receive needs to build its answer outside the lock.
struct TakenMessage {
  PayloadPtr payload;
  uint64_t queue_id;
  uint64_t seq;
  uint64_t nonce;
  int32_t receive_count;
  int64_t first_receive_ms;
};

}  // namespace eddy::sqs
