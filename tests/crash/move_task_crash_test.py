"""kill -9 in the middle of a rate-limited message move task (DLQ redrive), restart on the same data dir,
and check that every message ends up in exactly one of the two queues: none lost, none duplicated.
Stdlib only (raw signed AWS JSON 1.0), runs under any Python 3.11.

Two scenarios, each on a fresh server:
  - with DestinationArn: 200 messages sent straight into the DLQ, moved to a third queue at 50/s;
  - without DestinationArn: 200 messages dead-lettered from their source (maxReceiveCount=1) and moved
    back to it at 50/s.
SIGKILL about 1 s into the task (so ~50 of 200 moved), restart, let the task resume (or fail), and if the
DLQ still holds messages start a new task (proves no stale "active" task survives) and let it finish.
Then drain both queues and compare bodies.

Run: EDDY_BIN=build/eddy python3 tests/crash/move_task_crash_test.py [-v]
"""

import collections
import os
import random
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from eddy_fixture import RawServerTestCase, arn_of, redrive  # noqa: E402

N = 200
RATE = 50
SEED = int(os.environ.get("EDDY_CRASH_SEED", "0")) or int(time.time() * 1000) % 1000000


class MoveTaskCrashTest(RawServerTestCase):
    def setUp(self):
        self.rng = random.Random(SEED)
        super().setUp()

    def failure_label(self):
        return "log of the move-task crash test (seed %d)" % SEED

    # ---------------------------------------------------------------- helpers
    def create(self, name, **attrs):
        return self.ok("CreateQueue", {"QueueName": name, "Attributes": attrs})["QueueUrl"]

    def total(self, url):
        return sum(self.counts(url))

    def send_all(self, url, bodies):
        for i in range(0, len(bodies), 10):
            r = self.ok("SendMessageBatch", {"QueueUrl": url, "Entries": [
                {"Id": "e%d" % j, "MessageBody": b} for j, b in enumerate(bodies[i:i + 10])]})
            self.assertEqual(r.get("Failed", []), [])

    def latest_task(self, dlq_arn):
        results = self.ok("ListMessageMoveTasks", {"SourceArn": dlq_arn}).get("Results", [])
        return results[0] if results else None

    def wait_not_running(self, dlq_arn, timeout):
        deadline = time.monotonic() + timeout
        task = None
        while time.monotonic() < deadline:
            task = self.latest_task(dlq_arn)
            if task is None or task["Status"] not in ("RUNNING", "CANCELLING"):
                return task
            time.sleep(0.1)
        self.fail("move task still %s %.0fs after the restart: %r"
                  % (task and task["Status"], timeout, task))

    def drain(self, urls, timeout=20):
        """Receives everything from `urls` (visibility 600, no deletes) until their counts are 0
        invisible-free; returns {url: [bodies]}."""
        got = {u: [] for u in urls}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            progress = False
            for u in urls:
                r = self.ok("ReceiveMessage", {"QueueUrl": u, "MaxNumberOfMessages": 10,
                                               "VisibilityTimeout": 600, "WaitTimeSeconds": 0})
                for m in r.get("Messages", []):
                    got[u].append(m["Body"])
                    progress = True
            if not progress:
                held = sum(len(v) for v in got.values())
                if sum(self.total(u) for u in urls) == held:
                    return got
                time.sleep(0.2)  # something is still invisible or delayed
        counts = {u: self.total(u) for u in urls}
        self.fail("could not drain within %ss: received %r, counts %r"
                  % (timeout, {u: len(v) for u, v in got.items()}, counts))

    def crash_during_task(self, dlq_url, dlq_arn, start_params):
        handle = self.ok("StartMessageMoveTask", start_params)["TaskHandle"]
        self.assertTrue(handle)
        time.sleep(self.rng.uniform(0.7, 1.3))
        before = self.latest_task(dlq_arn)
        self.assertEqual(before["Status"], "RUNNING", before)
        self.server.kill9()
        self.server.start()
        self.reconnect()
        after = self.wait_not_running(dlq_arn, timeout=N / RATE + 10)
        sys.stderr.write("  before kill: %r\n  after restart: %r\n" % (before, after))
        if self.total(dlq_url) > 0:
            # Whatever happened to the old task, a new one must be allowed to run to completion.
            status, body = self.call("StartMessageMoveTask", start_params)
            self.assertEqual(status, 200, "cannot start a new task after the crash: %r" % body)
            done = self.wait_not_running(dlq_arn, timeout=N / RATE + 10)
            self.assertEqual(done["Status"], "COMPLETED", done)
        return before, after

    def check_exactly_once(self, bodies, got):
        seen = collections.Counter(b for lst in got.values() for b in lst)
        dups = {b: c for b, c in seen.items() if c > 1}
        missing = set(bodies) - set(seen)
        unknown = set(seen) - set(bodies)
        sys.stderr.write("  %s\n" % {u.rsplit("/", 1)[1]: len(v) for u, v in got.items()})
        self.assertEqual(dups, {}, "messages duplicated by the crash")
        self.assertEqual(missing, set(), "messages lost by the crash")
        self.assertEqual(unknown, set(), "messages nobody sent")

    # ---------------------------------------------------------------- scenarios
    def test_crash_during_move_to_destination(self):
        sys.stderr.write("\nmove-task crash test seed %d (EDDY_CRASH_SEED=%d to repeat)\n" % (SEED, SEED))
        tag = "mtc-%d-d" % SEED
        dlq_url = self.create(tag + "-dlq")
        self.create(tag + "-src", RedrivePolicy=redrive(arn_of(tag + "-dlq"), 1))
        dest_url = self.create(tag + "-dest")
        bodies = ["%s-%03d" % (tag, i) for i in range(N)]
        self.send_all(dlq_url, bodies)
        self.crash_during_task(dlq_url, arn_of(tag + "-dlq"), {
            "SourceArn": arn_of(tag + "-dlq"), "DestinationArn": arn_of(tag + "-dest"),
            "MaxNumberOfMessagesPerSecond": RATE})
        got = self.drain([dlq_url, dest_url])
        self.check_exactly_once(bodies, got)
        self.assertEqual(len(got[dest_url]), N)
        self.failed = False

    def test_crash_during_redrive_to_sources(self):
        tag = "mtc-%d-s" % SEED
        dlq_url = self.create(tag + "-dlq")
        src_url = self.create(tag + "-src", RedrivePolicy=redrive(arn_of(tag + "-dlq"), 1))
        bodies = ["%s-%03d" % (tag, i) for i in range(N)]
        self.send_all(src_url, bodies)
        deadline = time.monotonic() + 20
        while self.total(dlq_url) < N and time.monotonic() < deadline:
            self.ok("ReceiveMessage", {"QueueUrl": src_url, "MaxNumberOfMessages": 10,
                                       "VisibilityTimeout": 0})
        self.assertEqual((self.total(dlq_url), self.total(src_url)), (N, 0))
        self.crash_during_task(dlq_url, arn_of(tag + "-dlq"), {
            "SourceArn": arn_of(tag + "-dlq"), "MaxNumberOfMessagesPerSecond": RATE})
        got = self.drain([dlq_url, src_url])
        self.check_exactly_once(bodies, got)
        self.assertEqual(len(got[src_url]), N)
        self.failed = False


if __name__ == "__main__":
    unittest.main(verbosity=2)
