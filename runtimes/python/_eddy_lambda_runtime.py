"""Eddy's Lambda runtime interface client for Python (standard library only).

Eddy starts `python3 bootstrap.py` in the task root with _HANDLER and AWS_LAMBDA_RUNTIME_API set;
bootstrap.py imports this module and calls main(). This client reproduces what handler code and
callers can observe of AWS's awslambdaric: handler resolution and its Runtime.* init errors, the
context object, the log line formats, the error JSON and its log line, JSON marshalling (Decimal
included).

Start-up cost is kept close to a bare interpreter: the Runtime API is spoken over one keep-alive
connection with a few lines of HTTP/1.1 on `_socket` (http.client would pull in ssl and email, ~20 ms,
and parse every header block with email.parser), and `logging`, `traceback`, `decimal` load only when
something needs them.
"""

import os
import sys
import time

import _socket  # not `socket`: its enum set-up alone costs ~2 ms of start-up

# --- sys.path and standard streams ---------------------------------------------------------------

_TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
_OWN_DIR = os.path.dirname(os.path.abspath(__file__))
_OWN_DIR_PREFIX = _OWN_DIR + os.sep
# User modules resolve from the task root first, and never from this file's directory.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _OWN_DIR]
sys.path.insert(0, _TASK_ROOT)


def _unbuffered(stream, fd):
    # What `python -u` does: every write reaches the pipe at once, so Eddy sees output before the
    # response it belongs to, and nothing is lost when a timed-out environment is killed.
    import io

    return io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=False),
        encoding=stream.encoding,
        errors=stream.errors,
        write_through=True,
    )


sys.stdout = _unbuffered(sys.stdout, 1)
sys.stderr = _unbuffered(sys.stderr, 2)

# --- error model ---------------------------------------------------------------------------------


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """(filename, lineno, name, line) of a traceback, without the runtime's own leading frames."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        if not frame[0].startswith(_OWN_DIR_PREFIX):
            return frames[i:]
    return frames


def _format_frames(frames):
    import traceback

    return traceback.format_list(frames)


def make_xray_fault(ex_type, ex_msg, working_dir, frames):
    stack = [{"label": name, "path": path, "line": line} for path, line, name, _ in frames]
    return {
        "working_directory": working_dir,
        "exceptions": [{"message": ex_msg, "type": ex_type, "stack": stack}],
        "paths": list({path for path, _, _, _ in frames}),
    }


def _error_log_line(error_result):
    """awslambdaric's text error record: one line, '\\r' between lines, indentation as U+00A0."""
    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    message = error_result.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + message
    lines = [description, "Traceback (most recent call last):"]
    for element in error_result.get("stackTrace") or ():
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return "\r".join(lines) + "\n"


def log_error(error_result):
    sys.stdout.write(_error_log_line(error_result))


# --- JSON ----------------------------------------------------------------------------------------


def _keeps_unicode():
    # AWS's python3.12+ runtimes return non-ASCII characters as UTF-8; older ones escape them.
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    if env.startswith("AWS_Lambda_python3."):
        try:
            return int(env[len("AWS_Lambda_python3."):]) >= 12
        except ValueError:
            return True
    return sys.version_info >= (3, 12)


_ENSURE_ASCII = not _keeps_unicode()


class _NeedsDecimalEncoding(Exception):
    pass


# JSON goes straight through the `_json` C accelerator that the `json` package wraps: importing
# `json` pulls in `re` and `enum` (~5 ms of every cold start). The results are the very ones
# json.JSONEncoder / json.loads give, whose code paths these mirror; `json` itself is imported only
# for rare cases (Decimals, unserializable objects, invalid input, so that errors read the same).
try:
    from _json import encode_basestring as _c_encode_basestring
    from _json import encode_basestring_ascii as _c_encode_basestring_ascii
    from _json import make_encoder as _c_make_encoder
    from _json import make_scanner as _c_make_scanner
except ImportError:  # an interpreter without the accelerator: the json package only
    _c_make_encoder = _c_make_scanner = None


def _json_module():
    import json

    return json


def _encoder_default(o):
    # A Decimal can only exist if someone imported decimal, so this costs no import.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(o, decimal.Decimal):
        raise _NeedsDecimalEncoding
    return _json_module().JSONEncoder().default(o)  # raises json's own TypeError


def _encode_with_c(obj, ensure_ascii):
    """json.JSONEncoder(ensure_ascii=...).encode(obj), minus the import of json."""
    if isinstance(obj, str):
        return _c_encode_basestring_ascii(obj) if ensure_ascii else _c_encode_basestring(obj)
    # A fresh markers dict each time, as JSONEncoder.iterencode does: a failed encode leaves entries.
    encode = _c_make_encoder(
        {},
        _encoder_default,
        _c_encode_basestring_ascii if ensure_ascii else _c_encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    return "".join(encode(obj, 0))


def _encode_with_json(obj, ensure_ascii):
    class Encoder(_json_module().JSONEncoder):
        def default(self, o):
            return _encoder_default(o)

    return Encoder(ensure_ascii=ensure_ascii).encode(obj)


_encode = _encode_with_c if _c_make_encoder is not None else _encode_with_json


def _encode_with_decimals(obj, ensure_ascii):
    # simplejson (which awslambdaric uses) writes a Decimal as its exact digits and a NaN Decimal as
    # NaN. The standard library's pure-Python encoder takes the number types and their formatter as
    # parameters, so Decimals can go through the float branch.
    import decimal

    json = _json_module()
    infinity = float("inf")

    def number(o):
        if isinstance(o, decimal.Decimal):
            return "NaN" if o.is_nan() else str(o)
        if o != o:
            return "NaN"
        if o == infinity:
            return "Infinity"
        if o == -infinity:
            return "-Infinity"
        return float.__repr__(o)

    encoder = json.encoder
    iterencode = encoder._make_iterencode(
        {},
        json.JSONEncoder(ensure_ascii=ensure_ascii).default,
        encoder.encode_basestring_ascii if ensure_ascii else encoder.encode_basestring,
        None,
        number,
        ": ",
        ", ",
        False,
        False,
        True,
        float=(float, decimal.Decimal),
    )
    return "".join(iterencode(obj, 0))


def to_json(obj, ensure_ascii=_ENSURE_ASCII):
    try:
        return _encode(obj, ensure_ascii)
    except _NeedsDecimalEncoding:
        return _encode_with_decimals(obj, ensure_ascii)


class _ScannerContext:
    """The attributes _json.make_scanner reads: those of a default json.JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan_once = _c_make_scanner(_ScannerContext) if _c_make_scanner is not None else None
_JSON_WHITESPACE = " \t\n\r"


def from_json(text):
    """json.loads(text) for str or bytes; whatever it cannot do alone (UTF-16/32 or BOM detection,
    errors and their messages) is left to json.loads itself."""
    if _scan_once is not None:
        try:
            if not isinstance(text, str):
                # json.detect_encoding says UTF-8 unless there is a NUL in the first 4 bytes or a BOM.
                if b"\x00" in text[:4] or text[:1] in (b"\xef", b"\xfe", b"\xff"):
                    raise ValueError
                text = text.decode("utf-8", "surrogatepass")
            elif text.startswith("\ufeff"):
                raise ValueError
            start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
            value, end = _scan_once(text, start)
            if not text[end:].strip(_JSON_WHITESPACE):
                return value
        except (ValueError, StopIteration):
            pass
    return _json_module().loads(text)


def marshal_response(response):
    if isinstance(response, bytes):
        return response, b"application/unknown"
    try:
        return to_json(response).encode("utf-8"), b"application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None
        )


def unmarshal_request(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return from_json(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None
        )


# --- Runtime API client --------------------------------------------------------------------------


class RuntimeApiError(Exception):
    pass


class RuntimeApi:
    """HTTP/1.1 on one keep-alive connection to the Runtime API; one request at a time."""

    _PREFIX = "/2018-06-01/runtime/"

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._host = host.strip("[]") or "127.0.0.1"
        self._port = int(port)
        self._sock = None
        self._buf = bytearray()
        self._parent_pid = os.getppid()
        self._dropped = False
        self._host_line = ("Host: %s\r\n" % address).encode("latin-1")
        self._next_request = (
            b"GET " + (self._PREFIX + "invocation/next").encode() + b" HTTP/1.1\r\n" + self._host_line
            + b"\r\n"
        )

    def _connect(self):
        # Reconnecting after the process that started us (Eddy) has exited could reach a listening
        # socket it leaked into this process, and wait there forever. Its connections close before
        # this process is re-parented, hence the pause after a dropped connection.
        if self._dropped:
            self._dropped = False
            time.sleep(0.05)
        if os.getppid() != self._parent_pid:
            raise ConnectionRefusedError("the process that started this runtime has exited")
        last_error = None
        for family, kind, proto, _, addr in _socket.getaddrinfo(
            self._host.encode(), self._port, 0, _socket.SOCK_STREAM  # bytes: no idna codec import
        ):
            sock = _socket.socket(family, kind, proto)
            try:
                sock.connect(addr)
            except OSError as e:
                sock.close()
                last_error = e
                continue
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            self._sock = sock
            self._buf.clear()
            return
        raise last_error or OSError("cannot resolve " + self._host)

    def _close(self, dropped=True):
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._dropped = dropped

    def _fill(self):
        chunk = self._sock.recv(262144)
        if not chunk:
            raise ConnectionResetError("Runtime API closed the connection")
        self._buf += chunk

    def _read_response(self):
        buf = self._buf
        start = 0
        while True:
            end = buf.find(b"\r\n\r\n", start)
            if end >= 0:
                break
            start = max(0, len(buf) - 3)
            self._fill()
        lines = buf[:end].decode("utf-8", "replace").split("\r\n")
        del buf[: end + 4]
        status = int(lines[0][9:12])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            body = self._read_chunked()
        else:
            length = int(headers.get("content-length", "0"))
            while len(buf) < length:
                self._fill()
            body = bytes(buf[:length])
            del buf[:length]
        if headers.get("connection", "").lower() == "close":
            self._close(dropped=False)
        return status, headers, body

    def _read_chunked(self):
        buf = self._buf
        parts = []
        while True:
            while (eol := buf.find(b"\r\n")) < 0:
                self._fill()
            size = int(bytes(buf[:eol]).split(b";")[0], 16)
            del buf[: eol + 2]
            if size == 0:
                # Trailers (if any) end with an empty line.
                while True:
                    while (eol := buf.find(b"\r\n")) < 0:
                        self._fill()
                    line = buf[:eol]
                    del buf[: eol + 2]
                    if not line:
                        return b"".join(parts)
            while len(buf) < size + 2:
                self._fill()
            parts.append(bytes(buf[:size]))
            del buf[: size + 2]

    def _send(self, parts):
        if sum(map(len, parts)) <= 65536:
            self._sock.sendall(b"".join(parts))
        else:
            for part in parts:
                self._sock.sendall(part)

    def _exchange(self, parts):
        """Sends `parts` and reads one response; on a new connection if the kept-alive one is gone."""
        for attempt in (0, 1):
            fresh = self._sock is None
            if fresh:
                self._connect()
            try:
                self._send(parts)
                return self._read_response()
            except OSError:
                self._close()
                # E.g. the server closed the idle connection while a long handler ran: retry once.
                if fresh or attempt:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _checked_next(response):
        status, headers, body = response
        if status != 200:
            raise RuntimeApiError(
                "Request to Lambda Runtime 'next' endpoint failed. Reason: '{}'. Response body: '{}'".format(
                    status, body.decode("utf-8", "replace")
                )
            )
        return headers, body

    def next_invocation(self):
        return self._checked_next(self._exchange((self._next_request,)))

    def _post(self, path, body, content_type, extra_headers=b"", then_next=False):
        """POSTs to the Runtime API; with then_next, also asks for the next invocation and returns it.

        The GET /next is pipelined behind the POST (sent in the same write), which saves a round
        trip and a system call per invoke. The server handles a connection's requests in order.
        """
        head = b"".join(
            (
                b"POST ",
                (self._PREFIX + path).encode("utf-8"),
                b" HTTP/1.1\r\n",
                self._host_line,
                b"Content-Type: ",
                content_type,
                b"\r\nContent-Length: ",
                str(len(body)).encode(),
                b"\r\n",
                extra_headers,
                b"\r\n",
            )
        )
        parts = (head, body, self._next_request) if then_next else (head, body)
        status, _, response = self._exchange(parts)
        if status != 202:
            # Not fatal (e.g. 413 for a too-large response): the platform already knows the outcome.
            sys.stderr.write(
                "Request to Lambda Runtime '{}' endpoint failed. Reason: '{}'. Response body: '{}'\n".format(
                    path, status, response.decode("utf-8", "replace")
                )
            )
        if not then_next:
            return None
        if self._sock is not None:
            try:
                return self._checked_next(self._read_response())
            except OSError:
                self._close()
        # The server closed the connection after answering the POST: the GET was never served.
        return self.next_invocation()

    def respond_and_next(self, invoke_id, body, content_type):
        return self._post("invocation/%s/response" % invoke_id, body, content_type, then_next=True)

    def error_and_next(self, invoke_id, error_result, xray_fault):
        return self._post(
            "invocation/%s/error" % invoke_id,
            to_json(error_result).encode("utf-8"),
            b"application/json",
            _error_headers(error_result["errorType"], xray_fault),
            then_next=True,
        )

    def post_init_error(self, error_result):
        self._post(
            "init/error",
            to_json(error_result).encode("utf-8"),
            b"application/json",
            _error_headers(error_result["errorType"], None),
        )


def _error_headers(error_type, xray_fault):
    headers = b""
    try:
        headers += b"Lambda-Runtime-Function-Error-Type: " + error_type.encode("ascii") + b"\r\n"
    except UnicodeEncodeError:
        pass
    if xray_fault is not None:
        cause = to_json(xray_fault, ensure_ascii=True).encode("ascii")  # ASCII-escaped: safe as a header value
        if len(cause) < 1024 * 1024:
            headers += b"Lambda-Runtime-Function-XRay-Error-Cause: " + cause + b"\r\n"
    return headers


# --- context -------------------------------------------------------------------------------------


class LambdaContext(object):
    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)

        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class CognitoIdentity(object):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client(object):
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext(object):
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"custom={self.custom},"
            f"env={self.env},"
            f"client={self.client}"
            "])"
        )


def make_obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


def _parse_json_header(value, name):
    try:
        return from_json(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


# --- logging -------------------------------------------------------------------------------------

_current_request_id = None
_current_tenant_id = None


def _configure_logging(logging):
    """Attach awslambdaric's root handler: `[LEVEL]\\t<UTC time>\\t<request id>\\t<message>`."""

    class LambdaLoggerHandler(logging.Handler):
        def emit(self, record):
            sys.stdout.write(self.format(record))

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _current_request_id or ""
            record.tenant_id = _current_tenant_id
            return True

    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    # LoggingConfig.ApplicationLogLevel; Lambda's TRACE is Python's DEBUG.
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    if isinstance(logging.getLevelName(level), int):
        root.setLevel(level)


class _ConfigureLoggingOnImport:
    """Meta-path hook: configures `logging` the moment anything imports it.

    Handlers that never log do not pay for importing logging (~5 ms); those that do see exactly the
    root handler awslambdaric installs before user code runs (so logging.basicConfig is a no-op).
    """

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(cls)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec else None
            if spec is not None:
                break
        else:
            return None
        exec_module = getattr(spec.loader, "exec_module", None)
        if exec_module is None:
            return None

        def exec_and_configure(module):
            exec_module(module)
            _configure_logging(module)

        spec.loader.exec_module = exec_and_configure
        return spec


if "logging" in sys.modules:
    _configure_logging(sys.modules["logging"])
else:
    sys.meta_path.insert(0, _ConfigureLoggingOnImport)

_UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: "
    "Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log "
    "entry. "
    "If this error correlates with a change in the runtime version, you may be able to mitigate "
    "this error by temporarily rolling back to the previous runtime version. "
    "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

# --- handler loading -----------------------------------------------------------------------------


def _get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )

    import importlib

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
            None,
        )


# --- the loop ------------------------------------------------------------------------------------


def handle_invocation(api, request_handler, headers, body):
    """Runs one invocation, posts its outcome and returns the next invocation's (headers, body)."""
    invoke_id = headers.get("lambda-runtime-aws-request-id")
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito_identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = unmarshal_request(body, headers.get("content-type", "application/json"))
        response = request_handler(event, context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        xray_fault = make_xray_fault("LambdaValidationError", e.msg, os.getcwd(), [])
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        etype, value, tb = sys.exc_info()
        frames = _user_frames(tb)
        xray_fault = make_xray_fault(etype.__name__, str(value), os.getcwd(), frames)
        error_result = make_error(str(value), etype.__name__, _format_frames(frames), invoke_id)
    else:
        return api.respond_and_next(invoke_id, result, content_type)
    log_error(error_result)
    return api.error_and_next(invoke_id, error_result, xray_fault)


def _init_failed(api, error_result):
    import logging

    logging.warning(_UNHANDLED_EXCEPTION_WARNING)
    log_error(error_result)
    api.post_init_error(error_result)
    sys.exit(1)


def main():
    global _current_request_id, _current_tenant_id

    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    api = RuntimeApi(address)

    try:
        request_handler = _get_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        _init_failed(api, make_error(e.msg, e.exception_type, e.trace))
    except Exception:
        etype, value, tb = sys.exc_info()
        _init_failed(api, make_error(str(value), etype.__name__, _format_frames(_user_frames(tb))))

    environ = os.environ
    try:
        headers, body = api.next_invocation()
        while True:
            _current_request_id = headers.get("lambda-runtime-aws-request-id")
            _current_tenant_id = headers.get("lambda-runtime-aws-tenant-id")
            trace_id = headers.get("lambda-runtime-trace-id")
            if trace_id is not None:
                environ["_X_AMZN_TRACE_ID"] = trace_id
            elif "_X_AMZN_TRACE_ID" in environ:
                del environ["_X_AMZN_TRACE_ID"]
            headers, body = handle_invocation(api, request_handler, headers, body)
    except (OSError, RuntimeApiError) as e:
        # The Runtime API is gone (Eddy stopped or replaced this environment): nothing to report to.
        sys.stderr.write("Lambda Runtime API request failed: {}\n".format(e))
        sys.exit(1)

