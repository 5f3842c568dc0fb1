#!/usr/bin/env bash
# Builds the local base image localhost/flts-node-base:20 for machines that cannot pull node:20-bookworm-slim
# (no Docker engine, no container registry; Debian packages and npm only). It stands in for the Dockerfiles'
# default BASE_IMAGE and has the same shape: Debian (minbase, slimmed like debian:*-slim) with Node.js 20 and
# npm under /usr/local, and a `node` user with uid/gid 1000.
#
#   1. debootstrap --variant=minbase <suite> from the Debian mirror apt already uses (cached in
#      $FLTS_IMAGE_CACHE/rootfs-<suite>-minbase; about 80 s the first time);
#   2. Node.js: Debian's own nodejs is 18, so this machine's node 20 binary (plus any shared library the rootfs
#      lacks) and its npm are copied in;
#   3. buildah from scratch + add + config + commit.
#
# Idempotent: the image carries a label with the hash of its inputs (this script, the node binary, npm's
# version, the suite and mirror); when an image with the same hash exists, nothing is done.
# FLTS_REBUILD_BASE=1 forces a rebuild (the cached rootfs is kept; delete the cache folder to redo debootstrap).
#
# Usage: tools/images/base-image.sh          (env: see tools/images/lib.sh; FLTS_DEBIAN_MIRROR, FLTS_DEBIAN_SUITE)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

t_start=$(now)

suite=${FLTS_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}
[[ -n $suite ]] || die "cannot tell the Debian suite from /etc/os-release; set FLTS_DEBIAN_SUITE"

# The first deb URI that apt uses for "$suite" itself (not -updates/-security): deb822 .sources files, then
# the one-line sources.list format.
debian_mirror() {
  if [[ -n ${FLTS_DEBIAN_MIRROR:-} ]]; then
    echo "$FLTS_DEBIAN_MIRROR"
    return
  fi
  local files=() uri
  shopt -s nullglob
  files=(/etc/apt/sources.list.d/*.sources)
  shopt -u nullglob
  if ((${#files[@]})); then
    uri=$(awk -v suite="$suite" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && enabled != "no" && uris != "" && !found) { split(uris, u, " "); print u[1]; found = 1 } types = suites = uris = ""; enabled = "" }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:"   { $1 = ""; types = $0 }
      tolower($1) == "suites:"  { $1 = ""; suites = $0 }
      tolower($1) == "uris:"    { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { flush() }' "${files[@]}")
  fi
  if [[ -z ${uri:-} && -r /etc/apt/sources.list ]]; then
    uri=$(awk -v suite="$suite" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == suite) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [[ -n ${uri:-} ]] || die "no apt source for suite '$suite' in /etc/apt/sources.list*; set FLTS_DEBIAN_MIRROR"
  echo "$uri"
}

ensure_buildah
ensure_commands debootstrap:debootstrap
mkdir -p "$IMAGE_CACHE"
exec 8>"$IMAGE_CACHE/base-image.lock"
flock 8

node_bin=$(readlink -f "$(command -v node)")
node_version=$("$node_bin" --version)
[[ $node_version == v20.* ]] || die "this machine's node is $node_version; the base image needs Node.js 20 (set FLTS_BASE_IMAGE to another base)"
npm_dir=$(npm root -g)/npm
[[ -f $npm_dir/package.json ]] || die "npm not found at $npm_dir"
npm_version=$(node -p "require('$npm_dir/package.json').version")
mirror=$(debian_mirror)

key=$(
  {
    sha256sum "${BASH_SOURCE[0]}" "$node_bin" | cut -d' ' -f1
    echo "$npm_version $suite $mirror $(uname -m)"
  } | sha256sum | cut -c1-16
)
if [[ ${FLTS_REBUILD_BASE:-0} != 1 ]] && image_exists "$LOCAL_BASE_IMAGE"; then
  have=$(bh inspect --type image --format '{{index .OCIv1.Config.Labels "flts.base-key"}}' "$LOCAL_BASE_IMAGE" 2>/dev/null || true)
  if [[ $have == "$key" ]]; then
    log "$LOCAL_BASE_IMAGE is up to date (node $node_version, npm $npm_version, $suite; key $key) — $(elapsed "$t_start")"
    exit 0
  fi
  log "$LOCAL_BASE_IMAGE is stale (key ${have:-none}, want $key): rebuilding"
fi

# 1. The Debian rootfs, made once per suite and mirror.
mkdir -p "$IMAGE_CACHE"
rootfs=$IMAGE_CACHE/rootfs-$suite-minbase
if [[ ! -f $rootfs/.flts-complete || $(cat "$rootfs/.flts-complete") != "$mirror" ]]; then
  t0=$(now)
  log "debootstrap --variant=minbase $suite from $mirror (first run only; about a minute)"
  rm -rf "$rootfs" "$rootfs.tmp"
  debootstrap --variant=minbase "$suite" "$rootfs.tmp" "$mirror" >"$IMAGE_CACHE/debootstrap.log" 2>&1 ||
    { tail -n 30 "$IMAGE_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $IMAGE_CACHE/debootstrap.log)"; }
  echo "$mirror" >"$rootfs.tmp/.flts-complete"
  mv "$rootfs.tmp" "$rootfs"
  log "debootstrap done in $(elapsed "$t0")"
else
  log "reusing the cached rootfs $rootfs"
fi

# 2. The layer added on top: node, npm, the node user, dpkg's slim excludes and missing shared libraries.
t0=$(now)
work=$(mktemp -d "$IMAGE_CACHE/base-work.XXXXXX")
ctr=
cleanup() {
  [[ -n $ctr ]] && bh rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

extra=$work/extra
mkdir -p "$extra/usr/local/bin" "$extra/usr/local/lib/node_modules" "$extra/etc/dpkg/dpkg.cfg.d" "$extra/home/node"
cp "$node_bin" "$extra/usr/local/bin/node"
cp -a "$npm_dir" "$extra/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$extra/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$extra/usr/local/bin/npx"
# Shared libraries node links against that the minbase rootfs does not have (normally none: libstdc++ comes with apt).
while read -r lib; do
  if [[ ! -e $rootfs$lib ]]; then
    log "adding $lib (needed by node, absent from the rootfs)"
    mkdir -p "$extra$(dirname "$lib")"
    cp -L "$lib" "$extra$lib"
  fi
done < <(ldd "$node_bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }')
# The same user as the official node image: uid/gid 1000, named node.
cp "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/shadow" "$extra/etc/"
grep -q '^node:' "$extra/etc/group" || echo 'node:x:1000:' >>"$extra/etc/group"
grep -q '^node:' "$extra/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$extra/etc/passwd"
grep -q '^node:' "$extra/etc/shadow" || echo 'node:*:19000:0:99999:7:::' >>"$extra/etc/shadow"
# Like debian:*-slim: later apt-get installs in derived images leave out docs, man pages and translations.
cat >"$extra/etc/dpkg/dpkg.cfg.d/flts-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF

# The rootfs as a tar without device nodes, apt's caches and lists, docs, man pages and translations.
tar -C "$rootfs" --numeric-owner \
  --exclude=./.flts-complete --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
  --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/cache/apt/*.bin' --exclude='./var/lib/apt/lists/*' \
  --exclude='./usr/share/doc/*' --exclude='./usr/share/man/*' --exclude='./usr/share/info/*' \
  --exclude='./usr/share/locale/*' \
  -cf "$work/rootfs.tar" .
tar -C "$extra" --numeric-owner --owner=0 --group=0 -cf "$work/extra.tar" .

# 3. The image.
ctr=$(bh from --name "flts-node-base-build-$$" scratch)
bh add "$ctr" "$work/rootfs.tar" / >/dev/null
bh add "$ctr" "$work/extra.tar" / >/dev/null
bh run --isolation chroot --user 0:0 "$ctr" -- chown 1000:1000 /home/node
got=$(bh run --isolation chroot --user 1000:1000 "$ctr" -- sh -c 'node --version && npm --version | tr -d "\n" && echo " $(id -un)"' | tr '\n' ' ')
log "in the image: node npm user = $got"
[[ $got == "$node_version $npm_version node " ]] || die "node/npm did not run in the image as expected (got '$got')"
bh config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="${node_version#v}" \
  --cmd node \
  --os linux --arch "$(dpkg --print-architecture)" \
  --label org.opencontainers.image.title=flts-node-base \
  --label org.opencontainers.image.description="Debian $suite minbase + Node.js $node_version + npm $npm_version (local stand-in for node:20-$suite-slim)" \
  --label flts.base-key="$key" \
  "$ctr"
bh commit --quiet --rm "$ctr" "$LOCAL_BASE_IMAGE" >/dev/null
ctr=
size=$(image_size "$LOCAL_BASE_IMAGE")
log "built $LOCAL_BASE_IMAGE ($size; node $node_version, npm $npm_version, Debian $suite) in $(elapsed "$t0"); total $(elapsed "$t_start")"
