#!/usr/bin/env bash
# End-to-end convergence benchmark: btrd vs BIRD on ../shared/peer-bench (synthetic tables, K peers × P
# prefixes, btrd plugged in through peer-bench's `custom` target) and on the real route-views.jinx full
# table (bench/e2e/jinx.ts). Writes bench/results/e2e-raw.txt (one result line per run), e2e.json, e2e.svg
# and prints a table. Every run is bounded by TIMEOUT seconds; a run that does not converge is recorded
# with its status (timeout, target_died, ...).
#
#   bench/e2e/run.sh                                   # everything, 1 repeat, small → large
#   REPEATS=2 bench/e2e/run.sh                         # 2 repeats of every size
#   P_LIST="100000 500000" K_LIST=1 JINX=0 bench/e2e/run.sh
#   SKIP="4x1000000" bench/e2e/run.sh                  # skip sizes (KxP, space-separated)
#   TARGETS=btrd APPEND=1 bench/e2e/run.sh             # only btrd, add lines to the existing raw file
#
# env: K_LIST ("1 4"), P_LIST ("100000 500000 1000000"), SKIP (""), REPEATS (1), TIMEOUT (300),
#      TARGETS ("btrd bird"), JINX (1; 0 skips the jinx replay), APPEND (0), NODE_FLAGS
#      ("--max-semi-space-size=16"), PEER_BENCH (../shared/peer-bench), API_PORT (18179), RAW
#      (bench/results/e2e-raw.txt), BTRD_ARGS (extra btrd flags, e.g. "--replicas 3 --voting master"),
#      FIB (0: btrd runs with `fib: null`, like BIRD here, which installs nothing; 1: keep the in-memory FIB),
#      FIB_COUNTS (1: with FIB=1, converged only once GET /fib holds every route)
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
PB=${PEER_BENCH:-$REPO/../shared/peer-bench}
K_LIST=${K_LIST-"1 4"}
P_LIST=${P_LIST-"100000 500000 1000000"}
SKIP=${SKIP:-}
REPEATS=${REPEATS:-1}
TIMEOUT=${TIMEOUT:-300}
TARGETS=${TARGETS:-"btrd bird"}
JINX=${JINX:-1}
NODE_FLAGS=${NODE_FLAGS:-"--max-semi-space-size=16"}
API_PORT=${API_PORT:-18179}
RAW=${RAW:-$REPO/bench/results/e2e-raw.txt}   # results go next to it (e2e.json, e2e.svg)
mkdir -p bench/results
[ "${APPEND:-0}" = 1 ] || : > "$RAW"

npm run -s build >&2 || echo "# tsc reported errors (dist/ is still emitted); continuing" >&2
[ -f dist/daemons/btrd.js ] || exit 1

# btrd through peer-bench's custom target: generate the YAML from $PEERS_FILE, exec node (measured PID).
export CUSTOM_START_CMD="PEERS_FILE=\$PEERS_FILE API_PORT=$API_PORT FIB=${FIB:-0} node $REPO/dist/bench/e2e/peer-config.js > \$WORK/btrd.yaml && exec node $NODE_FLAGS $REPO/dist/daemons/btrd.js --config \$WORK/btrd.yaml ${BTRD_ARGS:-}"
export CUSTOM_COUNTS_CMD="set -o pipefail; curl -sf --max-time 5 http://127.0.0.1:$API_PORT/rib/summary | grep -oE '\"(paths|best)\":[0-9]+' | cut -d: -f2 | paste -sd' ' | grep ' '"
# FIB_COUNTS=1 (with FIB=1): converged when the FIB holds every route, not only the Loc-RIB — BEST is
# GET /fib's routes (the FIB writer applies Loc-RIB changes in time slices, so it can trail the RIB; the
# read applies whatever is still queued, so each poll also forces the FIB up to date).
if [ "${FIB_COUNTS:-0}" = 1 ]; then
  export CUSTOM_COUNTS_CMD="set -o pipefail; p=\$(curl -sf --max-time 5 http://127.0.0.1:$API_PORT/rib/summary | grep -oE '\"paths\":[0-9]+' | cut -d: -f2) && f=\$(curl -sf --max-time 5 http://127.0.0.1:$API_PORT/fib | grep -oE '\"routes\":[0-9]+' | cut -d: -f2) && echo \"\$p \$f\""
fi
export CUSTOM_VERSION="btrd${BTRD_ARGS:+ ${BTRD_ARGS// /_}} $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- lib daemons || echo +dirty) node $(node --version)"

pb_targets=()
for t in $TARGETS; do
  case $t in btrd) pb_targets+=(custom) ;; bird) pb_targets+=(bird) ;; *) echo "unknown target $t" >&2; exit 2 ;; esac
done

for P in $P_LIST; do
  for K in $K_LIST; do
    case " $SKIP " in *" ${K}x${P} "*) echo "# skip ${K}x${P}" >&2; continue ;; esac
    # one peer-bench call per repeat (it would run all repeats of btrd before BIRD; REPEATS is also its env)
    for ((rep = 1; rep <= REPEATS; rep++)); do
      REPEATS=1 TIMEOUT=$TIMEOUT "$PB/run.sh" -k "$K" -p "$P" -r 1 -o "$RAW" "${pb_targets[@]}" > /dev/null ||
        echo "# peer-bench failed for ${K}x${P}" >&2
    done
  done
done

if [ "$JINX" = 1 ]; then
  for ((rep = 1; rep <= REPEATS; rep++)); do
    for t in $TARGETS; do
      # same lock as peer-bench: no other heavy benchmark at the same time
      FIB=${FIB:-0} flock -w 600 /tmp/peer-bench.lock node dist/bench/e2e/jinx.js --target "$t" --timeout "$TIMEOUT" \
        --node-flags="$NODE_FLAGS" --out "$RAW" > /dev/null || echo "# jinx $t failed" >&2
    done
  done
fi

node dist/bench/e2e/report.js "$RAW"
