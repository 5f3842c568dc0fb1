#!/usr/bin/env bash
# Creates (once) the project's Python virtualenv at .venv with the pinned test-time peers of
# tools/requirements.txt. Idempotent: a stamp holding the requirements' hash skips the work when nothing
# changed; pip's download cache (~/.cache/pip) makes a rebuild on the same machine fast.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
start=$(date +%s)
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tools/requirements.txt
echo "$want" > "$stamp"
echo "python-env: .venv ready in $(( $(date +%s) - start ))s" >&2
