#!/bin/sh
# Benchmarks spawnc-generator beside Podman Quadlet's generator (5.x, from Debian 13's podman
# package, fetched by ../shared/bench/quadlet-peer.sh) on 1, 100 and 1,000 equivalent inputs: the
# same image (pinned by digest), command, environment, volume and port, written to a tmpfs (where
# systemd's generator directories live) and to a disk directory. Each generator runs as a plain
# process, as systemd runs it, with its search path from SPAWNC_RECIPE_DIRS / QUADLET_UNIT_DIRS;
# hyperfine times the runs, the output directory out of the way and the file systems synced before
# each, the tools taking turns (rounds of 10 runs for one input, 5 for 100, 2 for 1,000; 60 runs in
# all for one input, 40 for 100, 10 for 1,000) so that drift in the machine's and the disk's speed
# reaches both alike; the table has the medians. The port is published (Quadlet's PublishPort=,
# spawnc's EXPOSE without activation); a last column times spawnc with socket activation, which
# writes a .socket more per input. spawnc-generator is the release build linked as a static
# executable, as scripts/bench.sh builds spawnc, with spawnc beside it as `spawnc install
# --generator` leaves them. Prints a table; asserts nothing.
# Usage: scripts/bench-generator.sh [N...]   (default: 1 100 1000)
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
# Both programs, as installed: the generator finds spawnc beside it (the build units run it).
for product in spawnc spawnc-generator; do
  swift build -c release --product "$product" --scratch-path .build-static -Xswiftc -static-executable >/dev/null 2>&1
done
generator=$(pwd)/.build-static/release/spawnc-generator
quadlet=$(../shared/bench/quadlet-peer.sh 2>/dev/null)
quadlet_version=$("$quadlet" -version 2>&1 | tail -n 1)
sizes=${*:-1 100 1000}

work=$(mktemp -d /var/tmp/spawnc-bench-generator.XXXXXX)
tmpfs=$work/tmpfs
mkdir -p "$tmpfs"
cleanup() {
  if mountpoint -q "$tmpfs"; then umount "$tmpfs"; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A tmpfs of our own as root (as /run is); else /dev/shm.
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=512m,mode=0755 spawnc-bench "$tmpfs" 2>/dev/null; then
  :
else
  tmpfs=$(mktemp -d /dev/shm/spawnc-bench-generator.XXXXXX)
fi
disk=$work/disk
mkdir -p "$disk"

digest=sha256:$(printf '%064d' 0 | tr 0 d)
# N recipes for each tool: spawnc's DIR/NAME/Spawnfile and Quadlet's NAME.container, with the
# same image, command, environment, volume and port, and each started at boot ([Install] for
# Quadlet; spawnc's generator lists every container in spawnc.target).
for n in $sizes; do
  mkdir -p "$work/spawnc-$n" "$work/quadlet-$n"
  i=0
  while [ "$i" -lt "$n" ]; do
    port=$((10000 + i))
    mkdir -p "$work/spawnc-$n/app$i" "$work/socket-$n/app$i"
    cat >"$work/spawnc-$n/app$i/Spawnfile" <<EOF
FROM app@$digest
ENV GREETING="hello $i" MODE=production
VOLUME /srv/data
EXPOSE $port
CMD ["/app", "--serve"]
EOF
    sed "s/^EXPOSE /EXPOSE --activation=socket /" "$work/spawnc-$n/app$i/Spawnfile" >"$work/socket-$n/app$i/Spawnfile"
    cat >"$work/quadlet-$n/app$i.container" <<EOF
[Unit]
Description=app$i

[Container]
Image=localhost/app@$digest
Exec=/app --serve
Environment=GREETING="hello $i" MODE=production
Volume=/var/lib/spawnc/volumes/app$i/srv-data:/srv/data
PublishPort=$port:$port

[Install]
WantedBy=multi-user.target
EOF
    i=$((i + 1))
  done
done

# measure LABEL RUNS OUT ENV=VALUE COMMAND...: RUNS timed runs of COMMAND with OUT out of the way
# before each, their times appended to $work/LABEL.times (seconds, one per line). On tmpfs OUT is
# removed; on disk it is renamed aside (removed at the end): this disk is ext4 mounted with
# `discard`, and deleting thousands of files before a run set off trims that slowed the next run
# by up to tenfold, whichever tool it was.
measure() {
  label=$1
  runs=$2
  out=$3
  setting=$4
  shift 4
  case "$out" in
    "$tmpfs"/*) clear="rm -rf $out" ;;
    *) clear="if [ -e $out ]; then mv $out \$(mktemp -u $out.old.XXXXXXXX); fi" ;;
  esac
  env "$setting" hyperfine -N --warmup 2 --runs "$runs" --prepare "sh -c '$clear && sync'" \
    --export-json "$work/$label.json" "$*" >/dev/null 2>&1
  python3 -c 'import json, sys; print("\n".join(str(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' \
    "$work/$label.json" >>"$work/$label.times"
}

# median LABEL: the median of LABEL's times, in ms.
median() {
  python3 -c 'import statistics, sys; print("%.2f" % (statistics.median(float(l) for l in open(sys.argv[1])) * 1000))' \
    "$work/$1.times"
}

echo "spawnc-generator vs Quadlet ($quadlet_version), median wall time, $(nproc) cores ($(date -u +%Y-%m-%d))"
echo
echo "| inputs | output | spawnc-generator | Quadlet $quadlet_version | spawnc / Quadlet | spawnc-generator, socket-activated |"
echo "|---|---|---|---|---|---|"
for n in $sizes; do
  # The three commands take turns, a few runs each, so that all of them see the same drift in
  # the machine's speed; more runs where a run is short.
  # (The disk's speed changes within seconds, so the larger sizes take shorter turns.)
  rounds=8 runs=5
  [ "$n" -le 1 ] && rounds=6 runs=10
  [ "$n" -ge 1000 ] && rounds=5 runs=2
  for place in tmpfs disk; do
    if [ "$place" = tmpfs ]; then base=$tmpfs; else base=$disk; fi
    round=0
    while [ "$round" -lt "$rounds" ]; do
      measure "spawnc-$n-$place" "$runs" "$base/spawnc-out" "SPAWNC_RECIPE_DIRS=$work/spawnc-$n" \
        "$generator" --no-kmsg "$base/spawnc-out"
      measure "quadlet-$n-$place" "$runs" "$base/quadlet-out" "QUADLET_UNIT_DIRS=$work/quadlet-$n" \
        "$quadlet" -no-kmsg-log "$base/quadlet-out"
      measure "socket-$n-$place" "$runs" "$base/socket-out" "SPAWNC_RECIPE_DIRS=$work/socket-$n" \
        "$generator" --no-kmsg "$base/socket-out"
      round=$((round + 1))
    done
    ours=$(median "spawnc-$n-$place")
    theirs=$(median "quadlet-$n-$place")
    socket=$(median "socket-$n-$place")
    ratio=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$ours" "$theirs")
    echo "| $n | $place | $ours ms | $theirs ms | $ratio× | $socket ms |"
  done
done
# What each wrote for the largest N (the last disk runs), for the record.
echo
echo "files and links written for $n inputs: spawnc-generator $(find "$disk/spawnc-out" ! -type d | wc -l)," \
  "Quadlet $(find "$disk/quadlet-out" ! -type d | wc -l)"
if [ "$tmpfs" != "$work/tmpfs" ]; then rm -rf "$tmpfs"; fi
