#!/usr/bin/env node
// Eddy's Lambda runtime interface client for Node.js (built-in modules only).
//
// Eddy starts `node bootstrap.cjs` in the task root with _HANDLER and AWS_LAMBDA_RUNTIME_API set.
// This client reproduces what handler code and callers can observe of AWS's aws-lambda-ric: handler
// resolution (CommonJS and ES modules) and its Runtime.* errors, the context object and callback
// semantics (callbackWaitsForEmptyEventLoop via 'beforeExit'), the patched console format, the error
// JSON (`trace`), response streaming, and the exits after uncaught errors (129) and unhandled
// rejections (128). The Runtime API is spoken over one keep-alive connection.
//
// CommonJS rather than an ES module, for start-up time: an ES module entry costs the ES module loader
// (and the fs/promises and readline it pulls in), ~8 ms of CPU on every cold start. The loader comes
// in only with a dynamic import() of an ES module handler.

'use strict';

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const util = require('node:util');

// Loads CommonJS handlers. AWS's client loads them from /var/runtime/index.mjs, and that file is
// what Node names at the end of a MODULE_NOT_FOUND "Require stack", which callers see in the
// errorMessage of Runtime.ImportModuleError. The file need not exist: it only anchors resolution
// (and every lookup here is by absolute path or with explicit `paths`). module.constructor is Module:
// requiring node:module instead would also load the ES module loader.
const userRequire = module.constructor.createRequire('/var/runtime/index.mjs');

// ---------------------------------------------------------------------------------------------
// Errors

function isErrorLike(obj) {
  return (
    obj &&
    obj.name &&
    obj.message &&
    obj.stack &&
    typeof obj.name === 'string' &&
    typeof obj.message === 'string' &&
    typeof obj.stack === 'string'
  );
}

function intoError(err) {
  return err instanceof Error ? err : new Error(err);
}

// The error body posted to the Runtime API (and returned to the caller).
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// name, message, code and stack are not enumerable; the log record shows them with the error's own
// enumerable properties.
function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const ret = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
  return ret;
}

// The error as logged: always starts with a tab.
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class InvalidStreamingOperation extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const errorClass of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  errorClass.prototype.name = `Runtime.${errorClass.name}`;
}

// X-Ray's view of an error, sent as the Lambda-Runtime-Function-XRay-Error-Cause header.
function xrayCause(err) {
  try {
    const stack = [];
    if (err.stack) {
      for (const stackLine of err.stack.split('\n').slice(1)) {
        let line = stackLine.trim().replace(/\(|\)/g, '');
        line = line.substring(line.indexOf(' ') + 1);
        const label = line.lastIndexOf(' ') >= 0 ? line.slice(0, line.lastIndexOf(' ')) : null;
        const where = (label ? line.slice(line.lastIndexOf(' ') + 1) : line).split(':');
        stack.push({ path: where[0], line: parseInt(where[1]), label: label || 'anonymous' });
      }
    }
    return JSON.stringify({
      working_directory: process.cwd(),
      exceptions: [{ type: err.name, message: err.message, stack }],
      paths: Array.from(new Set(stack.map((entry) => entry.path))),
    });
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Console: `<ISO time>\t<request id>\t<LEVEL>\t<util.format(...)>`, newlines as '\r' so that one call
// is one log event.

const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');

function patchConsole() {
  const levels = {
    TRACE: { name: 'TRACE', priority: 1 },
    DEBUG: { name: 'DEBUG', priority: 2 },
    INFO: { name: 'INFO', priority: 3 },
    WARN: { name: 'WARN', priority: 4 },
    ERROR: { name: 'ERROR', priority: 5 },
    FATAL: { name: 'FATAL', priority: 6 },
  };
  const minimum = levels[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? levels.TRACE;
  const log = (level, message, ...params) => {
    const line = `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level.name}\t${util.format(
      message,
      ...params,
    )}`;
    process.stdout.write(line.replace(/\n/g, '\r') + '\n');
  };
  const writer = (level) =>
    level.priority >= minimum.priority ? (msg, ...params) => log(level, msg, ...params) : () => {};
  console.trace = writer(levels.TRACE);
  console.debug = writer(levels.DEBUG);
  console.info = writer(levels.INFO);
  console.log = console.info;
  console.warn = writer(levels.WARN);
  console.error = writer(levels.ERROR);
  console.fatal = (msg, ...params) => log(levels.FATAL, msg, ...params);
}

function logError(message, err) {
  console.error(message, toFormatted(intoError(err)));
}

// ---------------------------------------------------------------------------------------------
// Runtime API client

const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';
const XRAY_CAUSE_HEADER = 'Lambda-Runtime-Function-XRay-Error-Cause';

// The Runtime API is gone (Eddy stopped or replaced this environment): nothing left to report to.
function runtimeApiFailed(err) {
  process.stderr.write(`Lambda Runtime API request failed: ${err}\n`);
  process.exit(1);
}

function serializeResponse(body) {
  try {
    return JSON.stringify(body === undefined ? null : body) ?? '';
  } catch {
    throw new Error('Unable to stringify response body');
  }
}

const headerSafe = (value) => typeof value === 'string' && /^[\x20-\x7e]*$/.test(value);
const asciiOnly = (text) =>
  text.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

// One parsed HTTP/1.1 response at `start` of `buffer`, or {need} when it is not all there yet
// (need: the buffer length that completes it, 0 if unknown).
function parseResponse(buffer, start) {
  const headEnd = buffer.indexOf('\r\n\r\n', start);
  if (headEnd < 0) return { need: 0 };
  const lines = buffer.toString('utf8', start, headEnd).split('\r\n');
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  let body;
  let end = headEnd + 4;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    for (;;) {
      const eol = buffer.indexOf('\r\n', end);
      if (eol < 0) return { need: 0 };
      const size = parseInt(buffer.toString('latin1', end, eol), 16);
      if (size === 0) {
        // Trailer lines, if any, then an empty line.
        const trailers = eol + 2;
        if (buffer.length < trailers + 2) return { need: 0 };
        if (buffer[trailers] === 0x0d && buffer[trailers + 1] === 0x0a) {
          end = trailers + 2;
          break;
        }
        const trailersEnd = buffer.indexOf('\r\n\r\n', trailers);
        if (trailersEnd < 0) return { need: 0 };
        end = trailersEnd + 4;
        break;
      }
      if (buffer.length < eol + 2 + size + 2) return { need: eol + 2 + size + 2 };
      parts.push(buffer.subarray(eol + 2, eol + 2 + size));
      end = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    const length = parseInt(headers['content-length'] ?? '0', 10);
    if (buffer.length < end + length) return { need: end + length };
    body = buffer.subarray(end, end + length);
    end += length;
  }
  return {
    status: parseInt(lines[0].slice(9, 12), 10),
    headers,
    body,
    end,
    close: (headers.connection ?? '').toLowerCase() === 'close',
  };
}

// HTTP/1.1 on one kept-alive connection, written with `net` rather than `http`: an http.Agent
// request costs several times more CPU per invoke, and writing the next GET right behind a POST
// (pipelining; the server answers a connection's requests in order) saves a round trip. The socket
// is referenced only while a response is awaited, so it never holds the event loop open: 'beforeExit'
// still tells when the handler's own work is done.
class RuntimeApiClient {
  constructor(hostPort) {
    const colon = hostPort.lastIndexOf(':');
    this.hostname = hostPort.slice(0, colon).replace(/^\[|\]$/g, '');
    this.port = parseInt(hostPort.slice(colon + 1), 10);
    this.hostHeader = `Host: ${hostPort}\r\n`;
    this.nextRequest = `GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n${this.hostHeader}\r\n`;
    this.socket = null;
    this.inFlight = []; // requests sent and not yet answered, in order: {bytes, onResponse}
    this.chunks = []; // received bytes not yet parsed
    this.receivedLength = 0;
    this.need = 0;
    this.resent = false;
    this.lastError = null;
    this.streamingAgent = null;
    this.parentPid = process.ppid;
  }

  _send(bytes, onResponse) {
    this.inFlight.push({ bytes, onResponse });
    if (this.socket === null) {
      this._connect();
    } else {
      this.socket.ref();
      this.socket.write(bytes);
    }
  }

  // (Re)connects and sends every request still waiting for its response.
  _connect() {
    // Reconnecting after the process that started us (Eddy) has exited could reach a listening
    // socket it leaked into this process, and wait there forever. Its connections close before this
    // process is re-parented, hence the pause before resending after a dropped connection.
    if (process.ppid !== this.parentPid) runtimeApiFailed('the process that started this runtime has exited');
    const socket = net.createConnection({ host: this.hostname, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.chunks = [];
    this.receivedLength = 0;
    this.need = 0;
    socket.on('data', (chunk) => this._onData(chunk));
    socket.on('error', (err) => (this.lastError = err));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      // Closed while idle (e.g. the server's idle timeout during a long handler): reconnect on the
      // next request. Closed with requests pending: resend them on a new connection, once, after a
      // pause (see the parent check in _connect).
      if (this.inFlight.length > 0) setTimeout(() => this._resend(), 50);
    });
    for (const request of this.inFlight) socket.write(request.bytes);
  }

  _resend() {
    if (this.socket !== null) return; // a new request has reconnected (and resent) meanwhile
    if (this.resent) runtimeApiFailed(this.lastError ?? 'connection closed');
    this.resent = true;
    this._connect();
  }

  _onData(chunk) {
    this.chunks.push(chunk);
    this.receivedLength += chunk.length;
    if (this.receivedLength < this.need) return;
    const buffer = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.receivedLength);
    let offset = 0;
    let close = false;
    this.need = 0;
    while (this.inFlight.length > 0 && !close) {
      const response = parseResponse(buffer, offset);
      if (response.status === undefined) {
        this.need = response.need && response.need - offset;
        break;
      }
      offset = response.end;
      close = response.close;
      this.resent = false;
      this.inFlight.shift().onResponse(response);
    }
    if (close) {
      // The server closes after this response; whatever is still pending goes on a new connection.
      const socket = this.socket;
      this.socket = null;
      socket.destroy();
      this.chunks = [];
      this.receivedLength = 0;
      if (this.inFlight.length > 0) this._connect();
      return;
    }
    const rest = offset < buffer.length ? buffer.subarray(offset) : null;
    this.chunks = rest ? [rest] : [];
    this.receivedLength = rest ? rest.length : 0;
    if (this.inFlight.length === 0 && this.socket) this.socket.unref();
  }

  nextInvocation() {
    return new Promise((resolve) => {
      this._send(this.nextRequest, (response) => {
        if (response.status !== 200) {
          runtimeApiFailed(
            `Request to Lambda Runtime 'next' endpoint failed. Reason: '${response.status}'. Response body: '${response.body}'`,
          );
        }
        resolve({ bodyJson: response.body.toString('utf8'), headers: response.headers });
      });
    });
  }

  // `callback` runs once the request is written, like AWS's client whose native POST returns
  // before the callback; the next GET then follows on the same connection without waiting.
  postInvocationResponse(result, id, callback) {
    this._post(
      `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
      serializeResponse(result),
      {},
      callback,
    );
  }

  postInvocationError(error, id, callback, waitForResponse = false) {
    const response = toRapidResponse(error);
    const headers = {};
    if (headerSafe(response.errorType)) headers[ERROR_TYPE_HEADER] = response.errorType;
    const cause = asciiOnly(xrayCause(error));
    if (cause && cause.length < 1024 * 1024) headers[XRAY_CAUSE_HEADER] = cause;
    this._post(
      `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/error`,
      serializeResponse(response),
      headers,
      callback,
      waitForResponse,
    );
  }

  // Always followed by an exit.
  postInitError(error, callback) {
    const response = toRapidResponse(error);
    const headers = {};
    if (headerSafe(response.errorType)) headers[ERROR_TYPE_HEADER] = response.errorType;
    this._post('/2018-06-01/runtime/init/error', serializeResponse(response), headers, callback, true);
  }

  // waitForResponse: `callback` (an exit) runs once the server has answered. Such a POST goes on a
  // connection of its own, as the kept-alive one may be blocked in a GET /next.
  _post(urlPath, body, headers, callback, waitForResponse = false) {
    let head =
      `POST ${urlPath} HTTP/1.1\r\n${this.hostHeader}Content-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    const bytes = head + '\r\n' + body;
    const onResponse = (response) => {
      if (response.status !== 202) {
        // Not fatal (e.g. 413 for a too-large response): the platform knows the outcome.
        process.stderr.write(
          `Request to Lambda Runtime '${urlPath}' endpoint failed. Reason: '${response.status}'. Response body: '${response.body}'\n`,
        );
      }
    };
    if (!waitForResponse) {
      this._send(bytes, onResponse);
      callback();
      return;
    }
    const socket = net.createConnection({ host: this.hostname, port: this.port });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const response = parseResponse(received, 0);
      if (response.status === undefined) return;
      socket.destroy();
      onResponse(response);
      callback();
    });
    socket.on('error', (err) => runtimeApiFailed(err));
    socket.write(bytes);
  }

  // Response streaming: a chunked POST (on its own connection); errors after the first byte travel
  // as trailers.
  streamInvocationResponse(id, highWaterMark) {
    const http = require('node:http'); // loaded on first use: compiling it costs start-up time
    this.streamingAgent ??= new http.Agent({ keepAlive: true, maxSockets: 1 });
    let resolveDone;
    let rejectDone;
    const responseDone = new Promise((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const request = http.request(
      {
        hostname: this.hostname,
        port: this.port,
        path: `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
        method: 'POST',
        agent: this.streamingAgent,
        highWaterMark,
        headers: {
          'Lambda-Runtime-Function-Response-Mode': 'streaming',
          Trailer: [ERROR_TYPE_HEADER, 'Lambda-Runtime-Function-Error-Body'],
          'Content-Type': 'application/octet-stream',
        },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolveDone());
      },
    );
    request.on('error', (err) => {
      rejectDone(err);
      request.destroy(err);
    });
    return { request, responseDone };
  }
}

// ---------------------------------------------------------------------------------------------
// Invocation context

class InvokeContext {
  constructor(headers) {
    this.headers = headers; // Node lower-cases header names
  }

  get invokeId() {
    const id = this.headers['lambda-runtime-aws-request-id'];
    if (!id) throw new Error('invocation id is missing or invalid');
    return id;
  }

  updateLoggingContext() {
    globalThis[REQUEST_ID] = this.invokeId;
    globalThis[TENANT_ID] = this.headers['lambda-runtime-aws-tenant-id'];
  }

  // Completes the callback context into the user's context object; the property order is AWS's.
  attachEnvironmentData(callbackContext) {
    const traceId = this.headers['lambda-runtime-trace-id'];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    const deadline = this.headers['lambda-runtime-deadline-ms'];
    return Object.assign(
      callbackContext,
      {
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      },
      {
        clientContext: parseJsonHeader(this.headers['lambda-runtime-client-context'], 'ClientContext'),
        identity: parseJsonHeader(this.headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
        invokedFunctionArn: this.headers['lambda-runtime-invoked-function-arn'],
        awsRequestId: this.headers['lambda-runtime-aws-request-id'],
        tenantId: this.headers['lambda-runtime-aws-tenant-id'],
        getRemainingTimeInMillis: function () {
          return deadline - Date.now();
        },
      },
    );
  }
}

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The one 'beforeExit' listener: what to do when the event loop has nothing left to run.

const BEFORE_EXIT = Symbol.for('aws.lambda.beforeExit');
const noOp = () => {};
const BeforeExitListener = {
  invoke: () => globalThis[BEFORE_EXIT](),
  reset: () => (globalThis[BEFORE_EXIT] = noOp),
  set: (listener) => (globalThis[BEFORE_EXIT] = listener),
};

// ---------------------------------------------------------------------------------------------
// callback / context.succeed / fail / done. Only the first call of any of them counts.

function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, callback) => {
    logError('Invoke Error', err);
    client.postInvocationError(err, id, callback);
  };

  let isCompleteInvoked = false;
  const complete = (result, callback) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    client.postInvocationResponse(result, id, callback);
  };

  let waitForEmptyEventLoop = true;

  const callback = function (err, result) {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      // Answer once everything the handler started has finished.
      BeforeExitListener.set(() => {
        setImmediate(() => complete(result, scheduleNext));
      });
    }
  };

  const done = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) postError(err, scheduleNext);
    else complete(result, scheduleNext);
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => (err === undefined || err === null ? done('handled') : done(err, null));

  let finished = false;
  const firstCallOnly =
    (fn) =>
    (...args) => {
      if (!finished) {
        fn(...args);
        finished = true;
      }
    };

  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: firstCallOnly(succeed),
    fail: firstCallOnly(fail),
    done: firstCallOnly(done),
  };
  const markCompleted = () => {
    isCompleteInvoked = true;
  };
  return [firstCallOnly(callback), callbackContext, markCompleted];
}

// ---------------------------------------------------------------------------------------------
// Response streaming (awslambda.streamifyResponse)

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const STREAM_RESPONSE = 'response';

class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType('application/vnd.awslambda.http-integration-response');
    const metadataPrelude = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadataPrelude);
      write(new Uint8Array(8)); // the delimiter: 8 NUL bytes
    };
    return underlyingStream;
  }
}

function createResponseStream(client, id, highWaterMark) {
  const { request, responseDone } = client.streamInvocationResponse(id, highWaterMark);
  let written = false;
  request.setContentType = (contentType) => {
    if (written) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    request.setHeader('Content-Type', contentType);
  };
  const write = request.write.bind(request);
  request.write = function (chunk, encoding, callback) {
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && chunk?.constructor !== Uint8Array) {
      chunk = JSON.stringify(chunk);
    }
    if (!written && typeof this._onBeforeFirstWrite === 'function') {
      this._onBeforeFirstWrite((c) => write(c));
    }
    written = true;
    return write(chunk, encoding, callback);
  };
  const fail = (err, callback) => {
    logError('Invoke Error', err);
    const error = toRapidResponse(err);
    request.addTrailers({
      [ERROR_TYPE_HEADER]: error.errorType,
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(error)).toString('base64'),
    });
    request.end(callback);
  };
  return { responseStream: request, responseDone, fail };
}

// ---------------------------------------------------------------------------------------------
// Loading the handler: `[dir/]module.export.path` (module has no dot).

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

function tryRequireFile(file) {
  return fs.existsSync(file) ? userRequire(file) : undefined;
}

async function tryAwaitImport(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

// Whether the nearest package.json above `folder` says "type": "module".
function hasFolderPackageJsonTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const packageJson = path.join(folder, '/package.json');
  if (fs.existsSync(packageJson)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(packageJson));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(
        `${packageJson} cannot be read, it will be ignored for ES module detection purposes.`,
        e,
      );
      return false;
    }
  }
  if (folder === '/') return false;
  return hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, moduleName);

  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;

  const typeModule = hasFolderPackageJsonTypeModule(path.dirname(lambdaStylePath));
  if (!typeModule) {
    const commonJs = tryRequireFile(lambdaStylePath + '.js');
    if (commonJs) return commonJs;
  }

  const loaded =
    (typeModule && (await tryAwaitImport(lambdaStylePath + '.js'))) ||
    (await tryAwaitImport(lambdaStylePath + '.mjs')) ||
    tryRequireFile(lambdaStylePath + '.cjs');
  if (loaded) return loaded;

  // A package name or a directory: Node's own resolution, from the task root.
  return userRequire(userRequire.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

async function _loadUserApp(appRoot, moduleRoot, moduleName) {
  try {
    return await loadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e.code !== undefined && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
}

async function loadHandler(appRoot, fullHandlerString) {
  if (fullHandlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = path.basename(fullHandlerString);
  const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(moduleAndHandler));
  const match = moduleAndHandler.match(FUNCTION_EXPR);
  if (!match || match.length != 3) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  const userApp = await _loadUserApp(appRoot, moduleRoot, moduleName);
  const handlerFunc = handlerPath.split('.').reduce((nested, key) => nested && nested[key], userApp);
  if (!handlerFunc) {
    throw new HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
  }
  if (typeof handlerFunc !== 'function') {
    throw new HandlerNotFound(`${fullHandlerString} is not a function`);
  }
  return handlerFunc;
}

function handlerMetadata(handler) {
  let streaming = false;
  const mode = handler[HANDLER_STREAMING];
  if (mode !== undefined && mode !== null && mode !== false) {
    if (mode !== STREAM_RESPONSE) {
      throw new MalformedStreamingHandler('Only response streaming is supported.');
    }
    streaming = true;
  }
  const highWaterMark = parseInt(handler[HANDLER_HIGHWATERMARK]);
  return {
    streaming,
    highWaterMark: isNaN(highWaterMark) ? undefined : highWaterMark,
    isAsync: handler.constructor?.name === 'AsyncFunction',
  };
}

// ---------------------------------------------------------------------------------------------
// The invoke loop

const isPromise = (obj) => obj && obj.then && typeof obj.then === 'function';

class Runtime {
  constructor(client, handler, metadata, errorCallbacks) {
    this.client = client;
    // Called as this.handler(...) so that stack traces read "at Runtime.handler", as on AWS.
    this.handler = handler;
    this.metadata = metadata;
    this.errorCallbacks = errorCallbacks;
    this.handleOnce = metadata.streaming ? this.handleOnceStreaming : this.handleOnceNonStreaming;
    this.scheduleNext = this.scheduleIteration.bind(this);
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnceNonStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const invokeId = invokeContext.invokeId;

    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      invokeId,
      this.scheduleNext,
    );
    try {
      this._setErrorCallbacks(invokeId);
      this._setDefaultExitListener(invokeId, markCompleted);
      const result = this.handler(
        JSON.parse(bodyJson),
        invokeContext.attachEnvironmentData(callbackContext),
        callback,
      );
      if (isPromise(result)) {
        result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  async handleOnceStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const invokeId = invokeContext.invokeId;

    let waitForEmptyEventLoop = true;
    const streamingContext = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
    };
    const scheduleNext = () => {
      BeforeExitListener.reset();
      if (!waitForEmptyEventLoop) {
        this.scheduleIteration();
      } else {
        BeforeExitListener.set(() => setImmediate(() => this.scheduleIteration()));
      }
    };
    const { responseStream, responseDone, fail } = createResponseStream(
      this.client,
      invokeId,
      this.metadata.highWaterMark,
    );
    try {
      this._setErrorCallbacks(invokeId);
      BeforeExitListener.set(() => this.scheduleIteration());
      const context = invokeContext.attachEnvironmentData(streamingContext);
      const result = this.handler(JSON.parse(bodyJson), responseStream, context);
      if (!isPromise(result)) {
        fail('Streaming does not support non-async handlers.', scheduleNext);
        return;
      }
      if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
      await responseDone;
      if (!responseStream.writableFinished) {
        fail('Response stream is not finished.', scheduleNext);
        return;
      }
      scheduleNext();
    } catch (err) {
      fail(err, scheduleNext);
    }
  }

  _setErrorCallbacks(invokeId) {
    this.errorCallbacks.uncaughtException = (error) => {
      this.client.postInvocationError(error, invokeId, () => process.exit(129), true);
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      this.client.postInvocationError(error, invokeId, () => process.exit(128), true);
    };
  }

  // The event loop ran dry without the handler finishing: an async handler's promise never settled
  // (an error), or a callback-style handler never called back (success, null).
  _setDefaultExitListener(invokeId, markCompleted) {
    BeforeExitListener.set(() => {
      markCompleted();
      if (this.metadata.isAsync) {
        const error = new NodeJsExit();
        logError('Invoke Error', error);
        this.client.postInvocationError(error, invokeId, this.scheduleNext);
      } else {
        this.client.postInvocationResponse(null, invokeId, this.scheduleNext);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up

async function main() {
  patchConsole();
  const client = new RuntimeApiClient(process.env.AWS_LAMBDA_RUNTIME_API ?? '');

  // Until the first invocation, uncaught errors are init errors.
  const errorCallbacks = {
    uncaughtException: (error) => client.postInitError(error, () => process.exit(129)),
    unhandledRejection: (error) => client.postInitError(error, () => process.exit(128)),
  };
  const onUncaughtException = (error) => {
    logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  };
  process.on('uncaughtException', onUncaughtException);
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });
  BeforeExitListener.reset();
  process.on('beforeExit', BeforeExitListener.invoke);

  if (!['1', 'true'].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA)) {
    globalThis.awslambda = {
      streamifyResponse: (handler, options) => {
        handler[HANDLER_STREAMING] = STREAM_RESPONSE;
        if (typeof options?.highWaterMark === 'number') {
          handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
        }
        return handler;
      },
      HttpResponseStream,
    };
  }

  let handler;
  let metadata;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || process.cwd(), process.env._HANDLER ?? '');
    metadata = handlerMetadata(handler);
  } catch (error) {
    // On AWS a failed load rejects the runtime's top-level await, which Node reports as an
    // uncaught exception: the same log line, init error and exit code.
    onUncaughtException(error);
    return;
  }
  new Runtime(client, handler, metadata, errorCallbacks).scheduleIteration();
}

// As a rejected top-level await would be: an uncaught exception.
main().catch((error) => process.nextTick(() => {
  throw error;
}));
