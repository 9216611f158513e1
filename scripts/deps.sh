#!/bin/sh
# Installs the Debian packages evlake builds, tests and benchmarks with, when any is missing.
# Runs apt-get update first, as a fresh machine needs. Uses sudo when not root.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev \
  libisal-dev libdeflate-dev libzstd-dev libsnappy-dev liblz4-dev zlib1g-dev \
  libsqlite3-dev libyaml-dev libcmocka-dev libedit-dev \
  nodejs npm python3 ca-certificates"
missing=""
for p in $PKGS; do
  # node and npm may come from elsewhere (e.g. NodeSource); accept a working binary.
  case $p in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    python3) command -v python3 >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "evlake: installing Debian packages:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
