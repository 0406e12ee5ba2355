#include "store/sqlite_store.h"

#include <fcntl.h>
#include <malloc.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <utility>

#include "common/log.h"

namespace eddy::store {
namespace {

constexpr int64_t kSchemaVersion = 1;

// WAL pages before an automatic (PASSIVE) checkpoint on commit. Larger than SQLite's 1000 so that
// hot pages rewritten by many commits are copied to the database once per checkpoint, not once per
// 1000.
constexpr int kWalAutocheckpointPages = 10000;
// Writer page cache (negative = KiB). The engine keeps live state in memory, so the store's cache
// only needs the B-tree paths the writer touches.
constexpr int kWriterCacheKiB = 8192;
constexpr int kLoaderCacheKiB = 2048;
// After this long without work the writer hands its page cache back to the allocator.
constexpr auto kIdleReleaseAfter = std::chrono::seconds(2);
// Batch vectors larger than this are freed rather than kept for reuse, to keep idle memory small.
constexpr size_t kMaxRetainedBatch = 4096;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS store_info(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queues(
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS messages(
  seq INTEGER PRIMARY KEY,
  queue_id INTEGER NOT NULL,
  payload BLOB NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL,
  first_receive INTEGER NOT NULL,
  receipt_nonce INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages(queue_id);
)sql";

// uint64 ids and nonces are stored as int64 bit patterns (SQLite integers are signed 64-bit).
int64_t ToDb(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t FromDb(int64_t v) { return static_cast<uint64_t>(v); }

std::string ColumnString(sqlite3_stmt* stmt, int col) {
  const void* data = sqlite3_column_blob(stmt, col);
  int size = sqlite3_column_bytes(stmt, col);  // after column_blob, per the SQLite docs
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

void BindBlob(sqlite3_stmt* stmt, int col, const std::string& s) {
  // SQLITE_STATIC: the batch owns the bytes until the statement is reset.
  sqlite3_bind_blob(stmt, col, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}
void BindText(sqlite3_stmt* stmt, int col, const std::string& s) {
  sqlite3_bind_text(stmt, col, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IoError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Status ExecSql(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = std::string("sqlite: ") + sql + ": " + (err ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  return Status::IoError(std::move(msg));
}

// Reads store_info[key] (0 if absent).
Result<int64_t> ReadInfo(sqlite3* db, const char* key) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT v FROM store_info WHERE k=?", -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return MakeUnexpected(SqlError(db, "prepare store_info read"));
  }
  sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(stmt);
  int64_t v = 0;
  if (rc == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return MakeUnexpected(SqlError(db, "read store_info"));
  return v;
}

// The largest rowid of `table` (0 if empty); O(log n) for a rowid table.
Result<int64_t> MaxRowid(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    return MakeUnexpected(SqlError(db, "prepare max rowid"));
  }
  int rc = sqlite3_step(stmt);
  int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return MakeUnexpected(SqlError(db, "read max rowid"));
  return v;
}

// EDDY_RETURN_IF_ERROR for functions returning Result<T>.
#define RETURN_UNEXPECTED_IF_ERROR(expr)                          \
  do {                                                            \
    ::eddy::Status status_ = (expr);                              \
    if (!status_.ok()) return MakeUnexpected(std::move(status_)); \
  } while (0)

// Closes `db` when the Open path fails before the store takes ownership of it.
struct DbCloser {
  sqlite3* db;
  int lock_fd;
  ~DbCloser() {
    if (db != nullptr) sqlite3_close_v2(db);
    if (lock_fd >= 0) close(lock_fd);
  }
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeUnexpected(Status::IoError("create " + dir + ": " + ec.message()));

  DbCloser guard{nullptr, -1};
  std::string lock_path = dir + "/LOCK";
  guard.lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (guard.lock_fd < 0) {
    return MakeUnexpected(Status::IoError("open " + lock_path + ": " + std::strerror(errno)));
  }
  if (flock(guard.lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return MakeUnexpected(
          Status::IoError("data directory " + dir + " is in use by another store"));
    }
    return MakeUnexpected(Status::IoError("lock " + lock_path + ": " + std::strerror(errno)));
  }

  std::string path = dir + "/eddy.db";
  // NOMUTEX: the connection is used by one thread at a time (Open, then the writer, then Close).
  int rc =
      sqlite3_open_v2(path.c_str(), &guard.db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return MakeUnexpected(SqlError(guard.db, "open " + path));
  sqlite3* db = guard.db;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);

  {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) != SQLITE_OK) {
      return MakeUnexpected(SqlError(db, "journal_mode"));
    }
    std::string mode;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      mode = text ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    if (mode != "wal")
      return MakeUnexpected(Status::IoError(path + ": cannot enable WAL (got '" + mode + "')"));
  }
  std::string pragmas = "PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
                        std::to_string(kWriterCacheKiB) +
                        "; PRAGMA wal_autocheckpoint=" + std::to_string(kWalAutocheckpointPages) +
                        "; PRAGMA journal_size_limit=67108864; PRAGMA foreign_keys=OFF;";
  RETURN_UNEXPECTED_IF_ERROR(ExecSql(db, pragmas.c_str()));

  RETURN_UNEXPECTED_IF_ERROR(ExecSql(db, "BEGIN IMMEDIATE"));
  Status schema = ExecSql(db, kSchema);
  if (!schema.ok()) return MakeUnexpected(std::move(schema));
  Result<int64_t> version = ReadInfo(db, "schema_version");
  if (!version.ok()) return MakeUnexpected(std::move(version).error());
  if (*version == 0) {
    std::string sql = "INSERT INTO store_info(k, v) VALUES('schema_version', " +
                      std::to_string(kSchemaVersion) + ")";
    RETURN_UNEXPECTED_IF_ERROR(ExecSql(db, sql.c_str()));
  } else if (*version > kSchemaVersion) {
    return MakeUnexpected(
        Status::Corruption(path + " has schema version " + std::to_string(*version) +
                           ", newer than this build (" + std::to_string(kSchemaVersion) + ")"));
  }
  RETURN_UNEXPECTED_IF_ERROR(ExecSql(db, "COMMIT"));

  // High-water marks: the persisted values, or the largest id still present, whichever is larger
  // (the latter only matters for a database written without store_info, e.g. by hand).
  Result<int64_t> info_seq = ReadInfo(db, "max_seq");
  Result<int64_t> info_queue = ReadInfo(db, "max_queue_id");
  Result<int64_t> row_seq = MaxRowid(db, "SELECT coalesce(max(seq), 0) FROM messages");
  Result<int64_t> row_queue = MaxRowid(db, "SELECT coalesce(max(id), 0) FROM queues");
  for (auto* r : {&info_seq, &info_queue, &row_seq, &row_queue}) {
    if (!r->ok()) return MakeUnexpected(std::move(*r).error());
  }

  std::unique_ptr<SqliteStore> store(new SqliteStore(dir, guard.lock_fd, db));
  guard.db = nullptr;
  guard.lock_fd = -1;
  store->max_seq_ = std::max(FromDb(*info_seq), FromDb(*row_seq));
  store->max_queue_id_ = std::max(FromDb(*info_queue), FromDb(*row_queue));
  Status prepared = store->Prepare();
  if (!prepared.ok()) {
    store->closed_ = true;  // nothing started; the destructor only releases resources
    store->Shutdown();
    return MakeUnexpected(std::move(prepared));
  }
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

SqliteStore::SqliteStore(std::string dir, int lock_fd, sqlite3* db)
    : dir_(std::move(dir)), lock_fd_(lock_fd), db_(db) {}

SqliteStore::~SqliteStore() { Close(); }

Status SqliteStore::Prepare() {
  struct Spec {
    sqlite3_stmt** stmt;
    const char* sql;
  };
  const Spec specs[] = {
      {&begin_, "BEGIN IMMEDIATE"},
      {&commit_, "COMMIT"},
      {&put_queue_,
       "INSERT OR REPLACE INTO queues(id, region, account, name, state) VALUES(?,?,?,?,?)"},
      {&delete_queue_, "DELETE FROM queues WHERE id=?"},
      {&delete_queue_messages_, "DELETE FROM messages WHERE queue_id=?"},
      // OR REPLACE: "put" semantics, so a replayed put cannot wedge the writer.
      {&put_message_,
       "INSERT OR REPLACE INTO messages(seq, queue_id, payload, visible_at, receive_count, "
       "first_receive,"
       " receipt_nonce) VALUES(?,?,?,?,?,?,?)"},
      {&update_message_,
       "UPDATE messages SET visible_at=?, receive_count=?, first_receive=?, receipt_nonce=? WHERE "
       "seq=?"},
      {&delete_message_, "DELETE FROM messages WHERE seq=?"},
      {&put_meta_, "INSERT OR REPLACE INTO meta(k, v) VALUES(?,?)"},
      {&delete_meta_, "DELETE FROM meta WHERE k=?"},
      {&put_info_, "INSERT OR REPLACE INTO store_info(k, v) VALUES(?,?)"},
  };
  for (const Spec& spec : specs) {
    if (sqlite3_prepare_v3(db_, spec.sql, -1, SQLITE_PREPARE_PERSISTENT, spec.stmt, nullptr) !=
        SQLITE_OK) {
      return SqlError(db_, std::string("prepare ") + spec.sql);
    }
  }
  return Status::Ok();
}

Status SqliteStore::LoadMeta(
    const std::string& prefix,
    const std::function<void(const std::string&, const std::string&)>& fn) {
  std::string path = dir_ + "/eddy.db";
  sqlite3* rdb = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  DbCloser guard{rdb, -1};
  if (rc != SQLITE_OK) return SqlError(rdb, "open " + path + " for load");
  sqlite3_stmt* stmt = nullptr;
  // substr() rather than LIKE: keys may contain '%' and '_'.
  const char* sql = "SELECT k, v FROM meta WHERE substr(k, 1, ?) = ? ORDER BY k";
  if (sqlite3_prepare_v2(rdb, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    return SqlError(rdb, std::string("prepare ") + sql);
  }
  sqlite3_bind_int(stmt, 1, static_cast<int>(prefix.size()));
  BindText(stmt, 2, prefix);
  int step;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) fn(ColumnString(stmt, 0), ColumnString(stmt, 1));
  sqlite3_finalize(stmt);
  if (step != SQLITE_DONE) return SqlError(rdb, std::string("load: ") + sql);
  return Status::Ok();
}

Status SqliteStore::Load(LoadVisitor& visitor, uint64_t* max_seq, uint64_t* max_queue_id) {
  // A separate read-only connection: the writer thread owns db_. WAL lets it read a consistent
  // snapshot; closing it afterwards frees its page cache.
  std::string path = dir_ + "/eddy.db";
  sqlite3* rdb = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  DbCloser guard{rdb, -1};
  if (rc != SQLITE_OK) return SqlError(rdb, "open " + path + " for load");
  std::string pragmas = "PRAGMA cache_size=-" + std::to_string(kLoaderCacheKiB) + "; BEGIN";
  EDDY_RETURN_IF_ERROR(ExecSql(rdb, pragmas.c_str()));

  auto run = [rdb](const char* sql, auto&& on_row) -> Status {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(rdb, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      return SqlError(rdb, std::string("prepare ") + sql);
    }
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) on_row(stmt);
    sqlite3_finalize(stmt);
    if (step != SQLITE_DONE) return SqlError(rdb, std::string("load: ") + sql);
    return Status::Ok();
  };

  uint64_t seq_mark = 0;
  uint64_t queue_mark = 0;
  EDDY_RETURN_IF_ERROR(run("SELECT k, v FROM store_info", [&](sqlite3_stmt* s) {
    std::string k = ColumnString(s, 0);
    if (k == "max_seq") seq_mark = FromDb(sqlite3_column_int64(s, 1));
    if (k == "max_queue_id") queue_mark = FromDb(sqlite3_column_int64(s, 1));
  }));
  EDDY_RETURN_IF_ERROR(run("SELECT k, v FROM meta ORDER BY k", [&](sqlite3_stmt* s) {
    visitor.OnMeta(ColumnString(s, 0), ColumnString(s, 1));
  }));
  EDDY_RETURN_IF_ERROR(
      run("SELECT id, region, account, name, state FROM queues ORDER BY id", [&](sqlite3_stmt* s) {
        QueueRecord q;
        q.id = FromDb(sqlite3_column_int64(s, 0));
        q.region = ColumnString(s, 1);
        q.account = ColumnString(s, 2);
        q.name = ColumnString(s, 3);
        q.state = ColumnString(s, 4);
        queue_mark = std::max(queue_mark, q.id);
        visitor.OnQueue(std::move(q));
      }));
  EDDY_RETURN_IF_ERROR(
      run("SELECT seq, queue_id, payload, visible_at, receive_count, first_receive, receipt_nonce"
          " FROM messages ORDER BY seq",
          [&](sqlite3_stmt* s) {
            MessageRecord m;
            m.seq = FromDb(sqlite3_column_int64(s, 0));
            m.queue_id = FromDb(sqlite3_column_int64(s, 1));
            m.payload = ColumnString(s, 2);
            m.visible_at_ms = sqlite3_column_int64(s, 3);
            m.receive_count = sqlite3_column_int(s, 4);
            m.first_receive_ms = sqlite3_column_int64(s, 5);
            m.receipt_nonce = FromDb(sqlite3_column_int64(s, 6));
            seq_mark = std::max(seq_mark, m.seq);
            visitor.OnMessage(std::move(m));
          }));
  EDDY_RETURN_IF_ERROR(ExecSql(rdb, "COMMIT"));
  *max_seq = seq_mark;
  *max_queue_id = queue_mark;
  return Status::Ok();
}

uint64_t SqliteStore::Append(Mutation mutation) {
  std::vector<Mutation> one;
  one.push_back(std::move(mutation));
  return AppendAtomic(std::move(one));
}

uint64_t SqliteStore::AppendAtomic(std::vector<Mutation> mutations) {
  uint64_t ticket;
  bool wake;
  const size_t n = mutations.size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      log::Error("SqliteStore: Append() after Close(); the change cannot be persisted");
      std::abort();
    }
    // The writer swaps out all of pending_ at once, so these land in the same transaction.
    for (auto& m : mutations) pending_.push_back(std::move(m));
    last_ticket_ += n;
    ticket = last_ticket_;
    // Only the first append after the writer went idle pays for a wake-up.
    wake = writer_waiting_;
    writer_waiting_ = false;
  }
  if (wake) cv_.notify_one();
  stat_mutations_.fetch_add(n, std::memory_order_relaxed);
  return ticket;
}

namespace {
// Min-heap on (ticket, order) for std::push_heap/pop_heap, which build max-heaps.
template <typename C>
bool LaterFirst(const C& a, const C& b) {
  return a.ticket != b.ticket ? a.ticket > b.ticket : a.order > b.order;
}
}  // namespace

void SqliteStore::WhenDurable(uint64_t ticket, std::function<void()> fn) {
  if (ticket <= durable_.load(std::memory_order_acquire)) {
    fn();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(cb_mu_);
    // Re-check under the lock: MarkDurable publishes durable_ and drains the heap under cb_mu_.
    if (ticket > durable_.load(std::memory_order_relaxed)) {
      callbacks_.push_back(Callback{ticket, callback_order_++, std::move(fn)});
      std::push_heap(callbacks_.begin(), callbacks_.end(), LaterFirst<Callback>);
      return;
    }
  }
  fn();
}

void SqliteStore::MarkDurable(uint64_t ticket) {
  std::vector<Callback> ready;
  {
    std::lock_guard<std::mutex> lock(cb_mu_);
    durable_.store(ticket, std::memory_order_release);
    while (!callbacks_.empty() && callbacks_.front().ticket <= ticket) {
      std::pop_heap(callbacks_.begin(), callbacks_.end(), LaterFirst<Callback>);
      ready.push_back(std::move(callbacks_.back()));
      callbacks_.pop_back();
    }
    if (callbacks_.empty() && callbacks_.capacity() > kMaxRetainedBatch) callbacks_.shrink_to_fit();
  }
  for (Callback& c : ready) c.fn();
}

void SqliteStore::WriterLoop() {
  std::vector<Mutation> batch;
  bool released = true;  // nothing cached yet
  for (;;) {
    uint64_t last;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (pending_.empty() && !stopping_) {
        writer_waiting_ = true;
        if (released) {
          cv_.wait(lock);
        } else if (cv_.wait_for(lock, kIdleReleaseAfter) == std::cv_status::timeout &&
                   pending_.empty() && !stopping_) {
          // Idle: give the page cache back. Appends meanwhile see writer_waiting_ == false and do
          // not notify, which is fine: the loop re-checks pending_ before waiting again.
          writer_waiting_ = false;
          lock.unlock();
          sqlite3_db_release_memory(db_);
          // The freed pages (and batch buffers) sit in the writer thread's malloc arena; hand them
          // back to the OS so an idle server stays small.
          malloc_trim(0);
          lock.lock();
          released = true;
        }
      }
      writer_waiting_ = false;
      if (pending_.empty()) return;  // stopping_ and drained
      batch.swap(pending_);
      last = last_ticket_;
    }
    ApplyBatch(batch);
    released = false;
    batch.clear();
    if (batch.capacity() > kMaxRetainedBatch) batch.shrink_to_fit();
    if (put_index_.bucket_count() > kMaxRetainedBatch) put_index_ = {};
    if (skip_.capacity() > kMaxRetainedBatch * 64) skip_ = {};
    MarkDurable(last);
  }
}

void SqliteStore::Fatal(const char* what, int rc) {
  log::Error(std::string("SqliteStore: ") + what + " failed in " + dir_ + ": " +
             sqlite3_errstr(rc) + " (" + sqlite3_errmsg(db_) +
             "); aborting rather than acknowledging unpersisted changes");
  std::abort();
}

void SqliteStore::Exec(sqlite3_stmt* stmt, const char* what) {
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) Fatal(what, rc);
  sqlite3_reset(stmt);
}

void SqliteStore::ApplyBatch(std::vector<Mutation>& batch) {
  const size_t n = batch.size();
  uint64_t seq_mark = max_seq_;
  uint64_t queue_mark = max_queue_id_;

  // Fold the batch: an UpdateMessage of a message put earlier in the same batch rewrites the put,
  // and a DeleteMessage of such a message cancels both. Seqs are never reused and purge/drop only
  // delete, so the result equals applying the mutations one by one.
  skip_.assign(n, false);
  put_index_.clear();
  uint64_t elided = 0;
  for (size_t i = 0; i < n; ++i) {
    Mutation& m = batch[i];
    if (auto* put = std::get_if<PutMessage>(&m)) {
      put_index_[put->message.seq] = i;
      seq_mark = std::max(seq_mark, put->message.seq);
    } else if (auto* update = std::get_if<UpdateMessage>(&m)) {
      auto it = put_index_.find(update->state.seq);
      if (it != put_index_.end()) {
        MessageRecord& rec = std::get<PutMessage>(batch[it->second]).message;
        rec.visible_at_ms = update->state.visible_at_ms;
        rec.receive_count = update->state.receive_count;
        rec.first_receive_ms = update->state.first_receive_ms;
        rec.receipt_nonce = update->state.receipt_nonce;
        skip_[i] = true;
        ++elided;
      }
    } else if (auto* del = std::get_if<DeleteMessage>(&m)) {
      auto it = put_index_.find(del->seq);
      if (it != put_index_.end()) {
        skip_[it->second] = true;
        skip_[i] = true;
        elided += 2;
        put_index_.erase(it);
      }
    } else if (auto* pq = std::get_if<PutQueue>(&m)) {
      queue_mark = std::max(queue_mark, pq->queue.id);
    }
  }

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  Exec(begin_, "BEGIN");
  for (size_t i = 0; i < n; ++i) {
    if (skip_[i]) continue;
    std::visit(
        [this](auto& op) {
          using T = std::decay_t<decltype(op)>;
          if constexpr (std::is_same_v<T, PutQueue>) {
            sqlite3_bind_int64(put_queue_, 1, ToDb(op.queue.id));
            BindText(put_queue_, 2, op.queue.region);
            BindText(put_queue_, 3, op.queue.account);
            BindText(put_queue_, 4, op.queue.name);
            BindBlob(put_queue_, 5, op.queue.state);
            Exec(put_queue_, "put queue");
          } else if constexpr (std::is_same_v<T, DropQueue>) {
            sqlite3_bind_int64(delete_queue_messages_, 1, ToDb(op.queue_id));
            Exec(delete_queue_messages_, "drop queue messages");
            sqlite3_bind_int64(delete_queue_, 1, ToDb(op.queue_id));
            Exec(delete_queue_, "drop queue");
          } else if constexpr (std::is_same_v<T, PutMessage>) {
            const MessageRecord& r = op.message;
            sqlite3_bind_int64(put_message_, 1, ToDb(r.seq));
            sqlite3_bind_int64(put_message_, 2, ToDb(r.queue_id));
            BindBlob(put_message_, 3, r.payload);
            sqlite3_bind_int64(put_message_, 4, r.visible_at_ms);
            sqlite3_bind_int(put_message_, 5, r.receive_count);
            sqlite3_bind_int64(put_message_, 6, r.first_receive_ms);
            sqlite3_bind_int64(put_message_, 7, ToDb(r.receipt_nonce));
            Exec(put_message_, "put message");
          } else if constexpr (std::is_same_v<T, UpdateMessage>) {
            const MessageState& s = op.state;
            sqlite3_bind_int64(update_message_, 1, s.visible_at_ms);
            sqlite3_bind_int(update_message_, 2, s.receive_count);
            sqlite3_bind_int64(update_message_, 3, s.first_receive_ms);
            sqlite3_bind_int64(update_message_, 4, ToDb(s.receipt_nonce));
            sqlite3_bind_int64(update_message_, 5, ToDb(s.seq));
            Exec(update_message_, "update message");
          } else if constexpr (std::is_same_v<T, DeleteMessage>) {
            sqlite3_bind_int64(delete_message_, 1, ToDb(op.seq));
            Exec(delete_message_, "delete message");
          } else if constexpr (std::is_same_v<T, PurgeMessages>) {
            sqlite3_bind_int64(delete_queue_messages_, 1, ToDb(op.queue_id));
            Exec(delete_queue_messages_, "purge messages");
          } else if constexpr (std::is_same_v<T, PutMeta>) {
            BindText(put_meta_, 1, op.key);
            BindBlob(put_meta_, 2, op.value);
            Exec(put_meta_, "put meta");
          } else if constexpr (std::is_same_v<T, DeleteMeta>) {
            BindText(delete_meta_, 1, op.key);
            Exec(delete_meta_, "delete meta");
          }
        },
        batch[i]);
  }
  if (seq_mark != max_seq_) {
    sqlite3_bind_text(put_info_, 1, "max_seq", -1, SQLITE_STATIC);
    sqlite3_bind_int64(put_info_, 2, ToDb(seq_mark));
    Exec(put_info_, "store max_seq");
  }
  if (queue_mark != max_queue_id_) {
    sqlite3_bind_text(put_info_, 1, "max_queue_id", -1, SQLITE_STATIC);
    sqlite3_bind_int64(put_info_, 2, ToDb(queue_mark));
    Exec(put_info_, "store max_queue_id");
  }
  const auto applied = Clock::now();
  Exec(commit_, "COMMIT");
  const auto committed = Clock::now();
  stat_apply_ns_.fetch_add(
      std::chrono::duration_cast<std::chrono::nanoseconds>(applied - start).count(),
      std::memory_order_relaxed);
  stat_commit_ns_.fetch_add(
      std::chrono::duration_cast<std::chrono::nanoseconds>(committed - applied).count(),
      std::memory_order_relaxed);
  max_seq_ = seq_mark;
  max_queue_id_ = queue_mark;
  stat_batches_.fetch_add(1, std::memory_order_relaxed);
  if (elided) stat_elided_.fetch_add(elided, std::memory_order_relaxed);
}

void SqliteStore::Close() {
  std::lock_guard<std::mutex> lock(close_mu_);
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard<std::mutex> pending_lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (writer_.joinable()) writer_.join();
  Shutdown();
}

void SqliteStore::Shutdown() {
  if (db_ != nullptr) {
    // Every batch is committed; fold the WAL into the database so the directory is one file at
    // rest.
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      log::Warn(std::string("SqliteStore: final checkpoint failed: ") + sqlite3_errmsg(db_));
    }
    for (sqlite3_stmt* s : {begin_, commit_, put_queue_, delete_queue_, delete_queue_messages_,
                            put_message_, update_message_, delete_message_, put_meta_, delete_meta_,
                            put_info_}) {
      sqlite3_finalize(s);  // no-op on nullptr
    }
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  // Tickets never appended cannot become durable; drop their callbacks.
  std::lock_guard<std::mutex> lock(cb_mu_);
  callbacks_.clear();
}

SqliteStore::Stats SqliteStore::GetStats() const {
  Stats s;
  s.batches = stat_batches_.load(std::memory_order_relaxed);
  s.mutations = stat_mutations_.load(std::memory_order_relaxed);
  s.elided = stat_elided_.load(std::memory_order_relaxed);
  s.durable = durable_.load(std::memory_order_relaxed);
  s.apply_ns = stat_apply_ns_.load(std::memory_order_relaxed);
  s.commit_ns = stat_commit_ns_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace eddy::store
