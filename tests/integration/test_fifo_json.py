"""FIFO queues over AWS JSON 1.0: the shared FIFO cases driven by the pyenv boto3 (>= 1.34.90).

Run: EDDY_BIN=build/eddy python3 tests/integration/test_fifo_json.py -v
The server runs durable (temp data dir), so FIFO state goes through the SQLite path too.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase  # noqa: E402
from fifo_cases import FifoCases  # noqa: E402


class FifoJsonTest(FifoCases, EddyTestCase):
    protocol = "json"
    server_in_memory = False

    def test_client_speaks_json(self):
        self.assertEqual(self.sqs.meta.service_model.protocol, "json")

    def test_message_system_attribute_names(self):
        _, url = self.create_fifo()
        sent = self.send(url, "x", group="grp", dedup="dd")
        m = self.receive(url, MessageSystemAttributeNames=["SequenceNumber", "MessageGroupId",
                                                           "MessageDeduplicationId"])[0]
        self.assertEqual(m["Attributes"], {"SequenceNumber": sent["SequenceNumber"],
                                           "MessageGroupId": "grp", "MessageDeduplicationId": "dd"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
