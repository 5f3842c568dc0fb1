#!/usr/bin/env bash
# `npm start`: builds the compiled cell loops where a C++ compiler is at hand (the recurrent layers run on the
# backend otherwise, slower), then the component bundles, then runs the whole pipeline locally
# (pipelines/run-local.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! bash tools/native-cells/build.sh; then
  echo "npm start: the compiled cell loops could not be built (above); the GRU/LSTM layers run on the TensorFlow.js backend" >&2
fi
npm run --silent build
exec node --import tsx pipelines/run-local.ts "$@"
