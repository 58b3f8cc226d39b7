#!/usr/bin/env bash
# Installs the Debian 12 packages Hormiga needs to build, test and run.
# Runs apt-get as root directly, otherwise through sudo. Only packages that
# are missing are installed; the list is printed before anything happens.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config git
  libglib2.0-dev libglib2.0-bin
  libsoup-3.0-dev
  libnice-dev
  libusrsctp-dev
  libmsgpack-dev
  libssl-dev
  libsodium-dev
  libgtk-4-dev libadwaita-1-dev
  gettext desktop-file-utils appstream libxml2-utils gtk-update-icon-cache
  systemd  # systemd-analyze verifies hormiguero.service
  xvfb xauth dbus-daemon
  clang llvm libclang-rt-14-dev
  python3
  coturn
  chromium iproute2 util-linux nodejs
)

# npm comes with some Node.js builds (NodeSource's conflicts with Debian's
# npm package); install Debian's only where no npm is found.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all build dependencies are installed"
  exit 0
fi

echo "install-deps: installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
else
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# The tests start their own coturn on loopback; the system-wide TURN server
# that the package enables is not wanted, so one we just installed is
# stopped and disabled.
if [[ " ${missing[*]} " == *" coturn "* ]] && [ -d /run/systemd/system ]; then
  "${SUDO[@]}" systemctl disable --now coturn || true
fi
