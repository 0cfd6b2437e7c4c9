#!/bin/sh
# compose-init.sh: the one-shot "certs" service of contrib/docker-compose*.yml.
#
# Runs certs/mkcerts.sh into /pki (a volume only this service mounts: it
# holds both CA keys), then gives each service exactly the files it needs,
# each in its own volume, owned by the user that service runs as:
#
#   /out/dind-ca      dind-certs-ca      CA certificate only, never its key:
#                                        docker:dind then uses the server
#                                        certificate below as it is
#                                        ("user-managed" mode) and issues
#                                        no client certificate of its own
#   /out/dind-server  dind-certs-server  the engine's {ca,cert,key}.pem
#   /out/dind-client  dind-certs-client  dindgate's client certificate for
#                                        the engine: the only one the
#                                        engine trusts; dindgate alone
#                                        mounts it
#   /out/gate-server  gate-certs         dindgate's server certificate;
#                                        ca.pem is the worker CA
#   /out/worker       worker-certs       the worker's certificate, from the
#                                        separate worker CA
#   /out/dind-config  dind-config        (if mounted) the engine's
#                                        daemon.json, see below
#
# Runs on every start: mkcerts.sh keeps existing CAs and certificates, so
# this only copies them again (and re-issues nothing).
#
# Environment: DINDGATE_UID (default 10001, the image's user), WORKER_UID
# (default 0), DINDGATE_EXTRA_SAN (extra names for dindgate's server
# certificate, openssl syntax: "DNS:gate.example,IP:10.0.0.5").
set -eu

pki=${PKI_DIR:-/pki}
out=${OUT_DIR:-/out}
gate_uid=${DINDGATE_UID:-10001}
worker_uid=${WORKER_UID:-0}
mkcerts=${MKCERTS:-/usr/local/bin/mkcerts.sh}

sh "$mkcerts" "$pki"

# put SRCDIR DEST UID FILE...: copy files, key.pem 0400, others 0444.
put() {
	src=$1 dest=$2 owner=$3
	shift 3
	[ -d "$dest" ] || { echo "compose-init: $dest is not mounted" >&2; exit 1; }
	for f in "$@"; do
		cp "$src/$f" "$dest/$f.new"
		case $f in
		key.pem) chmod 0400 "$dest/$f.new" ;;
		*) chmod 0444 "$dest/$f.new" ;;
		esac
		chown "$owner:$owner" "$dest/$f.new"
		mv -f "$dest/$f.new" "$dest/$f"
	done
	# A CA key left in dind-certs-ca (docker:dind's own, from a setup
	# before dindgate) would make the engine issue itself new certificates
	# and a client certificate anybody with that volume could use.
	if [ "$dest" = "$out/dind-ca" ]; then
		rm -f "$dest/key.pem"
	fi
	echo "compose-init: $dest: $* (owner $owner)"
}

put "$pki/dind-ca" "$out/dind-ca" 0 cert.pem
put "$pki/dind-server" "$out/dind-server" 0 ca.pem cert.pem key.pem
put "$pki/dind-client" "$out/dind-client" "$gate_uid" ca.pem cert.pem key.pem
put "$pki/gate-server" "$out/gate-server" "$gate_uid" ca.pem cert.pem key.pem
put "$pki/worker" "$out/worker" "$worker_uid" ca.pem cert.pem key.pem

# The engine's daemon.json (production file only): BuildKit entitlements
# off even though dindgate refuses /grpc and /session, because they apply
# to /build?version=2 as well.
if [ -d "$out/dind-config" ]; then
	cat >"$out/dind-config/daemon.json.new" <<'EOF'
{
  "builder": {
    "entitlements": { "network-host": false, "device": false }
  }
}
EOF
	chmod 0444 "$out/dind-config/daemon.json.new"
	mv -f "$out/dind-config/daemon.json.new" "$out/dind-config/daemon.json"
	echo "compose-init: $out/dind-config/daemon.json"
fi
echo "compose-init: done"
