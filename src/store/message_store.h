#pragma once
// MessageStore: the durable log of SQS state changes, behind which any backend (in-memory, SQLite, later
// PostgreSQL) can sit. The engine keeps the live state in memory; the store only has to (1) make every
// change durable in the order it was appended and (2) hand the whole state back at start-up.
//
// Contract:
// - Append() is cheap and thread-safe; callers hold their own lock so that the order of Append() calls is
//   the order of the state changes. Each call returns a ticket.
// - WhenDurable(ticket, fn) runs fn once every mutation appended up to and including `ticket` is durable
//   (after fdatasync for durable backends). fn runs on the store's writer thread, or right away on the
//   calling thread if the ticket is already durable; fn must be quick and must not call Append().
// - Durable state is always a prefix of the appended history: a crash loses only unacknowledged changes.
// - If the backend cannot write, it logs and aborts the process: acknowledging a change it could not
//   persist would break the durability promise.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

namespace eddy::store {

struct QueueRecord {
  uint64_t id = 0;  // unique for the life of the data directory, never reused
  std::string region;
  std::string account;
  std::string name;
  std::string state;  // engine-encoded queue definition (attributes, tags, timestamps), opaque here
};

struct MessageRecord {
  uint64_t seq = 0;  // unique for the life of the data directory, never reused; orders messages
  uint64_t queue_id = 0;
  std::string payload;  // engine-encoded immutable part (id, body, attributes, ...), opaque here
  int64_t visible_at_ms = 0;
  int32_t receive_count = 0;
  int64_t first_receive_ms = 0;
  uint64_t receipt_nonce = 0;
};

// The mutable part of a message, rewritten on receive and on visibility changes.
struct MessageState {
  uint64_t seq = 0;
  int64_t visible_at_ms = 0;
  int32_t receive_count = 0;
  int64_t first_receive_ms = 0;
  uint64_t receipt_nonce = 0;
};

struct PutQueue {  // create, or replace the definition of, a queue
  QueueRecord queue;
};
struct DropQueue {  // delete a queue and all its messages
  uint64_t queue_id = 0;
};
struct PutMessage {
  MessageRecord message;
};
struct UpdateMessage {
  MessageState state;
};
struct DeleteMessage {
  uint64_t seq = 0;
};
struct PurgeMessages {  // delete every message of a queue
  uint64_t queue_id = 0;
};
struct PutMeta {  // small key/value documents (the receipt-handle key, move tasks, Lambda functions)
  std::string key;
  std::string value;
};
struct DeleteMeta {
  std::string key;
};

using Mutation =
    std::variant<PutQueue, DropQueue, PutMessage, UpdateMessage, DeleteMessage, PurgeMessages, PutMeta,
                 DeleteMeta>;

// Receives the persisted state at start-up: every meta entry, then every queue, then every message in
// ascending seq order.
class LoadVisitor {
 public:
  virtual ~LoadVisitor() = default;
  virtual void OnMeta(const std::string& key, const std::string& value) = 0;
  virtual void OnQueue(QueueRecord&& queue) = 0;
  virtual void OnMessage(MessageRecord&& message) = 0;
};

class MessageStore {
 public:
  virtual ~MessageStore() = default;

  // Replays the persisted state into `visitor`. Called once, before the first Append().
  // `max_seq` / `max_queue_id` receive the highest ids ever handed out, deleted ones included.
  virtual Status Load(LoadVisitor& visitor, uint64_t* max_seq, uint64_t* max_queue_id) = 0;

  // Every meta entry whose key starts with `prefix`, in key order: for services other than SQS that keep
  // their documents in the meta table. May be called any time before the first Append().
  virtual Status LoadMeta(const std::string& prefix,
                          const std::function<void(const std::string& key, const std::string& value)>&
                              fn) = 0;

  virtual uint64_t Append(Mutation mutation) = 0;
  // Appends several mutations that become durable together or not at all (e.g. a message moving
  // between queues: its put and its delete). Returns the ticket of the last one.
  virtual uint64_t AppendAtomic(std::vector<Mutation> mutations) = 0;
  virtual void WhenDurable(uint64_t ticket, std::function<void()> fn) = 0;

  // Makes everything appended so far durable and stops background work. Idempotent.
  virtual void Close() = 0;
};

}  // namespace eddy::store
