"""The official Python MCP SDK against `fastintercom serve`, over stdio and Streamable HTTP.

Lists the tools and calls every one, checking the answers against what the Intercom simulator serves
over REST (the database was filled from it by `fastintercom sync --once --full`).

Usage: test_clients.py --bin fastintercom --db X.db --sim-url http://127.0.0.1:PORT [--token sim-token]
Run by tests/e2e/20-mcp-python.sh. Plain asserts; exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import re
import socket
import subprocess
import sys
import time

try:  # mcp 2.x ships its HTTP client as httpx2; 1.x uses httpx
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx

from mcp import Client
from mcp.client.stdio import StdioServerParameters

TOOLS = {
    "search_conversations", "get_conversation", "get_contact", "search_contacts", "list_admins",
    "list_teams", "list_tags", "conversation_stats", "get_sync_status", "search", "fetch",
    "search_tickets", "get_ticket", "ticket_stats",
    "search_companies", "get_company", "search_articles", "get_article",
}


class Intercom:
    """The simulator's REST API, read directly (the ground truth)."""

    def __init__(self, url: str, token: str):
        self.http = httpx.Client(base_url=url, headers={
            "Authorization": f"Bearer {token}", "Intercom-Version": "2.16", "Accept": "application/json"},
            timeout=30)

    def get(self, path: str) -> dict:
        r = self.http.get(path)
        r.raise_for_status()
        return r.json()

    def count_state(self, state: str) -> int:
        r = self.http.post("/conversations/search", json={
            "query": {"field": "state", "operator": "=", "value": state}, "pagination": {"per_page": 1}})
        r.raise_for_status()
        return r.json()["total_count"]


def strip_html(s: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", " ", s))


def words(s: str) -> list[str]:
    return re.findall(r"\w+", s)


def structured(result) -> dict:
    assert not result.is_error, f"tool error: {result.content}"
    sc = result.structured_content
    if sc is None:  # fall back to the text block (always present)
        sc = json.loads(result.content[0].text)
    return sc


async def check_client(client: Client, sim: Intercom, label: str) -> None:
    tools = await client.list_tools()
    names = {t.name for t in tools.tools}
    assert names == TOOLS, f"{label}: tools {sorted(names)}"
    for t in tools.tools:
        assert t.description and len(t.description) > 30, f"{label}: {t.name} needs a description"
        assert t.input_schema.get("type") == "object", f"{label}: {t.name} input schema"

    async def call(name: str, args: dict | None = None) -> dict:
        return structured(await client.call_tool(name, args or {}))

    status = await call("get_sync_status")
    assert status["rows"] and status["rows"][0]["resource"] == "overall", status
    assert status["freshness"]["sync_status"] == "ok", status["freshness"]
    assert status["now"] >= status["freshness"]["data_as_of"], status

    admins = await call("list_admins")
    assert {a["id"] for a in admins["admins"]} == {str(a["id"]) for a in sim.get("/admins")["admins"]}
    assert admins["freshness"]["data_as_of"], admins["freshness"]
    teams = await call("list_teams")
    assert {t["id"] for t in teams["teams"]} == {str(t["id"]) for t in sim.get("/teams")["teams"]}
    tags = await call("list_tags")
    assert {t["name"] for t in tags["tags"]} == {t["name"] for t in sim.get("/tags")["data"]}

    stats = await call("conversation_stats", {"group_by": "state"})
    ours_states = {b["key"]: b["count"] for b in stats["buckets"]}
    for state in ("open", "closed", "snoozed"):
        assert ours_states.get(state, 0) == sim.count_state(state), f"{label}: {state}: {ours_states} vs simulator"
    assert stats["total"] == sum(ours_states.values())

    page = await call("search_conversations", {"limit": 5, "sort": "updated_desc"})
    assert len(page["conversations"]) == 5 and page["next_cursor"], page
    updated = [c["updated_at"] for c in page["conversations"]]
    assert updated == sorted(updated, reverse=True), updated
    nxt = await call("search_conversations", {"limit": 5, "sort": "updated_desc", "cursor": page["next_cursor"]})
    assert not {c["id"] for c in nxt["conversations"]} & {c["id"] for c in page["conversations"]}

    # One conversation, part by part, against the simulator's.
    conv_id = page["conversations"][0]["id"]
    ours = await call("get_conversation", {"conversation_id": conv_id})
    theirs = sim.get(f"/conversations/{conv_id}")
    assert ours["id"] == str(theirs["id"]) and ours["state"] == theirs["state"], (ours["state"], theirs["state"])
    their_parts = [str(p["id"]) for p in theirs["conversation_parts"]["conversation_parts"]]
    our_parts, cursor = list(ours["parts"]), ours["next_cursor"]
    while cursor:  # a page at a time, within the answer budget
        more = await call("get_conversation", {"conversation_id": conv_id, "cursor": cursor})
        our_parts, cursor = our_parts + more["parts"], more["next_cursor"]
    assert [p["id"] for p in our_parts] == their_parts, f"{label}: parts differ for {conv_id}"
    assert ours["parts_total"] == len(their_parts), ours["parts_total"]
    assert ours["updated_at"] == theirs["updated_at"]
    for p, tp in zip(our_parts, theirs["conversation_parts"]["conversation_parts"]):
        assert p["part_type"] == tp["part_type"], (p, tp)
        if tp.get("body"):  # same words as the simulator's HTML, without the markup
            assert p["body"] and not re.search(r"</?[a-zA-Z][^>]*>", p["body"]), p["body"]
            assert words(p["body"])[:20] == words(strip_html(tp["body"]))[:20], (p["body"], tp["body"])
    assert ours["freshness"]["data_as_of"], ours

    # Its contact, by id and by email, and a search that finds them.
    contact_id = ours["contact"]["id"] if ours.get("contact") else None
    if contact_id:
        c = await call("get_contact", {"contact_id": contact_id})
        tc = sim.get(f"/contacts/{contact_id}")
        assert c["email"] == tc.get("email"), (c["email"], tc.get("email"))
        assert conv_id in {x["id"] for x in c["recent_conversations"]} or len(c["recent_conversations"]) == 10
        if c["email"]:
            by_email = await call("get_contact", {"email": c["email"].upper()})
            assert by_email["email"].lower() == c["email"].lower()
            found = await call("search_contacts", {"query": c["email"].split("@")[0], "limit": 100})
            assert contact_id in {x["id"] for x in found["contacts"]}, found
            mine = await call("search_conversations", {"contact_email": c["email"], "limit": 100})
            assert conv_id in {x["id"] for x in mine["conversations"]}

    # Full text: a word of the opening message finds the conversation (with its contact as filter).
    long_words = re.findall(r"[A-Za-z]{5,}", ours["body"])
    assert long_words and contact_id and c.get("email"), "pick a conversation with a contact and a body"
    hits = await call("search_conversations", {"query": long_words[0], "contact_email": c["email"], "limit": 100})
    assert conv_id in {x["id"] for x in hits["conversations"]}, (long_words[0], hits)
    everywhere = await call("search_conversations", {"query": " ".join(long_words[:2]), "limit": 100})
    assert everywhere["conversations"], long_words[:2]

    # Filters agree with the summaries they return.
    open_ = await call("search_conversations", {"state": "open", "limit": 20})
    assert all(x["state"] == "open" for x in open_["conversations"])
    if tags["tags"]:
        tag = max(tags["tags"], key=lambda t: t["conversation_count"])
        tagged = await call("search_conversations", {"tag": tag["name"], "limit": 20})
        assert tagged["conversations"] and all(tag["name"] in x["tags"] for x in tagged["conversations"])
    if teams["teams"]:
        per_team = await call("conversation_stats", {"group_by": "team", "since": "3650d"})
        assert per_team["total"] == sum(b["count"] for b in per_team["buckets"])

    # Errors are tool errors, not crashes; the session carries on.
    bad = await client.call_tool("get_conversation", {"conversation_id": "no-such-conversation"})
    assert bad.is_error and "not in the cache" in bad.content[0].text, bad
    bad = await client.call_tool("search_conversations", {"query": '"foo AND (', "since": "7d"})
    assert not bad.is_error, bad
    print(f"ok: {label}: {len(names)} tools; conversation {conv_id} ({len(their_parts)} parts), contact "
          f"{contact_id}, states {ours_states} match the simulator")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("FASTINTERCOM_BIN", "target/debug/fastintercom"))
    ap.add_argument("--db", required=True)
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--token", default="sim-token")
    a = ap.parse_args()
    sim = Intercom(a.sim_url, a.token)
    env = {"FASTINTERCOM_CONFIG": "/nonexistent", "RUST_LOG": "warn"}

    # stdio: the client starts the server itself.
    params = StdioServerParameters(command=a.bin, args=["serve", "--stdio", "--db", a.db], env=env)
    async with Client(params) as client:
        assert client.server_info.name == "fastintercom", client.server_info
        assert "cache" in (client.instructions or ""), client.instructions
        await check_client(client, sim, f"stdio ({client.protocol_version})")

    # Streamable HTTP, negotiated both ways: the SDK's default (discover) and the legacy handshake.
    port = free_port()
    proc = subprocess.Popen([a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--db", a.db],
                            env={**os.environ, **env})
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        for mode in ("auto", "legacy"):
            async with Client(f"http://127.0.0.1:{port}/mcp", mode=mode) as client:
                await check_client(client, sim, f"http {mode} ({client.protocol_version})")
        assert proc.poll() is None, "server still running"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0, f"SIGTERM exit code {proc.returncode}"
    print("all MCP client checks passed")


if __name__ == "__main__":
    asyncio.run(main())
