#!/bin/sh
# Installs DuckDB (the reference oracle, from the npm registry) into build/duckdb, once.
# Tests and benchmarks call it; it needs node and npm (scripts/deps.sh installs them).
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/duckdb"
shared="$root/../shared/tools/duckdb"
mkdir -p "$dir"
cp "$root"/scripts/duckdb-*.mjs "$dir/" # our scripts, refreshed every time
if [ -d "$dir/node_modules/@duckdb/node-api" ]; then exit 0; fi
if [ -d "$shared" ]; then
  cp "$shared"/*.mjs "$shared/package.json" "$dir/"
else
  printf '{ "name": "evlake-duckdb", "private": true, "type": "module", "dependencies": { "@duckdb/node-api": "1.5.6-r.1" } }\n' > "$dir/package.json"
fi
cd "$dir"
if ! npm install --no-audit --no-fund --loglevel=error > npm.log 2>&1; then
  echo "duckdb-setup: npm install of @duckdb/node-api failed (see $dir/npm.log)" >&2
  exit 1
fi
