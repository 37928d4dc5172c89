#!/usr/bin/env bash
# Resource bombs against the real `meshlens` binary (issue #19): YAML alias bombs, nesting 200,000 levels deep
# (YAML and JSON, descriptors, policies, OpenLineage and dbt results), a sparse 1 GiB file, a 100 MiB JSON string,
# a 9 MiB string under the cap, and 100,000 files in one folder. Every run must end (no crash: exit code 0 or 1,
# never a signal), stay under 1 GiB of memory (`/usr/bin/time -v` max RSS) and name each refused file.
#
#   tests/torture/bombs.sh                 # debug build; MESHLENS_BIN=path/to/meshlens to test another binary
#   MANY_FILES=20000 tests/torture/bombs.sh
#
# Prints one line per run: what, exit code, seconds, max RSS; exits 1 if any run broke a rule.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/meshlens/target}
MANY_FILES=${MANY_FILES:-100000}
MAX_RSS_KB=$((1024 * 1024))

if [[ -z "${MESHLENS_BIN:-}" ]]; then
    (cd "$ROOT" && cargo build -q -p meshlens-cli)
    MESHLENS_BIN=$CARGO_TARGET_DIR/debug/meshlens
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshlens-bombs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
DATA=$WORK/data
BOMBS=$WORK/bombs
MANY=$WORK/many
mkdir -p "$BOMBS/policies" "$BOMBS/dbt" "$BOMBS/lineage" "$MANY"
FAILED=0

# --- the inputs ---------------------------------------------------------------------------------------------
python3 - "$BOMBS" <<'PY'
import os, sys
root = sys.argv[1]
def write(name, text):
    with open(os.path.join(root, name), "w") as f:
        f.write(text)
anchor = "x" * 64 * 1024
head = 'apiVersion: v1.0.0\nkind: DataProduct\nid: {0}\nname: &big "' + anchor + '"\nstatus: active\ntags:\n'
# 160 KB that would build 1.3 GB.
write("alias-160k.odps.yaml", head.format("alias-160k") + "  - *big\n" * 20_000)
# Just under the 10 MiB cap: 1.1 million uses of the anchor, 75 GB once expanded.
uses = (10 * 1024 * 1024 - 80 * 1024) // 9
write("alias-10m.odps.yaml", head.format("alias-10m") + "  - *big\n" * uses)
laughs = 'a0: &a0 ["lol"]\n' + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 10)}]\n" for i in range(1, 12))
write("laughs.odps.yaml", "apiVersion: v1.0.0\nkind: DataProduct\nid: laughs\n" + laughs)
deep = 200_000
write("deep.odps.yaml", "apiVersion: v1.0.0\nkind: DataProduct\nid: deep\nx: " + "[" * deep + "]" * deep + "\n")
write("deep-block.odps.yaml", "apiVersion: v1.0.0\nkind: DataProduct\nid: deep-block\nx:\n  " + "- " * deep + "1\n")
write("deep.odps.json", '{"apiVersion": "v1.0.0", "kind": "DataProduct", "id": "deepj", "x": '
      + '{"a": ' * deep + "1" + "}" * deep + "}\n")
# A 100 MiB string (refused by size) and a 9 MiB one (under the cap: parsed).
with open(os.path.join(root, "string-100m.odps.json"), "w") as f:
    f.write('{"apiVersion": "v1.0.0", "kind": "DataProduct", "id": "s100", "status": "active", "name": "')
    for _ in range(100):
        f.write("y" * (1 << 20))
    f.write('"}\n')
write("string-9m.odps.json", '{"apiVersion": "v1.0.0", "kind": "DataProduct", "id": "s9", "status": "active", "name": "'
      + "y" * (9 << 20) + '"}\n')
# Policies: an alias bomb and deep nesting (they reach `check`, `report`, `draft check`, `submit`).
write("policies/bomb.yaml", "apiVersion: meshlens/v1\nkind: Policy\nid: bomb\nscope: global\n"
      + 'description: &big "' + anchor + '"\nrules:\n'
      + "  - {id: r, check: owner, severity: error, description: *big}\n" * 20_000)
write("policies/deep.yaml", "kind: Policy\nrules: " + "[" * deep + "]" * deep + "\n")
# Result files: OpenLineage with a deep line, dbt results nested deep.
event = '{"eventType":"COMPLETE","eventTime":"2024-01-01T00:00:00Z","producer":"p","schemaURL":"s","run":{"runId":"r"},"job":{"namespace":"n","name":"j"}}'
write("lineage/deep.ndjson", event + "\n" + '{"a":' * deep + "1" + "}" * deep + "\n" + event + "\n")
write("dbt/manifest.json", '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}, "nodes": '
      + "[" * deep + "]" * deep + "}\n")
write("dbt/run_results.json", '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"}, "results": '
      + "[" * deep + "]" * deep + "}\n")
PY
# A sparse 1 GiB descriptor: refused from its size, never read.
truncate -s 1G "$BOMBS/huge.odps.yaml"
python3 - "$MANY" "$MANY_FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(root, f"p{i:06}.odps.yaml"), "w") as f:
        f.write(f"apiVersion: v1.0.0\nkind: DataProduct\nid: p{i:06}\nname: Product {i}\nstatus: active\n")
PY

# --- the runs -----------------------------------------------------------------------------------------------
# run NAME EXPECTED_FILES... -- ARGS: runs meshlens under /usr/bin/time, checks the exit code, the peak memory
# and that the output names every expected file.
run() {
    local name=$1
    shift
    local expect=()
    while [[ $1 != -- ]]; do
        expect+=("$1")
        shift
    done
    shift
    local out=$WORK/$name.out timing=$WORK/$name.time code=0
    local started=$SECONDS
    /usr/bin/time -v -o "$timing" "$MESHLENS_BIN" --data-dir "$DATA" "$@" >"$out" 2>&1 || code=$?
    local rss
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$timing")
    local verdict=ok
    if ((code > 1)); then
        verdict="CRASH (exit $code)"
    elif ((rss > MAX_RSS_KB)); then
        verdict="OVER 1 GiB"
    fi
    for file in "${expect[@]}"; do
        grep -qF "$file" "$out" || verdict="does not name $file"
    done
    printf '%-32s exit %d  %4ds  max RSS %7d KiB  %s\n' "$name" "$code" $((SECONDS - started)) "$rss" "$verdict"
    if [[ $verdict != ok ]]; then
        FAILED=1
        tail -n 20 "$out" >&2
    fi
}

descriptors=(alias-160k.odps.yaml alias-10m.odps.yaml laughs.odps.yaml deep.odps.yaml deep-block.odps.yaml
    deep.odps.json string-100m.odps.json huge.odps.yaml)
for file in "${descriptors[@]}"; do
    run "validate-${file//./-}" "$file" -- validate "$BOMBS/$file"
done
run validate-string-9m -- validate "$BOMBS/string-9m.odps.json"
"$MESHLENS_BIN" --data-dir "$DATA" source add bombs --kind folder --path "$BOMBS" >/dev/null
run sync-bombs "${descriptors[@]}" lineage/deep.ndjson -- sync bombs
run check-policies policies/bomb.yaml policies/deep.yaml -- check --all
run import-dbt -- import "$BOMBS/dbt"
run import-lineage -- import "$BOMBS/lineage"
"$MESHLENS_BIN" --data-dir "$DATA" source add many --kind folder --path "$MANY" >/dev/null
run "sync-${MANY_FILES}-files" -- sync many
run "resync-${MANY_FILES}-files" -- sync many

exit $FAILED
