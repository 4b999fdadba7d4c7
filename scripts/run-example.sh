#!/bin/sh
# Installs what is missing, builds spawnc, compiles an example (default: web-socket) into out/NAME
# and checks the result with systemd's own validator and shellcheck.
set -eu
cd "$(dirname "$0")/.."
example=${1:-web-socket}
scripts/setup.sh
swift build
rm -rf "out/$example"
.build/debug/spawnc compile "examples/$example/Spawnfile" -o "out/$example"
echo "--- out/$example:"
ls -l "out/$example"
for file in "out/$example"/*.service; do
  echo "--- $file"
  cat "$file"
done
units=$(find "out/$example" -name '*.service' -o -name '*.socket' | sort)
# shellcheck disable=SC2086  # one word per unit file
systemd-analyze verify $units
shellcheck "out/$example/build-$example.sh"
echo "--- systemd-analyze verify and shellcheck: clean"
