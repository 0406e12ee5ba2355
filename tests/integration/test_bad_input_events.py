"""Bad input to EventBridge, Scheduler, IAM and the clock endpoint, sent raw (signed) to the real binary:
each gets a 4xx with the service's error shape — never a crash, a hang or a 5xx — and eddy keeps serving.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_bad_input_events.py -v

Error texts are asserted where they are AWS's (model-constraint messages, documented errors); for
malformed bodies only the status and error type are, because AWS's wording there is unverified.
"""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import EddyTestCase, RawClient, http_get  # noqa: E402

JSON11 = "application/x-amz-json-1.1"


class BadInputTest(EddyTestCase):
    server_in_memory = True

    def setUp(self):
        self.raw = {svc: RawClient(self.server.host, self.server.port, service=svc)
                    for svc in ("events", "scheduler", "iam")}

    def tearDown(self):
        for c in self.raw.values():
            c.close()
        status, _ = http_get(self.server.host, self.server.port, "/_eddy/health")
        self.assertEqual(status, 200, "eddy stopped answering")
        super().tearDown()

    def events(self, op, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        r = self.raw["events"].request("POST", "/", data, {"Content-Type": JSON11, "X-Amz-Target": "AWSEvents." + op})
        return r.status, r.json() if r.body else {}

    def assertEventsError(self, op, body, status, error_type, message=None):
        got_status, got = self.events(op, body)
        self.assertEqual((got_status, got.get("__type")), (status, error_type), got)
        if message is not None:
            self.assertEqual(got.get("message"), message)

    def test_eventbridge(self):
        self.assertEventsError("PutRule", b"{not json", 400, "SerializationException")
        self.assertEventsError("PutRule", b"[1,2]", 400, "SerializationException")
        self.assertEventsError("PutRule", {"Name": 5, "ScheduleExpression": "rate(1 day)"}, 400,
                               "SerializationException")
        self.assertEventsError("NoSuchOperation", {}, 400, "UnknownOperationException")
        self.assertEventsError("PutRule", {"ScheduleExpression": "rate(1 day)"}, 400, "ValidationException",
                               "1 validation error detected: Value null at 'name' failed to satisfy "
                               "constraint: Member must not be null")
        self.assertEventsError("PutRule", {"Name": "x" * 65, "ScheduleExpression": "rate(1 day)"}, 400,
                               "ValidationException",
                               "1 validation error detected: Value '%s' at 'name' failed to satisfy "
                               "constraint: Member must have length less than or equal to 64" % ("x" * 65))
        self.assertEventsError("PutRule", {"Name": "x"}, 400, "ValidationException")
        self.assertEventsError("PutRule", {"Name": "x", "ScheduleExpression": "cron(0 21 * * * *)"}, 400,
                               "ValidationException", "Parameter ScheduleExpression is not valid.")
        self.assertEventsError("PutRule", {"Name": "x", "State": "ON", "ScheduleExpression": "rate(1 day)"}, 400,
                               "ValidationException")
        self.assertEventsError("ListRules", {"Limit": 0}, 400, "ValidationException",
                               "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                               "Member must have value greater than or equal to 1")
        self.assertEventsError("ListRules", {"NextToken": "garbage"}, 400, "ValidationException")
        entries = [{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11
        self.assertEventsError("PutEvents", {"Entries": entries}, 400, "ValidationException")
        big = [{"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "y" * 200_000})}] * 2
        self.assertEventsError("PutEvents", {"Entries": big}, 400, "ValidationException",
                               "Total size of the entries in the request is over the limit.")
        self.assertEventsError("PutTargets", {"Rule": "nope", "Targets": [{"Id": "t", "Arn": "a",
                                                                            "Input": "not json"}]},
                               400, "ValidationException")
        self.assertEventsError("TestEventPattern", {"EventPattern": "{", "Event": "{}"}, 400,
                               "InvalidEventPatternException")

    def scheduler(self, method, path, body=None):
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
        r = self.raw["scheduler"].request(method, path, data, {"Content-Type": "application/json"})
        return r.status, r.header("x-amzn-errortype"), r.json() if r.body else {}

    def test_scheduler(self):
        status, kind, _ = self.scheduler("POST", "/schedules/s", b"{not json")
        self.assertEqual((status, kind.split(":")[0]), (400, "ValidationException"))
        status, kind, body = self.scheduler("POST", "/schedules/s", {
            "ScheduleExpression": "cron(0 6 * * ? *)", "ScheduleExpressionTimezone": "Mars/Olympus",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": "arn:aws:iam::000000000000:role/r"}})
        self.assertEqual((status, kind.split(":")[0]), (400, "ValidationException"), body)
        status, kind, body = self.scheduler("POST", "/schedules/s", {
            "ScheduleExpression": "at(2026-01-01)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": "arn:aws:iam::000000000000:role/r"}})
        self.assertEqual((status, body.get("Message")), (400, "Invalid Schedule Expression at(2026-01-01)."))
        status, kind, _ = self.scheduler("GET", "/schedules/missing")
        self.assertEqual((status, kind.split(":")[0]), (404, "ResourceNotFoundException"))
        status, _, _ = self.scheduler("PATCH", "/schedules/s", {})
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)

    def test_iam(self):
        def call(params):
            r = self.raw["iam"].request("POST", "/", urllib.parse.urlencode(params).encode(),
                                        {"Content-Type": "application/x-www-form-urlencoded"})
            return r.status, r.body.decode()
        status, body = call({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "r",
                             "AssumeRolePolicyDocument": "{not json"})
        self.assertEqual(status, 400)
        self.assertIn("<Code>MalformedPolicyDocument</Code>", body)
        status, body = call({"Action": "CreateRole", "Version": "2010-05-08", "RoleName": "bad name!",
                             "AssumeRolePolicyDocument": "{}"})
        self.assertEqual(status, 400)
        self.assertIn("<Code>ValidationError</Code>", body)
        status, body = call({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "missing"})
        self.assertEqual(status, 404)
        self.assertIn("<Message>The role with name missing cannot be found.</Message>", body)
        status, body = call({"Action": "NoSuchAction", "Version": "2010-05-08"})
        self.assertEqual(status, 400)
        self.assertIn("<Code>InvalidAction</Code>", body)

    def test_clock_endpoint(self):
        client = RawClient(self.server.host, self.server.port, service="none")
        try:
            for body in (b"{not json", b'{"set": "tomorrow"}', b'{"advance": "-5m"}', b'{"set": 1, "advance": 1}'):
                r = client.request("POST", "/_eddy/clock", body, {"Content-Type": "application/json"}, sign=False)
                self.assertEqual(r.status, 400, body)
                self.assertIn("message", r.json())
        finally:
            client.close()


if __name__ == "__main__":
    unittest.main()
