#!/bin/sh
# mkcerts.sh: generate the development/test PKI for dindgate.
#
# Usage: certs/mkcerts.sh [--force] [--test-extras] OUTDIR
#
# Two independent CAs, laid out like the docker:dind image (ca.pem,
# cert.pem, key.pem per directory):
#
#   dind-ca/      {cert,key}.pem        the engine's CA ("docker:dind CA")
#   dind-server/  {ca,cert,key}.pem     engine server cert (serverAuth)
#   dind-client/  {ca,cert,key}.pem     dindgate's upstream client cert
#                                       (CN dindgate, clientAuth); never
#                                       give this to a worker
#   worker-ca/    {cert,key}.pem        the worker CA
#   gate-server/  {ca,cert,key}.pem     dindgate's server cert (serverAuth)
#   worker/       {ca,cert,key}.pem     worker client cert (CN worker,
#                                       clientAuth); DOCKER_CERT_PATH
#
# With --test-extras, also certificates that dindgate must refuse or tell
# apart (all with ca.pem = worker CA):
#
#   rogue-ca/     {cert,key}.pem        an unrelated CA
#   rogue/                              CN worker, signed by rogue-ca
#   expired/                            CN worker, worker CA, expired in 2021
#   noclientauth/                       CN worker, worker CA, EKU serverAuth
#   worker2/                            CN worker2, worker CA, clientAuth
#
# Server SANs: DNS:docker, DNS:docker-dind, DNS:localhost, IP:127.0.0.1
# (engine) and DNS:dindgate, DNS:localhost, IP:127.0.0.1 (dindgate), plus
# $DINDGATE_EXTRA_SAN if set (openssl syntax, e.g. "DNS:gate.example,IP:::1").
#
# Keys are EC P-256, mode 0600. Existing CA keys are never overwritten
# unless --force is given; existing leaf certificates are kept unless their
# CA was (re)created in this run or --force is given, so running the script
# twice is harmless. Uses only the openssl CLI (tested with OpenSSL 3.0).

set -eu

prog=${0##*/}
force=0
extras=0
outdir=

usage() {
	echo "usage: $prog [--force] [--test-extras] OUTDIR" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1 ;;
	--test-extras) extras=1 ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) echo "$prog: unknown option: $1" >&2; usage ;;
	*) [ -z "$outdir" ] || usage; outdir=$1 ;;
	esac
	shift
done
if [ $# -gt 0 ]; then
	if [ -n "$outdir" ] || [ $# -ne 1 ]; then
		usage
	fi
	outdir=$1
fi
[ -n "$outdir" ] || usage

command -v openssl >/dev/null 2>&1 || {
	echo "$prog: openssl not found in PATH" >&2
	exit 1
}

extra_san=${DINDGATE_EXTRA_SAN:-}
case $extra_san in
''|DNS:*|IP:*|URI:*|email:*|RID:*|dirName:*|otherName:*) ;;
*) echo "$prog: DINDGATE_EXTRA_SAN must use openssl SAN syntax" \
	"(e.g. DNS:name,IP:addr): $extra_san" >&2; exit 2 ;;
esac

umask 022
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkcerts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

ca_days=3650
leaf_days=825

say() {
	printf '%s: %s\n' "$prog" "$*"
}

# newkey FILE: EC P-256 private key, PKCS#8 PEM, mode 0600.
newkey() {
	rm -f "$1"
	(umask 077 && openssl genpkey -algorithm EC \
		-pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>"$tmp/err") || {
		cat "$tmp/err" >&2
		exit 1
	}
	chmod 0600 "$1"
}

# run CMD...: run an openssl command quietly, showing its output on failure.
run() {
	"$@" >"$tmp/out" 2>&1 || {
		echo "$prog: failed: $*" >&2
		cat "$tmp/out" >&2
		exit 1
	}
}

# mkca NAME CN: create OUTDIR/NAME/{cert,key}.pem unless the key exists.
# Sets ca_new=1 if the CA was created.
mkca() {
	d=$outdir/$1
	ca_new=0
	if [ -e "$d/key.pem" ] && [ $force -eq 0 ]; then
		if [ ! -s "$d/cert.pem" ]; then
			echo "$prog: $d/key.pem exists but $d/cert.pem is missing;" \
				"refusing to overwrite the CA key (use --force)" >&2
			exit 1
		fi
		say "kept existing CA $d (use --force to regenerate)"
		return 0
	fi
	mkdir -p "$d"
	newkey "$d/key.pem"
	cat >"$tmp/ca.cnf" <<-EOF
	[req]
	distinguished_name = dn
	x509_extensions = v3
	prompt = no
	[dn]
	CN = $2
	[v3]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, digitalSignature, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	EOF
	run openssl req -config "$tmp/ca.cnf" -new -x509 -sha256 \
		-key "$d/key.pem" -days $ca_days -out "$d/cert.pem"
	chmod 0644 "$d/cert.pem"
	ca_new=1
	say "created CA $d (CN=$2)"
}

# mkleaf NAME CN CADIR CANEW EKU SAN CAPEMDIR [expired]
# Issue OUTDIR/NAME/{ca,cert,key}.pem signed by OUTDIR/CADIR. SAN may be
# empty. ca.pem is a copy of OUTDIR/CAPEMDIR/cert.pem (the CA the holder
# should trust for its peer). With "expired", the certificate's validity
# lies entirely in the past (2020-2021).
mkleaf() {
	d=$outdir/$1
	cn=$2
	ca=$outdir/$3
	canew=$4
	eku=$5
	san=$6
	capem=$outdir/$7/cert.pem
	expired=${8:-}
	if [ $force -eq 0 ] && [ "$canew" -eq 0 ] && [ -s "$d/key.pem" ] &&
	    [ -s "$d/cert.pem" ] && [ -s "$d/ca.pem" ]; then
		say "kept existing $d"
		return 0
	fi
	mkdir -p "$d"
	newkey "$d/key.pem"
	printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = %s\n' \
		"$cn" >"$tmp/csr.cnf"
	run openssl req -config "$tmp/csr.cnf" -new -sha256 -key "$d/key.pem" \
		-out "$tmp/leaf.csr"
	{
		echo "basicConstraints = critical, CA:FALSE"
		echo "keyUsage = critical, digitalSignature"
		echo "extendedKeyUsage = $eku"
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid, issuer"
		[ -z "$san" ] || echo "subjectAltName = $san"
	} >"$tmp/leaf.ext"
	rm -f "$d/cert.pem"
	if [ -z "$expired" ]; then
		run openssl x509 -req -sha256 -in "$tmp/leaf.csr" \
			-CA "$ca/cert.pem" -CAkey "$ca/key.pem" \
			-days $leaf_days -extfile "$tmp/leaf.ext" -out "$d/cert.pem"
	else
		# "openssl ca" is the only 3.0 tool that takes explicit dates.
		rm -rf "$tmp/ca.db"
		mkdir -p "$tmp/ca.db/new"
		: >"$tmp/ca.db/index.txt"
		cat >"$tmp/ca.db/ca.cnf" <<-EOF2
		[ca]
		default_ca = c
		[c]
		database = $tmp/ca.db/index.txt
		new_certs_dir = $tmp/ca.db/new
		certificate = $ca/cert.pem
		private_key = $ca/key.pem
		default_md = sha256
		policy = p
		unique_subject = no
		rand_serial = yes
		copy_extensions = none
		[p]
		commonName = supplied
		EOF2
		run openssl ca -batch -notext -config "$tmp/ca.db/ca.cnf" \
			-in "$tmp/leaf.csr" -out "$d/cert.pem" \
			-startdate 20200101000000Z -enddate 20210101000000Z \
			-extfile "$tmp/leaf.ext"
	fi
	chmod 0644 "$d/cert.pem"
	cp "$capem" "$d/ca.pem"
	chmod 0644 "$d/ca.pem"
	say "created $d (CN=$cn, EKU $eku${san:+, SAN $san}${expired:+, expired})"
}

join_san() {
	if [ -n "$extra_san" ]; then
		echo "$1,$extra_san"
	else
		echo "$1"
	fi
}

mkca dind-ca "docker:dind CA"
dind_new=$ca_new
mkca worker-ca "dindgate worker CA"
worker_new=$ca_new

mkleaf dind-server "docker:dind server" dind-ca $dind_new serverAuth \
	"$(join_san DNS:docker,DNS:docker-dind,DNS:localhost,IP:127.0.0.1)" \
	dind-ca
mkleaf dind-client dindgate dind-ca $dind_new clientAuth "" dind-ca
mkleaf gate-server "dindgate server" worker-ca $worker_new serverAuth \
	"$(join_san DNS:dindgate,DNS:localhost,IP:127.0.0.1)" worker-ca
mkleaf worker worker worker-ca $worker_new clientAuth "" worker-ca

# Extras from an earlier run would be left signed by a replaced CA: reissue.
if [ $extras -eq 0 ] && { [ $worker_new -eq 1 ] || [ $force -eq 1 ]; }; then
	for x in rogue-ca rogue expired noclientauth worker2; do
		if [ -e "$outdir/$x" ]; then
			say "reissuing the test extras found in $outdir"
			extras=1
			break
		fi
	done
fi

if [ $extras -eq 1 ]; then
	mkca rogue-ca "dindgate rogue CA"
	rogue_new=$ca_new
	mkleaf rogue worker rogue-ca $rogue_new clientAuth "" worker-ca
	mkleaf expired worker worker-ca $worker_new clientAuth "" worker-ca \
		expired
	mkleaf noclientauth worker worker-ca $worker_new serverAuth "" \
		worker-ca
	mkleaf worker2 worker2 worker-ca $worker_new clientAuth "" worker-ca
fi

# Self-check: every regular leaf must verify against its issuer.
for t in dind-server:dind-ca:sslserver dind-client:dind-ca:sslclient \
    gate-server:worker-ca:sslserver worker:worker-ca:sslclient; do
	leaf=${t%%:*}
	t=${t#*:}
	ca=${t%%:*}
	purpose=${t#*:}
	run openssl verify -purpose "$purpose" -CAfile "$outdir/$ca/cert.pem" \
		"$outdir/$leaf/cert.pem"
done
say "PKI ready in $outdir"
