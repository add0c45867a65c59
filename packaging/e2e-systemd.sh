#!/usr/bin/env bash
# End-to-end test of the Debian package under a real systemd (PID 1 in a systemd-nspawn container).
#
#   packaging/e2e-systemd.sh          (root; ~2 min 15 s with the release binary built and the rootfs
#                                      cached: .deb + lintian ~55 s, the upgrade .deb ~20 s, container ~35 s)
#
# Builds the .deb (packaging/build-deb.sh; or uses $FASTINTERCOM_DEB) and a second, higher version of it
# for the upgrade (the same binary repackaged: build-deb.sh with FASTINTERCOM_DEB_BIN/_VERSION, ~15 s
# instead of a second cargo build), makes a throw-away signing key and a signed APT repository
# (packaging/build-apt-repo.sh), boots a debootstrapped Debian bookworm (packaging/rootfs.sh, cached under
# target/e2e/) with --private-network, serves the repository on the container's own loopback (python3
# -m http.server on a free port, in the container's network namespace: nothing listens on the host),
# installs with `apt update && apt install fastintercom`, runs `fastintercom simulate` inside the
# container as the fake Intercom, and checks what an admin would see:
#   - without the repository's key apt refuses it; with the key in /etc/apt/keyrings and the deb822
#     .sources file (Signed-By:) it installs;
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
#   - `apt install ./file.deb --reinstall` keeps the admin's choices;
#   - the higher version published to the repository: `apt update && apt upgrade` keeps the timer and
#     sockets enabled (and the not-enabled ones not enabled), restarts the running MCP servers on the new
#     binary, and the database (same file) and its data are served by the new version; a sync runs on it;
#   - `apt purge` removes the user, /var/lib/fastintercom, /etc/fastintercom and every enable link,
#     those of admin-enabled @instances too (nothing named fastintercom* stays in /etc/systemd/system).
# Prints "N passed, N failed"; exit 1 on any failure. Prints SKIP and exits 0 when it cannot run here
# (not root, no way to install systemd-nspawn/debootstrap, or FASTINTERCOM_E2E_SYSTEMD=0).
#
# The admin commands as README.md shows them (tests/e2e/90-readme.sh checks that each README line marked
# "# e2e: systemd" appears here); this script runs each of them, without sudo, inside the container:
#   sudo curl -fsSLo /etc/apt/keyrings/fastintercom.gpg "$REPO/fastintercom.gpg"
#   sudo curl -fsSLo /etc/apt/sources.list.d/fastintercom.sources "$REPO/fastintercom.sources"
#   sudo apt update
#   sudo apt install fastintercom
#   sudo apt install ./target/debian/fastintercom_0.1.0_amd64.deb
#   sudo apt upgrade
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
command -v gpg >/dev/null || need+=(gpg)
command -v gpg-agent >/dev/null || need+=(gpg-agent)
command -v apt-ftparchive >/dev/null || need+=(apt-utils)
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

# The upgrade: the same binary packaged again under a higher version, from the same debian/ (its
# maintainer scripts are what runs on the upgrade). No second cargo build: dpkg-buildpackage only, with
# gzip instead of xz for this throw-away package (~15 s instead of ~50 s on 2 busy cores).
v1=$(dpkg-deb -f "$deb" Version)
v2=$v1+upgrade1
rm -rf "$work/v2" && mkdir -p "$work/v2/x"
dpkg-deb -x "$deb" "$work/v2/x"
deb2=$(DPKG_DEB_COMPRESSOR_TYPE=gzip FASTINTERCOM_DEB_BIN="$work/v2/x/usr/bin/fastintercom" FASTINTERCOM_DEB_VERSION="$v2" \
    FASTINTERCOM_DEB_OUT="$work/v2" FASTINTERCOM_DEB_LINTIAN=0 packaging/build-deb.sh 2>"$logs/build-deb-v2.log" | tail -1)
if [ ! -f "$deb2" ]; then tail -30 "$logs/build-deb-v2.log"; echo "e2e-systemd: building $v2 failed"; echo "0 passed, 1 failed"; exit 1; fi
log "upgrade package: $deb2"

# A throw-away signing key (nothing secret leaves target/e2e/; the agent is stopped at the end).
export GNUPGHOME=$work/gnupg
rm -rf "$GNUPGHOME" && mkdir -m 0700 "$GNUPGHOME"
signer=e2e@fastintercom.invalid
gpg --batch --passphrase '' --quick-gen-key "fastintercom e2e <$signer>" ed25519 sign 1d >"$logs/gpg.log" 2>&1 ||
    { cat "$logs/gpg.log"; echo "e2e-systemd: gpg could not make a key"; echo "0 passed, 1 failed"; exit 1; }
gpgconf --kill gpg-agent # gpg starts it again when it signs; stopped after each use
repo_dir=$work/repo
rm -rf "$repo_dir" && mkdir -p "$repo_dir"

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
http=""
shutdown() {
    [ -n "$http" ] && { kill "$http" 2>/dev/null; wait "$http" 2>/dev/null; http=""; }
    [ -d "$GNUPGHOME" ] && { gpgconf --kill gpg-agent >/dev/null 2>&1; rm -rf "$GNUPGHOME"; }
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

# 3. The signed repository, served on the container's loopback (its network namespace; the host's ports,
# 8765 included, are not touched), and the install from it.
nsenter -t "$inner" -n python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$repo_dir" >"$logs/http.log" 2>&1 &
http=$!
port=""
for _ in $(seq 50); do
    port=$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' "$logs/http.log")
    [ -n "$port" ] && break; sleep 0.1
done
REPO=http://127.0.0.1:$port
check "repository server listening in the container ($REPO)" test -n "$port"
packaging/build-apt-repo.sh --key "$signer" --url "$REPO" "$repo_dir" "$deb" >/dev/null 2>"$logs/apt-repo-1.log"
gpgconf --kill gpg-agent
check "build-apt-repo.sh: signed repository with $v1" test -s "$repo_dir/dists/stable/InRelease"
# The container has no network (--private-network): its Debian archive entry could only fail `apt update`,
# and everything fastintercom depends on is in the image already.
cin mv /etc/apt/sources.list /root/sources.list.debian
log "apt update && apt install fastintercom (from $REPO)"
cin env REPO="$REPO" sh -c 'curl -fsSLo /etc/apt/sources.list.d/fastintercom.sources "$REPO/fastintercom.sources"'
cin env DEBIAN_FRONTEND=noninteractive apt update >"$logs/apt-update-nokey.log" 2>&1
check "without the key in /etc/apt/keyrings, apt update refuses the repository" \
    grep -q "NO_PUBKEY" "$logs/apt-update-nokey.log"
check "... and fastintercom is not installable" not cin apt-get install --simulate fastintercom
cin env REPO="$REPO" sh -c 'curl -fsSLo /etc/apt/keyrings/fastintercom.gpg "$REPO/fastintercom.gpg"'
(cin env DEBIAN_FRONTEND=noninteractive sh -c 'apt update && apt install fastintercom --yes') >"$logs/apt-install.log" 2>&1
check "apt update && apt install fastintercom" cin dpkg -s fastintercom
check "apt update: no warning or error" not grep -E '^(W|E|Err):' "$logs/apt-install.log"
check "installed $v1 from the repository" grep -q "$REPO" <<<"$(cin apt-cache policy fastintercom)"
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

# 11. The local-file way (a reinstall runs postinst configure with the old version): the admin's choices stay.
log "apt install ./$debname --reinstall"
cin sh -c "cd /root && DEBIAN_FRONTEND=noninteractive apt install ./target/debian/$debname --reinstall --yes" >"$logs/apt-reinstall.log" 2>&1
check "reinstall: fastintercom-sync.timer still enabled and active" cin systemctl is-active --quiet fastintercom-sync.timer
check "reinstall: fastintercom-mcp.socket still enabled and active" cin systemctl is-active --quiet fastintercom-mcp.socket
check "reinstall: the edited config is kept" grep -q 127.0.0.1:8780 "$root/etc/fastintercom/fastintercom.toml"
a=$(mcp_call http://127.0.0.1:8765/mcp)
check "reinstall: MCP still answers" answer_ok "$a"

# 12. The upgrade: publish the higher version, `apt update && apt upgrade`.
conversations() { # the conversations row_count in a get_sync_status answer (JSON or SSE)
    python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("data:"): line = line[5:].strip()
    if not line.startswith("{"): continue
    m = json.loads(line)
    rows = (m.get("result") or {}).get("structuredContent", {}).get("rows", [])
    for r in rows:
        if r.get("resource") == "conversations": print(r["row_count"]); sys.exit(0)
sys.exit(1)' <<<"$1"
}
exe_of() { cin readlink "/proc/$(cin systemctl show -P MainPID "$1")/exe"; }
printf '%s\n' "$sim_token" >"$root/etc/fastintercom/intercom-token" # the good token again (step 9 broke it)
# The MCP server must be running when the upgrade comes: no idle exit in this part.
printf '[Service]\nExecStart=\nExecStart=/usr/bin/fastintercom serve --idle-exit 600\n' >"$root/etc/systemd/system/fastintercom-mcp.service.d/e2e.conf"
cin systemctl daemon-reload
cin systemctl stop fastintercom-mcp.service 2>/dev/null
a=$(mcp_call http://127.0.0.1:8765/mcp)
conv_before=$(conversations "$a")
a=$(mcp_call --unix-socket /run/fastintercom/acme.sock http://localhost/mcp)
pid_before=$(cin systemctl show -P MainPID fastintercom-mcp.service)
acme_pid_before=$(cin systemctl show -P MainPID fastintercom-mcp@acme.service)
db_before=$(stat -c %i "$root/var/lib/fastintercom/fastintercom.db")
check "before the upgrade: MCP service running (PID $pid_before), $conv_before conversations" \
    test "$pid_before" != 0 -a -n "$conv_before"
check "before the upgrade: fastintercom-mcp@acme.service running (PID $acme_pid_before)" test "$acme_pid_before" != 0
check "before the upgrade: fastintercom-sync@acme.timer not enabled (the admin never enabled it)" \
    test "$(cin systemctl is-enabled fastintercom-sync@acme.timer)" = disabled
packaging/build-apt-repo.sh --key "$signer" --url "$REPO" "$repo_dir" "$deb2" >/dev/null 2>"$logs/apt-repo-2.log"
gpgconf --kill gpg-agent
check "build-apt-repo.sh: $v2 published next to $v1" test "$(ls "$repo_dir"/pool/main/f/fastintercom/*.deb | wc -l)" = 2
log "apt update && apt upgrade (to $v2)"
(cin env DEBIAN_FRONTEND=noninteractive sh -c 'apt update && apt upgrade --yes') >"$logs/apt-upgrade.log" 2>&1
check "apt update && apt upgrade installs $v2" test "$(cin dpkg-query -W -f='${Version}' fastintercom)" = "$v2"
check "apt upgrade: no warning or error" not grep -E '^(W|E|Err):' "$logs/apt-upgrade.log"
for u in fastintercom-sync.timer fastintercom-mcp.socket fastintercom-mcp@acme.socket; do
    check "upgrade: $u still enabled" test "$(cin systemctl is-enabled $u)" = enabled
    check "upgrade: $u still active" cin systemctl is-active --quiet $u
done
check "upgrade: fastintercom-sync@acme.timer still not enabled" test "$(cin systemctl is-enabled fastintercom-sync@acme.timer)" = disabled
for _ in $(seq 50); do cin systemctl is-active --quiet fastintercom-mcp.service && break; sleep 0.1; done
pid_after=$(cin systemctl show -P MainPID fastintercom-mcp.service)
check "upgrade: the running MCP service was restarted (PID $pid_before -> $pid_after)" \
    test "$pid_after" != 0 -a "$pid_after" != "$pid_before"
check "upgrade: it runs the new /usr/bin/fastintercom (not the deleted old file)" test "$(exe_of fastintercom-mcp.service)" = /usr/bin/fastintercom
acme_pid_after=$(cin systemctl show -P MainPID fastintercom-mcp@acme.service)
check "upgrade: the running fastintercom-mcp@acme.service was restarted (PID $acme_pid_before -> $acme_pid_after)" \
    test "$acme_pid_after" != 0 -a "$acme_pid_after" != "$acme_pid_before"
check "upgrade: fastintercom-mcp@acme.service runs the new binary" test "$(exe_of fastintercom-mcp@acme.service)" = /usr/bin/fastintercom
check "upgrade: the database is the same file (inode $db_before)" test "$(stat -c %i "$root/var/lib/fastintercom/fastintercom.db")" = "$db_before"
a=$(mcp_call http://127.0.0.1:8765/mcp); echo "$a" >"$logs/mcp-answer-upgraded.txt"
conv_after=$(conversations "$a")
check "upgrade: the new version serves the same data ($conv_after conversations)" test -n "$conv_after" -a "$conv_after" = "$conv_before"
a=$(mcp_call --unix-socket /run/fastintercom/acme.sock http://localhost/mcp)
check "upgrade: fastintercom-mcp@acme answers" answer_ok "$a"
check "upgrade: the edited config is kept" grep -q 127.0.0.1:8780 "$root/etc/fastintercom/fastintercom.toml"
check "upgrade: the token is kept, mode 0600" test "$(stat -c %a "$root/etc/fastintercom/intercom-token")" = 600
cin systemctl start fastintercom-sync.service >/dev/null 2>&1
check "upgrade: a sync on the new version succeeds" test "$(cin systemctl show -P Result fastintercom-sync.service)" = success
check "upgrade: fastintercom status (as a group member) on the new version" cin runuser -u alice -- fastintercom status

# 13. Purge removes everything, with the timer, the sockets and the acme instance still enabled.
log "apt purge"
rm -rf "$root"/etc/systemd/system/fastintercom-*.d # the test's own drop-ins
cin env DEBIAN_FRONTEND=noninteractive apt purge fastintercom --yes >"$logs/apt-purge.log" 2>&1
check "apt purge fastintercom" not cin dpkg -s fastintercom
check "purge removed the user" not cin getent passwd fastintercom
check "purge removed the group" not cin getent group fastintercom
check "purge removed /var/lib/fastintercom" test ! -e "$root/var/lib/fastintercom"
check "purge removed /etc/fastintercom" test ! -e "$root/etc/fastintercom"
check "purge removed the units" test ! -e "$root/lib/systemd/system/fastintercom-sync.service"
left=$(cd "$root" && find etc/systemd/system var/lib/systemd/deb-systemd-helper-enabled \
    var/lib/systemd/deb-systemd-helper-masked -name 'fastintercom*' 2>/dev/null)
check "purge removed every enable link, the admin-enabled fastintercom-mcp@acme.socket too${left:+ (left: $left)}" test -z "$left"
dangling=$(cd "$root" && find -L etc/systemd -type l 2>/dev/null)
check "no dangling links in /etc/systemd${dangling:+ (found: $dangling)}" test -z "$dangling"

log "done; logs in $logs"
if [ "$failed" -eq 0 ]; then shutdown; trap - EXIT; rm -rf "$root"; fi # 250 MB; the tarball stays cached
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
