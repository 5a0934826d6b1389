#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run --json: one JSON object on stdout with the contract's schema;
# result matches the exit status.
. "$(dirname "$0")/lib.sh"

validate() { # validate JSONFILE WANT_RESULT
	python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
want = sys.argv[2]
def need(c, what):
    if not c:
        print("schema: " + what, file=sys.stderr)
        sys.exit(1)
isint = lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0
need(doc.get("version") == 1, "version != 1")
need(doc.get("result") == want, "result %r, want %r" % (doc.get("result"), want))
for k in ("expects", "checks"):
    need(isinstance(doc.get(k), dict), k)
    for s in ("passed", "failed"):
        need(isint(doc[k].get(s)), k + "." + s)
counts = doc.get("counts")
need(isinstance(counts, dict), "counts")
for name in ("TDH.MEM.SEPT.ADD", "TDH.MEM.PAGE.ADD", "TDH.MEM.PAGE.AUG",
             "TDH.MEM.RANGE.BLOCK", "TDH.MEM.RANGE.UNBLOCK", "TDH.MEM.TRACK",
             "TDH.MEM.PAGE.DEMOTE", "TDH.MEM.PAGE.PROMOTE", "TDH.MEM.PAGE.REMOVE",
             "TDH.MEM.SEPT.REMOVE", "TDH.MR.FINALIZE", "TDG.MEM.PAGE.ACCEPT",
             "splits", "kicks", "faults", "vm_bugged"):
    need(isint(counts.get(name)), "counts." + name)
need(counts["vm_bugged"] in (0, 1), "vm_bugged is 0 or 1")
need(isinstance(doc.get("mappings"), dict), "mappings")
for l in ("4K", "2M", "1G"):
    need(isint(doc["mappings"].get(l)), "mappings." + l)
need(isinstance(doc.get("page_table_pages"), dict), "page_table_pages")
for l in ("mirror", "external"):
    need(isint(doc["page_table_pages"].get(l)), "page_table_pages." + l)
if want == "pass":
    need(doc["expects"]["failed"] == 0 and doc["checks"]["failed"] == 0, "pass with failures")
else:
    need(doc["expects"]["failed"] + doc["checks"]["failed"] + doc.get("run_errors", 0) > 0,
         "fail without failures")
PY
}

f=$src/tests/scenarios/fail/expect-count-wrong.tdp
"$bin" run --json "$f" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "failing scenario must exit 1"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "--json: stdout is not one line"
validate "$tmp/out" fail || fail "json of a failing run"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["expects"]=={"passed":1,"failed":1} and d["counts"]["TDH.MEM.TRACK"]==0))' \
	"$tmp/out" || fail "expects/counts values"

# stats goes to stderr with --json: stdout stays one object.
printf 'vm mem=16M\nfinalize\nexpect status=TDX_SUCCESS\nstats\nexpect count TDH.MR.FINALIZE=1\n' >"$tmp/t.tdp"
"$bin" run "$tmp/t.tdp" --json >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] || { cat "$tmp/err" >&2; fail "finalize scenario must pass"; }
validate "$tmp/out" pass || fail "json of a passing run"
grep -q "^TDH.MR.FINALIZE *1$" "$tmp/err" || fail "stats not on stderr under --json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["expects"]["passed"]==2 and d["counts"]["TDH.MR.FINALIZE"]==1))' \
	"$tmp/out" || fail "finalize counted"

# The built-in scenario passes and reports through JSON too.
"$bin" run --json >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] || { cat "$tmp/err" >&2; fail "built-in scenario exit $rc"; }
validate "$tmp/out" pass || fail "json of the built-in run"
echo ok
