#!/bin/sh
# evlake's entry point on a fresh Debian 12 machine: installs what is needed (apt-get, with
# apt-get update first), builds, and runs a make target.
#   ./build.sh demo     install, build, run the demo pipeline on ./lake
#   ./build.sh test     install, build, run every test, then again under ASan+UBSan
#   ./build.sh bench    benchmarks (JSON), side by side with their peers
#   ./build.sh          just build (build/release/evlake)
set -e
cd "$(dirname "$0")"
sh scripts/deps.sh
exec make --no-print-directory "${@:-all}"
