#!/bin/sh
# Installs the Debian packages spawnc's build, tests and examples need, when any is missing.
# Safe to run again; needs root (or sudo) only when something has to be installed. (Fuzzing,
# scripts/fuzz.sh, needs nothing from Debian: libFuzzer, AddressSanitizer and lld come with the
# Swift toolchain.) Packages named as arguments are installed too, for scripts that need more
# (scripts/generator-symbol-order.sh: valgrind and gdb).
# Usage: scripts/setup.sh [PACKAGE...]
set -eu

packages="systemd systemd-container util-linux shellcheck busybox-static ostree libsystemd-dev libyaml-dev debootstrap hyperfine curl gcc libc6-dev iproute2 python3 python3-venv time $*"

missing=
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $package"
  fi
done

if [ -n "$missing" ]; then
  echo "setup: installing$missing" >&2
  sudo=
  if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
  $sudo apt-get update -q
  # shellcheck disable=SC2086  # one word per package
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi
