"""spawnc check beside hadolint on the same files, one process per file.

Usage: python3 bench/compare_corpus.py SPAWNC HADOLINT FILE...

For each file, hyperfine times `spawnc check FILE` (20 runs) and `hadolint FILE` (5 runs) as
whole processes; the table shows each file's median for both and the ratio, and the summary
the median over files of each tool's per-file median. Asserts nothing.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile


def median_ms(command, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(["hyperfine", "-N", "-i", "--warmup", "2", "--runs", str(runs), "--export-json", export.name,
                        command], check=True, capture_output=True)
        return json.load(open(export.name))["results"][0]["median"] * 1000


def hadolint_parses(hadolint, path):
    """False when hadolint stops at a parse error (DL1000): it then skips all its rules, so its
    time on that file is not comparable."""
    result = subprocess.run([hadolint, "--no-fail", "--format", "json", path], capture_output=True, text=True)
    try:
        return not any(item.get("code") == "DL1000" for item in json.loads(result.stdout or "[]"))
    except json.JSONDecodeError:
        return False


def summary(label, rows):
    if not rows:
        return
    ours = statistics.median(row[2] for row in rows)
    theirs = statistics.median(row[3] for row in rows)
    least = min(row[3] / row[2] for row in rows)
    print(f"{label} ({len(rows)} files): median per file spawnc {ours:.2f} ms, hadolint {theirs:.2f} ms, "
          f"{theirs / ours:.1f}x faster (least gain on one file {least:.1f}x)")


def main():
    spawnc, hadolint, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    rows = []
    for path in files:
        lines = sum(1 for _ in open(path, encoding="utf-8", errors="replace"))
        ours = median_ms(f"{spawnc} check --no-config {path}", 20)
        theirs = median_ms(f"{hadolint} --no-color --no-fail {path}", 5)
        rows.append((os.path.basename(path), lines, ours, theirs, hadolint_parses(hadolint, path)))
    width = max(len(row[0]) for row in rows)
    print(f"{'file':<{width}} {'lines':>6} {'spawnc ms':>10} {'hadolint ms':>12} {'ratio':>7}")
    for name, lines, ours, theirs, parses in rows:
        note = "" if parses else "  (hadolint: parse error, no rules run)"
        print(f"{name:<{width}} {lines:>6} {ours:>10.2f} {theirs:>12.2f} {theirs / ours:>6.1f}x{note}")
    summary("all files", rows)
    summary("files hadolint parses", [row for row in rows if row[4]])


if __name__ == "__main__":
    main()
