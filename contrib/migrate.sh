#!/bin/sh
# migrate.sh: move a worker from the host's docker socket (or from plain
# docker:dind) to docker:dind behind dindgate.
#
#   sh contrib/migrate.sh [--dry-run] [--yes] --from OLD-COMPOSE-FILE
#       [--to NEW-COMPOSE-FILE] [-p PROJECT] [--backup-dir DIR]
#
#   --from FILE     the compose file the worker runs with today
#   --to FILE       the new stack (default: contrib/docker-compose.prod.yml)
#   -p PROJECT      compose project name for both (default: the old
#                   stack's, so named volumes such as dind-storage carry over)
#   --backup-dir D  where the backup goes (default: ./dindgate-backup-DATE)
#   --dry-run       print every step and command, change nothing
#   --yes           do not ask before stopping the old stack
#
# Steps:
#   1. prerequisites: docker, compose, the engine, the dindgate image, both
#      compose files valid; what the old setup is (socket mount, plain dind)
#   2. back up: compose files, .env, the resolved old configuration, the
#      list of containers and images, and every volume the new stack will
#      write to that already exists (the certificate volumes of a plain
#      dind setup have the same names)
#   3. stop the old stack (its volumes are kept, for the roll back)
#   4. generate certificates (the one-shot "certs" service: certs/mkcerts.sh)
#   5. start the new stack and wait until dindgate is healthy
#   6. verify: contrib/verify.sh inside the worker, with the host engine's
#      ID to compare
#   7. print how to roll back (also printed when a step fails)
#
# Environment: DOCKER (docker CLI), COMPOSE (compose command, default
# "docker compose" or docker-compose), DINDGATE_IMAGE (default: the image
# the new compose file names).
set -eu

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
DOCKER=${DOCKER:-docker}
dry=0
yes=0
from=
to=$here/docker-compose.prod.yml
project=
backup=

usage() {
	echo "usage: $prog [--dry-run] [--yes] --from OLD-COMPOSE-FILE" \
	    "[--to NEW-COMPOSE-FILE] [-p PROJECT] [--backup-dir DIR]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run|-n) dry=1 ;;
	--yes|-y) yes=1 ;;
	--from) [ $# -ge 2 ] || usage; from=$2; shift ;;
	--to) [ $# -ge 2 ] || usage; to=$2; shift ;;
	-p|--project) [ $# -ge 2 ] || usage; project=$2; shift ;;
	--backup-dir) [ $# -ge 2 ] || usage; backup=$2; shift ;;
	-h|--help)
		sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p;}' "$0"
		exit 0 ;;
	*) echo "$prog: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
[ -n "$from" ] || { echo "$prog: --from is required" >&2; usage; }

step() { printf '\n== %s\n' "$*"; }
say() { printf '%s\n' "$*"; }
changed=0
die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	[ $changed -eq 0 ] || rollback_help >&2
	exit 1
}

# run CMD...: run it, or in a dry run only show it.
run() {
	if [ $dry -eq 1 ]; then
		say "  would run: $*"
	else
		say "  + $*"
		"$@"
	fi
}

# The compose command: docker compose (v2) or docker-compose (v1).
if [ -n "${COMPOSE:-}" ]; then
	compose=$COMPOSE
elif [ $dry -eq 0 ] && "$DOCKER" compose version >/dev/null 2>&1; then
	compose="$DOCKER compose"
elif command -v docker-compose >/dev/null 2>&1; then
	compose=docker-compose
else
	compose="$DOCKER compose"
fi

absfile() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "${1##*/}"); }
if [ -f "$from" ]; then from=$(absfile "$from"); fi
if [ -f "$to" ]; then to=$(absfile "$to"); fi
if [ -z "$project" ]; then
	# compose's own default: the directory of the old file, lower case.
	project=$(basename "$(dirname "$from")" | tr 'A-Z' 'a-z' |
	    sed 's/[^a-z0-9_-]//g')
fi
[ -n "$backup" ] || backup=$(pwd)/dindgate-backup-$(date +%Y%m%d-%H%M%S)
old="$compose -p $project -f $from"
tool=${TOOL_IMAGE:-docker:dind}	# has sh, tar and openssl; set from --to below
new="$compose -p $project -f $to"

rollback_help() {
	cat <<EOF

How to roll back:
  $new down                 # stop dind + dindgate (volumes are kept)
  $old up -d                # the old stack, as it was
EOF
	if [ -s "$backup/volumes.txt" ] || [ $dry -eq 1 ]; then
		cat <<EOF
  # volumes the new stack rewrote, from $backup/volumes/:
  for v in \$(cat $backup/volumes.txt); do
    $DOCKER run --rm --network none -v "\$v:/v" -v "$backup/volumes:/b:ro" \\
      --entrypoint /bin/sh $tool -c "rm -rf /v/* && tar -C /v -xzf /b/\$v.tar.gz"
  done
EOF
	fi
	cat <<EOF
The old compose files and configuration are in $backup/.
EOF
}

[ $dry -eq 0 ] || say "$prog: dry run: nothing is changed; these are the steps."

# ---------------------------------------------------------------------------
step "1. prerequisites"
kind=unknown
if [ -f "$from" ]; then
	if grep -q 'docker\.sock' "$from"; then
		kind=socket
		say "  old setup: a worker with the host's docker socket mount ($from)"
	elif grep -q 'dind' "$from"; then
		kind=dind
		say "  old setup: plain docker:dind ($from)"
		if grep -Eq 'DOCKER_TLS_CERTDIR:?[[:space:]]*=?[[:space:]]*(""|'"''"'|$)' "$from"; then
			say "  warning: DOCKER_TLS_CERTDIR looks empty there: that engine" \
			    "serves plain HTTP on 2375 to anybody on its network"
		fi
	else
		say "  old setup: neither a docker socket mount nor dind found in $from"
	fi
elif [ $dry -eq 1 ]; then
	say "  (old compose file $from not found)"
else
	die "$from: no such file"
fi
[ -f "$to" ] || [ $dry -eq 1 ] || die "$to: no such file"
say "  new stack: $to (project $project)"

if [ $dry -eq 1 ]; then
	say "  would check: $DOCKER and $compose work and the engine answers"
	say "  would check: $old config -q and $new config -q"
	say "  would check: the dindgate image exists (else build it with" \
	    "contrib/image/build-context.sh and docker build)"
	say "  would check: $top/certs/mkcerts.sh and $here/verify.sh exist"
	host_id="<host engine ID>"
else
	command -v "$DOCKER" >/dev/null 2>&1 || die "$DOCKER not found"
	$compose version >/dev/null 2>&1 || die "$compose does not work"
	host_id=$("$DOCKER" info --format '{{.ID}}' 2>/dev/null) ||
	    die "the engine does not answer ($DOCKER info)"
	say "  engine: $host_id"
	$old config -q || die "$from does not validate"
	$new config -q || die "$to does not validate"
	image=${DINDGATE_IMAGE:-$($new config 2>/dev/null |
	    sed -n '/^  dindgate:/,/^  [a-z]/{s/^    image: //p;}' | head -n 1)}
	[ -n "$image" ] || die "cannot find the dindgate image in $to"
	if ! "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
		die "image $image not found; build it: sh $here/image/build-context.sh DIR && $DOCKER build -t $image DIR"
	fi
	say "  dindgate image: $image"
	# The "certs" service's image (docker:dind) has sh and tar.
	tool=$($new config 2>/dev/null |
	    sed -n '/^  certs:/,/^  [a-z]/{s/^    image: //p;}' | head -n 1)
	[ -n "$tool" ] || die "cannot find the certs service's image in $to"
	"$DOCKER" image inspect "$tool" >/dev/null 2>&1 ||
	    "$DOCKER" pull "$tool" || die "cannot get image $tool"
	say "  tool image (backup, certificates): $tool"
	for f in "$top/certs/mkcerts.sh" "$here/verify.sh" "$here/compose-init.sh"; do
		[ -f "$f" ] || die "$f missing"
	done
fi

# ---------------------------------------------------------------------------
step "2. back up"
if [ $dry -eq 1 ]; then
	say "  would create $backup/ with: $(basename "$from"), .env, old-config.yml, containers.txt, images.txt"
	say "  would save each existing volume the new stack writes to" \
	    "(${project}_dind-certs-ca, ${project}_dind-certs-client, ...) as" \
	    "$backup/volumes/VOLUME.tar.gz"
else
	mkdir -p "$backup/volumes"
	cp "$from" "$backup/"
	[ ! -f "$(dirname "$from")/.env" ] || cp "$(dirname "$from")/.env" "$backup/"
	$old config >"$backup/old-config.yml"
	"$DOCKER" ps -a --format '{{.Names}}\t{{.Image}}\t{{.Status}}' >"$backup/containers.txt"
	"$DOCKER" images --format '{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}' >"$backup/images.txt"
	: >"$backup/volumes.txt"
	for v in dind-certs-ca dind-certs-server dind-certs-client dind-config \
	    gate-certs worker-certs dindgate-pki; do
		vol=${project}_$v
		"$DOCKER" volume inspect "$vol" >/dev/null 2>&1 || continue
		run "$DOCKER" run --rm --network none -v "$vol:/v:ro" \
		    -v "$backup/volumes:/b" --entrypoint /bin/sh "$tool" \
		    -c "tar -C /v -czf /b/$vol.tar.gz ."
		echo "$vol" >>"$backup/volumes.txt"
	done
	say "  backup in $backup ($(wc -l <"$backup/volumes.txt") volume(s))"
fi

# ---------------------------------------------------------------------------
step "3. stop the old stack"
if [ $dry -eq 0 ] && [ $yes -eq 0 ]; then
	printf 'Stop the old stack (%s)? [y/N] ' "$old"
	read -r answer
	case $answer in y|Y|yes) ;; *) die "stopped before changing anything" ;; esac
fi
changed=1
run $old down --remove-orphans
if [ "$kind" = socket ]; then
	say "  the worker no longer gets the host's docker socket: the new" \
	    "worker service has none (check your own worker definition too)"
fi

# ---------------------------------------------------------------------------
step "4. generate certificates"
run $new run --rm certs

# ---------------------------------------------------------------------------
step "5. start the new stack"
run $new up -d
if [ $dry -eq 1 ]; then
	say "  would wait until dindgate reports healthy"
else
	i=0
	until [ "$($new ps -q dindgate | xargs -r "$DOCKER" inspect \
	    -f '{{.State.Health.Status}}' 2>/dev/null)" = healthy ]; do
		i=$((i + 1))
		[ $i -le 90 ] || { $new ps; $new logs --tail 50 dindgate docker-dind; die "dindgate did not become healthy"; }
		sleep 2
	done
	$new ps
fi

# ---------------------------------------------------------------------------
step "6. verify (contrib/verify.sh in the worker)"
if run $new exec -T -e HOST_ENGINE_ID="$host_id" worker \
    sh /usr/local/bin/dindgate-verify; then
	[ $dry -eq 1 ] || say "  all checks passed"
else
	die "verification failed (see the FAIL lines above)"
fi

# ---------------------------------------------------------------------------
step "7. roll back, if you need to"
rollback_help
if [ "$kind" = socket ]; then
	cat <<EOF
Old sandbox images stay on the host's engine; once the new stack is fine:
  $DOCKER image ls       # and remove what the worker used to build or pull
EOF
fi
