// Message move tasks (DLQ redrive): StartMessageMoveTask, CancelMessageMoveTask, ListMessageMoveTasks.

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <variant>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "sqs/engine.h"

namespace eddy::sqs {
namespace {

// A store that keeps what it is given and hands it back on Load, so a second Engine can recover
// the first one's state; it also records the shape of each atomic append.
class ReplayStore final : public store::MessageStore {
 public:
  eddy::Status Load(store::LoadVisitor& v, uint64_t* max_seq, uint64_t* max_queue_id) override {
    for (const auto& [k, value] : meta_) v.OnMeta(k, value);
    for (const auto& [id, q] : queues_) v.OnQueue(store::QueueRecord(q));
    for (const auto& [seq, m] : messages_) v.OnMessage(store::MessageRecord(m));
    *max_seq = max_seq_;
    *max_queue_id = max_queue_id_;
    return eddy::Status::Ok();
  }
  uint64_t Append(store::Mutation m) override {
    Apply(m);
    return ++ticket_;
  }
  uint64_t AppendAtomic(std::vector<store::Mutation> ms) override {
    std::vector<size_t> kinds;
    for (auto& m : ms) {
      kinds.push_back(m.index());
      Apply(m);
    }
    atomic_.push_back(std::move(kinds));
    return ++ticket_;
  }
  eddy::Status LoadMeta(
      const std::string& prefix,
      const std::function<void(const std::string&, const std::string&)>& fn) override {
    for (const auto& [k, value] : meta_) {
      if (k.starts_with(prefix)) fn(k, value);
    }
    return eddy::Status::Ok();
  }
  void WhenDurable(uint64_t, std::function<void()> fn) override { fn(); }
  void Close() override {}

  const std::map<std::string, std::string>& meta() const { return meta_; }
  const std::vector<std::vector<size_t>>& atomic() const { return atomic_; }

 private:
  void Apply(store::Mutation& mutation) {
    std::visit(
        [&](auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, store::PutQueue>) {
            queues_[op.queue.id] = op.queue;
            max_queue_id_ = std::max(max_queue_id_, op.queue.id);
          } else if constexpr (std::is_same_v<T, store::DropQueue>) {
            queues_.erase(op.queue_id);
            std::erase_if(messages_, [&](const auto& kv) { return kv.second.queue_id == op.queue_id; });
          } else if constexpr (std::is_same_v<T, store::PutMessage>) {
            messages_[op.message.seq] = op.message;
            max_seq_ = std::max(max_seq_, op.message.seq);
          } else if constexpr (std::is_same_v<T, store::UpdateMessage>) {
            auto it = messages_.find(op.state.seq);
            if (it == messages_.end()) return;
            it->second.visible_at_ms = op.state.visible_at_ms;
            it->second.receive_count = op.state.receive_count;
            it->second.first_receive_ms = op.state.first_receive_ms;
            it->second.receipt_nonce = op.state.receipt_nonce;
          } else if constexpr (std::is_same_v<T, store::DeleteMessage>) {
            messages_.erase(op.seq);
          } else if constexpr (std::is_same_v<T, store::PurgeMessages>) {
            std::erase_if(messages_, [&](const auto& kv) { return kv.second.queue_id == op.queue_id; });
          } else if constexpr (std::is_same_v<T, store::PutMeta>) {
            meta_[op.key] = op.value;
          } else if constexpr (std::is_same_v<T, store::DeleteMeta>) {
            meta_.erase(op.key);
          }
        },
        mutation);
  }

  std::map<std::string, std::string> meta_;
  std::map<uint64_t, store::QueueRecord> queues_;
  std::map<uint64_t, store::MessageRecord> messages_;
  uint64_t max_seq_ = 0, max_queue_id_ = 0, ticket_ = 0;
  std::vector<std::vector<size_t>> atomic_;
};

constexpr size_t kPutMessage = 2, kDeleteMessage = 4, kPutMeta = 6;  // store::Mutation indices

class MoveTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.url_base = "http://localhost:4566";
    Restart();
  }

  // A new Engine over the same store, as after a process restart.
  void Restart() {
    engine_.reset();
    engine_ = std::make_unique<Engine>(clock_, store_);
    ASSERT_TRUE(engine_->Recover().ok());
  }

  std::string Arn(const std::string& name) { return "arn:aws:sqs:us-east-1:000000000000:" + name; }
  std::string Url(const std::string& name) { return ctx_.url_base + "/000000000000/" + name; }

  void Create(const std::string& name, StringMap attributes = {}) {
    auto r = engine_->CreateQueue(ctx_, name, attributes, {});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  // A source queue whose dead-letter queue is `dlq`.
  void CreateSource(const std::string& name, const std::string& dlq, StringMap attributes = {}) {
    attributes["RedrivePolicy"] =
        R"({"deadLetterTargetArn":")" + Arn(dlq) + R"(","maxReceiveCount":1})";
    Create(name, attributes);
  }
  // dlq + "src" redriving into it + "dest".
  void CreateStandardSetup() {
    Create("dlq");
    CreateSource("src", "dlq");
    Create("dest");
  }

  std::string Send(const std::string& queue, const std::string& body, MessageAttributes attrs = {}) {
    SendRequest r;
    r.body = body;
    r.attributes = std::move(attrs);
    auto out = engine_->SendMessage(ctx_, Url(queue), std::move(r));
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out.ok() ? out->result.message_id : "";
  }
  void SendMany(const std::string& queue, int n) {
    for (int i = 0; i < n; ++i) Send(queue, "m" + std::to_string(i));
  }

  std::vector<ReceivedMessage> Receive(const std::string& queue, int64_t max = 10,
                                       std::optional<int64_t> visibility = std::nullopt) {
    ReceiveRequest r;
    r.max_messages = max;
    r.wait_seconds = 0;
    r.visibility_timeout = visibility;
    r.system_attribute_names = {"All"};
    r.message_attribute_names = {"All"};
    std::optional<Result<ReceiveResult>> got;
    engine_->ReceiveMessage(ctx_, Url(queue), std::move(r),
                            [&](Result<ReceiveResult> res) { got.emplace(std::move(res)); });
    EXPECT_TRUE(got.has_value() && got->ok());
    return got && got->ok() ? std::move(**got).messages : std::vector<ReceivedMessage>{};
  }

  int64_t Visible(const std::string& queue) {
    auto attrs = engine_->GetQueueAttributes(ctx_, Url(queue), {"ApproximateNumberOfMessages"});
    return std::stoll(attrs.value().at("ApproximateNumberOfMessages"));
  }

  Result<std::string> Start(const std::string& source, const std::string& destination = "",
                            std::optional<int64_t> rate = std::nullopt) {
    auto started = engine_->StartMessageMoveTask(ctx_, source, destination, rate);
    if (!started) return std::move(started).error();
    return started->task_handle;
  }

  MoveTaskInfo Latest(const std::string& source_arn) {
    auto list = engine_->ListMessageMoveTasks(ctx_, source_arn, 1);
    EXPECT_TRUE(list.ok() && list->size() == 1u);
    return list.ok() && !list->empty() ? list->front() : MoveTaskInfo{};
  }

  void Step(int64_t ms) {
    clock_.Advance(ms);
    engine_->Tick();
  }

  FakeClock clock_;
  ReplayStore store_;
  std::unique_ptr<Engine> engine_;
  RequestContext ctx_;
};

void ExpectError(const Result<std::string>& r, Errc code, const std::string& message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().message, message);
}

TEST_F(MoveTaskTest, StartValidatesItsParameters) {
  CreateStandardSetup();
  Create("fifo.fifo", {{"FifoQueue", "true"}});
  ExpectError(Start("not-an-arn"), Errc::kInvalidParameterValue,
              "You must use this format to specify the SourceArn: "
              "arn:<partition>:<service>:<region>:<account-id>:<resource-id>");
  ExpectError(Start(Arn("nope")), Errc::kResourceNotFoundException,
              "The resource that you specified for the SourceArn parameter doesn't exist.");
  ExpectError(Start(Arn("dest")), Errc::kInvalidParameterValue,
              "Source queue must be configured as a Dead Letter Queue.");
  ExpectError(Start(Arn("dlq"), Arn("nope")), Errc::kResourceNotFoundException,
              "The resource that you specified for the DestinationArn parameter doesn't exist.");
  ExpectError(Start(Arn("dlq"), "", 0), Errc::kInvalidParameterValue,
              "Value 0 for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
              "between 1 and 500, if provided.");
  ExpectError(Start(Arn("dlq"), "", 501), Errc::kInvalidParameterValue,
              "Value 501 for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
              "between 1 and 500, if provided.");
  auto mixed = Start(Arn("dlq"), Arn("fifo.fifo"));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code, Errc::kInvalidParameterValue);

  SendMany("dlq", 3);
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 1).ok());
  ExpectError(Start(Arn("dlq"), Arn("dest")), Errc::kInvalidParameterValue,
              "There is already a task running. Only one active task is allowed for a source queue "
              "arn at a given time.");
  Step(3000);
  EXPECT_EQ(Latest(Arn("dlq")).status, "COMPLETED");
  EXPECT_TRUE(Start(Arn("dlq")).ok()) << "a finished task does not block a new one";
}

TEST_F(MoveTaskTest, HandleIsBase64JsonOfTaskIdAndSourceArn) {
  CreateStandardSetup();
  auto handle = Start(Arn("dlq"));
  ASSERT_TRUE(handle.ok());
  auto json = Base64Decode(*handle);
  ASSERT_TRUE(json.has_value());
  auto v = boost::json::parse(*json).as_object();
  EXPECT_EQ(v.at("sourceArn").as_string(), Arn("dlq"));
  EXPECT_FALSE(v.at("taskId").as_string().empty());
  EXPECT_EQ(Latest(Arn("dlq")).task_handle, *handle);
}

TEST_F(MoveTaskTest, MovesToDestinationAsNewMessagesOldestFirst) {
  CreateStandardSetup();
  MessageAttributes attrs;
  attrs["color"] = MessageAttributeValue{"String", "blue", {}};
  std::vector<std::string> old_ids;
  for (int i = 0; i < 3; ++i) old_ids.push_back(Send("dlq", "body" + std::to_string(i), attrs));
  const int64_t sent_at = clock_.NowMs();
  clock_.Advance(5000);
  auto handle = Start(Arn("dlq"), Arn("dest"), 100);
  ASSERT_TRUE(handle.ok());

  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "RUNNING");
  EXPECT_EQ(info.to_move, 3);
  EXPECT_EQ(info.moved, 0);
  EXPECT_EQ(info.started_ms, clock_.NowMs());
  EXPECT_EQ(info.destination_arn, Arn("dest"));
  EXPECT_EQ(info.max_per_second, 100);

  for (int i = 0; i < 3; ++i) Step(10);
  EXPECT_EQ(Visible("dlq"), 0);
  info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "COMPLETED");
  EXPECT_EQ(info.moved, 3);
  EXPECT_EQ(info.to_move, 3);
  EXPECT_TRUE(info.task_handle.empty()) << "the handle is only listed while RUNNING";
  EXPECT_TRUE(info.failure_reason.empty());

  auto got = Receive("dest");
  ASSERT_EQ(got.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto& m = got[i];
    EXPECT_EQ(m.payload->body, "body" + std::to_string(i));
    EXPECT_NE(m.payload->message_id, old_ids[i]) << "redriven messages are new messages";
    EXPECT_EQ(m.attributes.at("color").string_value, "blue");
    EXPECT_EQ(m.md5_of_attributes, Md5OfAttributes(attrs));
    EXPECT_EQ(m.system_attributes.at("ApproximateReceiveCount"), "1");
    EXPECT_GT(std::stoll(m.system_attributes.at("SentTimestamp")), sent_at);
    EXPECT_EQ(m.system_attributes.count("DeadLetterQueueSourceArn"), 0u);
  }
  // Each move committed the new message, the delete and the task's progress together.
  size_t moves = 0;
  for (const auto& kinds : store_.atomic()) {
    if (kinds == std::vector<size_t>{kPutMessage, kDeleteMessage, kPutMeta}) ++moves;
  }
  EXPECT_EQ(moves, 3u);
}

TEST_F(MoveTaskTest, RateIsExactAt100PerSecond) {
  CreateStandardSetup();
  SendMany("dlq", 150);
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 100).ok());
  EXPECT_EQ(engine_->NextDeadlineMs(), clock_.NowMs() + 10);
  for (int step = 1; step <= 100; ++step) {
    Step(10);
    ASSERT_EQ(Latest(Arn("dlq")).moved, step) << "one message per 10 ms step";
  }
  EXPECT_EQ(Visible("dest"), 100);
  EXPECT_EQ(Visible("dlq"), 50);
  Step(5);
  EXPECT_EQ(Latest(Arn("dlq")).moved, 100) << "no message before its time";
}

TEST_F(MoveTaskTest, RateIsExactAt500PerSecond) {
  CreateStandardSetup();
  SendMany("dlq", 600);
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 500).ok());
  for (int step = 1; step <= 100; ++step) {
    Step(10);
    ASSERT_EQ(Latest(Arn("dlq")).moved, 5 * step);
  }
  EXPECT_EQ(Visible("dest"), 500);
  EXPECT_EQ(Latest(Arn("dlq")).status, "RUNNING");
  Step(200);
  EXPECT_EQ(Latest(Arn("dlq")).status, "COMPLETED");
  EXPECT_EQ(Visible("dest"), 600);
}

TEST_F(MoveTaskTest, DefaultRateDrainsQuickly) {
  CreateStandardSetup();
  SendMany("dlq", 50);
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest")).ok());
  Step(100);
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "COMPLETED");
  EXPECT_EQ(info.moved, 50);
  EXPECT_FALSE(info.max_per_second.has_value());
}

TEST_F(MoveTaskTest, MessagesArrivingDuringTheTaskAreMovedToo) {
  CreateStandardSetup();
  SendMany("dlq", 2);
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 1).ok());
  Step(1000);
  Send("dlq", "late");
  Step(2000);
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "COMPLETED");
  EXPECT_EQ(info.moved, 3);
  EXPECT_EQ(info.to_move, 2) << "the count to move is a snapshot at start";
}

TEST_F(MoveTaskTest, EmptySourceCompletesAtTheNextStep) {
  CreateStandardSetup();
  ASSERT_TRUE(Start(Arn("dlq")).ok());
  EXPECT_EQ(Latest(Arn("dlq")).status, "RUNNING");
  EXPECT_LE(engine_->NextDeadlineMs(), clock_.NowMs());
  engine_->Tick();
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "COMPLETED");
  EXPECT_EQ(info.moved, 0);
  EXPECT_EQ(info.to_move, 0);
}

TEST_F(MoveTaskTest, CancelGoesThroughCancellingToCancelled) {
  CreateStandardSetup();
  SendMany("dlq", 10);
  auto handle = Start(Arn("dlq"), Arn("dest"), 2);
  ASSERT_TRUE(handle.ok());
  Step(1000);
  auto moved = engine_->CancelMessageMoveTask(ctx_, *handle);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->moved, 2);
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "CANCELLING");
  EXPECT_TRUE(info.task_handle.empty());
  Step(5000);
  info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "CANCELLED");
  EXPECT_EQ(info.moved, 2) << "nothing moves once cancelled";
  EXPECT_EQ(Visible("dlq"), 8);
  EXPECT_EQ(Visible("dest"), 2);

  auto again = engine_->CancelMessageMoveTask(ctx_, *handle);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kInvalidParameterValue);
  EXPECT_TRUE(Start(Arn("dlq")).ok());
}

TEST_F(MoveTaskTest, CancelErrors) {
  CreateStandardSetup();
  auto check = [&](const std::string& handle, Errc code, const std::string& message) {
    auto r = engine_->CancelMessageMoveTask(ctx_, handle);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code);
    EXPECT_EQ(r.error().message, message);
  };
  check("garbage!", Errc::kInvalidParameterValue, "Value for parameter TaskHandle is invalid.");
  check(Base64Encode("{\"taskId\":1}"), Errc::kInvalidParameterValue,
        "Value for parameter TaskHandle is invalid.");
  check(Base64Encode(R"({"taskId":"x","sourceArn":")" + Arn("gone") + "\"}"),
        Errc::kResourceNotFoundException,
        "The resource that you specified for the SourceArn parameter doesn't exist.");
  check(Base64Encode(R"({"taskId":"x","sourceArn":")" + Arn("dlq") + "\"}"),
        Errc::kResourceNotFoundException, "Task does not exist.");
}

TEST_F(MoveTaskTest, DeletingTheDestinationFailsTheTask) {
  CreateStandardSetup();
  SendMany("dlq", 5);
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 1).ok());
  Step(1000);
  ASSERT_TRUE(engine_->DeleteQueue(ctx_, Url("dest")).ok());
  EXPECT_LE(engine_->NextDeadlineMs(), clock_.NowMs()) << "failing is due at once";
  engine_->Tick();
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "FAILED");
  EXPECT_EQ(info.failure_reason, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(info.moved, 1);
  EXPECT_EQ(Visible("dlq"), 4) << "the unmoved messages stay in the DLQ";
  EXPECT_TRUE(Start(Arn("dlq")).ok()) << "a failed task is not active";
}

TEST_F(MoveTaskTest, WithoutDestinationEachMessageGoesBackToItsOwnSource) {
  Create("dlq");
  CreateSource("a", "dlq");
  CreateSource("b", "dlq");
  Send("a", "from-a");
  Send("b", "from-b");
  // maxReceiveCount 1: the first receive returns the message, the next moves it to the DLQ.
  for (const char* q : {"a", "b"}) ASSERT_EQ(Receive(q, 10, 1).size(), 1u);
  clock_.Advance(1000);
  for (const char* q : {"a", "b"}) EXPECT_TRUE(Receive(q).empty());
  ASSERT_EQ(Visible("dlq"), 2);

  ASSERT_TRUE(Start(Arn("dlq")).ok());
  Step(100);
  EXPECT_EQ(Latest(Arn("dlq")).status, "COMPLETED");
  EXPECT_EQ(Visible("dlq"), 0);
  auto a = Receive("a");
  auto b = Receive("b");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].payload->body, "from-a");
  EXPECT_EQ(b[0].payload->body, "from-b");
  EXPECT_EQ(a[0].system_attributes.at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(a[0].system_attributes.count("DeadLetterQueueSourceArn"), 0u);
}

TEST_F(MoveTaskTest, MessageWithoutASourceFailsTheTask) {
  CreateStandardSetup();
  Send("dlq", "sent directly, no DeadLetterQueueSourceArn");
  ASSERT_TRUE(Start(Arn("dlq")).ok());
  Step(100);
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "FAILED");
  EXPECT_EQ(info.failure_reason, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(Visible("dlq"), 1);
}

TEST_F(MoveTaskTest, ParkedReceiveOnTheDestinationGetsTheMovedMessage) {
  CreateStandardSetup();
  Send("dlq", "wake up");
  std::optional<Result<ReceiveResult>> got;
  ReceiveRequest r;
  r.wait_seconds = 20;
  engine_->ReceiveMessage(ctx_, Url("dest"), r,
                          [&](Result<ReceiveResult> res) { got.emplace(std::move(res)); });
  EXPECT_FALSE(got.has_value());
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 10).ok());
  Step(100);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ((*got)->messages.size(), 1u);
  EXPECT_EQ((*got)->messages[0].payload->body, "wake up");
}

TEST_F(MoveTaskTest, ListIsNewestFirstWithOptionalFields) {
  CreateStandardSetup();
  ASSERT_TRUE(Start(Arn("dlq"), Arn("dest"), 7).ok());
  Step(10);
  ASSERT_TRUE(Start(Arn("dlq")).ok());
  Step(10);
  auto list = engine_->ListMessageMoveTasks(ctx_, Arn("dlq"), 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE((*list)[0].destination_arn.empty());
  EXPECT_FALSE((*list)[0].max_per_second.has_value());
  EXPECT_EQ((*list)[1].destination_arn, Arn("dest"));
  EXPECT_EQ((*list)[1].max_per_second, 7);
  EXPECT_GT((*list)[0].started_ms, (*list)[1].started_ms);

  auto bad = engine_->ListMessageMoveTasks(ctx_, Arn("dlq"), 11);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidParameterValue);
  auto unknown = engine_->ListMessageMoveTasks(ctx_, Arn("nope"), 1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::kResourceNotFoundException);
  auto malformed = engine_->ListMessageMoveTasks(ctx_, "nope", 1);
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, Errc::kInvalidParameterValue);
  auto none = engine_->ListMessageMoveTasks(ctx_, Arn("dest"), 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(MoveTaskTest, KeepsTheLatestTenTasksPerSource) {
  CreateStandardSetup();
  for (int i = 1; i <= 12; ++i) {
    ASSERT_TRUE(Start(Arn("dlq"), "", i).ok());
    Step(10);
  }
  auto list = engine_->ListMessageMoveTasks(ctx_, Arn("dlq"), 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 10u);
  EXPECT_EQ(list->front().max_per_second, 12);
  EXPECT_EQ(list->back().max_per_second, 3);
  size_t stored = 0;
  for (const auto& [k, v] : store_.meta()) {
    if (k.rfind("sqs.move_task.", 0) == 0 && !v.empty()) ++stored;
  }
  EXPECT_EQ(stored, 10u);
}

TEST_F(MoveTaskTest, RunningTaskResumesAfterRestart) {
  CreateStandardSetup();
  SendMany("dlq", 5);
  auto handle = Start(Arn("dlq"), Arn("dest"), 1);
  ASSERT_TRUE(handle.ok());
  Step(2000);
  ASSERT_EQ(Latest(Arn("dlq")).moved, 2);

  Restart();
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "RUNNING");
  EXPECT_EQ(info.moved, 2);
  EXPECT_EQ(info.to_move, 5);
  EXPECT_EQ(info.task_handle, *handle);
  EXPECT_EQ(info.destination_arn, Arn("dest"));
  EXPECT_EQ(Visible("dlq"), 3);
  EXPECT_EQ(Visible("dest"), 2);

  Step(1000);
  EXPECT_EQ(Latest(Arn("dlq")).moved, 3) << "the rate schedule restarts from the recovery";
  Step(2000);
  info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "COMPLETED");
  EXPECT_EQ(info.moved, 5);
  EXPECT_EQ(Visible("dest"), 5);

  // New tasks after a restart get fresh ids and do not collide with recovered ones.
  ASSERT_TRUE(Start(Arn("dlq")).ok());
  auto list = engine_->ListMessageMoveTasks(ctx_, Arn("dlq"), 10);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST_F(MoveTaskTest, CancellingTaskIsCancelledAfterRestart) {
  CreateStandardSetup();
  SendMany("dlq", 5);
  auto handle = Start(Arn("dlq"), Arn("dest"), 1);
  ASSERT_TRUE(handle.ok());
  Step(1000);
  ASSERT_TRUE(engine_->CancelMessageMoveTask(ctx_, *handle).ok());
  Restart();
  MoveTaskInfo info = Latest(Arn("dlq"));
  EXPECT_EQ(info.status, "CANCELLED");
  EXPECT_EQ(info.moved, 1);
  Step(5000);
  EXPECT_EQ(Visible("dlq"), 4);
}

TEST_F(MoveTaskTest, FifoRedriveKeepsGroupAndUsesNewIdAsDeduplicationId) {
  Create("dlq.fifo", {{"FifoQueue", "true"}});
  CreateSource("src.fifo", "dlq.fifo", {{"FifoQueue", "true"}});
  Create("dest.fifo", {{"FifoQueue", "true"}});
  SendRequest r;
  r.body = "fifo body";
  r.group_id = "g1";
  r.deduplication_id = "d1";
  ASSERT_TRUE(engine_->SendMessage(ctx_, Url("dlq.fifo"), r).ok());
  Create("standard");
  ExpectError(Start(Arn("dlq.fifo"), Arn("standard")), Errc::kInvalidParameterValue,
              "The source queue and the destination queue must be of the same queue type.");
  ASSERT_TRUE(Start(Arn("dlq.fifo"), Arn("dest.fifo")).ok());
  Step(100);
  EXPECT_EQ(Latest(Arn("dlq.fifo")).status, "COMPLETED");
  auto got = Receive("dest.fifo");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload->body, "fifo body");
  EXPECT_EQ(got[0].payload->group_id, "g1");
  EXPECT_EQ(got[0].payload->deduplication_id, got[0].payload->message_id);
}

}  // namespace
}  // namespace eddy::sqs

namespace eddy::sqs {
namespace {

// Restart behaviour outside move tasks, on the same replaying store.
using RecoveryTest = MoveTaskTest;

TEST_F(RecoveryTest, FifoDeduplicationOfQueuedMessagesSurvivesRestart) {
  Create("f.fifo", {{"FifoQueue", "true"}});
  auto send = [&] {
    SendRequest r;
    r.body = "b";
    r.group_id = "g";
    r.deduplication_id = "d";
    return engine_->SendMessage(ctx_, Url("f.fifo"), std::move(r));
  };
  auto first = send();
  ASSERT_TRUE(first.ok());
  Restart();
  auto again = send();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->result.message_id, first->result.message_id);
  EXPECT_EQ(again->result.sequence_number, first->result.sequence_number);
  clock_.Advance(5 * 60 * 1000);
  Restart();
  EXPECT_NE(send()->result.message_id, first->result.message_id);
}

}  // namespace
}  // namespace eddy::sqs
