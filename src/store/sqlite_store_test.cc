#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <random>
#include <semaphore>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace eddy::store {
namespace {

namespace fs = std::filesystem;

class Collector : public LoadVisitor {
 public:
  void OnMeta(const std::string& key, const std::string& value) override { meta[key] = value; }
  void OnQueue(QueueRecord&& queue) override { queues.push_back(std::move(queue)); }
  void OnMessage(MessageRecord&& message) override { messages.push_back(std::move(message)); }

  std::map<std::string, std::string> meta;
  std::vector<QueueRecord> queues;
  std::vector<MessageRecord> messages;
  uint64_t max_seq = 0;
  uint64_t max_queue_id = 0;
};

MessageRecord Msg(uint64_t seq, uint64_t queue_id, std::string payload = "") {
  MessageRecord m;
  m.seq = seq;
  m.queue_id = queue_id;
  m.payload = payload.empty() ? "payload-" + std::to_string(seq) : std::move(payload);
  m.visible_at_ms = 1000 + static_cast<int64_t>(seq);
  return m;
}

QueueRecord Queue(uint64_t id, std::string name) {
  QueueRecord q;
  q.id = id;
  q.region = "us-east-1";
  q.account = "000000000000";
  q.name = std::move(name);
  q.state = std::string("state\0bin", 9);
  return q;
}

void WaitDurable(MessageStore& store, uint64_t ticket) {
  std::promise<void> done;
  store.WhenDurable(ticket, [&done] { done.set_value(); });
  done.get_future().wait();
}

// Parks the writer thread inside a durability callback so that the next appends pile up in one
// batch.
class WriterBlocker {
 public:
  explicit WriterBlocker(MessageStore& store) : sync_(std::make_shared<Sync>()) {
    const auto caller = std::this_thread::get_id();
    for (;;) {
      uint64_t ticket = store.Append(PutMeta{"blocker", "x"});
      auto ran_inline = std::make_shared<bool>(false);
      store.WhenDurable(ticket, [sync = sync_, caller, ran_inline] {
        if (std::this_thread::get_id() == caller) {
          *ran_inline = true;  // already durable: try again with a fresh ticket
          return;
        }
        sync->blocked.release();
        sync->release.acquire();
      });
      if (!*ran_inline) break;
    }
    sync_->blocked.acquire();
  }
  ~WriterBlocker() { Release(); }
  void Release() {
    if (!released_) sync_->release.release();
    released_ = true;
  }

 private:
  // Shared with the callback, which may still be returning from acquire() when the blocker dies.
  struct Sync {
    std::binary_semaphore blocked{0};
    std::binary_semaphore release{0};
  };
  std::shared_ptr<Sync> sync_;
  bool released_ = false;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "eddy-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl + "/data";  // not yet existing: Open must create it
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(fs::path(dir_).parent_path(), ec);
  }

  std::unique_ptr<SqliteStore> OpenStore() {
    auto store = SqliteStore::Open(dir_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().ToString());
    return store.ok() ? std::move(store).value() : nullptr;
  }

  Collector Reload() {
    Collector c;
    auto store = OpenStore();
    if (!store) return c;
    Status s = store->Load(c, &c.max_seq, &c.max_queue_id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return c;
  }

  std::string dir_;
};

TEST_F(SqliteStoreTest, EmptyStoreLoadsNothing) {
  Collector c = Reload();
  EXPECT_TRUE(c.meta.empty());
  EXPECT_TRUE(c.queues.empty());
  EXPECT_TRUE(c.messages.empty());
  EXPECT_EQ(c.max_seq, 0u);
  EXPECT_EQ(c.max_queue_id, 0u);
  EXPECT_TRUE(fs::exists(dir_ + "/eddy.db"));
}

TEST_F(SqliteStoreTest, EveryMutationTypeRoundTrips) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    store->Append(PutMeta{"receipt-key", std::string("k\0ey", 4)});
    store->Append(PutMeta{"other", "1"});
    store->Append(PutMeta{"other", "2"});  // replaces
    store->Append(PutQueue{Queue(1, "alpha")});
    store->Append(PutQueue{Queue(2, "beta")});
    store->Append(PutQueue{Queue(3, "gamma")});
    QueueRecord alpha2 = Queue(1, "alpha");
    alpha2.state = "v2";
    store->Append(PutQueue{alpha2});  // replaces the definition
    for (uint64_t seq = 1; seq <= 6; ++seq) store->Append(PutMessage{Msg(seq, seq <= 3 ? 1 : 2)});
    store->Append(PutMessage{Msg(7, 3)});
    uint64_t t = store->Append(PutMessage{Msg(8, 3)});
    WaitDurable(*store, t);  // the rest goes to separate batches, so nothing below is folded
    MessageState st;
    st.seq = 2;
    st.visible_at_ms = -5;
    st.receive_count = 3;
    st.first_receive_ms = 1234567890123;
    st.receipt_nonce = 0xfedcba9876543210ull;  // above INT64_MAX
    store->Append(UpdateMessage{st});
    store->Append(DeleteMessage{3});
    store->Append(PurgeMessages{2});  // removes 4, 5, 6
    store->Append(DropQueue{3});      // removes queue 3 and messages 7, 8
    store->Append(UpdateMessage{MessageState{99, 1, 1, 1, 1}});  // unknown seq: no-op
    store->Append(DeleteMessage{98});                            // unknown seq: no-op
    store->Close();
  }
  Collector c = Reload();
  EXPECT_EQ(c.meta.size(), 2u);
  EXPECT_EQ(c.meta["receipt-key"], std::string("k\0ey", 4));
  EXPECT_EQ(c.meta["other"], "2");
  ASSERT_EQ(c.queues.size(), 2u);
  EXPECT_EQ(c.queues[0].id, 1u);
  EXPECT_EQ(c.queues[0].name, "alpha");
  EXPECT_EQ(c.queues[0].region, "us-east-1");
  EXPECT_EQ(c.queues[0].account, "000000000000");
  EXPECT_EQ(c.queues[0].state, "v2");
  EXPECT_EQ(c.queues[1].id, 2u);
  EXPECT_EQ(c.queues[1].state, std::string("state\0bin", 9));
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[0].seq, 1u);
  EXPECT_EQ(c.messages[0].queue_id, 1u);
  EXPECT_EQ(c.messages[0].payload, "payload-1");
  EXPECT_EQ(c.messages[0].visible_at_ms, 1001);
  EXPECT_EQ(c.messages[0].receive_count, 0);
  EXPECT_EQ(c.messages[1].seq, 2u);
  EXPECT_EQ(c.messages[1].visible_at_ms, -5);
  EXPECT_EQ(c.messages[1].receive_count, 3);
  EXPECT_EQ(c.messages[1].first_receive_ms, 1234567890123);
  EXPECT_EQ(c.messages[1].receipt_nonce, 0xfedcba9876543210ull);
  EXPECT_EQ(c.max_seq, 8u);
  EXPECT_EQ(c.max_queue_id, 3u);
}

TEST_F(SqliteStoreTest, LoadReturnsMessagesInAscendingSeq) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    std::vector<uint64_t> seqs(500);
    for (size_t i = 0; i < seqs.size(); ++i) seqs[i] = i * 7 + 3;
    std::shuffle(seqs.begin(), seqs.end(), std::mt19937(42));
    for (size_t i = 0; i < seqs.size(); ++i) {
      uint64_t t = store->Append(PutMessage{Msg(seqs[i], 1 + seqs[i] % 3)});
      if (i % 50 == 0) WaitDurable(*store, t);  // spread over several batches
    }
  }
  Collector c = Reload();
  ASSERT_EQ(c.messages.size(), 500u);
  for (size_t i = 0; i < c.messages.size(); ++i) {
    EXPECT_EQ(c.messages[i].seq, i * 7 + 3);
    EXPECT_EQ(c.messages[i].payload, "payload-" + std::to_string(i * 7 + 3));
  }
  EXPECT_EQ(c.max_seq, 499u * 7 + 3);
}

TEST_F(SqliteStoreTest, WhenDurableRunsInTicketOrderAfterCommit) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2((dir_ + "/eddy.db").c_str(), &reader, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* probe = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(reader, "SELECT count(*) FROM messages WHERE seq=?", -1, &probe, nullptr),
      SQLITE_OK);
  auto committed = [&](uint64_t seq) {
    sqlite3_bind_int64(probe, 1, static_cast<int64_t>(seq));
    bool found = sqlite3_step(probe) == SQLITE_ROW && sqlite3_column_int(probe, 0) == 1;
    sqlite3_reset(probe);
    return found;
  };

  WriterBlocker blocker(*store);
  std::mutex mu;
  std::vector<uint64_t> fired;
  std::vector<uint64_t> seen_uncommitted;
  std::vector<std::pair<uint64_t, uint64_t>> tickets;  // (ticket, seq)
  for (uint64_t seq = 1; seq <= 200; ++seq)
    tickets.push_back({store->Append(PutMessage{Msg(seq, 1)}), seq});
  std::shuffle(tickets.begin(), tickets.end(), std::mt19937(7));
  for (auto [ticket, seq] : tickets) {
    store->WhenDurable(ticket, [&, ticket = ticket, seq = seq] {
      std::lock_guard<std::mutex> lock(mu);
      fired.push_back(ticket);
      if (!committed(seq)) seen_uncommitted.push_back(seq);
    });
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(fired.empty());
  }
  EXPECT_LT(store->GetStats().durable, tickets.front().first);
  blocker.Release();
  store->Close();
  ASSERT_EQ(fired.size(), 200u);
  EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
  EXPECT_TRUE(seen_uncommitted.empty());
  sqlite3_finalize(probe);
  sqlite3_close(reader);
}

TEST_F(SqliteStoreTest, TicketZeroAndDurableTicketsRunInline) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  bool ran = false;
  store->WhenDurable(0, [&] { ran = true; });
  EXPECT_TRUE(ran);
  uint64_t t = store->Append(PutMeta{"k", "v"});
  EXPECT_GT(t, 0u);
  WaitDurable(*store, t);
  ran = false;
  std::thread::id where;
  store->WhenDurable(t, [&] {
    ran = true;
    where = std::this_thread::get_id();
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(where, std::this_thread::get_id());
  EXPECT_GE(store->GetStats().durable, t);
}

TEST_F(SqliteStoreTest, HighWaterMarksSurviveDeletesAndReopen) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    store->Append(PutQueue{Queue(7, "q7")});
    store->Append(PutQueue{Queue(9, "q9")});
    store->Append(PutMessage{Msg(100, 7)});
    uint64_t t = store->Append(PutMessage{Msg(101, 9)});
    WaitDurable(*store, t);
    store->Append(DeleteMessage{101});
    store->Append(DropQueue{9});
    store->Append(PurgeMessages{7});
  }
  Collector c = Reload();
  ASSERT_EQ(c.queues.size(), 1u);
  EXPECT_EQ(c.queues[0].id, 7u);
  EXPECT_TRUE(c.messages.empty());
  EXPECT_EQ(c.max_seq, 101u);
  EXPECT_EQ(c.max_queue_id, 9u);
  // And again after a reopen that appends nothing new and lower ids.
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    store->Append(PutMessage{Msg(5, 7)});
  }
  c = Reload();
  EXPECT_EQ(c.max_seq, 101u);
  EXPECT_EQ(c.max_queue_id, 9u);
  ASSERT_EQ(c.messages.size(), 1u);
}

TEST_F(SqliteStoreTest, PutThenDeleteInOneBatchLeavesNothing) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    store->Append(PutQueue{Queue(1, "q")});
    WriterBlocker blocker(*store);
    store->Append(PutMessage{Msg(10, 1)});
    store->Append(PutMessage{Msg(11, 1)});
    MessageState st{10, 77, 1, 55, 0xabc};
    store->Append(UpdateMessage{st});
    st.receive_count = 2;
    store->Append(UpdateMessage{st});
    store->Append(DeleteMessage{10});
    store->Append(UpdateMessage{MessageState{11, 88, 4, 66, 0xdef}});  // folded into the put of 11
    store->Append(PutMessage{Msg(12, 1)});
    store->Append(PurgeMessages{1});
    store->Append(
        UpdateMessage{MessageState{12, 1, 1, 1, 1}});  // folded into a purged put: still gone
    blocker.Release();
    store->Close();
    // put10, update10 x2, delete10, update11, update12.
    EXPECT_EQ(store->GetStats().elided, 6u);
  }
  Collector c = Reload();
  EXPECT_TRUE(c.messages.empty());
  EXPECT_EQ(c.max_seq, 12u);

  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    WriterBlocker blocker(*store);
    store->Append(PutMessage{Msg(20, 1)});
    store->Append(UpdateMessage{MessageState{20, 88, 4, 66, 0xdef}});
    blocker.Release();
  }
  c = Reload();
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].seq, 20u);
  EXPECT_EQ(c.messages[0].payload, "payload-20");
  EXPECT_EQ(c.messages[0].visible_at_ms, 88);
  EXPECT_EQ(c.messages[0].receive_count, 4);
  EXPECT_EQ(c.messages[0].first_receive_ms, 66);
  EXPECT_EQ(c.messages[0].receipt_nonce, 0xdefu);
}

TEST_F(SqliteStoreTest, ConcurrentAppendersAllBecomeDurable) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    std::mutex engine_lock;  // as in the engine: append order == state-change order
    std::atomic<uint64_t> next_seq{1};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          uint64_t ticket;
          {
            std::lock_guard<std::mutex> lock(engine_lock);
            ticket = store->Append(PutMessage{Msg(next_seq++, 1)});
          }
          WaitDurable(*store, ticket);
        }
      });
    }
    for (auto& t : threads) t.join();
    SqliteStore::Stats stats = store->GetStats();
    EXPECT_EQ(stats.mutations, uint64_t{kThreads * kPerThread});
    EXPECT_EQ(stats.durable, uint64_t{kThreads * kPerThread});
    EXPECT_LE(stats.batches, stats.mutations);
  }
  Collector c = Reload();
  ASSERT_EQ(c.messages.size(), size_t{kThreads * kPerThread});
  for (size_t i = 0; i < c.messages.size(); ++i) EXPECT_EQ(c.messages[i].seq, i + 1);
}

TEST_F(SqliteStoreTest, CloseIsIdempotentAndTruncatesWal) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  store->Append(PutMessage{Msg(1, 1)});
  bool ran = false;
  store->WhenDurable(1, [&] { ran = true; });
  store->Close();
  EXPECT_TRUE(ran);  // Close drains
  store->Close();
  std::error_code ec;
  auto wal_size = fs::file_size(dir_ + "/eddy.db-wal", ec);
  EXPECT_TRUE(ec || wal_size == 0);
  store.reset();  // destructor closes again
  Collector c = Reload();
  EXPECT_EQ(c.messages.size(), 1u);
}

TEST_F(SqliteStoreTest, SecondOpenOfSameDirectoryFails) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  auto second = SqliteStore::Open(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("in use"), std::string::npos);
  store->Close();
  auto third = SqliteStore::Open(dir_);
  EXPECT_TRUE(third.ok());
}

// A child appends messages and reports each one that became durable through a pipe; the parent
// kill -9s it mid-stream. Every reported seq must survive, and what survives must be a prefix.
TEST_F(SqliteStoreTest, KillNineKeepsEveryAcknowledgedMessage) {
  ASSERT_TRUE(fs::create_directories(dir_));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto opened = SqliteStore::Open(dir_);
    if (!opened.ok()) _exit(2);
    SqliteStore& store = **opened;
    int out = fds[1];
    for (uint64_t seq = 1; seq < 10'000'000; ++seq) {
      uint64_t ticket = store.Append(PutMessage{Msg(seq, 1, std::string(200, 'x'))});
      store.WhenDurable(ticket, [out, seq] {
        if (write(out, &seq, sizeof seq) != sizeof seq) _exit(3);
      });
      if (seq % 64 == 0) usleep(200);  // keep batches realistic rather than one huge transaction
    }
    _exit(0);
  }
  close(fds[1]);
  std::vector<uint64_t> acked;
  uint64_t seq;
  while (read(fds[0], &seq, sizeof seq) == sizeof seq) {
    acked.push_back(seq);
    if (acked.size() == 5000) kill(pid, SIGKILL);
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_GE(acked.size(), 5000u);

  Collector c = Reload();
  std::set<uint64_t> present;
  for (const auto& m : c.messages) present.insert(m.seq);
  for (uint64_t s : acked) ASSERT_TRUE(present.count(s)) << "acknowledged seq " << s << " lost";
  // Durable state is a prefix of the appended history: 1..k with nothing missing.
  ASSERT_FALSE(c.messages.empty());
  EXPECT_EQ(c.messages.front().seq, 1u);
  EXPECT_EQ(c.messages.back().seq, c.messages.size());
  EXPECT_GE(c.max_seq, c.messages.size());
  std::printf("acked %zu, recovered %zu\n", acked.size(), c.messages.size());
}

// ---- Measurements (run with --gtest_also_run_disabled_tests) ----

// 32 closed-loop appenders, each waiting for durability before the next append, as 32 client
// connections doing SendMessage; then the same for receive (UpdateMessage) + DeleteMessage.
TEST_F(SqliteStoreTest, DISABLED_ClosedLoopThroughput) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  constexpr int kThreads = 32;
  const auto kDuration = std::chrono::seconds(4);
  store->Append(PutQueue{Queue(1, "bench")});
  std::mutex engine_lock;
  uint64_t next_seq = 1;
  const std::string payload(300, 'p');

  auto run = [&](const char* name, auto&& op_factory) {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> ops{0};
    SqliteStore::Stats before = store->GetStats();
    std::vector<std::thread> threads;
    auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::binary_semaphore done{0};
        uint64_t local = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          uint64_t ticket = op_factory(t, local);
          store->WhenDurable(ticket, [&done] { done.release(); });
          done.acquire();
          ++local;
        }
        ops.fetch_add(local);
      });
    }
    std::this_thread::sleep_for(kDuration);
    stop = true;
    for (auto& th : threads) th.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SqliteStore::Stats after = store->GetStats();
    uint64_t batches = after.batches - before.batches;
    double per_batch = static_cast<double>(std::max<uint64_t>(batches, 1));
    std::printf(
        "%s: %.0f ops/s, %llu batches, %.1f mutations/batch, per batch: %.3f ms apply, %.3f ms "
        "commit\n",
        name, ops.load() / secs, static_cast<unsigned long long>(batches),
        static_cast<double>(after.mutations - before.mutations) / per_batch,
        static_cast<double>(after.apply_ns - before.apply_ns) / per_batch / 1e6,
        static_cast<double>(after.commit_ns - before.commit_ns) / per_batch / 1e6);
    return ops.load();
  };

  std::vector<std::vector<uint64_t>> owned(kThreads);
  run("send (PutMessage)", [&](int t, uint64_t) {
    std::lock_guard<std::mutex> lock(engine_lock);
    uint64_t seq = next_seq++;
    owned[t].push_back(seq);
    MessageRecord m = Msg(seq, 1, payload);
    return store->Append(PutMessage{std::move(m)});
  });
  // receive + delete: two durable round trips per message, as in the server.
  run("receive+delete (UpdateMessage, DeleteMessage), per message", [&](int t, uint64_t i) {
    auto& mine = owned[t];
    if (i >= mine.size()) {  // ran out of messages: refill (counts as a message too)
      std::lock_guard<std::mutex> lock(engine_lock);
      mine.push_back(next_seq);
      return store->Append(PutMessage{Msg(next_seq++, 1, payload)});
    }
    uint64_t seq = mine[i];
    uint64_t received;
    {
      std::lock_guard<std::mutex> lock(engine_lock);
      received = store->Append(UpdateMessage{MessageState{seq, 99, 1, 5, i}});
    }
    WaitDurable(*store, received);
    std::lock_guard<std::mutex> lock(engine_lock);
    return store->Append(DeleteMessage{seq});
  });
}

TEST_F(SqliteStoreTest, DISABLED_LoadOneMillionMessages) {
  constexpr uint64_t kMessages = 1'000'000;
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    store->Append(PutQueue{Queue(1, "big")});
    uint64_t ticket = 0;
    auto start = std::chrono::steady_clock::now();
    for (uint64_t seq = 1; seq <= kMessages; ++seq) {
      ticket = store->Append(
          PutMessage{Msg(seq, 1, std::string(256, static_cast<char>('a' + seq % 26)))});
      if (seq % 20000 == 0) WaitDurable(*store, ticket);
    }
    WaitDurable(*store, ticket);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("wrote %llu messages in %.2f s\n", static_cast<unsigned long long>(kMessages),
                secs);
  }
  std::printf("db size %.1f MB\n", static_cast<double>(fs::file_size(dir_ + "/eddy.db")) / 1e6);
  auto store = OpenStore();
  ASSERT_TRUE(store);
  struct Counter : LoadVisitor {
    void OnMeta(const std::string&, const std::string&) override {}
    void OnQueue(QueueRecord&&) override {}
    void OnMessage(MessageRecord&& m) override {
      bytes += m.payload.size();
      ++count;
    }
    uint64_t count = 0;
    uint64_t bytes = 0;
  } counter;
  uint64_t max_seq = 0, max_queue = 0;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store->Load(counter, &max_seq, &max_queue).ok());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("loaded %llu messages in %.3f s\n", static_cast<unsigned long long>(counter.count),
              secs);
  EXPECT_EQ(counter.count, kMessages);
  EXPECT_EQ(max_seq, kMessages);
  EXPECT_LT(secs, 5.0);
}

TEST_F(SqliteStoreTest, LoadMetaReturnsOnlyThePrefixAndHonoursDeletes) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    store->Append(PutMeta{"lambda/fn/a", "1"});
    store->Append(PutMeta{"lambda/fn/b", "2"});
    store->Append(PutMeta{"lambda/fn/c", "3"});
    store->Append(PutMeta{"lambda%other", "x"});  // '%' is not a wildcard
    store->Append(PutMeta{"sqs-key", "k"});
    store->Append(DeleteMeta{"lambda/fn/b"});
    store->Append(DeleteMeta{"never-existed"});
    store->Close();
  }
  auto store = OpenStore();
  ASSERT_TRUE(store);
  std::vector<std::pair<std::string, std::string>> seen;
  ASSERT_TRUE(store->LoadMeta("lambda/", [&](const std::string& k, const std::string& v) {
                     seen.emplace_back(k, v);
                   }).ok());
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{{"lambda/fn/a", "1"},
                                                                   {"lambda/fn/c", "3"}}));
  store->Close();
}

}  // namespace
}  // namespace eddy::store
