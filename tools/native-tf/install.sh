#!/usr/bin/env bash
# Make `import('@tensorflow/tfjs-node')` work in this checkout without reaching storage.googleapis.com:
# the TensorFlow C library comes from a PyPI `tensorflow-cpu` wheel and the tfjs-node N-API binding is
# compiled here with node-gyp from the published package source. Run after `npm ci`.
#
#   tools/native-tf/install.sh [--tf-version V] [--copy] [--force] [--remove] [--no-verify]
#
#   --tf-version V  tensorflow-cpu wheel to take the C library from (default 2.9.1, the libtensorflow
#                   version tfjs-node 4.22.0 is built against; 2.15.1 is also known to work)
#   --copy          copy the TensorFlow libraries into node_modules instead of symlinking the cache
#                   (for container images; ~0.5 GB)
#   --force         rebuild the cached library layout and binding
#   --remove        take the native backend out of node_modules again (tfjs falls back to WASM/cpu)
#   --no-verify     skip the final load check
#
# Environment: FLTS_CACHE (default ~/.cache/flts), FLTS_TF_PYVER (python version whose wheel is fetched,
# default 3.10), PYTHON (default python3).
# Never edits package.json / package-lock.json; only adds the packages npm dropped (the optional
# @tensorflow/tfjs-node subtree) to node_modules, plus its deps/ and lib/napi-v*/ folders.
# See tools/native-tf/README.md for why each step is needed.
set -euo pipefail

TF_VERSION=2.9.1
COPY=0
FORCE=0
REMOVE=0
VERIFY=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tf-version) TF_VERSION="$2"; shift 2 ;;
    --tf-version=*) TF_VERSION="${1#*=}"; shift ;;
    --copy) COPY=1; shift ;;
    --force) FORCE=1; shift ;;
    --remove) REMOVE=1; shift ;;
    --no-verify) VERIFY=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${FLTS_CACHE:-$HOME/.cache/flts}/native-tf"
PYTHON="${PYTHON:-python3}"
PYVER="${FLTS_TF_PYVER:-3.10}"
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"

T0=$(date +%s.%N)
tstep=$T0
log() { printf '[native-tf] %s\n' "$*"; }
step_done() { # prints the time the step took
  local now; now=$(date +%s.%N)
  printf '[native-tf]   %s (%ss)\n' "$1" "$(awk -v a="$tstep" -v b="$now" 'BEGIN { printf "%.1f", b - a }')"
  tstep=$now
}
die() { printf '[native-tf] ERROR: %s\n' "$*" >&2; exit 1; }

[ -d "$ROOT/node_modules/@tensorflow/tfjs" ] || die "run 'npm ci' in $ROOT first (node_modules/@tensorflow/tfjs missing)"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "only linux x86_64 is supported (PyPI tensorflow-cpu wheels)"

TFJS_NODE_VERSION=$(cd "$ROOT" && node -p "require('./package-lock.json').packages['node_modules/@tensorflow/tfjs-node']?.version ?? ''")
[ -n "$TFJS_NODE_VERSION" ] || die "package-lock.json does not list @tensorflow/tfjs-node"

if [ "$REMOVE" = 1 ]; then
  if [ -d "$PKG" ]; then
    rm -rf "$PKG/deps" "$PKG/lib"
    log "removed deps/ and lib/ from $PKG; @tensorflow/tfjs-node no longer loads (WASM/cpu fallback)"
  else
    log "nothing to remove"
  fi
  exit 0
fi

log "tfjs-node $TFJS_NODE_VERSION, TensorFlow C library from tensorflow-cpu==$TF_VERSION (cache: $CACHE)"
mkdir -p "$CACHE"

# --- 1. the npm package itself -------------------------------------------------------------------
# npm drops @tensorflow/tfjs-node (optional) when its install script fails or is not allowed to run.
# Re-create exactly the dropped packages: `npm ci --ignore-scripts` in a cached copy of the lockfile,
# then copy over the lockfile entries missing here. Nothing present in node_modules is touched.
have_pkg() { [ -f "$PKG/package.json" ] && [ "$(node -p "require('$PKG/package.json').version")" = "$TFJS_NODE_VERSION" ] \
  && (cd "$ROOT" && node -e "require.resolve('@mapbox/node-pre-gyp', {paths: ['$PKG']})" 2>/dev/null); }
if have_pkg; then
  step_done "@tensorflow/tfjs-node $TFJS_NODE_VERSION already in node_modules"
else
  LOCK_HASH=$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)
  STAGE="$CACHE/npm-stage/$LOCK_HASH"
  if [ ! -f "$STAGE/.complete" ]; then
    rm -rf "$STAGE.tmp" && mkdir -p "$STAGE.tmp"
    cp "$ROOT/package.json" "$ROOT/package-lock.json" "$STAGE.tmp/"
    (cd "$STAGE.tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    # Keep only what npm may drop: packages the lockfile marks optional (saves ~0.4 GB of cache).
    (cd "$STAGE.tmp" && node -e '
      const fs = require("fs");
      const pk = require("./package-lock.json").packages;
      const keys = Object.keys(pk).filter((k) => k.startsWith("node_modules/"));
      const optional = keys.filter((k) => pk[k].optional);
      for (const k of keys) {
        if (pk[k].optional || optional.some((o) => o.startsWith(k + "/"))) continue;
        fs.rmSync(k, { recursive: true, force: true });
      }')
    touch "$STAGE.tmp/.complete"
    rm -rf "$STAGE" && mv "$STAGE.tmp" "$STAGE"
  fi
  ADDED=$(cd "$ROOT" && STAGE="$STAGE" node -e '
    const fs = require("fs"), path = require("path");
    const lock = require("./package-lock.json");
    const added = [];
    const keys = Object.keys(lock.packages).filter((k) => k.startsWith("node_modules/")).sort();
    for (const k of keys) {
      if (added.some((a) => k.startsWith(a + "/"))) continue; // copied with its parent
      const src = path.join(process.env.STAGE, k);
      if (fs.existsSync(k) || !fs.existsSync(src)) continue;
      fs.mkdirSync(path.dirname(k), { recursive: true });
      fs.cpSync(src, k, { recursive: true, verbatimSymlinks: true });
      added.push(k);
    }
    console.log(added.map((a) => a.replace(/^node_modules\//, "")).join(" "));')
  have_pkg || die "could not place @tensorflow/tfjs-node $TFJS_NODE_VERSION into node_modules"
  step_done "added to node_modules (scripts not run): ${ADDED:-nothing}"
fi

# --- 2. the TensorFlow C library, laid out as tfjs-node's deps/ -------------------------------------
LIBDIR="$CACHE/libtensorflow/$TF_VERSION"
if [ "$FORCE" = 1 ] || [ ! -f "$LIBDIR/.complete" ]; then
  rm -rf "$LIBDIR.tmp" && mkdir -p "$LIBDIR.tmp/lib" "$LIBDIR.tmp/include" "$LIBDIR.tmp/wheel"
  log "downloading tensorflow-cpu==$TF_VERSION (manylinux2014_x86_64, cp${PYVER/./}) from PyPI"
  "$PYTHON" -m pip download --quiet --no-deps --no-cache-dir --only-binary=:all: \
    --python-version "$PYVER" --platform manylinux2014_x86_64 -d "$LIBDIR.tmp/wheel" "tensorflow-cpu==$TF_VERSION"
  WHEEL=$(ls "$LIBDIR.tmp"/wheel/tensorflow_cpu-*.whl)
  step_done "downloaded $(basename "$WHEEL") ($(du -m "$WHEEL" | cut -f1) MB)"
  # Extract only the shared libraries that can carry the C API, and the C headers.
  "$PYTHON" - "$WHEEL" "$LIBDIR.tmp" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
libs = {"tensorflow/libtensorflow_framework.so.2", "tensorflow/libtensorflow_cc.so.2",
        "tensorflow/python/_pywrap_tensorflow_internal.so"}
headers = ("tensorflow/include/tensorflow/c/", "tensorflow/include/tensorflow/core/platform/",
           "tensorflow/include/tensorflow/tsl/", "tensorflow/include/tsl/")
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith("/"):
            continue
        if name in libs:
            dest = os.path.join(out, "candidates", os.path.basename(name))
        elif name.startswith(headers) and name.endswith(".h"):
            dest = os.path.join(out, "include", name[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        if name.endswith((".so", ".so.2")):
            os.chmod(dest, 0o755)
PY
  rm -rf "$LIBDIR.tmp/wheel"
  [ -f "$LIBDIR.tmp/include/tensorflow/c/c_api.h" ] && [ -f "$LIBDIR.tmp/include/tensorflow/c/eager/c_api.h" ] \
    || die "tensorflow-cpu==$TF_VERSION carries no C API headers"
  # Which library exports the C and eager C APIs? (2.9-2.10: the Python extension
  # _pywrap_tensorflow_internal.so; newer: libtensorflow_cc.so.2.)
  CAPI=""
  for cand in libtensorflow_cc.so.2 _pywrap_tensorflow_internal.so; do
    f="$LIBDIR.tmp/candidates/$cand"
    if [ -f "$f" ] && [ "$(nm -D --defined-only "$f" | grep -cE ' TFE_Execute(@@.*)?$')" -gt 0 ]; then CAPI=$cand; break; fi
  done
  [ -n "$CAPI" ] || die "no library in tensorflow-cpu==$TF_VERSION exports TFE_Execute"
  mv "$LIBDIR.tmp/candidates/$CAPI" "$LIBDIR.tmp/candidates/libtensorflow_framework.so.2" "$LIBDIR.tmp/lib/"
  rm -rf "$LIBDIR.tmp/candidates"
  SONAME=$(readelf -d "$LIBDIR.tmp/lib/$CAPI" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
  [ "$SONAME" = "$CAPI" ] || die "unexpected SONAME '$SONAME' for $CAPI"
  NTF=$(nm -D --defined-only "$LIBDIR.tmp/lib/$CAPI" | awk '{print $3}' | grep -c '^TF_')
  NTFE=$(nm -D --defined-only "$LIBDIR.tmp/lib/$CAPI" | awk '{print $3}' | grep -c '^TFE_')
  step_done "C API in $CAPI: $NTF TF_* and $NTFE TFE_* symbols exported"
  (
    cd "$LIBDIR.tmp/lib"
    ln -s libtensorflow_framework.so.2 libtensorflow_framework.so
    ln -s libtensorflow_framework.so.2 "libtensorflow_framework.so.$TF_VERSION"
    [ "$CAPI" = libtensorflow.so.2 ] || ln -s "$CAPI" libtensorflow.so.2
    ln -s "$CAPI" "libtensorflow.so.$TF_VERSION"
    # The Python extension references CPython symbols (type objects, exception objects, API functions)
    # and is linked with BIND_NOW, so it cannot be loaded outside a Python process. A tiny stub library
    # defines them; the TF C API never calls them. Any call aborts with a clear message.
    nm -D --undefined-only "$CAPI" | awk '{print $2}' | sed 's/@.*//' | grep -E '^_?Py' | sort -u > pysyms.txt || true
    if [ -s pysyms.txt ]; then
      {
        echo '#include <stdio.h>'
        echo '#include <stdlib.h>'
        echo 'static void die(const char *n) { fprintf(stderr, "tfjs pyshim: CPython function %s called outside Python\n", n); abort(); }'
        while read -r s; do
          case "$s" in
            *_Type|PyExc_*|_Py_*Struct) echo "__attribute__((visibility(\"default\"), aligned(64))) unsigned char $s[1024];" ;;
            Py_IsInitialized) echo "int $s(void) { return 0; }" ;;
            *) echo "void $s(void) { die(\"$s\"); }" ;;
          esac
        done < pysyms.txt
      } > tfjs_pyshim.c
      gcc -shared -fPIC -O1 -Wl,-soname,libtfjs_pyshim.so -o libtfjs_pyshim.so tfjs_pyshim.c
      rm tfjs_pyshim.c
      # `-ltensorflow` reads this GNU ld script and links both: the binding then NEEDs the stubs too,
      # so they are in the same dlopen scope when the BIND_NOW relocations of the C API library run.
      printf '/* tfjs-node against a PyPI TensorFlow wheel, see FLTS tools/native-tf */\nINPUT(%s libtfjs_pyshim.so)\n' "$CAPI" > libtensorflow.so
    else
      ln -s "$CAPI" libtensorflow.so
    fi
    echo "$(wc -l < pysyms.txt) CPython symbols stubbed" > pyshim.txt
    rm pysyms.txt
  )
  printf '{"tensorflow_cpu": "%s", "c_api_library": "%s", "tf_symbols": %s, "tfe_symbols": %s}\n' \
    "$TF_VERSION" "$CAPI" "$NTF" "$NTFE" > "$LIBDIR.tmp/info.json"
  touch "$LIBDIR.tmp/.complete"
  rm -rf "$LIBDIR" && mv "$LIBDIR.tmp" "$LIBDIR"
  step_done "library layout ready in $LIBDIR ($(cat "$LIBDIR/lib/pyshim.txt"))"
else
  step_done "library layout cached: $LIBDIR ($(cat "$LIBDIR/info.json"))"
fi

# --- 3. the N-API binding, compiled with node-gyp from the package source --------------------------
NAPI=$(node -p "const v=require('$PKG/package.json').binary.napi_versions.filter(n=>n<=+process.versions.napi); Math.max(...v)")
BKEY="tfjs-node-$TFJS_NODE_VERSION-tf-$TF_VERSION-napi-$NAPI"
BDIR="$CACHE/binding/$BKEY"
if [ "$FORCE" = 1 ] || [ ! -f "$BDIR/.complete" ]; then
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  if [ -f "$NODE_GYP" ]; then GYP=(node "$NODE_GYP"); else GYP=(npx --yes node-gyp); fi
  NODEDIR="$(npm config get nodedir 2>/dev/null || true)"
  GYP_ARGS=()
  if [ -n "$NODEDIR" ] && [ "$NODEDIR" != undefined ] && [ "$NODEDIR" != null ]; then GYP_ARGS+=("--nodedir=$NODEDIR"); fi
  rm -rf "$BDIR.tmp" && mkdir -p "$BDIR.tmp/src"
  cp -r "$PKG/binding" "$PKG/binding.gyp" "$PKG/package.json" "$BDIR.tmp/src/"
  ln -s "$LIBDIR" "$BDIR.tmp/src/deps"
  log "compiling tfjs_binding (napi $NAPI) with ${GYP[*]}"
  if ! (cd "$BDIR.tmp/src" && "${GYP[@]}" rebuild "${GYP_ARGS[@]}" --jobs="$(nproc)" \
        --napi_build_version="$NAPI" --module_name=tfjs_binding --module_path="$BDIR.tmp/out" \
        > "$BDIR.tmp/build.log" 2>&1); then
    tail -30 "$BDIR.tmp/build.log" >&2
    die "node-gyp failed; full log: $BDIR.tmp/build.log"
  fi
  cp "$BDIR.tmp/src/build/Release/tfjs_binding.node" "$BDIR.tmp/tfjs_binding.node"
  mv "$BDIR.tmp/build.log" "$BDIR.tmp/build.log.keep"
  rm -rf "$BDIR.tmp/src" "$BDIR.tmp/out"
  mv "$BDIR.tmp/build.log.keep" "$BDIR.tmp/build.log"
  touch "$BDIR.tmp/.complete"
  rm -rf "$BDIR" && mv "$BDIR.tmp" "$BDIR"
  step_done "built $BDIR/tfjs_binding.node (needs: $(readelf -d "$BDIR/tfjs_binding.node" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' '))"
else
  step_done "binding cached: $BDIR/tfjs_binding.node"
fi

# --- 4. place library and binding where tfjs-node looks for them ------------------------------------
# dist/index.js finds lib/napi-v<N>/tfjs_binding.node via node-pre-gyp; the binding's RUNPATH is
# $ORIGIN/../../deps/lib. deps/lib/libtensorflow.so.<2.9.1> also makes `npm rebuild` skip the download.
mkdir -p "$PKG/lib/napi-v$NAPI"
if ! cmp -s "$BDIR/tfjs_binding.node" "$PKG/lib/napi-v$NAPI/tfjs_binding.node"; then
  cp "$BDIR/tfjs_binding.node" "$PKG/lib/napi-v$NAPI/tfjs_binding.node.tmp"
  mv "$PKG/lib/napi-v$NAPI/tfjs_binding.node.tmp" "$PKG/lib/napi-v$NAPI/tfjs_binding.node"
fi
if [ "$COPY" = 1 ]; then
  if [ -L "$PKG/deps" ] || [ ! -f "$PKG/deps/.complete" ] || ! cmp -s "$PKG/deps/info.json" "$LIBDIR/info.json"; then
    rm -rf "$PKG/deps" "$PKG/deps.tmp"
    cp -a "$LIBDIR" "$PKG/deps.tmp" && mv "$PKG/deps.tmp" "$PKG/deps"
  fi
  step_done "copied library into $PKG/deps ($(du -sm "$PKG/deps" | cut -f1) MB)"
else
  if [ "$(readlink "$PKG/deps" 2>/dev/null || true)" != "$LIBDIR" ]; then
    rm -rf "$PKG/deps"
    ln -s "$LIBDIR" "$PKG/deps"
  fi
  step_done "linked $PKG/deps -> $LIBDIR"
fi

# --- 5. check ----------------------------------------------------------------------------------------
if [ "$VERIFY" = 1 ]; then
  OUT=$(cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=2 node --input-type=module -e "
    const tf = await import('@tensorflow/tfjs-node');
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const p = Array.from(a.matMul(a).dataSync());
    if (tf.getBackend() !== 'tensorflow' || p.join() !== '7,10,15,22') throw new Error('bad: ' + tf.getBackend() + ' ' + p);
    console.log('backend=' + tf.getBackend() + ' libtensorflow=' + tf.backend().binding.TF_Version);
  ") || die "@tensorflow/tfjs-node does not load"
  step_done "import('@tensorflow/tfjs-node') ok: $OUT"
fi
printf '[native-tf] done in %ss\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
