"""CloudWatch Logs against eddy: boto3 (JSON 1.1, `logs` client) and Debian's AWS CLI v2 `aws logs tail`.

The CLI cases need /usr/bin/aws from the apt package `awscli` (v2; the pyenv `aws` is v1, which has
no `logs tail`) and are skipped without it.
Run: EDDY_BIN=build/eddy python3 tests/integration/test_logs.py -v
"""

import json
import os
import subprocess
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, EddyTestCase,  # noqa: E402
                          RawClient, close_client, http_get, import_boto3)

AWS_V2 = "/usr/bin/aws"


def logs_client(endpoint, region=REGION):
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=region)
    return session.client("logs", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30))


def now_ms():
    return int(time.time() * 1000)


def cli_env():
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
    })
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LOGS",
              "PYTHONPATH", "PYTHONHOME"):
        env.pop(k, None)
    return env


class LogsTest(EddyTestCase):
    server_in_memory = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = logs_client(cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        close_client(cls.logs)
        super().tearDownClass()

    def new_group(self, streams=("s",)):
        group = "/aws/lambda/it-%s" % uuid.uuid4().hex[:10]
        self.logs.create_log_group(logGroupName=group)
        for s in streams:
            self.logs.create_log_stream(logGroupName=group, logStreamName=s)
        return group

    def put(self, group, stream, messages, t0):
        """One event per message at t0, t0+1, ..."""
        return self.logs.put_log_events(
            logGroupName=group, logStreamName=stream,
            logEvents=[{"timestamp": t0 + i, "message": m} for i, m in enumerate(messages)])

    def assertClientError(self, fn, code, message=None):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        err = cm.exception.response["Error"]
        self.assertEqual(err["Code"], code, cm.exception.response)
        if message is not None:
            self.assertEqual(err["Message"], message, cm.exception.response)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    # ---- boto3 ----

    def test_describe_groups_and_streams(self):
        t0 = now_ms()
        group = self.new_group(streams=("2026/01/01/[$LATEST]" + "a" * 32, "other"))
        out = self.put(group, "other", ["x", "yy"], t0)
        self.assertEqual(out["nextSequenceToken"], "0" * 55 + "1")

        groups = self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        self.assertEqual(len(groups), 1)
        g = groups[0]
        arn = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, group)
        self.assertEqual(g["logGroupName"], group)
        self.assertEqual(g["arn"], arn + ":*")
        self.assertEqual(g["logGroupArn"], arn)
        self.assertEqual(g["metricFilterCount"], 0)
        self.assertEqual(g["storedBytes"], 3)
        self.assertEqual(g["logGroupClass"], "STANDARD")
        self.assertAlmostEqual(g["creationTime"], t0, delta=60000)

        streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in streams],
                         ["2026/01/01/[$LATEST]" + "a" * 32, "other"])
        self.assertNotIn("lastEventTimestamp", streams[0])  # no events yet
        other = streams[1]
        self.assertEqual(other["firstEventTimestamp"], t0)
        self.assertEqual(other["lastEventTimestamp"], t0 + 1)
        self.assertIn("lastIngestionTime", other)
        self.assertEqual(other["arn"], "%s:log-stream:other" % arn)
        latest = self.logs.describe_log_streams(logGroupIdentifier=arn, orderBy="LastEventTime",
                                                descending=True, limit=1)
        self.assertEqual([s["logStreamName"] for s in latest["logStreams"]], ["other"])
        self.assertIn("nextToken", latest)

        # Paginators follow nextToken to the end.
        names = [g["logGroupName"] for page in self.logs.get_paginator("describe_log_groups")
                 .paginate(logGroupNamePrefix="/aws/lambda/it-", PaginationConfig={"PageSize": 1})
                 for g in page["logGroups"]]
        self.assertIn(group, names)
        self.assertEqual(names, sorted(set(names)))

    def test_get_log_events_paging(self):
        t0 = now_ms() - 1000
        group = self.new_group()
        self.put(group, "s", ["e%d" % i for i in range(5)], t0)

        seen, token = [], None
        for _ in range(10):
            kw = {"nextToken": token} if token else {"startFromHead": True}
            page = self.logs.get_log_events(logGroupName=group, logStreamName="s", limit=2, **kw)
            if page["nextForwardToken"] == token:
                self.assertEqual(page["events"], [])
                break
            seen += [e["message"] for e in page["events"]]
            token = page["nextForwardToken"]
        self.assertEqual(seen, ["e0", "e1", "e2", "e3", "e4"])

        # Newest first page, then backwards to the head.
        page = self.logs.get_log_events(logGroupName=group, logStreamName="s", limit=2)
        self.assertEqual([e["message"] for e in page["events"]], ["e3", "e4"])
        self.assertEqual(page["events"][0]["timestamp"], t0 + 3)
        back = self.logs.get_log_events(logGroupName=group, logStreamName="s", limit=2,
                                        nextToken=page["nextBackwardToken"])
        self.assertEqual([e["message"] for e in back["events"]], ["e1", "e2"])

        # A later event shows up behind the last forward token.
        self.put(group, "s", ["late"], t0 + 10)
        page = self.logs.get_log_events(logGroupName=group, logStreamName="s", nextToken=token)
        self.assertEqual([e["message"] for e in page["events"]], ["late"])

        # startTime inclusive, endTime exclusive.
        page = self.logs.get_log_events(logGroupName=group, logStreamName="s", startTime=t0 + 1,
                                        endTime=t0 + 3, startFromHead=True)
        self.assertEqual([e["message"] for e in page["events"]], ["e1", "e2"])

    def test_filter_log_events(self):
        t0 = now_ms() - 1000
        group = self.new_group(streams=("a", "b"))
        self.put(group, "a", ["START RequestId: 1", "ERROR boom", "END RequestId: 1"], t0)
        self.put(group, "b", ["WARN slow", "all fine"], t0)

        out = self.logs.filter_log_events(logGroupName=group, interleaved=True)
        self.assertEqual([(e["timestamp"] - t0, e["logStreamName"]) for e in out["events"]],
                         [(0, "a"), (0, "b"), (1, "a"), (1, "b"), (2, "a")])
        e = out["events"][0]
        self.assertEqual(set(e), {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"})
        self.assertEqual(len({x["eventId"] for x in out["events"]}), 5)
        self.assertEqual(out["searchedLogStreams"], [])
        self.assertNotIn("nextToken", out)

        def messages(**kw):
            pages = self.logs.get_paginator("filter_log_events").paginate(logGroupName=group, **kw)
            return [x["message"] for p in pages for x in p["events"]]

        self.assertEqual(messages(filterPattern="ERROR"), ["ERROR boom"])
        self.assertEqual(messages(filterPattern="?ERROR ?WARN"), ["WARN slow", "ERROR boom"])
        self.assertEqual(messages(filterPattern='"RequestId: 1" -END'), ["START RequestId: 1"])
        self.assertEqual(messages(filterPattern='{ $.level = "ERROR" }'), [])
        self.assertEqual(messages(logStreamNames=["b"]), ["WARN slow", "all fine"])
        self.assertEqual(messages(logStreamNamePrefix="a", startTime=t0 + 1, endTime=t0 + 2),
                         ["ERROR boom", "END RequestId: 1"])
        # Pages of one event each, through nextToken.
        self.assertEqual(len(messages(PaginationConfig={"PageSize": 1})), 5)

    def test_errors(self):
        group = self.new_group()
        self.assertClientError(lambda: self.logs.create_log_group(logGroupName=group),
                               "ResourceAlreadyExistsException",
                               "The specified log group already exists")
        self.assertClientError(
            lambda: self.logs.describe_log_streams(logGroupName=group + "-missing"),
            "ResourceNotFoundException", "The specified log group does not exist.")
        self.assertClientError(
            lambda: self.logs.get_log_events(logGroupName=group, logStreamName="missing"),
            "ResourceNotFoundException", "The specified log stream does not exist.")
        self.assertClientError(
            lambda: self.logs.put_log_events(
                logGroupName=group, logStreamName="s",
                logEvents=[{"timestamp": now_ms(), "message": "b"},
                           {"timestamp": now_ms() - 10, "message": "a"}]),
            "InvalidParameterException",
            "Log events in a single PutLogEvents request must be in chronological order.")
        self.assertClientError(
            lambda: self.logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                                   logStreamNamePrefix="s"),
            "InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
        self.assertClientError(
            lambda: self.logs.get_log_events(logGroupName=group, logStreamName="s",
                                             nextToken="f/bogus/s"),
            "InvalidParameterException", "The specified nextToken is invalid.")
        self.logs.delete_log_group(logGroupName=group)
        self.assertClientError(lambda: self.logs.delete_log_group(logGroupName=group),
                               "ResourceNotFoundException", "The specified log group does not exist.")

    def test_regions_are_separate(self):
        eu = logs_client(self.server.endpoint, region="eu-west-1")
        try:
            group = "/it/eu-%s" % uuid.uuid4().hex[:8]
            eu.create_log_group(logGroupName=group)
            self.assertEqual(len(eu.describe_log_groups(logGroupNamePrefix=group)["logGroups"]), 1)
            self.assertEqual(eu.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"],
                             "arn:aws:logs:eu-west-1:%s:log-group:%s:*" % (ACCOUNT, group))
            self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"], [])
        finally:
            close_client(eu)

    def test_raw_framing(self):
        raw = RawClient(self.server.host, self.server.port)
        try:
            def call(target, body):
                r = raw.request("POST", "/", body, {"Content-Type": "application/x-amz-json-1.1",
                                                    "X-Amz-Target": target})
                return r.status, r.header("content-type"), json.loads(r.body)

            status, ctype, body = call("Logs_20140328.DescribeLogGroups", b"{")
            self.assertEqual((status, body["__type"]), (400, "SerializationException"))
            self.assertEqual(ctype, "application/x-amz-json-1.1")
            status, _, body = call("Logs_20140328.StartQuery", b"{}")
            self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))
            status, _, body = call("Logs_20140328.GetLogEvents", b'{"logStreamName": 5}')
            self.assertEqual((status, body["__type"]), (400, "SerializationException"))
            status, _, body = call("Logs_20140328.DescribeLogGroups", b'{"limit": 0}')
            self.assertEqual(body, {"__type": "InvalidParameterException",
                                    "message": "1 validation error detected: Value '0' at 'limit' "
                                               "failed to satisfy constraint: Member must have value "
                                               "greater than or equal to 1"})
        finally:
            raw.close()
        self.assertTrue(self.server.alive())

    def test_localstack_health_lists_logs(self):
        status, body = http_get(self.server.host, self.server.port, "/_localstack/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["services"].get("logs"), "running")

    # ---- AWS CLI v2: aws logs tail ----

    def aws_v2(self, *args, timeout=60):
        cmd = [AWS_V2, "--endpoint-url", self.server.endpoint, "--color", "off"] + list(args)
        p = subprocess.run(cmd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        self.assertEqual(p.returncode, 0, "%s\nstdout: %s\nstderr: %s" % (cmd, p.stdout, p.stderr))
        return p.stdout.decode()

    @unittest.skipUnless(os.access(AWS_V2, os.X_OK), "AWS CLI v2 (/usr/bin/aws, apt awscli) absent")
    def test_cli_tail(self):
        t0 = now_ms() - 5000
        group = self.new_group(streams=("2026/01/01/[$LATEST]" + "b" * 32,))
        stream = "2026/01/01/[$LATEST]" + "b" * 32
        self.put(group, stream, ["START RequestId: r1 Version: $LATEST", "hello from the handler",
                                 "END RequestId: r1"], t0)
        self.put(group, stream, ["too old for --since"], t0 - 2 * 3600 * 1000)

        detailed = self.aws_v2("logs", "tail", group, "--since", "1h").splitlines()
        self.assertEqual(len(detailed), 3, detailed)
        self.assertTrue(detailed[1].endswith(" %s hello from the handler" % stream), detailed)
        self.assertRegex(detailed[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 ")

        short = self.aws_v2("logs", "tail", group, "--since", "1h", "--format", "short").splitlines()
        self.assertEqual([line.split(" ", 1)[1] for line in short],
                         ["START RequestId: r1 Version: $LATEST", "hello from the handler",
                          "END RequestId: r1"])
        self.assertRegex(short[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ")

        filtered = self.aws_v2("logs", "tail", group, "--since", "1h", "--format", "short",
                               "--filter-pattern", "hello").splitlines()
        self.assertEqual(len(filtered), 1)
        self.assertTrue(filtered[0].endswith(" hello from the handler"))

    @unittest.skipUnless(os.access(AWS_V2, os.X_OK), "AWS CLI v2 (/usr/bin/aws, apt awscli) absent")
    def test_cli_tail_follow(self):
        # --follow polls FilterLogEvents every 5 s from the newest timestamp it saw, dropping the
        # event ids it already printed.
        group = self.new_group()
        self.put(group, "s", ["before"], now_ms() - 1000)
        cmd = [AWS_V2, "--endpoint-url", self.server.endpoint, "--color", "off", "logs", "tail",
               group, "--since", "10m", "--follow", "--format", "short"]
        proc = subprocess.Popen(cmd, env=cli_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(
            line.decode().rstrip("\n") for line in proc.stdout), daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 30
            while not any(line.endswith(" before") for line in lines):
                self.assertLess(time.monotonic(), deadline, lines)
                time.sleep(0.1)
            self.put(group, "s", ["after"], now_ms())
            while not any(line.endswith(" after") for line in lines):
                self.assertLess(time.monotonic(), deadline, lines)
                self.assertIsNone(proc.poll(), proc.stderr.read() if proc.poll() else "")
                time.sleep(0.1)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader.join(timeout=5)
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual([line.split(" ", 1)[1] for line in lines], ["before", "after"])


if __name__ == "__main__":
    unittest.main()
