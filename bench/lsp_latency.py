"""How long `spawnc lsp` takes from a change to the diagnostics of that change.

Usage: python3 bench/lsp_latency.py SPAWNC RECIPE [CHANGES]

Opens RECIPE, then makes CHANGES (default 50) small incremental edits in the middle of it, one
at a time, and measures the wall time from writing each didChange to reading the
publishDiagnostics of that version. Prints the median, the 95th percentile and the maximum.
Raw JSON-RPC over pipes, so the client adds no latency of its own.
"""
import json
import statistics
import subprocess
import sys
import time


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream):
    length = None
    while True:
        line = stream.readline()
        if not line:
            raise EOFError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))


def main():
    spawnc, recipe = sys.argv[1], sys.argv[2]
    changes = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    text = open(recipe, encoding="utf-8").read()
    lines = text.count("\n")
    uri = "file://" + recipe
    server = subprocess.Popen([spawnc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(message):
        server.stdin.write(frame(message))
        server.stdin.flush()

    def wait_for(predicate):
        while True:
            message = read_message(server.stdout)
            if predicate(message):
                return message

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
    wait_for(lambda m: m.get("id") == 1)
    send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "spawnfile", "version": 1, "text": text}}})
    wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics")

    timings = []
    line = lines // 2
    for version in range(2, changes + 2):
        # Type one character at the start of a middle line, then take it back next time.
        insert = version % 2 == 0
        change = {"range": {"start": {"line": line, "character": 0},
                            "end": {"line": line, "character": 0 if insert else 1}},
                  "text": "#" if insert else ""}
        start = time.perf_counter()
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}})
        wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                 and m["params"].get("version") == version)
        timings.append((time.perf_counter() - start) * 1000)

    send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
    wait_for(lambda m: m.get("id") == 2)
    send({"jsonrpc": "2.0", "method": "exit"})
    server.wait(timeout=10)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{'spawnc lsp: change to diagnostics, ' + str(lines) + ' lines':<42} median {statistics.median(timings):10.2f} ms"
          f"   p95 {p95:10.2f} ms   max {timings[-1]:10.2f} ms")


if __name__ == "__main__":
    main()
