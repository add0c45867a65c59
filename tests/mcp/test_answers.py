"""What an assistant gets back from every tool, checked with the official Python MCP SDK over stdio.

- Every tool declares an `outputSchema`, and every structured answer (typical and edge calls) validates
  against it with a real JSON Schema validator (`jsonschema`, Draft 2020-12).
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

import jsonschema
from mcp import Client
from mcp.client.stdio import StdioServerParameters


class Tools:
    def __init__(self, client: Client):
        self.client = client
        self.schemas: dict[str, dict] = {}
        self.inputs: dict[str, dict] = {}
        self.validated = 0

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
        # The text block carries the same answer.
        assert json.loads(r.content[0].text) == sc, f"{name}: text and structuredContent differ"
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
        print(f"ok: {len(t.schemas)} tools declare an outputSchema; {t.validated} answers validate against it")
    print("all answer checks passed")


if __name__ == "__main__":
    asyncio.run(main())
