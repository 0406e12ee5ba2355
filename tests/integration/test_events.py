"""EventBridge rules (AWSEvents.*) driven by boto3's `events` client and the AWS CLI.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_events.py -v

Eddy runs with the virtual clock, so schedules fire when the test advances it (POST /_eddy/clock):
the API and its errors, a cron rule delivering the "Scheduled Event" to SQS (with an InputTransformer)
and to a Lambda function, PutEvents with patterns to SQS (standard and FIFO) and Lambda, a missing
target going to the target's dead-letter queue, and rules surviving kill -9.
"""

import json
import os
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import ACCOUNT, AWS_CLI, REGION  # noqa: E402
from lambda_fixture import LambdaTestCase, function_arn, make_aws_client, unique_name  # noqa: E402

START = "2026-03-10T20:00:00Z"  # a Tuesday

# Sends the event it receives to the queue named in its environment, so the test can see it.
FORWARDER = """
import json, os, boto3
sqs = boto3.client("sqs")
def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["OUT"], MessageBody=json.dumps(event))
"""


def queue_arn(name):
    return "arn:aws:sqs:%s:%s:%s" % (REGION, ACCOUNT, name)


class EventsTestCase(LambdaTestCase):
    server_args = ("--clock", "virtual", "--clock-start", START)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.events = make_aws_client("events", cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.events.close()
        super().tearDownClass()

    def clock(self, **body):
        req = urllib.request.Request(self.server.endpoint + "/_eddy/clock", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def now(self):
        with urllib.request.urlopen(self.server.endpoint + "/_eddy/clock", timeout=10) as r:
            return json.loads(r.read())

    def queue(self, tag, **attrs):
        name = unique_name(tag) + (".fifo" if attrs.get("FifoQueue") == "true" else "")
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        return url, queue_arn(name)

    def receive_all(self, url, want, timeout=20.0):
        got = []
        deadline = time.monotonic() + timeout
        while len(got) < want and time.monotonic() < deadline:
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                         MessageAttributeNames=["All"])
            for m in r.get("Messages", []):
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                got.append(m)
        return got

    def rule_cleanup(self, name, ids):
        def cleanup():
            try:
                self.events.remove_targets(Rule=name, Ids=ids)
                self.events.delete_rule(Name=name)
            except Exception:  # noqa: BLE001
                pass
        self.addCleanup(cleanup)


class RuleApiTest(EventsTestCase):
    def assertEventsError(self, fn, code, message=None, **kw):
        with self.assertRaises(self.events.exceptions.ClientError) as cm:
            fn(**kw)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message)

    def test_crud_and_errors(self):
        arn = self.events.put_rule(Name="nightly", ScheduleExpression="cron(0 21 * * ? *)",
                                   Description="redrive", Tags=[{"Key": "team", "Value": "ops"}])["RuleArn"]
        self.assertEqual(arn, "arn:aws:events:%s:%s:rule/nightly" % (REGION, ACCOUNT))
        d = self.events.describe_rule(Name="nightly")
        self.assertEqual((d["Name"], d["ScheduleExpression"], d["State"], d["EventBusName"], d["Description"]),
                         ("nightly", "cron(0 21 * * ? *)", "ENABLED", "default", "redrive"))
        self.events.disable_rule(Name="nightly")
        self.assertEqual(self.events.describe_rule(Name="nightly")["State"], "DISABLED")
        self.events.enable_rule(Name="nightly")
        fn = function_arn("redrive")
        out = self.events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": fn}])
        self.assertEqual((out["FailedEntryCount"], out["FailedEntries"]), (0, []))
        self.assertEqual(self.events.list_targets_by_rule(Rule="nightly")["Targets"], [{"Id": "fn", "Arn": fn}])
        self.assertEqual(self.events.list_rule_names_by_target(TargetArn=fn)["RuleNames"], ["nightly"])
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "team", "Value": "ops"}])
        self.assertEventsError(self.events.delete_rule, "ValidationException",
                               "Rule can't be deleted since it has targets.", Name="nightly")
        self.events.remove_targets(Rule="nightly", Ids=["fn"])
        self.events.delete_rule(Name="nightly")
        self.assertEventsError(self.events.describe_rule, "ResourceNotFoundException",
                               "Rule nightly does not exist on EventBus default.", Name="nightly")
        for bad in ("cron(0 1 * * * *)", "cron(71 8 1 * ? *)", "rate(1 minutes)", "rate(10 minute)",
                    "rate(10 seconds)", "at(2026-01-01T00:00:00)"):
            self.assertEventsError(self.events.put_rule, "ValidationException",
                                   "Parameter ScheduleExpression is not valid.", Name="bad", ScheduleExpression=bad)
        self.assertEventsError(self.events.put_rule, "InvalidEventPatternException", Name="bad",
                               EventPattern='{"source": "not-a-list"}')
        self.assertEventsError(self.events.put_targets, "ValidationException",
                               "Only one of Input, InputPath, or InputTransformer must be provided for target t.",
                               Rule="none", Targets=[{"Id": "t", "Arn": fn, "Input": "{}", "InputPath": "$"}])

    def test_list_rules_pages(self):
        names = ["page-%d" % i for i in range(5)]
        for n in names:
            self.events.put_rule(Name=n, ScheduleExpression="rate(1 day)")
            self.addCleanup(self.events.delete_rule, Name=n)
        pages = self.events.get_paginator("list_rules").paginate(NamePrefix="page-", PaginationConfig={"PageSize": 2})
        self.assertEqual([r["Name"] for p in pages for r in p["Rules"]], names)

    def test_cli(self):
        if not AWS_CLI:
            self.skipTest("no AWS CLI")
        out = self.aws_cli("events", "put-rule", "--name", "cli-rule", "--schedule-expression", "rate(5 minutes)")
        self.assertTrue(out["RuleArn"].endswith(":rule/cli-rule"))
        self.aws_cli("events", "put-targets", "--rule", "cli-rule", "--targets", "Id=1,Arn=" + queue_arn("cli-q"))
        rules = self.aws_cli("events", "list-rules", "--name-prefix", "cli-")["Rules"]
        self.assertEqual([r["Name"] for r in rules], ["cli-rule"])
        _, err = self.aws_cli("events", "describe-rule", "--name", "nope", expect_ok=False)
        self.assertIn("ResourceNotFoundException", err)
        self.aws_cli("events", "remove-targets", "--rule", "cli-rule", "--ids", "1")
        self.aws_cli("events", "delete-rule", "--name", "cli-rule")


class ScheduleAndPatternTest(EventsTestCase):
    def test_cron_rule_fires_the_scheduled_event_on_time(self):
        url, arn = self.queue("sched")
        raw_url, raw_arn = self.queue("sched-raw")
        self.events.put_rule(Name="at-21", ScheduleExpression="cron(0 21 * * ? *)")
        self.rule_cleanup("at-21", ["raw", "shaped"])
        self.events.put_targets(Rule="at-21", Targets=[
            {"Id": "raw", "Arn": raw_arn},
            {"Id": "shaped", "Arn": arn, "InputTransformer": {
                "InputPathsMap": {"t": "$.time", "kind": "$.detail-type"},
                "InputTemplate": '{"when": <t>, "what": <kind>, "rule": <aws.events.rule-name>}'}}])
        now = self.now()["epochMs"]
        self.clock(set="2026-03-10T20:59:59Z" if now < 1773176399000 else "2026-03-11T20:59:59Z")
        self.assertEqual(self.receive_all(raw_url, 1, timeout=1.5), [])
        self.clock(advance="1s")
        [msg] = self.receive_all(raw_url, 1)
        event = json.loads(msg["Body"])
        day = "2026-03-10" if now < 1773176399000 else "2026-03-11"
        self.assertEqual(event["time"], day + "T21:00:00Z")
        self.assertEqual((event["detail-type"], event["source"], event["detail"], event["version"]),
                         ("Scheduled Event", "aws.events", {}, "0"))
        self.assertEqual(event["resources"], ["arn:aws:events:%s:%s:rule/at-21" % (REGION, ACCOUNT)])
        self.assertEqual(list(event.keys()), ["version", "id", "detail-type", "source", "account", "time",
                                              "region", "resources", "detail"])
        [shaped] = self.receive_all(url, 1)
        self.assertEqual(json.loads(shaped["Body"]),
                         {"when": day + "T21:00:00Z", "what": "Scheduled Event", "rule": "at-21"})
        # Two days on: two more fires, one per day, in order.
        self.clock(advance="2d")
        later = [json.loads(m["Body"])["time"] for m in self.receive_all(raw_url, 2)]
        self.assertEqual(len(later), 2, later)
        self.assertLess(later[0], later[1])

    def test_rule_invokes_a_lambda_target_asynchronously(self):
        out_url, _ = self.queue("fn-out")
        name = self.create_function({"app.py": FORWARDER}, "app.handler", timeout=10, environment={"OUT": out_url})
        self.events.put_rule(Name="every-5", ScheduleExpression="rate(5 minutes)")
        self.rule_cleanup("every-5", ["fn"])
        self.events.put_targets(Rule="every-5", Targets=[{"Id": "fn", "Arn": function_arn(name)}])
        self.clock(advance="5m")
        [msg] = self.receive_all(out_url, 1, timeout=30)
        event = json.loads(msg["Body"])
        self.assertEqual(event["detail-type"], "Scheduled Event")
        self.assertEqual(event["resources"], ["arn:aws:events:%s:%s:rule/every-5" % (REGION, ACCOUNT)])

    def test_put_events_routes_by_pattern(self):
        url, arn = self.queue("orders")
        fifo_url, fifo_arn = self.queue("orders", FifoQueue="true")
        pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}
        self.events.put_rule(Name="big-orders", EventPattern=json.dumps(pattern))
        self.rule_cleanup("big-orders", ["q", "fifo"])
        self.events.put_targets(Rule="big-orders", Targets=[
            {"Id": "q", "Arn": arn, "InputPath": "$.detail"},
            {"Id": "fifo", "Arn": fifo_arn, "SqsParameters": {"MessageGroupId": "orders"}}])
        out = self.events.put_events(Entries=[
            {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"total": 250})},
            {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"total": 5})},
            {"Source": "other", "DetailType": "order", "Detail": json.dumps({"total": 900})},
            {"DetailType": "order", "Detail": "{}"}])
        self.assertEqual(out["FailedEntryCount"], 1)
        self.assertEqual(out["Entries"][3], {"ErrorCode": "InvalidArgument", "ErrorMessage":
                                             "Parameter Source is not valid. Reason: Source is a required argument."})
        [msg] = self.receive_all(url, 1)
        self.assertEqual(json.loads(msg["Body"]), {"total": 250})
        self.assertEqual(self.receive_all(url, 1, timeout=1.5), [])
        [fifo] = self.receive_all(fifo_url, 1)
        event = json.loads(fifo["Body"])
        self.assertEqual((event["source"], event["detail"], event["id"]), ("shop", {"total": 250}, out["Entries"][0]["EventId"]))

    def test_missing_target_goes_to_the_dead_letter_queue(self):
        dlq_url, dlq_arn = self.queue("rule-dlq")
        self.events.put_rule(Name="to-nowhere", EventPattern=json.dumps({"source": ["nowhere"]}))
        self.rule_cleanup("to-nowhere", ["gone"])
        missing = function_arn("does-not-exist")
        self.events.put_targets(Rule="to-nowhere", Targets=[
            {"Id": "gone", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn},
             "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}}])
        self.events.put_events(Entries=[{"Source": "nowhere", "DetailType": "x", "Detail": "{}"}])
        [msg] = self.receive_all(dlq_url, 1)
        attrs = {k: v["StringValue"] for k, v in msg["MessageAttributes"].items()}
        self.assertEqual(attrs["RULE_ARN"], "arn:aws:events:%s:%s:rule/to-nowhere" % (REGION, ACCOUNT))
        self.assertEqual(attrs["TARGET_ARN"], missing)
        self.assertEqual(attrs["ERROR_CODE"], "RESOURCE_NOT_FOUND")
        self.assertEqual(json.loads(msg["Body"])["source"], "nowhere")


class RulesSurviveRestartTest(EventsTestCase):
    def test_rules_and_targets_survive_kill_9(self):
        url, arn = self.queue("after-crash")
        self.events.put_rule(Name="survivor", ScheduleExpression="cron(30 * * * ? *)")
        self.events.put_targets(Rule="survivor", Targets=[{"Id": "q", "Arn": arn}])
        self.server.kill9()
        self.server.start()
        for c in (self.events, self.sqs):
            c.close()
        type(self).events = make_aws_client("events", self.server.endpoint)
        from eddy_fixture import make_client
        type(self).sqs = make_client(self.server.endpoint)
        self.assertEqual(self.events.describe_rule(Name="survivor")["ScheduleExpression"], "cron(30 * * * ? *)")
        self.assertEqual(self.events.list_targets_by_rule(Rule="survivor")["Targets"], [{"Id": "q", "Arn": arn}])
        self.clock(advance="1h")
        [msg] = self.receive_all(url, 1)
        self.assertTrue(json.loads(msg["Body"])["time"].endswith(":30:00Z"))


if __name__ == "__main__":
    unittest.main()
