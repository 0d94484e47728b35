#!/usr/bin/env bash
# The peer of `bench sync --files` (README, "Files mode"): loads the same folder(s) of Ashby-shaped JSON
# arrays into DuckDB and keeps SCD2 history with `dbt snapshot` (dbt-duckdb), timing each whole process.
#   tools/peer-dbt.sh DAY0_DIR [DAY1_DIR]
# Installs dbt-duckdb into .venv-peer/ on first use (PyPI). Prints the wall time of each `dbt snapshot`,
# the DuckDB file's size and the SCD2 rows. Work files go to a temporary directory, removed at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 1 ] || { echo "usage: tools/peer-dbt.sh DAY0_DIR [DAY1_DIR]" >&2; exit 2; }
venv="$root/.venv-peer"
if [ ! -x "$venv/bin/dbt" ]; then
  python3 -m venv "$venv"
  # Pinned: dbt-core 1.12 builds a parser wheel it downloads from outside PyPI at install time.
  "$venv/bin/pip" install --quiet "dbt-core==1.10.*" "dbt-duckdb==1.10.*" >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$root/tools/peer-dbt" "$work/project"
types="applications candidates jobs openings offers jobPostings departments locations users interviewPlans
       interviewStages interviewSchedules interviews archiveReasons closeReasons sources candidateTags customFields"
methods="application.list candidate.list job.list opening.list offer.list jobPosting.list department.list location.list
         user.list interviewPlan.list interviewStage.list interviewSchedule.list interview.list archiveReason.list
         closeReason.list source.list candidateTag.list customField.list"
# Every type's file under its type name (files named after the endpoint too), an empty array when missing.
layout() {
  local src="$(cd "$1" && pwd)" dst="$2"
  mkdir -p "$dst"
  set -- $methods
  for t in $types; do
    if [ -f "$src/$t.json" ]; then ln -s "$src/$t.json" "$dst/$t.json"
    elif [ -f "$src/$1.json" ]; then ln -s "$src/$1.json" "$dst/$t.json"
    else echo '[]' > "$dst/$t.json"; fi
    shift
  done
}
export PEER_DUCKDB="$work/peer.duckdb"
n=0
for dir in "$@"; do
  layout "$dir" "$work/day$n"
  start=$(date +%s.%N)
  (cd "$work/project" && "$venv/bin/dbt" snapshot --quiet --profiles-dir . --vars "{input_dir: '$work/day$n'}")
  end=$(date +%s.%N)
  echo "dbt snapshot of $dir: $(echo "$end - $start" | bc) s (whole process)"
  n=$((n + 1))
done
echo "peer.duckdb: $(stat -c %s "$PEER_DUCKDB") bytes"
"$venv/bin/python" - "$PEER_DUCKDB" <<'PY'
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = sum(con.execute(f'select count(*) from snapshots."{t}"').fetchone()[0]
           for (t,) in con.execute("select table_name from information_schema.tables where table_schema = 'snapshots'").fetchall())
print(f"SCD2 rows: {rows}")
PY
