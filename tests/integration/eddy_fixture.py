"""Starts the real `eddy` binary for integration tests (stdlib only).

Works under both the pyenv Python (boto3 1.43, JSON protocol) and Debian's /usr/bin/python3 (boto3 1.26,
Query protocol). The binary comes from $EDDY_BIN (set by ctest to $<TARGET_FILE:eddy>).

    with EddyServer() as server:           # durable, fresh temp data dir, free port
        url = server.endpoint               # http://127.0.0.1:PORT
        server.kill9(); server.start()      # crash + recover on the same data dir
        server.restart()                    # graceful (SIGTERM) restart

Server stderr/stdout go to a temp log file; `dump_log()` prints it (EddyTestCase does so when a test
fails or the server dies). Also provides a tiny signed AWS JSON 1.0 / Query HTTP client for raw tests
(RawClient, RawServerTestCase) and the boto3 helpers the SDK suites share (make_client,
SqsClientMixin). boto3/botocore are imported only when those helpers run, so the module itself needs
nothing beyond the standard library.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

ACCOUNT = "000000000000"
REGION = "us-east-1"
ACCESS_KEY = "test"
SECRET_KEY = "test"


def _find_binary():
    path = os.environ.get("EDDY_BIN")
    if not path:
        raise RuntimeError("EDDY_BIN is not set: point it at the eddy binary (ctest sets it)")
    if not os.access(path, os.X_OK):
        raise RuntimeError("EDDY_BIN=%s is not an executable file (build target `eddy` first)" % path)
    return path


def free_port():
    """A port that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(host, port, path, timeout=2.0):
    """(status, body bytes) or raises OSError."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class EddyServer:
    """One eddy process (restartable) bound to 127.0.0.1 on a free port.

    Not thread-safe: drive start/stop/kill9 from one thread. Each instance owns its temp data dir and
    log file, so several test processes can run in parallel (ctest -j).
    """

    def __init__(self, in_memory=False, extra_args=(), env=None, startup_timeout=20.0):
        self.binary = _find_binary()
        self.in_memory = in_memory
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.host = "127.0.0.1"
        self.port = None
        self.proc = None
        self.data_dir = None if in_memory else tempfile.mkdtemp(prefix="eddy-test-data-")
        fd, self.log_path = tempfile.mkstemp(prefix="eddy-test-", suffix=".log")
        os.close(fd)
        self.starts = 0

    # ---- lifecycle ----
    @property
    def endpoint(self):
        return "http://%s:%d" % (self.host, self.port)

    def start(self, port=None):
        """Starts the server (reusing the previous port when possible) and waits for health."""
        want = port or self.port
        last_error = None
        for attempt in range(4):
            p = want if (want and attempt == 0) else free_port()
            ok, last_error = self._try_start(p)
            if ok:
                self.port = p
                self.starts += 1
                return self
        self.dump_log()
        raise RuntimeError("eddy did not start: %s (log: %s)" % (last_error, self.log_path))

    def _try_start(self, port):
        args = [self.binary, "serve", "--host", self.host, "--port", str(port)]
        if self.in_memory:
            args.append("--in-memory")
        else:
            args += ["--data-dir", self.data_dir]
        args += self.extra_args
        env = dict(os.environ)
        for k in ("EDDY_HOST", "EDDY_PORT", "EDDY_DATA_DIR", "EDDY_IN_MEMORY"):
            env.pop(k, None)
        env.update(self.extra_env)
        with open(self.log_path, "ab") as log:
            log.write(("\n==== start #%d: %s\n" % (self.starts + 1, " ".join(args))).encode())
            log.flush()
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         env=env, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False, "exited with code %s" % self.proc.returncode
            try:
                status, _ = http_get(self.host, port, "/_eddy/health", timeout=1.0)
                if status == 200 and self.proc.poll() is None:
                    return True, None
            except OSError:
                pass
            time.sleep(0.02)
        self._kill_quietly()
        return False, "no healthy /_eddy/health within %.0fs" % self.startup_timeout

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """Graceful stop: SIGTERM, then SIGKILL after `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._append_log("==== did not exit %.0fs after SIGTERM; sending SIGKILL" % timeout)
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc = None
        return code

    def kill9(self):
        """SIGKILL (no chance to flush anything), then reap."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self._append_log("==== killed with SIGKILL")
            self.proc = None

    def restart(self):
        """Graceful stop + start on the same data dir and (if still free) the same port."""
        self.stop()
        return self.start()

    def close(self, keep_data=False):
        self.stop()
        if self.data_dir and not keep_data and not os.environ.get("EDDY_KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _kill_quietly(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _append_log(self, line):
        with open(self.log_path, "ab") as log:
            log.write((line + "\n").encode())

    # ---- diagnostics ----
    def log_text(self, max_bytes=200000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        if len(data) > max_bytes:
            data = b"...[truncated]...\n" + data[-max_bytes:]
        return data.decode("utf-8", "replace")

    def dump_log(self, why="server log"):
        sys.stderr.write("\n======== eddy %s (%s) ========\n%s\n======== end of eddy log ========\n"
                         % (why, self.log_path, self.log_text()))
        sys.stderr.flush()

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.dump_log("log after error")
        self.close()
        return False


# The AWS CLI the suites drive: $EDDY_AWS_CLI (ctest passes the one CMake found), else `aws` on PATH.
AWS_CLI = os.environ.get("EDDY_AWS_CLI") or shutil.which("aws")


def run_aws_cli(endpoint, service, args, cli=None, cwd=None, region=REGION, timeout=90):
    """Runs `aws --endpoint-url ENDPOINT --output json SERVICE ARGS...` with test credentials, no user
    configuration and no retries. Returns (command, exit code, stdout, stderr)."""
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": region, "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
    })
    for k in list(env):
        if k in ("AWS_PROFILE", "AWS_SESSION_TOKEN") or k.startswith("AWS_ENDPOINT_URL"):
            del env[k]
    cmd = [cli or AWS_CLI, "--endpoint-url", endpoint, "--output", "json", service] + list(args)
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, cwd=cwd)
    return cmd, p.returncode, p.stdout.decode(), p.stderr.decode()


class EddyTestCase(unittest.TestCase):
    """unittest base: one server per class; prints the server log for failed tests and fails loudly if
    the server died."""

    server_in_memory = False
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = EddyServer(in_memory=cls.server_in_memory).start()
        cls._server_failed = False

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            code = cls.server.stop()
            if code not in (0, None):
                cls.server.dump_log("exited with %s after SIGTERM" % code)
            cls.server.close(keep_data=cls._server_failed)
        super().tearDownClass()

    def run(self, result=None):
        before = (len(result.failures) + len(result.errors)) if result is not None else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            type(self)._server_failed = True
            if self.server is not None:
                self.server.dump_log("log after failure of %s" % self.id())
        return out

    def aws_cli(self, service, *args, expect_ok=True, cli=None, cwd=None):
        """Runs `aws SERVICE ARGS...` against this class's server. expect_ok: asserts success and returns
        the parsed JSON output ({} if none); else asserts failure and returns (exit code, stderr)."""
        cmd, code, out, err = run_aws_cli(self.server.endpoint, service, args, cli=cli, cwd=cwd)
        if expect_ok:
            self.assertEqual(code, 0, "%s\nstdout: %s\nstderr: %s" % (cmd, out, err))
            return json.loads(out) if out.strip() else {}
        self.assertNotEqual(code, 0, "%s\nstdout: %s" % (cmd, out))
        return code, err

    def tearDown(self):
        if self.server is not None and self.server.proc is not None and not self.server.alive():
            self.fail("eddy died during the test (exit code %s)" % self.server.proc.returncode)
        super().tearDown()


# ---------------------------------------------------------------------------------------------------
# Minimal signed raw HTTP client (for malformed-input tests and the crash test).

def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def sigv4_headers(method, host, path, query, headers, body, region=REGION, service="sqs",
                  access_key=ACCESS_KEY, secret_key=SECRET_KEY, now=None):
    """Returns `headers` plus X-Amz-Date and a SigV4 Authorization header."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    h = dict(headers)
    h["Host"] = host
    h["X-Amz-Date"] = amz_date
    canon_headers = sorted((k.lower(), " ".join(str(v).strip().split())) for k, v in h.items())
    signed = ";".join(k for k, _ in canon_headers)
    canon_uri = urllib.parse.quote(path or "/", safe="/-_.~")
    pairs = urllib.parse.parse_qsl(query or "", keep_blank_values=True)
    canon_query = "&".join(
        "%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
        for k, v in sorted(pairs))
    canonical = "\n".join([method, canon_uri, canon_query,
                           "".join("%s:%s\n" % kv for kv in canon_headers), signed,
                           _sha256_hex(body or b"")])
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256_hex(canonical.encode())])
    key = _hmac(("AWS4" + secret_key).encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    h["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key, scope, signed, sig)
    del h["Host"]  # http.client adds it (same value)
    return h


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict with lower-case keys
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "RawResponse(%d, %r, %r)" % (self.status, self.headers, self.body[:2000])


class RawClient:
    """Signed requests over one keep-alive connection (reconnects on failure). Not thread-safe."""

    def __init__(self, host, port, timeout=30.0, region=REGION, service="sqs"):
        self.host, self.port, self.timeout, self.region = host, port, timeout, region
        self.service = service  # the SigV4 scope's service: IAM and SQS share `POST /`
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=b"", headers=None, sign=True, query=""):
        headers = dict(headers or {})
        host = "%s:%d" % (self.host, self.port)
        if sign:
            headers = sigv4_headers(method, host, path, query, headers, body, region=self.region,
                                    service=self.service)
        url = path + ("?" + query if query else "")
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, url, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.close()
            raise
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if resp.will_close:
            self.close()
        return RawResponse(resp.status, hdrs, data)

    def json_call(self, action, params=None, raw_body=None, target=None, path="/"):
        body = raw_body if raw_body is not None else json.dumps(params or {}).encode("utf-8")
        headers = {"Content-Type": "application/x-amz-json-1.0",
                   "X-Amz-Target": target if target is not None else ("AmazonSQS." + action)}
        return self.request("POST", path, body, headers)

    def query_call(self, params=None, raw_body=None, path="/"):
        if raw_body is None:
            p = {"Version": "2012-11-05"}
            p.update(params or {})
            raw_body = urllib.parse.urlencode(p).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        return self.request("POST", path, raw_body, headers)


# ---------------------------------------------------------------------------------------------------
# Helpers shared by the raw-client crash tests (tests/crash/).

def raw_call(client, action, params):
    """(status, json) of one AWS JSON 1.0 call on a RawClient; raises OSError/HTTPException on
    connection trouble."""
    r = client.json_call(action, params)
    try:
        body = r.json() if r.body else {}
    except ValueError:
        body = {"raw": r.body[:200]}
    return r.status, body


class RawServerTestCase(unittest.TestCase):
    """A fresh durable server and a RawClient per test. Unless the test ends with `self.failed = False`,
    tearDown prints the server log and keeps the data dir. Subclasses name the log via failure_label()."""

    def setUp(self):
        self.server = EddyServer(in_memory=False).start()
        self.client = RawClient(self.server.host, self.server.port, timeout=30)
        self.failed = True

    def tearDown(self):
        self.client.close()
        if self.failed:
            self.server.dump_log(self.failure_label())
        self.server.close(keep_data=self.failed)
        if self.failed and self.server.data_dir:
            sys.stderr.write("data dir kept: %s\n" % self.server.data_dir)

    def failure_label(self):
        return "log after failure of %s" % self.id()

    def reconnect(self):
        """A new connection, e.g. after the server was restarted."""
        self.client.close()
        self.client = RawClient(self.server.host, self.server.port, timeout=30)

    def call(self, action, params):
        return raw_call(self.client, action, params)

    def ok(self, action, params):
        status, body = self.call(action, params)
        self.assertEqual(status, 200, "%s -> %d %r" % (action, status, body))
        return body

    def counts(self, url):
        """(visible, not visible, delayed)."""
        a = self.ok("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
        return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
                int(a["ApproximateNumberOfMessagesDelayed"]))


# ---------------------------------------------------------------------------------------------------
# SQS naming and boto3 helpers (boto3 is imported lazily: the raw tests run without it).

def arn_of(name, region=REGION):
    return "arn:aws:sqs:%s:%s:%s" % (region, ACCOUNT, name)


def redrive(dlq_arn, max_receive_count=1):
    """A RedrivePolicy attribute value."""
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})


def import_boto3():
    """Imports boto3 after cutting it off from a developer's ~/.aws files and endpoint overrides."""
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS"):
        os.environ.pop(var, None)
    import boto3
    return boto3


def make_client(endpoint, region=REGION):
    """A boto3 SQS client for `endpoint`: test credentials, no retries."""
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=region)
    return session.client("sqs", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=40,
        max_pool_connections=20))


def close_client(client):
    close = getattr(client, "close", None)  # botocore >= 1.29.x
    if close is not None:
        close()


class SqsClientMixin:
    """Mixin for EddyTestCase subclasses (listed before it): one boto3 client per class in `cls.sqs`,
    plus helpers the SDK suites share."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = make_client(cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        close_client(cls.sqs)
        super().tearDownClass()

    def reconnect_client(self):
        """A new class client, e.g. after the server restarted on another port."""
        close_client(self.sqs)
        type(self).sqs = make_client(self.server.endpoint)

    def new_queue(self, tag="q", fifo=False, **attrs):
        """Creates "it-<tag>-<random>[.fifo]" with the attributes stringified; returns (name, url)."""
        name = "it-%s-%s%s" % (tag, uuid.uuid4().hex[:10], ".fifo" if fifo else "")
        a = {"FifoQueue": "true"} if fifo else {}
        a.update({k: str(v) for k, v in attrs.items()})
        url = self.sqs.create_queue(QueueName=name, Attributes=a)["QueueUrl"]
        return name, url

    def attrs(self, url, *names):
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names) or ["All"]
                                             ).get("Attributes", {})

    def receive(self, url, **kw):
        kw.setdefault("WaitTimeSeconds", 0)
        return self.sqs.receive_message(QueueUrl=url, **kw).get("Messages", [])

    def assertError(self, fn, code, message=None, status=400, message_prefix=None):
        """Runs fn, which must raise a ClientError with this code, HTTP status and (when given) message
        or message prefix. Returns the exception."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        err = cm.exception.response["Error"]
        self.assertEqual(err.get("Code"), code, cm.exception.response)
        if message is not None:
            self.assertEqual(err.get("Message"), message, cm.exception.response)
        if message_prefix is not None:
            self.assertTrue(err.get("Message", "").startswith(message_prefix), cm.exception.response)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], status,
                         cm.exception.response)
        return cm.exception
