"""Lambda control plane (REST API, registry, code store) driven by boto3.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_lambda_api.py -v
With EDDY_LAMBDA_SMOKE=1 only the smoke subset runs: that is how Debian's boto3 1.26 (/usr/bin/python3)
is run, whose older model sends trailing-slash paths (/2015-03-31/functions/).

Sync invocations are checked only for what the control plane decides (status, executed version): what
the function returns is the data plane's business and has its own suite.
"""

import base64
import io
import json
import os
import sys
import unittest
import urllib.request
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, EddyTestCase,  # noqa: E402
                          RawClient, close_client, import_boto3)

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT
SMOKE_ONLY = os.environ.get("EDDY_LAMBDA_SMOKE") == "1"


def make_zip(files=None):
    """A zip in memory; `files` maps name -> (text, unix mode)."""
    files = files or {"app.py": ("def handler(event, context):\n    return event\n", 0o644)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buf.getvalue()


def lambda_client(endpoint, region=REGION):
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=region)
    return session.client("lambda", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60))


def fn_arn(name, qualifier=None, region=REGION):
    arn = "arn:aws:lambda:%s:%s:function:%s" % (region, ACCOUNT, name)
    return arn + ":" + qualifier if qualifier else arn


class LambdaMixin:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = lambda_client(cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        close_client(cls.lam)
        super().tearDownClass()

    def reconnect_client(self):
        close_client(self.lam)
        type(self).lam = lambda_client(self.server.endpoint)

    def new_function(self, tag="fn", zip_bytes=None, **kwargs):
        name = "it-%s-%s" % (tag, uuid.uuid4().hex[:8])
        params = dict(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                      Code={"ZipFile": zip_bytes or make_zip()})
        params.update(kwargs)
        created = self.lam.create_function(**params)
        return name, created

    def assertError(self, fn, code, message=None, status=400, message_prefix=None):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        err = cm.exception.response["Error"]
        self.assertEqual(err.get("Code"), code, cm.exception.response)
        if message is not None:
            self.assertEqual(err.get("Message"), message, cm.exception.response)
        if message_prefix is not None:
            self.assertTrue(err.get("Message", "").startswith(message_prefix), cm.exception.response)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], status,
                         cm.exception.response)
        return cm.exception


class LambdaSmokeTest(LambdaMixin, EddyTestCase):
    """What every client generation must manage (also run with Debian's boto3 1.26)."""

    server_in_memory = True

    def test_create_get_list_invoke_delete(self):
        zip_bytes = make_zip()
        name, created = self.new_function("smoke", zip_bytes)
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(created["State"], "Pending")
        got = self.lam.get_function(FunctionName=name)
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["CodeSize"], len(zip_bytes))
        with urllib.request.urlopen(got["Code"]["Location"]) as resp:
            self.assertEqual(resp.read(), zip_bytes)
        names = [f["FunctionName"] for f in self.lam.list_functions()["Functions"]]
        self.assertIn(name, names)
        self.assertEqual(self.lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"], 204)
        self.assertEqual(self.lam.invoke(FunctionName=name, InvocationType="Event",
                                         Payload=b'{"x":1}')["StatusCode"], 202)
        sync = self.lam.invoke(FunctionName=name, Payload=b'{"x":1}')
        self.assertEqual(sync["StatusCode"], 200)
        self.assertEqual(sync["ExecutedVersion"], "$LATEST")
        self.assertTrue(sync["ResponseMetadata"]["RequestId"])
        self.lam.delete_function(FunctionName=name)
        self.assertError(lambda: self.lam.get_function(FunctionName=name), "ResourceNotFoundException",
                         "Function not found: " + fn_arn(name), status=404)

    def test_account_settings(self):
        settings = self.lam.get_account_settings()
        self.assertEqual(settings["AccountLimit"]["CodeSizeZipped"], 52428800)
        self.assertGreaterEqual(settings["AccountUsage"]["FunctionCount"], 0)


@unittest.skipIf(SMOKE_ONLY, "smoke subset only")
class LambdaApiTest(LambdaMixin, EddyTestCase):
    server_in_memory = True

    # ---- functions, states and waiters ----

    def test_create_reports_pending_then_waiters_pass(self):
        name, created = self.new_function(
            "tour", Description="d", Timeout=30, MemorySize=256,
            Environment={"Variables": {"STAGE": "dev"}}, Tags={"team": "a"},
            Architectures=["arm64"], EphemeralStorage={"Size": 1024})
        self.assertEqual(created["State"], "Pending")
        self.assertEqual(created["StateReasonCode"], "Creating")
        self.assertNotIn("LastUpdateStatus", created)
        self.assertEqual(created["FunctionArn"], fn_arn(name))
        self.assertEqual(created["Version"], "$LATEST")
        self.assertEqual(created["Environment"], {"Variables": {"STAGE": "dev"}})
        self.assertEqual(created["Architectures"], ["arm64"])
        self.assertEqual(created["EphemeralStorage"], {"Size": 1024})
        self.assertEqual(created["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name})
        self.assertEqual(created["PackageType"], "Zip")
        self.assertEqual(created["TracingConfig"], {"Mode": "PassThrough"})
        self.assertEqual(len(base64.b64decode(created["CodeSha256"])), 32)
        self.lam.get_waiter("function_active_v2").wait(FunctionName=name,
                                                       WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        self.lam.get_waiter("function_active").wait(FunctionName=name,
                                                    WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        self.lam.get_waiter("function_exists").wait(FunctionName=name,
                                                    WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        got = self.lam.get_function(FunctionName=name)
        self.assertEqual(got["Configuration"]["LastUpdateStatus"], "Successful")
        self.assertEqual(got["Tags"], {"team": "a"})
        self.assertNotIn("Concurrency", got)
        by_arn = self.lam.get_function_configuration(FunctionName=fn_arn(name))
        self.assertEqual(by_arn["RevisionId"], got["Configuration"]["RevisionId"])
        partial = self.lam.get_function_configuration(FunctionName="%s:function:%s" % (ACCOUNT, name))
        self.assertEqual(partial["FunctionName"], name)
        latest = self.lam.get_function_configuration(FunctionName=name, Qualifier="$LATEST")
        self.assertEqual(latest["FunctionArn"], fn_arn(name, "$LATEST"))

    def test_update_configuration_and_code(self):
        name, created = self.new_function("upd")
        updated = self.lam.update_function_configuration(FunctionName=name, Timeout=60,
                                                         Environment={"Variables": {"AA": "1"}})
        self.assertEqual(updated["LastUpdateStatus"], "InProgress")
        self.assertEqual(updated["Timeout"], 60)
        self.assertNotEqual(updated["RevisionId"], created["RevisionId"])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=name,
                                                        WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        self.lam.get_waiter("function_updated").wait(FunctionName=name,
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        self.assertError(lambda: self.lam.update_function_configuration(
            FunctionName=name, Timeout=5, RevisionId=created["RevisionId"]),
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetFunction/GetAlias API to retrieve the latest Revision Id", status=412)
        new_zip = make_zip({"app.py": ("def handler(e, c):\n    return 2\n", 0o644)})
        code = self.lam.update_function_code(FunctionName=name, ZipFile=new_zip,
                                             RevisionId=updated["RevisionId"])
        self.assertEqual(code["LastUpdateStatus"], "InProgress")
        self.assertEqual(code["CodeSize"], len(new_zip))
        self.assertEqual(code["Timeout"], 60)
        got = self.lam.get_function(FunctionName=name)
        with urllib.request.urlopen(got["Code"]["Location"]) as resp:
            self.assertEqual(resp.read(), new_zip)
        self.assertEqual(got["Configuration"]["Environment"], {"Variables": {"AA": "1"}})

    def test_versions_publish_and_list(self):
        name, _ = self.new_function("ver")
        v1 = self.lam.publish_version(FunctionName=name, Description="first")
        self.assertEqual(v1["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(v1["Version"], "1")
        self.assertEqual(v1["FunctionArn"], fn_arn(name, "1"))
        self.assertEqual(v1["Description"], "first")
        self.lam.get_waiter("published_version_active").wait(
            FunctionName=name, Qualifier="1", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
        # Nothing changed since version 1: publishing returns it again.
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "1")
        self.assertError(lambda: self.lam.publish_version(FunctionName=name, CodeSha256="bogus"),
                         "InvalidParameterValueException",
                         "CodeSHA256 (bogus) is different from current CodeSHA256 in $LATEST (%s). "
                         "Please try again with the CodeSHA256 in $LATEST." % v1["CodeSha256"])
        v2 = self.lam.update_function_code(FunctionName=name, Publish=True, ZipFile=make_zip(
            {"app.py": ("def handler(e, c):\n    return 'v2'\n", 0o644)}))
        self.assertEqual(v2["Version"], "2")
        versions = self.lam.list_versions_by_function(FunctionName=name)["Versions"]
        self.assertEqual([v["Version"] for v in versions], ["$LATEST", "1", "2"])
        self.assertEqual(versions[0]["FunctionArn"], fn_arn(name, "$LATEST"))
        all_fns = [f["FunctionArn"] for f in self.lam.get_paginator("list_functions").paginate(
            FunctionVersion="ALL").build_full_result()["Functions"]]
        self.assertIn(fn_arn(name, "2"), all_fns)
        inv = self.lam.invoke(FunctionName=name, Qualifier="1", InvocationType="DryRun")
        self.assertEqual(inv["StatusCode"], 204)
        self.assertEqual(self.lam.invoke(FunctionName=name + ":2")["ExecutedVersion"], "2")
        self.assertError(lambda: self.lam.invoke(FunctionName=name, Qualifier="9"),
                         "ResourceNotFoundException", "Function not found: " + fn_arn(name, "9"),
                         status=404)

    def test_aliases_and_weights(self):
        name, _ = self.new_function("alias")
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_configuration(FunctionName=name, Timeout=9)
        self.lam.publish_version(FunctionName=name)
        alias = self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                      Description="prod")
        self.assertEqual(alias["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(alias["AliasArn"], fn_arn(name, "live"))
        self.assertError(lambda: self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1"),
                         "ResourceConflictException", "Alias already exists: " + fn_arn(name, "live"),
                         status=409)
        self.assertError(lambda: self.lam.create_alias(FunctionName=name, Name="123", FunctionVersion="1"),
                         "ValidationException", message_prefix="1 validation error detected: Value '123' "
                         "at 'name' failed to satisfy constraint")
        self.assertError(lambda: self.lam.update_alias(FunctionName=name, Name="live", RevisionId="x"),
                         "PreconditionFailedException", status=412)
        updated = self.lam.update_alias(FunctionName=name, Name="live", RoutingConfig={
            "AdditionalVersionWeights": {"2": 0.5}}, RevisionId=alias["RevisionId"])
        self.assertEqual(updated["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.5}})
        self.assertError(lambda: self.lam.update_alias(FunctionName=name, Name="live", RoutingConfig={
            "AdditionalVersionWeights": {"1": 0.5, "2": 0.5}}), "InvalidParameterValueException",
            "Number of items in AdditionalVersionWeights cannot be greater than 1")
        seen = {self.lam.invoke(FunctionName=name, Qualifier="live")["ExecutedVersion"] for _ in range(30)}
        self.assertEqual(seen, {"1", "2"})
        self.assertEqual([a["Name"] for a in self.lam.list_aliases(FunctionName=name)["Aliases"]], ["live"])
        self.assertEqual(self.lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"][0]["Name"],
                         "live")
        self.assertEqual(self.lam.get_function(FunctionName=name, Qualifier="live")["Configuration"]["Version"],
                         "1")
        self.assertError(lambda: self.lam.delete_function(FunctionName=name, Qualifier="1"),
                         "ResourceConflictException", status=409)
        self.lam.delete_alias(FunctionName=name, Name="live")
        self.assertError(lambda: self.lam.get_alias(FunctionName=name, Name="live"),
                         "ResourceNotFoundException", "Cannot find alias arn: " + fn_arn(name, "live"),
                         status=404)
        self.lam.delete_function(FunctionName=name, Qualifier="1")
        versions = [v["Version"] for v in self.lam.list_versions_by_function(FunctionName=name)["Versions"]]
        self.assertEqual(versions, ["$LATEST", "2"])

    # ---- errors ----

    def test_create_errors(self):
        name, _ = self.new_function("dup")
        self.assertError(lambda: self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip()}), "ResourceConflictException",
            "Function already exist: " + name, status=409)

        def create(**kw):
            params = dict(FunctionName="it-err-" + uuid.uuid4().hex[:8], Runtime="python3.12", Role=ROLE,
                          Handler="app.handler", Code={"ZipFile": make_zip()})
            params.update(kw)
            params = {k: v for k, v in params.items() if v is not None}
            return lambda: self.lam.create_function(**params)

        self.assertError(create(Role="r1"), "ValidationException",
                         "1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern: "
                         "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+")
        self.assertError(create(Runtime="python3.7"), "InvalidParameterValueException",
                         "The runtime parameter of python3.7 is no longer supported for creating or "
                         "updating AWS Lambda functions. We recommend you use a supported runtime while "
                         "creating or updating functions.")
        self.assertError(create(Runtime="non-existent-runtime"), "InvalidParameterValueException",
                         message_prefix="Value non-existent-runtime at 'runtime' failed to satisfy "
                         "constraint: Member must satisfy enum value set: [nodejs, ")
        self.assertError(create(Code={"ZipFile": b"not a zip"}), "InvalidParameterValueException",
                         "Could not unzip uploaded file. Please check your file, then try to upload again.")
        self.assertError(create(Code={"S3Bucket": "my-bucket", "S3Key": "code.zip"}), "InvalidParameterValueException")
        self.assertError(create(Timeout=901), "ValidationException",
                         "1 validation error detected: Value '901' at 'timeout' failed to satisfy "
                         "constraint: Member must have value less than or equal to 900")
        self.assertError(create(MemorySize=20000), "ValidationException",
                         message_prefix="1 validation error detected: Value '20000' at 'memorySize'")
        self.assertError(create(Architectures=["x86_64", "arm64"]), "ValidationException",
                         "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed "
                         "to satisfy constraint: Member must have length less than or equal to 1")
        self.assertError(create(Environment={"Variables": {"AWS_REGION": "x"}}),
                         "InvalidParameterValueException",
                         "Lambda was unable to configure your environment variables because the "
                         "environment variables you have provided contains reserved keys that are "
                         "currently not supported for modification. Reserved keys used in this request: "
                         "AWS_REGION")
        big = {"K%d" % i: "v" * 100 for i in range(50)}
        self.assertError(create(Environment={"Variables": big}), "InvalidParameterValueException",
                         message_prefix="Lambda was unable to configure your environment variables "
                         "because the environment variables you have provided exceeded the 4KB limit. "
                         "String measured: {")
        self.assertError(create(Handler=None), "InvalidParameterValueException",
                         "Runtime and Handler are mandatory parameters for functions created with "
                         "deployment packages.")
        self.assertError(create(FunctionName="x" * 65), "InvalidParameterValueException",
                         message_prefix="1 validation error detected: Value '%s' at 'functionName'" % ("x" * 65))

    def test_name_and_qualifier_errors(self):
        name, _ = self.new_function("names")
        self.assertError(lambda: self.lam.get_function(FunctionName=fn_arn(name, region="ap-southeast-1")),
                         "ResourceNotFoundException",
                         "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')",
                         status=404)
        self.assertError(lambda: self.lam.get_function(FunctionName=name + ":1", Qualifier="2"),
                         "InvalidParameterValueException",
                         "The derived qualifier from the function name does not match the specified "
                         "qualifier.")
        self.assertError(lambda: self.lam.get_function(FunctionName="bad name!"), "ValidationException",
                         message_prefix="1 validation error detected: Value 'bad name!' at 'functionName' "
                         "failed to satisfy constraint: Member must satisfy regular expression pattern")
        self.assertError(lambda: self.lam.delete_function(FunctionName=name, Qualifier="$LATEST"),
                         "InvalidParameterValueException",
                         "$LATEST version cannot be deleted without deleting the function.")
        self.assertError(lambda: self.lam.delete_function(FunctionName="it-missing-fn"),
                         "ResourceNotFoundException", "Function not found: " + fn_arn("it-missing-fn"),
                         status=404)
        self.assertError(lambda: self.lam.invoke(FunctionName="it-missing-fn"), "ResourceNotFoundException",
                         "Function not found: " + fn_arn("it-missing-fn", "$LATEST"), status=404)
        self.assertError(lambda: self.lam.invoke(FunctionName=name, InvocationType="Sometimes"),
                         "ValidationException",
                         "1 validation error detected: Value 'Sometimes' at 'invocationType' failed to "
                         "satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, "
                         "DryRun]")
        self.assertError(lambda: self.lam.invoke(FunctionName=name, Payload=b"{not json"),
                         "InvalidRequestContentException",
                         message_prefix="Could not parse request body into json: Could not parse payload "
                         "into json: ")
        self.assertError(lambda: self.lam.invoke(FunctionName=name, InvocationType="Event",
                                                 Payload=b'"' + b"x" * (1024 * 1024) + b'"'),
                         "RequestEntityTooLargeException",
                         "Request must be smaller than 1048576 bytes for the InvokeFunction operation",
                         status=413)

    # ---- concurrency ----

    def test_reserved_concurrency(self):
        name, _ = self.new_function("conc")
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name).get(
            "ReservedConcurrentExecutions"), None)
        before = self.lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
        put = self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=10)
        self.assertEqual(put["ReservedConcurrentExecutions"], 10)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"], 10)
        self.assertEqual(self.lam.get_function(FunctionName=name)["Concurrency"],
                         {"ReservedConcurrentExecutions": 10})
        self.assertEqual(self.lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"],
                         before - 10)
        self.assertError(lambda: self.lam.put_function_concurrency(FunctionName=name,
                                                                   ReservedConcurrentExecutions=before),
                         "InvalidParameterValueException",
                         "Specified ReservedConcurrentExecutions for function decreases account's "
                         "UnreservedConcurrentExecution below its minimum value of [100].")
        self.assertError(lambda: self.lam.put_function_concurrency(FunctionName=name + ":1",
                                                                   ReservedConcurrentExecutions=1),
                         "InvalidParameterValueException",
                         "This operation is permitted on Lambda functions only. Aliases and versions do "
                         "not support this operation. Please specify either a function name or an "
                         "unqualified function ARN.")
        deleted = self.lam.delete_function_concurrency(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertNotIn("ReservedConcurrentExecutions", self.lam.get_function_concurrency(FunctionName=name))

    def test_provisioned_concurrency(self):
        name, _ = self.new_function("pc")
        self.lam.publish_version(FunctionName=name)
        put = self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1",
                                                          ProvisionedConcurrentExecutions=2)
        self.assertEqual(put["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(put["Status"], "IN_PROGRESS")
        self.assertEqual(put["RequestedProvisionedConcurrentExecutions"], 2)
        got = self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
        self.assertEqual(got["RequestedProvisionedConcurrentExecutions"], 2)
        self.assertIn(got["Status"], ("IN_PROGRESS", "READY", "FAILED"))
        configs = self.lam.list_provisioned_concurrency_configs(FunctionName=name)
        self.assertEqual([c["FunctionArn"] for c in configs["ProvisionedConcurrencyConfigs"]],
                         [fn_arn(name, "1")])
        self.assertError(lambda: self.lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1),
            "InvalidParameterValueException",
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        self.assertError(lambda: self.lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier="nope", ProvisionedConcurrentExecutions=1),
            "ResourceNotFoundException", "Cannot find alias arn: " + fn_arn(name, "nope"), status=404)
        self.lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
        self.assertError(lambda: self.lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1"),
                         "ProvisionedConcurrencyConfigNotFoundException",
                         "No Provisioned Concurrency Config found for this function", status=404)

    # ---- event invoke configs ----

    def test_event_invoke_config(self):
        name, _ = self.new_function("eic")
        dest, _ = self.new_function("dest")
        put = self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        self.assertEqual(put["FunctionArn"], fn_arn(name, "$LATEST"))
        self.assertEqual(put["MaximumRetryAttempts"], 1)
        self.assertNotIn("MaximumEventAgeInSeconds", put)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})
        merged = self.lam.update_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=120,
            DestinationConfig={"OnFailure": {"Destination": fn_arn(dest)}})
        self.assertEqual((merged["MaximumRetryAttempts"], merged["MaximumEventAgeInSeconds"]), (1, 120))
        self.assertEqual(merged["DestinationConfig"]["OnFailure"], {"Destination": fn_arn(dest)})
        self.assertEqual(len(self.lam.list_function_event_invoke_configs(FunctionName=name)[
            "FunctionEventInvokeConfigs"]), 1)
        self.assertError(lambda: self.lam.put_function_event_invoke_config(FunctionName=name),
                         "InvalidParameterValueException",
                         "You must specify at least one of error handling or destination setting.")
        self.assertError(lambda: self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": fn_arn(name)}}),
            "InvalidParameterValueException", "You can't specify the function as a destination for itself.")
        self.assertError(lambda: self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": fn_arn("doesnotexist")}}),
            "InvalidParameterValueException",
            "The destination ARN %s is invalid." % fn_arn("doesnotexist"))
        self.lam.delete_function_event_invoke_config(FunctionName=name)
        self.assertError(lambda: self.lam.get_function_event_invoke_config(FunctionName=name),
                         "ResourceNotFoundException",
                         "The function %s doesn't have an EventInvokeConfig" % fn_arn(name, "$LATEST"),
                         status=404)

    # ---- permissions and tags ----

    def test_permissions(self):
        name, _ = self.new_function("perm")
        added = self.lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                                        Principal="events.amazonaws.com",
                                        SourceArn="arn:aws:events:us-east-1:%s:rule/r" % ACCOUNT)
        statement = json.loads(added["Statement"])
        self.assertEqual(statement["Principal"], {"Service": "events.amazonaws.com"})
        self.assertEqual(statement["Resource"], fn_arn(name))
        self.assertEqual(statement["Condition"]["ArnLike"]["AWS:SourceArn"],
                         "arn:aws:events:us-east-1:%s:rule/r" % ACCOUNT)
        self.assertError(lambda: self.lam.add_permission(
            FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com"), "ResourceConflictException",
            "The statement id (events) provided already exists. Please provide a new statement id, or "
            "remove the existing statement.", status=409)
        self.assertError(lambda: self.lam.add_permission(
            FunctionName=name, StatementId="x", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
            Qualifier="$LATEST"), "InvalidParameterValueException",
            "We currently do not support adding policies for $LATEST.")
        policy = self.lam.get_policy(FunctionName=name)
        doc = json.loads(policy["Policy"])
        self.assertEqual([s["Sid"] for s in doc["Statement"]], ["events"])
        self.assertEqual(policy["RevisionId"], self.lam.get_function(FunctionName=name)["Configuration"]["RevisionId"])
        self.lam.remove_permission(FunctionName=name, StatementId="events")
        self.assertError(lambda: self.lam.get_policy(FunctionName=name), "ResourceNotFoundException",
                         "No policy is associated with the given resource.", status=404)

    def test_tags(self):
        name, _ = self.new_function("tags", Tags={"a": "1"})
        arn = fn_arn(name)
        self.lam.tag_resource(Resource=arn, Tags={"b": "2"})
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"a": "1", "b": "2"})
        self.lam.untag_resource(Resource=arn, TagKeys=["a"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"b": "2"})
        self.assertError(lambda: self.lam.list_tags(Resource=fn_arn("it-missing-tags")),
                         "ResourceNotFoundException", status=404)

    def test_list_functions_pages(self):
        names = sorted(self.new_function("page")[0] for _ in range(3))
        first = self.lam.list_functions(MaxItems=2)
        self.assertEqual(len(first["Functions"]), 2)
        self.assertIn("NextMarker", first)
        listed = [f["FunctionName"] for f in
                  self.lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2})
                  .build_full_result()["Functions"]]
        for n in names:
            self.assertIn(n, listed)
        self.assertEqual(len(listed), len(set(listed)))

    # ---- raw wire details ----

    def test_raw_routes_headers_and_unknown_operations(self):
        raw = RawClient(self.server.host, self.server.port)
        try:
            signed = dict(region=REGION)
            r = raw.request("GET", "/2015-03-31/functions/", headers={})
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.header("x-amzn-RequestId"))
            r = raw.request("GET", "/2015-03-31/functions/it-missing-raw/configuration/")
            self.assertEqual(r.status, 404)
            self.assertEqual(r.header("x-amzn-ErrorType"), "ResourceNotFoundException")
            self.assertEqual(r.json(), {"Type": "User", "Message": "Function not found: " + fn_arn("it-missing-raw")})
            r = raw.request("GET", "/2015-03-31/functions/x/nonsense")
            self.assertEqual(r.status, 404)
            self.assertEqual(r.header("x-amzn-ErrorType"), "UnknownOperationException")
            r = raw.request("PATCH", "/2015-03-31/functions")
            self.assertEqual(r.header("x-amzn-ErrorType"), "UnknownOperationException")
            r = raw.request("POST", "/2015-03-31/functions", body=b"{oops")
            self.assertEqual(r.status, 400)
            self.assertEqual(r.header("x-amzn-ErrorType"), "InvalidRequestContentException")
            r = raw.request("GET", "/_eddy/lambda/code/" + "0" * 64 + ".zip", sign=False)
            self.assertEqual(r.status, 404)
            del signed
        finally:
            raw.close()

    def test_health_lists_lambda(self):
        with urllib.request.urlopen(self.server.endpoint + "/_localstack/health") as resp:
            self.assertEqual(json.loads(resp.read())["services"]["lambda"], "running")


@unittest.skipIf(SMOKE_ONLY, "smoke subset only")
class LambdaPersistenceTest(LambdaMixin, EddyTestCase):
    """Everything the control plane knows survives a restart on the same data directory."""

    def test_state_survives_restart_and_kill9(self):
        zip_bytes = make_zip({"app.py": ("def handler(e, c):\n    return 1\n", 0o644),
                              "bootstrap": ("#!/bin/sh\nexit 0\n", 0o755)})
        name, _ = self.new_function("persist", zip_bytes, Tags={"k": "v"},
                                    Environment={"Variables": {"AB": "b"}})
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
        self.lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                                    ProvisionedConcurrentExecutions=1)
        self.lam.put_function_event_invoke_config(FunctionName=name, Qualifier="live", MaximumRetryAttempts=0)
        self.lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                                Principal="s3.amazonaws.com")
        before = self.lam.get_function(FunctionName=name)

        for stop in (self.server.stop, self.server.kill9):
            stop()
            self.server.start()
            self.reconnect_client()
            after = self.lam.get_function(FunctionName=name)
            self.assertEqual(after["Configuration"], before["Configuration"])
            self.assertEqual(after["Tags"], {"k": "v"})
            self.assertEqual(after["Concurrency"], {"ReservedConcurrentExecutions": 7})
            with urllib.request.urlopen(after["Code"]["Location"]) as resp:
                self.assertEqual(resp.read(), zip_bytes)
            self.assertEqual(self.lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"], "1")
            self.assertEqual([v["Version"] for v in self.lam.list_versions_by_function(
                FunctionName=name)["Versions"]], ["$LATEST", "1"])
            self.assertEqual(self.lam.get_provisioned_concurrency_config(
                FunctionName=name, Qualifier="live")["RequestedProvisionedConcurrentExecutions"], 1)
            self.assertEqual(self.lam.get_function_event_invoke_config(
                FunctionName=name, Qualifier="live")["MaximumRetryAttempts"], 0)
            self.assertIn("s3", self.lam.get_policy(FunctionName=name)["Policy"])
            # The unpacked package kept the executable bit.
            sha_hex = base64.b64decode(before["Configuration"]["CodeSha256"]).hex()
            bootstrap = os.path.join(self.server.data_dir, "lambda", "tasks", sha_hex, "bootstrap")
            self.assertTrue(os.access(bootstrap, os.X_OK), bootstrap)

    def test_replaced_code_is_collected(self):
        name, first = self.new_function("gc")
        old_hex = base64.b64decode(first["CodeSha256"]).hex()
        zip_path = os.path.join(self.server.data_dir, "lambda", "code", old_hex + ".zip")
        self.assertTrue(os.path.exists(zip_path))
        self.lam.update_function_code(FunctionName=name, ZipFile=make_zip(
            {"app.py": ("def handler(e, c):\n    return 'gc'\n", 0o644)}))
        self.lam.tag_resource(Resource=fn_arn(name), Tags={"any": "change"})  # collection runs on writes
        self.assertFalse(os.path.exists(zip_path))
        self.assertFalse(os.path.exists(os.path.join(self.server.data_dir, "lambda", "tasks", old_hex)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
