#!/usr/bin/env bash
# bench/run_lambda.sh [BUILD_DIR]: Eddy's Lambda data plane (cold start, warm round trip, throughput)
# against the bare-process floor measured in the same run. One Markdown table on stdout and in
# bench/results/lambda-<timestamp>.md. See docs/benchmarks.md.
#
# BUILD_DIR (or $EDDY_BUILD_DIR, default ./build) is configured if needed; only `lambdabench` and `eddy`
# are built. Environment knobs:
#   LAMBDA_BENCH_PYTHON=/usr/bin/python3   interpreter for both Eddy (--lambda-python) and the floor
#   LAMBDA_BENCH_NODE=node                 the same for Node
#   BENCH_COLD_SAMPLES=30 BENCH_WARM_SAMPLES=5000 BENCH_WARMUP_INVOKES=300
#   BENCH_CONCURRENCY=2 BENCH_DURATION=5 BENCH_WARMUP=1
#   BENCH_LAMBDA="cold-python,cold-node,warm,throughput"   BENCH_PAYLOAD='{"id":"lambdabench",...}'
set -euo pipefail

BENCH_LOG_PREFIX=lambda-bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # bench_build, bench_pick_port, bench_wait_http, ...
ROOT=$BENCH_ROOT
BUILD=$(bench_build_dir "${1:-}")
COLD_SAMPLES=${BENCH_COLD_SAMPLES:-30}
WARM_SAMPLES=${BENCH_WARM_SAMPLES:-5000}
WARMUP_INVOKES=${BENCH_WARMUP_INVOKES:-300}
CONCURRENCY=${BENCH_CONCURRENCY:-2}
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-1}
BENCHMARKS=${BENCH_LAMBDA:-cold-python,cold-node,warm,throughput}
PAYLOAD=${BENCH_PAYLOAD:-'{"id":"lambdabench","n":42,"items":[1,2,3],"text":"hello"}'}  # must contain "lambdabench"


# ---------------------------------------------------------------------------------------------- build
bench_build "$BUILD" lambdabench eddy
LAMBDABENCH=$BUILD/lambdabench
EDDY=$BUILD/eddy
[[ -x $EDDY ]] || EDDY=$BUILD/src/server/eddy
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")

# Real interpreters, never a wrapper: a pyenv shim alone costs hundreds of ms per spawn, and both sides
# must start the very same binary. Debian's python3 by default (a pyenv build may load extra .pth files).
PY=${LAMBDA_BENCH_PYTHON:-$([[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || echo python3)}
PY=$("$PY" -c 'import sys; print(sys.executable)')
NODE=$(readlink -f "$(command -v "${LAMBDA_BENCH_NODE:-node}")")

WORK=$(mktemp -d /tmp/eddy-lambda-bench.XXXXXX)
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------- functions
# The trivial handlers, identical for Eddy and the floor.
mkdir -p "$WORK/py" "$WORK/node"
printf 'def handler(e, c):\n    return e\n' >"$WORK/py/app.py"
printf 'exports.handler = async (event) => event;\n' >"$WORK/node/index.js"
(cd "$WORK/py" && "$PY" -m zipfile -c "$WORK/py.zip" app.py)
(cd "$WORK/node" && "$PY" -m zipfile -c "$WORK/node.zip" index.js)

PORT=$(bench_pick_port)
URL=http://127.0.0.1:$PORT
AUTH="Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0"

log "starting $EDDY on port $PORT (in memory; python $PY, node $NODE)"
"$EDDY" serve --host 127.0.0.1 --port "$PORT" --in-memory --log-level warn \
  --lambda-python "$PY" --lambda-node "$NODE" >"$WORK/eddy.log" 2>&1 &
SERVER_PID=$!
bench_wait_http "$URL/_eddy/health" "$SERVER_PID" "$WORK/eddy.log" 200 || exit 1

# create_function NAME RUNTIME HANDLER ZIP
create_function() {
  local body status
  body=$(printf '{"FunctionName":"%s","Runtime":"%s","Role":"arn:aws:iam::000000000000:role/r","Handler":"%s","Timeout":30,"Code":{"ZipFile":"%s"}}' \
    "$1" "$2" "$3" "$(base64 -w0 "$4")")
  status=$(curl -sS -o "$WORK/create.out" -w '%{http_code}' -X POST "$URL/2015-03-31/functions" \
    -H "$AUTH" -H 'Content-Type: application/json' --data-binary "$body")
  if [[ $status != 201 ]]; then
    log "CreateFunction $1: HTTP $status: $(head -c 300 "$WORK/create.out")"
    exit 1
  fi
}
create_function lambdabench-py python3.12 app.handler "$WORK/py.zip"
create_function lambdabench-node nodejs20.x index.handler "$WORK/node.zip"

# ---------------------------------------------------------------------------------------------- run
START=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "running $BENCHMARKS"
RAW=$WORK/results.txt
bench_rc=0
"$LAMBDABENCH" --port="$PORT" --server_pid="$SERVER_PID" --benchmarks="$BENCHMARKS" \
  --python="$PY" --node="$NODE" --python_root="$WORK/py" --node_root="$WORK/node" \
  --floor_script="$ROOT/bench/lambda_floor.py" --python_function=lambdabench-py --node_function=lambdabench-node \
  --cold_samples="$COLD_SAMPLES" --warm_samples="$WARM_SAMPLES" --warmup_invokes="$WARMUP_INVOKES" \
  --concurrency="$CONCURRENCY" --duration="$DURATION" --warmup="$WARMUP" --payload="$PAYLOAD" >"$RAW" || bench_rc=$?
END=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
EDDY_RSS_KB=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "")
[[ $bench_rc == 0 ]] || log "WARNING: lambdabench reported errors (rc $bench_rc); see the errors= fields"

# ---------------------------------------------------------------------------------------------- table
declare -A R  # R[bench|side|key] = value, from the RESULT lines
bench_read_results "$RAW" bench side

v() { echo "${R[$1|$2|$3]:-}"; }
fmt() { bench_fmt "$@"; }
diff_ms() { [[ -z $1 || -z $2 ]] && return; awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f ms", a - b }'; }
ratio() { [[ -z $1 || -z $2 ]] && return; awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b }'; }
check() {
  [[ -z $1 ]] && return
  awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "<" ? x < l : x >= l); printf "%s", ok ? "✅" : "❌" }'
}
flag_errors() { local e=${R[$1|$2|errors]:-0} nc=${R[$1|$2|not_cold]:-0}; [[ $e != 0 || $nc != 0 ]] && echo " ⚠ ${e} errors, ${nc} not cold"; }
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); }

for rt in python node; do
  b=cold-$rt
  # Eddy's addition is the median of paired differences (each Eddy sample minus the floor sample just
  # before it), which load drifting during the run moves less than a difference of two medians.
  e=$(v $b eddy p50_ms) f=$(v $b floor p50_ms) added=$(v $b eddy added_p50_ms)
  row "cold start, ${rt^} (p50 ms)" "$(fmt "$e")$(flag_errors $b eddy)" "$(fmt "$f")" \
    "$(diff_ms "$added" 0) (paired median)" "Eddy adds < 10 ms $(check "$added" '<' 10)"
  e=$(v $b eddy mean_ms) f=$(v $b floor mean_ms)
  row "cold start, ${rt^} (mean ms; min–max)" "$(fmt "$e") ($(fmt "$(v $b eddy min_ms)")–$(fmt "$(v $b eddy max_ms)"))" \
    "$(fmt "$f") ($(fmt "$(v $b floor min_ms)")–$(fmt "$(v $b floor max_ms)"))" "$(diff_ms "$e" "$f")" ""
  row "cold start, ${rt^}: floor timed to exit instead (p50 ms)" "" "$(fmt "$(v $b floor exit_p50_ms)")" "" ""
  row "cold start, ${rt^}: Eddy's Init Duration, spawn → first /next (p50 ms)" "$(fmt "$(v $b eddy init_p50_ms)")" \
    "" "" ""
done
for pct in p50 p99; do
  e=$(v warm eddy ${pct}_ms) f=$(v warm floor ${pct}_ms)
  limit=$([[ $pct == p50 ]] && echo 1 || echo 3)
  row "warm Invoke round trip, Python, 1 client ($pct ms)" "$(fmt "$e" 3)$(flag_errors warm eddy)" "$(fmt "$f" 3)" \
    "$(diff_ms "$e" "$f") ($(ratio "$e" "$f"))" "< $limit ms $(check "$e" '<' "$limit")"
done
row "warm round trip, bare child over TCP loopback instead of a socketpair (p50 / p99 ms)" "—" \
  "$(fmt "$(v warm floor-tcp p50_ms)" 3) / $(fmt "$(v warm floor-tcp p99_ms)" 3)" "" ""
row "warm: Eddy server CPU per invoke (µs)" "$(fmt "$(v warm eddy server_cpu_us)" 1)" "—" "" ""
row "warm: runtime process CPU per invoke (µs)" "$(fmt "$(v warm eddy runtime_cpu_us)" 1)" \
  "$(fmt "$(v warm floor runtime_cpu_us)" 1)" "$(ratio "$(v warm eddy runtime_cpu_us)" "$(v warm floor runtime_cpu_us)")" ""
row "warm: client (lambdabench) CPU per invoke (µs)" "$(fmt "$(v warm eddy client_cpu_us)" 1)" \
  "$(fmt "$(v warm floor client_cpu_us)" 1)" "" ""
e=$(v throughput eddy per_s) f=$(v throughput floor per_s)
row "throughput, $CONCURRENCY in flight (invokes/s)" "$(fmt "$e" 0)$(flag_errors throughput eddy)" "$(fmt "$f" 0)" \
  "$(ratio "$e" "$f")" "≥ 2,000/s $(check "$e" '>=' 2000)"
row "throughput, bare children over TCP loopback (round trips/s)" "—" "$(fmt "$(v throughput floor-tcp per_s)" 0)" "" ""
row "throughput: Eddy server CPU per invoke (µs)" "$(fmt "$(v throughput eddy server_cpu_us)" 1)" "—" "" ""
row "throughput: runtime processes' CPU per invoke (µs)" "$(fmt "$(v throughput eddy runtime_cpu_us)" 1)" \
  "$(fmt "$(v throughput floor runtime_cpu_us)" 1)" \
  "$(ratio "$(v throughput eddy runtime_cpu_us)" "$(v throughput floor runtime_cpu_us)")" ""

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$([[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && echo " + uncommitted changes" || true)
OUT=$ROOT/bench/results/lambda-$START.md
mkdir -p "$ROOT/bench/results"
{
  echo "# Lambda data plane: Eddy vs the bare-process floor, $START"
  echo
  echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "- date: $START → $END; load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (includes the benchmark)"
  echo "- eddy: commit $COMMIT$DIRTY, $BUILD_TYPE build, \`serve --in-memory\`; RSS after the run $(fmt "$(awk -v k="${EDDY_RSS_KB:-0}" 'BEGIN { print k / 1024 }')" 1) MB"
  echo "- python: $PY ($("$PY" --version 2>&1)); node: $NODE ($("$NODE" --version)); the same binaries for Eddy and the floor"
  echo "- handlers: \`def handler(e, c): return e\` (app.py) and \`exports.handler = async (event) => event\` (index.js); payload ${#PAYLOAD} bytes of JSON (\`$PAYLOAD\`)"
  echo "- cold: $COLD_SAMPLES samples per runtime, each after UpdateFunctionConfiguration (a new env var) retired the environments; Eddy = Invoke round trip (verified cold by \"Init Duration\" in its X-Amz-Log-Result); floor = posix_spawn of \`python3 -c \"import app, os; os.write(1, b'.')\"\` / \`node -e \"require('./index.js'); require('fs').writeSync(1, '.')\"\` in the task root (the same clean environment Eddy gives a runtime, minus the AWS variables), timed until that byte arrives (spawn → exit is in the raw output as exit_p50_ms: interpreter teardown is not part of a cold invoke); floor and Eddy samples alternate"
  echo "- warm: $WARM_SAMPLES sequential invokes after $WARMUP_INVOKES warm-up, one keep-alive HTTP/1.1 connection; floor = a C++ parent and a bare Python child over a socketpair (bench/lambda_floor.py: read line → json.loads → handler → json.dumps → write); the same child over TCP loopback (the Runtime API's transport) in an extra row"
  echo "- throughput: $CONCURRENCY connections closed loop (so $CONCURRENCY environments), ${DURATION} s after ${WARMUP} s warm-up; floor = $CONCURRENCY bare children, one parent thread each"
  echo "- CPU per invoke from /proc schedstat: Eddy's server process, its runtime child processes, and lambdabench itself"
  echo "- peers: none measured. No other local Lambda runner installs here (LocalStack and SAM CLI need Docker), so the floor is the comparison"
  echo
  echo "| metric | eddy | floor | eddy − floor or ratio | target |"
  echo "|---|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "<details><summary>raw lambdabench output</summary>"
  echo
  echo '```'
  cat "$RAW"
  echo '```'
  echo
  echo "</details>"
} | tee "$OUT"
log "wrote $OUT"
exit "$bench_rc"
