// @aws-sdk/client-lambda (restJson1) against the real eddy binary, with node's built-in test runner.
//
// Covers: CreateFunction of a Node (nodejs20.x, ESM) function from an in-memory zip,
// waitUntilFunctionActiveV2, a RequestResponse invoke (Payload in and out as Uint8Array, LogType Tail,
// the handler's context), a function error, an Event invoke (StatusCode 202), GetFunction,
// ListFunctions, DeleteFunction and ResourceNotFoundException afterwards.
//
// Run: EDDY_BIN=build/src/server/eddy node --test tests/integration/lambda_sdk.test.mjs
// Needs tests/node_modules: run scripts/deps.sh (or `npm ci` in tests/).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { deflateRawSync } from "node:zlib";

import { ACCOUNT, Eddy } from "./eddy_fixture.mjs";

let lambdaLib;
try {
  lambdaLib = await import("@aws-sdk/client-lambda");
} catch (e) {
  console.error("\n*** @aws-sdk/client-lambda is not installed: run scripts/deps.sh (or: cd tests && npm ci)\n");
  throw e;
}
const {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, InvokeCommand, ListFunctionsCommand,
  DeleteFunctionCommand, ResourceNotFoundException, waitUntilFunctionActiveV2,
} = lambdaLib;

const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-role`;
const functionArn = (name) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;

// ---------------------------------------------------------------------------------------------------
// A minimal zip writer (deflate, Unix mode bits), so the test needs no packaging library.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// files: { name: string | Buffer } -> zip bytes (Uint8Array)
export function makeZip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const nameBytes = Buffer.from(name, "utf8");
    const data = Buffer.from(content);
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);           // version needed
    local.writeUInt16LE(0x0800, 6);       // UTF-8 names
    local.writeUInt16LE(8, 8);            // deflate
    local.writeUInt16LE(0, 10);           // time
    local.writeUInt16LE(0x5821, 12);      // date 2024-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);  // made by Unix: external attributes hold the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x5821, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, ...centrals, end]));
}

const HANDLER = `
let invocations = 0;
export const handler = async (event, context) => {
  invocations += 1;
  if (event.fail) throw new TypeError("bad input: " + event.fail);
  console.log("sdk invoke", invocations);
  return { event, invocations, requestId: context.awsRequestId, functionName: context.functionName };
};
`;

const encode = (obj) => new TextEncoder().encode(JSON.stringify(obj));
const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

describe("@aws-sdk/client-lambda", () => {
  const eddy = new Eddy();
  let client;
  let failed = false;
  const name = `it-sdk-${randomUUID().slice(0, 8)}`;
  const zip = makeZip({ "index.mjs": HANDLER });

  before(async () => {
    await eddy.start();
    client = new LambdaClient({
      endpoint: eddy.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
  });

  after(async () => {
    client?.destroy();
    await eddy.stop();
    if (failed) eddy.dumpLog(); else eddy.cleanup();
  });

  // Tests run in order and build on each other (create → invoke → delete).
  const t = (title, fn) => test(title, async () => {
    try { await fn(); } catch (e) { failed = true; throw e; }
  });

  t("CreateFunction + waitUntilFunctionActiveV2", async () => {
    const created = await client.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: "nodejs20.x", Handler: "index.handler", Role: ROLE,
      Code: { ZipFile: zip }, Timeout: 5, Environment: { Variables: { FROM: "sdk" } },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.FunctionName, name);
    assert.equal(created.FunctionArn, functionArn(name));
    assert.equal(created.CodeSize, zip.length);
    assert.equal(created.CodeSha256, createHash("sha256").update(zip).digest("base64"));
    assert.equal(created.PackageType, "Zip");

    const waited = await waitUntilFunctionActiveV2({ client, maxWaitTime: 30, minDelay: 1 },
      { FunctionName: name });
    assert.equal(waited.state, "SUCCESS");
  });

  t("Invoke (RequestResponse, Tail)", async () => {
    const event = { hello: "sdk", list: [1, 2] };
    const res = await client.send(new InvokeCommand({
      FunctionName: name, Payload: encode(event), LogType: "Tail",
    }));
    assert.equal(res.StatusCode, 200);
    assert.equal(res.FunctionError, undefined);
    assert.equal(res.ExecutedVersion, "$LATEST");
    assert.ok(res.Payload instanceof Uint8Array);
    const out = decode(res.Payload);
    assert.deepEqual(out.event, event);
    assert.equal(out.invocations, 1);
    assert.equal(out.requestId, res.$metadata.requestId);
    assert.equal(out.functionName, name);
    const log = Buffer.from(res.LogResult, "base64").toString("utf8");
    assert.match(log, new RegExp(`START RequestId: ${out.requestId} Version: \\$LATEST`));
    assert.match(log, new RegExp(`\\t${out.requestId}\\tINFO\\tsdk invoke 1\\n`));
    assert.match(log, new RegExp(`REPORT RequestId: ${out.requestId}\\tDuration: `));

    const warm = await client.send(new InvokeCommand({ FunctionName: name, Payload: encode({}) }));
    assert.equal(decode(warm.Payload).invocations, 2);
    assert.equal(warm.LogResult, undefined);
  });

  t("Invoke: a thrown error is FunctionError Unhandled with `trace`", async () => {
    const res = await client.send(new InvokeCommand({ FunctionName: name, Payload: encode({ fail: "x" }) }));
    assert.equal(res.StatusCode, 200);
    assert.equal(res.FunctionError, "Unhandled");
    const err = decode(res.Payload);
    assert.equal(err.errorType, "TypeError");
    assert.equal(err.errorMessage, "bad input: x");
    assert.equal(err.trace[0], "TypeError: bad input: x");
  });

  t("Invoke (Event) answers 202", async () => {
    const res = await client.send(new InvokeCommand({
      FunctionName: name, InvocationType: "Event", Payload: encode({ async: true }),
    }));
    assert.equal(res.StatusCode, 202);
    assert.equal(res.$metadata.httpStatusCode, 202);
    assert.equal(res.Payload?.length ?? 0, 0);
  });

  t("GetFunction and ListFunctions", async () => {
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    assert.equal(got.Configuration.FunctionName, name);
    assert.equal(got.Configuration.State, "Active");
    assert.equal(got.Configuration.Runtime, "nodejs20.x");
    assert.deepEqual(got.Configuration.Environment, { Variables: { FROM: "sdk" } });
    const download = await fetch(got.Code.Location);
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), zip);

    const listed = await client.send(new ListFunctionsCommand({}));
    assert.ok(listed.Functions.some((f) => f.FunctionName === name && f.FunctionArn === functionArn(name)));
  });

  t("DeleteFunction, then ResourceNotFoundException", async () => {
    const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    assert.ok([200, 204].includes(deleted.$metadata.httpStatusCode));
    await assert.rejects(client.send(new GetFunctionCommand({ FunctionName: name })), (e) => {
      assert.ok(e instanceof ResourceNotFoundException, `got ${e.name}`);
      assert.equal(e.$metadata.httpStatusCode, 404);
      assert.equal(e.message, `Function not found: ${functionArn(name)}`);
      return true;
    });
    await assert.rejects(client.send(new InvokeCommand({ FunctionName: name, Payload: encode({}) })),
      (e) => e instanceof ResourceNotFoundException &&
        e.message === `Function not found: ${functionArn(name)}:$LATEST`);
  });
});
