"""The virtual clock (`eddy serve --clock virtual`) against the real eddy binary, with boto3.

Time stands still until the test moves it (POST /_eddy/clock or `eddy clock`); every timer fires as the
clock passes it:
  - the admin endpoint and the `eddy clock` command: read, set, advance, errors;
  - SQS: DelaySeconds=900 after 15 virtual minutes, a 12 h visibility timeout, a 60 s retention period,
    a message move task at MaxNumberOfMessagesPerSecond=1 — all without waiting in real time;
  - long polls stay in real time: WaitTimeSeconds=2 returns after ~2 real seconds on a frozen clock, and
    a parked poll gets a delayed message as soon as the clock passes its due time;
  - Lambda: a Python handler's datetime.now() (and a Node handler's Date) read the virtual date, and
    follow a jump; an Event invoke that fails is retried only after the clock advances 60 s;
  - a restart in virtual mode resumes where the clock stood.
Run: EDDY_BIN=build/eddy python3 tests/integration/test_virtual_clock.py -v
"""

import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyServer, EddyTestCase, make_client, close_client  # noqa: E402
from lambda_fixture import LambdaTestCase  # noqa: E402

START = "2026-11-24T21:00:00Z"
START_MS = 1795554000000
MINUTE = 60 * 1000
HOUR = 60 * MINUTE


def clock_call(endpoint, body=None):
    """(status, json) of GET (body None) or POST /_eddy/clock."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(endpoint + "/_eddy/clock", data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def iso_ms(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


class ClockMixin:
    def now_ms(self):
        status, body = clock_call(self.server.endpoint)
        self.assertEqual(status, 200, body)
        return body["epochMs"]

    def advance(self, duration):
        status, body = clock_call(self.server.endpoint, {"advance": duration})
        self.assertEqual(status, 200, body)
        return body["epochMs"]

    def set_clock(self, when):
        status, body = clock_call(self.server.endpoint, {"set": when})
        self.assertEqual(status, 200, body)
        return body["epochMs"]

    def eddy_clock(self, *args):
        """`eddy clock ...` against this server: (exit code, stdout, stderr)."""
        p = subprocess.run([os.environ["EDDY_BIN"], "clock", *args, "--endpoint-url", self.server.endpoint],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr


class VirtualClockTest(ClockMixin, LambdaTestCase):
    server_args = ("--clock", "virtual", "--clock-start", START)

    # ---- the clock itself ----
    def test_admin_endpoint_reads_sets_and_advances(self):
        status, body = clock_call(self.server.endpoint)
        self.assertEqual(status, 200)
        self.assertEqual(body["mode"], "virtual")
        now = body["epochMs"]
        self.assertGreaterEqual(now, START_MS)
        self.assertEqual(body["now"], iso_ms(now))
        time.sleep(0.3)
        self.assertEqual(self.now_ms(), now, "the clock stands still between calls")

        self.assertEqual(self.advance("90s"), now + 90000)
        self.assertEqual(self.advance("1h30m"), now + 90000 + 90 * MINUTE)
        self.assertEqual(self.advance(30), now + 120000 + 90 * MINUTE)
        target = now + 26 * HOUR
        self.assertEqual(self.set_clock(iso_ms(target)), target)
        self.assertEqual(self.set_clock(str(target + 1)), target + 1)

        status, body = clock_call(self.server.endpoint, {"set": iso_ms(target - 1000)})
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "The virtual clock only moves forward: it is %s, later than %s."
                         % (iso_ms(target + 1), iso_ms(target - 1000)))
        status, body = clock_call(self.server.endpoint, {"advance": "soon"})
        self.assertEqual(status, 400)
        self.assertIn('"advance" must be a duration', body["message"])
        status, body = clock_call(self.server.endpoint, {"set": "2026-13-01"})
        self.assertEqual(status, 400)
        self.assertIn('"set" must be an ISO-8601 time', body["message"])
        self.assertEqual(self.now_ms(), target + 1)

    def test_eddy_clock_command(self):
        code, out, err = self.eddy_clock()
        self.assertEqual(code, 0, err)
        now = self.now_ms()
        self.assertEqual(out, iso_ms(now) + "\n")
        code, out, err = self.eddy_clock("advance", "15m")
        self.assertEqual((code, out), (0, iso_ms(now + 15 * MINUTE) + "\n"), err)
        code, out, err = self.eddy_clock("set", iso_ms(now + HOUR))
        self.assertEqual((code, out), (0, iso_ms(now + HOUR) + "\n"), err)
        code, out, err = self.eddy_clock("set", iso_ms(now))
        self.assertNotEqual(code, 0)
        self.assertEqual(out, "")
        self.assertIn("The virtual clock only moves forward", err)
        code, out, err = self.eddy_clock("advance", "1 fortnight")
        self.assertNotEqual(code, 0)
        self.assertIn('"advance" must be a duration', err)
        self.assertEqual(self.now_ms(), now + HOUR)

    # ---- SQS timers ----
    def counts(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
                int(a["ApproximateNumberOfMessagesDelayed"]))

    def receive_now(self, url, **kw):
        return self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, MaxNumberOfMessages=10,
                                        AttributeNames=["All"], **kw).get("Messages", [])

    def test_delay_seconds_900_after_fifteen_virtual_minutes(self):
        url, _ = self.new_queue("delay")
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
        self.assertEqual(self.counts(url), (0, 0, 1))
        time.sleep(1)
        self.assertEqual(self.receive_now(url), [])
        self.advance("14m59s")
        self.assertEqual(self.receive_now(url), [])
        self.assertEqual(self.counts(url), (0, 0, 1))
        self.advance("1s")
        msgs = self.receive_now(url)
        self.assertEqual([m["Body"] for m in msgs], ["later"])

    def test_visibility_timeout_of_twelve_hours(self):
        url, _ = self.new_queue("visibility", VisibilityTimeout=43200)
        self.sqs.send_message(QueueUrl=url, MessageBody="m")
        first = self.receive_now(url)
        self.assertEqual(len(first), 1)
        sent = int(first[0]["Attributes"]["SentTimestamp"])
        self.assertLess(abs(sent - self.now_ms()), 1000, "SentTimestamp is virtual time")
        self.advance("11h59m")
        self.assertEqual(self.receive_now(url), [])
        self.assertEqual(self.counts(url), (0, 1, 0))
        self.advance("1m")
        again = self.receive_now(url)
        self.assertEqual(len(again), 1)
        self.assertEqual(again[0]["Attributes"]["ApproximateReceiveCount"], "2")

    def test_retention_period_purges_after_advance(self):
        url, _ = self.new_queue("retention", MessageRetentionPeriod=60)
        self.sqs.send_message(QueueUrl=url, MessageBody="short-lived")
        self.advance("59s")
        self.assertEqual(self.counts(url), (1, 0, 0))
        self.advance("1s")
        self.assertEqual(self.counts(url), (0, 0, 0))
        self.assertEqual(self.receive_now(url), [])

    def test_retention_while_advancing_days_steps_from_expiry_to_expiry(self):
        url, _ = self.new_queue("days", MessageRetentionPeriod=1209600)  # 14 days
        self.sqs.send_message(QueueUrl=url, MessageBody="two weeks")
        started = time.monotonic()
        self.advance("13d23h")
        self.assertEqual(self.counts(url), (1, 0, 0))
        self.advance("1h")
        self.assertEqual(self.counts(url), (0, 0, 0))
        self.assertLess(time.monotonic() - started, 5, "advancing 14 days must not tick every second")

    def test_long_poll_waits_real_seconds_while_the_clock_is_frozen(self):
        url, _ = self.new_queue("poll")
        before = self.now_ms()
        started = time.monotonic()
        msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages", [])
        took = time.monotonic() - started
        self.assertEqual(msgs, [])
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 3.5)
        self.assertEqual(self.now_ms(), before, "waiting did not move the virtual clock")

    def test_parked_long_poll_gets_a_delayed_message_when_the_clock_passes_it(self):
        url, _ = self.new_queue("parked")
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=60)
        result = {}

        def poll():
            started = time.monotonic()
            poller = make_client(self.server.endpoint)
            try:
                result["msgs"] = poller.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
            finally:
                close_client(poller)
            result["took"] = time.monotonic() - started

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(1)
        self.assertNotIn("msgs", result)
        self.advance("60s")
        t.join(15)
        self.assertEqual([m["Body"] for m in result["msgs"]], ["delayed"])
        self.assertLess(result["took"], 5)

    def test_move_task_rate_follows_the_virtual_clock(self):
        dlq_url, dlq_arn = self.new_queue("move-dlq")
        _, source_arn = self.new_queue("move-src", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        dest_url, dest_arn = self.new_queue("move-dest")
        for i in range(5):
            self.sqs.send_message(QueueUrl=dlq_url, MessageBody="m%d" % i)
        self.sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn,
                                         MaxNumberOfMessagesPerSecond=1)

        def moved():
            task = self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
            return task["Status"], task.get("ApproximateNumberOfMessagesMoved", 0)

        time.sleep(1.5)
        self.assertEqual(moved(), ("RUNNING", 0), "one message per VIRTUAL second")
        self.advance("2s")
        self.assertEqual(moved(), ("RUNNING", 2))
        self.assertEqual(self.counts(dest_url)[0], 2)
        self.advance("3s")
        self.assertEqual(moved(), ("COMPLETED", 5))
        self.assertEqual(self.counts(dest_url)[0], 5)
        self.assertEqual(self.counts(dlq_url), (0, 0, 0))
        self.assertTrue(source_arn)

    # ---- Lambda ----
    def test_python_and_node_handlers_see_the_virtual_date(self):
        py = self.create_function({"lambda_function.py": PY_NOW}, "lambda_function.lambda_handler")
        node = self.create_function({"index.mjs": NODE_NOW}, "index.handler", runtime="nodejs20.x")
        for jump in (None, "1d"):
            now = self.advance(jump) if jump else self.now_ms()
            virtual = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone.utc).replace(tzinfo=None)
            out = self.invoke_ok(py).payload
            seen = datetime.datetime.fromisoformat(out["now"])
            self.assertLess(abs((seen - virtual).total_seconds()), 30, (out, virtual))
            # The seed's "yesterday" (dlq-auto-redrive): a day before the VIRTUAL date.
            self.assertEqual(out["yesterday"], (virtual - datetime.timedelta(days=1)).strftime("%Y-%m-%d"))
            self.assertLess(abs(out["remaining_ms"] - 3000), 1000, "the deadline is on the handler's clock")
            node_seen = self.invoke_ok(node).payload["now"]
            node_dt = datetime.datetime.strptime(node_seen, "%Y-%m-%dT%H:%M:%S.%fZ")
            self.assertLess(abs((node_dt - virtual).total_seconds()), 30, (node_seen, virtual))

    def test_event_invoke_failure_is_retried_after_sixty_virtual_seconds(self):
        url, queue_arn = self.new_queue("on-failure")
        name = self.create_function({"lambda_function.py": FAILING}, "lambda_function.lambda_handler")
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": queue_arn}})
        resp = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
        self.assertEqual(resp["StatusCode"], 202)
        request_id = resp["ResponseMetadata"]["RequestId"]

        def starts():
            events = self.log_events(name, lambda evs: True, timeout=0)
            return [e for e in events if re.match(r"^START RequestId: %s " % request_id, e["message"])]

        def reports():
            events = self.log_events(name, lambda evs: True, timeout=0)
            return [e for e in events if e["message"].startswith("REPORT RequestId: " + request_id)]

        deadline = time.monotonic() + 20
        while not reports() and time.monotonic() < deadline:
            time.sleep(0.25)
        self.assertEqual(len(starts()), 1)
        time.sleep(3)  # the failure is handled and the retry queued, 60 VIRTUAL seconds ahead
        self.assertEqual(len(starts()), 1, "no retry in real time")
        self.advance("59s")
        time.sleep(2)
        self.assertEqual(len(starts()), 1, "no retry before 60 s")
        self.advance("1s")
        deadline = time.monotonic() + 20
        while len(starts()) < 2 and time.monotonic() < deadline:
            time.sleep(0.25)
        self.assertEqual(len(starts()), 2)
        record = json.loads(self.receive_one(url, timeout=20)["Body"])
        self.assertEqual(record["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(record["requestContext"]["approximateInvokeCount"], 2)


class VirtualClockRestartTest(ClockMixin, EddyTestCase):
    @classmethod
    def setUpClass(cls):
        super(EddyTestCase, cls).setUpClass()
        cls._server_failed = False
        cls.server = EddyServer(extra_args=["--clock", "virtual", "--clock-start", START]).start()

    def test_restart_resumes_where_the_clock_stood(self):
        sqs = make_client(self.server.endpoint)
        try:
            url = sqs.create_queue(QueueName="restart-delay")["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="after restart", DelaySeconds=600)
        finally:
            close_client(sqs)
        stood = self.set_clock("2026-11-26T00:00:00Z")  # within the 4-day retention
        self.server.restart()
        # The same --clock-start on the command line: the data dir's later time wins (never back).
        self.assertEqual(self.now_ms(), stood)
        # The delay was set on the virtual timeline (at START): due long ago by now.
        sqs = make_client(self.server.endpoint)
        try:
            msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])
            self.assertEqual([m["Body"] for m in msgs], ["after restart"])
            url2 = sqs.create_queue(QueueName="restart-delay-2")["QueueUrl"]
            sqs.send_message(QueueUrl=url2, MessageBody="x", DelaySeconds=600)
            self.server.restart()
            self.assertEqual(self.now_ms(), stood, "a restart does not move the clock")
            self.assertEqual(sqs.receive_message(QueueUrl=url2, WaitTimeSeconds=0).get("Messages", []), [])
            self.advance("10m")
            msgs = sqs.receive_message(QueueUrl=url2, WaitTimeSeconds=0).get("Messages", [])
            self.assertEqual([m["Body"] for m in msgs], ["x"])
        finally:
            close_client(sqs)


class RealClockTest(EddyTestCase):
    def test_real_clock_is_read_only(self):
        status, body = clock_call(self.server.endpoint)
        self.assertEqual(status, 200)
        self.assertEqual(body["mode"], "real")
        self.assertLess(abs(body["epochMs"] - time.time() * 1000), 5000)
        status, body = clock_call(self.server.endpoint, {"advance": "1m"})
        self.assertEqual(status, 400)
        self.assertEqual(body["message"], "The clock is real; start eddy with --clock virtual to set it.")


PY_NOW = r'''
from datetime import datetime, timedelta


def lambda_handler(event, context):
    return {"now": datetime.now().isoformat(),
            "yesterday": (datetime.now() - timedelta(days=1)).strftime('%Y-%m-%d'),
            "remaining_ms": context.get_remaining_time_in_millis()}
'''

NODE_NOW = r'''
export const handler = async () => ({ now: new Date().toISOString() });
'''

FAILING = r'''
def lambda_handler(event, context):
    raise Exception("boom")
'''


if __name__ == "__main__":
    unittest.main()
