#!/usr/bin/env bash
# `fastintercom proxy` (cache when fresh enough, else Intercom's REST API) driven by the official Python MCP
# SDK over stdio, one branch of the decision at a time, against two simulators of the same workspace: one
# unlimited, one rate limited to 3 requests per 10 s, one answering after 4 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-python
BIN=${FASTINTERCOM_BIN:-$PWD/target/debug/fastintercom}
py=target/venv/bin/python
work=$(mktemp -d)
SIM_PID=
LIM_PID=
SLOW_PID=
cleanup() {
    [ -n "$SLOW_PID" ] && kill "$SLOW_PID" 2>/dev/null && wait "$SLOW_PID" 2>/dev/null
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    [ -n "$LIM_PID" ] && kill "$LIM_PID" 2>/dev/null && wait "$LIM_PID" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. tests/mcp/lib.sh

# A token that must never show up in an answer or a log line.
TOKEN=proxy-secret-7f3a9c1e
start_sim() { # PORT [ARGS...]: the same workspace every time
    local port=$1
    shift
    "$BIN" simulate --listen "127.0.0.1:$port" --conversations 300 --seed 7 --token "$TOKEN" "$@" \
        >>"$work/sim.log" 2>&1 &
}
port=$(free_port)
start_sim "$port"
SIM_PID=$!
SIM_URL="http://127.0.0.1:$port"
lport=$(free_port)
start_sim "$lport" --rate-limit 3
LIM_PID=$!
sport=$(free_port)
start_sim "$sport" --latency-ms 4000
SLOW_PID=$!
for p in "$port" "$lport" "$sport"; do
    wait_for "$py" -c "import socket; socket.create_connection(('127.0.0.1', $p), 1)"
done
sync() {
    FASTINTERCOM_CONFIG=/nonexistent FASTINTERCOM_API_BASE="$SIM_URL" INTERCOM_ACCESS_TOKEN="$TOKEN" \
        "$BIN" sync --once "$@" >>"$work/sync.log" 2>&1 || { tail -20 "$work/sync.log"; exit 1; }
}
sync --full --db "$work/full.db"
sync --since 30d --db "$work/30d.db"
"$py" tests/mcp/test_proxy.py --bin "$BIN" --db "$work/full.db" --db30 "$work/30d.db" \
    --sim-url "$SIM_URL" --limited-url "http://127.0.0.1:$lport" \
    --slow-url "http://127.0.0.1:$sport" --token "$TOKEN"
