#!/bin/sh
# run-all.sh: the whole test suite, from a fresh Debian machine.
#
#   sh tests/run-all.sh
#
# Installs what it needs (Debian's archive), builds with -Werror, then runs:
#   1. the C unit tests (cmocka, `make check`)
#   2. the purity check: pure modules include neither libevent nor OpenSSL
#   3. the integration suite against a real dockerd, normal build
#   4. the same suite against an ASan+UBSan build (errors and leaks fail)
#   5. make distcheck
# and ends with one line "N passed, N failed".  Exit status 0 only if
# nothing failed.  DG_SKIP_ASAN=1 / DG_SKIP_DISTCHECK=1 skip steps 4 / 5.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/tests/out
rm -rf "$out"
mkdir -p "$out"
pass=0
fail=0

step() { printf '\n=== %s\n' "$*"; }
count() {	# count NAME PASSED FAILED
	pass=$((pass + $2)); fail=$((fail + $3))
	printf '%s: %s passed, %s failed\n' "$1" "$2" "$3" >>"$out/summary"
}

step "packages"
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
	$(cat "$top/contrib/packages.txt") >"$out/apt.log" 2>&1 ||
	{ cat "$out/apt.log"; echo "0 passed, 1 failed"; exit 1; }

step "build"
if ! { ./autogen.sh && ./configure --enable-werror && make -j"$(nproc)"; } \
    >"$out/build.log" 2>&1; then
	tail -40 "$out/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

step "unit tests (make check)"
make -j"$(nproc)" check >"$out/unit.log" 2>&1
cat "$out/unit.log" | grep -E '^(PASS|FAIL|ERROR|SKIP|# )' || true
up=0; uf=0
for log in tests/unit/*.log; do
	[ -f "$log" ] || continue
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	up=$((up + ${p:-0})); uf=$((uf + ${f:-0}))
	# A program that crashed or printed no summary is a failure too.
	if [ -z "$p$f" ]; then uf=$((uf + 1)); cat "$log"; fi
	[ -n "$f" ] && [ "$f" != 0 ] && cat "$log"
done
[ "$up" -gt 0 ] || uf=$((uf + 1))
count unit "$up" "$uf"

step "purity: pure modules use neither libevent nor OpenSSL"
if grep -lE '#include <(event2|openssl)/' src/diag.[ch] src/jsondoc.[ch] \
    src/config.[ch] src/httpmsg.[ch] src/route.[ch] src/policy.[ch] \
    src/bodycheck.[ch] src/auditfmt.[ch] src/metrics.[ch] \
    src/facts.h; then
	count purity 0 1
else
	count purity 1 0
fi

pytest_run() {	# pytest_run NAME [env...]
	name=$1; shift
	env "$@" /usr/bin/python3 -m pytest tests/integration -q -rfE \
	    --junitxml="$out/$name.xml" 2>&1 | tee "$out/$name.log" | tail -25
	set -- $(/usr/bin/python3 - "$out/$name.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1); sys.exit()
s = r if r.tag == "testsuite" else r.find("testsuite")
t, f, e, k = (int(s.get(a, 0)) for a in ("tests", "failures", "errors", "skipped"))
print(t - f - e - k, f + e if t else 1)
PY
)
	count "$name" "$1" "$2"
}

step "integration tests (real dockerd, docker CLI, docker-py)"
pytest_run integration

if [ "${DG_SKIP_ASAN:-}" != 1 ]; then
	step "integration tests under ASan+UBSan"
	# From the release tarball: an in-tree build already configured the
	# source directory, and autoconf allows one configuration per tree.
	asan=$out/asan
	rm -rf "$asan"; mkdir -p "$asan"
	if make dist >"$out/asan-build.log" 2>&1 &&
	    tar -C "$asan" --strip-components=1 -xzf dindgate-*.tar.gz &&
	    (cd "$asan" && ./configure --enable-asan --enable-ubsan \
	    >>"$out/asan-build.log" 2>&1 && make -j"$(nproc)" src/dindgate \
	    >>"$out/asan-build.log" 2>&1); then
		pytest_run integration-asan DINDGATE_BIN="$asan/src/dindgate" \
		    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
		    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	else
		tail -30 "$out/asan-build.log"
		count asan-build 0 1
	fi
fi

if [ "${DG_SKIP_DISTCHECK:-}" != 1 ]; then
	step "make distcheck"
	if make distcheck >"$out/distcheck.log" 2>&1; then
		count distcheck 1 0
	else
		tail -30 "$out/distcheck.log"
		count distcheck 0 1
	fi
fi

step "summary"
cat "$out/summary"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
