"""What an assistant gets back from every tool, checked with the official Python MCP SDK over stdio.

- Every tool declares an `outputSchema`, and every structured answer (typical and edge calls) validates
  against it with a real JSON Schema validator (`jsonschema`, Draft 2020-12).
- Every answer fits an assistant: none over the hard cap (128 KB of JSON text), default calls within the
  32 KB budget, the longest conversation read whole by following cursors (both orders), the largest
  limits cut at the budget with a note and a cursor.
- Strict arguments: enums in the input schemas; unknown arguments, bad enum values, inverted or empty
  windows and bad limits are tool errors (isError) with a one-line reason.

Usage: test_answers.py --bin fastintercom --db X.db
Run by tests/e2e/20-mcp-python.sh. Plain asserts; exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

import sqlite3

import jsonschema
from mcp import Client
from mcp.client.stdio import StdioServerParameters


BUDGET = 32 * 1024
HARD_CAP = 128 * 1024


class Tools:
    def __init__(self, client: Client):
        self.client = client
        self.schemas: dict[str, dict] = {}
        self.inputs: dict[str, dict] = {}
        self.validated = 0
        self.sizes: list[tuple[str, str, int]] = []

    async def load(self) -> None:
        tools = (await self.client.list_tools()).tools
        for t in tools:
            assert t.output_schema, f"{t.name} has no outputSchema"
            assert t.output_schema.get("type") == "object", f"{t.name}: outputSchema root must be an object"
            jsonschema.Draft202012Validator.check_schema(t.output_schema)
            self.schemas[t.name] = t.output_schema
            self.inputs[t.name] = t.input_schema

    async def raw(self, name: str, args: dict | None = None):
        return await self.client.call_tool(name, args or {})

    async def ok(self, name: str, args: dict | None = None) -> dict:
        """Call, require success, validate the structured answer against the tool's outputSchema."""
        r = await self.raw(name, args)
        assert not r.is_error, f"{name} {args}: tool error: {r.content}"
        sc = r.structured_content
        assert sc is not None, f"{name} {args}: no structuredContent"
        errors = sorted(jsonschema.Draft202012Validator(self.schemas[name]).iter_errors(sc), key=str)
        assert not errors, f"{name} {args}: answer does not match outputSchema: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])
        # The text block carries the same answer, and no answer exceeds the hard cap.
        text = r.content[0].text
        assert json.loads(text) == sc, f"{name}: text and structuredContent differ"
        assert len(text.encode()) <= HARD_CAP, f"{name} {args}: {len(text.encode())} bytes"
        if not (args or {}).get("max_bytes"):
            assert len(text.encode()) <= BUDGET, f"{name} {args}: {len(text.encode())} bytes over the budget"
        self.sizes.append((name, json.dumps(args or {}), len(text.encode())))
        self.validated += 1
        return sc

    async def err(self, name: str, args: dict, *needles: str) -> str:
        """Call, require a tool error (isError) whose text contains every needle."""
        r = await self.raw(name, args)
        text = " ".join(getattr(c, "text", "") for c in r.content)
        assert r.is_error, f"{name} {args}: expected a tool error, got {text[:300]}"
        for n in needles:
            assert n in text, f"{name} {args}: error {text!r} lacks {n!r}"
        return text


async def check_schemas(t: Tools) -> None:
    """Typical and edge calls of every tool validate against its outputSchema."""
    await t.ok("get_sync_status")
    for name in ("list_admins", "list_teams", "list_tags"):
        await t.ok(name)
    page = await t.ok("search_conversations", {"limit": 5})
    assert page["conversations"], page
    await t.ok("search_conversations", {"limit": 100, "sort": "updated_asc"})
    await t.ok("search_conversations", {"query": "zzzznotaword", "limit": 1})
    hits = await t.ok("search_conversations", {"query": "refund", "sort": "relevance"})
    assert hits["conversations"] and hits["total"] >= len(hits["conversations"]), hits.get("total")
    for c in hits["conversations"]:  # the passage that matched, not just the opening message
        assert "«" in c["matched"]["passage"], c["matched"]
    await t.ok("search_conversations", {"query": "the", "state": "open", "sort": "relevance"})
    await t.ok("search_conversations", {"limit": 5, "cursor": page["next_cursor"]})
    await t.ok("search_conversations", {"admin_id": "none", "team_id": "none", "since": "3650d"})
    conv = await t.ok("get_conversation", {"conversation_id": page["conversations"][0]["id"]})
    contact = conv.get("contact")
    if contact:
        c = await t.ok("get_contact", {"contact_id": contact["id"]})
        if c.get("email"):
            await t.ok("get_contact", {"email": c["email"]})
    await t.ok("search_contacts", {"query": "@", "limit": 100})
    await t.ok("search_contacts", {"query": "zzzznotaname"})
    for group_by in ("state", "team", "admin", "tag", "day"):
        await t.ok("conversation_stats", {"group_by": group_by, "since": "3650d"})
    await t.ok("conversation_stats", {"state": "closed", "date_field": "updated_at"})
    # The connector shapes: search -> results of {id, title, url}; fetch -> {id, title, text, url, metadata}.
    hits = await t.ok("search", {"query": "refund"})
    assert hits["results"] and all(set(h) == {"id", "title", "url"} for h in hits["results"]), hits["results"][:2]
    doc = await t.ok("fetch", {"id": hits["results"][0]["id"]})
    assert doc["id"] == hits["results"][0]["id"] and doc["text"] and doc["url"] == hits["results"][0]["url"]
    assert doc["metadata"]["state"] in ("open", "closed", "snoozed"), doc["metadata"]
    await t.err("fetch", {"id": "no-such-conversation"}, "not in the cache")


async def read_whole(t: Tools, conv_id: str, order: str, max_bytes: int | None = None) -> list[dict]:
    args = {"conversation_id": conv_id, "order": order}
    if max_bytes:
        args["max_bytes"] = max_bytes
    page = await t.ok("get_conversation", args)
    assert page["body"] is not None and page["parts_offset"] == 0
    total, parts, pages = page["parts_total"], list(page["parts"]), 1
    while page["next_cursor"]:
        page = await t.ok("get_conversation", {**args, "cursor": page["next_cursor"]})
        assert page["body"] is None, "the opening message is on the first page only"
        assert page["parts_offset"] == len(parts), (page["parts_offset"], len(parts))
        parts += page["parts"]
        pages += 1
        for p in page["parts"]:  # every author a part refers to is listed once on its page
            assert p["author"] is None or p["author"] in page["authors"], p
    assert len(parts) == total, (len(parts), total)
    return parts


async def check_budget(t: Tools, db: str) -> None:
    """The longest conversation, read whole by cursors; the largest limits stay under the cap."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conv_id, n_parts = con.execute(
        "SELECT conversation_id, count(*) FROM conversation_parts GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    stored = [r[0] for r in con.execute(
        "SELECT id FROM conversation_parts WHERE conversation_id = ? ORDER BY created_at, length(id), id",
        (conv_id,))]
    assert n_parts >= 500, f"the simulator's longest conversation has {n_parts} parts"
    oldest = await read_whole(t, conv_id, "oldest_first")
    assert [p["id"] for p in oldest] == stored, "every part once, oldest first"
    newest = await read_whole(t, conv_id, "newest_first")
    assert [p["id"] for p in newest] == stored[::-1], "every part once, newest first"
    big = await read_whole(t, conv_id, "oldest_first", HARD_CAP)
    assert [p["id"] for p in big] == stored
    small = await t.ok("get_conversation", {"conversation_id": conv_id, "max_bytes": 4096})
    assert small["parts"] and small["next_cursor"], small["parts_total"]
    one = await t.ok("get_conversation", {"conversation_id": conv_id, "part_id": stored[-1]})
    assert [p["id"] for p in one["parts"]] == [stored[-1]]

    # The largest limits: cut at the budget with a note and a cursor that continues where it stopped.
    for args in ({"limit": 100}, {"limit": 100, "query": "the"}, {"limit": 100, "max_bytes": HARD_CAP}):
        r = await t.ok("search_conversations", args)
        if len(r["conversations"]) < 100 and r["next_cursor"]:
            assert any("fit the answer budget" in n for n in r.get("notes", [])), r.get("notes")
            nxt = await t.ok("search_conversations", {**args, "cursor": r["next_cursor"]})
            assert not {c["id"] for c in nxt["conversations"]} & {c["id"] for c in r["conversations"]}
    slim = await t.ok("search_contacts", {"query": "@", "limit": 100})
    assert all(c["recent_conversations"] == [] for c in slim["contacts"]), "slim by default"
    full = await t.ok("search_contacts", {"query": "@", "limit": 100, "include_conversations": True})
    assert any(c["recent_conversations"] for c in full["contacts"]), "conversations when asked"
    if full["next_cursor"]:
        nxt = await t.ok("search_contacts", {"query": "@", "limit": 100, "include_conversations": True,
                                             "cursor": full["next_cursor"]})
        assert not {c["id"] for c in nxt["contacts"]} & {c["id"] for c in full["contacts"]}
    await t.ok("search_contacts", {"query": "@", "limit": 100, "include_conversations": True,
                                   "max_bytes": HARD_CAP})
    busiest = con.execute("SELECT contact_id FROM conversations WHERE contact_id IS NOT NULL GROUP BY 1 "
                          "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    await t.ok("get_contact", {"contact_id": busiest})
    await t.ok("conversation_stats", {"group_by": "day", "since": "3650d"})
    await t.err("get_conversation", {"conversation_id": conv_id, "max_bytes": 100}, "bad `max_bytes`")
    print(f"ok: conversation {conv_id} ({n_parts} parts) read whole by cursors; largest answer "
          f"{max(s for _, _, s in t.sizes)} bytes (cap {HARD_CAP})")


async def check_filters(t: Tools, db: str) -> None:
    """What is stored is reachable: waiting for a reply, priority, rating, channel; against the database."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    want = [r[0] for r in con.execute(
        "SELECT id FROM conversations WHERE state = 'open' AND waiting_since IS NOT NULL "
        "ORDER BY waiting_since, pk LIMIT 10")]
    r = await t.ok("search_conversations", {"state": "open", "waiting": True, "sort": "waiting_longest",
                                            "limit": 10})
    assert [c["id"] for c in r["conversations"]] == want, "open conversations waiting longest first"
    assert all(c["waiting_since"] for c in r["conversations"])
    n = con.execute("SELECT count(*) FROM conversations WHERE rating >= 4").fetchone()[0]
    r = await t.ok("search_conversations", {"min_rating": 4, "limit": 100})
    assert r["total"] == n and all(c["rating"] >= 4 for c in r["conversations"]), (r["total"], n)
    r = await t.ok("search_conversations", {"max_rating": 2, "priority": "URGENT"})
    assert all(c["rating"] <= 2 and c["priority"] == "urgent" for c in r["conversations"])
    n = con.execute("SELECT count(*) FROM conversations WHERE source_type = 'conversation'").fetchone()[0]
    r = await t.ok("search_conversations", {"channel": "conversation", "limit": 1})
    assert r["total"] == min(n, 1000), (r["total"], n)
    await t.err("search_conversations", {"min_rating": 6}, "bad `min_rating`")
    n = con.execute("SELECT count(*) FROM conversations "
                    "WHERE json_extract(raw, '$.custom_attributes.Plan') = 'starter'").fetchone()[0]
    assert n > 0, "the simulator sets the Plan attribute"
    r = await t.ok("search_conversations", {"custom_attribute": "Plan=Starter", "limit": 100})
    assert r["total"] == n, (r["total"], n)
    for sla in ("hit", "missed"):
        n = con.execute("SELECT count(*) FROM conversations "
                        "WHERE json_extract(raw, '$.sla_applied.sla_status') = ?", (sla,)).fetchone()[0]
        assert (await t.ok("search_conversations", {"sla_status": sla}))["total"] == n
    n = con.execute("SELECT count(*) FROM conversations "
                    "WHERE coalesce(json_extract(raw, '$.ai_agent_participated'), 0) != 1").fetchone()[0]
    assert (await t.ok("search_conversations", {"ai_participated": False}))["total"] == min(n, 1000)
    await t.err("search_conversations", {"custom_attribute": "Plan"}, "name=value")
    await t.err("search_conversations", {"sla_status": "late"}, "hit, missed, cleared, active")

    # Stats take the same filters as search.
    for args, where in (({"priority": "urgent"}, "priority = 'urgent'"),
                        ({"waiting": True, "state": "open"}, "waiting_since IS NOT NULL AND state = 'open'"),
                        ({"min_rating": 4}, "rating >= 4"),
                        ({"custom_attribute": "Plan=starter"}, "json_extract(raw, '$.custom_attributes.Plan') = 'starter'")):
        n = con.execute(f"SELECT count(*) FROM conversations WHERE {where}").fetchone()[0]
        r = await t.ok("conversation_stats", {**args, "group_by": "team", "since": "3650d"})
        assert r["total"] == n, (args, r["total"], n)

    # Stats by week and month, with CSAT and response times, against the database.
    import datetime
    weeks = await t.ok("conversation_stats", {"group_by": "week", "since": "3650d", "figures": True})
    assert weeks["total"] == con.execute("SELECT count(*) FROM conversations").fetchone()[0]
    for b in weeks["buckets"]:
        assert datetime.date.fromisoformat(b["key"]).weekday() == 0, b["key"]
    months = await t.ok("conversation_stats", {"group_by": "month", "since": "3650d"})
    assert sum(b["count"] for b in months["buckets"]) == months["total"]
    by_state = await t.ok("conversation_stats", {"group_by": "state", "figures": True, "since": "3650d"})
    for b in by_state["buckets"]:
        ratings = [r[0] for r in con.execute(
            "SELECT rating FROM conversations WHERE state = ? AND rating IS NOT NULL", (b["key"],))]
        assert b["rated"] == len(ratings), (b, len(ratings))
        if ratings:
            assert abs(b["csat_average"] - sum(ratings) / len(ratings)) < 0.01, b
        firsts = sorted(r[0] for r in con.execute(
            "SELECT json_extract(raw, '$.statistics.time_to_admin_reply') AS v FROM conversations "
            "WHERE state = ? AND v IS NOT NULL", (b["key"],)))
        if firsts:
            assert b["first_response_median_s"] == firsts[int((len(firsts) - 1) * 0.5 + 0.5)], b


async def check_strict(t: Tools) -> None:
    """Enums are declared; unknown arguments, bad values and inverted windows are refused with a reason."""
    search = t.inputs["search_conversations"]["properties"]
    assert search["state"]["enum"] == ["open", "closed", "snoozed"], search["state"]
    assert "relevance" in search["sort"]["enum"] and "created_at" in search["date_field"]["enum"]
    assert search["limit"]["minimum"] == 1 and search["limit"]["maximum"] == 100, search["limit"]
    stats = t.inputs["conversation_stats"]["properties"]
    assert set(stats["group_by"]["enum"]) >= {"state", "team", "admin", "tag", "day"}, stats["group_by"]
    # The calls an assistant makes when it guesses an argument name: refused, never silently ignored.
    msg = await t.err("search_conversations", {"status": "closed"}, "unknown argument `status`", "`state`")
    assert "\n" not in msg, msg
    await t.err("search_conversations", {"text": "refund"}, "unknown argument `text`", "`query`")
    await t.err("list_admins", {"team": "1"}, "unknown argument `team`", "its arguments are `max_staleness`")
    await t.err("search_conversations", {"state": "pending"}, "bad `state`", "open, closed, snoozed")
    await t.err("search_conversations", {"sort": "oldest"}, "bad `sort`", "updated_asc")
    await t.err("conversation_stats", {"group_by": "weekday"}, "bad `group_by`")
    await t.err("conversation_stats", {"date_field": "closed_at"}, "bad `date_field`")
    await t.err("search_conversations", {"since": "7d", "until": "30d"}, "inverted window")
    await t.err("conversation_stats", {"since": "2026-01-01", "until": "2026-01-01"}, "empty window")
    await t.err("search_conversations", {"limit": 0}, "bad `limit`")
    # The session carries on.
    await t.ok("search_conversations", {"since": "30d", "until": "7d", "state": "open"})


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("FASTINTERCOM_BIN", "target/debug/fastintercom"))
    ap.add_argument("--db", required=True)
    a = ap.parse_args()
    env = {"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn"}
    params = StdioServerParameters(command=a.bin, args=["serve", "--stdio", "--db", a.db], env=env)
    async with Client(params) as client:
        t = Tools(client)
        await t.load()
        await check_schemas(t)
        await check_strict(t)
        await check_budget(t, a.db)
        await check_filters(t, a.db)
        if os.environ.get("ANSWER_SIZES"):
            for name, args, size in t.sizes:
                print(f"{size:>8}  {name} {args}")
        print(f"ok: {len(t.schemas)} tools declare an outputSchema; {t.validated} answers validate against it")
    print("all answer checks passed")


if __name__ == "__main__":
    asyncio.run(main())
