"""The AWS CLI v1 (pyenv `aws`, awscli 1.45) driving Lambda on eddy via --endpoint-url.

Covers create-function --zip-file fileb://..., wait function-active-v2, get-function (and downloading
Code.Location), invoke (outfile, --log-type Tail, a function error), list-functions, delete-function,
and non-zero exit codes with ResourceNotFoundException for a missing function.

The CLI is $EDDY_AWS_CLI (ctest passes the one CMake found) or `aws` on PATH.
Run: EDDY_BIN=build/src/server/eddy python3 tests/integration/test_lambda_cli.py -v
"""

import base64
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import AWS_CLI  # noqa: E402
from lambda_fixture import (ROLE, LambdaTestCase, function_arn, make_zip,  # noqa: E402
                            unique_name)


HANDLER = r'''
def handler(event, context):
    print("cli invoke", event)
    if event.get("fail"):
        raise KeyError("missing")
    return {"got": event, "request_id": context.aws_request_id}
'''


@unittest.skipIf(AWS_CLI is None, "the AWS CLI (`aws`) is not installed")
class LambdaCliTest(LambdaTestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="eddy-lambda-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def aws(self, *args, expect_ok=True):
        """Runs `aws lambda ...`; returns parsed stdout (expect_ok) or (exit code, stderr)."""
        return self.aws_cli("lambda", *args, expect_ok=expect_ok, cwd=self.tmp)

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_function_lifecycle(self):
        name = unique_name("cli")
        package = make_zip({"app.py": HANDLER})
        zip_path = self.write("function.zip", package)
        created = self.aws("create-function", "--function-name", name, "--runtime", "python3.12",
                           "--handler", "app.handler", "--role", ROLE,
                           "--zip-file", "fileb://" + zip_path, "--timeout", "5",
                           "--environment", "Variables={STAGE=cli}")
        self.addCleanup(self.delete_function_quietly, name)
        self.assertEqual(created["FunctionName"], name)
        self.assertEqual(created["FunctionArn"], function_arn(name))
        self.assertEqual(created["Runtime"], "python3.12")
        self.assertEqual(created["Handler"], "app.handler")
        self.assertEqual(created["Timeout"], 5)
        self.assertEqual(created["CodeSize"], len(package))
        self.assertEqual(created["CodeSha256"],
                         base64.b64encode(hashlib.sha256(package).digest()).decode())
        self.assertEqual(created["Environment"], {"Variables": {"STAGE": "cli"}})

        self.aws("wait", "function-active-v2", "--function-name", name)

        got = self.aws("get-function", "--function-name", name)
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["CodeSha256"], created["CodeSha256"])
        with urllib.request.urlopen(got["Code"]["Location"], timeout=10) as r:
            self.assertEqual(r.read(), package)

        # invoke: the payload goes to the handler, the result to the outfile, the log tail to stdout.
        out_path = os.path.join(self.tmp, "out.json")
        res = self.aws("invoke", "--function-name", name, "--payload", '{"from": "cli"}',
                       "--log-type", "Tail", out_path)
        self.assertEqual(res["StatusCode"], 200)
        self.assertEqual(res["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", res)
        with open(out_path, "rb") as f:
            result = json.loads(f.read())
        self.assertEqual(result["got"], {"from": "cli"})
        log = base64.b64decode(res["LogResult"]).decode()
        self.assertIn("START RequestId: %s Version: $LATEST" % result["request_id"], log)
        self.assertIn("cli invoke {'from': 'cli'}", log)
        self.assertIn("REPORT RequestId: %s" % result["request_id"], log)

        # A function error is a successful CLI call that reports FunctionError.
        fail_path = self.write("fail.json", b'{"fail": true}')
        res = self.aws("invoke", "--function-name", name, "--payload", "fileb://" + fail_path,
                       out_path)
        self.assertEqual(res["StatusCode"], 200)
        self.assertEqual(res["FunctionError"], "Unhandled")
        with open(out_path, "rb") as f:
            error = json.loads(f.read())
        self.assertEqual(error["errorType"], "KeyError")
        self.assertEqual(error["errorMessage"], "'missing'")

        # Event invocation: 202 and an empty outfile.
        res = self.aws("invoke", "--function-name", name, "--invocation-type", "Event",
                       "--payload", "{}", out_path)
        self.assertEqual(res["StatusCode"], 202)

        listed = self.aws("list-functions")["Functions"]
        self.assertIn(name, [f["FunctionName"] for f in listed])

        self.aws("delete-function", "--function-name", name)
        code, err = self.aws("get-function", "--function-name", name, expect_ok=False)
        self.assertIn("ResourceNotFoundException", err)
        self.assertIn("Function not found: %s" % function_arn(name), err)
        self.assertNotIn(name, [f["FunctionName"] for f in self.aws("list-functions")["Functions"]])

    def test_missing_function_exit_codes(self):
        name = unique_name("cli-missing")
        out_path = os.path.join(self.tmp, "out.json")
        code, err = self.aws("invoke", "--function-name", name, "--payload", "{}", out_path,
                             expect_ok=False)
        self.assertEqual(code, 255, err)  # CLI v1: 255 for a service error
        self.assertIn("An error occurred (ResourceNotFoundException) when calling the Invoke "
                      "operation: Function not found: %s" % function_arn(name, "$LATEST"), err)
        code, err = self.aws("delete-function", "--function-name", name, expect_ok=False)
        self.assertEqual(code, 255, err)
        self.assertIn("(ResourceNotFoundException) when calling the DeleteFunction operation: "
                      "Function not found: %s" % function_arn(name), err)


if __name__ == "__main__":
    unittest.main()
