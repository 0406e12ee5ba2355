// eventsbench: EventBridge rules, EventBridge Scheduler and the virtual clock, measured against Eddy or
// moto with the same client (bench/run_events.sh drives it; docs/benchmarks.md explains the figures).
//
// Plain POSIX sockets: one blocking keep-alive HTTP/1.1 connection per client thread, reconnecting when
// the server answers "Connection: close" (moto). Requests are AWS JSON 1.1 (EventBridge), AWS JSON 1.0
// (SQS) and restJson1 (Scheduler), each with a SigV4-shaped Authorization header whose credential scope
// names the service (moto routes on it) and a dummy signature (neither server verifies signatures).
// Responses are read by string scanning: only the few fields a benchmark needs.
//
// Benchmarks (--benchmarks, comma-separated):
//   put-events   PutEvents (1 entry) matching one rule with an SQS target, --clients connections closed
//                loop: requests/s, p50/p99 latency; then waits until the queue holds one message per
//                accepted entry (delivered=, delivery_wait_ms=)
//   e2e          PutEvents → SQS target → a parked long poll (--waiters connections, WaitTimeSeconds 20):
//                time from just before the PutEvents request is written until a waiter has the message
//   e2e-sqs      the same with SendMessage straight to the queue: the floor of e2e
//   fsync        the disk under a durable server: 4 KiB pwrite + fdatasync in --fsync_dir, every
//                --interval_ms, --samples times (a woken durable receive answers after such a commit)
//   scheduler    CreateSchedule closed loop, then GetSchedule closed loop over the created names
//   clock        (eddy --clock virtual) rule rate(1 minute) → SQS, then a Scheduler schedule
//                rate(1 minute) → SQS: one POST /_eddy/clock {"advance": --advance} each; wall time,
//                fires/s, and the queue count checked against the fires SQS retention keeps
//   realtime     (real clock) rule rate(1 minute) → SQS and a schedule rate(1 minute) → SQS: for
//                --realtime_fires fires, how late SentTimestamp is after the scheduled instant
// Each prints a human-readable line on stderr and "RESULT bench=... key=value ..." lines on stdout.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

// ------------------------------------------------------------------------------------------------ flags

struct Flags {
  std::string host = "127.0.0.1";
  int port = 4566;
  std::string label = "eddy";
  std::string benchmarks = "put-events,e2e,scheduler";
  int clients = 8;
  double duration = 5;  // seconds measured per closed loop
  double warmup = 1;    // seconds before the measured window
  int samples = 200;    // e2e
  int e2e_warmup = 10;  // e2e: first samples not counted
  int interval_ms = 20;
  int waiters = 4;
  std::string advance = "30d";  // clock
  int realtime_fires = 3;       // realtime
  int server_pid = 0;
  int max_wait_s = 30;  // bound on waiting for deliveries
  std::string fsync_dir;  // fsync
};

Flags FLAGS;

bool FlagValue(const char* arg, const char* name, std::string* value) {
  size_t n = std::strlen(name);
  if (std::strncmp(arg, "--", 2) != 0 || std::strncmp(arg + 2, name, n) != 0 || arg[2 + n] != '=') return false;
  *value = arg + 3 + n;
  return true;
}

void Usage() {
  std::fprintf(stderr,
               "eventsbench [--flag=value ...]\n"
               "  --host=127.0.0.1 --port=4566 --label=eddy|moto --server_pid=PID\n"
               "  --benchmarks=put-events,e2e,e2e-sqs,scheduler,clock,realtime,fsync\n"
               "  --clients=8 --duration=5 --warmup=1 (put-events, scheduler)\n"
               "  --samples=200 --e2e_warmup=10 --interval_ms=20 --waiters=4 (e2e, e2e-sqs)\n"
               "  --advance=30d (clock)  --realtime_fires=3 (realtime)  --fsync_dir=DIR (fsync)  --max_wait_s=30\n");
}

bool ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    std::string v;
    if (std::strcmp(a, "--help") == 0) {
      Usage();
      std::exit(0);
    } else if (FlagValue(a, "host", &v)) {
      FLAGS.host = v;
    } else if (FlagValue(a, "port", &v)) {
      FLAGS.port = std::atoi(v.c_str());
    } else if (FlagValue(a, "label", &v)) {
      FLAGS.label = v;
    } else if (FlagValue(a, "benchmarks", &v)) {
      FLAGS.benchmarks = v;
    } else if (FlagValue(a, "clients", &v)) {
      FLAGS.clients = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "duration", &v)) {
      FLAGS.duration = std::atof(v.c_str());
    } else if (FlagValue(a, "warmup", &v)) {
      FLAGS.warmup = std::atof(v.c_str());
    } else if (FlagValue(a, "samples", &v)) {
      FLAGS.samples = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "e2e_warmup", &v)) {
      FLAGS.e2e_warmup = std::max(0, std::atoi(v.c_str()));
    } else if (FlagValue(a, "interval_ms", &v)) {
      FLAGS.interval_ms = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "waiters", &v)) {
      FLAGS.waiters = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "advance", &v)) {
      FLAGS.advance = v;
    } else if (FlagValue(a, "realtime_fires", &v)) {
      FLAGS.realtime_fires = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "server_pid", &v)) {
      FLAGS.server_pid = std::atoi(v.c_str());
    } else if (FlagValue(a, "fsync_dir", &v)) {
      FLAGS.fsync_dir = v;
    } else if (FlagValue(a, "max_wait_s", &v)) {
      FLAGS.max_wait_s = std::max(1, std::atoi(v.c_str()));
    } else {
      std::fprintf(stderr, "unknown flag: %s\n", a);
      Usage();
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------------------------------------ time, cpu

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t RealtimeMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

void SleepUntilNs(int64_t t) {
  int64_t d = t - NowNs();
  if (d > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(d));
}

void SleepMs(double ms) { std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(ms * 1000))); }

int64_t SelfCpuNs() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) { return int64_t{tv.tv_sec} * 1000000000 + int64_t{tv.tv_usec} * 1000; };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
}

// The server's utime+stime from /proc/PID/stat (all threads, including exited ones: moto's Werkzeug
// server runs a thread per connection); -1 without --server_pid.
int64_t ServerCpuNs() {
  if (FLAGS.server_pid <= 0) return -1;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", FLAGS.server_pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  char buf[2048];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return -1;
  // After ") ": state(3) ppid(4) ... utime(14) stime(15): skip 11 fields.
  p += 2;
  for (int field = 3; field < 14 && *p; ++field) {
    p = std::strchr(p, ' ');
    if (!p) return -1;
    ++p;
  }
  long long utime = 0, stime = 0;
  if (std::sscanf(p, "%lld %lld", &utime, &stime) != 2) return -1;
  return (utime + stime) * (1000000000 / sysconf(_SC_CLK_TCK));
}

int64_t ServerRssKb() {
  if (FLAGS.server_pid <= 0) return -1;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", FLAGS.server_pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  char line[256];
  int64_t kb = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::strtoll(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kb;
}

// ------------------------------------------------------------------------------------------------ statistics

struct Summary {
  size_t n = 0;
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Summary Summarize(std::vector<double> v) {
  Summary s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  s.p50 = at(0.50);
  s.p99 = at(0.99);
  s.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

// ------------------------------------------------------------------------------------------------ HTTP client

struct Response {
  int status = 0;  // 0 = transport failure
  std::string body;
};

bool IStartsWith(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower_prefix[i]) return false;
  }
  return true;
}

// One keep-alive HTTP/1.1 connection with blocking I/O; reconnects after "Connection: close".
class HttpConn {
 public:
  HttpConn() = default;
  HttpConn(const HttpConn&) = delete;
  HttpConn& operator=(const HttpConn&) = delete;
  ~HttpConn() { Close(); }

  // `head` = everything after the request line up to (not including) Content-Length.
  Response Call(std::string_view method, std::string_view path, std::string_view head, std::string_view body) {
    std::string req;
    req.reserve(320 + body.size());
    req.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(FLAGS.host);
    req.append(":").append(std::to_string(FLAGS.port)).append("\r\n").append(head);
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_.load() < 0 && !Connect()) return {};
      const bool fresh = !used_;
      used_ = true;
      Response r;
      if (SendAll(req) && Read(&r)) return r;
      Close();
      if (fresh) break;  // a fresh connection failed: the request may have run, do not repeat it
    }
    return {};
  }

  // Unblocks a thread parked in Call() (from another thread).
  void Shutdown() {
    int fd = fd_.load();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

  void Close() {
    int fd = fd_.exchange(-1);
    if (fd >= 0) ::close(fd);
    buf_.clear();
  }

 private:
  bool Connect() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(FLAGS.port));
    inet_pton(AF_INET, FLAGS.host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return false;
    }
    fd_ = fd;
    used_ = false;
    return true;
  }

  bool SendAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_.load(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  bool Fill() {
    char tmp[16384];
    for (;;) {
      ssize_t n = ::recv(fd_.load(), tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
  }

  bool Read(Response* r) {
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::string_view head(buf_.data(), head_end);
    if (head.size() < 12 || !head.starts_with("HTTP/1.")) return false;
    r->status = std::atoi(std::string(head.substr(9, 3)).c_str());
    bool chunked = false, close_after = head.starts_with("HTTP/1.0");
    size_t content_length = 0;
    for (size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
      size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
      if (IStartsWith(line, "content-length:")) content_length = std::strtoull(line.data() + 15, nullptr, 10);
      if (IStartsWith(line, "transfer-encoding:") && line.find("chunked") != std::string_view::npos) chunked = true;
      if (IStartsWith(line, "connection:")) {
        std::string_view v = line.substr(11);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        close_after = IStartsWith(v, "close");
      }
      pos = next;
    }
    size_t at = head_end + 4;
    if (!chunked) {
      while (buf_.size() < at + content_length) {
        if (!Fill()) return false;
      }
      r->body.assign(buf_, at, content_length);
      buf_.erase(0, at + content_length);
    } else {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n", at)) == std::string::npos) {
          if (!Fill()) return false;
        }
        size_t size = std::strtoull(buf_.c_str() + at, nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2) {
          if (!Fill()) return false;
        }
        r->body.append(buf_, eol + 2, size);
        at = eol + 2 + size + 2;
        if (size == 0) break;
      }
      buf_.erase(0, at);
    }
    if (close_after) Close();
    return true;
  }

  std::atomic<int> fd_{-1};
  bool used_ = false;
  std::string buf_;
};

// ------------------------------------------------------------------------------------------------ AWS calls

std::string Authorization(std::string_view service) {
  return "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/" + std::string(service) +
         "/aws4_request, SignedHeaders=host;x-amz-date, Signature=0\r\nX-Amz-Date: 20260101T000000Z\r\n";
}

const std::string& SqsHead(std::string_view action) {
  thread_local std::string cached_action, head;
  if (cached_action != action) {
    cached_action = action;
    head = Authorization("sqs") + "Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS." +
           std::string(action) + "\r\n";
  }
  return head;
}

Response Sqs(HttpConn& c, std::string_view action, std::string_view body) {
  return c.Call("POST", "/", SqsHead(action), body);
}

Response Events(HttpConn& c, std::string_view action, std::string_view body) {
  std::string head = Authorization("events") + "Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AWSEvents." +
                     std::string(action) + "\r\n";
  return c.Call("POST", "/", head, body);
}

Response Scheduler(HttpConn& c, std::string_view method, std::string_view path, std::string_view body) {
  static const std::string head = Authorization("scheduler") + "Content-Type: application/json\r\n";
  return c.Call(method, path, head, body);
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The string value of the first "key": "..." at or after *pos (ASCII escapes only); advances *pos.
bool NextJsonString(std::string_view json, std::string_view key, size_t* pos, std::string* value) {
  std::string k = "\"" + std::string(key) + "\"";
  size_t p = json.find(k, *pos);
  if (p == std::string_view::npos) return false;
  p += k.size();
  while (p < json.size() && (json[p] == ' ' || json[p] == ':')) ++p;
  if (p >= json.size() || json[p] != '"') {
    *pos = p;
    return NextJsonString(json, key, pos, value);
  }
  value->clear();
  for (++p; p < json.size() && json[p] != '"'; ++p) {
    if (json[p] == '\\' && p + 1 < json.size()) ++p;
    value->push_back(json[p]);
  }
  *pos = p;
  return true;
}

std::string JsonField(std::string_view json, std::string_view key) {
  size_t pos = 0;
  std::string v;
  return NextJsonString(json, key, &pos, &v) ? v : std::string();
}

// "key": <integer> (or a quoted integer); -1 when absent.
int64_t JsonInt(std::string_view json, std::string_view key) {
  std::string k = "\"" + std::string(key) + "\"";
  size_t p = json.find(k);
  if (p == std::string_view::npos) return -1;
  p += k.size();
  while (p < json.size() && (json[p] == ' ' || json[p] == ':' || json[p] == '"')) ++p;
  return std::strtoll(std::string(json.substr(p, 24)).c_str(), nullptr, 10);
}

std::string OneLine(std::string_view s) {
  std::string out(s.substr(0, 300));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

bool Ok(const Response& r, std::string_view what) {
  if (r.status == 200) return true;
  std::fprintf(stderr, "[%s] %.*s: HTTP %d %s\n", FLAGS.label.c_str(), static_cast<int>(what.size()), what.data(),
               r.status, OneLine(r.body).c_str());
  return false;
}

struct Queue {
  std::string url, arn;
};

std::optional<Queue> CreateQueue(HttpConn& c, const std::string& name, bool long_retention = false) {
  std::string body = "{\"QueueName\":\"" + name + "\"";
  if (long_retention) body += ",\"Attributes\":{\"MessageRetentionPeriod\":\"1209600\"}";
  body += "}";
  Response r = Sqs(c, "CreateQueue", body);
  if (!Ok(r, "CreateQueue")) return std::nullopt;
  Queue q;
  q.url = JsonField(r.body, "QueueUrl");
  r = Sqs(c, "GetQueueAttributes", "{\"QueueUrl\":\"" + JsonEscape(q.url) + "\",\"AttributeNames\":[\"QueueArn\"]}");
  if (!Ok(r, "GetQueueAttributes")) return std::nullopt;
  q.arn = JsonField(r.body, "QueueArn");
  if (q.arn.empty()) {
    std::fprintf(stderr, "[%s] no QueueArn in %s\n", FLAGS.label.c_str(), OneLine(r.body).c_str());
    return std::nullopt;
  }
  return q;
}

// ApproximateNumberOfMessages + ...NotVisible, or -1.
int64_t QueueCount(HttpConn& c, const Queue& q) {
  Response r = Sqs(c, "GetQueueAttributes",
                   "{\"QueueUrl\":\"" + JsonEscape(q.url) +
                       "\",\"AttributeNames\":[\"ApproximateNumberOfMessages\",\"ApproximateNumberOfMessagesNotVisible\"]}");
  if (r.status != 200) return -1;
  int64_t visible = JsonInt(r.body, "ApproximateNumberOfMessages");
  int64_t hidden = JsonInt(r.body, "ApproximateNumberOfMessagesNotVisible");
  return visible < 0 ? -1 : visible + std::max<int64_t>(0, hidden);
}

void DeleteQueue(HttpConn& c, const Queue& q) { Sqs(c, "DeleteQueue", "{\"QueueUrl\":\"" + JsonEscape(q.url) + "\"}"); }

// account from arn:aws:sqs:REGION:ACCOUNT:NAME
std::string AccountOf(const std::string& arn) {
  size_t p = 0;
  for (int i = 0; i < 4 && p != std::string::npos; ++i) p = arn.find(':', p + 1);
  size_t e = arn.find(':', p + 1);
  return p == std::string::npos || e == std::string::npos ? "000000000000" : arn.substr(p + 1, e - p - 1);
}

// A rule (pattern or schedule) with the queue as its only target.
bool CreateRule(HttpConn& c, const std::string& name, const std::string& pattern, const std::string& schedule,
                const Queue& q) {
  std::string body = "{\"Name\":\"" + name + "\",\"State\":\"ENABLED\"";
  if (!pattern.empty()) body += ",\"EventPattern\":\"" + JsonEscape(pattern) + "\"";
  if (!schedule.empty()) body += ",\"ScheduleExpression\":\"" + schedule + "\"";
  body += "}";
  if (!Ok(Events(c, "PutRule", body), "PutRule")) return false;
  Response r = Events(c, "PutTargets", "{\"Rule\":\"" + name + "\",\"Targets\":[{\"Id\":\"queue\",\"Arn\":\"" + q.arn + "\"}]}");
  if (!Ok(r, "PutTargets")) return false;
  if (JsonInt(r.body, "FailedEntryCount") > 0) {
    std::fprintf(stderr, "[%s] PutTargets failed: %s\n", FLAGS.label.c_str(), OneLine(r.body).c_str());
    return false;
  }
  return true;
}

void DeleteRule(HttpConn& c, const std::string& name) {
  Events(c, "RemoveTargets", "{\"Rule\":\"" + name + "\",\"Ids\":[\"queue\"]}");
  Events(c, "DeleteRule", "{\"Name\":\"" + name + "\"}");
}

std::string ScheduleBody(const std::string& expression, const Queue& q) {
  return "{\"ScheduleExpression\":\"" + expression +
         "\",\"FlexibleTimeWindow\":{\"Mode\":\"OFF\"},\"Target\":{\"Arn\":\"" + q.arn + "\",\"RoleArn\":\"arn:aws:iam::" +
         AccountOf(q.arn) + ":role/eventsbench\"}}";
}

// One PutEvents entry of `source`; detail {"tag":"<tag>"}.
std::string PutEventsBody(const std::string& source, const std::string& tag) {
  return "{\"Entries\":[{\"Source\":\"" + source + "\",\"DetailType\":\"eventsbench\",\"Detail\":\"{\\\"tag\\\":\\\"" +
         tag + "\\\"}\"}]}";
}

bool PutEventsOk(const Response& r) { return r.status == 200 && JsonInt(r.body, "FailedEntryCount") == 0; }

// Waits (up to --max_wait_s, or until the count stops changing for 3 s once `settle`) until the queue
// holds `expected` messages; returns the last count.
int64_t WaitForCount(HttpConn& c, const Queue& q, int64_t expected, int64_t* waited_ms) {
  const int64_t t0 = NowNs(), deadline = t0 + int64_t{FLAGS.max_wait_s} * 1000000000;
  int64_t last = -2, last_change = t0, n = -1;
  for (;;) {
    n = QueueCount(c, q);
    const int64_t now = NowNs();
    if (n != last) last_change = now;
    last = n;
    if (n == expected || now > deadline || now - last_change > 3000000000LL) break;
    SleepMs(n >= 0 && expected - n < 100 ? 2 : 20);
  }
  *waited_ms = (NowNs() - t0) / 1000000;
  return n;
}

void Result(const std::string& bench, const std::string& kv) {
  std::printf("RESULT label=%s bench=%s %s\n", FLAGS.label.c_str(), bench.c_str(), kv.c_str());
  std::fflush(stdout);
}

std::string Prefix() { return "evb" + std::to_string(getpid()); }

// ------------------------------------------------------------------------------------------------ closed loop

struct LoopResult {
  int64_t ok = 0, errors = 0;          // in the measured window
  int64_t total_ok = 0, total_errors = 0;  // including the warm-up and the requests in flight at the end
  double per_s = 0, server_cpu_us = -1, client_cpu_us = 0, client_core_pct = 0;
  Summary latency_ms;
};

// Runs op(worker, conn) on --clients threads: --warmup seconds, then --duration measured. op returns
// whether the request succeeded; the first few failures are printed by op itself.
template <typename Op>
LoopResult ClosedLoop(Op op) {
  std::atomic<int> phase{0};  // 0 warm-up, 1 measured, 2 stop
  std::vector<std::vector<double>> lat(static_cast<size_t>(FLAGS.clients));
  std::vector<int64_t> ok(lat.size(), 0), errors(lat.size(), 0), total_ok(lat.size(), 0), total_errors(lat.size(), 0);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < lat.size(); ++w) {
    threads.emplace_back([&, w] {
      HttpConn conn;
      int consecutive_errors = 0;
      while (phase.load(std::memory_order_relaxed) != 2) {
        int64_t t0 = NowNs();
        bool good = op(static_cast<int>(w), conn);
        int64_t t1 = NowNs();
        total_ok[w] += good;
        total_errors[w] += !good;
        if (phase.load(std::memory_order_relaxed) == 1) {
          if (good) {
            ++ok[w];
            lat[w].push_back(static_cast<double>(t1 - t0) / 1e6);
          } else {
            ++errors[w];
          }
        }
        consecutive_errors = good ? 0 : consecutive_errors + 1;
        if (consecutive_errors > 100) break;
      }
    });
  }
  SleepMs(FLAGS.warmup * 1000);
  const int64_t cpu0 = ServerCpuNs(), self0 = SelfCpuNs(), t0 = NowNs();
  phase = 1;
  SleepMs(FLAGS.duration * 1000);
  phase = 2;
  const int64_t cpu1 = ServerCpuNs(), self1 = SelfCpuNs(), t1 = NowNs();
  for (auto& t : threads) t.join();
  LoopResult r;
  std::vector<double> all;
  for (size_t w = 0; w < lat.size(); ++w) {
    r.ok += ok[w];
    r.errors += errors[w];
    r.total_ok += total_ok[w];
    r.total_errors += total_errors[w];
    all.insert(all.end(), lat[w].begin(), lat[w].end());
  }
  const double seconds = static_cast<double>(t1 - t0) / 1e9, n = static_cast<double>(std::max<int64_t>(1, r.ok));
  r.per_s = static_cast<double>(r.ok) / seconds;
  if (cpu0 >= 0 && cpu1 >= 0) r.server_cpu_us = static_cast<double>(cpu1 - cpu0) / 1e3 / n;
  r.client_cpu_us = static_cast<double>(self1 - self0) / 1e3 / n;
  r.client_core_pct = static_cast<double>(self1 - self0) / static_cast<double>(t1 - t0) * 100;
  r.latency_ms = Summarize(std::move(all));
  return r;
}

std::string LoopKv(const LoopResult& r) {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "clients=%d ok=%lld errors=%lld per_s=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f server_cpu_us=%.1f "
                "client_cpu_us=%.1f client_core_pct=%.0f",
                FLAGS.clients, static_cast<long long>(r.ok), static_cast<long long>(r.total_errors), r.per_s,
                r.latency_ms.p50, r.latency_ms.p99, r.latency_ms.max, r.server_cpu_us, r.client_cpu_us,
                r.client_core_pct);
  return buf;
}

// ------------------------------------------------------------------------------------------------ put-events

int BenchPutEvents() {
  const std::string bench = "put-events", name = Prefix() + "-put", source = "eventsbench." + name;
  HttpConn c;
  std::optional<Queue> q = CreateQueue(c, name);
  if (!q || !CreateRule(c, name, "{\"source\":[\"" + source + "\"]}", "", *q)) return 1;
  const std::string body = PutEventsBody(source, "x");
  std::atomic<int> printed{0};
  LoopResult r = ClosedLoop([&](int, HttpConn& conn) {
    Response resp = Events(conn, "PutEvents", body);
    if (PutEventsOk(resp)) return true;
    if (printed.fetch_add(1) < 3) Ok(resp.status == 200 ? Response{599, resp.body} : resp, "PutEvents");
    return false;
  });
  int64_t waited_ms = 0;
  const int64_t delivered = WaitForCount(c, *q, r.total_ok, &waited_ms);
  std::fprintf(stderr, "[%s] put-events: %.0f/s with %d clients, p50 %.2f ms p99 %.2f ms, %lld errors; %lld of %lld "
               "accepted events in the queue %lld ms after the load stopped\n",
               FLAGS.label.c_str(), r.per_s, FLAGS.clients, r.latency_ms.p50, r.latency_ms.p99,
               static_cast<long long>(r.total_errors), static_cast<long long>(delivered),
               static_cast<long long>(r.total_ok), static_cast<long long>(waited_ms));
  Result(bench, LoopKv(r) + " accepted=" + std::to_string(r.total_ok) + " delivered=" + std::to_string(delivered) +
                    " delivery_wait_ms=" + std::to_string(waited_ms));
  DeleteRule(c, name);
  DeleteQueue(c, *q);
  return r.total_errors != 0 || delivered != r.total_ok;
}

// ------------------------------------------------------------------------------------------------ e2e

// via_events: PutEvents → rule → SQS target (bench "e2e"); else SendMessage straight to the queue
// (bench "e2e-sqs", the floor: the same long poll without EventBridge in between).
int BenchE2e(bool via_events) {
  const std::string bench = via_events ? "e2e" : "e2e-sqs", name = Prefix() + "-" + bench,
                    source = "eventsbench." + name;
  HttpConn c;
  std::optional<Queue> q = CreateQueue(c, name);
  if (!q || (via_events && !CreateRule(c, name, "{\"source\":[\"" + source + "\"]}", "", *q))) return 1;
  const int total = FLAGS.e2e_warmup + FLAGS.samples;
  std::vector<std::atomic<int64_t>> sent(static_cast<size_t>(total)), received(static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) sent[static_cast<size_t>(i)] = 0, received[static_cast<size_t>(i)] = 0;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> got{0}, duplicates{0}, receive_errors{0};
  std::vector<HttpConn> waiter_conns(static_cast<size_t>(FLAGS.waiters));
  std::vector<std::thread> waiters;
  const std::string receive = "{\"QueueUrl\":\"" + JsonEscape(q->url) +
                              "\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":20,\"VisibilityTimeout\":60}";
  for (auto& wc : waiter_conns) {
    waiters.emplace_back([&, conn = &wc] {
      HttpConn del;
      while (!stop.load()) {
        Response r = Sqs(*conn, "ReceiveMessage", receive);
        const int64_t now = NowNs();
        if (stop.load()) break;
        if (r.status != 200) {
          if (receive_errors.fetch_add(1) < 3) Ok(r, "ReceiveMessage");
          SleepMs(10);
          continue;
        }
        // Bodies and handles appear once per message, in message order, whatever the field order.
        size_t pos = 0;
        std::string body, handle, entries;
        while (NextJsonString(r.body, "Body", &pos, &body)) {
          size_t t = body.find("seq-");
          if (t == std::string::npos) continue;
          long seq = std::strtol(body.c_str() + t + 4, nullptr, 10);
          if (seq < 0 || seq >= total) continue;
          int64_t none = 0;
          if (!received[static_cast<size_t>(seq)].compare_exchange_strong(none, now)) ++duplicates;
          ++got;
        }
        int n = 0;
        for (pos = 0; NextJsonString(r.body, "ReceiptHandle", &pos, &handle); ++n) {
          if (n) entries += ',';
          entries += "{\"Id\":\"d" + std::to_string(n) + "\",\"ReceiptHandle\":\"" + JsonEscape(handle) + "\"}";
        }
        if (n) Sqs(del, "DeleteMessageBatch", "{\"QueueUrl\":\"" + JsonEscape(q->url) + "\",\"Entries\":[" + entries + "]}");
      }
    });
  }
  SleepMs(300);  // let the waiters park
  std::vector<double> put_ms;
  int64_t put_errors = 0;
  const int64_t start = NowNs();
  for (int i = 0; i < total; ++i) {
    SleepUntilNs(start + int64_t{i} * FLAGS.interval_ms * 1000000);
    const std::string tag = "seq-" + std::to_string(i) + "-end";
    const std::string body = via_events ? PutEventsBody(source, tag)
                                        : "{\"QueueUrl\":\"" + JsonEscape(q->url) + "\",\"MessageBody\":\"" + tag + "\"}";
    const int64_t t0 = NowNs();
    sent[static_cast<size_t>(i)] = t0;
    Response r = via_events ? Events(c, "PutEvents", body) : Sqs(c, "SendMessage", body);
    if (via_events ? !PutEventsOk(r) : r.status != 200) {
      if (put_errors++ < 3) Ok(r.status == 200 ? Response{599, r.body} : r, via_events ? "PutEvents" : "SendMessage");
      continue;
    }
    if (i >= FLAGS.e2e_warmup) put_ms.push_back(static_cast<double>(NowNs() - t0) / 1e6);
  }
  const int64_t deadline = NowNs() + 5000000000LL;
  while (got.load() < total - put_errors && NowNs() < deadline) SleepMs(5);
  stop = true;
  for (auto& wc : waiter_conns) wc.Shutdown();
  for (auto& t : waiters) t.join();
  std::vector<double> lat;
  int64_t lost = 0;
  for (int i = FLAGS.e2e_warmup; i < total; ++i) {
    int64_t s = sent[static_cast<size_t>(i)], r = received[static_cast<size_t>(i)];
    if (s == 0) continue;
    if (r == 0) {
      ++lost;
      continue;
    }
    lat.push_back(static_cast<double>(r - s) / 1e6);
  }
  Summary e2e = Summarize(lat), put = Summarize(put_ms);
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "samples=%zu lost=%lld put_errors=%lld duplicates=%lld waiters=%d interval_ms=%d p50_ms=%.3f "
                "p99_ms=%.3f max_ms=%.3f put_p50_ms=%.3f put_p99_ms=%.3f",
                e2e.n, static_cast<long long>(lost), static_cast<long long>(put_errors),
                static_cast<long long>(duplicates.load()), FLAGS.waiters, FLAGS.interval_ms, e2e.p50, e2e.p99,
                e2e.max, put.p50, put.p99);
  std::fprintf(stderr, "[%s] %s: %s → long poll p50 %.2f ms p99 %.2f ms max %.2f ms (%zu samples, %lld lost); "
               "the request alone p50 %.2f ms\n",
               FLAGS.label.c_str(), bench.c_str(), via_events ? "PutEvents" : "SendMessage", e2e.p50, e2e.p99, e2e.max, e2e.n, static_cast<long long>(lost), put.p50);
  Result(bench, buf);
  if (via_events) DeleteRule(c, name);
  DeleteQueue(c, *q);
  return lost != 0 || put_errors != 0;
}

// ------------------------------------------------------------------------------------------------ scheduler

int BenchScheduler() {
  const std::string name = Prefix() + "-sch";
  HttpConn c;
  std::optional<Queue> q = CreateQueue(c, name);
  if (!q) return 1;
  // A one-time schedule far in the future: creating it plans no delivery during the run.
  const std::string body = ScheduleBody("at(2099-01-01T00:00:00)", *q);
  // A server without the Scheduler API gets one row saying so, not two empty loops.
  if (Response probe = Scheduler(c, "POST", "/schedules/" + name + "-probe", body); !Ok(probe, "CreateSchedule")) {
    const std::string kv = "error=CreateSchedule_HTTP_" + std::to_string(probe.status);
    Result("scheduler-create", kv);
    Result("scheduler-get", kv);
    DeleteQueue(c, *q);
    return 1;
  }
  std::vector<std::vector<std::string>> created(static_cast<size_t>(FLAGS.clients));
  std::atomic<int> printed{0};
  LoopResult create = ClosedLoop([&](int w, HttpConn& conn) {
    auto& mine = created[static_cast<size_t>(w)];
    std::string sname = name + "-" + std::to_string(w) + "-" + std::to_string(mine.size());
    Response r = Scheduler(conn, "POST", "/schedules/" + sname, body);
    if (r.status == 200 && r.body.find("ScheduleArn") != std::string::npos) {
      mine.push_back(std::move(sname));
      return true;
    }
    if (printed.fetch_add(1) < 3) Ok(r.status == 200 ? Response{599, r.body} : r, "CreateSchedule");
    mine.push_back(sname + "-failed");  // next name
    return false;
  });
  std::vector<std::vector<std::string>> names(created.size());
  size_t total_names = 0;
  for (size_t w = 0; w < created.size(); ++w) {
    for (auto& s : created[w]) {
      if (!s.ends_with("-failed")) names[w].push_back(s);
    }
    total_names += names[w].size();
  }
  std::vector<size_t> next(created.size(), 0);
  LoopResult get = ClosedLoop([&](int w, HttpConn& conn) {
    auto& mine = names[static_cast<size_t>(w)];
    if (mine.empty()) return false;
    const std::string& sname = mine[next[static_cast<size_t>(w)]++ % mine.size()];
    Response r = Scheduler(conn, "GET", "/schedules/" + sname, "");
    if (r.status == 200 && r.body.find(sname) != std::string::npos) return true;
    if (printed.fetch_add(1) < 6) Ok(r.status == 200 ? Response{599, r.body} : r, "GetSchedule");
    return false;
  });
  std::fprintf(stderr, "[%s] scheduler: CreateSchedule %.0f/s (p50 %.2f ms, p99 %.2f ms, %lld errors), GetSchedule "
               "%.0f/s (p50 %.2f ms, p99 %.2f ms, %lld errors) over %zu schedules\n",
               FLAGS.label.c_str(), create.per_s, create.latency_ms.p50, create.latency_ms.p99,
               static_cast<long long>(create.total_errors), get.per_s, get.latency_ms.p50, get.latency_ms.p99,
               static_cast<long long>(get.total_errors), total_names);
  Result("scheduler-create", LoopKv(create) + " schedules=" + std::to_string(total_names));
  Result("scheduler-get", LoopKv(get) + " schedules=" + std::to_string(total_names));
  DeleteQueue(c, *q);
  return create.total_errors != 0 || get.total_errors != 0;
}

// ------------------------------------------------------------------------------------------------ clock

// "30d", "12h", "90m", "45s" -> ms (what this benchmark passes; Eddy accepts more forms).
int64_t DurationMs(const std::string& s) {
  if (s.empty()) return -1;
  int64_t n = std::strtoll(s.c_str(), nullptr, 10);
  switch (s.back()) {
    case 'd': return n * 86400000;
    case 'h': return n * 3600000;
    case 'm': return n * 60000;
    case 's': return n * 1000;
    default: return -1;
  }
}

constexpr int64_t kMinuteMs = 60000;
constexpr int64_t kMaxRetentionMs = 1209600000;  // SQS MessageRetentionPeriod maximum, 14 days

// One clock stage: advance by --advance, then wait for the queue to settle at `expected_retained`.
struct AdvanceResult {
  bool ok = false;
  double wall_ms = 0, server_cpu_ms = -1;
  int64_t retained = -1, settle_ms = 0;
};

AdvanceResult Advance(HttpConn& c, const Queue& q, int64_t expected_retained) {
  AdvanceResult a;
  const int64_t cpu0 = ServerCpuNs(), t0 = NowNs();
  Response r = c.Call("POST", "/_eddy/clock", "Content-Type: application/json\r\n",
                      "{\"advance\":\"" + FLAGS.advance + "\"}");
  const int64_t t1 = NowNs();
  a.wall_ms = static_cast<double>(t1 - t0) / 1e6;
  if (!Ok(r, "POST /_eddy/clock")) return a;
  a.retained = WaitForCount(c, q, expected_retained, &a.settle_ms);
  const int64_t cpu1 = ServerCpuNs();
  if (cpu0 >= 0 && cpu1 >= 0) a.server_cpu_ms = static_cast<double>(cpu1 - cpu0) / 1e6;
  a.ok = true;
  return a;
}

void ReportAdvance(const std::string& bench, const std::string& what, const AdvanceResult& a, int64_t fires,
                   int64_t expected_retained, int64_t before) {
  const double per_s = fires / (a.wall_ms / 1e3);
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "advance=%s fires=%lld wall_ms=%.1f fires_per_s=%.0f server_cpu_ms=%.1f server_cpu_us_per_fire=%.1f "
                "queued_before=%lld retained=%lld expected_retained=%lld settle_ms=%lld rss_kb=%lld",
                FLAGS.advance.c_str(), static_cast<long long>(fires), a.wall_ms, per_s, a.server_cpu_ms,
                a.server_cpu_ms >= 0 ? a.server_cpu_ms * 1e3 / static_cast<double>(fires) : -1.0,
                static_cast<long long>(before), static_cast<long long>(a.retained),
                static_cast<long long>(expected_retained), static_cast<long long>(a.settle_ms),
                static_cast<long long>(ServerRssKb()));
  std::fprintf(stderr, "[%s] clock: %s, advance %s: %lld fires in %.0f ms (%.0f fires/s); queue holds %lld, "
               "expected %lld (14-day retention)\n",
               FLAGS.label.c_str(), what.c_str(), FLAGS.advance.c_str(), static_cast<long long>(fires), a.wall_ms,
               per_s, static_cast<long long>(a.retained), static_cast<long long>(expected_retained));
  Result(bench, buf);
}

int BenchClock() {
  const int64_t advance_ms = DurationMs(FLAGS.advance);
  if (advance_ms <= 0) {
    std::fprintf(stderr, "--advance: use <n>d, <n>h, <n>m or <n>s\n");
    return 1;
  }
  HttpConn c;
  int rc = 0;
  // Fires at anchor + k minutes (k = first..last); SQS drops those sent at or before end - 14 days.
  auto retained = [&](int64_t first_k, int64_t last_k) {
    const int64_t expired_through = (advance_ms - kMaxRetentionMs) / kMinuteMs;  // k <= this expired
    return last_k - std::max(first_k - 1, std::max<int64_t>(0, expired_through));
  };
  // Rule: rate(1 minute) counts from the rule's creation: fires k = 1 .. advance/1 min.
  {
    const std::string name = Prefix() + "-clock-rule";
    std::optional<Queue> q = CreateQueue(c, name, true);
    if (!q || !CreateRule(c, name, "", "rate(1 minute)", *q)) return 1;
    const int64_t fires = advance_ms / kMinuteMs, expected = retained(1, fires);
    const int64_t before = QueueCount(c, *q);
    AdvanceResult a = Advance(c, *q, expected + std::max<int64_t>(0, before));
    if (!a.ok) return 1;
    ReportAdvance("clock-rule", "rule rate(1 minute) → SQS", a, fires, expected, before);
    rc |= a.retained != expected + std::max<int64_t>(0, before);
    Events(c, "DisableRule", "{\"Name\":\"" + name + "\"}");
  }
  // Schedule: rate(1 minute) without StartDate starts at creation (first fire immediate, k = 0).
  {
    const std::string name = Prefix() + "-clock-schedule";
    std::optional<Queue> q = CreateQueue(c, name, true);
    if (!q) return 1;
    Response r = Scheduler(c, "POST", "/schedules/" + name, ScheduleBody("rate(1 minute)", *q));
    if (!Ok(r, "CreateSchedule")) {
      Result("clock-schedule", "error=CreateSchedule_HTTP_" + std::to_string(r.status));
      return 1;
    }
    const int64_t before = QueueCount(c, *q);  // the immediate fire happens on the next tick (the advance)
    const int64_t last_k = advance_ms / kMinuteMs, fires = last_k + 1, expected = retained(0, last_k);
    AdvanceResult a = Advance(c, *q, expected);
    if (!a.ok) return 1;
    ReportAdvance("clock-schedule", "schedule rate(1 minute) → SQS", a, fires - std::max<int64_t>(0, before), expected,
                  before);
    rc |= a.retained != expected;
  }
  return rc;
}

// ------------------------------------------------------------------------------------------------ realtime

struct Fire {
  int64_t sent_ms = 0, received_ms = 0;
};

// Long-polls `q` until `count` messages have arrived (or the deadline); SentTimestamp and arrival time.
std::vector<Fire> CollectFires(const Queue& q, int count, int64_t deadline_ns) {
  HttpConn c;
  std::vector<Fire> out;
  const std::string receive = "{\"QueueUrl\":\"" + JsonEscape(q.url) +
                              "\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":20,\"AttributeNames\":[\"All\"]}";
  while (static_cast<int>(out.size()) < count && NowNs() < deadline_ns) {
    Response r = Sqs(c, "ReceiveMessage", receive);
    const int64_t now_ms = RealtimeMs();
    if (r.status != 200) {
      Ok(r, "ReceiveMessage");
      SleepMs(100);
      continue;
    }
    size_t pos = 0;
    std::string sent, handle;
    while (NextJsonString(r.body, "SentTimestamp", &pos, &sent)) out.push_back({std::strtoll(sent.c_str(), nullptr, 10), now_ms});
    pos = 0;
    while (NextJsonString(r.body, "ReceiptHandle", &pos, &handle)) {
      Sqs(c, "DeleteMessage", "{\"QueueUrl\":\"" + JsonEscape(q.url) + "\",\"ReceiptHandle\":\"" + JsonEscape(handle) + "\"}");
    }
  }
  std::sort(out.begin(), out.end(), [](const Fire& a, const Fire& b) { return a.sent_ms < b.sent_ms; });
  return out;
}

void ReportFires(const std::string& bench, const std::vector<Fire>& fires, int64_t anchor_ms, int first_k,
                 int wanted) {
  std::vector<double> sent_late, recv_late;
  std::string each, each_received;
  for (size_t i = 0; i < fires.size(); ++i) {
    const int64_t scheduled = anchor_ms + (first_k + static_cast<int64_t>(i)) * kMinuteMs;
    sent_late.push_back(static_cast<double>(fires[i].sent_ms - scheduled));
    recv_late.push_back(static_cast<double>(fires[i].received_ms - scheduled));
    each += (i ? "," : "") + std::to_string(fires[i].sent_ms - scheduled);
    each_received += (i ? "," : "") + std::to_string(fires[i].received_ms - scheduled);
  }
  Summary s = Summarize(sent_late), r = Summarize(recv_late);
  double min_late = sent_late.empty() ? 0 : *std::min_element(sent_late.begin(), sent_late.end());
  char buf[600];
  std::snprintf(buf, sizeof buf,
                "fires=%zu wanted=%d sent_late_ms=%s sent_late_min_ms=%.0f sent_late_max_ms=%.0f sent_late_mean_ms=%.1f "
                "received_late_ms=%s received_late_max_ms=%.0f",
                fires.size(), wanted, each.empty() ? "-" : each.c_str(), min_late, s.max, s.mean,
                each_received.empty() ? "-" : each_received.c_str(), r.max);
  std::fprintf(stderr, "[%s] %s: %zu of %d fires; SentTimestamp − scheduled (ms): %s; received up to %.0f ms late\n",
               FLAGS.label.c_str(), bench.c_str(), fires.size(), wanted, each.c_str(), r.max);
  Result(bench, buf);
}

int BenchRealtime() {
  HttpConn c;
  const std::string rule = Prefix() + "-rt-rule", schedule = Prefix() + "-rt-schedule";
  std::optional<Queue> rq = CreateQueue(c, rule), sq = CreateQueue(c, schedule);
  if (!rq || !sq) return 1;
  const int fires = FLAGS.realtime_fires;
  // Both anchors are taken just before the creating request: the measured lateness includes that
  // request's own latency (well under a millisecond), so it is an upper bound.
  const int64_t rule_anchor = RealtimeMs();
  if (!CreateRule(c, rule, "", "rate(1 minute)", *rq)) return 1;
  const int64_t schedule_anchor = RealtimeMs();
  Response r = Scheduler(c, "POST", "/schedules/" + schedule, ScheduleBody("rate(1 minute)", *sq));
  const bool have_schedule = Ok(r, "CreateSchedule");
  const int64_t deadline = NowNs() + (int64_t{fires} * 60 + 20) * 1000000000LL;
  std::vector<Fire> rule_fires, schedule_fires;
  std::thread schedule_thread;
  // The schedule's first fire is immediate (k = 0): fires k = 0 .. fires-1 take the same time as the rule's.
  if (have_schedule) schedule_thread = std::thread([&] { schedule_fires = CollectFires(*sq, fires + 1, deadline); });
  rule_fires = CollectFires(*rq, fires, deadline);
  if (schedule_thread.joinable()) schedule_thread.join();
  ReportFires("realtime-rule", rule_fires, rule_anchor, 1, fires);
  if (have_schedule) {
    ReportFires("realtime-schedule", schedule_fires, schedule_anchor, 0, fires + 1);
  } else {
    Result("realtime-schedule", "error=CreateSchedule_HTTP_" + std::to_string(r.status));
  }
  DeleteRule(c, rule);
  if (have_schedule) Scheduler(c, "DELETE", "/schedules/" + schedule, "");
  DeleteQueue(c, *rq);
  DeleteQueue(c, *sq);
  return static_cast<int>(rule_fires.size()) != fires;
}

// ------------------------------------------------------------------------------------------------ fsync

int BenchFsync() {
  if (FLAGS.fsync_dir.empty()) {
    std::fprintf(stderr, "fsync: --fsync_dir is required\n");
    return 1;
  }
  const std::string path = FLAGS.fsync_dir + "/eventsbench-fsync.tmp";
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "fsync: cannot create %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  std::string block(4096, 'x');
  std::vector<double> ms;
  const int64_t start = NowNs();
  bool failed = false;
  for (int i = 0; i < FLAGS.samples && !failed; ++i) {
    SleepUntilNs(start + int64_t{i} * FLAGS.interval_ms * 1000000);
    const int64_t t0 = NowNs();
    failed = ::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i % 16) * 4096) != 4096 || ::fdatasync(fd) != 0;
    ms.push_back(static_cast<double>(NowNs() - t0) / 1e6);
  }
  ::close(fd);
  ::unlink(path.c_str());
  Summary s = Summarize(ms);
  char buf[200];
  std::snprintf(buf, sizeof buf, "samples=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f failed=%d", s.n, s.p50, s.p99, s.max,
                failed ? 1 : 0);
  std::fprintf(stderr, "[%s] fsync: 4 KiB write + fdatasync p50 %.2f ms p99 %.2f ms max %.2f ms\n", FLAGS.label.c_str(),
               s.p50, s.p99, s.max);
  Result("fsync", buf);
  return failed;
}

}  // namespace

int main(int argc, char** argv) {
  if (!ParseFlags(argc, argv)) return 2;
  std::signal(SIGPIPE, SIG_IGN);
  int rc = 0;
  size_t start = 0;
  const std::string& list = FLAGS.benchmarks;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string b = list.substr(start, end - start);
    start = end + 1;
    if (b.empty()) continue;
    int r;
    if (b == "put-events") r = BenchPutEvents();
    else if (b == "e2e") r = BenchE2e(true);
    else if (b == "e2e-sqs") r = BenchE2e(false);
    else if (b == "scheduler") r = BenchScheduler();
    else if (b == "clock") r = BenchClock();
    else if (b == "realtime") r = BenchRealtime();
    else if (b == "fsync") r = BenchFsync();
    else {
      std::fprintf(stderr, "unknown benchmark: %s\n", b.c_str());
      r = 2;
    }
    if (r != 0) std::fprintf(stderr, "[%s] %s: errors (rc %d)\n", FLAGS.label.c_str(), b.c_str(), r);
    rc |= r;
  }
  return rc;
}
