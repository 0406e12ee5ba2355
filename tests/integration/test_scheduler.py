"""EventBridge Scheduler on eddy, driven by boto3 (restJson1) and the AWS CLI.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_scheduler.py -v

- SchedulerApiTest: CRUD of schedules and groups, AWS's error codes/texts/statuses, tags, pagination,
  persistence across a restart. The boto3 client skips its own parameter validation so that the
  server's checks are what the test sees.
- SchedulerFiringTest (--clock virtual): schedules deliver to SQS queues when the clock is advanced: the
  seed's "06:00 KST = 21:00 UTC" redrive schedule, context attributes in Input, at() + DELETE, a
  disabled schedule, and the dead-letter event of a schedule whose target queue does not exist.
- SchedulerCliTest: `aws scheduler ...` with the CLI v1 ($EDDY_AWS_CLI or `aws`) and, when installed,
  Debian's CLI v2 (/usr/bin/aws).
"""

import datetime
import http.client
import json
import os
import shutil
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, EddyServer,  # noqa: E402
                          EddyTestCase, arn_of, close_client, import_boto3, make_client)

ROLE = "arn:aws:iam::%s:role/scheduler-role" % ACCOUNT
FUNCTION = "arn:aws:lambda:%s:%s:function:not-invoked" % (REGION, ACCOUNT)


def scheduler_client(endpoint, validate=False):
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    return session.client("scheduler", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30,
        parameter_validation=validate))


def unique(tag):
    return "it-%s-%s" % (tag, uuid.uuid4().hex[:8])


def target(arn=FUNCTION, **extra):
    t = {"Arn": arn, "RoleArn": ROLE}
    t.update(extra)
    return t


class SchedulerTestBase(EddyTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connect()

    @classmethod
    def connect(cls):
        cls.sch = scheduler_client(cls.server.endpoint)
        cls.sqs = make_client(cls.server.endpoint)

    @classmethod
    def disconnect(cls):
        close_client(cls.sch)
        close_client(cls.sqs)

    @classmethod
    def tearDownClass(cls):
        cls.disconnect()
        super().tearDownClass()

    def create(self, name, expression="rate(1 hour)", **kw):
        kw.setdefault("FlexibleTimeWindow", {"Mode": "OFF"})
        kw.setdefault("Target", target())
        return self.sch.create_schedule(Name=name, ScheduleExpression=expression, **kw)

    def assertError(self, fn, code, status, message=None, message_prefix=None):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        r = cm.exception.response
        self.assertEqual(r["Error"]["Code"], code, r)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], status, r)
        if message is not None:
            self.assertEqual(r["Error"]["Message"], message, r)
        if message_prefix is not None:
            self.assertTrue(r["Error"]["Message"].startswith(message_prefix), r)
        return r


class SchedulerApiTest(SchedulerTestBase):

    def test_create_get_update_delete(self):
        name = unique("crud")
        start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(hours=1)
        arn = self.create(name, "cron(0 6 * * ? *)", ScheduleExpressionTimezone="Asia/Seoul",
                          Description="redrive", StartDate=start,
                          Target=target(Input='{"job":"redrive"}',
                                        RetryPolicy={"MaximumRetryAttempts": 3},
                                        DeadLetterConfig={"Arn": arn_of("dlq")}))["ScheduleArn"]
        self.assertEqual(arn, "arn:aws:scheduler:%s:%s:schedule/default/%s" % (REGION, ACCOUNT, name))

        got = self.sch.get_schedule(Name=name)
        self.assertEqual(got["Arn"], arn)
        self.assertEqual(got["Name"], name)
        self.assertEqual(got["GroupName"], "default")
        self.assertEqual(got["ScheduleExpression"], "cron(0 6 * * ? *)")
        self.assertEqual(got["ScheduleExpressionTimezone"], "Asia/Seoul")
        self.assertEqual(got["State"], "ENABLED")
        self.assertEqual(got["ActionAfterCompletion"], "NONE")
        self.assertEqual(got["Description"], "redrive")
        self.assertEqual(got["FlexibleTimeWindow"], {"Mode": "OFF"})
        self.assertEqual(got["StartDate"], start)
        self.assertNotIn("EndDate", got)
        self.assertIsInstance(got["CreationDate"], datetime.datetime)
        self.assertEqual(got["Target"], {
            "Arn": FUNCTION, "RoleArn": ROLE, "Input": '{"job":"redrive"}',
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 86400},
            "DeadLetterConfig": {"Arn": arn_of("dlq")}})

        # UpdateSchedule replaces everything: what the request leaves out takes its default.
        updated = self.sch.update_schedule(Name=name, ScheduleExpression="rate(2 hours)", State="DISABLED",
                                           FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10},
                                           Target=target())
        self.assertEqual(updated["ScheduleArn"], arn)
        got2 = self.sch.get_schedule(Name=name, GroupName="default")
        self.assertEqual(got2["State"], "DISABLED")
        self.assertEqual(got2["ScheduleExpressionTimezone"], "UTC")
        self.assertEqual(got2["FlexibleTimeWindow"], {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10})
        self.assertNotIn("Description", got2)
        self.assertNotIn("StartDate", got2)
        self.assertEqual(got2["Target"]["RetryPolicy"], {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400})
        self.assertEqual(got2["CreationDate"], got["CreationDate"])
        self.assertGreaterEqual(got2["LastModificationDate"], got["LastModificationDate"])

        self.sch.delete_schedule(Name=name)
        self.assertError(lambda: self.sch.get_schedule(Name=name), "ResourceNotFoundException", 404,
                         "Schedule %s does not exist." % name)
        self.assertError(lambda: self.sch.delete_schedule(Name=name), "ResourceNotFoundException", 404,
                         "Schedule %s does not exist." % name)
        self.assertError(lambda: self.sch.update_schedule(Name=name, ScheduleExpression="rate(1 hour)",
                                                          FlexibleTimeWindow={"Mode": "OFF"}, Target=target()),
                         "ResourceNotFoundException", 404)

    def test_conflict_and_validation_errors(self):
        name = unique("dup")
        self.create(name)
        self.assertError(lambda: self.create(name), "ConflictException", 409, "Schedule %s already exists." % name)
        for bad in ("rate(10 seconds)", "cron(0 1 * * * *)", "at(2021-12-31T23:59:59Z)", "rate()"):
            self.assertError(lambda: self.create(unique("bad"), bad), "ValidationException", 400,
                             "Invalid Schedule Expression %s." % bad)
        self.assertError(lambda: self.create(unique("tz"), ScheduleExpressionTimezone="Mars/Olympus"),
                         "ValidationException", 400)
        self.assertError(
            lambda: self.create(unique("retry"), Target=target(RetryPolicy={"MaximumRetryAttempts": 186})),
            "ValidationException", 400,
            "1 validation error detected: Value '186' at 'target.retryPolicy.maximumRetryAttempts' failed to "
            "satisfy constraint: Member must have value less than or equal to 185")
        self.assertError(lambda: self.create(unique("state"), State="ON"), "ValidationException", 400,
                         "1 validation error detected: Value 'ON' at 'state' failed to satisfy constraint: "
                         "Member must satisfy enum value set: [ENABLED, DISABLED]")
        self.assertError(
            lambda: self.create(unique("fifo-dlq"),
                                Target=target(DeadLetterConfig={"Arn": arn_of("dlq.fifo")})),
            "ValidationException", 400, message_prefix="1 validation error detected: Value '%s' at "
            "'target.deadLetterConfig.arn'" % arn_of("dlq.fifo"))
        self.assertError(lambda: self.create(unique("role"), Target={"Arn": FUNCTION, "RoleArn": "not-a-role"}),
                         "ValidationException", 400, message_prefix="1 validation error detected: Value "
                         "'not-a-role' at 'target.roleArn' failed to satisfy constraint: Member must satisfy "
                         "regular expression pattern")
        self.assertError(lambda: self.create(unique("flex"), FlexibleTimeWindow={"Mode": "FLEXIBLE"}),
                         "ValidationException", 400)
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        self.assertError(lambda: self.create(unique("start"), StartDate=past), "ValidationException", 400,
                         "The StartDate you specify cannot be earlier than 5 minutes ago.")
        self.assertError(lambda: self.create(unique("nogroup"), GroupName="no-such-group"),
                         "ResourceNotFoundException", 404)

    def test_groups_and_tags(self):
        group = unique("group")
        created = self.sch.create_schedule_group(Name=group, Tags=[{"Key": "team", "Value": "payments"}])
        group_arn = "arn:aws:scheduler:%s:%s:schedule-group/%s" % (REGION, ACCOUNT, group)
        self.assertEqual(created["ScheduleGroupArn"], group_arn)
        self.assertError(lambda: self.sch.create_schedule_group(Name=group), "ConflictException", 409)

        got = self.sch.get_schedule_group(Name=group)
        self.assertEqual((got["Arn"], got["Name"], got["State"]), (group_arn, group, "ACTIVE"))
        self.assertIsInstance(got["CreationDate"], datetime.datetime)
        default = self.sch.get_schedule_group(Name="default")
        self.assertEqual(default["Arn"], "arn:aws:scheduler:%s:%s:schedule-group/default" % (REGION, ACCOUNT))

        names = [g["Name"] for g in self.sch.list_schedule_groups()["ScheduleGroups"]]
        self.assertIn("default", names)
        self.assertIn(group, names)
        self.assertEqual([g["Name"] for g in self.sch.list_schedule_groups(NamePrefix=group)["ScheduleGroups"]],
                         [group])

        self.assertEqual(self.sch.list_tags_for_resource(ResourceArn=group_arn)["Tags"],
                         [{"Key": "team", "Value": "payments"}])
        self.sch.tag_resource(ResourceArn=group_arn, Tags=[{"Key": "env", "Value": "dev"}])
        self.assertEqual(sorted(t["Key"] for t in self.sch.list_tags_for_resource(ResourceArn=group_arn)["Tags"]),
                         ["env", "team"])
        self.sch.untag_resource(ResourceArn=group_arn, TagKeys=["team", "env"])
        self.assertEqual(self.sch.list_tags_for_resource(ResourceArn=group_arn)["Tags"], [])
        schedule_arn = self.create(unique("in-group"), GroupName=group)["ScheduleArn"]
        self.assertIn(":schedule/%s/" % group, schedule_arn)
        self.assertError(lambda: self.sch.list_tags_for_resource(ResourceArn=schedule_arn),
                         "ValidationException", 400,
                         message_prefix="1 validation error detected: Value '%s' at 'resourceArn'" % schedule_arn)

        # Deleting a group deletes its schedules.
        in_group = [s["Name"] for s in self.sch.list_schedules(GroupName=group)["Schedules"]]
        self.assertEqual(len(in_group), 1)
        self.sch.delete_schedule_group(Name=group)
        self.assertError(lambda: self.sch.get_schedule_group(Name=group), "ResourceNotFoundException", 404)
        self.assertError(lambda: self.sch.get_schedule(Name=in_group[0], GroupName=group),
                         "ResourceNotFoundException", 404)
        self.assertError(lambda: self.sch.delete_schedule_group(Name="default"), "ValidationException", 400)

    def test_list_pagination_and_filters(self):
        prefix = unique("page")
        names = ["%s-%02d" % (prefix, i) for i in range(7)]
        for i, n in enumerate(names):
            self.create(n, State="DISABLED" if i % 3 == 0 else "ENABLED")
        pages = list(self.sch.get_paginator("list_schedules").paginate(NamePrefix=prefix,
                                                                      PaginationConfig={"PageSize": 3}))
        self.assertEqual([len(p["Schedules"]) for p in pages], [3, 3, 1])
        listed = [s for p in pages for s in p["Schedules"]]
        self.assertEqual([s["Name"] for s in listed], names)
        first = listed[0]
        self.assertEqual(set(first), {"Arn", "CreationDate", "GroupName", "LastModificationDate", "Name",
                                      "State", "Target"})
        self.assertEqual(first["Target"], {"Arn": FUNCTION})
        disabled = self.sch.list_schedules(NamePrefix=prefix, State="DISABLED")["Schedules"]
        self.assertEqual([s["Name"] for s in disabled], [names[0], names[3], names[6]])
        self.assertError(lambda: self.sch.list_schedules(MaxResults=101), "ValidationException", 400)
        self.assertError(lambda: self.sch.list_schedules(GroupName="no-such-group"),
                         "ResourceNotFoundException", 404)

    def test_real_clock_rate_schedule_fires_at_creation(self):
        name = unique("now")
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.create(name, "rate(1 hour)", Target=target(arn_of(name), Input="now"))
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
        self.assertEqual([m["Body"] for m in got], ["now"])
        self.sch.delete_schedule(Name=name)

    def test_state_survives_restart(self):
        group = unique("keep")
        self.sch.create_schedule_group(Name=group, Tags=[{"Key": "k", "Value": "v"}])
        name = unique("keep")
        self.create(name, "rate(5 minutes)", GroupName=group, Description="kept",
                    Target=target(Input="{}", SqsParameters={"MessageGroupId": "g"}))
        before = self.sch.get_schedule(Name=name, GroupName=group)
        type(self).disconnect()
        self.server.restart()
        type(self).connect()
        after = self.sch.get_schedule(Name=name, GroupName=group)
        for d in (before, after):
            d.pop("ResponseMetadata")
        self.assertEqual(after, before)
        arn = "arn:aws:scheduler:%s:%s:schedule-group/%s" % (REGION, ACCOUNT, group)
        self.assertEqual(self.sch.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "k", "Value": "v"}])


def clock_call(server, body=None):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        if body is None:
            conn.request("GET", "/_eddy/clock")
        else:
            conn.request("POST", "/_eddy/clock", body=json.dumps(body), headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise AssertionError("clock %r -> %d %r" % (body, resp.status, data))
        return json.loads(data)
    finally:
        conn.close()


class SchedulerFiringTest(SchedulerTestBase):
    """Virtual clock: time moves only when the test moves it, and everything due on the way fires."""

    START = "2026-03-01T12:00:00Z"

    @classmethod
    def setUpClass(cls):
        # EddyTestCase.setUpClass starts a default server; start ours with the virtual clock instead.
        cls._server_failed = False
        cls.server = EddyServer(extra_args=["--clock", "virtual", "--clock-start", cls.START]).start()
        cls.connect()

    def new_queue(self, tag):
        name = unique(tag)
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return name, url, arn_of(name)

    def drain(self, url, wait=0):
        out = []
        while True:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                           MessageAttributeNames=["All"]).get("Messages", [])
            if not got:
                return out
            out.extend(got)
            for m in got:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            wait = 0

    def now(self):
        return clock_call(self.server)["epochMs"]

    def test_seoul_morning_schedule_fires_at_21_utc(self):
        _, url, queue_arn = self.new_queue("redrive")
        name = unique("redrive")
        self.create(name, "cron(0 6 * * ? *)", ScheduleExpressionTimezone="Asia/Seoul",
                    Target=target(queue_arn, Input=json.dumps({
                        "schedule": "<aws.scheduler.schedule-arn>", "at": "<aws.scheduler.scheduled-time>"})))
        now = datetime.datetime.fromtimestamp(self.now() / 1000, datetime.timezone.utc)
        first = datetime.datetime.combine(now.date(), datetime.time(21, 0), datetime.timezone.utc)
        if first <= now:
            first += datetime.timedelta(days=1)
        clock_call(self.server, {"set": (first - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")})
        self.assertEqual(self.drain(url), [])
        clock_call(self.server, {"advance": "1d1m"})  # 21:00 on two days
        bodies = [json.loads(m["Body"]) for m in self.drain(url, wait=2)]
        arn = "arn:aws:scheduler:%s:%s:schedule/default/%s" % (REGION, ACCOUNT, name)
        self.assertEqual(bodies, [
            {"schedule": arn, "at": first.strftime("%Y-%m-%dT%H:%M:%SZ")},
            {"schedule": arn, "at": (first + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}])
        self.sch.delete_schedule(Name=name)

    def test_one_time_schedule_with_delete_and_a_disabled_schedule(self):
        _, url, queue_arn = self.new_queue("once")
        now = datetime.datetime.fromtimestamp(self.now() / 1000, datetime.timezone.utc)
        at = (now + datetime.timedelta(minutes=10)).replace(microsecond=0)
        once = unique("once")
        self.create(once, "at(%s)" % at.strftime("%Y-%m-%dT%H:%M:%S"), ActionAfterCompletion="DELETE",
                    Target=target(queue_arn, Input="one-time"))
        off = unique("off")
        self.create(off, "rate(1 minute)", State="DISABLED", Target=target(queue_arn, Input="disabled"))
        clock_call(self.server, {"advance": "9m"})
        self.assertEqual(self.drain(url), [])
        clock_call(self.server, {"advance": "2m"})
        self.assertEqual([m["Body"] for m in self.drain(url, wait=2)], ["one-time"])
        self.assertError(lambda: self.sch.get_schedule(Name=once), "ResourceNotFoundException", 404)
        self.assertEqual(self.sch.get_schedule(Name=off)["State"], "DISABLED")
        self.sch.delete_schedule(Name=off)

    def test_rate_schedule_starts_at_creation(self):
        _, url, queue_arn = self.new_queue("rate")
        name = unique("rate")
        self.create(name, "rate(5 minutes)", Target=target(queue_arn, Input="tick"))
        clock_call(self.server, {"advance": "11m"})
        self.assertEqual([m["Body"] for m in self.drain(url, wait=2)], ["tick", "tick", "tick"])
        self.sch.delete_schedule(Name=name)

    def test_dead_letter_event_for_a_missing_target_queue(self):
        _, dlq_url, dlq_arn = self.new_queue("dlq")
        name = unique("dead")
        missing = arn_of(unique("missing"))
        self.create(name, "rate(1 hour)", Target=target(missing, Input='{"n":1}',
                                                        RetryPolicy={"MaximumRetryAttempts": 0},
                                                        DeadLetterConfig={"Arn": dlq_arn}))
        clock_call(self.server, {"advance": "1s"})
        dead = self.drain(dlq_url, wait=2)
        self.assertEqual(len(dead), 1)
        self.assertEqual(dead[0]["Body"], '{"n":1}')
        attrs = {k: v["StringValue"] for k, v in dead[0]["MessageAttributes"].items()}
        self.assertEqual(attrs["SCHEDULE_ARN"], "arn:aws:scheduler:%s:%s:schedule/default/%s" % (REGION, ACCOUNT, name))
        self.assertEqual(attrs["TARGET_ARN"], missing)
        self.assertEqual(attrs["RETRY_ATTEMPTS"], "0")
        self.assertEqual(attrs["IS_PAYLOAD_TRUNCATED"], "false")
        for key in ("ERROR_CODE", "ERROR_MESSAGE", "EXECUTION_ID", "SCHEDULED_TIME", "EXHAUSTED_RETRY_CONDITION"):
            self.assertTrue(attrs.get(key), (key, attrs))
        self.sch.delete_schedule(Name=name)


AWS_V1 = os.environ.get("EDDY_AWS_CLI")
if not AWS_V1 or not os.access(AWS_V1, os.X_OK):
    AWS_V1 = shutil.which("aws")
AWS_V2 = "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else None


class SchedulerCliTest(EddyTestCase):

    def run_cli(self, cli, *args, expect_ok=True):
        out = self.aws_cli("scheduler", *args, expect_ok=expect_ok, cli=cli)
        return out if expect_ok else out[1]

    def lifecycle(self, cli):
        name = unique("cli")
        created = self.run_cli(cli, "create-schedule", "--name", name, "--schedule-expression", "rate(1 day)",
                               "--flexible-time-window", "Mode=OFF",
                               "--target", json.dumps({"Arn": FUNCTION, "RoleArn": ROLE, "Input": "{}"}))
        self.assertTrue(created["ScheduleArn"].endswith(":schedule/default/" + name))
        got = self.run_cli(cli, "get-schedule", "--name", name)
        self.assertEqual(got["ScheduleExpression"], "rate(1 day)")
        self.assertEqual(got["Target"]["Arn"], FUNCTION)
        listed = self.run_cli(cli, "list-schedules", "--name-prefix", name)
        self.assertEqual([s["Name"] for s in listed["Schedules"]], [name])
        group = unique("cli-group")
        self.run_cli(cli, "create-schedule-group", "--name", group)
        self.assertIn(group, [g["Name"] for g in self.run_cli(cli, "list-schedule-groups")["ScheduleGroups"]])
        self.run_cli(cli, "delete-schedule-group", "--name", group)
        self.run_cli(cli, "delete-schedule", "--name", name)
        err = self.run_cli(cli, "get-schedule", "--name", name, expect_ok=False)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("Schedule %s does not exist." % name, err)

    @unittest.skipIf(AWS_V1 is None, "the AWS CLI (`aws`) is not installed")
    def test_cli_v1(self):
        self.lifecycle(AWS_V1)

    @unittest.skipIf(AWS_V2 is None, "Debian's AWS CLI v2 (/usr/bin/aws) is not installed")
    def test_cli_v2(self):
        self.lifecycle(AWS_V2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
