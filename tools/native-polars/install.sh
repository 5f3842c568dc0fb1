#!/usr/bin/env bash
# Adds Polars' native package to node_modules where `npm ci` left it out. nodejs-polars 0.25.2 publishes its
# native packages with engines node >= 22, so npm drops the optional one on Node 20, although it loads there.
# The version and integrity come from package-lock.json; the tarball from the npm registry (cached under
# FLTS_CACHE). Linux x64 with glibc only: elsewhere, or offline, preprocess reads every CSV with its streamed
# reader (shared/table/csv-polars.ts falls back), and this script says so and exits 0. Run after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=nodejs-polars-linux-x64-gnu
target=node_modules/$name
skip() { echo "native polars: $*; preprocess reads CSV with its streamed reader" >&2; exit 0; }

[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] || skip "no $name for $(uname -s) $(uname -m)"
getconf GNU_LIBC_VERSION >/dev/null 2>&1 || skip "not a glibc system"
[[ -d node_modules/nodejs-polars ]] || skip "nodejs-polars is not installed (npm ci first)"
read -r version integrity < <(node -p "const p = require('./package-lock.json').packages['node_modules/$name']; p.version + ' ' + p.integrity")
if [[ -f $target/package.json && $(node -p "require('./$target/package.json').version") == "$version" ]]; then exit 0; fi

cache=${FLTS_CACHE:-$HOME/.cache/flts}/polars
mkdir -p "$cache"
tarball=$cache/$name-$version.tgz
if [[ ! -f $tarball ]]; then
  (cd "$cache" && npm pack "$name@$version" --silent >/dev/null) || skip "could not fetch $name@$version from the npm registry"
fi
actual=$(node -e "const c = require('node:crypto'); process.stdout.write('sha512-' + c.createHash('sha512').update(require('node:fs').readFileSync(process.argv[1])).digest('base64'))" "$tarball")
if [[ $actual != "$integrity" ]]; then
  rm -f "$tarball"
  echo "native polars: $tarball does not match the integrity package-lock.json gives; removed" >&2
  exit 1
fi
rm -rf "$target"
mkdir -p "$target"
tar -xzf "$tarball" -C "$target" --strip-components=1
node -e "require('nodejs-polars')" || { rm -rf "$target"; skip "$name $version does not load here"; }
echo "native polars: $name $version added to node_modules" >&2
