#!/bin/sh
# Runs the Python tests (Tests/python: the language server driven by a real LSP client, SARIF
# validated against its schema) in a virtual environment at .build/python, made with Debian's
# python3 and the pinned packages of Tests/python/requirements.txt from PyPI. Arguments go to
# pytest. `swift build` must have run (the tests use .build/debug/spawnc).
set -eu
cd "$(dirname "$0")/.."
venv=.build/python
requirements=Tests/python/requirements.txt
stamp=$venv/requirements.sha256
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/pytest" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" >"$stamp"
fi
exec "$venv/bin/pytest" -q Tests/python "$@"
