#!/usr/bin/env bash
# The simulator against Intercom's own OpenAPI description (shared/intercom-openapi, 2.16): every
# response shape it serves is validated with Python's jsonschema, a validator we did not write.
# Deliberate deviations are listed in KNOWN in the script (API notes §10.6: numbers where the spec
# says string).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${FASTINTERCOM_BIN:-target/debug/fastintercom}
spec=${INTERCOM_OPENAPI:-/work/shared/intercom-openapi/api.intercom.io.yaml}
[ -f "$spec" ] || spec=../shared/intercom-openapi/api.intercom.io.yaml
if [ ! -f "$spec" ]; then
    echo "SKIP: no OpenAPI file (set INTERCOM_OPENAPI to shared/intercom-openapi/api.intercom.io.yaml)"
    exit 0
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import yaml, jsonschema' 2>/dev/null; then
    bash scripts/setup-python
    python=target/venv/bin/python
    "$python" -c 'import yaml' 2>/dev/null || "$python" -m pip install --quiet pyyaml
fi
out=$(mktemp)
"$bin" simulate --listen 127.0.0.1:0 --conversations 300 --seed 7 >"$out" 2>/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do
    grep -q "listening on" "$out" && break
    sleep 0.1
done
base=$(awk '{print $4}' "$out")
[ -n "$base" ] || { echo "simulator did not start" >&2; exit 1; }
"$python" - "$spec" "$base" sim-token <<'PY'
import json, sys, urllib.request, yaml
from jsonschema import Draft202012Validator

spec_path, base, token = sys.argv[1], sys.argv[2], sys.argv[3]
spec = yaml.safe_load(open(spec_path))

def conv(node):
    if isinstance(node, list):
        return [conv(x) for x in node]
    if not isinstance(node, dict):
        return node
    n = {k: conv(v) for k, v in node.items() if k not in ("example", "examples", "nullable")}
    if node.get("nullable"):
        if "type" in n and "$ref" not in n:
            t = n["type"]
            n["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in n:
                n["enum"] = list(n["enum"]) + [None]
        else:
            n = {"anyOf": [{"type": "null"}, n]}
    return n

components = {"schemas": conv(spec["components"]["schemas"])}

def req(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(base + path, data=data, method=method,
                               headers={"Authorization": "Bearer " + token, "Accept": "application/json",
                                        "Content-Type": "application/json", "Intercom-Version": "2.16"})
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

# Deliberate deviations (API notes §10.6): numbers where the spec says string.
KNOWN = {("statistics", "last_closed_by_id")}

failures = 0
checked = 0
def check(name, schema, value):
    global failures, checked
    checked += 1
    v = Draft202012Validator({"$ref": "#/components/schemas/" + schema, "components": components})
    bad = []
    for e in v.iter_errors(value):
        path = tuple(str(p) for p in e.absolute_path)
        if tuple(path[-2:]) in KNOWN:
            continue
        bad.append(e)
    if bad:
        failures += 1
        for e in bad[:5]:
            print(f"FAIL {name} vs {schema}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")

s, me = req("GET", "/me"); check("GET /me", "admin_with_app", me)
s, v = req("GET", "/admins"); check("GET /admins", "admin_list", v)
s, v = req("GET", "/teams"); check("GET /teams", "team_list", v)
s, v = req("GET", "/tags"); check("GET /tags", "tag_list", v)
s, lst = req("GET", "/conversations?per_page=50"); check("GET /conversations", "conversation_list", lst)
q = {"query": {"operator": "AND", "value": [{"field": "updated_at", "operator": ">", "value": 0}]},
     "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": 50}}
s, srch = req("POST", "/conversations/search", q); check("POST /conversations/search", "conversation_list", srch)
for c in lst["conversations"][:50]:
    s, full = req("GET", "/conversations/" + c["id"])
    check("GET /conversations/%s" % c["id"], "conversation", full)
s, v = req("GET", "/conversations/deleted"); check("GET /conversations/deleted", "deleted_conversation_list", v)
s, cl = req("GET", "/contacts"); check("GET /contacts", "contact_list", cl)
s, v = req("POST", "/contacts/search", {"query": {"field": "role", "operator": "=", "value": "user"}})
check("POST /contacts/search", "contact_list", v)
for c in cl["data"][:20]:
    s, v = req("GET", "/contacts/" + c["id"]); check("GET /contacts/%s" % c["id"], "contact", v)
s, v = req("GET", "/conversations/1"); assert s == 404; check("404", "error", v)
s, v = req("GET", "/ticket_types"); check("GET /ticket_types", "ticket_type_list", v)
s, v = req("GET", "/ticket_states"); check("GET /ticket_states", "ticket_state_list", v)
q = {"query": {"operator": "AND", "value": [{"field": "updated_at", "operator": ">", "value": 0},
                                             {"field": "category", "operator": "IN", "value": ["request", "task", "tracker"]}]},
     "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": 20}}
s, tl = req("POST", "/tickets/search", q); check("POST /tickets/search", "ticket_list", tl)
assert tl["tickets"], "the simulator has tickets"
for t in tl["tickets"]:
    s, v = req("GET", "/tickets/" + t["id"]); check("GET /tickets/%s" % t["id"], "ticket", v)
s, v = req("GET", "/tickets/" + tl["tickets"][0]["ticket_id"]); assert s == 404, "the inbox ticket_id is not an API id"
check("404 ticket by inbox id", "error", v)
s, al = req("GET", "/articles?per_page=50"); check("GET /articles", "article_list", al)
assert al["data"] and al["data"][0]["updated_at"] >= al["data"][-1]["updated_at"], "newest first"
for a in al["data"][:20]:
    s, v = req("GET", "/articles/" + a["id"]); check("GET /articles/%s" % a["id"], "article", v)
s, v = req("GET", "/segments"); check("GET /segments", "segment_list", v)
for g in v["segments"]:
    s, v2 = req("GET", "/segments/" + g["id"]); check("GET /segments/%s" % g["id"], "segment", v2)
s, sc = req("GET", "/companies/scroll"); check("GET /companies/scroll", "company_scroll", sc)
assert sc["data"], "the simulator has companies"
s, v = req("GET", "/companies/scroll"); assert s == 400, "one open scroll per workspace"
check("400 scroll already exists", "error", v)
while True:
    s, v = req("GET", "/companies/scroll?scroll_param=" + sc["scroll_param"]); assert s == 200
    check("GET /companies/scroll (next)", "company_scroll", v)
    if not v["data"]:
        break
for c in sc["data"][:20]:
    s, v = req("GET", "/companies/" + c["id"]); check("GET /companies/%s" % c["id"], "company", v)
s, v = req("POST", "/companies/list?per_page=20"); check("POST /companies/list", "company_list", v)
assert all(c["user_count"] > 0 for c in v["data"]), "companies without users are not listed"
s, v = req("GET", "/companies/nope"); assert s == 404; check("404 company", "error", v)
import urllib.parse as up
c0 = next(c for c in sc["data"] if c["user_count"] > 0)
s, v = req("GET", "/companies?name=" + up.quote(c0["name"])); check("GET /companies?name=", "company_list", v)
assert [c["id"] for c in v["data"]] == [c0["id"]], "a company by name"
s, v = req("GET", "/companies?company_id=" + up.quote(c0["company_id"])); check("GET /companies?company_id=", "company_list", v)
assert v["data"][0]["id"] == c0["id"], "a company by its company_id"
s, v = req("GET", "/companies?name=nope-no-such"); assert s == 404; check("404 company by name", "error", v)
s, v = req("GET", "/companies/" + c0["id"] + "/contacts"); check("GET /companies/{id}/contacts", "company_attached_contacts", v)
assert v["total_count"] == c0["user_count"] and v["data"], "the company's contacts"
s, v = req("GET", "/articles/search?phrase=refund&state=published"); check("GET /articles/search", "article_search_response", v)
assert all(a["state"] == "published" for a in v["data"]["articles"]), "published only"
s, v = req("GET", "/articles/search?phrase=refund&state=archived"); assert s == 400
s, v = req("POST", "/contacts/search", {"sort": {"field": "updated_at", "order": "desc"}}); assert s == 400
check("400 invalid_sort_order", "error", v)
print(f"{checked} responses checked, {failures} with schema failures")
sys.exit(1 if failures else 0)
PY
echo "simulator responses match the OpenAPI schemas"
