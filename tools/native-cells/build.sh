#!/usr/bin/env bash
# Builds the compiled cell loops (native/cells/: C++ over Eigen, a Node-API addon) into native/cells/build/, one
# addon per instruction set: flts-cells-x86-64-v3.node (AVX2 + FMA) and flts-cells-x86-64.node on x86-64,
# flts-cells-<arch>.node elsewhere; shared/models/recurrent/compiled-cells.ts picks one at run time.
#
# Needs a C++17 compiler (CXX, default g++), the Node-API headers (npm's node-api-headers, a devDependency) and
# Eigen 3.4: /usr/include/eigen3 when libeigen3-dev is installed, otherwise Debian's libeigen3-dev package is
# downloaded with apt-get and unpacked into the cache (no root needed). Builds are cached under
# ~/.cache/flts/native-cells by a digest of the sources, compiler and flags; a cached build is copied in 0 s.
# Exit 0 with the addons in place, non-zero with the reason otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."

CACHE="${FLTS_CACHE:-$HOME/.cache/flts}"
OUT=native/cells/build
CXX="${CXX:-g++}"
log() { printf 'native-cells: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v "$CXX" >/dev/null || die "no C++ compiler ($CXX); install g++ or set CXX"

# Node-API headers: the node-api-headers package (a devDependency, so present after npm ci), else Node's own.
node_headers() {
  local prefix
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  for dir in node_modules/node-api-headers/include "$prefix/include/node"; do
    [[ -f $dir/node_api.h ]] && { echo "$dir"; return; }
  done
  die "node_api.h not found (run npm ci for node-api-headers, or install Node's headers in $prefix/include/node)"
}

eigen_headers() {
  if [[ -f /usr/include/eigen3/Eigen/Core ]]; then echo /usr/include/eigen3; return; fi
  local dir="$CACHE/eigen/libeigen3-dev"
  if [[ ! -f $dir/.complete ]]; then
    command -v apt-get >/dev/null || die "Eigen is not installed and apt-get is missing to fetch libeigen3-dev"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    # apt-get download writes into the current directory; its _apt sandbox cannot, hence the warning it prints.
    (cd "$dir.tmp" && apt-get download libeigen3-dev >/dev/null 2>&1) || die "apt-get download libeigen3-dev failed"
    dpkg-deb -x "$dir.tmp"/libeigen3-dev_*.deb "$dir.tmp/root"
    touch "$dir.tmp/.complete"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "Eigen $(ls "$dir" | sed -n 's/libeigen3-dev_\(.*\)_all.deb/\1/p') unpacked into $dir"
  fi
  echo "$dir/root/usr/include/eigen3"
}

case "$(uname -m)" in
  x86_64) variants=("x86-64-v3:-march=x86-64-v3" "x86-64:-march=x86-64 -mtune=generic") ;;
  aarch64) variants=("arm64:-march=armv8-a") ;;
  *) variants=("$(node -p process.arch):") ;;
esac

NODE_INCLUDE=$(node_headers)
EIGEN_INCLUDE=$(eigen_headers)
FLAGS="-std=c++17 -O3 -DNDEBUG -ffp-contract=off -fno-math-errno -fPIC -shared -fvisibility=hidden -pthread -Wall -Wextra -DNODE_GYP_MODULE_NAME=flts_cells"
KEY=$( { cat native/cells/*.cc native/cells/*.h; "$CXX" --version | head -1; echo "$FLAGS ${variants[*]}"; cat "$EIGEN_INCLUDE/Eigen/src/Core/util/Macros.h" | grep -m3 'define EIGEN_.*_VERSION'; } | sha256sum | cut -c1-16)
BUILT="$CACHE/native-cells/$KEY"

if [[ ! -f $BUILT/.complete ]]; then
  rm -rf "$BUILT.tmp" && mkdir -p "$BUILT.tmp"
  failed=()
  for variant in "${variants[@]}"; do
    name=${variant%%:*}
    # Each variant on its own: a compiler too old for -march=x86-64-v3 still gives the baseline addon.
    # shellcheck disable=SC2086 # FLAGS and the variant's flags are word lists
    if ! "$CXX" $FLAGS ${variant#*:} -isystem "$NODE_INCLUDE" -isystem "$EIGEN_INCLUDE" native/cells/*.cc \
      -o "$BUILT.tmp/flts-cells-$name.node"; then
      failed+=("$name")
      log "compiling flts-cells-$name.node failed (above)"
    fi
  done
  compgen -G "$BUILT.tmp/*.node" >/dev/null || die "no addon could be compiled"
  ((${#failed[@]} == 0)) || log "built without: ${failed[*]} (the CPUs those serve use the baseline addon)"
  touch "$BUILT.tmp/.complete"
  rm -rf "$BUILT" && mv "$BUILT.tmp" "$BUILT"
  log "built $(cd "$BUILT" && ls *.node | tr '\n' ' ')in $BUILT"
fi
mkdir -p "$OUT"
for addon in "$BUILT"/*.node; do
  cmp -s "$addon" "$OUT/$(basename "$addon")" || cp "$addon" "$OUT/"
done
log "ready: $(cd "$OUT" && ls *.node | tr '\n' ' ')(cache $KEY)"
