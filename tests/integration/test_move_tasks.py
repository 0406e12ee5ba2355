"""Message move tasks / DLQ redrive (reference §6): StartMessageMoveTask, CancelMessageMoveTask,
ListMessageMoveTasks. Needs the pyenv boto3 1.43 (JSON); boto3 1.26 predates these actions.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_move_tasks.py -v
Messages are failed into DLQs with maxReceiveCount=1 and per-receive VisibilityTimeout=0.
"""

import os
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase, SqsClientMixin, arn_of, import_boto3, redrive  # noqa: E402

import_boto3()  # boto3 must not pick up a developer's ~/.aws files.
from botocore.exceptions import ClientError  # noqa: E402

ACTIVE_TASK = ("There is already a task running. Only one active task is allowed for a source queue arn "
               "at a given time.")


class MoveTaskTest(SqsClientMixin, EddyTestCase):
    server_in_memory = False

    # ---------------------------------------------------------------- helpers
    def create(self, tag="q", fifo=False, **attrs):
        name, url = self.new_queue(tag, fifo, **attrs)
        return url, arn_of(name)

    def counts(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def dlq_pair(self, fifo=False):
        """(dlq_url, dlq_arn, src_url, src_arn) with maxReceiveCount=1."""
        dlq_url, dlq_arn = self.create("dlq", fifo=fifo)
        src_url, src_arn = self.create("src", fifo=fifo, RedrivePolicy=redrive(dlq_arn))
        return dlq_url, dlq_arn, src_url, src_arn

    def fail_into_dlq(self, src_url, dlq_url, bodies, fifo=False, attrs=None):
        """Sends `bodies` to the source and receives until all of them sit in the DLQ. Returns the
        original MessageIds by body."""
        ids = {}
        target = sum(self.counts(dlq_url)) + len(bodies)
        for i in range(0, len(bodies), 10):
            entries = []
            for j, b in enumerate(bodies[i:i + 10]):
                e = {"Id": "e%d" % j, "MessageBody": b}
                if attrs:
                    e["MessageAttributes"] = attrs
                if fifo:
                    e["MessageGroupId"] = "G"
                    e["MessageDeduplicationId"] = uuid.uuid4().hex
                entries.append(e)
            r = self.sqs.send_message_batch(QueueUrl=src_url, Entries=entries)
            self.assertEqual(r.get("Failed", []), [])
            for e in r["Successful"]:
                ids[bodies[i + int(e["Id"][1:])]] = e["MessageId"]
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            self.sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
            if sum(self.counts(dlq_url)) == target and sum(self.counts(src_url)) == 0:
                return ids
        self.fail("messages did not reach the DLQ: src %s dlq %s" % (self.counts(src_url),
                                                                     self.counts(dlq_url)))

    def drain(self, url, expect=None, timeout=10):
        """Receives (and deletes) everything; returns the messages in receive order."""
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                            MessageSystemAttributeNames=["All"],
                                            MessageAttributeNames=["All"]).get("Messages", [])
            for m in msgs:
                out.append(m)
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            if not msgs and (expect is None or len(out) >= expect):
                break
            if not msgs:
                time.sleep(0.05)
        return out

    def tasks(self, source_arn, **kw):
        return self.sqs.list_message_move_tasks(SourceArn=source_arn, **kw).get("Results", [])

    def wait_status(self, source_arn, statuses, timeout=15):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            results = self.tasks(source_arn)
            if results:
                last = results[0]
                if last["Status"] in statuses:
                    return last
            time.sleep(0.05)
        self.fail("task did not reach %s within %ss: %r" % (statuses, timeout, last))

    # ---------------------------------------------------------------- StartMessageMoveTask errors
    def test_start_errors(self):
        dlq_url, dlq_arn, src_url, src_arn = self.dlq_pair()
        e = self.assertError(
            lambda: self.sqs.start_message_move_task(SourceArn=arn_of("it-none-" + uuid.uuid4().hex[:8])),
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.", status=404)
        self.assertIsInstance(e, self.sqs.exceptions.ResourceNotFoundException)
        self.assertError(lambda: self.sqs.start_message_move_task(SourceArn=src_arn),
                         "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
        self.assertError(
            lambda: self.sqs.start_message_move_task(
                SourceArn=dlq_arn, DestinationArn=arn_of("it-none-" + uuid.uuid4().hex[:8])),
            "ResourceNotFoundException",
            "The resource that you specified for the DestinationArn parameter doesn't exist.", status=404)
        self.assertError(lambda: self.sqs.start_message_move_task(SourceArn="not-an-arn"),
                         "InvalidParameterValue")
        for rate in (0, 501):
            with self.subTest(rate=rate):
                self.assertError(lambda: self.sqs.start_message_move_task(
                    SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=rate), "InvalidParameterValue")
        self.assertEqual(self.tasks(dlq_arn), [])

    def test_only_one_active_task_per_source(self):
        dlq_url, dlq_arn, src_url, _ = self.dlq_pair()
        self.fail_into_dlq(src_url, dlq_url, ["m%d" % i for i in range(5)])
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1
                                                  )["TaskHandle"]
        self.assertTrue(handle)
        self.assertError(lambda: self.sqs.start_message_move_task(SourceArn=dlq_arn),
                         "InvalidParameterValue", ACTIVE_TASK)
        self.sqs.cancel_message_move_task(TaskHandle=handle)
        self.wait_status(dlq_arn, ("CANCELLED",))
        # Once the task is over a new one may start.
        self.sqs.start_message_move_task(SourceArn=dlq_arn)
        self.wait_status(dlq_arn, ("COMPLETED",))

    # ---------------------------------------------------------------- moving
    def test_redrive_to_each_messages_own_source(self):
        dlq_url, dlq_arn = self.create("dlq")
        src_a, arn_a = self.create("srca", RedrivePolicy=redrive(dlq_arn))
        src_b, arn_b = self.create("srcb", RedrivePolicy=redrive(dlq_arn))
        attrs = {"k": {"DataType": "String", "StringValue": "v"}}
        ids_a = self.fail_into_dlq(src_a, dlq_url, ["a%d" % i for i in range(3)], attrs=attrs)
        ids_b = self.fail_into_dlq(src_b, dlq_url, ["b%d" % i for i in range(4)])
        self.assertEqual(sum(self.counts(dlq_url)), 7)
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
        self.assertIsInstance(handle, str)
        done = self.wait_status(dlq_arn, ("COMPLETED", "FAILED"))
        self.assertEqual(done["Status"], "COMPLETED", done)
        self.assertEqual(done["ApproximateNumberOfMessagesMoved"], 7)
        self.assertEqual(done["ApproximateNumberOfMessagesToMove"], 7)
        self.assertNotIn("TaskHandle", done)
        self.assertNotIn("DestinationArn", done)
        self.assertEqual(self.counts(dlq_url), (0, 0))

        got_a = self.drain(src_a, expect=3)
        got_b = self.drain(src_b, expect=4)
        self.assertEqual(sorted(m["Body"] for m in got_a), ["a0", "a1", "a2"])
        self.assertEqual(sorted(m["Body"] for m in got_b), ["b0", "b1", "b2", "b3"])
        for m in got_a + got_b:
            # Redriven messages are new messages: new id, receive count starts again.
            self.assertNotIn(m["MessageId"], set(ids_a.values()) | set(ids_b.values()))
            self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
            self.assertNotIn("DeadLetterQueueSourceArn", m["Attributes"])
        for m in got_a:
            self.assertEqual(m["MessageAttributes"], attrs)

    def test_redrive_to_destination_arn(self):
        dlq_url, dlq_arn, src_url, _ = self.dlq_pair()
        dest_url, dest_arn = self.create("dest")
        self.fail_into_dlq(src_url, dlq_url, ["d%d" % i for i in range(5)])
        self.sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn)
        done = self.wait_status(dlq_arn, ("COMPLETED", "FAILED"))
        self.assertEqual(done["Status"], "COMPLETED", done)
        self.assertEqual(done["DestinationArn"], dest_arn)
        self.assertEqual(done["ApproximateNumberOfMessagesMoved"], 5)
        self.assertEqual(sorted(m["Body"] for m in self.drain(dest_url, expect=5)),
                         ["d%d" % i for i in range(5)])
        self.assertEqual(sum(self.counts(src_url)), 0)
        self.assertEqual(sum(self.counts(dlq_url)), 0)

    def test_rate_limit_is_honoured(self):
        dlq_url, dlq_arn, src_url, _ = self.dlq_pair()
        dest_url, dest_arn = self.create("dest")
        self.fail_into_dlq(src_url, dlq_url, ["r%02d" % i for i in range(20)])
        start = time.monotonic()
        self.sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn,
                                          MaxNumberOfMessagesPerSecond=10)
        time.sleep(0.5)
        mid = self.tasks(dlq_arn)[0]
        self.assertEqual(mid["Status"], "RUNNING", mid)
        self.assertLess(mid["ApproximateNumberOfMessagesMoved"], 15, mid)
        done = self.wait_status(dlq_arn, ("COMPLETED", "FAILED"), timeout=20)
        elapsed = time.monotonic() - start
        self.assertEqual(done["Status"], "COMPLETED", done)
        self.assertEqual(done["MaxNumberOfMessagesPerSecond"], 10)
        # 20 messages at 10/s: about 2 s. Loose bounds, CI machines are noisy.
        self.assertGreater(elapsed, 1.3, "moved faster than 10 messages/s")
        self.assertLess(elapsed, 10, "moved far slower than 10 messages/s")
        self.assertEqual(len(self.drain(dest_url, expect=20)), 20)

    def test_list_fields_while_running_and_cancel(self):
        dlq_url, dlq_arn, src_url, _ = self.dlq_pair()
        dest_url, dest_arn = self.create("dest")
        self.fail_into_dlq(src_url, dlq_url, ["c%d" % i for i in range(6)])
        before_ms = int(time.time() * 1000)
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn,
                                                  MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
        after_ms = int(time.time() * 1000)
        time.sleep(0.3)
        results = self.tasks(dlq_arn)
        self.assertEqual(len(results), 1)
        r = results[0]
        self.assertEqual(r["Status"], "RUNNING")
        self.assertEqual(r["TaskHandle"], handle)
        self.assertEqual(r["SourceArn"], dlq_arn)
        self.assertEqual(r["DestinationArn"], dest_arn)
        self.assertEqual(r["MaxNumberOfMessagesPerSecond"], 1)
        self.assertEqual(r["ApproximateNumberOfMessagesToMove"], 6)
        self.assertLessEqual(r["ApproximateNumberOfMessagesMoved"], 2)
        self.assertTrue(before_ms - 1000 <= r["StartedTimestamp"] <= after_ms + 1000, r)
        self.assertNotIn("FailureReason", r)

        moved = self.sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
        self.assertLessEqual(moved, 3)
        r = self.tasks(dlq_arn)[0]
        self.assertIn(r["Status"], ("CANCELLING", "CANCELLED"))
        self.assertNotIn("TaskHandle", r)
        r = self.wait_status(dlq_arn, ("CANCELLED",))
        time.sleep(1.2)  # nothing moves after the cancel
        r = self.tasks(dlq_arn)[0]
        in_dest = sum(self.counts(dest_url))
        self.assertEqual(in_dest, r["ApproximateNumberOfMessagesMoved"])
        self.assertEqual(in_dest + sum(self.counts(dlq_url)), 6)
        self.assertGreaterEqual(sum(self.counts(dlq_url)), 3)
        # Cancelling a task that is no longer running fails.
        with self.assertRaises(ClientError):
            self.sqs.cancel_message_move_task(TaskHandle=handle)

    def test_list_newest_first_and_max_results(self):
        dlq_url, dlq_arn, src_url, _ = self.dlq_pair()
        self.fail_into_dlq(src_url, dlq_url, ["x"])
        self.sqs.start_message_move_task(SourceArn=dlq_arn)
        self.wait_status(dlq_arn, ("COMPLETED",))
        self.assertEqual([m["Body"] for m in self.drain(src_url, expect=1)], ["x"])
        self.fail_into_dlq(src_url, dlq_url, ["y", "z"])
        self.sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=500)
        self.wait_status(dlq_arn, ("COMPLETED",))
        self.assertEqual(len(self.tasks(dlq_arn)), 1)  # default MaxResults = 1 (most recent)
        results = self.tasks(dlq_arn, MaxResults=10)
        self.assertEqual(len(results), 2)
        self.assertEqual([r["ApproximateNumberOfMessagesMoved"] for r in results], [2, 1])
        self.assertEqual(results[0]["MaxNumberOfMessagesPerSecond"], 500)
        self.assertNotIn("MaxNumberOfMessagesPerSecond", results[1])
        self.assertGreaterEqual(results[0]["StartedTimestamp"], results[1]["StartedTimestamp"])
        for bad in (0, 11):
            with self.subTest(max_results=bad):
                self.assertError(lambda: self.tasks(dlq_arn, MaxResults=bad), "InvalidParameterValue")

    def test_list_and_cancel_errors(self):
        e = self.assertError(lambda: self.tasks(arn_of("it-none-" + uuid.uuid4().hex[:8])),
                             "ResourceNotFoundException", status=404)
        self.assertIsInstance(e, self.sqs.exceptions.ResourceNotFoundException)
        self.assertError(lambda: self.sqs.cancel_message_move_task(TaskHandle="garbage!!"),
                         "InvalidParameterValue", "Value for parameter TaskHandle is invalid.")

    def test_destination_deleted_fails_task(self):
        dlq_url, dlq_arn, src_url, _ = self.dlq_pair()
        dest_url, dest_arn = self.create("dest")
        self.fail_into_dlq(src_url, dlq_url, ["f%d" % i for i in range(5)])
        self.sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=dest_arn,
                                         MaxNumberOfMessagesPerSecond=2)
        time.sleep(0.3)
        self.sqs.delete_queue(QueueUrl=dest_url)
        r = self.wait_status(dlq_arn, ("FAILED",), timeout=10)
        self.assertEqual(r["FailureReason"], "AWS.SimpleQueueService.NonExistentQueue")
        self.assertNotIn("TaskHandle", r)
        self.assertGreaterEqual(sum(self.counts(dlq_url)), 1)  # the rest stays in the DLQ

    def test_fifo_dlq_redrive(self):
        dlq_url, dlq_arn, src_url, src_arn = self.dlq_pair(fifo=True)
        ids = self.fail_into_dlq(src_url, dlq_url, ["o%d" % i for i in range(4)], fifo=True)
        self.sqs.start_message_move_task(SourceArn=dlq_arn)
        done = self.wait_status(dlq_arn, ("COMPLETED", "FAILED"))
        self.assertEqual(done["Status"], "COMPLETED", done)
        self.assertEqual(done["ApproximateNumberOfMessagesMoved"], 4)
        got = self.drain(src_url, expect=4)
        self.assertEqual([m["Body"] for m in got], ["o0", "o1", "o2", "o3"])  # order kept in group G
        for m in got:
            self.assertEqual(m["Attributes"]["MessageGroupId"], "G")
            self.assertNotIn(m["MessageId"], set(ids.values()))
        # FIFO destinations must be FIFO.
        std_url, std_arn = self.create("std")
        self.fail_into_dlq(src_url, dlq_url, ["p"], fifo=True)
        with self.assertRaises(ClientError):
            self.sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=std_arn)


if __name__ == "__main__":
    unittest.main(verbosity=2)
