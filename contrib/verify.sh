#!/bin/sh
# verify.sh: check a worker's view of dind + dindgate, one line per check.
#
#   sh contrib/verify.sh            (from the worker, or with its variables)
#
# Prints "ok - ..." or "FAIL - ..." for each check and exits 1 if any
# failed (2 on a usage error).  It checks what the worker can and cannot
# do, with the worker's own variables and certificates:
#
#   1. DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH are set
#   2. the worker's certificates are in place (ca.pem, cert.pem, key.pem;
#      the key matches and the certificate is valid, if openssl exists)
#   3. the worker reaches dindgate (mutual TLS with the worker
#      certificate), and it is dindgate: a route its policy does not
#      allow (docker plugin ls) is refused with a message from dindgate
#   4. the engine answers through dindgate
#   5. a test container runs through dindgate
#   6. a privileged container is refused by dindgate
#   7. a host bind mount is refused by dindgate
#   8. the worker cannot use the engine directly (DIND_HOST) with its
#      certificates, and the engine does not answer plain HTTP on 2375
#   9. the engine's ID differs from the host's engine's ID
#
# Environment:
#   DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH   the worker's, as is
#   DIND_HOST         the engine's own address, which the worker must NOT
#                     be able to use (default tcp://docker-dind:2376)
#   VERIFY_IMAGE      image for the test containers (default: dgbusybox if
#                     the engine has it, else busybox, pulled if needed)
#   VERIFY_BIND_PATH  host path the bind mount check tries (default /)
#   HOST_ENGINE_ID    the host engine's ID (docker info -f '{{.ID}}' on the
#                     host), if the host engine is not reachable from here
#   HOST_DOCKER_HOST  the host engine's address (default
#                     unix:///var/run/docker.sock if that socket exists)
#   DOCKER            the docker CLI (default: docker)
#   VERIFY_TIMEOUT    seconds per docker command (default 60)
#
# Against the local stack of contrib/dev-up.sh:
#   export DOCKER_HOST=tcp://127.0.0.1:23760 DOCKER_TLS_VERIFY=1 \
#       DOCKER_CERT_PATH=$PWD/run/pki/worker
#   DIND_HOST=tcp://127.0.0.1:23750 sh contrib/verify.sh
# In a compose stack: docker compose exec worker sh /usr/local/bin/dindgate-verify
set -u

case ${1:-} in
'') ;;
-h|--help)
	sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p;}' "$0"
	exit 0 ;;
*) echo "usage: ${0##*/} (configured by environment; see --help)" >&2; exit 2 ;;
esac

DOCKER=${DOCKER:-docker}
DIND_HOST=${DIND_HOST:-tcp://docker-dind:2376}
VERIFY_BIND_PATH=${VERIFY_BIND_PATH:-/}
VERIFY_TIMEOUT=${VERIFY_TIMEOUT:-60}
nok=0
nfail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify.XXXXXX") || exit 1
name=dindgate-verify-$$
trap 'cleanup' EXIT
trap 'exit 1' HUP INT TERM

cleanup() {
	# A container that got through a check that should have refused it.
	if [ -n "${gate_ok:-}" ]; then
		d rm -f "$name-priv" "$name-bind" "$name-run" >/dev/null 2>&1
	fi
	rm -rf "$tmp"
}

ok() { nok=$((nok + 1)); echo "ok - $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL - $*"; }

# d ARGS...: the docker CLI as the worker has it, with a time limit.
d() {
	if command -v timeout >/dev/null 2>&1; then
		timeout "$VERIFY_TIMEOUT" "$DOCKER" "$@"
	else
		"$DOCKER" "$@"
	fi
}

# firstline FILE: the most telling part of an error output, shortened.
firstline() {
	why=$(grep -o 'remote error: tls: [a-z ]*\|x509: [^"]*\|no such host\|connection refused\|i/o timeout\|Temporary failure in name resolution' "$1" | head -n 1)
	if [ -n "$why" ]; then
		echo "$why"
		return
	fi
	sed -n 's/^docker: //; s/^Error response from daemon: //; /^$/d; /^Run .docker/d; /^See .docker/d; p' "$1" |
	    head -n 1 | cut -c 1-200
}

# 1. Variables.
vars_ok=1
case ${DOCKER_HOST:-} in
tcp://*:*) ;;
'') fail "DOCKER_HOST is not set (want tcp://dindgate:2376)"; vars_ok=0 ;;
*) fail "DOCKER_HOST=$DOCKER_HOST is not a tcp://host:port address"; vars_ok=0 ;;
esac
if [ -z "${DOCKER_TLS_VERIFY:-}" ]; then
	fail "DOCKER_TLS_VERIFY is not set: the client would not verify dindgate (want 1)"
	vars_ok=0
fi
if [ -z "${DOCKER_CERT_PATH:-}" ]; then
	fail "DOCKER_CERT_PATH is not set (want the worker certificate directory)"
	vars_ok=0
elif [ ! -d "$DOCKER_CERT_PATH" ]; then
	fail "DOCKER_CERT_PATH=$DOCKER_CERT_PATH is not a directory"
	vars_ok=0
fi
[ $vars_ok -eq 0 ] || ok "DOCKER_HOST=$DOCKER_HOST DOCKER_TLS_VERIFY=$DOCKER_TLS_VERIFY DOCKER_CERT_PATH=$DOCKER_CERT_PATH"

# 2. Certificates.
cp=${DOCKER_CERT_PATH:-/nonexistent}
missing=
for f in ca.pem cert.pem key.pem; do
	[ -s "$cp/$f" ] && [ -r "$cp/$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	# The CLI silently goes on without a missing cert.pem or key.pem.
	fail "certificates missing or unreadable in $cp:$missing"
elif command -v openssl >/dev/null 2>&1; then
	cpub=$(openssl x509 -in "$cp/cert.pem" -noout -pubkey 2>/dev/null)
	kpub=$(openssl pkey -in "$cp/key.pem" -pubout 2>/dev/null)
	subj=$(openssl x509 -in "$cp/cert.pem" -noout -subject 2>/dev/null)
	if [ -z "$cpub" ] || [ "$cpub" != "$kpub" ]; then
		fail "certificates in $cp: key.pem does not match cert.pem"
	elif ! openssl x509 -in "$cp/cert.pem" -noout -checkend 0 >/dev/null 2>&1; then
		fail "certificates in $cp: cert.pem has expired ($subj)"
	else
		ok "certificates in place in $cp ($subj)"
	fi
else
	ok "certificates in place in $cp (ca.pem, cert.pem, key.pem; no openssl to check them further)"
fi

# 3. dindgate: reachable, and really dindgate.  Its policy refuses
# GET /plugins before it even asks the engine, with "dindgate: " in the
# message; the engine itself would list the plugins.
is_gate=
if d plugin ls >"$tmp/out" 2>"$tmp/err"; then
	fail "the worker reaches ${DOCKER_HOST:-?}, but it is not dindgate:" \
	    "docker plugin ls was allowed (the engine itself, or a policy" \
	    "that allows plugins)"
elif grep -q 'from daemon: dindgate: ' "$tmp/err"; then
	ok "the worker reaches dindgate at ${DOCKER_HOST:-?} (mutual TLS" \
	    "accepted; its policy refuses docker plugin ls: $(firstline "$tmp/err"))"
	is_gate=1
else
	fail "the worker cannot reach dindgate at ${DOCKER_HOST:-?}: $(firstline "$tmp/err")"
fi
via=${is_gate:+dindgate}
via=${via:-${DOCKER_HOST:-?}}

# 4. The engine behind it.
gate_ok=
if d version --format '{{.Server.Version}}' >"$tmp/ver" 2>"$tmp/err"; then
	ok "the engine answers through $via (Docker $(cat "$tmp/ver"))"
	gate_ok=1
elif [ -n "$is_gate" ]; then
	fail "the engine does not answer through dindgate: $(firstline "$tmp/err")"
else
	fail "the engine was not reached: $(firstline "$tmp/err")"
fi

if [ -n "$gate_ok" ]; then
	# 5. A test container.
	img=${VERIFY_IMAGE:-}
	if [ -z "$img" ]; then
		if d image inspect dgbusybox >/dev/null 2>&1; then
			img=dgbusybox
		else
			img=busybox
		fi
	fi
	word=verify-$$-ok
	if d run --rm --name "$name-run" "$img" echo "$word" >"$tmp/out" 2>"$tmp/err" &&
	    grep -qx "$word" "$tmp/out"; then
		ok "a test container ran through $via ($img)"
	else
		fail "a test container did not run through $via ($img): $(firstline "$tmp/err")"
	fi

	# 6 and 7. What must never get through.  "refused" means refused by
	# dindgate: an engine that happens to fail the request proves nothing.
	# refused WHAT NAME ARGS...
	refused() {
		what=$1 cname=$2
		shift 2
		if d run --rm --name "$cname" "$@" >"$tmp/out" 2>"$tmp/err"; then
			fail "$what was NOT refused: it ran"
		elif grep -q 'from daemon: dindgate: ' "$tmp/err"; then
			ok "$what is refused by dindgate ($(firstline "$tmp/err"))"
		else
			fail "$what was not refused by dindgate; the engine answered: $(firstline "$tmp/err")"
		fi
	}
	refused "a privileged container" "$name-priv" --privileged "$img" true
	refused "a host bind mount ($VERIFY_BIND_PATH)" "$name-bind" \
	    -v "$VERIFY_BIND_PATH:/host:ro" "$img" true
else
	for c in "a test container" "a privileged container refused" \
	    "a host bind mount refused"; do
		fail "$c: not checked, the engine does not answer"
	done
fi

# 8. The engine itself, directly, with everything the worker holds.
case $DIND_HOST in
tcp://*:*)
	dhp=${DIND_HOST#tcp://}
	dh=${dhp%:*}
	direct=
	# Verifying the engine against the worker's ca.pem, and not verifying
	# it at all: either way, only the client certificate should matter,
	# and the engine must not accept the worker's.
	if (unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_TLS; d -H "$DIND_HOST" \
	    --tlsverify --tlscacert "$cp/ca.pem" --tlscert "$cp/cert.pem" \
	    --tlskey "$cp/key.pem" version) >"$tmp/out" 2>"$tmp/err"; then
		direct="with the worker's certificates"
	elif (unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_TLS; d -H "$DIND_HOST" \
	    --tls --tlscert "$cp/cert.pem" --tlskey "$cp/key.pem" version) \
	    >"$tmp/out" 2>"$tmp/err2"; then
		direct="with the worker's client certificate (server not verified)"
	elif (unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_TLS DOCKER_CERT_PATH;
	    d -H "tcp://$dh:2375" version) >"$tmp/out" 2>"$tmp/err3"; then
		direct="in plain HTTP on tcp://$dh:2375, without any authentication"
	fi
	if [ -n "$direct" ]; then
		fail "the worker can use the engine directly at $DIND_HOST $direct"
	else
		ok "the worker cannot use the engine directly at $DIND_HOST ($(firstline "$tmp/err2"))"
	fi
	;;
*)
	fail "DIND_HOST=$DIND_HOST is not a tcp://host:port address; cannot check direct access"
	;;
esac

# 9. Isolation: the engine the worker uses is not the host's.
if [ -n "$gate_ok" ]; then
	eid=$(d info --format '{{.ID}}' 2>"$tmp/err")
	hid=${HOST_ENGINE_ID:-}
	hwhere="HOST_ENGINE_ID"
	if [ -z "$hid" ]; then
		hh=${HOST_DOCKER_HOST:-}
		if [ -z "$hh" ] && [ -S /var/run/docker.sock ]; then
			hh=unix:///var/run/docker.sock
		fi
		if [ -n "$hh" ]; then
			hid=$( (unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH;
			    d -H "$hh" info --format '{{.ID}}') 2>/dev/null)
			hwhere=$hh
		fi
	fi
	if [ -z "$eid" ]; then
		fail "cannot read the engine's ID through dindgate: $(firstline "$tmp/err")"
	elif [ -z "$hid" ]; then
		ok "the engine's ID is $eid; no host engine is reachable from here to compare (set HOST_ENGINE_ID to compare)"
	elif [ "$hid" = "$eid" ]; then
		fail "the engine behind dindgate IS the host's engine (ID $eid, same as $hwhere)"
	else
		ok "the engine's ID $eid differs from the host's ($hid, $hwhere)"
	fi
else
	fail "the engine's ID: not checked, the engine does not answer"
fi

echo "# $((nok + nfail)) checks: $nok ok, $nfail failed"
[ $nfail -eq 0 ]
