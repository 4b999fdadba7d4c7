#!/bin/sh
# End to end on a real systemd: boots the test host (scripts/test-host.sh), and inside it
# imports the busybox base, builds example images with spawnc, installs them with
# `spawnc install --now` and checks what a user would: socket activation with the passed file
# descriptor, proxy activation, a volume that survives restarts on a read-only root, the stop
# signal, a failing unit's report, and uninstall. Prints one line per check; exits 1 if any
# failed. Needs root; `swift build` must have run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=scripts/test-host.sh
. "$here/test-host.sh"

if [ "$(id -u)" != 0 ]; then
  echo "e2e: skipped (needs root: it boots systemd in systemd-nspawn)"
  exit 0
fi

started=$(date +%s)
work=$(mktemp -d /var/tmp/spawnc-e2e.XXXXXX)
cleanup() {
  host_teardown || true
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the host gets, read-only at /opt/e2e: spawnc and its helper, the busybox base, the
# examples with their C payloads compiled.
stage=$work/stage
mkdir -p "$stage/bin"
cp "$repo/.build/debug/spawnc" "$repo/.build/debug/spawnc-systemd" "$stage/bin/"
"$here/busybox-rootfs.sh" "$stage/busybox.tar"
cp -R "$repo/examples" "$stage/examples"
cc -static -O2 -o "$stage/examples/web-socket/server" "$stage/examples/web-socket/server.c"
mkdir -p "$stage/examples/broken"
cat >"$stage/examples/broken/Spawnfile" <<'EOF'
ARG BUSYBOX
FROM busybox@${BUSYBOX}
CMD ["/bin/sh", "-c", "echo cannot find my configuration >&2; exit 3"]
EOF
# Debug builds find the Swift runtime through their RUNPATH: give the host the same directory.
swift_lib=$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/linux" && pwd)

host_boot "$work/host" --bind=/dev/fuse --bind-ro="$swift_lib" --bind-ro="$stage:/opt/e2e"
booted=$(date +%s)

contains() { printf '%s\n' "$1" | grep -qxF -- "$2"; }

base=$(spawnc import /opt/e2e/busybox.tar --name busybox | tail -n 1)
echo "e2e: imported the busybox base as $base"
for example in web-socket web-proxy notes broken; do
  spawnc build --build-arg "BUSYBOX=$base" "/opt/e2e/examples/$example/Spawnfile" 2>"$work/build.log" >/dev/null ||
    { cat "$work/build.log"; fail "build $example"; }
done
echo "e2e: built web-socket, web-proxy, notes and broken in the host"

# --- fd activation ----------------------------------------------------------------------------
echo "--- fd activation (examples/web-socket)"
spawnc install --now --build-arg "BUSYBOX=$base" /opt/e2e/examples/web-socket/Spawnfile
check "web-socket.socket is listening after install --now" unit_is web-socket.socket active
check "web-socket.service is inactive before the first request" unit_is web-socket.service inactive
answer=$(in_host curl -sS --max-time 30 http://127.0.0.1:8080/ || true)
printf '%s\n' "$answer" | sed 's/^/      curl: /'
check "the payload answers on the socket's port" contains "$answer" "hello from a socket-activated container"
check "the container saw LISTEN_FDS=1 (LISTEN_PID=1)" contains "$answer" "LISTEN_FDS=1 LISTEN_PID=1"
check "the container has no network interface but loopback" contains "$answer" "interfaces=lo"
check "web-socket.service is active after the request" unit_is web-socket.service active
again=$(spawnc install --now --build-arg "BUSYBOX=$base" /opt/e2e/examples/web-socket/Spawnfile)
check "installing twice changes nothing" contains "$again" "web-socket is already installed"
check "a second install leaves the running service alone" unit_is web-socket.service active

# --- proxy activation --------------------------------------------------------------------------
echo "--- proxy activation (examples/web-proxy)"
spawnc install --now --build-arg "BUSYBOX=$base" /opt/e2e/examples/web-proxy/Spawnfile
check "web-proxy-proxy-8081.socket is listening" unit_is web-proxy-proxy-8081.socket active
check "web-proxy.service is inactive before the first request" unit_is web-proxy.service inactive
answer=$(in_host curl -sS --max-time 30 http://127.0.0.1:8081/ || true)
printf '%s\n' "$answer" | sed 's/^/      curl: /'
check "busybox httpd answers through systemd-socket-proxyd on port 8081" \
  contains "$answer" "<p>Served by busybox httpd in a proxy-activated spawnc container.</p>"
check "web-proxy.service was started on demand" unit_is web-proxy.service active
check "web-proxy-proxy-8081.service (systemd-socket-proxyd) is running" unit_is web-proxy-proxy-8081.service active
netns() { in_host readlink "/proc/$(in_host systemctl show -p MainPID --value "$1")/ns/net"; }
proxy_netns=$(netns web-proxy-proxy-8081.service)
container_netns=$(netns web-proxy.service)
echo "      network namespaces: proxy $proxy_netns, container $container_netns, host $(in_host readlink /proc/1/ns/net)"
check "the proxy runs in the container's own network namespace" \
  test -n "$proxy_netns" -a "$proxy_netns" = "$container_netns" -a "$proxy_netns" != "$(in_host readlink /proc/1/ns/net)"

# --- a plain service with a volume ---------------------------------------------------------------
echo "--- volume and read-only root (examples/notes)"
spawnc install --now --build-arg "BUSYBOX=$base" /opt/e2e/examples/notes/Spawnfile
check "notes.service is running after install --now" wait_for notes.service active
data=/var/lib/spawnc/volumes/notes/srv-notes-data/notes.txt
i=0
while [ "$(in_host cat "$data" 2>/dev/null | wc -l)" -lt 1 ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
before=$(in_host cat "$data" 2>/dev/null | wc -l)
in_host systemctl restart notes.service
i=0
while [ "$(in_host cat "$data" 2>/dev/null | wc -l)" -le "$before" ] && [ $i -lt 100 ]; do
  sleep 0.1
  i=$((i + 1))
done
after=$(in_host cat "$data" 2>/dev/null | wc -l)
echo "      volume lines: $before before the restart, $after after"
check "data written to the VOLUME survives systemctl restart" test "$before" -ge 1 -a "$after" -eq $((before + 1))
# Write from inside the running container: the root must refuse, the volume must accept.
nspawn_pid=$(in_host systemctl show -p MainPID --value notes.service)
payload=$(in_host cat "/proc/$nspawn_pid/task/$nspawn_pid/children" | cut -d' ' -f1)
if in_host nsenter -t "$payload" -a /bin/sh -c 'echo x > /written-outside-volumes' 2>/dev/null; then
  fail "the image root is read-only (a write outside volumes succeeded)"
else
  pass "the image root is read-only (a write outside volumes fails)"
fi
checkout=$(in_host readlink -f /var/lib/spawnc/images/notes)
check "nothing reached the checkout $checkout" in_host test ! -e "$checkout/written-outside-volumes"
check "the volume is writable from inside" in_host nsenter -t "$payload" -a /bin/sh -c 'echo x > /srv/notes/data/probe'

# --- stop ------------------------------------------------------------------------------------------
echo "--- stop (STOPSIGNAL SIGINT in examples/notes)"
in_host systemctl stop notes.service
check "notes.service ends inactive, not failed" unit_is notes.service inactive
check "its result is success" [ "$(in_host systemctl show -p Result --value notes.service)" = success ]
check "the payload got SIGINT (its INT trap printed 'stopping')" \
  sh -c "nsenter -t $host_leader -a journalctl -u notes.service -o cat --no-pager | grep -qx stopping"

# --- a unit that fails -------------------------------------------------------------------------------
echo "--- failure report (a payload that exits 3)"
if spawnc install --now --build-arg "BUSYBOX=$base" /opt/e2e/examples/broken/Spawnfile >"$work/broken.out" 2>&1; then
  fail "install --now of a failing container exits non-zero"
else
  pass "install --now of a failing container exits non-zero"
fi
sed 's/^/      /' "$work/broken.out"
check "the report shows the unit's state" grep -q "broken.service stopped right after it started" "$work/broken.out"
check "the report shows the payload's last log line" grep -q "cannot find my configuration" "$work/broken.out"

# --- uninstall -----------------------------------------------------------------------------------------
echo "--- uninstall"
spawnc uninstall web-proxy
check "web-proxy's units are gone" in_host test ! -e /etc/systemd/system/web-proxy.service
check "web-proxy.service is stopped" sh -c "! nsenter -t $host_leader -a systemctl is-active -q web-proxy.service"
check "port 8081 is closed" sh -c "! nsenter -t $host_leader -a curl -s --max-time 5 http://127.0.0.1:8081/ >/dev/null"
check "web-socket still answers" sh -c "nsenter -t $host_leader -a curl -sf --max-time 30 http://127.0.0.1:8080/ >/dev/null"
for name in web-socket notes broken; do spawnc uninstall "$name" >/dev/null; done
left=$(in_host systemctl list-units --all --no-legend --plain | grep -e web- -e notes -e broken || true)
[ -z "$left" ] || printf '      left: %s\n' "$left"
check "no spawnc unit is left" test -z "$left"

# --- store integrity -------------------------------------------------------------------------------
echo "--- store integrity"
fsck=$(in_host ostree --repo=/var/lib/spawnc/repo fsck 2>&1 || true)
printf '%s\n' "$fsck" | tail -n 1 | sed 's/^/      ostree fsck: /'
case $fsck in
  *"no errors found"*) pass "after every build, run, restart and uninstall, ostree fsck finds the store intact" ;;
  *) fail "ostree fsck finds the store damaged" ;;
esac

finished=$(date +%s)
echo "e2e: $passed passed, $failed failed (host booted in $((booted - started)) s, scenarios took $((finished - booted)) s)"
trap - EXIT
cleanup_status=0
host_teardown || cleanup_status=$?
rm -rf --one-file-system "$work"
[ $failed -eq 0 ] && [ $cleanup_status -eq 0 ]
