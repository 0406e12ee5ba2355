"""SQS over AWS JSON 1.0: the shared cases driven by boto3 >= 1.34.90 (pyenv python3, boto3 1.43).

Run: EDDY_BIN=build/eddy python3 tests/integration/test_sqs_json.py -v
The server runs durable (temp data dir), so the SQLite path is exercised too.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase  # noqa: E402
from sqs_cases import Md5HelperTest, SqsCases  # noqa: E402,F401


class SqsJsonTest(SqsCases, EddyTestCase):
    protocol = "json"
    server_in_memory = False

    def test_message_system_attribute_names_preferred(self):
        # boto3 >= 1.34.90 has MessageSystemAttributeNames; when both lists are sent, it wins.
        _, url = self.create()
        self.sqs.send_message(QueueUrl=url, MessageBody="x")
        m = self.receive_one(url, MessageSystemAttributeNames=["SentTimestamp"],
                             AttributeNames=["ApproximateReceiveCount"], VisibilityTimeout=0)
        self.assertEqual(set(m["Attributes"]), {"SentTimestamp"})
        m = self.receive_one(url, MessageSystemAttributeNames=["All"])
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
