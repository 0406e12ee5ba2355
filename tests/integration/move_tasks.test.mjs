// Message move tasks (DLQ redrive) with @aws-sdk/client-sqs (AWS JSON 1.0) against the real eddy binary:
// StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask, typed errors, FIFO redrive.
// Reference §5 and §6.
//
// Run: EDDY_BIN=build/eddy node --test tests/integration/move_tasks.test.mjs
// Needs tests/node_modules: run scripts/deps.sh (or `npm ci` in tests/).

import { describe } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { ACCOUNT, eddySuite, sleep, sqsLib } from "./eddy_fixture.mjs";

const {
  CreateQueueCommand, SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand,
  GetQueueAttributesCommand, StartMessageMoveTaskCommand, ListMessageMoveTasksCommand,
  CancelMessageMoveTaskCommand, ResourceNotFoundException,
} = sqsLib;

// ---------------------------------------------------------------------------------------------------

const arnOf = (name) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

describe("message move tasks with @aws-sdk/client-sqs", () => {
  let sqs;
  const { t } = eddySuite((client) => { sqs = client; });

  const newQueue = async (tag, attrs = {}, fifo = false) => {
    const name = `js-${tag}-${randomUUID().slice(0, 8)}${fifo ? ".fifo" : ""}`;
    const Attributes = fifo ? { ...attrs, FifoQueue: "true" } : attrs;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
    return { name, url: QueueUrl, arn: arnOf(name) };
  };
  const total = async (url) => {
    const { Attributes: a } = await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }));
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  };
  // A DLQ and a source with maxReceiveCount=1; `bodies` are sent to the source and failed into the DLQ.
  const failedIntoDlq = async (bodies, fifo = false) => {
    const dlq = await newQueue("dlq", {}, fifo);
    const src = await newQueue("src", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
    }, fifo);
    const ids = [];
    for (let i = 0; i < bodies.length; i += 10) {
      const r = await sqs.send(new SendMessageBatchCommand({
        QueueUrl: src.url,
        Entries: bodies.slice(i, i + 10).map((b, j) => ({
          Id: `e${j}`, MessageBody: b,
          ...(fifo ? { MessageGroupId: "G", MessageDeduplicationId: randomUUID() } : {}),
        })),
      }));
      assert.equal(r.Failed?.length ?? 0, 0);
      ids.push(...r.Successful.map((e) => e.MessageId));
    }
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      await sqs.send(new ReceiveMessageCommand({
        QueueUrl: src.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0,
      }));
      if ((await total(dlq.url)) === bodies.length && (await total(src.url)) === 0) {
        return { dlq, src, ids };
      }
    }
    throw new Error(`messages did not reach the DLQ (dlq has ${await total(dlq.url)})`);
  };
  const latestTask = async (sourceArn) =>
    (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn }))).Results?.[0];
  const waitStatus = async (sourceArn, statuses, ms = 15000) => {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
      last = await latestTask(sourceArn);
      if (last && statuses.includes(last.Status)) return last;
      await sleep(50);
    }
    throw new Error(`task did not reach ${statuses}: ${JSON.stringify(last)}`);
  };
  const drain = async (url, expect) => {
    const out = [];
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && out.length < expect) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ["All"],
      }));
      for (const m of Messages) {
        out.push(m);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    return out;
  };

  t("typed errors", async () => {
    await assert.rejects(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf(`js-none-${randomUUID()}`) })),
      (e) => {
        assert.ok(e instanceof ResourceNotFoundException, `got ${e.name}`);
        assert.equal(e.$metadata.httpStatusCode, 404);
        assert.equal(e.message,
          "The resource that you specified for the SourceArn parameter doesn't exist.");
        return true;
      });
    const plain = await newQueue("plain");
    await assert.rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: plain.arn })), (e) => {
      assert.equal(e.name, "InvalidParameterValue");
      assert.equal(e.message, "Source queue must be configured as a Dead Letter Queue.");
      return true;
    });
    await assert.rejects(
      sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arnOf(`js-none-${randomUUID()}`) })),
      (e) => { assert.ok(e instanceof ResourceNotFoundException, `got ${e.name}`); return true; });
    await assert.rejects(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: "garbage!!" })), (e) => {
      assert.equal(e.name, "InvalidParameterValue");
      assert.equal(e.message, "Value for parameter TaskHandle is invalid.");
      return true;
    });
  });

  t("redrive back to the source; moved messages are new", async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => `m${i}`);
    const { dlq, src, ids } = await failedIntoDlq(bodies);
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    assert.equal(typeof TaskHandle, "string");
    const done = await waitStatus(dlq.arn, ["COMPLETED", "FAILED"]);
    assert.equal(done.Status, "COMPLETED");
    assert.equal(done.ApproximateNumberOfMessagesMoved, 6);
    assert.equal(done.ApproximateNumberOfMessagesToMove, 6);
    assert.equal(done.SourceArn, dlq.arn);
    assert.equal(done.TaskHandle, undefined);
    assert.equal(typeof done.StartedTimestamp, "number");
    assert.ok(Math.abs(done.StartedTimestamp - Date.now()) < 60000, `ms timestamp ${done.StartedTimestamp}`);
    const got = await drain(src.url, 6);
    assert.deepEqual(got.map((m) => m.Body).sort(), bodies);
    for (const m of got) assert.ok(!ids.includes(m.MessageId), "redriven message kept its id");
    assert.equal(await total(dlq.url), 0);
  });

  t("rate-limited task: list while running, then cancel", async () => {
    const { dlq } = await failedIntoDlq(["c0", "c1", "c2", "c3", "c4"]);
    const dest = await newQueue("dest");
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({
      SourceArn: dlq.arn, DestinationArn: dest.arn, MaxNumberOfMessagesPerSecond: 1,
    }));
    await sleep(200);
    const running = await latestTask(dlq.arn);
    assert.equal(running.Status, "RUNNING");
    assert.equal(running.TaskHandle, TaskHandle);
    assert.equal(running.DestinationArn, dest.arn);
    assert.equal(running.MaxNumberOfMessagesPerSecond, 1);
    assert.equal(running.ApproximateNumberOfMessagesToMove, 5);
    const { ApproximateNumberOfMessagesMoved: moved } =
      await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    assert.ok(moved <= 2, `moved ${moved}`);
    const cancelled = await waitStatus(dlq.arn, ["CANCELLED"]);
    assert.equal(cancelled.TaskHandle, undefined);
    assert.equal((await total(dest.url)) + (await total(dlq.url)), 5);
    assert.equal(await total(dest.url), cancelled.ApproximateNumberOfMessagesMoved);
  });

  t("FIFO DLQ redrive keeps group order", async () => {
    const bodies = ["f0", "f1", "f2"];
    const { dlq, src } = await failedIntoDlq(bodies, true);
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    const done = await waitStatus(dlq.arn, ["COMPLETED", "FAILED"]);
    assert.equal(done.Status, "COMPLETED");
    const got = await drain(src.url, 3);
    assert.deepEqual(got.map((m) => m.Body), bodies);
    for (const m of got) assert.equal(m.Attributes.MessageGroupId, "G");
  });
});
