#!/bin/sh
# Writes a small root file system made from the build host's statically linked busybox
# (Debian's busybox-static) as a deterministic tar archive: the same busybox gives the same
# bytes, so `spawnc import` gives the same content ID. Used by the tests and the examples:
#
#   scripts/busybox-rootfs.sh /tmp/busybox.tar && spawnc import /tmp/busybox.tar --name busybox
set -eu

output=${1:?usage: busybox-rootfs.sh OUTPUT.tar}
busybox=${SPAWNC_BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "busybox-rootfs: $busybox is missing (install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
umask 022
chmod 0755 "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/dev" "$root/proc" \
  "$root/sys" "$root/run" "$root/tmp" "$root/var/tmp" "$root/root" "$root/home"
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 0700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
# One symbolic link per applet, where busybox installs it (sorted, so the tree is stable).
"$busybox" --list-full | sort | while IFS= read -r applet; do
  case $applet in
    bin/busybox) ;;
    *) ln -sf "/bin/busybox" "$root/$applet" ;;
  esac
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'NAME=busybox\nID=busybox\nPRETTY_NAME="busybox (spawnc test base)"\n' >"$root/etc/os-release"
: >"$root/etc/resolv.conf"

tar --create --file="$output" --directory="$root" --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime=@0 --format=gnu .
