"""Lambda event source mappings for SQS (control plane only) driven by boto3.

Run: EDDY_BIN=build/eddy python3 tests/integration/test_lambda_esm_api.py -v

Creates real SQS queues and Lambda functions on eddy and checks Create/Get/List/Update/Delete, AWS's
error codes and texts, tags on mapping ARNs and persistence across restarts. No messages are
delivered here (that is the poller's suite).
"""

import io
import os
import sys
import unittest
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, EddyTestCase,  # noqa: E402
                          close_client, import_boto3, make_client)

ROLE = "arn:aws:iam::%s:role/lambda-role" % ACCOUNT


def make_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return None\n")
    return buf.getvalue()


def lambda_client(endpoint):
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    return session.client("lambda", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60))


def fn_arn(name, qualifier=None):
    arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, name)
    return arn + ":" + qualifier if qualifier else arn


class EsmTestBase(EddyTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connect()

    @classmethod
    def connect(cls):
        cls.lam = lambda_client(cls.server.endpoint)
        cls.sqs = make_client(cls.server.endpoint)

    @classmethod
    def disconnect(cls):
        close_client(cls.lam)
        close_client(cls.sqs)

    @classmethod
    def tearDownClass(cls):
        cls.disconnect()
        super().tearDownClass()

    def new_function(self, prefix="fn", timeout=3):
        name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
                                 Code={"ZipFile": make_zip()}, Timeout=timeout)
        return name

    def new_queue(self, prefix="q", fifo=False, visibility=30):
        name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
        attrs = {"VisibilityTimeout": str(visibility)}
        if fifo:
            name += ".fifo"
            attrs["FifoQueue"] = "true"
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def assertError(self, ctx, code, status, message=None):
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message)


class EsmApiTest(EsmTestBase):
    def test_lifecycle(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        created = self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue)
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 202)
        uid = created["UUID"]
        self.assertEqual(created["State"], "Creating")
        self.assertEqual(created["StateTransitionReason"], "USER_INITIATED")
        self.assertEqual(created["BatchSize"], 10)
        self.assertEqual(created["MaximumBatchingWindowInSeconds"], 0)
        self.assertEqual(created["FunctionArn"], fn_arn(fn))
        self.assertEqual(created["EventSourceArn"], queue)
        self.assertEqual(created["FunctionResponseTypes"], [])
        self.assertEqual(created["EventSourceMappingArn"],
                         "arn:aws:lambda:%s:%s:event-source-mapping:%s" % (REGION, ACCOUNT, uid))
        self.assertNotIn("FilterCriteria", created)
        self.assertNotIn("ScalingConfig", created)

        got = self.lam.get_event_source_mapping(UUID=uid)
        self.assertEqual(got["State"], "Enabled")
        self.assertEqual(got["LastProcessingResult"], "No records processed")
        self.assertEqual(got["LastModified"], created["LastModified"])

        pattern = '{"body":{"RequestCode":["BBBB"]}}'
        updated = self.lam.update_event_source_mapping(
            UUID=uid, Enabled=False, BatchSize=50, MaximumBatchingWindowInSeconds=2,
            FunctionResponseTypes=["ReportBatchItemFailures"], ScalingConfig={"MaximumConcurrency": 5},
            FilterCriteria={"Filters": [{"Pattern": pattern}]})
        self.assertEqual(updated["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(updated["State"], "Disabling")
        self.assertEqual(updated["BatchSize"], 50)
        self.assertEqual(updated["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(updated["ScalingConfig"], {"MaximumConcurrency": 5})
        self.assertEqual(updated["FilterCriteria"], {"Filters": [{"Pattern": pattern}]})
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uid)["State"], "Disabled")
        self.assertEqual(self.lam.update_event_source_mapping(UUID=uid, Enabled=True)["State"], "Enabling")
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uid)["State"], "Enabled")

        by_fn = self.lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
        self.assertEqual([m["UUID"] for m in by_fn], [uid])
        by_queue = self.lam.list_event_source_mappings(EventSourceArn=queue)["EventSourceMappings"]
        self.assertEqual([m["UUID"] for m in by_queue], [uid])

        deleted = self.lam.delete_event_source_mapping(UUID=uid)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(deleted["State"], "Deleting")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_event_source_mapping(UUID=uid)

    def test_qualified_function_and_paginator(self):
        fn = self.new_function()
        self.lam.publish_version(FunctionName=fn)
        self.lam.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
        queues = [self.new_queue()[1] for _ in range(3)]
        uids = set()
        for q in queues:
            m = self.lam.create_event_source_mapping(FunctionName=fn + ":live", EventSourceArn=q, BatchSize=5)
            self.assertEqual(m["FunctionArn"], fn_arn(fn, "live"))
            uids.add(m["UUID"])
        pages = self.lam.get_paginator("list_event_source_mappings").paginate(
            FunctionName=fn, PaginationConfig={"PageSize": 2})
        seen = [m["UUID"] for page in pages for m in page["EventSourceMappings"]]
        self.assertEqual(sorted(seen), sorted(uids))

    def test_tags_on_mapping_arn(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        m = self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue, Tags={"a": "1"})
        arn = m["EventSourceMappingArn"]
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"a": "1"})
        self.lam.tag_resource(Resource=arn, Tags={"b": "2"})
        self.lam.untag_resource(Resource=arn, TagKeys=["a"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"b": "2"})

    def test_deleting_the_function_keeps_the_mapping(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        uid = self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue)["UUID"]
        self.lam.delete_function(FunctionName=fn)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=uid)["FunctionArn"], fn_arn(fn))


class EsmErrorsTest(EsmTestBase):
    def test_missing_function_queue_and_source(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as ctx:
            self.lam.create_event_source_mapping(FunctionName="ghost-" + uuid.uuid4().hex[:6],
                                                 EventSourceArn=queue)
        self.assertError(ctx, "InvalidParameterValueException", 400, "Function does not exist")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as ctx:
            self.lam.create_event_source_mapping(
                FunctionName=fn, EventSourceArn="arn:aws:sqs:%s:%s:nope-%s" % (REGION, ACCOUNT, uuid.uuid4().hex[:6]))
        self.assertError(ctx, "InvalidParameterValueException", 400,
                         "Error occurred while ReceiveMessage. SQS Error Code: "
                         "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
                         "does not exist.")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as ctx:
            self.lam.create_event_source_mapping(FunctionName=fn)
        self.assertError(ctx, "InvalidParameterValueException", 400, "Unrecognized event source.")

    def test_duplicate_is_a_conflict(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        uid = self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue)["UUID"]
        with self.assertRaises(self.lam.exceptions.ResourceConflictException) as ctx:
            self.lam.create_event_source_mapping(FunctionName=fn_arn(fn), EventSourceArn=queue)
        self.assertError(ctx, "ResourceConflictException", 409,
                         'An event source mapping with SQS arn (" %s ") and function (" %s ") already exists. '
                         "Please update or delete the existing mapping with UUID %s" % (queue, fn, uid))

    def test_batching_and_scaling_rules(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as ctx:
            self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue, BatchSize=11)
        self.assertError(ctx, "InvalidParameterValueException", 400,
                         "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                         "greater than 10")
        _, fifo = self.new_queue(fifo=True)
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException):
            self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=fifo, BatchSize=11,
                                                 MaximumBatchingWindowInSeconds=1)
        botocore_exceptions = __import__("botocore.exceptions", fromlist=["ClientError"])
        with self.assertRaises(botocore_exceptions.ClientError) as ctx:
            self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue,
                                                 ScalingConfig={"MaximumConcurrency": 1001})
        self.assertError(ctx, "ValidationException", 400)
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as ctx:
            self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue,
                                                 FilterCriteria={"Filters": [{"Pattern": '{"body": "x"}'}]})
        self.assertError(ctx, "InvalidParameterValueException", 400, "Invalid filter pattern definition.")

    def test_function_timeout_above_visibility_timeout(self):
        fn = self.new_function(timeout=120)
        _, queue = self.new_queue(visibility=60)
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException) as ctx:
            self.lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=queue)
        self.assertError(ctx, "InvalidParameterValueException", 400,
                         "Queue visibility timeout: 60 seconds is less than Function timeout: 120 seconds")

    def test_unknown_uuid(self):
        missing = str(uuid.uuid4())
        for call in (lambda: self.lam.get_event_source_mapping(UUID=missing),
                     lambda: self.lam.update_event_source_mapping(UUID=missing, BatchSize=5),
                     lambda: self.lam.delete_event_source_mapping(UUID=missing)):
            with self.assertRaises(self.lam.exceptions.ResourceNotFoundException) as ctx:
                call()
            self.assertError(ctx, "ResourceNotFoundException", 404)


class EsmPersistenceTest(EsmTestBase):
    def test_mappings_survive_restart_and_kill9(self):
        fn = self.new_function()
        _, queue = self.new_queue()
        pattern = '{"body":{"k":["v"]}}'
        uid = self.lam.create_event_source_mapping(
            FunctionName=fn, EventSourceArn=queue, Enabled=False, BatchSize=20, MaximumBatchingWindowInSeconds=3,
            FunctionResponseTypes=["ReportBatchItemFailures"], ScalingConfig={"MaximumConcurrency": 4},
            FilterCriteria={"Filters": [{"Pattern": pattern}]}, Tags={"t": "1"})["UUID"]
        before = self.lam.get_event_source_mapping(UUID=uid)
        before.pop("ResponseMetadata")
        for stop in (self.server.stop, self.server.kill9):
            stop()
            self.server.start()
            type(self).disconnect()
            type(self).connect()
            after = self.lam.get_event_source_mapping(UUID=uid)
            after.pop("ResponseMetadata")
            self.assertEqual(after, before)
            self.assertEqual(self.lam.list_tags(Resource=after["EventSourceMappingArn"])["Tags"], {"t": "1"})
        self.lam.delete_event_source_mapping(UUID=uid)
        self.server.stop()
        self.server.start()
        type(self).disconnect()
        type(self).connect()
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_event_source_mapping(UUID=uid)


if __name__ == "__main__":
    unittest.main()
