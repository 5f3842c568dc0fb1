#!/usr/bin/env bash
# Smoke test of built component images: for each image localhost/flts-<name>:<tag>
#   1. its config: CMD is component.yaml's command (node /app/dist/<name>.js), no ENTRYPOINT, a non-root
#      numeric USER, WORKDIR /app;
#   2. `node /app/dist/<name>.js` without --executor-input, as KFP would start it (PATH lookup of node, image
#      user): must exit 2 with the "Missing --executor-input" error — node and the bundle work;
#   3. every file listed in /app/flts-image.json is there with its size, each .wasm compiles
#      (WebAssembly.compile), the app directory is writable, and when the image carries tfjs-node it loads
#      and registers the "tensorflow" backend;
# then prints a table with each image's size.
#
# Usage: tools/images/smoke.sh [name…]      (default: all six; env as in tools/images/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_start=$(now)
mapfile -t names < <(select_components "$@")
tag=$(image_tag)
ensure_buildah

# Runs inside the image (as its user, in /app). Prints one summary line; exits non-zero on a problem.
read -r -d '' check_js <<'EOF' || true
import { readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
const manifest = JSON.parse(readFileSync('/app/flts-image.json', 'utf8'));
const problems = [];
const wasm = [];
for (const file of manifest.files) {
  const path = `/app/${file.path}`;
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) { problems.push(`${path} missing`); continue; }
  if (stats.size !== file.bytes) problems.push(`${path} has ${stats.size} bytes, expected ${file.bytes}`);
  if (path.endsWith('.wasm')) {
    try { await WebAssembly.compile(readFileSync(path)); wasm.push(file.path.split('/').pop()); }
    catch (error) { problems.push(`${path} does not compile: ${error.message}`); }
  }
}
try { writeFileSync('/app/.flts-smoke', 'ok'); rmSync('/app/.flts-smoke'); }
catch (error) { problems.push(`/app is not writable for uid ${process.getuid()}: ${error.code}`); }
let native = manifest.native.wanted ? 'absent (WASM backend)' : 'not used';
if (manifest.native.installed.length > 0) {
  try {
    const tf = await import(manifest.native.installed[0].replace(/@[^@]+$/, ''));
    const mod = tf.default ?? tf;
    await mod.ready?.();
    native = `${manifest.native.installed.join(', ')} loads, backend ${mod.getBackend()}`;
    if (!String(mod.getBackend()).startsWith('tensorflow')) problems.push(`native backend not active: ${mod.getBackend()}`);
  } catch (error) { problems.push(`${manifest.native.installed.join(', ')} is in the image but does not load: ${error.message}`); }
}
console.log(`node ${process.version}, uid ${process.getuid()}, wasm [${wasm.join(' ')}], native ${native}`);
if (problems.length > 0) { for (const p of problems) console.error(`PROBLEM: ${p}`); process.exit(1); }
EOF

failed=()
declare -A result
ctr=
cleanup() { [[ -n $ctr ]] && bh rm "$ctr" >/dev/null 2>&1 || true; }
trap cleanup EXIT

for name in "${names[@]}"; do
  image=localhost/flts-$name:$tag
  t0=$(now)
  fail() {
    log "FAIL flts-$name: $*"
    failed+=("$name")
    result[$name]="FAIL: $*"
  }
  if ! image_exists "$image"; then
    fail "image $image not found (run tools/images/build.sh $name)"
    continue
  fi

  # 1. Image config.
  config=$(bh inspect --type image --format '{{.OCIv1.Config.Cmd}}|{{.OCIv1.Config.Entrypoint}}|{{.OCIv1.Config.User}}|{{.OCIv1.Config.WorkingDir}}' "$image")
  want="[node /app/dist/$name.js]|[]|1000:1000|/app"
  if [[ $config != "$want" ]]; then
    fail "config Cmd|Entrypoint|User|WorkingDir is '$config', expected '$want'"
    continue
  fi

  ctr=$(bh from --pull-never --name "flts-smoke-$name-$$" "$image")
  # 2. The component without --executor-input: exit 2 and the clear error.
  set +e
  stderr=$(bh run --isolation chroot "$ctr" -- node "/app/dist/$name.js" 2>&1 >/dev/null)
  rc=$?
  set -e
  if [[ $rc != 2 || $stderr != *"flts $name: ExecutorInputError: Missing --executor-input"* ]]; then
    fail "node /app/dist/$name.js exited $rc, expected 2 with 'Missing --executor-input'; stderr: ${stderr//$'\n'/ | }"
    bh rm "$ctr" >/dev/null
    ctr=
    continue
  fi

  # 3. Files, wasm, writable workdir, native backend.
  set +e
  out=$(bh run --isolation chroot "$ctr" -- node --input-type=module -e "$check_js" 2>&1)
  rc=$?
  set -e
  bh rm "$ctr" >/dev/null
  ctr=
  if [[ $rc != 0 ]]; then
    fail "file check failed: ${out//$'\n'/ | }"
    continue
  fi
  size=$(image_size "$image")
  result[$name]="ok  $size  ($(elapsed "$t0")) — $(tail -n 1 <<<"$out")"
  log "ok   flts-$name:$tag — exit 2 with the usage error; $(tail -n 1 <<<"$out")"
done

log "smoke results (tag $tag):"
for name in "${names[@]}"; do
  printf '  %-28s %s\n' "flts-$name" "${result[$name]}" >&2
done
if ((${#failed[@]})); then
  log "${#failed[@]} image(s) failed: ${failed[*]} ($(elapsed "$t_start"))"
  exit 1
fi
log "all ${#names[@]} image(s) passed in $(elapsed "$t_start")"
