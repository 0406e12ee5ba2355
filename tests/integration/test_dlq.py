"""Dead-letter queues (reference §5, §3 RedrivePolicy/RedriveAllowPolicy, §2 ListDeadLetterSourceQueues),
driven by the pyenv boto3 (AWS JSON 1.0).

Run: EDDY_BIN=build/eddy python3 tests/integration/test_dlq.py -v
Messages are failed into the DLQ quickly with per-receive VisibilityTimeout=0.
"""

import json
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase, SqsClientMixin, arn_of, import_boto3, redrive  # noqa: E402

import_boto3()  # boto3 must not pick up a developer's ~/.aws files.
from botocore.exceptions import ClientError  # noqa: E402


class DlqTest(SqsClientMixin, EddyTestCase):
    server_in_memory = False

    # ---------------------------------------------------------------- helpers
    def create(self, tag="q", fifo=False, **attrs):
        name, url = self.new_queue(tag, fifo, **attrs)
        return name, url, arn_of(name)

    def total(self, url):
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                       "ApproximateNumberOfMessagesDelayed")
        return sum(int(v) for v in a.values())

    def set_redrive(self, url, dlq_arn, count):
        self.sqs.set_queue_attributes(QueueUrl=url,
                                      Attributes={"RedrivePolicy": redrive(dlq_arn, count)})

    # ---------------------------------------------------------------- RedrivePolicy validation
    def test_redrive_policy_round_trip(self):
        _, _, dlq_arn = self.create("dlq")
        _, url, _ = self.create("src")
        # maxReceiveCount may be given as a string; it is returned as a number.
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})
        policy = json.loads(self.attrs(url, "RedrivePolicy")["RedrivePolicy"])
        self.assertEqual(policy, {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
        self.assertIn("RedrivePolicy", self.attrs(url, "All"))
        # "" removes it.
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
        self.assertNotIn("RedrivePolicy", self.attrs(url, "All"))

    def test_redrive_policy_on_create_and_bounds(self):
        _, _, dlq_arn = self.create("dlq")
        for count in (1, 1000):
            _, url, _ = self.create("src", RedrivePolicy=redrive(dlq_arn, count))
            self.assertEqual(json.loads(self.attrs(url, "RedrivePolicy")["RedrivePolicy"]),
                             {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": count})
        _, url, _ = self.create("src")
        for count in (0, 1001, -1):
            with self.subTest(count=count):
                e = self.assertError(lambda: self.set_redrive(url, dlq_arn, count),
                                     "InvalidParameterValue")
                self.assertIn("maxReceiveCount", e.response["Error"]["Message"])
        name = "it-src-%s" % uuid.uuid4().hex[:10]
        self.assertError(lambda: self.sqs.create_queue(QueueName=name, Attributes={
            "RedrivePolicy": redrive(dlq_arn, 0)}), "InvalidParameterValue")
        self.assertNotIn("RedrivePolicy", self.attrs(url, "All"))

    def test_redrive_policy_requires_existing_dlq(self):
        _, url, _ = self.create("src")
        self.assertError(lambda: self.set_redrive(url, arn_of("it-missing-" + uuid.uuid4().hex[:8]), 3),
                         "InvalidParameterValue")
        self.assertError(lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "RedrivePolicy": "{not json"}), "InvalidParameterValue")
        self.assertNotIn("RedrivePolicy", self.attrs(url, "All"))

    def test_redrive_policy_queue_types_must_match(self):
        _, _, std_dlq = self.create("dlq")
        _, _, fifo_dlq = self.create("dlq", fifo=True)
        _, fifo_src, _ = self.create("src", fifo=True)
        _, std_src, _ = self.create("src")
        self.assertError(lambda: self.set_redrive(fifo_src, std_dlq, 3), "InvalidParameterValue")
        self.assertError(lambda: self.set_redrive(std_src, fifo_dlq, 3), "InvalidParameterValue")
        self.set_redrive(fifo_src, fifo_dlq, 3)
        self.set_redrive(std_src, std_dlq, 3)

    def test_queue_may_be_its_own_dlq(self):
        _, url, arn = self.create("self")
        self.set_redrive(url, arn, 1)

    def test_redrive_allow_policy(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, src_url, src_arn = self.create("src")
        _, other_url, other_arn = self.create("other")
        self.sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={
            "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})
        self.assertEqual(json.loads(self.attrs(dlq_url, "RedriveAllowPolicy")["RedriveAllowPolicy"]),
                         {"redrivePermission": "denyAll"})
        self.assertError(lambda: self.set_redrive(src_url, dlq_arn, 3), "InvalidParameterValue")

        self.sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={
            "RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue",
                                              "sourceQueueArns": [src_arn]})})
        self.set_redrive(src_url, dlq_arn, 3)
        self.assertError(lambda: self.set_redrive(other_url, dlq_arn, 3), "InvalidParameterValue")
        self.assertNotIn("RedrivePolicy", self.attrs(other_url, "All"))

        self.sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={
            "RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"})})
        self.set_redrive(other_url, dlq_arn, 3)

    def test_redrive_allow_policy_validation(self):
        _, dlq_url, _ = self.create("dlq")
        bad = [{"redrivePermission": "sometimes"},
               {"redrivePermission": "byQueue"},
               {"redrivePermission": "byQueue",
                "sourceQueueArns": [arn_of("q%d" % i) for i in range(11)]},
               {"redrivePermission": "allowAll", "sourceQueueArns": [arn_of("q")]}]
        for policy in bad:
            with self.subTest(policy=policy):
                self.assertError(lambda: self.sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={
                    "RedriveAllowPolicy": json.dumps(policy)}), "InvalidParameterValue")
        self.assertNotIn("RedriveAllowPolicy", self.attrs(dlq_url, "All"))

    # ---------------------------------------------------------------- moving on receive
    def test_message_moves_after_max_receive_count(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, url, src_arn = self.create("src", RedrivePolicy=redrive(dlq_arn, 2))
        attrs = {"color": {"DataType": "String", "StringValue": "blue"},
                 "n": {"DataType": "Number", "StringValue": "42"},
                 "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="poison", MessageAttributes=attrs,
                                     MessageSystemAttributes={"AWSTraceHeader": {
                                         "DataType": "String", "StringValue": "Root=1-abc"}})
        seen = []
        for i in range(2):
            msgs = self.receive(url, VisibilityTimeout=0, AttributeNames=["All"])
            self.assertEqual(len(msgs), 1, "receive %d" % (i + 1))
            seen.append(msgs[0])
        self.assertEqual([m["Attributes"]["ApproximateReceiveCount"] for m in seen], ["1", "2"])
        sent_ts = seen[0]["Attributes"]["SentTimestamp"]
        # The third receive moves the message instead of returning it.
        self.assertEqual(self.receive(url, VisibilityTimeout=0), [])
        self.assertEqual(self.total(url), 0)
        self.assertEqual(self.total(dlq_url), 1)

        msgs = self.receive(dlq_url, AttributeNames=["All"], MessageAttributeNames=["All"])
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], "poison")
        self.assertEqual(m["MD5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(m["MessageAttributes"], attrs)
        self.assertEqual(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        a = m["Attributes"]
        self.assertEqual(a["ApproximateReceiveCount"], "3")
        self.assertEqual(a["DeadLetterQueueSourceArn"], src_arn)
        self.assertEqual(a["SentTimestamp"], sent_ts)  # standard DLQ keeps the original enqueue time
        self.assertEqual(a.get("AWSTraceHeader"), "Root=1-abc")

    def test_max_receive_count_one(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, url, src_arn = self.create("src", RedrivePolicy=redrive(dlq_arn, 1))
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="once")
        self.assertEqual(len(self.receive(url, VisibilityTimeout=0)), 1)
        self.assertEqual(self.receive(url, VisibilityTimeout=0), [])
        m = self.receive(dlq_url, AttributeNames=["All"])[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "2")
        self.assertEqual(m["Attributes"]["DeadLetterQueueSourceArn"], src_arn)

    def test_message_moved_after_visibility_timeout_expires(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, url, _ = self.create("src", RedrivePolicy=redrive(dlq_arn, 1))
        self.sqs.send_message(QueueUrl=url, MessageBody="slow")
        self.assertEqual(len(self.receive(url, VisibilityTimeout=1)), 1)
        # A long poll that starts while the message is in flight: when it reappears it is moved.
        self.assertEqual(self.receive(url, WaitTimeSeconds=3), [])
        self.assertEqual(self.total(url), 0)
        self.assertEqual([m["Body"] for m in self.receive(dlq_url, WaitTimeSeconds=2)], ["slow"])

    def test_moving_receive_fills_batch_with_other_messages(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, url, _ = self.create("src", RedrivePolicy=redrive(dlq_arn, 1))
        self.sqs.send_message(QueueUrl=url, MessageBody="bad")
        self.assertEqual(len(self.receive(url, VisibilityTimeout=0)), 1)
        self.sqs.send_message(QueueUrl=url, MessageBody="good")
        msgs = self.receive(url, MaxNumberOfMessages=10)
        self.assertEqual([m["Body"] for m in msgs], ["good"])
        self.assertEqual(self.total(dlq_url), 1)

    def test_counts_and_deletes_in_dlq(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, url, _ = self.create("src", RedrivePolicy=redrive(dlq_arn, 1))
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "m%d" % i, "MessageBody": "b%d" % i} for i in range(7)])
        got = 0
        for _ in range(5):
            got += len(self.receive(url, MaxNumberOfMessages=10, VisibilityTimeout=0))
            if got >= 7:
                break
        self.assertEqual(got, 7)
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])
        self.assertEqual(self.total(dlq_url), 7)
        bodies = set()
        for _ in range(5):
            for m in self.receive(dlq_url, MaxNumberOfMessages=10):
                bodies.add(m["Body"])
                self.sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(bodies, {"b%d" % i for i in range(7)})
        self.assertEqual(self.total(dlq_url), 0)

    def test_fifo_dlq(self):
        _, dlq_url, dlq_arn = self.create("dlq", fifo=True)
        _, url, src_arn = self.create("src", fifo=True, DeduplicationScope="messageGroup",
                                      RedrivePolicy=redrive(dlq_arn, 1))
        a1 = self.sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="A",
                                   MessageDeduplicationId="same")
        self.sqs.send_message(QueueUrl=url, MessageBody="a2", MessageGroupId="A",
                              MessageDeduplicationId="a2")
        b1 = self.sqs.send_message(QueueUrl=url, MessageBody="b1", MessageGroupId="B",
                                   MessageDeduplicationId="same")
        self.assertEqual(sorted(m["Body"] for m in self.receive(
            url, MaxNumberOfMessages=10, VisibilityTimeout=0)), ["a1", "a2", "b1"])
        # a1, b1 (and a2) have been received once: the next receive moves them all to the DLQ.
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])
        self.assertEqual(self.total(url), 0)
        msgs = self.receive(dlq_url, MaxNumberOfMessages=10, AttributeNames=["All"])
        by_body = {m["Body"]: m for m in msgs}
        self.assertEqual(sorted(by_body), ["a1", "a2", "b1"])
        for body, sent in (("a1", a1), ("b1", b1)):
            m = by_body[body]
            self.assertEqual(m["MessageId"], sent["MessageId"])
            # The dedup id is replaced by the MessageId, so both "same" messages survive.
            self.assertEqual(m["Attributes"]["MessageDeduplicationId"], sent["MessageId"])
            self.assertEqual(m["Attributes"]["DeadLetterQueueSourceArn"], src_arn)
        self.assertEqual(by_body["a1"]["Attributes"]["MessageGroupId"], "A")
        self.assertEqual(by_body["b1"]["Attributes"]["MessageGroupId"], "B")
        # Within group A the DLQ keeps a1 before a2.
        self.assertLess([m["Body"] for m in msgs].index("a1"), [m["Body"] for m in msgs].index("a2"))

    def test_fifo_moving_head_unblocks_group(self):
        _, dlq_url, dlq_arn = self.create("dlq", fifo=True)
        _, url, _ = self.create("src", fifo=True, RedrivePolicy=redrive(dlq_arn, 1))
        for b in ("h1", "h2"):
            self.sqs.send_message(QueueUrl=url, MessageBody=b, MessageGroupId="G",
                                  MessageDeduplicationId=b)
        self.assertEqual([m["Body"] for m in self.receive(url, VisibilityTimeout=0)], ["h1"])
        # h1 moves to the DLQ; h2 is now the head of G.
        self.assertEqual([m["Body"] for m in self.receive(url)], ["h2"])
        self.assertEqual([m["Body"] for m in self.receive(dlq_url)], ["h1"])

    # ---------------------------------------------------------------- ListDeadLetterSourceQueues
    def test_list_dead_letter_source_queues(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, other_dlq_url, other_dlq_arn = self.create("dlq")
        srcs = {self.create("src", RedrivePolicy=redrive(dlq_arn, 3))[1] for _ in range(3)}
        self.create("src", RedrivePolicy=redrive(other_dlq_arn, 3))
        self.create("plain")
        self.assertEqual(set(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"]),
                         srcs)
        seen, token, pages = [], None, 0
        while True:
            kw = {"QueueUrl": dlq_url, "MaxResults": 2}
            if token:
                kw["NextToken"] = token
            r = self.sqs.list_dead_letter_source_queues(**kw)
            pages += 1
            self.assertLessEqual(len(r["queueUrls"]), 2)
            seen += r["queueUrls"]
            token = r.get("NextToken")
            if not token or pages > 5:
                break
        self.assertEqual(pages, 2)
        self.assertEqual(sorted(seen), sorted(srcs))
        r = self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url, MaxResults=3)
        self.assertNotIn("NextToken", r)
        # Removing a policy removes the source from the list.
        one = sorted(srcs)[0]
        self.sqs.set_queue_attributes(QueueUrl=one, Attributes={"RedrivePolicy": ""})
        self.assertEqual(set(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"]),
                         srcs - {one})
        self.assertEqual(len(self.sqs.list_dead_letter_source_queues(QueueUrl=other_dlq_url)
                             ["queueUrls"]), 1)

    def test_list_dead_letter_source_queues_errors(self):
        _, dlq_url, _ = self.create("dlq")
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", []),
                         [])
        with self.assertRaises(ClientError) as cm:
            self.sqs.list_dead_letter_source_queues(
                QueueUrl=dlq_url.rsplit("/", 1)[0] + "/it-missing-" + uuid.uuid4().hex[:8])
        self.assertEqual(cm.exception.response["Error"]["Code"],
                         "AWS.SimpleQueueService.NonExistentQueue")
        self.assertError(lambda: self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url,
                                                                         MaxResults=1001),
                         "InvalidParameterValue")

    def test_dlq_survives_restart(self):
        _, dlq_url, dlq_arn = self.create("dlq")
        _, url, src_arn = self.create("src", RedrivePolicy=redrive(dlq_arn, 1))
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="durable")
        self.receive(url, VisibilityTimeout=0)
        self.assertEqual(self.receive(url), [])
        type(self).server.restart()
        self.reconnect_client()
        m = self.receive(dlq_url, AttributeNames=["All"])[0]  # routed by path; the port may change
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Attributes"]["DeadLetterQueueSourceArn"], src_arn)
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "2")
        self.assertEqual(json.loads(self.attrs(url, "RedrivePolicy")["RedrivePolicy"])["maxReceiveCount"],
                         1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
