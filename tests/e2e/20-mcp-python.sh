#!/usr/bin/env bash
# The official Python MCP SDK (pip `mcp`) against `fastintercom serve`, over stdio and Streamable HTTP,
# calling every tool (the ticket tools in tests/mcp/test_tickets.py) and checking the answers against the
# simulator's REST API.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-python
BIN=${FASTINTERCOM_BIN:-$PWD/target/debug/fastintercom}
py=target/venv/bin/python
work=$(mktemp -d)
SIM_PID=
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. tests/mcp/lib.sh

sim_db 300 7
"$py" tests/mcp/test_clients.py --bin "$BIN" --db "$work/sim.db" --sim-url "$SIM_URL"
"$py" tests/mcp/test_answers.py --bin "$BIN" --db "$work/sim.db"
"$py" tests/mcp/test_tickets.py --bin "$BIN" --db "$work/sim.db" --sim-url "$SIM_URL"
"$py" tests/mcp/test_workspace.py --bin "$BIN" --db "$work/sim.db" --sim-url "$SIM_URL"
