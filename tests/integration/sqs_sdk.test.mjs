// @aws-sdk/client-sqs (AWS JSON 1.0) against the real eddy binary, with node's built-in test runner.
//
// The JS SDK verifies MD5OfMessageBody / MD5OfBody on send, batch send and receive and throws on a
// mismatch; attribute MD5s are checked here by hand (reference §4.3).
//
// Run: EDDY_BIN=build/eddy node --test tests/integration/sqs_sdk.test.mjs
// Needs tests/node_modules: run scripts/deps.sh (or `npm ci` in tests/).

import { describe } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";

import { ACCOUNT, eddySuite, sleep, sqsLib } from "./eddy_fixture.mjs";

const {
  CreateQueueCommand, SendMessageCommand, SendMessageBatchCommand, ReceiveMessageCommand,
  DeleteMessageCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, GetQueueUrlCommand,
  ListQueuesCommand, ChangeMessageVisibilityCommand, DeleteQueueCommand, TagQueueCommand,
  ListQueueTagsCommand, PurgeQueueCommand, QueueDoesNotExist,
} = sqsLib;

const MIB = 1048576;

// ---------------------------------------------------------------------------------------------------
// Helpers

function md5(data) {
  return createHash("md5").update(data).digest("hex");
}

// Reference §4.3: sorted by name; len+name, len+type, transport byte, len+value.
function md5OfAttributes(attrs) {
  const parts = [];
  const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const names = Object.keys(attrs).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const a = attrs[name];
    const n = Buffer.from(name, "utf8");
    const t = Buffer.from(a.DataType, "utf8");
    parts.push(u32(n.length), n, u32(t.length), t);
    let v;
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      v = Buffer.from(a.BinaryValue);
    } else {
      parts.push(Buffer.from([1]));
      v = Buffer.from(a.StringValue, "utf8");
    }
    parts.push(u32(v.length), v);
  }
  return md5(Buffer.concat(parts));
}

function normalizeAttrs(attrs) {
  const out = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    out[k] = { DataType: v.DataType };
    if (v.StringValue !== undefined) out[k].StringValue = v.StringValue;
    if (v.BinaryValue !== undefined) out[k].BinaryValue = Buffer.from(v.BinaryValue).toString("hex");
  }
  return out;
}

const ALL_TYPES = {
  str: { DataType: "String", StringValue: "héllo ✓ 😀" },
  num: { DataType: "Number", StringValue: "-1.5e10" },
  bin: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 253, 254, 255]) },
  "custom.str": { DataType: "String.custom", StringValue: "<x a='1'>&amp;</x>" },
  Num_int: { DataType: "Number.int", StringValue: "42" },
  "img-png": { DataType: "Binary.png", BinaryValue: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
};

// ---------------------------------------------------------------------------------------------------

describe("eddy with @aws-sdk/client-sqs", () => {
  let sqs;
  const { eddy, t } = eddySuite((client) => { sqs = client; });

  const newQueue = async (attrs) => {
    const name = `js-${randomUUID().slice(0, 12)}`;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attrs }));
    return { name, url: QueueUrl };
  };
  const receive = async (url, extra = {}) =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, ...extra })))
      .Messages ?? [];

  t("create queue, url from endpoint, get url, list", async () => {
    const { name, url } = await newQueue();
    assert.equal(url, `${eddy.endpoint}/${ACCOUNT}/${name}`);
    const got = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    assert.equal(got.QueueUrl, url);
    const list = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    assert.deepEqual(list.QueueUrls, [url]);
  });

  t("send and receive a message with attributes of every type", async () => {
    const { url } = await newQueue();
    const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    const body = "body ✓ 😀 <&>\r\n\ttab";
    const sent = await sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: body, MessageAttributes: ALL_TYPES,
      MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: trace } },
    }));
    assert.equal(sent.MD5OfMessageBody, md5(body));
    assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes(ALL_TYPES));
    assert.equal(sent.MD5OfMessageSystemAttributes, "5ae4d5d7636402d80f4eb6d213245a88");
    assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);

    const [m, ...rest] = await receive(url, {
      MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"],
    });
    assert.equal(rest.length, 0);
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.Body, body);
    assert.equal(m.MD5OfBody, md5(body));
    assert.deepEqual(normalizeAttrs(m.MessageAttributes), normalizeAttrs(ALL_TYPES));
    assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(ALL_TYPES));
    assert.ok(m.MessageAttributes.bin.BinaryValue instanceof Uint8Array);
    assert.equal(m.Attributes.AWSTraceHeader, trace);
    assert.equal(m.Attributes.ApproximateReceiveCount, "1");
    assert.ok(Number(m.Attributes.SentTimestamp) > Date.now() - 60000);
    assert.ok(m.Attributes.SenderId);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  });

  t("reference MD5 vectors", async () => {
    const { url } = await newQueue();
    const cases = [
      [{ Foo: { DataType: "String", StringValue: "Bar" } }, "ae7155c6026991b6d54b11589678bf9c"],
      [{ n: { DataType: "Number", StringValue: "1" } }, "ef88bdc4583394a9f2bcdc6a6f0ccbfe"],
      [{ b: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1]) } },
        "973749046908c117819a7d5e12dac587"],
      [{
        a: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1]) },
        b: { DataType: "Number", StringValue: "1" },
        c: { DataType: "String.custom", StringValue: "x" },
      }, "4fb84f591774b8129f606b6d5d05af13"],
    ];
    for (const [attrs, want] of cases) {
      assert.equal(md5OfAttributes(attrs), want, "local helper");
      const r = await sqs.send(new SendMessageCommand({
        QueueUrl: url, MessageBody: "msg", MessageAttributes: attrs,
      }));
      assert.equal(r.MD5OfMessageAttributes, want);
      assert.equal(r.MD5OfMessageBody, "6e2baaf3b97dbeef01c0043275f9a0e7");
    }
  });

  t("batch send / receive / delete with attributes", async () => {
    const { url } = await newQueue();
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `e${i}`,
      MessageBody: `batch message ${i} ${"✓".repeat(i)}`,
      MessageAttributes: i % 2 ? ALL_TYPES : { idx: { DataType: "Number", StringValue: String(i) } },
    }));
    const r = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
    assert.equal(r.Successful.length, 10);
    assert.deepEqual(r.Failed ?? [], []);
    const byId = Object.fromEntries(entries.map((e) => [e.Id, e]));
    for (const s of r.Successful) {
      assert.equal(s.MD5OfMessageBody, md5(byId[s.Id].MessageBody));
      assert.equal(s.MD5OfMessageAttributes, md5OfAttributes(byId[s.Id].MessageAttributes));
    }
    const idToEntry = Object.fromEntries(r.Successful.map((s) => [s.MessageId, byId[s.Id]]));

    const got = [];
    const deadline = Date.now() + 10000;
    while (got.length < 10 && Date.now() < deadline) {
      got.push(...await receive(url, { MaxNumberOfMessages: 10, MessageAttributeNames: ["All"] }));
    }
    assert.equal(got.length, 10);
    for (const m of got) {
      const e = idToEntry[m.MessageId];
      assert.ok(e, `unknown message ${m.MessageId}`);
      assert.equal(m.Body, e.MessageBody);
      assert.deepEqual(normalizeAttrs(m.MessageAttributes), normalizeAttrs(e.MessageAttributes));
      assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(e.MessageAttributes));
    }
    const del = await sqs.send(new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }));
    assert.equal(del.Successful.length, 10);
    const attrs = await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }));
    assert.deepEqual(attrs.Attributes, {
      ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0",
    });
  });

  t("batch with a per-entry failure", async () => {
    const { url } = await newQueue({ MaximumMessageSize: "1024" });
    const r = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [{ Id: "ok", MessageBody: "fine" }, { Id: "big", MessageBody: "x".repeat(1025) }],
    }));
    assert.deepEqual(r.Successful.map((s) => s.Id), ["ok"]);
    assert.equal(r.Failed.length, 1);
    assert.equal(r.Failed[0].Id, "big");
    assert.equal(r.Failed[0].Code, "InvalidParameterValue");
    assert.equal(r.Failed[0].SenderFault, true);
  });

  t("1 MiB body round trip", async () => {
    const { url } = await newQueue();
    const body = "z".repeat(MIB);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    assert.equal(sent.MD5OfMessageBody, md5(body));
    const [m] = await receive(url);
    assert.equal(m.Body.length, MIB);
    await assert.rejects(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body + "z" })),
      (e) => {
        assert.equal(e.Code, "InvalidParameterValue");
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.equal(e.message,
          "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.");
        return true;
      },
    );
  });

  t("long poll wakes on send", async () => {
    const { url } = await newQueue();
    const started = Date.now();
    const poll = receive(url, { WaitTimeSeconds: 10 });
    await sleep(400);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake" }));
    const sentAt = Date.now();
    const msgs = await poll;
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0].Body, "wake");
    assert.ok(Date.now() - sentAt < 500, `woke ${Date.now() - sentAt} ms after the send`);
    assert.ok(Date.now() - started >= 350);
  });

  t("visibility change and receive counts", async () => {
    const { url } = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "v" }));
    const [m1] = await receive(url, { VisibilityTimeout: 60 });
    assert.deepEqual(await receive(url, { WaitTimeSeconds: 0 }), []);
    await sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m1.ReceiptHandle, VisibilityTimeout: 0,
    }));
    const [m2] = await receive(url, { MessageSystemAttributeNames: ["ApproximateReceiveCount"] });
    assert.equal(m2.Attributes.ApproximateReceiveCount, "2");
  });

  t("tags, purge, delete queue", async () => {
    const { name, url } = await newQueue();
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { a: "1", b: "" } }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { a: "1", b: "" });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "p" }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    assert.deepEqual(await receive(url, { WaitTimeSeconds: 0 }), []);
    await assert.rejects(sqs.send(new PurgeQueueCommand({ QueueUrl: url })), (e) => {
      assert.equal(e.name, "PurgeQueueInProgress");
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.equal(e.message, `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`);
      return true;
    });
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  t("typed errors: QueueDoesNotExist and ReceiptHandleIsInvalid", async () => {
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: `js-missing-${randomUUID()}` })),
      (e) => {
        assert.ok(e instanceof QueueDoesNotExist, `got ${e.name}`);
        assert.equal(e.name, "QueueDoesNotExist");
        assert.equal(e.message, "The specified queue does not exist.");
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.equal(e.Code, "AWS.SimpleQueueService.NonExistentQueue");
        return true;
      });
    const { url } = await newQueue();
    await assert.rejects(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })),
      (e) => {
        assert.equal(e.name, "ReceiptHandleIsInvalid");
        assert.equal(e.message, 'The input receipt handle "garbage" is not a valid receipt handle.');
        return true;
      });
  });
});
