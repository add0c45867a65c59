"""The ticket tools (search_tickets, get_ticket, ticket_stats) through the official Python MCP SDK, over
stdio and Streamable HTTP, checked against the simulator's REST answers (POST /tickets/search, GET
/tickets/{id}); every structured answer validated against the tool's outputSchema (jsonschema, Draft
2020-12) and within the answer budget; hostile arguments refused with a reason.

Usage: test_tickets.py --bin fastintercom --db X.db --sim-url http://127.0.0.1:PORT
Run by tests/e2e/20-mcp-python.sh after the simulator was synced into X.db. Plain asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import re
import subprocess

import jsonschema
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from test_clients import free_port, httpx, strip_html, wait_http, words

BUDGET = 32 * 1024
TICKET_TOOLS = ("search_tickets", "get_ticket", "ticket_stats")


class Simulator:
    """The simulator's ticket endpoints, read directly (the ground truth)."""

    def __init__(self, url: str, token: str):
        self.http = httpx.Client(base_url=url, headers={
            "Authorization": f"Bearer {token}", "Intercom-Version": "2.16", "Accept": "application/json"},
            timeout=30)

    def tickets(self) -> list[dict]:
        out, cursor = [], None
        while True:
            pagination = {"per_page": 150}
            if cursor:
                pagination["starting_after"] = cursor
            r = self.http.post("/tickets/search", json={
                "query": {"field": "created_at", "operator": ">", "value": 0}, "pagination": pagination})
            r.raise_for_status()
            body = r.json()
            out += body["tickets"]
            cursor = ((body.get("pages") or {}).get("next") or {}).get("starting_after")
            if not cursor:
                return out

    def ticket(self, id_: str) -> dict:
        r = self.http.get(f"/tickets/{id_}")
        r.raise_for_status()
        return r.json()


class Tools:
    def __init__(self, client: Client):
        self.client = client
        self.schemas: dict[str, dict] = {}
        self.inputs: dict[str, dict] = {}
        self.validated = 0

    async def load(self) -> None:
        for t in (await self.client.list_tools()).tools:
            self.schemas[t.name] = t.output_schema
            self.inputs[t.name] = t.input_schema
        for name in TICKET_TOOLS:
            assert self.schemas.get(name), f"{name} has no outputSchema"
            jsonschema.Draft202012Validator.check_schema(self.schemas[name])

    async def ok(self, name: str, args: dict | None = None) -> dict:
        r = await self.client.call_tool(name, args or {})
        assert not r.is_error, f"{name} {args}: tool error: {r.content}"
        sc = r.structured_content
        assert sc is not None, f"{name} {args}: no structuredContent"
        errors = sorted(jsonschema.Draft202012Validator(self.schemas[name]).iter_errors(sc), key=str)
        assert not errors, f"{name} {args}: answer does not match outputSchema: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
        text = r.content[0].text
        assert json.loads(text) == sc, f"{name}: text and structuredContent differ"
        if not (args or {}).get("max_bytes"):
            assert len(text.encode()) <= BUDGET, f"{name} {args}: {len(text.encode())} bytes over the budget"
        assert sc["freshness"]["source"] == "cache" and sc["freshness"]["data_as_of"], sc["freshness"]
        self.validated += 1
        return sc

    async def err(self, name: str, args: dict, *needles: str) -> str:
        r = await self.client.call_tool(name, args)
        text = " ".join(getattr(c, "text", "") for c in r.content)
        assert r.is_error, f"{name} {args}: expected a tool error, got {text[:300]}"
        for n in needles:
            assert n in text, f"{name} {args}: error {text!r} lacks {n!r}"
        return text


async def all_pages(t: Tools, args: dict) -> list[dict]:
    page = await t.ok("search_tickets", args)
    out = list(page["tickets"])
    while page["next_cursor"]:
        page = await t.ok("search_tickets", {**args, "cursor": page["next_cursor"]})
        out += page["tickets"]
    return out


async def whole_ticket(t: Tools, id_: str, max_bytes: int | None = None) -> tuple[dict, list[dict]]:
    args = {"id": id_}
    if max_bytes:
        args["max_bytes"] = max_bytes
    first = await t.ok("get_ticket", args)
    parts, page = list(first["parts"]), first
    while page["next_cursor"]:
        page = await t.ok("get_ticket", {**args, "cursor": page["next_cursor"]})
        assert page["description"] is None and page["parts_offset"] == len(parts), page["parts_offset"]
        for p in page["parts"]:
            assert p["author"] is None or p["author"] in page["authors"], p
        parts += page["parts"]
    assert len(parts) == first["parts_total"], (len(parts), first["parts_total"])
    return first, parts


async def check(client: Client, sim: Simulator, label: str) -> None:
    t = Tools(client)
    await t.load()
    props = t.inputs["search_tickets"]["properties"]
    assert props["state"]["enum"] == ["submitted", "in_progress", "waiting_on_customer", "resolved"], props["state"]
    assert props["category"]["enum"] == ["Customer", "Back-office", "Tracker"], props["category"]
    assert "relevance" in props["sort"]["enum"]
    assert "category" in t.inputs["ticket_stats"]["properties"]["group_by"]["enum"]

    theirs = sim.tickets()
    assert len(theirs) >= 20, len(theirs)
    by_id = {str(x["id"]): x for x in theirs}

    # Every ticket, newest first, page by page (small pages so the cursor is exercised).
    ours = await all_pages(t, {"limit": 7, "sort": "updated_desc"})
    updated = [x["updated_at"] for x in ours]
    assert updated == sorted(updated, reverse=True), label
    assert len(ours) == len(theirs) and {x["id"] for x in ours} == set(by_id), (len(ours), len(theirs))
    for x in ours:
        th = by_id[x["id"]]
        assert x["ticket_id"] == str(th["ticket_id"]) and x["updated_at"] == th["updated_at"], (x, th["ticket_id"])
        assert x["state"] == th["ticket_state"]["category"] and x["open"] == th["open"], (x["state"], th["open"])
        assert x["title"] == th["ticket_attributes"]["_default_title_"], x["title"]
        assert x["category"] == th["category"] and x["ticket_type"] == th["ticket_type"]["name"]
        assert (x["contact"] or {}).get("id") == th["contacts"]["contacts"][0]["id"]

    # Filters, against the simulator's tickets.
    for state in ("submitted", "in_progress", "waiting_on_customer", "resolved"):
        got = await all_pages(t, {"state": state, "limit": 100})
        want = {k for k, v in by_id.items() if v["ticket_state"]["category"] == state}
        assert {x["id"] for x in got} == want, (label, state)
    for category in ("Customer", "Back-office", "Tracker"):
        got = await all_pages(t, {"category": category.lower(), "limit": 100})
        assert {x["id"] for x in got} == {k for k, v in by_id.items() if v["category"] == category}, category
    open_ = await all_pages(t, {"open": True, "limit": 100})
    assert {x["id"] for x in open_} == {k for k, v in by_id.items() if v["open"]}
    first = ours[0]
    if first["team_assignee"]:
        team = first["team_assignee"]["id"]
        got = await all_pages(t, {"team_id": team, "limit": 100})
        assert {x["id"] for x in got} == {k for k, v in by_id.items() if str(v["team_assignee_id"]) == team}
    if (first["contact"] or {}).get("email"):
        got = await all_pages(t, {"contact": first["contact"]["email"], "limit": 100})
        assert first["id"] in {x["id"] for x in got}, got

    # Counts, against the simulator's.
    for group_by, key in (("state", lambda v: v["ticket_state"]["category"]), ("category", lambda v: v["category"]),
                          ("type", lambda v: str(v["ticket_type"]["id"]))):
        stats = await t.ok("ticket_stats", {"group_by": group_by})
        want = collections.Counter(key(v) for v in theirs)
        assert {b["key"]: b["count"] for b in stats["buckets"]} == dict(want), (group_by, stats["buckets"])
        assert stats["total"] == len(theirs)
    weeks = await t.ok("ticket_stats", {"group_by": "week", "open": True})
    assert weeks["total"] == len(open_)

    # Whole tickets, part by part, against GET /tickets/{id}; pages within a small budget.
    for x in ours[:6]:
        th = sim.ticket(x["id"])
        page, parts = await whole_ticket(t, x["id"], 4096)
        their_parts = th["ticket_parts"]["ticket_parts"]
        assert [p["id"] for p in parts] == [str(p["id"]) for p in sorted(
            their_parts, key=lambda p: (p["created_at"], len(str(p["id"])), str(p["id"])))], x["id"]
        for p in parts:
            tp = next(q for q in their_parts if str(q["id"]) == p["id"])
            assert p["part_type"] == tp["part_type"] and p["ticket_state"] == tp["ticket_state"], (p, tp)
            if tp.get("body"):
                assert words(p["body"])[:20] == words(strip_html(tp["body"]))[:20], (p["body"], tp["body"])
        assert [l["id"] for l in page["linked"]] == sorted(
            (str(o["id"]) for o in th["linked_objects"]["data"]), key=lambda s: (len(s), s))
        assert words(page["description"] or "")[:20] == words(
            strip_html(th["ticket_attributes"]["_default_description_"]))[:20]
    # By the inbox number too.
    by_number = await t.ok("get_ticket", {"id": f"#{first['ticket_id']}"})
    assert by_number["id"] == first["id"] and any("inbox number" in n for n in by_number["notes"]), by_number["notes"]

    # Full text: a word of the title finds the ticket, with the passage that matched.
    word = max(re.findall(r"[A-Za-z]{4,}", first["title"]), key=len)
    hits = await t.ok("search_tickets", {"query": word, "limit": 100})
    assert first["id"] in {x["id"] for x in hits["tickets"]}, (word, hits["tickets"][:3])
    assert all("«" in x["matched"]["passage"] for x in hits["tickets"]), hits["tickets"][0]["matched"]
    assert hits["total"] >= len(hits["tickets"])

    # Hostile arguments: refused with a one-line reason; the session carries on.
    await t.err("search_tickets", {"status": "open"}, "unknown argument `status`", "`state`")
    await t.err("search_tickets", {"state": "open"}, "bad `state`", "waiting_on_customer")
    await t.err("search_tickets", {"category": "bug"}, "bad `category`")
    await t.err("search_tickets", {"since": "7d", "until": "30d"}, "inverted window")
    await t.err("ticket_stats", {"group_by": "weekday"}, "bad `group_by`")
    await t.err("get_ticket", {"id": first["id"], "verbose": True}, "unknown argument `verbose`")
    await t.err("get_ticket", {"id": "no-such-ticket"}, "not in the cache")
    await t.ok("search_tickets", {"since": "3650d", "until": "1d", "state": "resolved"})
    print(f"ok: {label}: {len(theirs)} tickets match the simulator; {t.validated} answers validate against "
          f"their outputSchema")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("FASTINTERCOM_BIN", "target/debug/fastintercom"))
    ap.add_argument("--db", required=True)
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--token", default="sim-token")
    a = ap.parse_args()
    sim = Simulator(a.sim_url, a.token)
    env = {"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn"}
    params = StdioServerParameters(command=a.bin, args=["serve", "--stdio", "--db", a.db], env=env)
    async with Client(params) as client:
        await check(client, sim, "stdio")
    port = free_port()
    proc = subprocess.Popen([a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--db", a.db],
                            env={**os.environ, **env})
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            await check(client, sim, "http")
        assert proc.poll() is None, "server still running"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0, f"SIGTERM exit code {proc.returncode}"
    print("all ticket tool checks passed")


if __name__ == "__main__":
    asyncio.run(main())
