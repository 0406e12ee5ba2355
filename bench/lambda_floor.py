"""The floor of a process-based Lambda's warm invoke: the least IPC a runtime process needs.

lambdabench starts `python3 lambda_floor.py TASK_ROOT` with stdin and stdout on one end of a socketpair
and sends one JSON payload per line. Each line goes json.loads → the handler (app.handler from the task
root, the same module Eddy runs) → json.dumps → one line back. No HTTP, no context object, no logging:
whatever Eddy's round trip costs above this is Eddy's (and its runtime client's) overhead.
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else os.getcwd())
from app import handler  # noqa: E402

loads, dumps = json.loads, json.dumps
read = os.fdopen(0, "rb", buffering=65536).readline
write = os.write
while True:
    line = read()
    if not line:
        break
    write(1, dumps(handler(loads(line), None)).encode() + b"\n")
