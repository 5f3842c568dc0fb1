#!/usr/bin/env bash
# buildah with the storage settings the image scripts use (driver and folder, see tools/images/lib.sh), so that
# images built by tools/images/build.sh can be listed, run or pushed by hand:
#   tools/images/buildah.sh images
#   tools/images/buildah.sh push ghcr.io/flts-ts/flts-train-gru:0.1.0
#   tools/images/buildah.sh --print-storage     (prints "<driver> <root>" and exits)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [[ ${1:-} == --print-storage ]]; then
  echo "$STORAGE_DRIVER ${STORAGE_ROOT:-default}"
  exit 0
fi
ensure_buildah
bh "$@"
