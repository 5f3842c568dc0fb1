#!/usr/bin/env bash
# Installs the real servers the storage and tracking tests start: a MinIO binary built from the Go module
# proxy (cached per release under ~/.cache/flts/minio/), the Kafka broker's jars (kafka-install.sh, cached
# under ~/.cache/flts/kafka/), headless Chromium (chromium-install.sh, cached under ~/.cache/flts/chromium/)
# and the project's .venv with the pinned MLflow.
# Idempotent and cheap when warm; prints how long each part took so CI can report the cost.
#
# Environment:
#   FLTS_CACHE_DIR   cache root (default: ${XDG_CACHE_HOME:-~/.cache}/flts)
#   FLTS_SKIP_PYTHON set to 1 to skip the .venv step (MinIO only)
# Prints the MinIO binary path on stdout (last line); progress goes to stderr.
#
# Measured on the 2-core development machine (Go 1.26.8): cold, with empty Go module and build caches, the
# MinIO build took 445 s (≈ 1.2 GB of modules downloaded, 0.95 GB build cache); warm, the cached binary is
# found in about 1 s. A CI machine that keeps ~/.cache/flts between runs pays the cold cost once.
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/services/minio-release.sh

cache_root="${FLTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flts}"
target_dir="$cache_root/minio/$MINIO_RELEASE"
binary="$target_dir/minio"

install_minio() {
  if [[ -x "$binary" ]] && "$binary" --version >/dev/null 2>&1; then
    return 0
  fi
  command -v go >/dev/null || { echo "install.sh: Go is required to build MinIO (go not on PATH)" >&2; return 1; }
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/flts-minio-build.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  # MinIO's releases are git tags (RELEASE.<date>), not semver, so the module proxy knows each one only by
  # the pseudo-version of its commit. Release metadata goes in through the same -X flags MinIO's own
  # Makefile sets, so `minio --version` names the release instead of DEVELOPMENT.GOGET.
  local pkg=github.com/minio/minio
  local ldflags="-s -w -X $pkg/cmd.Version=$MINIO_VERSION_TIME -X $pkg/cmd.ReleaseTag=$MINIO_RELEASE"
  ldflags+=" -X $pkg/cmd.CommitID=$MINIO_COMMIT -X $pkg/cmd.ShortCommitID=${MINIO_COMMIT:0:12}"
  echo "install.sh: building MinIO $MINIO_RELEASE ($MINIO_MODULE_VERSION) with $(go env GOVERSION)…" >&2
  if ! CGO_ENABLED=0 GOBIN="$work" GOFLAGS=-buildvcs=false \
      go install -trimpath -ldflags "$ldflags" "$pkg@$MINIO_MODULE_VERSION" 2>"$work/install.log"; then
    # `go install pkg@version` refuses modules whose go.mod has replace directives; the directives do apply
    # when building inside the module's own directory, so fall back to that.
    if ! grep -q 'replace directives' "$work/install.log"; then
      cat "$work/install.log" >&2
      return 1
    fi
    local dir
    dir=$(GOFLAGS=-mod=mod go mod download -json "$pkg@$MINIO_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "$ldflags" -o "$work/minio" .)
  fi
  mkdir -p "$target_dir"
  # Rename into place so that a concurrent or interrupted install never leaves a half-written binary.
  cp "$work/minio" "$binary.tmp.$$"
  mv -f "$binary.tmp.$$" "$binary"
}

start=$(date +%s)
install_minio
minio_s=$(( $(date +%s) - start ))
echo "install.sh: MinIO $MINIO_RELEASE ready in ${minio_s}s at $binary" >&2
test/services/kafka-install.sh >/dev/null   # Kafka jars from Maven Central for the event-mode tests
# Headless Chromium from Debian packages for test/browser; without it only those tests fail, saying why.
start=$(date +%s)
if test/services/chromium-install.sh >/dev/null; then
  echo "install.sh: Chromium ready in $(( $(date +%s) - start ))s" >&2
else
  echo "install.sh: no Chromium (above); the browser tests will fail" >&2
fi

if [[ "${FLTS_SKIP_PYTHON:-}" != 1 ]]; then
  start=$(date +%s)
  tools/python-env.sh   # pins mlflow and Flask-WTF, which MLflow's basic-auth app needs
  echo "install.sh: .venv (mlflow $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null)) ready in $(( $(date +%s) - start ))s" >&2
fi
echo "$binary"
