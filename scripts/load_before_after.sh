#!/bin/bash
# Load A/B: `python -m evals load` against a server of BASE_TREE (e.g. `git archive <commit> | tar -x -C /tmp/base`)
# and one of this tree, one server at a time, alternating, same index and settings.
#   scripts/load_before_after.sh /tmp/base /tmp/c18-index [rounds] [after-first]
set -u
BASE_TREE=$1 INDEX=$2 ROUNDS=${3:-2} ORDER=${4:-before-first}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/work/main/.venv/bin/python}
OUT=$(mktemp -d /tmp/load-ab-XXXX)
export EXPORT_BOT_RATE_LIMIT_PER_MINUTE=1000000 EXPORT_BOT_TRUSTED_PROXY_HOPS=1 EXPORT_BOT_MAX_CONCURRENT_REQUESTS=32
export EXPORT_BOT_CURATED_ANSWERS_PATH=$OUT/curated.jsonl EXPORT_BOT_FEEDBACK_DB=$OUT/feedback.sqlite3
run() {  # label tree port
  rm -f "$OUT"/feedback.sqlite3*
  (cd "$2" && exec env PYTHONPATH="$2" nice "$PY" -m bot serve --index "$INDEX" --port "$3" >"$OUT/$1.log" 2>&1) &
  local pid=$!
  for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$3/api/ready" >/dev/null && break; sleep 1; done
  (cd "$HERE" && PYTHONPATH="$HERE" nice "$PY" -m evals load --url "http://127.0.0.1:$3" --clients 4 --seconds 15 >/dev/null)
  echo "== $1 (load average $(cut -d' ' -f1 /proc/loadavg))"
  (cd "$HERE" && PYTHONPATH="$HERE" nice "$PY" -m evals load --url "http://127.0.0.1:$3" --clients 8 --seconds 30)
  "$PY" -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); t=db.execute(\"select count(*) from sqlite_master where name='consultations'\").fetchone()[0]; print('   logged rows:', db.execute('select count(*) from consultations').fetchone()[0] if t else '-')" "$OUT/feedback.sqlite3"
  kill "$pid"; wait "$pid" 2>/dev/null
}
for round in $(seq 1 "$ROUNDS"); do
  if [ "$ORDER" = after-first ]; then
    run "after-$round" "$HERE" 8198
    run "before-$round" "$BASE_TREE" 8197
  else
    run "before-$round" "$BASE_TREE" 8197
    run "after-$round" "$HERE" 8198
  fi
done
