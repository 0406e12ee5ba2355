"""FIFO queues over the Query/XML protocol: the shared FIFO cases driven by Debian's boto3 1.26
(/usr/bin/python3). Move tasks are not covered here: boto3 1.26 predates them.

Run: EDDY_BIN=build/eddy /usr/bin/python3 tests/integration/test_fifo_query.py -v
The server runs with --in-memory, so that mode is exercised too.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase  # noqa: E402
from fifo_cases import FifoCases  # noqa: E402


class FifoQueryTest(FifoCases, EddyTestCase):
    protocol = "query"
    server_in_memory = True

    def test_client_speaks_query(self):
        self.assertEqual(self.sqs.meta.service_model.protocol, "query")

    def test_fifo_dlq_over_query(self):
        # The DLQ path over XML: RedrivePolicy, DeadLetterQueueSourceArn, ListDeadLetterSourceQueues.
        dlq_name, dlq_url = self.create_fifo("dlq")
        dlq_arn = self.attrs(dlq_url, "QueueArn")["QueueArn"]
        src_name, src_url = self.create_fifo("src", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        sent = self.send(src_url, "to the dlq")
        self.assertEqual(len(self.receive(src_url, VisibilityTimeout=0)), 1)
        self.assertEqual(self.receive(src_url), [])
        m = self.receive(dlq_url, AttributeNames=["All"])[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Attributes"]["DeadLetterQueueSourceArn"],
                         self.attrs(src_url, "QueueArn")["QueueArn"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "2")
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"],
                         [src_url])


if __name__ == "__main__":
    unittest.main(verbosity=2)
