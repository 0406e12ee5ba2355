// Shared fixture for the node suites (sqs_sdk.test.mjs, move_tasks.test.mjs): starts the real eddy
// binary ($EDDY_BIN) on a free port with a temp data dir, and wires an @aws-sdk/client-sqs client to it
// for one describe() block.
//
// Needs tests/node_modules: run scripts/deps.sh (or `npm ci` in tests/).

import { after, before, test } from "node:test";
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

let lib;
try {
  lib = await import("@aws-sdk/client-sqs");
} catch (e) {
  console.error(
    "\n*** @aws-sdk/client-sqs is not installed (tests/node_modules missing).\n" +
      "*** Run scripts/deps.sh (or: cd tests && npm ci) first.\n",
  );
  throw e;
}
export const sqsLib = lib;

export const ACCOUNT = "000000000000";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// One durable eddy process. Not restartable; drive it from one test file.
export class Eddy {
  constructor() {
    this.bin = process.env.EDDY_BIN;
    if (!this.bin) throw new Error("EDDY_BIN is not set: point it at the eddy binary");
    this.dataDir = mkdtempSync(join(tmpdir(), "eddy-js-data-"));
    this.logPath = join(mkdtempSync(join(tmpdir(), "eddy-js-log-")), "eddy.log");
  }

  async start() {
    let lastError;
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = await freePort();
      const log = openSync(this.logPath, "a");
      const env = { ...process.env };
      for (const k of ["EDDY_HOST", "EDDY_PORT", "EDDY_DATA_DIR", "EDDY_IN_MEMORY"]) delete env[k];
      this.proc = spawn(this.bin, ["serve", "--host", "127.0.0.1", "--port", String(port),
        "--data-dir", this.dataDir], { stdio: ["ignore", log, log], env });
      closeSync(log);
      let exited = null;
      this.proc.on("exit", (code, sig) => { exited = code ?? sig; });
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && exited === null) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/_eddy/health`);
          if (r.ok && exited === null) {
            this.port = port;
            this.endpoint = `http://127.0.0.1:${port}`;
            return;
          }
        } catch { /* not up yet */ }
        await sleep(20);
      }
      lastError = exited !== null ? `exited (${exited})` : "no health within 20 s";
      if (exited === null) this.proc.kill("SIGKILL");
    }
    this.dumpLog();
    throw new Error(`eddy did not start: ${lastError}`);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10000);
    await done;
    clearTimeout(timer);
  }

  dumpLog() {
    try {
      console.error(`\n==== eddy log (${this.logPath}) ====\n${readFileSync(this.logPath, "utf8")}\n====`);
    } catch { /* no log */ }
  }

  cleanup() {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// Call inside describe(): registers before/after hooks that start eddy and build an SQSClient for it
// (handed to `onClient`, since it exists only once `before` ran), then stop eddy, printing its log if
// a test wrapped with the returned `t` failed and removing the data dir otherwise.
export function eddySuite(onClient) {
  const eddy = new Eddy();
  let sqs;
  let failed = false;

  before(async () => {
    await eddy.start();
    sqs = new sqsLib.SQSClient({
      endpoint: eddy.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    onClient(sqs);
  });

  after(async () => {
    sqs?.destroy();
    await eddy.stop();
    if (failed) eddy.dumpLog(); else eddy.cleanup();
  });

  // Wraps a test so the server log is printed when it fails.
  const t = (name, fn) => test(name, async (ctx) => {
    try { await fn(ctx); } catch (e) { failed = true; throw e; }
  });

  return { eddy, t };
}
