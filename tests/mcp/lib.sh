# Helpers for the MCP end-to-end scripts (sourced). Needs $BIN and $py set, and a $work directory.

free_port() {
    "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for CMD...: retry for up to 15 s.
wait_for() {
    for _ in $(seq 150); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for: $*" >&2
    return 1
}

# sim_db N SEED: start the simulator with N conversations (SIM_PID, SIM_URL), sync it into $work/sim.db.
sim_db() {
    local port
    port=$(free_port)
    "$BIN" simulate --listen "127.0.0.1:$port" --conversations "$1" --seed "$2" >"$work/sim.log" 2>&1 &
    SIM_PID=$!
    SIM_URL="http://127.0.0.1:$port"
    wait_for "$py" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)"
    FASTINTERCOM_CONFIG=/nonexistent FASTINTERCOM_API_BASE="$SIM_URL" INTERCOM_ACCESS_TOKEN=sim-token \
        "$BIN" sync --once --full --db "$work/sim.db" >"$work/sync.log" 2>&1 ||
        { echo "sync failed:"; tail -20 "$work/sync.log"; return 1; }
}
