#!/bin/sh
# Fuzzes the compiler (parser, checker, lowering, the three backends, the formatter, the
# diagnostic renderers and the IR's JSON) with libFuzzer and AddressSanitizer; see
# docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS [LIBFUZZER-OPTION...]]   fuzz for SECONDS (default 180)
#   scripts/fuzz.sh build                             only build .build/fuzz/spawnc-fuzz
#
# Builds Fuzz/SpawnFuzz.swift and the compiler modules' sources with swiftc (not SwiftPM) into
# .build/fuzz, seeds a corpus from the examples, the test cases and ../shared/corpus, fuzzes,
# and prints the number of executions reached. Exits non-zero on any crash, property failure,
# timeout, out-of-memory or sanitizer report; the input that caused it is kept in
# .build/fuzz/artifacts/ (or $SPAWNC_FUZZ_ARTIFACTS) and the command that replays it is printed.
# SPAWNC_FUZZ_CORPUS=DIR keeps the inputs found in DIR and starts the next run from them
# (otherwise every run starts from the seeds, so that its time stays bounded: libFuzzer first
# runs every input it is given, however long that takes).
set -eu
cd "$(dirname "$0")/.."

out=.build/fuzz
fuzzer=$out/spawnc-fuzz
# -O for speed, but with assert() kept; -g for readable stack traces.
flags="-O -assert-config Debug -g -sanitize=fuzzer,address -parse-as-library"
# The compiler modules, dependencies first (each imports only modules before it).
modules="SpawnBasics SpawnSyntax SpawnSema SpawnFormat SpawnIR SpawnLowering SpawnNspawn SpawnUnits SpawnBuildScript"

build() {
  # libFuzzer and the sanitizer runtimes come with the Swift toolchain (compiler-rt), not Debian.
  toolchain=$(dirname "$(command -v swiftc)")/..
  if ! ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer-"$(uname -m)".a >/dev/null 2>&1; then
    echo "fuzz: this Swift toolchain has no libFuzzer runtime (lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a)" >&2
    exit 2
  fi
  mkdir -p "$out/modules"
  # A different compiler or different flags rebuild everything.
  stamp="$(swiftc --version 2>&1) $flags"
  if [ "$(cat "$out/modules/stamp" 2>/dev/null || true)" != "$stamp" ]; then
    rm -f "$out"/modules/*
    printf '%s\n' "$stamp" >"$out/modules/stamp"
  fi
  # A module is rebuilt when one of its sources is newer than its object; then every module
  # after it is too (simpler than tracking the exact graph, and it is only nine modules).
  stale=
  for module in $modules; do
    object=$out/modules/$module.o
    if [ -z "$stale" ] && [ -f "$object" ] && [ -z "$(find "Sources/$module" -name '*.swift' -newer "$object")" ]; then
      continue
    fi
    stale=yes
    echo "fuzz: compiling $module" >&2
    # shellcheck disable=SC2086  # one word per flag
    swiftc $flags -wmo -module-name "$module" -I "$out/modules" \
      -emit-module -emit-module-path "$out/modules/$module.swiftmodule" \
      -c "Sources/$module"/*.swift -o "$object.partial"
    mv "$object.partial" "$object"
  done
  if [ -n "$stale" ] || [ ! -f "$fuzzer" ] || [ -n "$(find Fuzz -name '*.swift' -newer "$fuzzer")" ]; then
    echo "fuzz: linking $fuzzer" >&2
    objects=
    for module in $modules; do objects="$objects $out/modules/$module.o"; done
    # shellcheck disable=SC2086  # one word per flag and per object
    swiftc $flags -use-ld=lld -I "$out/modules" Fuzz/SpawnFuzz.swift $objects -o "$fuzzer"
  fi
}

if [ "${1:-}" = build ]; then
  build
  exit 0
fi
seconds=${1:-180}
if [ $# -gt 0 ]; then shift; fi
build

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT INT TERM
corpus=${SPAWNC_FUZZ_CORPUS:-$scratch/corpus}
artifacts=${SPAWNC_FUZZ_ARTIFACTS:-$out/artifacts}
mkdir -p "$corpus" "$artifacts"

# Seeds: every recipe the project and the shared corpus hold (copies, named by path).
mkdir "$scratch/seeds"
shared=../shared/corpus
{
  ls examples/*/Spawnfile Tests/Cases/*/input/Spawnfile Tests/Goldens/formats/input/Spawnfile
  ls Tests/Goldens/format/*/input Tests/Goldens/format/*/output
  if [ -d "$shared" ]; then
    ls "$shared"/dockerfiles/*.Dockerfile
    find "$shared"/buildkit* -type f -name Dockerfile
    find "$shared"/buildkit*/shell -type f
  fi
} 2>/dev/null | while IFS= read -r seed; do
  cp "$seed" "$scratch/seeds/$(printf '%s' "$seed" | tr '/' '_')"
done
echo "fuzz: $(find "$scratch/seeds" -type f | wc -l) seed files, $(find "$corpus" -type f | wc -l) inputs in $corpus" >&2

# libFuzzer writes new inputs into the first directory; its output goes to the log (whole) and
# the terminal (without a line per new input). -timeout: one input taking 10 s is a hang.
# -max_len: long enough for real recipes, short enough that the run explores structure rather
# than size (huge inputs have their own tests).
log=$out/last-run.log
echo "fuzz: fuzzing for $seconds s (the whole output goes to $log)" >&2
# Swift's own crash backtracer reads memory that AddressSanitizer guards and then reports itself
# as a second, misleading error; libFuzzer prints a symbolicated stack trace anyway.
SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
export SWIFT_BACKTRACE
{
  status=0
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -dict=Fuzz/spawnfile.dict -artifact_prefix="$artifacts/" "$@" "$corpus" "$scratch/seeds" 2>&1 || status=$?
  echo "$status" >"$scratch/status"
} | tee "$log" | sed -e '/^#[0-9]*[[:space:]]*NEW /d' -e '/^#[0-9]*[[:space:]]*REDUCE /d' -e '/^[[:space:]]NEW_FUNC/d'
status=$(cat "$scratch/status")

elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
# With -fork=N there are no final stats: take the parent's last count (`#N: cov: ...`).
if [ -z "$executions" ]; then
  executions=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
  elapsed=$(sed -n 's/^INFO: exiting: .* time: \([0-9]*\)s$/\1/p' "$log" | tail -n 1)
fi
if [ -n "$executions" ]; then
  rate=
  if [ -n "$elapsed" ] && [ "$elapsed" -gt 0 ]; then rate=" ($((executions / elapsed)) per second)"; fi
  echo "fuzz: $executions executions${elapsed:+ in $elapsed s}$rate; corpus: $(find "$corpus" -type f | wc -l) inputs"
fi

if [ "$status" != 0 ] || grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)' "$log"; then
  echo "fuzz: FAILED (libFuzzer exit status $status); see the report above" >&2
  saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
  for input in $saved; do
    echo "fuzz: the input is kept in $input; replay it with:" >&2
    echo "  scripts/fuzz.sh build && $fuzzer $input" >&2
  done
  exit 1
fi
