#!/bin/sh
# `make bench`: every benchmark, JSON lines on stdout (and in build/bench.jsonl), each with its
# peer measured in the same run and the ratio. BENCH_QUICK=1 runs the small cases only.
set -e
build="$1"
out=build/bench.jsonl
: > "$out"
emit() { tee -a "$out"; }

# Generator: evlake against the classic Python Lambda (json.dumps + gzip) on one 600k-event object.
peer=$(python3 bench/starter_lambda.py 600000 build/bench-lambda.jsonl.gz)
rm -f build/bench-lambda.jsonl.gz
one=$("$build/bench/bench_gen" --objects 1 --events 600000 --runs 5)
python3 - "$peer" "$one" <<'PY' | emit
import json, sys
peer, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"bench": "gen_one_object_vs_python_lambda", "events": ours["events"],
  "evlake_seconds": ours["median_seconds"], "python_lambda_seconds": peer["seconds"],
  "evlake_events_per_sec": ours["events_per_sec"], "python_lambda_events_per_sec": peer["events_per_sec"],
  "speedup": round(ours["events_per_sec"] / peer["events_per_sec"], 1),
  "evlake_gz_bytes_per_event": ours["gz_bytes_per_event"],
  "python_gz_bytes_per_event": round(peer["gz_bytes"] / peer["events"], 2)}))
PY
if [ -z "$BENCH_QUICK" ]; then
  "$build/bench/bench_gen" --objects 288 --events 600000 --threads 2 --runs 5 | emit
else
  "$build/bench/bench_gen" --objects 12 --events 600000 --threads 2 --runs 5 | emit
fi

# ETL: evlake against DuckDB's COPY ... PARTITION_BY on the same objects (1 hour; 24 hours and the
# incremental case unless BENCH_QUICK).
python3 bench/bench_etl.py "$build" ${BENCH_QUICK:+--quick} | emit

# Queries: the questions of queries.sql, evlake against DuckDB over the same Parquet files.
python3 bench/bench_queries.py "$build" ${BENCH_QUICK:+--quick} | emit

# Every other benchmark program reports for itself.
for b in "$build"/bench/*; do
  case "$b" in */bench_gen|*/bench_queries) continue ;; esac
  [ -x "$b" ] && "$b" | emit
done
echo "bench: results in $out" >&2
