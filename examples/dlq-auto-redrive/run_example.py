#!/usr/bin/env python3
"""Runs the DLQ auto-redrive example against an Eddy that is already running.

Expects Eddy at $AWS_ENDPOINT_URL (default http://127.0.0.1:4566); starts nothing itself. Needs boto3
>= 1.28 (it reads AWS_ENDPOINT_URL from the environment, so the two function files stay unchanged).

  1. creates my-queue -> my-dlq and my-api-queue -> my-api-dlq (RedrivePolicy, maxReceiveCount=3);
  2. sends orders dated yesterday and other days, and "fails" them (a consumer that receives and never
     deletes, with VisibilityTimeout=0) until SQS moves them into the DLQs;
  3. runs redrive_loop.py (the blog's receive/send/delete loop: only yesterday's orders go back);
  4. runs redrive_move_task.py (StartMessageMoveTask: the whole DLQ goes back) and waits for the task;
  5. prints where every message ended up.
"""

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))

# The same environment the two functions run with (a Lambda would get region and credentials this way).
os.environ.setdefault("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-northeast-2")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

MAX_RECEIVE_COUNT = 3


def log(msg=""):
    print(msg, flush=True)


def main():
    if tuple(int(x) for x in boto3.__version__.split(".")[:2]) < (1, 28):
        sys.exit("boto3 %s does not read AWS_ENDPOINT_URL; use boto3 >= 1.28" % boto3.__version__)
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    sqs = boto3.client("sqs")
    region = sqs.meta.region_name
    log("Eddy at %s, region %s" % (endpoint, region))

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
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}))
        return url, dlq_url

    def count(url):
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])

    def fail_into_dlq(url, dlq_url, bodies):
        for i, body in enumerate(bodies):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        # A consumer that keeps failing: receives, never deletes, releases at once (VisibilityTimeout=0).
        deadline = time.monotonic() + 30
        while count(dlq_url) < len(bodies):
            if time.monotonic() > deadline:
                sys.exit("messages did not reach the DLQ (is RedrivePolicy supported?)")
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)

    def peek(url, rounds=1):
        """Bodies of the visible messages, left in the queue (received with VisibilityTimeout=0).
        Each round counts as a receive: more than one round on a source queue would push its messages
        towards maxReceiveCount and back into the DLQ."""
        seen = {}
        for _ in range(rounds):
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                         VisibilityTimeout=0).get("Messages", []):
                seen[m["MessageId"]] = m["Body"]
        return sorted(seen.values())

    def run_function(script):
        log("$ python %s" % script)
        out = subprocess.run([sys.executable, os.path.join(HERE, script)], check=True,
                             stdout=subprocess.PIPE, text=True).stdout.strip()
        log("  -> %s" % out)
        return json.loads(out)

    def order(i, day):
        return json.dumps({"orderId": "order-%02d" % i, "date": day.strftime("%Y-%m-%d"),
                           "error": "payment gateway timeout"})

    today = datetime.now()
    yesterday = today - timedelta(days=1)
    older = today - timedelta(days=3)

    # ---- 1. the hand-written nightly loop (date filter) ----
    log("\n== 1. redrive_loop.py: only yesterday's (%s) messages go back" % yesterday.strftime("%Y-%m-%d"))
    url, dlq_url = with_dlq("my-queue", "my-dlq")
    mine = [order(i, yesterday) for i in range(4)]
    others = [order(10, today), order(11, older), order(12, older)]
    fail_into_dlq(url, dlq_url, mine + others)
    log("my-dlq before (%d):" % count(dlq_url))
    for b in peek(dlq_url, rounds=3):
        log("  " + b)
    result = run_function("redrive_loop.py")
    processed = json.loads(result["body"])["processed"]
    back = peek(url)
    log("back in my-queue (%d):" % len(back))
    for b in back:
        log("  " + b)
    log("still in my-dlq: %d (received by the loop, so invisible until their visibility timeout ends)"
        % count(dlq_url))

    # ---- 2. StartMessageMoveTask (everything, back to its own source) ----
    log("\n== 2. redrive_move_task.py: StartMessageMoveTask moves the whole DLQ back")
    api_url, api_dlq_url = with_dlq("my-api-queue", "my-api-dlq")
    api_bodies = [order(20 + i, day) for i, day in enumerate((yesterday, today, older))]
    fail_into_dlq(api_url, api_dlq_url, api_bodies)
    log("my-api-dlq before: %d" % count(api_dlq_url))
    handle = run_function("redrive_move_task.py")["taskHandle"]
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
    api_back = peek(api_url)
    log("back in my-api-queue (%d):" % len(api_back))
    for b in api_back:
        log("  " + b)
    log("still in my-api-dlq: %d" % count(api_dlq_url))

    summary = {"loop": {"processed": processed, "back_in_queue": len(back),
                        "left_in_dlq": count(dlq_url)},
               "move_task": {"status": task["Status"], "back_in_queue": len(api_back),
                             "left_in_dlq": count(api_dlq_url)}}
    log("\nSUMMARY " + json.dumps(summary))
    ok = (sorted(back) == sorted(mine) and summary["loop"]["left_in_dlq"] == len(others)
          and task["Status"] == "COMPLETED" and sorted(api_back) == sorted(api_bodies))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
