"""Checks `fastintercom demo` output and that the client configuration it prints works with a real MCP
client (the official Python `mcp` SDK): the Streamable HTTP URL and the Claude Desktop stdio form."""
import asyncio
import json
import re
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters


def printed_config(out: str):
    url = re.search(r"Any Streamable HTTP client: (\S+)", out)
    assert url, "demo did not print the Streamable HTTP URL"
    start = out.index("Claude Desktop")
    block = out[out.index("{", start):]
    depth, end = 0, 0
    for i, ch in enumerate(block):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            end = i + 1
            break
    desktop = json.loads(block[:end])
    return url.group(1), desktop["mcpServers"]["fastintercom"]


async def call_status(session: Client):
    tools = {t.name for t in (await session.list_tools()).tools}
    assert {"search_conversations", "get_conversation", "conversation_stats", "get_sync_status"} <= tools, tools
    res = await session.call_tool("get_sync_status", {})
    assert not res.is_error, res
    data = res.structured_content
    overall = [r for r in data["rows"] if r["resource"] == "overall"]
    assert overall and overall[0]["status"] == "ok", data
    assert overall[0]["row_count"] > 0, overall
    found = await session.call_tool("search_conversations", {"query": "refund", "limit": 3})
    assert not found.is_error, found
    return overall[0]["row_count"]


async def main(out_file: str):
    out = open(out_file).read()
    for needle in ["simulated Intercom API on", "synced into", "conversations/s", "MCP server", "source=cache",
                   "an open ticket about billing -> source=cache",
                   "claude mcp add --transport http fastintercom"]:
        assert needle in out, f"demo output lacks {needle!r}:\n{out}"
    url, desktop = printed_config(out)
    async with Client(url) as s:
        n_http = await call_status(s)
    params = StdioServerParameters(command=desktop["command"], args=desktop["args"])
    async with Client(params) as s:
        n_stdio = await call_status(s)
    assert n_http == n_stdio, (n_http, n_stdio)
    print(f"demo check: printed HTTP and stdio configurations work ({n_http} conversations)")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
