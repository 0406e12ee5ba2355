"""Malformed and hostile input over raw HTTP (stdlib http.client / sockets, no SDK).

Every bad request must get an AWS-shaped error — JSON: status + `__type` + `x-amzn-query-error`
(+ `x-amzn-RequestId`); Query: `<ErrorResponse>` XML — and the server must still answer
/_eddy/health afterwards (checked after every test).

Run: EDDY_BIN=build/eddy python3 tests/integration/test_bad_input.py -v
"""

import base64
import json
import os
import socket
import sys
import time
import unittest
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eddy_fixture import ACCOUNT, EddyTestCase, RawClient, http_get, sigv4_headers  # noqa: E402

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


class BadInputTest(EddyTestCase):
    server_in_memory = True

    def setUp(self):
        super().setUp()
        self.c = RawClient(self.server.host, self.server.port)

    def tearDown(self):
        self.c.close()
        if self.server.alive():
            status, body = http_get(self.server.host, self.server.port, "/_eddy/health", timeout=5)
            self.assertEqual(status, 200, body)
        super().tearDown()

    # ---------------------------------------------------------------- helpers
    def new_queue(self):
        name = "bad-%s" % uuid.uuid4().hex[:10]
        r = self.c.json_call("CreateQueue", {"QueueName": name})
        self.assertEqual(r.status, 200, r)
        return name, r.json()["QueueUrl"]

    def assertJsonError(self, r, status=400, query_code=None, type_suffix=None, message=None):
        """AWS JSON 1.0 error shape; returns (__type, query code, message)."""
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.header("x-amzn-requestid"), r)
        self.assertIn("json", (r.header("content-type") or ""), r)
        body = r.json()
        self.assertIsInstance(body, dict, r)
        typ = body.get("__type")
        self.assertIsInstance(typ, str, r)
        self.assertIn("#", typ, r)
        msg = body.get("message", body.get("Message"))
        self.assertIsInstance(msg, str, r)
        qe = r.header("x-amzn-query-error")
        self.assertTrue(qe, r)
        code, _, fault = qe.partition(";")
        self.assertTrue(code, r)
        self.assertIn(fault, ("Sender", "Receiver"), r)
        if query_code is not None:
            self.assertEqual(code, query_code, r)
        if type_suffix is not None:
            self.assertTrue(typ.endswith("#" + type_suffix), r)
        if message is not None:
            self.assertEqual(msg, message, r)
        return typ, code, msg

    def assertQueryError(self, r, status=400, code=None, message=None):
        """Query/XML ErrorResponse shape; returns (code, message)."""
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.header("x-amzn-requestid"), r)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, NS + "ErrorResponse", r)
        err = root.find(NS + "Error")
        self.assertIsNotNone(err, r)
        got_code = err.findtext(NS + "Code")
        got_msg = err.findtext(NS + "Message")
        self.assertIn(err.findtext(NS + "Type"), ("Sender", "Receiver"), r)
        self.assertTrue(got_code, r)
        self.assertIsNotNone(got_msg, r)
        self.assertTrue(root.findtext(NS + "RequestId"), r)
        if code is not None:
            self.assertEqual(got_code, code, r)
        if message is not None:
            self.assertEqual(got_msg, message, r)
        return got_code, got_msg

    def raw_socket(self, payload, read_timeout=5.0):
        """Sends raw bytes, returns whatever comes back until close/timeout (b'' on reset)."""
        s = socket.create_connection((self.server.host, self.server.port), timeout=read_timeout)
        data = b""
        try:
            try:
                s.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        finally:
            s.close()
        return data

    def assertHttpError(self, raw, allowed=(400, 404, 405, 411, 413, 414, 431, 501, 505)):
        """A raw response is either an HTTP error status or nothing (connection closed)."""
        if not raw:
            return
        self.assertTrue(raw.startswith(b"HTTP/1."), raw[:200])
        status = int(raw.split(b" ", 2)[1])
        self.assertIn(status, allowed, raw[:500])

    # ---------------------------------------------------------------- health
    def test_health_endpoints(self):
        status, body = http_get(self.server.host, self.server.port, "/_eddy/health")
        self.assertEqual(status, 200)
        self.assertIsInstance(json.loads(body), dict)
        status, body = http_get(self.server.host, self.server.port, "/_localstack/health")
        self.assertEqual(status, 200)
        self.assertIsInstance(json.loads(body), dict)

    def test_request_id_on_success(self):
        r = self.c.json_call("ListQueues", {})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("x-amzn-requestid"))
        self.assertEqual(r.json(), r.json())  # parses
        r = self.c.query_call({"Action": "ListQueues"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("x-amzn-requestid"))
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, NS + "ListQueuesResponse")

    # ---------------------------------------------------------------- JSON protocol
    def test_json_wrong_types(self):
        _, url = self.new_queue()
        cases = [
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": "abc"}),
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 1.5}),
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": [1]}),
            ("ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": {"a": 1}}),
            ("ReceiveMessage", {"QueueUrl": 5}),
            ("ReceiveMessage", {"QueueUrl": None}),
            ("SendMessage", {"QueueUrl": url, "MessageBody": 12}),
            ("SendMessage", {"QueueUrl": url, "MessageBody": "x", "DelaySeconds": "1"}),
            ("SendMessage", {"QueueUrl": url, "MessageBody": "x", "MessageAttributes": [1, 2]}),
            ("SendMessage", {"QueueUrl": url, "MessageBody": "x",
                             "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "!!"}}}),
            ("SendMessage", {"QueueUrl": url, "MessageBody": "x",
                             "MessageAttributes": {"a": "not an object"}}),
            ("SendMessageBatch", {"QueueUrl": url, "Entries": {"Id": "1"}}),
            ("SendMessageBatch", {"QueueUrl": url, "Entries": ["x"]}),
            ("CreateQueue", {"QueueName": ["a"]}),
            ("CreateQueue", {"QueueName": "x", "Attributes": {"DelaySeconds": 5}}),
            ("CreateQueue", {"QueueName": "x", "Attributes": "DelaySeconds=5"}),
            ("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": "All"}),
            ("ListQueues", {"MaxResults": "10"}),
            ("TagQueue", {"QueueUrl": url, "Tags": [["a", "b"]]}),
        ]
        for action, params in cases:
            with self.subTest(action=action, params=params):
                r = self.c.json_call(action, params)
                self.assertJsonError(r)
        # The queue is untouched.
        r = self.c.json_call("GetQueueAttributes", {"QueueUrl": url,
                                                    "AttributeNames": ["ApproximateNumberOfMessages"]})
        self.assertEqual(r.json()["Attributes"]["ApproximateNumberOfMessages"], "0", r)

    def test_json_out_of_range_values(self):
        _, url = self.new_queue()
        cases = [
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 11},
             "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
             "if provided."),
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": -1}, None),
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 2 ** 63}, None),
            ("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10 ** 30}, None),
            ("ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": -5}, None),
            ("ReceiveMessage", {"QueueUrl": url, "VisibilityTimeout": 2 ** 40}, None),
            ("SendMessage", {"QueueUrl": url, "MessageBody": "x", "DelaySeconds": 100000}, None),
            ("SendMessage", {"QueueUrl": url, "MessageBody": "x", "DelaySeconds": -1}, None),
            ("ChangeMessageVisibility", {"QueueUrl": url, "ReceiptHandle": "x",
                                         "VisibilityTimeout": -1}, None),
            ("ListQueues", {"MaxResults": 0}, None),
            ("ListQueues", {"MaxResults": 100000}, None),
        ]
        for action, params, msg in cases:
            with self.subTest(action=action, params=params):
                r = self.c.json_call(action, params)
                self.assertJsonError(r, message=msg)

    def test_json_missing_required_parameter(self):
        r = self.c.json_call("SendMessage", {"MessageBody": "x"})
        self.assertJsonError(r, query_code="MissingParameter",
                             message="The request must contain the parameter QueueUrl.")
        _, url = self.new_queue()
        r = self.c.json_call("SendMessage", {"QueueUrl": url})
        self.assertJsonError(r, query_code="MissingParameter",
                             message="The request must contain the parameter MessageBody.")
        r = self.c.json_call("CreateQueue", {})
        self.assertJsonError(r, query_code="MissingParameter",
                             message="The request must contain the parameter QueueName.")

    def test_json_unknown_target(self):
        r = self.c.json_call(None, {}, target="AmazonSQS.FooBar")
        self.assertJsonError(r, query_code="InvalidAction", type_suffix="UnknownOperationException")
        for target in ["FooService.ListQueues", "AmazonSQS.", "AmazonSQS", "", "AmazonSQS.ListQueues.Extra", "AmazonSNS.Publish"]:
            with self.subTest(target=target):
                r = self.c.json_call(None, {}, target=target)
                self.assertGreaterEqual(r.status, 400, r)
                self.assertLess(r.status, 500, r)
                if r.header("content-type") and "json" in r.header("content-type"):
                    self.assertJsonError(r, status=r.status)

    def test_json_malformed_bodies(self):
        bodies = [b'{"QueueName":', b"{", b"not json at all", b"[]", b'"string"', b"42", b"null",
                  b'{"QueueName": "x",}', b'{"QueueName": "x"} trailing', b"\xff\xfe\x00garbage",
                  b'{"QueueName": "\xff\xfe"}', b'{"QueueName": "\\ud800"}',
                  b"[" * 100000, b'{"a":' * 50000, b"\x00" * 1000]
        for body in bodies:
            with self.subTest(body=body[:40]):
                r = self.c.json_call("CreateQueue", raw_body=body)
                self.assertJsonError(r)

    def test_json_empty_body_is_empty_object_or_error(self):
        r = self.c.json_call("ListQueues", raw_body=b"")
        self.assertIn(r.status, (200, 400), r)
        if r.status == 400:
            self.assertJsonError(r)

    def test_json_huge_values_do_not_crash(self):
        _, url = self.new_queue()
        many_attrs = {"a%d" % i: {"DataType": "String", "StringValue": "v"} for i in range(5000)}
        r = self.c.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "x",
                                             "MessageAttributes": many_attrs})
        self.assertJsonError(r, query_code="InvalidParameterValue")
        r = self.c.json_call("SendMessageBatch", {"QueueUrl": url, "Entries": [
            {"Id": str(i), "MessageBody": "x"} for i in range(10000)]})
        self.assertJsonError(r, query_code="AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        r = self.c.json_call("GetQueueAttributes", {"QueueUrl": url,
                                                    "AttributeNames": ["All"] * 100000})
        self.assertIn(r.status, (200, 400), r)
        r = self.c.json_call("CreateQueue", {"QueueName": "q" * 100000})
        self.assertJsonError(r, query_code="InvalidParameterValue")
        r = self.c.json_call("GetQueueUrl", {"QueueName": "x" * 1000000})
        self.assertGreaterEqual(r.status, 400, r)

    # ---------------------------------------------------------------- Query protocol
    def test_query_unknown_action(self):
        r = self.c.query_call({"Action": "FooBar"})
        self.assertQueryError(r, code="InvalidAction",
                              message="The action FooBar is not valid for this endpoint.")
        r = self.c.query_call(raw_body=b"Version=2012-11-05")
        self.assertQueryError(r)

    def test_query_missing_and_bad_parameters(self):
        name, url = self.new_queue()
        r = self.c.query_call({"Action": "SendMessage", "QueueUrl": url})
        self.assertQueryError(r, code="MissingParameter",
                              message="The request must contain the parameter MessageBody.")
        r = self.c.query_call({"Action": "ReceiveMessage", "QueueUrl": url,
                               "MaxNumberOfMessages": "abc"})
        self.assertQueryError(r)
        r = self.c.query_call({"Action": "ReceiveMessage", "QueueUrl": url,
                               "MaxNumberOfMessages": "11"})
        self.assertQueryError(r, code="InvalidParameterValue",
                              message="Value 11 for parameter MaxNumberOfMessages is invalid. "
                                      "Reason: Must be between 1 and 10, if provided.")
        r = self.c.query_call({"Action": "ReceiveMessage", "QueueUrl": url,
                               "WaitTimeSeconds": "99999999999999999999999"})
        self.assertQueryError(r)
        r = self.c.query_call({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "x",
                               "MessageAttribute.1.Name": "a",
                               "MessageAttribute.1.Value.DataType": "Binary",
                               "MessageAttribute.1.Value.BinaryValue": "!!not base64!!"})
        self.assertQueryError(r)
        r = self.c.query_call({"Action": "SendMessage", "QueueUrl": url, "MessageBody": "x",
                               "MessageAttribute.99999999999999999999.Name": "a"})
        self.assertIn(r.status, (200, 400), r)
        if r.status == 400:
            self.assertQueryError(r)
        r = self.c.query_call({"Action": "GetQueueUrl",
                               "QueueName": "nope-%s" % uuid.uuid4().hex[:6]})
        self.assertQueryError(r, code="AWS.SimpleQueueService.NonExistentQueue",
                              message="The specified queue does not exist for this wsdl version.")

    def test_query_malformed_form_bodies(self):
        name, url = self.new_queue()
        q = urllib.parse.quote(url, safe="")
        bodies = [
            ("Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=%%ZZ" % q).encode(),
            ("Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=abc%%" % q).encode(),
            ("Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=%%4" % q).encode(),
            ("Action=SendMessage&Version=2012-11-05&QueueUrl=%s&MessageBody=%%C3%%28" % q).encode(),
        ]
        for body in bodies:
            with self.subTest(body=body[-30:]):
                r = self.c.query_call(raw_body=body)
                self.assertQueryError(r)
        r = self.c.json_call("GetQueueAttributes", {"QueueUrl": url,
                                                    "AttributeNames": ["ApproximateNumberOfMessages"]})
        self.assertEqual(r.json()["Attributes"]["ApproximateNumberOfMessages"], "0", r)

    def test_query_junk_bodies(self):
        junk = [b"\x00\x01\x02\xff" * 100, b"<xml>not a form</xml>", b"&&&&===&&&", b"=", b"&",
                b"Action", b"Action=", b"Action=%", "Action=ListQueues&\u00e9=\u00e8".encode("latin-1")]
        for body in junk:
            with self.subTest(body=body[:30]):
                r = self.c.query_call(raw_body=body)
                if body.startswith(b"Action=ListQueues"):
                    self.assertIn(r.status, (200, 400), r)
                else:
                    self.assertQueryError(r)

    def test_unknown_content_type_junk(self):
        for ctype in ["application/octet-stream", "text/xml", "application/json", "text/plain"]:
            with self.subTest(ctype=ctype):
                r = self.c.request("POST", "/", b"\x00junk\xff<not xml", {"Content-Type": ctype})
                self.assertGreaterEqual(r.status, 400, r)
                self.assertLess(r.status, 500, r)
                self.assertTrue(r.header("x-amzn-requestid"), r)

    def test_query_get_and_queue_url_routing(self):
        name, url = self.new_queue()
        # Query via GET with the parameters in the URL.
        r = self.c.request("GET", "/", b"", {}, query="Action=ListQueues&Version=2012-11-05"
                           "&QueueNamePrefix=" + name)
        self.assertEqual(r.status, 200, r)
        self.assertIn(url.encode(), r.body)
        # A query request at the queue-URL path without QueueUrl takes the queue from the path.
        path = "/%s/%s" % (ACCOUNT, name)
        r = self.c.query_call({"Action": "SendMessage", "MessageBody": "via path"}, path=path)
        self.assertEqual(r.status, 200, r)
        r = self.c.query_call({"Action": "ListQueues"}, path=path)
        self.assertQueryError(r, code="InvalidAction",
                              message="The action ListQueues is not valid for this endpoint.")
        r = self.c.query_call({"Action": "CreateQueue", "QueueName": "x"}, path=path)
        self.assertQueryError(r, code="InvalidAction",
                              message="The action CreateQueue is not valid for this endpoint.")
        # GET of a queue URL with no Action.
        r = self.c.request("GET", path, b"", {})
        self.assertEqual(r.status, 404, r)
        self.assertIn(b"UnknownOperationException", r.body)
        # JSON posted to the queue-URL path works too.
        r = self.c.json_call("GetQueueAttributes", {"QueueUrl": url,
                                                    "AttributeNames": ["ApproximateNumberOfMessages"]},
                             path=path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["Attributes"]["ApproximateNumberOfMessages"], "1")

    # ---------------------------------------------------------------- Receipt handles
    def test_forged_and_stale_receipt_handles(self):
        _, url = self.new_queue()
        self.assertEqual(self.c.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "m"}).status,
                         200)
        r = self.c.json_call("ReceiveMessage", {"QueueUrl": url, "VisibilityTimeout": 60})
        handle = r.json()["Messages"][0]["ReceiptHandle"]
        self.assertLessEqual(len(handle), 1024)
        forged = [
            "garbage", "", " ", "A" * 1025, "A" * 100000, handle[:-1], handle + "=",
            handle.swapcase(), base64.b64encode(handle.encode()).decode(), "\u00e9\u00e8" * 10,
            "../../etc/passwd", "%00%00", "\x00", handle.replace(handle[5], "Z" if handle[5] != "Z" else "Y"),
        ]
        for h in forged:
            if h == handle:
                continue
            with self.subTest(handle=h[:40]):
                r = self.c.json_call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": h})
                typ, code, msg = self.assertJsonError(r)
                self.assertIn(code, ("ReceiptHandleIsInvalid", "MissingParameter",
                                     "InvalidParameterValue"), r)
                r = self.c.query_call({"Action": "ChangeMessageVisibility", "QueueUrl": url,
                                       "ReceiptHandle": h, "VisibilityTimeout": "0"})
                self.assertQueryError(r)
        # Still in flight: none of the forgeries touched it.
        r = self.c.json_call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})
        self.assertEqual(r.json()["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1", r)
        # Stale: delete, then try to use the handle again.
        self.assertEqual(self.c.json_call("DeleteMessage", {"QueueUrl": url,
                                                            "ReceiptHandle": handle}).status, 200)
        r = self.c.json_call("ChangeMessageVisibility", {"QueueUrl": url, "ReceiptHandle": handle,
                                                         "VisibilityTimeout": 10})
        self.assertJsonError(r, query_code="InvalidParameterValue")
        r = self.c.json_call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle})
        self.assertEqual(r.status, 200, r)

    # ---------------------------------------------------------------- Authorization
    def test_missing_or_garbage_authorization(self):
        """Unsigned or garbage-signed requests: accepted (auth off) or an AWS-shaped 4xx, never 5xx."""
        auths = [None, "garbage", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=",
                 "AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=, Signature=",
                 "AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/sqs/aws4_request, "
                 "SignedHeaders=host, Signature=" + "0" * 64,
                 "AWS AKID:c2lnbmF0dXJl", "Bearer xyz", "\u00e9" * 100]
        for auth in auths:
            with self.subTest(auth=auth):
                headers = {"Content-Type": "application/x-amz-json-1.0",
                           "X-Amz-Target": "AmazonSQS.ListQueues"}
                if auth is not None:
                    headers["Authorization"] = auth
                r = self.c.request("POST", "/", b"{}", headers, sign=False)
                if r.status != 200:
                    self.assertJsonError(r, status=r.status)
                    self.assertIn(r.status, (400, 403), r)
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                if auth is not None:
                    headers["Authorization"] = auth
                r = self.c.request("POST", "/", b"Action=ListQueues&Version=2012-11-05", headers,
                                   sign=False)
                if r.status != 200:
                    self.assertQueryError(r, status=r.status)
                    self.assertIn(r.status, (400, 403), r)

    # ---------------------------------------------------------------- HTTP-level abuse
    def test_oversized_body(self):
        """> 8 MiB must be refused (413 or an AWS-like 400), never crash the server."""
        size = 9 * 1024 * 1024
        body = b'{"QueueUrl":"x","MessageBody":"' + b"a" * (size - 40) + b'"}'
        host = "%s:%d" % (self.server.host, self.server.port)
        headers = sigv4_headers("POST", host, "/", "", {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.SendMessage"}, body)
        head = "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (host, len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        raw = self.raw_socket(head.encode() + body, read_timeout=15)
        self.assertHttpError(raw, allowed=(400, 413))
        # A lying Content-Length (huge) with a short body.
        raw = self.raw_socket(("POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: 99999999999999\r\n"
                               "Content-Type: application/x-amz-json-1.0\r\n"
                               "X-Amz-Target: AmazonSQS.ListQueues\r\n\r\n{}" % host).encode())
        self.assertHttpError(raw, allowed=(400, 413))
        # Chunked upload growing past the limit.
        chunk = b"a" * (1024 * 1024)
        payload = ("POST / HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n"
                   "Content-Type: application/x-amz-json-1.0\r\n"
                   "X-Amz-Target: AmazonSQS.ListQueues\r\n\r\n" % host).encode()
        payload += b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
        raw = self.raw_socket(payload, read_timeout=15)
        self.assertHttpError(raw, allowed=(400, 403, 413))

    def test_broken_http(self):
        host = "%s:%d" % (self.server.host, self.server.port)
        payloads = [
            b"GARBAGE\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200),  # a TLS ClientHello
            b"POST / HTTP/1.1\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nNoColonHeader\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
            b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort",
            ("POST / HTTP/1.1\r\nHost: %s\r\n" % host).encode() + b"X: y\r\n" * 10000 + b"\r\n",
            b"\r\n" * 1000,
            os.urandom(4096),
        ]
        for p in payloads:
            with self.subTest(payload=p[:40]):
                raw = self.raw_socket(p)
                self.assertHttpError(raw, allowed=(400, 404, 405, 408, 411, 413, 414, 431, 501, 505))
                status, _ = http_get(self.server.host, self.server.port, "/_eddy/health")
                self.assertEqual(status, 200)

    def test_abrupt_disconnects_and_parked_poll_close(self):
        _, url = self.new_queue()
        host = "%s:%d" % (self.server.host, self.server.port)
        body = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20}).encode()
        headers = sigv4_headers("POST", host, "/", "", {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.ReceiveMessage"}, body)
        head = "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (host, len(body))
        head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
        socks = []
        for _ in range(20):  # parked long polls whose clients vanish
            s = socket.create_connection((self.server.host, self.server.port), timeout=5)
            s.sendall(head.encode() + body)
            socks.append(s)
        for _ in range(20):  # half-sent requests
            s = socket.create_connection((self.server.host, self.server.port), timeout=5)
            s.sendall(head.encode() + body[:5])
            socks.append(s)
        time.sleep(0.3)
        for s in socks:
            s.close()
        # A message sent now must not be swallowed by a dead poller.
        r = self.c.json_call("SendMessage", {"QueueUrl": url, "MessageBody": "survivor"})
        self.assertEqual(r.status, 200, r)
        r = self.c.json_call("ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 2})
        self.assertEqual(r.status, 200, r)
        msgs = r.json().get("Messages", [])
        if msgs:
            self.assertEqual(msgs[0]["Body"], "survivor")
        else:
            # AWS may also hand a message to a poller that has gone away; it is then in flight (and
            # comes back after the visibility timeout), never lost.
            r = self.c.json_call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})
            self.assertEqual(r.json()["Attributes"]["ApproximateNumberOfMessagesNotVisible"], "1", r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
