#!/bin/sh
# Writes a Debian bookworm root file system made with debootstrap (minbase variant) as a tar
# archive, caching it outside the repository: a second call with the same packages is instant.
# The mirror is the Debian archive this machine's apt uses (read from its sources at run time).
#
#   scripts/debian-rootfs.sh OUTPUT.tar [PACKAGE,...]
#
# Extra packages are added with --include (the booted test host needs systemd and friends).
# The cache lives in $SPAWNC_CACHE (default /var/cache/spawnc-test).
set -eu

output=${1:?usage: debian-rootfs.sh OUTPUT.tar [PACKAGE,...]}
include=${2:-}
cache=${SPAWNC_CACHE:-/var/cache/spawnc-test}
key=$(printf "bookworm minbase 2 %s" "$include" | sha256sum | cut -c1-16)
cached="$cache/debian-$key.tar"

if [ ! -f "$cached" ]; then
  command -v debootstrap >/dev/null 2>&1 || { echo "debian-rootfs: install debootstrap" >&2; exit 1; }
  mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
      /etc/apt/sources.list | head -n 1)
  fi
  [ -n "$mirror" ] || { echo "debian-rootfs: no Debian archive in the apt sources" >&2; exit 1; }
  mkdir -p "$cache"
  root=$(mktemp -d "$cache/root.XXXXXX")
  chmod 0755 "$root"
  trap 'rm -rf "$root"' EXIT
  set -- --variant=minbase
  if [ -n "$include" ]; then set -- "$@" --include="$include"; fi
  echo "debian-rootfs: debootstrap bookworm from $mirror (takes a few minutes)" >&2
  debootstrap "$@" bookworm "$root" "$mirror" >&2
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
  tar --create --file="$cached.tmp" --directory="$root" --numeric-owner --xattrs --xattrs-include='*' .
  mv "$cached.tmp" "$cached"
fi
cp "$cached" "$output"
