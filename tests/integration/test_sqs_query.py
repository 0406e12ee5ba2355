"""SQS over the Query/XML protocol: the shared cases driven by Debian's boto3 1.26 (/usr/bin/python3).

Run: EDDY_BIN=build/eddy /usr/bin/python3 tests/integration/test_sqs_query.py -v
The server runs with --in-memory, so that mode is exercised too.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase  # noqa: E402
from sqs_cases import Md5HelperTest, SqsCases  # noqa: E402,F401


class SqsQueryTest(SqsCases, EddyTestCase):
    protocol = "query"
    server_in_memory = True


if __name__ == "__main__":
    unittest.main(verbosity=2)
