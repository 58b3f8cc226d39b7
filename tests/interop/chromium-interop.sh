#!/usr/bin/env bash
# chromium-interop.sh NPM_DIR WEB_SITE SCRIPT — Debian's Chromium against
# hormiga-node
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs playwright-core (package-lock.json beside this file) into NPM_DIR,
# a folder of the build tree, then runs SCRIPT (chromium-interop.mjs,
# web-node.mjs or web-peers.mjs, beside this file, or a path: `hormiga-bench
# web` runs bench/web-bench.mjs) with the browser node's site WEB_SITE
# (build-aux/web-site.sh) inside a network namespace of its own: Chromium
# gathers no candidates on loopback, so the
# namespace has a veth pair with 10.77.0.1 and a default route into it, and
# hormiguero, hormiga-node and Chromium all live there. Nothing is bound
# outside the namespace. See docs/DECISIONS.md.
#
# Needs HORMIGUERO and HORMIGA_NODE (tests/meson.build sets them).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ice_address=10.77.0.1

# SCRIPT: a name beside this file, or a path.
script_path () {
  case $1 in
    */*) echo "$1" ;;
    *) echo "$here/$1" ;;
  esac
}

bail () {
  echo "Bail out! $*"
  exit 1
}

if [ "${HORMIGA_INTEROP_IN_NETNS:-}" != 1 ]; then
  npm_dir=${1:?usage: chromium-interop.sh NPM_DIR WEB_SITE SCRIPT}
  web_site=${2:?usage: chromium-interop.sh NPM_DIR WEB_SITE SCRIPT}
  script=${3:?usage: chromium-interop.sh NPM_DIR WEB_SITE SCRIPT}
  : "${HORMIGUERO:?}" "${HORMIGA_NODE:?}"
  for tool in node npm unshare ip; do
    command -v "$tool" >/dev/null || bail "$tool is missing; run build-aux/install-deps.sh"
  done
  [ -x /usr/bin/chromium ] || bail "/usr/bin/chromium is missing; run build-aux/install-deps.sh"
  [ -f "$web_site/index.html" ] ||
    bail "$web_site has no page: the browser node's site is built only where npm is found; run build-aux/install-deps.sh and build again"
  [ -f "$(script_path "$script")" ] || bail "$(script_path "$script") does not exist"
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" -ge 20 ] || bail "playwright-core needs Node.js 20 or later; this is $(node --version)"

  # Reinstall only when the lockfile changed.
  if ! cmp -s "$here/package-lock.json" "$npm_dir/package-lock.json" ||
     [ ! -f "$npm_dir/node_modules/playwright-core/package.json" ]; then
    echo "# installing playwright-core into $npm_dir"
    rm -rf "$npm_dir"
    mkdir -p "$npm_dir"
    cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$npm_dir/"
    (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
      bail "npm ci failed in $npm_dir"
  fi

  if [ "$(id -u)" -eq 0 ]; then
    netns=(unshare --net)
  else
    netns=(unshare --net --map-root-user)
  fi
  export HORMIGA_INTEROP_IN_NETNS=1 INTEROP_NPM_DIR=$npm_dir INTEROP_ICE_ADDRESS=$ice_address \
         INTEROP_WEB_SITE=$web_site
  exec "${netns[@]}" -- "$0" "$@"
fi

# Inside the new namespace: loopback for hormiguero and the page, a veth
# pair for ICE. Chromium gathers host candidates only on interfaces that
# are up, not loopback, and, with no default route, on none at all: the
# default route points into the veth, where nothing answers.
ip link set lo up
ip link add hormiga0 type veth peer name hormiga1 ||
  bail "cannot create a veth pair in the test's network namespace"
# No IPv6 link-local addresses: they would appear a moment after the
# links come up, and Chromium, seeing the network change under it, fails
# the page's loads with ERR_NETWORK_CHANGED.
ip link set hormiga0 addrgenmode none
ip link set hormiga1 addrgenmode none
ip addr add "$ice_address/24" dev hormiga0
ip link set hormiga0 up
ip link set hormiga1 up
ip route add default via 10.77.0.2 dev hormiga0

exec node "$(script_path "${3:?}")"
