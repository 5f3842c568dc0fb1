#!/usr/bin/env bash
# Builds the component images with buildah (no Docker engine needed):
#   localhost/flts-<name>:<tag>, also tagged ghcr.io/flts-ts/flts-<name>:<tag> (the name component.yaml uses).
#
# Usage: tools/images/build.sh [name…]        (default: all six, in pipeline order)
#
# - The base image comes first: tools/images/base-image.sh (cached; skipped when FLTS_BASE_IMAGE names another
#   base, e.g. node:20-bookworm-slim on a machine that can pull it).
# - `buildah bud --layers` caches every step; the six Dockerfiles share one build stage (npm ci + npm run build),
#   so it runs once and the other five images reuse it. Unchanged sources rebuild in seconds.
# - RUN steps use --isolation chroot with the host network (npm ci needs the npm registry).
# - A CA bundle for a TLS-inspecting proxy goes in as build secret "extra_ca": $FLTS_EXTRA_CA, else
#   $NODE_EXTRA_CA_CERTS, else the system bundle /etc/ssl/certs/ca-certificates.crt (the first that exists).
#   It is mounted for npm ci only (as NODE_EXTRA_CA_CERTS), never stored in an image.
# - The build context is a snapshot ($FLTS_IMAGE_CACHE/context) of the files git lists (tracked and untracked,
#   not ignored); .dockerignore then narrows it further.
# - Logs: $FLTS_IMAGE_CACHE/logs/<name>.log; the tail is printed when a build fails.
# - An image whose label io.flts.build-key matches the hash of its inputs (context snapshot, base image, tag,
#   arguments) is not rebuilt at all; FLTS_REBUILD=1 runs buildah bud anyway (its layer cache still applies).
# Env: see tools/images/lib.sh (FLTS_STORAGE_DRIVER, FLTS_STORAGE_ROOT, FLTS_IMAGE_CACHE, FLTS_BASE_IMAGE,
#      FLTS_IMAGE_TAG, IMAGE_REGISTRY), FLTS_BUILD_ARGS (extra arguments for buildah bud, e.g. "--no-cache"),
#      FLTS_REBUILD=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_start=$(now)
mapfile -t names < <(select_components "$@")
# One build at a time on this machine: they share the context snapshot and the storage.
mkdir -p "$IMAGE_CACHE"
exec 9>"$IMAGE_CACHE/build.lock"
if ! flock -n 9; then
  log "another tools/images/build.sh is running; waiting for it"
  flock 9
fi
tag=$(image_tag)

ensure_buildah
if [[ $BASE_IMAGE == "$LOCAL_BASE_IMAGE" ]]; then
  bash "$IMAGES_DIR/base-image.sh"
fi

extra_ca=${FLTS_EXTRA_CA:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}
secret_args=()
if [[ -n $extra_ca && -s $extra_ca ]]; then
  secret_args=(--secret "id=extra_ca,src=$extra_ca")
fi
read -r -a user_args <<<"${FLTS_BUILD_ARGS:-}"

logs=$IMAGE_CACHE/logs
mkdir -p "$logs"

# One snapshot of the sources for all images: the files git sees (tracked and untracked, not ignored), so that
# edits made while the build runs cannot give the six images different sources or defeat the shared cache.
context=$REPO_ROOT
if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  t0=$(now)
  context=$IMAGE_CACHE/context
  rm -rf "$context.new"
  mkdir -p "$context.new"
  (
    cd "$REPO_ROOT"
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [[ -e $f || -L $f ]] && printf '%s\0' "$f"; done |
      tar --null -T - -cf - | tar -xf - -C "$context.new"
    # The native Parquet writer, where tools/native-parquet/build.sh built it here (git ignores it; the images'
    # build stage has no Rust to build it): without it the images write Parquet with parquet-wasm.
    if [[ -x native/parquet/build/flts-parquet ]]; then
      mkdir -p "$context.new/native/parquet/build" && cp native/parquet/build/flts-parquet "$context.new/native/parquet/build/"
    fi
  )
  rm -rf "$context"
  mv "$context.new" "$context"
  log "build context: snapshot of $(find "$context" -type f | wc -l) files from git ls-files in $(elapsed "$t0")"
fi
cd "$context"

# Skip images that are up to date: each image is labelled with a hash of everything its build reads (the
# context snapshot, the base image, the tag, extra arguments); warm rebuilds then take no buildah time at all
# (a fully cached `buildah bud` still costs 10-60 s per image). FLTS_REBUILD=1 always runs buildah bud.
if [[ $context == "$REPO_ROOT" ]]; then
  context_hash=unknown-$(now) # not a git checkout: no snapshot to hash, always build
else
  # Only what the build can see: with an allow-list .dockerignore ("*" then "!path" lines), those paths, the
  # .dockerignore and the Dockerfiles; otherwise every file of the snapshot.
  hash_paths=(.)
  if [[ -f .dockerignore ]] && grep -qx '\*' .dockerignore; then
    mapfile -t allowed < <(sed -n 's#^!\([^*?[]*\)$#\1#p' .dockerignore | sed 's#/$##')
    hash_paths=(.dockerignore Dockerfiles)
    for path in "${allowed[@]}"; do [[ -e $path ]] && hash_paths+=("$path"); done
  fi
  context_hash=$(find "${hash_paths[@]}" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
fi
base_id=$(bh inspect --type image --format '{{.FromImageID}}' "$BASE_IMAGE" 2>/dev/null || echo absent)
build_key() { echo "$context_hash $base_id $tag $1 $REGISTRY_PREFIX ${FLTS_BUILD_ARGS:-} $STORAGE_DRIVER" | sha256sum | cut -c1-16; }
up_to_date() {
  [[ ${FLTS_REBUILD:-0} != 1 ]] || return 1
  local have
  have=$(bh inspect --type image --format '{{index .OCIv1.Config.Labels "io.flts.build-key"}}' "localhost/flts-$1:$tag" 2>/dev/null) || return 1
  [[ $have == "$(build_key "$1")" ]] && image_exists "$REGISTRY_PREFIX/flts-$1:$tag"
}
log "building ${names[*]} as localhost/flts-<name>:$tag on $BASE_IMAGE (storage: $STORAGE_DRIVER ${STORAGE_ROOT:-default root})"
declare -A took
for name in "${names[@]}"; do
  dockerfile=Dockerfiles/$name.Dockerfile
  [[ -f $dockerfile ]] || die "$dockerfile is missing"
  t0=$(now)
  if up_to_date "$name"; then
    took[$name]="up to date"
    log "flts-$name:$tag is up to date (build key $(build_key "$name")) — $(elapsed "$t0")"
    continue
  fi
  if ! bh bud \
    --isolation chroot --network host --layers \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "VERSION=$tag" --label "io.flts.build-key=$(build_key "$name")" \
    "${secret_args[@]}" "${user_args[@]}" \
    -f "$dockerfile" -t "localhost/flts-$name:$tag" . >"$logs/$name.log" 2>&1; then
    tail -n 40 "$logs/$name.log" >&2
    die "building flts-$name failed (full log: $logs/$name.log)"
  fi
  bh tag "localhost/flts-$name:$tag" "$REGISTRY_PREFIX/flts-$name:$tag"
  took[$name]=$(elapsed "$t0")
  stage_line=$(grep -m1 "^stage $name:" "$logs/$name.log" || true)
  log "flts-$name:$tag built in ${took[$name]}${stage_line:+ — ${stage_line#stage $name: }}"
done

log "summary (tag $tag):"
for name in "${names[@]}"; do
  printf '  %-28s %8s  %s\n' "flts-$name:$tag" "$(image_size "localhost/flts-$name:$tag")" "${took[$name]}" >&2
done
log "built ${#names[@]} image(s) in $(elapsed "$t_start")"
