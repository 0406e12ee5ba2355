// LogStore with a FakeClock: ordering, caps, reads, the gap cursors behind the API's tokens.

#include "logs/log_store.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "common/clock.h"

namespace eddy::logs {
namespace {

constexpr const char* kRegion = "us-east-1";
constexpr const char* kGroup = "/aws/lambda/fn";

std::vector<std::string> Messages(const std::vector<StoredEvent>& events) {
  std::vector<std::string> out;
  for (const StoredEvent& e : events) out.push_back(e.message);
  return out;
}

std::vector<std::string> Messages(const std::vector<FilteredEvent>& events) {
  std::vector<std::string> out;
  for (const FilteredEvent& e : events) out.push_back(e.event.message);
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  explicit LogStoreTest(LogStoreOptions options = {}) : store_(clock_, options) {}

  // Appends one event per message, at timestamps t0, t0+1, ...
  void AppendLines(const std::string& stream, int64_t t0, const std::vector<std::string>& lines) {
    std::vector<LogEvent> events;
    for (size_t i = 0; i < lines.size(); ++i) {
      events.push_back({t0 + static_cast<int64_t>(i), lines[i]});
    }
    store_.Append(kRegion, kGroup, stream, std::move(events));
  }

  EventPage Get(const std::string& stream, EventQuery q) {
    auto page = store_.GetEvents(kRegion, kGroup, stream, q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? *page : EventPage{};
  }

  FakeClock clock_;
  LogStore store_;
};

TEST_F(LogStoreTest, AppendCreatesGroupAndStream) {
  clock_.Set(5000);
  AppendLines("s1", 1000, {"a", "bb"});
  auto group = store_.DescribeGroup(kRegion, kGroup);
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->creation_ms, 5000);
  EXPECT_EQ(group->stored_bytes, 3u);
  auto streams = store_.DescribeStreams(kRegion, kGroup, {});
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->streams.size(), 1u);
  const StreamInfo& s = streams->streams[0];
  EXPECT_EQ(s.name, "s1");
  EXPECT_EQ(s.first_event_ms, 1000);
  EXPECT_EQ(s.last_event_ms, 1001);
  EXPECT_EQ(s.last_ingestion_ms, 5000);
  EXPECT_EQ(s.upload_count, 1u);
}

TEST_F(LogStoreTest, RegionsAreSeparate) {
  AppendLines("s", 0, {"x"});
  EXPECT_FALSE(store_.DescribeGroup("eu-west-1", kGroup).ok());
  EXPECT_TRUE(store_.DescribeGroups("eu-west-1", {}).groups.empty());
}

TEST_F(LogStoreTest, LateEventsAreOrderedByTimestamp) {
  store_.Append(kRegion, kGroup, "s", {{100, "c"}, {300, "e"}});
  store_.Append(kRegion, kGroup, "s", {{50, "a"}, {100, "d"}, {60, "b"}});
  EXPECT_EQ(Messages(Get("s", {.start_from_head = true}).events),
            (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(LogStoreTest, NegativeTimestampsCountAsZero) {
  store_.Append(kRegion, kGroup, "s", {{-5, "neg"}});
  EXPECT_EQ(Get("s", {}).events.at(0).timestamp_ms, 0);
}

TEST(LogStoreCapsTest, StreamCapDropsOldestEvents) {
  FakeClock clock;
  LogStore store(clock, {.max_events_per_stream = 3});
  store.Append(kRegion, kGroup, "s", {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}});
  store.Append(kRegion, kGroup, "s", {{5, "e"}});
  auto page = store.GetEvents(kRegion, kGroup, "s", {.start_from_head = true});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Messages(page->events), (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(store.DescribeGroup(kRegion, kGroup)->stored_bytes, 3u);
  // The stream keeps its first-ever timestamp, as AWS does.
  EXPECT_EQ(store.DescribeStreams(kRegion, kGroup, {})->streams[0].first_event_ms, 1);
}

TEST(LogStoreCapsTest, GroupByteCapDropsOldestAcrossStreams) {
  FakeClock clock;
  LogStore store(clock, {.max_bytes_per_group = 10});
  store.Append(kRegion, kGroup, "s1", {{1, "aaaa"}, {5, "cccc"}});
  store.Append(kRegion, kGroup, "s2", {{3, "bbbb"}});  // 12 bytes: "aaaa" (oldest) goes
  EXPECT_EQ(store.DescribeGroup(kRegion, kGroup)->stored_bytes, 8u);
  store.Append(kRegion, kGroup, "s2", {{7, "dddd"}});  // 12 again: "bbbb" goes
  auto all = store.FilterEvents(kRegion, kGroup, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Messages(all->events), (std::vector<std::string>{"cccc", "dddd"}));
  EXPECT_EQ(store.DescribeGroup(kRegion, kGroup)->stored_bytes, 8u);
}

TEST(LogStoreCapsTest, StreamCountCapDropsLeastRecentlyWrittenStream) {
  FakeClock clock(1000);
  LogStore store(clock, {.max_streams_per_group = 2});
  store.Append(kRegion, kGroup, "old", {{1, "x"}});
  clock.Advance(10);
  store.Append(kRegion, kGroup, "mid", {{2, "y"}});
  clock.Advance(10);
  store.Append(kRegion, kGroup, "old", {{3, "z"}});  // "old" is now the most recent writer
  clock.Advance(10);
  store.Append(kRegion, kGroup, "new", {{4, "w"}});
  auto streams = store.DescribeStreams(kRegion, kGroup, {});
  ASSERT_EQ(streams->streams.size(), 2u);
  EXPECT_EQ(streams->streams[0].name, "new");
  EXPECT_EQ(streams->streams[1].name, "old");
  EXPECT_EQ(store.DescribeGroup(kRegion, kGroup)->stored_bytes, 3u);
}

TEST_F(LogStoreTest, GetEventsTailAndHead) {
  AppendLines("s", 100, {"a", "b", "c", "d", "e"});
  EXPECT_EQ(Messages(Get("s", {.limit = 2}).events), (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(Messages(Get("s", {.limit = 2, .start_from_head = true}).events),
            (std::vector<std::string>{"a", "b"}));
  // startTime inclusive, endTime exclusive.
  EXPECT_EQ(Messages(Get("s", {.start_ms = 101, .end_ms = 103}).events),
            (std::vector<std::string>{"b", "c"}));
  // The byte budget counts 26 bytes of overhead per event.
  EXPECT_EQ(Messages(Get("s", {.max_bytes = 2 * 27}).events), (std::vector<std::string>{"d", "e"}));
}

TEST_F(LogStoreTest, ForwardCursorPagesAndRepeatsWhenNothingNew) {
  AppendLines("s", 100, {"a", "b", "c"});
  EventPage p1 = Get("s", {.limit = 2, .start_from_head = true});
  EXPECT_EQ(Messages(p1.events), (std::vector<std::string>{"a", "b"}));
  using D = EventQuery::Direction;
  EventPage p2 = Get("s", {.limit = 2, .cursor = EventQuery::Cursor{D::kForward, p1.forward_gap}});
  EXPECT_EQ(Messages(p2.events), (std::vector<std::string>{"c"}));
  EventPage p3 = Get("s", {.limit = 2, .cursor = EventQuery::Cursor{D::kForward, p2.forward_gap}});
  EXPECT_TRUE(p3.events.empty());
  EXPECT_EQ(p3.forward_gap, p2.forward_gap);  // same token back: paginators stop
  AppendLines("s", 200, {"d"});
  EventPage p4 = Get("s", {.limit = 2, .cursor = EventQuery::Cursor{D::kForward, p3.forward_gap}});
  EXPECT_EQ(Messages(p4.events), (std::vector<std::string>{"d"}));
}

TEST_F(LogStoreTest, BackwardCursorPagesToTheStart) {
  AppendLines("s", 100, {"a", "b", "c", "d", "e"});
  using D = EventQuery::Direction;
  EventPage p1 = Get("s", {.limit = 2});
  EXPECT_EQ(Messages(p1.events), (std::vector<std::string>{"d", "e"}));
  EventPage p2 = Get("s", {.limit = 2, .cursor = EventQuery::Cursor{D::kBackward, p1.backward_gap}});
  EXPECT_EQ(Messages(p2.events), (std::vector<std::string>{"b", "c"}));
  EventPage p3 = Get("s", {.limit = 2, .cursor = EventQuery::Cursor{D::kBackward, p2.backward_gap}});
  EXPECT_EQ(Messages(p3.events), (std::vector<std::string>{"a"}));
  EventPage p4 = Get("s", {.limit = 2, .cursor = EventQuery::Cursor{D::kBackward, p3.backward_gap}});
  EXPECT_TRUE(p4.events.empty());
  EXPECT_EQ(p4.backward_gap, p3.backward_gap);
  // Forward from the start reads everything again.
  EventPage p5 = Get("s", {.limit = 10, .cursor = EventQuery::Cursor{D::kForward, p4.forward_gap}});
  EXPECT_EQ(Messages(p5.events), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST_F(LogStoreTest, EqualTimestampsPageWithoutLossOrRepeat) {
  store_.Append(kRegion, kGroup, "s", {{7, "a"}, {7, "b"}, {7, "c"}});
  using D = EventQuery::Direction;
  EventPage p1 = Get("s", {.limit = 1, .start_from_head = true});
  EventPage p2 = Get("s", {.limit = 1, .cursor = EventQuery::Cursor{D::kForward, p1.forward_gap}});
  EventPage p3 = Get("s", {.limit = 1, .cursor = EventQuery::Cursor{D::kForward, p2.forward_gap}});
  EXPECT_EQ(Messages(p1.events)[0] + Messages(p2.events)[0] + Messages(p3.events)[0], "abc");
  EventPage back = Get("s", {.limit = 5, .cursor = EventQuery::Cursor{D::kBackward, p3.backward_gap}});
  EXPECT_EQ(Messages(back.events), (std::vector<std::string>{"a", "b"}));
}

TEST_F(LogStoreTest, EmptyStreamTokensFindLaterEvents) {
  ASSERT_TRUE(store_.CreateGroup(kRegion, "g").ok());
  ASSERT_TRUE(store_.CreateStream(kRegion, "g", "s").ok());
  auto empty = store_.GetEvents(kRegion, "g", "s", {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->events.empty());
  EXPECT_EQ(empty->forward_gap, (EventKey{0, 0}));
  ASSERT_TRUE(store_.Put(kRegion, "g", "s", {{5, "later"}}).ok());
  auto next = store_.GetEvents(
      kRegion, "g", "s",
      {.cursor = EventQuery::Cursor{EventQuery::Direction::kForward, empty->forward_gap}});
  EXPECT_EQ(Messages(next->events), (std::vector<std::string>{"later"}));
}

TEST_F(LogStoreTest, FilterMergesStreamsInTimeOrder) {
  store_.Append(kRegion, kGroup, "a", {{1, "a1"}, {4, "a4"}, {6, "a6"}});
  store_.Append(kRegion, kGroup, "b", {{2, "b2"}, {4, "b4"}, {9, "b9"}});
  auto all = store_.FilterEvents(kRegion, kGroup, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Messages(all->events), (std::vector<std::string>{"a1", "b2", "a4", "b4", "a6", "b9"}));
  EXPECT_FALSE(all->more);
  EXPECT_EQ(all->events[1].stream_name, "b");

  // startTime and endTime both inclusive.
  auto range = store_.FilterEvents(kRegion, kGroup, {.start_ms = 4, .end_ms = 6});
  EXPECT_EQ(Messages(range->events), (std::vector<std::string>{"a4", "b4", "a6"}));

  auto only_b = store_.FilterEvents(kRegion, kGroup, {.stream_names = {"b", "missing"}});
  EXPECT_EQ(Messages(only_b->events), (std::vector<std::string>{"b2", "b4", "b9"}));
  auto prefix = store_.FilterEvents(kRegion, kGroup, {.stream_prefix = "a"});
  EXPECT_EQ(Messages(prefix->events), (std::vector<std::string>{"a1", "a4", "a6"}));
}

TEST_F(LogStoreTest, FilterPagesWithCursor) {
  store_.Append(kRegion, kGroup, "a", {{1, "a1"}, {4, "a4"}, {6, "a6"}});
  store_.Append(kRegion, kGroup, "b", {{2, "b2"}, {4, "b4"}});
  std::vector<std::string> seen;
  FilterQuery q{.limit = 2};
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 10);
    auto page = store_.FilterEvents(kRegion, kGroup, q);
    ASSERT_TRUE(page.ok());
    for (const std::string& m : Messages(page->events)) seen.push_back(m);
    if (!page->more) break;
    EXPECT_EQ(page->events.size(), 2u);
    q.after = page->events.back().event.key();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "b2", "a4", "b4", "a6"}));
}

class ContainsMatcher : public MessageMatcher {
 public:
  explicit ContainsMatcher(std::string needle) : needle_(std::move(needle)) {}
  bool Matches(std::string_view m) const override { return m.find(needle_) != m.npos; }

 private:
  std::string needle_;
};

TEST_F(LogStoreTest, FilterAppliesMatcherAndReportsMoreOnlyForMatches) {
  store_.Append(kRegion, kGroup, "s", {{1, "ERROR one"}, {2, "ok"}, {3, "ERROR two"}, {4, "ok"}});
  ContainsMatcher errors("ERROR");
  auto first = store_.FilterEvents(kRegion, kGroup, {.limit = 1, .matcher = &errors});
  EXPECT_EQ(Messages(first->events), (std::vector<std::string>{"ERROR one"}));
  EXPECT_TRUE(first->more);
  auto second = store_.FilterEvents(
      kRegion, kGroup, {.after = first->events.back().event.key(), .limit = 1, .matcher = &errors});
  EXPECT_EQ(Messages(second->events), (std::vector<std::string>{"ERROR two"}));
  EXPECT_FALSE(second->more);  // only non-matching events follow
}

TEST_F(LogStoreTest, DescribeGroupsPrefixPatternAndPages) {
  for (const char* name : {"/aws/lambda/b", "/aws/lambda/a", "/other/Alpha", "/aws/lambdax"}) {
    ASSERT_TRUE(store_.CreateGroup(kRegion, name).ok());
  }
  auto names = [](const GroupPage& p) {
    std::vector<std::string> out;
    for (const GroupInfo& g : p.groups) out.push_back(g.name);
    return out;
  };
  EXPECT_EQ(names(store_.DescribeGroups(kRegion, {.prefix = "/aws/lambda/"})),
            (std::vector<std::string>{"/aws/lambda/a", "/aws/lambda/b"}));
  EXPECT_EQ(names(store_.DescribeGroups(kRegion, {.pattern = "ALPHA"})),
            (std::vector<std::string>{"/other/Alpha"}));
  GroupPage p1 = store_.DescribeGroups(kRegion, {.limit = 3});
  EXPECT_EQ(names(p1), (std::vector<std::string>{"/aws/lambda/a", "/aws/lambda/b", "/aws/lambdax"}));
  EXPECT_TRUE(p1.more);
  GroupPage p2 = store_.DescribeGroups(kRegion, {.after = p1.groups.back().name, .limit = 3});
  EXPECT_EQ(names(p2), (std::vector<std::string>{"/other/Alpha"}));
  EXPECT_FALSE(p2.more);
}

TEST_F(LogStoreTest, DescribeStreamsOrdersAndPages) {
  store_.Append(kRegion, kGroup, "b", {{30, "x"}});
  store_.Append(kRegion, kGroup, "a", {{10, "x"}});
  store_.Append(kRegion, kGroup, "c", {{20, "x"}});
  auto names = [](const StreamPage& p) {
    std::string out;
    for (const StreamInfo& s : p.streams) out += s.name;
    return out;
  };
  EXPECT_EQ(names(*store_.DescribeStreams(kRegion, kGroup, {})), "abc");
  EXPECT_EQ(names(*store_.DescribeStreams(kRegion, kGroup, {.descending = true})), "cba");
  EXPECT_EQ(names(*store_.DescribeStreams(kRegion, kGroup, {.order_by_last_event = true})), "acb");
  StreamPage p1 = *store_.DescribeStreams(
      kRegion, kGroup, {.order_by_last_event = true, .descending = true, .limit = 2});
  EXPECT_EQ(names(p1), "bc");
  EXPECT_TRUE(p1.more);
  StreamPage p2 = *store_.DescribeStreams(
      kRegion, kGroup,
      {.order_by_last_event = true, .descending = true,
       .after = StreamQuery::Cursor{*p1.streams.back().last_event_ms, p1.streams.back().name},
       .limit = 2});
  EXPECT_EQ(names(p2), "a");
  EXPECT_FALSE(p2.more);
  EXPECT_EQ(names(*store_.DescribeStreams(kRegion, kGroup, {.prefix = "b"})), "b");
}

TEST_F(LogStoreTest, WriteErrors) {
  ASSERT_TRUE(store_.CreateGroup(kRegion, "g").ok());
  Status again = store_.CreateGroup(kRegion, "g");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kResourceAlreadyExists);
  EXPECT_EQ(again.error().message, "The specified log group already exists");

  Status no_group = store_.CreateStream(kRegion, "nope", "s");
  ASSERT_FALSE(no_group.ok());
  EXPECT_EQ(no_group.error().message, "The specified log group does not exist.");

  auto no_stream = store_.Put(kRegion, "g", "s", {{1, "x"}});
  ASSERT_FALSE(no_stream.ok());
  EXPECT_EQ(no_stream.error().code, Errc::kResourceNotFound);
  EXPECT_EQ(no_stream.error().message, "The specified log stream does not exist.");

  ASSERT_TRUE(store_.CreateStream(kRegion, "g", "s").ok());
  EXPECT_EQ(store_.CreateStream(kRegion, "g", "s").error().code, Errc::kResourceAlreadyExists);
  EXPECT_EQ(*store_.Put(kRegion, "g", "s", {{1, "x"}}), 1u);
  EXPECT_EQ(*store_.Put(kRegion, "g", "s", {{2, "y"}}), 2u);
  ASSERT_TRUE(store_.DeleteStream(kRegion, "g", "s").ok());
  EXPECT_EQ(store_.DescribeGroup(kRegion, "g")->stored_bytes, 0u);
  ASSERT_TRUE(store_.DeleteGroup(kRegion, "g").ok());
  EXPECT_EQ(store_.DeleteGroup(kRegion, "g").error().code, Errc::kResourceNotFound);
}

TEST(LambdaLogStreamNameTest, DateVersionAndRandomSuffix) {
  // 2024-02-29T23:59:59.999Z
  const std::string name = LambdaLogStreamName(1709251199999, "$LATEST");
  ASSERT_EQ(name.size(), std::string("2024/02/29/[$LATEST]").size() + 32) << name;
  EXPECT_EQ(name.substr(0, 20), "2024/02/29/[$LATEST]");
  for (char c : name.substr(20)) EXPECT_TRUE(std::isxdigit(c) && !std::isupper(c)) << name;
  EXPECT_NE(LambdaLogStreamName(0, "1"), LambdaLogStreamName(0, "1"));
  EXPECT_EQ(LambdaLogStreamName(0, "1").substr(0, 14), "1970/01/01/[1]");
}

}  // namespace
}  // namespace eddy::logs
