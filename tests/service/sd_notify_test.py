#!/usr/bin/env python3
"""borned under a service manager's eyes (docs/install.md): the test owns the
NOTIFY_SOCKET datagram socket systemd would own and checks the sd_notify(3)
protocol borned speaks on it, and the journal priority prefixes on stderr.

- READY=1 comes once the HTTP server answers (the test asks the port right
  when READY=1 arrives), with a STATUS= line naming the port;
- WATCHDOG=1 keeps coming at about half of WATCHDOG_USEC, from the loop: when
  the process is stopped (SIGSTOP, a "stuck loop") none comes;
- a reset (same process re-executed) is RELOADING=1 then READY=1;
- on SIGTERM STOPPING=1 comes and borned exits 0;
- with JOURNAL_STREAM naming its stderr, log lines start with "<N>".

Usage: sd_notify_test.py BORNED [BORNED-ARGS...]   (the packaging test passes the packaged
borned and its default configuration: --config ROOT/etc/borne/borne.conf)
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

borned = sys.argv[1]
extra_args = sys.argv[2:]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory(prefix="borne-notify-") as tmp:
    sock_path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    # stderr goes to a pipe the test reads; JOURNAL_STREAM names that pipe
    # (device:inode), as systemd does for a unit with StandardError=journal.
    rfd, wfd = os.pipe()
    st = os.fstat(wfd)
    watchdog_usec = 400_000
    env = dict(os.environ, NOTIFY_SOCKET=sock_path, WATCHDOG_USEC=str(watchdog_usec),
               JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([borned, *extra_args, "--sim", "--data-dir", data, "--http", "127.0.0.1:0"],
                            env=env, stdout=subprocess.DEVNULL, stderr=wfd)
    os.close(wfd)
    stderr_r = os.fdopen(rfd, "r", errors="replace")

    def recv(timeout):
        sock.settimeout(timeout)
        try:
            return sock.recv(4096).decode()
        except socket.timeout:
            return None

    try:
        # 1. READY=1, and the port answers at that moment.
        msg = recv(60)
        check(msg is not None and "READY=1" in msg.split("\n"), f"READY=1 arrives first ({msg!r})")
        m = re.search(r"STATUS=.*\(port (\d+)\)", msg or "")
        check(m is not None, "STATUS= names the HTTP port")
        if m:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/", timeout=5) as r:
                    answered = r.status < 500
            except urllib.error.HTTPError as e:
                answered = e.code < 500  # 401/404 are answers too
            except OSError:
                answered = False
            check(answered, "the HTTP port answers when READY=1 arrives")

        # 2. WATCHDOG=1 keeps arriving, at about half of WATCHDOG_USEC.
        t0 = time.monotonic()
        pings = 0
        while pings < 4:
            msg = recv(5)
            if msg is None:
                break
            if msg == "WATCHDOG=1":
                pings += 1
        elapsed = time.monotonic() - t0
        check(pings == 4, f"WATCHDOG=1 keeps arriving ({pings} of 4)")
        check(elapsed < 4 * watchdog_usec / 1e6, f"4 pings within 4 x {watchdog_usec/2e6}s + slack ({elapsed:.2f}s)")

        # 3. A stopped process (the loop stuck) feeds nothing: systemd would kill it.
        os.kill(proc.pid, signal.SIGSTOP)
        while recv(0.05) is not None:  # drain what was already sent
            pass
        check(recv(2 * watchdog_usec / 1e6) is None, "no WATCHDOG=1 while the loop does not run")
        os.kill(proc.pid, signal.SIGCONT)
        check(recv(5) == "WATCHDOG=1", "WATCHDOG=1 again once the loop runs")

        # 4. A soft reset (POST /api/v1/reset): borned re-executes itself, same PID, so to
        # systemd a reload: RELOADING=1, then READY=1 from the new image.
        token = open(os.path.join(data, "api-token")).read().strip()
        req = urllib.request.Request(f"http://127.0.0.1:{m.group(1)}/api/v1/reset",
                                     data=b'{"type": "soft"}', method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            check(r.status == 200, f"reset accepted ({r.status})")
        states = []
        while not any("READY=1" in x.split("\n") for x in states):
            msg = recv(30)
            if msg is None:
                break
            if msg != "WATCHDOG=1":
                states.append(msg)
        check(len(states) >= 2 and "RELOADING=1" in states[0].split("\n"),
              f"RELOADING=1 on reset ({states[:1]!r})")
        check(any("READY=1" in x.split("\n") for x in states[1:]), "READY=1 again after the reset")
        check(proc.poll() is None, "same process after the reset")

        # 5. SIGTERM: STOPPING=1, exit 0.
        proc.send_signal(signal.SIGTERM)
        stopping = False
        while True:
            msg = recv(30)
            if msg is None:
                break
            if "STOPPING=1" in msg.split("\n"):
                stopping = True
                break
        check(stopping, "STOPPING=1 on SIGTERM")
        rc = proc.wait(timeout=60)
        check(rc == 0, f"borned exits 0 after SIGTERM ({rc})")

        # 6. Journal priorities on stderr.
        lines = stderr_r.read().splitlines()
        logged = [l for l in lines if re.match(r"<[0-7]>", l)]
        check(any(l.startswith("<6>") for l in logged), "info lines carry <6>")
        check(not any(re.match(r"\d{4}-\d\d-\d\dT", l) for l in lines),
              "no timestamps when the journal keeps them")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
