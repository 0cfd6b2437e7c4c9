#!/bin/sh
# bench/run.sh: the speed and memory benchmark (see bench/bench.py).
#   sh bench/run.sh [--conns N] [--requests N] [--audit]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null
fi
[ -x "$top/src/dindgate" ] || { echo "build first: make" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || true
exec /usr/bin/python3 "$top/bench/bench.py" "$@"
