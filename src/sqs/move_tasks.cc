// Dead-letter queue listing and message move tasks (DLQ redrive): StartMessageMoveTask,
// CancelMessageMoveTask, ListMessageMoveTasks. Part of Engine; see engine.h for the locking contract.
//
// A task runs inside the engine: AdvanceMoveTasksLocked (from Tick(), the timer thread and the start of
// receives) moves every message whose turn in the rate schedule has come. Each move is one atomic store
// append (the new message in the destination, the delete from the source, the task's progress), so a
// crash never duplicates or loses a message and the moved count stays in step with the queues.

#include <algorithm>
#include <boost/json.hpp>
#include <climits>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/log.h"
#include "sqs/engine_internal.h"

namespace eddy::sqs {

namespace {

constexpr char kMetaPrefix[] = "sqs.move_task.";
constexpr uint8_t kMoveTaskVersion = 1;
constexpr size_t kTasksKeptPerSource = 10;  // ListMessageMoveTasks shows at most 10
// AWS does not document its "system optimised" rate. 1000/s drains the DLQs of tests and local
// development (tens to thousands of messages) within moments, while the timer's batching (below)
// keeps each step under the engine lock to about ten moves.
constexpr int64_t kDefaultMovesPerSecond = 1000;
// The timer thread wakes for a task at most this often; due moves are done together.
constexpr int64_t kMinStepIntervalMs = 10;
// Bounds the time one step holds the engine lock (e.g. when the timer thread was late); the rest
// stays due and is done by the next step right away.
constexpr int64_t kMaxMovesPerStep = 1000;



bool ValidArn(const std::string& arn) {
  // arn:<partition>:<service>:<region>:<account-id>:<resource-id>; region and account may be empty
  // in general, the others may not. The resource id may itself contain ':'.
  std::vector<std::string_view> parts;
  std::string_view rest(arn);
  for (int i = 0; i < 5; ++i) {
    size_t c = rest.find(':');
    if (c == std::string_view::npos) return false;
    parts.push_back(rest.substr(0, c));
    rest.remove_prefix(c + 1);
  }
  return parts[0] == "arn" && !parts[1].empty() && !parts[2].empty() && !rest.empty();
}

Unexpected<Error> BadArnFormat(std::string_view parameter) {
  return Fail(Errc::kInvalidParameterValue,
              "You must use this format to specify the " + std::string(parameter) +
                  ": arn:<partition>:<service>:<region>:<account-id>:<resource-id>");
}

Unexpected<Error> NoSuchResource(std::string_view parameter) {
  return Fail(Errc::kResourceNotFoundException, "The resource that you specified for the " +
                                                    std::string(parameter) +
                                                    " parameter doesn't exist.");
}

std::string MakeHandle(const std::string& task_id, const std::string& source_arn) {
  boost::json::object o;
  o["taskId"] = task_id;
  o["sourceArn"] = source_arn;
  return Base64Encode(boost::json::serialize(o));
}

// (task id, source ARN) from a handle, or nullopt if it is not one of ours.
std::optional<std::pair<std::string, std::string>> ParseHandle(const std::string& handle) {
  auto json = Base64Decode(handle);
  if (!json) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* id = v.as_object().if_contains("taskId");
  const auto* arn = v.as_object().if_contains("sourceArn");
  if (id == nullptr || !id->is_string() || arn == nullptr || !arn->is_string()) return std::nullopt;
  return std::make_pair(std::string(id->as_string()), std::string(arn->as_string()));
}

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// MoveTask

int64_t Engine::MoveTask::Rate() const { return max_per_second.value_or(kDefaultMovesPerSecond); }

int64_t Engine::MoveTask::NextDueMs() const {
  return origin_ms + CeilDiv((moved_since_origin + 1) * 1000, Rate());
}

const char* Engine::MoveTask::StatusName() const {
  switch (state) {
    case State::kRunning: return "RUNNING";
    case State::kCompleted: return "COMPLETED";
    case State::kCancelling: return "CANCELLING";
    case State::kCancelled: return "CANCELLED";
    case State::kFailed: return "FAILED";
  }
  return "FAILED";
}

std::string Engine::MoveTask::MetaKey() const { return kMetaPrefix + std::to_string(id); }

std::string Engine::MoveTask::Encode() const {
  std::string out;
  BinaryWriter w(&out);
  w.U8(kMoveTaskVersion);
  w.I64(static_cast<int64_t>(id));
  w.Str(task_id);
  w.U8(static_cast<uint8_t>(state));
  w.Str(source_arn);
  w.Str(destination_arn);
  w.U8(max_per_second ? 1 : 0);
  w.I64(max_per_second.value_or(0));
  w.I64(moved);
  w.I64(to_move);
  w.Str(failure_reason);
  w.I64(started_ms);
  w.I64(static_cast<int64_t>(source_queue_id));
  w.I64(static_cast<int64_t>(destination_queue_id));
  w.I64(static_cast<int64_t>(first_own_seq));
  return out;
}

std::optional<Engine::MoveTask> Engine::MoveTask::Decode(std::string_view bytes) {
  BinaryReader r(bytes);
  MoveTask t;
  uint8_t version = 0, state = 0, has_rate = 0;
  int64_t id = 0, rate = 0, source = 0, destination = 0, own = 0;
  if (!r.U8(&version) || version != kMoveTaskVersion || !r.I64(&id) || !r.Str(&t.task_id) ||
      !r.U8(&state) || state > static_cast<uint8_t>(State::kFailed) || !r.Str(&t.source_arn) ||
      !r.Str(&t.destination_arn) || !r.U8(&has_rate) || !r.I64(&rate) || !r.I64(&t.moved) ||
      !r.I64(&t.to_move) || !r.Str(&t.failure_reason) || !r.I64(&t.started_ms) || !r.I64(&source) ||
      !r.I64(&destination) || !r.I64(&own) || !r.done()) {
    return std::nullopt;
  }
  t.id = static_cast<uint64_t>(id);
  t.state = static_cast<MoveTask::State>(state);
  if (has_rate) t.max_per_second = rate;
  t.source_queue_id = static_cast<uint64_t>(source);
  t.destination_queue_id = static_cast<uint64_t>(destination);
  t.first_own_seq = static_cast<uint64_t>(own);
  t.handle = MakeHandle(t.task_id, t.source_arn);
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Dead-letter queues

Engine::Queue* Engine::FindQueueByArnLocked(const std::string& arn) {
  std::optional<sqs::QueueArn> q = ParseQueueArn(arn);
  if (!q) return nullptr;
  auto it = queues_.find(QueueKey(q->region, q->account, q->name));
  return it == queues_.end() ? nullptr : it->second.get();
}

bool Engine::IsDeadLetterQueueLocked(const std::string& arn) const {
  for (const auto& [key, q] : queues_) {
    if (q->config.redrive_target_arn == arn) return true;
  }
  return false;
}

Result<ListQueuesResult> Engine::ListDeadLetterSourceQueues(const RequestContext& ctx,
                                                            const std::string& queue_url,
                                                            int64_t max_results,
                                                            const std::string& next_token) {
  std::lock_guard lock(mu_);
  Queue* dlq = FindQueueLocked(ctx, queue_url);
  if (dlq == nullptr) return QueueDoesNotExist();
  const std::string arn = QueueArn(*dlq);
  std::string after;
  if (!next_token.empty()) {
    auto decoded = Base64UrlDecode(next_token);
    if (!decoded) return Fail(Errc::kInvalidParameterValue, "Invalid NextToken value.");
    after = *decoded;
  }
  const size_t limit = max_results > 0 ? static_cast<size_t>(max_results) : 1000;
  ListQueuesResult result;
  std::string last_name;
  for (const auto& [key, q] : queues_) {  // ordered by key, so tokens stay valid
    if (q->region != dlq->region || q->account != dlq->account) continue;
    if (q->config.redrive_target_arn != arn) continue;
    if (!after.empty() && q->name <= after) continue;
    if (result.queue_urls.size() == limit) {
      if (max_results > 0) result.next_token = Base64UrlEncode(last_name);
      break;
    }
    result.queue_urls.push_back(QueueUrl(ctx, *q));
    last_name = q->name;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Move tasks: the API

Result<Engine::StartedMoveTask> Engine::StartMessageMoveTask(const RequestContext&, const std::string& source_arn,
                                                 const std::string& destination_arn,
                                                 std::optional<int64_t> max_per_second) {
  if (max_per_second && (*max_per_second < 1 || *max_per_second > 500)) {
    return InvalidParameterValue(std::to_string(*max_per_second), "MaxNumberOfMessagesPerSecond",
                                 "Must be between 1 and 500, if provided.");
  }
  if (!ValidArn(source_arn)) return BadArnFormat("SourceArn");
  if (!destination_arn.empty() && !ValidArn(destination_arn)) return BadArnFormat("DestinationArn");

  std::lock_guard lock(mu_);
  Queue* source = FindQueueByArnLocked(source_arn);
  if (source == nullptr) return NoSuchResource("SourceArn");
  if (!IsDeadLetterQueueLocked(source_arn)) {
    return Fail(Errc::kInvalidParameterValue, "Source queue must be configured as a Dead Letter Queue.");
  }
  Queue* destination = nullptr;
  if (!destination_arn.empty()) {
    destination = FindQueueByArnLocked(destination_arn);
    if (destination == nullptr) return NoSuchResource("DestinationArn");
    if (destination->config.fifo_queue != source->config.fifo_queue) {
      return Fail(Errc::kInvalidParameterValue,
                  "The source queue and the destination queue must be of the same queue type.");
    }
  }
  for (const auto& [id, t] : move_tasks_) {
    if (t->source_arn == source_arn && t->active()) {
      return Fail(Errc::kInvalidParameterValue,
                  "There is already a task running. Only one active task is allowed for a source "
                  "queue arn at a given time.");
    }
  }

  const int64_t now = clock_.NowMs();
  auto task = std::make_unique<MoveTask>();
  task->id = next_move_task_id_++;
  task->task_id = NewUuid();
  task->handle = MakeHandle(task->task_id, source_arn);
  task->source_arn = source_arn;
  task->destination_arn = destination_arn;
  task->max_per_second = max_per_second;
  task->to_move = static_cast<int64_t>(source->ready.size());
  task->started_ms = task->origin_ms = task->last_step_ms = now;
  task->source_queue_id = source->id;
  task->destination_queue_id = destination != nullptr ? destination->id : 0;
  StartedMoveTask started{task->handle, PersistMoveTaskLocked(*task)};
  move_tasks_[task->id] = std::move(task);
  TrimMoveTasksLocked(source_arn);
  NotifyTimerLocked(NextMoveTaskDeadlineLocked());
  return started;
}

Result<Engine::CancelledMoveTask> Engine::CancelMessageMoveTask(const RequestContext&, const std::string& task_handle) {
  auto parsed = ParseHandle(task_handle);
  if (!parsed) {
    return Fail(Errc::kInvalidParameterValue, "Value for parameter TaskHandle is invalid.");
  }
  const auto& [task_id, source_arn] = *parsed;
  if (!ValidArn(source_arn)) {
    return Fail(Errc::kInvalidParameterValue, "Value for parameter TaskHandle is invalid.");
  }
  std::lock_guard lock(mu_);
  if (FindQueueByArnLocked(source_arn) == nullptr) return NoSuchResource("SourceArn");
  MoveTask* task = nullptr;
  for (auto& [id, t] : move_tasks_) {
    if (t->task_id == task_id && t->source_arn == source_arn) task = t.get();
  }
  if (task == nullptr) return Fail(Errc::kResourceNotFoundException, "Task does not exist.");
  if (task->state != MoveTask::State::kRunning) {
    return Fail(Errc::kInvalidParameterValue,
                std::string("Only a task in RUNNING status can be cancelled; this task is ") +
                    task->StatusName() + ".");
  }
  // CANCELLING until the next step, which stops it without moving more messages.
  task->state = MoveTask::State::kCancelling;
  const uint64_t commit = PersistMoveTaskLocked(*task);
  NotifyTimerLocked(NextMoveTaskDeadlineLocked());
  return CancelledMoveTask{task->moved, commit};
}

Result<std::vector<MoveTaskInfo>> Engine::ListMessageMoveTasks(const RequestContext&,
                                                               const std::string& source_arn,
                                                               int64_t max_results) {
  if (!ValidArn(source_arn)) return BadArnFormat("SourceArn");
  if (max_results < 1 || max_results > 10) {
    return InvalidParameterValue(std::to_string(max_results), "MaxResults",
                                 "Must be between 1 and 10, if provided.");
  }
  std::lock_guard lock(mu_);
  if (FindQueueByArnLocked(source_arn) == nullptr) return NoSuchResource("SourceArn");
  std::vector<MoveTaskInfo> out;
  for (auto it = move_tasks_.rbegin(); it != move_tasks_.rend(); ++it) {  // newest first
    const MoveTask& t = *it->second;
    if (t.source_arn != source_arn) continue;
    if (static_cast<int64_t>(out.size()) == max_results) break;
    MoveTaskInfo& info = out.emplace_back();
    if (t.state == MoveTask::State::kRunning) info.task_handle = t.handle;
    info.status = t.StatusName();
    info.source_arn = t.source_arn;
    info.destination_arn = t.destination_arn;
    info.max_per_second = t.max_per_second;
    info.moved = t.moved;
    info.to_move = t.to_move;
    if (t.state == MoveTask::State::kFailed) info.failure_reason = t.failure_reason;
    info.started_ms = t.started_ms;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Move tasks: running them

uint64_t Engine::PersistMoveTaskLocked(const MoveTask& task) {
  return store_.Append(store::PutMeta{task.MetaKey(), task.Encode()});
}

void Engine::TrimMoveTasksLocked(const std::string& source_arn) {
  size_t count = 0;
  for (const auto& [id, t] : move_tasks_) count += t->source_arn == source_arn ? 1 : 0;
  for (auto it = move_tasks_.begin(); it != move_tasks_.end() && count > kTasksKeptPerSource;) {
    if (it->second->source_arn != source_arn || it->second->active()) {
      ++it;
      continue;
    }
    // An empty value marks the record deleted (the store has no meta delete).
    store_.Append(store::PutMeta{it->second->MetaKey(), ""});
    it = move_tasks_.erase(it);
    --count;
  }
}

int64_t Engine::NextMoveTaskDeadlineLocked() const {
  int64_t next = INT64_MAX;
  for (const auto& [id, t] : move_tasks_) {
    if (!t->active()) continue;
    auto source = queues_by_id_.find(t->source_queue_id);
    // Due at once: a cancel to finish, a deleted queue to fail on, an empty source to complete.
    if (t->state == MoveTask::State::kCancelling || source == queues_by_id_.end() ||
        (t->destination_queue_id != 0 && queues_by_id_.count(t->destination_queue_id) == 0) ||
        source->second->ready.empty()) {
      return 0;
    }
    next = std::min(next, std::max(t->NextDueMs(), t->last_step_ms + kMinStepIntervalMs));
  }
  return next;
}

void Engine::AdvanceMoveTasksLocked(int64_t now, std::vector<Completion>* out) {
  for (auto& [id, t] : move_tasks_) {
    if (t->active()) RunMoveTaskLocked(*t, now, out);
  }
}

void Engine::RunMoveTaskLocked(MoveTask& task, int64_t now, std::vector<Completion>* out) {
  const std::string non_existent(Info(Errc::kQueueDoesNotExist).query_code);
  auto finish = [&](MoveTask::State state, std::string reason) {
    task.state = state;
    task.failure_reason = std::move(reason);
    PersistMoveTaskLocked(task);
  };
  if (task.state == MoveTask::State::kCancelling) return finish(MoveTask::State::kCancelled, "");
  auto sit = queues_by_id_.find(task.source_queue_id);
  if (sit == queues_by_id_.end()) return finish(MoveTask::State::kFailed, non_existent);
  Queue& source = *sit->second;
  Queue* fixed_destination = nullptr;
  if (task.destination_queue_id != 0) {
    auto dit = queues_by_id_.find(task.destination_queue_id);
    if (dit == queues_by_id_.end()) return finish(MoveTask::State::kFailed, non_existent);
    fixed_destination = dit->second;
  }

  const int64_t allowed = std::max<int64_t>(0, now - task.origin_ms) * task.Rate() / 1000;
  const int64_t retention_cutoff = now - source.config.message_retention_period * 1000;
  std::set<Queue*> woken;
  int64_t moves = 0;
  while (true) {
    // Completes when the source has no more available messages (messages that arrive while the task
    // runs are moved too, as AWS does), or, moving a queue into itself, after one pass.
    if (source.ready.empty() || (task.first_own_seq != 0 && *source.ready.begin() >= task.first_own_seq)) {
      finish(MoveTask::State::kCompleted, "");
      break;
    }
    if (task.moved_since_origin >= allowed || moves >= kMaxMovesPerStep) break;
    const uint64_t seq = *source.ready.begin();
    const Message& m = source.messages.at(seq);
    if (m.payload->sent_ms <= retention_cutoff) {  // expired, not yet swept: drop, don't move
      RemoveMessageLocked(source, seq);
      store_.Append(store::DeleteMessage{seq});
      continue;
    }
    Queue* destination = fixed_destination;
    if (destination == nullptr && !m.payload->dead_letter_source_arn.empty()) {
      destination = FindQueueByArnLocked(m.payload->dead_letter_source_arn);
    }
    if (destination == nullptr) {
      finish(MoveTask::State::kFailed, non_existent);
      break;
    }
    if (destination->config.fifo_queue != source.config.fifo_queue) {
      finish(MoveTask::State::kFailed, std::string(Info(Errc::kUnsupportedOperation).query_code));
      break;
    }
    // A redriven message is a new message: new MessageId, enqueue time and receive count; body,
    // attributes, trace header and group id kept. On FIFO the new MessageId is also its
    // deduplication id, so it can never be dropped as a duplicate.
    auto payload = std::make_shared<MessagePayload>(*m.payload);
    payload->message_id = NewUuid();
    payload->sent_ms = now;
    payload->dead_letter_source_arn.clear();
    if (destination->config.fifo_queue) payload->deduplication_id = payload->message_id;
    std::string encoded = payload->Encode();
    store::PutMessage put = EnqueueLocked(*destination, std::move(payload), std::move(encoded), 0, 0);
    if (destination == &source && task.first_own_seq == 0) task.first_own_seq = put.message.seq;
    RemoveMessageLocked(source, seq);
    ++task.moved;
    ++task.moved_since_origin;
    ++moves;
    std::vector<store::Mutation> move;
    move.reserve(3);
    move.push_back(std::move(put));
    move.push_back(store::DeleteMessage{seq});
    move.push_back(store::PutMeta{task.MetaKey(), task.Encode()});
    store_.AppendAtomic(std::move(move));
    if (!destination->waiters.empty()) woken.insert(destination);
  }
  if (moves > 0) task.last_step_ms = now;
  for (Queue* q : woken) ServeWaitersLocked(*q, now, out);
}

void Engine::RecoverMoveTaskLocked(const std::string& key, const std::string& value) {
  if (value.empty()) return;  // deleted (trimmed) task
  auto task = MoveTask::Decode(value);
  if (!task || task->MetaKey() != key) {
    eddy::log::Warn("ignoring unreadable message move task record " + key);
    return;
  }
  // A running task resumes with a fresh rate schedule; a cancel that was under way is complete.
  if (task->state == MoveTask::State::kCancelling) task->state = MoveTask::State::kCancelled;
  task->origin_ms = task->last_step_ms = clock_.NowMs();
  next_move_task_id_ = std::max(next_move_task_id_, task->id + 1);
  move_tasks_[task->id] = std::make_unique<MoveTask>(std::move(*task));
}

}  // namespace eddy::sqs
