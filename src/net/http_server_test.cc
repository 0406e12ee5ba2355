#include "net/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace eddy::net {
namespace {

using namespace std::chrono_literals;

// A blocking client connection on a plain POSIX socket.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { Close(); }

  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool Send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  struct Reply {
    int status = 0;
    std::string head;  // status line + headers
    std::string body;
    bool ok = false;
  };

  // Reads one response (Content-Length framed). `timeout` bounds each wait for data.
  Reply Read(std::chrono::milliseconds timeout = 5000ms) {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(timeout)) return r;
    }
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    r.status = std::atoi(r.head.c_str() + 9);
    size_t length = 0;
    std::string lower = r.head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) length = std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
    while (buf_.size() < length) {
      if (!Fill(timeout)) return r;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    r.ok = true;
    return r;
  }

  // True if the server closed the connection (EOF or reset) within `timeout`.
  bool ClosedByPeer(std::chrono::milliseconds timeout = 5000ms) {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return true;
    }
  }

  const std::string& buffered() const { return buf_; }

 private:
  bool Fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

std::string Post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, [this](Request&& req, Responder respond) {
      Handle(std::move(req), std::move(respond));
    });
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_NE(server_->port(), 0);
    runner_ = std::thread([this] { server_->Run(); });
  }

  void StopServer() {
    if (!server_) return;
    server_->Stop();
    if (runner_.joinable()) runner_.join();
    for (auto& t : helpers_) t.join();
    helpers_.clear();
    server_.reset();
  }

  void TearDown() override { StopServer(); }

  void Handle(Request&& req, Responder respond) {
    handled_.fetch_add(1);
    if (req.path() == "/delayed") {
      // Complete from another thread, later.
      std::lock_guard lock(mu_);
      helpers_.emplace_back([respond = std::move(respond)] {
        std::this_thread::sleep_for(50ms);
        respond(Response{200, "text/plain", {}, "late"});
      });
      return;
    }
    if (req.path() == "/park") {
      std::lock_guard lock(mu_);
      parked_.push_back(std::move(respond));
      return;
    }
    if (req.path() == "/tag") {
      respond(Response{200, "text/plain", {}, std::to_string(req.listener_tag)});
      return;
    }
    if (req.path() == "/thread") {
      Response r{200, "text/plain", {}, std::to_string(req.io_thread)};
      r.close = req.query() == "close";
      respond(std::move(r));
      return;
    }
    if (req.path() == "/header") {
      const std::string* v = req.header("x-test-header");
      respond(Response{200, "text/plain", {{"X-Echo", "yes"}}, v ? *v : "<none>"});
      return;
    }
    respond(Response{200, "application/json", {},
                     req.method + " " + req.target + " " + req.body});
  }

  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
  std::mutex mu_;
  std::vector<std::thread> helpers_;
  std::vector<Responder> parked_;
  std::atomic<int> handled_{0};

  // Waits until the handler has seen `n` requests in total.
  bool WaitHandled(int n) {
    for (int i = 0; i < 1000 && handled_.load() < n; ++i) std::this_thread::sleep_for(2ms);
    return handled_.load() >= n;
  }
};

TEST_F(HttpServerTest, ExtraListenersTagTheirRequests) {
  StartServer();
  auto port = server_->AddListener(42);
  ASSERT_TRUE(port.ok());
  EXPECT_FALSE(server_->AddListener(42).ok());  // tags are unique
  Client main_port(server_->port());
  ASSERT_TRUE(main_port.Send(Get("/tag")));
  EXPECT_EQ(main_port.Read().body, "0");
  Client tagged(port.value());
  ASSERT_TRUE(tagged.Send(Get("/tag")));
  EXPECT_EQ(tagged.Read().body, "42");
  server_->RemoveListener(42);
  std::this_thread::sleep_for(20ms);
  // The accepted connection stays usable; new connections are refused.
  ASSERT_TRUE(tagged.Send(Get("/tag")));
  EXPECT_EQ(tagged.Read().body, "42");
  Client refused(port.value());
  EXPECT_FALSE(refused.connected());
}

TEST_F(HttpServerTest, MovedListenersServeNewConnectionsOnTheNewThread) {
  StartServer();  // two io threads
  auto port = server_->AddListener(7, 0);
  ASSERT_TRUE(port.ok());
  Client first(port.value());
  ASSERT_TRUE(first.Send(Get("/thread?close")));
  Client::Reply r = first.Read();
  EXPECT_EQ(r.body, "0");
  EXPECT_NE(r.head.find("Connection: close\r\n"), std::string::npos) << "Response::close";
  server_->MoveListener(7, 1);
  std::this_thread::sleep_for(20ms);
  Client second(port.value());
  ASSERT_TRUE(second.Send(Get("/thread")));
  EXPECT_EQ(second.Read().body, "1");
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneSocket) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Get("/one")));
  Client::Reply r1 = c.Read();
  ASSERT_TRUE(r1.ok);
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.body, "GET /one ");
  EXPECT_NE(r1.head.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(r1.head.find("Connection: close"), std::string::npos);

  ASSERT_TRUE(c.Send(Post("/two?x=1", "hello")));
  Client::Reply r2 = c.Read();
  ASSERT_TRUE(r2.ok);
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, "POST /two?x=1 hello");
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Get("/delayed") + Post("/b", "2") + Get("/c")));
  Client::Reply a = c.Read(), b = c.Read(), d = c.Read();
  ASSERT_TRUE(a.ok && b.ok && d.ok);
  EXPECT_EQ(a.body, "late");
  EXPECT_EQ(b.body, "POST /b 2");
  EXPECT_EQ(d.body, "GET /c ");
}

TEST_F(HttpServerTest, ResponderCompletedFromAnotherThreadLater) {
  StartServer();
  Client c(server_->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send(Get("/delayed")));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 45ms);
  // The connection is still usable afterwards.
  ASSERT_TRUE(c.Send(Get("/again")));
  EXPECT_EQ(c.Read().body, "GET /again ");
}

TEST_F(HttpServerTest, OversizeBodyGets413AndClose) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Post("/big", std::string(5000, 'x'))));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(HttpServerTest, OversizeChunkedBodyGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  Client c(server_->port());
  std::string chunk(800, 'y');
  ASSERT_TRUE(c.Send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
                     chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 413);
}

TEST_F(HttpServerTest, GarbageGets400AndClose) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send("THIS IS NOT HTTP\r\n\r\n"));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(HttpServerTest, ChunkedRequestBody) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send(
      "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "POST /chunked hello world");
}

TEST_F(HttpServerTest, ExpectContinueIsAnswered) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  Client::Reply interim = c.Read();
  ASSERT_TRUE(interim.ok);
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.Send("data"));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /upload data");
}

TEST_F(HttpServerTest, Http10ClosesAfterResponse) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send("GET /old HTTP/1.0\r\n\r\n"));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(HttpServerTest, Http10KeepAliveIsHonoured) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.head.find("Connection: keep-alive"), std::string::npos);
  ASSERT_TRUE(c.Send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(c.Read().body, "GET /b ");
}

TEST_F(HttpServerTest, HeaderNamesAreLowerCasedAndExtraHeadersSent) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Get("/header", "X-Test-HEADER: Value\r\n")));
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "Value");
  EXPECT_NE(r.head.find("X-Echo: yes\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, HeadOmitsBodyButKeepsLength) {
  StartServer();
  Client c(server_->port());
  ASSERT_TRUE(c.Send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n"));
  // "HEAD /h " is 8 bytes; no body follows, so the next response starts right after the head.
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.Send(Get("/next")));
  Client::Reply r = c.Read();  // reads the HEAD reply head, then takes 8 bytes as its "body"
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.head.find("Content-Length: 8\r\n"), std::string::npos);
  EXPECT_EQ(r.body.substr(0, 8), "HTTP/1.1");
}

TEST_F(HttpServerTest, ResponderAfterDisconnectIsHarmless) {
  StartServer();
  {
    Client c(server_->port());
    ASSERT_TRUE(c.Send(Get("/park")));
    for (int i = 0; i < 200; ++i) {
      std::lock_guard lock(mu_);
      if (!parked_.empty()) break;
      std::this_thread::sleep_for(5ms);
    }
  }
  std::this_thread::sleep_for(20ms);
  std::vector<Responder> parked;
  {
    std::lock_guard lock(mu_);
    parked.swap(parked_);
  }
  ASSERT_EQ(parked.size(), 1u);
  parked[0](Response{200, "text/plain", {}, "nobody listens"});
  parked[0](Response{200, "text/plain", {}, "second call ignored"});
  // The server still works.
  Client c2(server_->port());
  ASSERT_TRUE(c2.Send(Get("/ok")));
  EXPECT_EQ(c2.Read().status, 200);
}

TEST_F(HttpServerTest, ResponderAfterServerDestroyedIsHarmless) {
  HttpServerOptions options;
  options.drain_timeout = 100ms;
  StartServer(options);
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Get("/park")));
  for (int i = 0; i < 200; ++i) {
    std::lock_guard lock(mu_);
    if (!parked_.empty()) break;
    std::this_thread::sleep_for(5ms);
  }
  StopServer();  // drain times out on the parked request
  std::vector<Responder> parked;
  parked.swap(parked_);
  ASSERT_EQ(parked.size(), 1u);
  parked[0](Response{});
}

TEST_F(HttpServerTest, StopLetsInFlightRequestFinish) {
  StartServer();
  Client c(server_->port());
  Client idle(server_->port());
  ASSERT_TRUE(c.Send(Get("/delayed")));
  ASSERT_TRUE(WaitHandled(1));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "late");
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.ClosedByPeer());
  EXPECT_TRUE(idle.ClosedByPeer());
  runner_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(HttpServerTest, StopWithParkedRequestEndsAfterDrainTimeout) {
  HttpServerOptions options;
  options.drain_timeout = 200ms;
  StartServer(options);
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Get("/park")));
  ASSERT_TRUE(WaitHandled(1));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  runner_.join();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(HttpServerTest, IdleConnectionTimesOut) {
  HttpServerOptions options;
  options.idle_timeout = 100ms;
  StartServer(options);
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Get("/x")));
  ASSERT_TRUE(c.Read().ok);
  EXPECT_TRUE(c.ClosedByPeer(2000ms));
}

TEST_F(HttpServerTest, PendingRequestIsNotSubjectToIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout = 100ms;
  StartServer(options);
  Client c(server_->port());
  ASSERT_TRUE(c.Send(Get("/park")));
  std::this_thread::sleep_for(400ms);
  std::vector<Responder> parked;
  {
    std::lock_guard lock(mu_);
    parked.swap(parked_);
  }
  ASSERT_EQ(parked.size(), 1u);
  parked[0](Response{200, "text/plain", {}, "after a long wait"});
  Client::Reply r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "after a long wait");
}

TEST_F(HttpServerTest, AddressInUseIsReported) {
  StartServer();
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = server_->port();
  HttpServer second(options, [](Request&&, Responder r) { r(Response{}); });
  Status st = second.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("address already in use"), std::string::npos) << st.message();
}

TEST_F(HttpServerTest, ManyConnectionsInParallel) {
  HttpServerOptions options;
  options.threads = 2;
  StartServer(options);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Client c(server_->port());
      for (int i = 0; i < 200; ++i) {
        std::string body = std::to_string(t) + "-" + std::to_string(i);
        if (!c.Send(Post("/p", body))) return;
        Client::Reply r = c.Read();
        if (r.ok && r.body == "POST /p " + body) good.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 8 * 200);
}

}  // namespace
}  // namespace eddy::net
