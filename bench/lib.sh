# bench/lib.sh: set-up shared by the bench/run*.sh scripts (source it; it defines functions only, plus
# BENCH_ROOT). Building a build directory, picking a free port, starting a server and waiting until it
# answers, stopping what was started, the machine line of a results file and number formatting.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   BENCH_LOG_PREFIX=events-bench
#   BUILD=$(bench_build_dir "${1:-}")            # absolute; $1, else $EDDY_BUILD_DIR, else ./build
#   bench_build "$BUILD" eddy eventsbench         # configures if needed (RelWithDebInfo), -j 2
#   port=$(bench_pick_port)
#   bench_start_server PID_VAR "$WORK/eddy.log" "$BUILD/eddy" serve --port "$port" ...
#   bench_wait_http "http://127.0.0.1:$port/_eddy/health" "${!PID_VAR}" "$WORK/eddy.log" 200
#   bench_stop_server "$pid"                       # and bench_stop_all from the EXIT trap

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_LOG_PREFIX=${BENCH_LOG_PREFIX:-bench}
BENCH_STARTED_PIDS=()

log() { printf '[%s] %s\n' "$BENCH_LOG_PREFIX" "$*" >&2; }

# bench_build_dir [DIR]: the build directory as an absolute path.
bench_build_dir() {
  local dir=${1:-${EDDY_BUILD_DIR:-$BENCH_ROOT/build}}
  [[ $dir = /* ]] || dir=$PWD/$dir
  echo "$dir"
}

# bench_build DIR TARGET...: configures DIR (Ninja, RelWithDebInfo) if needed and builds the targets.
bench_build() {
  local dir=$1
  shift
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    log "configuring $dir"
    cmake -S "$BENCH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  log "building $* in $dir"
  cmake --build "$dir" --target "$@" -j 2 >&2
}

bench_build_type() { sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$1/CMakeCache.txt"; }

# Ports below the ephemeral range (32768+ by default), so no client socket of an earlier run holds one.
bench_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && ! ss -Htan "sport = :$1" | grep -q .; }
bench_pick_port() {
  local p=$((20000 + RANDOM % 12000))
  while ! bench_port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

# bench_start_server PID_VAR LOG CMD...: starts CMD in the background (its output to LOG) and stores its
# pid in the variable named PID_VAR. bench_stop_all stops it if the script exits early.
bench_start_server() {
  local -n pid_ref=$1
  local logfile=$2
  shift 2
  "$@" >"$logfile" 2>&1 &
  pid_ref=$!
  BENCH_STARTED_PIDS+=("$pid_ref")
}

# bench_wait_http URL PID LOG [STATUS] [TIMEOUT_S]: polls URL every 50 ms until it answers STATUS (any
# HTTP status if empty). Fails, printing the end of LOG, if PID exits or TIMEOUT_S (60) passes.
bench_wait_http() {
  local url=$1 pid=$2 logfile=$3 want=${4:-} timeout=${5:-60} code
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    if [[ -n $code && $code != 000 && (-z $want || $code == "$want") ]]; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the server (pid $pid) exited; the end of $logfile:"
      tail -20 "$logfile" >&2
      return 1
    fi
    sleep 0.05
  done
  log "$url did not answer ${want:-at all} within ${timeout} s; the end of $logfile:"
  tail -20 "$logfile" >&2
  return 1
}

# bench_stop_server PID: SIGTERM, wait; only a pid this script started.
bench_stop_server() {
  local pid=$1
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}

bench_stop_all() {
  local pid
  for pid in "${BENCH_STARTED_PIDS[@]}"; do bench_stop_server "$pid"; done
}

# VmRSS/VmHWM etc. of a process, in kB (empty if it is gone).
bench_status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

bench_machine_line() {
  echo "$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
}

bench_commit() {
  local commit dirty
  commit=$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  dirty=$([[ -n $(git -C "$BENCH_ROOT" status --porcelain 2>/dev/null) ]] && echo " + uncommitted changes" || true)
  echo "$commit$dirty"
}

# bench_fmt NUMBER [DECIMALS=2]: fixed decimals with thousands separators; empty stays empty.
bench_fmt() {
  [[ -z $1 ]] && return
  LC_ALL=C printf "%.${2:-2}f" "$1" | sed -e ':a' -e 's/^\([0-9]\{1,\}\)\([0-9]\{3\}\)/\1,\2/;ta'
}

# bench_read_results FILE F1 F2: every `RESULT k=v ...` line of FILE into the global associative array
# R, keyed "<value of F1>|<value of F2>|k" (e.g. bench|side or label|bench). Declare R first.
bench_read_results() {
  local line tok k
  while read -r line; do
    [[ $line == RESULT* ]] || continue
    declare -A kv=()
    for tok in ${line#RESULT }; do kv[${tok%%=*}]=${tok#*=}; done
    for k in "${!kv[@]}"; do R[${kv[$2]}|${kv[$3]}|$k]=${kv[$k]}; done
    unset kv
  done <"$1"
}
