"""The company and Help Center article tools through the official Python MCP SDK, over stdio and
Streamable HTTP: `search_companies`, `get_company`, `search_articles`, `get_article` answers checked
against the simulator's own REST answers (the ground truth), every structured answer validated against
the tool's outputSchema (jsonschema), answers within the budget, and hostile arguments (unknown field,
bad enum, limit out of range) refused with a reason.

Usage: test_workspace.py --bin fastintercom --db X.db --sim-url http://127.0.0.1:PORT [--token sim-token]
Run by tests/e2e/20-mcp-python.sh after the database is synced from that simulator.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from test_answers import Tools
from test_clients import Intercom, free_port, strip_html, wait_http, words


def sim_companies(sim: Intercom) -> dict[str, dict]:
    out, page = {}, 1
    while True:
        v = sim.get(f"/companies?per_page=60&page={page}")
        out.update({c["id"]: c for c in v["data"]})
        if page >= v["pages"]["total_pages"]:
            return out
        page += 1


def check_company(got: dict, want: dict) -> None:
    for k in ("id", "name", "company_id", "industry", "size", "user_count", "updated_at", "custom_attributes"):
        assert got[k] == want[k], (k, got[k], want[k])
    assert got["plan"] == want["plan"]["name"], (got["plan"], want["plan"])
    assert got["tags"] == sorted(t["name"] for t in want["tags"]["tags"]), (got["tags"], want["tags"])
    assert got["segments"] == sorted(s["name"] for s in want["segments"]["segments"]), got["segments"]


async def check(client: Client, sim: Intercom, label: str) -> int:
    t = Tools(client)
    await t.load()
    for name in ("search_companies", "get_company", "search_articles", "get_article"):
        assert name in t.schemas, f"{label}: {name} missing"
        props = t.inputs[name]["properties"]
        assert "max_staleness" in props, f"{label}: {name} takes max_staleness"
    assert t.inputs["search_articles"]["properties"]["state"]["enum"] == ["published", "draft"]

    # Every company, page by page, as the simulator has it.
    companies = sim_companies(sim)
    seen, cursor = {}, None
    while True:
        args = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        r = await t.ok("search_companies", args)
        assert r["total"] == len(companies), (r["total"], len(companies))
        assert r["freshness"]["source"] == "cache" and r["freshness"]["data_as_of"], r["freshness"]
        for c in r["companies"]:
            assert c["id"] not in seen, f"{label}: {c['id']} listed twice"
            check_company(c, companies[c["id"]])
            seen[c["id"]] = c
        cursor = r.get("next_cursor")
        if not cursor:
            break
    assert seen.keys() == companies.keys(), f"{label}: companies differ"
    enterprise = await t.ok("search_companies", {"plan": "enterprise", "limit": 1})
    assert enterprise["total"] == sum(c["plan"]["name"] == "enterprise" for c in companies.values())
    small = await t.ok("search_companies", {"limit": 100, "max_bytes": 4096})
    assert small["next_cursor"] and any("answer budget" in n for n in small["notes"]), small.get("notes")

    # One company by id and by name: its contacts are the simulator's /companies/{id}/contacts.
    with_users = [c for c in companies.values() if c["user_count"] > 1][:5]
    assert with_users, "companies with users"
    for co in with_users:
        want = sim.get(f"/companies/{co['id']}/contacts")
        for args in ({"company_id": co["id"]}, {"name": co["name"]}):
            d = await t.ok("get_company", args)
            check_company(d["company"], co)
            assert d["contacts_total"] == want["total_count"], (d["contacts_total"], want["total_count"])
            assert {k["id"] for k in d["contacts"]} == {k["id"] for k in want["data"]}, label
            emails = {k["id"]: k.get("email") for k in want["data"]}
            assert all(k["email"] == emails[k["id"]] for k in d["contacts"]), d["contacts"]
            times = [c["updated_at"] for c in d["recent_conversations"]]
            assert times == sorted(times, reverse=True) and len(times) <= 10, times
    await t.err("get_company", {"company_id": "no-such-company"}, "not in the cache")

    # Articles: a word search finds what the simulator's search finds; each article reads whole.
    for word in ("refund", "invoice", "slack"):
        want = sim.get(f"/articles/search?phrase={word}&per_page=250")
        hits = await t.ok("search_articles", {"query": word, "locale": "en", "limit": 100})
        assert hits["total"] == want["total_count"], (word, hits["total"], want["total_count"])
        assert {h["id"] for h in hits["articles"]} == {a["id"] for a in want["data"]["articles"]}, word
        for h in hits["articles"]:
            assert "[" in h["matched"], h["matched"]
    published = await t.ok("search_articles", {"query": "refund", "state": "published"})
    assert all(h["state"] == "published" for h in published["articles"])
    listing = sim.get("/articles?per_page=50")["data"]
    for a in listing[:15]:
        got = await t.ok("get_article", {"article_id": a["id"]})
        for k in ("id", "title", "description", "state", "updated_at", "url"):
            assert got[k] == a[k], (k, got[k], a[k])
        assert words(got["text"]) == words(strip_html(a["body"])), (got["text"][:200], a["body"][:200])
        assert not got["truncated"] and got["next_cursor"] is None
        fr = (a.get("translated_content") or {}).get("fr")
        if fr:
            g = await t.ok("get_article", {"article_id": a["id"], "locale": "fr"})
            assert g["title"] == fr["title"] and g["locales"] == ["en", "fr"], g["locales"]
            assert words(g["text"]) == words(strip_html(fr["body"]))
    await t.err("get_article", {"article_id": "1"}, "not in the cache")

    # Hostile arguments: refused with a reason, never silently ignored.
    await t.err("search_companies", {"nmae": "Acme"}, "unknown argument `nmae`", "`name`")
    await t.err("search_articles", {"query": "x", "stat": "draft"}, "unknown argument `stat`")
    await t.err("search_articles", {"state": "archived"}, "bad `state`", "published, draft")
    await t.err("search_companies", {"limit": 0}, "bad `limit`")
    await t.err("search_articles", {"limit": 0}, "bad `limit`")
    await t.err("search_companies", {"max_bytes": 10}, "bad `max_bytes`")
    await t.err("search_companies", {"custom_attribute": "tier"}, "name=value")
    await t.err("get_company", {}, "give `company_id` or `name`")
    await t.err("get_article", {"article_id": listing[0]["id"], "cursor": "bogus"}, "bad `cursor`")
    over = await t.ok("search_articles", {"query": "refund", "limit": 1000})
    assert any("reduced to the maximum of 100" in n for n in over["notes"]), over.get("notes")
    return t.validated


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("FASTINTERCOM_BIN", "target/debug/fastintercom"))
    ap.add_argument("--db", required=True)
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--token", default="sim-token")
    a = ap.parse_args()
    sim = Intercom(a.sim_url, a.token)
    env = {"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn"}
    params = StdioServerParameters(command=a.bin, args=["serve", "--stdio", "--db", a.db], env=env)
    async with Client(params) as client:
        n = await check(client, sim, "stdio")
    port = free_port()
    proc = subprocess.Popen([a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--db", a.db],
                            env={**os.environ, **env})
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            n += await check(client, sim, "http")
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0, f"SIGTERM exit code {proc.returncode}"
    print(f"all company and article checks passed over stdio and HTTP ({n} answers validated)")


if __name__ == "__main__":
    asyncio.run(main())
