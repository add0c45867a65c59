"""Per-call latency of `fastintercom proxy` in each branch of its cache-or-REST decision, as an assistant sees
it: the official Python MCP SDK over stdio, one long-lived session per branch (one warm-up call first, so the
REST path's admin/team/tag names are known, as in a real session).

The workspace is synced once from a simulator without latency (covering the last 30 days); the proxies' REST
calls go to a simulator of the same workspace with Intercom-like latency, 150-300 ms per request, or to
nothing (Intercom down), or to a simulator whose rate limit has been spent by someone else.

Usage: benches/proxy.sh (builds nothing: uses $FASTINTERCOM_BIN, default target/debug/fastintercom).
Prints a Markdown table: p50 and p90 per question and branch, and the p50 of the same question answered
live (stale cache -> REST) divided by this row's p50. A `serve --stdio` row gives the cache's cost without
the decision.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time

try:
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

from mcp import Client
from mcp.client.stdio import StdioServerParameters

TOKEN = "bench-token"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_sim(a, port: int, *extra: str) -> subprocess.Popen:
    p = subprocess.Popen([a.bin, "simulate", "--listen", f"127.0.0.1:{port}", "--conversations",
                          str(a.conversations), "--seed", "3", "--token", TOKEN, *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return p
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("simulator did not start")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


QUESTIONS = {
    "search 7d window, 20 results": ("search_conversations", {"since": "7d", "limit": 20}),
    "get_conversation (with parts)": ("get_conversation", None),
    "stats by state, 7d window": ("conversation_stats", {"since": "7d", "group_by": "state"}),
}


async def branch(a, label: str, db: str, api: str | None, token: str | None, n: int, conv_id: str,
                 before=None, window: str | None = None, want: str = "cache", serve: bool = False) -> list[tuple]:
    env = {"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "error", "PATH": os.environ["PATH"]}
    if api:
        env["FASTINTERCOM_API_BASE"] = api
    if token:
        env["INTERCOM_ACCESS_TOKEN"] = token
    args = ["serve", "--stdio", "--db", db] if serve else ["proxy", "--db", db, "--rest-timeout", "5"]
    params = StdioServerParameters(command=a.bin, args=args, env=env)
    rows = []
    async with Client(params) as c:
        for q, (tool, args) in QUESTIONS.items():
            if window and tool == "get_conversation":
                continue  # a lookup by id has no window
            if tool == "get_conversation":
                args = {"conversation_id": conv_id}
            elif window:
                args = {**args, "since": window}
            await c.call_tool(tool, args)  # warm-up
            if before:
                before()
            times, sources = [], set()
            for _ in range(n):
                t = time.perf_counter()
                r = await c.call_tool(tool, args)
                times.append((time.perf_counter() - t) * 1000)
                assert not r.is_error, r.content
                f = r.structured_content["freshness"]
                sources.add((f["source"], f["stale"]))
            src = ", ".join(f"{s}{' (stale)' if st else ''}" for s, st in sorted(sources))
            assert all(s == want for s, _ in sources), (label, q, sources)
            name = q.replace("7d", window) if window else q
            rows.append((q, name, label, src, n, statistics.median(times), pct(times, 0.9)))
    return rows


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("FASTINTERCOM_BIN", "target/debug/fastintercom"))
    ap.add_argument("--conversations", type=int, default=int(os.environ.get("BENCH_CONVERSATIONS", "2000")))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="proxy-bench-")
    ports = [free_port() for _ in range(3)]
    sims = [start_sim(a, ports[0]), start_sim(a, ports[1], "--latency-ms", "150-300"),
            start_sim(a, ports[2], "--rate-limit", "1")]
    try:
        fresh = os.path.join(work, "fresh.db")
        env = {**os.environ, "FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "error",
               "FASTINTERCOM_API_BASE": f"http://127.0.0.1:{ports[0]}", "INTERCOM_ACCESS_TOKEN": TOKEN}
        subprocess.run([a.bin, "sync", "--once", "--since", "30d", "--db", fresh], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        stale = os.path.join(work, "stale.db")
        src, dst = sqlite3.connect(fresh), sqlite3.connect(stale)
        src.backup(dst)
        ago = int(time.time()) - 7200
        dst.execute("UPDATE sync_metadata SET last_success = ?, last_attempt_end = ?", (ago, ago))
        dst.commit()
        conv_id = str(dst.execute("SELECT id FROM conversations ORDER BY updated_at DESC LIMIT 1").fetchone()[0])
        dst.close()
        src.close()
        slow = f"http://127.0.0.1:{ports[1]}"
        dead = f"http://127.0.0.1:{free_port()}"
        limited = f"http://127.0.0.1:{ports[2]}"

        def spend():
            h = httpx.Client(base_url=limited, headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
            while time.time() % 10 > 1:  # at the start of a window: it lasts the whole run
                time.sleep(0.05)
            while h.get("/admins").status_code != 429:
                pass

        rows = []
        rows += await branch(a, "serve --stdio (no decision)", fresh, None, None, 100, conv_id, serve=True)
        rows += await branch(a, "fresh cache", fresh, slow, TOKEN, 100, conv_id)
        rows += await branch(a, "stale cache -> REST", stale, slow, TOKEN, 10, conv_id, want="rest")
        rows += await branch(a, "window before coverage -> REST", fresh, slow, TOKEN, 10, conv_id,
                             window="60d", want="rest")
        rows += await branch(a, "Intercom down -> stale cache", stale, dead, TOKEN, 50, conv_id)
        rows += await branch(a, "rate limit spent -> stale cache", stale, limited, TOKEN, 50, conv_id, before=spend)
        rows += await branch(a, "no token, stale -> cache", stale, None, None, 50, conv_id)
    finally:
        for s in sims:
            s.terminate()
            s.wait()
        subprocess.run(["rm", "-rf", work])
    rest = {q: p50 for q, _name, label, *_r, p50, _p90 in rows if label == "stale cache -> REST"}
    print(f"{'question':<31} | {'branch':<31} | {'source':<14} | {'n':>3} | {'p50 ms':>8} | {'p90 ms':>8} | REST p50 / this")
    print(f"{'-' * 31}-|-{'-' * 31}-|-{'-' * 14}-|-----|----------|----------|----------------")
    for q, name, label, src, n, p50, p90 in rows:
        ratio = rest[q] / p50 if p50 else float("nan")
        print(f"{name:<31} | {label:<31} | {src:<14} | {n:>3} | {p50:>8.2f} | {p90:>8.2f} | {ratio:>14.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
