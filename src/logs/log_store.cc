#include "logs/log_store.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <deque>
#include <queue>
#include <utility>

#include "common/crypto.h"

namespace eddy::logs {

// AWS counts 26 bytes of overhead per event against the 1 MB batch and response limits.
constexpr size_t kEventOverheadBytes = 26;

struct LogStore::Stream {
  std::string name;
  int64_t creation_ms = 0;
  std::deque<StoredEvent> events;  // ascending by key()
  std::optional<int64_t> first_event_ms;
  std::optional<int64_t> last_event_ms;
  std::optional<int64_t> last_ingestion_ms;
  uint64_t upload_count = 0;
  uint64_t last_seq = 0;

  int64_t last_write_ms() const { return last_ingestion_ms.value_or(creation_ms); }

  StreamInfo Info() const {
    return StreamInfo{name,           creation_ms,  first_event_ms, last_event_ms,
                      last_ingestion_ms, upload_count, last_seq};
  }

  // Index of the first event whose key is greater than `gap`.
  size_t UpperBound(const EventKey& gap) const {
    auto it = std::upper_bound(events.begin(), events.end(), gap,
                               [](const EventKey& k, const StoredEvent& e) { return k < e.key(); });
    return static_cast<size_t>(it - events.begin());
  }
  // Index of the first event at or after `ms`.
  size_t FirstAtOrAfter(int64_t ms) const { return UpperBound(EventKey{ms, 0}); }
};

struct LogStore::Group {
  std::string name;
  int64_t creation_ms = 0;
  uint64_t stored_bytes = 0;
  std::optional<int> retention_days;
  std::map<std::string, std::unique_ptr<Stream>, std::less<>> streams;
  // Each non-empty stream's oldest event: the group-wide byte cap drops the oldest first.
  std::set<std::pair<EventKey, Stream*>> fronts;

  GroupInfo Info() const { return GroupInfo{name, creation_ms, stored_bytes, retention_days}; }
  void UnlinkFront(Stream& s) {
    if (!s.events.empty()) fronts.erase({s.events.front().key(), &s});
  }
  void LinkFront(Stream& s) {
    if (!s.events.empty()) fronts.insert({s.events.front().key(), &s});
  }
};

LogStore::LogStore(const Clock& clock, LogStoreOptions options)
    : clock_(clock), options_(options) {}

LogStore::~LogStore() = default;

// ---------------------------------------------------------------------------------------------------
// Writes

LogStore::Group* LogStore::FindGroupLocked(std::string_view region, std::string_view group) const {
  auto r = regions_.find(region);
  if (r == regions_.end()) return nullptr;
  auto g = r->second.find(group);
  return g == r->second.end() ? nullptr : g->second.get();
}

LogStore::Group& LogStore::EnsureGroupLocked(const std::string& region, const std::string& group) {
  GroupMap& groups = regions_[region];
  auto it = groups.find(group);
  if (it != groups.end()) return *it->second;
  auto g = std::make_unique<Group>();
  g->name = group;
  g->creation_ms = clock_.NowMs();
  return *groups.emplace(group, std::move(g)).first->second;
}

LogStore::Stream& LogStore::EnsureStreamLocked(Group& g, const std::string& stream) {
  auto it = g.streams.find(stream);
  if (it != g.streams.end()) return *it->second;
  if (options_.max_streams_per_group > 0 && g.streams.size() >= options_.max_streams_per_group) {
    // Make room: drop the stream written to least recently.
    auto victim = g.streams.begin();
    for (auto s = g.streams.begin(); s != g.streams.end(); ++s) {
      if (s->second->last_write_ms() < victim->second->last_write_ms()) victim = s;
    }
    Stream& v = *victim->second;
    g.UnlinkFront(v);
    for (const StoredEvent& e : v.events) g.stored_bytes -= e.message.size();
    g.streams.erase(victim);
  }
  auto s = std::make_unique<Stream>();
  s->name = stream;
  s->creation_ms = clock_.NowMs();
  return *g.streams.emplace(stream, std::move(s)).first->second;
}

void LogStore::AppendLocked(Group& g, Stream& s, std::vector<LogEvent> events) {
  const int64_t now = clock_.NowMs();
  ++s.upload_count;
  s.last_ingestion_ms = now;
  if (events.empty()) return;
  g.UnlinkFront(s);
  for (LogEvent& in : events) {
    StoredEvent e;
    e.timestamp_ms = std::max<int64_t>(in.timestamp_ms, 0);
    e.ingestion_ms = now;
    e.seq = next_seq_++;
    e.message = std::move(in.message);
    s.first_event_ms = s.first_event_ms ? std::min(*s.first_event_ms, e.timestamp_ms) : e.timestamp_ms;
    s.last_event_ms = s.last_event_ms ? std::max(*s.last_event_ms, e.timestamp_ms) : e.timestamp_ms;
    s.last_seq = e.seq;
    g.stored_bytes += e.message.size();
    // Almost always in order (Lambda appends as lines arrive); late events are placed by timestamp.
    if (s.events.empty() || !(e.key() < s.events.back().key())) {
      s.events.push_back(std::move(e));
    } else {
      s.events.insert(s.events.begin() + static_cast<ptrdiff_t>(s.UpperBound(e.key())), std::move(e));
    }
  }
  while (s.events.size() > options_.max_events_per_stream) {
    g.stored_bytes -= s.events.front().message.size();
    s.events.pop_front();
  }
  g.LinkFront(s);
  EnforceCapsLocked(g, s);
}

void LogStore::EnforceCapsLocked(Group& g, Stream&) {
  while (g.stored_bytes > options_.max_bytes_per_group && !g.fronts.empty()) {
    Stream* oldest = g.fronts.begin()->second;
    PopFrontLocked(g, *oldest);
  }
}

void LogStore::PopFrontLocked(Group& g, Stream& s) {
  g.UnlinkFront(s);
  g.stored_bytes -= s.events.front().message.size();
  s.events.pop_front();
  g.LinkFront(s);
}

void LogStore::Append(const std::string& region, const std::string& group, const std::string& stream,
                      std::vector<LogEvent> events) {
  std::lock_guard lock(mu_);
  Group& g = EnsureGroupLocked(region, group);
  Stream& s = EnsureStreamLocked(g, stream);
  AppendLocked(g, s, std::move(events));
}

Status LogStore::CreateGroup(const std::string& region, const std::string& group) {
  std::lock_guard lock(mu_);
  if (FindGroupLocked(region, group) != nullptr) {
    return Fail(Errc::kResourceAlreadyExists, "The specified log group already exists");
  }
  EnsureGroupLocked(region, group);
  return {};
}

Status LogStore::DeleteGroup(const std::string& region, const std::string& group) {
  std::lock_guard lock(mu_);
  auto r = regions_.find(region);
  if (r == regions_.end()) return GroupNotFound();
  auto g = r->second.find(group);
  if (g == r->second.end()) return GroupNotFound();
  r->second.erase(g);
  return {};
}

Status LogStore::CreateStream(const std::string& region, const std::string& group,
                              const std::string& stream) {
  std::lock_guard lock(mu_);
  Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();
  if (g->streams.contains(stream)) {
    return Fail(Errc::kResourceAlreadyExists, "The specified log stream already exists");
  }
  EnsureStreamLocked(*g, stream);
  return {};
}

Status LogStore::DeleteStream(const std::string& region, const std::string& group,
                              const std::string& stream) {
  std::lock_guard lock(mu_);
  Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();
  auto it = g->streams.find(stream);
  if (it == g->streams.end()) return StreamNotFound();
  g->UnlinkFront(*it->second);
  for (const StoredEvent& e : it->second->events) g->stored_bytes -= e.message.size();
  g->streams.erase(it);
  return {};
}

Status LogStore::SetRetention(const std::string& region, const std::string& group,
                              std::optional<int> retention_days) {
  std::lock_guard lock(mu_);
  Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();
  g->retention_days = retention_days;
  return {};
}

Result<uint64_t> LogStore::Put(const std::string& region, const std::string& group,
                               const std::string& stream, std::vector<LogEvent> events) {
  std::lock_guard lock(mu_);
  Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();
  auto it = g->streams.find(stream);
  if (it == g->streams.end()) return StreamNotFound();
  Stream& s = *it->second;
  AppendLocked(*g, s, std::move(events));
  return s.upload_count;
}

// ---------------------------------------------------------------------------------------------------
// Reads

namespace {

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

size_t EventCost(const StoredEvent& e) { return e.message.size() + kEventOverheadBytes; }

}  // namespace

GroupPage LogStore::DescribeGroups(const std::string& region, const GroupQuery& query) const {
  GroupPage page;
  std::lock_guard lock(mu_);
  auto r = regions_.find(region);
  if (r == regions_.end()) return page;
  const GroupMap& groups = r->second;
  auto it = query.after ? groups.upper_bound(*query.after) : groups.lower_bound(query.prefix);
  for (; it != groups.end(); ++it) {
    const std::string& name = it->first;
    if (!query.prefix.empty() && !name.starts_with(query.prefix)) {
      if (name > query.prefix) break;  // sorted: past every name with the prefix
      continue;
    }
    if (!query.pattern.empty() && !ContainsIgnoreCase(name, query.pattern)) continue;
    if (!query.names.empty() &&
        std::find(query.names.begin(), query.names.end(), name) == query.names.end()) {
      continue;
    }
    if (page.groups.size() == query.limit) {
      page.more = true;
      break;
    }
    page.groups.push_back(it->second->Info());
  }
  return page;
}

Result<GroupInfo> LogStore::DescribeGroup(const std::string& region, const std::string& group) const {
  std::lock_guard lock(mu_);
  const Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();
  return g->Info();
}

Result<StreamPage> LogStore::DescribeStreams(const std::string& region, const std::string& group,
                                             const StreamQuery& query) const {
  StreamPage page;
  std::lock_guard lock(mu_);
  const Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();

  using SortKey = std::pair<int64_t, std::string_view>;  // (last event time or 0, name)
  const auto key_of = [&](const Stream& s) -> SortKey {
    return {query.order_by_last_event ? s.last_event_ms.value_or(0) : 0, s.name};
  };
  std::vector<const Stream*> matching;
  for (auto it = g->streams.lower_bound(query.prefix); it != g->streams.end(); ++it) {
    if (!it->first.starts_with(query.prefix)) break;
    matching.push_back(it->second.get());
  }
  if (query.order_by_last_event) {
    std::sort(matching.begin(), matching.end(),
              [&](const Stream* a, const Stream* b) { return key_of(*a) < key_of(*b); });
  }
  if (query.descending) std::reverse(matching.begin(), matching.end());

  std::optional<SortKey> cursor;
  if (query.after) {
    cursor = SortKey{query.order_by_last_event ? query.after->last_event_ms : 0, query.after->name};
  }
  for (const Stream* s : matching) {
    if (cursor) {
      const SortKey k = key_of(*s);
      if (query.descending ? !(k < *cursor) : !(*cursor < k)) continue;
    }
    if (page.streams.size() == query.limit) {
      page.more = true;
      break;
    }
    page.streams.push_back(s->Info());
  }
  return page;
}

Result<EventPage> LogStore::GetEvents(const std::string& region, const std::string& group,
                                      const std::string& stream, const EventQuery& query) const {
  EventPage page;
  std::lock_guard lock(mu_);
  const Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();
  auto sit = g->streams.find(stream);
  if (sit == g->streams.end()) return StreamNotFound();
  const Stream& s = *sit->second;

  // The time range is [lo, hi) in index space.
  size_t lo = query.start_ms ? s.FirstAtOrAfter(*query.start_ms) : 0;
  size_t hi = query.end_ms ? s.FirstAtOrAfter(*query.end_ms) : s.events.size();
  if (hi < lo) hi = lo;

  bool forward = query.start_from_head;
  if (query.cursor) {
    const size_t at = s.UpperBound(query.cursor->gap);  // first event after the gap
    if (query.cursor->direction == EventQuery::Direction::kForward) {
      forward = true;
      lo = std::max(lo, at);
    } else {
      forward = false;
      hi = std::min(hi, at);
    }
    if (hi < lo) hi = lo;
  }

  size_t first = lo;
  size_t last = lo;  // [first, last) is returned
  size_t bytes = 0;
  if (forward) {
    last = lo;
    while (last < hi && last - first < query.limit && bytes + EventCost(s.events[last]) <= query.max_bytes) {
      bytes += EventCost(s.events[last]);
      ++last;
    }
  } else {
    first = last = hi;
    while (first > lo && last - first < query.limit &&
           bytes + EventCost(s.events[first - 1]) <= query.max_bytes) {
      bytes += EventCost(s.events[first - 1]);
      --first;
    }
  }

  if (first == last) {
    const EventKey gap = query.cursor ? query.cursor->gap : EventKey{query.start_ms.value_or(0), 0};
    page.forward_gap = page.backward_gap = gap;
    return page;
  }
  page.events.assign(s.events.begin() + static_cast<ptrdiff_t>(first),
                     s.events.begin() + static_cast<ptrdiff_t>(last));
  page.forward_gap = page.events.back().key();
  const StoredEvent& head = page.events.front();
  page.backward_gap = EventKey{head.timestamp_ms, head.seq - 1};
  return page;
}

Result<FilterPage> LogStore::FilterEvents(const std::string& region, const std::string& group,
                                          const FilterQuery& query) const {
  FilterPage page;
  std::lock_guard lock(mu_);
  const Group* g = FindGroupLocked(region, group);
  if (g == nullptr) return GroupNotFound();

  std::vector<const Stream*> streams;
  if (!query.stream_names.empty()) {
    for (const std::string& name : query.stream_names) {
      auto it = g->streams.find(name);
      if (it != g->streams.end()) streams.push_back(it->second.get());
    }
    std::sort(streams.begin(), streams.end());
    streams.erase(std::unique(streams.begin(), streams.end()), streams.end());
  } else {
    for (auto it = g->streams.lower_bound(query.stream_prefix); it != g->streams.end(); ++it) {
      if (!it->first.starts_with(query.stream_prefix)) break;
      streams.push_back(it->second.get());
    }
  }

  // Merge the streams in (timestamp, seq) order, each from its first candidate event.
  struct Head {
    EventKey key;
    size_t stream;
    size_t index;
    bool operator>(const Head& o) const { return key > o.key; }
  };
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (size_t i = 0; i < streams.size(); ++i) {
    const Stream& s = *streams[i];
    size_t at = query.start_ms ? s.FirstAtOrAfter(*query.start_ms) : 0;
    if (query.after) at = std::max(at, s.UpperBound(*query.after));
    if (at < s.events.size()) heads.push({s.events[at].key(), i, at});
  }
  size_t bytes = 0;
  while (!heads.empty()) {
    Head h = heads.top();
    heads.pop();
    if (query.end_ms && h.key.timestamp_ms > *query.end_ms) break;  // every other head is later
    const Stream& s = *streams[h.stream];
    const StoredEvent& e = s.events[h.index];
    if (query.matcher == nullptr || query.matcher->Matches(e.message)) {
      if (page.events.size() == query.limit || bytes + EventCost(e) > query.max_bytes) {
        page.more = true;
        break;
      }
      bytes += EventCost(e);
      page.events.push_back(FilteredEvent{s.name, e});
    }
    if (h.index + 1 < s.events.size()) {
      heads.push({s.events[h.index + 1].key(), h.stream, h.index + 1});
    }
  }
  return page;
}

std::string LambdaLogStreamName(int64_t now_ms, std::string_view version) {
  const time_t seconds = static_cast<time_t>(now_ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char date[64];
  std::snprintf(date, sizeof(date), "%04d/%02d/%02d/", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday);
  std::string name = date;
  name += '[';
  name += version;
  name += ']';
  const std::string random = RandomBytes(16);
  name += HexLower(reinterpret_cast<const uint8_t*>(random.data()), random.size());
  return name;
}

}  // namespace eddy::logs
