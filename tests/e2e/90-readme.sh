#!/usr/bin/env bash
# README check: every command shown in README.md (lines starting with "$ " inside fenced code blocks) is run
# here, in a throw-away state dir against the simulator, and must exit 0 — unless the line carries a marker:
#   "# e2e: systemd"   the command needs a real systemd/apt: it must appear verbatim in packaging/e2e-systemd.sh,
#                      which runs it inside the container (so it cannot rot either);
#   "# expect-fail"    the command must exit non-zero (e.g. status on a stale database);
#   "# long-running"   a server: started in the background, must still be alive after 2 s, then stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${FASTINTERCOM_BIN:-$PWD/target/debug/fastintercom}
work=$(mktemp -d)
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# A simulator and environment so commands that talk to "Intercom" have one.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" simulate --listen "127.0.0.1:$port" --conversations 3000 --seed 42 >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do grep -q listening "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
export FASTINTERCOM_API_BASE="http://127.0.0.1:$port" INTERCOM_ACCESS_TOKEN=sim-token
export FASTINTERCOM_DB="$work/fastintercom.db" FASTINTERCOM_CONFIG="$work/none.toml"
# `fastintercom` in README commands means the built binary; `cargo run --release --` is rewritten to it too
# (the demo command itself is exercised by the demo test in tests/it).
mkdir -p "$work/bin"; ln -s "$BIN" "$work/bin/fastintercom"; export PATH="$work/bin:$PATH"

deb_version=$(sed -n '1s/^fastintercom (\([^)]*\)).*/\1/p' debian/changelog)
fail=0; ran=0; checked=0
while IFS= read -r line; do
    cmd=${line#\$ }
    case "$cmd" in
    scripts/test*|./scripts/test*)
        echo "(skip: $cmd is the run doing this check)"; continue ;;
    *"# e2e: systemd"*)
        bare=${cmd%%  # e2e: systemd*}; bare=${bare%% # e2e: systemd*}; bare=${bare#sudo }
        # Comments do not count: the script must run the command. Its $debname is the package it built,
        # named after debian/changelog's version (so a version bump without a README update fails here).
        if grep -v '^[[:space:]]*#' packaging/e2e-systemd.sh | sed "s/\$debname/fastintercom_${deb_version}_amd64.deb/g" |
            grep -F -- "$bare" >/dev/null; then checked=$((checked + 1))  # not -q: an early exit would SIGPIPE sed under pipefail
        else echo "README command not covered by packaging/e2e-systemd.sh: $bare"; fail=1; fi
        continue ;;
    esac
    run=${cmd//cargo run --release -- /fastintercom }
    echo "+ $run"
    case "$cmd" in
    *"# long-running"*)
        # Its own process group (setsid), so stopping it stops what it started too (the demo's server).
        (cd "$work" && exec setsid bash -c "${run%%#*}") >"$work/bg.log" 2>&1 & pid=$!
        for _ in $(seq 100); do grep -q "Serving until" "$work/bg.log" 2>/dev/null && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            kill -INT -- "-$pid" 2>/dev/null; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
        else echo "  died early:"; cat "$work/bg.log"; fail=1; fi ;;
    *"# expect-fail"*)
        if (cd "$work" && eval "${run%%#*}") >"$work/out.log" 2>&1; then echo "  expected failure, got success"; fail=1; fi ;;
    *)
        if ! (cd "$work" && eval "$run") >"$work/out.log" 2>&1; then echo "  FAILED:"; sed 's/^/  | /' "$work/out.log"; fail=1; fi ;;
    esac
    ran=$((ran + 1))
done < <(awk '/^```/{f=!f; next} f && /^\$ /' README.md)
echo "README check: $ran commands run, $checked covered by the systemd e2e test"
[ "$ran" -gt 0 ] || { echo "no commands found in README.md"; exit 1; }
exit $fail
