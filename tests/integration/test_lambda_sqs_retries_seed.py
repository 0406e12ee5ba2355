"""The seed experiment (shared/seeds/lambda-sqs-retries.md, SQS trigger part) against the real eddy binary.

The seed's handler (examples/lambda-sqs-retries/lambda_function.py, only its `dlq_url` constant replaced
by the FIFO queue created here) consumes a source queue with VisibilityTimeout 30 and RedrivePolicy
maxReceiveCount 2 through an event source mapping (BatchSize 1). The function also has
MaximumRetryAttempts=1 in its event invoke config, which must not matter: SQS triggers are synchronous
invokes, so only the queue retries (reference/lambda.md §5.1). As the post observed on AWS:
  - user_id "1": the handler catches its own exception and sends the body to the FIFO queue
    (MessageGroupId "1"); the invoke succeeds, so the message is deleted from the source;
  - user_id "2": the handler raises; it runs exactly twice, ApproximateReceiveCount "1" then "2", about
    one visibility timeout (30 s) apart, with two error logs (not four), then SQS moves the message to
    the source's DLQ.
To see each delivery's record the function's handler is a thin wrapper (observe.py) that prints the
record and calls the seed's handler unchanged.

Takes about 75 s by design (ctest TIMEOUT allows 180).
Run: EDDY_BIN=build/src/server/eddy python3 tests/integration/test_lambda_sqs_retries_seed.py -v
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import redrive  # noqa: E402
from lambda_fixture import LambdaTestCase, unique_name  # noqa: E402

EXAMPLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                           "lambda-sqs-retries")
DLQ_URL_LINE = re.compile(r'^dlq_url = ".*"$', re.M)

OBSERVER = r'''
import json

import lambda_function


def lambda_handler(event, context):
    for record in event["Records"]:
        print("DELIVERY " + json.dumps({"body": record["body"],
                                        "receiveCount": record["attributes"]["ApproximateReceiveCount"],
                                        "sent": int(record["attributes"]["SentTimestamp"])}))
    return lambda_function.lambda_handler(event, context)
'''


def seed_handler(dlq_url):
    with open(os.path.join(EXAMPLE_DIR, "lambda_function.py"), encoding="utf-8") as f:
        source = f.read()
    replaced, n = DLQ_URL_LINE.subn('dlq_url = "%s"' % dlq_url, source)
    assert n == 1, "the seed handler must have exactly one dlq_url constant"
    return replaced


class SqsTriggerRetriesSeedTest(LambdaTestCase):

    def deliveries(self, name):
        """[(timestamp ms, user_id, receive count, sent ms)] of the records the function got, oldest
        first."""
        found = []
        for e in self.log_events(name, lambda evs: True, timeout=0):
            if e["message"].startswith("DELIVERY "):
                d = json.loads(e["message"][len("DELIVERY "):])
                user_id = json.loads(d["body"])["user_id"]
                found.append((e["timestamp"], user_id, d["receiveCount"], d["sent"]))
        return sorted(found)

    def test_queue_retries_after_visibility_timeout_not_lambda(self):
        # The handler's "DLQ": a FIFO queue (send_to_dlq passes MessageGroupId/MessageDeduplicationId).
        fifo_name = unique_name("seed-dlq") + ".fifo"
        fifo_url = self.sqs.create_queue(QueueName=fifo_name, Attributes={"FifoQueue": "true"})["QueueUrl"]
        # The source queue and its own DLQ, as in the post: 30 s visibility, maxReceiveCount 2.
        dlq_url, dlq_arn = self.new_queue("seed-source-dlq")
        source_url, source_arn = self.new_queue("seed-source", VisibilityTimeout=30,
                                                RedrivePolicy=redrive(dlq_arn, 2))

        name = self.create_function({"lambda_function.py": seed_handler(fifo_url), "observe.py": OBSERVER},
                                    "observe.lambda_handler")
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        uuid = self.lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source_arn,
                                                    BatchSize=1)["UUID"]
        self.addCleanup(self.lam.delete_event_source_mapping, UUID=uuid)

        self.sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"user_id": "1"}))
        self.sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"user_id": "2"}))
        started = time.monotonic()

        # user 1: forwarded to the FIFO queue by the handler, deleted from the source.
        forwarded = self.receive_one(fifo_url, timeout=15, MessageSystemAttributeNames=["MessageGroupId"])
        self.assertEqual(json.loads(forwarded["Body"]), {"user_id": "1"})
        self.assertEqual(forwarded["Attributes"]["MessageGroupId"], "1")

        # user 2: the queue's DLQ gets it after its second failed delivery (~60 s).
        dead = self.receive_one(dlq_url, timeout=100)
        elapsed = time.monotonic() - started
        sys.stderr.write("user 2 reached the source's DLQ after %.1f s\n" % elapsed)
        self.assertEqual(json.loads(dead["Body"]), {"user_id": "2"})
        self.assertGreaterEqual(elapsed, 55)

        # A Lambda-level retry (the four errors the post expected) would come 60 s after the first
        # failure: look a while past that before counting.
        time.sleep(max(0.0, started + 75 - time.monotonic()))
        deliveries = self.deliveries(name)
        sys.stderr.write("deliveries: %s\n" % deliveries)
        self.assertEqual([(u, c) for _, u, c, _ in deliveries if u == "1"], [("1", "1")])
        user2 = [(ts, c, sent) for ts, u, c, sent in deliveries if u == "2"]
        self.assertEqual([c for _, c, _ in user2], ["1", "2"], deliveries)
        # The first delivery's log line comes after the function's cold start, the second's does not,
        # so the strict bound is against the send: no redelivery before one visibility timeout (less
        # 0.1 s for timer granularity; on AWS the redelivery comes at about send + 30 s too).
        gap_s = (user2[1][0] - user2[0][0]) / 1000.0
        since_sent_s = (user2[1][0] - user2[1][2]) / 1000.0
        sys.stderr.write("second delivery of user 2: %.1f s after the first, %.1f s after the send\n"
                         % (gap_s, since_sent_s))
        self.assertGreaterEqual(since_sent_s, 29.9, "redelivered before the visibility timeout")
        self.assertGreaterEqual(gap_s, 25)
        self.assertLessEqual(gap_s, 35)

        errors = [e["message"] for e in self.log_events(name, lambda evs: True, timeout=0)
                  if e["message"].startswith("[ERROR]")]
        self.assertEqual(len(errors), 2, errors)
        for message in errors:
            self.assertTrue(message.startswith("[ERROR] Exception: Lambda 재시도 실행"), message)

        # Nothing left anywhere: the source is empty (user 1 deleted, user 2 moved), no second copy.
        self.assertEqual(self.sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["All"])[
            "Attributes"]["ApproximateNumberOfMessages"], "0")
        self.assertQueueEmpty(source_url)
        self.assertQueueEmpty(fifo_url)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"],
                         "PROBLEM: Function call failed")


if __name__ == "__main__":
    unittest.main()
