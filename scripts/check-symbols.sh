#!/bin/sh
# Fails the build when libevlake.a exports a global symbol without a module prefix (style.md §2).
lib="$1"
bad=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 && $2 ~ /[TDBRC]/ {print $3}' |
  grep -v -E '^__' | grep -v -E '^(ev|pq|cat|sql|exec|etl|gen|store|js|gz|sched|cli|gold|web|cfg|s3|thrift|crawl)_' | sort -u)
if [ -n "$bad" ]; then
  echo "check-symbols: unprefixed global symbols in $lib:" >&2
  echo "$bad" >&2
  exit 1
fi
