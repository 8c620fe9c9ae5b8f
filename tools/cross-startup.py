#!/usr/bin/env python3
"""borned --sim start time to its ready line, for docs/performance.md's per-architecture
figures (docs/cross.md): tools/cross-startup.py BORNED ["EMULATOR ARGS"] [RUNS].
Each run execs borned (under EMULATOR, e.g. qemu-aarch64-static or "qemu-arm-static -L SYSROOT", when given) on a free port
and times, from just before the exec, the log line `station: station ... ready:` (database open,
HTTP listening, hardware started). First start: a fresh data directory (keys generated,
schema created); restart: the same directory again. Prints the medians and the extremes."""
import os, selectors, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start(cmd, data):
    argv = cmd + ["--sim", "--data-dir", data, "--http", f"127.0.0.1:{free_port()}"]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        sel = selectors.DefaultSelector()
        sel.register(p.stderr, selectors.EVENT_READ)
        while True:
            if not sel.select(timeout=60):
                raise SystemExit("no ready line within 60 s")
            line = p.stderr.readline()
            if not line:
                raise SystemExit(f"borned exited ({p.wait()}) before it was ready")
            if "station: station" in line and " ready:" in line:
                return (time.monotonic() - t0) * 1000
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)

def main():
    borned = os.path.abspath(sys.argv[1])
    cmd = (sys.argv[2].split() if len(sys.argv) > 2 else []) + [borned]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    first, again = [], []
    for _ in range(runs):
        data = tempfile.mkdtemp(prefix="borne-start-")
        try:
            first.append(start(cmd, data))
            again.append(start(cmd, data))
        finally:
            shutil.rmtree(data)
    for name, v in (("first start", first), ("restart", again)):
        print(f"{' '.join(cmd)}: {name} to ready: median "
              f"{statistics.median(v):.0f} ms, min {min(v):.0f}, max {max(v):.0f} ({runs} runs)")

main()
