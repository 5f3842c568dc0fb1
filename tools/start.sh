#!/usr/bin/env bash
# `npm start`: builds the component bundles, then runs the whole pipeline locally (pipelines/run-local.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
exec node --import tsx pipelines/run-local.ts "$@"
