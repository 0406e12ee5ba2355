// sqsbench: a lean SQS load generator for comparing Eddy with other SQS servers on one machine.
//
// It speaks SQS over HTTP/1.1 (Query/XML or AWS JSON 1.0) on plain POSIX sockets: keep-alive connections
// (reconnecting when the server says "Connection: close"), non-blocking I/O driven by epoll, request bytes
// built once where the workload allows it and only the few response fields a workload needs (status,
// ReceiptHandle, batch failures) found by string scanning. It runs on the same cores as the server, so
// it measures its own CPU as well as the server's (--server_pid) and prints both per message.
//
// Usage (flags in the style of leveldb's db_bench):
//   sqsbench --port=9324 --protocol=query --benchmarks=send,send-batch,recv-delete,longpoll
//            [--server_pid=PID] [--label=eddy] [--connections=32] [--duration=5] ...
//   sqsbench --port=9324 --benchmarks=health --start_ns=<CLOCK_REALTIME ns when the server was started>
// Run with --help for every flag. Each benchmark prints a human-readable line and a machine-readable
// "RESULT key=value ..." line (bench/run.sh parses the latter).
//
// Threading: each worker thread owns an epoll loop and a share of the connections; workloads keep their
// shared state in atomics and their per-connection state in the connection.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// ------------------------------------------------------------------------------------------------ flags

struct Flags {
  std::string host = "127.0.0.1";
  int port = 9324;
  std::string protocol = "query";  // query | json
  std::string benchmarks = "send,send-batch,recv-delete,longpoll";
  std::string label = "server";
  int connections = 32;
  int threads = 1;
  double duration = 5;  // seconds measured (send, send-batch; upper bound for recv-delete)
  double warmup = 1;    // seconds run before the measured window (send, send-batch)
  int prefill = 100000;  // recv-delete backlog
  int msg_size = 100;    // message body bytes
  int waiters = 10;      // longpoll
  int samples = 200;     // longpoll
  int interval_ms = 20;  // longpoll
  std::string backlogs = "1000,100000,1000000";  // recv-scaling
  int scaling_msgs = 20000;  // recv-scaling: messages received+deleted (measured) per backlog
  int groups = 1000;          // fifo-send, fifo-recv-delete: message groups
  int fifo_prefill = 50000;   // fifo-recv-delete backlog
  std::string move_rates = "100,500";  // movetask: MaxNumberOfMessagesPerSecond values
  double move_seconds = 10;   // movetask: messages = rate * move_seconds
  int move_poll_ms = 100;     // movetask: ListMessageMoveTasks poll interval
  int server_pid = 0;
  std::string health_path;  // health: GET this path; empty = a Query ListQueues POST
  int64_t start_ns = 0;     // health: CLOCK_REALTIME ns at server start
  int health_timeout_ms = 60000;
  bool sign = false;  // real SigV4 signatures (else a well-formed header with a dummy signature)
  std::string access_key = "AKIDEXAMPLE";
  std::string secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  std::string region = "us-east-1";
  bool delete_queues = true;
  int max_phase = 120;  // seconds: upper bound for a prefill or a drain
  int verbose = 0;
};

Flags FLAGS;

// Matches "--name=value"; on success stores the value text.
bool FlagValue(const char* arg, const char* name, std::string* value) {
  size_t n = std::strlen(name);
  if (std::strncmp(arg, "--", 2) != 0 || std::strncmp(arg + 2, name, n) != 0 || arg[2 + n] != '=') {
    return false;
  }
  *value = arg + 3 + n;
  return true;
}

void Usage() {
  std::fprintf(stderr,
               "sqsbench [--flag=value ...]\n"
               "  --host=127.0.0.1 --port=9324 --protocol=query|json --label=NAME\n"
               "  --benchmarks=send,send-batch,recv-delete,longpoll,recv-scaling,fifo-send,\n"
               "               fifo-recv-delete,movetask,health\n"
               "  --connections=32 --threads=1 --duration=5 --warmup=1 --msg_size=100\n"
               "  --prefill=100000 (recv-delete)  --waiters=10 --samples=200 --interval_ms=20 (longpoll)\n"
               "  --backlogs=1000,100000,1000000 --scaling_msgs=20000 (recv-scaling)\n"
               "  --groups=1000 --fifo_prefill=50000 (fifo-send, fifo-recv-delete)\n"
               "  --move_rates=100,500 --move_seconds=10 --move_poll_ms=100 (movetask)\n"
               "  --server_pid=PID (server CPU per message from /proc/PID)\n"
               "  --health_path=/_eddy/health --start_ns=N --health_timeout_ms=60000 (health)\n"
               "  --sign=0|1 --access_key=.. --secret_key=.. --region=us-east-1\n"
               "  --max_phase=120 (seconds, bound on a prefill or drain) --delete_queues=1 --verbose=0\n");
}

bool ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    std::string v;
    if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
      Usage();
      std::exit(0);
    } else if (FlagValue(a, "host", &v)) {
      FLAGS.host = v;
    } else if (FlagValue(a, "port", &v)) {
      FLAGS.port = std::atoi(v.c_str());
    } else if (FlagValue(a, "protocol", &v)) {
      FLAGS.protocol = v;
    } else if (FlagValue(a, "benchmarks", &v)) {
      FLAGS.benchmarks = v;
    } else if (FlagValue(a, "label", &v)) {
      FLAGS.label = v;
    } else if (FlagValue(a, "connections", &v)) {
      FLAGS.connections = std::atoi(v.c_str());
    } else if (FlagValue(a, "threads", &v)) {
      FLAGS.threads = std::atoi(v.c_str());
    } else if (FlagValue(a, "duration", &v)) {
      FLAGS.duration = std::atof(v.c_str());
    } else if (FlagValue(a, "warmup", &v)) {
      FLAGS.warmup = std::atof(v.c_str());
    } else if (FlagValue(a, "prefill", &v)) {
      FLAGS.prefill = std::atoi(v.c_str());
    } else if (FlagValue(a, "msg_size", &v)) {
      FLAGS.msg_size = std::atoi(v.c_str());
    } else if (FlagValue(a, "waiters", &v)) {
      FLAGS.waiters = std::atoi(v.c_str());
    } else if (FlagValue(a, "samples", &v)) {
      FLAGS.samples = std::atoi(v.c_str());
    } else if (FlagValue(a, "interval_ms", &v)) {
      FLAGS.interval_ms = std::atoi(v.c_str());
    } else if (FlagValue(a, "backlogs", &v)) {
      FLAGS.backlogs = v;
    } else if (FlagValue(a, "scaling_msgs", &v)) {
      FLAGS.scaling_msgs = std::atoi(v.c_str());
    } else if (FlagValue(a, "groups", &v)) {
      FLAGS.groups = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "fifo_prefill", &v)) {
      FLAGS.fifo_prefill = std::atoi(v.c_str());
    } else if (FlagValue(a, "move_rates", &v)) {
      FLAGS.move_rates = v;
    } else if (FlagValue(a, "move_seconds", &v)) {
      FLAGS.move_seconds = std::atof(v.c_str());
    } else if (FlagValue(a, "move_poll_ms", &v)) {
      FLAGS.move_poll_ms = std::max(1, std::atoi(v.c_str()));
    } else if (FlagValue(a, "server_pid", &v)) {
      FLAGS.server_pid = std::atoi(v.c_str());
    } else if (FlagValue(a, "health_path", &v)) {
      FLAGS.health_path = v;
    } else if (FlagValue(a, "start_ns", &v)) {
      FLAGS.start_ns = std::strtoll(v.c_str(), nullptr, 10);
    } else if (FlagValue(a, "health_timeout_ms", &v)) {
      FLAGS.health_timeout_ms = std::atoi(v.c_str());
    } else if (FlagValue(a, "sign", &v)) {
      FLAGS.sign = std::atoi(v.c_str()) != 0;
    } else if (FlagValue(a, "access_key", &v)) {
      FLAGS.access_key = v;
    } else if (FlagValue(a, "secret_key", &v)) {
      FLAGS.secret_key = v;
    } else if (FlagValue(a, "region", &v)) {
      FLAGS.region = v;
    } else if (FlagValue(a, "max_phase", &v)) {
      FLAGS.max_phase = std::atoi(v.c_str());
    } else if (FlagValue(a, "delete_queues", &v)) {
      FLAGS.delete_queues = std::atoi(v.c_str()) != 0;
    } else if (FlagValue(a, "verbose", &v)) {
      FLAGS.verbose = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag: %s\n", a);
      Usage();
      return false;
    }
  }
  if (FLAGS.protocol != "query" && FLAGS.protocol != "json") {
    std::fprintf(stderr, "--protocol must be query or json\n");
    return false;
  }
  FLAGS.connections = std::max(1, FLAGS.connections);
  FLAGS.threads = std::clamp(FLAGS.threads, 1, FLAGS.connections);
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

// ------------------------------------------------------------------------------------------------ time/cpu

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void SleepMs(double ms) { std::this_thread::sleep_for(std::chrono::microseconds(int64_t(ms * 1000))); }

int64_t SelfCpuNs() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto ns = [](const timeval& tv) { return int64_t{tv.tv_sec} * 1000000000 + int64_t{tv.tv_usec} * 1000; };
  return ns(ru.ru_utime) + ns(ru.ru_stime);
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

// Server CPU time in ns: utime+stime of the whole process from /proc/PID/stat (includes exited threads;
// clock-tick resolution, 10 ms) and the sum of the live threads' /proc/PID/task/*/schedstat (ns resolution,
// loses threads that exit). -1 when unavailable.
struct ServerCpu {
  int64_t stat_ns = -1;
  int64_t sched_ns = -1;
};

ServerCpu ReadServerCpu(int pid) {
  ServerCpu cpu;
  if (pid <= 0) return cpu;
  std::string s;
  if (ReadFile("/proc/" + std::to_string(pid) + "/stat", &s)) {
    size_t p = s.rfind(')');
    if (p != std::string::npos) {
      // Fields after the command: state(3) ppid(4) ... utime(14) stime(15).
      std::vector<std::string> f = Split(std::string_view(s).substr(p + 2), ' ');
      if (f.size() > 12) {
        int64_t ticks = std::strtoll(f[11].c_str(), nullptr, 10) + std::strtoll(f[12].c_str(), nullptr, 10);
        cpu.stat_ns = ticks * (1000000000 / sysconf(_SC_CLK_TCK));
      }
    }
  }
  std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = opendir(task_dir.c_str())) {
    int64_t sum = 0;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      if (ReadFile(task_dir + "/" + e->d_name + "/schedstat", &s)) sum += std::strtoll(s.c_str(), nullptr, 10);
    }
    closedir(d);
    cpu.sched_ns = sum;
  }
  return cpu;
}

// Resident set size of the server in kB (VmRSS), or -1.
int64_t ServerRssKb(int pid) {
  std::string s;
  if (pid <= 0 || !ReadFile("/proc/" + std::to_string(pid) + "/status", &s)) return -1;
  size_t p = s.find("VmRSS:");
  return p == std::string::npos ? -1 : std::strtoll(s.c_str() + p + 6, nullptr, 10);
}

// ------------------------------------------------------------------------------------------------ encoding

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

void UrlEncode(std::string_view s, std::string* out) {
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (Unreserved(c)) {
      out->push_back(char(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  UrlEncode(s, &out);
  return out;
}

void JsonEscape(std::string_view s, std::string* out) {
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(c);
    }
  }
}

std::string XmlUnescape(std::string_view s) {
  if (s.find('&') == std::string_view::npos) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else if (!ent.empty() && ent[0] == '#') {
      long cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
                    ? std::strtol(std::string(ent.substr(2)).c_str(), nullptr, 16)
                    : std::strtol(std::string(ent.substr(1)).c_str(), nullptr, 10);
      out.push_back(char(cp));  // handles and URLs are ASCII
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

// Reads the JSON string starting at s[pos] == '"'; ASCII escapes only (enough for URLs and handles).
std::string JsonString(std::string_view s, size_t pos, size_t* end) {
  std::string out;
  size_t i = pos + 1;
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char e = s[++i];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'u':
          if (i + 4 < s.size()) {
            out.push_back(char(std::strtol(std::string(s.substr(i + 1, 4)).c_str(), nullptr, 16)));
            i += 4;
          }
          break;
        default: out.push_back(e);  // \" \\ \/
      }
    } else {
      out.push_back(s[i]);
    }
  }
  if (end) *end = i;
  return out;
}

// All values of a field: <Name>value</Name> for XML, "Name": "value" for JSON.
void FindAll(std::string_view body, bool json, std::string_view name, std::vector<std::string>* out) {
  if (json) {
    std::string key = "\"" + std::string(name) + "\"";
    size_t p = 0;
    while ((p = body.find(key, p)) != std::string_view::npos) {
      p += key.size();
      while (p < body.size() && (body[p] == ' ' || body[p] == ':' || body[p] == '\n')) ++p;
      if (p < body.size() && body[p] == '"') {
        size_t end;
        out->push_back(JsonString(body, p, &end));
        p = end;
      }
    }
  } else {
    std::string open = "<" + std::string(name) + ">";
    std::string close = "</" + std::string(name) + ">";
    size_t p = 0;
    while ((p = body.find(open, p)) != std::string_view::npos) {
      p += open.size();
      size_t e = body.find(close, p);
      if (e == std::string_view::npos) break;
      out->push_back(XmlUnescape(body.substr(p, e - p)));
      p = e + close.size();
    }
  }
}

std::string FindFirst(std::string_view body, bool json, std::string_view name) {
  std::vector<std::string> v;
  FindAll(body, json, name, &v);
  return v.empty() ? std::string() : v[0];
}

int CountOf(std::string_view body, std::string_view needle) {
  int n = 0;
  for (size_t p = 0; (p = body.find(needle, p)) != std::string_view::npos; p += needle.size()) ++n;
  return n;
}

// s with every run of whitespace (newlines of an XML error body) turned into one space.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : c);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ SigV4

std::string Hex(const unsigned char* d, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return Hex(d, sizeof d);
}

std::string Hmac(std::string_view key, std::string_view msg) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
       d, &n);
  return std::string(reinterpret_cast<char*>(d), n);
}

// ------------------------------------------------------------------------------------------------ requests

// Builds complete HTTP/1.1 request bytes for one SQS action in the selected protocol.
// Thread-safe (the signing-key cache is guarded).
class Api {
 public:
  Api() : json_(FLAGS.protocol == "json"), host_(FLAGS.host + ":" + std::to_string(FLAGS.port)) {
    std::time_t t = std::time(nullptr);
    std::tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    fixed_date_ = buf;
  }

  bool json() const { return json_; }

  // queue_url may be empty (CreateQueue, ListQueues). query_params: "&"-joined, already encoded.
  // json_members: members without the outer braces.
  std::string Build(std::string_view action, std::string_view queue_url, std::string_view query_params,
                    std::string_view json_members) const {
    std::string body;
    std::string path = "/";
    if (json_) {
      body.reserve(64 + queue_url.size() + json_members.size());
      body += '{';
      if (!queue_url.empty()) {
        body += "\"QueueUrl\":\"";
        JsonEscape(queue_url, &body);
        body += '"';
        if (!json_members.empty()) body += ',';
      }
      body += json_members;
      body += '}';
    } else {
      body.reserve(64 + queue_url.size() * 2 + query_params.size());
      body += "Action=";
      body += action;
      body += "&Version=2012-11-05";
      if (!queue_url.empty()) {
        body += "&QueueUrl=";
        UrlEncode(queue_url, &body);
        path = PathOf(queue_url);  // some servers (old ElasticMQ) route on the path
      }
      if (!query_params.empty()) {
        body += '&';
        body += query_params;
      }
    }
    return Frame(action, path, body);
  }

  std::string Get(std::string_view path) const {
    std::string r = "GET ";
    r += path;
    r += " HTTP/1.1\r\nHost: " + host_ + "\r\n\r\n";
    return r;
  }

  static std::string PathOf(std::string_view url) {
    size_t p = url.find("://");
    p = url.find('/', p == std::string_view::npos ? 0 : p + 3);
    return p == std::string_view::npos ? std::string("/") : std::string(url.substr(p));
  }

 private:
  std::string Frame(std::string_view action, const std::string& path, const std::string& body) const {
    const char* ctype = json_ ? "application/x-amz-json-1.0" : "application/x-www-form-urlencoded; charset=utf-8";
    std::string target = json_ ? "AmazonSQS." + std::string(action) : std::string();
    std::string date = fixed_date_;
    std::string signature(64, '0');
    std::string signed_headers = json_ ? "content-type;host;x-amz-date;x-amz-target" : "content-type;host;x-amz-date";
    if (FLAGS.sign) {
      date = CurrentDate();
      std::string canonical = "POST\n" + path + "\n\ncontent-type:" + ctype + "\nhost:" + host_ +
                              "\nx-amz-date:" + date + "\n" + (json_ ? "x-amz-target:" + target + "\n" : "") +
                              "\n" + signed_headers + "\n" + Sha256Hex(body);
      std::string scope = date.substr(0, 8) + "/" + FLAGS.region + "/sqs/aws4_request";
      std::string to_sign = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + Sha256Hex(canonical);
      std::string mac = Hmac(SigningKey(date.substr(0, 8)), to_sign);
      signature = Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
    }
    std::string r;
    r.reserve(400 + body.size());
    r += "POST ";
    r += path;
    r += " HTTP/1.1\r\nHost: ";
    r += host_;
    r += "\r\nContent-Type: ";
    r += ctype;
    if (json_) {
      r += "\r\nX-Amz-Target: ";
      r += target;
    }
    r += "\r\nX-Amz-Date: ";
    r += date;
    r += "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=";
    r += FLAGS.access_key;
    r += '/';
    r += date.substr(0, 8);
    r += '/';
    r += FLAGS.region;
    r += "/sqs/aws4_request, SignedHeaders=";
    r += signed_headers;
    r += ", Signature=";
    r += signature;
    r += "\r\nContent-Length: ";
    r += std::to_string(body.size());
    r += "\r\n\r\n";
    r += body;
    return r;
  }

  static std::string CurrentDate() {
    std::time_t t = std::time(nullptr);
    std::tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
  }

  std::string SigningKey(const std::string& day) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (day != key_day_) {
      std::string k = Hmac("AWS4" + FLAGS.secret_key, day);
      k = Hmac(k, FLAGS.region);
      k = Hmac(k, "sqs");
      key_ = Hmac(k, "aws4_request");
      key_day_ = day;
    }
    return key_;
  }

  bool json_;
  std::string host_;
  std::string fixed_date_;
  mutable std::mutex mu_;
  mutable std::string key_day_;
  mutable std::string key_;
};

// Request payload fragments for the actions the workloads use, in both protocols.
std::string Body(int64_t seq, int size) {
  std::string s = "m" + std::to_string(seq) + "-";
  while (int(s.size()) < size) s.push_back(char('a' + s.size() % 26));
  return s;
}

// FIFO fields of message number `seq` when sending to a FIFO queue (groups > 0): MessageGroupId cycles
// over `groups` groups, MessageDeduplicationId is unique per message. Both are plain alphanumerics, so
// they need no escaping. Appends "&<prefix>Name=value..." (Query) and ",\"Name\":\"value\"..." (JSON).
void AppendFifo(int64_t seq, int groups, const std::string& query_prefix, std::string* qp, std::string* jm) {
  if (groups <= 0) return;
  std::string g = "g" + std::to_string(seq % groups), d = "d" + std::to_string(seq);
  *qp += "&" + query_prefix + "MessageGroupId=" + g + "&" + query_prefix + "MessageDeduplicationId=" + d;
  *jm += ",\"MessageGroupId\":\"" + g + "\",\"MessageDeduplicationId\":\"" + d + "\"";
}

// seq numbers the message (FIFO group and deduplication id); groups = 0 for a standard queue.
std::string SendMessageReq(const Api& api, const std::string& q, const std::string& body, int64_t seq = 0,
                           int groups = 0) {
  std::string qp = "MessageBody=" + UrlEncode(body);
  std::string jm = "\"MessageBody\":\"";
  JsonEscape(body, &jm);
  jm += '"';
  AppendFifo(seq, groups, "", &qp, &jm);
  return api.Build("SendMessage", q, qp, jm);
}

// Messages seq+1 .. seq+n.
std::string SendBatchReq(const Api& api, const std::string& q, int64_t seq, int n, int groups = 0) {
  std::string qp, jm = "\"Entries\":[";
  for (int i = 1; i <= n; ++i) {
    std::string b = Body(seq + i, FLAGS.msg_size);
    std::string pre = "SendMessageBatchRequestEntry." + std::to_string(i) + ".";
    if (i > 1) qp += '&';
    qp += pre + "Id=e" + std::to_string(i) + "&" + pre + "MessageBody=" + UrlEncode(b);
    if (i > 1) jm += ',';
    jm += "{\"Id\":\"e" + std::to_string(i) + "\",\"MessageBody\":\"";
    JsonEscape(b, &jm);
    jm += '"';
    AppendFifo(seq + i, groups, pre, &qp, &jm);
    jm += '}';
  }
  jm += ']';
  return api.Build("SendMessageBatch", q, qp, jm);
}

std::string ReceiveReq(const Api& api, const std::string& q, int max, int wait, int visibility) {
  std::string qp = "MaxNumberOfMessages=" + std::to_string(max) + "&WaitTimeSeconds=" + std::to_string(wait) +
                   "&VisibilityTimeout=" + std::to_string(visibility);
  std::string jm = "\"MaxNumberOfMessages\":" + std::to_string(max) + ",\"WaitTimeSeconds\":" +
                   std::to_string(wait) + ",\"VisibilityTimeout\":" + std::to_string(visibility);
  return api.Build("ReceiveMessage", q, qp, jm);
}

std::string DeleteBatchReq(const Api& api, const std::string& q, const std::vector<std::string>& handles) {
  std::string qp, jm = "\"Entries\":[";
  for (size_t i = 0; i < handles.size(); ++i) {
    std::string pre = "DeleteMessageBatchRequestEntry." + std::to_string(i + 1) + ".";
    if (i) qp += '&';
    qp += pre + "Id=d" + std::to_string(i) + "&" + pre + "ReceiptHandle=";
    UrlEncode(handles[i], &qp);
    if (i) jm += ',';
    jm += "{\"Id\":\"d" + std::to_string(i) + "\",\"ReceiptHandle\":\"";
    JsonEscape(handles[i], &jm);
    jm += "\"}";
  }
  jm += ']';
  return api.Build("DeleteMessageBatch", q, qp, jm);
}

// Failed batch entries: every BatchResultErrorEntry carries SenderFault, in both protocols.
int BatchFailures(std::string_view body) { return CountOf(body, "SenderFault"); }

// ------------------------------------------------------------------------------------------------ HTTP

struct Response {
  int status = 0;  // 0 = transport error (connection closed or refused)
  std::string_view body;
};

bool IEquals(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != lower[i]) return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view lower) {
  for (size_t i = 0; i + lower.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, lower.size()), lower)) return true;
  }
  return false;
}

// Parses one response at the front of buf. Returns bytes consumed (>0) when complete, 0 when more input is
// needed, -1 when malformed. *close is set when the server will close the connection afterwards.
long ParseResponse(const std::string& buf, bool eof, int* status, std::string_view* body, std::string* dechunked,
                   bool* close) {
  size_t hdr_end = buf.find("\r\n\r\n");
  if (hdr_end == std::string::npos) return 0;
  if (buf.compare(0, 5, "HTTP/") != 0 || buf.size() < 12) return -1;
  bool http10 = buf.compare(0, 8, "HTTP/1.0") == 0;
  *status = std::atoi(buf.c_str() + 9);
  long content_length = -1;
  bool chunked = false, conn_close = http10, conn_keep = false;
  size_t p = buf.find("\r\n") + 2;
  while (p < hdr_end) {
    size_t e = buf.find("\r\n", p);
    std::string_view line(buf.data() + p, e - p);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
      if (IEquals(name, "content-length")) {
        content_length = std::strtol(buf.c_str() + p + colon + 1, nullptr, 10);
      } else if (IEquals(name, "transfer-encoding")) {
        chunked = IContains(value, "chunked");
      } else if (IEquals(name, "connection")) {
        if (IContains(value, "close")) conn_close = true;
        if (IContains(value, "keep-alive")) conn_keep = true;
      }
    }
    p = e + 2;
  }
  if (http10 && conn_keep) conn_close = false;
  *close = conn_close;
  size_t start = hdr_end + 4;
  if (chunked) {
    dechunked->clear();
    size_t q = start;
    for (;;) {
      size_t le = buf.find("\r\n", q);
      if (le == std::string::npos) return 0;
      long n = std::strtol(buf.c_str() + q, nullptr, 16);
      q = le + 2;
      if (n == 0) {
        size_t te = buf.find("\r\n", q);  // trailers end with an empty line
        while (te != std::string::npos && te != q) {
          q = te + 2;
          te = buf.find("\r\n", q);
        }
        if (te == std::string::npos) return 0;
        *body = *dechunked;
        return long(te + 2);
      }
      if (buf.size() < q + size_t(n) + 2) return 0;
      dechunked->append(buf, q, size_t(n));
      q += size_t(n) + 2;
    }
  }
  if (content_length < 0) {
    if (*status == 204 || *status == 304 || (*status >= 100 && *status < 200)) content_length = 0;
  }
  if (content_length >= 0) {
    if (buf.size() < start + size_t(content_length)) return 0;
    *body = std::string_view(buf.data() + start, size_t(content_length));
    return long(start + size_t(content_length));
  }
  // No length: the body runs to EOF.
  if (!eof) return 0;
  *close = true;
  *body = std::string_view(buf.data() + start, buf.size() - start);
  return long(buf.size());
}

struct Conn {
  int fd = -1;
  int id = 0;
  std::string out;
  size_t out_off = 0;
  std::string in;
  std::string dechunked;
  bool busy = false;
  bool want_out = false;
  bool close_after = false;
  int64_t sent_ns = 0;
  // Workload state.
  int role = 0;
  std::vector<std::string> handles;
};

sockaddr_in ServerAddr() {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(FLAGS.port));
  if (inet_pton(AF_INET, FLAGS.host.c_str(), &a.sin_addr) != 1) {
    std::fprintf(stderr, "--host must be an IPv4 address: %s\n", FLAGS.host.c_str());
    std::exit(2);
  }
  return a;
}

// Blocking connect (loopback connects complete at once), then non-blocking with TCP_NODELAY.
int Connect() {
  static const sockaddr_in addr = ServerAddr();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

std::atomic<int> g_error_prints{0};

void ReportError(const Conn& c, int status, std::string_view body) {
  if (g_error_prints.fetch_add(1) < 5 || FLAGS.verbose) {
    std::fprintf(stderr, "[%s] conn %d: HTTP %d: %.*s\n", FLAGS.label.c_str(), c.id, status,
                 int(std::min<size_t>(body.size(), 400)), body.data());
  }
}

// One epoll loop over a set of connections; used by exactly one thread.
class Loop {
 public:
  using OnResponse = std::function<void(Conn&, const Response&)>;

  Loop() : ep_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~Loop() {
    for (auto& c : conns_) {
      if (c->fd >= 0) close(c->fd);
    }
    close(ep_);
  }
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  Conn* Add(int id) {
    conns_.push_back(std::make_unique<Conn>());
    conns_.back()->id = id;
    return conns_.back().get();
  }
  std::vector<std::unique_ptr<Conn>>& conns() { return conns_; }
  int busy() const { return busy_; }

  // Starts a request on an idle connection, connecting first if needed. A failed connect or write is
  // delivered as a status-0 response by the next Poll.
  void Send(Conn& c, std::string req) {
    c.out = std::move(req);
    c.out_off = 0;
    c.busy = true;
    c.close_after = false;
    ++busy_;
    c.sent_ns = NowNs();
    if (c.fd < 0) {
      c.fd = Connect();
      if (c.fd < 0) {
        failed_.push_back(&c);
        return;
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &c;
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
      c.want_out = false;
    }
    Flush(c);
  }

  // Waits up to timeout_ms for events and delivers each complete response to cb, which may Send() again
  // on the same connection.
  void Poll(int timeout_ms, const OnResponse& cb) {
    while (!failed_.empty()) {
      Conn* c = failed_.back();
      failed_.pop_back();
      Complete(*c, Response{}, true, cb);
    }
    epoll_event evs[128];
    int n = epoll_wait(ep_, evs, 128, timeout_ms);
    for (int i = 0; i < n; ++i) {
      Conn& c = *static_cast<Conn*>(evs[i].data.ptr);
      if (c.fd < 0) continue;
      if (evs[i].events & EPOLLOUT) Flush(c);
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadAll(c, cb);
    }
  }

  // Drops every request in flight (closing its connection) so the loop can serve another workload.
  void AbandonBusy() {
    failed_.clear();
    for (auto& c : conns_) {
      if (!c->busy) continue;
      CloseConn(*c);
      c->busy = false;
      --busy_;
    }
  }

  void CloseConn(Conn& c) {
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
    }
    c.in.clear();
  }

 private:
  void Flush(Conn& c) {
    while (c.out_off < c.out.size()) {
      ssize_t w = write(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off);
      if (w > 0) {
        c.out_off += size_t(w);
      } else if (w < 0 && errno == EINTR) {
        continue;
      } else if (w < 0 && errno == EAGAIN) {
        break;
      } else {
        CloseConn(c);
        failed_.push_back(&c);  // completed as a transport error by the next Poll
        return;
      }
    }
    bool want = c.out_off < c.out.size();
    if (want != c.want_out) {
      epoll_event ev{};
      ev.events = want ? uint32_t{EPOLLIN | EPOLLOUT} : uint32_t{EPOLLIN};
      ev.data.ptr = &c;
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
      c.want_out = want;
    }
  }

  void ReadAll(Conn& c, const OnResponse& cb) {
    bool eof = false;
    for (;;) {
      ssize_t r = read(c.fd, rbuf_, sizeof rbuf_);
      if (r > 0) {
        c.in.append(rbuf_, size_t(r));
        if (size_t(r) < sizeof rbuf_) break;
        continue;
      }
      if (r == 0) eof = true;
      else if (errno == EINTR) continue;
      else if (errno != EAGAIN) eof = true;
      break;
    }
    while (c.busy && !c.in.empty()) {
      Response resp;
      bool close_after = false;
      long used = ParseResponse(c.in, eof, &resp.status, &resp.body, &c.dechunked, &close_after);
      if (used == 0) break;
      if (used < 0) {
        CloseConn(c);
        Complete(c, Response{}, true, cb);
        return;
      }
      if (close_after) {
        // The server closes after this response: close our end before the callback can send the next
        // request (it reconnects), keeping the bytes the body view points into.
        std::string hold;
        hold.swap(c.in);
        ParseResponse(hold, eof, &resp.status, &resp.body, &c.dechunked, &close_after);
        CloseConn(c);
        Complete(c, resp, false, cb);
        return;
      }
      Complete(c, resp, false, cb);  // the body view points into c.in: consume after the callback
      c.in.erase(0, size_t(used));
    }
    if (eof && c.fd >= 0) {
      CloseConn(c);
      if (c.busy) Complete(c, Response{}, true, cb);
    }
  }

  void Complete(Conn& c, const Response& resp, bool transport_error, const OnResponse& cb) {
    if (!c.busy) return;
    c.busy = false;
    --busy_;
    if (transport_error) CloseConn(c);
    cb(c, resp);
  }

  int ep_;
  int busy_ = 0;
  char rbuf_[65536];
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> failed_;
};

// ------------------------------------------------------------------------------------------------ workloads

struct Counters {
  std::atomic<int64_t> msgs{0};
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> received{0};
  std::atomic<int64_t> empty_receives{0};
};

// A closed-loop workload: every connection issues its next request as soon as the previous one completed.
class Workload {
 public:
  virtual ~Workload() = default;
  // The connection's next request, or false to leave it idle (the workload is finished for it).
  virtual bool Next(Conn& c, std::string* req) = 0;
  virtual void OnResponse(Conn& c, const Response& r) = 0;
  Counters counters;
  std::atomic<bool> stop{false};
};

// Client connections that persist across workloads (a prefill and the drain that follows it reuse them):
// FLAGS.threads loops, the connections dealt round-robin. A loop is used by one thread at a time.
class Pool {
 public:
  explicit Pool(int connections) {
    int threads = std::min(FLAGS.threads, connections);
    for (int t = 0; t < threads; ++t) loops_.push_back(std::make_unique<Loop>());
    for (int i = 0; i < connections; ++i) loops_[size_t(i % threads)]->Add(i);
  }
  std::vector<std::unique_ptr<Loop>>& loops() { return loops_; }

 private:
  std::vector<std::unique_ptr<Loop>> loops_;
};

// Runs w on a pool, one thread per loop, until w.stop is set or every connection went idle. Requests still
// in flight at stop are abandoned (their connections closed, to reconnect on next use).
class Runner {
 public:
  Runner(Workload& w, Pool& pool) : w_(w) { Start(pool); }
  Runner(Workload& w, int connections) : w_(w), own_(std::make_unique<Pool>(connections)) { Start(*own_); }
  ~Runner() { Join(); }
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  bool Done() const { return finished_.load() == int(threads_.size()); }

 private:
  void Start(Pool& pool) {
    for (auto& loop : pool.loops()) threads_.emplace_back([this, l = loop.get()] { Run(*l); });
  }

  void Run(Loop& loop) {
    auto cb = [&](Conn& c, const Response& r) {
      w_.OnResponse(c, r);
      std::string req;
      if (!w_.stop.load(std::memory_order_relaxed) && w_.Next(c, &req)) loop.Send(c, std::move(req));
    };
    for (auto& c : loop.conns()) {
      c->handles.clear();
      std::string req;
      if (w_.Next(*c, &req)) loop.Send(*c, std::move(req));
    }
    while (!w_.stop.load(std::memory_order_relaxed) && loop.busy() > 0) loop.Poll(20, cb);
    loop.AbandonBusy();
    ++finished_;
  }

  Workload& w_;
  std::unique_ptr<Pool> own_;
  std::vector<std::thread> threads_;
  std::atomic<int> finished_{0};
};

// One synchronous request on a fresh connection (setup and teardown calls).
Response SyncCall(const std::string& req, std::string* body_copy, int timeout_ms = 30000) {
  Loop loop;
  Conn* c = loop.Add(-1);
  Response out;
  bool done = false;
  loop.Send(*c, req);
  int64_t deadline = NowNs() + int64_t(timeout_ms) * 1000000;
  while (!done && NowNs() < deadline) {
    loop.Poll(10, [&](Conn&, const Response& r) {
      out.status = r.status;
      body_copy->assign(r.body);
      done = true;
    });
  }
  out.body = *body_copy;
  return out;
}

int g_queue_seq = 0;

using Attributes = std::vector<std::pair<std::string, std::string>>;

// Creates a fresh queue named after the benchmark (a FIFO queue when `fifo`, with FifoQueue=true and the
// ".fifo" suffix) with the given attributes; returns its URL, or "" with the server's answer in *error.
std::string TryCreateQueue(const Api& api, const std::string& bench, bool fifo, Attributes attrs,
                           std::string* error) {
  std::string name = "sqsbench-" + bench + "-" + std::to_string(getpid()) + "-" + std::to_string(++g_queue_seq);
  if (fifo) {
    name += ".fifo";
    attrs.emplace_back("FifoQueue", "true");
  }
  std::string qp = "QueueName=" + name, jm = "\"QueueName\":\"" + name + "\"";
  if (!attrs.empty()) jm += ",\"Attributes\":{";
  for (size_t i = 0; i < attrs.size(); ++i) {
    std::string pre = "&Attribute." + std::to_string(i + 1) + ".";
    qp += pre + "Name=" + UrlEncode(attrs[i].first) + pre + "Value=" + UrlEncode(attrs[i].second);
    if (i) jm += ',';
    jm += '"';
    JsonEscape(attrs[i].first, &jm);
    jm += "\":\"";
    JsonEscape(attrs[i].second, &jm);
    jm += '"';
  }
  if (!attrs.empty()) jm += '}';
  std::string body;
  Response r = SyncCall(api.Build("CreateQueue", "", qp, jm), &body);
  std::string url = FindFirst(body, api.json(), "QueueUrl");
  if (r.status != 200 || url.empty()) {
    *error = "CreateQueue " + name + " failed: HTTP " + std::to_string(r.status) + " " + body;
    return "";
  }
  return url;
}

// Creates a fresh standard queue named after the benchmark; returns its URL or exits.
std::string CreateQueue(const Api& api, const std::string& bench) {
  std::string error;
  std::string url = TryCreateQueue(api, bench, false, {}, &error);
  if (url.empty()) {
    std::fprintf(stderr, "[%s] %s\n", FLAGS.label.c_str(), error.c_str());
    std::exit(1);
  }
  return url;
}

// One queue attribute (GetQueueAttributes), "" when absent or on error.
std::string GetQueueAttribute(const Api& api, const std::string& url, const std::string& attr) {
  std::string body;
  Response r = SyncCall(api.Build("GetQueueAttributes", url, "AttributeName.1=" + attr,
                                  "\"AttributeNames\":[\"" + attr + "\"]"),
                        &body);
  if (r.status != 200) return "";
  if (api.json()) return FindFirst(body, true, attr);
  // <Attribute><Name>attr</Name><Value>v</Value></Attribute>
  size_t p = body.find("<Name>" + attr + "</Name>");
  if (p == std::string::npos) return "";
  std::string_view rest = std::string_view(body).substr(p);
  return FindFirst(rest, false, "Value");
}

void DeleteQueue(const Api& api, const std::string& url) {
  if (!FLAGS.delete_queues) return;
  std::string body;
  Response r = SyncCall(api.Build("DeleteQueue", url, "", ""), &body);
  if (r.status != 200) {
    std::fprintf(stderr, "[%s] DeleteQueue failed: HTTP %d %s\n", FLAGS.label.c_str(), r.status, body.c_str());
  }
}

// SendMessage (batch = 1) or SendMessageBatch (batch = 10). With limit > 0 it stops after `limit`
// messages (prefill); otherwise it runs until stopped.
class SendWorkload : public Workload {
 public:
  // groups > 0: the queue is FIFO; every message gets its own deduplication id, so requests are built
  // per message rather than once.
  SendWorkload(const Api& api, std::string queue, int batch, int64_t limit, int groups = 0)
      : api_(api), queue_(std::move(queue)), batch_(batch), limit_(limit), groups_(groups) {
    if (!FLAGS.sign && groups_ <= 0) fixed_ = Make(0);
  }

  bool Next(Conn&, std::string* req) override {
    int64_t seq = issued_.fetch_add(batch_, std::memory_order_relaxed);
    if (limit_ > 0 && seq >= limit_) return false;
    *req = fixed_.empty() ? Make(seq) : fixed_;
    return true;
  }

  void OnResponse(Conn& c, const Response& r) override {
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    if (r.status != 200) {
      counters.errors.fetch_add(batch_, std::memory_order_relaxed);
      ReportError(c, r.status, r.body);
      if (limit_ > 0) issued_.fetch_sub(batch_, std::memory_order_relaxed);  // retry the messages
      if (counters.errors.load(std::memory_order_relaxed) > 10000) stop.store(true);
      return;
    }
    int failed = batch_ > 1 ? BatchFailures(r.body) : 0;
    if (failed) {
      counters.errors.fetch_add(failed, std::memory_order_relaxed);
      ReportError(c, r.status, r.body);
    }
    counters.msgs.fetch_add(batch_ - failed, std::memory_order_relaxed);
  }

 private:
  std::string Make(int64_t seq) const {
    return batch_ == 1 ? SendMessageReq(api_, queue_, Body(seq, FLAGS.msg_size), seq, groups_)
                       : SendBatchReq(api_, queue_, seq, batch_, groups_);
  }

  const Api& api_;
  std::string queue_;
  int batch_;
  int64_t limit_;
  int groups_;
  std::string fixed_;
  std::atomic<int64_t> issued_{0};
};

// ReceiveMessage(MaxNumberOfMessages=10) followed by DeleteMessageBatch of whatever arrived, until
// `target` messages were deleted.
class RecvDeleteWorkload : public Workload {
 public:
  RecvDeleteWorkload(const Api& api, std::string queue, int64_t target)
      : api_(api), queue_(std::move(queue)), target_(target), receive_(ReceiveReq(api, queue_, 10, 0, 300)) {}

  bool Next(Conn& c, std::string* req) override {
    if (!c.handles.empty()) {
      *req = DeleteBatchReq(api_, queue_, c.handles);
      return true;
    }
    // Once `target` messages were received, connections go idle as their deletes complete (rather than
    // spinning on empty receives while the last deletes commit).
    if (counters.received.load(std::memory_order_relaxed) >= target_) return false;
    *req = FLAGS.sign ? ReceiveReq(api_, queue_, 10, 0, 300) : receive_;
    return true;
  }

  void OnResponse(Conn& c, const Response& r) override {
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    bool was_delete = !c.handles.empty();
    if (r.status != 200) {
      counters.errors.fetch_add(was_delete ? int64_t(c.handles.size()) : 1, std::memory_order_relaxed);
      ReportError(c, r.status, r.body);
      c.handles.clear();  // undeleted messages come back after the visibility timeout
      return;
    }
    if (was_delete) {
      int failed = BatchFailures(r.body);
      if (failed) {
        counters.errors.fetch_add(failed, std::memory_order_relaxed);
        ReportError(c, r.status, r.body);
      }
      counters.msgs.fetch_add(int64_t(c.handles.size()) - failed, std::memory_order_relaxed);
      c.handles.clear();
      return;
    }
    FindAll(r.body, api_.json(), "ReceiptHandle", &c.handles);
    if (c.handles.empty()) counters.empty_receives.fetch_add(1, std::memory_order_relaxed);
    counters.received.fetch_add(int64_t(c.handles.size()), std::memory_order_relaxed);
  }

 private:
  const Api& api_;
  std::string queue_;
  int64_t target_;
  std::string receive_;
};

// ------------------------------------------------------------------------------------------------ reporting

struct Window {
  int64_t wall_ns = 0;
  ServerCpu server;
  int64_t client_ns = 0;
  static Window Now() { return Window{NowNs(), ReadServerCpu(FLAGS.server_pid), SelfCpuNs()}; }
};

struct Measure {
  double secs = 0;
  double server_ns = -1;        // from /proc/PID/stat
  double server_sched_ns = -1;  // from task schedstat
  double client_ns = 0;
};

Measure Between(const Window& a, const Window& b) {
  Measure m;
  m.secs = double(b.wall_ns - a.wall_ns) / 1e9;
  if (a.server.stat_ns >= 0 && b.server.stat_ns >= 0) m.server_ns = double(b.server.stat_ns - a.server.stat_ns);
  if (a.server.sched_ns >= 0 && b.server.sched_ns >= 0) {
    m.server_sched_ns = double(b.server.sched_ns - a.server.sched_ns);
  }
  m.client_ns = double(b.client_ns - a.client_ns);
  return m;
}

void Report(const std::string& bench, int64_t msgs, int64_t errors, const Measure& m, const std::string& extra_kv,
            const std::string& extra_human, bool use_sched = false) {
  double rate = m.secs > 0 ? double(msgs) / m.secs : 0;
  double server_ns = use_sched ? m.server_sched_ns : m.server_ns;
  double server_us = msgs > 0 && server_ns >= 0 ? server_ns / 1e3 / double(msgs) : -1;
  double client_us = msgs > 0 ? m.client_ns / 1e3 / double(msgs) : -1;
  double client_pct = m.secs > 0 ? 100.0 * m.client_ns / 1e9 / m.secs : 0;
  double server_pct = m.secs > 0 && server_ns >= 0 ? 100.0 * server_ns / 1e9 / m.secs : -1;
  std::printf("%-12s %-6s %-14s : %10.0f msgs/s (%" PRId64 " msgs in %.2f s, %" PRId64
              " errors)  server %.2f us/msg (%.0f%% CPU)  client %.2f us/msg (%.0f%% CPU)%s\n",
              bench.c_str(), FLAGS.protocol.c_str(), FLAGS.label.c_str(), rate, msgs, m.secs, errors, server_us,
              server_pct, client_us, client_pct, extra_human.c_str());
  std::printf("RESULT label=%s protocol=%s bench=%s msgs=%" PRId64 " secs=%.3f msgs_per_s=%.0f errors=%" PRId64
              " server_cpu_us_per_msg=%.3f server_cpu_pct=%.0f client_cpu_us_per_msg=%.3f client_cpu_pct=%.0f%s\n",
              FLAGS.label.c_str(), FLAGS.protocol.c_str(), bench.c_str(), msgs, m.secs, rate, errors, server_us,
              server_pct, client_us, client_pct, extra_kv.c_str());
  std::fflush(stdout);
}

// Fills `queue` with n messages via SendMessageBatch; returns the messages that made it.
// groups > 0: a FIFO queue, the messages spread over that many message groups.
int64_t Prefill(const Api& api, const std::string& queue, int64_t n, Pool& pool, int groups = 0) {
  if (n <= 0) return 0;
  SendWorkload w(api, queue, 10, n, groups);
  int64_t t0 = NowNs();
  {
    Runner r(w, pool);
    while (!r.Done() && NowNs() - t0 < int64_t(FLAGS.max_phase) * 1000000000) SleepMs(1);
    w.stop.store(true);
  }
  int64_t got = w.counters.msgs.load();
  if (FLAGS.verbose) {
    std::fprintf(stderr, "[%s] prefilled %" PRId64 " msgs in %.2f s (%" PRId64 " errors)\n", FLAGS.label.c_str(), got,
                 double(NowNs() - t0) / 1e9, w.counters.errors.load());
  }
  return got;
}

// ------------------------------------------------------------------------------------------------ benchmarks

// A FIFO benchmark on a server that refused to create a FIFO queue (e.g. ElasticMQ 0.7.1): one line
// saying so instead of a measurement.
void ReportUnsupported(const std::string& bench, int groups, const std::string& error) {
  std::printf("%-12s %-6s %-14s : not supported (%.300s)\n", bench.c_str(), FLAGS.protocol.c_str(),
              FLAGS.label.c_str(), OneLine(error).c_str());
  std::printf("RESULT label=%s protocol=%s bench=%s groups=%d unsupported=1\n", FLAGS.label.c_str(),
              FLAGS.protocol.c_str(), bench.c_str(), groups);
  std::fflush(stdout);
}

std::string GroupsKv(int groups) { return groups > 0 ? " groups=" + std::to_string(groups) : std::string(); }
std::string GroupsHuman(int groups) {
  return groups > 0 ? "  [" + std::to_string(groups) + " message group" + (groups > 1 ? "s]" : "]") : std::string();
}

// groups > 0: a FIFO queue, MessageGroupId cycling over `groups`, a unique deduplication id per message.
void BenchSend(const Api& api, const std::string& bench, int batch, int groups = 0) {
  std::string q;
  if (groups > 0) {
    std::string error;
    q = TryCreateQueue(api, bench, true, {}, &error);
    if (q.empty()) return ReportUnsupported(bench, groups, error);
  } else {
    q = CreateQueue(api, bench);
  }
  SendWorkload w(api, q, batch, 0, groups);
  Runner r(w, FLAGS.connections);
  SleepMs(FLAGS.warmup * 1000);
  int64_t m0 = w.counters.msgs.load(), e0 = w.counters.errors.load();
  Window a = Window::Now();
  SleepMs(FLAGS.duration * 1000);
  Window b = Window::Now();
  int64_t m1 = w.counters.msgs.load(), e1 = w.counters.errors.load();
  w.stop.store(true);
  r.Join();
  Report(bench, m1 - m0, e1 - e0, Between(a, b), GroupsKv(groups), GroupsHuman(groups));
  DeleteQueue(api, q);
}

// groups > 0: a FIFO queue prefilled with fifo_prefill messages spread over `groups` message groups. A
// FIFO group has at most one batch in flight, so with one group the drain is serial by design and the
// other connections' receives come back empty.
void BenchRecvDelete(const Api& api, const std::string& bench = "recv-delete", int groups = 0) {
  std::string q;
  if (groups > 0) {
    std::string error;
    q = TryCreateQueue(api, bench, true, {}, &error);
    if (q.empty()) return ReportUnsupported(bench, groups, error);
  } else {
    q = CreateQueue(api, bench);
  }
  Pool pool(FLAGS.connections);
  int64_t filled = Prefill(api, q, groups > 0 ? FLAGS.fifo_prefill : FLAGS.prefill, pool, groups);
  int64_t rss_kb = ServerRssKb(FLAGS.server_pid);  // holding the backlog
  RecvDeleteWorkload w(api, q, filled);
  Window a = Window::Now();
  Runner r(w, pool);
  int64_t deadline = a.wall_ns + int64_t(FLAGS.max_phase) * 1000000000;
  while (!r.Done() && NowNs() < deadline) SleepMs(0.5);
  Window b = Window::Now();
  w.stop.store(true);
  r.Join();
  int64_t msgs = w.counters.msgs.load();
  char kv[200], human[200];
  std::snprintf(kv, sizeof kv, " prefill=%" PRId64 " empty_receives=%" PRId64 " backlog_rss_kb=%" PRId64 "%s",
                filled, w.counters.empty_receives.load(), rss_kb, GroupsKv(groups).c_str());
  std::snprintf(human, sizeof human, "  [backlog %" PRId64 "%s, %" PRId64 " empty receives]%s", filled,
                msgs < filled ? ", NOT drained" : "", w.counters.empty_receives.load(), GroupsHuman(groups).c_str());
  Report(bench, msgs, w.counters.errors.load() + (filled - std::min(msgs, filled)), Between(a, b), kv, human);
  DeleteQueue(api, q);
}

// Receive+delete cost as a function of backlog. Each round tops the queue up to the backlog (not measured),
// then receives+deletes half of it (measured), so receives always find full batches; rounds repeat until
// scaling_msgs messages were measured. The connections persist across rounds. CPU from schedstat (ns
// resolution), since the rounds at small backlogs are short.
void BenchRecvScaling(const Api& api) {
  Pool pool(FLAGS.connections);
  for (const std::string& b : Split(FLAGS.backlogs, ',')) {
    int64_t backlog = std::strtoll(b.c_str(), nullptr, 10);
    std::string q = CreateQueue(api, "recv-scaling");
    int64_t in_queue = 0, measured = 0, errors = 0;
    Measure total;
    if (FLAGS.server_pid > 0) total.server_ns = total.server_sched_ns = 0;
    int rounds = 0;
    while (measured < FLAGS.scaling_msgs && rounds < 10000) {
      ++rounds;
      in_queue += Prefill(api, q, backlog - in_queue, pool);
      int64_t take = std::min<int64_t>(std::max<int64_t>(1, in_queue / 2), FLAGS.scaling_msgs - measured);
      RecvDeleteWorkload w(api, q, take);
      Window wa = Window::Now();
      {
        Runner r(w, pool);
        int64_t deadline = wa.wall_ns + int64_t(FLAGS.max_phase) * 1000000000;
        while (!r.Done() && NowNs() < deadline) SleepMs(0.2);
        w.stop.store(true);
      }
      Window wb = Window::Now();
      Measure m = Between(wa, wb);
      total.secs += m.secs;
      if (FLAGS.server_pid > 0) {
        total.server_ns += std::max(0.0, m.server_ns);
        total.server_sched_ns += std::max(0.0, m.server_sched_ns);
      }
      total.client_ns += m.client_ns;
      int64_t got = w.counters.msgs.load();
      measured += got;
      in_queue -= got;
      errors += w.counters.errors.load();
      if (got == 0) break;
    }
    char kv[100], human[100];
    std::snprintf(kv, sizeof kv, " backlog=%" PRId64 " rounds=%d", backlog, rounds);
    std::snprintf(human, sizeof human, "  [backlog %" PRId64 ", %d rounds]", backlog, rounds);
    Report("recv-scaling", measured, errors, total, kv, human, /*use_sched=*/FLAGS.server_pid > 0);
    DeleteQueue(api, q);
  }
}

// K waiters long-poll an empty queue; one sender sends a message every interval_ms; the latency is from
// just before the send request is written until a waiter's response carrying that message is parsed.
void BenchLongPoll(const Api& api) {
  std::string q = CreateQueue(api, "longpoll");
  const std::string receive = ReceiveReq(api, q, 1, 20, 600);
  Loop loop;
  std::vector<Conn*> waiters;
  for (int i = 0; i < FLAGS.waiters; ++i) waiters.push_back(loop.Add(i));
  Conn* sender = loop.Add(FLAGS.waiters);
  sender->role = 1;
  std::vector<int64_t> sent_at(size_t(FLAGS.samples) + 1, 0), latency;
  int64_t errors = 0, seq = 0, empty = 0;
  auto cb = [&](Conn& c, const Response& r) {
    int64_t now = NowNs();
    if (r.status != 200) {
      ++errors;
      ReportError(c, r.status, r.body);
    }
    if (c.role == 1) return;  // the sender's response
    std::string msg = r.status == 200 ? FindFirst(r.body, api.json(), "Body") : std::string();
    if (msg.compare(0, 3, "lp-") == 0) {
      int64_t s = std::strtoll(msg.c_str() + 3, nullptr, 10);
      if (s >= 1 && s <= FLAGS.samples && sent_at[size_t(s)] > 0) latency.push_back(now - sent_at[size_t(s)]);
    } else if (r.status == 200) {
      ++empty;
    }
    if (seq < FLAGS.samples || int64_t(latency.size()) < seq) loop.Send(c, FLAGS.sign ? ReceiveReq(api, q, 1, 20, 600) : receive);
  };
  for (Conn* c : waiters) loop.Send(*c, receive);
  // Let every waiter park on the server before the first message.
  int64_t t_end = NowNs() + 500000000;
  while (NowNs() < t_end) loop.Poll(10, cb);
  Window a = Window::Now();
  int64_t next = NowNs();
  int64_t last_send = 0;
  for (;;) {
    int64_t now = NowNs();
    if (seq < FLAGS.samples && now >= next && !sender->busy) {
      ++seq;
      std::string body = "lp-" + std::to_string(seq) + "-";
      body += Body(seq, std::max(0, FLAGS.msg_size - int(body.size())));
      std::string req = SendMessageReq(api, q, body);
      last_send = sent_at[size_t(seq)] = NowNs();
      loop.Send(*sender, std::move(req));
      next = last_send + int64_t(FLAGS.interval_ms) * 1000000;
    }
    if (seq >= FLAGS.samples && (int64_t(latency.size()) >= seq || now - last_send > 25000000000LL)) break;
    int64_t wait_ns = seq < FLAGS.samples ? std::max<int64_t>(0, next - NowNs()) : 50000000;
    loop.Poll(int(std::min<int64_t>(wait_ns / 1000000, 50)), cb);
  }
  Window b = Window::Now();
  std::sort(latency.begin(), latency.end());
  auto pct = [&](double p) {
    if (latency.empty()) return -1.0;
    size_t i = std::min(latency.size() - 1, size_t(p * double(latency.size() - 1) + 0.5));
    return double(latency[i]) / 1e6;
  };
  int64_t lost = seq - int64_t(latency.size());
  char kv[200], human[200];
  std::snprintf(kv, sizeof kv, " p50_ms=%.3f p99_ms=%.3f max_ms=%.3f samples=%zu lost=%" PRId64 " waiters=%d",
                pct(0.5), pct(0.99), pct(1.0), latency.size(), lost, FLAGS.waiters);
  std::snprintf(human, sizeof human, "  wake p50 %.3f ms p99 %.3f ms max %.3f ms (%zu samples, %" PRId64 " lost)",
                pct(0.5), pct(0.99), pct(1.0), latency.size(), lost);
  Report("longpoll", int64_t(latency.size()), errors + lost, Between(a, b), kv, human);
  for (auto& c : loop.conns()) loop.CloseConn(*c);
  DeleteQueue(api, q);
}

// Synchronous requests over one persistent keep-alive connection (setup loops and polling).
class SyncConn {
 public:
  SyncConn() : c_(loop_.Add(-1)) {}
  Response Call(const std::string& req, std::string* body_copy, int timeout_ms = 30000) {
    Response out;
    bool done = false;
    loop_.Send(*c_, req);
    int64_t deadline = NowNs() + int64_t(timeout_ms) * 1000000;
    while (!done && NowNs() < deadline) {
      loop_.Poll(10, [&](Conn&, const Response& r) {
        out.status = r.status;
        body_copy->assign(r.body);
        done = true;
      });
    }
    if (!done) loop_.AbandonBusy();
    out.body = *body_copy;
    return out;
  }

 private:
  Loop loop_;
  Conn* c_;
};

// A numeric field: "Name": 123 (JSON) or <Name>123</Name> (XML); -1 when absent.
int64_t FindNumber(std::string_view body, bool json, std::string_view name) {
  if (!json) {
    std::string v = FindFirst(body, false, name);
    return v.empty() ? -1 : std::strtoll(v.c_str(), nullptr, 10);
  }
  std::string key = "\"" + std::string(name) + "\"";
  size_t p = body.find(key);
  if (p == std::string_view::npos) return -1;
  p += key.size();
  while (p < body.size() && (body[p] == ' ' || body[p] == ':' || body[p] == '"')) ++p;
  return std::strtoll(std::string(body.substr(p, 24)).c_str(), nullptr, 10);
}

// Message move task rate accuracy: for each target rate R (MaxNumberOfMessagesPerSecond), a DLQ holding
// R * move_seconds messages is redriven to its source queue; the achieved rate is messages moved ÷ (time
// the task was first seen COMPLETED − time just before StartMessageMoveTask was sent). The DLQ is filled
// through the real dead-letter path: the source has maxReceiveCount=1, every message is received once with
// VisibilityTimeout=0 and moved by the next receive that finds it. ListMessageMoveTasks is polled every
// move_poll_ms, and every 5 ms once the task should be within 2 polls of its end, so the completion time is
// known to 5 ms (0.05 % of a 10 s task).
void BenchMoveTask(const Api& api) {
  for (const std::string& rs : Split(FLAGS.move_rates, ',')) {
    const int64_t rate = std::strtoll(rs.c_str(), nullptr, 10);
    const int64_t n = int64_t(double(rate) * FLAGS.move_seconds + 0.5);
    const std::string bench = "movetask";
    char kvrate[64];
    std::snprintf(kvrate, sizeof kvrate, " rate=%" PRId64, rate);
    std::string error;
    std::string dlq = TryCreateQueue(api, "movetask-dlq", false, {}, &error);
    std::string dlq_arn = dlq.empty() ? "" : GetQueueAttribute(api, dlq, "QueueArn");
    std::string src;
    // A server without dead-letter queues or move tasks (ElasticMQ 0.7.1): one line saying so.
    auto unsupported = [&](std::string why) {
      std::printf("%-12s %-6s %-14s : not supported (%.300s)\n", bench.c_str(), FLAGS.protocol.c_str(),
                  FLAGS.label.c_str(), OneLine(why).c_str());
      std::printf("RESULT label=%s protocol=%s bench=%s%s unsupported=1\n", FLAGS.label.c_str(),
                  FLAGS.protocol.c_str(), bench.c_str(), kvrate);
      std::fflush(stdout);
      if (!src.empty()) DeleteQueue(api, src);
      if (!dlq.empty()) DeleteQueue(api, dlq);
    };
    if (dlq_arn.empty()) {
      unsupported(error.empty() ? "GetQueueAttributes returns no QueueArn, so no RedrivePolicy can name it" : error);
      continue;
    }
    std::string policy = "{\"deadLetterTargetArn\":\"" + dlq_arn + "\",\"maxReceiveCount\":\"1\"}";
    src = TryCreateQueue(api, "movetask-src", false, {{"RedrivePolicy", policy}}, &error);
    if (src.empty()) {
      unsupported(error);
      continue;
    }
    int64_t errors = 0;
    {
      Pool pool(FLAGS.connections);
      int64_t sent = Prefill(api, src, n, pool);
      errors += n - sent;
    }
    // Dead-letter them: receive each once (VisibilityTimeout=0 keeps it visible, receive count 1); the
    // next receive that meets it moves it to the DLQ and keeps filling its batch from the rest.
    SyncConn conn;
    std::string body;
    const std::string receive = ReceiveReq(api, src, 10, 0, 0);
    int64_t t_fill = NowNs();
    int64_t receives = 0;
    for (;;) {
      Response r = conn.Call(receive, &body);
      ++receives;
      if (r.status != 200) {
        ++errors;
        std::fprintf(stderr, "[%s] receive (DLQ fill): HTTP %d %.300s\n", FLAGS.label.c_str(), r.status,
                     body.c_str());
        break;
      }
      if (CountOf(body, "ReceiptHandle") == 0) break;
      // Each message is returned once and moved once, so about n/5 receives; more means the server does
      // not dead-letter.
      if (receives > n / 2 + 100 || NowNs() - t_fill > int64_t(FLAGS.max_phase) * 1000000000) break;
    }
    int64_t in_dlq = std::strtoll(GetQueueAttribute(api, dlq, "ApproximateNumberOfMessages").c_str(), nullptr, 10);
    if (FLAGS.verbose) {
      std::fprintf(stderr, "[%s] %" PRId64 " messages dead-lettered in %.2f s (%" PRId64 " receives)\n",
                   FLAGS.label.c_str(), in_dlq, double(NowNs() - t_fill) / 1e9, receives);
    }
    if (in_dlq <= 0) {
      unsupported("no message reached the DLQ after " + std::to_string(receives) +
                  " receives with maxReceiveCount=1 (no RedrivePolicy support)");
      continue;
    }
    if (in_dlq != n) {
      std::fprintf(stderr, "[%s] movetask: DLQ holds %" PRId64 " messages, expected %" PRId64 "\n",
                   FLAGS.label.c_str(), in_dlq, n);
      errors += std::max<int64_t>(0, n - in_dlq);
    }

    const std::string start = api.Build(
        "StartMessageMoveTask", "", "SourceArn=" + UrlEncode(dlq_arn) + "&MaxNumberOfMessagesPerSecond=" + rs,
        "\"SourceArn\":\"" + dlq_arn + "\",\"MaxNumberOfMessagesPerSecond\":" + rs);
    const std::string list = api.Build("ListMessageMoveTasks", "", "SourceArn=" + UrlEncode(dlq_arn) + "&MaxResults=1",
                                       "\"SourceArn\":\"" + dlq_arn + "\",\"MaxResults\":1");
    Window a = Window::Now();
    const int64_t t0 = NowNs();
    Response r = conn.Call(start, &body);
    if (r.status != 200) {
      unsupported("StartMessageMoveTask: HTTP " + std::to_string(r.status) + " " + body);
      continue;
    }
    // Poll until COMPLETED (or another final state). Also a steady-state rate from the moved counts
    // between the first poll after 1 s and the last poll still RUNNING.
    const int64_t expected_ns = int64_t(double(n) / double(rate) * 1e9);
    const int64_t poll_ns = int64_t(FLAGS.move_poll_ms) * 1000000;
    int64_t t_end = 0, moved = 0, polls = 0, mid_t = 0, mid_moved = -1, last_t = 0, last_moved = 0;
    std::string status;
    for (;;) {
      int64_t now = NowNs();
      int64_t next = now + poll_ns;
      if (t0 + expected_ns - now < 2 * poll_ns) next = now + 5000000;
      SleepMs(double(next - now) / 1e6);
      const int64_t sent_at = NowNs();
      r = conn.Call(list, &body);
      ++polls;
      if (r.status != 200) {
        ++errors;
        std::fprintf(stderr, "[%s] ListMessageMoveTasks: HTTP %d %.300s\n", FLAGS.label.c_str(), r.status,
                     body.c_str());
        break;
      }
      status = FindFirst(body, api.json(), "Status");
      moved = FindNumber(body, api.json(), "ApproximateNumberOfMessagesMoved");
      if (status != "RUNNING") {
        t_end = sent_at;
        break;
      }
      if (mid_moved < 0 && sent_at - t0 >= 1000000000) {
        mid_t = sent_at;
        mid_moved = moved;
      }
      last_t = sent_at;
      last_moved = moved;
      if (sent_at - t0 > expected_ns * 3 + int64_t(FLAGS.max_phase) * 1000000000) {
        status = "TIMEOUT";
        t_end = sent_at;
        break;
      }
    }
    Window b = Window::Now();
    Measure m = Between(a, b);
    m.secs = double(t_end - t0) / 1e9;
    if (status != "COMPLETED" || moved != in_dlq) errors += std::max<int64_t>(1, in_dlq - moved);
    double achieved = m.secs > 0 ? double(moved) / m.secs : 0;
    double error_pct = 100.0 * (achieved - double(rate)) / double(rate);
    double steady = mid_moved >= 0 && last_t > mid_t ? double(last_moved - mid_moved) / (double(last_t - mid_t) / 1e9)
                                                    : -1;
    char kv[300], human[300];
    std::snprintf(kv, sizeof kv, "%s target=%" PRId64 " error_pct=%.2f steady_per_s=%.1f status=%s polls=%" PRId64,
                  kvrate, rate, error_pct, steady, status.c_str(), polls);
    std::snprintf(human, sizeof human, "  [target %" PRId64 "/s: error %+.2f %%, steady %.1f/s, %s after %" PRId64
                  " polls]", rate, error_pct, steady, status.c_str(), polls);
    Report(bench, moved, errors, m, kv, human);
    DeleteQueue(api, src);
    DeleteQueue(api, dlq);
  }
}

// Polls every millisecond until the server answers 200; reports the time since --start_ns.
int BenchHealth(const Api& api) {
  std::string req = FLAGS.health_path.empty() ? api.Build("ListQueues", "", "", "") : api.Get(FLAGS.health_path);
  int64_t deadline = NowNs() + int64_t(FLAGS.health_timeout_ms) * 1000000;
  int attempts = 0;
  while (NowNs() < deadline) {
    ++attempts;
    int fd = Connect();
    if (fd >= 0) {
      close(fd);
      std::string body;
      Response r = SyncCall(req, &body, 2000);
      if (r.status == 200) {
        double ms = FLAGS.start_ns > 0 ? double(RealtimeNs() - FLAGS.start_ns) / 1e6 : -1;
        std::printf("health       %-6s %-14s : healthy after %.1f ms (%d attempts)\n", FLAGS.protocol.c_str(),
                    FLAGS.label.c_str(), ms, attempts);
        std::printf("RESULT label=%s protocol=%s bench=health ms=%.1f attempts=%d\n", FLAGS.label.c_str(),
                    FLAGS.protocol.c_str(), ms, attempts);
        std::fflush(stdout);
        return 0;
      }
    }
    SleepMs(1);
  }
  std::fprintf(stderr, "[%s] not healthy after %d ms\n", FLAGS.label.c_str(), FLAGS.health_timeout_ms);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (!ParseFlags(argc, argv)) return 2;
  signal(SIGPIPE, SIG_IGN);
  Api api;
  int rc = 0;
  for (const std::string& bench : Split(FLAGS.benchmarks, ',')) {
    if (bench == "send") {
      BenchSend(api, "send", 1);
    } else if (bench == "send-batch") {
      BenchSend(api, "send-batch", 10);
    } else if (bench == "recv-delete") {
      BenchRecvDelete(api);
    } else if (bench == "longpoll") {
      BenchLongPoll(api);
    } else if (bench == "recv-scaling") {
      BenchRecvScaling(api);
    } else if (bench == "fifo-send") {
      BenchSend(api, "fifo-send", 1, FLAGS.groups);
    } else if (bench == "fifo-recv-delete") {
      BenchRecvDelete(api, "fifo-recv-delete", FLAGS.groups);
    } else if (bench == "movetask") {
      BenchMoveTask(api);
    } else if (bench == "health") {
      rc |= BenchHealth(api);
    } else {
      std::fprintf(stderr, "unknown benchmark: %s\n", bench.c_str());
      return 2;
    }
  }
  return rc;
}
