"""The AWS CLI v1 (pyenv `aws`, awscli 1.45 → JSON protocol) against eddy via --endpoint-url.

The CLI is $EDDY_AWS_CLI (ctest passes the one CMake found) or `aws` on PATH.
Run: EDDY_BIN=build/eddy python3 tests/integration/test_cli.py -v
"""

import json
import os
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import AWS_CLI, ACCOUNT, EddyTestCase  # noqa: E402
from sqs_cases import md5_hex  # noqa: E402



@unittest.skipIf(AWS_CLI is None, "the AWS CLI (`aws`) is not installed")
class CliTest(EddyTestCase):
    server_in_memory = True

    def aws(self, *args, expect_ok=True):
        """`aws sqs ...`: parsed output, or stderr of the expected failure."""
        out = self.aws_cli("sqs", *args, expect_ok=expect_ok)
        return out if expect_ok else out[1]

    def test_queue_and_message_lifecycle(self):
        name = "cli-%s" % uuid.uuid4().hex[:10]
        url = self.aws("create-queue", "--queue-name", name,
                       "--attributes", "VisibilityTimeout=60,DelaySeconds=0")["QueueUrl"]
        self.assertEqual(url, "%s/%s/%s" % (self.server.endpoint, ACCOUNT, name))
        self.assertEqual(self.aws("get-queue-url", "--queue-name", name)["QueueUrl"], url)
        self.assertIn(url, self.aws("list-queues", "--queue-name-prefix", name)["QueueUrls"])

        attrs = self.aws("get-queue-attributes", "--queue-url", url,
                         "--attribute-names", "All")["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "60")
        self.assertEqual(attrs["QueueArn"], "arn:aws:sqs:us-east-1:%s:%s" % (ACCOUNT, name))

        body = "hello from the cli ✓"
        sent = self.aws("send-message", "--queue-url", url, "--message-body", body,
                        "--message-attributes",
                        json.dumps({"kind": {"DataType": "String", "StringValue": "cli"}}))
        self.assertEqual(sent["MD5OfMessageBody"], md5_hex(body))
        self.assertIn("MD5OfMessageAttributes", sent)

        attrs = self.aws("get-queue-attributes", "--queue-url", url, "--attribute-names",
                         "ApproximateNumberOfMessages")["Attributes"]
        self.assertEqual(attrs, {"ApproximateNumberOfMessages": "1"})

        got = self.aws("receive-message", "--queue-url", url, "--wait-time-seconds", "2",
                       "--message-attribute-names", "All", "--attribute-names", "All")
        self.assertEqual(len(got["Messages"]), 1)
        m = got["Messages"][0]
        self.assertEqual(m["Body"], body)
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["MD5OfBody"], md5_hex(body))
        self.assertEqual(m["MessageAttributes"]["kind"]["StringValue"], "cli")
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")

        self.aws("delete-message", "--queue-url", url, "--receipt-handle", m["ReceiptHandle"])
        attrs = self.aws("get-queue-attributes", "--queue-url", url, "--attribute-names",
                         "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"
                         )["Attributes"]
        self.assertEqual(attrs, {"ApproximateNumberOfMessages": "0",
                                 "ApproximateNumberOfMessagesNotVisible": "0"})
        self.assertEqual(self.aws("receive-message", "--queue-url", url), {})

        self.aws("delete-queue", "--queue-url", url)
        self.assertNotIn("QueueUrls", self.aws("list-queues", "--queue-name-prefix", name))

    def test_cli_error_reporting(self):
        err = self.aws("get-queue-url", "--queue-name", "cli-missing-%s" % uuid.uuid4().hex[:6],
                       expect_ok=False)
        self.assertIn("AWS.SimpleQueueService.NonExistentQueue", err)
        self.assertIn("The specified queue does not exist.", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
