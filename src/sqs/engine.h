#pragma once
// Engine: the SQS queue state machine. Plain logic behind a Clock and a MessageStore: no threads of its
// own except the optional timer thread, no sockets, no protocol.
//
// Thread-safety: every public method may be called from any thread. One mutex guards all state; the work
// done under it is small (map lookups, no I/O, no hashing of bodies), everything expensive happens before
// the lock is taken or after it is released.
//
// Durability: a method that changes state appends to the store while holding the lock and returns the
// store ticket (`commit`). Callers must answer the client only after store.WhenDurable(commit).
//
// Time: deadlines (delays, visibility timeouts, long-poll waits, retention) are evaluated by Tick(). In a
// server, StartTimerThread() calls Tick() when the next deadline falls due; unit tests call it directly
// after moving a FakeClock. With a virtual clock (EngineOptions::wait_clock set to the real one), the
// TimeDriver ticks the engine as a Timekeeper for everything on the virtual clock, and the timer thread
// only serves long-poll waits, which stay in real time.

#include <climits>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/timekeeper.h"
#include "sqs/errors.h"
#include "sqs/model.h"
#include "store/message_store.h"

namespace eddy::sqs {

struct TakenMessage;  // engine_internal.h
struct Receipt;       // receipt.h

// What a send needs to know about its queue, read before validating outside the lock.
struct SendLimits {
  int64_t max_size = 0;
  int64_t queue_delay_seconds = 0;
  bool fifo = false;
  bool content_based_deduplication = false;
};

// A validated message, ready to enqueue.
struct PreparedSend {
  std::shared_ptr<MessagePayload> payload;  // FIFO: carries the deduplication id
  std::string encoded;  // payload in store encoding
  int64_t delay_seconds = 0;
  SendResult result;
};

struct EngineOptions {
  // Standard-queue in-flight limit; a short-poll receive beyond it fails with OverLimit.
  int64_t max_inflight_standard = 120000;
  // How long a deleted queue's name stays blocked (QueueDeletedRecently) and purges are rate-limited.
  int64_t queue_recreate_delay_ms = 60000;
  int64_t purge_interval_ms = 60000;
  // The clock that measures long-poll waits (WaitTimeSeconds); null = the engine's clock. Under a virtual
  // clock the server passes the real one: a parked receive returns after its real seconds even while
  // virtual time stands still (a handler that polls until the queue is empty must finish).
  const Clock* wait_clock = nullptr;
};

// Outcome of a mutating call: the ticket to await before acknowledging.
struct Ack {
  uint64_t commit = 0;
};

struct CreateQueueResult {
  std::string queue_url;
  uint64_t commit = 0;
};

struct ListQueuesResult {
  std::vector<std::string> queue_urls;
  std::string next_token;  // empty = none
};

struct BatchSendEntry {
  std::string id;
  SendRequest request;
};
struct BatchSendResult {
  std::vector<std::pair<std::string, SendResult>> successful;  // (entry id, result)
  std::vector<BatchError> failed;
  uint64_t commit = 0;
};

// One message move task as ListMessageMoveTasks reports it.
struct MoveTaskInfo {
  std::string task_handle;  // only while RUNNING
  std::string status;       // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
  std::string source_arn;
  std::string destination_arn;                  // empty = not given at start
  std::optional<int64_t> max_per_second;        // only if given at start
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;  // only FAILED
  int64_t started_ms = 0;
};

struct ReceiptEntry {  // DeleteMessageBatch / ChangeMessageVisibilityBatch entry
  std::string id;
  std::string receipt_handle;
  int64_t visibility_timeout = 0;  // ChangeMessageVisibilityBatch only
};
struct BatchResult {
  std::vector<std::string> successful;  // entry ids
  std::vector<BatchError> failed;
  uint64_t commit = 0;
};

// The whole-request checks the three batch actions share (empty, more than 10, malformed or repeated
// entry ids), with AWS's wording. `entry_name` is e.g. "SendMessageBatchRequestEntry".
Status ValidateBatchIds(const std::vector<std::string>& ids, std::string_view entry_name);

class Engine final : public Timekeeper {
 public:
  Engine(const Clock& clock, store::MessageStore& store, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Rebuilds state from the store. Call once, before anything else.
  eddy::Status Recover();

  // ---- Queues ----
  // `name` is validated here. `attributes`/`tags` are the raw client maps.
  Result<CreateQueueResult> CreateQueue(const RequestContext& ctx, const std::string& name,
                                        const StringMap& attributes, const StringMap& tags);
  Result<Ack> DeleteQueue(const RequestContext& ctx, const std::string& queue_url);
  Result<std::string> GetQueueUrl(const RequestContext& ctx, const std::string& name,
                                  const std::string& owner_account);
  // max_results: 0 = absent (at most 1000, never a token), else 1..1000.
  Result<ListQueuesResult> ListQueues(const RequestContext& ctx, const std::string& prefix,
                                      int64_t max_results, const std::string& next_token);
  Result<StringMap> GetQueueAttributes(const RequestContext& ctx, const std::string& queue_url,
                                       const std::vector<std::string>& names);
  Result<Ack> SetQueueAttributes(const RequestContext& ctx, const std::string& queue_url,
                                 const StringMap& attributes);
  Result<Ack> PurgeQueue(const RequestContext& ctx, const std::string& queue_url);
  Result<Ack> TagQueue(const RequestContext& ctx, const std::string& queue_url, const StringMap& tags);
  Result<Ack> UntagQueue(const RequestContext& ctx, const std::string& queue_url,
                         const std::vector<std::string>& keys);
  Result<StringMap> ListQueueTags(const RequestContext& ctx, const std::string& queue_url);

  // ---- Messages ----
  struct SendOutcome {
    SendResult result;
    uint64_t commit = 0;
  };
  Result<SendOutcome> SendMessage(const RequestContext& ctx, const std::string& queue_url,
                                  SendRequest request);
  // Whole-request errors (empty, too many, bad/duplicate ids, too long) come back as an error;
  // per-entry failures in `failed`.
  Result<BatchSendResult> SendMessageBatch(const RequestContext& ctx, const std::string& queue_url,
                                           std::vector<BatchSendEntry> entries);

  // Completes `done` exactly once: at once if messages are available, the wait is 0 or the request is
  // invalid; otherwise when a message becomes available or the wait ends. `done` may run on the calling
  // thread, on another caller's thread (a sender that woke it) or on the timer thread; never under the
  // engine lock.
  using ReceiveCallback = std::function<void(Result<ReceiveResult>)>;
  void ReceiveMessage(const RequestContext& ctx, const std::string& queue_url, ReceiveRequest request,
                      ReceiveCallback done);

  Result<Ack> DeleteMessage(const RequestContext& ctx, const std::string& queue_url,
                            const std::string& receipt_handle);
  Result<BatchResult> DeleteMessageBatch(const RequestContext& ctx, const std::string& queue_url,
                                         const std::vector<ReceiptEntry>& entries);
  Result<Ack> ChangeMessageVisibility(const RequestContext& ctx, const std::string& queue_url,
                                      const std::string& receipt_handle, int64_t visibility_timeout);
  Result<BatchResult> ChangeMessageVisibilityBatch(const RequestContext& ctx,
                                                   const std::string& queue_url,
                                                   const std::vector<ReceiptEntry>& entries);

  // ---- Dead-letter queues and message move tasks (move_tasks.cc) ----
  Result<ListQueuesResult> ListDeadLetterSourceQueues(const RequestContext& ctx,
                                                      const std::string& queue_url,
                                                      int64_t max_results,
                                                      const std::string& next_token);
  struct StartedMoveTask {
    std::string task_handle;
    uint64_t commit = 0;  // the task record's store ticket
  };
  Result<StartedMoveTask> StartMessageMoveTask(const RequestContext& ctx, const std::string& source_arn,
                                           const std::string& destination_arn,
                                           std::optional<int64_t> max_per_second);
  struct CancelledMoveTask {
    int64_t moved = 0;  // ApproximateNumberOfMessagesMoved
    uint64_t commit = 0;
  };
  Result<CancelledMoveTask> CancelMessageMoveTask(const RequestContext& ctx,
                                                  const std::string& task_handle);
  // Newest first; max_results 1..10 (the API layer applies the default of 1).
  Result<std::vector<MoveTaskInfo>> ListMessageMoveTasks(const RequestContext& ctx,
                                                         const std::string& source_arn,
                                                         int64_t max_results);

  // ---- Time ----
  // Applies everything due at clock.NowMs(): delays and visibility timeouts ending, long polls timing
  // out, retention expiry. Completes woken receives after releasing the lock.
  void Tick() override;
  // The next time Tick() has work to do (INT64_MAX if none). With a separate wait clock, only the
  // deadlines on the engine's clock (long polls are the timer thread's).
  int64_t NextDeadlineMs() override;
  // Starts/stops a thread that calls Tick() at each deadline, reading the real clock.
  void StartTimerThread();
  // Stops the timer thread and completes every parked receive with no messages.
  void Shutdown();

 private:
  struct Message;
  struct Queue;
  struct Waiter;
  struct MoveTask;  // move_tasks.cc
  enum class MessageState : uint8_t;
  using Completion = std::function<void()>;

  // Helpers named *Locked expect mu_ held.
  Queue* FindQueueLocked(const RequestContext& ctx, const std::string& queue_url);
  std::string QueueUrl(const RequestContext& ctx, const Queue& q) const;
  std::string QueueArn(const Queue& q) const;
  std::string EncodeQueueState(const Queue& q) const;
  uint64_t PersistQueueLocked(Queue& q);
  Status ValidateRedriveLocked(const std::string& source_arn, const QueueConfig& config);
  void AdvanceLocked(int64_t now, std::vector<Completion>* out);
  int64_t NextDeadlineLocked() const;
  // Deadlines on the engine's clock: timers, the retention sweep, move-task steps.
  int64_t NextClockDeadlineLocked() const;
  // When the oldest message of any queue outlives its retention period (INT64_MAX if never).
  int64_t RetentionDeadlineLocked() const;
  void DetachLocked(Queue& q, Message& m);
  // `visible_at` is when a delayed or in-flight message becomes visible; ignored for kVisible.
  void AttachLocked(Queue& q, Message& m, MessageState state, int64_t visible_at);
  void RelistGroupLocked(Queue& q, const std::string& group_id);
  bool HasReceivableLocked(const Queue& q) const;
  void RemoveMessageLocked(Queue& q, uint64_t seq);
  void ClearMessagesLocked(Queue& q);
  void ExpireLocked(Queue& q, int64_t now);
  void ServeWaitersLocked(Queue& q, int64_t now, std::vector<Completion>* out);
  uint64_t NextReceivableLocked(Queue& q, const std::string& current_group) const;
  std::vector<TakenMessage> TakeLocked(Queue& q, const ReceiveRequest& request, int64_t now,
                                       uint64_t* commit);
  // Moves message `seq` of `q` to q's dead-letter queue; false (nothing done) if there is none.
  bool DeadLetterLocked(Queue& q, uint64_t seq, int64_t now, uint64_t* commit);
  Result<SendLimits> GetSendLimits(const RequestContext& ctx, const std::string& queue_url);
  // Adds a message to `q` (visible, or delayed) and returns its store record without appending it,
  // so callers can append it alone or atomically with other changes. After appending, a visible
  // message may satisfy parked receives: call ServeWaitersLocked.
  store::PutMessage EnqueueLocked(Queue& q, PayloadPtr payload, std::string encoded,
                                  int64_t delay_seconds, int32_t receive_count);
  // Enqueues; returns the store ticket. Consumes send.encoded.
  // Enqueues one message. `out` receives the completions of parked receives it serves; nullptr = serve
  // none yet (a batch serves them once, after its last message, so a waiting receive sees the batch).
  uint64_t SendLocked(Queue& q, PreparedSend& send, std::vector<Completion>* out);
  static std::string DeduplicationKey(const Queue& q, const MessagePayload& payload);
  void RememberDeduplicationLocked(Queue& q, std::string key, const MessagePayload& payload,
                                   uint64_t seq, uint64_t commit);
  static bool IsCurrentReceipt(const Message& m, const Receipt& receipt, int64_t now);
  Status DeleteLocked(Queue& q, const std::string& handle, uint64_t* commit);
  Status ChangeVisibilityLocked(Queue& q, const std::string& handle, int64_t timeout, int64_t now,
                                uint64_t* commit, std::vector<Completion>* out);
  // Wakes the timer thread if it sleeps past `deadline`: on the engine's clock / on the wait clock.
  void NotifyTimerLocked(int64_t deadline);
  void NotifyWaitTimerLocked(int64_t deadline);
  void TimerLoop();
  Queue* FindQueueByArnLocked(const std::string& arn);
  // Move tasks (move_tasks.cc): run the steps that are due, and say when the next one is.
  void AdvanceMoveTasksLocked(int64_t now, std::vector<Completion>* out);
  int64_t NextMoveTaskDeadlineLocked() const;

  const Clock& clock_;
  const Clock& wait_clock_;
  const bool split_clocks_;  // wait_clock_ is not clock_
  store::MessageStore& store_;
  const EngineOptions options_;

  std::mutex mu_;
  std::string receipt_key_;
  uint64_t next_seq_ = 1;
  uint64_t next_queue_id_ = 1;
  uint64_t next_waiter_id_ = 1;
  std::map<std::string, std::unique_ptr<Queue>> queues_;  // key: region/account/name
  std::unordered_map<uint64_t, Queue*> queues_by_id_;
  std::map<std::string, int64_t> recently_deleted_;  // key -> deleted at
  // Every invisible message (delayed or in flight), by the time it becomes visible.
  std::set<std::tuple<int64_t, uint64_t, uint64_t>> timers_;  // (visible_at, queue id, seq)
  // Parked long polls, by deadline (on wait_clock_).
  std::set<std::pair<int64_t, uint64_t>> waiter_deadlines_;  // (deadline, waiter id)
  std::unordered_map<uint64_t, std::unique_ptr<Waiter>> waiters_;
  int64_t next_retention_sweep_ms_ = 0;
  std::set<uint64_t> pending_wakeups_;  // queues whose parked receives the next tick serves
  std::map<uint64_t, std::unique_ptr<MoveTask>> move_tasks_;  // by task id, oldest first
  uint64_t next_move_task_id_ = 1;

  std::condition_variable timer_cv_;
  std::thread timer_thread_;
  int64_t timer_wake_at_ = INT64_MIN;  // when the sleeping timer thread wakes; INT64_MIN = awake
  int64_t timer_wake_wait_at_ = INT64_MIN;  // the same on wait_clock_
  bool stopping_ = false;

  // move_tasks.cc helpers
  // Restores one task from its meta record (called for keys starting with "sqs.move_task.").
  void RecoverMoveTaskLocked(const std::string& key, const std::string& value);
  void RunMoveTaskLocked(MoveTask& task, int64_t now, std::vector<Completion>* out);
  uint64_t PersistMoveTaskLocked(const MoveTask& task);
  void TrimMoveTasksLocked(const std::string& source_arn);
  bool IsDeadLetterQueueLocked(const std::string& arn) const;
};

}  // namespace eddy::sqs
