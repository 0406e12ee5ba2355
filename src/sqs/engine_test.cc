#include "sqs/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <future>
#include <optional>

#include "store/memory_store.h"

namespace eddy::sqs {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(engine_.Recover().ok());
    ctx_.url_base = "http://localhost:4566";
    url_ = engine_.CreateQueue(ctx_, "q", {}, {})->queue_url;
  }

  std::string Send(const std::string& body, std::optional<int64_t> delay = std::nullopt) {
    SendRequest r;
    r.body = body;
    r.delay_seconds = delay;
    auto out = engine_.SendMessage(ctx_, url_, std::move(r));
    EXPECT_TRUE(out.ok());
    return out->result.message_id;
  }

  // Receives synchronously (wait 0 unless given); returns the result, or nullopt while parked.
  std::optional<Result<ReceiveResult>>* Receive(ReceiveRequest r) {
    auto* slot = &slots_.emplace_back();
    engine_.ReceiveMessage(ctx_, url_, std::move(r), [slot](Result<ReceiveResult> res) {
      slot->emplace(std::move(res));
    });
    return slot;
  }
  std::vector<ReceivedMessage> ReceiveNow(int64_t max = 10, std::optional<int64_t> vis = {}) {
    ReceiveRequest r;
    r.max_messages = max;
    r.wait_seconds = 0;
    r.visibility_timeout = vis;
    r.system_attribute_names = {"All"};
    auto* slot = Receive(std::move(r));
    EXPECT_TRUE(slot->has_value());
    return std::move(**slot)->messages;
  }
  std::string Attr(const std::string& name) {
    return engine_.GetQueueAttributes(ctx_, url_, {name}).value().at(name);
  }

  FakeClock clock_;
  store::MemoryStore store_;
  Engine engine_{clock_, store_};
  RequestContext ctx_;
  std::string url_;
  std::deque<std::optional<Result<ReceiveResult>>> slots_;
};

TEST_F(EngineTest, SendReceiveDeleteLifecycle) {
  std::string id = Send("hello");
  auto got = ReceiveNow();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload->message_id, id);
  EXPECT_EQ(got[0].payload->md5_of_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(got[0].system_attributes.at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(Attr("ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_TRUE(ReceiveNow().empty());
  ASSERT_TRUE(engine_.DeleteMessage(ctx_, url_, got[0].receipt_handle).ok());
  EXPECT_EQ(Attr("ApproximateNumberOfMessagesNotVisible"), "0");
  // Deleting again is a no-op success.
  EXPECT_TRUE(engine_.DeleteMessage(ctx_, url_, got[0].receipt_handle).ok());
}

TEST_F(EngineTest, ExpiredVisibilityMakesMessageVisibleAgain) {
  Send("m");
  auto first = ReceiveNow(1, 5);
  ASSERT_EQ(first.size(), 1u);
  clock_.Advance(4999);
  EXPECT_TRUE(ReceiveNow().empty());
  clock_.Advance(1);
  auto second = ReceiveNow();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].system_attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_NE(second[0].receipt_handle, first[0].receipt_handle);
}

TEST_F(EngineTest, DelayedMessageCountsAsDelayedUntilDue) {
  Send("later", 10);
  EXPECT_EQ(Attr("ApproximateNumberOfMessagesDelayed"), "1");
  EXPECT_EQ(Attr("ApproximateNumberOfMessages"), "0");
  EXPECT_TRUE(ReceiveNow().empty());
  clock_.Advance(10000);
  EXPECT_EQ(Attr("ApproximateNumberOfMessages"), "1");
  EXPECT_EQ(ReceiveNow().size(), 1u);
}

TEST_F(EngineTest, LongPollWakesOnSend) {
  ReceiveRequest r;
  r.wait_seconds = 20;
  auto* slot = Receive(r);
  EXPECT_FALSE(slot->has_value());
  Send("wake");
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((**slot)->messages.size(), 1u);
}

TEST_F(EngineTest, LongPollWokenByABatchTakesTheWholeBatch) {
  ReceiveRequest r;
  r.wait_seconds = 20;
  r.max_messages = 10;
  auto* slot = Receive(r);
  std::vector<BatchSendEntry> entries;
  for (const char* id : {"a", "b", "c"}) entries.push_back({id, SendRequest{std::string("m-") + id, {}, {}, {}, {}, {}}});
  ASSERT_TRUE(engine_.SendMessageBatch(ctx_, url_, entries).ok());
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((**slot)->messages.size(), 3u);
}

TEST_F(EngineTest, LongPollTimesOutEmpty) {
  ReceiveRequest r;
  r.wait_seconds = 2;
  auto* slot = Receive(r);
  EXPECT_EQ(engine_.NextDeadlineMs(), clock_.NowMs() + 1000);  // retention sweep comes first
  clock_.Advance(1999);
  engine_.Tick();
  EXPECT_FALSE(slot->has_value());
  clock_.Advance(1);
  engine_.Tick();
  ASSERT_TRUE(slot->has_value());
  EXPECT_TRUE((**slot)->messages.empty());
}

TEST_F(EngineTest, LongPollWakesWhenDelayEnds) {
  Send("d", 3);
  ReceiveRequest r;
  r.wait_seconds = 20;
  auto* slot = Receive(r);
  EXPECT_FALSE(slot->has_value());
  clock_.Advance(3000);
  engine_.Tick();
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((**slot)->messages.size(), 1u);
}

TEST_F(EngineTest, ChangeVisibilityToZeroWakesLongPoll) {
  Send("c");
  auto got = ReceiveNow();
  ReceiveRequest r;
  r.wait_seconds = 20;
  auto* slot = Receive(r);
  ASSERT_TRUE(engine_.ChangeMessageVisibility(ctx_, url_, got[0].receipt_handle, 0).ok());
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((**slot)->messages.size(), 1u);
}

TEST_F(EngineTest, ChangeVisibilityBeyondTwelveHoursFails) {
  Send("c");
  auto got = ReceiveNow();
  clock_.Advance(10000);
  auto r = engine_.ChangeMessageVisibility(ctx_, url_, got[0].receipt_handle, 43200);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidParameterValue);
  EXPECT_NE(r.error().message.find("beyond the limit [43200 seconds]"), std::string::npos);
}

TEST_F(EngineTest, ChangeVisibilityOfDeletedMessageFails) {
  Send("c");
  auto got = ReceiveNow();
  ASSERT_TRUE(engine_.DeleteMessage(ctx_, url_, got[0].receipt_handle).ok());
  auto r = engine_.ChangeMessageVisibility(ctx_, url_, got[0].receipt_handle, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidParameterValue);
}

TEST_F(EngineTest, ForgedReceiptHandleIsInvalid) {
  auto r = engine_.DeleteMessage(ctx_, url_, "garbage");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kReceiptHandleIsInvalid);
  EXPECT_EQ(r.error().message, "The input receipt handle \"garbage\" is not a valid receipt handle.");
}

TEST_F(EngineTest, RetentionExpiresOldMessages) {
  ASSERT_TRUE(engine_.SetQueueAttributes(ctx_, url_, {{"MessageRetentionPeriod", "60"}}).ok());
  Send("old");
  clock_.Advance(30000);
  Send("new");
  clock_.Advance(30000);
  engine_.Tick();
  auto got = ReceiveNow();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload->body, "new");
}

TEST_F(EngineTest, PurgeIsLimitedToOncePerMinute) {
  Send("a");
  ASSERT_TRUE(engine_.PurgeQueue(ctx_, url_).ok());
  EXPECT_EQ(Attr("ApproximateNumberOfMessages"), "0");
  auto again = engine_.PurgeQueue(ctx_, url_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kPurgeQueueInProgress);
  EXPECT_EQ(again.error().message, "Only one PurgeQueue operation on q is allowed every 60 seconds.");
  clock_.Advance(60000);
  EXPECT_TRUE(engine_.PurgeQueue(ctx_, url_).ok());
}

TEST_F(EngineTest, CreateQueueIsIdempotentOnlyForEqualAttributes) {
  auto same = engine_.CreateQueue(ctx_, "q2", {{"DelaySeconds", "5"}}, {});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(engine_.CreateQueue(ctx_, "q2", {{"DelaySeconds", "5"}}, {})->queue_url, same->queue_url);
  EXPECT_TRUE(engine_.CreateQueue(ctx_, "q2", {}, {}).ok());
  auto diff = engine_.CreateQueue(ctx_, "q2", {{"DelaySeconds", "6"}}, {});
  ASSERT_FALSE(diff.ok());
  EXPECT_EQ(diff.error().code, Errc::kQueueNameExists);
  EXPECT_EQ(diff.error().message,
            "A queue already exists with the same name and a different value for attribute "
            "DelaySeconds");
}

TEST_F(EngineTest, DeletedQueueNameIsBlockedForSixtySeconds) {
  ASSERT_TRUE(engine_.DeleteQueue(ctx_, url_).ok());
  auto again = engine_.CreateQueue(ctx_, "q", {}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kQueueDeletedRecently);
  clock_.Advance(60000);
  EXPECT_TRUE(engine_.CreateQueue(ctx_, "q", {}, {}).ok());
}

TEST_F(EngineTest, ListQueuesPaginatesWithTokens) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(engine_.CreateQueue(ctx_, "p" + std::to_string(i), {}, {}).ok());
  auto page1 = engine_.ListQueues(ctx_, "p", 2, "");
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->queue_urls.size(), 2u);
  ASSERT_FALSE(page1->next_token.empty());
  auto page2 = engine_.ListQueues(ctx_, "p", 2, page1->next_token);
  EXPECT_EQ(page2->queue_urls[0], "http://localhost:4566/000000000000/p2");
  auto page3 = engine_.ListQueues(ctx_, "p", 2, page2->next_token);
  EXPECT_EQ(page3->queue_urls.size(), 1u);
  EXPECT_TRUE(page3->next_token.empty());
  auto all = engine_.ListQueues(ctx_, "", 0, "");
  EXPECT_EQ(all->queue_urls.size(), 6u);
  EXPECT_TRUE(all->next_token.empty());
}

TEST_F(EngineTest, QueueAttributeValidation) {
  auto bad = engine_.SetQueueAttributes(ctx_, url_, {{"VisibilityTimeout", "43201"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidAttributeValue);
  auto ro = engine_.SetQueueAttributes(ctx_, url_, {{"QueueArn", "x"}});
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.error().message, "Unknown Attribute QueueArn.");
  auto fifo = engine_.SetQueueAttributes(ctx_, url_, {{"FifoQueue", "true"}});
  EXPECT_EQ(fifo.error().message, "Unknown Attribute FifoQueue.");
  auto all = engine_.GetQueueAttributes(ctx_, url_, {"All"});
  std::vector<std::string> keys;
  for (const auto& [k, v] : *all) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
                      "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "DelaySeconds",
                      "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod",
                      "QueueArn", "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled",
                      "VisibilityTimeout"}));
}

TEST_F(EngineTest, MessageSizeAndCharacterLimits) {
  SendRequest big;
  big.body = std::string(1048577, 'x');
  auto r = engine_.SendMessage(ctx_, url_, big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.");
  SendRequest bad;
  bad.body = std::string("a\x01", 2);
  EXPECT_EQ(engine_.SendMessage(ctx_, url_, bad).error().code, Errc::kInvalidMessageContents);
}

TEST_F(EngineTest, BatchReportsPerEntryFailures) {
  std::vector<BatchSendEntry> entries(2);
  entries[0].id = "ok";
  entries[0].request.body = "fine";
  entries[1].id = "bad";
  entries[1].request.body = std::string("\x01", 1);
  auto r = engine_.SendMessageBatch(ctx_, url_, entries);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->successful.size(), 1u);
  ASSERT_EQ(r->failed.size(), 1u);
  EXPECT_EQ(r->failed[0].id, "bad");
  EXPECT_EQ(r->failed[0].code, Errc::kInvalidMessageContents);
  std::vector<BatchSendEntry> dup(2);
  dup[0].id = dup[1].id = "x";
  dup[0].request.body = dup[1].request.body = "b";
  EXPECT_EQ(engine_.SendMessageBatch(ctx_, url_, dup).error().code, Errc::kBatchEntryIdsNotDistinct);
  EXPECT_EQ(engine_.SendMessageBatch(ctx_, url_, {}).error().code, Errc::kEmptyBatchRequest);
}

TEST_F(EngineTest, MessageAttributeSelectionAndDigest) {
  SendRequest r;
  r.body = "b";
  r.attributes = {{"Help.Me", {"String", "Me", {}}}, {"Hello", {"String", "There", {}}},
                  {"General", {"String", "Kenobi", {}}}};
  ASSERT_TRUE(engine_.SendMessage(ctx_, url_, r).ok());
  ReceiveRequest req;
  req.message_attribute_names = {"Hello", "General"};
  auto* slot = Receive(req);
  auto& m = (**slot)->messages.at(0);
  EXPECT_EQ(m.attributes.size(), 2u);
  EXPECT_EQ(m.md5_of_attributes, "fca026605781cb4126a1e9044df24232");
}

TEST_F(EngineTest, RedrivePolicyIsNormalisedAndValidated) {
  ASSERT_TRUE(engine_.CreateQueue(ctx_, "dlq", {}, {}).ok());
  ASSERT_TRUE(engine_.SetQueueAttributes(
      ctx_, url_,
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"5"})"}})
                  .ok());
  EXPECT_EQ(Attr("RedrivePolicy"),
            R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":5})");
  auto bad = engine_.SetQueueAttributes(
      ctx_, url_, {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:x","maxReceiveCount":0})"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidParameterValue);
  ASSERT_TRUE(engine_.SetQueueAttributes(ctx_, url_, {{"RedrivePolicy", ""}}).ok());
  EXPECT_EQ(engine_.GetQueueAttributes(ctx_, url_, {"RedrivePolicy"})->count("RedrivePolicy"), 0u);
}

// Records the order of mutations, to check what a restart would replay.
class RecordingStore final : public store::MessageStore {
 public:
  eddy::Status Load(store::LoadVisitor&, uint64_t* max_seq, uint64_t* max_queue_id) override {
    *max_seq = *max_queue_id = 0;
    return eddy::Status::Ok();
  }
  uint64_t Append(store::Mutation m) override {
    log.push_back(std::move(m));
    return log.size();
  }
  uint64_t AppendAtomic(std::vector<store::Mutation> ms) override {
    for (auto& m : ms) log.push_back(std::move(m));
    return log.size();
  }
  eddy::Status LoadMeta(const std::string&,
                        const std::function<void(const std::string&, const std::string&)>&) override {
    return eddy::Status::Ok();
  }
  void WhenDurable(uint64_t, std::function<void()> fn) override { fn(); }
  void Close() override {}
  std::vector<store::Mutation> log;
};

TEST(EngineOrderTest, SendThatWakesALongPollIsStoredBeforeTheReceive) {
  FakeClock clock;
  RecordingStore store;
  Engine engine(clock, store);
  ASSERT_TRUE(engine.Recover().ok());
  RequestContext ctx;
  std::string url = engine.CreateQueue(ctx, "q", {}, {})->queue_url;
  ReceiveRequest r;
  r.wait_seconds = 20;
  bool done = false;
  engine.ReceiveMessage(ctx, url, r, [&](Result<ReceiveResult> res) { done = res->messages.size() == 1; });
  SendRequest s;
  s.body = "x";
  ASSERT_TRUE(engine.SendMessage(ctx, url, s).ok());
  ASSERT_TRUE(done);
  ASSERT_GE(store.log.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<store::PutMessage>(store.log[store.log.size() - 2]));
  EXPECT_TRUE(std::holds_alternative<store::UpdateMessage>(store.log.back()));
}

TEST_F(EngineTest, RedrivePolicyNeedsAnExistingDeadLetterQueueOfTheSameType) {
  auto missing = engine_.SetQueueAttributes(
      ctx_, url_,
      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":1})"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kInvalidParameterValue);
  ASSERT_TRUE(engine_.CreateQueue(ctx_, "f.fifo", {{"FifoQueue", "true"}}, {}).ok());
  auto mixed = engine_.SetQueueAttributes(
      ctx_, url_,
      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:f.fifo","maxReceiveCount":1})"}});
  ASSERT_FALSE(mixed.ok());
  ASSERT_TRUE(engine_.CreateQueue(ctx_, "closed", {{"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"}}, {}).ok());
  auto denied = engine_.SetQueueAttributes(
      ctx_, url_,
      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:closed","maxReceiveCount":1})"}});
  ASSERT_FALSE(denied.ok());
}

TEST_F(EngineTest, MessageMovesToDeadLetterQueueOnTheReceiveThatExceedsMaxReceiveCount) {
  std::string dlq = engine_.CreateQueue(ctx_, "dlq", {}, {})->queue_url;
  ASSERT_TRUE(engine_.SetQueueAttributes(
      ctx_, url_,
      {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":2})"}}).ok());
  std::string id = Send("poison");
  EXPECT_EQ(ReceiveNow(1, 0).size(), 1u);  // visibility 0: back at once
  EXPECT_EQ(ReceiveNow(1, 0).size(), 1u);
  EXPECT_TRUE(ReceiveNow(1, 0).empty());   // third receive moves it instead
  EXPECT_EQ(Attr("ApproximateNumberOfMessages"), "0");
  url_ = dlq;
  auto got = ReceiveNow();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload->message_id, id);
  EXPECT_EQ(got[0].system_attributes.at("ApproximateReceiveCount"), "3");
  EXPECT_EQ(got[0].system_attributes.at("ApproximateFirstReceiveTimestamp"),
            std::to_string(clock_.NowMs()));
  EXPECT_EQ(got[0].system_attributes.at("DeadLetterQueueSourceArn"),
            "arn:aws:sqs:us-east-1:000000000000:q");
  auto sources = engine_.ListDeadLetterSourceQueues(ctx_, dlq, 0, "");
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(sources->queue_urls, std::vector<std::string>{"http://localhost:4566/000000000000/q"});
}

class FifoTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    url_ = engine_.CreateQueue(ctx_, "f.fifo", {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}, {})
               ->queue_url;
  }
  Result<Engine::SendOutcome> SendTo(const std::string& group, const std::string& body,
                                     std::optional<std::string> dedup = std::nullopt) {
    SendRequest r;
    r.body = body;
    r.group_id = group;
    r.deduplication_id = dedup;
    return engine_.SendMessage(ctx_, url_, std::move(r));
  }
  std::vector<std::string> Bodies(const std::vector<ReceivedMessage>& ms) {
    std::vector<std::string> out;
    for (const auto& m : ms) out.push_back(m.payload->body);
    return out;
  }
};

TEST_F(FifoTest, GroupIsBlockedWhileAMessageIsInFlight) {
  ASSERT_TRUE(SendTo("a", "a1").ok());
  ASSERT_TRUE(SendTo("a", "a2").ok());
  ASSERT_TRUE(SendTo("b", "b1").ok());
  auto first = ReceiveNow(1);
  EXPECT_EQ(Bodies(first), std::vector<std::string>{"a1"});
  EXPECT_EQ(Bodies(ReceiveNow(10)), std::vector<std::string>{"b1"});  // group a is blocked
  EXPECT_TRUE(ReceiveNow(10).empty());
  ASSERT_TRUE(engine_.DeleteMessage(ctx_, url_, first[0].receipt_handle).ok());
  EXPECT_EQ(Bodies(ReceiveNow(10)), std::vector<std::string>{"a2"});
}

TEST_F(FifoTest, OneReceiveTakesSeveralMessagesOfAGroupInOrder) {
  for (std::string b : {"a1", "b1", "a2", "a3"}) ASSERT_TRUE(SendTo(b.substr(0, 1), b).ok());
  EXPECT_EQ(Bodies(ReceiveNow(10)), (std::vector<std::string>{"a1", "a2", "a3", "b1"}));
}

TEST_F(FifoTest, ExpiredMessageIsRedeliveredBeforeLaterOnes) {
  ASSERT_TRUE(SendTo("a", "a1").ok());
  ASSERT_TRUE(SendTo("a", "a2").ok());
  EXPECT_EQ(Bodies(ReceiveNow(1, 5)), std::vector<std::string>{"a1"});
  clock_.Advance(5000);
  EXPECT_EQ(Bodies(ReceiveNow(1)), std::vector<std::string>{"a1"});
}

TEST_F(FifoTest, DeduplicationWindowOutlivesTheMessage) {
  auto first = SendTo("g", "same");
  auto dup = SendTo("g", "same");
  ASSERT_TRUE(first.ok() && dup.ok());
  EXPECT_EQ(dup->result.message_id, first->result.message_id);
  EXPECT_EQ(dup->result.sequence_number, first->result.sequence_number);
  auto got = ReceiveNow();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(engine_.DeleteMessage(ctx_, url_, got[0].receipt_handle).ok());
  EXPECT_EQ(SendTo("g", "same")->result.message_id, first->result.message_id);
  EXPECT_TRUE(ReceiveNow().empty());
  clock_.Advance(5 * 60 * 1000);
  EXPECT_NE(SendTo("g", "same")->result.message_id, first->result.message_id);
}

TEST_F(FifoTest, MessageGroupScopeDeduplicatesPerGroup) {
  ASSERT_TRUE(engine_.SetQueueAttributes(ctx_, url_, {{"DeduplicationScope", "messageGroup"}}).ok());
  auto a = SendTo("a", "x", "d");
  auto b = SendTo("b", "y", "d");
  EXPECT_NE(a->result.message_id, b->result.message_id);
}

TEST_F(FifoTest, SequenceNumbersIncrease) {
  auto a = SendTo("a", "1");
  auto b = SendTo("a", "2");
  EXPECT_EQ(a->result.sequence_number.size(), 20u);
  EXPECT_LT(a->result.sequence_number, b->result.sequence_number);
}

TEST_F(FifoTest, SendRulesAreEnforced) {
  SendRequest no_group;
  no_group.body = "x";
  EXPECT_EQ(engine_.SendMessage(ctx_, url_, no_group).error().message,
            "The request must contain the parameter MessageGroupId.");
  SendRequest delayed;
  delayed.body = "x";
  delayed.group_id = "g";
  delayed.delay_seconds = 2;
  EXPECT_EQ(engine_.SendMessage(ctx_, url_, delayed).error().message,
            "Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter "
            "that is not valid for this queue type.");
}

TEST_F(FifoTest, ReceiveRequestAttemptIdReplaysTheSameMessages) {
  ASSERT_TRUE(SendTo("a", "a1").ok());
  ReceiveRequest r;
  r.max_messages = 10;
  r.receive_request_attempt_id = "attempt-1";
  auto* first = Receive(r);
  auto* again = Receive(r);
  ASSERT_EQ((**first)->messages.size(), 1u);
  ASSERT_EQ((**again)->messages.size(), 1u);
  EXPECT_EQ((**again)->messages[0].receipt_handle, (**first)->messages[0].receipt_handle);
}

TEST_F(FifoTest, DeleteWithAnExpiredHandleFails) {
  ASSERT_TRUE(SendTo("a", "a1").ok());
  auto got = ReceiveNow(1, 1);
  clock_.Advance(1000);
  auto r = engine_.DeleteMessage(ctx_, url_, got[0].receipt_handle);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("The receipt handle has expired."), std::string::npos);
}

TEST_F(EngineTest, ShutdownCompletesParkedReceives) {
  ReceiveRequest r;
  r.wait_seconds = 20;
  auto* slot = Receive(r);
  engine_.Shutdown();
  ASSERT_TRUE(slot->has_value());
  EXPECT_TRUE((**slot)->messages.empty());
}


// Under a virtual clock the server passes the real clock as the wait clock: long polls time out in real
// time while the virtual clock stands still, and the virtual clock's deadlines are the only ones the
// engine announces as a Timekeeper.
TEST(SplitClockEngineTest, LongPollTimesOutOnTheWaitClockWhileTheMainClockIsFrozen) {
  FakeClock virtual_clock, wait_clock(5'000);
  store::MemoryStore store;
  EngineOptions options;
  options.wait_clock = &wait_clock;
  Engine engine(virtual_clock, store, options);
  ASSERT_TRUE(engine.Recover().ok());
  RequestContext ctx;
  ctx.url_base = "http://localhost:4566";
  const std::string url = engine.CreateQueue(ctx, "q", {{"MessageRetentionPeriod", "60"}}, {})->queue_url;
  EXPECT_EQ(engine.NextDeadlineMs(), INT64_MAX) << "no messages: nothing to expire";

  ReceiveRequest r;
  r.wait_seconds = 2;
  std::optional<Result<ReceiveResult>> slot;
  engine.ReceiveMessage(ctx, url, r, [&](Result<ReceiveResult> res) { slot.emplace(std::move(res)); });
  EXPECT_FALSE(slot.has_value());
  EXPECT_EQ(engine.NextDeadlineMs(), INT64_MAX) << "the wait is not on the virtual clock";
  virtual_clock.Advance(10'000);  // virtual time alone does not end the wait
  engine.Tick();
  EXPECT_FALSE(slot.has_value());
  wait_clock.Advance(2'000);
  engine.Tick();
  ASSERT_TRUE(slot.has_value());
  ASSERT_TRUE(slot->ok());
  EXPECT_TRUE((*slot)->messages.empty());

  // Virtual deadlines are announced exactly: the delay's end, then the retention expiry (not every 1 s).
  SendRequest send;
  send.body = "later";
  send.delay_seconds = 30;
  const int64_t sent_at = virtual_clock.NowMs();
  ASSERT_TRUE(engine.SendMessage(ctx, url, send).ok());
  EXPECT_EQ(engine.NextDeadlineMs(), sent_at + 30'000);
  virtual_clock.Set(sent_at + 30'000);
  engine.Tick();
  EXPECT_EQ(engine.NextDeadlineMs(), sent_at + 60'000);
  virtual_clock.Set(sent_at + 60'000);
  engine.Tick();
  EXPECT_EQ(engine.NextDeadlineMs(), INT64_MAX);
  auto attrs = engine.GetQueueAttributes(ctx, url, {"ApproximateNumberOfMessages"});
  EXPECT_EQ(attrs->at("ApproximateNumberOfMessages"), "0");
}

// The same with the timer thread: a 1 s long poll returns after about a real second although the main
// clock never moves.
TEST(SplitClockEngineTest, TimerThreadEndsLongPollsInRealTime) {
  FakeClock frozen;
  SystemClock real;
  store::MemoryStore store;
  EngineOptions options;
  options.wait_clock = &real;
  Engine engine(frozen, store, options);
  ASSERT_TRUE(engine.Recover().ok());
  engine.StartTimerThread();
  RequestContext ctx;
  ctx.url_base = "http://localhost:4566";
  const std::string url = engine.CreateQueue(ctx, "q", {}, {})->queue_url;
  ReceiveRequest r;
  r.wait_seconds = 1;
  std::promise<Result<ReceiveResult>> done;
  const auto started = std::chrono::steady_clock::now();
  engine.ReceiveMessage(ctx, url, r, [&](Result<ReceiveResult> res) { done.set_value(std::move(res)); });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(3)), std::future_status::ready);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, std::chrono::milliseconds(990));
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  auto res = f.get();
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE(res->messages.empty());
  engine.Shutdown();
}

}  // namespace
}  // namespace eddy::sqs
