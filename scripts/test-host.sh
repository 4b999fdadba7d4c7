#!/bin/sh
# The end-to-end test host: a Debian bookworm root with a real systemd, booted in
# systemd-nspawn, in which spawnc installs and starts the units it generates.
#
# Sourced by scripts/e2e.sh; it defines
#   host_boot DIR [NSPAWN-OPTION...]  boot a fresh copy of the host root in DIR (DIR/root) and
#                                     wait until systemd answers running or degraded
#   host_exec COMMAND...              run a command in the booted host (all its namespaces,
#                                     but still in the caller's cgroup)
#   host_run COMMAND...               run a command as a transient service of the host's
#                                     systemd (what runs systemd-nspawn must: it needs its own
#                                     delegated cgroup), with standard streams passed through
#   host_teardown                     power the host off, kill what is left, check that no
#                                     process or mount remains, remove DIR
# and, for the scenario scripts, pass/fail/check (PASS and FAIL lines, counted in $passed and
# $failed), in_host, spawnc (the staged spawnc, in the host), unit_is and wait_for.
#
# The root comes from scripts/debian-rootfs.sh (debootstrap; cached outside the repository).
# Run directly for an interactive look: scripts/test-host.sh shell
set -eu

host_packages=systemd,systemd-sysv,dbus,systemd-container,ostree,curl,busybox-static
host_dir=
host_nspawn_pid=
host_leader=

host_log() { printf 'test-host: %s\n' "$*" >&2; }

# host_boot DIR [NSPAWN-OPTION...]
host_boot() {
  host_dir=$1
  shift
  here=$(cd "$(dirname "$0")" && pwd)
  mkdir -p "$host_dir/root"
  if ! "$here/debian-rootfs.sh" "$host_dir/root.tar" "$host_packages" >"$host_dir/rootfs.log" 2>&1; then
    host_log "could not make the host root:"
    tail -n 40 "$host_dir/rootfs.log" >&2
    return 1
  fi
  tar --numeric-owner -xpf "$host_dir/root.tar" -C "$host_dir/root"
  rm -f "$host_dir/root.tar"
  chmod 0755 "$host_dir/root"
  # No network but loopback: the scenarios talk to the host's own ports, and nothing in the host
  # can reach (or collide with) the machine's.
  systemd-nspawn --quiet --boot --capability=all --register=no --keep-unit --private-network \
    --console=read-only --machine=spawnc-e2e --directory="$host_dir/root" "$@" \
    >"$host_dir/console.log" 2>&1 </dev/null &
  host_nspawn_pid=$!
  # The container's PID 1 is nspawn's child.
  i=0
  while [ -z "$host_leader" ]; do
    host_leader=$(pgrep -P "$host_nspawn_pid" || true)
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 "$host_nspawn_pid" 2>/dev/null; then
      host_log "systemd-nspawn did not start the host; its console said:"
      cat "$host_dir/console.log" >&2
      return 1
    fi
    [ -n "$host_leader" ] || sleep 0.1
  done
  i=0
  while :; do
    state=$(nsenter -t "$host_leader" -a systemctl is-system-running 2>/dev/null || true)
    case $state in
      running | degraded) break ;;
    esac
    i=$((i + 1))
    if [ $i -gt 600 ]; then
      host_log "systemd in the host did not finish booting (state: ${state:-no answer}); its console said:"
      tail -n 40 "$host_dir/console.log" >&2
      return 1
    fi
    sleep 0.1
  done
  host_log "booted in $host_dir/root (leader PID $host_leader, state $state)"
  if [ "$state" = degraded ]; then host_exec systemctl --failed --no-legend >&2 || true; fi
}

host_exec() {
  nsenter -t "$host_leader" -a "$@"
}

host_run() {
  nsenter -t "$host_leader" -a systemd-run --quiet --pipe --wait --collect --property=Delegate=yes "$@"
}

host_teardown() {
  [ -n "$host_dir" ] || return 0
  if [ -n "$host_nspawn_pid" ] && kill -0 "$host_nspawn_pid" 2>/dev/null; then
    # SIGTERM makes nspawn shut a booted container down in order (SIGRTMIN+3 to its systemd).
    kill -TERM "$host_nspawn_pid" 2>/dev/null || true
    i=0
    while kill -0 "$host_nspawn_pid" 2>/dev/null && [ $i -lt 300 ]; do
      sleep 0.1
      i=$((i + 1))
    done
    if kill -0 "$host_nspawn_pid" 2>/dev/null; then
      host_log "the host did not power off within 30 seconds; killing it"
      kill -KILL "$host_nspawn_pid" 2>/dev/null || true
    fi
    wait "$host_nspawn_pid" 2>/dev/null || true
  fi
  status=0
  if [ -n "$host_leader" ] && kill -0 "$host_leader" 2>/dev/null; then
    host_log "process $host_leader of the host is still alive"
    status=1
  fi
  stray=$(pgrep -f "$host_dir/root" || true)
  if [ -n "$stray" ]; then
    host_log "processes still use the host root: $(echo "$stray" | tr '\n' ' ')"
    status=1
  fi
  mounts=$(findmnt -rn -o TARGET | grep -F "$host_dir/root" || true)
  if [ -n "$mounts" ]; then
    host_log "mounts remain under the host root: $mounts"
    status=1
  fi
  if [ $status -eq 0 ]; then
    rm -rf --one-file-system "$host_dir"
    host_log "torn down: no process or mount left"
  fi
  host_dir=
  return $status
}

# --- for the scenario scripts: PASS/FAIL lines with their counts, and the host's units --------

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  printf 'PASS  %s\n' "$*"
}
fail() {
  failed=$((failed + 1))
  printf 'FAIL  %s\n' "$*"
}
# check DESCRIPTION COMMAND...: the command's success decides.
check() {
  description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}
in_host() { host_exec "$@"; }
# spawnc ARGS...: the spawnc the scenario put at /opt/e2e/bin, run in the host.
spawnc() { host_run /opt/e2e/bin/spawnc "$@"; }
unit_is() { [ "$(in_host systemctl is-active "$1" || true)" = "$2" ]; }
# wait_for UNIT STATE: up to 30 seconds.
wait_for() {
  i=0
  while ! unit_is "$1" "$2"; do
    i=$((i + 1))
    [ $i -lt 300 ] || return 1
    sleep 0.1
  done
}

if [ "$(basename "$0")" = test-host.sh ] && [ "${1:-}" = shell ]; then
  directory=$(mktemp -d /var/tmp/spawnc-host.XXXXXX)
  trap host_teardown EXIT
  trap 'exit 130' INT TERM
  host_boot "$directory"
  host_exec bash -l || true
fi
