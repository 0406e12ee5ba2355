#include "sqs/engine.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <deque>
#include <optional>

#include "common/codec.h"
#include "common/crypto.h"
#include "common/log.h"
#include "sqs/engine_internal.h"
#include "sqs/queue_attributes.h"
#include "sqs/receipt.h"

namespace eddy::sqs {

namespace {

constexpr int64_t kMaxVisibilityMs = 43200LL * 1000;
constexpr int64_t kRetentionSweepIntervalMs = 1000;
constexpr int64_t kDeduplicationWindowMs = 5 * 60 * 1000;  // also the ReceiveRequestAttemptId window
constexpr char kReceiptKeyMeta[] = "sqs.receipt_key";
constexpr uint8_t kQueueStateVersion = 1;


// A queue URL's last two path segments are <account>/<name>; a bare name means the caller's account.
bool SplitQueueUrl(std::string_view url, std::string* account, std::string* name) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  size_t slash = url.rfind('/');
  if (slash == std::string_view::npos) {
    if (url.empty()) return false;
    name->assign(url);
    return true;
  }
  name->assign(url.substr(slash + 1));
  std::string_view rest = url.substr(0, slash);
  size_t prev = rest.rfind('/');
  account->assign(prev == std::string_view::npos ? rest : rest.substr(prev + 1));
  return !name->empty() && !account->empty();
}

// Body characters AWS accepts: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF,
// in well-formed UTF-8.
bool ValidMessageText(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    uint32_t c = *p;
    int extra = 0;
    if (c < 0x80) {
      if (c < 0x20 && c != 0x9 && c != 0xA && c != 0xD) return false;
      ++p;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      c &= 0x1F, extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      c &= 0x0F, extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      c &= 0x07, extra = 3;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      c = (c << 6) | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (c < kMin[extra]) return false;  // overlong
    if ((c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE || c == 0xFFFF || c > 0x10FFFF) return false;
    p += extra + 1;
  }
  return true;
}

size_t MessageSize(const std::string& body, const MessageAttributes& attributes) {
  size_t n = body.size();
  for (const auto& [name, v] : attributes) {
    n += name.size() + v.data_type.size() + (v.is_binary() ? v.binary_value.size() : v.string_value.size());
  }
  return n;
}

bool ValidBatchId(const std::string& id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

Status ValidateBatchIds(const std::vector<std::string>& ids, std::string_view entry_name) {
  if (ids.empty()) {
    return Fail(Errc::kEmptyBatchRequest, "There should be at least one " + std::string(entry_name) +
                                              " in the request.");
  }
  if (ids.size() > 10) {
    return Fail(Errc::kTooManyEntriesInBatchRequest,
                "Maximum number of entries per request are 10. You have sent " +
                    std::to_string(ids.size()) + ".");
  }
  std::set<std::string_view> seen;
  for (const auto& id : ids) {
    if (!ValidBatchId(id)) {
      return Fail(Errc::kInvalidBatchEntryId,
                  "A batch entry id can only contain alphanumeric characters, hyphens and "
                  "underscores. It can be at most 80 letters long.");
    }
    if (!seen.insert(id).second) {
      return Fail(Errc::kBatchEntryIdsNotDistinct, "Id " + id + " repeated.");
    }
  }
  return {};
}

namespace {

bool SelectsAll(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n == "All" || n == ".*" || n == "*") return true;
  }
  return false;
}

bool SelectsAttribute(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    if (p == "All" || p == ".*" || p == "*" || p == name) return true;
    if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0 &&
        name.compare(0, p.size() - 2, p, 0, p.size() - 2) == 0) {
      return true;
    }
  }
  return false;
}

// FIFO sequence numbers: 20 decimal digits, strictly increasing, derived from the message's seq.
std::string SequenceNumber(uint64_t seq) { return std::to_string(10'000'000'000'000'000'000ULL + seq); }

uint64_t NextNonce() {
  // splitmix64 seeded from the OS: unpredictable enough for a nonce that is HMAC-protected anyway.
  thread_local uint64_t state = [] {
    uint64_t s = 0;
    RandomBytes(reinterpret_cast<uint8_t*>(&s), sizeof s);
    return s;
  }();
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

static ReceivedMessage BuildReceived(const TakenMessage& t, const ReceiveRequest& req,
                                     const std::string& receipt_key) {
  ReceivedMessage out;
  out.payload = t.payload;
  out.receipt_handle = EncodeReceipt({t.queue_id, t.seq, t.nonce}, receipt_key);
  const MessagePayload& p = *t.payload;
  const auto& names = req.system_attribute_names;
  if (!names.empty()) {
    bool all = SelectsAll(names);
    auto want = [&](const char* n) {
      return all || std::find(names.begin(), names.end(), n) != names.end();
    };
    if (want("SenderId")) out.system_attributes["SenderId"] = p.sender_id;
    if (want("SentTimestamp")) out.system_attributes["SentTimestamp"] = std::to_string(p.sent_ms);
    if (want("ApproximateReceiveCount")) {
      out.system_attributes["ApproximateReceiveCount"] = std::to_string(t.receive_count);
    }
    if (want("ApproximateFirstReceiveTimestamp")) {
      out.system_attributes["ApproximateFirstReceiveTimestamp"] = std::to_string(t.first_receive_ms);
    }
    if (!p.trace_header.empty() && want("AWSTraceHeader")) {
      out.system_attributes["AWSTraceHeader"] = p.trace_header;
    }
    if (!p.group_id.empty() && want("MessageGroupId")) {
      out.system_attributes["MessageGroupId"] = p.group_id;
    }
    if (!p.deduplication_id.empty() && want("MessageDeduplicationId")) {
      out.system_attributes["MessageDeduplicationId"] = p.deduplication_id;
    }
    if (t.fifo && want("SequenceNumber")) {
      out.system_attributes["SequenceNumber"] = SequenceNumber(t.seq);
    }
    if (!p.dead_letter_source_arn.empty() && want("DeadLetterQueueSourceArn")) {
      out.system_attributes["DeadLetterQueueSourceArn"] = p.dead_letter_source_arn;
    }
  }
  if (!req.message_attribute_names.empty() && !p.attributes.empty()) {
    if (SelectsAll(req.message_attribute_names)) {
      out.attributes = p.attributes;
      out.md5_of_attributes = p.md5_of_attributes;
    } else {
      for (const auto& [name, value] : p.attributes) {
        if (SelectsAttribute(req.message_attribute_names, name)) out.attributes.emplace(name, value);
      }
      out.md5_of_attributes = Md5OfAttributes(out.attributes);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Lifecycle

Engine::Engine(const Clock& clock, store::MessageStore& store, EngineOptions options)
    : clock_(clock),
      wait_clock_(options.wait_clock != nullptr ? *options.wait_clock : clock),
      split_clocks_(&wait_clock_ != &clock_),
      store_(store),
      options_(options) {}

Engine::~Engine() { Shutdown(); }

namespace {

class RecoveryVisitor final : public store::LoadVisitor {
 public:
  std::function<void(const std::string&, const std::string&)> on_meta;
  std::function<void(store::QueueRecord&&)> on_queue;
  std::function<void(store::MessageRecord&&)> on_message;
  void OnMeta(const std::string& k, const std::string& v) override { on_meta(k, v); }
  void OnQueue(store::QueueRecord&& q) override { on_queue(std::move(q)); }
  void OnMessage(store::MessageRecord&& m) override { on_message(std::move(m)); }
};

}  // namespace

eddy::Status Engine::Recover() {
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  size_t corrupt = 0;
  RecoveryVisitor v;
  v.on_meta = [&](const std::string& k, const std::string& value) {
    if (k == kReceiptKeyMeta) receipt_key_ = value;
    if (k.rfind("sqs.move_task.", 0) == 0) RecoverMoveTaskLocked(k, value);
  };
  v.on_queue = [&](store::QueueRecord&& rec) {
    auto q = std::make_unique<Queue>();
    q->id = rec.id;
    q->region = rec.region;
    q->account = rec.account;
    q->name = rec.name;
    q->key = QueueKey(rec.region, rec.account, rec.name);
    BinaryReader r(rec.state);
    uint8_t version = 0, fifo = 0;
    StringMap attributes;
    if (!r.U8(&version) || version != kQueueStateVersion || !r.U8(&fifo) || !r.Map(&attributes) ||
        !r.Map(&q->tags) || !r.I64(&q->created_ms) || !r.I64(&q->modified_ms)) {
      ++corrupt;
      return;
    }
    q->config.fifo_queue = fifo != 0;
    attributes.erase("FifoQueue");
    if (!ApplyQueueAttributes(attributes, &q->config)) {
      ++corrupt;
      return;
    }
    queues_by_id_[q->id] = q.get();
    queues_[q->key] = std::move(q);
  };
  v.on_message = [&](store::MessageRecord&& rec) {
    auto it = queues_by_id_.find(rec.queue_id);
    auto payload = MessagePayload::Decode(rec.payload);
    if (it == queues_by_id_.end() || !payload) {
      ++corrupt;
      return;
    }
    Queue& q = *it->second;
    Message& m = q.messages[rec.seq];
    m.seq = rec.seq;
    m.payload = std::make_shared<const MessagePayload>(std::move(*payload));
    m.receive_count = rec.receive_count;
    m.first_receive_ms = rec.first_receive_ms;
    m.receipt_nonce = rec.receipt_nonce;
    m.received_at = now;
    m.state = Message::State::kDetached;
    // Deduplication ids are not stored on their own; those of messages still queued and sent in the
    // last 5 minutes are rebuilt (ids of messages deleted before the restart are forgotten).
    if (q.config.fifo_queue && m.payload->sent_ms + kDeduplicationWindowMs > now) {
      RememberDeduplicationLocked(q, DeduplicationKey(q, *m.payload), *m.payload, rec.seq, 0);
    }
    if (rec.visible_at_ms > now) {
      AttachLocked(q, m, rec.receive_count > 0 ? Message::State::kInFlight : Message::State::kDelayed,
                   rec.visible_at_ms);
    } else {
      AttachLocked(q, m, Message::State::kVisible, 0);
    }
  };
  uint64_t max_seq = 0, max_queue_id = 0;
  EDDY_RETURN_IF_ERROR(store_.Load(v, &max_seq, &max_queue_id));
  if (corrupt > 0) {
    return eddy::Status::Corruption(std::to_string(corrupt) + " unreadable records in the store");
  }
  next_seq_ = max_seq + 1;
  next_queue_id_ = max_queue_id + 1;
  if (receipt_key_.empty()) {
    receipt_key_ = RandomBytes(32);
    store_.Append(store::PutMeta{kReceiptKeyMeta, receipt_key_});
  }
  next_retention_sweep_ms_ = now + kRetentionSweepIntervalMs;
  return eddy::Status::Ok();
}

void Engine::StartTimerThread() {
  std::lock_guard lock(mu_);
  if (timer_thread_.joinable()) return;
  stopping_ = false;
  timer_thread_ = std::thread([this] { TimerLoop(); });
}

void Engine::Shutdown() {
  std::vector<Completion> completions;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [id, w] : waiters_) {
      completions.push_back([done = std::move(w->done)] { done(ReceiveResult{}); });
    }
    waiters_.clear();
    waiter_deadlines_.clear();
    for (auto& [key, q] : queues_) q->waiters.clear();
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable() && timer_thread_.get_id() != std::this_thread::get_id()) {
    timer_thread_.join();
  }
  for (auto& c : completions) c();
}

void Engine::TimerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int64_t now = clock_.NowMs();
    const int64_t wait_now = split_clocks_ ? wait_clock_.NowMs() : now;
    const int64_t next = NextClockDeadlineLocked();
    const int64_t next_wait = waiter_deadlines_.empty() ? INT64_MAX : waiter_deadlines_.begin()->first;
    if (!pending_wakeups_.empty() || next <= now || next_wait <= wait_now) {
      std::vector<Completion> completions;
      AdvanceLocked(now, &completions);
      lock.unlock();
      for (auto& c : completions) c();
      lock.lock();
      continue;
    }
    // Sleep until the next deadline; senders notify us when they add an earlier one. Cap the sleep so a
    // wall-clock jump is noticed within a second. With a virtual clock, its deadlines are the
    // TimeDriver's: only long polls (real time) set the alarm.
    int64_t sleep_ms = std::min<int64_t>(next_wait - wait_now, 1000);
    if (!split_clocks_) sleep_ms = std::min(sleep_ms, next - now);
    timer_wake_at_ = now + sleep_ms;
    timer_wake_wait_at_ = wait_now + sleep_ms;
    timer_cv_.wait_for(lock, std::chrono::milliseconds(sleep_ms));
    timer_wake_at_ = timer_wake_wait_at_ = INT64_MIN;
  }
}

void Engine::NotifyTimerLocked(int64_t deadline) {
  // Only wake the timer thread if it sleeps past this deadline: in-flight timers of a busy queue are
  // almost always later than the current one, so this keeps the hot path free of futex wake-ups.
  // A virtual clock's future deadlines wait for the clock to be advanced; only work already due (a
  // dead-letter queue's parked receives, a move task's first step) needs the thread.
  if (!timer_thread_.joinable() || timer_wake_at_ == INT64_MIN) return;
  if (split_clocks_ ? deadline <= clock_.NowMs() : deadline < timer_wake_at_) timer_cv_.notify_one();
}

void Engine::NotifyWaitTimerLocked(int64_t deadline) {
  if (timer_thread_.joinable() && deadline < timer_wake_wait_at_) timer_cv_.notify_one();
}

int64_t Engine::NextDeadlineMs() {
  std::lock_guard lock(mu_);
  if (!split_clocks_) return NextDeadlineLocked();
  // The retention deadline exactly (not the 1 s sweep), so that advancing a virtual clock by days
  // steps from expiry to expiry instead of second by second.
  int64_t next = RetentionDeadlineLocked();
  if (!timers_.empty()) next = std::min(next, std::get<0>(*timers_.begin()));
  if (!move_tasks_.empty()) next = std::min(next, NextMoveTaskDeadlineLocked());
  return next;
}

int64_t Engine::NextDeadlineLocked() const {
  int64_t next = NextClockDeadlineLocked();
  if (!waiter_deadlines_.empty()) next = std::min(next, waiter_deadlines_.begin()->first);
  if (!pending_wakeups_.empty()) return INT64_MIN;
  return next;
}

int64_t Engine::NextClockDeadlineLocked() const {
  int64_t next = INT64_MAX;
  if (!timers_.empty()) next = std::min(next, std::get<0>(*timers_.begin()));
  if (!queues_.empty()) next = std::min(next, next_retention_sweep_ms_);
  if (!move_tasks_.empty()) next = std::min(next, NextMoveTaskDeadlineLocked());
  return next;
}

int64_t Engine::RetentionDeadlineLocked() const {
  int64_t next = INT64_MAX;
  for (const auto& [key, q] : queues_) {
    if (q->messages.empty()) continue;
    // ExpireLocked removes from the front (oldest sequence number) only: its expiry is the next one.
    next = std::min(next, q->messages.begin()->second.payload->sent_ms +
                              q->config.message_retention_period * 1000);
  }
  return next;
}

void Engine::Tick() {
  std::vector<Completion> completions;
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_.NowMs();
    // NextDeadlineMs() announced the exact retention deadline: sweep now rather than at the next second.
    if (split_clocks_) next_retention_sweep_ms_ = std::min(next_retention_sweep_ms_, now);
    AdvanceLocked(now, &completions);
  }
  for (auto& c : completions) c();
}

// ---------------------------------------------------------------------------------------------------
// Time

void Engine::AdvanceLocked(int64_t now, std::vector<Completion>* out) {
  std::set<Queue*> woken;
  while (!timers_.empty() && std::get<0>(*timers_.begin()) <= now) {
    auto [at, queue_id, seq] = *timers_.begin();
    timers_.erase(timers_.begin());
    auto qit = queues_by_id_.find(queue_id);
    if (qit == queues_by_id_.end()) continue;
    Queue& q = *qit->second;
    auto mit = q.messages.find(seq);
    if (mit == q.messages.end()) continue;
    AttachLocked(q, mit->second, Message::State::kVisible, 0);
    if (!q.waiters.empty()) woken.insert(&q);
  }
  for (uint64_t id : pending_wakeups_) {
    if (auto it = queues_by_id_.find(id); it != queues_by_id_.end()) woken.insert(it->second);
  }
  pending_wakeups_.clear();
  for (Queue* q : woken) ServeWaitersLocked(*q, now, out);

  const int64_t wait_now = split_clocks_ ? wait_clock_.NowMs() : now;
  while (!waiter_deadlines_.empty() && waiter_deadlines_.begin()->first <= wait_now) {
    uint64_t id = waiter_deadlines_.begin()->second;
    waiter_deadlines_.erase(waiter_deadlines_.begin());
    auto wit = waiters_.find(id);
    if (wit == waiters_.end()) continue;
    std::unique_ptr<Waiter> w = std::move(wit->second);
    waiters_.erase(wit);
    if (auto qit = queues_by_id_.find(w->queue_id); qit != queues_by_id_.end()) {
      auto& list = qit->second->waiters;
      list.erase(std::remove(list.begin(), list.end(), id), list.end());
    }
    out->push_back([done = std::move(w->done)] { done(ReceiveResult{}); });
  }

  if (now >= next_retention_sweep_ms_) {
    next_retention_sweep_ms_ = now + kRetentionSweepIntervalMs;
    for (auto& [key, q] : queues_) ExpireLocked(*q, now);
  }
  if (!move_tasks_.empty()) AdvanceMoveTasksLocked(now, out);
}

// Every message is in exactly one state, and each state has its indexes: visible messages are in
// q.ready (and, FIFO, in their group's ready set); delayed and in-flight ones have a timer. Detach and
// Attach are the only code that touches those indexes and counters.
void Engine::DetachLocked(Queue& q, Message& m) {
  switch (m.state) {
    case Message::State::kVisible: q.ready.erase(m.seq); break;
    case Message::State::kDelayed: --q.delayed; timers_.erase({m.visible_at, q.id, m.seq}); break;
    case Message::State::kInFlight: --q.in_flight; timers_.erase({m.visible_at, q.id, m.seq}); break;
    case Message::State::kDetached: return;
  }
  if (q.config.fifo_queue && m.state != Message::State::kDelayed) {
    Queue::Group& g = q.groups[m.payload->group_id];
    if (m.state == Message::State::kVisible) g.ready.erase(m.seq);
    if (m.state == Message::State::kInFlight) --g.in_flight;
    RelistGroupLocked(q, m.payload->group_id);
  }
  m.state = Message::State::kDetached;
}

void Engine::AttachLocked(Queue& q, Message& m, Message::State state, int64_t visible_at) {
  DetachLocked(q, m);
  m.state = state;
  switch (state) {
    case Message::State::kVisible: q.ready.insert(m.seq); break;
    case Message::State::kDelayed: ++q.delayed; break;
    case Message::State::kInFlight: ++q.in_flight; break;
    case Message::State::kDetached: return;
  }
  if (state != Message::State::kVisible) {
    m.visible_at = visible_at;
    timers_.emplace(visible_at, q.id, m.seq);
    NotifyTimerLocked(visible_at);
  }
  if (q.config.fifo_queue && state != Message::State::kDelayed) {
    Queue::Group& g = q.groups[m.payload->group_id];
    if (state == Message::State::kVisible) g.ready.insert(m.seq);
    if (state == Message::State::kInFlight) ++g.in_flight;
    RelistGroupLocked(q, m.payload->group_id);
  }
}

void Engine::RelistGroupLocked(Queue& q, const std::string& group_id) {
  auto it = q.groups.find(group_id);
  if (it == q.groups.end()) return;
  Queue::Group& g = it->second;
  if (g.listed_seq != 0) q.available.erase({g.listed_seq, group_id});
  g.listed_seq = 0;
  if (g.in_flight == 0 && !g.ready.empty()) {
    g.listed_seq = *g.ready.begin();
    q.available.emplace(g.listed_seq, group_id);
  } else if (g.in_flight == 0 && g.ready.empty()) {
    q.groups.erase(it);
  }
}

bool Engine::HasReceivableLocked(const Queue& q) const {
  return q.config.fifo_queue ? !q.available.empty() : !q.ready.empty();
}

void Engine::RemoveMessageLocked(Queue& q, uint64_t seq) {
  auto it = q.messages.find(seq);
  if (it == q.messages.end()) return;
  DetachLocked(q, it->second);
  q.messages.erase(it);
}

void Engine::ClearMessagesLocked(Queue& q) {
  for (auto& [seq, m] : q.messages) {
    if (m.state == Message::State::kDelayed || m.state == Message::State::kInFlight) {
      timers_.erase({m.visible_at, q.id, seq});
    }
  }
  q.messages.clear();
  q.ready.clear();
  q.delayed = q.in_flight = 0;
  q.groups.clear();
  q.available.clear();
  q.attempts.clear();
}

// Retention: messages are kept in send order, so the expired ones are a prefix of q.messages.
void Engine::ExpireLocked(Queue& q, int64_t now) {
  const int64_t cutoff = now - q.config.message_retention_period * 1000;
  while (!q.messages.empty()) {
    auto it = q.messages.begin();
    if (it->second.payload->sent_ms > cutoff) break;
    uint64_t seq = it->first;
    RemoveMessageLocked(q, seq);
    store_.Append(store::DeleteMessage{seq});
  }
}

// ---------------------------------------------------------------------------------------------------
// Queues

Engine::Queue* Engine::FindQueueLocked(const RequestContext& ctx, const std::string& queue_url) {
  std::string account = ctx.account, name;
  if (!SplitQueueUrl(queue_url, &account, &name)) return nullptr;
  auto it = queues_.find(QueueKey(ctx.region, account, name));
  return it == queues_.end() ? nullptr : it->second.get();
}

std::string Engine::QueueUrl(const RequestContext& ctx, const Queue& q) const {
  return ctx.url_base + "/" + q.account + "/" + q.name;
}

std::string Engine::QueueArn(const Queue& q) const {
  return SqsArn(q.region, q.account, q.name);
}

std::string Engine::EncodeQueueState(const Queue& q) const {
  std::string out;
  BinaryWriter w(&out);
  w.U8(kQueueStateVersion);
  w.U8(q.config.fifo_queue ? 1 : 0);
  w.Map(RenderQueueAttributes(q.config));
  w.Map(q.tags);
  w.I64(q.created_ms);
  w.I64(q.modified_ms);
  return out;
}

uint64_t Engine::PersistQueueLocked(Queue& q) {
  return store_.Append(store::PutQueue{{q.id, q.region, q.account, q.name, EncodeQueueState(q)}});
}

namespace {

Status ValidateTags(const StringMap& tags) {
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) {
      return Fail(Errc::kInvalidParameterValue,
                  "Tag keys must be between 1 and 128 characters in length.");
    }
    if (v.size() > 256) {
      return Fail(Errc::kInvalidParameterValue,
                  "Tag values must be between 0 and 256 characters in length.");
    }
  }
  return {};
}

}  // namespace

// The dead-letter target must exist, be of the same type, and let this queue use it
// (RedriveAllowPolicy). Wording inferred from LocalStack's AWS recordings where AWS's is unknown.
Status Engine::ValidateRedriveLocked(const std::string& source_arn, const QueueConfig& config) {
  if (config.redrive_target_arn.empty()) return {};
  auto invalid = [&](const std::string& reason) {
    return InvalidParameterValue(config.redrive_policy, "RedrivePolicy", reason);
  };
  Queue* dlq = FindQueueByArnLocked(config.redrive_target_arn);
  if (dlq == nullptr) return invalid("Dead letter target does not exist.");
  if (dlq->config.fifo_queue != config.fifo_queue) {
    return invalid("Dead-letter queue must be same type of queue as the source.");
  }
  const QueueConfig& target = dlq->config;
  const auto& allowed = target.redrive_source_arns;
  const bool denied =
      target.redrive_permission == "denyAll" ||
      (target.redrive_permission == "byQueue" &&
       std::find(allowed.begin(), allowed.end(), source_arn) == allowed.end());
  if (denied) {
    return invalid("Queue " + source_arn + " does not have permission to use " +
                   config.redrive_target_arn + " as a dead-letter queue.");
  }
  return {};
}

Result<CreateQueueResult> Engine::CreateQueue(const RequestContext& ctx, const std::string& name,
                                              const StringMap& attributes, const StringMap& tags) {
  QueueConfig config;
  if (auto it = attributes.find("FifoQueue"); it != attributes.end()) {
    // FifoQueue decides the queue type; any spelling of true makes a FIFO queue.
    std::string v = it->second;
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    config.fifo_queue = v == "true";
    if (!config.fifo_queue && v != "false") {
      return Fail(Errc::kInvalidAttributeValue, "Invalid value for the parameter FifoQueue.");
    }
    if (!config.fifo_queue) return Fail(Errc::kInvalidAttributeName, "Unknown Attribute FifoQueue.");
  }
  if (auto s = ValidateQueueName(name, config.fifo_queue); !s) return std::move(s).error();
  StringMap settable = attributes;
  settable.erase("FifoQueue");
  if (auto s = ApplyQueueAttributes(settable, &config); !s) return std::move(s).error();
  if (auto s = ValidateTags(tags); !s) return std::move(s).error();

  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  const std::string key = QueueKey(ctx.region, ctx.account, name);
  if (auto it = queues_.find(key); it != queues_.end()) {
    Queue& q = *it->second;
    // Idempotent when every attribute in the request equals the queue's current value.
    StringMap current = RenderQueueAttributes(q.config);
    StringMap requested = RenderQueueAttributes(config);
    for (const auto& [attr, value] : attributes) {
      const std::string& cur = attr == "FifoQueue" ? (q.config.fifo_queue ? "true" : "false")
                                                   : current[attr];
      const std::string& req =
          attr == "FifoQueue" ? (config.fifo_queue ? "true" : "false") : requested[attr];
      if (cur != req) {
        return Fail(Errc::kQueueNameExists,
                    "A queue already exists with the same name and a different value for "
                    "attribute " + attr);
      }
    }
    return CreateQueueResult{QueueUrl(ctx, q), 0};
  }
  if (auto it = recently_deleted_.find(key); it != recently_deleted_.end()) {
    if (now - it->second < options_.queue_recreate_delay_ms) {
      return Fail(Errc::kQueueDeletedRecently,
                  "You must wait 60 seconds after deleting a queue before you can create another "
                  "with the same name.");
    }
    recently_deleted_.erase(it);
  }
  if (auto s = ValidateRedriveLocked(
          SqsArn(ctx.region, ctx.account, name), config);
      !s) {
    return std::move(s).error();
  }
  auto q = std::make_unique<Queue>();
  q->id = next_queue_id_++;
  q->key = key;
  q->region = ctx.region;
  q->account = ctx.account;
  q->name = name;
  q->config = std::move(config);
  q->tags = tags;
  q->created_ms = q->modified_ms = now;
  uint64_t commit = PersistQueueLocked(*q);
  std::string url = QueueUrl(ctx, *q);
  queues_by_id_[q->id] = q.get();
  queues_[key] = std::move(q);
  return CreateQueueResult{std::move(url), commit};
}

Result<Ack> Engine::DeleteQueue(const RequestContext& ctx, const std::string& queue_url) {
  std::vector<Completion> completions;
  Ack ack;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    if (q == nullptr) return QueueDoesNotExist();
    for (uint64_t id : q->waiters) {
      auto it = waiters_.find(id);
      if (it == waiters_.end()) continue;
      waiter_deadlines_.erase({it->second->deadline, id});
      completions.push_back([done = std::move(it->second->done)] { done(ReceiveResult{}); });
      waiters_.erase(it);
    }
    ClearMessagesLocked(*q);
    ack.commit = store_.Append(store::DropQueue{q->id});
    recently_deleted_[q->key] = clock_.NowMs();
    queues_by_id_.erase(q->id);
    queues_.erase(q->key);
  }
  for (auto& c : completions) c();
  return ack;
}

Result<std::string> Engine::GetQueueUrl(const RequestContext& ctx, const std::string& name,
                                        const std::string& owner_account) {
  std::lock_guard lock(mu_);
  const std::string& account = owner_account.empty() ? ctx.account : owner_account;
  auto it = queues_.find(QueueKey(ctx.region, account, name));
  if (it == queues_.end()) return QueueDoesNotExist();
  return QueueUrl(ctx, *it->second);
}

Result<ListQueuesResult> Engine::ListQueues(const RequestContext& ctx, const std::string& prefix,
                                            int64_t max_results, const std::string& next_token) {
  const std::string base = QueueKey(ctx.region, ctx.account, "");
  std::string start = base + prefix;
  if (!next_token.empty()) {
    auto last = Base64UrlDecode(next_token);
    if (!last || last->compare(0, prefix.size(), prefix) != 0) {
      return Fail(Errc::kInvalidParameterValue, "Invalid NextToken value.");
    }
    start = base + *last + '\x01';  // strictly after the last name returned
  }
  const size_t limit = max_results > 0 ? static_cast<size_t>(max_results) : 1000;
  ListQueuesResult result;
  std::lock_guard lock(mu_);
  for (auto it = queues_.lower_bound(start); it != queues_.end(); ++it) {
    if (it->first.compare(0, base.size() + prefix.size(), base + prefix) != 0) break;
    if (result.queue_urls.size() == limit) {
      if (max_results > 0) {
        result.next_token = Base64UrlEncode(std::prev(it)->second->name);
      }
      break;
    }
    result.queue_urls.push_back(QueueUrl(ctx, *it->second));
  }
  return result;
}

Result<StringMap> Engine::GetQueueAttributes(const RequestContext& ctx, const std::string& queue_url,
                                             const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n != "All" && !IsKnownQueueAttribute(n)) {
      return Fail(Errc::kInvalidAttributeName, "Unknown Attribute " + n + ".");
    }
  }
  std::vector<Completion> completions;
  StringMap out;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    if (q == nullptr) return QueueDoesNotExist();
    AdvanceLocked(clock_.NowMs(), &completions);  // counters reflect timers already due
    if (!names.empty()) {
      StringMap all = RenderQueueAttributes(q->config);
      all["QueueArn"] = QueueArn(*q);
      all["CreatedTimestamp"] = std::to_string(q->created_ms / 1000);
      all["LastModifiedTimestamp"] = std::to_string(q->modified_ms / 1000);
      all["ApproximateNumberOfMessages"] = std::to_string(q->ready.size());
      all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(q->in_flight);
      all["ApproximateNumberOfMessagesDelayed"] = std::to_string(q->delayed);
      if (std::find(names.begin(), names.end(), "All") != names.end()) {
        out = std::move(all);
      } else {
        for (const auto& n : names) {
          if (auto it = all.find(n); it != all.end()) out[n] = it->second;
        }
      }
    }
  }
  for (auto& c : completions) c();
  return out;
}

Result<Ack> Engine::SetQueueAttributes(const RequestContext& ctx, const std::string& queue_url,
                                       const StringMap& attributes) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  QueueConfig config = q->config;
  if (auto s = ApplyQueueAttributes(attributes, &config); !s) return std::move(s).error();
  if (attributes.count("RedrivePolicy") > 0) {
    if (auto s = ValidateRedriveLocked(QueueArn(*q), config); !s) return std::move(s).error();
  }
  q->config = std::move(config);
  q->modified_ms = clock_.NowMs();
  return Ack{PersistQueueLocked(*q)};
}

Result<Ack> Engine::PurgeQueue(const RequestContext& ctx, const std::string& queue_url) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  const int64_t now = clock_.NowMs();
  if (now - q->last_purge_ms < options_.purge_interval_ms) {
    return Fail(Errc::kPurgeQueueInProgress,
                "Only one PurgeQueue operation on " + q->name + " is allowed every 60 seconds.");
  }
  q->last_purge_ms = now;
  ClearMessagesLocked(*q);
  return Ack{store_.Append(store::PurgeMessages{q->id})};
}

Result<Ack> Engine::TagQueue(const RequestContext& ctx, const std::string& queue_url,
                             const StringMap& tags) {
  if (auto s = ValidateTags(tags); !s) return std::move(s).error();
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  for (const auto& [k, v] : tags) q->tags[k] = v;
  if (q->tags.size() > 50) {
    return Fail(Errc::kInvalidParameterValue, "Too many tags added for queue " + q->name + ".");
  }
  return Ack{PersistQueueLocked(*q)};
}

Result<Ack> Engine::UntagQueue(const RequestContext& ctx, const std::string& queue_url,
                               const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  for (const auto& k : keys) q->tags.erase(k);
  return Ack{PersistQueueLocked(*q)};
}

Result<StringMap> Engine::ListQueueTags(const RequestContext& ctx, const std::string& queue_url) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  return q->tags;
}

// ---------------------------------------------------------------------------------------------------
// Sending

namespace {

// A FIFO message needs a group and a deduplication id (explicit, or from the body when the queue has
// ContentBasedDeduplication). In a batch, an entry without them fails the whole request.
Status CheckFifoIdentity(const SendRequest& req, const SendLimits& limits) {
  if (!req.group_id) return MissingParameter("MessageGroupId");
  if (!req.deduplication_id && !limits.content_based_deduplication) {
    return Fail(Errc::kInvalidParameterValue,
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly");
  }
  return {};
}

constexpr char kInvalidCharacters[] =
    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
    "#xE000 to #xFFFD | #x10000 to #x10FFFF";

// Validates one message and prepares everything its send needs, outside the engine lock: the payload,
// its store encoding and the client's result. `in_batch` selects AWS's batch wording.
Result<PreparedSend> PrepareSend(const RequestContext& ctx, SendRequest req, const SendLimits& limits,
                                 int64_t now, bool in_batch) {
  if (req.body.empty()) return MissingParameter("MessageBody");
  if (!ValidMessageText(req.body)) {
    return Fail(Errc::kInvalidMessageContents, kInvalidCharacters);
  }
  for (const auto& [name, v] : req.attributes) {
    if (!v.is_binary() && !ValidMessageText(v.string_value)) {
      return Fail(Errc::kInvalidMessageContents, kInvalidCharacters);
    }
  }
  if (MessageSize(req.body, req.attributes) > static_cast<size_t>(limits.max_size)) {
    return Fail(Errc::kInvalidParameterValue,
                std::string(in_batch ? "One or more parameters cannot be validated"
                                     : "One or more parameters are invalid") +
                    ". Reason: Message must be shorter than " + std::to_string(limits.max_size) +
                    " bytes.");
  }
  if (req.delay_seconds && (*req.delay_seconds < 0 || *req.delay_seconds > 900)) {
    return InvalidParameterValue(std::to_string(*req.delay_seconds), "DelaySeconds",
                                 "DelaySeconds must be >= 0 and <= 900.");
  }
  std::string deduplication_id;
  if (limits.fifo) {
    if (auto s = CheckFifoIdentity(req, limits); !s) return std::move(s).error();
    // 0 means "the queue's delay", anything else is not allowed on FIFO queues (AWS's text, sic).
    if (req.delay_seconds && *req.delay_seconds != 0) {
      return InvalidParameterValue(std::to_string(*req.delay_seconds), "DelaySeconds",
                                   "The request include parameter that is not valid for this queue "
                                   "type.");
    }
    req.delay_seconds.reset();
    if (req.deduplication_id) {
      deduplication_id = *req.deduplication_id;
    } else {
      deduplication_id = Sha256Hex(req.body);  // content-based (CheckFifoIdentity allowed it)
    }
  } else if (req.deduplication_id) {
    return InvalidParameterValue(*req.deduplication_id, "MessageDeduplicationId",
                                 "The request includes a parameter that is not valid for this "
                                 "queue type.");
  }
  auto p = std::make_shared<MessagePayload>();
  p->deduplication_id = std::move(deduplication_id);
  p->message_id = NewUuid();
  p->md5_of_body = Md5Hex(req.body);
  p->body = std::move(req.body);
  p->md5_of_attributes = Md5OfAttributes(req.attributes);
  p->attributes = std::move(req.attributes);
  p->trace_header = req.trace_header ? *req.trace_header : ctx.trace_header;
  p->sender_id = ctx.account;
  p->sent_ms = now;
  if (req.group_id) p->group_id = *req.group_id;

  PreparedSend out;
  out.delay_seconds = req.delay_seconds.value_or(limits.queue_delay_seconds);
  out.result.message_id = p->message_id;
  out.result.md5_of_body = p->md5_of_body;
  out.result.md5_of_attributes = p->md5_of_attributes;
  if (req.trace_header) {  // only an explicit system attribute is digested, not the HTTP header
    MessageAttributes system;
    system["AWSTraceHeader"] = MessageAttributeValue{"String", *req.trace_header, {}};
    out.result.md5_of_system_attributes = Md5OfAttributes(system);
  }
  out.encoded = p->Encode();
  out.payload = std::move(p);
  return out;
}

}  // namespace

Result<SendLimits> Engine::GetSendLimits(const RequestContext& ctx, const std::string& queue_url) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  return SendLimits{q->config.maximum_message_size, q->config.delay_seconds, q->config.fifo_queue,
                    q->config.content_based_deduplication};
}

store::PutMessage Engine::EnqueueLocked(Queue& q, PayloadPtr payload, std::string encoded,
                                       int64_t delay_seconds, int32_t receive_count) {
  const int64_t now = clock_.NowMs();
  const uint64_t seq = next_seq_++;
  Message& m = q.messages[seq];
  m.seq = seq;
  m.payload = std::move(payload);
  m.receive_count = receive_count;
  store::MessageRecord rec;
  rec.seq = seq;
  rec.queue_id = q.id;
  rec.payload = std::move(encoded);
  rec.receive_count = receive_count;
  m.state = Message::State::kDetached;
  if (delay_seconds > 0) {
    AttachLocked(q, m, Message::State::kDelayed, now + delay_seconds * 1000);
    rec.visible_at_ms = m.visible_at;
  } else {
    AttachLocked(q, m, Message::State::kVisible, 0);
  }
  return store::PutMessage{std::move(rec)};
}

std::string Engine::DeduplicationKey(const Queue& q, const MessagePayload& p) {
  return q.config.deduplication_scope == "messageGroup" ? p.group_id + '\n' + p.deduplication_id
                                                        : p.deduplication_id;
}

// The window runs from the message's send, so entries rebuilt at recovery expire on time too.
void Engine::RememberDeduplicationLocked(Queue& q, std::string key, const MessagePayload& p,
                                         uint64_t seq, uint64_t commit) {
  const int64_t expires = p.sent_ms + kDeduplicationWindowMs;
  q.dedup[key] = {expires, p.message_id, seq, commit};
  q.dedup_expiry.emplace_back(expires, std::move(key));
}

uint64_t Engine::SendLocked(Queue& q, PreparedSend& send, std::vector<Completion>* out) {
  const int64_t now = clock_.NowMs();
  std::string dedup_key;
  if (q.config.fifo_queue) {
    // A deduplication id seen in the last 5 minutes (even if that message is gone) is accepted
    // again without enqueueing anything, answering with the original message.
    while (!q.dedup_expiry.empty() && q.dedup_expiry.front().first <= now) {
      auto it = q.dedup.find(q.dedup_expiry.front().second);
      if (it != q.dedup.end() && it->second.expires_ms <= now) q.dedup.erase(it);
      q.dedup_expiry.pop_front();
    }
    dedup_key = DeduplicationKey(q, *send.payload);
    if (auto it = q.dedup.find(dedup_key); it != q.dedup.end()) {
      send.result.message_id = it->second.message_id;
      send.result.sequence_number = SequenceNumber(it->second.seq);
      return it->second.commit;
    }
  }
  store::PutMessage put = EnqueueLocked(q, send.payload, std::move(send.encoded), send.delay_seconds, 0);
  const uint64_t seq = put.message.seq;
  // The message must reach the store before a parked receive's update of it does.
  const uint64_t commit = store_.Append(std::move(put));
  if (q.config.fifo_queue) {
    send.result.sequence_number = SequenceNumber(seq);
    RememberDeduplicationLocked(q, std::move(dedup_key), *send.payload, seq, commit);
  }
  if (out != nullptr && !q.waiters.empty()) ServeWaitersLocked(q, now, out);
  return commit;
}

Result<Engine::SendOutcome> Engine::SendMessage(const RequestContext& ctx,
                                                const std::string& queue_url, SendRequest request) {
  auto limits = GetSendLimits(ctx, queue_url);
  if (!limits) return std::move(limits).error();
  auto prepared = PrepareSend(ctx, std::move(request), *limits, clock_.NowMs(), false);
  if (!prepared) return std::move(prepared).error();

  std::vector<Completion> completions;
  SendOutcome outcome;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    if (q == nullptr) return QueueDoesNotExist();  // deleted meanwhile
    outcome.commit = SendLocked(*q, *prepared, &completions);
  }
  for (auto& c : completions) c();
  outcome.result = std::move(prepared->result);
  return outcome;
}

Result<BatchSendResult> Engine::SendMessageBatch(const RequestContext& ctx,
                                                 const std::string& queue_url,
                                                 std::vector<BatchSendEntry> entries) {
  auto limits = GetSendLimits(ctx, queue_url);
  if (!limits) return std::move(limits).error();
  std::vector<std::string> ids;
  size_t total = 0;
  for (const auto& e : entries) {
    ids.push_back(e.id);
    total += MessageSize(e.request.body, e.request.attributes);
  }
  if (auto s = ValidateBatchIds(ids, "SendMessageBatchRequestEntry"); !s) return std::move(s).error();
  if (total > 1048576) {
    return Fail(Errc::kBatchRequestTooLong,
                "Batch requests cannot be longer than 1048576 bytes. You have sent " +
                    std::to_string(total) + " bytes.");
  }

  if (limits->fifo) {
    for (const auto& e : entries) {
      if (auto s = CheckFifoIdentity(e.request, *limits); !s) return std::move(s).error();
    }
  }

  BatchSendResult result;
  const int64_t now = clock_.NowMs();
  std::vector<std::pair<std::string, PreparedSend>> prepared;
  for (auto& e : entries) {
    auto p = PrepareSend(ctx, std::move(e.request), *limits, now, true);
    if (!p) {
      result.failed.push_back({e.id, p.error().code, p.error().message, true});
    } else {
      prepared.emplace_back(std::move(e.id), std::move(*p));
    }
  }
  std::vector<Completion> completions;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    if (q == nullptr) return QueueDoesNotExist();
    for (auto& [id, p] : prepared) {  // in request order, as AWS enqueues them
      result.commit = SendLocked(*q, p, nullptr);
      result.successful.emplace_back(std::move(id), std::move(p.result));
    }
    // Parked receives are served once the whole batch is in, so a waiting receive can take all of it.
    if (!q->waiters.empty()) ServeWaitersLocked(*q, clock_.NowMs(), &completions);
  }
  for (auto& c : completions) c();
  return result;
}

// ---------------------------------------------------------------------------------------------------
// Receiving

// The next message a receive should take: standard queues take the oldest visible message; FIFO
// queues keep taking from the group they started with (in order) and then move to the unblocked group
// whose oldest visible message is oldest. Returns 0 when there is none.
uint64_t Engine::NextReceivableLocked(Queue& q, const std::string& current_group) const {
  if (!q.config.fifo_queue) return q.ready.empty() ? 0 : *q.ready.begin();
  if (!current_group.empty()) {
    auto it = q.groups.find(current_group);
    if (it != q.groups.end() && !it->second.ready.empty()) return *it->second.ready.begin();
  }
  return q.available.empty() ? 0 : q.available.begin()->first;
}

std::vector<TakenMessage> Engine::TakeLocked(Queue& q, const ReceiveRequest& req, int64_t now,
                                             uint64_t* commit) {
  std::vector<TakenMessage> taken;
  const int64_t visibility_ms = req.visibility_timeout.value_or(q.config.visibility_timeout) * 1000;
  const int64_t retention_cutoff = now - q.config.message_retention_period * 1000;

  // FIFO: a repeated ReceiveRequestAttemptId returns the same messages and handles, with their
  // visibility reset, as long as none of them was deleted or changed since.
  Queue::Attempt* attempt = nullptr;
  if (q.config.fifo_queue && req.receive_request_attempt_id) {
    auto [it, inserted] = q.attempts.try_emplace(*req.receive_request_attempt_id);
    attempt = &it->second;
    bool replay = !inserted && attempt->expires_ms > now && !attempt->taken.empty();
    for (const auto& [seq, nonce] : attempt->taken) {
      auto mit = q.messages.find(seq);
      replay = replay && mit != q.messages.end() && mit->second.state == Message::State::kInFlight &&
               mit->second.receipt_nonce == nonce;
    }
    if (replay) {
      for (const auto& [seq, nonce] : attempt->taken) {
        Message& m = q.messages.at(seq);
        AttachLocked(q, m, Message::State::kInFlight, now + visibility_ms);
        *commit = store_.Append(store::UpdateMessage{
            {seq, m.visible_at, m.receive_count, m.first_receive_ms, m.receipt_nonce}});
        taken.push_back({m.payload, q.id, seq, m.receipt_nonce, m.receive_count, m.first_receive_ms,
                     q.config.fifo_queue});
      }
      return taken;
    }
    attempt->taken.clear();
    attempt->expires_ms = now + kDeduplicationWindowMs;
  }

  std::string group;  // FIFO: the group this receive is taking from
  while (static_cast<int64_t>(taken.size()) < req.max_messages) {
    const uint64_t seq = NextReceivableLocked(q, group);
    if (seq == 0) break;
    Message& m = q.messages.at(seq);
    if (m.payload->sent_ms <= retention_cutoff) {  // expired, not yet swept
      RemoveMessageLocked(q, seq);
      *commit = store_.Append(store::DeleteMessage{seq});
      continue;
    }
    // The receive that would exceed maxReceiveCount moves the message to the dead-letter queue
    // instead of returning it, and goes on looking for others.
    if (q.config.max_receive_count > 0 && m.receive_count >= q.config.max_receive_count &&
        DeadLetterLocked(q, seq, now, commit)) {
      continue;
    }
    group = m.payload->group_id;
    if (m.receive_count++ == 0) m.first_receive_ms = now;
    m.receipt_nonce = NextNonce();
    m.received_at = now;
    AttachLocked(q, m, Message::State::kInFlight, now + visibility_ms);
    *commit = store_.Append(store::UpdateMessage{
        {seq, m.visible_at, m.receive_count, m.first_receive_ms, m.receipt_nonce}});
    taken.push_back({m.payload, q.id, seq, m.receipt_nonce, m.receive_count, m.first_receive_ms,
                     q.config.fifo_queue});
    if (attempt != nullptr) attempt->taken.emplace_back(seq, m.receipt_nonce);
  }
  return taken;
}

bool Engine::DeadLetterLocked(Queue& q, uint64_t seq, int64_t now, uint64_t* commit) {
  Queue* dlq = FindQueueByArnLocked(q.config.redrive_target_arn);
  if (dlq == nullptr || dlq == &q || dlq->config.fifo_queue != q.config.fifo_queue) return false;
  const Message& m = q.messages.at(seq);
  // Same MessageId, body and attributes, and the receive count so far; standard queues keep the
  // original enqueue time (retention counts from it), FIFO ones restart it and take the MessageId as
  // deduplication id (reference/sqs.md §5).
  auto payload = std::make_shared<MessagePayload>(*m.payload);
  payload->dead_letter_source_arn = QueueArn(q);
  if (q.config.fifo_queue) {
    payload->sent_ms = now;
    payload->deduplication_id = payload->message_id;
  }
  std::string encoded = payload->Encode();
  const int32_t receive_count = m.receive_count;
  const int64_t first_receive_ms = m.first_receive_ms;
  store::PutMessage put = EnqueueLocked(*dlq, std::move(payload), std::move(encoded), 0, receive_count);
  put.message.first_receive_ms = first_receive_ms;
  dlq->messages.at(put.message.seq).first_receive_ms = first_receive_ms;
  RemoveMessageLocked(q, seq);
  std::vector<store::Mutation> move;
  move.push_back(std::move(put));
  move.push_back(store::DeleteMessage{seq});
  *commit = store_.AppendAtomic(std::move(move));  // leaves one queue and enters the other together
  // Parked receives on the dead-letter queue are served on the next tick, not from inside this take
  // (a chain of dead-letter queues must not recurse).
  if (!dlq->waiters.empty()) {
    pending_wakeups_.insert(dlq->id);
    NotifyTimerLocked(now);
  }
  return true;
}

void Engine::ServeWaitersLocked(Queue& q, int64_t now, std::vector<Completion>* out) {
  while (!q.waiters.empty() && HasReceivableLocked(q)) {
    const uint64_t id = q.waiters.front();
    q.waiters.pop_front();
    auto it = waiters_.find(id);
    if (it == waiters_.end()) continue;
    std::unique_ptr<Waiter> w = std::move(it->second);
    waiters_.erase(it);
    waiter_deadlines_.erase({w->deadline, id});
    uint64_t commit = 0;
    std::vector<TakenMessage> taken = TakeLocked(q, w->request, now, &commit);
    std::shared_ptr<Waiter> shared = std::move(w);  // std::function needs a copyable capture
    out->push_back([w = std::move(shared), taken = std::move(taken), commit, key = receipt_key_]() {
      ReceiveResult result;
      result.commit = commit;
      for (const auto& t : taken) result.messages.push_back(BuildReceived(t, w->request, key));
      w->done(std::move(result));
    });
  }
}

void Engine::ReceiveMessage(const RequestContext& ctx, const std::string& queue_url,
                            ReceiveRequest request, ReceiveCallback done) {
  std::vector<Completion> completions;
  std::vector<TakenMessage> taken;
  uint64_t commit = 0;
  std::string key;
  bool parked = false;
  std::optional<Error> error;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    const int64_t now = clock_.NowMs();
    int64_t wait = 0;
    if (q != nullptr) {
      AdvanceLocked(now, &completions);  // messages already due are visible to this receive
      wait = request.wait_seconds.value_or(q->config.receive_message_wait_time_seconds);
    }
    if (q == nullptr) {
      error = QueueDoesNotExist().error;
    } else if (!q->config.fifo_queue && q->ready.empty() && wait == 0 &&
               static_cast<int64_t>(q->in_flight) >= options_.max_inflight_standard) {
      error = Error{Errc::kOverLimit, "Too many messages in flight."};
    } else if (HasReceivableLocked(*q) || wait == 0 || stopping_) {
      taken = TakeLocked(*q, request, now, &commit);
      key = receipt_key_;
    } else {
      auto w = std::make_unique<Waiter>();
      w->id = next_waiter_id_++;
      w->queue_id = q->id;
      w->deadline = (split_clocks_ ? wait_clock_.NowMs() : now) + wait * 1000;
      w->request = std::move(request);
      w->done = std::move(done);
      q->waiters.push_back(w->id);
      waiter_deadlines_.emplace(w->deadline, w->id);
      NotifyWaitTimerLocked(w->deadline);
      waiters_[w->id] = std::move(w);
      parked = true;
    }
  }
  for (auto& c : completions) c();
  if (error) return done(std::move(*error));
  if (parked) return;
  ReceiveResult result;
  result.commit = commit;
  result.messages.reserve(taken.size());
  for (const auto& t : taken) result.messages.push_back(BuildReceived(t, request, key));
  done(std::move(result));
}

// ---------------------------------------------------------------------------------------------------
// Deleting and changing visibility

namespace {

Unexpected<Error> InvalidReceipt(const std::string& handle) {
  return Fail(Errc::kReceiptHandleIsInvalid,
              "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}

Unexpected<Error> ExpiredReceipt(const std::string& handle) {
  return InvalidParameterValue(handle, "ReceiptHandle", "The receipt handle has expired.");
}

}  // namespace

// The handle of the receive that still holds the message (its visibility has not run out, even if
// the timer that makes it visible has not fired yet).
bool Engine::IsCurrentReceipt(const Message& m, const Receipt& receipt, int64_t now) {
  return m.state == Message::State::kInFlight && m.receipt_nonce == receipt.nonce &&
         m.visible_at > now;
}

Status Engine::DeleteLocked(Queue& q, const std::string& handle, uint64_t* commit) {
  auto receipt = DecodeReceipt(handle, receipt_key_);
  if (!receipt || receipt->queue_id != q.id) return InvalidReceipt(handle);
  // Deleting a message that is already gone succeeds (reference/sqs.md §4.4). Standard queues:
  // any handle of the message deletes it, even an expired or superseded one. FIFO queues: only the
  // handle of the current receive, while the message is still in flight.
  auto it = q.messages.find(receipt->seq);
  if (it == q.messages.end()) return {};
  if (q.config.fifo_queue && !IsCurrentReceipt(it->second, *receipt, clock_.NowMs())) {
    return ExpiredReceipt(handle);
  }
  RemoveMessageLocked(q, receipt->seq);
  *commit = store_.Append(store::DeleteMessage{receipt->seq});
  return {};
}

Result<Ack> Engine::DeleteMessage(const RequestContext& ctx, const std::string& queue_url,
                                  const std::string& receipt_handle) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  Ack ack;
  if (auto s = DeleteLocked(*q, receipt_handle, &ack.commit); !s) return std::move(s).error();
  return ack;
}

Result<BatchResult> Engine::DeleteMessageBatch(const RequestContext& ctx,
                                               const std::string& queue_url,
                                               const std::vector<ReceiptEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.id);
  std::lock_guard lock(mu_);
  Queue* q = FindQueueLocked(ctx, queue_url);
  if (q == nullptr) return QueueDoesNotExist();
  if (auto s = ValidateBatchIds(ids, "DeleteMessageBatchRequestEntry"); !s) return std::move(s).error();
  BatchResult result;
  for (const auto& e : entries) {
    if (auto s = DeleteLocked(*q, e.receipt_handle, &result.commit); !s) {
      result.failed.push_back({e.id, s.error().code, s.error().message, true});
    } else {
      result.successful.push_back(e.id);
    }
  }
  return result;
}

Status Engine::ChangeVisibilityLocked(Queue& q, const std::string& handle, int64_t timeout,
                                      int64_t now, uint64_t* commit, std::vector<Completion>* out) {
  auto receipt = DecodeReceipt(handle, receipt_key_);
  if (!receipt || receipt->queue_id != q.id) return InvalidReceipt(handle);
  if (timeout < 0 || timeout > 43200) {
    return InvalidParameterValue(std::to_string(timeout), "VisibilityTimeout",
                                 "Must be between 0 and 43200, if provided.");
  }
  auto it = q.messages.find(receipt->seq);
  if (it == q.messages.end()) {
    return InvalidParameterValue(handle, "ReceiptHandle",
                                 "Message does not exist or is not available for visibility "
                                 "timeout change.");
  }
  Message& m = it->second;
  // A handle whose visibility already ran out, or that a later receive superseded, changes nothing:
  // AWS answers 200 for standard queues, and "expired" for FIFO queues.
  if (!IsCurrentReceipt(m, *receipt, now)) {
    if (q.config.fifo_queue) return ExpiredReceipt(handle);
    return {};
  }
  const int64_t visible_at = now + timeout * 1000;
  if (visible_at - m.received_at > kMaxVisibilityMs) {
    return InvalidParameterValue(std::to_string(timeout), "VisibilityTimeout",
                                 "Total VisibilityTimeout for the message is beyond the limit "
                                 "[43200 seconds]");
  }
  // Stored before a parked receive that this change wakes stores its own update of the message.
  *commit = store_.Append(store::UpdateMessage{
      {m.seq, visible_at, m.receive_count, m.first_receive_ms, m.receipt_nonce}});
  if (timeout == 0) {
    AttachLocked(q, m, Message::State::kVisible, 0);
    if (!q.waiters.empty()) ServeWaitersLocked(q, now, out);
  } else {
    AttachLocked(q, m, Message::State::kInFlight, visible_at);
  }
  return {};
}

Result<Ack> Engine::ChangeMessageVisibility(const RequestContext& ctx, const std::string& queue_url,
                                            const std::string& receipt_handle,
                                            int64_t visibility_timeout) {
  std::vector<Completion> completions;
  Ack ack;
  Status status;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    if (q == nullptr) return QueueDoesNotExist();
    status = ChangeVisibilityLocked(*q, receipt_handle, visibility_timeout, clock_.NowMs(),
                                    &ack.commit, &completions);
  }
  for (auto& c : completions) c();
  if (!status) return std::move(status).error();
  return ack;
}

Result<BatchResult> Engine::ChangeMessageVisibilityBatch(const RequestContext& ctx,
                                                         const std::string& queue_url,
                                                         const std::vector<ReceiptEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.id);
  std::vector<Completion> completions;
  BatchResult result;
  {
    std::lock_guard lock(mu_);
    Queue* q = FindQueueLocked(ctx, queue_url);
    if (q == nullptr) return QueueDoesNotExist();
    if (auto s = ValidateBatchIds(ids, "ChangeMessageVisibilityBatchRequestEntry"); !s) {
      return std::move(s).error();
    }
    const int64_t now = clock_.NowMs();
    for (const auto& e : entries) {
      auto s = ChangeVisibilityLocked(*q, e.receipt_handle, e.visibility_timeout, now,
                                      &result.commit, &completions);
      if (!s) {
        result.failed.push_back({e.id, s.error().code, s.error().message, true});
      } else {
        result.successful.push_back(e.id);
      }
    }
  }
  for (auto& c : completions) c();
  return result;
}

}  // namespace eddy::sqs
