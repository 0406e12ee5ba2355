#!/usr/bin/env python3
"""Runs the DLQ auto-redrive example against an Eddy that is already running (starts nothing itself).

Two ways, both with the post's function code unchanged but for its queue constants:

  run_example.py                      the two handlers called once, here, as plain Python (any Eddy):
    1. creates my-queue -> my-dlq and my-api-queue -> my-api-dlq (RedrivePolicy, maxReceiveCount=3);
    2. sends orders dated yesterday and other days, and "fails" them (a consumer that receives and never
       deletes, with VisibilityTimeout=0) until SQS moves them into the DLQs;
    3. runs redrive_loop.py's handler (only yesterday's orders go back);
    4. runs redrive_move_task.py's handler (StartMessageMoveTask: the whole DLQ goes back), waits for it;
    5. prints where every message ended up.

  run_example.py --nightly [--scheduler]   the real thing, on an Eddy started with `--clock virtual`:
    1. deploy.sh [--scheduler]: queues, IAM role, the Lambda function and its nightly trigger (rule
       cron(0 21 * * ? *), or Scheduler cron(0 6 * * ? *) in Asia/Seoul);
    2. fails orders into my-dlq as above, dated by the virtual clock's today;
    3. moves the virtual clock to 20:59 UTC (nothing runs), then to 21:01 UTC: the trigger invokes the
       function once, and it puts yesterday's orders back on my-queue;
    4. prints the function's log and where every message ended up.

Needs boto3 >= 1.28 (it reads AWS_ENDPOINT_URL from the environment, so the function files stay
unchanged) and, for --nightly, the AWS CLI (`aws`, or $AWS_CLI) and `zip`.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))

# The same environment the functions run with (a Lambda gets region and credentials this way).
os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-northeast-2")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

LOCAL_MAX_RECEIVE_COUNT = 3  # the local run's queues; deploy.sh uses the post's 10
FUNCTION = "dlq-auto-redrive"


def log(msg=""):
    print(msg, flush=True)


def order(i, day):
    return json.dumps({"orderId": "order-%02d" % i, "date": day.strftime("%Y-%m-%d"),
                       "error": "payment gateway timeout"})


class Queues:
    def __init__(self, sqs):
        self.sqs = sqs

    def url(self, name):
        return self.sqs.get_queue_url(QueueName=name)["QueueUrl"]

    def count(self, url):
        a = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])

    def fail_into_dlq(self, url, dlq_url, bodies):
        """Sends `bodies` to `url` and fails them: a consumer that receives, never deletes and releases
        each message at once (VisibilityTimeout=0), until SQS has moved them all to `dlq_url`."""
        for body in bodies:
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        deadline = time.monotonic() + 60
        while self.count(dlq_url) < len(bodies):
            if time.monotonic() > deadline:
                sys.exit("messages did not reach the DLQ (is RedrivePolicy supported?)")
            self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)

    def peek(self, url, rounds=1):
        """Bodies of the visible messages, left in the queue (received with VisibilityTimeout=0).
        Each round counts as a receive: more than one round on a source queue would push its messages
        towards maxReceiveCount and back into the DLQ."""
        seen = {}
        for _ in range(rounds):
            for m in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                              VisibilityTimeout=0).get("Messages", []):
                seen[m["MessageId"]] = m["Body"]
        return sorted(seen.values())


# ---------------------------------------------------------------------------------------------------
# Local: the handlers as plain Python.

def run_local():
    sqs = boto3.client("sqs")
    q = Queues(sqs)
    log("Eddy at %s, region %s" % (os.environ["AWS_ENDPOINT_URL"], sqs.meta.region_name))

    def create(name, **attrs):
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        try:  # leftovers of an earlier run
            sqs.purge_queue(QueueUrl=url)
        except ClientError as e:
            if e.response["Error"]["Code"] != "AWS.SimpleQueueService.PurgeQueueInProgress":
                raise
            log("  (%s was purged less than 60 s ago; leftovers of an earlier run may remain)" % name)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def with_dlq(name, dlq_name):
        dlq_url, dlq_arn = create(dlq_name)
        url, _ = create(name, RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": LOCAL_MAX_RECEIVE_COUNT}))
        return url, dlq_url

    def run_function(module):
        """Calls `module`.lambda_handler({}, None) in a fresh Python, as one invocation would."""
        log("$ python -c 'import %s; %s.lambda_handler({}, None)'" % (module, module))
        code = ("import json, %s; print(json.dumps(%s.lambda_handler({}, None)))" % (module, module))
        out = subprocess.run([sys.executable, "-B", "-c", code], cwd=HERE, check=True,
                             stdout=subprocess.PIPE, text=True).stdout.strip()
        log("  -> %s" % out)
        return json.loads(out)

    today = datetime.now()
    yesterday = today - timedelta(days=1)
    older = today - timedelta(days=3)

    # ---- 1. the hand-written nightly loop (date filter) ----
    log("\n== 1. redrive_loop.py: only yesterday's (%s) messages go back" % yesterday.strftime("%Y-%m-%d"))
    url, dlq_url = with_dlq("my-queue", "my-dlq")
    mine = [order(i, yesterday) for i in range(4)]
    others = [order(10, today), order(11, older), order(12, older)]
    q.fail_into_dlq(url, dlq_url, mine + others)
    log("my-dlq before (%d):" % q.count(dlq_url))
    for b in q.peek(dlq_url, rounds=3):
        log("  " + b)
    result = run_function("redrive_loop")
    processed = json.loads(result["body"])["processed"]
    back = q.peek(url)
    log("back in my-queue (%d):" % len(back))
    for b in back:
        log("  " + b)
    log("still in my-dlq: %d (received by the loop, so invisible until their visibility timeout ends)"
        % q.count(dlq_url))

    # ---- 2. StartMessageMoveTask (everything, back to its own source) ----
    log("\n== 2. redrive_move_task.py: StartMessageMoveTask moves the whole DLQ back")
    api_url, api_dlq_url = with_dlq("my-api-queue", "my-api-dlq")
    api_bodies = [order(20 + i, day) for i, day in enumerate((yesterday, today, older))]
    q.fail_into_dlq(api_url, api_dlq_url, api_bodies)
    log("my-api-dlq before: %d" % q.count(api_dlq_url))
    handle = run_function("redrive_move_task")["taskHandle"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=api_dlq_url, AttributeNames=["QueueArn"]
                                       )["Attributes"]["QueueArn"]
    deadline = time.monotonic() + 30
    while True:
        task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
        if task["Status"] not in ("RUNNING", "CANCELLING") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    log("task %s...: %s, moved %d of %d" % (handle[:16], task["Status"],
                                              task["ApproximateNumberOfMessagesMoved"],
                                              task["ApproximateNumberOfMessagesToMove"]))
    api_back = q.peek(api_url)
    log("back in my-api-queue (%d):" % len(api_back))
    for b in api_back:
        log("  " + b)
    log("still in my-api-dlq: %d" % q.count(api_dlq_url))

    summary = {"loop": {"processed": processed, "back_in_queue": len(back),
                        "left_in_dlq": q.count(dlq_url)},
               "move_task": {"status": task["Status"], "back_in_queue": len(api_back),
                             "left_in_dlq": q.count(api_dlq_url)}}
    log("\nSUMMARY " + json.dumps(summary))
    ok = (sorted(back) == sorted(mine) and summary["loop"]["left_in_dlq"] == len(others)
          and task["Status"] == "COMPLETED" and sorted(api_back) == sorted(api_bodies))
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------------
# Nightly: deployed with deploy.sh, triggered by the virtual clock.

def clock(endpoint, change=None):
    """GET (or POST `change`, e.g. {"set": "..."}) /_eddy/clock; returns the reply's JSON."""
    data = json.dumps(change).encode() if change else None
    req = urllib.request.Request(endpoint + "/_eddy/clock", data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def function_log(logs):
    """The function's log events, oldest first ([] before its log group exists)."""
    try:
        return [e for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName="/aws/lambda/" + FUNCTION) for e in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def run_nightly(use_scheduler):
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    now = clock(endpoint)
    if now.get("mode") != "virtual":
        sys.exit("--nightly needs an Eddy started with `eddy serve --clock virtual`")
    virtual_now = datetime.fromtimestamp(now["epochMs"] / 1000, timezone.utc)
    # The next 21:00 UTC (06:00 in Seoul) that leaves a minute before it to look at.
    fire = virtual_now.replace(hour=21, minute=0, second=0, microsecond=0)
    if fire - virtual_now < timedelta(minutes=1):
        fire += timedelta(days=1)
    today = fire.date()
    yesterday, older = today - timedelta(days=1), today - timedelta(days=3)
    log("Eddy at %s, virtual clock at %s; the trigger fires at %s (%s in Seoul)"
        % (endpoint, now["now"], iso(fire), (fire + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M KST")))

    log("\n== 1. deploy.sh%s" % (" --scheduler" if use_scheduler else ""))
    env = dict(os.environ, EDDY_URL=endpoint)
    subprocess.run([os.path.join(HERE, "deploy.sh")] + (["--scheduler"] if use_scheduler else []),
                   env=env, check=True)

    sqs, logs = boto3.client("sqs"), boto3.client("logs")
    q = Queues(sqs)
    url, dlq_url = q.url("my-queue"), q.url("my-dlq")
    log("\n== 2. orders fail into my-dlq")
    mine = [order(i, yesterday) for i in range(4)]
    others = [order(10, today), order(11, older), order(12, older)]
    q.fail_into_dlq(url, dlq_url, mine + others)
    log("my-dlq: %d orders; %d of them dated yesterday (%s)" % (q.count(dlq_url), len(mine), yesterday))

    log("\n== 3. the virtual clock")
    log("clock -> %s" % clock(endpoint, {"set": iso(fire - timedelta(minutes=1))})["now"])
    time.sleep(2)
    early = [e for e in function_log(logs) if e["message"].startswith("START")]
    log("  invocations so far: %d" % len(early))
    log("clock -> %s" % clock(endpoint, {"set": iso(fire + timedelta(minutes=1))})["now"])
    deadline = time.monotonic() + 60
    while not any(e["message"].startswith("REPORT") for e in function_log(logs)):
        if time.monotonic() > deadline:
            sys.exit("the function did not run within 60 s of %s" % iso(fire))
        time.sleep(0.5)
    events = function_log(logs)
    for e in events:
        at = datetime.fromtimestamp(e["timestamp"] / 1000, timezone.utc).strftime("%H:%M:%S")
        log("  %s  %s" % (at, e["message"].rstrip()))

    log("\n== 4. where the orders are")
    back = q.peek(url)
    log("back in my-queue (%d):" % len(back))
    for b in back:
        log("  " + b)
    left = q.count(dlq_url)
    log("still in my-dlq: %d (received by the function, invisible until the clock passes their "
        "visibility timeout)" % left)
    starts = [e for e in events if e["message"].startswith("START")]
    summary = {"trigger": "scheduler" if use_scheduler else "rule", "fired_at": iso(fire),
               "invocations_before": len(early), "invocations": len(starts),
               "back_in_queue": len(back), "left_in_dlq": left}
    log("\nSUMMARY " + json.dumps(summary))
    ok = not early and len(starts) == 1 and sorted(back) == sorted(mine) and left == len(others)
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nightly", action="store_true",
                        help="deploy with deploy.sh and let the virtual clock trigger the function")
    parser.add_argument("--scheduler", action="store_true",
                        help="with --nightly: an EventBridge Scheduler schedule instead of a rule")
    args = parser.parse_args()
    if tuple(int(x) for x in boto3.__version__.split(".")[:2]) < (1, 28):
        sys.exit("boto3 %s does not read AWS_ENDPOINT_URL; use boto3 >= 1.28" % boto3.__version__)
    if args.scheduler and not args.nightly:
        parser.error("--scheduler goes with --nightly")
    return run_nightly(args.scheduler) if args.nightly else run_local()


if __name__ == "__main__":
    sys.exit(main())
