"""SQS event source mappings end to end: real queues, a real Python function, the poller inside eddy.

Run: EDDY_BIN=build/src/server/eddy python3 tests/integration/test_lambda_esm.py -v

The function (RECORDER) reports every invocation it gets by sending {"t": entry time, "event": ...} to a
"record" queue with boto3 (eddy gives it AWS_ENDPOINT_URL), then does what its MODE variable says:
succeed or return a batchItemFailures answer. The tests read the record queue to see what was
delivered, when, and how often; the source queue's counters show what was deleted. Visibility timeouts
are 3-4 s so retried messages come back quickly (reference/lambda.md §5).
"""

import base64
import hashlib
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lambda_fixture import LambdaTestCase, make_aws_client  # noqa: E402
from eddy_fixture import REGION, close_client, make_client  # noqa: E402

RECORDER = r'''
import json
import os
import time

import boto3

sqs = boto3.client("sqs")


def first_delivery(record):
    return record["attributes"]["ApproximateReceiveCount"] == "1"


def handler(event, context):
    entered = time.time()
    sqs.send_message(QueueUrl=os.environ["RECORD_URL"],
                     MessageBody=json.dumps({"t": entered, "event": event}))
    mode = os.environ.get("MODE", "ok")
    records = event["Records"]
    if mode == "report-marked":  # messages whose body says "fail" fail on their first delivery only
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records
                                      if "fail" in r["body"] and first_delivery(r)]}
    if mode == "report-invalid":
        if any(first_delivery(r) for r in records):
            return {"batchItemFailures": [{"foo": "x"}]}
        return None
    if mode == "report-empty":
        return {"batchItemFailures": []}
    return None
'''

RECORD_KEYS = ["messageId", "receiptHandle", "body", "attributes", "messageAttributes",
               "md5OfMessageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"]


def md5_hex(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class EsmTestCase(LambdaTestCase):
    """Helpers: a recording function, a mapping that is deleted after the test, the record queue."""

    def recorder(self, mode="ok", timeout=3):
        """(function name, record queue url) of a new RECORDER function in `mode`."""
        record_url, _ = self.new_queue("record")
        name = self.create_function({"app.py": RECORDER}, "app.handler", timeout=timeout,
                                    environment={"RECORD_URL": record_url, "MODE": mode})
        return name, record_url

    def source(self, visibility=4):
        """(url, arn) of a standard source queue with a short visibility timeout."""
        return self.new_queue("src", VisibilityTimeout=visibility)

    def fifo_source(self, visibility=4):
        name = "it-fifo-%s.fifo" % os.urandom(5).hex()
        url = self.sqs.create_queue(QueueName=name, Attributes={
            "FifoQueue": "true", "VisibilityTimeout": str(visibility)})["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]
                                            )["Attributes"]["QueueArn"]
        return url, arn

    def mapping(self, function, queue_arn, **kw):
        """Creates a mapping, waits until it is Enabled (or Disabled) and deletes it after the test."""
        created = self.lam.create_event_source_mapping(FunctionName=function, EventSourceArn=queue_arn, **kw)
        self.addCleanup(self.delete_mapping_quietly, created["UUID"])
        self.wait_state(created["UUID"], "Enabled" if kw.get("Enabled", True) else "Disabled")
        return created["UUID"]

    def delete_mapping_quietly(self, uuid):
        try:
            self.lam.delete_event_source_mapping(UUID=uuid)
        except Exception:  # already gone, or the server is
            pass

    def wait_state(self, uuid, state, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.lam.get_event_source_mapping(UUID=uuid)
            if got["State"] == state or time.monotonic() > deadline:
                self.assertEqual(got["State"], state, got)
                return got
            time.sleep(0.1)

    def invocations(self, record_url, count, timeout=20.0, exact=True):
        """The next `count` invocations the function recorded, by entry time: [{"t", "event"}].
        With exact=False, at least `count` (the poller may run batches concurrently)."""
        found = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            wait = max(1, min(5, int(deadline - time.monotonic())))
            msgs = self.sqs.receive_message(QueueUrl=record_url, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=wait).get("Messages", [])
            for m in msgs:
                found.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=record_url, ReceiptHandle=m["ReceiptHandle"])
        found.sort(key=lambda inv: inv["t"])
        if exact:
            self.assertEqual(len(found), count, "expected %d invocations, got %d: %s" % (
                count, len(found), json.dumps(found)[:3000]))
        return found

    def assertNoInvocations(self, record_url, seconds):
        """Nothing is recorded for `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            wait = max(1, int(deadline - time.monotonic()))
            msgs = self.sqs.receive_message(QueueUrl=record_url, WaitTimeSeconds=min(wait, 20)
                                            ).get("Messages", [])
            self.assertEqual(msgs, [], "unexpected invocation: %s" % (msgs[:1],))

    def counts(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def wait_counts(self, url, expected, timeout=5.0):
        """Polls (visible, in flight) of `url` until it equals `expected`."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.counts(url)
            if got == expected or time.monotonic() > deadline:
                self.assertEqual(got, expected, "(visible, in flight) of %s" % url)
                return
            time.sleep(0.1)

    @staticmethod
    def records(invocation):
        return invocation["event"]["Records"]

    @staticmethod
    def bodies(invocation):
        return [r["body"] for r in invocation["event"]["Records"]]


class DeliveryTest(EsmTestCase):

    def test_send_wakes_the_function_with_aws_record_shape_and_deletes_it(self):
        fn, record_url = self.recorder()
        url, arn = self.source()
        uuid = self.mapping(fn, arn, BatchSize=10)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"],
                         "No records processed")

        # Warm-up: the first delivery includes the function's cold start (boto3 import).
        self.sqs.send_message(QueueUrl=url, MessageBody="warm-up")
        self.assertEqual(self.bodies(self.invocations(record_url, 1)[0]), ["warm-up"])

        attrs = {"Author": {"DataType": "String", "StringValue": "John Grisham"},
                 "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
                 "Count": {"DataType": "Number.int", "StringValue": "42"}}
        body = json.dumps({"order": 42})
        sent_at = time.time()
        sent = self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)
        inv = self.invocations(record_url, 1)[0]
        latency = inv["t"] - sent_at
        sys.stderr.write("send -> handler entry: %.0f ms\n" % (latency * 1000))
        self.assertLess(latency, 1.0)

        records = self.records(inv)
        self.assertEqual(len(records), 1, inv)
        r = records[0]
        self.assertEqual(list(r.keys()), RECORD_KEYS, r)
        self.assertEqual(r["messageId"], sent["MessageId"])
        self.assertIsInstance(r["receiptHandle"], str)
        self.assertTrue(r["receiptHandle"])
        self.assertEqual(r["body"], body)
        self.assertEqual(sorted(r["attributes"]), ["ApproximateFirstReceiveTimestamp",
                                                   "ApproximateReceiveCount", "SenderId",
                                                   "SentTimestamp"], r)
        self.assertEqual(r["attributes"]["ApproximateReceiveCount"], "1")
        for key in ("SentTimestamp", "ApproximateFirstReceiveTimestamp"):
            value = r["attributes"][key]
            self.assertIsInstance(value, str)
            self.assertLessEqual(abs(int(value) / 1000.0 - sent_at), 5, r)
        self.assertLessEqual(int(r["attributes"]["SentTimestamp"]),
                             int(r["attributes"]["ApproximateFirstReceiveTimestamp"]))
        self.assertIsInstance(r["attributes"]["SenderId"], str)
        self.assertTrue(r["attributes"]["SenderId"])
        self.assertEqual(r["messageAttributes"], {
            "Author": {"stringValue": "John Grisham", "stringListValues": [], "binaryListValues": [],
                       "dataType": "String"},
            "Blob": {"binaryValue": base64.b64encode(b"\x00\x01\x02").decode(), "stringListValues": [],
                     "binaryListValues": [], "dataType": "Binary"},
            "Count": {"stringValue": "42", "stringListValues": [], "binaryListValues": [],
                      "dataType": "Number.int"}})
        self.assertEqual(r["md5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.assertEqual(r["md5OfBody"], md5_hex(body))
        self.assertEqual(r["md5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(r["eventSource"], "aws:sqs")
        self.assertEqual(r["eventSourceARN"], arn)
        self.assertEqual(r["awsRegion"], REGION)

        self.wait_counts(url, (0, 0))  # deleted after the successful invoke
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"], "OK")

        # Without message attributes: {} and a null digest.
        self.sqs.send_message(QueueUrl=url, MessageBody="plain")
        r = self.records(self.invocations(record_url, 1)[0])[0]
        self.assertEqual(r["messageAttributes"], {})
        self.assertIn("md5OfMessageAttributes", r)
        self.assertIsNone(r["md5OfMessageAttributes"])
        self.assertEqual(r["md5OfBody"], md5_hex("plain"))
        self.wait_counts(url, (0, 0))

    def test_send_message_batch_arrives_as_one_batch(self):
        fn, record_url = self.recorder()
        url, arn = self.source()
        self.mapping(fn, arn, BatchSize=10)
        entries = [{"Id": str(i), "MessageBody": "m%d" % i} for i in range(10)]
        resp = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        self.assertEqual(len(resp["Successful"]), 10, resp)
        inv = self.invocations(record_url, 1)[0]
        self.assertEqual(sorted(self.bodies(inv)), sorted("m%d" % i for i in range(10)))
        self.wait_counts(url, (0, 0))
        self.assertNoInvocations(record_url, 1)

    def test_batching_window_gathers_more_than_ten(self):
        fn, record_url = self.recorder()
        url, arn = self.source()
        self.mapping(fn, arn, BatchSize=50, MaximumBatchingWindowInSeconds=1)
        first_sent = time.time()
        for chunk in range(3):
            entries = [{"Id": str(i), "MessageBody": "c%d-%d" % (chunk, i)} for i in range(10)]
            sent = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
            self.assertEqual(len(sent["Successful"]), 10, sent)
        inv = self.invocations(record_url, 1)[0]
        self.assertGreater(len(self.records(inv)), 10, self.bodies(inv))
        self.assertEqual(len(self.records(inv)), 30, self.bodies(inv))
        # The window closes at most ~1 s after the first message (plus the invoke itself).
        self.assertLess(inv["t"] - first_sent, 2.5)
        self.wait_counts(url, (0, 0))


class PartialBatchResponseTest(EsmTestCase):
    # A 1 s window so each test's messages share one batch however the sends wake the poller.
    GATHER_ALL = dict(BatchSize=10, MaximumBatchingWindowInSeconds=1,
                      FunctionResponseTypes=["ReportBatchItemFailures"])

    def test_reported_message_comes_back_others_are_deleted(self):
        fn, record_url = self.recorder("report-marked")
        url, arn = self.source(visibility=3)
        self.mapping(fn, arn, **self.GATHER_ALL)
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "ok-a"}, {"Id": "b", "MessageBody": "fail-b"},
            {"Id": "c", "MessageBody": "ok-c"}])
        first = self.invocations(record_url, 1)[0]
        self.assertEqual(sorted(self.bodies(first)), ["fail-b", "ok-a", "ok-c"])
        self.wait_counts(url, (0, 1))  # a and c deleted, b in flight

        again = self.invocations(record_url, 1, timeout=10)[0]
        gap = again["t"] - first["t"]
        self.assertEqual(self.bodies(again), ["fail-b"])
        self.assertEqual(self.records(again)[0]["attributes"]["ApproximateReceiveCount"], "2")
        # The visibility timeout (3 s) runs from the receive, which the 1 s batching window precedes
        # the first invocation by up to a second (as on AWS).
        self.assertGreaterEqual(gap, 1.9, "came back before the visibility timeout")
        self.assertLess(gap, 6)
        self.wait_counts(url, (0, 0))

    def test_entry_without_item_identifier_fails_the_whole_batch(self):
        fn, record_url = self.recorder("report-invalid")
        url, arn = self.source(visibility=3)
        uuid = self.mapping(fn, arn, **self.GATHER_ALL)
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "a"}, {"Id": "b", "MessageBody": "b"}])
        first = self.invocations(record_url, 1)[0]
        self.assertEqual(sorted(self.bodies(first)), ["a", "b"])
        self.wait_counts(url, (0, 2))  # nothing deleted
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"],
                         "PROBLEM: Function call failed")

        # Both come back after the visibility timeout (perhaps in two batches) and then succeed.
        seen = []
        while len(seen) < 2:
            inv = self.invocations(record_url, 1, timeout=10)[0]
            self.assertGreaterEqual(inv["t"] - first["t"], 2.5)
            seen.extend(self.records(inv))
        self.assertEqual(sorted(r["body"] for r in seen), ["a", "b"])
        self.assertEqual({r["attributes"]["ApproximateReceiveCount"] for r in seen}, {"2"})
        self.wait_counts(url, (0, 0))
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"], "OK")

    def test_empty_list_is_full_success(self):
        fn, record_url = self.recorder("report-empty")
        url, arn = self.source(visibility=3)
        self.mapping(fn, arn, **self.GATHER_ALL)
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "a"}, {"Id": "b", "MessageBody": "b"}])
        self.assertEqual(sorted(self.bodies(self.invocations(record_url, 1)[0])), ["a", "b"])
        self.wait_counts(url, (0, 0))
        self.assertNoInvocations(record_url, 4)  # past the visibility timeout: nothing came back


class FilterTest(EsmTestCase):

    def test_only_matching_messages_are_delivered_others_deleted(self):
        fn, record_url = self.recorder()
        url, arn = self.source()
        self.mapping(fn, arn, BatchSize=1,
                     FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})}]})
        bodies = [json.dumps({"kind": "keep", "n": 1}), json.dumps({"kind": "drop", "n": 2}),
                  "not json at all", json.dumps({"n": 4}), json.dumps({"kind": "keep", "n": 5})]
        for body in bodies:
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        got = self.invocations(record_url, 2)
        self.assertEqual(sorted(b for inv in got for b in self.bodies(inv)), sorted([bodies[0], bodies[4]]))
        self.wait_counts(url, (0, 0))  # the three that matched nothing are deleted, not kept
        self.assertNoInvocations(record_url, 5)  # and do not come back after the visibility timeout


class EnableDisableTest(EsmTestCase):

    def test_disabled_mapping_leaves_messages_in_the_queue(self):
        fn, record_url = self.recorder()
        url, arn = self.source()
        uuid = self.mapping(fn, arn, BatchSize=1)
        self.sqs.send_message(QueueUrl=url, MessageBody="before")
        self.assertEqual(self.bodies(self.invocations(record_url, 1)[0]), ["before"])
        self.wait_counts(url, (0, 0))

        self.assertEqual(self.lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"], "Disabling")
        self.wait_state(uuid, "Disabled")
        self.sqs.send_message(QueueUrl=url, MessageBody="while-disabled")
        self.assertNoInvocations(record_url, 3)
        self.assertEqual(self.counts(url), (1, 0))  # visible: not even received

        self.assertEqual(self.lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"], "Enabling")
        self.wait_state(uuid, "Enabled")
        self.assertEqual(self.bodies(self.invocations(record_url, 1)[0]), ["while-disabled"])
        self.wait_counts(url, (0, 0))


class FifoTest(EsmTestCase):

    def test_one_group_is_delivered_in_order(self):
        fn, record_url = self.recorder()
        url, arn = self.fifo_source()
        self.mapping(fn, arn, BatchSize=3)
        sent = []
        for i in range(8):
            for group in ("g1", "g2"):
                body = "%s-%d" % (group, i)
                self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                                      MessageDeduplicationId=body)
                sent.append(body)
        delivered = []
        deadline = time.monotonic() + 20
        while len(delivered) < len(sent) and time.monotonic() < deadline:
            for inv in self.invocations(record_url, 1, exact=False):
                delivered.extend(self.records(inv))
        self.assertEqual(sorted(r["body"] for r in delivered), sorted(sent))
        for group in ("g1", "g2"):
            order = [r["body"] for r in delivered if r["attributes"]["MessageGroupId"] == group]
            self.assertEqual(order, ["%s-%d" % (group, i) for i in range(8)], delivered)
        r = delivered[0]
        for key in ("MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "ApproximateReceiveCount"):
            self.assertIn(key, r["attributes"], r)
        self.assertEqual(r["attributes"]["MessageDeduplicationId"], r["body"])
        self.wait_counts(url, (0, 0))


class RestartTest(EsmTestCase):

    def reconnect(self):
        for client in (self.lam, self.logs, self.sqs):
            close_client(client)
        cls = type(self)
        cls.lam = make_aws_client("lambda", cls.server.endpoint)
        cls.logs = make_aws_client("logs", cls.server.endpoint)
        cls.sqs = make_client(cls.server.endpoint)

    def test_mapping_delivers_after_restart(self):
        fn, record_url = self.recorder()
        url, arn = self.source()
        uuid = self.mapping(fn, arn, BatchSize=10)
        self.sqs.send_message(QueueUrl=url, MessageBody="before restart")
        self.assertEqual(self.bodies(self.invocations(record_url, 1)[0]), ["before restart"])
        self.wait_counts(url, (0, 0))

        self.server.restart()
        self.reconnect()
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["State"], "Enabled")
        self.sqs.send_message(QueueUrl=url, MessageBody="after restart")
        inv = self.invocations(record_url, 1, timeout=30)[0]  # a cold start again
        self.assertEqual(self.bodies(inv), ["after restart"])
        self.wait_counts(url, (0, 0))
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"], "OK")


if __name__ == "__main__":
    unittest.main()
