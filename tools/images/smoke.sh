#!/usr/bin/env bash
# Smoke test of built component images: for each image localhost/flts-<name>:<tag>
#   1. its config: CMD is component.yaml's command (node /app/dist/<name>.js), no ENTRYPOINT, a non-root
#      numeric USER, WORKDIR /app;
#   2. `node /app/dist/<name>.js` without --executor-input, as KFP would start it (PATH lookup of node, image
#      user): must exit 2 with the "Missing --executor-input" error — node and the bundle work;
#   3. tools/images/image-check.mjs inside the image: every file /app/flts-image.json lists is there, each .wasm
#      compiles, the compiled cell loops load and compute, the node_modules packages the bundle imports are there,
#      TensorFlow.js computes on the WASM backend (and on tfjs-node when the image has it), /app is writable;
#   4. the inference image only: `node /app/dist/inference.js serve` answers /v2/health/live, and /v2/health/ready
#      200 with the model directory FLTS_SMOKE_MODEL (mounted read-only) loaded, or 503 when none is given
#      (tools/images/serve-check.mjs);
# then prints a table with each image's size.
#
# Usage: tools/images/smoke.sh [name…]      (default: all six; env as in tools/images/lib.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_start=$(now)
mapfile -t names < <(select_components "$@")
tag=$(image_tag)
ensure_buildah

# Runs inside the image (as its user, in /app): see tools/images/image-check.mjs.
check_js=$(cat "$IMAGES_DIR/image-check.mjs")
serve_js=$(cat "$IMAGES_DIR/serve-check.mjs")

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
  if [[ $rc != 0 ]]; then
    bh rm "$ctr" >/dev/null
    ctr=
    fail "file check failed: ${out//$'\n'/ | }"
    continue
  fi
  # 4. The serve mode of the inference image.
  if [[ $name == inference ]]; then
    mount=()
    model_arg=()
    if [[ -n ${FLTS_SMOKE_MODEL:-} ]]; then
      mount=(--volume "$FLTS_SMOKE_MODEL:/smoke-model:ro")
      model_arg=(/smoke-model)
    fi
    set +e
    serve_out=$(bh run --isolation chroot "${mount[@]}" "$ctr" -- node --input-type=module -e "$serve_js" "${model_arg[@]}" 2>&1)
    rc=$?
    set -e
    if [[ $rc != 0 ]]; then
      bh rm "$ctr" >/dev/null
      ctr=
      fail "serve check failed: ${serve_out//$'\n'/ | }"
      continue
    fi
    log "flts-$name: $(tail -n 1 <<<"$serve_out")"
    out="$(tail -n 1 <<<"$out"); $(tail -n 1 <<<"$serve_out")"
  fi
  bh rm "$ctr" >/dev/null
  ctr=
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
