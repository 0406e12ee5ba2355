// lambdabench: Eddy's Lambda data plane measured against the bare-process floor, in the same run.
//
// There is no other local Lambda runner to compare with (LocalStack and SAM need Docker), so every Eddy
// figure is paired with the least any process-based Lambda must spend on the same work:
//
//   cold-python, cold-node  Cold Invoke round trip. Each sample changes an environment variable of the
//                           function (UpdateFunctionConfiguration retires its environments), waits
//                           --settle_ms, then invokes once with X-Amz-Log-Type: Tail; the log tail must
//                           carry "Init Duration" (proof of a cold start, and Eddy's own spawn → first
//                           /next time). Floor: posix_spawn of the interpreter importing the same handler
//                           module from the task root, until it writes a byte after the import (its exit
//                           is reported too). Floor and Eddy samples alternate.
//   warm                    Sequential Invoke round trips over one keep-alive connection: p50, p99.
//                           Floor: the same payload through a bare Python child over a socketpair
//                           (lambda_floor.py: read line → json.loads → handler → json.dumps → write), and
//                           the same over TCP loopback ("floor-tcp"), the Runtime API's transport.
//   throughput              Invokes/s with --concurrency connections in flight (closed loop), so Eddy
//                           runs that many environments. Floor: as many bare children, one parent
//                           thread each (socketpair and TCP).
//   esm-latency, esm-throughput  SQS event source mappings (bench/run_esm.sh); see their section below.
//
// Each prints a human line on stderr and "RESULT bench=... side=eddy|floor|floor-tcp key=value ..." lines on stdout
// (bench/run_lambda.sh turns them into the table). The functions must exist; run_lambda.sh creates them.
// Plain POSIX sockets and blocking I/O: one thread per connection is all these workloads need.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// ------------------------------------------------------------------------------------------------ flags

struct Flags {
  std::string host = "127.0.0.1";
  int port = 4566;
  std::string benchmarks = "cold-python,cold-node,warm,throughput";
  int server_pid = 0;
  std::string python = "python3";
  std::string node = "node";
  std::string floor_script = "bench/lambda_floor.py";
  std::string python_root;  // task root holding app.py (handler app.handler)
  std::string node_root;    // task root holding index.js (handler index.handler)
  std::string python_function = "lambdabench-py";
  std::string node_function = "lambdabench-node";
  std::string payload = R"({"id":"lambdabench","n":42,"items":[1,2,3],"text":"hello"})";
  int cold_samples = 30;
  int settle_ms = 50;
  int warm_samples = 5000;
  int warmup_invokes = 300;
  int concurrency = 2;
  double duration = 5;
  double warmup = 1;
  int verbose = 0;
  // SQS event source mappings (esm-latency, esm-throughput)
  std::string esm_latency_function = "esmbench-lat";     // records "<tag> <start - sent ns>" per message
  std::string esm_throughput_function = "esmbench-tput";  // records "<messages> <start ns>" per invoke
  std::string esm_latency_file;
  std::string esm_throughput_file;
  std::string esm_rates = "100,1000";
  double esm_rate_duration = 10;
  double esm_rate_warmup = 2;
  int esm_senders = 4;
  std::string esm_batch_sizes = "10,100";
  int esm_prefill = 50000;
  int esm_window_s = 1;  // MaximumBatchingWindowInSeconds for BatchSize > 10
};

Flags FLAGS;

void Usage() {
  std::fprintf(stderr,
               "lambdabench [--flag=value ...]\n"
               "  --host=127.0.0.1 --port=4566 --server_pid=PID (Eddy; CPU per invoke from /proc)\n"
               "  --benchmarks=cold-python,cold-node,warm,throughput\n"
               "  --python=python3 --node=node (the interpreters Eddy was told to use)\n"
               "  --python_root=DIR (app.py) --node_root=DIR (index.js) --floor_script=bench/lambda_floor.py\n"
               "  --python_function=lambdabench-py --node_function=lambdabench-node --payload=JSON\n"
               "  --cold_samples=30 --settle_ms=50 (cold-*)  --warm_samples=5000 --warmup_invokes=300 (warm)\n"
               "  --concurrency=2 --duration=5 --warmup=1 (throughput)  --verbose=0\n"
               "  esm-latency: --esm_latency_function=esmbench-lat --esm_latency_file=PATH --esm_rates=100,1000\n"
               "    --esm_rate_duration=10 --esm_rate_warmup=2 --esm_senders=4\n"
               "  esm-throughput: --esm_throughput_function=esmbench-tput --esm_throughput_file=PATH\n"
               "    --esm_batch_sizes=10,100 --esm_prefill=50000 --esm_window_s=1\n");
}

bool ParseFlags(int argc, char** argv) {
  struct Spec {
    const char* name;
    std::string* s;
    int* i;
    double* d;
  };
  const Spec specs[] = {
      {"host", &FLAGS.host, nullptr, nullptr},
      {"port", nullptr, &FLAGS.port, nullptr},
      {"benchmarks", &FLAGS.benchmarks, nullptr, nullptr},
      {"server_pid", nullptr, &FLAGS.server_pid, nullptr},
      {"python", &FLAGS.python, nullptr, nullptr},
      {"node", &FLAGS.node, nullptr, nullptr},
      {"floor_script", &FLAGS.floor_script, nullptr, nullptr},
      {"python_root", &FLAGS.python_root, nullptr, nullptr},
      {"node_root", &FLAGS.node_root, nullptr, nullptr},
      {"python_function", &FLAGS.python_function, nullptr, nullptr},
      {"node_function", &FLAGS.node_function, nullptr, nullptr},
      {"payload", &FLAGS.payload, nullptr, nullptr},
      {"cold_samples", nullptr, &FLAGS.cold_samples, nullptr},
      {"settle_ms", nullptr, &FLAGS.settle_ms, nullptr},
      {"warm_samples", nullptr, &FLAGS.warm_samples, nullptr},
      {"warmup_invokes", nullptr, &FLAGS.warmup_invokes, nullptr},
      {"concurrency", nullptr, &FLAGS.concurrency, nullptr},
      {"duration", nullptr, nullptr, &FLAGS.duration},
      {"warmup", nullptr, nullptr, &FLAGS.warmup},
      {"verbose", nullptr, &FLAGS.verbose, nullptr},
      {"esm_latency_function", &FLAGS.esm_latency_function, nullptr, nullptr},
      {"esm_throughput_function", &FLAGS.esm_throughput_function, nullptr, nullptr},
      {"esm_latency_file", &FLAGS.esm_latency_file, nullptr, nullptr},
      {"esm_throughput_file", &FLAGS.esm_throughput_file, nullptr, nullptr},
      {"esm_rates", &FLAGS.esm_rates, nullptr, nullptr},
      {"esm_rate_duration", nullptr, nullptr, &FLAGS.esm_rate_duration},
      {"esm_rate_warmup", nullptr, nullptr, &FLAGS.esm_rate_warmup},
      {"esm_senders", nullptr, &FLAGS.esm_senders, nullptr},
      {"esm_batch_sizes", &FLAGS.esm_batch_sizes, nullptr, nullptr},
      {"esm_prefill", nullptr, &FLAGS.esm_prefill, nullptr},
      {"esm_window_s", nullptr, &FLAGS.esm_window_s, nullptr},
  };
  for (int a = 1; a < argc; ++a) {
    std::string_view arg = argv[a];
    if (arg == "--help" || arg == "-h") {
      Usage();
      std::exit(0);
    }
    size_t eq = arg.find('=');
    bool matched = false;
    if (arg.starts_with("--") && eq != std::string_view::npos) {
      std::string_view name = arg.substr(2, eq - 2);
      std::string value(arg.substr(eq + 1));
      for (const Spec& s : specs) {
        if (name != s.name) continue;
        if (s.s) *s.s = value;
        if (s.i) *s.i = std::atoi(value.c_str());
        if (s.d) *s.d = std::atof(value.c_str());
        matched = true;
      }
    }
    if (!matched) {
      std::fprintf(stderr, "unknown flag: %s\n", argv[a]);
      Usage();
      return false;
    }
  }
  FLAGS.concurrency = std::max(1, FLAGS.concurrency);
  FLAGS.cold_samples = std::max(1, FLAGS.cold_samples);
  FLAGS.warm_samples = std::max(1, FLAGS.warm_samples);
  return true;
}

// ------------------------------------------------------------------------------------------------ time, cpu

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void SleepMs(double ms) { std::this_thread::sleep_for(std::chrono::microseconds(int64_t(ms * 1000))); }

int64_t SelfCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

bool ReadFile(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return false;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  std::fclose(f);
  return true;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// CPU of a process (sum of its live threads' schedstat, ns resolution) and of its child processes
// (recursively): for Eddy, the server and its runtime processes; for the bench, the floor children.
struct TreeCpu {
  int64_t self_ns = 0;
  int64_t children_ns = 0;
};

int64_t ProcessCpuNs(int pid, std::vector<int>* children) {
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  int64_t sum = 0;
  std::string s;
  if (DIR* d = opendir(task_dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::string t = task_dir + "/" + e->d_name;
      if (ReadFile(t + "/schedstat", &s)) sum += std::strtoll(s.c_str(), nullptr, 10);
      if (children && ReadFile(t + "/children", &s)) {
        for (const std::string& c : Split(s, ' ')) {
          if (int child = std::atoi(c.c_str()); child > 0) children->push_back(child);
        }
      }
    }
    closedir(d);
  }
  return sum;
}

TreeCpu ReadTreeCpu(int pid) {
  TreeCpu cpu;
  if (pid <= 0) return cpu;
  std::vector<int> pending;
  cpu.self_ns = ProcessCpuNs(pid, &pending);
  while (!pending.empty()) {
    int child = pending.back();
    pending.pop_back();
    cpu.children_ns += ProcessCpuNs(child, &pending);
  }
  return cpu;
}

// ------------------------------------------------------------------------------------------------ statistics

struct Summary {
  size_t n = 0;
  double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles of values in ms.
Summary Summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto rank = [&](double p) {
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
    return v[std::clamp<size_t>(i, 1, v.size()) - 1];
  };
  s.n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.p50 = rank(50);
  s.p90 = rank(90);
  s.p99 = rank(99);
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  return s;
}

std::string SummaryKv(const Summary& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "n=%zu min_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f",
                s.n, s.min, s.p50, s.p90, s.p99, s.max, s.mean);
  return buf;
}

// ------------------------------------------------------------------------------------------------ HTTP client

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Response {
  int status = 0;  // 0 = transport failure
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  const std::string* header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

// One keep-alive HTTP/1.1 connection with blocking I/O; reconnects when the server closed it.
class HttpConn {
 public:
  ~HttpConn() { Close(); }

  Response Call(std::string_view method, std::string_view path, std::string_view body,
                std::string_view extra_headers = {}, std::string_view content_type = "application/json") {
    std::string req;
    req.reserve(256 + body.size());
    req.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(FLAGS.host);
    req.append(":").append(std::to_string(FLAGS.port));
    // Eddy does not verify SigV4 (yet), but real clients always sign.
    req.append(
        "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, "
        "SignedHeaders=host, Signature=0\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Type: ");
    req.append(content_type).append("\r\n");
    req.append(extra_headers);
    req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !Connect()) return {};
      bool fresh = !used_;
      used_ = true;
      Response r;
      if (SendAll(req) && Read(&r)) return r;
      Close();
      if (fresh) break;  // a new connection failed: do not retry (the request may have run)
    }
    return {};
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(FLAGS.port));
    inet_pton(AF_INET, FLAGS.host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    used_ = false;
    return true;
  }

  bool SendAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  bool Fill() {
    char tmp[16384];
    for (;;) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
  }

  // Reads one response (Content-Length or chunked body) from buf_ and the socket.
  bool Read(Response* r) {
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    std::string_view head(buf_.data(), head_end);
    if (head.size() < 12 || !head.starts_with("HTTP/1.")) return false;
    r->status = std::atoi(std::string(head.substr(9, 3)).c_str());
    bool chunked = false, close_after = false;
    size_t content_length = 0;
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string_view line = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name = Lower(line.substr(0, colon));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (name == "content-length") content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
        if (name == "transfer-encoding" && Lower(value).find("chunked") != std::string::npos) chunked = true;
        if (name == "connection" && Lower(value) == "close") close_after = true;
        r->headers.emplace_back(std::move(name), std::string(value));
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
        if (size == 0) break;  // (no trailers from Eddy)
      }
      buf_.erase(0, at);
    }
    if (close_after) Close();
    return true;
  }

  int fd_ = -1;
  bool used_ = false;
  std::string buf_;
};

std::string InvokePath(const std::string& function) { return "/2015-03-31/functions/" + function + "/invocations"; }

std::string OneLine(std::string_view s) {
  std::string out(s.substr(0, 300));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// A successful synchronous invoke: 200 and no X-Amz-Function-Error.
bool InvokeOk(const Response& r, std::string* why) {
  if (r.status == 200 && !r.header("x-amz-function-error")) return true;
  if (why) {
    const std::string* fe = r.header("x-amz-function-error");
    *why = "status " + std::to_string(r.status) + (fe ? " function error " + *fe : "") + ": " + OneLine(r.body);
  }
  return false;
}

std::string Base64Decode(std::string_view in) {
  std::string out(in.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

// "Init Duration: 41.23 ms" from the REPORT line of a log tail; -1 when absent (the invoke was warm).
double InitDurationMs(const Response& r) {
  const std::string* tail = r.header("x-amz-log-result");
  if (!tail) return -1;
  std::string log = Base64Decode(*tail);
  size_t p = log.find("Init Duration: ");
  return p == std::string::npos ? -1 : std::atof(log.c_str() + p + 15);
}

// ------------------------------------------------------------------------------------------------ processes

struct SpawnedChild {
  pid_t pid = -1;
  int fd = -1;  // our end of the child's socket; -1 when the child has no socket
};

// The environment of floor processes: what Eddy gives a runtime besides the AWS_* and LAMBDA_* variables,
// and nothing of ours. Inherited variables would skew the floor (NODE_EXTRA_CA_CERTS alone makes Node load
// a CA bundle at start-up, tens of ms; PYTHONDONTWRITEBYTECODE disables the handler's bytecode cache).
std::vector<char*> FloorEnvironment() {
  static std::vector<std::string> vars;
  static std::vector<char*> envp;
  if (envp.empty()) {
    const char* path = std::getenv("PATH");
    vars = {std::string("PATH=") + (path ? path : "/usr/local/bin:/usr/bin:/bin"), "LANG=en_US.UTF-8", "TZ=:UTC"};
    for (std::string& v : vars) envp.push_back(v.data());
    envp.push_back(nullptr);
  }
  return envp;
}

// posix_spawnp with cwd and stdio set up the way Eddy starts a runtime (see src/lambda/runtime/process.cc):
// stdin and stdout on the given descriptors (-1: /dev/null); stderr to /dev/null.
pid_t Spawn(const std::vector<std::string>& args, const std::string& cwd, int in_fd, int out_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  std::vector<char*> envp = FloorEnvironment();
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "spawn %s: %s\n", args[0].c_str(), std::strerror(rc));
    return -1;
  }
  return pid;
}

// One floor start: posix_spawn until the process writes its first byte to stdout (it does so right after
// importing the handler module: the interpreter is ready to run the handler), and until it exited.
struct StartTimes {
  double ready_ms = -1;  // -1: the process failed
  double exit_ms = -1;
};

StartTimes SpawnUntilReady(const std::vector<std::string>& args, const std::string& cwd) {
  StartTimes times;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return times;
  int64_t t0 = NowNs();
  pid_t pid = Spawn(args, cwd, -1, out[1]);
  ::close(out[1]);
  if (pid < 0) {
    ::close(out[0]);
    return times;
  }
  char byte;
  ssize_t n;
  while ((n = ::read(out[0], &byte, 1)) < 0 && errno == EINTR) {
  }
  int64_t t_ready = NowNs();
  ::close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int64_t t_exit = NowNs();
  if (n != 1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return times;
  times.ready_ms = static_cast<double>(t_ready - t0) / 1e6;
  times.exit_ms = static_cast<double>(t_exit - t0) / 1e6;
  return times;
}

// A connected pair of TCP loopback sockets (TCP_NODELAY, close-on-exec): the transport the Runtime API
// must use, for a second floor that separates what TCP costs on this kernel from what Eddy adds.
bool TcpPair(int sv[2]) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool ok = listener >= 0 && ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::listen(listener, 1) == 0 && ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  sv[0] = sv[1] = -1;
  if (ok) {
    sv[0] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ok = sv[0] >= 0 && ::connect(sv[0], reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
         (sv[1] = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;
  }
  if (listener >= 0) ::close(listener);
  if (!ok) {
    if (sv[0] >= 0) ::close(sv[0]);
    return false;
  }
  int one = 1;
  setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

// A bare Python child running lambda_floor.py with its stdin and stdout on one end of a socketpair (or,
// with `tcp`, of a TCP loopback connection).
SpawnedChild StartFloorChild(bool tcp) {
  int sv[2];
  if (tcp ? !TcpPair(sv) : socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return {};
  SpawnedChild c;
  c.pid = Spawn({FLAGS.python, FLAGS.floor_script, FLAGS.python_root}, FLAGS.python_root, sv[1], sv[1]);
  ::close(sv[1]);
  if (c.pid < 0) {
    ::close(sv[0]);
    return {};
  }
  c.fd = sv[0];
  return c;
}

void StopFloorChild(SpawnedChild& c) {
  if (c.fd >= 0) ::close(c.fd);  // EOF ends the child's loop
  if (c.pid > 0) {
    int status;
    while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  c = {};
}

// One floor round trip: write the payload line, read the answer line. `buf` holds bytes read ahead.
bool FloorRoundTrip(int fd, const std::string& line, std::string* buf, std::string* answer) {
  std::string_view out = line;
  while (!out.empty()) {
    ssize_t n = ::write(fd, out.data(), out.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out.remove_prefix(static_cast<size_t>(n));
  }
  size_t eol;
  while ((eol = buf->find('\n')) == std::string::npos) {
    char tmp[16384];
    ssize_t n = ::read(fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf->append(tmp, static_cast<size_t>(n));
  }
  answer->assign(*buf, 0, eol);
  buf->erase(0, eol + 1);
  return true;
}

// ------------------------------------------------------------------------------------------------ output

void Result(const std::string& bench, const std::string& side, const std::string& kv) {
  std::printf("RESULT bench=%s side=%s %s\n", bench.c_str(), side.c_str(), kv.c_str());
  std::fflush(stdout);
}

void Human(const std::string& bench, const std::string& side, const Summary& s, const std::string& extra = "") {
  std::fprintf(stderr, "%-12s %-9s n=%zu p50 %.3f ms  p90 %.3f  p99 %.3f  min %.3f  max %.3f  mean %.3f%s\n",
               bench.c_str(), side.c_str(), s.n, s.p50, s.p90, s.p99, s.min, s.max, s.mean, extra.c_str());
}

// ------------------------------------------------------------------------------------------------ cold start

int BenchCold(bool python) {
  const std::string bench = python ? "cold-python" : "cold-node";
  const std::string& function = python ? FLAGS.python_function : FLAGS.node_function;
  const std::string& root = python ? FLAGS.python_root : FLAGS.node_root;
  // The floor: interpreter start-up plus importing the handler module, then one byte to say so. Timed to
  // that byte, not to exit: Eddy's round trip ends before its runtime would tear an interpreter down.
  const std::vector<std::string> floor_args =
      python ? std::vector<std::string>{FLAGS.python, "-c", "import app, os; os.write(1, b'.')"}
             : std::vector<std::string>{FLAGS.node, "-e", "require('./index.js'); require('fs').writeSync(1, '.')"};
  HttpConn conn;
  // `added`: each Eddy sample minus the floor sample taken just before it; its median is robust to the
  // machine's load drifting during the run.
  std::vector<double> eddy, floor, floor_exit, init, added;
  int errors = 0, not_cold = 0;
  std::string why;
  for (int i = 0; i < FLAGS.cold_samples; ++i) {
    StartTimes ft = SpawnUntilReady(floor_args, root);
    const double f = ft.ready_ms;
    if (f < 0) {
      ++errors;
      std::fprintf(stderr, "%s: floor process failed\n", bench.c_str());
    } else {
      floor.push_back(f);
      floor_exit.push_back(ft.exit_ms);
    }

    // A new configuration: Eddy retires the function's environments, so the next invoke starts one.
    std::string config = R"({"Environment":{"Variables":{"LAMBDABENCH_SAMPLE":")" + std::to_string(i) + "\"}}}";
    Response u = conn.Call("PUT", "/2015-03-31/functions/" + function + "/configuration", config);
    if (u.status != 200) {
      ++errors;
      std::fprintf(stderr, "%s: UpdateFunctionConfiguration: status %d: %s\n", bench.c_str(), u.status,
                   OneLine(u.body).c_str());
      continue;
    }
    SleepMs(FLAGS.settle_ms);  // let the retired environment exit before the clock starts
    int64_t t0 = NowNs();
    Response r = conn.Call("POST", InvokePath(function), FLAGS.payload, "X-Amz-Log-Type: Tail\r\n");
    int64_t t1 = NowNs();
    if (!InvokeOk(r, &why)) {
      ++errors;
      if (errors <= 3) std::fprintf(stderr, "%s: invoke failed: %s\n", bench.c_str(), why.c_str());
      continue;
    }
    double init_ms = InitDurationMs(r);
    if (init_ms < 0) {
      ++not_cold;  // served warm: not a cold sample
      continue;
    }
    eddy.push_back(static_cast<double>(t1 - t0) / 1e6);
    init.push_back(init_ms);
    if (f >= 0) added.push_back(eddy.back() - f);
    if (FLAGS.verbose) {
      std::fprintf(stderr, "%s sample %d: floor %.2f ms, eddy %.2f ms (init %.2f ms)\n", bench.c_str(), i, f,
                   eddy.back(), init_ms);
    }
  }
  Summary e = Summarize(eddy), fl = Summarize(floor), in = Summarize(init), ad = Summarize(added);
  char extra[200];
  std::snprintf(extra, sizeof extra,
                " (paired eddy - floor p50 %.2f ms; Eddy's Init Duration p50 %.2f ms; %d errors, %d not cold)",
                ad.p50, in.p50, errors, not_cold);
  Summary fx = Summarize(floor_exit);
  Human(bench, "eddy", e, extra);
  Human(bench, "floor", fl, " (to exit: p50 " + std::to_string(fx.p50) + " ms)");
  char kv[200];
  std::snprintf(kv, sizeof kv,
                " added_p50_ms=%.3f added_mean_ms=%.3f init_p50_ms=%.3f init_mean_ms=%.3f errors=%d not_cold=%d",
                ad.p50, ad.mean, in.p50, in.mean, errors, not_cold);
  Result(bench, "eddy", SummaryKv(e) + kv);
  char fkv[96];
  std::snprintf(fkv, sizeof fkv, " exit_p50_ms=%.3f exit_mean_ms=%.3f errors=0", fx.p50, fx.mean);
  Result(bench, "floor", SummaryKv(fl) + fkv);
  return errors == 0 && not_cold == 0 ? 0 : 1;
}

// ------------------------------------------------------------------------------------------------ warm

// The warm floor: one bare child, sequential round trips; side "floor" (socketpair) or "floor-tcp".
int WarmFloor(bool tcp) {
  const std::string bench = "warm", side = tcp ? "floor-tcp" : "floor";
  SpawnedChild child = StartFloorChild(tcp);
  if (child.pid < 0) {
    std::fprintf(stderr, "warm: cannot start the floor child\n");
    return 1;
  }
  const std::string line = FLAGS.payload + "\n";
  std::string buf, answer;
  std::vector<double> floor;
  floor.reserve(static_cast<size_t>(FLAGS.warm_samples));
  int errors = 0;
  TreeCpu cpu0{};
  int64_t self0 = 0;
  for (int i = -FLAGS.warmup_invokes; i < FLAGS.warm_samples; ++i) {
    if (i == 0) {
      cpu0 = ReadTreeCpu(getpid());
      self0 = SelfCpuNs();
    }
    int64_t t0 = NowNs();
    bool ok = FloorRoundTrip(child.fd, line, &buf, &answer);
    int64_t t1 = NowNs();
    if (!ok || answer.find("lambdabench") == std::string::npos) {
      ++errors;
      std::fprintf(stderr, "warm: %s round trip failed\n", side.c_str());
      break;
    }
    if (i >= 0) floor.push_back(static_cast<double>(t1 - t0) / 1e6);
  }
  TreeCpu cpu1 = ReadTreeCpu(getpid());
  int64_t self1 = SelfCpuNs();
  StopFloorChild(child);
  Summary s = Summarize(floor);
  double n = static_cast<double>(std::max<size_t>(1, s.n));
  char extra[200];
  std::snprintf(extra, sizeof extra, " errors=%d runtime_cpu_us=%.1f client_cpu_us=%.1f", errors,
                static_cast<double>(cpu1.children_ns - cpu0.children_ns) / 1e3 / n,
                static_cast<double>(self1 - self0) / 1e3 / n);
  Human(bench, side, s, std::string(" |") + extra);
  Result(bench, side, SummaryKv(s) + extra);
  return errors;
}

int BenchWarm() {
  const std::string bench = "warm";
  int errors = 0;
  std::string why;
  // Eddy: one keep-alive connection, sequential.
  std::vector<double> eddy;
  {
    HttpConn conn;
    const std::string path = InvokePath(FLAGS.python_function);
    std::string first_body;
    eddy.reserve(static_cast<size_t>(FLAGS.warm_samples));
    TreeCpu cpu0{};
    int64_t self0 = 0;
    for (int i = -FLAGS.warmup_invokes; i < FLAGS.warm_samples; ++i) {
      if (i == 0) {
        cpu0 = ReadTreeCpu(FLAGS.server_pid);
        self0 = SelfCpuNs();
      }
      int64_t t0 = NowNs();
      Response r = conn.Call("POST", path, FLAGS.payload);
      int64_t t1 = NowNs();
      if (!InvokeOk(r, &why)) {
        if (++errors <= 3) std::fprintf(stderr, "warm: invoke failed: %s\n", why.c_str());
        if (r.status == 0) break;
        continue;
      }
      if (first_body.empty()) {
        first_body = r.body;
        if (first_body.find("lambdabench") == std::string::npos) {
          std::fprintf(stderr, "warm: the handler did not echo the payload: %s\n", OneLine(r.body).c_str());
          ++errors;
        }
      } else if (r.body != first_body) {
        ++errors;
      }
      if (i >= 0) eddy.push_back(static_cast<double>(t1 - t0) / 1e6);
    }
    TreeCpu cpu1 = ReadTreeCpu(FLAGS.server_pid);
    int64_t self1 = SelfCpuNs();
    Summary s = Summarize(eddy);
    double n = static_cast<double>(std::max<size_t>(1, s.n));
    double server_us = static_cast<double>(cpu1.self_ns - cpu0.self_ns) / 1e3 / n;
    double runtime_us = static_cast<double>(cpu1.children_ns - cpu0.children_ns) / 1e3 / n;
    double client_us = static_cast<double>(self1 - self0) / 1e3 / n;
    char extra[200];
    std::snprintf(extra, sizeof extra,
                  " errors=%d server_cpu_us=%.1f runtime_cpu_us=%.1f client_cpu_us=%.1f", errors, server_us,
                  runtime_us, client_us);
    Human(bench, "eddy", s, std::string(" |") + extra);
    Result(bench, "eddy", SummaryKv(s) + extra);
  }
  errors += WarmFloor(false);  // the floor of the table
  errors += WarmFloor(true);   // the same over TCP loopback, the Runtime API's transport
  return errors == 0 ? 0 : 1;
}

// ------------------------------------------------------------------------------------------------ throughput

// Runs `work(worker)` closed-loop on --concurrency threads: --warmup seconds, then --duration measured.
// Returns invokes/s in the measured window; CPU figures per invoke go into `kv`.
template <typename Work>
double ClosedLoop(int cpu_pid, Work work, std::atomic<int64_t>* errors, std::string* kv) {
  std::vector<std::atomic<int64_t>> done(static_cast<size_t>(FLAGS.concurrency));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < FLAGS.concurrency; ++w) {
    threads.emplace_back([&, w] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (work(w)) {
          done[static_cast<size_t>(w)].fetch_add(1, std::memory_order_relaxed);
        } else if (errors->fetch_add(1) > 1000) {
          break;
        }
      }
    });
  }
  auto total = [&] {
    int64_t sum = 0;
    for (auto& d : done) sum += d.load();
    return sum;
  };
  SleepMs(FLAGS.warmup * 1000);
  int64_t n0 = total(), t0 = NowNs(), self0 = SelfCpuNs();
  TreeCpu cpu0 = ReadTreeCpu(cpu_pid);
  SleepMs(FLAGS.duration * 1000);
  int64_t n1 = total(), t1 = NowNs(), self1 = SelfCpuNs();
  TreeCpu cpu1 = ReadTreeCpu(cpu_pid);
  stop = true;
  for (auto& t : threads) t.join();
  double n = static_cast<double>(std::max<int64_t>(1, n1 - n0));
  char buf[200];
  // For the floor `cpu_pid` is the bench itself: its "server" CPU is the parent threads (= client CPU).
  std::snprintf(buf, sizeof buf, "invokes=%lld server_cpu_us=%.1f runtime_cpu_us=%.1f client_cpu_us=%.1f",
                static_cast<long long>(n1 - n0), static_cast<double>(cpu1.self_ns - cpu0.self_ns) / 1e3 / n,
                static_cast<double>(cpu1.children_ns - cpu0.children_ns) / 1e3 / n,
                static_cast<double>(self1 - self0) / 1e3 / n);
  *kv = buf;
  return static_cast<double>(n1 - n0) / (static_cast<double>(t1 - t0) / 1e9);
}

// The throughput floor: --concurrency bare children, one parent thread each; side "floor" or "floor-tcp".
int ThroughputFloor(bool tcp) {
  const std::string bench = "throughput", side = tcp ? "floor-tcp" : "floor";
  std::vector<SpawnedChild> children;
  for (int w = 0; w < FLAGS.concurrency; ++w) {
    children.push_back(StartFloorChild(tcp));
    if (children.back().pid < 0) {
      std::fprintf(stderr, "throughput: cannot start a floor child\n");
      for (auto& c : children) StopFloorChild(c);
      return 1;
    }
  }
  std::vector<std::string> bufs(children.size()), answers(children.size());
  const std::string line = FLAGS.payload + "\n";
  std::atomic<int64_t> errors{0};
  std::string kv;
  double rate = ClosedLoop(
      getpid(),
      [&](int w) {
        size_t i = static_cast<size_t>(w);
        return FloorRoundTrip(children[i].fd, line, &bufs[i], &answers[i]);
      },
      &errors, &kv);
  for (auto& c : children) StopFloorChild(c);
  std::fprintf(stderr, "%-12s %-9s %.0f round trips/s with %d children | %s errors=%lld\n", bench.c_str(),
               side.c_str(), rate, FLAGS.concurrency, kv.c_str(), static_cast<long long>(errors.load()));
  char head[96];
  std::snprintf(head, sizeof head, "concurrency=%d per_s=%.1f errors=%lld ", FLAGS.concurrency, rate,
                static_cast<long long>(errors.load()));
  Result(bench, side, head + kv);
  return errors.load() != 0;
}

int BenchThroughput() {
  const std::string bench = "throughput";
  int rc = 0;
  {
    std::vector<HttpConn> conns(static_cast<size_t>(FLAGS.concurrency));
    const std::string path = InvokePath(FLAGS.python_function);
    std::atomic<int64_t> errors{0};
    std::string kv;
    double rate = ClosedLoop(
        FLAGS.server_pid,
        [&](int w) {
          Response r = conns[static_cast<size_t>(w)].Call("POST", path, FLAGS.payload);
          std::string why;
          if (InvokeOk(r, &why)) return true;
          if (errors.load() < 3) std::fprintf(stderr, "throughput: invoke failed: %s\n", why.c_str());
          return false;
        },
        &errors, &kv);
    std::fprintf(stderr, "%-12s eddy      %.0f invokes/s with %d in flight | %s errors=%lld\n", bench.c_str(), rate,
                 FLAGS.concurrency, kv.c_str(), static_cast<long long>(errors.load()));
    char head[96];
    std::snprintf(head, sizeof head, "concurrency=%d per_s=%.1f errors=%lld ", FLAGS.concurrency, rate,
                  static_cast<long long>(errors.load()));
    Result(bench, "eddy", head + kv);
    rc |= errors.load() != 0;
  }
  rc |= ThroughputFloor(false);
  rc |= ThroughputFloor(true);
  return rc;
}

// ------------------------------------------------------------------------------------------------ SQS event source mappings
//
//   esm-latency     Open loop: --esm_senders threads SendMessage at a fixed total rate (message i is due at
//                   t0 + i/rate), each body "<tag> <CLOCK_REALTIME ns just before the send>". The mapped
//                   Python function appends "<tag> <time.time_ns() at handler start − sent>" per record to
//                   --esm_latency_file. Per rate: --esm_rate_warmup s (tag "w": cold start, consumers and
//                   environments settle), then --esm_rate_duration s measured. Floor in the same run, same
//                   sender: one client long-polling ReceiveMessage (10 messages, 20 s) on another queue,
//                   timed when its response has arrived, then DeleteMessageBatch, as the poller does.
//   esm-throughput  Per BatchSize: prefill --esm_prefill messages (SendMessageBatch), create the mapping,
//                   time until ApproximateNumberOfMessages + NotVisible = 0 (polled every 5 ms). The handler
//                   appends "<records> <start ns>" per invoke, which gives the steady rate between 5 % and
//                   95 % of the messages (the drain time also holds the cold start and the last batching
//                   window).

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

Response SqsCall(HttpConn& conn, std::string_view action, std::string_view body) {
  std::string target = "X-Amz-Target: AmazonSQS." + std::string(action) + "\r\n";
  return conn.Call("POST", "/", body, target, "application/x-amz-json-1.0");
}

// The string value of the next "key":"..." at or after *pos (Eddy's JSON has no spaces there); advances
// *pos past it. Handles the escapes a queue URL, receipt handle or our bodies can carry.
bool NextJsonString(const std::string& json, std::string_view key, size_t* pos, std::string* value) {
  std::string needle = "\"" + std::string(key) + "\":\"";
  size_t at = json.find(needle, *pos);
  if (at == std::string::npos) return false;
  value->clear();
  size_t i = at + needle.size();
  for (; i < json.size() && json[i] != '"'; ++i) {
    if (json[i] == '\\' && i + 1 < json.size()) {
      ++i;
      if (json[i] == 'u' && i + 4 < json.size()) {  // only ASCII escapes occur here
        value->push_back(static_cast<char>(std::strtol(json.substr(i + 1, 4).c_str(), nullptr, 16)));
        i += 4;
        continue;
      }
    }
    value->push_back(json[i]);
  }
  *pos = i + 1;
  return true;
}

std::string JsonField(const std::string& json, std::string_view key) {
  size_t pos = 0;
  std::string v;
  return NextJsonString(json, key, &pos, &v) ? v : std::string();
}

bool SqsOk(const Response& r, std::string_view what) {
  if (r.status == 200) return true;
  std::fprintf(stderr, "%.*s: HTTP %d %s\n", static_cast<int>(what.size()), what.data(), r.status,
               OneLine(r.body).c_str());
  return false;
}

struct EsmQueue {
  std::string url, arn;
};

std::optional<EsmQueue> CreateEsmQueue(HttpConn& conn, const std::string& name) {
  Response r = SqsCall(conn, "CreateQueue", R"({"QueueName":")" + name + R"("})");
  if (!SqsOk(r, "CreateQueue " + name)) return std::nullopt;
  EsmQueue q;
  q.url = JsonField(r.body, "QueueUrl");
  r = SqsCall(conn, "GetQueueAttributes", R"({"QueueUrl":")" + q.url + R"(","AttributeNames":["QueueArn"]})");
  if (!SqsOk(r, "GetQueueAttributes")) return std::nullopt;
  q.arn = JsonField(r.body, "QueueArn");
  return q;
}

std::string CreateMapping(HttpConn& conn, const std::string& function, const std::string& arn, int batch_size,
                          int window_s) {
  char body[512];
  std::snprintf(body, sizeof body,
                R"({"FunctionName":"%s","EventSourceArn":"%s","BatchSize":%d,"MaximumBatchingWindowInSeconds":%d})",
                function.c_str(), arn.c_str(), batch_size, window_s);
  Response r = conn.Call("POST", "/2015-03-31/event-source-mappings", body);
  if (r.status != 202) {
    std::fprintf(stderr, "CreateEventSourceMapping: HTTP %d %s\n", r.status, OneLine(r.body).c_str());
    return {};
  }
  return JsonField(r.body, "UUID");
}

void DeleteMapping(HttpConn& conn, const std::string& uuid) {
  if (!uuid.empty()) conn.Call("DELETE", "/2015-03-31/event-source-mappings/" + uuid, "");
}

struct SendStats {
  int64_t sent = 0;
  int64_t errors = 0;
  double achieved_per_s = 0;
  double max_late_ms = 0;  // how far behind schedule a send started (open loop kept?)
};

// Open loop at `rate` msgs/s for `seconds`; sender threads take turns (message i goes to thread i % senders).
SendStats SendAtRate(const std::string& queue_url, double rate, double seconds, const std::string& tag) {
  const int senders = std::max(1, FLAGS.esm_senders);
  const int64_t total = static_cast<int64_t>(rate * seconds);
  const int64_t interval_ns = static_cast<int64_t>(1e9 / rate);
  std::atomic<int64_t> sent{0}, errors{0}, max_late_ns{0}, last_ns{0};
  const int64_t t0 = NowNs() + 2'000'000;
  std::vector<std::thread> threads;
  for (int k = 0; k < senders; ++k) {
    threads.emplace_back([&, k] {
      HttpConn conn;
      const std::string prefix = R"({"QueueUrl":")" + queue_url + R"(","MessageBody":")" + tag + " ";
      for (int64_t i = k; i < total; i += senders) {
        const int64_t due = t0 + i * interval_ns;
        timespec ts{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        const int64_t late = NowNs() - due;
        int64_t seen = max_late_ns.load();
        while (late > seen && !max_late_ns.compare_exchange_weak(seen, late)) {
        }
        std::string body = prefix + std::to_string(RealtimeNs()) + "\"}";
        Response r = SqsCall(conn, "SendMessage", body);
        if (r.status == 200) {
          sent.fetch_add(1);
        } else if (errors.fetch_add(1) < 3) {
          std::fprintf(stderr, "SendMessage: HTTP %d %s\n", r.status, OneLine(r.body).c_str());
        }
        last_ns.store(std::max(last_ns.load(), NowNs()));
      }
    });
  }
  for (auto& t : threads) t.join();
  SendStats s;
  s.sent = sent.load();
  s.errors = errors.load();
  s.achieved_per_s = static_cast<double>(s.sent) / (static_cast<double>(last_ns.load() - t0) / 1e9);
  s.max_late_ms = static_cast<double>(max_late_ns.load()) / 1e6;
  return s;
}

// Latencies (ms) of `tag` lines in a "<tag> <ns>" file; waits until `expected` are there or `timeout_s`.
std::vector<double> ReadTaggedLatencies(const std::string& path, const std::string& tag, int64_t expected,
                                        double timeout_s) {
  std::vector<double> out;
  const int64_t deadline = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
  std::string text;
  for (;;) {
    out.clear();
    if (ReadFile(path, &text)) {
      for (const std::string& line : Split(text, '\n')) {
        size_t sp = line.find(' ');
        if (sp == std::string::npos || std::string_view(line).substr(0, sp) != tag) continue;
        out.push_back(std::strtod(line.c_str() + sp + 1, nullptr) / 1e6);
      }
    }
    if (static_cast<int64_t>(out.size()) >= expected || NowNs() > deadline) return out;
    SleepMs(20);
  }
}

// The floor: one long-polling receiver, woken by each send, timed when its response has arrived.
class FloorReceiver {
 public:
  explicit FloorReceiver(std::string queue_url) : url_(std::move(queue_url)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~FloorReceiver() { Stop(); }

  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    HttpConn conn;  // wake the parked receive
    SqsCall(conn, "SendMessage", R"({"QueueUrl":")" + url_ + R"(","MessageBody":"x 0"})");
    thread_.join();
  }

  std::vector<double> Take(const std::string& tag, int64_t expected, double timeout_s) {
    const int64_t deadline = NowNs() + static_cast<int64_t>(timeout_s * 1e9);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        auto& v = by_tag_[tag];
        if (static_cast<int64_t>(v.size()) >= expected || NowNs() > deadline) return v;
      }
      SleepMs(20);
    }
  }

 private:
  void Run() {
    HttpConn conn;
    const std::string receive =
        R"({"QueueUrl":")" + url_ + R"(","MaxNumberOfMessages":10,"WaitTimeSeconds":20})";
    while (!stop_) {
      Response r = SqsCall(conn, "ReceiveMessage", receive);
      const int64_t now = RealtimeNs();
      if (r.status != 200) {
        SleepMs(10);
        continue;
      }
      std::string deletes = R"({"QueueUrl":")" + url_ + R"(","Entries":[)";
      size_t pos = 0;
      std::string body, handle;
      int n = 0;
      while (NextJsonString(r.body, "Body", &pos, &body)) {
        size_t hpos = r.body.rfind("{", pos);  // the handle sits in the same message object
        if (!NextJsonString(r.body, "ReceiptHandle", &hpos, &handle)) break;
        size_t sp = body.find(' ');
        if (sp != std::string::npos) {
          std::lock_guard lock(mu_);
          by_tag_[body.substr(0, sp)].push_back(
              static_cast<double>(now - std::strtoll(body.c_str() + sp + 1, nullptr, 10)) / 1e6);
        }
        deletes += (n ? "," : "") + std::string(R"({"Id":"m)") + std::to_string(n) + R"(","ReceiptHandle":")" +
                   handle + "\"}";
        ++n;
      }
      if (n > 0) SqsCall(conn, "DeleteMessageBatch", deletes + "]}");
    }
  }

  std::string url_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, std::vector<double>> by_tag_;
  std::thread thread_;
};

std::string SendKv(const SendStats& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, " sent=%lld send_errors=%lld achieved_per_s=%.1f max_send_late_ms=%.2f",
                static_cast<long long>(s.sent), static_cast<long long>(s.errors), s.achieved_per_s, s.max_late_ms);
  return buf;
}

int BenchEsmLatency() {
  if (FLAGS.esm_latency_file.empty()) {
    std::fprintf(stderr, "esm-latency needs --esm_latency_file (the function's ESM_BENCH_FILE)\n");
    return 1;
  }
  HttpConn control;
  auto esm_queue = CreateEsmQueue(control, "esmbench-latency");
  auto floor_queue = CreateEsmQueue(control, "esmbench-latency-floor");
  if (!esm_queue || !floor_queue) return 1;
  const std::string uuid = CreateMapping(control, FLAGS.esm_latency_function, esm_queue->arn, 10, 0);
  if (uuid.empty()) return 1;
  int rc = 0;
  for (const std::string& rate_text : Split(FLAGS.esm_rates, ',')) {
    const double rate = std::strtod(rate_text.c_str(), nullptr);
    const std::string bench = "esm-latency-" + rate_text;
    const std::string tag = "r" + rate_text;
    {  // floor: plain long-polling ReceiveMessage
      FloorReceiver receiver(floor_queue->url);
      SendAtRate(floor_queue->url, rate, FLAGS.esm_rate_warmup, "w");
      SendStats sent = SendAtRate(floor_queue->url, rate, FLAGS.esm_rate_duration, tag);
      Summary s = Summarize(receiver.Take(tag, sent.sent, 15));
      receiver.Stop();
      const int64_t missing = sent.sent - static_cast<int64_t>(s.n);
      Human(bench, "floor", s, SendKv(sent));
      Result(bench, "floor", SummaryKv(s) + SendKv(sent) + " missing=" + std::to_string(missing));
      rc |= missing != 0 || sent.errors != 0;
    }
    {  // Eddy: send → handler start through the mapping
      SendAtRate(esm_queue->url, rate, FLAGS.esm_rate_warmup, "w");
      TreeCpu cpu0 = ReadTreeCpu(FLAGS.server_pid);
      SendStats sent = SendAtRate(esm_queue->url, rate, FLAGS.esm_rate_duration, tag);
      Summary s = Summarize(ReadTaggedLatencies(FLAGS.esm_latency_file, tag, sent.sent, 15));
      TreeCpu cpu1 = ReadTreeCpu(FLAGS.server_pid);
      const int64_t missing = sent.sent - static_cast<int64_t>(s.n);
      const double n = static_cast<double>(std::max<int64_t>(1, sent.sent));
      char cpu[160];
      // Server CPU includes the SendMessage requests themselves (the floor's too).
      std::snprintf(cpu, sizeof cpu, " missing=%lld server_cpu_us=%.1f runtime_cpu_us=%.1f",
                    static_cast<long long>(missing), static_cast<double>(cpu1.self_ns - cpu0.self_ns) / 1e3 / n,
                    static_cast<double>(cpu1.children_ns - cpu0.children_ns) / 1e3 / n);
      Human(bench, "eddy", s, SendKv(sent) + cpu);
      Result(bench, "eddy", SummaryKv(s) + SendKv(sent) + cpu);
      rc |= missing != 0 || sent.errors != 0;
    }
  }
  DeleteMapping(control, uuid);
  return rc;
}

// Prefills `count` messages with SendMessageBatch from --esm_senders connections.
bool Prefill(const std::string& queue_url, int count) {
  std::atomic<int> next{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> threads;
  for (int k = 0; k < std::max(1, FLAGS.esm_senders); ++k) {
    threads.emplace_back([&] {
      HttpConn conn;
      for (int base; ok && (base = next.fetch_add(10)) < count;) {
        std::string body = R"({"QueueUrl":")" + queue_url + R"(","Entries":[)";
        for (int i = base; i < std::min(count, base + 10); ++i) {
          body += (i > base ? "," : "") + std::string(R"({"Id":"m)") + std::to_string(i - base) +
                  R"(","MessageBody":"esmbench )" + std::to_string(i) + "\"}";
        }
        Response r = SqsCall(conn, "SendMessageBatch", body + "]}");
        if (r.status != 200 || r.body.find("\"Failed\":[{") != std::string::npos) {
          std::fprintf(stderr, "SendMessageBatch: HTTP %d %s\n", r.status, OneLine(r.body).c_str());
          ok = false;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return ok;
}

int BenchEsmThroughput() {
  if (FLAGS.esm_throughput_file.empty()) {
    std::fprintf(stderr, "esm-throughput needs --esm_throughput_file (the function's ESM_BENCH_FILE)\n");
    return 1;
  }
  HttpConn control;
  int rc = 0;
  for (const std::string& bs_text : Split(FLAGS.esm_batch_sizes, ',')) {
    const int batch_size = std::atoi(bs_text.c_str());
    const int window_s = batch_size > 10 ? FLAGS.esm_window_s : 0;
    const std::string bench = "esm-throughput-" + bs_text;
    auto queue = CreateEsmQueue(control, "esmbench-throughput-" + bs_text);
    if (!queue) return 1;
    const int64_t p0 = NowNs();
    if (!Prefill(queue->url, FLAGS.esm_prefill)) return 1;
    const double prefill_per_s = FLAGS.esm_prefill / (static_cast<double>(NowNs() - p0) / 1e9);
    std::remove(FLAGS.esm_throughput_file.c_str());

    const int64_t t0 = NowNs(), t0_real = RealtimeNs();
    TreeCpu cpu0 = ReadTreeCpu(FLAGS.server_pid);
    const std::string uuid = CreateMapping(control, FLAGS.esm_throughput_function, queue->arn, batch_size, window_s);
    if (uuid.empty()) return 1;
    const std::string attrs = R"({"QueueUrl":")" + queue->url +
                              R"(","AttributeNames":["ApproximateNumberOfMessages","ApproximateNumberOfMessagesNotVisible"]})";
    bool drained = false;
    int64_t t1 = t0;
    while (NowNs() - t0 < 300'000'000'000) {
      Response r = SqsCall(control, "GetQueueAttributes", attrs);
      t1 = NowNs();
      if (r.status == 200 && JsonField(r.body, "ApproximateNumberOfMessages") == "0" &&
          JsonField(r.body, "ApproximateNumberOfMessagesNotVisible") == "0") {
        drained = true;
        break;
      }
      SleepMs(5);
    }
    TreeCpu cpu1 = ReadTreeCpu(FLAGS.server_pid);
    DeleteMapping(control, uuid);

    // Handler side: invokes sorted by start; the steady rate between 5 % and 95 % of the messages.
    std::vector<std::pair<int64_t, int64_t>> invokes;  // (start ns, records)
    std::string text;
    ReadFile(FLAGS.esm_throughput_file, &text);
    int64_t handled = 0;
    for (const std::string& line : Split(text, '\n')) {
      int64_t records = std::strtoll(line.c_str(), nullptr, 10);
      size_t sp = line.find(' ');
      if (sp == std::string::npos) continue;
      invokes.emplace_back(std::strtoll(line.c_str() + sp + 1, nullptr, 10), records);
      handled += records;
    }
    std::sort(invokes.begin(), invokes.end());
    double steady = 0, first_ms = 0;
    if (!invokes.empty()) {
      first_ms = static_cast<double>(invokes.front().first - t0_real) / 1e6;
      int64_t cum = 0, a_ns = 0, a_cum = 0, b_ns = 0, b_cum = 0;
      for (const auto& [start, records] : invokes) {
        if (a_ns == 0 && cum >= handled / 20) a_ns = start, a_cum = cum;
        if (cum <= handled * 19 / 20) b_ns = start, b_cum = cum;
        cum += records;
      }
      if (b_ns > a_ns) steady = static_cast<double>(b_cum - a_cum) / (static_cast<double>(b_ns - a_ns) / 1e9);
    }
    const double secs = static_cast<double>(t1 - t0) / 1e9;
    const double n = static_cast<double>(std::max<int64_t>(1, handled));
    char kv[512];
    std::snprintf(kv, sizeof kv,
                  "batch_size=%d window_s=%d messages=%d drained=%d drain_s=%.3f drain_per_s=%.1f steady_per_s=%.1f "
                  "handled=%lld invokes=%zu mean_batch=%.1f first_invoke_ms=%.1f prefill_per_s=%.0f "
                  "server_cpu_us=%.2f runtime_cpu_us=%.2f",
                  batch_size, window_s, FLAGS.esm_prefill, drained ? 1 : 0, secs, FLAGS.esm_prefill / secs, steady,
                  static_cast<long long>(handled), invokes.size(),
                  invokes.empty() ? 0.0 : n / static_cast<double>(invokes.size()), first_ms, prefill_per_s,
                  static_cast<double>(cpu1.self_ns - cpu0.self_ns) / 1e3 / n,
                  static_cast<double>(cpu1.children_ns - cpu0.children_ns) / 1e3 / n);
    std::fprintf(stderr, "%-20s eddy %s\n", bench.c_str(), kv);
    Result(bench, "eddy", kv);
    rc |= !drained || handled != FLAGS.esm_prefill;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (!ParseFlags(argc, argv)) return 2;
  int rc = 0;
  for (const std::string& b : Split(FLAGS.benchmarks, ',')) {
    if (b == "cold-python") {
      rc |= BenchCold(true);
    } else if (b == "cold-node") {
      rc |= BenchCold(false);
    } else if (b == "warm") {
      rc |= BenchWarm();
    } else if (b == "throughput") {
      rc |= BenchThroughput();
    } else if (b == "esm-latency") {
      rc |= BenchEsmLatency();
    } else if (b == "esm-throughput") {
      rc |= BenchEsmThroughput();
    } else {
      std::fprintf(stderr, "unknown benchmark: %s\n", b.c_str());
      rc = 2;
    }
  }
  return rc;
}
