#include "events/target_dispatcher.h"

#include <gtest/gtest.h>

namespace eddy::events {
namespace {

class TargetDispatcherTest : public ::testing::Test {
 protected:
  TargetDispatcherTest()
      : dispatcher_(clock_, TargetSinks{
                                [this](const std::string& arn, const std::string& payload) {
                                  invokes_.push_back(arn + " " + payload);
                                  return lambda_outcome_;
                                },
                                [this](const std::string& arn, const std::string& body, const std::string& group,
                                       const std::string&, const std::vector<std::pair<std::string, std::string>>& attrs) {
                                  sends_.push_back({arn, body, group, attrs});
                                  return SendOutcome::Ok();
                                }}) {}

  Delivery Lambda() {
    Delivery d;
    d.target_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    d.payload = "{}";
    d.source_arn = "arn:aws:events:us-east-1:000000000000:rule/r";
    d.dead_letter_arn = "arn:aws:sqs:us-east-1:000000000000:dlq";
    d.event_time_ms = clock_.NowMs();
    return d;
  }
  void RunRetries() {
    for (int64_t next = dispatcher_.NextDeadlineMs(); next != INT64_MAX; next = dispatcher_.NextDeadlineMs()) {
      clock_.Set(next);
      dispatcher_.Tick();
    }
  }
  std::string Attr(size_t i, const std::string& name) {
    for (const auto& [k, v] : sends_[i].attrs) {
      if (k == name) return v;
    }
    return "";
  }

  struct Sent {
    std::string arn, body, group;
    std::vector<std::pair<std::string, std::string>> attrs;
  };
  FakeClock clock_;
  SendOutcome lambda_outcome_ = SendOutcome::Ok();
  std::vector<std::string> invokes_;
  std::vector<Sent> sends_;
  TargetDispatcher dispatcher_;
};

TEST_F(TargetDispatcherTest, SuccessIsOneAttempt) {
  dispatcher_.Deliver(Lambda());
  EXPECT_EQ(invokes_.size(), 1u);
  EXPECT_EQ(dispatcher_.NextDeadlineMs(), INT64_MAX);
}

TEST_F(TargetDispatcherTest, RetriableFailuresBackOffThenGoToTheDeadLetterQueue) {
  lambda_outcome_ = SendOutcome::Failed(true, "THROTTLING", "Rate exceeded");
  Delivery d = Lambda();
  d.retry.maximum_retry_attempts = 3;
  const int64_t start = clock_.NowMs();
  dispatcher_.Deliver(d);
  EXPECT_EQ(dispatcher_.NextDeadlineMs(), start + 1000);
  RunRetries();
  EXPECT_EQ(invokes_.size(), 4u);  // the attempt and three retries: 1 s, 2 s, 4 s apart
  EXPECT_EQ(clock_.NowMs(), start + 7000);
  ASSERT_EQ(sends_.size(), 1u);
  EXPECT_EQ(sends_[0].arn, "arn:aws:sqs:us-east-1:000000000000:dlq");
  EXPECT_EQ(sends_[0].body, "{}");
  EXPECT_EQ(Attr(0, "ERROR_CODE"), "THROTTLING");
  EXPECT_EQ(Attr(0, "RULE_ARN"), "arn:aws:events:us-east-1:000000000000:rule/r");
  EXPECT_EQ(Attr(0, "EXHAUSTED_RETRY_CONDITION"), "MaximumRetryAttempts");
  EXPECT_EQ(Attr(0, "RETRY_ATTEMPTS"), "3");
}

TEST_F(TargetDispatcherTest, EventAgeEndsRetries) {
  lambda_outcome_ = SendOutcome::Failed(true, "THROTTLING", "Rate exceeded");
  Delivery d = Lambda();
  d.retry.maximum_event_age_seconds = 60;
  dispatcher_.Deliver(d);
  RunRetries();
  EXPECT_EQ(invokes_.size(), 6u);  // 1+2+4+8+16 = 31 s; the next (at 63 s) would be too old
  ASSERT_EQ(sends_.size(), 1u);
  EXPECT_EQ(Attr(0, "EXHAUSTED_RETRY_CONDITION"), "MaximumEventAgeInSeconds");
}

TEST_F(TargetDispatcherTest, AMissingTargetSkipsTheRetries) {
  lambda_outcome_ = SendOutcome::Failed(false, "RESOURCE_NOT_FOUND", "Function not found");
  dispatcher_.Deliver(Lambda());
  EXPECT_EQ(invokes_.size(), 1u);
  EXPECT_EQ(dispatcher_.NextDeadlineMs(), INT64_MAX);
  ASSERT_EQ(sends_.size(), 1u);
  EXPECT_EQ(Attr(0, "ERROR_CODE"), "RESOURCE_NOT_FOUND");
}

TEST_F(TargetDispatcherTest, SqsTargetsGetTheGroupId) {
  Delivery d = Lambda();
  d.target_arn = "arn:aws:sqs:us-east-1:000000000000:q.fifo";
  d.message_group_id = "g1";
  dispatcher_.Deliver(d);
  ASSERT_EQ(sends_.size(), 1u);
  EXPECT_EQ(sends_[0].group, "g1");
}

}  // namespace
}  // namespace eddy::events
