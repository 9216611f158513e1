#!/bin/sh
# Adds up the per-build summary lines of the given logs into the final "N passed, N failed".
passed=0; failed=0; seen=0
for log in "$@"; do
  line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "no test summary in $log (the build failed?)"; failed=$((failed + 1)); continue
  fi
  seen=$((seen + 1))
  p=$(echo "$line" | sed 's/^[a-z]*: \([0-9]*\) passed.*/\1/')
  f=$(echo "$line" | sed 's/.* \([0-9]*\) failed$/\1/')
  passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed passed, $failed failed"
