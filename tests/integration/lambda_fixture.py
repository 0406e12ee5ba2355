"""Shared helpers for the Lambda integration suites: boto3 (pyenv, 1.43) against the real eddy binary.

    class MyTest(LambdaTestCase):            # one eddy per class; self.lam / self.sqs / self.logs
        def test_x(self):
            name = self.create_function({"app.py": SRC}, "app.handler")   # waits for Active
            inv = self.invoke(name, {"a": 1}, tail=True)                   # Invocation
            inv.payload, inv.function_error, inv.log, inv.request_id

Deployment packages are built in memory (`make_zip`). Functions get the role ROLE and are deleted when
the test ends. Handlers run under the same Python as the tests (EDDY_LAMBDA_PYTHON=sys.executable), so
handler code can `import boto3` exactly as on AWS.
"""

import base64
import datetime
import io
import json
import os
import re
import sys
import time
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (ACCOUNT, ACCESS_KEY, REGION, SECRET_KEY, EddyServer,  # noqa: E402
                          EddyTestCase, arn_of, close_client, import_boto3, make_client)

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT

# Platform log lines (reference/lambda.md §3.2); REPORT fields are tab-separated with a trailing tab.
REPORT_RE = (r"REPORT RequestId: %s\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
             r"Memory Size: \d+ MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?")
LOG_STREAM_RE = r"^\d{4}/\d\d/\d\d/\[%s\][0-9a-f]{32}$"


def function_arn(name, qualifier=None, region=REGION):
    arn = "arn:aws:lambda:%s:%s:function:%s" % (region, ACCOUNT, name)
    return arn + ":" + qualifier if qualifier else arn


def unique_name(tag):
    return "it-%s-%s" % (tag, uuid.uuid4().hex[:10])


def make_zip(files, executable=()):
    """A zip of {name: str|bytes}; names in `executable` get mode 0755 (as a user's build script sets
    it: external_attr = 0o755 << 16), the rest 0644."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            z.writestr(info, content)
    return buf.getvalue()


def make_aws_client(service, endpoint, read_timeout=70):
    """A boto3 client for `service` on eddy: test credentials and no retries, so throttles
    (TooManyRequestsException) reach the test instead of being retried away."""
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    return session.client(service, endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=read_timeout,
        max_pool_connections=20))


class Invocation:
    """A synchronous Invoke's outcome."""

    def __init__(self, response, started, finished):
        self.response = response
        self.status = response["StatusCode"]
        self.request_id = response["ResponseMetadata"]["RequestId"]
        self.headers = response["ResponseMetadata"]["HTTPHeaders"]
        self.function_error = response.get("FunctionError")
        self.executed_version = response.get("ExecutedVersion")
        self.raw = response["Payload"].read()
        self.seconds = finished - started
        try:
            self.payload = json.loads(self.raw) if self.raw else None
        except ValueError:
            self.payload = self.raw
        self.log = (base64.b64decode(response["LogResult"]).decode("utf-8", "replace")
                    if "LogResult" in response else None)

    def __repr__(self):
        return "Invocation(status=%s, error=%s, request_id=%s, payload=%r, log=%r)" % (
            self.status, self.function_error, self.request_id, self.raw[:2000], self.log)


class LambdaTestCase(EddyTestCase):
    """One eddy per class with boto3 clients `lam`, `sqs`, `logs`."""

    server_env = {}
    server_args = ()  # extra `eddy serve` arguments, e.g. ("--clock", "virtual")

    @classmethod
    def setUpClass(cls):
        super(EddyTestCase, cls).setUpClass()  # not EddyTestCase's: the server needs extra env
        env = {"EDDY_LAMBDA_PYTHON": sys.executable}
        env.update(cls.server_env)
        cls._server_failed = False
        cls.server = EddyServer(env=env, extra_args=cls.server_args).start()
        cls.lam = make_aws_client("lambda", cls.server.endpoint)
        cls.logs = make_aws_client("logs", cls.server.endpoint)
        cls.sqs = make_client(cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        for client in (cls.lam, cls.logs, cls.sqs):
            close_client(client)
        super().tearDownClass()

    # ---- functions ----
    def create_function(self, files, handler, runtime="python3.12", name=None, timeout=3,
                        executable=(), environment=None, wait=True, **kw):
        """Creates a function from {file: source}, waits until it is Active and deletes it at the end
        of the test. Returns its name."""
        name = name or unique_name(runtime.split(".")[0].rstrip("0123456789"))
        args = dict(FunctionName=name, Runtime=runtime, Handler=handler, Role=ROLE, Timeout=timeout,
                    Code={"ZipFile": make_zip(files, executable)})
        if environment is not None:
            args["Environment"] = {"Variables": environment}
        args.update(kw)
        self.lam.create_function(**args)
        self.addCleanup(self.delete_function_quietly, name)
        if wait:
            self.lam.get_waiter("function_active_v2").wait(
                FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        return name

    def delete_function_quietly(self, name):
        try:
            self.lam.delete_function(FunctionName=name)
        except Exception:  # already deleted by the test, or the server is gone
            pass

    def wait_updated(self, name):
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    def invoke(self, name, payload=None, tail=False, raw_payload=None, **kw):
        """A RequestResponse invoke; `payload` is JSON-encoded unless `raw_payload` (bytes) is given."""
        if raw_payload is not None:
            kw["Payload"] = raw_payload
        elif payload is not None:
            kw["Payload"] = json.dumps(payload).encode("utf-8")
        if tail:
            kw["LogType"] = "Tail"
        started = time.monotonic()
        response = self.lam.invoke(FunctionName=name, **kw)
        return Invocation(response, started, time.monotonic())

    def invoke_ok(self, name, payload=None, **kw):
        """Invokes and asserts a 200 without FunctionError; returns the Invocation."""
        inv = self.invoke(name, payload, **kw)
        self.assertEqual(inv.status, 200, inv)
        self.assertIsNone(inv.function_error, inv)
        return inv

    def assertClientError(self, fn, code, status, message=None):
        """Runs fn, which must raise ClientError `code` with this HTTP status (and message). Returns the
        error response."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        resp = cm.exception.response
        self.assertEqual(resp["Error"].get("Code"), code, resp)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], status, resp)
        if message is not None:
            self.assertEqual(resp["Error"].get("Message"), message, resp)
        return resp

    # ---- log lines ----
    def assertPlatformLines(self, log, request_id, version="$LATEST", cold=None):
        """START / END / REPORT of `request_id` are in `log`; `cold` True/False: REPORT has / lacks
        Init Duration."""
        self.assertIn("START RequestId: %s Version: %s\n" % (request_id, version), log)
        self.assertIn("END RequestId: %s\n" % request_id, log)
        m = re.search(REPORT_RE % re.escape(request_id), log)
        self.assertIsNotNone(m, "no REPORT line for %s in:\n%s" % (request_id, log))
        if cold is True:
            self.assertIsNotNone(m.group(1), "cold start without Init Duration:\n%s" % log)
        elif cold is False:
            self.assertIsNone(m.group(1), "warm invoke with Init Duration:\n%s" % log)

    def log_events(self, name, until, timeout=15.0):
        """Polls FilterLogEvents on /aws/lambda/<name> until `until(events)` holds; returns the events
        (dicts with message, timestamp, logStreamName). The group appears with the first line, as on AWS;
        until then there are no events."""
        from botocore.exceptions import ClientError
        deadline = time.monotonic() + timeout
        while True:
            events = []
            try:
                for page in self.logs.get_paginator("filter_log_events").paginate(
                        logGroupName="/aws/lambda/" + name):
                    events.extend(page.get("events", []))
            except ClientError as e:
                if e.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
            if until(events) or time.monotonic() > deadline:
                return events
            time.sleep(0.25)

    # ---- queues ----
    def new_queue(self, tag="q", **attrs):
        """Creates a standard queue; returns (url, arn)."""
        name = unique_name(tag)
        url = self.sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attrs.items()}
                                    )["QueueUrl"]
        return url, arn_of(name)

    def receive_one(self, url, timeout=30.0, **kw):
        """Long-polls until one message arrives (or fails after `timeout`); deletes and returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            wait = max(1, min(20, int(deadline - time.monotonic())))
            msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait, MaxNumberOfMessages=1,
                                            **kw).get("Messages", [])
            if msgs:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
                return msgs[0]
        self.fail("no message on %s within %.0f s" % (url, timeout))

    def assertQueueEmpty(self, url, wait_seconds=1):
        msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait_seconds).get("Messages", [])
        self.assertEqual(msgs, [], "unexpected messages on %s" % url)


def utc_today_prefixes():
    """Log stream date prefixes that are "today" (UTC), allowing for a test that spans midnight."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return {(now - datetime.timedelta(minutes=m)).strftime("%Y/%m/%d") for m in (0, 10)}
