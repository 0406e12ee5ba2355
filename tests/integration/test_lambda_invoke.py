"""Lambda execution against the real eddy binary, driven by boto3 (reference/lambda.md §1.6, §2–4).

Covers, with real handler processes:
  - Python (python3.12): event and context fields (aws_request_id == the Invoke's x-amzn-RequestId,
    memory_limit_in_mb a string, get_remaining_time_in_millis() within the timeout), module state kept
    between warm invokes, print() and logging in the LogType=Tail log with START/END/REPORT and Init
    Duration on the cold invoke only, a raised exception (FunctionError Unhandled, errorType,
    errorMessage, stackTrace), Runtime.ImportModuleError, Sandbox.Timedout and a fresh module after it,
    the function's environment variables, and unchanged boto3 handler code reaching SQS on eddy
    (eddy sets AWS_ENDPOINT_URL).
  - Node (nodejs20.x): ESM async handler, CommonJS callback handler, a throw (error JSON with `trace`),
    console.log lines in the tail.
  - provided.al2023: a POSIX sh + curl `bootstrap` in the AWS tutorial style; _HANDLER visible.
  - Concurrency: reserved 0 throttles (429 TooManyRequestsException, Reason
    ReservedFunctionConcurrentInvocationLimitExceeded); reserved 1 throttles the second of two
    overlapping invokes; provisioned concurrency on a version reaches READY and its environment runs
    with AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency.
  - UpdateFunctionCode / UpdateFunctionConfiguration: the next invoke after the function_updated_v2
    waiter runs the new code / sees the new environment.
  - CloudWatch Logs: FilterLogEvents and DescribeLogStreams on /aws/lambda/<name>; `aws logs tail`
    when Debian's AWS CLI v2 (/usr/bin/aws) is installed.
  - Async (Event): 202 at once, OnSuccess destination record on SQS (its requestId is the 202's
    request id), DeadLetterConfig queue receiving the original event with RequestID / ErrorCode /
    ErrorMessage attributes (MaximumRetryAttempts=0, so no retry delay).

The 60 s async retry schedule is in test_lambda_async_retries.py.
Run: EDDY_BIN=build/src/server/eddy python3 tests/integration/test_lambda_invoke.py -v
"""

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lambda_fixture import (LOG_STREAM_RE, ROLE, LambdaTestCase, function_arn,  # noqa: E402
                            make_zip, utc_today_prefixes)

# ---------------------------------------------------------------------------------------------------
# Handler code

# The shared Python function: reports what the runtime gave it; `action` selects a behaviour.
PY_CONTEXT = r'''
import json
import logging
import os
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

INVOCATIONS = 0  # module state: survives warm invokes, reset by a new environment


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    action = event.get("action") if isinstance(event, dict) else None
    if action == "raise":
        raise ValueError("intentional failure")
    if action == "sleep":
        time.sleep(event["seconds"])
    print("print: hello from", context.function_name)
    logger.info("logging: invocation %d", INVOCATIONS)
    return {
        "event": event,
        "invocations": INVOCATIONS,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": {k: os.environ.get(k) for k in (
            "STAGE", "GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "_HANDLER",
            "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV")},
        "cwd_is_task_root": os.getcwd() == os.environ.get("LAMBDA_TASK_ROOT"),
    }
'''

PY_IMPORT_ERROR = "import does_not_exist_module\n\ndef handler(event, context):\n    return 1\n"

# Unchanged handler code as it would run on AWS: no endpoint, region or credentials in it.
PY_BOTO3 = r'''
import json
import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"from": context.function_name,
                                                                  "text": event["text"]}))
    return {"MessageId": sent["MessageId"]}
'''

NODE_ESM = r'''
export const handler = async (event, context) => {
  if (event.fail) throw new Error("node boom");
  console.log("esm got", JSON.stringify(event));
  return {
    event,
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    remaining: context.getRemainingTimeInMillis(),
    handlerEnv: process.env._HANDLER,
  };
};
'''

NODE_CJS = r'''
let calls = 0;
exports.handler = function (event, context, callback) {
  calls += 1;
  console.log("cjs call", calls);
  setTimeout(() => callback(null, { cjs: true, calls, event, requestId: context.awsRequestId }), 10);
};
'''

# The AWS custom-runtime tutorial's bootstrap, in POSIX sh (Debian's /bin/sh is dash: no pipefail, no
# `source`).
SH_BOOTSTRAP = r'''#!/bin/sh
set -eu
# Initialization: load the handler script named by the first part of _HANDLER.
. "$LAMBDA_TASK_ROOT/$(echo "$_HANDLER" | cut -d. -f1).sh"
while true
do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")
  curl -sS "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" \
    --data-binary "$RESPONSE"
  rm -f "$HEADERS"
done
'''

SH_FUNCTION = r'''handler () {
  EVENT_DATA=$1
  echo "shell handler got: $EVENT_DATA" 1>&2
  printf '{"echo":%s,"handler":"%s"}' "$EVENT_DATA" "$_HANDLER"
}
'''

PY_SLEEPER = r'''
import os
import time


def handler(event, context):
    time.sleep(event.get("seconds", 0))
    return {"initialization_type": os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"],
            "version": context.function_version}
'''

PY_FAILING = r'''
def handler(event, context):
    raise RuntimeError("intentional failure")
'''


class LambdaInvokeTest(LambdaTestCase):
    """Everything shares one eddy; the context function is created once for the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ctx_fn = "it-ctx-%d" % os.getpid()
        cls.lam.create_function(
            FunctionName=cls.ctx_fn, Runtime="python3.12", Handler="app.handler",
            Role=ROLE, Timeout=3, MemorySize=256,
            Environment={"Variables": {"STAGE": "test", "GREETING": "héllo wörld"}},
            Code={"ZipFile": make_zip({"app.py": PY_CONTEXT})})
        cls.lam.get_waiter("function_active_v2").wait(FunctionName=cls.ctx_fn,
                                                      WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    # ---- Python ----------------------------------------------------------------------------------
    def test_python_event_and_context(self):
        event = {"action": "echo", "nested": {"list": [1, 2.5, None, True], "text": "ünïcode ✓"}}
        inv = self.invoke_ok(self.ctx_fn, event)
        p = inv.payload
        self.assertEqual(inv.executed_version, "$LATEST")
        self.assertEqual(p["event"], event)
        self.assertEqual(p["aws_request_id"], inv.request_id)
        self.assertEqual(p["function_name"], self.ctx_fn)
        self.assertEqual(p["function_version"], "$LATEST")
        self.assertEqual(p["memory_limit_in_mb"], "256")  # a string, as on AWS
        self.assertEqual(p["invoked_function_arn"], function_arn(self.ctx_fn))
        self.assertEqual(p["log_group_name"], "/aws/lambda/" + self.ctx_fn)
        self.assertRegex(p["log_stream_name"], LOG_STREAM_RE % re.escape("$LATEST"))
        self.assertGreater(p["remaining_ms"], 0)
        self.assertLessEqual(p["remaining_ms"], 3000)
        self.assertTrue(p["cwd_is_task_root"], p)
        env = p["env"]
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], self.ctx_fn)
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256")
        self.assertEqual(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand")
        self.assertEqual(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/" + self.ctx_fn)
        self.assertEqual(env["AWS_LAMBDA_LOG_STREAM_NAME"], p["log_stream_name"])
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["_HANDLER"], "app.handler")
        self.assertEqual(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12")

        # Invoked by ARN, the context reports the ARN as the caller named it.
        by_arn = self.invoke_ok(function_arn(self.ctx_fn), {"action": "echo"})
        self.assertEqual(by_arn.payload["invoked_function_arn"], function_arn(self.ctx_fn))

    def test_python_environment_variables(self):
        env = self.invoke_ok(self.ctx_fn, {}).payload["env"]
        self.assertEqual(env["STAGE"], "test")
        self.assertEqual(env["GREETING"], "héllo wörld")

    def test_python_module_state_persists_between_warm_invokes(self):
        first = self.invoke_ok(self.ctx_fn, {}).payload["invocations"]
        second = self.invoke_ok(self.ctx_fn, {}).payload["invocations"]
        self.assertEqual(second, first + 1)

    def test_python_tail_log_cold_then_warm(self):
        name = self.create_function({"app.py": PY_CONTEXT}, "app.handler")
        cold = self.invoke_ok(name, {"n": 1}, tail=True)
        self.assertPlatformLines(cold.log, cold.request_id, cold=True)
        self.assertIn("print: hello from %s\n" % name, cold.log)
        self.assertRegex(cold.log, r"\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t%s\t"
                                   r"logging: invocation 1\n" % re.escape(cold.request_id))
        # Order: START, then the handler's output, then END, then REPORT.
        self.assertLess(cold.log.index("START RequestId"), cold.log.index("print: hello"))
        self.assertLess(cold.log.index("print: hello"), cold.log.index("END RequestId"))
        self.assertLess(cold.log.index("END RequestId"), cold.log.index("REPORT RequestId"))

        warm = self.invoke_ok(name, {"n": 2}, tail=True)
        self.assertPlatformLines(warm.log, warm.request_id, cold=False)
        self.assertIn("logging: invocation 2", warm.log)
        self.assertNotIn(cold.request_id, warm.log)  # only this invocation's lines

        # Without LogType=Tail there is no LogResult.
        self.assertIsNone(self.invoke_ok(name, {}).log)

    def test_python_exception_is_unhandled_function_error(self):
        before = self.invoke_ok(self.ctx_fn, {}).payload["invocations"]
        inv = self.invoke(self.ctx_fn, {"action": "raise"}, tail=True)
        self.assertEqual(inv.status, 200, inv)
        self.assertEqual(inv.function_error, "Unhandled", inv)
        self.assertEqual(inv.headers.get("x-amz-function-error"), "Unhandled")
        p = inv.payload
        self.assertEqual(p["errorType"], "ValueError", p)
        self.assertEqual(p["errorMessage"], "intentional failure", p)
        self.assertEqual(p["requestId"], inv.request_id, p)
        self.assertIsInstance(p["stackTrace"], list)
        self.assertTrue(any('in handler\n    raise ValueError("intentional failure")' in frame
                            for frame in p["stackTrace"]), p["stackTrace"])
        self.assertIn("[ERROR] ValueError: intentional failure", inv.log)
        self.assertPlatformLines(inv.log, inv.request_id)
        # A handler exception does not restart the runtime: module state continues.
        after = self.invoke_ok(self.ctx_fn, {}).payload["invocations"]
        self.assertEqual(after, before + 2)

    def test_python_import_error(self):
        name = self.create_function({"app.py": PY_IMPORT_ERROR}, "app.handler")
        for _ in range(2):  # every invoke retries the failed init
            inv = self.invoke(name, {}, tail=True)
            self.assertEqual(inv.status, 200, inv)
            self.assertEqual(inv.function_error, "Unhandled", inv)
            self.assertEqual(inv.payload["errorType"], "Runtime.ImportModuleError", inv)
            self.assertEqual(inv.payload["errorMessage"],
                             "Unable to import module 'app': No module named 'does_not_exist_module'",
                             inv)
            self.assertPlatformLines(inv.log, inv.request_id)
        # The runtime's error record goes to the function's log group.
        line = ("[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named "
                "'does_not_exist_module'")
        events = self.log_events(name, lambda evs: any(e["message"].startswith(line) for e in evs))
        self.assertTrue(any(e["message"].startswith(line) for e in events),
                        [e["message"] for e in events])

    def test_python_timeout_then_fresh_module(self):
        name = self.create_function({"app.py": PY_CONTEXT}, "app.handler", timeout=1)
        self.assertEqual(self.invoke_ok(name, {}).payload["invocations"], 1)
        self.assertEqual(self.invoke_ok(name, {}).payload["invocations"], 2)

        inv = self.invoke(name, {"action": "sleep", "seconds": 3}, tail=True)
        self.assertEqual(inv.status, 200, inv)
        self.assertEqual(inv.function_error, "Unhandled", inv)
        self.assertEqual(inv.payload, {
            "errorType": "Sandbox.Timedout",
            "errorMessage": "RequestId: %s Error: Task timed out after 1.00 seconds" % inv.request_id})
        self.assertLess(inv.seconds, 2.5, "the caller is answered at the deadline, not when the "
                                          "handler would have finished")
        self.assertRegex(inv.log, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z %s Task timed out after "
                                  r"1\.00 seconds" % re.escape(inv.request_id))
        self.assertPlatformLines(inv.log, inv.request_id)

        # The runtime was restarted: module state starts over.
        again = self.invoke_ok(name, {}, tail=True)
        self.assertEqual(again.payload["invocations"], 1, again)

    def test_python_boto3_handler_reaches_sqs_on_eddy(self):
        url, _ = self.new_queue("from-lambda")
        queue_name = url.rsplit("/", 1)[1]
        name = self.create_function({"app.py": PY_BOTO3}, "app.handler", timeout=15)
        inv = self.invoke_ok(name, {"queue": queue_name, "text": "sent by handler"})
        msg = self.receive_one(url, timeout=10)
        self.assertEqual(msg["MessageId"], inv.payload["MessageId"])
        self.assertEqual(json.loads(msg["Body"]), {"from": name, "text": "sent by handler"})

    # ---- Node --------------------------------------------------------------------------------------
    def test_node_esm_async_handler(self):
        name = self.create_function({"index.mjs": NODE_ESM}, "index.handler", runtime="nodejs20.x")
        event = {"hello": "node", "n": [1, 2, 3]}
        inv = self.invoke_ok(name, event, tail=True)
        p = inv.payload
        self.assertEqual(p["event"], event)
        self.assertEqual(p["awsRequestId"], inv.request_id)
        self.assertEqual(p["functionName"], name)
        self.assertEqual(p["memoryLimitInMB"], "128")
        self.assertEqual(p["invokedFunctionArn"], function_arn(name))
        self.assertGreater(p["remaining"], 0)
        self.assertLessEqual(p["remaining"], 3000)
        self.assertEqual(p["handlerEnv"], "index.handler")
        # console.log: "<ISO time>\t<request id>\tINFO\t<message>"
        self.assertRegex(inv.log, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t%s\tINFO\tesm got "
                                  r'\{"hello":"node","n":\[1,2,3\]\}$' % re.escape(inv.request_id))
        self.assertPlatformLines(inv.log, inv.request_id, cold=True)

    def test_node_commonjs_callback_handler(self):
        name = self.create_function({"index.js": NODE_CJS}, "index.handler", runtime="nodejs20.x")
        first = self.invoke_ok(name, {"k": 1}, tail=True)
        self.assertEqual(first.payload, {"cjs": True, "calls": 1, "event": {"k": 1},
                                         "requestId": first.request_id})
        self.assertRegex(first.log, r"\t%s\tINFO\tcjs call 1\n" % re.escape(first.request_id))
        second = self.invoke_ok(name, {"k": 2})
        self.assertEqual(second.payload["calls"], 2)  # warm: module state kept

    def test_node_throw(self):
        name = self.create_function({"index.mjs": NODE_ESM}, "index.handler", runtime="nodejs20.x")
        inv = self.invoke(name, {"fail": True}, tail=True)
        self.assertEqual(inv.status, 200, inv)
        self.assertEqual(inv.function_error, "Unhandled", inv)
        p = inv.payload
        self.assertEqual(p["errorType"], "Error", p)
        self.assertEqual(p["errorMessage"], "node boom", p)
        self.assertNotIn("stackTrace", p)  # Node's key is `trace`
        self.assertEqual(p["trace"][0], "Error: node boom", p)
        self.assertTrue(any("index.mjs" in line for line in p["trace"][1:]), p)
        self.assertPlatformLines(inv.log, inv.request_id)
        # The runtime survives a rejected promise.
        self.assertEqual(self.invoke_ok(name, {"ok": 1}).payload["event"], {"ok": 1})

    # ---- provided.al2023 ---------------------------------------------------------------------------
    def test_shell_bootstrap_echoes_event(self):
        name = self.create_function({"bootstrap": SH_BOOTSTRAP, "function.sh": SH_FUNCTION},
                                    "function.handler", runtime="provided.al2023",
                                    executable=("bootstrap",))
        event = {"shell": "hi", "n": 7}
        inv = self.invoke_ok(name, event, tail=True)
        self.assertEqual(inv.payload, {"echo": event, "handler": "function.handler"}, inv)
        self.assertIn('shell handler got: {"shell": "hi", "n": 7}', inv.log)
        self.assertPlatformLines(inv.log, inv.request_id, cold=True)
        warm = self.invoke_ok(name, {"again": True}, tail=True)
        self.assertEqual(warm.payload["echo"], {"again": True})
        self.assertPlatformLines(warm.log, warm.request_id, cold=False)

    # ---- concurrency -------------------------------------------------------------------------------
    def test_reserved_concurrency_zero_throttles(self):
        name = self.create_function({"app.py": PY_SLEEPER}, "app.handler")
        put = self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        self.assertEqual(put["ReservedConcurrentExecutions"], 0)
        resp = self.assertClientError(lambda: self.lam.invoke(FunctionName=name, Payload=b"{}"),
                                      "TooManyRequestsException", 429, "Rate Exceeded.")
        self.assertEqual(resp.get("Reason"), "ReservedFunctionConcurrentInvocationLimitExceeded", resp)
        self.assertEqual(resp["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype", "")
                         .split(":")[0], "TooManyRequestsException")

        self.lam.delete_function_concurrency(FunctionName=name)
        self.assertEqual(self.invoke_ok(name, {}).payload["initialization_type"], "on-demand")

    def test_reserved_concurrency_one_throttles_the_overlapping_invoke(self):
        from botocore.exceptions import ClientError
        name = self.create_function({"app.py": PY_SLEEPER}, "app.handler", timeout=10)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        self.invoke_ok(name, {})  # warm one environment, so both calls race only on concurrency

        start = threading.Barrier(2)

        def call(_):
            start.wait()
            try:
                inv = self.invoke(name, {"seconds": 2})
                return ("ok", inv.status, inv.function_error)
            except ClientError as e:
                return ("error", e.response["Error"]["Code"], e.response.get("Reason"))

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(call, range(2)))
        self.assertEqual(outcomes, [
            ("error", "TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded"),
            ("ok", 200, None)])

    def test_provisioned_concurrency(self):
        name = self.create_function({"app.py": PY_SLEEPER}, "app.handler")
        version = self.lam.publish_version(FunctionName=name)["Version"]
        self.assertEqual(version, "1")
        self.lam.get_waiter("published_version_active").wait(
            FunctionName=name, Qualifier=version, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

        put = self.lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier=version, ProvisionedConcurrentExecutions=1)
        self.assertEqual(put["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(put["RequestedProvisionedConcurrentExecutions"], 1)
        self.addCleanup(lambda: self.lam.delete_provisioned_concurrency_config(
            FunctionName=name, Qualifier=version))

        deadline = time.monotonic() + 30
        while True:
            cfg = self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=version)
            if cfg["Status"] != "IN_PROGRESS" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(cfg["Status"], "READY", cfg)
        self.assertEqual(cfg["AllocatedProvisionedConcurrentExecutions"], 1, cfg)
        self.assertEqual(cfg["AvailableProvisionedConcurrentExecutions"], 1, cfg)

        inv = self.invoke_ok(name, {}, Qualifier=version, tail=True)
        self.assertEqual(inv.executed_version, "1")
        self.assertEqual(inv.payload, {"initialization_type": "provisioned-concurrency",
                                       "version": "1"})
        self.assertPlatformLines(inv.log, inv.request_id, version="1")
        # $LATEST has no provisioned environments.
        self.assertEqual(self.invoke_ok(name, {}).payload,
                         {"initialization_type": "on-demand", "version": "$LATEST"})

    # ---- updates -------------------------------------------------------------------------------------
    def test_code_and_configuration_updates_replace_environments(self):
        code = ("import os\nVERSION = %r\n\ndef handler(event, context):\n"
                "    return [VERSION, os.environ.get('STAGE')]\n")
        name = self.create_function({"app.py": code % "v1"}, "app.handler")
        self.assertEqual(self.invoke_ok(name, {}).payload, ["v1", None])  # a warm v1 environment

        updated = self.lam.update_function_code(FunctionName=name,
                                                ZipFile=make_zip({"app.py": code % "v2"}))
        self.assertIn(updated.get("LastUpdateStatus"), ("InProgress", "Successful"), updated)
        self.wait_updated(name)
        self.assertEqual(self.invoke_ok(name, {}).payload, ["v2", None])

        # The process environment is fixed at start: only a new environment can see this.
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": {"STAGE": "blue"}})
        self.wait_updated(name)
        self.assertEqual(self.invoke_ok(name, {}).payload, ["v2", "blue"])

    # ---- CloudWatch Logs -----------------------------------------------------------------------------
    def test_cloudwatch_logs_of_invocations(self):
        name = self.create_function({"app.py": PY_CONTEXT}, "app.handler")
        ids = [self.invoke_ok(name, {"i": i}).request_id for i in range(2)]

        def complete(events):
            text = "".join(e["message"] for e in events)
            return all("REPORT RequestId: %s" % rid in text for rid in ids)

        events = self.log_events(name, complete)
        text = "".join(e["message"] for e in events)
        for i, rid in enumerate(ids):
            self.assertPlatformLines(text, rid, cold=(i == 0))
        self.assertIn("print: hello from %s\n" % name, text)
        self.assertIn("logging: invocation 2", text)
        messages = [e["message"] for e in events]
        self.assertTrue(any(m.startswith("START RequestId: %s" % ids[0]) for m in messages),
                        "START should be one log event of its own: %r" % messages)

        streams = self.logs.describe_log_streams(logGroupName="/aws/lambda/" + name)["logStreams"]
        self.assertEqual(len(streams), 1, streams)  # one warm environment served both
        stream = streams[0]["logStreamName"]
        self.assertRegex(stream, LOG_STREAM_RE % re.escape("$LATEST"))
        self.assertIn(stream[:10], utc_today_prefixes())
        self.assertEqual({e["logStreamName"] for e in events}, {stream})

        groups = self.logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/" + name)["logGroups"]
        self.assertEqual([g["logGroupName"] for g in groups], ["/aws/lambda/" + name])

    @unittest.skipUnless(os.access("/usr/bin/aws", os.X_OK), "Debian's AWS CLI v2 is not installed")
    def test_aws_logs_tail(self):
        name = self.create_function({"app.py": PY_CONTEXT}, "app.handler")
        rid = self.invoke_ok(name, {}).request_id
        self.log_events(name, lambda evs: any("REPORT RequestId: " + rid in e["message"]
                                              for e in evs))
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
                   AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_PAGER="")
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            env.pop(k, None)
        p = subprocess.run(["/usr/bin/aws", "logs", "tail", "/aws/lambda/" + name, "--since", "1h",
                            "--endpoint-url", self.server.endpoint], env=env, timeout=60,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, "stdout: %s\nstderr: %s" % (out, p.stderr.decode()))
        for line in ("START RequestId: %s" % rid, "END RequestId: %s" % rid,
                     "REPORT RequestId: %s" % rid, "print: hello from %s" % name):
            self.assertIn(line, out)

    # ---- async (Event) -------------------------------------------------------------------------------
    def test_event_invoke_returns_202_at_once_and_records_success(self):
        url, arn = self.new_queue("on-success")
        name = self.create_function({"app.py": PY_SLEEPER}, "app.handler", timeout=10)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})

        started = time.monotonic()
        resp = self.lam.invoke(FunctionName=name, InvocationType="Event",
                               Payload=json.dumps({"seconds": 1.5, "order": 42}).encode())
        elapsed = time.monotonic() - started
        self.assertEqual(resp["StatusCode"], 202)
        self.assertEqual(resp["Payload"].read(), b"")
        self.assertLess(elapsed, 1.0, "Event invoke must not wait for the function")
        request_id = resp["ResponseMetadata"]["RequestId"]

        record = json.loads(self.receive_one(url, timeout=30)["Body"])
        self.assertEqual(record["version"], "1.0")
        self.assertRegex(record["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(record["requestContext"], {
            "requestId": request_id, "functionArn": function_arn(name, "$LATEST"),
            "condition": "Success", "approximateInvokeCount": 1})
        self.assertEqual(record["requestPayload"], {"seconds": 1.5, "order": 42})
        self.assertEqual(record["responseContext"], {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(record["responsePayload"], {"initialization_type": "on-demand",
                                                     "version": "$LATEST"})

    def test_event_invoke_failure_goes_to_dead_letter_queue(self):
        url, arn = self.new_queue("dlq")
        name = self.create_function({"app.py": PY_FAILING}, "app.handler",
                                    DeadLetterConfig={"TargetArn": arn})
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        payload = b'{"order": 7,  "note": "kept verbatim"}'
        resp = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
        self.assertEqual(resp["StatusCode"], 202)
        request_id = resp["ResponseMetadata"]["RequestId"]

        msg = self.receive_one(url, timeout=30, MessageAttributeNames=["All"])
        self.assertEqual(msg["Body"], payload.decode())
        attrs = msg["MessageAttributes"]
        self.assertEqual(attrs["RequestID"], {"DataType": "String", "StringValue": request_id})
        self.assertEqual(attrs["ErrorCode"], {"DataType": "Number", "StringValue": "200"})
        self.assertEqual(attrs["ErrorMessage"], {"DataType": "String",
                                                 "StringValue": "intentional failure"})
        self.assertQueueEmpty(url)  # MaximumRetryAttempts=0: exactly one failure, one message


if __name__ == "__main__":
    unittest.main()
