#!/bin/sh
# Installs what is missing, builds spawnc, runs the whole test suite (`swift test`, then the
# fuzzer for $SPAWNC_FUZZ_SECONDS, default 180, with scripts/fuzz.sh, then the Python tests of
# scripts/python-tests.sh), then (as root) the end-to-end scenarios on a booted systemd
# (scripts/e2e.sh, then generator mode in scripts/e2e-generator.sh). Arguments go to `swift
# test`; SPAWNC_SKIP_FUZZ=1 leaves the fuzzing out, SPAWNC_SKIP_E2E=1 the end-to-end runs.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build
swift test "$@"
if [ -z "${SPAWNC_SKIP_FUZZ:-}" ]; then scripts/fuzz.sh "${SPAWNC_FUZZ_SECONDS:-180}"; fi
scripts/python-tests.sh
if [ -z "${SPAWNC_SKIP_E2E:-}" ]; then
  scripts/e2e.sh
  scripts/e2e-generator.sh
fi
