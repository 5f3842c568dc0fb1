#!/usr/bin/env bash
# `npm test`: installs what the tests need (idempotent and cached: the Python peers, the MinIO server, the
# native TensorFlow binding built from the PyPI wheel, the compiled cell loops, the native Parquet writer, Polars'
# native package), builds the bundles, then runs every test file with node:test. The recurrent-model tests then run again on WASM, the fallback backend: with
# the compiled cell loops, and with the JavaScript ones. Arguments narrow the run to files or folders:
# `npm test -- test/kfp`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "python peers (.venv)"
tools/python-env.sh
step "test services (MinIO, Kafka jars)"
test/services/install.sh >/dev/null
step "native TensorFlow backend (tfjs-node against the PyPI libtensorflow)"
native=0
if tools/native-tf/install.sh; then native=1; else echo "native backend unavailable: the tests run on WASM only" >&2; fi
step "compiled cell loops (native/cells, C++ over Eigen)"
if ! tools/native-cells/build.sh; then
  # CI requires them (FLTS_REQUIRE_CELLS=1 in .ci/run); elsewhere their tests skip, saying so, and the rest runs.
  [[ ${FLTS_REQUIRE_CELLS:-0} == 1 ]] && exit 1
  echo "compiled cell loops unavailable: their tests skip and the layers run on the backend" >&2
fi
step "native Parquet writer (native/parquet, arrow-rs)"
if ! tools/native-parquet/build.sh; then
  # CI requires it (FLTS_REQUIRE_NATIVE_PARQUET=1 in .ci/run); elsewhere its tests skip, saying so, and parquet-wasm writes.
  [[ ${FLTS_REQUIRE_NATIVE_PARQUET:-0} == 1 ]] && exit 1
  echo "native Parquet writer unavailable: its tests skip and parquet-wasm writes Parquet" >&2
fi
step "Polars' native package (the preprocess CSV fast path)"
tools/native-polars/install.sh
step "build"
npm run --silent build

roots=("$@")
[[ ${#roots[@]} -eq 0 ]] && roots=(test)
mapfile -t files < <(find "${roots[@]}" -name '*.test.ts' | sort)
step "node:test (${#files[@]} files)"
status=0
# A test still running after 20 minutes has hung (the longest take about 8): it fails, named, instead of holding CI.
TEST_TIMEOUT=--test-timeout=1200000
node --import tsx --test --test-reporter=spec "$TEST_TIMEOUT" "${files[@]}" || status=$?

if [[ $# -eq 0 ]]; then
  mapfile -t rnn < <(find test/models/recurrent test/tf -name '*.test.ts' | sort)
  # The fallback images: the WASM backend with the compiled cell loops (where tfjs-node is not installed) …
  if [[ $native == 1 ]]; then
    step "node:test on the WASM backend with the compiled cell loops (${#rnn[@]} files)"
    TFJS_BACKEND=wasm node --import tsx --test --test-reporter=spec "$TEST_TIMEOUT" "${rnn[@]}" || status=$?
  fi
  # … and WASM alone, with the JavaScript cell loops (no compiler where the code was built).
  step "node:test on the WASM backend with the JavaScript cell loops (${#rnn[@]} files)"
  TFJS_BACKEND=wasm FLTS_RNN_KERNEL=cell-loop node --import tsx --test --test-reporter=spec "$TEST_TIMEOUT" "${rnn[@]}" || status=$?
fi
exit $status
