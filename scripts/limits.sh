#!/bin/sh
# Measures spawnc on hostile inputs (issue 6, limits): each is generated at full size and at
# half size, so that linear growth is visible (the full-size time is about twice the half-size
# time, not four times), and `spawnc check`, `spawnc compile -o DIR` and `spawnc fmt --check`
# run on each with the release build linked statically (as scripts/bench.sh builds it). Prints
# one row per run: the input, its size, the command, wall time, peak resident memory, exit
# status and, when spawnc rejected the input, the first error's code. Asserts nothing (the
# Swift tests in Tests/SpawnTests/LimitsTests.swift check the results; tests never time).
#
#   scripts/limits.sh            every input
#   scripts/limits.sh nested     only the inputs whose name contains "nested"
#
# Each run is stopped after $SPAWNC_LIMITS_TIMEOUT seconds (default 300), shown as `timeout`.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product spawnc --scratch-path .build-static -Xswiftc -static-executable >/dev/null 2>&1
spawnc=$PWD/.build-static/release/spawnc
filter=${1:-}
limit=${SPAWNC_LIMITS_TIMEOUT:-300}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zero=$(printf '%064d' 0)

# Each generator writes a recipe to standard output; $1 is the size parameter.

# (a) A realistic recipe of about $1 bytes: the instructions of a real service, repeated.
mixed() {
  awk -v bytes="$1" -v zero="$zero" 'BEGIN {
    print "# syntax=spawnfile/v1"
    print "ARG BASE=sha256:" zero
    print "FROM ${BASE} AS build"
    total = 0; i = 0
    while (total < bytes) {
      k = i % 10
      if (k == 0) line = sprintf("ENV APP_VERSION=\"1.%d.0\" APP_HOME=/srv/app%d", i, i % 7)
      else if (k == 1) line = sprintf("ARG BUILD_FLAVOUR=release%d", i % 3)
      else if (k == 2) line = sprintf("RUN set -eu; cd \"$APP_HOME\" && echo building ${APP_VERSION} ${BUILD_FLAVOUR:-debug} step %d > /tmp/log%d", i, i)
      else if (k == 3) line = sprintf("LABEL org.example.step%d=\"${APP_VERSION}\" org.example.flavour=\"$BUILD_FLAVOUR\"", i)
      else if (k == 4) line = sprintf("COPY --chmod=0644 files/config%d.yaml /etc/app/", i)
      else if (k == 5) line = sprintf("WORKDIR /srv/app/dir%d", i % 50)
      else if (k == 6) line = sprintf("RUN [\"/bin/sh\", \"-c\", \"test -d /srv/app/dir%d || mkdir -p /srv/app/dir%d\"]", i % 50, i % 50)
      else if (k == 7) line = sprintf("USER app%d", i % 5)
      else if (k == 8) line = sprintf("RUN for f in a b c; do \\\n      echo \"$f %d\"; \\\n    done", i)
      else line = sprintf("# step %d: a comment between instructions", i)
      print line
      total += length(line) + 1
      i++
    }
    print "EXPOSE 8080"
    print "EXPOSE --activation=socket 9090/udp"
    print "STOPSIGNAL SIGINT"
    print "VOLUME /var/lib/app"
    print "CMD [\"/srv/app/bin/server\", \"--port\", \"8080\"]"
  }'
}

# (b) $1 short instructions.
instructions() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    for (i = 0; i < n; i++) {
      k = i % 4
      if (k == 0) printf "ENV STEP=%d\n", i
      else if (k == 1) printf "RUN echo $STEP\n"
      else if (k == 2) printf "LABEL step%d=x\n", i
      else printf "WORKDIR /w%d\n", i % 10
    }
    print "CMD [\"/app\"]"
  }'
}

# (c) One line of $1 bytes: a RUN command, an ENV value, an exec-form array.
long_run() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    line = "RUN echo"
    while (length(line) < n) line = line " word" length(line)
    print line
    print "CMD [\"/app\"]"
  }'
}
long_env() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    value = "x"
    while (length(value) < n - 10) value = value value
    print "ENV BIG=" substr(value, 1, n - 10)
    print "RUN test -n \"$BIG\""
    print "CMD [\"/app\"]"
  }'
}
long_exec() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    line = "CMD [\"/app\""
    while (length(line) < n) line = line ", \"argument" length(line) "\""
    print line "]"
  }'
}

# (d) One RUN over $1 continuation lines (with a comment line every 100).
continued() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    print "RUN set -eu; \\"
    for (i = 0; i < n; i++) {
      if (i % 100 == 50) print "# a comment inside the instruction"
      printf "    echo line %d && \\\n", i
    }
    print "    true"
    print "CMD [\"/app\"]"
  }'
}

# (e) Variable references nested $1 deep: ${V0:-${V1:-...}}, ${A:+x${A:+x...}}, and JSON [[[...]]].
nested_default() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    printf "ENV VALUE="
    for (i = 0; i < n; i++) printf "${V%d:-", i
    printf "deepest"
    for (i = 0; i < n; i++) printf "}"
    print ""
    print "CMD [\"/app\"]"
  }'
}
nested_alternative() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    print "ENV A=1"
    printf "ENV VALUE="
    for (i = 0; i < n; i++) printf "${A:+x"
    for (i = 0; i < n; i++) printf "}"
    print ""
    print "CMD [\"/app\"]"
  }'
}
nested_json() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    printf "CMD [\"/app\", "
    for (i = 0; i < n; i++) printf "["
    for (i = 0; i < n; i++) printf "]"
    print "]"
  }'
}

# (f) $1 ENV variables, each used by the RUN after it; and $1 ENV variables, then 20 RUNs that use them.
env_interleaved() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    for (i = 0; i < n; i++) printf "ENV VARIABLE_%d=value%d\nRUN echo \"$VARIABLE_%d\"\n", i, i, i
    print "CMD [\"/app\"]"
  }'
}
env_then_steps() {
  awk -v n="$1" -v zero="$zero" 'BEGIN {
    print "FROM sha256:" zero
    for (i = 0; i < n; i++) printf "ENV VARIABLE_%d=value%d\n", i, i
    for (i = 0; i < 20; i++) printf "RUN echo \"$VARIABLE_%d\" \"${VARIABLE_%d:-unset}\"\n", i * 97, n - 1 - i
    print "CMD [\"/app\"]"
  }'
}

human_size() {
  awk -v b="$1" 'BEGIN {
    if (b >= 1048576) printf "%.1f MiB", b / 1048576
    else if (b >= 1024) printf "%.0f KiB", b / 1024
    else printf "%d B", b
  }'
}

# run LABEL SIZE COMMAND... : one table row.
run() {
  label=$1
  size=$2
  what=$3
  shift 3
  status=0
  timeout "$limit" /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
  if [ "$status" = 124 ]; then
    wall="timeout"
    rss="-"
  else
    wall=$(awk 'END { print $1 }' "$work/time")
    rss=$(awk 'END { printf "%.1f", $2 / 1024 }' "$work/time")
  fi
  code=$(cat "$work/stdout" "$work/stderr" | sed -n 's/.*error: .*\[\(SP[0-9]*\)\]$/\1/p' | head -n 1)
  printf '%-34s %10s  %-14s %9s %11s %5s  %s\n' "$label" "$size" "$what" "$wall" "$rss" "$status" "${code:--}"
}

measure() { # NAME GENERATOR FULL-SIZE
  name=$1
  generator=$2
  full=$3
  case $name in *"$filter"*) ;; *) return 0 ;; esac
  for size in "$full" $((full / 2)); do
    dir="$work/$name-$size"
    mkdir -p "$dir/files"
    "$generator" "$size" >"$dir/Spawnfile"
    label="$name $size"
    bytes=$(human_size "$(wc -c <"$dir/Spawnfile")")
    run "$label" "$bytes" check "$spawnc" check --no-config --format gnu --name limits "$dir/Spawnfile"
    run "$label" "$bytes" "compile -o DIR" "$spawnc" compile --no-config --format gnu --name limits \
      --state-dir /var/lib/spawnc -o "$dir/out" "$dir/Spawnfile"
    run "$label" "$bytes" "fmt --check" "$spawnc" fmt --check --format gnu "$dir/Spawnfile"
    rm -rf "$dir"
  done
}

echo "spawnc on hostile inputs: release build, static, $(nproc) cores, $(date -u +%Y-%m-%d)"
printf '%-34s %10s  %-14s %9s %11s %5s  %s\n' "input" "size" "command" "wall (s)" "peak (MiB)" "exit" "rejected"
measure "(a) mixed recipe, bytes" mixed 10485760
measure "(b) instructions" instructions 100000
measure "(c) RUN line, bytes" long_run 1048576
measure "(c) ENV value line, bytes" long_env 1048576
measure "(c) exec-form array, bytes" long_exec 1048576
measure "(d) continuation lines" continued 10000
measure "(e) nested \${V:-...}, depth" nested_default 10000
measure "(e) nested \${V:-...}, depth" nested_default 100000
measure "(e) nested \${A:+...}, depth" nested_alternative 10000
measure "(e) nested \${A:+...}, depth" nested_alternative 100000
measure "(e) nested JSON [[...]], depth" nested_json 100000
measure "(f) ENV+RUN pairs" env_interleaved 100000
measure "(f) ENVs then 20 RUNs" env_then_steps 100000
