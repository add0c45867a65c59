"""`fastintercom proxy` driven by the official Python MCP SDK over stdio, one branch of the cache-or-REST
decision at a time, against real simulators:

- fresh cache, window inside coverage: the cache answers (`source: cache`, reason "fresh ...");
- stale cache (last sync 2 h ago): Intercom's REST API answers (`source: rest`, "cache too old"), a per-call
  `max_staleness` turns it back to the cache;
- window before the cache's coverage: REST answers ("window starts"), with the notes REST needs (text search
  over opening messages only, counts by reading every conversation);
- Intercom down (nothing listening) or hanging (answers after 4 s): the cached answer, marked stale ("REST
  failed"), within the REST time bound, and at once for the calls right after;
- no token: the cache answers and every answer says live answers are unavailable and why;
- rate limit spent (by someone else using the token): the cached answer, marked stale, at once;
- tools without a REST twin answer from the cache and say so;
- the ticket tools: the cache when fresh, REST when too old (same answers), the inbox number from the cache.

Also: the tools, input and output schemas are `serve`'s; every answer validates against its outputSchema;
the token never appears in an answer or in the proxy's log.

Usage: test_proxy.py --bin fastintercom --db X.db --db30 Y.db --sim-url URL --limited-url URL --slow-url URL
    --token T
Run by tests/e2e/23-mcp-proxy.sh. Plain asserts; exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time

try:  # mcp 2.x ships its HTTP client as httpx2; 1.x uses httpx
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

import jsonschema
from mcp import Client
from mcp.client.stdio import StdioServerParameters


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Proxy:
    """One `fastintercom proxy` over stdio, its stderr kept in a log file."""

    def __init__(self, a, db: str, api: str | None, token: str | None, *extra: str):
        self.env = {"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "info", "PATH": os.environ["PATH"]}
        if api:
            self.env["FASTINTERCOM_API_BASE"] = api
        if token:
            self.env["INTERCOM_ACCESS_TOKEN"] = token
        self.args = [a.bin, db, " ".join(extra)]
        self.token = a.token
        self.schemas: dict[str, dict] = {}

    async def __aenter__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="proxy-", suffix=".log", delete=False).name
        binary, db, extra = self.args
        cmd = f'exec "$0" proxy --db "$1" {extra} 2>>"$2"'
        params = StdioServerParameters(command="sh", args=["-c", cmd, binary, db, self.log], env=self.env)
        self.cm = Client(params)
        self.client = await self.cm.__aenter__()
        for t in (await self.client.list_tools()).tools:
            self.schemas[t.name] = t.output_schema
        return self

    async def __aexit__(self, *exc):
        await self.cm.__aexit__(*exc)
        with open(self.log) as f:
            log = f.read()
        os.unlink(self.log)
        assert self.token not in log, "the token appears in the proxy's log"

    async def call(self, name: str, args: dict | None = None) -> tuple[dict, float]:
        start = time.monotonic()
        r = await self.client.call_tool(name, args or {})
        took = time.monotonic() - start
        text = " ".join(getattr(c, "text", "") for c in r.content)
        assert self.token not in text, f"{name}: the token appears in an answer"
        assert not r.is_error, f"{name} {args}: tool error: {text[:500]}"
        sc = r.structured_content
        errors = list(jsonschema.Draft202012Validator(self.schemas[name]).iter_errors(sc))
        assert not errors, f"{name}: answer does not match outputSchema: {errors[0].message}"
        return sc, took

    async def error(self, name: str, args: dict) -> str:
        r = await self.client.call_tool(name, args)
        text = " ".join(getattr(c, "text", "") for c in r.content)
        assert r.is_error, f"{name} {args}: expected a tool error, got {text[:300]}"
        assert self.token not in text
        return text


def check(answer: dict, source: str, *reason: str, stale: bool | None = None) -> dict:
    f = answer["freshness"]
    assert f["source"] == source, f"source {f['source']!r}, wanted {source!r}: {f} {answer.get('notes')}"
    for r in reason:
        assert r in (f.get("reason") or ""), f"reason {f.get('reason')!r} lacks {r!r}"
    assert f["data_as_of"] and f["data_as_of_utc"] and f["age"], f
    if stale is not None:
        assert f["stale"] is stale, f"stale {f['stale']}, wanted {stale}: {f}"
    return f


def notes(answer: dict) -> str:
    return "\n".join(answer.get("notes", []))


def aged_copy(db: str, hours: float, into: str) -> str:
    """A copy of the database whose last successful sync was `hours` ago."""
    src, con = sqlite3.connect(db), sqlite3.connect(into)
    src.backup(con)  # the WAL's pages too
    src.close()
    ago = int(time.time() - hours * 3600)
    con.execute("UPDATE sync_metadata SET last_success = ?, last_attempt_end = ?, last_attempt_start = ?",
                (ago, ago, ago - 10))
    con.commit()
    con.close()
    return into


async def same_tools_as_serve(a) -> None:
    params = StdioServerParameters(command=a.bin, args=["serve", "--stdio", "--db", a.db30],
                                   env={"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn"})
    async with Client(params) as serve:
        theirs = {t.name: t for t in (await serve.list_tools()).tools}
    async with Proxy(a, a.db30, a.sim_url, a.token) as p:
        ours = {t.name: t for t in (await p.client.list_tools()).tools}
        assert "cache" in (p.client.instructions or "") and "rest" in p.client.instructions
    assert ours.keys() == theirs.keys(), (sorted(ours), sorted(theirs))
    for name, t in ours.items():
        assert t.input_schema == theirs[name].input_schema, f"{name}: input schema differs from serve's"
        assert t.output_schema == theirs[name].output_schema, f"{name}: output schema differs from serve's"


async def fresh_cache(a, conv_id: str) -> None:
    async with Proxy(a, a.db30, a.sim_url, a.token) as p:
        s, _ = await p.call("search_conversations", {"since": "7d", "limit": 5})
        check(s, "cache", "fresh and window inside coverage", stale=False)
        assert s["conversations"], s
        c, _ = await p.call("get_conversation", {"conversation_id": conv_id})
        check(c, "cache", "fresh", stale=False)
        st, _ = await p.call("conversation_stats", {"since": "7d", "group_by": "state"})
        check(st, "cache", "fresh and window inside coverage")
        # No REST twin: the cache, and the reason is the decision's.
        for tool in ("list_admins", "list_teams", "list_tags", "get_sync_status"):
            r, _ = await p.call(tool)
            check(r, "cache", "fresh", stale=False)
        r, _ = await p.call("search_contacts", {"query": "a"})
        check(r, "cache", "fresh")
        r, _ = await p.call("search", {"query": "refund"})
        check(r, "cache", "fresh")
        r, _ = await p.call("fetch", {"id": conv_id})
        check(r, "cache", "fresh")
        assert r["id"] == conv_id and r["text"], r
        # Bad arguments are refused as serve refuses them.
        assert "unknown argument `status`" in await p.error("search_conversations", {"status": "open"})
        assert "inverted window" in await p.error("search_conversations", {"since": "7d", "until": "30d"})
    # A search over all time: a full sync covers it, a 30-day one does not.
    async with Proxy(a, a.db, a.sim_url, a.token) as p:
        s, _ = await p.call("search_conversations", {"limit": 3})
        check(s, "cache", "fresh and window inside coverage")
    async with Proxy(a, a.db30, a.sim_url, a.token) as p:
        s, _ = await p.call("search_conversations", {"limit": 3})
        check(s, "rest", "window starts")
    print("fresh cache: cache answers")


async def stale_cache(a, stale_db: str, conv_id: str) -> None:
    async with Proxy(a, stale_db, a.sim_url, a.token) as p:
        s, _ = await p.call("search_conversations", {"since": "7d", "limit": 5})
        f = check(s, "rest", "cache too old", stale=False)
        assert f["staleness_seconds"] == 0 and f["max_staleness_seconds"] == 3600, f
        assert s["conversations"], s
        c, _ = await p.call("get_conversation", {"conversation_id": conv_id})
        check(c, "rest", "cache too old")
        assert c["id"] == conv_id and c["parts"] is not None
        # Paged like serve's: the same cursor reads on over REST.
        con = sqlite3.connect(a.db30)
        long_id = str(con.execute("SELECT conversation_id FROM conversation_parts GROUP BY conversation_id "
                                  "ORDER BY count(*) DESC LIMIT 1").fetchone()[0])
        con.close()
        first, _ = await p.call("get_conversation", {"conversation_id": long_id, "max_bytes": 4096})
        check(first, "rest")
        assert first["next_cursor"] and first["parts_total"] > len(first["parts"]), (
            first.get("parts_total"), len(first["parts"]))
        nxt, _ = await p.call("get_conversation", {"conversation_id": long_id, "max_bytes": 4096,
                                                   "cursor": first["next_cursor"]})
        check(nxt, "rest")
        assert not {x["id"] for x in nxt["parts"]} & {x["id"] for x in first["parts"]}
        # This caller accepts 3-hour-old data: the cache answers.
        c, _ = await p.call("get_conversation", {"conversation_id": conv_id, "max_staleness": "3h"})
        check(c, "cache", "fresh", stale=False)
        # Without a REST twin the cache answers, stale, and says why.
        r, _ = await p.call("list_admins")
        check(r, "cache", "cache too old", "no live twin", stale=True)
    print("stale cache: REST answers")


async def tickets(a, stale_db: str) -> None:
    """The ticket tools: the cache when fresh (tickets are synced whole: no window sends them to REST),
    REST when too old, with the notes on what REST answers differently; the inbox number from the cache."""
    async with Proxy(a, a.db30, a.sim_url, a.token) as p:
        s, _ = await p.call("search_tickets", {"limit": 5, "since": "3650d"})
        check(s, "cache", "fresh", stale=False)
        assert s["tickets"], s
        first = s["tickets"][0]
        t, _ = await p.call("get_ticket", {"id": first["ticket_id"]})
        check(t, "cache", "fresh")
        assert t["id"] == first["id"], t["id"]
        st, _ = await p.call("ticket_stats", {"group_by": "state"})
        check(st, "cache", "fresh")
        assert "unknown argument `status`" in await p.error("search_tickets", {"status": "open"})
    async with Proxy(a, stale_db, a.sim_url, a.token) as p:
        live, _ = await p.call("search_tickets", {"limit": 10})
        check(live, "rest", "cache too old", stale=False)
        cached, _ = await p.call("search_tickets", {"limit": 10, "max_staleness": "3h"})
        check(cached, "cache", "fresh")
        assert [x["id"] for x in live["tickets"]] == [x["id"] for x in cached["tickets"]], "same tickets"
        for x, y in zip(live["tickets"], cached["tickets"]):
            assert x == y, (x, y)
        t, _ = await p.call("get_ticket", {"id": first["id"], "max_bytes": 4096})
        check(t, "rest", "cache too old")
        c, _ = await p.call("get_ticket", {"id": first["id"], "max_bytes": 4096, "max_staleness": "3h"})
        check(c, "cache")
        assert t["parts"] == c["parts"] and t["parts_total"] == c["parts_total"], t["id"]
        st, _ = await p.call("ticket_stats", {"group_by": "category"})
        check(st, "rest", "cache too old")
        assert "every matching ticket was read" in notes(st), st.get("notes")
        cst, _ = await p.call("ticket_stats", {"group_by": "category", "max_staleness": "3h"})
        assert st["buckets"] == cst["buckets"], (st["buckets"], cst["buckets"])
        word = max(first["title"].split(), key=len)
        w, _ = await p.call("search_tickets", {"query": word, "limit": 5})
        check(w, "rest", "cache too old")
        assert "titles and descriptions only" in notes(w), w.get("notes")
        assert first["id"] in {x["id"] for x in w["tickets"]}, word
        co, _ = await p.call("search_tickets", {"company": "ACME", "limit": 5})
        check(co, "cache", "cache too old", "cannot filter by company", stale=True)
        # Intercom does not take inbox numbers: the cache's answer, said so.
        n, _ = await p.call("get_ticket", {"id": first["ticket_id"]})
        check(n, "cache")
        assert n["id"] == first["id"] and "inbox numbers" in notes(n), notes(n)
        assert "neither in the cache nor in Intercom" in await p.error("get_ticket", {"id": "12345678"})
    print("tickets: cache when fresh, REST when too old")
async def companies_and_articles(a, stale_db: str) -> None:
    """The company and article tools: the cache when fresh, their REST twins when it is too old, and the
    cache (stale, with the reason) for what REST cannot ask."""
    con = sqlite3.connect(a.db30)
    co_id, co_name = con.execute("SELECT id, name FROM companies WHERE user_count > 0 "
                                 "ORDER BY id LIMIT 1").fetchone()
    art_id = con.execute("SELECT id FROM articles ORDER BY updated_at DESC LIMIT 1").fetchone()[0]
    con.close()
    async with Proxy(a, a.db30, a.sim_url, a.token) as p:
        for tool, args in (("get_company", {"company_id": co_id}), ("search_companies", {"name": co_name}),
                           ("search_articles", {"query": "refund"}), ("get_article", {"article_id": art_id})):
            r, _ = await p.call(tool, args)
            check(r, "cache", "fresh", stale=False)
    async with Proxy(a, stale_db, a.sim_url, a.token) as p:
        cached = {}
        c, _ = await p.call("get_company", {"company_id": co_id})
        check(c, "rest", "cache too old", stale=False)
        assert c["company"]["id"] == co_id and c["contacts_total"] >= 1, c["company"]
        c, _ = await p.call("get_company", {"name": co_name, "max_staleness": "3h"})
        check(c, "cache", "fresh")
        cached["company"] = c
        s, _ = await p.call("search_companies", {"name": co_name})
        check(s, "rest", "cache too old")
        assert co_id in [x["id"] for x in s["companies"]] and "exact name" in notes(s), s
        s, _ = await p.call("search_companies", {"plan": "pro"})
        check(s, "cache", "cache too old", "cannot apply `plan`", stale=True)
        h, _ = await p.call("search_articles", {"query": "refund", "state": "published"})
        check(h, "rest", "cache too old")
        assert h["articles"] and all(x["state"] == "published" for x in h["articles"]), h
        assert "article search" in notes(h), h.get("notes")
        g, _ = await p.call("get_article", {"article_id": art_id})
        check(g, "rest", "cache too old")
        g2, _ = await p.call("get_article", {"article_id": art_id, "max_staleness": "3h"})
        check(g2, "cache")
        for k in ("id", "title", "state", "text", "locales", "author"):
            assert g[k] == g2[k], (k, g[k], g2[k])
        assert "neither in the cache nor in Intercom" in await p.error("get_company", {"company_id": "nope"})
        assert "unknown argument `plna`" in await p.error("search_companies", {"plna": "pro"})
    print("companies and articles: cache when fresh, REST twins when stale")


async def before_coverage(a) -> None:
    async with Proxy(a, a.db30, a.sim_url, a.token) as p:
        s, _ = await p.call("search_conversations", {"since": "60d", "query": "refund", "limit": 5})
        check(s, "rest", "window starts", stale=False)
        assert "opening message" in notes(s), s.get("notes")
        assert "relevance" in notes(s), s.get("notes")
        st, _ = await p.call("conversation_stats", {"since": "60d", "group_by": "state"})
        check(st, "rest", "window starts")
        assert "every conversation in the window was read" in notes(st), st.get("notes")
        cached, _ = await p.call("conversation_stats", {"since": "7d", "group_by": "state"})
        check(cached, "cache")
        assert st["total"] >= cached["total"], (st["total"], cached["total"])
        # Assignee and tag filters go to Intercom's search too (a tag by name, "none" for unassigned).
        teams, _ = await p.call("list_teams")
        team = teams["teams"][0]["id"]
        t, _ = await p.call("search_conversations", {"since": "60d", "team_id": team, "limit": 20})
        check(t, "rest", "window starts")
        assert t["conversations"] and all((c["team_assignee"] or {}).get("id") == team
                                          for c in t["conversations"]), t["conversations"][:2]
        t, _ = await p.call("search_conversations", {"since": "60d", "admin_id": "none", "limit": 20})
        check(t, "rest")
        assert all(c["admin_assignee"] is None for c in t["conversations"]), t["conversations"][:2]
        tags, _ = await p.call("list_tags")
        tag = max(tags["tags"], key=lambda x: x["conversation_count"])["name"]
        t, _ = await p.call("search_conversations", {"since": "60d", "tag": tag.upper(), "limit": 20})
        check(t, "rest")
        assert t["conversations"] and all(tag in c["tags"] for c in t["conversations"]), (tag, t["conversations"][:2])
        email = next(c["contact"]["email"] for c in t["conversations"] if (c["contact"] or {}).get("email"))
        t, _ = await p.call("search_conversations", {"since": "60d", "contact_email": email, "limit": 20})
        check(t, "rest")
        assert t["conversations"] and all(c["contact"]["email"] == email for c in t["conversations"]), email
        t, _ = await p.call("search_conversations", {"since": "60d", "waiting": True, "limit": 5})
        check(t, "cache", "window starts", "cannot apply `waiting`", stale=True)
        st, _ = await p.call("conversation_stats", {"since": "60d", "figures": True})
        check(st, "cache", "window starts", "cannot count with `figures`", stale=True)
        # What REST cannot ask: the cache's answer, marked stale, and why.
        t, _ = await p.call("search_conversations", {"since": "60d", "sort": "updated_asc", "limit": 5})
        check(t, "cache", "window starts", "cannot apply `sort` updated_asc", stale=True)
    print("window before coverage: REST answers")


async def intercom_down(a, stale_db: str, conv_id: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with Proxy(a, stale_db, dead, a.token, "--rest-timeout", "2") as p:
        s, took = await p.call("search_conversations", {"since": "7d", "limit": 5})
        check(s, "cache", "cache too old", "REST failed", stale=True)
        assert s["conversations"], s
        assert took < 4, f"took {took:.1f} s with a 2 s REST bound"
        assert "could not give one" in notes(s), s.get("notes")
        # Intercom just failed outright: the next calls do not ask it again for a while.
        c, took2 = await p.call("get_conversation", {"conversation_id": conv_id})
        check(c, "cache", "not asking Intercom again", stale=True)
        assert took2 < 0.5, f"took {took2:.2f} s"
    async with Proxy(a, stale_db, a.slow_url, a.token, "--rest-timeout", "1") as p:
        s, took = await p.call("search_conversations", {"since": "7d", "limit": 5})
        check(s, "cache", "REST failed (no answer within 1 s)", stale=True)
        assert took < 2.5, f"took {took:.1f} s with a 1 s REST bound"
        s, took2 = await p.call("search_conversations", {"since": "7d", "limit": 3})
        check(s, "cache", "no answer within 1 s", "not asking Intercom again", stale=True)
        assert took2 < 0.5, f"took {took2:.2f} s: it waited for Intercom again"
    print(f"Intercom down: stale cached answer at once; Intercom hanging: after {took:.1f} s (1 s bound)")


async def no_token(a, stale_db: str, conv_id: str) -> None:
    async with Proxy(a, a.db30, a.sim_url, None) as p:
        s, _ = await p.call("search_conversations", {"since": "7d", "limit": 5})
        check(s, "cache", "fresh", stale=False)
        assert "live answers from Intercom are unavailable" in notes(s), s.get("notes")
        assert "no Intercom token" in notes(s) and "INTERCOM_ACCESS_TOKEN" in notes(s), s.get("notes")
        r, _ = await p.call("list_tags")
        assert "no Intercom token" in notes(r), r.get("notes")
    async with Proxy(a, stale_db, a.sim_url, None) as p:
        c, _ = await p.call("get_conversation", {"conversation_id": conv_id})
        check(c, "cache", "cache too old", "REST failed", "no Intercom token", stale=True)
        # Neither source can answer an id the cache lacks: one line saying both.
        e = await p.error("get_conversation", {"conversation_id": "999999999999"})
        assert "not in the cache" in e and "no Intercom token" in e, e
    print("no token: cache answers, live unavailable said")


async def rate_limit_spent(a, stale_db: str) -> None:
    sim = httpx.Client(base_url=a.limited_url, headers={
        "Authorization": f"Bearer {a.token}", "Intercom-Version": "2.16", "Accept": "application/json"})
    async with Proxy(a, stale_db, a.limited_url, a.token, "--rest-timeout", "3") as p:
        # Start at the beginning of a 10-second window, so its reset is later than the REST bound.
        while time.time() % 10 > 1:
            await asyncio.sleep(0.05)
        # Someone else (the sync) spends the window's budget.
        while sim.get("/admins").status_code != 429:
            pass
        s, took = await p.call("search_conversations", {"since": "7d", "limit": 5})
        check(s, "cache", "cache too old", "rate limited", stale=True)
        assert took < 2, f"took {took:.1f} s: it waited for the rate-limit window"
        # The budget is known to be spent now: the next call does not even ask.
        c, took2 = await p.call("search_conversations", {"since": "7d", "limit": 3})
        check(c, "cache", "rate limited", "spent until", stale=True)
        assert took2 < 1, f"took {took2:.1f} s"
    print(f"rate limit spent: stale cached answer in {took:.2f} s, then {took2:.2f} s")


def wait_http(url: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        assert proc.poll() is None, f"{url}: the server exited with {proc.returncode}"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


async def serve_endpoint_and_http(a, stale_db: str) -> None:
    """The cache given as a `serve` endpoint (--mcp-url), and the proxy itself over Streamable HTTP."""
    env = {**os.environ, "FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn",
           "FASTINTERCOM_API_BASE": a.sim_url, "INTERCOM_ACCESS_TOKEN": a.token}
    sport, pport = free_port(), free_port()
    serve = subprocess.Popen([a.bin, "serve", "--listen", f"127.0.0.1:{sport}", "--db", stale_db], env=env)
    proxy = subprocess.Popen([a.bin, "proxy", "--listen", f"127.0.0.1:{pport}",
                              "--mcp-url", f"http://127.0.0.1:{sport}/mcp"], env=env)
    try:
        wait_http(f"http://127.0.0.1:{sport}/healthz", serve)
        wait_http(f"http://127.0.0.1:{pport}/healthz", proxy)
        async with Client(f"http://127.0.0.1:{pport}/mcp") as client:
            p = Proxy(a, stale_db, None, None)
            p.client = client
            for t in (await client.list_tools()).tools:
                p.schemas[t.name] = t.output_schema
            # serve's answer is 2 h old: REST answers; a caller allowing 3 h gets serve's own answer.
            s, _ = await p.call("search_conversations", {"since": "7d", "limit": 3})
            check(s, "rest", "cache too old")
            s, _ = await p.call("search_conversations", {"since": "7d", "limit": 3, "max_staleness": "3h"})
            f = check(s, "cache", "fresh and window inside coverage", stale=False)
            assert f["max_staleness_seconds"] == 3 * 3600, f
            r, _ = await p.call("get_sync_status")
            check(r, "cache", "cache too old", "no live twin", stale=True)
        assert proxy.poll() is None and serve.poll() is None
    finally:
        for proc in (proxy, serve):
            proc.terminate()
            assert proc.wait(timeout=10) == 0, f"SIGTERM exit code {proc.returncode}"
    # The proxy holds the user's token: it refuses to listen beyond loopback.
    r = subprocess.run([a.bin, "proxy", "--listen", "0.0.0.0:0", "--db", stale_db], env=env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "loopback only" in r.stderr, r.stderr
    print("serve endpoint as the cache, proxy over HTTP: ok")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", required=True, help="a full sync")
    ap.add_argument("--db30", required=True, help="a sync covering the last 30 days")
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--limited-url", required=True, help="the same workspace, rate limited")
    ap.add_argument("--slow-url", required=True, help="the same workspace, answering after 4 s")
    ap.add_argument("--token", required=True)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="proxy-test-")
    try:
        stale_db = aged_copy(a.db30, 2, os.path.join(work, "stale.db"))
        con = sqlite3.connect(a.db30)
        conv_id = con.execute("SELECT id FROM conversations ORDER BY updated_at DESC LIMIT 1").fetchone()[0]
        con.close()
        await same_tools_as_serve(a)
        await fresh_cache(a, str(conv_id))
        await stale_cache(a, stale_db, str(conv_id))
        await companies_and_articles(a, stale_db)
        await before_coverage(a)
        await tickets(a, stale_db)
        await intercom_down(a, stale_db, str(conv_id))
        await no_token(a, stale_db, str(conv_id))
        await rate_limit_spent(a, stale_db)
        await serve_endpoint_and_http(a, stale_db)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("all proxy checks passed")


if __name__ == "__main__":
    asyncio.run(main())
