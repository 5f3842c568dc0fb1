#!/usr/bin/env bash
# `npm start`: builds the compiled cell loops where a C++ compiler is at hand (the recurrent layers run on the
# backend otherwise, slower), then the component bundles, then runs the whole pipeline locally
# (pipelines/run-local.ts), or with --serve serves its champion (node dist/inference.js serve), or with --kafka
# runs the chain as Kafka services through a temporary local broker (pipelines/run-kafka.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! bash tools/native-cells/build.sh; then
  echo "npm start: the compiled cell loops could not be built (above); the GRU/LSTM layers run on the TensorFlow.js backend" >&2
fi
bash tools/native-polars/install.sh
npm run --silent build
# `npm start -- --serve [serve flags]`: serve the champion of the last local run (local_outputs/mlruns, where
# `npm start` keeps its offline MLflow store, or MLFLOW_TRACKING_URI) over HTTP instead of running the pipeline;
# `npm start -- --serve --help` lists the flags.
if [[ "${1:-}" == "--serve" ]]; then
  shift
  if [[ -z ${MLFLOW_TRACKING_URI:-} && -d local_outputs/mlruns ]]; then export MLFLOW_TRACKING_URI=$PWD/local_outputs/mlruns; fi
  exec node dist/inference.js serve "$@"
fi
# `npm start -- --kafka [--param name=value ...]`: the six components as Kafka services (event mode) through a
# temporary Kafka broker, MinIO and MLflow, on the sample data; `npm start -- --kafka --help` lists the flags.
if [[ "${1:-}" == "--kafka" ]]; then
  shift
  exec node --import tsx pipelines/run-kafka.ts "$@"
fi
exec node --import tsx pipelines/run-local.ts "$@"
