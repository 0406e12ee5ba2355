#!/usr/bin/env bash
# bench/run_events.sh [BUILD_DIR]: EventBridge rules, EventBridge Scheduler and the virtual clock (issue 6):
# Eddy (durable, a temporary --data-dir) beside moto, with the same client (eventsbench). One Markdown
# table on stdout and in bench/results/events-<timestamp>.md. See docs/benchmarks.md.
#
# BUILD_DIR (or $EDDY_BUILD_DIR, default ./build) is configured if needed; only `eventsbench` and `eddy`
# are built. Environment knobs:
#   BENCH_EVENTS_SERVERS="eddy eddy-virtual moto"   which runs, in this order
#   BENCH_EVENTS_CLIENTS=8  BENCH_EVENTS_DURATION=5  BENCH_EVENTS_WARMUP=1     closed loops against Eddy
#   MOTO_DURATION=6  MOTO_WARMUP=1                                             closed loops against moto
#   BENCH_EVENTS_SAMPLES=200  BENCH_EVENTS_INTERVAL_MS=20  BENCH_EVENTS_WAITERS=4   PutEvents → long poll
#   MOTO_SAMPLES=20 (moto takes about a second per delivered event, see docs)
#   BENCH_EVENTS_ADVANCE=30d                                                   virtual clock advance
#   BENCH_EVENTS_REALTIME=0 (1: real-clock firing precision, ~3.3 min)  BENCH_EVENTS_REALTIME_FIRES=3
#   MOTO_PYTHON=python3 (an interpreter with moto installed)
set -euo pipefail

BENCH_LOG_PREFIX=events-bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$BENCH_ROOT
BUILD=$(bench_build_dir "${1:-}")
SERVERS=${BENCH_EVENTS_SERVERS:-eddy eddy-virtual moto}
CLIENTS=${BENCH_EVENTS_CLIENTS:-8}
DURATION=${BENCH_EVENTS_DURATION:-5}
WARMUP=${BENCH_EVENTS_WARMUP:-1}
MOTO_DURATION=${MOTO_DURATION:-6}
MOTO_WARMUP=${MOTO_WARMUP:-1}
SAMPLES=${BENCH_EVENTS_SAMPLES:-200}
MOTO_SAMPLES=${MOTO_SAMPLES:-20}
INTERVAL_MS=${BENCH_EVENTS_INTERVAL_MS:-20}
WAITERS=${BENCH_EVENTS_WAITERS:-4}
ADVANCE=${BENCH_EVENTS_ADVANCE:-30d}
REALTIME=${BENCH_EVENTS_REALTIME:-0}
REALTIME_FIRES=${BENCH_EVENTS_REALTIME_FIRES:-3}
MOTO_PYTHON=${MOTO_PYTHON:-python3}

# ---------------------------------------------------------------------------------------------- build
bench_build "$BUILD" eventsbench eddy
EVENTSBENCH=$BUILD/eventsbench
EDDY=$BUILD/eddy
BUILD_TYPE=$(bench_build_type "$BUILD")

WORK=$(mktemp -d /tmp/eddy-events-bench.XXXXXX)
RAW=$WORK/results.txt
: >"$RAW"
cleanup() {
  bench_stop_all
  rm -rf "$WORK"
}
trap cleanup EXIT

# run_eventsbench LABEL PORT PID FLAGS...: RESULT lines to $RAW, the rest to stderr.
bench_rc=0
run_eventsbench() {
  local label=$1 port=$2 pid=$3
  shift 3
  log "$label: eventsbench $*"
  local rc=0
  "$EVENTSBENCH" --port="$port" --label="$label" --server_pid="$pid" "$@" >>"$RAW" || rc=$?
  if [[ $rc != 0 ]]; then
    log "WARNING: $label: eventsbench reported errors (rc $rc)"
    bench_rc=1
  fi
}

# ---------------------------------------------------------------------------------------------- runs
START=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
MOTO_VERSION=
REALTIME_RAN=0
declare -A RSS_KB=()
for server in $SERVERS; do
  port=$(bench_pick_port)
  pid=
  case $server in
    eddy)
      # put-events last, so that the ~10^5 messages it leaves behind (deleted with its queue) cannot
      # weigh on the latencies measured before it. fsync: the disk's own commit latency, for reference.
      benches=fsync,e2e,e2e-sqs,scheduler
      [[ $REALTIME == 1 ]] && benches+=,realtime && REALTIME_RAN=1
      benches+=,put-events
      bench_start_server pid "$WORK/eddy.log" "$EDDY" serve --host 127.0.0.1 --port "$port" \
        --data-dir "$WORK/data" --log-level warn
      bench_wait_http "http://127.0.0.1:$port/_eddy/health" "$pid" "$WORK/eddy.log" 200 || exit 1
      run_eventsbench eddy "$port" "$pid" --benchmarks="$benches" --fsync_dir="$WORK/data" --clients="$CLIENTS" --duration="$DURATION" \
        --warmup="$WARMUP" --samples="$SAMPLES" --interval_ms="$INTERVAL_MS" --waiters="$WAITERS" \
        --realtime_fires="$REALTIME_FIRES"
      RSS_KB[eddy]=$(bench_status_kb "$pid" VmRSS)
      bench_stop_server "$pid"
      ;;
    eddy-virtual)
      bench_start_server pid "$WORK/eddy-virtual.log" "$EDDY" serve --host 127.0.0.1 --port "$port" \
        --data-dir "$WORK/data-virtual" --clock virtual --log-level warn
      bench_wait_http "http://127.0.0.1:$port/_eddy/health" "$pid" "$WORK/eddy-virtual.log" 200 || exit 1
      run_eventsbench eddy-virtual "$port" "$pid" --benchmarks=clock --advance="$ADVANCE"
      RSS_KB[eddy-virtual]=$(bench_status_kb "$pid" VmRSS)
      bench_stop_server "$pid"
      ;;
    moto)
      if ! MOTO_VERSION=$("$MOTO_PYTHON" -c 'import moto; print(moto.__version__)' 2>/dev/null); then
        log "skipping moto: $MOTO_PYTHON cannot import moto"
        continue
      fi
      bench_start_server pid "$WORK/moto.log" "$MOTO_PYTHON" -m moto.server -H 127.0.0.1 -p "$port"
      bench_wait_http "http://127.0.0.1:$port/" "$pid" "$WORK/moto.log" "" || continue
      run_eventsbench moto "$port" "$pid" --benchmarks=e2e,e2e-sqs,scheduler,put-events --clients="$CLIENTS" \
        --duration="$MOTO_DURATION" --warmup="$MOTO_WARMUP" --samples="$MOTO_SAMPLES" --e2e_warmup=2 \
        --interval_ms="$INTERVAL_MS" --waiters="$WAITERS"
      RSS_KB[moto]=$(bench_status_kb "$pid" VmRSS)
      bench_stop_server "$pid"
      ;;
    *)
      log "unknown server: $server"
      ;;
  esac
done
END=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------- table
declare -A R  # R[label|bench|key] = value, from the RESULT lines
bench_read_results "$RAW" label bench

v() { echo "${R[$1|$2|$3]:-}"; }
fmt() { bench_fmt "$@"; }
# ratio A B [higher|lower]: how many times better A is than B.
ratio() {
  [[ -z $1 || -z $2 ]] && return
  awk -v a="$1" -v b="$2" -v dir="${3:-higher}" 'BEGIN {
    if (a <= 0 || b <= 0) exit
    r = dir == "higher" ? a / b : b / a
    printf (r >= 10 ? "%.0f" : "%.1f"), r }' | sed -e ':a' -e 's/^\([0-9]\{1,\}\)\([0-9]\{3\}\)/\1,\2/;ta' -e 's/$/×/'
}
# requests/s: one decimal below 100 (moto's PutEvents runs at about one per second)
rate() { [[ -z $1 ]] && return; fmt "$1" "$(awk -v x="$1" 'BEGIN { print (x < 100 ? 1 : 0) }')"; }
# A cell with a ⚠ when the run had errors.
flag() {
  local e=${R[$1|$2|errors]:-0} l=${R[$1|$2|lost]:-0} p=${R[$1|$2|put_errors]:-0}
  [[ $e != 0 || $l != 0 || $p != 0 ]] && echo " ⚠ errors ${e}, lost ${l}, failed puts ${p}"
}
moto_cell() {  # moto's value, or why there is none
  if [[ -z $MOTO_VERSION ]]; then echo "not run"; else echo "$1"; fi
}
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); }

# cell LABEL BENCH KEY [DECIMALS|rate]: a formatted value, or why the run has none.
cell() {
  local e=${R[$1|$2|error]:-}
  if [[ -n $e ]]; then
    echo "⚠ ${e//_/ }"
  elif [[ ${4:-} == rate ]]; then
    rate "$(v "$1" "$2" "$3")"
  else
    fmt "$(v "$1" "$2" "$3")" "${4:-2}"
  fi
}
# Closed-loop rows: BENCH TITLE
loop_rows() {
  local b=$1 title=$2
  [[ -n $(v eddy "$b" clients) || -n $(v moto "$b" clients) || -n $(v eddy "$b" error) ]] || return 0
  row "$title: requests/s ($CLIENTS clients)" "$(cell eddy "$b" per_s rate)$(flag eddy "$b")" \
    "$(moto_cell "$(cell moto "$b" per_s rate)$(flag moto "$b")")" "$(ratio "$(v eddy "$b" per_s)" "$(v moto "$b" per_s)")"
  row "… latency p50 / p99 (ms)" "$(cell eddy "$b" p50_ms) / $(cell eddy "$b" p99_ms)" \
    "$(moto_cell "$(cell moto "$b" p50_ms) / $(cell moto "$b" p99_ms)")" \
    "$(ratio "$(v eddy "$b" p50_ms)" "$(v moto "$b" p50_ms)" lower) / $(ratio "$(v eddy "$b" p99_ms)" "$(v moto "$b" p99_ms)" lower)"
  row "… server CPU per request (µs)" "$(cell eddy "$b" server_cpu_us 1)" \
    "$(moto_cell "$(cell moto "$b" server_cpu_us 1)")" \
    "$(ratio "$(v eddy "$b" server_cpu_us)" "$(v moto "$b" server_cpu_us)" lower)"
}

loop_rows put-events "PutEvents (1 entry → 1 rule → SQS target)"
delivered_cell() {
  local a d w
  a=$(v "$1" put-events accepted) d=$(v "$1" put-events delivered) w=$(v "$1" put-events delivery_wait_ms)
  [[ -z $a ]] && return
  local ok=$([[ $a == "$d" ]] && echo "✅" || echo "❌")
  echo "$(fmt "$d" 0) of $(fmt "$a" 0) $ok ($(fmt "$w" 0) ms)"
}
if [[ -n $(v eddy put-events accepted) || -n $(v moto put-events accepted) ]]; then
  row "… events in the target queue of those accepted (wait after the load)" "$(delivered_cell eddy)" \
    "$(moto_cell "$(delivered_cell moto)")" ""
fi

if [[ -n $(v eddy e2e p50_ms) || -n $(v moto e2e p50_ms) ]]; then
  for pct in p50 p99; do
    row "PutEvents → SQS target → parked long poll, $pct (ms)" "$(fmt "$(v eddy e2e ${pct}_ms)" 2)$(flag eddy e2e)" \
      "$(moto_cell "$(fmt "$(v moto e2e ${pct}_ms)" 2)$(flag moto e2e)")" \
      "$(ratio "$(v eddy e2e ${pct}_ms)" "$(v moto e2e ${pct}_ms)" lower)"
  done
  row "… max (ms); PutEvents round trip alone p50 (ms)" \
    "$(fmt "$(v eddy e2e max_ms)" 2); $(fmt "$(v eddy e2e put_p50_ms)" 2)" \
    "$(moto_cell "$(fmt "$(v moto e2e max_ms)" 2); $(fmt "$(v moto e2e put_p50_ms)" 2)")" ""
fi
if [[ -n $(v eddy e2e-sqs p50_ms) || -n $(v moto e2e-sqs p50_ms) ]]; then
  row "floor: SendMessage → the same parked long poll, p50 / p99 (ms)" \
    "$(fmt "$(v eddy e2e-sqs p50_ms)" 2) / $(fmt "$(v eddy e2e-sqs p99_ms)" 2)$(flag eddy e2e-sqs)" \
    "$(moto_cell "$(fmt "$(v moto e2e-sqs p50_ms)" 2) / $(fmt "$(v moto e2e-sqs p99_ms)" 2)$(flag moto e2e-sqs)")" \
    "$(ratio "$(v eddy e2e-sqs p50_ms)" "$(v moto e2e-sqs p50_ms)" lower) / $(ratio "$(v eddy e2e-sqs p99_ms)" "$(v moto e2e-sqs p99_ms)" lower)"
fi

if [[ -n $(v eddy fsync p50_ms) ]]; then
  row "… the disk alone: 4 KiB write + fdatasync in Eddy's data directory, every $INTERVAL_MS ms, p50 / p99 / max (ms)" \
    "$(fmt "$(v eddy fsync p50_ms)" 2) / $(fmt "$(v eddy fsync p99_ms)" 2) / $(fmt "$(v eddy fsync max_ms)" 2)" "—" ""
fi

loop_rows scheduler-create "Scheduler CreateSchedule"
loop_rows scheduler-get "Scheduler GetSchedule (over the created schedules)"
if [[ -n $(v eddy scheduler-create schedules) ]]; then
  row "… schedules created" "$(fmt "$(v eddy scheduler-create schedules)" 0)" \
    "$(moto_cell "$(fmt "$(v moto scheduler-create schedules)" 0)")" ""
fi

NO_PEER="n/a (moto has no clock and doesn't fire schedules)"
for b in clock-rule clock-schedule; do
  what=$([[ $b == clock-rule ]] && echo "rule rate(1 minute) → SQS" || echo "schedule rate(1 minute) → SQS")
  if [[ -n $(v eddy-virtual "$b" error) ]]; then
    row "virtual clock, $what" "$(cell eddy-virtual "$b" error)" "$NO_PEER" ""
    continue
  fi
  [[ -n $(v eddy-virtual "$b" wall_ms) ]] || continue
  retained=$(v eddy-virtual "$b" retained) expected=$(v eddy-virtual "$b" expected_retained)
  check=$([[ $retained == "$expected" ]] && echo "✅" || echo "❌ expected $(fmt "$expected" 0)")
  row "virtual clock, $what: one advance of $ADVANCE, wall time (ms)" "$(fmt "$(v eddy-virtual "$b" wall_ms)" 0)" "$NO_PEER" ""
  row "… fires (fires/s)" "$(fmt "$(v eddy-virtual "$b" fires)" 0) ($(fmt "$(v eddy-virtual "$b" fires_per_s)" 0)/s)" "$NO_PEER" ""
  row "… server CPU per fire (µs, incl. the durable SendMessage)" "$(fmt "$(v eddy-virtual "$b" server_cpu_us_per_fire)" 1)" "$NO_PEER" ""
  row "… messages in the queue afterwards = the fires of the last 14 days (SQS retention)" "$(fmt "$retained" 0) $check" "$NO_PEER" ""
done

if [[ $REALTIME_RAN == 1 ]]; then
  for b in realtime-rule realtime-schedule; do
    if [[ -n $(v eddy "$b" error) ]]; then
      row "real clock, schedule rate(1 minute)" "$(cell eddy "$b" error)" "$NO_PEER" ""
      continue
    fi
    [[ -n $(v eddy "$b" fires) ]] || continue
    what=$([[ $b == realtime-rule ]] && echo "rule rate(1 minute)" || echo "schedule rate(1 minute), first fire immediate")
    row "real clock, $what: SentTimestamp − scheduled instant, per fire (ms)" \
      "$(v eddy "$b" sent_late_ms | sed 's/,/, /g') ($(v eddy "$b" fires) of $(v eddy "$b" wanted))" "$NO_PEER" ""
    row "… received by the parked long poll, per fire (ms after the scheduled instant; durable: after its commit)" \
      "$(v eddy "$b" received_late_ms | sed 's/,/, /g')" "$NO_PEER" ""
  done
fi

busiest() {
  local best=
  for b in put-events scheduler-create scheduler-get; do
    local x=${R[$1|$b|client_core_pct]:-}
    [[ -z $x ]] && continue
    [[ -z $best ]] || awk -v a="$x" -v b="$best" 'BEGIN { exit !(a > b) }' && best=$x
  done
  echo "$best"
}
row "eventsbench CPU, busiest closed loop (% of one core)" "$(fmt "$(busiest eddy)" 0)" "$(moto_cell "$(fmt "$(busiest moto)" 0)")" ""
row "server RSS at the end (MB)" "$(fmt "$(awk -v k="${RSS_KB[eddy]:-0}" 'BEGIN { print k / 1024 }')" 1); virtual: $(fmt "$(awk -v k="${RSS_KB[eddy-virtual]:-0}" 'BEGIN { print k / 1024 }')" 1)" \
  "$(moto_cell "$(fmt "$(awk -v k="${RSS_KB[moto]:-0}" 'BEGIN { print k / 1024 }')" 1)")" ""

OUT=$ROOT/bench/results/events-$START.md
mkdir -p "$ROOT/bench/results"
{
  echo "# EventBridge rules, Scheduler and the virtual clock: Eddy beside moto, $START"
  echo
  echo "- machine: $(bench_machine_line)"
  echo "- date: $START → $END; load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER (includes the benchmark)"
  echo "- eddy: commit $(bench_commit), $BUILD_TYPE build, \`serve --data-dir <temp>\` (durable, the default mode); the clock rows: \`serve --clock virtual --data-dir <temp>\`"
  echo "- moto: ${MOTO_VERSION:-not run} (\`python -m moto.server\`, Werkzeug's threaded server, \`Connection: close\` after every response)"
  echo "- client: eventsbench (C++, one blocking keep-alive connection per client thread, dummy SigV4 signature); closed loops $CLIENTS clients, Eddy ${DURATION} s after ${WARMUP} s warm-up, moto ${MOTO_DURATION} s after ${MOTO_WARMUP} s"
  echo "- PutEvents → long poll: $WAITERS connections long-poll the rule's target queue (WaitTimeSeconds 20); one PutEvents at a time, every $INTERVAL_MS ms or as soon as the previous one has answered if that takes longer; Eddy $SAMPLES samples after 10 unmeasured, moto $MOTO_SAMPLES after 2; latency = from just before the PutEvents request is written until a waiter's response with that event has arrived; the floor row does the same with SendMessage straight to the queue (no EventBridge in between)"
  echo "- Scheduler: CreateSchedule of \`at(2099-01-01T00:00:00)\` (SQS target, nothing fires during the run) closed loop, then GetSchedule over the names created"
  echo "- virtual clock: one \`POST /_eddy/clock {\"advance\":\"$ADVANCE\"}\`; wall time = that request's round trip (it answers once everything due has fired); queues have MessageRetentionPeriod 14 days (the maximum), so the first days' messages expire in virtual time as SQS requires"
  echo "- ratio = how many times better Eddy is than moto; ⚠ = the run had errors"
  echo
  echo "| metric | eddy (durable) | moto | eddy vs moto |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "<details><summary>raw eventsbench output</summary>"
  echo
  echo '```'
  cat "$RAW"
  echo '```'
  echo
  echo "</details>"
} | tee "$OUT"
log "wrote $OUT"
exit "$bench_rc"
