#!/usr/bin/env bash
# `fastintercom serve` under socket activation (TCP and Unix): first request served, sd-notify READY=1 and
# STATUS= received, idle exit, and re-activation with no request dropped. See tests/mcp/test_activation.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v systemd-socket-activate >/dev/null; then
    apt-get install -y systemd >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y systemd >/dev/null; }
fi
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

sim_db 50 3
"$py" tests/mcp/test_activation.py --bin "$BIN" --db "$work/sim.db" --work "$work" ||
    { echo "--- server log"; cat "$work/activate.log" 2>/dev/null; exit 1; }
