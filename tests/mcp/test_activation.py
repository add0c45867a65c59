"""Socket activation of `fastintercom serve`, as systemd does it.

1. `systemd-socket-activate -l 127.0.0.1:PORT` and `-l /path.sock` (TCP and Unix), and both at once as the
   packaged fastintercom-mcp.socket passes them: the first request on each socket is served, READY=1 and STATUS= arrive on our NOTIFY_SOCKET, and the process exits by itself after
   --idle-exit seconds without requests (exit code 0, STOPPING=1).
2. Re-activation: systemd-socket-activate execs the server, so the socket dies with it. Here a small
   supervisor does what systemd's .socket unit does: it keeps the listening socket, starts the server with
   it (LISTEN_FDS=1, fd 3) when a connection waits, and again after each idle exit. Requests spread across
   several idle boundaries, each on a fresh connection, must all be answered.

Usage: test_activation.py --bin fastintercom --db X.db --work DIR
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import socket
import subprocess
import threading
import time

try:
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

IDLE = 2
CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get_sync_status", "arguments": {}}}
HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mcp_call(url: str, uds: str | None = None) -> dict:
    """One tools/call on a fresh connection."""
    transport = httpx.HTTPTransport(uds=uds) if uds else None
    with httpx.Client(transport=transport, timeout=20) as c:
        r = c.post(url, json=CALL, headers=HEADERS)
    assert r.status_code == 200, (r.status_code, r.text)
    body = r.json()
    assert body["result"]["isError"] is False, body
    return body["result"]["structuredContent"]


class Notify:
    """A NOTIFY_SOCKET: collects sd-notify datagrams."""

    def __init__(self, path: str):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages: list[str] = []

    def drain(self) -> list[str]:
        while True:
            try:
                self.messages.extend(self.sock.recv(4096).decode().splitlines())
            except (TimeoutError, socket.timeout):
                return self.messages


def socket_activate(a, listens: list[str], targets: list[tuple[str, str | None]]) -> None:
    notify = Notify(os.path.join(a.work, "notify.sock"))
    env = ["-E", f"NOTIFY_SOCKET={notify.path}", "-E", "FASTINTERCOM_CONFIG=/nonexistent",
           "-E", "RUST_LOG=info"]
    ls = [arg for listen in listens for arg in ("-l", listen)]
    proc = subprocess.Popen(["systemd-socket-activate", *ls, *env,
                             a.bin, "serve", "--idle-exit", str(IDLE), "--db", a.db],
                            stderr=open(os.path.join(a.work, "activate.log"), "ab"))
    try:
        for url, uds in targets:
            deadline = time.time() + 10
            while True:  # the socket appears once systemd-socket-activate listens
                try:
                    status = mcp_call(url, uds)
                    break
                except (httpx.ConnectError, FileNotFoundError):
                    assert time.time() < deadline, "socket never came up"
                    time.sleep(0.05)
            assert status["rows"][0]["resource"] == "overall", status
        started = time.time()
        code = proc.wait(timeout=IDLE + 8)
        idle_took = time.time() - started
        assert code == 0, f"idle exit code {code}"
        assert IDLE - 0.5 <= idle_took <= IDLE + 10, f"exited after {idle_took:.1f}s, idle-exit is {IDLE}s"
        msgs = notify.drain()
        assert "READY=1" in msgs, msgs
        assert any(m.startswith("STATUS=serving") for m in msgs), msgs
        assert "STOPPING=1" in msgs, msgs
        print(f"ok: {' + '.join(listens)}: served, READY=1 + STATUS= received, idle exit after {idle_took:.1f}s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Supervisor(threading.Thread):
    """What a systemd .socket unit does: hold the socket, start the service when a connection waits."""

    def __init__(self, a, listener: socket.socket):
        super().__init__(daemon=True)
        self.a, self.listener, self.starts, self.codes, self.stop = a, listener, 0, [], False

    def run(self) -> None:
        fd = self.listener.fileno()
        while not self.stop:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            self.starts += 1
            # LISTEN_PID must be the service's own pid: set it in the exec'ing shell.
            proc = subprocess.Popen(
                ["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', "sh", self.a.bin, "serve",
                 "--idle-exit", "1", "--db", self.a.db],
                pass_fds=(fd,), preexec_fn=lambda: os.dup2(fd, 3),
                env={**os.environ, "FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn"})
            self.codes.append(proc.wait())


def reactivation(a) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/mcp"
    sup = Supervisor(a, listener)
    sup.start()
    rnd = random.Random(3)
    answered = 0
    for _ in range(8):
        mcp_call(url)
        answered += 1
        time.sleep(rnd.uniform(0.6, 1.6))  # some gaps end just before, some just after the idle exit
    # Two clients at once right at a boundary, too.
    threads = [threading.Thread(target=mcp_call, args=(url,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sup.stop = True
    sup.join(timeout=10)
    assert sup.starts >= 2, f"expected re-activation, saw {sup.starts} activation(s)"
    assert all(c == 0 for c in sup.codes), sup.codes
    print(f"ok: re-activation: {answered + 4} requests answered across {sup.starts} activations, none dropped")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    port = free_port()
    tcp = (f"http://127.0.0.1:{port}/mcp", None)
    socket_activate(a, [f"127.0.0.1:{port}"], [tcp])
    sock = os.path.join(a.work, "mcp.sock")
    unix = ("http://localhost/mcp", sock)
    socket_activate(a, [sock], [unix])
    port = free_port()
    tcp = (f"http://127.0.0.1:{port}/mcp", None)
    socket_activate(a, [f"127.0.0.1:{port}", sock], [tcp, unix])
    reactivation(a)
    print("all socket-activation checks passed")


if __name__ == "__main__":
    main()
