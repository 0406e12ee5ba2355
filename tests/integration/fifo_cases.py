"""FIFO queue behaviour (reference §7, §2 SendMessage/DeleteMessage), written once for both protocols.

test_fifo_json.py runs these with the pyenv boto3 1.43 (AWS JSON 1.0); test_fifo_query.py with Debian's
boto3 1.26 (Query/XML). Every test uses its own uniquely named queues.
"""

import hashlib
import random
import threading
import time
import uuid

from eddy_fixture import ACCOUNT, SqsClientMixin, close_client, import_boto3, make_client

import_boto3()  # boto3 must not pick up a developer's ~/.aws files.
from botocore.exceptions import ClientError  # noqa: E402

DELAY_REJECTED = ("Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter "
                  "that is not valid for this queue type.")
NO_DEDUP = ("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
            "provided explicitly")


class FifoCases(SqsClientMixin):
    """Mixin with the test bodies. Subclasses set `protocol` ("json" or "query")."""

    protocol = None

    # ---------------------------------------------------------------- helpers
    def fifo_name(self, tag="f"):
        return "it-%s-%s.fifo" % (tag, uuid.uuid4().hex[:10])

    def create_fifo(self, tag="f", **attrs):
        return self.new_queue(tag, fifo=True, **attrs)

    def counts(self, url):
        a = self.attrs(url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def send(self, url, body, group="g", dedup=None, **kw):
        """SendMessage with a fresh random dedup id unless one is given."""
        return self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                                     MessageDeduplicationId=dedup or uuid.uuid4().hex, **kw)

    def all_attrs_kw(self):
        # boto3 1.26 has only the deprecated AttributeNames; 1.43 accepts both (JSON prefers the new one).
        return {"AttributeNames": ["All"]}

    # ---------------------------------------------------------------- naming and attributes
    def test_create_fifo_queue_and_attributes(self):
        name, url = self.create_fifo()
        self.assertTrue(url.endswith("/%s/%s" % (ACCOUNT, name)), url)
        a = self.attrs(url, "All")
        self.assertEqual(a.get("FifoQueue"), "true", a)
        self.assertEqual(a.get("ContentBasedDeduplication"), "false", a)
        self.assertEqual(a.get("DeduplicationScope"), "queue", a)
        self.assertEqual(a.get("FifoThroughputLimit"), "perQueue", a)
        self.assertEqual(a.get("QueueArn"), "arn:aws:sqs:us-east-1:%s:%s" % (ACCOUNT, name))
        # Idempotent re-create with the same attributes.
        self.assertEqual(self.sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"}
                                               )["QueueUrl"], url)

    def test_fifo_name_rules(self):
        # ".fifo" counts toward the 80 characters.
        ok = ("it-max-" + uuid.uuid4().hex).ljust(75, "x") + ".fifo"
        self.assertEqual(len(ok), 80)
        self.sqs.create_queue(QueueName=ok, Attributes={"FifoQueue": "true"})
        too_long = ("it-long-" + uuid.uuid4().hex).ljust(76, "x") + ".fifo"
        fifo_msg = ("The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                    "underscores, must end with .fifo suffix and be 1 to 80 in length")
        for bad in [too_long, "it-nosuffix-" + uuid.uuid4().hex[:8], "it-dot.x.fifo",
                    "it-" + uuid.uuid4().hex[:6] + ".FIFO"]:
            with self.subTest(name=bad):
                self.assertError(lambda: self.sqs.create_queue(QueueName=bad,
                                                               Attributes={"FifoQueue": "true"}),
                                 "InvalidParameterValue", fifo_msg)
        # A standard queue may not use the suffix.
        self.assertError(lambda: self.sqs.create_queue(QueueName=self.fifo_name("std")),
                         "InvalidParameterValue",
                         "Can only include alphanumeric characters, hyphens, or underscores. "
                         "1 to 80 in length")

    def test_fifo_attribute_changes(self):
        _, url = self.create_fifo()
        self.assertError(lambda: self.sqs.set_queue_attributes(QueueUrl=url,
                                                               Attributes={"FifoQueue": "false"}),
                         "InvalidAttributeValue",
                         "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is "
                         "not supported.")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={
            "ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId"})
        a = self.attrs(url, "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
        self.assertEqual(a, {"ContentBasedDeduplication": "true", "DeduplicationScope": "messageGroup",
                             "FifoThroughputLimit": "perMessageGroupId"})

    # ---------------------------------------------------------------- send validation
    def test_message_group_id_required(self):
        _, url = self.create_fifo()
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                       MessageDeduplicationId="d1"),
                         "MissingParameter", "The request must contain the parameter MessageGroupId.")
        self.assertEqual(self.counts(url), (0, 0))

    def test_dedup_id_or_content_based_required(self):
        _, url = self.create_fifo()
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                       MessageGroupId="g"),
                         "InvalidParameterValue", NO_DEDUP)

    def test_invalid_group_id(self):
        _, url = self.create_fifo(ContentBasedDeduplication="true")
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                       MessageGroupId="group 123"),
                         "InvalidParameterValue",
                         "Value group 123 for parameter MessageGroupId is invalid. Reason: "
                         "MessageGroupId can only include alphanumeric and punctuation characters. "
                         "1 to 128 in length.")
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                       MessageGroupId="g" * 129),
                         "InvalidParameterValue")
        self.sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g" * 128)
        self.sqs.send_message(QueueUrl=url, MessageBody="y", MessageGroupId="!#$%&()*+,-./:;<=>?@[]^_`{|}~")

    def test_per_message_delay_rejected(self):
        _, url = self.create_fifo()
        self.assertError(lambda: self.send(url, "x", DelaySeconds=2), "InvalidParameterValue",
                         DELAY_REJECTED)
        self.send(url, "zero is fine", DelaySeconds=0)
        self.assertEqual(self.counts(url), (1, 0))

    def test_standard_queue_rejects_dedup_id(self):
        url = self.sqs.create_queue(QueueName="it-std-%s" % uuid.uuid4().hex[:10])["QueueUrl"]
        self.assertError(lambda: self.sqs.send_message(QueueUrl=url, MessageBody="x",
                                                       MessageDeduplicationId="d"),
                         "InvalidParameterValue")

    def test_batch_missing_group_rejects_whole_request(self):
        _, url = self.create_fifo(ContentBasedDeduplication="true")
        entries = [{"Id": "a", "MessageBody": "a", "MessageGroupId": "g"},
                   {"Id": "b", "MessageBody": "b"}]
        with self.assertRaises(ClientError):
            self.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        self.assertEqual(self.counts(url), (0, 0))

    # ---------------------------------------------------------------- deduplication
    def test_explicit_dedup_returns_original_id(self):
        _, url = self.create_fifo()
        first = self.send(url, "one", dedup="d-1")
        dup = self.send(url, "one again, different body", dedup="d-1")
        self.assertEqual(dup["MessageId"], first["MessageId"])
        self.assertEqual(self.counts(url), (1, 0))
        other = self.send(url, "two", dedup="d-2")
        self.assertNotEqual(other["MessageId"], first["MessageId"])
        # Remembered after the message is received and deleted.
        msgs = self.receive(url, MaxNumberOfMessages=10)
        self.assertEqual([m["Body"] for m in msgs], ["one", "two"])
        for m in msgs:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        again = self.send(url, "one", dedup="d-1")
        self.assertEqual(again["MessageId"], first["MessageId"])
        self.assertEqual(self.counts(url), (0, 0))
        self.assertEqual(self.receive(url), [])

    def test_batch_dedup(self):
        _, url = self.create_fifo()
        first = self.send(url, "one", dedup="d-1")
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "one", "MessageGroupId": "g", "MessageDeduplicationId": "d-1"},
            {"Id": "b", "MessageBody": "two", "MessageGroupId": "g", "MessageDeduplicationId": "d-2"},
            {"Id": "c", "MessageBody": "two", "MessageGroupId": "g", "MessageDeduplicationId": "d-2"},
        ])
        self.assertEqual(r.get("Failed", []), [])
        ok = {e["Id"]: e for e in r["Successful"]}
        self.assertEqual(ok["a"]["MessageId"], first["MessageId"])
        self.assertEqual(ok["b"]["MessageId"], ok["c"]["MessageId"])
        self.assertEqual(self.counts(url), (2, 0))

    def test_content_based_dedup(self):
        _, url = self.create_fifo(ContentBasedDeduplication="true")
        first = self.sqs.send_message(QueueUrl=url, MessageBody="Test", MessageGroupId="g")
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="Test", MessageGroupId="g",
                                    MessageAttributes={"a": {"DataType": "String", "StringValue": "x"}})
        self.assertEqual(dup["MessageId"], first["MessageId"])  # attributes are not part of the hash
        other = self.sqs.send_message(QueueUrl=url, MessageBody="Test2", MessageGroupId="g")
        self.assertNotEqual(other["MessageId"], first["MessageId"])
        # An explicit id overrides content-based dedup.
        explicit = self.sqs.send_message(QueueUrl=url, MessageBody="Test", MessageGroupId="g",
                                         MessageDeduplicationId="explicit")
        self.assertNotEqual(explicit["MessageId"], first["MessageId"])
        self.assertEqual(self.counts(url), (3, 0))
        msgs = self.receive(url, MaxNumberOfMessages=10, **self.all_attrs_kw())
        self.assertEqual([m["Body"] for m in msgs], ["Test", "Test2", "Test"])
        self.assertEqual(msgs[0]["Attributes"]["MessageDeduplicationId"],
                         "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25")
        self.assertEqual(msgs[1]["Attributes"]["MessageDeduplicationId"],
                         hashlib.sha256(b"Test2").hexdigest())
        self.assertEqual(msgs[2]["Attributes"]["MessageDeduplicationId"], "explicit")

    def test_dedup_scope_queue_spans_groups(self):
        _, url = self.create_fifo()
        a = self.send(url, "x", group="A", dedup="same")
        b = self.send(url, "y", group="B", dedup="same")
        self.assertEqual(a["MessageId"], b["MessageId"])
        self.assertEqual(self.counts(url), (1, 0))

    def test_dedup_scope_message_group(self):
        _, url = self.create_fifo(DeduplicationScope="messageGroup",
                                  FifoThroughputLimit="perMessageGroupId")
        a = self.send(url, "x", group="A", dedup="same")
        b = self.send(url, "y", group="B", dedup="same")
        self.assertNotEqual(a["MessageId"], b["MessageId"])
        a2 = self.send(url, "x2", group="A", dedup="same")
        self.assertEqual(a2["MessageId"], a["MessageId"])
        self.assertEqual(self.counts(url), (2, 0))

    # ---------------------------------------------------------------- ordering and group locking
    def test_strict_order_within_group(self):
        _, url = self.create_fifo()
        bodies = ["m%02d" % i for i in range(12)]
        for b in bodies:
            self.send(url, b)
        got = []
        for _ in range(len(bodies)):
            msgs = self.receive(url)
            self.assertEqual(len(msgs), 1, got)
            got.append(msgs[0]["Body"])
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
        self.assertEqual(got, bodies)

    def test_group_blocked_while_in_flight(self):
        _, url = self.create_fifo()
        self.send(url, "a1", group="A")
        self.send(url, "a2", group="A")
        first = self.receive(url)
        self.assertEqual([m["Body"] for m in first], ["a1"])
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])  # a2 waits for a1
        self.send(url, "b1", group="B")
        self.assertEqual([m["Body"] for m in self.receive(url, MaxNumberOfMessages=10)], ["b1"])
        # Extending visibility keeps the group blocked.
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"],
                                           VisibilityTimeout=60)
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])
        # Made visible again: redelivered before later messages of its group.
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"],
                                           VisibilityTimeout=0)
        again = self.receive(url, **self.all_attrs_kw())
        self.assertEqual([m["Body"] for m in again], ["a1"])
        self.assertEqual(again[0]["Attributes"]["ApproximateReceiveCount"], "2")
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=again[0]["ReceiptHandle"])
        self.assertEqual([m["Body"] for m in self.receive(url, MaxNumberOfMessages=10)], ["a2"])

    def test_group_unblocks_after_visibility_timeout(self):
        _, url = self.create_fifo()
        self.send(url, "a1")
        self.send(url, "a2")
        self.assertEqual([m["Body"] for m in self.receive(url, VisibilityTimeout=1)], ["a1"])
        self.assertEqual(self.receive(url), [])
        msgs = self.receive(url, WaitTimeSeconds=5, MaxNumberOfMessages=10)
        self.assertEqual([m["Body"] for m in msgs][:1], ["a1"])  # a1 again, before a2

    def test_several_messages_of_one_group_in_one_receive(self):
        _, url = self.create_fifo()
        for i in range(5):
            self.send(url, "a%d" % i, group="A")
        msgs = self.receive(url, MaxNumberOfMessages=10)
        self.assertEqual([m["Body"] for m in msgs], ["a%d" % i for i in range(5)])
        self.assertEqual(self.counts(url), (0, 5))

    def test_mixed_groups_keep_order_per_group(self):
        _, url = self.create_fifo()
        for i in range(4):
            for g in "ABC":
                self.send(url, "%s%d" % (g, i), group=g)
        msgs = self.receive(url, MaxNumberOfMessages=10, **self.all_attrs_kw())
        self.assertEqual(len(msgs), 10)
        per_group = {}
        for m in msgs:
            per_group.setdefault(m["Attributes"]["MessageGroupId"], []).append(m["Body"])
        for g, got in per_group.items():
            self.assertEqual(got, ["%s%d" % (g, i) for i in range(len(got))], per_group)
        # Messages of one group are returned together, not interleaved with other groups.
        order = [m["Attributes"]["MessageGroupId"] for m in msgs]
        runs = [g for i, g in enumerate(order) if i == 0 or order[i - 1] != g]
        self.assertEqual(len(runs), len(set(runs)), order)
        # Every group now has a message in flight: nothing else is returned.
        self.assertEqual(self.receive(url, MaxNumberOfMessages=10), [])

    def test_concurrent_receivers_never_share_a_group(self):
        _, url = self.create_fifo()
        groups, per_group = 4, 10
        entries = [("g%d" % g, "g%d-%02d" % (g, i)) for i in range(per_group) for g in range(groups)]
        for start in range(0, len(entries), 10):
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": "e%d" % j, "MessageBody": body, "MessageGroupId": group,
                 "MessageDeduplicationId": body}
                for j, (group, body) in enumerate(entries[start:start + 10])])
        lock = threading.Lock()
        holder = {}          # group -> worker currently holding a message of it
        delivered = {}       # group -> bodies in delivery order
        violations = []
        errors = []
        deadline = time.monotonic() + 30

        def worker(idx):
            client = make_client(self.server.endpoint)
            rng = random.Random(idx)
            try:
                while time.monotonic() < deadline:
                    with lock:
                        if sum(len(v) for v in delivered.values()) >= len(entries):
                            return
                    msgs = client.receive_message(QueueUrl=url, MaxNumberOfMessages=rng.randint(1, 3),
                                                  VisibilityTimeout=30, WaitTimeSeconds=1,
                                                  AttributeNames=["MessageGroupId"]
                                                  ).get("Messages", [])
                    with lock:
                        mine = set()
                        for m in msgs:
                            g = m["Attributes"]["MessageGroupId"]
                            if holder.get(g, idx) != idx:
                                violations.append((g, m["Body"], holder[g], idx))
                            holder[g] = idx
                            mine.add(g)
                            delivered.setdefault(g, []).append(m["Body"])
                    time.sleep(rng.uniform(0, 0.02))
                    # Release before deleting: the server can hand the group out only after the delete.
                    with lock:
                        for g in mine:
                            if holder.get(g) == idx:
                                del holder[g]
                    for m in msgs:
                        client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            except Exception as e:  # reported below
                errors.append(repr(e))
            finally:
                close_client(client)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        self.assertEqual(errors, [])
        self.assertEqual(violations, [], "two receivers held messages of one group at once")
        for g in range(groups):
            self.assertEqual(delivered.get("g%d" % g), ["g%d-%02d" % (g, i) for i in range(per_group)])
        self.assertEqual(self.counts(url), (0, 0))

    # ---------------------------------------------------------------- sequence numbers
    def test_sequence_numbers_increase(self):
        _, url = self.create_fifo()
        seqs = []
        for i in range(5):
            r = self.send(url, "s%d" % i, group="A" if i % 2 else "B")
            self.assertTrue(r["SequenceNumber"].isdigit(), r)
            seqs.append(int(r["SequenceNumber"]))
        r = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "e%d" % i, "MessageBody": "b%d" % i, "MessageGroupId": "A",
             "MessageDeduplicationId": uuid.uuid4().hex} for i in range(3)])
        by_id = {e["Id"]: e for e in r["Successful"]}
        seqs += [int(by_id["e%d" % i]["SequenceNumber"]) for i in range(3)]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), len(seqs))
        msgs = self.receive(url, MaxNumberOfMessages=10, **self.all_attrs_kw())
        self.assertEqual(len(msgs), 8)
        for m in msgs:
            a = m["Attributes"]
            self.assertIn(int(a["SequenceNumber"]), seqs)
            self.assertIn(a["MessageGroupId"], ("A", "B"))
            self.assertIn("MessageDeduplicationId", a)

    # ---------------------------------------------------------------- ReceiveRequestAttemptId
    def test_receive_request_attempt_id_replay(self):
        _, url = self.create_fifo()
        for i in range(3):
            self.send(url, "r%d" % i)
        first = self.receive(url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")
        self.assertEqual([m["Body"] for m in first], ["r0", "r1"])
        replay = self.receive(url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-1")
        self.assertEqual([(m["MessageId"], m["ReceiptHandle"]) for m in replay],
                         [(m["MessageId"], m["ReceiptHandle"]) for m in first])
        # A different attempt is a new receive: the group is in flight.
        self.assertEqual(self.receive(url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="attempt-2"),
                         [])
        for m in replay:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual([m["Body"] for m in self.receive(url)], ["r2"])

    # ---------------------------------------------------------------- receipt handles
    def test_delete_with_expired_handle_fails(self):
        _, url = self.create_fifo()
        self.send(url, "x")
        m = self.receive(url, VisibilityTimeout=1)[0]
        time.sleep(1.3)
        handle = m["ReceiptHandle"]
        self.assertError(lambda: self.sqs.delete_message(QueueUrl=url, ReceiptHandle=handle),
                         "InvalidParameterValue",
                         "Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle "
                         "has expired." % handle)
        self.assertEqual(self.counts(url), (1, 0))
        # The latest handle of a message in flight does delete it.
        m2 = self.receive(url)[0]
        self.assertEqual(m2["MessageId"], m["MessageId"])
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m2["ReceiptHandle"])
        self.assertEqual(self.counts(url), (0, 0))
