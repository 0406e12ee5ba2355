#!/usr/bin/env bash
# bench/run_esm.sh [BUILD_DIR]: SQS event source mappings (issue 5): send → handler-start latency at fixed
# rates and drain throughput by BatchSize, with Eddy's plain long-polling ReceiveMessage as the floor.
# Eddy runs in its default durable mode (a temporary --data-dir). One Markdown table on stdout and in
# bench/results/esm-<timestamp>.md. See docs/benchmarks.md.
#
# BUILD_DIR (or $EDDY_BUILD_DIR, default ./build) is configured if needed; only `lambdabench` and `eddy`
# are built. Environment knobs:
#   LAMBDA_BENCH_PYTHON=/usr/bin/python3
#   BENCH_ESM="esm-latency,esm-throughput"  BENCH_ESM_RATES=100,1000  BENCH_ESM_DURATION=10 (s per rate)
#   BENCH_ESM_WARMUP=2 (s per rate)  BENCH_ESM_SENDERS=4  BENCH_ESM_BATCH_SIZES=10,100
#   BENCH_ESM_PREFILL=50000  BENCH_ESM_WINDOW=1 (MaximumBatchingWindowInSeconds for BatchSize > 10)
set -euo pipefail

BENCH_LOG_PREFIX=esm-bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # bench_build, bench_pick_port, bench_wait_http, ...
ROOT=$BENCH_ROOT
BUILD=$(bench_build_dir "${1:-}")
BENCHMARKS=${BENCH_ESM:-esm-latency,esm-throughput}
RATES=${BENCH_ESM_RATES:-100,1000}
DURATION=${BENCH_ESM_DURATION:-10}
WARMUP=${BENCH_ESM_WARMUP:-2}
SENDERS=${BENCH_ESM_SENDERS:-4}
BATCH_SIZES=${BENCH_ESM_BATCH_SIZES:-10,100}
PREFILL=${BENCH_ESM_PREFILL:-50000}
WINDOW=${BENCH_ESM_WINDOW:-1}


# ---------------------------------------------------------------------------------------------- build
bench_build "$BUILD" lambdabench eddy
LAMBDABENCH=$BUILD/lambdabench
EDDY=$BUILD/eddy
[[ -x $EDDY ]] || EDDY=$BUILD/src/server/eddy
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
PY=${LAMBDA_BENCH_PYTHON:-$([[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || echo python3)}
PY=$("$PY" -c 'import sys; print(sys.executable)')

WORK=$(mktemp -d /tmp/eddy-esm-bench.XXXXXX)
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
# Trivial handlers; each appends to the file its ESM_BENCH_FILE names (one write per invoke, O_APPEND, so
# concurrent environments do not interleave lines). Both sides of a latency use CLOCK_REALTIME.
mkdir -p "$WORK/lat" "$WORK/tput"
cat >"$WORK/lat/app.py" <<'PY'
import os, time
OUT = os.environ["ESM_BENCH_FILE"]
def handler(event, context):
    start = time.time_ns()
    lines = []
    for record in event["Records"]:
        tag, sent = record["body"].split(" ")
        lines.append(f"{tag} {start - int(sent)}\n")
    with open(OUT, "a") as f:
        f.write("".join(lines))
PY
cat >"$WORK/tput/app.py" <<'PY'
import os, time
OUT = os.environ["ESM_BENCH_FILE"]
def handler(event, context):
    start = time.time_ns()
    with open(OUT, "a") as f:
        f.write(f"{len(event['Records'])} {start}\n")
PY
(cd "$WORK/lat" && "$PY" -m zipfile -c "$WORK/lat.zip" app.py)
(cd "$WORK/tput" && "$PY" -m zipfile -c "$WORK/tput.zip" app.py)

PORT=$(bench_pick_port)
URL=http://127.0.0.1:$PORT
AUTH="Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0"

log "starting $EDDY on port $PORT (durable, --data-dir $WORK/data; python $PY)"
"$EDDY" serve --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data" --log-level warn \
  --lambda-python "$PY" >"$WORK/eddy.log" 2>&1 &
SERVER_PID=$!
bench_wait_http "$URL/_eddy/health" "$SERVER_PID" "$WORK/eddy.log" 200 || exit 1

# create_function NAME ZIP OUTPUT_FILE
create_function() {
  local body status
  body=$(printf '{"FunctionName":"%s","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/r","Handler":"app.handler","Timeout":30,"Environment":{"Variables":{"ESM_BENCH_FILE":"%s"}},"Code":{"ZipFile":"%s"}}' \
    "$1" "$3" "$(base64 -w0 "$2")")
  status=$(curl -sS -o "$WORK/create.out" -w '%{http_code}' -X POST "$URL/2015-03-31/functions" \
    -H "$AUTH" -H 'Content-Type: application/json' --data-binary "$body")
  if [[ $status != 201 ]]; then
    log "CreateFunction $1: HTTP $status: $(head -c 300 "$WORK/create.out")"
    exit 1
  fi
}
create_function esmbench-lat "$WORK/lat.zip" "$WORK/latency.txt"
create_function esmbench-tput "$WORK/tput.zip" "$WORK/throughput.txt"

# ---------------------------------------------------------------------------------------------- run
START=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "running $BENCHMARKS"
RAW=$WORK/results.txt
bench_rc=0
"$LAMBDABENCH" --port="$PORT" --server_pid="$SERVER_PID" --benchmarks="$BENCHMARKS" \
  --esm_latency_function=esmbench-lat --esm_latency_file="$WORK/latency.txt" \
  --esm_throughput_function=esmbench-tput --esm_throughput_file="$WORK/throughput.txt" \
  --esm_rates="$RATES" --esm_rate_duration="$DURATION" --esm_rate_warmup="$WARMUP" --esm_senders="$SENDERS" \
  --esm_batch_sizes="$BATCH_SIZES" --esm_prefill="$PREFILL" --esm_window_s="$WINDOW" >"$RAW" || bench_rc=$?
END=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
EDDY_RSS_KB=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo "")
[[ $bench_rc == 0 ]] || log "WARNING: lambdabench reported errors (rc $bench_rc); see missing=/errors= in the raw output"

# ---------------------------------------------------------------------------------------------- table
declare -A R  # R[bench|side|key] = value, from the RESULT lines
bench_read_results "$RAW" bench side

v() { echo "${R[$1|$2|$3]:-}"; }
fmt() { bench_fmt "$@"; }
check() {
  [[ -z $1 ]] && return
  awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "<" ? x < l : x >= l); printf "%s", ok ? "✅" : "❌" }'
}
flag_missing() { local m=${R[$1|$2|missing]:-0} e=${R[$1|$2|send_errors]:-0}; [[ $m != 0 || $e != 0 ]] && echo " ⚠ ${m} missing, ${e} send errors"; }
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); }

IFS=, read -ra RATE_LIST <<<"$RATES"
for rate in "${RATE_LIST[@]}"; do
  b=esm-latency-$rate
  [[ -n $(v "$b" eddy n) ]] || continue
  for pct in p50 p99; do
    limit=$([[ $pct == p50 ]] && echo 2 || echo 10)
    row "send → handler start, $(fmt "$rate" 0) msgs/s ($pct ms)" "$(fmt "$(v "$b" eddy ${pct}_ms)" 3)$(flag_missing "$b" eddy)" \
      "$(fmt "$(v "$b" floor ${pct}_ms)" 3)$(flag_missing "$b" floor)" "< $limit ms $(check "$(v "$b" eddy ${pct}_ms)" '<' "$limit")"
  done
  row "… max (ms); sends achieved (msgs/s)" "$(fmt "$(v "$b" eddy max_ms)" 2); $(fmt "$(v "$b" eddy achieved_per_s)" 0)" \
    "$(fmt "$(v "$b" floor max_ms)" 2); $(fmt "$(v "$b" floor achieved_per_s)" 0)" ""
  row "… Eddy CPU per message incl. its SendMessage: server / runtime (µs)" \
    "$(fmt "$(v "$b" eddy server_cpu_us)" 1) / $(fmt "$(v "$b" eddy runtime_cpu_us)" 1)" "" ""
done
IFS=, read -ra BS_LIST <<<"$BATCH_SIZES"
for bs in "${BS_LIST[@]}"; do
  b=esm-throughput-$bs
  [[ -n $(v "$b" eddy batch_size) ]] || continue
  target=$([[ $bs == 100 ]] && echo "≥ 20,000/s $(check "$(v "$b" eddy steady_per_s)" '>=' 20000)" || echo "")
  drained=$([[ $(v "$b" eddy drained) == 1 ]] || echo " ⚠ not drained")
  row "BatchSize $bs, window $(v "$b" eddy window_s) s: steady msgs/s (5-95 % of handler starts)" \
    "$(fmt "$(v "$b" eddy steady_per_s)" 0)" "—" "$target"
  row "… drain of $(fmt "$(v "$b" eddy messages)" 0): s (msgs/s incl. cold start and last window)" \
    "$(fmt "$(v "$b" eddy drain_s)" 2) ($(fmt "$(v "$b" eddy drain_per_s)" 0))$drained" "—" ""
  row "… invokes, mean batch, first invoke after CreateEventSourceMapping (ms)" \
    "$(fmt "$(v "$b" eddy invokes)" 0), $(fmt "$(v "$b" eddy mean_batch)" 1), $(fmt "$(v "$b" eddy first_invoke_ms)" 1)" "—" ""
  row "… CPU per message: Eddy server / runtime processes (µs)" \
    "$(fmt "$(v "$b" eddy server_cpu_us)" 1) / $(fmt "$(v "$b" eddy runtime_cpu_us)" 1)" "—" ""
  row "… prefill with SendMessageBatch, $SENDERS connections (msgs/s)" "$(fmt "$(v "$b" eddy prefill_per_s)" 0)" "—" ""
done

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$([[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && echo " + uncommitted changes" || true)
OUT=$ROOT/bench/results/esm-$START.md
mkdir -p "$ROOT/bench/results"
{
  echo "# SQS event source mappings: Eddy, with plain ReceiveMessage as the floor, $START"
  echo
  echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "- date: $START → $END; load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (includes the benchmark)"
  echo "- eddy: commit $COMMIT$DIRTY, $BUILD_TYPE build, \`serve --data-dir <temp>\` (default durable mode); RSS after the run $(fmt "$(awk -v k="${EDDY_RSS_KB:-0}" 'BEGIN { print k / 1024 }')" 1) MB; python $PY ($("$PY" --version 2>&1))"
  echo "- latency: open loop, $SENDERS sender connections sharing a fixed schedule, ${WARMUP} s warm-up + ${DURATION} s measured per rate; body \"<tag> <CLOCK_REALTIME ns>\"; the handler takes time.time_ns() first thing; mapping BatchSize 10, window 0. Floor = one client long-polling ReceiveMessage (10 messages, 20 s) on another queue, timed when the response has arrived, then DeleteMessageBatch"
  echo "- throughput: $PREFILL messages prefilled per BatchSize, then CreateEventSourceMapping; drained = ApproximateNumberOfMessages + NotVisible = 0 (polled every 5 ms); the handler records (records, start ns) per invoke"
  echo "- peers: none measured (AWS and LocalStack take tens of ms to seconds from send to handler; LocalStack needs Docker)"
  echo
  echo "| metric | eddy | floor: plain ReceiveMessage | target |"
  echo "|---|---:|---:|---|"
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
