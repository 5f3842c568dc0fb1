#!/usr/bin/env bash
# `npm test`: installs what the tests need (idempotent and cached: the Python peers, the MinIO server, the
# native TensorFlow binding where it can be built), builds the bundles, then runs every test file with
# node:test. Arguments narrow the run to files or folders: `npm test -- test/kfp`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "python peers (.venv)"
tools/python-env.sh
if [[ -x test/services/install.sh ]]; then
  step "test services (MinIO)"
  test/services/install.sh
fi
if [[ -x tools/native-tf/install.sh ]]; then
  step "native TensorFlow backend (optional)"
  tools/native-tf/install.sh || echo "native TensorFlow backend unavailable; RNN tests run on WASM only" >&2
fi
step "build"
npm run --silent build

roots=("$@")
[[ ${#roots[@]} -eq 0 ]] && roots=(test)
mapfile -t files < <(find "${roots[@]}" -name '*.test.ts' | sort)
step "node:test (${#files[@]} files)"
exec node --import tsx --test --test-reporter=spec "${files[@]}"
