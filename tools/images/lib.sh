# Shared helpers of tools/images/*.sh (sourced, not run): paths, the buildah command line, timing, and
# installing the Debian packages the scripts need. Every setting is an environment variable with a default:
#   FLTS_STORAGE_DRIVER  buildah storage driver: overlay where this machine can mount overlayfs (about ten
#                        times faster than vfs here), else vfs (works everywhere, no kernel support needed)
#   FLTS_STORAGE_ROOT    buildah storage folder; default: /var/lib/containers/flts-overlay for overlay,
#                        buildah's default /var/lib/containers/storage for vfs (one folder holds one driver's images)
# tools/images/buildah.sh runs buildah with these settings (e.g. `tools/images/buildah.sh images`).
#   FLTS_IMAGE_CACHE     where the Debian rootfs and build logs are cached (default /var/cache/flts-images)
#   FLTS_BASE_IMAGE      base image for the Dockerfiles' BASE_IMAGE (default localhost/flts-node-base:20)
#   FLTS_IMAGE_TAG       tag of the component images (default: package.json's version)
#   IMAGE_REGISTRY       registry prefix of the second name (default ghcr.io/flts-ts, as in component.yaml)

IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$IMAGES_DIR/../.." && pwd)
# Whether this machine can mount overlayfs (root, kernel support): a throw-away mount in a temporary folder.
overlay_works() {
  grep -qw overlay /proc/filesystems 2>/dev/null || return 1
  local d ok=1
  d=$(mktemp -d)
  mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/merged"
  if mount -t overlay overlay -o "lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work" "$d/merged" 2>/dev/null; then
    umount "$d/merged" && ok=0
  fi
  rm -rf "$d"
  return $ok
}
if [[ -n ${FLTS_STORAGE_DRIVER:-} ]]; then
  STORAGE_DRIVER=$FLTS_STORAGE_DRIVER
elif overlay_works; then
  STORAGE_DRIVER=overlay
else
  STORAGE_DRIVER=vfs
fi
STORAGE_ROOT=${FLTS_STORAGE_ROOT:-}
if [[ -z $STORAGE_ROOT && $STORAGE_DRIVER == overlay ]]; then
  STORAGE_ROOT=/var/lib/containers/flts-overlay
fi
IMAGE_CACHE=${FLTS_IMAGE_CACHE:-/var/cache/flts-images}
LOCAL_BASE_IMAGE=localhost/flts-node-base:20
BASE_IMAGE=${FLTS_BASE_IMAGE:-$LOCAL_BASE_IMAGE}
# The six components, in pipeline order (the names of Dockerfiles/<name>.Dockerfile and components/<name>/).
ALL_COMPONENTS=(preprocess train-gru train-lstm train-prophet eval inference)
# Where component.yaml says the images live (IMAGE_REGISTRY, as for `npm run specs`); the local builds get
# this name too, as a second tag.
REGISTRY_PREFIX=${IMAGE_REGISTRY:-ghcr.io/flts-ts}

# buildah with this project's storage driver and folder; every call must use the same pair (storage refuses a mix).
bh() {
  if [[ -n $STORAGE_ROOT ]]; then
    buildah --storage-driver "$STORAGE_DRIVER" --root "$STORAGE_ROOT" --runroot "$STORAGE_ROOT-run" "$@"
  else
    buildah --storage-driver "$STORAGE_DRIVER" "$@"
  fi
}

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Seconds since the epoch with tenths, and an elapsed-time formatter: t0=$(now); ...; elapsed "$t0"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

image_tag() {
  if [[ -n "${FLTS_IMAGE_TAG:-}" ]]; then
    echo "$FLTS_IMAGE_TAG"
  else
    node -p "require('$REPO_ROOT/package.json').version"
  fi
}

image_exists() { bh inspect --type image "$1" >/dev/null 2>&1; }
# Uncompressed size as buildah reports it (an image with several names is listed once per name).
image_size() { bh images --format '{{.Size}}' "$1" | awk 'NR == 1'; }

# Installs Debian packages whose commands are missing: ensure_commands buildah:buildah debootstrap:debootstrap
ensure_commands() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  log "installing Debian packages: ${missing[*]}"
  local t0
  t0=$(now)
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y "${missing[@]}" >/dev/null
  fi
  log "installed ${missing[*]} in $(elapsed "$t0")"
}

# buildah itself plus what it needs to run RUN steps with --isolation chroot.
ensure_buildah() { ensure_commands buildah:buildah; }

# The components named on the command line (validated), or all six.
select_components() {
  if (($# == 0)); then
    printf '%s\n' "${ALL_COMPONENTS[@]}"
    return
  fi
  local name known
  for name in "$@"; do
    known=0
    for c in "${ALL_COMPONENTS[@]}"; do [[ $c == "$name" ]] && known=1; done
    ((known)) || die "unknown component '$name'; expected one of: ${ALL_COMPONENTS[*]}"
    echo "$name"
  done
}
