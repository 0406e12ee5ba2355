"""Event invocations are durable: an accepted (202) event survives kill -9 of the server.

The function's reserved concurrency is 0, so the event stays queued (throttled, retried with backoff,
reference/lambda.md §4.2). The server is killed with SIGKILL and restarted on the same data directory;
once the reservation is removed the event runs, exactly as accepted, and its OnSuccess record arrives.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_lambda_async_durable.py -v
"""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import close_client, make_client  # noqa: E402
from lambda_fixture import LambdaTestCase, function_arn, make_aws_client  # noqa: E402

HANDLER = "def handler(event, context):\n    return {'seen': event, 'request_id': context.aws_request_id}\n"


class AsyncEventsSurviveKill9(LambdaTestCase):
    def reconnect(self):
        for client in (self.lam, self.logs, self.sqs):
            close_client(client)
        cls = type(self)
        cls.lam = make_aws_client("lambda", self.server.endpoint)
        cls.logs = make_aws_client("logs", self.server.endpoint)
        cls.sqs = make_client(self.server.endpoint)

    def test_accepted_event_runs_after_a_crash(self):
        name = self.create_function({"app.py": HANDLER}, "app.handler")
        url, arn = self.new_queue("on-success")
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}})
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)

        resp = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 7}')
        self.assertEqual(resp["StatusCode"], 202)
        request_id = resp["ResponseMetadata"]["RequestId"]
        time.sleep(1.5)  # throttled at least once; the next attempt waits in the queue
        self.assertQueueEmpty(url)

        self.server.kill9()
        self.server.start()
        self.reconnect()

        self.lam.delete_function_concurrency(FunctionName=name)
        message = self.receive_one(url, timeout=60)
        record = json.loads(message["Body"])
        self.assertEqual(record["requestContext"]["condition"], "Success")
        self.assertEqual(record["requestContext"]["requestId"], request_id)
        self.assertEqual(record["requestContext"]["functionArn"], function_arn(name, "$LATEST"))
        self.assertEqual(record["requestPayload"], {"order": 7})
        self.assertEqual(record["responsePayload"], {"seen": {"order": 7}, "request_id": request_id})
        self.assertQueueEmpty(url, wait_seconds=2)


if __name__ == "__main__":
    unittest.main()
