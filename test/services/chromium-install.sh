#!/usr/bin/env bash
# Installs headless Chromium for the browser tests (reports and MLflow's UI), from Debian packages and without
# root: `apt-get download` fetches chromium and the libraries it needs that this machine lacks (as
# `apt-get install --simulate` resolves them), `dpkg-deb -x` unpacks them under
# ~/.cache/flts/chromium/<version>/, and a small launcher there points the loader at the unpacked libraries.
# A chromium already on PATH (or FLTS_CHROMIUM) is used as it is. Idempotent; warm it only checks the cache.
#
# Environment:
#   FLTS_CACHE_DIR  cache root (default: ${XDG_CACHE_HOME:-~/.cache}/flts)
#   FLTS_CHROMIUM   a Chromium executable to use instead
# Prints the executable's path on stdout (last line); progress goes to stderr.
#
# Measured on the 2-core development machine (Debian 12, chromium 156): cold, 25 packages, 119 MB downloaded
# in about 2 s from the Debian mirror and 396 MB unpacked in about 10 s; warm, well under a second.
set -euo pipefail

if [[ -n "${FLTS_CHROMIUM:-}" ]]; then echo "$FLTS_CHROMIUM"; exit 0; fi
for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null; then command -v "$name"; exit 0; fi
done
command -v apt-get >/dev/null || { echo "chromium-install.sh: no chromium on PATH and no apt-get to fetch Debian's; set FLTS_CHROMIUM" >&2; exit 1; }

cache_root="${FLTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flts}"
candidate() { apt-cache policy chromium 2>/dev/null | sed -n 's/^  Candidate: //p'; }
version=$(candidate)
# A fresh machine may have no package lists yet; root can fetch them (nothing is installed system-wide).
if [[ (-z "$version" || "$version" == "(none)") && $(id -u) == 0 ]]; then
  apt-get update -qq >/dev/null 2>&1 || true
  version=$(candidate)
fi
if [[ -z "$version" || "$version" == "(none)" ]]; then
  echo "chromium-install.sh: apt knows no chromium package (run apt-get update?)" >&2
  exit 1
fi
dir="$cache_root/chromium/$version"
launcher="$dir/chromium"
if [[ -x "$launcher" ]] && "$launcher" --headless --version >/dev/null 2>&1; then echo "$launcher"; exit 0; fi

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/flts-chromium.XXXXXX")
trap 'rm -rf "$work"' EXIT
# What `apt-get install chromium` would add here: chromium, chromium-common and the libraries not yet installed.
mapfile -t packages < <(apt-get install --simulate --no-install-recommends chromium 2>/dev/null | awk '/^Inst /{print $2}')
[[ ${#packages[@]} -gt 0 ]] || { echo "chromium-install.sh: apt-get could not resolve chromium's packages" >&2; exit 1; }
(cd "$work" && apt-get download "${packages[@]}" >/dev/null 2>"$work/download.log") || { cat "$work/download.log" >&2; exit 1; }
mkdir -p "$work/root"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done

libs=$(find "$work/root/usr/lib" -name '*.so*' -printf '%h\n' | sort -u | sed "s|^$work/root|\$here/root|" | paste -sd:)
cat >"$work/chromium" <<LAUNCHER
#!/bin/sh
# Chromium $version unpacked from Debian's packages by test/services/chromium-install.sh.
here=\$(dirname "\$(readlink -f "\$0")")
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$here/root/usr/lib/chromium/chromium" "\$@"
LAUNCHER
chmod +x "$work/chromium"
rm -f "$work"/*.deb "$work/download.log"
mkdir -p "$(dirname "$dir")"
rm -rf "$dir.tmp.$$" && mv "$work" "$dir.tmp.$$" && rm -rf "$dir" && mv "$dir.tmp.$$" "$dir"
trap - EXIT
# Older versions (Debian's security updates replace chromium every few weeks) are 400 MB each: keep only this one.
find "$(dirname "$dir")" -mindepth 1 -maxdepth 1 ! -name "$(basename "$dir")" ! -name '*.tmp.*' -exec rm -rf {} +
"$launcher" --headless --version >&2
echo "chromium-install.sh: ${#packages[@]} packages unpacked in $(( $(date +%s) - start ))s into $dir" >&2
echo "$launcher"
