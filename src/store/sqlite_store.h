#pragma once
// SqliteStore: the durable MessageStore, one SQLite database (<dir>/eddy.db) in WAL mode with
// synchronous=FULL and group commit.
//
// Threading: Append() only pushes the mutation onto a pending vector under a short mutex and
// returns a ticket; it never touches SQLite, so it is cheap enough to call under the engine's
// global lock. One writer thread owns the write connection: it swaps out the whole pending batch,
// applies it in a single BEGIN IMMEDIATE ... COMMIT (one fsync for the batch), publishes the
// batch's last ticket as durable and runs the WhenDurable callbacks that became due, in ticket
// order, on the writer thread. Appends made while a commit is in flight form the next batch, which
// is what makes batching automatic under load.
//
// Durability: a ticket is reported durable only after COMMIT returned (WAL fsynced). Batches commit
// in append order, so durable state is always a prefix of the appended history. Any SQLite write
// error logs and aborts the process (see message_store.h).
//
// Ownership: Open() takes an exclusive flock on <dir>/LOCK for the life of the store, so two
// processes can never write the same data directory. Close() (also run by the destructor) drains,
// commits, stops the writer, truncates the WAL and closes the database; it is idempotent. Append()
// after Close() is a programming error and aborts.
//
// All public methods are thread-safe.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "store/message_store.h"

// From <sqlite3.h>; declared here so that includers need not see SQLite.
struct sqlite3;
struct sqlite3_stmt;

namespace eddy::store {

class SqliteStore final : public MessageStore {
 public:
  // Counters for tests and metrics; read with relaxed ordering, so only approximately consistent.
  struct Stats {
    uint64_t batches = 0;    // committed transactions
    uint64_t mutations = 0;  // mutations appended
    uint64_t elided = 0;  // mutations never written because a later one in the batch cancelled them
    uint64_t durable = 0;    // highest durable ticket
    uint64_t apply_ns = 0;   // writer time spent executing statements (CPU, mostly)
    uint64_t commit_ns = 0;  // writer time spent in COMMIT (WAL write + fsync, autocheckpoints)
  };

  // Creates `dir` if needed and opens (or initialises) <dir>/eddy.db. Fails if another process
  // holds the directory, or if the schema is newer than this build understands.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& dir);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status Load(LoadVisitor& visitor, uint64_t* max_seq, uint64_t* max_queue_id) override;
  Status LoadMeta(const std::string& prefix,
                  const std::function<void(const std::string&, const std::string&)>& fn) override;
  uint64_t Append(Mutation mutation) override;
  // One batch is one transaction, so mutations pushed under one lock are committed together.
  uint64_t AppendAtomic(std::vector<Mutation> mutations) override;
  void WhenDurable(uint64_t ticket, std::function<void()> fn) override;
  void Close() override;

  Stats GetStats() const;

 private:
  struct Callback {
    uint64_t ticket;
    uint64_t order;  // registration order, so equal tickets run first-come first-served
    std::function<void()> fn;
  };

  SqliteStore(std::string dir, int lock_fd, sqlite3* db);

  Status Prepare();
  void WriterLoop();
  void ApplyBatch(std::vector<Mutation>& batch);  // aborts on failure
  void MarkDurable(uint64_t ticket);
  void Shutdown();

  // Statement helpers; every failure is fatal (abort).
  void Exec(sqlite3_stmt* stmt, const char* what);
  [[noreturn]] void Fatal(const char* what, int rc);

  const std::string dir_;
  const int lock_fd_;
  sqlite3* db_;  // write connection, owned by the writer thread while it runs

  // Prepared statements on db_ (SQLITE_PREPARE_PERSISTENT).
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* put_queue_ = nullptr;
  sqlite3_stmt* delete_queue_ = nullptr;
  sqlite3_stmt* delete_queue_messages_ = nullptr;
  sqlite3_stmt* put_message_ = nullptr;
  sqlite3_stmt* update_message_ = nullptr;
  sqlite3_stmt* delete_message_ = nullptr;
  sqlite3_stmt* put_meta_ = nullptr;
  sqlite3_stmt* delete_meta_ = nullptr;
  sqlite3_stmt* put_info_ = nullptr;

  // Writer-thread state: high-water marks as persisted, and scratch for batch folding.
  uint64_t max_seq_ = 0;
  uint64_t max_queue_id_ = 0;
  std::unordered_map<uint64_t, size_t> put_index_;  // seq -> index of its PutMessage in the batch
  std::vector<bool> skip_;

  // Pending mutations, guarded by mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Mutation> pending_;
  uint64_t last_ticket_ = 0;
  bool writer_waiting_ = false;
  bool stopping_ = false;  // set by Close(); Append() after it aborts

  // Durability callbacks, a min-heap on (ticket, order), guarded by cb_mu_. durable_ only grows.
  std::mutex cb_mu_;
  std::vector<Callback> callbacks_;
  uint64_t callback_order_ = 0;
  std::atomic<uint64_t> durable_{0};

  std::atomic<uint64_t> stat_batches_{0};
  std::atomic<uint64_t> stat_mutations_{0};
  std::atomic<uint64_t> stat_elided_{0};
  std::atomic<uint64_t> stat_apply_ns_{0};
  std::atomic<uint64_t> stat_commit_ns_{0};

  std::mutex close_mu_;
  bool closed_ = false;
  std::thread writer_;
};

}  // namespace eddy::store
