"""The seed (shared/seeds/dlq-auto-redrive.md) as deployed on AWS, run by its nightly trigger on eddy's
virtual clock.

examples/dlq-auto-redrive/deploy.sh (AWS CLI only) creates my-queue -> my-dlq (maxReceiveCount 10), the
function's IAM role and the post's SQS policy, the function `dlq-auto-redrive` (the post's loop, only its
queue URLs replaced; python3.12, Timeout 60) and its trigger:
  - RuleTriggerTest:      an EventBridge rule cron(0 21 * * ? *) (UTC) targeting the function;
  - SchedulerTriggerTest: a Scheduler schedule cron(0 6 * * ? *) in Asia/Seoul (06:00 KST on D+1 is
                          21:00 UTC on D), with a role Scheduler assumes to invoke the function.
Eddy starts with `--clock virtual --clock-start D T20:00:00Z`. Orders dated D-1 (4), D (1) and D-3 (2)
fail into my-dlq (received without delete until maxReceiveCount). `eddy clock advance 59m` (20:59):
nothing runs. `eddy clock set D T21:01:00Z`: the trigger invokes the function once; its datetime.now()
is the virtual time (UTC, as on Lambda), so exactly the four D-1 orders go back to my-queue and the other
three stay in my-dlq, invisible (the loop received them; the DLQ's 30 s visibility timeout is virtual
time, which stands still) until the clock moves on. The loop then ends on its first empty 5 s long poll
(real seconds).

About 30-40 s per test. Needs the AWS CLI ($EDDY_AWS_CLI, else `aws`), `zip` and libfaketime.
Run: EDDY_BIN=build/src/server/eddy python3 tests/integration/test_dlq_redrive_seed.py -v
"""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest
import urllib.request
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (ACCESS_KEY, ACCOUNT, SECRET_KEY, EddyServer, EddyTestCase,  # noqa: E402
                          close_client, import_boto3)

EXAMPLE_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                            "examples", "dlq-auto-redrive"))
AWS = os.environ.get("EDDY_AWS_CLI") or shutil.which("aws")
REGION = "ap-northeast-2"  # deploy.sh's (the post's)
FUNCTION = "dlq-auto-redrive"
TRIGGER = "dlq-auto-redrive-nightly"

D = date(2026, 3, 10)
CLOCK_START = "2026-03-10T20:00:00Z"
FIRE = datetime(2026, 3, 10, 21, 0, tzinfo=timezone.utc)


def order(i, day):
    return json.dumps({"orderId": "order-%02d" % i, "date": day.isoformat(),
                       "error": "payment gateway timeout"})


YESTERDAYS = [order(i, D - timedelta(days=1)) for i in range(4)]
OTHERS = [order(10, D), order(11, D - timedelta(days=3)), order(12, D - timedelta(days=3))]


def ms(t):
    return int(t.timestamp() * 1000)


def iso_ms(epoch_ms):
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc).isoformat()


class NightlyRedriveBase(EddyTestCase):
    """One eddy (virtual clock) per class: deploys with deploy.sh `deploy_args` and runs the night."""

    deploy_args = []

    @classmethod
    def setUpClass(cls):
        super(EddyTestCase, cls).setUpClass()  # not EddyTestCase's: the server needs a virtual clock
        cls._server_failed = False
        cls.server = EddyServer(extra_args=["--clock", "virtual", "--clock-start", CLOCK_START],
                                env={"EDDY_LAMBDA_PYTHON": sys.executable}).start()
        cls.clients = {s: cls.regional_client(s) for s in ("sqs", "logs", "events", "scheduler",
                                                           "lambda", "iam")}

    @classmethod
    def regional_client(cls, service):
        """A boto3 client in deploy.sh's region (the post's), test credentials, no retries."""
        boto3 = import_boto3()
        from botocore.config import Config
        session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                        region_name=REGION)
        return session.client(service, endpoint_url=cls.server.endpoint, config=Config(
            retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30))

    @classmethod
    def tearDownClass(cls):
        for client in cls.clients.values():
            close_client(client)
        super().tearDownClass()

    # ---- tools ----
    def clock_get(self):
        with urllib.request.urlopen(self.server.endpoint + "/_eddy/clock", timeout=10) as resp:
            return json.loads(resp.read())

    def eddy_clock(self, *args):
        """`eddy clock <args> --endpoint-url ...`; returns its stdout (the server's new time)."""
        p = subprocess.run([self.server.binary, "clock"] + list(args) +
                           ["--endpoint-url", self.server.endpoint],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, "eddy clock %s: %s %s" % (args, p.stdout, p.stderr))
        return p.stdout.strip()

    def deploy(self):
        env = dict(os.environ)
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION"):
            env.pop(k, None)
        env.update({"EDDY_URL": self.server.endpoint, "AWS_CLI": AWS, "AWS_ACCESS_KEY_ID": "test",
                    "AWS_SECRET_ACCESS_KEY": "test", "AWS_CONFIG_FILE": os.devnull,
                    "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_MAX_ATTEMPTS": "1"})
        p = subprocess.run([os.path.join(EXAMPLE_DIR, "deploy.sh")] + self.deploy_args, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        sys.stderr.write("\n---- deploy.sh %s ----\n%s---- end ----\n" % (" ".join(self.deploy_args),
                                                                        p.stdout))
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout

    def queue_url(self, name):
        return self.clients["sqs"].get_queue_url(QueueName=name)["QueueUrl"]

    def counts(self, url):
        a = self.clients["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    def fail_into_dlq(self, url, dlq_url, bodies):
        """The post's failing consumer: receives and never deletes (released at once with
        VisibilityTimeout=0) until SQS has moved every message to the DLQ after maxReceiveCount."""
        sqs = self.clients["sqs"]
        for body in bodies:
            sqs.send_message(QueueUrl=url, MessageBody=body)
        deadline = time.monotonic() + 30
        while sum(self.counts(dlq_url)) < len(bodies):
            self.assertLess(time.monotonic(), deadline, "messages did not reach my-dlq")
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        self.assertEqual(self.counts(url), (0, 0))

    def drain(self, url):
        """Receives (and deletes) everything visible in `url`; returns the bodies, sorted."""
        sqs, bodies = self.clients["sqs"], []
        while True:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                                       ).get("Messages", [])
            if not msgs:
                return sorted(bodies)
            for m in msgs:
                bodies.append(m["Body"])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    def function_log(self):
        """[(timestamp ms, message)] of /aws/lambda/dlq-auto-redrive, oldest first."""
        logs = self.clients["logs"]
        try:
            events = [e for page in logs.get_paginator("filter_log_events").paginate(
                logGroupName="/aws/lambda/" + FUNCTION) for e in page["events"]]
        except logs.exceptions.ResourceNotFoundException:
            return []
        return sorted((e["timestamp"], e["message"]) for e in events)

    def lines(self, prefix):
        return [(ts, m) for ts, m in self.function_log() if m.startswith(prefix)]

    # ---- the night ----
    def check_trigger(self):
        raise NotImplementedError

    def test_yesterdays_orders_go_back_at_0600_kst(self):
        self.assertEqual(self.clock_get()["now"], "2026-03-10T20:00:00.000Z")
        self.deploy()
        self.check_role()
        self.check_trigger()

        url, dlq_url = self.queue_url("my-queue"), self.queue_url("my-dlq")
        self.fail_into_dlq(url, dlq_url, YESTERDAYS + OTHERS)
        self.assertEqual(self.counts(dlq_url), (7, 0))

        # 20:59: a minute early, nothing runs.
        self.assertIn("2026-03-10T20:59:00", self.eddy_clock("advance", "59m"))
        time.sleep(3)
        self.assertEqual(self.lines("START"), [])
        self.assertEqual(self.counts(dlq_url), (7, 0))

        # 21:01: the trigger fired at 21:00; the invocation is asynchronous, its loop ends on the first
        # empty 5 s (real) long poll.
        self.assertIn("2026-03-10T21:01:00", self.eddy_clock("set", "2026-03-10T21:01:00Z"))
        deadline = time.monotonic() + 45
        while not self.lines("REPORT"):
            self.assertLess(time.monotonic(), deadline, "no REPORT line within 45 s: %s"
                            % self.function_log())
            time.sleep(0.5)
        time.sleep(2)  # a second invocation would have started by now
        log = self.function_log()
        sys.stderr.write("function log:\n%s\n" % "\n".join(
            "  %s  %s" % (iso_ms(ts), m.rstrip()) for ts, m in log))
        starts = [(ts, m) for ts, m in log if m.startswith("START")]
        self.assertEqual(len(starts), 1, log)
        # The function's clock is the virtual one: it started at 21:00 or just after (less a second:
        # the runtime's clock offset is whole seconds).
        self.assertGreaterEqual(starts[0][0], ms(FIRE - timedelta(seconds=1)), log)
        self.assertLess(starts[0][0], ms(FIRE + timedelta(minutes=3)), log)
        self.assertEqual([m for _, m in log if m.startswith("[ERROR]") or "Task timed out" in m], [])

        # Exactly yesterday's (D-1) orders are back; the other three are still in the DLQ, received by
        # the loop and so invisible while the virtual clock stands still.
        self.assertEqual(self.drain(url), sorted(YESTERDAYS))
        self.assertEqual(self.counts(dlq_url), (0, 3))

        # Past the DLQ's 30 s visibility timeout they are visible again: the three others. Nothing else
        # runs (the next 06:00 KST is a day away).
        self.eddy_clock("advance", "1m")
        self.assertEqual(self.counts(dlq_url), (3, 0))
        self.assertEqual(self.drain(dlq_url), sorted(OTHERS))
        time.sleep(1)
        self.assertEqual(len(self.lines("START")), 1)

    def check_role(self):
        iam = self.clients["iam"]
        role = iam.get_role(RoleName="dlq-auto-redrive-role")["Role"]
        with open(os.path.join(EXAMPLE_DIR, "iam", "trust-policy.json"), encoding="utf-8") as f:
            self.assertEqual(role["AssumeRolePolicyDocument"], json.load(f))
        policy = iam.get_role_policy(RoleName="dlq-auto-redrive-role", PolicyName="dlq-redrive-sqs")
        with open(os.path.join(EXAMPLE_DIR, "iam", "redrive-policy.json"), encoding="utf-8") as f:
            self.assertEqual(policy["PolicyDocument"], json.load(f))
        config = self.clients["lambda"].get_function_configuration(FunctionName=FUNCTION)
        self.assertEqual((config["Role"], config["Runtime"], config["Handler"], config["Timeout"]),
                         (role["Arn"], "python3.12", "lambda_function.lambda_handler", 60))


@unittest.skipIf(AWS is None, "the AWS CLI (`aws`) is not installed")
class RuleTriggerTest(NightlyRedriveBase):
    deploy_args = []

    def check_trigger(self):
        events = self.clients["events"]
        rule = events.describe_rule(Name=TRIGGER)
        self.assertEqual((rule["ScheduleExpression"], rule["State"]), ("cron(0 21 * * ? *)", "ENABLED"))
        fn_arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, FUNCTION)
        self.assertEqual([t["Arn"] for t in events.list_targets_by_rule(Rule=TRIGGER)["Targets"]],
                         [fn_arn])
        statement = json.loads(self.clients["lambda"].get_policy(FunctionName=FUNCTION)["Policy"]
                               )["Statement"][0]
        self.assertEqual(statement["Principal"], {"Service": "events.amazonaws.com"})
        self.assertEqual(statement["Condition"]["ArnLike"]["AWS:SourceArn"], rule["Arn"])


@unittest.skipIf(AWS is None, "the AWS CLI (`aws`) is not installed")
class SchedulerTriggerTest(NightlyRedriveBase):
    deploy_args = ["--scheduler"]

    def check_trigger(self):
        schedule = self.clients["scheduler"].get_schedule(Name=TRIGGER)
        self.assertEqual((schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"],
                          schedule["FlexibleTimeWindow"]["Mode"], schedule["State"]),
                         ("cron(0 6 * * ? *)", "Asia/Seoul", "OFF", "ENABLED"))
        self.assertEqual(schedule["Target"]["Arn"],
                         "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, FUNCTION))
        self.assertEqual(schedule["Target"]["RoleArn"],
                         "arn:aws:iam::%s:role/dlq-auto-redrive-scheduler-role" % ACCOUNT)
        # No rule: the schedule alone triggers the function.
        self.assertEqual(self.clients["events"].list_rules()["Rules"], [])


del NightlyRedriveBase  # only its subclasses are tests

if __name__ == "__main__":
    unittest.main(verbosity=2)
