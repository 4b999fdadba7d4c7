#!/bin/sh
# End to end for generator mode on a real systemd: boots the test host (scripts/test-host.sh),
# installs spawnc-generator with `spawnc install --generator`, drops a recipe (examples/web-socket)
# and a broken one into /etc/spawnc/, runs `systemctl daemon-reload`, and checks what a user
# would: the socket listens, the first request builds the image and is served, the broken
# recipe does not stop the good one and its diagnostic (file:line:col and code) is in the
# journal; then an edit of the recipe, daemon-reload and a restart rebuild it. Prints one line
# per check; exits 1 if any failed. Needs root; `swift build` must have run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=scripts/test-host.sh
. "$here/test-host.sh"

if [ "$(id -u)" != 0 ]; then
  echo "e2e-generator: skipped (needs root: it boots systemd in systemd-nspawn)"
  exit 0
fi

started=$(date +%s)
work=$(mktemp -d /var/tmp/spawnc-e2e-generator.XXXXXX)
cleanup() {
  host_teardown || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the host gets, read-only at /opt/e2e: spawnc, its helper and the generator, the busybox
# base and the web-socket payload.
stage=$work/stage
mkdir -p "$stage/bin"
cp "$repo/.build/debug/spawnc" "$repo/.build/debug/spawnc-systemd" "$repo/.build/debug/spawnc-generator" "$stage/bin/"
"$here/busybox-rootfs.sh" "$stage/busybox.tar"
cc -static -O2 -o "$stage/server" "$repo/examples/web-socket/server.c"
# Debug builds find the Swift runtime through their RUNPATH: give the host the same directory.
swift_lib=$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/linux" && pwd)

host_boot "$work/host" --bind=/dev/fuse --bind-ro="$swift_lib" --bind-ro="$stage:/opt/e2e"
booted=$(date +%s)

contains() { printf '%s\n' "$1" | grep -qF -- "$2"; }
# recipe GREETING: the web-socket example with the base pinned (a generator passes no build
# arguments) and its greeting.
recipe() {
  cat <<EOF
# examples/web-socket, as a recipe in /etc/spawnc/web/Spawnfile.
FROM busybox@$base
COPY --chmod=755 server /usr/bin/server
ENV GREETING="$1"
EXPOSE --activation=socket 8080/tcp
CMD ["/usr/bin/server"]
EOF
}

base=$(spawnc import /opt/e2e/busybox.tar --name busybox | tail -n 1)
echo "e2e-generator: imported the busybox base as $base"

echo "--- install the generator"
spawnc install --generator | sed 's/^/      /'
check "spawnc-generator is linked into /usr/lib/systemd/system-generators/" \
  in_host test -x /usr/lib/systemd/system-generators/spawnc-generator
check "spawnc-apply.path waits for generator runs" wait_for spawnc-apply.path active

echo "--- drop a recipe and a broken one into /etc/spawnc, then daemon-reload"
in_host mkdir -p /etc/spawnc/web /etc/spawnc/broken
in_host cp /opt/e2e/server /etc/spawnc/web/server
recipe "hello from a generated container" | in_host sh -c 'cat > /etc/spawnc/web/Spawnfile'
printf 'FROM busybox@%s\n# the port is out of range\nEXPOSE 99999\nCMD ["/bin/true"]\n' "$base" |
  in_host sh -c 'cat > /etc/spawnc/broken/Spawnfile'
in_host systemctl daemon-reload
check "web.socket is listening after daemon-reload (no enable, no start)" wait_for web.socket active
check "web.service is inactive before the first request" unit_is web.service inactive
check "the image is not built yet" in_host test ! -e /var/lib/spawnc/images/web
answer=$(in_host curl -sS --max-time 300 http://127.0.0.1:8080/ || true)
printf '%s\n' "$answer" | sed 's/^/      curl: /'
check "the first request builds the image and is served" contains "$answer" "hello from a generated container"
check "the container got the socket (LISTEN_FDS=1 LISTEN_PID=1)" contains "$answer" "LISTEN_FDS=1 LISTEN_PID=1"
check "web-build.service built the image" in_host test -L /var/lib/spawnc/images/web
check "web.service is active after the request" unit_is web.service active
check "the units say where they came from" sh -c \
  "nsenter -t $host_leader -a systemctl show -p SourcePath --value web.service | grep -qx /etc/spawnc/web/Spawnfile"

echo "--- the broken recipe"
# The backquotes are the message's own.
# shellcheck disable=SC2016
diagnostic='/etc/spawnc/broken/Spawnfile:3:8: error: `99999` is not a port number from 1 to 65535 [SP4001]'
i=0
while ! in_host journalctl -b --no-pager -o cat | grep -qF -- "$diagnostic" && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
in_host journalctl -b --no-pager -o short-monotonic -t spawnc-generator | tail -n 3 | sed 's/^/      journal: /'
check "the journal has the broken recipe's diagnostic with file:line:col and code" \
  sh -c "nsenter -t $host_leader -a journalctl -b --no-pager -o cat | grep -qF -- '$diagnostic'"
check "broken.service stands in for it, failed, so systemctl status says why" wait_for broken.service failed
check "the good recipe's socket still listens beside it" unit_is web.socket active

echo "--- a restart without changes builds nothing"
in_host systemctl restart web.service
in_host curl -sS --max-time 60 -o /dev/null http://127.0.0.1:8080/ || true
check "web-build.service found the image up to date" sh -c \
  "nsenter -t $host_leader -a journalctl -b --no-pager -o cat -u web-build.service | grep -q 'is up to date'"

echo "--- edit the recipe, daemon-reload, restart"
recipe "hello again, rebuilt after an edit" | in_host sh -c 'cat > /etc/spawnc/web/Spawnfile'
before=$(in_host readlink /var/lib/spawnc/images/web)
in_host systemctl daemon-reload
in_host systemctl restart web.service
answer=$(in_host curl -sS --max-time 300 http://127.0.0.1:8080/ || true)
printf '%s\n' "$answer" | sed 's/^/      curl: /'
check "the edited recipe was rebuilt and serves the new answer" contains "$answer" "hello again, rebuilt after an edit"
check "the image changed" test "$(in_host readlink /var/lib/spawnc/images/web)" != "$before"

echo "--- remove the recipes"
in_host systemctl stop web.socket web.service
in_host rm -rf /etc/spawnc/web /etc/spawnc/broken
in_host systemctl daemon-reload
check "the units are gone after daemon-reload" sh -c \
  "! nsenter -t $host_leader -a systemctl cat web.socket >/dev/null 2>&1"

finished=$(date +%s)
echo "e2e-generator: $passed passed, $failed failed (host booted in $((booted - started)) s, scenarios took $((finished - booted)) s)"
trap - EXIT
cleanup_status=0
host_teardown || cleanup_status=$?
rm -rf --one-file-system "$work"
[ $failed -eq 0 ] && [ $cleanup_status -eq 0 ]
