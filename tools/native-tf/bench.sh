#!/usr/bin/env bash
# One epoch-timing run per backend, one process each, results appended as JSON lines.
#   tools/native-tf/bench.sh [--cell gru|lstm] [--no-cpu] [--no-wasm-pretranspose] [--out FILE] [-- extra bench-gru.ts args]
# Needs tools/native-tf/install.sh to have run for the 'tensorflow' backend (skipped if it does not load).
# The load average is recorded with every result: these machines are shared, and a busy neighbour
# (e.g. an image build) slows every backend down.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CELL=gru
CPU=1
PRET=1
OUT="$ROOT/tools/native-tf/results/bench-$(date +%Y%m%d-%H%M%S).jsonl"
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cell) CELL="$2"; shift 2 ;;
    --no-cpu) CPU=0; shift ;;
    --no-wasm-pretranspose) PRET=0; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
mkdir -p "$(dirname "$OUT")"
cd "$ROOT"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
run() { # backend epochs [more bench-gru.ts args]
  local load out json b="$1" e="$2"
  shift 2
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  if ! out=$(npx tsx tools/native-tf/bench-gru.ts --backend "$b" --cell "$CELL" --epochs "$e" "$@" ${EXTRA[@]+"${EXTRA[@]}"} 2>&1); then
    printf '%s\n' "$out" >&2
    echo "bench.sh: $b failed" >&2
    return 0
  fi
  out=$(printf '%s\n' "$out" | grep -v -e '^====' -e '^Hi, looks like' -e 'Orthogonal initializer' -e '^$' || true)
  printf '%s\n' "$out" >&2
  json=$(printf '%s\n' "$out" | tail -1)
  case "$json" in
    '{'*) printf '%s\n' "${json%\}}, \"loadavg_before\": \"$load\", \"loadavg_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"cpus\": $(nproc), \"host_tf_env\": \"TF_NUM_INTRAOP_THREADS=${TF_NUM_INTRAOP_THREADS:-} TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-}\"}" >> "$OUT" ;;
    *) echo "bench.sh: $b produced no result" >&2 ;;
  esac
}
if node -e "import('@tensorflow/tfjs-node').catch(() => process.exit(1))" >/dev/null 2>&1; then
  run tensorflow 3
else
  echo "bench.sh: @tensorflow/tfjs-node does not load; run tools/native-tf/install.sh (skipping 'tensorflow')" >&2
fi
run wasm 2
if [ "$PRET" = 1 ]; then run wasm 2 --wasm-pretranspose; fi
if [ "$CPU" = 1 ]; then run cpu 1; fi
echo "results: $OUT"
