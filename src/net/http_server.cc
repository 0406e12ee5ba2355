// The only translation unit that includes Asio and Beast.
//
// Why a hand-driven Beast parser instead of http::async_read into http::request<string_body>:
// - RequestParser fills net::Request directly (no beast::http::fields, which allocates per field);
// - requests already in the read buffer (pipelining, small POSTs) are parsed without another trip
//   through the event loop;
// - `Expect: 100-continue` is answered exactly when the header is complete and the body is not yet
//   buffered.
// Responses are serialized by hand into a reused buffer and written with one gathered write.

#define BOOST_ASIO_NO_DEPRECATED

#include "net/http_server.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <exception>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "common/log.h"

namespace eddy::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kHeaderReadChunk = 16 * 1024;
constexpr size_t kBodyReadChunk = 64 * 1024;
// Read buffers larger than this are released once the connection goes idle.
constexpr size_t kMaxIdleBufferCapacity = 256 * 1024;
// How long a closing connection keeps reading (and discarding) so that our final response is not
// destroyed by a TCP reset caused by unread request bytes.
constexpr std::chrono::milliseconds kLingerTime{500};
constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

template <typename Int>
void AppendInt(std::string& out, Int value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  out.append(buf, end);
}

// Headers net/ writes itself; a handler's copies of them are dropped.
bool IsReservedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "content-type") ||
         EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "transfer-encoding");
}

// Beast's HTTP/1.x state machine, writing straight into a net::Request. One parser per request
// (Beast parsers cannot be reset).
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(Request* out) : out_(out) {}

  int version() const { return version_; }
  bool expect_continue() const { return expect_continue_; }

 private:
  using sv = beast::string_view;

  void on_request_impl(http::verb, sv method, sv target, int version, error_code&) override {
    out_->method.assign(method.data(), method.size());
    out_->target.assign(target.data(), target.size());
    version_ = version;
  }
  void on_response_impl(int, sv, int, error_code&) override {}
  void on_field_impl(http::field name, sv name_string, sv value, error_code&) override {
    Header& h = out_->headers.emplace_back();
    h.name.resize(name_string.size());
    for (size_t i = 0; i < name_string.size(); ++i) h.name[i] = ToLowerAscii(name_string[i]);
    h.value.assign(value.data(), value.size());
    if (name == http::field::expect &&
        EqualsIgnoreCase(std::string_view(value.data(), value.size()), "100-continue")) {
      expect_continue_ = true;
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<uint64_t>& content_length, error_code&) override {
    // Already checked against body_limit by the parser.
    if (content_length) out_->body.reserve(static_cast<size_t>(*content_length));
  }
  size_t on_body_impl(sv body, error_code&) override {
    out_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(uint64_t, sv, error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, sv body, error_code&) override {
    out_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  Request* out_;
  int version_ = 11;
  bool expect_continue_ = false;
};

// Guards the io_contexts against responders that run during or after server destruction: a
// responder holds `mu` shared while it touches a connection; the destructor flips `alive` under the
// exclusive lock before tearing anything down.
struct Life {
  std::shared_mutex mu;
  bool alive = true;
};

// What every worker and connection needs from the server.
struct Shared {
  Shared(HttpServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}
  const HttpServerOptions options;
  const Handler handler;
  const std::shared_ptr<Life> life = std::make_shared<Life>();
};

class Session;

// One event loop and the connections it owns. Everything here runs on the worker's own thread,
// except construction/destruction and posts into `ioc`.
struct Worker {
  Worker(const Shared* shared, int worker_index)
      : server(shared),
        index(worker_index),
        ioc(1),
        guard(asio::make_work_guard(ioc)),
        sweep_timer(ioc),
        drain_timer(ioc) {}

  void Add(std::shared_ptr<Session> session);
  void Unregister(Session* session);
  void ArmSweep();
  void Sweep();
  void BeginStop();
  void Finish();

  const Shared* const server;
  const int index;
  // Declared first so it is destroyed last: it owns every socket and timer below.
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  asio::steady_timer sweep_timer;
  asio::steady_timer drain_timer;
  // Live connections (strong references; a connection is destroyed once it has left this map and
  // its last pending operation has finished).
  std::unordered_map<Session*, std::shared_ptr<Session>> sessions;
  bool stopping = false;
  bool finished = false;
};

}  // namespace

struct HttpServer::Impl : Shared {
  Impl(Options opts, Handler h) : Shared(std::move(opts), std::move(h)) {}
  ~Impl();

  Status Start();
  void Run();
  void Stop();
  void DoAccept();
  void OnAccept(Worker* worker, error_code ec, tcp::socket socket);
  Result<uint16_t> AddListener(uint64_t tag, int io_thread);
  void MoveListener(uint64_t tag, int io_thread);
  void RemoveListener(uint64_t tag);

  // Destroyed in index order: worker 0 (with the acceptor's pending operation, which may hold a
  // socket of another worker) goes first.
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;  // runs on workers[0]
  std::unique_ptr<asio::steady_timer> accept_retry;
  size_t next_worker = 0;
  // AddListener()'s acceptors, by tag. Each runs on one worker, chosen round-robin.
  struct Extra {
    Worker* worker;  // runs the acceptor
    std::shared_ptr<tcp::acceptor> acceptor;
    std::shared_ptr<std::atomic<int>> serving;  // the worker that serves the connections it accepts
  };
  std::mutex extra_mu;
  std::unordered_map<uint64_t, Extra> extra;
  size_t next_extra_worker = 0;
  void AcceptExtra(Worker* worker, std::shared_ptr<tcp::acceptor> acceptor,
                   std::shared_ptr<std::atomic<int>> serving, uint64_t tag);
  uint16_t bound_port = 0;
  bool started = false;
  std::atomic<bool> stop_requested{false};
};

namespace {

// One client connection. Lives on its worker's thread; the only entry points from other threads are
// the responders, which dispatch onto that thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Worker* worker, tcp::socket socket, uint64_t listener_tag = 0)
      : worker_(worker), socket_(std::move(socket)), listener_tag_(listener_tag) {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
  }

  void Start() { ReadMore(); }

  // Called by the worker when the server begins draining.
  void OnServerStop() {
    stopping_ = true;
    // Idle between requests: nothing to finish (unless a request is already waiting in the socket).
    if (state_ == State::kReading && buffer_.size() == 0 && !(parser_ && parser_->got_some())) {
      error_code ec;
      if (socket_.available(ec) == 0 || ec) Close();
    }
  }

  bool Expired(SteadyClock::time_point now) const {
    return state_ != State::kHandling && state_ != State::kClosed && now >= deadline_;
  }

  // Delivers the handler's response for request number `seq`. Ignores duplicates and responses for
  // connections that have closed.
  void Complete(uint64_t seq, Response response) {
    if (state_ != State::kHandling || seq != seq_) return;
    if (stopping_ || response.close) keep_alive_ = false;

    out_head_.clear();
    out_head_.append("HTTP/1.1 ");
    AppendInt(out_head_, response.status);
    out_head_.push_back(' ');
    beast::string_view reason = http::obsolete_reason(static_cast<http::status>(response.status));
    out_head_.append(reason.data(), reason.size());
    out_head_.append("\r\n");
    if (!response.content_type.empty()) {
      out_head_.append("Content-Type: ");
      out_head_.append(response.content_type);
      out_head_.append("\r\n");
    }
    out_head_.append("Content-Length: ");
    AppendInt(out_head_, response.body.size());
    out_head_.append("\r\n");
    if (!keep_alive_) {
      out_head_.append("Connection: close\r\n");
    } else if (version_ == 10) {
      out_head_.append("Connection: keep-alive\r\n");
    }
    for (const Header& h : response.headers) {
      if (IsReservedHeader(h.name)) continue;
      out_head_.append(h.name);
      out_head_.append(": ");
      out_head_.append(h.value);
      out_head_.append("\r\n");
    }
    out_head_.append("\r\n");
    out_body_ = std::move(response.body);

    if (log::Enabled(log::Level::kDebug)) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started_);
      std::string line = "http ";
      line += log_method_;
      line += ' ';
      line += log_target_;
      line += " -> ";
      AppendInt(line, response.status);
      line += ' ';
      AppendInt(line, us.count());
      line += "us";
      log::Write(log::Level::kDebug, line);
    }

    std::array<asio::const_buffer, 2> buffers{
        asio::buffer(out_head_),
        head_request_ ? asio::const_buffer() : asio::buffer(out_body_)};
    Write(buffers);
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    worker_->Unregister(this);  // may drop the last strong reference but the caller holds one
  }

  static Responder MakeResponder(const std::shared_ptr<Life>& life,
                                 const std::shared_ptr<Session>& session, uint64_t seq) {
    return [life, weak = std::weak_ptr<Session>(session), seq](Response response) {
      std::shared_lock lock(life->mu);
      if (!life->alive) return;
      std::shared_ptr<Session> s = weak.lock();
      if (!s) return;  // the connection is gone: drop the response
      asio::io_context& ioc = s->worker_->ioc;
      // Runs inline when called on the connection's own thread (synchronous handlers), else posts.
      // Complete() never calls back into the handler, so inline execution cannot recurse.
      asio::dispatch(ioc, [s = std::move(s), seq, response = std::move(response)]() mutable {
        s->Complete(seq, std::move(response));
      });
    };
  }

 private:
  enum class State {
    kReading,    // waiting for, or reading, a request
    kHandling,   // request is with the handler; no timeout
    kWriting,    // writing a response (or a 100 Continue)
    kLingering,  // response sent, send side shut down, discarding input until the peer closes
    kClosed,
  };

  const HttpServerOptions& options() const { return worker_->server->options; }

  // Parses whatever is buffered; dispatches a complete request or reads more.
  void ReadMore() {
    if (!parser_) {
      parser_.emplace(&req_);
      req_.headers.reserve(16);  // one allocation instead of a doubling series
      parser_->eager(true);
      parser_->body_limit(static_cast<uint64_t>(options().max_body_bytes));
      parser_->header_limit(static_cast<uint32_t>(options().max_header_bytes));
    }
    while (buffer_.size() > 0) {
      error_code ec;
      size_t n = parser_->put(buffer_.data(), ec);
      buffer_.consume(n);
      if (ec == http::error::need_more) break;
      if (ec) {
        FailRequest(ec);
        return;
      }
      if (parser_->is_done()) {
        Dispatch();
        return;
      }
      if (n == 0) break;
    }
    if (stopping_ && buffer_.size() == 0 && !parser_->got_some()) {
      Close();
      return;
    }
    if (parser_->is_header_done() && parser_->expect_continue() && !continue_sent_ &&
        parser_->version() >= 11) {
      continue_sent_ = true;
      Write(std::array<asio::const_buffer, 1>{asio::buffer(kContinueResponse)});
      return;
    }
    state_ = State::kReading;
    deadline_ = SteadyClock::now() + options().idle_timeout;
    size_t chunk = parser_->is_header_done() ? kBodyReadChunk : kHeaderReadChunk;
    socket_.async_read_some(buffer_.prepare(chunk),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              self->OnRead(ec, n);
                            });
  }

  void OnRead(error_code ec, size_t n) {
    if (state_ == State::kClosed) return;
    buffer_.commit(n);
    if (ec) {
      // EOF between requests is the normal end of a keep-alive connection; mid-request it means the
      // client gave up. Either way there is nobody to answer.
      Close();
      return;
    }
    ReadMore();
  }

  void Dispatch() {
    keep_alive_ = parser_->keep_alive();
    version_ = parser_->version();
    head_request_ = req_.method == "HEAD";
    parser_.reset();
    continue_sent_ = false;
    state_ = State::kHandling;
    ++seq_;
    if (buffer_.size() == 0 && buffer_.capacity() > kMaxIdleBufferCapacity) buffer_.shrink_to_fit();
    if (log::Enabled(log::Level::kDebug)) {
      log_method_ = req_.method;
      log_target_ = req_.target;
      started_ = SteadyClock::now();
    }
    req_.remote_address = remote_;
    req_.listener_tag = listener_tag_;
    req_.io_thread = worker_->index;
    Request request = std::move(req_);
    req_ = Request{};
    std::shared_ptr<Session> self = shared_from_this();
    Responder responder = MakeResponder(worker_->server->life, self, seq_);
    try {
      worker_->server->handler(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      log::Error(std::string("http handler threw: ") + e.what());
      Complete(seq_, Response{500, "text/plain", {}, "internal error\n"});
    } catch (...) {
      log::Error("http handler threw a non-exception");
      Complete(seq_, Response{500, "text/plain", {}, "internal error\n"});
    }
  }

  // Answers a request we could not parse, then closes.
  void FailRequest(error_code ec) {
    int status = 400;
    if (ec == http::error::body_limit) {
      status = 413;
    } else if (ec == http::error::header_limit) {
      status = 431;
    }
    if (log::Enabled(log::Level::kDebug)) {
      log::Write(log::Level::kDebug, "http bad request from " + remote_ + ": " + ec.message());
    }
    version_ = 11;
    keep_alive_ = false;
    head_request_ = false;
    parser_.reset();
    out_head_.clear();
    out_head_.append("HTTP/1.1 ");
    AppendInt(out_head_, status);
    out_head_.push_back(' ');
    beast::string_view reason = http::obsolete_reason(static_cast<http::status>(status));
    out_head_.append(reason.data(), reason.size());
    out_body_.assign(reason.data(), reason.size());
    out_body_.push_back('\n');
    out_head_.append("\r\nContent-Type: text/plain\r\nContent-Length: ");
    AppendInt(out_head_, out_body_.size());
    out_head_.append("\r\nConnection: close\r\n\r\n");
    Write(std::array<asio::const_buffer, 2>{asio::buffer(out_head_), asio::buffer(out_body_)});
  }

  template <typename Buffers>
  void Write(const Buffers& buffers) {
    state_ = State::kWriting;
    deadline_ = SteadyClock::now() + options().idle_timeout;
    asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, size_t) {
      self->OnWrite(ec);
    });
  }

  void OnWrite(error_code ec) {
    if (state_ == State::kClosed) return;
    if (ec) {
      Close();
      return;
    }
    if (parser_) {  // that was a 100 Continue: go on reading the body
      ReadMore();
      return;
    }
    if (out_body_.capacity() > kMaxIdleBufferCapacity) {
      std::string().swap(out_body_);
    } else {
      out_body_.clear();
    }
    if (!keep_alive_) {
      Linger();
      return;
    }
    ReadMore();
  }

  // Closing right after the last response would send a reset if unread request bytes are pending
  // (e.g. the rest of an oversize body), and the reset can destroy the response before the client
  // reads it. So: shut down our side, discard input until the peer closes or kLingerTime passes.
  void Linger() {
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      Close();
      return;
    }
    state_ = State::kLingering;
    deadline_ = SteadyClock::now() + kLingerTime;
    buffer_.clear();
    DiscardInput();
  }

  void DiscardInput() {
    socket_.async_read_some(buffer_.prepare(kHeaderReadChunk),
                            [self = shared_from_this()](error_code ec, size_t) {
                              if (self->state_ == State::kClosed) return;
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->DiscardInput();
                            });
  }

  Worker* const worker_;
  tcp::socket socket_;
  std::string remote_;
  const uint64_t listener_tag_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Request req_;
  State state_ = State::kReading;
  SteadyClock::time_point deadline_{};
  uint64_t seq_ = 0;  // number of the request currently (or last) with the handler
  int version_ = 11;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool continue_sent_ = false;
  bool stopping_ = false;
  std::string out_head_;
  std::string out_body_;
  // Debug logging only.
  std::string log_method_;
  std::string log_target_;
  SteadyClock::time_point started_{};
};

void RunLoop(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log::Error(std::string("http io loop: unexpected exception: ") + e.what());
    }
  }
}

}  // namespace

// ---- Worker ----

void Worker::Add(std::shared_ptr<Session> session) {
  if (stopping) return;  // the session (and its socket) is released here
  Session* raw = session.get();
  sessions.emplace(raw, std::move(session));
  raw->Start();
}

void Worker::Unregister(Session* session) {
  sessions.erase(session);
  if (stopping && sessions.empty()) Finish();
}

void Worker::ArmSweep() {
  auto idle = server->options.idle_timeout;
  if (finished || idle.count() <= 0) return;
  // Coarse timeouts: one timer per worker instead of one timer operation per request.
  auto interval = std::clamp<std::chrono::milliseconds>(idle / 4, std::chrono::milliseconds(10),
                                                         std::chrono::milliseconds(250));
  sweep_timer.expires_after(interval);
  sweep_timer.async_wait([this](error_code ec) {
    if (ec || finished) return;
    Sweep();
    ArmSweep();
  });
}

void Worker::Sweep() {
  auto now = SteadyClock::now();
  std::vector<std::shared_ptr<Session>> expired;
  for (auto& [raw, session] : sessions) {
    if (raw->Expired(now)) expired.push_back(session);
  }
  for (auto& s : expired) s->Close();
}

void Worker::BeginStop() {
  if (stopping) return;
  stopping = true;
  std::vector<std::shared_ptr<Session>> all;
  all.reserve(sessions.size());
  for (auto& [raw, session] : sessions) all.push_back(session);
  for (auto& s : all) s->OnServerStop();
  if (sessions.empty()) {
    Finish();
    return;
  }
  drain_timer.expires_after(server->options.drain_timeout);
  drain_timer.async_wait([this](error_code ec) {
    if (!ec) Finish();
  });
}

// Ends this worker: closes what is left and lets its loop run out of work.
void Worker::Finish() {
  if (finished) return;
  finished = true;
  sweep_timer.cancel();
  drain_timer.cancel();
  std::vector<std::shared_ptr<Session>> all;
  all.reserve(sessions.size());
  for (auto& [raw, session] : sessions) all.push_back(session);
  for (auto& s : all) s->Close();
  sessions.clear();
  guard.reset();
}

// ---- HttpServer::Impl ----

HttpServer::Impl::~Impl() {
  {
    std::unique_lock lock(life->mu);
    life->alive = false;
  }
  accept_retry.reset();
  acceptor.reset();
  for (auto& w : workers) w.reset();
}

Status HttpServer::Impl::Start() {
  if (started) return Status::InvalidArgument("http server already started");
  int n = std::max(1, options.threads);
  for (int i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>(this, i));
  asio::io_context& ioc0 = workers[0]->ioc;
  std::string where = options.host + ":" + std::to_string(options.port);

  error_code ec;
  tcp::endpoint endpoint;
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(ioc0);
    auto results = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return Status::InvalidArgument("cannot resolve listen address " + options.host + ": " +
                                     (ec ? ec.message() : std::string("no addresses")));
    }
    endpoint = results.begin()->endpoint();
  }

  auto acc = std::make_unique<tcp::acceptor>(ioc0);
  acc->open(endpoint.protocol(), ec);
  if (ec) return Status::IoError("cannot listen on " + where + ": socket: " + ec.message());
  acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
    acc->set_option(asio::ip::v6_only(false), ec);  // "::" also takes IPv4 where the OS allows it
  }
  acc->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return Status::IoError("cannot listen on " + where +
                           ": address already in use (is another eddy or LocalStack running?)");
  }
  if (ec) return Status::IoError("cannot listen on " + where + ": bind: " + ec.message());
  acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on " + where + ": listen: " + ec.message());
  bound_port = acc->local_endpoint(ec).port();
  acceptor = std::move(acc);
  accept_retry = std::make_unique<asio::steady_timer>(ioc0);
  started = true;
  return Status::Ok();
}

void HttpServer::Impl::DoAccept() {
  // The new socket is created directly on the worker that will own it.
  Worker* target = workers[next_worker].get();
  next_worker = (next_worker + 1) % workers.size();
  acceptor->async_accept(target->ioc, [this, target](error_code ec, tcp::socket socket) {
    OnAccept(target, ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccept(Worker* worker, error_code ec, tcp::socket socket) {
  if (!acceptor->is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    if (ec == asio::error::connection_aborted) {
      DoAccept();
      return;
    }
    // Out of file descriptors or buffers: back off briefly instead of spinning.
    log::Warn("http accept failed: " + ec.message());
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](error_code wait_ec) {
      if (!wait_ec && acceptor->is_open()) DoAccept();
    });
    return;
  }
  auto session = std::make_shared<Session>(worker, std::move(socket));
  asio::post(worker->ioc, [worker, session = std::move(session)]() mutable {
    worker->Add(std::move(session));
  });
  DoAccept();
}

void HttpServer::Impl::Run() {
  if (!started) return;
  for (auto& w : workers) w->ArmSweep();
  if (!stop_requested.load()) DoAccept();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers.size(); ++i) {
    threads.emplace_back([w = workers[i].get()] {
      std::string name = "eddy-io-" + std::to_string(w->index);
      pthread_setname_np(pthread_self(), name.c_str());
      RunLoop(w->ioc);
    });
  }
  RunLoop(workers[0]->ioc);
  for (auto& t : threads) t.join();
}

void HttpServer::Impl::Stop() {
  if (!started || stop_requested.exchange(true)) return;
  asio::post(workers[0]->ioc, [this] {
    error_code ec;
    acceptor->close(ec);
    accept_retry->cancel();
  });
  {
    std::lock_guard lock(extra_mu);
    for (auto& [tag, e] : extra) {
      asio::post(e.worker->ioc, [acc = e.acceptor] {
        error_code ec;
        acc->close(ec);
      });
    }
    extra.clear();
  }
  for (auto& w : workers) {
    asio::post(w->ioc, [worker = w.get()] { worker->BeginStop(); });
  }
}

void HttpServer::Impl::AcceptExtra(Worker* worker, std::shared_ptr<tcp::acceptor> acc,
                                   std::shared_ptr<std::atomic<int>> serving, uint64_t tag) {
  // As for the main port, the socket is created on the worker that will serve it.
  Worker* target = workers[static_cast<size_t>(serving->load())].get();
  acc->async_accept(target->ioc, [this, worker, target, acc, serving, tag](error_code ec, tcp::socket socket) {
    if (!acc->is_open()) return;
    if (ec == asio::error::operation_aborted) {
      AcceptExtra(worker, acc, serving, tag);  // MoveListener: re-armed for the new worker
      return;
    }
    if (!ec) {
      auto session = std::make_shared<Session>(target, std::move(socket), tag);
      asio::post(target->ioc, [target, session = std::move(session)]() mutable {
        target->Add(std::move(session));
      });
    }
    AcceptExtra(worker, acc, serving, tag);
  });
}

Result<uint16_t> HttpServer::Impl::AddListener(uint64_t tag, int io_thread) {
  if (!started) return Status::InvalidArgument("http server not started");
  std::lock_guard lock(extra_mu);
  if (tag == 0 || extra.contains(tag)) return Status::InvalidArgument("listener tag in use");
  Worker* worker = io_thread >= 0 && static_cast<size_t>(io_thread) < workers.size()
                       ? workers[static_cast<size_t>(io_thread)].get()
                       : workers[next_extra_worker++ % workers.size()].get();
  auto acc = std::make_shared<tcp::acceptor>(worker->ioc);
  error_code ec;
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  acc->open(endpoint.protocol(), ec);
  if (!ec) acc->bind(endpoint, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot open a listener on 127.0.0.1: " + ec.message());
  uint16_t port = acc->local_endpoint(ec).port();
  auto serving = std::make_shared<std::atomic<int>>(worker->index);
  extra.emplace(tag, Extra{worker, acc, serving});
  asio::post(worker->ioc, [this, worker, acc, serving, tag] { AcceptExtra(worker, acc, serving, tag); });
  return port;
}

void HttpServer::Impl::MoveListener(uint64_t tag, int io_thread) {
  if (io_thread < 0 || static_cast<size_t>(io_thread) >= workers.size()) return;
  std::lock_guard lock(extra_mu);
  auto it = extra.find(tag);
  if (it == extra.end() || it->second.serving->exchange(io_thread) == io_thread) return;
  // The pending accept was armed for the old worker: cancel it; its handler re-arms.
  asio::post(it->second.worker->ioc, [acc = it->second.acceptor] {
    error_code ec;
    acc->cancel(ec);
  });
}

void HttpServer::Impl::RemoveListener(uint64_t tag) {
  std::lock_guard lock(extra_mu);
  auto it = extra.find(tag);
  if (it == extra.end()) return;
  asio::post(it->second.worker->ioc, [acc = it->second.acceptor] {
    error_code ec;
    acc->close(ec);
  });
  extra.erase(it);
}

// ---- HttpServer ----

HttpServer::HttpServer(Options options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->bound_port; }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }
Result<uint16_t> HttpServer::AddListener(uint64_t tag, int io_thread) {
  return impl_->AddListener(tag, io_thread);
}
void HttpServer::RemoveListener(uint64_t tag) { impl_->RemoveListener(tag); }
void HttpServer::MoveListener(uint64_t tag, int io_thread) { impl_->MoveListener(tag, io_thread); }

}  // namespace eddy::net
