"""Durability: state survives a graceful restart (SIGTERM) and a crash (SIGKILL) of a durable server.

Every call below is acknowledged (the SDK got a 200) before the server is stopped, so everything it did
must be there after the restart: messages (body, attributes, ids, timestamps), deletes, queue attributes,
tags, deleted queues, in-flight state (visibility deadline) and receive counts.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_durability.py -v
"""

import os
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase, close_client, make_client  # noqa: E402
from sqs_cases import md5_of_attributes  # noqa: E402


class DurabilityTest(EddyTestCase):
    server_in_memory = False

    def client(self):
        c = make_client(self.server.endpoint)
        self.addCleanup(close_client, c)
        return c

    def counts(self, sqs, url):
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
                int(a["ApproximateNumberOfMessagesDelayed"]))

    def collect(self, sqs, url, n, timeout=10, **kwargs):
        """Receives (visibility 600) until n distinct messages were seen or the timeout passes."""
        got = {}
        deadline = time.monotonic() + timeout
        while len(got) < n and time.monotonic() < deadline:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600,
                                         WaitTimeSeconds=1, **kwargs).get("Messages", []):
                got[m["MessageId"]] = m
        return got

    def drain(self, sqs, url, expect_at_least, timeout=10):
        """Receives (visibility 600) until `expect_at_least` messages were seen and a poll is empty."""
        seen = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600,
                                       WaitTimeSeconds=1, AttributeNames=["All"],
                                       MessageAttributeNames=["All"]).get("Messages", [])
            for m in msgs:
                self.assertNotIn(m["MessageId"], seen, "message delivered twice while invisible")
                seen[m["MessageId"]] = m
            if not msgs and len(seen) >= expect_at_least:
                break
        return seen

    def scenario(self, stop):
        """Builds known state, calls stop() (which must bring the server back), and verifies it."""
        sqs = self.client()
        name = "dur-%s" % uuid.uuid4().hex[:10]
        attrs_in = {"VisibilityTimeout": "45", "DelaySeconds": "0", "MaximumMessageSize": "4096",
                    "MessageRetentionPeriod": "7200", "ReceiveMessageWaitTimeSeconds": "0"}
        url = sqs.create_queue(QueueName=name, Attributes=attrs_in,
                               tags={"owner": "durability", "empty": ""})["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "1"})
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
        sqs.tag_queue(QueueUrl=url, Tags={"added": "later"})
        sqs.untag_queue(QueueUrl=url, TagKeys=["owner"])
        before_attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

        gone_name = "dur-gone-%s" % uuid.uuid4().hex[:8]
        gone_url = sqs.create_queue(QueueName=gone_name)["QueueUrl"]
        sqs.send_message(QueueUrl=gone_url, MessageBody="in a deleted queue")
        sqs.delete_queue(QueueUrl=gone_url)

        msg_attrs = {"s": {"DataType": "String", "StringValue": "ünï"},
                     "n": {"DataType": "Number.int", "StringValue": "7"},
                     "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe"}}
        sent = {}
        for i in range(20):
            body = "body-%02d-%s" % (i, "x" * i)
            r = sqs.send_message(QueueUrl=url, MessageBody=body,
                                 MessageAttributes=msg_attrs if i % 2 else {})
            sent[r["MessageId"]] = body
        r = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "b%d" % i, "MessageBody": "batch-%d" % i} for i in range(5)])
        for e, i in zip(sorted(r["Successful"], key=lambda e: e["Id"]), range(5)):
            sent[e["MessageId"]] = "batch-%d" % i
        delayed = sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=900)["MessageId"]

        # Receive everything once with a short visibility to count a receive, then:
        #  - delete 8 of them (acknowledged deletes: must never come back),
        #  - keep 5 in flight for 10 minutes (must stay invisible after the restart),
        #  - release the rest (visible again; a second receive below brings their count to 2).
        first = self.collect(sqs, url, len(sent), AttributeNames=["All"])
        self.assertEqual(set(first), set(sent))
        ids = sorted(first)
        deleted, inflight, released = ids[:8], ids[8:13], ids[13:]
        for mid in deleted[:4]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=first[mid]["ReceiptHandle"])
        resp = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "d%d" % i, "ReceiptHandle": first[mid]["ReceiptHandle"]}
            for i, mid in enumerate(deleted[4:])])
        self.assertEqual(len(resp["Successful"]), 4, resp)
        for mid in released:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[mid]["ReceiptHandle"],
                                          VisibilityTimeout=0)
        self.assertEqual(self.counts(sqs, url), (len(released), len(inflight), 1))
        first_ts = {mid: first[mid]["Attributes"]["ApproximateFirstReceiveTimestamp"] for mid in ids}
        sent_ts = {mid: first[mid]["Attributes"]["SentTimestamp"] for mid in ids}
        # A second receive of the released messages (then released again) gives them count 2.
        counts_before = {
            mid: (int(m["Attributes"]["ApproximateReceiveCount"]), m["ReceiptHandle"])
            for mid, m in self.collect(sqs, url, len(released),
                                       AttributeNames=["ApproximateReceiveCount"]).items()}
        self.assertEqual(set(counts_before), set(released))
        for mid, (count, handle) in counts_before.items():
            self.assertEqual(count, 2)
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        inflight_handle = first[inflight[0]]["ReceiptHandle"]

        stop()
        sqs = self.client()

        # Queues: attributes, tags, deleted queue.
        after_attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        for k, v in before_attrs.items():
            if not k.startswith("Approximate"):
                self.assertEqual(after_attrs.get(k), v, k)
        self.assertEqual(set(after_attrs), set(before_attrs))
        self.assertEqual(sqs.list_queue_tags(QueueUrl=url).get("Tags"), {"empty": "", "added": "later"})
        self.assertEqual(sqs.get_queue_url(QueueName=name)["QueueUrl"], url)
        with self.assertRaises(Exception) as cm:
            sqs.get_queue_url(QueueName=gone_name)
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "AWS.SimpleQueueService.NonExistentQueue")
        self.assertNotIn("QueueUrls", sqs.list_queues(QueueNamePrefix=gone_name))

        # Messages: visible / in flight / delayed as before.
        self.assertEqual(self.counts(sqs, url), (len(released), len(inflight), 1))
        got = self.drain(sqs, url, len(released))
        self.assertEqual(set(got), set(released), "visible set changed across the restart")
        for mid, m in got.items():
            self.assertEqual(m["Body"], sent[mid])
            self.assertEqual(m["Attributes"]["SentTimestamp"], sent_ts[mid])
            self.assertEqual(m["Attributes"]["ApproximateFirstReceiveTimestamp"], first_ts[mid])
            self.assertEqual(int(m["Attributes"]["ApproximateReceiveCount"]),
                             counts_before[mid][0] + 1, mid)
            if sent[mid].startswith("body-") and int(sent[mid][5:7]) % 2:
                self.assertEqual(m["MessageAttributes"], msg_attrs)
                self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(msg_attrs))
            else:
                self.assertNotIn("MessageAttributes", m)
        self.assertFalse(set(got) & set(deleted), "an acknowledged delete came back")
        self.assertNotIn(delayed, got)
        # The in-flight messages are still invisible, and their receipt handles still work.
        self.assertEqual(self.counts(sqs, url), (0, len(inflight) + len(released), 1))
        sqs.delete_message(QueueUrl=url, ReceiptHandle=inflight_handle)
        self.assertEqual(self.counts(sqs, url), (0, len(inflight) - 1 + len(released), 1))
        return url

    def test_graceful_restart(self):
        def stop():
            code = self.server.stop()
            self.assertEqual(code, 0, "graceful shutdown should exit 0")
            self.server.start()
        self.scenario(stop)

    def test_kill9_restart(self):
        def stop():
            self.server.kill9()
            self.server.start()
        self.scenario(stop)

    def test_repeated_crashes_keep_everything(self):
        sqs = self.client()
        url = sqs.create_queue(QueueName="dur-rep-%s" % uuid.uuid4().hex[:8])["QueueUrl"]
        alive, deleted = {}, set()
        for cycle in range(3):
            for i in range(10):
                body = "c%d-m%d" % (cycle, i)
                alive[sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"]] = body
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3,
                                       VisibilityTimeout=0).get("Messages", [])
            for m in msgs:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                deleted.add(m["MessageId"])
                alive.pop(m["MessageId"], None)
            self.server.kill9()
            self.server.start()
            sqs = self.client()
            self.assertEqual(self.counts(sqs, url), (len(alive), 0, 0), "cycle %d" % cycle)
        got = self.drain(sqs, url, len(alive))
        self.assertEqual({k: m["Body"] for k, m in got.items()}, alive)
        self.assertFalse(set(got) & deleted)

    def test_sigterm_completes_parked_long_polls(self):
        """Graceful shutdown must not wait out 20 s long polls, and must keep what was acknowledged."""
        sqs = self.client()
        url = sqs.create_queue(QueueName="dur-poll-%s" % uuid.uuid4().hex[:8])["QueueUrl"]
        results = []

        def poll():
            c = make_client(self.server.endpoint)
            try:
                results.append(c.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", []))
            except Exception as e:  # a closed connection is acceptable; a hang is not
                results.append(e)
            finally:
                close_client(c)

        threads = [threading.Thread(target=poll) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        sqs.send_message(QueueUrl=url, MessageBody="kept")  # wakes one poller
        for t in threads[:1]:
            t.join(5)
        t0 = time.monotonic()
        code = self.server.stop(timeout=15)
        took = time.monotonic() - t0
        for t in threads:
            t.join(10)
            self.assertFalse(t.is_alive(), "a long poll still hangs after shutdown")
        self.assertEqual(code, 0)
        self.assertLess(took, 5.0, "SIGTERM waited for parked long polls")
        self.server.start()
        sqs = self.client()
        bodies = [m["Body"] for r in results if isinstance(r, list) for m in r]
        self.assertIn(bodies, ([], ["kept"]))
        if not bodies:
            got = self.drain(sqs, url, 1)
            self.assertEqual([m["Body"] for m in got.values()], ["kept"])
        # Either way the message is now in flight (received before the stop, or by the drain).
        self.assertEqual(self.counts(sqs, url), (0, 1, 0))

    def test_long_poll_receive_survives_crash(self):
        """A receive completed by a long-poll wake-up (not at once) is as durable as any other."""
        sqs = self.client()
        url = sqs.create_queue(QueueName="dur-wake-%s" % uuid.uuid4().hex[:8])["QueueUrl"]
        got = []
        poller = make_client(self.server.endpoint)
        self.addCleanup(close_client, poller)
        t = threading.Thread(target=lambda: got.extend(poller.receive_message(
            QueueUrl=url, WaitTimeSeconds=10, VisibilityTimeout=600).get("Messages", [])))
        t.start()
        time.sleep(0.5)
        sqs.send_message(QueueUrl=url, MessageBody="woken")
        t.join(10)
        self.assertEqual([m["Body"] for m in got], ["woken"])
        self.assertEqual(self.counts(sqs, url), (0, 1, 0))
        self.server.kill9()
        self.server.start()
        sqs = self.client()
        self.assertEqual(self.counts(sqs, url), (0, 1, 0), "in-flight state of a woken receive lost")
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"],
                                      VisibilityTimeout=0)
        m = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"],
                                WaitTimeSeconds=2)["Messages"][0]
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "2")

    def test_purge_survives_crash(self):
        sqs = self.client()
        url = sqs.create_queue(QueueName="dur-purge-%s" % uuid.uuid4().hex[:8])["QueueUrl"]
        for i in range(5):
            sqs.send_message(QueueUrl=url, MessageBody="p%d" % i)
        sqs.purge_queue(QueueUrl=url)
        sqs.send_message(QueueUrl=url, MessageBody="after")
        self.server.kill9()
        self.server.start()
        sqs = self.client()
        self.assertEqual(self.counts(sqs, url), (1, 0, 0))
        got = self.drain(sqs, url, 1)
        self.assertEqual([m["Body"] for m in got.values()], ["after"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
