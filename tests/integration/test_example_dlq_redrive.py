"""End to end: examples/dlq-auto-redrive/run_example.py against a real eddy (pyenv boto3 >= 1.28, which
reads AWS_ENDPOINT_URL, so the example's function files run unchanged).

Asserts the example's outcome from outside: yesterday's orders are back in my-queue and the others are
still in my-dlq (the date-filtered loop); everything in my-api-dlq went back to my-api-queue
(StartMessageMoveTask) and the task COMPLETED.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_example_dlq_redrive.py -v
"""

import json
import os
import subprocess
import sys
import unittest
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from eddy_fixture import ACCOUNT, EddyTestCase, close_client, import_boto3  # noqa: E402

boto3 = import_boto3()  # isolated from a developer's ~/.aws

EXAMPLE = os.path.join(HERE, "..", "..", "examples", "dlq-auto-redrive", "run_example.py")
REGION = "ap-northeast-2"


class ExampleDlqRedriveTest(EddyTestCase):
    server_in_memory = True

    def test_run_example(self):
        env = dict(os.environ)
        env.update({"AWS_ENDPOINT_URL": self.server.endpoint, "AWS_DEFAULT_REGION": REGION,
                    "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_ENDPOINT_URL_SQS", None)
        yesterday = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d")
        proc = subprocess.run([sys.executable, EXAMPLE], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=90)
        sys.stderr.write("\n---- run_example.py output ----\n%s---- end ----\n" % proc.stdout)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        summary = json.loads(proc.stdout.split("SUMMARY ", 1)[1].splitlines()[0])
        self.assertEqual(summary["loop"]["processed"], 4)

        sqs = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                    region_name=REGION).client("sqs", endpoint_url=self.server.endpoint)
        self.addCleanup(close_client, sqs)

        def url(name):
            return "%s/%s/%s" % (self.server.endpoint, ACCOUNT, name)

        def total(name):
            a = sqs.get_queue_attributes(QueueUrl=url(name), AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])

        def bodies(name):
            msgs = sqs.receive_message(QueueUrl=url(name), MaxNumberOfMessages=10,
                                       VisibilityTimeout=60).get("Messages", [])
            return sorted(json.loads(m["Body"])["orderId"] + "@" + json.loads(m["Body"])["date"]
                          for m in msgs)

        # The loop: yesterday's four orders are back; the three others remain in the DLQ.
        self.assertEqual(bodies("my-queue"), ["order-%02d@%s" % (i, yesterday) for i in range(4)])
        self.assertEqual(total("my-dlq"), 3)
        # The move task: everything went back, nothing is left.
        self.assertEqual([b.split("@")[0] for b in bodies("my-api-queue")],
                         ["order-20", "order-21", "order-22"])
        self.assertEqual(total("my-api-dlq"), 0)
        dlq_arn = "arn:aws:sqs:%s:%s:my-api-dlq" % (REGION, ACCOUNT)
        task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        self.assertEqual((task["Status"], task["ApproximateNumberOfMessagesMoved"]), ("COMPLETED", 3))


if __name__ == "__main__":
    unittest.main(verbosity=2)
