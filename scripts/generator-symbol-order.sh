#!/bin/sh
# Writes Sources/spawnc-generator/hot-symbols.txt, the order in which the linker (lld's
# --symbol-ordering-file, set in Package.swift) places the functions that a generator run
# executes: together at the front of the code, so that a run faults in a few dense 64 KB blocks
# of the executable instead of scattered ones (the kernel maps code 16 pages per fault; a
# one-recipe run went from 76 code faults to 28). docs/generator.md, "Speed", has the numbers.
#
# The functions are those executed, counted by `valgrind --tool=callgrind`, by the static release
# generator on one recipe and on 100 (with and without socket activation, on one thread), in
# order of first appearance. Two corrections:
# - glibc picks string functions (memcpy, strlen, ...) by processor at start; under valgrind it
#   picks others than natively, so the native picks, read from the running program with gdb, are
#   listed for each family valgrind saw used.
# - The standard library's compiled code is one 1.6 MB section of libswiftCore.a that the linker
#   cannot split; its functions are listed last, so that the section comes after the dense part.
#
# Stale entries only cost speed (the linker skips names it does not find): rerun after changes
# to the generator's path. Needs root or sudo to install valgrind and gdb when missing.
# (The order needs objects built with -function-sections, which Package.swift sets. The Swift
# frontend keeps an existing object whose LLVM IR is unchanged, so a build directory made before
# a code-generation-only flag changed keeps objects without it: remove it to rebuild.)
# Usage: scripts/generator-symbol-order.sh
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh valgrind gdb

swift build -c release --product spawnc-generator --scratch-path .build-static -Xswiftc -static-executable >/dev/null
generator=.build-static/release/spawnc-generator
work=$(mktemp -d /tmp/spawnc-symbol-order.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Recipes like the benchmark's, plus socket activation (its .socket unit).
digest=sha256:$(printf '%064d' 0 | tr 0 d)
for n in 1 100; do
  i=0
  while [ "$i" -lt "$n" ]; do
    mkdir -p "$work/recipes-$n/app$i"
    activation=
    if [ $((i % 2)) = 1 ]; then activation="--activation=socket "; fi
    cat >"$work/recipes-$n/app$i/Spawnfile" <<EOF
FROM app@$digest
ENV GREETING="hello $i" MODE=production
VOLUME /srv/data
EXPOSE $activation$((10000 + i))
CMD ["/app", "--serve"]
EOF
    i=$((i + 1))
  done
done

# valgrind 3.19 cannot read the executable's debug information; it needs only the symbols.
objcopy --strip-debug "$generator" "$work/generator"
for n in 1 100; do
  SPAWNC_GENERATOR_THREADS=1 SPAWNC_RECIPE_DIRS="$work/recipes-$n" valgrind -q --tool=callgrind --demangle=no \
    --callgrind-out-file="$work/callgrind-$n.out" "$work/generator" --no-kmsg "$work/out-$n"
done

# The string functions glibc picked natively: the targets of the IRELATIVE relocations.
readelf -rW "$generator" | awk '$3 == "R_X86_64_IRELATIVE" { print $1 }' >"$work/irelative"
{
  echo "set pagination off"
  echo "break main"
  echo "run --dry-run"
  while read -r slot; do echo "info symbol *(void **)0x$slot"; done <"$work/irelative"
  echo "kill"
} >"$work/gdb-commands"
SPAWNC_RECIPE_DIRS="$work/recipes-1" gdb -q -batch -x "$work/gdb-commands" "$generator" 2>/dev/null |
  sed -n 's/^\([A-Za-z0-9_.]*\) in section .*/\1/p' >"$work/native-picks"

# The standard library's one big code section: the symbols defined in Swift.o's .text.
swift_static=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")/lib/swift_static/linux
(cd "$work" && ar x "$swift_static/libswiftCore.a" Swift.o)
text_index=$(readelf -SW "$work/Swift.o" | sed -n 's/^ *\[ *\([0-9]*\)\] \.text .*/\1/p')
readelf -sW "$work/Swift.o" | awk -v index_="$text_index" '$7 == index_ { print $8 }' >"$work/library-blob"

python3 - "$work" <<'EOF' >Sources/spawnc-generator/hot-symbols.txt
import re, sys
work = sys.argv[1]
names = []
for run in ("1", "100"):
    defined = {}
    for line in open(f"{work}/callgrind-{run}.out", errors="replace"):
        match = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not match:
            continue
        kind, number, name = match.groups()
        if name:
            defined[number] = re.sub(r"'\d+$", "", name)
        if kind == "fn" and number in defined:
            names.append(defined[number])
names = [n for n in dict.fromkeys(names) if n != "(below main)" and not n.startswith("0x")]

def family(name):
    match = re.match(r"^_*([a-z0-9]+?)_(sse2|sse42|ssse3|avx|avx2|evex|avx512)", name)
    if not match:
        return None
    base = match.group(1)
    return "memmove" if base in ("memcpy", "mempcpy", "memmove") else base

used = {family(n) for n in names} - {None}
picks = [p for p in open(f"{work}/native-picks").read().split() if family(p) in used]
blob = set(open(f"{work}/library-blob").read().split())
ordered = list(dict.fromkeys(picks + [n for n in names if family(n) is None]))
front = [n for n in ordered if n not in blob]
back = [n for n in ordered if n in blob]
print("# Generated by scripts/generator-symbol-order.sh: the functions a spawnc-generator run")
print("# executes, for lld's --symbol-ordering-file (Package.swift). Regenerate, do not edit.")
print("\n".join(front + back))
EOF
echo "symbol order: $(grep -vc '^#' Sources/spawnc-generator/hot-symbols.txt) functions in Sources/spawnc-generator/hot-symbols.txt"
# The file is no input SwiftPM tracks: remove the linked generators so that builds link again.
find . -maxdepth 1 -name '.build*' -exec find {} -type f -name spawnc-generator -delete \;
