#!/bin/sh
# Installs what is missing, builds spawnc and runs the whole test suite.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build
swift test "$@"
