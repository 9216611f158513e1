#!/bin/sh
# Builds each libFuzzer target with clang (the library sources compiled in, instrumented) and runs
# it for FUZZ_SECONDS (default 30) over a scratch copy of its corpus. New crashers stay in
# build/fuzz-run/<target>/ as crash-* files; copy the interesting ones into fuzz/<target>/corpus/.
set -e
cc="$1"; cppflags="$2"; ldlibs="$3"; shift 3
secs=${FUZZ_SECONDS:-30}
srcs=$(ls src/*/*.c | grep -v '^src/cli/')
mkdir -p build/fuzz-bin
for t in "$@"; do
  echo "== fuzz $t (${secs}s)"
  $cc -g -O1 -fsanitize=fuzzer,address,undefined,float-cast-overflow -fno-sanitize-recover=all $cppflags \
    -o build/fuzz-bin/$t fuzz/$t/fuzz.c $srcs $ldlibs
  work=build/fuzz-run/$t; rm -rf "$work"; mkdir -p "$work/corpus"
  cp fuzz/$t/corpus/* "$work/corpus/" 2>/dev/null || true
  (cd "$work" && ../../fuzz-bin/$t -max_total_time="$secs" -print_final_stats=1 corpus 2>&1 | tail -5)
done
