#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR]: Eddy (durable and --in-memory), ElasticMQ 0.7.1 and moto side by side, one
# Markdown table on stdout and in bench/results/<timestamp>.md. See docs/benchmarks.md.
#
# BUILD_DIR (or $EDDY_BUILD_DIR, default ./build) is configured if needed and only the targets `sqsbench`
# and `eddy` are built. Environment knobs:
#   BENCH_SERVERS="eddy-durable eddy-memory elasticmq moto"   which servers to run, in this order
#   BENCH_DURATION=5 BENCH_WARMUP=2 BENCH_CONNECTIONS=32 BENCH_PREFILL=100000   Eddy/ElasticMQ runs
#   MOTO_DURATION=2 MOTO_WARMUP=0.5 MOTO_PREFILL=500                           moto is capped (see docs)
#   BENCH_SCALING=1 (Eddy recv-scaling), BENCH_BACKLOGS=1000,100000,1000000
#   BENCH_FIFO=1 BENCH_GROUPS="1 1000" BENCH_FIFO_PREFILL=50000   FIFO workloads (Eddy; ElasticMQ is tried)
#   BENCH_MOVETASK=1 BENCH_MOVE_RATES=100,500 BENCH_MOVE_SECONDS=10  move-task rate accuracy (Eddy, JSON)
#   ELASTICMQ_JAR=path (default tests/node_modules/elasticmq/elasticmq-server-0.7.1.jar)
#   MOTO_PYTHON=python3 (an interpreter with moto installed)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-${EDDY_BUILD_DIR:-$ROOT/build}}
[[ $BUILD = /* ]] || BUILD=$PWD/$BUILD
SERVERS=${BENCH_SERVERS:-eddy-durable eddy-memory elasticmq moto}
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PREFILL=${BENCH_PREFILL:-100000}
MOTO_DURATION=${MOTO_DURATION:-2}
MOTO_WARMUP=${MOTO_WARMUP:-0.5}
MOTO_PREFILL=${MOTO_PREFILL:-500}
SCALING=${BENCH_SCALING:-1}
BACKLOGS=${BENCH_BACKLOGS:-1000,100000,1000000}
FIFO=${BENCH_FIFO:-1}
GROUPS_LIST=${BENCH_GROUPS:-1 1000}
FIFO_PREFILL=${BENCH_FIFO_PREFILL:-50000}
MOVETASK=${BENCH_MOVETASK:-1}
MOVE_RATES=${BENCH_MOVE_RATES:-100,500}
MOVE_SECONDS=${BENCH_MOVE_SECONDS:-10}
ELASTICMQ_JAR=${ELASTICMQ_JAR:-$ROOT/tests/node_modules/elasticmq/elasticmq-server-0.7.1.jar}
MOTO_PYTHON=${MOTO_PYTHON:-python3}

log() { printf '[bench] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------- build
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  log "configuring $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
log "building sqsbench and eddy in $BUILD"
cmake --build "$BUILD" --target sqsbench -j 2 >&2
if ! cmake --build "$BUILD" --target eddy -j 2 >&2; then
  log "WARNING: eddy did not build; its columns will be empty"
fi
SQSBENCH=$BUILD/sqsbench
EDDY=$BUILD/eddy
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt")

WORK=$(mktemp -d /tmp/eddy-bench.XXXXXX)
RAW=$WORK/results.txt
: >"$RAW"
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------- helpers
# Ports below the ephemeral range (32768+ by default), so no client socket of an earlier run holds one
# (ElasticMQ does not bind with SO_REUSEADDR).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && ! ss -Htan "sport = :$1" | grep -q .; }
pick_port() {
  local p=$((20000 + RANDOM % 12000))
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# record LABEL KEY VALUE: one extra RESULT line (start-up and memory figures)
record() { echo "RESULT label=$1 protocol=- bench=$2 value=$3" >>"$RAW"; }

# start_server LABEL PORT CMD...: starts the server (the pid is the server process itself), waits until it
# answers, records start-to-healthy and idle RSS. Returns non-zero if it never became healthy.
start_server() {
  local label=$1 port=$2
  shift 2
  local health=()
  [[ $label == eddy-* ]] && health=(--health_path=/_eddy/health)
  local t0=${EPOCHREALTIME/./}000
  "$@" >"$WORK/$label.log" 2>&1 &
  SERVER_PID=$!
  local out
  if ! out=$("$SQSBENCH" --port="$port" --label="$label" --benchmarks=health --start_ns="$t0" "${health[@]}" \
      --health_timeout_ms=60000); then
    log "$label did not become healthy; its log (first and last lines):"
    head -15 "$WORK/$label.log" >&2
    echo "..." >&2
    tail -5 "$WORK/$label.log" >&2
    stop_server
    return 1
  fi
  grep -v "^RESULT" <<<"$out" >&2 || true
  local ms
  ms=$(sed -n 's/^RESULT .* ms=\([0-9.]*\).*/\1/p' <<<"$out")
  record "$label" health_ms "$ms"
  sleep 1  # let it settle (JIT threads, lazy init) before reading idle memory
  record "$label" idle_rss_kb "$(status_kb "$SERVER_PID" VmRSS)"
  log "$label: pid $SERVER_PID healthy after $ms ms, idle RSS $(status_kb "$SERVER_PID" VmRSS) kB"
}

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

# run_bench LABEL PORT PROTOCOL [sqsbench flags...]
run_bench() {
  local label=$1 port=$2 protocol=$3
  shift 3
  log "$label ($protocol): $*"
  "$SQSBENCH" --port="$port" --label="$label" --protocol="$protocol" --server_pid="$SERVER_PID" \
    --connections="$CONNECTIONS" "$@" | while IFS= read -r line; do
    if [[ $line == RESULT* ]]; then echo "$line" >>"$RAW"; else echo "$line" >&2; fi
  done || log "$label ($protocol): sqsbench failed"
}

# recv-delete first: on a fresh server its RSS with the backlog is not inflated by earlier runs' queues.
MAIN="--benchmarks=recv-delete,send,send-batch,longpoll"

# run_fifo LABEL PORT PROTOCOL: FIFO SendMessage and receive+delete, once per group count. A server that
# refuses FIFO queues (ElasticMQ 0.7.1) answers the first CreateQueue with an error and is reported as such.
run_fifo() {
  [[ $FIFO == 1 ]] || return 0
  local g
  for g in $GROUPS_LIST; do
    run_bench "$1" "$2" "$3" --benchmarks=fifo-recv-delete,fifo-send --groups="$g" --fifo_prefill="$FIFO_PREFILL" \
      --duration="$DURATION" --warmup="$WARMUP"
  done
}
# run_movetask LABEL PORT PROTOCOL
run_movetask() {
  [[ $MOVETASK == 1 ]] || return 0
  run_bench "$1" "$2" "$3" --benchmarks=movetask --move_rates="$MOVE_RATES" --move_seconds="$MOVE_SECONDS"
}

# ---------------------------------------------------------------------------------------------- servers
START=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for server in $SERVERS; do
  port=$(pick_port)
  case $server in
    eddy-durable | eddy-memory)
      if [[ ! -x $EDDY ]]; then
        log "skipping $server: $EDDY not built"
        continue
      fi
      if [[ $server == eddy-durable ]]; then
        mkdir -p "$WORK/data"
        start_server "$server" "$port" "$EDDY" serve --host 127.0.0.1 --port "$port" --data-dir "$WORK/data" \
          --log-level warn || continue
      else
        start_server "$server" "$port" "$EDDY" serve --host 127.0.0.1 --port "$port" --in-memory \
          --log-level warn || continue
      fi
      for protocol in query json; do
        run_bench "$server" "$port" "$protocol" $MAIN --duration="$DURATION" --warmup="$WARMUP" --prefill="$PREFILL"
      done
      record "$server" peak_rss_kb "$(status_kb "$SERVER_PID" VmHWM)"
      for protocol in query json; do
        run_fifo "$server" "$port" "$protocol"
      done
      run_movetask "$server" "$port" json
      if [[ $SCALING == 1 ]]; then
        run_bench "$server" "$port" json --benchmarks=recv-scaling --backlogs="$BACKLOGS"
      fi
      stop_server
      ;;
    elasticmq)
      if [[ ! -f $ELASTICMQ_JAR ]]; then
        log "skipping elasticmq: $ELASTICMQ_JAR missing (run: cd tests && npm ci)"
        continue
      fi
      cat >"$WORK/elasticmq.conf" <<EOF
include classpath("application.conf")
node-address { protocol = http, host = "127.0.0.1", port = $port, context-path = "" }
rest-sqs { enabled = true, bind-port = $port, bind-hostname = "127.0.0.1", sqs-limits = relaxed }
EOF
      start_server elasticmq "$port" java --add-opens java.base/java.util.regex=ALL-UNNAMED \
        --add-opens java.base/java.lang=ALL-UNNAMED -Dconfig.file="$WORK/elasticmq.conf" -jar "$ELASTICMQ_JAR" ||
        continue
      run_bench elasticmq "$port" query $MAIN --duration="$DURATION" --warmup="$WARMUP" --prefill="$PREFILL"
      record elasticmq peak_rss_kb "$(status_kb "$SERVER_PID" VmHWM)"
      run_fifo elasticmq "$port" query
      run_movetask elasticmq "$port" query
      stop_server
      ;;
    moto)
      # Resolve the real interpreter so the pid is moto's (pyenv shims would add a wrapper's start-up).
      if ! py=$("$MOTO_PYTHON" -c 'import moto, sys; print(sys.executable)' 2>/dev/null); then
        log "skipping moto: $MOTO_PYTHON cannot import moto"
        continue
      fi
      start_server moto "$port" "$py" -m moto.server -H 127.0.0.1 -p "$port" || continue
      for protocol in query json; do
        run_bench moto "$port" "$protocol" $MAIN --duration="$MOTO_DURATION" --warmup="$MOTO_WARMUP" \
          --prefill="$MOTO_PREFILL"
      done
      record moto peak_rss_kb "$(status_kb "$SERVER_PID" VmHWM)"
      stop_server
      ;;
    *) log "unknown server: $server" ;;
  esac
done
END=$(date -u +%Y%m%dT%H%M%SZ)
LOAD_AFTER=$(cut -d" " -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------- table
# R[label|protocol|bench|field] = value, from the RESULT lines.
declare -A R
while read -r line; do
  label= protocol= bench=
  declare -A kv=()
  for tok in ${line#RESULT }; do kv[${tok%%=*}]=${tok#*=}; done
  label=${kv[label]} protocol=${kv[protocol]} bench=${kv[bench]}
  [[ $bench == recv-scaling ]] && bench="recv-scaling-${kv[backlog]}"
  [[ $bench == fifo-* ]] && bench="$bench-g${kv[groups]}"
  [[ $bench == movetask ]] && bench="movetask-${kv[rate]}"
  for k in "${!kv[@]}"; do R[$label|$protocol|$bench|$k]=${kv[$k]}; done
  unset kv
done <"$RAW"

# num VALUE [DECIMALS]: thousands separators; "" stays "".
num() {
  local v=$1 d=${2:-0}
  [[ -z $v || $v == -1* ]] && { echo ""; return; }
  LC_ALL=C printf "%.${d}f" "$v" | sed -e ':a' -e 's/^\([0-9]\{1,\}\)\([0-9]\{3\}\)/\1,\2/;ta'
}
# cell LABEL PROTOCOL BENCH FIELD DECIMALS: the value, flagged when that run had errors.
cell() {
  [[ ${R[$1|$2|$3|unsupported]:-} == 1 ]] && { echo "not supported"; return; }
  local v=${R[$1|$2|$3|$4]:-} e=${R[$1|$2|$3|errors]:-0}
  v=$(num "$v" "$5")
  [[ -n $v && $e != 0 ]] && v="$v ⚠ $e errors"
  echo "$v"
}
# ratio A B HIGHER_IS_BETTER: how many times better A is than B.
ratio() {
  local a=$1 b=$2
  [[ -z $a || -z $b || $a == -1* || $b == -1* ]] && { echo ""; return; }
  if [[ $3 == 1 ]]; then awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.1f×", a / b }'
  else awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.1f×", b / a }'; fi
}
# check VALUE OP LIMIT: ✅ or ❌ (empty when there is no value).
check() {
  [[ -z $1 || $1 == -1* ]] && { echo ""; return; }
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == "<=" ? v <= l : op == "<" ? v < l : v >= l);
    printf "%s", ok ? "✅" : "❌" }'
}

COLS=(eddy-durable eddy-memory elasticmq moto)
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }

# Start-up and memory.
h() { echo "${R[$1|-|$2|value]:-}"; }
kb2mb() { if [[ -n $1 && $1 != -1* ]]; then num "$(awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }')" 1; fi; }
d=$(h eddy-durable health_ms) e=$(h elasticmq health_ms)
row "start → healthy (ms)" "$(num "$d" 1)" "$(num "$(h eddy-memory health_ms)" 1)" "$(num "$e" 1)" \
  "$(num "$(h moto health_ms)" 1)" "$(ratio "$d" "$e" 0)" "< 50 $(check "$d" '<' 50)"
# (ratios and checks from the raw kB values: the formatted MB carry thousands separators)
d=$(h eddy-durable idle_rss_kb) e=$(h elasticmq idle_rss_kb)
row "idle RSS (MB)" "$(kb2mb "$d")" "$(kb2mb "$(h eddy-memory idle_rss_kb)")" "$(kb2mb "$e")" \
  "$(kb2mb "$(h moto idle_rss_kb)")" "$(ratio "$d" "$e" 0)" \
  "< 20 $([[ -n $d ]] && check "$(awk -v k="$d" 'BEGIN { print k / 1024 }')" '<' 20)"
d=$(h eddy-durable peak_rss_kb) e=$(h elasticmq peak_rss_kb)
row "peak RSS (VmHWM) after the main workloads (MB)" "$(kb2mb "$d")" "$(kb2mb "$(h eddy-memory peak_rss_kb)")" \
  "$(kb2mb "$e")" "$(kb2mb "$(h moto peak_rss_kb)")" "$(ratio "$d" "$e" 0)" ""

vals=()
for c in "${COLS[@]}"; do
  v=${R[$c|query|recv-delete|backlog_rss_kb]:-}
  vals+=("$(kb2mb "$v")")
done
d=${R[eddy-durable|query|recv-delete|backlog_rss_kb]:-} e=${R[elasticmq|query|recv-delete|backlog_rss_kb]:-}
row "RSS holding the recv-delete backlog (MB)" "${vals[@]}" "$(ratio "$d" "$e" 0)" ""

declare -A NAME=([send]="SendMessage" [send-batch]="SendMessageBatch (10)" [recv-delete]="Receive(10) + DeleteBatch")
declare -A TARGET=([send]=20000 [send-batch]=100000 [recv-delete]=20000)
for protocol in query json; do
  P=$([[ $protocol == query ]] && echo Query || echo JSON)
  for bench in send send-batch recv-delete; do
    vals=() 
    for c in "${COLS[@]}"; do vals+=("$(cell "$c" "$protocol" "$bench" msgs_per_s 0)"); done
    d=${R[eddy-durable|$protocol|$bench|msgs_per_s]:-} e=${R[elasticmq|query|$bench|msgs_per_s]:-}
    t="≥ $(num "${TARGET[$bench]}") $(check "$d" '>=' "${TARGET[$bench]}")"
    if [[ -n $d && -n $e ]]; then
      t="$t, ≥ 2× ElasticMQ $(check "$(awk -v a="$d" -v b="$e" 'BEGIN { print a / b }')" '>=' 2)"
    fi
    [[ $protocol == json ]] && vals[2]="— (Query only)"
    row "${NAME[$bench]}, $P: msgs/s" "${vals[@]}" "$(ratio "$d" "$e" 1)" "$t"
    vals=()
    for c in "${COLS[@]}"; do vals+=("$(cell "$c" "$protocol" "$bench" server_cpu_us_per_msg 1)"); done
    d=${R[eddy-durable|$protocol|$bench|server_cpu_us_per_msg]:-} e=${R[elasticmq|query|$bench|server_cpu_us_per_msg]:-}
    t=""
    [[ $bench == send ]] && t="≤ 10 $(check "$d" '<=' 10)"
    [[ $protocol == json ]] && vals[2]="—"
    row "${NAME[$bench]}, $P: server CPU µs/msg" "${vals[@]}" "$(ratio "$d" "$e" 0)" "$t"
  done
  for pct in p50 p99; do
    vals=()
    for c in "${COLS[@]}"; do vals+=("$(cell "$c" "$protocol" longpoll "${pct}_ms" 2)"); done
    d=${R[eddy-durable|$protocol|longpoll|${pct}_ms]:-} e=${R[elasticmq|query|longpoll|${pct}_ms]:-}
    t=""
    [[ $pct == p99 ]] && t="< 5 $(check "$d" '<' 5)"
    [[ $protocol == json ]] && vals[2]="—"
    row "long-poll wake $pct, $P (ms)" "${vals[@]}" "$(ratio "$d" "$e" 0)" "$t"
  done
done

IFS=, read -r -a BL <<<"$BACKLOGS"
first=${R[eddy-durable|json|recv-scaling-${BL[0]}|server_cpu_us_per_msg]:-}
for b in "${BL[@]}"; do
  d=${R[eddy-durable|json|recv-scaling-$b|server_cpu_us_per_msg]:-}
  t=""
  if [[ $b != "${BL[0]}" && -n $first && -n $d ]]; then
    t="flat (≤ 1.5× of backlog $(num "${BL[0]}")) $(check "$(awk -v a="$d" -v b="$first" 'BEGIN { print a / b }')" '<=' 1.5)"
  fi
  row "receive+delete server CPU µs/msg at backlog $(num "$b"), JSON" "$(cell eddy-durable json "recv-scaling-$b" server_cpu_us_per_msg 1)" \
    "$(cell eddy-memory json "recv-scaling-$b" server_cpu_us_per_msg 1)" "not run" "not run" "" "$t"
done

# FIFO rows. ElasticMQ 0.7.1 has no FIFO queues: when its FIFO runs report "not supported", the ratio is
# taken against its standard-queue run of the same shape (send / recv-delete over Query), marked †, which
# is an upper bound for what its FIFO could do (FIFO does strictly more work per message).
# or_not_run VALUE: "not run" for an empty cell (moto is not measured on FIFO).
or_not_run() { if [[ -n $1 ]]; then echo "$1"; else echo "not run"; fi; }
PROXY=0
declare -A FNAME=([fifo-send]="FIFO SendMessage" [fifo-recv-delete]="FIFO Receive(10) + DeleteBatch")
declare -A FSTD=([fifo-send]=send [fifo-recv-delete]=recv-delete)
if [[ $FIFO == 1 ]]; then
  for protocol in query json; do
    P=$([[ $protocol == query ]] && echo Query || echo JSON)
    for g in $GROUPS_LIST; do
      G="$(num "$g") group$([[ $g == 1 ]] || echo s)"
      for bench in fifo-send fifo-recv-delete; do
        key=$bench-g$g
        for field in msgs_per_s server_cpu_us_per_msg; do
          hib=$([[ $field == msgs_per_s ]] && echo 1 || echo 0)
          dec=$([[ $field == msgs_per_s ]] && echo 0 || echo 1)
          vals=()
          for c in "${COLS[@]}"; do vals+=("$(or_not_run "$(cell "$c" "$protocol" "$key" "$field" "$dec")")"); done
          [[ $protocol == json ]] && vals[2]=$([[ $field == msgs_per_s ]] && echo "— (Query only)" || echo "—")
          [[ ${R[elasticmq|query|$key|unsupported]:-} == 1 && $protocol == query ]] && vals[2]="not supported (0.7.1)"
          d=${R[eddy-durable|$protocol|$key|$field]:-} e=${R[elasticmq|query|$key|$field]:-} mark=""
          if [[ -z $e && ${R[elasticmq|query|$key|unsupported]:-} == 1 ]]; then
            e=${R[elasticmq|query|${FSTD[$bench]}|$field]:-}
            [[ -n $e ]] && mark=" †" && PROXY=1
          fi
          r=$(ratio "$d" "$e" "$hib")
          [[ -n $r ]] && r="$r$mark"
          t=""
          if [[ $bench == fifo-recv-delete && $g == 1000 && $field == msgs_per_s ]]; then
            t="≥ 10,000 $(check "$d" '>=' 10000)"
            if [[ -n $d && -n $e ]]; then
              t="$t, ≥ 2× ElasticMQ$mark $(check "$(awk -v a="$d" -v b="$e" 'BEGIN { print a / b }')" '>=' 2)"
            fi
          fi
          what=$([[ $field == msgs_per_s ]] && echo "msgs/s" || echo "server CPU µs/msg")
          row "${FNAME[$bench]}, $G, $P: $what" "${vals[@]}" "$r" "$t"
        done
      done
    done
  done
fi

# Move-task rate accuracy: achieved rate (error vs MaxNumberOfMessagesPerSecond).
if [[ $MOVETASK == 1 ]]; then
  IFS=, read -r -a MR <<<"$MOVE_RATES"
  for rate in "${MR[@]}"; do
    vals=()
    for c in "${COLS[@]}"; do
      k="$c|json|movetask-$rate"
      [[ $c == elasticmq ]] && k="$c|query|movetask-$rate"
      if [[ ${R[$k|unsupported]:-} == 1 ]]; then
        vals+=("not supported")
      elif [[ -n ${R[$k|msgs_per_s]:-} ]]; then
        v="$(awk -v x="${R[$k|msgs]}" -v s="${R[$k|secs]}" 'BEGIN { printf "%.1f", x / s }') ($(awk -v e="${R[$k|error_pct]}" 'BEGIN { printf "%+.2f", e }') %)"
        [[ ${R[$k|errors]:-0} != 0 ]] && v="$v ⚠ ${R[$k|errors]} errors"
        vals+=("$v")
      else
        vals+=("not run")
      fi
    done
    [[ ${R[elasticmq|query|movetask-$rate|unsupported]:-} == 1 ]] && vals[2]="not supported (0.7.1)"
    e=${R[eddy-durable|json|movetask-$rate|error_pct]:-}
    t=""
    if [[ -n $e ]]; then
      t="within ±5 % $(check "$(awk -v x="$e" 'BEGIN { print (x < 0 ? -x : x) }')" '<=' 5)"
    fi
    row "message move task at MaxNumberOfMessagesPerSecond=$rate ($(num "$(awk -v r="$rate" -v s="$MOVE_SECONDS" 'BEGIN { print r * s }')") msgs), JSON: achieved msgs/s (error)" \
      "${vals[@]}" "" "$t"
  done
fi

# Load-generator CPU: the busiest sqsbench run per column (it shares the 2 cores with the server).
maxclient() {
  local m=0 k
  for k in "${!R[@]}"; do
    [[ $k == "$1|"*"|client_cpu_pct" ]] || continue
    [[ $k == *longpoll* ]] && continue
    ((${R[$k]%.*} > m)) && m=${R[$k]%.*}
  done
  echo "$m"
}
row "sqsbench CPU, busiest run (% of one core)" "$(maxclient eddy-durable)" "$(maxclient eddy-memory)" \
  "$(maxclient elasticmq)" "$(maxclient moto)" "" ""

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
DIRTY=$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)
[[ -n $DIRTY ]] && COMMIT="$COMMIT (+ uncommitted changes)"
MOTO_VERSION=$("$MOTO_PYTHON" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo "?")
JAVA_VERSION=$(java -version 2>&1 | head -1 | sed 's/"//g' || echo "?")

REPORT=$WORK/report.md
{
  echo "## Eddy vs ElasticMQ vs moto — $START"
  echo
  echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
  echo "- date: $START → $END; load average (1/5/15 min) before the run: $LOAD_BEFORE (other work on the machine), at the end: $LOAD_AFTER (includes the benchmark itself, about 2)"
  echo "- eddy: commit $COMMIT, $BUILD_TYPE build; ElasticMQ 0.7.1 (npm \`elasticmq\`, $JAVA_VERSION, default JVM flags); moto $MOTO_VERSION"
  echo "- load: sqsbench, $CONNECTIONS keep-alive connections, 1 client thread, $DURATION s measured after $WARMUP s warm-up, 100-byte bodies; recv-delete drains a backlog of $(num "$PREFILL") messages; long-poll: 10 waiters, 200 messages 20 ms apart"
  echo "- moto is capped: $MOTO_DURATION s runs after $MOTO_WARMUP s warm-up and a backlog of $(num "$MOTO_PREFILL") (its SendMessage scans the whole queue, so a larger backlog takes minutes to build)"
  [[ $FIFO == 1 ]] && echo "- FIFO: SendMessage with MessageGroupId cycling over N groups and a unique MessageDeduplicationId per message ($DURATION s after $WARMUP s warm-up); Receive(10) + DeleteBatch drains a backlog of $(num "$FIFO_PREFILL") messages spread over N groups (a FIFO group has one batch in flight, so with 1 group the drain is serial and the other connections' receives come back empty); moto not run"
  [[ $MOVETASK == 1 ]] && echo "- move task: a DLQ holding rate × $MOVE_SECONDS s of messages (dead-lettered by maxReceiveCount=1) is redriven to its source; achieved = moved ÷ (first ListMessageMoveTasks poll seeing COMPLETED − StartMessageMoveTask sent), polled every 100 ms and every 5 ms near the end"
  echo "- CPU µs/msg = the server process's utime+stime over the measured window ÷ messages; ratio = how many times better durable Eddy is than ElasticMQ (ElasticMQ always over Query, so JSON rows compare Eddy over JSON with ElasticMQ over Query); ⚠ = the run had errors"
  [[ $PROXY == 1 ]] && echo "- † ElasticMQ 0.7.1 has no FIFO queues (CreateQueue of a \`.fifo\` name fails with InvalidParameterValue): these ratios compare Eddy's FIFO run with ElasticMQ's standard-queue run of the same shape (SendMessage / Receive+DeleteBatch, Query), an upper bound for an ElasticMQ FIFO"
  echo
  echo "| metric | eddy (durable) | eddy (in-memory) | elasticmq | moto | durable Eddy vs ElasticMQ | target (durable Eddy) |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "<details><summary>raw sqsbench results</summary>"
  echo
  echo '```'
  cat "$RAW"
  echo '```'
  echo "</details>"
} >"$REPORT"

mkdir -p "$ROOT/bench/results"
OUT=$ROOT/bench/results/$START.md
cp "$REPORT" "$OUT"
cat "$REPORT"
log "written to $OUT"
