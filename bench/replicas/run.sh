#!/usr/bin/env bash
# Issue 4 benchmark: end-to-end convergence of btrd with replicas = 1, 3, 5 in each voting mode, with BIRD
# as the reference in the same run, on ../shared/peer-bench (K peers × P prefixes) and the real jinx table.
# Each btrd variant is one bench/e2e/run.sh call (BTRD_ARGS="--replicas N --voting MODE [--k K]"); its
# result lines are relabelled target=btrd/rN/MODE and collected in bench/results/replicas-raw.txt, then
# bench/replicas/report.ts writes replicas.json, replicas.svg and prints the table.
#
#   bench/replicas/run.sh                                         # 1×1M + jinx, replicas 1 3 5, all modes
#   REPLICAS_LIST="1 3" MODES=continuous-majority P_LIST=100000 JINX=0 bench/replicas/run.sh
#
# env: REPLICAS_LIST ("1 3 5"), MODES ("continuous-majority master k-of-n consensus"), K_LIST ("1"),
#      P_LIST ("1000000"), JINX (1), REPEATS (1), TIMEOUT (600), BIRD (1: also run BIRD), APPEND (0)
set -uo pipefail
cd "$(dirname "$0")/../.."
REPLICAS_LIST=${REPLICAS_LIST-"1 3 5"}
MODES=${MODES-"continuous-majority master k-of-n consensus"}
OUT=bench/results/replicas-raw.txt
mkdir -p bench/results
[ "${APPEND:-0}" = 1 ] || : > "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export K_LIST=${K_LIST-"1"} P_LIST=${P_LIST-"1000000"} JINX=${JINX:-1} REPEATS=${REPEATS:-1} TIMEOUT=${TIMEOUT:-600}

variant() { # label, targets, btrd args
  local label=$1 targets=$2 args=$3
  echo "# $label ($targets) $args" >&2
  APPEND=0 RAW=$tmp/raw.txt TARGETS=$targets BTRD_ARGS="$args" bench/e2e/run.sh > /dev/null 2>> "$tmp/log" || echo "# $label failed" >&2
  sed -E "s#^target=(custom|btrd) #target=btrd/$label #" "$tmp/raw.txt" >> "$OUT"
}

[ "${BIRD:-1}" = 1 ] && variant bird bird ""
for n in $REPLICAS_LIST; do
  if [ "$n" = 1 ]; then variant r1 btrd "--replicas 1"; continue; fi
  for m in $MODES; do
    case $m in
      k-of-n) k=$(( n / 2 )); [ "$k" -lt 2 ] && k=2; variant "r$n/k-of-n-$k" btrd "--replicas $n --voting k-of-n --k $k" ;;
      *) variant "r$n/$m" btrd "--replicas $n --voting $m" ;;
    esac
  done
done
npm run -s build >&2 || true
node dist/bench/replicas/report.js "$OUT"
