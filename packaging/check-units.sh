#!/usr/bin/env bash
# Fast static checks of what the Debian package installs (no root, no container; ~2 s):
#  1. `systemd-analyze verify` of every unit in systemd/ (templates as an instance), against the built
#     binary and the generated man pages (Documentation=man:...). verify exits 0 on unknown keys, so any
#     output at all is a failure.
#  2. `systemd-analyze security --offline=true`: each service's exposure must be <= 2.0 (scores printed).
#  3. packaging/fastintercom.toml: valid TOML, every key of src/config.rs FileConfig documented there
#     (commented out, with its default) and no key the binary would reject.
# Skips (exit 0 with a reason) only when systemd-analyze is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BIN=${FASTINTERCOM_BIN:-$root/target/debug/fastintercom}
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}

if ! command -v systemd-analyze >/dev/null; then
    echo "SKIP check-units: systemd-analyze not installed (apt-get install systemd)"
    exit 0
fi
[ -x "$BIN" ] || cargo build --bins
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# Units as installed, but ExecStart pointing at the built binary; templates instantiated as "ci".
"$BIN" gen-docs --out "$work/docs" >/dev/null
mkdir -p "$work/manpath" && ln -s "$work/docs/man" "$work/manpath/man1"
mkdir -p "$work/units"
for f in systemd/*.service systemd/*.socket systemd/*.timer; do
    name=$(basename "$f")
    name=${name/@./@ci.}
    sed "s|/usr/bin/fastintercom|$BIN|g" "$f" >"$work/units/$name"
done
out=$(cd "$work/units" && MANPATH="$work/manpath" systemd-analyze verify ./*.service ./*.socket ./*.timer 2>&1) || true
if [ -n "$out" ]; then
    echo "systemd-analyze verify: FAILED"
    echo "$out" | sed 's/^/  | /'
    fail=1
else
    echo "systemd-analyze verify: clean ($(ls "$work/units" | wc -l) units)"
fi

for unit in "$work"/units/*.service; do
    score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    name=$(basename "$unit")
    if [ -z "$score" ]; then
        echo "systemd-analyze security $name: no score"; fail=1
    elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s > m) }'; then
        echo "systemd-analyze security $name: exposure $score > $MAX_EXPOSURE"; fail=1
    else
        echo "systemd-analyze security $name: exposure $score (<= $MAX_EXPOSURE)"
    fi
done

# The default config documents exactly the keys the binary accepts.
python3 - packaging/fastintercom.toml src/config.rs <<'PY' || fail=1
import re, sys, tomllib
conf, src = open(sys.argv[1]).read(), open(sys.argv[2]).read()
tomllib.loads(conf)  # as shipped: everything commented out
keys = re.findall(r"^#([a-z_]+) = ", conf, re.M)
tomllib.loads("\n".join(l[1:] for l in conf.splitlines() if re.match(r"^#[a-z_]+ = ", l)))
struct = re.search(r"pub struct FileConfig \{(.*?)\n\}", src, re.S).group(1)
known = re.findall(r"pub ([a-z_]+):", struct)
missing, unknown = sorted(set(known) - set(keys)), sorted(set(keys) - set(known))
if missing or unknown:
    print(f"fastintercom.toml: undocumented keys {missing}, keys the binary rejects {unknown}")
    sys.exit(1)
print(f"fastintercom.toml: all {len(known)} keys documented, parses with every key uncommented")
PY

[ $fail -eq 0 ] && echo "check-units: ok" || echo "check-units: FAILED"
exit $fail
