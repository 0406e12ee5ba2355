#!/usr/bin/env bash
# Runs the Lambda + SQS retry experiment against an Eddy that is already running (starts nothing).
#
#   EDDY_URL=http://127.0.0.1:4566 examples/lambda-sqs-retries/run.sh
#
# Needs python3 with boto3 >= 1.28 here ($PYTHON, default python3), and Eddy's --lambda-python must have
# boto3 too (the handler imports it). Takes about a minute: two real 30 s visibility timeouts.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export EDDY_URL="${EDDY_URL:-http://127.0.0.1:4566}"
export HANDLER_FILE="$HERE/lambda_function.py"
export AWS_ENDPOINT_URL="$EDDY_URL"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"

exec "${PYTHON:-python3}" - <<'PY'
import io
import json
import os
import re
import sys
import time
import zipfile
from datetime import datetime

import boto3

RUN = time.strftime("%H%M%S")
VISIBILITY_TIMEOUT = 30  # the post's (SQS's default)
MAX_RECEIVE_COUNT = 2

sqs = boto3.client("sqs")
lam = boto3.client("lambda")
logs = boto3.client("logs")
started = time.time()


def say(text, at=None):
    at = time.time() if at is None else at
    print("%s (+%5.1f s)  %s" % (datetime.fromtimestamp(at).strftime("%H:%M:%S"), at - started, text),
          flush=True)


def queue(name, **attrs):
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attrs.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def take_one(url):
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"],
                               WaitTimeSeconds=0).get("Messages", [])
    if msgs:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    return msgs[0] if msgs else None


# 1. Queues: the handler's FIFO "DLQ", and the trigger queue with its own dead-letter queue.
handler_dlq_url, _ = queue("lsr-%s-handler-dlq.fifo" % RUN, FifoQueue="true")
source_dlq_url, source_dlq_arn = queue("lsr-%s-source-dlq" % RUN)
source_url, source_arn = queue("lsr-%s-source" % RUN, VisibilityTimeout=VISIBILITY_TIMEOUT,
                               RedrivePolicy=json.dumps({"deadLetterTargetArn": source_dlq_arn,
                                                         "maxReceiveCount": MAX_RECEIVE_COUNT}))

# 2. The function: the post's handler, its dlq_url constant pointed at the FIFO queue.
with open(os.environ["HANDLER_FILE"], encoding="utf-8") as f:
    code, n = re.subn(r'^dlq_url = ".*"$', 'dlq_url = "%s"' % handler_dlq_url, f.read(), flags=re.M)
assert n == 1, "lambda_function.py must have one dlq_url constant"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("lambda_function.py", code)
name = "lambda-sqs-retries-%s" % RUN
lam.create_function(FunctionName=name, Runtime="python3.12", Handler="lambda_function.lambda_handler",
                    Role="arn:aws:iam::000000000000:role/lambda-role", Code={"ZipFile": buf.getvalue()})
lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
# The post's "Lambda retries = 1": applies to asynchronous invokes only, not to an SQS trigger.
lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
mapping = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=source_arn, BatchSize=1)["UUID"]
print("function %s, trigger %s (VisibilityTimeout %d s, maxReceiveCount %d), MaximumRetryAttempts 1"
      % (name, source_arn, VISIBILITY_TIMEOUT, MAX_RECEIVE_COUNT), flush=True)

# 3. Two messages; then watch the function's log, the handler's FIFO queue and the source's DLQ.
started = time.time()
for user_id in ("1", "2"):
    sqs.send_message(QueueUrl=source_url, MessageBody=json.dumps({"user_id": user_id}))
    say("sent {\"user_id\": \"%s\"}" % user_id)

seen_events, errors, dead = set(), [], None
deadline = time.time() + 2 * VISIBILITY_TIMEOUT + 45
while dead is None and time.time() < deadline:
    time.sleep(1)
    try:
        events = [e for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName="/aws/lambda/" + name) for e in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        events = []
    for e in sorted(events, key=lambda e: e["timestamp"]):
        if e["eventId"] in seen_events:
            continue
        seen_events.add(e["eventId"])
        first_line = e["message"].splitlines()[0] if e["message"].strip() else ""
        if first_line.startswith(("START", "[ERROR]", "send to dlq")):
            say("log: " + first_line, e["timestamp"] / 1000.0)
        if first_line.startswith("[ERROR]"):
            errors.append(e["timestamp"] / 1000.0)
    forwarded = take_one(handler_dlq_url)
    if forwarded:
        say("handler's FIFO queue: %s (MessageGroupId %s)" % (forwarded["Body"],
                                                               forwarded["Attributes"]["MessageGroupId"]))
    dead = take_one(source_dlq_url)
    if dead:
        say("source queue's DLQ: %s (moved by SQS after %d receives)" % (dead["Body"], MAX_RECEIVE_COUNT))

lam.delete_event_source_mapping(UUID=mapping)
lam.delete_function(FunctionName=name)
for url in (source_url, source_dlq_url, handler_dlq_url):
    sqs.delete_queue(QueueUrl=url)

gap = errors[1] - errors[0] if len(errors) >= 2 else None
summary = {"error_logs": len(errors), "seconds_between_errors": round(gap, 1) if gap else None,
           "user2_in_source_dlq": dead is not None}
print("SUMMARY " + json.dumps(summary), flush=True)
ok = len(errors) == 2 and dead is not None and VISIBILITY_TIMEOUT - 5 <= gap <= VISIBILITY_TIMEOUT + 5
sys.exit(0 if ok else 1)
PY
