"""SQS standard-queue behaviour, written once and run over both wire protocols.

test_sqs_json.py runs these with the pyenv boto3 1.43 (AWS JSON 1.0); test_sqs_query.py with Debian's
boto3 1.26 (Query/XML). Expected codes and messages come from /work/shared/reference/sqs.md; protocol
differences are asserted only where AWS differs (NonExistentQueue's "for this wsdl version." text).

Every test uses its own uniquely named queues, so the order of tests does not matter.
"""

import base64
import hashlib
import json
import os
import re
import struct
import threading
import time
import unittest
import uuid

from eddy_fixture import ACCOUNT, SqsClientMixin, close_client, import_boto3, make_client

import_boto3()  # boto3 must not pick up a developer's ~/.aws files.

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MIB = 1048576
NON_EXISTENT = "AWS.SimpleQueueService.NonExistentQueue"

NEW_STANDARD_QUEUE_KEYS = {
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "DelaySeconds",
    "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod", "QueueArn",
    "ReceiveMessageWaitTimeSeconds", "SqsManagedSseEnabled", "VisibilityTimeout",
}


def md5_hex(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.md5(data).hexdigest()


def md5_of_attributes(attrs):
    """Reference §4.3 algorithm over a boto3-shaped attribute map."""
    buf = bytearray()
    for name in sorted(attrs, key=lambda n: n.encode("utf-8")):
        a = attrs[name]
        n = name.encode("utf-8")
        dt = a["DataType"].encode("utf-8")
        buf += struct.pack(">I", len(n)) + n + struct.pack(">I", len(dt)) + dt
        if "BinaryValue" in a:
            v = a["BinaryValue"]
            buf += b"\x02"
        else:
            v = a["StringValue"].encode("utf-8")
            buf += b"\x01"
        buf += struct.pack(">I", len(v)) + v
    return hashlib.md5(bytes(buf)).hexdigest()


class Md5HelperTest(unittest.TestCase):
    """The local MD5 helper reproduces the reference vectors (no server involved)."""

    def test_vectors(self):
        s = lambda v, t="String": {"DataType": t, "StringValue": v}  # noqa: E731
        self.assertEqual(md5_of_attributes({"Foo": s("Bar")}), "ae7155c6026991b6d54b11589678bf9c")
        self.assertEqual(md5_of_attributes({"a": s("x")}), "a512aac9938034acb0b3c3d965944bf1")
        self.assertEqual(md5_of_attributes({"n": s("1", "Number")}), "ef88bdc4583394a9f2bcdc6a6f0ccbfe")
        self.assertEqual(md5_of_attributes({"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}}),
                         "973749046908c117819a7d5e12dac587")
        self.assertEqual(md5_of_attributes({"Help.Me": s("Me"), "Hello": s("There"),
                                            "General": s("Kenobi")}),
                         "4c360f3fdafd970e05fae2f149d997f5")


class SqsCases(SqsClientMixin):
    """Mixin with the test bodies. Subclasses set `protocol` ("json" or "query")."""

    protocol = None
    server_in_memory = False

    # ---------------------------------------------------------------- helpers
    def qname(self, tag="q"):
        return ("it-%s-%s" % (tag, uuid.uuid4().hex[:10]))[:80]

    def create(self, tag="q", **kwargs):
        name = self.qname(tag)
        url = self.sqs.create_queue(QueueName=name, **kwargs)["QueueUrl"]
        return name, url

    def expected_url(self, name):
        return "%s/%s/%s" % (self.server.endpoint, ACCOUNT, name)

    def counts(self, url):
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                       "ApproximateNumberOfMessagesDelayed")
        return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
                int(a["ApproximateNumberOfMessagesDelayed"]))

    def receive(self, url, **kwargs):
        # No WaitTimeSeconds default here: some cases rely on the queue's ReceiveMessageWaitTimeSeconds.
        return self.sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])

    def receive_one(self, url, **kwargs):
        kwargs.setdefault("WaitTimeSeconds", 2)
        msgs = self.receive(url, **kwargs)
        self.assertEqual(len(msgs), 1, msgs)
        return msgs[0]

    def nonexistent_message(self):
        if self.protocol == "query":
            return "The specified queue does not exist for this wsdl version."
        return "The specified queue does not exist."

    def assertNoQueue(self, fn):
        e = self.assertError(fn, NON_EXISTENT, self.nonexistent_message())
        self.assertIsInstance(e, self.sqs.exceptions.QueueDoesNotExist)
        self.assertEqual(e.response["Error"].get("Type"), "Sender", e.response)
        if self.protocol == "json":  # __type shape name, preserved by botocore
            self.assertEqual(e.response["Error"].get("QueryErrorCode"), "QueueDoesNotExist")
        return e

    # ---------------------------------------------------------------- protocol sanity
    def test_client_speaks_expected_protocol(self):
        self.assertEqual(self.sqs.meta.service_model.protocol, self.protocol)

    # ---------------------------------------------------------------- CreateQueue
    def test_create_queue_returns_url_from_host_header(self):
        name, url = self.create()
        self.assertEqual(url, self.expected_url(name))
        self.assertEqual(self.sqs.get_queue_url(QueueName=name)["QueueUrl"], url)
        other = make_client("http://localhost:%d" % self.server.port)
        try:
            self.assertEqual(other.get_queue_url(QueueName=name)["QueueUrl"],
                             "http://localhost:%d/%s/%s" % (self.server.port, ACCOUNT, name))
        finally:
            close_client(other)

    def test_create_queue_is_idempotent_with_same_attributes(self):
        name, url = self.create(Attributes={"DelaySeconds": "5", "VisibilityTimeout": "40"})
        again = self.sqs.create_queue(QueueName=name,
                                      Attributes={"DelaySeconds": "5", "VisibilityTimeout": "40"})
        self.assertEqual(again["QueueUrl"], url)
        # Only attributes present in the request are compared.
        self.assertEqual(self.sqs.create_queue(QueueName=name)["QueueUrl"], url)
        self.assertEqual(self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "5"}
                                               )["QueueUrl"], url)

    def test_create_queue_with_different_attribute_fails(self):
        name, url = self.create(Attributes={"DelaySeconds": "5"})
        e = self.assertError(
            lambda: self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "6"}),
            "QueueAlreadyExists",
            "A queue already exists with the same name and a different value for attribute DelaySeconds")
        self.assertIsInstance(e, self.sqs.exceptions.QueueNameExists)
        # Comparison is against the current values, not the original create.
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "6"})
        self.assertEqual(self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "6"}
                                               )["QueueUrl"], url)
        self.assertError(
            lambda: self.sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "5"}),
            "QueueAlreadyExists",
            "A queue already exists with the same name and a different value for attribute DelaySeconds")

    def test_create_queue_name_validation(self):
        msg = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        for bad in ["a" * 81, "has space", "bad!char", "dot.name", "slash/name",
                    "std-" + uuid.uuid4().hex[:8] + ".fifo"]:
            with self.subTest(name=bad):
                self.assertError(lambda: self.sqs.create_queue(QueueName=bad),
                                 "InvalidParameterValue", msg)
        ok = ("Ab_-9" + uuid.uuid4().hex)[:80].ljust(80, "z")
        self.assertEqual(len(ok), 80)
        self.assertEqual(self.sqs.create_queue(QueueName=ok)["QueueUrl"], self.expected_url(ok))
        # Names are case-sensitive.
        self.assertNotEqual(self.sqs.create_queue(QueueName=ok.upper())["QueueUrl"],
                            self.expected_url(ok))

    def test_create_fifo_name_without_suffix_fails(self):
        self.assertError(
            lambda: self.sqs.create_queue(QueueName=self.qname("nofifo"),
                                          Attributes={"FifoQueue": "true"}),
            "InvalidParameterValue",
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length")

    def test_create_standard_queue_rejects_fifo_only_attributes(self):
        cases = [
            ("FifoQueue", "false", "Unknown Attribute FifoQueue."),
            ("ContentBasedDeduplication", "true", "Unknown Attribute ContentBasedDeduplication."),
            ("DeduplicationScope", "queue",
             "You can specify the DeduplicationScope only when FifoQueue is set to true."),
            ("FifoThroughputLimit", "perQueue",
             "You can specify the FifoThroughputLimit only when FifoQueue is set to true."),
        ]
        for attr, value, msg in cases:
            with self.subTest(attr=attr):
                name = self.qname("fifoattr")
                self.assertError(lambda: self.sqs.create_queue(QueueName=name,
                                                               Attributes={attr: value}),
                                 "InvalidAttributeName", msg)
                self.assertNoQueue(lambda: self.sqs.get_queue_url(QueueName=name))

    def test_create_queue_unknown_attribute(self):
        name = self.qname()
        self.assertError(lambda: self.sqs.create_queue(QueueName=name, Attributes={"Foobar": "1"}),
                         "InvalidAttributeName", "Unknown Attribute Foobar.")
        self.assertNoQueue(lambda: self.sqs.get_queue_url(QueueName=name))

    def test_create_queue_attribute_out_of_range(self):
        name = self.qname()
        self.assertError(
            lambda: self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "43201"}),
            "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout.")
        self.assertNoQueue(lambda: self.sqs.get_queue_url(QueueName=name))

    def test_create_queue_with_attributes_and_tags(self):
        name, url = self.create(Attributes={"VisibilityTimeout": "45", "DelaySeconds": "3",
                                            "MaximumMessageSize": "2048",
                                            "MessageRetentionPeriod": "3600",
                                            "ReceiveMessageWaitTimeSeconds": "2"},
                                tags={"team": "eddy", "empty": ""})
        a = self.attrs(url)
        self.assertEqual((a["VisibilityTimeout"], a["DelaySeconds"], a["MaximumMessageSize"],
                          a["MessageRetentionPeriod"], a["ReceiveMessageWaitTimeSeconds"]),
                         ("45", "3", "2048", "3600", "2"))
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url).get("Tags"),
                         {"team": "eddy", "empty": ""})

    # ---------------------------------------------------------------- DeleteQueue / GetQueueUrl
    def test_delete_queue_and_recreate_too_soon(self):
        name, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="doomed")
        self.sqs.delete_queue(QueueUrl=url)
        self.assertNoQueue(lambda: self.sqs.get_queue_url(QueueName=name))
        self.assertNoQueue(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x"))
        self.assertNoQueue(lambda: self.sqs.delete_queue(QueueUrl=url))
        self.assertNotIn(url, self.sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []))
        self.assertError(
            lambda: self.sqs.create_queue(QueueName=name),
            "AWS.SimpleQueueService.QueueDeletedRecently",
            "You must wait 60 seconds after deleting a queue before you can create another with the "
            "same name.")

    def test_get_queue_url_unknown(self):
        self.assertNoQueue(lambda: self.sqs.get_queue_url(QueueName=self.qname("missing")))

    def test_queue_url_forms_accepted(self):
        name, url = self.create()
        aws_style = "https://sqs.us-east-1.amazonaws.com/%s/%s" % (ACCOUNT, name)
        self.sqs.send_message(QueueUrl=aws_style, MessageBody="via aws-style url")
        self.sqs.send_message(QueueUrl=name, MessageBody="via bare name")
        self.assertEqual(self.counts(url), (2, 0, 0))

    def test_regions_are_separate_namespaces(self):
        eu = make_client(self.server.endpoint, region="eu-west-1")
        self.addCleanup(close_client, eu)
        name = self.qname("eu")
        url = eu.create_queue(QueueName=name)["QueueUrl"]
        arn = eu.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        self.assertEqual(arn["QueueArn"], "arn:aws:sqs:eu-west-1:%s:%s" % (ACCOUNT, name))
        self.assertIn(url, eu.list_queues(QueueNamePrefix=name).get("QueueUrls", []))
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix=name))
        self.assertNoQueue(lambda: self.sqs.get_queue_url(QueueName=name))

    # ---------------------------------------------------------------- ListQueues
    def test_list_queues_prefix_and_pagination(self):
        prefix = "it-lq-%s-" % uuid.uuid4().hex[:8]
        urls = {self.sqs.create_queue(QueueName=prefix + "a%d" % i)["QueueUrl"] for i in range(5)}
        other = self.sqs.create_queue(QueueName=prefix + "b0")["QueueUrl"]

        resp = self.sqs.list_queues(QueueNamePrefix=prefix + "a")
        self.assertEqual(set(resp["QueueUrls"]), urls)
        self.assertNotIn("NextToken", resp)
        self.assertEqual(set(self.sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]),
                         urls | {other})
        # Case-sensitive prefix; no match → no QueueUrls key.
        self.assertNotIn("QueueUrls", self.sqs.list_queues(QueueNamePrefix=prefix.upper()))

        seen, token, pages = [], None, 0
        while True:
            kw = {"QueueNamePrefix": prefix + "a", "MaxResults": 2}
            if token:
                kw["NextToken"] = token
            resp = self.sqs.list_queues(**kw)
            pages += 1
            self.assertLessEqual(len(resp.get("QueueUrls", [])), 2)
            seen += resp.get("QueueUrls", [])
            token = resp.get("NextToken")
            if not token:
                break
            self.assertLess(pages, 10, "pagination does not terminate")
        self.assertEqual(pages, 3)
        self.assertEqual(len(seen), 5)
        self.assertEqual(set(seen), urls)
        # Exactly the remaining count → no token.
        resp = self.sqs.list_queues(QueueNamePrefix=prefix + "a", MaxResults=5)
        self.assertEqual(set(resp["QueueUrls"]), urls)
        self.assertNotIn("NextToken", resp)

    def test_list_queues_max_results_out_of_range(self):
        self.assertError(lambda: self.sqs.list_queues(MaxResults=1001), "InvalidParameterValue")

    # ---------------------------------------------------------------- Get/SetQueueAttributes
    def test_get_all_attributes_of_new_queue(self):
        before = int(time.time())
        name, url = self.create()
        after = int(time.time())
        a = self.attrs(url, "All")
        self.assertEqual(set(a), NEW_STANDARD_QUEUE_KEYS)
        expected = {
            "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesDelayed": "0",
            "ApproximateNumberOfMessagesNotVisible": "0", "DelaySeconds": "0",
            "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
            "QueueArn": "arn:aws:sqs:us-east-1:%s:%s" % (ACCOUNT, name),
            "ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true",
            "VisibilityTimeout": "30",
        }
        for k, v in expected.items():
            self.assertEqual(a[k], v, k)
        created = int(a["CreatedTimestamp"])  # epoch seconds
        self.assertTrue(before - 2 <= created <= after + 2, a)
        self.assertTrue(created <= int(a["LastModifiedTimestamp"]) <= after + 2, a)

    def test_get_selected_and_no_attributes(self):
        name, url = self.create()
        a = self.attrs(url, "VisibilityTimeout", "QueueArn")
        self.assertEqual(a, {"VisibilityTimeout": "30",
                             "QueueArn": "arn:aws:sqs:us-east-1:%s:%s" % (ACCOUNT, name)})
        self.assertNotIn("Attributes", self.sqs.get_queue_attributes(QueueUrl=url))

    def test_get_unknown_attribute(self):
        _, url = self.create()
        self.assertError(lambda: self.sqs.get_queue_attributes(QueueUrl=url,
                                                               AttributeNames=["Foobar"]),
                         "InvalidAttributeName", "Unknown Attribute Foobar.")

    def test_set_attributes_in_range(self):
        _, url = self.create()
        created = self.attrs(url, "CreatedTimestamp")["CreatedTimestamp"]
        good = {"DelaySeconds": "900", "MaximumMessageSize": "1024",
                "MessageRetentionPeriod": "1209600", "ReceiveMessageWaitTimeSeconds": "20",
                "VisibilityTimeout": "43200"}
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes=good)
        a = self.attrs(url)
        for k, v in good.items():
            self.assertEqual(a[k], v, k)
        self.assertEqual(a["CreatedTimestamp"], created)
        self.assertGreaterEqual(int(a["LastModifiedTimestamp"]), int(created))
        low = {"DelaySeconds": "0", "MaximumMessageSize": "1048576",
               "MessageRetentionPeriod": "60", "ReceiveMessageWaitTimeSeconds": "0",
               "VisibilityTimeout": "0"}
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes=low)
        a = self.attrs(url)
        for k, v in low.items():
            self.assertEqual(a[k], v, k)

    def test_set_attributes_out_of_range(self):
        _, url = self.create()
        bad = [("DelaySeconds", "901"), ("DelaySeconds", "-1"),
               ("MaximumMessageSize", "1023"), ("MaximumMessageSize", "1048577"),
               ("MessageRetentionPeriod", "59"), ("MessageRetentionPeriod", "1209601"),
               ("ReceiveMessageWaitTimeSeconds", "21"), ("VisibilityTimeout", "43201"),
               ("VisibilityTimeout", "-1"), ("VisibilityTimeout", "abc"), ("DelaySeconds", "1.5")]
        for attr, value in bad:
            with self.subTest(attr=attr, value=value):
                self.assertError(
                    lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={attr: value}),
                    "InvalidAttributeValue", "Invalid value for the parameter %s." % attr)
        self.assertEqual(self.attrs(url, "DelaySeconds", "VisibilityTimeout"),
                         {"DelaySeconds": "0", "VisibilityTimeout": "30"})

    def test_set_read_only_or_unknown_attributes(self):
        _, url = self.create()
        for attr in ["QueueArn", "CreatedTimestamp", "LastModifiedTimestamp",
                     "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                     "ApproximateNumberOfMessagesDelayed", "FifoQueue", "Foobar"]:
            with self.subTest(attr=attr):
                self.assertError(
                    lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={attr: "1"}),
                    "InvalidAttributeName", "Unknown Attribute %s." % attr)

    def test_policy_and_redrive_policy_set_and_remove(self):
        name, url = self.create()
        _, dlq = self.create("dlq")
        dlq_arn = self.attrs(dlq, "QueueArn")["QueueArn"]
        arn = self.attrs(url, "QueueArn")["QueueArn"]
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}]}
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": json.dumps(policy),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})
        a = self.attrs(url)
        self.assertEqual(json.loads(a["Policy"]), policy)
        self.assertEqual(json.loads(a["RedrivePolicy"]),
                         {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": "", "RedrivePolicy": ""})
        a = self.attrs(url)
        self.assertNotIn("Policy", a)
        self.assertNotIn("RedrivePolicy", a)
        self.assertEqual(set(a), NEW_STANDARD_QUEUE_KEYS)

    def test_sse_attributes(self):
        _, url = self.create()
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "false"})
        self.assertEqual(self.attrs(url, "SqsManagedSseEnabled"), {"SqsManagedSseEnabled": "false"})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "true"})
        self.assertEqual(self.attrs(url, "SqsManagedSseEnabled"), {"SqsManagedSseEnabled": "true"})
        self.assertError(
            lambda: self.sqs.set_queue_attributes(QueueUrl=url, Attributes={
                "SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/aws/sqs"}),
            "InvalidAttributeName",
            "You can use one type of server-side encryption (SSE) at one time. You can either enable "
            "KMS SSE or SQS SSE.")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
        a = self.attrs(url)
        self.assertEqual(a["KmsMasterKeyId"], "alias/aws/sqs")
        self.assertEqual(a["SqsManagedSseEnabled"], "false")

    def test_approximate_counters(self):
        _, url = self.create()
        self.assertEqual(self.counts(url), (0, 0, 0))
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i)
        self.sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        self.assertEqual(self.counts(url), (3, 0, 1))
        m = self.receive_one(url, VisibilityTimeout=60)
        self.assertEqual(self.counts(url), (2, 1, 1))
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(self.counts(url), (2, 0, 1))
        m = self.receive_one(url, VisibilityTimeout=60)
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                           VisibilityTimeout=0)
        self.assertEqual(self.counts(url), (2, 0, 1))

    def test_lowering_retention_keeps_young_messages(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="young")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
        self.assertEqual(self.receive_one(url)["Body"], "young")

    @unittest.skipUnless(os.environ.get("EDDY_SLOW_TESTS"), "needs ~65 s; set EDDY_SLOW_TESTS=1")
    def test_retention_expiry(self):
        _, url = self.create(Attributes={"MessageRetentionPeriod": "60"})
        self.sqs.send_message(QueueUrl=url, MessageBody="expires")
        self.sqs.send_message(QueueUrl=url, MessageBody="in flight", DelaySeconds=0)
        self.receive_one(url, VisibilityTimeout=300)
        deadline = time.monotonic() + 75
        while time.monotonic() < deadline and self.counts(url) != (0, 0, 0):
            time.sleep(1)
        self.assertEqual(self.counts(url), (0, 0, 0))
        self.assertEqual(self.receive(url), [])

    # ---------------------------------------------------------------- SendMessage
    def test_send_message_md5_vectors(self):
        _, url = self.create()
        r = self.sqs.send_message(QueueUrl=url, MessageBody="hello")
        self.assertEqual(r["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592")
        self.assertRegex(r["MessageId"], UUID_RE)
        self.assertNotIn("MD5OfMessageAttributes", r)
        self.assertNotIn("MD5OfMessageSystemAttributes", r)
        self.assertEqual(self.sqs.send_message(QueueUrl=url, MessageBody="msg")["MD5OfMessageBody"],
                         "6e2baaf3b97dbeef01c0043275f9a0e7")
        S = lambda v, t="String": {"DataType": t, "StringValue": v}  # noqa: E731
        vectors = [
            ({"Foo": S("Bar")}, "ae7155c6026991b6d54b11589678bf9c"),
            ({"MyAttribute": S("foobar")}, "adb59cd4678ea5a855436b949cd07ab6"),
            ({"a": S("x")}, "a512aac9938034acb0b3c3d965944bf1"),
            ({"n": S("1", "Number")}, "ef88bdc4583394a9f2bcdc6a6f0ccbfe"),
            ({"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
             "973749046908c117819a7d5e12dac587"),
            ({"a": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}, "b": S("1", "Number"),
              "c": S("x", "String.custom")}, "4fb84f591774b8129f606b6d5d05af13"),
        ]
        for attrs, md5 in vectors:
            with self.subTest(attrs=sorted(attrs)):
                r = self.sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=attrs)
                self.assertEqual(r["MD5OfMessageAttributes"], md5)
                self.assertEqual(r["MD5OfMessageBody"], "6e2baaf3b97dbeef01c0043275f9a0e7")

    def test_trace_header_system_attribute(self):
        _, url = self.create()
        trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
        r = self.sqs.send_message(
            QueueUrl=url, MessageBody="traced",
            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
        self.assertEqual(r["MD5OfMessageSystemAttributes"], "5ae4d5d7636402d80f4eb6d213245a88")
        self.assertNotIn("MD5OfMessageAttributes", r)
        m = self.receive_one(url, AttributeNames=["AWSTraceHeader"])
        self.assertEqual(m.get("Attributes"), {"AWSTraceHeader": trace})

    def test_trace_header_from_http_header(self):
        _, url = self.create()
        trace = "Root=1-67891233-abcdef012345678912345678;Parent=463ac35c9f6413ad;Sampled=1"

        def add_header(request, **kwargs):
            request.headers["X-Amzn-Trace-Id"] = trace

        client = make_client(self.server.endpoint)
        client.meta.events.register("before-sign.sqs.SendMessage", add_header)
        try:
            r = client.send_message(QueueUrl=url, MessageBody="traced by header")
        finally:
            close_client(client)
        self.assertNotIn("MD5OfMessageSystemAttributes", r)
        m = self.receive_one(url, AttributeNames=["All"])
        self.assertEqual(m["Attributes"].get("AWSTraceHeader"), trace)

    def test_message_attributes_round_trip(self):
        _, url = self.create()
        attrs = {
            "str": {"DataType": "String", "StringValue": "héllo wörld ✓ 😀"},
            "num": {"DataType": "Number", "StringValue": "-12.5e3"},
            "bin": {"DataType": "Binary", "BinaryValue": bytes(range(256))},
            "custom.str": {"DataType": "String.custom", "StringValue": "x"},
            "Num_int": {"DataType": "Number.int", "StringValue": "42"},
            "img-png": {"DataType": "Binary.png", "BinaryValue": b"\x89PNG\r\n\x1a\n"},
            "xml": {"DataType": "String", "StringValue": "<a b=\"c\">&amp;'\r\n</a>"},
        }
        r = self.sqs.send_message(QueueUrl=url, MessageBody="attrs", MessageAttributes=attrs)
        self.assertEqual(r["MD5OfMessageAttributes"], md5_of_attributes(attrs))
        m = self.receive_one(url, MessageAttributeNames=["All"])
        self.assertEqual(m["MessageAttributes"], attrs)
        self.assertEqual(m["MD5OfMessageAttributes"], md5_of_attributes(attrs))
        self.assertEqual(m["MD5OfBody"], md5_hex("attrs"))

    def test_message_attribute_validation(self):
        _, url = self.create()
        self.assertError(
            lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
                "X": {"DataType": "String", "StringValue": ""}}),
            "InvalidParameterValue",
            "Message (user) attribute 'X' must contain a non-empty value of type 'String'.")
        bad = [
            {"AWS.reserved": {"DataType": "String", "StringValue": "v"}},
            {"amazon.reserved": {"DataType": "String", "StringValue": "v"}},
            {".dot": {"DataType": "String", "StringValue": "v"}},
            {"dot.": {"DataType": "String", "StringValue": "v"}},
            {"two..dots": {"DataType": "String", "StringValue": "v"}},
            {"bad name": {"DataType": "String", "StringValue": "v"}},
            {"t": {"DataType": "Foo", "StringValue": "v"}},
            {"n": {"DataType": "Number", "StringValue": "not-a-number"}},
            {"a%d" % i: {"DataType": "String", "StringValue": "v"} for i in range(11)},
        ]
        for attrs in bad:
            with self.subTest(attrs=sorted(attrs)[:2]):
                self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                               MessageAttributes=attrs),
                                 "InvalidParameterValue")
        self.assertEqual(self.counts(url), (0, 0, 0))

    def test_send_delay_seconds(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
        self.assertEqual(self.receive(url), [])
        self.assertEqual(self.counts(url), (0, 0, 1))
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                       DelaySeconds=901),
                         "InvalidParameterValue",
                         message_prefix="Value 901 for parameter DelaySeconds is invalid. Reason:")
        # Queue default delay applies when the message has none; per-message 0 overrides it.
        _, url2 = self.create(Attributes={"DelaySeconds": "60"})
        self.sqs.send_message(QueueUrl=url2, MessageBody="queue default")
        self.sqs.send_message(QueueUrl=url2, MessageBody="override", DelaySeconds=0)
        self.assertEqual(self.counts(url2), (1, 0, 1))
        self.assertEqual(self.receive_one(url2)["Body"], "override")

    def test_send_size_limits(self):
        _, url = self.create()
        big = "a" * MIB
        r = self.sqs.send_message(QueueUrl=url, MessageBody=big)
        self.assertEqual(r["MD5OfMessageBody"], md5_hex(big))
        m = self.receive_one(url)
        self.assertEqual(len(m["Body"]), MIB)
        self.assertEqual(m["MD5OfBody"], md5_hex(big))
        msg = "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody=big + "a"),
                         "InvalidParameterValue", msg)
        # Attribute name, type and value count toward the size.
        self.assertError(
            lambda: self.sqs.send_message(QueueUrl=url, MessageBody="a" * (MIB - 10),
                                          MessageAttributes={"name": {"DataType": "String",
                                                                      "StringValue": "value"}}),
            "InvalidParameterValue", msg)
        # Multi-byte characters count as UTF-8 bytes.
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url,
                                                       MessageBody="é" * (MIB // 2 + 1)),
                         "InvalidParameterValue", msg)
        _, small = self.create(Attributes={"MaximumMessageSize": "1024"})
        self.sqs.send_message(QueueUrl=small, MessageBody="b" * 1024)
        self.assertError(
            lambda: self.sqs.send_message(QueueUrl=small, MessageBody="b" * 1025),
            "InvalidParameterValue",
            "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.")

    def test_send_body_characters(self):
        _, url = self.create()
        for body in ["\x00", "a\x01b", "\x08", "x\x1f", "\ufffe", "\uffff"]:
            with self.subTest(body=repr(body)):
                self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody=body),
                                 "InvalidMessageContents")
        self.assertEqual(self.counts(url), (0, 0, 0))
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody=""),
                         "MissingParameter", "The request must contain the parameter MessageBody.")
        # Allowed edge characters round-trip exactly (CR must survive XML too).
        for body in ["tab\tnl\ncr\rcrlf\r\n", " ", "\ud7ff\ue000\ufffd", "\U00010000\U0010ffff",
                     "<xml attr=\"v\">&amp; &lt; ]]></xml>", "emoji 😀 ünïcödé", "  lead/trail  "]:
            with self.subTest(body=repr(body)):
                r = self.sqs.send_message(QueueUrl=url, MessageBody=body)
                self.assertEqual(r["MD5OfMessageBody"], md5_hex(body))
                m = self.receive_one(url)
                self.assertEqual(m["Body"], body)
                self.assertEqual(m["MD5OfBody"], md5_hex(body))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    # ---------------------------------------------------------------- SendMessageBatch
    def test_send_message_batch(self):
        _, url = self.create()
        attrs = {"k": {"DataType": "String", "StringValue": "v"},
                 "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}
        resp = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "plain", "MessageBody": "one"},
            {"Id": "with-attrs_1", "MessageBody": "two", "MessageAttributes": attrs},
            {"Id": "delayed", "MessageBody": "three", "DelaySeconds": 60},
        ])
        self.assertEqual(resp.get("Failed", []), [])
        ok = {e["Id"]: e for e in resp["Successful"]}
        self.assertEqual(set(ok), {"plain", "with-attrs_1", "delayed"})
        self.assertEqual(ok["plain"]["MD5OfMessageBody"], md5_hex("one"))
        self.assertNotIn("MD5OfMessageAttributes", ok["plain"])
        self.assertEqual(ok["with-attrs_1"]["MD5OfMessageAttributes"], md5_of_attributes(attrs))
        for e in ok.values():
            self.assertRegex(e["MessageId"], UUID_RE)
        self.assertEqual(len({e["MessageId"] for e in ok.values()}), 3)
        self.assertEqual(self.counts(url), (2, 0, 1))
        got = {m["Body"]: m for m in self.receive(url, MaxNumberOfMessages=10,
                                                  MessageAttributeNames=["All"], WaitTimeSeconds=1)}
        self.assertEqual(set(got), {"one", "two"})
        self.assertEqual(got["two"]["MessageAttributes"], attrs)
        self.assertEqual(got["two"]["MessageId"], ok["with-attrs_1"]["MessageId"])

    def test_send_message_batch_per_entry_failures(self):
        _, url = self.create(Attributes={"MaximumMessageSize": "1024"})
        resp = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "good", "MessageBody": "fine"},
            {"Id": "big", "MessageBody": "x" * 1025},
            {"Id": "badchar", "MessageBody": "bad\x00char"},
        ])
        self.assertEqual([e["Id"] for e in resp["Successful"]], ["good"])
        failed = {e["Id"]: e for e in resp["Failed"]}
        self.assertEqual(set(failed), {"big", "badchar"})
        self.assertEqual(failed["big"]["Code"], "InvalidParameterValue")
        self.assertEqual(failed["big"]["Message"],
                         "One or more parameters cannot be validated. Reason: Message must be shorter "
                         "than 1024 bytes.")
        self.assertIs(failed["big"]["SenderFault"], True)
        self.assertEqual(failed["badchar"]["Code"], "InvalidMessageContents")
        self.assertIs(failed["badchar"]["SenderFault"], True)
        self.assertEqual(self.counts(url), (1, 0, 0))

    def test_send_message_batch_request_errors(self):
        _, url = self.create()
        e = lambda i, body="x": {"Id": str(i), "MessageBody": body}  # noqa: E731
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[]),
                         "AWS.SimpleQueueService.EmptyBatchRequest",
                         "There should be at least one SendMessageBatchRequestEntry in the request.")
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url,
                                                             Entries=[e(i) for i in range(11)]),
                         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                         "Maximum number of entries per request are 10. You have sent 11.")
        self.assertError(lambda: self.sqs.send_message_batch(QueueUrl=url, Entries=[e(1), e(1)]),
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
        id_msg = ("A batch entry id can only contain alphanumeric characters, hyphens and "
                  "underscores. It can be at most 80 letters long.")
        for bad in ["bad id", "bad.id", "x" * 81, "ünï"]:
            with self.subTest(id=bad):
                self.assertError(lambda: self.sqs.send_message_batch(
                    QueueUrl=url, Entries=[e("ok"), {"Id": bad, "MessageBody": "x"}]),
                    "AWS.SimpleQueueService.InvalidBatchEntryId", id_msg)
        self.assertError(lambda: self.sqs.send_message_batch(
            QueueUrl=url, Entries=[e(1, "a" * 600000), e(2, "b" * 600000)]),
            "AWS.SimpleQueueService.BatchRequestTooLong",
            "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.")
        # Whole-request failures enqueue nothing.
        self.assertEqual(self.counts(url), (0, 0, 0))

    # ---------------------------------------------------------------- ReceiveMessage
    def test_receive_system_attributes(self):
        _, url = self.create()
        t0 = int(time.time() * 1000)
        sent = self.sqs.send_message(QueueUrl=url, MessageBody="sys")
        m = self.receive_one(url, AttributeNames=["All"], VisibilityTimeout=0)
        t1 = int(time.time() * 1000)
        a = m["Attributes"]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        for k in ("SenderId", "SentTimestamp", "ApproximateReceiveCount",
                  "ApproximateFirstReceiveTimestamp"):
            self.assertIn(k, a)
        self.assertNotIn("AWSTraceHeader", a)
        self.assertTrue(a["SenderId"])
        self.assertEqual(a["ApproximateReceiveCount"], "1")
        sent_ts, first_ts = int(a["SentTimestamp"]), int(a["ApproximateFirstReceiveTimestamp"])
        self.assertTrue(t0 - 2000 <= sent_ts <= first_ts <= t1 + 2000, a)  # epoch ms

        m2 = self.receive_one(url, AttributeNames=["ApproximateReceiveCount",
                                                   "ApproximateFirstReceiveTimestamp"],
                              VisibilityTimeout=0)
        self.assertEqual(m2["Attributes"], {"ApproximateReceiveCount": "2",
                                            "ApproximateFirstReceiveTimestamp": str(first_ts)})
        self.assertNotEqual(m2["ReceiptHandle"], m["ReceiptHandle"])
        m3 = self.receive_one(url, AttributeNames=["SentTimestamp"], VisibilityTimeout=0)
        self.assertEqual(m3["Attributes"], {"SentTimestamp": str(sent_ts)})
        m4 = self.receive_one(url)
        self.assertNotIn("Attributes", m4)
        self.assertEqual(m4["MD5OfBody"], md5_hex("sys"))

    def test_receive_message_attribute_selection(self):
        _, url = self.create()
        attrs = {"Help.Me": {"DataType": "String", "StringValue": "Me"},
                 "Hello": {"DataType": "String", "StringValue": "There"},
                 "General": {"DataType": "String", "StringValue": "Kenobi"}}
        self.sqs.send_message(QueueUrl=url, MessageBody="attrs", MessageAttributes=attrs)
        pick = lambda *names: {n: attrs[n] for n in names}  # noqa: E731
        cases = [
            (["All"], pick("Help.Me", "Hello", "General"), "4c360f3fdafd970e05fae2f149d997f5"),
            ([".*"], pick("Help.Me", "Hello", "General"), "4c360f3fdafd970e05fae2f149d997f5"),
            (["Hello", "General"], pick("Hello", "General"), "fca026605781cb4126a1e9044df24232"),
            (["Hel.*"], pick("Hello", "Help.Me"), None),
            (["Help.*"], pick("Help.Me"), None),
            (["General", "Nope"], pick("General"), None),
            (["Nope"], {}, None),
            (["hello"], {}, None),  # case-sensitive
            (["AWS."], {}, None),
            ([".."], {}, None),
            (None, {}, None),
        ]
        for names, want, md5 in cases:
            with self.subTest(names=names):
                kw = {"VisibilityTimeout": 0}
                if names is not None:
                    kw["MessageAttributeNames"] = names
                m = self.receive_one(url, **kw)
                if want:
                    self.assertEqual(m["MessageAttributes"], want)
                    self.assertEqual(m["MD5OfMessageAttributes"], md5 or md5_of_attributes(want))
                else:
                    self.assertNotIn("MessageAttributes", m)
                    self.assertNotIn("MD5OfMessageAttributes", m)

    def test_receive_parameter_errors(self):
        _, url = self.create()
        self.assertError(lambda: self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11),
                         "InvalidParameterValue",
                         "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                         "between 1 and 10, if provided.")
        self.assertError(lambda: self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=0),
                         "InvalidParameterValue",
                         "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                         "between 1 and 10, if provided.")
        self.assertError(lambda: self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21),
                         "InvalidParameterValue",
                         "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 "
                         "and <= 20, if provided.")
        self.assertError(lambda: self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=43201),
                         "InvalidParameterValue")

    def test_receive_batch_and_drain(self):
        _, url = self.create()
        bodies = {"m%02d" % i for i in range(15)}
        for i in range(0, 15, 5):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": b, "MessageBody": b} for b in sorted(bodies)[i:i + 5]])
        first = self.receive(url, MaxNumberOfMessages=10)
        self.assertTrue(1 <= len(first) <= 10, len(first))
        seen = [m["Body"] for m in first]
        deadline = time.monotonic() + 10
        while len(seen) < 15 and time.monotonic() < deadline:
            seen += [m["Body"] for m in self.receive(url, MaxNumberOfMessages=10, WaitTimeSeconds=1)]
        self.assertEqual(sorted(seen), sorted(bodies))  # each exactly once (visibility 30 s)
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])

    def test_receive_visibility_timeout_override(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="vis")
        self.receive_one(url, VisibilityTimeout=1)
        self.assertEqual(self.receive(url), [])
        t = time.monotonic()
        m = self.receive_one(url, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])
        waited = time.monotonic() - t
        self.assertLess(waited, 2.5)
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "2")
        # The override applied to that receive only: the queue default (30 s) applies now.
        self.assertEqual(self.receive(url, WaitTimeSeconds=1), [])

    def test_long_poll_wakes_on_send(self):
        _, url = self.create()
        result = {}

        def poll():
            t = time.monotonic()
            result["msgs"] = self.receive(url, WaitTimeSeconds=10)
            result["done"] = time.monotonic()
            result["waited"] = result["done"] - t

        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.5)  # let the poll park first
        self.sqs.send_message(QueueUrl=url, MessageBody="wake up")
        sent_at = time.monotonic()
        th.join(15)
        self.assertFalse(th.is_alive())
        self.assertEqual([m["Body"] for m in result["msgs"]], ["wake up"])
        self.assertLess(result["done"] - sent_at, 0.5, "long poll woke too late")
        self.assertGreater(result["waited"], 0.4, "long poll returned before the send")

    def test_long_poll_returns_empty_after_wait(self):
        _, url = self.create()
        t = time.monotonic()
        self.assertEqual(self.receive(url, WaitTimeSeconds=1), [])
        waited = time.monotonic() - t
        self.assertTrue(0.9 <= waited < 3.0, waited)
        # The queue's ReceiveMessageWaitTimeSeconds applies when the request has none.
        _, url2 = self.create(Attributes={"ReceiveMessageWaitTimeSeconds": "1"})
        t = time.monotonic()
        self.assertEqual(self.receive(url2), [])
        waited = time.monotonic() - t
        self.assertTrue(0.9 <= waited < 3.0, waited)
        # ...and an explicit 0 overrides it (short poll).
        t = time.monotonic()
        self.assertEqual(self.receive(url2, WaitTimeSeconds=0), [])
        self.assertLess(time.monotonic() - t, 0.5)

    def test_long_poll_wakes_when_delay_expires(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=1)
        sent = time.monotonic()
        m = self.receive_one(url, WaitTimeSeconds=5)
        waited = time.monotonic() - sent
        self.assertEqual(m["Body"], "delayed")
        self.assertTrue(0.8 <= waited < 2.0, waited)

    def test_long_poll_wakes_on_change_visibility_zero(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="held")
        held = self.receive_one(url)
        result = {}

        def poll():
            result["msgs"] = self.receive(url, WaitTimeSeconds=10)
            result["done"] = time.monotonic()

        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.5)
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"],
                                           VisibilityTimeout=0)
        changed = time.monotonic()
        th.join(15)
        self.assertFalse(th.is_alive())
        self.assertEqual([m["Body"] for m in result["msgs"]], ["held"])
        self.assertLess(result["done"] - changed, 0.5)

    # ---------------------------------------------------------------- DeleteMessage
    def test_delete_message(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="bye")
        m = self.receive_one(url)
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(self.counts(url), (0, 0, 0))
        # Deleting again is a no-op success.
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(self.receive(url), [])

    def test_delete_with_expired_handle_deletes(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="expired handle")
        m = self.receive_one(url, VisibilityTimeout=0)  # visible again at once
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(self.counts(url), (0, 0, 0))
        self.assertEqual(self.receive(url), [])

    def test_delete_invalid_receipt_handles(self):
        _, url = self.create()
        _, other = self.create("other")
        self.sqs.send_message(QueueUrl=url, MessageBody="keep me")
        m = self.receive_one(url, VisibilityTimeout=0)
        handle = m["ReceiptHandle"]
        self.assertError(lambda: self.sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage"),
                         "ReceiptHandleIsInvalid",
                         'The input receipt handle "garbage" is not a valid receipt handle.')
        for forged in forge_handles(handle):
            with self.subTest(forged=forged):
                self.assertError(lambda: self.sqs.delete_message(QueueUrl=url, ReceiptHandle=forged),
                                 "ReceiptHandleIsInvalid",
                                 'The input receipt handle "%s" is not a valid receipt handle.' % forged)
        # A real handle used on another queue is not valid there either.
        self.assertError(lambda: self.sqs.delete_message(QueueUrl=other, ReceiptHandle=handle),
                         "ReceiptHandleIsInvalid")
        # Nothing was deleted.
        self.assertEqual(self.counts(url), (1, 0, 0))

    def test_delete_message_batch(self):
        _, url = self.create()
        for i in range(3):
            self.sqs.send_message(QueueUrl=url, MessageBody="d%d" % i)
        msgs = []
        while len(msgs) < 3:
            msgs += self.receive(url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        resp = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": msgs[0]["ReceiptHandle"]},
            {"Id": "b", "ReceiptHandle": msgs[1]["ReceiptHandle"]},
            {"Id": "bad", "ReceiptHandle": "garbage"},
        ])
        self.assertEqual(sorted(e["Id"] for e in resp["Successful"]), ["a", "b"])
        self.assertEqual(len(resp["Failed"]), 1)
        f = resp["Failed"][0]
        self.assertEqual((f["Id"], f["Code"], f["SenderFault"]), ("bad", "ReceiptHandleIsInvalid", True))
        self.assertEqual(self.counts(url), (0, 1, 0))
        entry = lambda i: {"Id": str(i), "ReceiptHandle": msgs[2]["ReceiptHandle"]}  # noqa: E731
        self.assertError(lambda: self.sqs.delete_message_batch(QueueUrl=url, Entries=[]),
                         "AWS.SimpleQueueService.EmptyBatchRequest")
        self.assertError(lambda: self.sqs.delete_message_batch(QueueUrl=url,
                                                               Entries=[entry(i) for i in range(11)]),
                         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                         "Maximum number of entries per request are 10. You have sent 11.")
        self.assertError(lambda: self.sqs.delete_message_batch(QueueUrl=url,
                                                               Entries=[entry(1), entry(1)]),
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct")
        self.assertError(lambda: self.sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": "no way", "ReceiptHandle": msgs[2]["ReceiptHandle"]}]),
            "AWS.SimpleQueueService.InvalidBatchEntryId")
        self.assertEqual(self.counts(url), (0, 1, 0))

    # ---------------------------------------------------------------- ChangeMessageVisibility
    def test_change_message_visibility(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="cmv")
        m = self.receive_one(url)
        self.assertEqual(self.receive(url), [])
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                           VisibilityTimeout=0)
        m2 = self.receive_one(url, AttributeNames=["ApproximateReceiveCount"])
        self.assertEqual(m2["Attributes"]["ApproximateReceiveCount"], "2")
        # Extend, then make visible after ~1 s.
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"],
                                           VisibilityTimeout=1)
        t = time.monotonic()
        self.receive_one(url, WaitTimeSeconds=5)
        self.assertLess(time.monotonic() - t, 2.5)

    def test_change_message_visibility_errors(self):
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="cmv")
        m = self.receive_one(url)
        h = m["ReceiptHandle"]
        self.assertError(lambda: self.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle="garbage", VisibilityTimeout=5),
            "ReceiptHandleIsInvalid", 'The input receipt handle "garbage" is not a valid receipt handle.')
        self.assertError(lambda: self.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=h, VisibilityTimeout=43201), "InvalidParameterValue")
        time.sleep(0.01)
        self.assertError(lambda: self.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=h, VisibilityTimeout=43200),
            "InvalidParameterValue",
            "Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout "
            "for the message is beyond the limit [43200 seconds]")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=h)
        self.assertError(lambda: self.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=h, VisibilityTimeout=5),
            "InvalidParameterValue",
            "Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not "
            "available for visibility timeout change." % h)

    def test_change_message_visibility_batch(self):
        _, url = self.create()
        for i in range(2):
            self.sqs.send_message(QueueUrl=url, MessageBody="c%d" % i)
        msgs = []
        while len(msgs) < 2:
            msgs += self.receive(url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        self.assertEqual(self.counts(url), (0, 2, 0))
        resp = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": msgs[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "y", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 120},
            {"Id": "z", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
        ])
        self.assertEqual(sorted(e["Id"] for e in resp["Successful"]), ["x", "y"])
        self.assertEqual([(f["Id"], f["Code"], f["SenderFault"]) for f in resp["Failed"]],
                         [("z", "ReceiptHandleIsInvalid", True)])
        self.assertEqual(self.counts(url), (1, 1, 0))
        self.assertError(lambda: self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[]),
                         "AWS.SimpleQueueService.EmptyBatchRequest")

    # ---------------------------------------------------------------- PurgeQueue
    def test_purge_queue(self):
        name, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="visible")
        self.sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=60)
        self.sqs.send_message(QueueUrl=url, MessageBody="in flight")
        self.receive_one(url, VisibilityTimeout=60)
        self.sqs.purge_queue(QueueUrl=url)
        self.assertEqual(self.counts(url), (0, 0, 0))
        self.assertEqual(self.receive(url), [])
        e = self.assertError(lambda: self.sqs.purge_queue(QueueUrl=url),
                             "AWS.SimpleQueueService.PurgeQueueInProgress",
                             "Only one PurgeQueue operation on %s is allowed every 60 seconds." % name,
                             status=403)
        self.assertIsInstance(e, self.sqs.exceptions.PurgeQueueInProgress)
        # The queue still works after a purge.
        self.sqs.send_message(QueueUrl=url, MessageBody="after purge")
        self.assertEqual(self.receive_one(url)["Body"], "after purge")

    # ---------------------------------------------------------------- Tags
    def test_tags(self):
        _, url = self.create()
        self.assertNotIn("Tags", self.sqs.list_queue_tags(QueueUrl=url))
        self.sqs.tag_queue(QueueUrl=url, Tags={"a": "1", "b": "2", "Env:Name/x=y+z-@.": "v v"})
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"],
                         {"a": "1", "b": "2", "Env:Name/x=y+z-@.": "v v"})
        self.sqs.tag_queue(QueueUrl=url, Tags={"a": "one", "c": ""})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["b", "Env:Name/x=y+z-@.", "not-there"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"a": "one", "c": ""})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["a", "c"])
        self.assertNotIn("Tags", self.sqs.list_queue_tags(QueueUrl=url))

    # ---------------------------------------------------------------- Unknown queue
    def test_unknown_queue_for_every_queue_action(self):
        url = "%s/%s/%s" % (self.server.endpoint, ACCOUNT, self.qname("ghost"))
        calls = {
            "DeleteQueue": lambda: self.sqs.delete_queue(QueueUrl=url),
            "GetQueueAttributes": lambda: self.sqs.get_queue_attributes(QueueUrl=url,
                                                                        AttributeNames=["All"]),
            "SetQueueAttributes": lambda: self.sqs.set_queue_attributes(
                QueueUrl=url, Attributes={"DelaySeconds": "1"}),
            "SendMessage": lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x"),
            "SendMessageBatch": lambda: self.sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "x"}]),
            "ReceiveMessage": lambda: self.sqs.receive_message(QueueUrl=url),
            "ReceiveMessageLongPoll": lambda: self.sqs.receive_message(QueueUrl=url,
                                                                       WaitTimeSeconds=5),
            "PurgeQueue": lambda: self.sqs.purge_queue(QueueUrl=url),
            "TagQueue": lambda: self.sqs.tag_queue(QueueUrl=url, Tags={"a": "b"}),
            "UntagQueue": lambda: self.sqs.untag_queue(QueueUrl=url, TagKeys=["a"]),
            "ListQueueTags": lambda: self.sqs.list_queue_tags(QueueUrl=url),
        }
        for action, call in calls.items():
            with self.subTest(action=action):
                t = time.monotonic()
                self.assertNoQueue(call)
                self.assertLess(time.monotonic() - t, 2.0)


def forge_handles(handle):
    """Variants of a real receipt handle with characters flipped (start, middle, end)."""
    def flip(c):
        return "B" if c == "A" else "A"
    out = []
    for pos in (0, len(handle) // 2, len(handle) - 2):
        out.append(handle[:pos] + flip(handle[pos]) + handle[pos + 1:])
    out.append(handle[: len(handle) // 2])           # truncated
    out.append(handle + "AAAA")                       # extended
    out.append(base64.b64encode(b"x" * 48).decode())  # well-formed base64, wrong content
    return [h for h in dict.fromkeys(out) if h != handle]
