"""IAM roles and policies against eddy: boto3 (`iam` client, AWS Query/XML) and the AWS CLI v1
(`aws iam ...` with file:// policy documents), the way deploy scripts create a Lambda role.

Eddy stores roles and policies and enforces nothing; these tests check AWS's shapes, errors and
durability (a graceful restart and a kill -9 keep what was acknowledged).
Run: EDDY_BIN=build/eddy python3 tests/integration/test_iam.py -v
"""

import http.client
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import (AWS_CLI, ACCOUNT, ACCESS_KEY, REGION, SECRET_KEY, EddyTestCase,  # noqa: E402
                          close_client, import_boto3, make_client, sigv4_headers)


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
REDRIVE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Action": ["sqs:ReceiveMessage", "sqs:SendMessage", "sqs:DeleteMessage"],
                   "Resource": "arn:aws:sqs:us-east-1:%s:*" % ACCOUNT}],
}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def iam_client(endpoint):
    boto3 = import_boto3()
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    return session.client("iam", endpoint_url=endpoint, config=Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30))


def unique(tag):
    return "it-%s-%s" % (tag, uuid.uuid4().hex[:8])


class IamTestBase(EddyTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = iam_client(cls.server.endpoint)

    @classmethod
    def tearDownClass(cls):
        close_client(cls.iam)
        super().tearDownClass()

    def assertError(self, code, status, fn, *args, **kwargs):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn(*args, **kwargs)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertEqual(err["Error"]["Type"], "Sender", err)
        return err["Error"]["Message"]


class IamBoto3Test(IamTestBase):

    def test_role_lifecycle(self):
        name = unique("role")
        created = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST),
                                       Description="dlq redrive", Path="/service-role/",
                                       Tags=[{"Key": "app", "Value": "redrive"}])["Role"]
        self.assertEqual(created["RoleName"], name)
        self.assertEqual(created["Path"], "/service-role/")
        self.assertEqual(created["Arn"], "arn:aws:iam::%s:role/service-role/%s" % (ACCOUNT, name))
        self.assertRegex(created["RoleId"], r"^AROA[A-Z0-9]{17}$")
        self.assertEqual(created["AssumeRolePolicyDocument"], TRUST)  # botocore URL-decodes and parses
        self.assertEqual(created["Tags"], [{"Key": "app", "Value": "redrive"}])
        self.assertIsNotNone(created["CreateDate"].tzinfo)

        got = self.iam.get_role(RoleName=name)["Role"]
        for k in ("RoleName", "RoleId", "Arn", "Path", "CreateDate", "AssumeRolePolicyDocument"):
            self.assertEqual(got[k], created[k], k)
        self.assertEqual(got["Description"], "dlq redrive")
        self.assertEqual(got["MaxSessionDuration"], 3600)

        msg = self.assertError("EntityAlreadyExists", 409, self.iam.create_role, RoleName=name.upper(),
                               AssumeRolePolicyDocument=json.dumps(TRUST))
        self.assertEqual(msg, "Role with name %s already exists." % name.upper())

        # Trust policy updates; the document comes back as sent (white space included).
        trust2 = json.dumps(TRUST, indent=2)
        self.iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust2)
        self.assertEqual(self.iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"], TRUST)
        self.iam.update_role(RoleName=name, Description="changed", MaxSessionDuration=7200)
        got = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual((got["Description"], got["MaxSessionDuration"]), ("changed", 7200))

        self.iam.tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "dev"}])
        self.iam.untag_role(RoleName=name, TagKeys=["app"])
        self.assertEqual(self.iam.list_role_tags(RoleName=name)["Tags"], [{"Key": "env", "Value": "dev"}])

        names = [r["RoleName"] for r in self.iam.list_roles(PathPrefix="/service-role/")["Roles"]]
        self.assertIn(name, names)
        self.assertEqual(self.iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"], [])

        self.iam.delete_role(RoleName=name)
        msg = self.assertError("NoSuchEntity", 404, self.iam.get_role, RoleName=name)
        self.assertEqual(msg, "The role with name %s cannot be found." % name)

    def test_inline_policies(self):
        name = unique("inline")
        self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        self.iam.put_role_policy(RoleName=name, PolicyName="redrive",
                                 PolicyDocument=json.dumps(REDRIVE_POLICY))
        got = self.iam.get_role_policy(RoleName=name, PolicyName="redrive")
        self.assertEqual((got["RoleName"], got["PolicyName"]), (name, "redrive"))
        self.assertEqual(got["PolicyDocument"], REDRIVE_POLICY)
        self.assertEqual(self.iam.list_role_policies(RoleName=name)["PolicyNames"], ["redrive"])

        msg = self.assertError("DeleteConflict", 409, self.iam.delete_role, RoleName=name)
        self.assertEqual(msg, "Cannot delete entity, must delete policies first.")
        msg = self.assertError("NoSuchEntity", 404, self.iam.get_role_policy, RoleName=name,
                               PolicyName="other")
        self.assertEqual(msg, "The role policy with name other cannot be found.")
        msg = self.assertError("MalformedPolicyDocument", 400, self.iam.put_role_policy, RoleName=name,
                               PolicyName="bad", PolicyDocument="{not json")
        self.assertEqual(msg, "Syntax errors in policy.")

        self.iam.delete_role_policy(RoleName=name, PolicyName="redrive")
        self.assertEqual(self.iam.list_role_policies(RoleName=name)["PolicyNames"], [])
        self.iam.delete_role(RoleName=name)

    def test_managed_policies_and_attachments(self):
        role = unique("attach")
        policy_name = unique("policy")
        self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
        policy = self.iam.create_policy(PolicyName=policy_name, Path="/app/",
                                        PolicyDocument=json.dumps(REDRIVE_POLICY),
                                        Description="queues")["Policy"]
        arn = "arn:aws:iam::%s:policy/app/%s" % (ACCOUNT, policy_name)
        self.assertEqual(policy["Arn"], arn)
        self.assertEqual(policy["DefaultVersionId"], "v1")
        self.assertRegex(policy["PolicyId"], r"^ANPA[A-Z0-9]{17}$")
        self.assertTrue(policy["IsAttachable"])
        self.assertEqual(policy["AttachmentCount"], 0)
        msg = self.assertError("EntityAlreadyExists", 409, self.iam.create_policy, PolicyName=policy_name,
                               PolicyDocument="{}")
        self.assertEqual(msg, "A policy called %s already exists. Duplicate names are not allowed."
                         % policy_name)

        self.iam.attach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)  # AWS managed: unchecked
        self.iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        attached = self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        self.assertEqual(attached, [
            {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION},
            {"PolicyName": policy_name, "PolicyArn": arn},
        ])
        got = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual((got["AttachmentCount"], got["Description"]), (1, "queues"))
        version = self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
        self.assertEqual(version["Document"], REDRIVE_POLICY)
        self.assertTrue(version["IsDefaultVersion"])
        local = self.iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
        self.assertIn(arn, [p["Arn"] for p in local])

        missing = "arn:aws:iam::%s:policy/nope" % ACCOUNT
        msg = self.assertError("NoSuchEntity", 404, self.iam.attach_role_policy, RoleName=role,
                               PolicyArn=missing)
        self.assertEqual(msg, "Policy %s does not exist or is not attachable." % missing)
        msg = self.assertError("DeleteConflict", 409, self.iam.delete_policy, PolicyArn=arn)
        self.assertEqual(msg, "Cannot delete a policy attached to entities.")
        msg = self.assertError("DeleteConflict", 409, self.iam.delete_role, RoleName=role)
        self.assertEqual(msg, "Cannot delete entity, must detach all policies first.")

        self.iam.detach_role_policy(RoleName=role, PolicyArn=arn)
        self.iam.detach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)
        self.iam.delete_policy(PolicyArn=arn)
        self.iam.delete_role(RoleName=role)
        self.assertError("NoSuchEntity", 404, self.iam.get_policy, PolicyArn=arn)

    def test_validation(self):
        msg = self.assertError("ValidationError", 400, self.iam.create_role, RoleName="bad name!",
                               AssumeRolePolicyDocument=json.dumps(TRUST))
        self.assertEqual(msg, "1 validation error detected: Value 'bad name!' at 'roleName' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: "
                              "[\\w+=,.@-]+")
        msg = self.assertError("MalformedPolicyDocument", 400, self.iam.create_role, RoleName=unique("m"),
                               AssumeRolePolicyDocument="trust me")
        self.assertEqual(msg, "This policy contains invalid Json")

    def test_paginators_walk_every_role(self):
        prefix = "/page-%s/" % uuid.uuid4().hex[:6]
        names = sorted(unique("p%d" % i) for i in range(7))
        for n in names:
            self.iam.create_role(RoleName=n, Path=prefix, AssumeRolePolicyDocument=json.dumps(TRUST))
        pages = list(self.iam.get_paginator("list_roles").paginate(
            PathPrefix=prefix, PaginationConfig={"PageSize": 3}))
        self.assertEqual(len(pages), 3)
        self.assertEqual([r["RoleName"] for p in pages for r in p["Roles"]], names)
        for n in names:
            self.iam.delete_role(RoleName=n)

    def test_sqs_still_answers_query_requests_on_the_same_port(self):
        # IAM and SQS's Query protocol share POST /: the SigV4 scope decides.
        host = "%s:%d" % (self.server.host, self.server.port)
        for service, params, expect in (
                ("iam", {"Action": "ListRoles", "Version": "2010-05-08"}, b"<ListRolesResponse"),
                ("sqs", {"Action": "ListQueues", "Version": "2012-11-05"}, b"<ListQueuesResponse")):
            body = urllib.parse.urlencode(params).encode()
            headers = sigv4_headers("POST", host, "/", "", {
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body, service=service)
            conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
            try:
                conn.request("POST", "/", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            finally:
                conn.close()
            self.assertEqual(resp.status, 200, data)
            self.assertIn(expect, data)
        sqs = make_client(self.server.endpoint)
        try:
            url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
            self.assertIn(url, sqs.list_queues().get("QueueUrls", []))
        finally:
            close_client(sqs)

    def test_lambda_function_uses_the_created_role(self):
        # The deploy-script flow: role + inline policy + managed attachment, then a function with it.
        from lambda_fixture import make_aws_client, make_zip
        role = unique("fn-role")
        arn = self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        self.iam.put_role_policy(RoleName=role, PolicyName="redrive",
                                 PolicyDocument=json.dumps(REDRIVE_POLICY))
        self.iam.attach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)
        lam = make_aws_client("lambda", self.server.endpoint)
        try:
            fn = unique("fn")
            created = lam.create_function(FunctionName=fn, Runtime="python3.12", Role=arn,
                                          Handler="app.handler",
                                          Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return e\n"})})
            self.assertEqual(created["Role"], arn)
            lam.delete_function(FunctionName=fn)
        finally:
            close_client(lam)


class IamDurabilityTest(IamTestBase):

    def test_roles_and_policies_survive_restart_and_kill9(self):
        role = unique("durable")
        policy_name = unique("dpolicy")
        created = self.iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST),
                                       Tags=[{"Key": "k", "Value": "v"}])["Role"]
        self.iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps(REDRIVE_POLICY))
        arn = self.iam.create_policy(PolicyName=policy_name, PolicyDocument="{}")["Policy"]["Arn"]
        self.iam.attach_role_policy(RoleName=role, PolicyArn=arn)

        def check():
            got = self.iam.get_role(RoleName=role)["Role"]
            self.assertEqual((got["RoleId"], got["CreateDate"]), (created["RoleId"], created["CreateDate"]))
            self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
            self.assertEqual(self.iam.get_role_policy(RoleName=role, PolicyName="inline")["PolicyDocument"],
                             REDRIVE_POLICY)
            self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)

        self.server.restart()
        check()
        # Acknowledged means durable: a kill -9 right after the answer loses nothing.
        self.iam.detach_role_policy(RoleName=role, PolicyArn=arn)
        self.iam.delete_policy(PolicyArn=arn)
        self.server.kill9()
        self.server.start()
        self.assertError("NoSuchEntity", 404, self.iam.get_policy, PolicyArn=arn)
        self.assertEqual(self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"], [])
        self.assertEqual(self.iam.get_role(RoleName=role)["Role"]["RoleId"], created["RoleId"])


@unittest.skipIf(AWS_CLI is None, "the AWS CLI (`aws`) is not installed")
class IamCliTest(EddyTestCase):
    server_in_memory = True

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="eddy-iam-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def aws(self, *args, expect_ok=True):
        """Runs `aws iam ...`; returns parsed stdout (expect_ok) or (exit code, stderr)."""
        return self.aws_cli("iam", *args, expect_ok=expect_ok, cwd=self.tmp)

    def write(self, name, doc):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
        return "file://" + path

    def test_deploy_script_creates_the_lambda_role(self):
        role = unique("cli-role")
        created = self.aws("create-role", "--role-name", role,
                           "--assume-role-policy-document", self.write("trust.json", TRUST))["Role"]
        self.assertEqual(created["Arn"], "arn:aws:iam::%s:role/%s" % (ACCOUNT, role))
        self.assertEqual(created["AssumeRolePolicyDocument"], TRUST)
        self.aws("put-role-policy", "--role-name", role, "--policy-name", "redrive",
                 "--policy-document", self.write("policy.json", REDRIVE_POLICY))
        self.aws("attach-role-policy", "--role-name", role, "--policy-arn", BASIC_EXECUTION)

        got = self.aws("get-role", "--role-name", role)["Role"]
        self.assertEqual(got["RoleId"], created["RoleId"])
        self.assertEqual(self.aws("get-role-policy", "--role-name", role, "--policy-name", "redrive")
                         ["PolicyDocument"], REDRIVE_POLICY)
        self.assertEqual(self.aws("list-attached-role-policies", "--role-name", role)["AttachedPolicies"],
                         [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION}])
        arn = self.aws("get-role", "--role-name", role, "--query", "Role.Arn")
        self.assertEqual(arn, created["Arn"])

        code, err = self.aws("delete-role", "--role-name", role, expect_ok=False)
        self.assertIn("DeleteConflict", err)
        self.aws("delete-role-policy", "--role-name", role, "--policy-name", "redrive")
        self.aws("detach-role-policy", "--role-name", role, "--policy-arn", BASIC_EXECUTION)
        self.aws("delete-role", "--role-name", role)
        code, err = self.aws("get-role", "--role-name", role, expect_ok=False)
        self.assertIn("(NoSuchEntity)", err)
        self.assertIn("The role with name %s cannot be found." % role, err)


if __name__ == "__main__":
    unittest.main()
