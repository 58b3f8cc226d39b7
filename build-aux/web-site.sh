#!/usr/bin/env bash
# web-site.sh SRC_DIR OUT_DIR [STAMP] — assemble the browser node's web root
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs web/'s npm dependencies (web/package-lock.json, with `npm ci`)
# into OUT_DIR/npm, only when the lockfile changed, then lays out
# OUT_DIR/site: index.html, style.css, js/ and, under vendor/, the ES
# modules of @msgpack/msgpack and @noble/hashes that the page's import map
# names, with their licences. hormiguero serves OUT_DIR/site with
# --web-root; meson installs it (docs/DEPLOY.md).
set -euo pipefail

src=${1:?usage: web-site.sh SRC_DIR OUT_DIR}
out=${2:?usage: web-site.sh SRC_DIR OUT_DIR}
npm_dir=$out/npm
site=$out/site

command -v npm >/dev/null ||
  { echo "web-site.sh: npm is missing; run build-aux/install-deps.sh" >&2; exit 1; }

if ! cmp -s "$src/package-lock.json" "$npm_dir/package-lock.json" ||
   [ ! -f "$npm_dir/node_modules/@msgpack/msgpack/package.json" ] ||
   [ ! -f "$npm_dir/node_modules/@noble/hashes/package.json" ]; then
  rm -rf "$npm_dir"
  mkdir -p "$npm_dir"
  cp "$src/package.json" "$src/package-lock.json" "$src/.npmrc" "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
    { echo "web-site.sh: npm ci failed in $npm_dir" >&2; exit 1; }
fi

modules=$npm_dir/node_modules
rm -rf "$site.new"
mkdir -p "$site.new/js" "$site.new/vendor/msgpack" "$site.new/vendor/noble-hashes"
cp "$src/index.html" "$src/style.css" "$site.new/"
cp "$src"/js/*.js "$site.new/js/"
(cd "$modules/@msgpack/msgpack/dist.esm" && find . -name '*.mjs' -print0 |
   xargs -0 cp --parents -t "$site.new/vendor/msgpack/")
cp "$modules/@msgpack/msgpack/LICENSE" "$site.new/vendor/msgpack/"
cp "$modules/@noble/hashes/"*.js "$modules/@noble/hashes/LICENSE" "$site.new/vendor/noble-hashes/"
rm -rf "$site"
mv "$site.new" "$site"
[ -z "${3:-}" ] || touch "$3"
