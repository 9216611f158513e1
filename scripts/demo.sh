#!/bin/sh
# `make demo`: a lake on the embedded default, end to end as far as evlake goes today:
# init, one hour of raw clickstream (12 objects, ~7.5 M events), a look at what landed.
# Running it again is safe: init keeps what exists and generation is deterministic.
set -e
bin="$1"
home="${EVLAKE_HOME:-lake}"
echo "== evlake init --home $home"
"$bin" init --home "$home"
echo
echo "== evlake gen --home $home --from 2025-11-20T00:00:00Z --to 2025-11-20T01:00:00Z"
"$bin" gen --home "$home" --from 2025-11-20T00:00:00Z --to 2025-11-20T01:00:00Z
echo
echo "== the raw objects (Hive-style keys, one per 5 minutes)"
find "$home/raw/events" -name '*.jsonl.gz' | sort | sed -n '1,3p;$p'
echo
echo "== the first event of the first object"
first=$(find "$home/raw/events" -name '*.jsonl.gz' | sort | head -1)
gzip -dc "$first" | head -1
echo
echo "The lake is at $home. Next steps of the pipeline (ETL to Parquet, catalog, SQL) land as"
echo "their issues are built: see README.md."
