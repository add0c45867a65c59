#!/usr/bin/env bash
# `fastintercom demo` run non-interactively (--duration): its output is checked, and the client configuration it
# prints (Streamable HTTP URL, Claude Desktop stdio JSON) is used by the official Python MCP SDK while it serves.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-python
BIN=${FASTINTERCOM_BIN:-$PWD/target/debug/fastintercom}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" demo --conversations 400 --duration 60 --resync-every 5 --listen "127.0.0.1:$port" >"$work/out.txt" 2>"$work/err.txt" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 600); do grep -q "Serving until" "$work/out.txt" && break; kill -0 "$pid" || break; sleep 0.1; done
grep -q "Serving until" "$work/out.txt" || { cat "$work/out.txt" "$work/err.txt"; echo "demo did not reach serving"; exit 1; }
target/venv/bin/python tests/demo/check_demo.py "$work/out.txt"
# The interval re-sync runs while serving: wait for one and check it reports.
for _ in $(seq 150); do grep -q "^re-sync" "$work/out.txt" && break; sleep 0.1; done
grep -q "^re-sync: workspace changed" "$work/out.txt" || { cat "$work/out.txt"; echo "no re-sync seen"; exit 1; }
kill -INT "$pid"; wait "$pid"; rc=$?
[ "$rc" = 0 ] || { echo "demo exited $rc after Ctrl-C"; exit 1; }
grep -q "^stopping" "$work/out.txt"
echo "demo check passed"
