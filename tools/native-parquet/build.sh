#!/usr/bin/env bash
# Builds the native Parquet writer (native/parquet/: arrow-rs' ArrowWriter as a small program that
# shared/table/parquet.ts feeds Arrow IPC streams) into native/parquet/build/flts-parquet. It is optional: without
# it the writer is parquet-wasm, which writes the same file about three times as slowly.
#
# Needs cargo (Rust ≥ 1.85) and the crates registry; the crates are pinned by native/parquet/Cargo.lock. Builds are
# cached under ~/.cache/flts/native-parquet by a digest of the sources and the compiler; a cached build is copied in
# 0 s. Exit 0 with the program in place, non-zero with the reason otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE="${FLTS_CACHE:-$HOME/.cache/flts}"
OUT=native/parquet/build
log() { printf 'native-parquet: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# rustup's cargo first: a distribution's (Debian 12 ships Rust 1.63) is too old for these crates.
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || die "no cargo (Rust); install it with rustup, or go on without: Parquet is then written by parquet-wasm"

# The C library too: the program links against the host's glibc, and the images run it on theirs. (sed, not head:
# head would stop reading, and ldd's later lines would end it with SIGPIPE, failing the pipeline.)
KEY=$( { cat native/parquet/Cargo.toml native/parquet/Cargo.lock native/parquet/src/*.rs; rustc --version; uname -m; ldd --version 2>&1 | sed -n 1p; } | sha256sum | cut -c1-16)
BUILT="$CACHE/native-parquet/$KEY"

if [[ ! -f $BUILT/.complete ]]; then
  t0=$SECONDS
  rm -rf "$BUILT.tmp" && mkdir -p "$BUILT.tmp"
  # The target directory is shared by all builds (incremental), outside the repository.
  CARGO_TARGET_DIR="$CACHE/native-parquet/target" cargo build --quiet --release --locked --manifest-path native/parquet/Cargo.toml ||
    die "cargo build failed (above)"
  cp "$CACHE/native-parquet/target/release/flts-parquet" "$BUILT.tmp/"
  touch "$BUILT.tmp/.complete"
  rm -rf "$BUILT" && mv "$BUILT.tmp" "$BUILT"
  log "built flts-parquet in $((SECONDS - t0)) s into $BUILT"
fi
mkdir -p "$OUT"
cp "$BUILT/flts-parquet" "$OUT/flts-parquet.tmp" && mv "$OUT/flts-parquet.tmp" "$OUT/flts-parquet"
log "$OUT/flts-parquet ($(rustc --version | cut -d' ' -f2))"
