#!/usr/bin/env bash
# End-to-end test of the Debian package under a real systemd (PID 1 in a systemd-nspawn container).
#
#   packaging/e2e-systemd.sh          (root; ~50 s with the cached rootfs, ~90 s cold)
#
# Builds the .deb (packaging/build-deb.sh; or uses $FASTINTERCOM_DEB), boots a debootstrapped Debian
# bookworm (packaging/rootfs.sh, cached under target/e2e/) with --private-network, installs the .deb with
# apt, runs `fastintercom simulate` inside the container as the fake Intercom, and checks what an admin
# would see:
#   - install starts and enables nothing; the user, config, man pages and completions are there;
#   - the timer fires the sync (drop-in OnActiveSec=2s AccuracySec=1ms); the database appears in
#     /var/lib/fastintercom owned by the service user;
#   - journalctl -o json carries SYNC_STATUS, CONVERSATIONS_SYNCED, REQUESTS, RATE_LIMITED, DURATION_MS;
#   - an MCP request (initialize + tools/call get_sync_status) to 127.0.0.1:8765 and to
#     /run/fastintercom/mcp.sock starts fastintercom-mcp.service, which answers from the read-only state
#     directory, exits when idle (drop-in --idle-exit 3) and comes back on the next request;
#   - a template instance (fastintercom-sync@acme) syncs into its own state directory;
#   - a bad token makes the sync fail: `systemctl status` shows failed and the one-line reason;
#   - systemd-analyze security inside the container (scores printed for BENCHMARKS.md);
#   - `apt purge` removes the user, /var/lib/fastintercom and /etc/fastintercom.
# Prints "N passed, N failed"; exit 1 on any failure. Prints SKIP and exits 0 when it cannot run here
# (not root, no way to install systemd-nspawn/debootstrap, or FASTINTERCOM_E2E_SYSTEMD=0).
#
# The admin commands as README.md shows them (tests/e2e/90-readme.sh checks that each README line marked
# "# e2e: systemd" appears here); this script runs each of them, without sudo, inside the container:
#   sudo apt install ./target/debian/fastintercom_0.1.0_amd64.deb
#   sudo install -m 0600 intercom-token /etc/fastintercom/intercom-token
#   sudo systemctl enable --now fastintercom-sync.timer fastintercom-mcp.socket
#   journalctl -u fastintercom-sync -o json
#   systemctl status fastintercom-sync
#   sudo apt purge fastintercom
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
t0=$(date +%s.%N)
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo 0)"; }
log() { echo "[e2e-systemd $(elapsed)s] $*"; }

if [ "${FASTINTERCOM_E2E_SYSTEMD:-1}" = 0 ]; then echo "SKIP e2e-systemd: FASTINTERCOM_E2E_SYSTEMD=0"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "SKIP e2e-systemd: needs root (systemd-nspawn, debootstrap)"; exit 0; fi
need=()
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v bc >/dev/null || need+=(bc)
command -v python3 >/dev/null || need+=(python3)
command -v pgrep >/dev/null || need+=(procps)
command -v nsenter >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null; then echo "SKIP e2e-systemd: no apt-get to install ${need[*]}"; exit 0; fi
    log "installing ${need[*]}"
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; } >/dev/null ||
        { echo "SKIP e2e-systemd: could not install ${need[*]}"; exit 0; }
fi

passed=0; failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
not() { ! "$@"; }

work=$repo/target/e2e
logs=$work/logs
mkdir -p "$logs"
rm -f "$logs"/*

# 1. The package.
deb=${FASTINTERCOM_DEB:-}
if [ -z "$deb" ]; then
    log "building the .deb (packaging/build-deb.sh)"
    deb=$(packaging/build-deb.sh 2>"$logs/build-deb.log" | tail -1)
    if [ ! -f "$deb" ]; then tail -30 "$logs/build-deb.log"; echo "e2e-systemd: building the .deb failed"; echo "0 passed, 1 failed"; exit 1; fi
fi
debname=$(basename "$deb")
log "package: $deb"

# 2. The container.
root=$work/root
packaging/rootfs.sh "$root" >/dev/null || { echo "e2e-systemd: rootfs failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$root/root/target/debian" && cp "$deb" "$root/root/target/debian/$debname"
machine=fi-e2e-$$
log "booting systemd in $root"
systemd-nspawn -D "$root" --boot --keep-unit --register=no --private-network --system-call-filter=bpf \
    -M "$machine" >"$logs/console.log" 2>&1 </dev/null &
nspawn=$!
inner=""
shutdown() {
    [ -n "$inner" ] && cin systemctl poweroff --no-block >/dev/null 2>&1
    for _ in $(seq 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.2; done
    kill "$nspawn" 2>/dev/null; wait "$nspawn" 2>/dev/null
}
trap shutdown EXIT
cin() { nsenter -t "$inner" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_PAGER= "$@"; }
for _ in $(seq 100); do
    inner=$(pgrep -P "$nspawn" | head -1)
    [ -n "$inner" ] && [ "$(cat /proc/"$inner"/comm 2>/dev/null)" = systemd ] && break
    inner=""; sleep 0.1
done
if [ -z "$inner" ]; then cat "$logs/console.log"; echo "e2e-systemd: the container did not start"; echo "0 passed, 1 failed"; exit 1; fi
state=""
for _ in $(seq 300); do # PID 1 answers on its private socket a moment after it starts
    state=$(cin systemctl is-system-running 2>&1)
    case "$state" in initializing|starting|running|degraded|maintenance|stopping) break ;; esac
    sleep 0.1
done
case "$state" in initializing|starting) state=$(cin timeout 60 systemctl is-system-running --wait 2>&1) ;; esac
log "container up (PID 1 = host PID $inner): $state"
case "$state" in running|degraded) ok "container boots systemd ($state)" ;; *) bad "container boot: $state"; cat "$logs/console.log"; echo "$passed passed, $failed failed"; exit 1 ;; esac

# 3. Install: nothing may start or be enabled without a token.
log "apt install"
(cd "$root/root" && cin sh -c "cd /root && DEBIAN_FRONTEND=noninteractive apt install ./target/debian/$debname --yes") >"$logs/apt-install.log" 2>&1
check "apt install ./$debname" cin dpkg -s fastintercom
check "user fastintercom created (sysusers)" cin getent passwd fastintercom
check "default config is a conffile" grep -q /etc/fastintercom/fastintercom.toml <<<"$(cin dpkg-query -W -f='${Conffiles}' fastintercom)"
check "man page fastintercom-sync(1) installed" test -f "$root/usr/share/man/man1/fastintercom-sync.1.gz"
check "bash completion installed" test -f "$root/usr/share/bash-completion/completions/fastintercom"
for u in fastintercom-sync.timer fastintercom-mcp.socket; do
    check "$u not enabled after install" test "$(cin systemctl is-enabled $u)" = disabled
done
for u in fastintercom-sync.timer fastintercom-mcp.socket fastintercom-sync.service fastintercom-mcp.service; do
    check "$u not active after install" not cin systemctl is-active --quiet $u
done

# 4. The fake Intercom inside the container, the token, the config.
sim_token=e2e-$RANDOM-token
cin systemd-run --quiet --unit=intercom-simulator -p DynamicUser=yes \
    /usr/bin/fastintercom simulate --listen 127.0.0.1:8780 --conversations 300 --seed 5 --token "$sim_token" >/dev/null 2>&1
for _ in $(seq 50); do cin curl -s -o /dev/null http://127.0.0.1:8780/ && break; sleep 0.2; done
check "simulator listening on 127.0.0.1:8780 in the container" cin curl -s -o /dev/null http://127.0.0.1:8780/
printf '%s\n' "$sim_token" >"$root/root/intercom-token"
cin sh -c 'cd /root && install -m 0600 intercom-token /etc/fastintercom/intercom-token'
echo 'api_base = "http://127.0.0.1:8780"' >>"$root/etc/fastintercom/fastintercom.toml"
# Test-only drop-ins: fire the timer once, 2 s after enabling (OnCalendar= clears the every-minute schedule so
# no second run lands between the checks); let the MCP server idle out after 3 s.
mkdir -p "$root/etc/systemd/system/fastintercom-sync.timer.d" "$root/etc/systemd/system/fastintercom-mcp.service.d"
printf '[Timer]\nOnCalendar=\nOnActiveSec=2s\nAccuracySec=1ms\nRandomizedDelaySec=0\n' >"$root/etc/systemd/system/fastintercom-sync.timer.d/e2e.conf"
printf '[Service]\nExecStart=\nExecStart=/usr/bin/fastintercom serve --idle-exit 3\n' >"$root/etc/systemd/system/fastintercom-mcp.service.d/e2e.conf"
cin systemctl daemon-reload

# 5. Enable: the timer fires the sync.
log "systemctl enable --now fastintercom-sync.timer fastintercom-mcp.socket"
check "systemctl enable --now fastintercom-sync.timer fastintercom-mcp.socket" \
    cin systemctl enable --now fastintercom-sync.timer fastintercom-mcp.socket
sync_done() { [ "$(cin systemctl show -P ExecMainExitTimestampMonotonic fastintercom-sync.service)" != 0 ] &&
    ! cin systemctl is-active --quiet fastintercom-sync.service; }
for _ in $(seq 300); do sync_done && break; sleep 0.2; done
log "sync run finished: $(cin systemctl show -P Result fastintercom-sync.service)"
check "timer fired fastintercom-sync.service" sync_done
check "sync run succeeded (Result=success)" test "$(cin systemctl show -P Result fastintercom-sync.service)" = success
cin journalctl -u fastintercom-sync.service --no-pager >"$logs/sync-journal.txt" 2>&1
check "database /var/lib/fastintercom/fastintercom.db exists" test -f "$root/var/lib/fastintercom/fastintercom.db"
check "database owned by the service user" test "$(cin stat -c %U:%G /var/lib/fastintercom/fastintercom.db)" = fastintercom:fastintercom
check "state directory mode 0750" test "$(cin stat -c %a /var/lib/fastintercom)" = 750

cin useradd --groups fastintercom alice
check "fastintercom status as a member of group fastintercom (read-only access)" cin runuser -u alice -- fastintercom status
check "other users cannot read the state directory" not cin runuser -u nobody -- ls /var/lib/fastintercom

# 6. Structured journal fields.
cin journalctl -u fastintercom-sync -o json --no-pager >"$logs/sync-journal.json" 2>/dev/null
fields=$(python3 - "$logs/sync-journal.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if "SYNC_STATUS" in r]
if not rows:
    print("no journal entry with SYNC_STATUS"); sys.exit(1)
r = rows[-1]
need = ["SYNC_STATUS", "CONVERSATIONS_SYNCED", "REQUESTS", "RATE_LIMITED", "DURATION_MS"]
missing = [k for k in need if k not in r]
print(" ".join(f"{k}={r.get(k)}" for k in need))
if missing or r["SYNC_STATUS"] != "ok" or int(r["CONVERSATIONS_SYNCED"]) <= 0:
    sys.exit(1)
PY
)
rc=$?
echo "       journal: $fields"
[ $rc -eq 0 ] && ok "journalctl -o json: SYNC_STATUS=ok with counts, requests, 429s, duration" || bad "journal fields: $fields"

# 7. MCP over the activated sockets.
mcp_call() { # "$@" = curl target args; prints the get_sync_status answer
    local hdr=/root/mcp-headers
    cin curl -s --max-time 20 "$@" -D "$hdr" -o /dev/null -X POST \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e-curl","version":"1"}}}' || return 1
    local sid; sid=$(tr -d '\r' <"$root$hdr" | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
    local sess=(); [ -n "$sid" ] && sess=(-H "Mcp-Session-Id: $sid")
    cin curl -s --max-time 20 "$@" -o /dev/null -X POST "${sess[@]}" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    cin curl -s --max-time 20 "$@" -X POST "${sess[@]}" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_sync_status","arguments":{}}}'
}
answer_ok() { grep -q '"result"' <<<"$1" && ! grep -q '"isError":true' <<<"$1"; }
log "MCP request over TCP 127.0.0.1:8765"
check "MCP service inactive before the first request" not cin systemctl is-active --quiet fastintercom-mcp.service
a=$(mcp_call http://127.0.0.1:8765/mcp); echo "$a" >"$logs/mcp-answer-1.txt"
check "MCP over TCP: get_sync_status answers (socket started the service)" answer_ok "$a"
check "fastintercom-mcp.service active after the request" cin systemctl is-active --quiet fastintercom-mcp.service
for _ in $(seq 100); do cin systemctl is-active --quiet fastintercom-mcp.service || break; sleep 0.2; done
check "MCP service exits when idle (--idle-exit 3)" not cin systemctl is-active --quiet fastintercom-mcp.service
check "idle exit is clean (Result=success)" test "$(cin systemctl show -P Result fastintercom-mcp.service)" = success
check "socket still listening after idle exit" cin systemctl is-active --quiet fastintercom-mcp.socket
init_ms() { cin curl -s -o /dev/null -w '%{time_total}' --max-time 20 -X POST -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e-curl","version":"1"}}}' \
    http://127.0.0.1:8765/mcp | awk '{ printf "%.1f", $1 * 1000 }'; }
cold=$(init_ms); warm=$(init_ms)
echo "       MCP initialize over TCP: ${cold} ms with socket activation (service start), ${warm} ms warm"
a=$(mcp_call http://127.0.0.1:8765/mcp); echo "$a" >"$logs/mcp-answer-2.txt"
check "MCP over TCP after the idle exit: the service comes back and answers" answer_ok "$a"
a=$(mcp_call --max-time 10 --unix-socket /run/fastintercom/mcp.sock http://localhost/mcp); echo "$a" >"$logs/mcp-answer-3.txt"
check "MCP over /run/fastintercom/mcp.sock answers (same service, second socket)" answer_ok "$a"
# Optional bearer token for MCP clients, as a credential from /etc/credstore.
cin mkdir -p /etc/credstore
echo "e2e-mcp-secret" >"$root/etc/credstore/fastintercom-mcp-token"
cin chmod 0600 /etc/credstore/fastintercom-mcp-token
cin systemctl stop fastintercom-mcp.service 2>/dev/null
code=$(cin curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' http://127.0.0.1:8765/mcp)
check "with /etc/credstore/fastintercom-mcp-token, a request without the token gets 401 (got $code)" test "$code" = 401
a=$(mcp_call -H "Authorization: Bearer e2e-mcp-secret" http://127.0.0.1:8765/mcp)
check "... and with Authorization: Bearer it answers" answer_ok "$a"
cin rm -f /etc/credstore/fastintercom-mcp-token
cin systemctl stop fastintercom-mcp.service 2>/dev/null
check "unix socket is group fastintercom, mode 0660" test "$(cin stat -c %G:%a /run/fastintercom/mcp.sock)" = fastintercom:660
cin journalctl -u fastintercom-mcp.service --no-pager >"$logs/mcp-journal.txt" 2>&1

# 8. A second workspace: template instance with its own token, config and state directory.
cin mkdir -p /etc/fastintercom/acme
cin sh -c 'cd /root && install -m 0600 intercom-token /etc/fastintercom/acme/intercom-token'
echo 'api_base = "http://127.0.0.1:8780"' >"$root/etc/fastintercom/acme/fastintercom.toml"
cin systemctl start fastintercom-sync@acme.service
check "fastintercom-sync@acme.service succeeds" test "$(cin systemctl show -P Result fastintercom-sync@acme.service)" = success
check "instance database /var/lib/fastintercom/acme/fastintercom.db" test -f "$root/var/lib/fastintercom/acme/fastintercom.db"
check "systemctl enable --now fastintercom-mcp@acme.socket" cin systemctl enable --now fastintercom-mcp@acme.socket
a=$(mcp_call --unix-socket /run/fastintercom/acme.sock http://localhost/mcp); echo "$a" >"$logs/mcp-answer-acme.txt"
check "MCP over /run/fastintercom/acme.sock (Unix socket) answers from the acme database" answer_ok "$a"

# 9. A bad token: the run fails, visibly, with its one-line reason.
log "bad token"
cin sh -c 'echo not-the-token > /etc/fastintercom/intercom-token'
cin systemctl start fastintercom-sync.service >/dev/null 2>&1
status=$(cin systemctl status fastintercom-sync --no-pager -n 5 2>&1); echo "$status" >"$logs/status-bad-token.txt"
echo "$status" | sed -n '1,3p;/fastintercom\[/p' | sed 's/^/       | /' | tail -8
check "systemctl is-failed fastintercom-sync after a bad token" cin systemctl is-failed --quiet fastintercom-sync.service
check "systemctl status shows 'failed'" grep -q 'Active: failed' <<<"$status"
check "systemctl status shows the one-line reason" grep -Eqi 'fastintercom: .*(token|401|unauthori)' <<<"$status"
failed_json=$(cin journalctl -u fastintercom-sync.service -o json --no-pager 2>/dev/null)
failed_fields=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
res = [r.get("UNIT_RESULT") for r in rows if "UNIT_RESULT" in r]
st = [r.get("SYNC_STATUS") for r in rows if "SYNC_STATUS" in r]
print(f"UNIT_RESULT={res[-1] if res else None} last SYNC_STATUS={st[-1] if st else None}")
sys.exit(0 if res and res[-1] == "exit-code" else 1)' <<<"$failed_json")
rc=$?
echo "       journal after the failed run: $failed_fields"
[ $rc -eq 0 ] && ok "journalctl -o json shows the failed run (UNIT_RESULT=exit-code)" || bad "journal after failed run: $failed_fields"
check "the bad token itself is not logged" not grep -q -e not-the-token -e "$sim_token" <<<"$(cin journalctl -u fastintercom-sync.service -o verbose --no-pager)"

# 10. Exposure scores as systemd itself computes them on the installed units.
for u in fastintercom-sync.service fastintercom-mcp.service; do
    s=$(cin systemd-analyze security "$u" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \(.*\)/\1/p')
    echo "       systemd-analyze security $u: $s"
    check "$u exposure <= 2.0 as installed" awk -v s="${s%% *}" 'BEGIN { exit !(s != "" && s <= 2.0) }'
done

# 11. Upgrade path (reinstall runs postinst configure with the old version): the admin's choices stay.
log "apt reinstall"
cin sh -c "cd /root && DEBIAN_FRONTEND=noninteractive apt install ./target/debian/$debname --reinstall --yes" >"$logs/apt-reinstall.log" 2>&1
check "reinstall: fastintercom-sync.timer still enabled and active" cin systemctl is-active --quiet fastintercom-sync.timer
check "reinstall: fastintercom-mcp.socket still enabled and active" cin systemctl is-active --quiet fastintercom-mcp.socket
check "reinstall: the edited config is kept" grep -q 127.0.0.1:8780 "$root/etc/fastintercom/fastintercom.toml"
a=$(mcp_call http://127.0.0.1:8765/mcp)
check "reinstall: MCP still answers" answer_ok "$a"

# 12. Purge removes everything.
log "apt purge"
cin systemctl disable --now fastintercom-sync.timer fastintercom-mcp.socket >/dev/null 2>&1
cin env DEBIAN_FRONTEND=noninteractive apt purge fastintercom --yes >"$logs/apt-purge.log" 2>&1
check "apt purge fastintercom" not cin dpkg -s fastintercom
check "purge removed the user" not cin getent passwd fastintercom
check "purge removed the group" not cin getent group fastintercom
check "purge removed /var/lib/fastintercom" test ! -e "$root/var/lib/fastintercom"
check "purge removed /etc/fastintercom" test ! -e "$root/etc/fastintercom"
check "purge removed the units" test ! -e "$root/lib/systemd/system/fastintercom-sync.service"

log "done; logs in $logs"
if [ "$failed" -eq 0 ]; then shutdown; trap - EXIT; rm -rf "$root"; fi # 250 MB; the tarball stays cached
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
