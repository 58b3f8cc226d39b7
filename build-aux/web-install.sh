#!/usr/bin/env bash
# web-install.sh SITE_DIR DATADIR_RELATIVE — meson install step for the page
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Copies the assembled site (build-aux/web-site.sh) to
# $DESTDIR$MESON_INSTALL_PREFIX/DATADIR_RELATIVE, replacing what was there.
set -euo pipefail

site=${1:?usage: web-install.sh SITE_DIR DATADIR_RELATIVE}
case ${2:?} in
  /*) target=${DESTDIR:-}$2 ;;
  *)  target=${DESTDIR:-}${MESON_INSTALL_PREFIX:?run by meson install}/$2 ;;
esac

[ -f "$site/index.html" ] || { echo "web-install.sh: $site has no page; build first" >&2; exit 1; }
rm -rf "$target"
mkdir -p "$target"
cp -R "$site/." "$target/"
[ -n "${MESON_INSTALL_QUIET:-}" ] || echo "Installing the browser node's page to $target"
