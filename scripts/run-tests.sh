#!/bin/sh
# Runs every test program of one build and prints "<build>: N passed, N failed".
# cmocka binaries report their own counts; a corpus replay counts one test per input file.
build="$1"
name=$(basename "$build")
export EVLAKE_BIN="$PWD/$build/evlake"
export EVLAKE_SRC="$PWD"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
passed=0; failed=0
tmp=$(mktemp)
for t in $(find "$build/tests" -type f -name 'test_*' ! -name '*.d' -perm -u+x 2>/dev/null | sort); do
  start=$(date +%s)
  "$t" >"$tmp" 2>&1; rc=$?
  p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$tmp" | tail -1)
  f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$tmp" | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  secs=$(( $(date +%s) - start ))
  if [ "$f" -ne 0 ]; then
    echo "FAIL $t ($p passed, $f failed, exit $rc, ${secs}s)"; cat "$tmp"
  else
    echo "ok   $t ($p passed, ${secs}s)"
  fi
done
for r in $(find "$build/fuzz" -type f -name 'replay_*' ! -name '*.d' -perm -u+x 2>/dev/null | sort); do
  target=${r##*/replay_}
  n=$(find "fuzz/$target/corpus" -type f | wc -l)
  "$r" fuzz/"$target"/corpus/* >"$tmp" 2>&1; rc=$?
  # One test per corpus: it passes when every input runs clean.
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); echo "ok   $r ($n corpus inputs)"
  else
    failed=$((failed + 1)); echo "FAIL $r (exit $rc, $n corpus inputs)"; tail -40 "$tmp"
  fi
done
rm -f "$tmp"
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
