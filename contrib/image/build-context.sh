#!/bin/sh
# build-context.sh: prepare the docker build context for contrib/Dockerfile.
#
#   sh contrib/image/build-context.sh [-b BINARY] [-u UID] OUTDIR
#   DOCKER_BUILDKIT=0 docker build -t dindgate OUTDIR
#
# contrib/Dockerfile builds FROM scratch and only COPYs (why: see its
# header), so everything the image holds is put together here, from this
# machine's build:
#
#   OUTDIR/Dockerfile                  a copy of contrib/Dockerfile
#   OUTDIR/rootfs/usr/sbin/dindgate    the binary (default: src/dindgate)
#   OUTDIR/rootfs/<lib paths>          every library `ldd` lists for it,
#                                      and the dynamic loader, at the
#                                      paths the binary looks for them
#   OUTDIR/rootfs/etc/passwd, group    root, nobody and dindgate (UID)
#   OUTDIR/rootfs/etc/nsswitch.conf    files then DNS for host names
#   OUTDIR/rootfs/etc/dindgate/        dindgate.conf and policy/ as
#                                      `make install` lays them out, and
#                                      an empty certs/ to mount over
#   OUTDIR/audit/                      empty: becomes /var/log/dindgate,
#                                      owned by UID, for an audit volume
#
# The binary must be a normal (non-sanitizer) build.  UID defaults to
# 10001, which contrib/Dockerfile's USER line expects; with -u, pass the
# same number as --build-arg DINDGATE_UID.
set -eu

prog=${0##*/}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/src/dindgate
uid=10001

usage() {
	echo "usage: $prog [-b BINARY] [-u UID] OUTDIR" >&2
	exit 2
}

while getopts b:u:h opt; do
	case $opt in
	b) bin=$OPTARG ;;
	u) uid=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
out=$1

case $uid in
''|*[!0-9]*) echo "$prog: UID must be a number: $uid" >&2; exit 2 ;;
esac
[ "$uid" -gt 0 ] || { echo "$prog: UID must not be 0" >&2; exit 2; }
[ -x "$bin" ] || {
	echo "$prog: $bin not found or not executable; build it first" \
	    "(./autogen.sh && ./configure && make)" >&2
	exit 1
}
command -v ldd >/dev/null 2>&1 || { echo "$prog: ldd not found" >&2; exit 1; }
if ! ldd "$bin" >/dev/null 2>&1; then
	echo "$prog: ldd cannot read $bin (not a dynamic binary for this" \
	    "machine?)" >&2
	exit 1
fi
if ldd "$bin" | grep -q 'libasan\|libubsan'; then
	echo "$prog: $bin is a sanitizer build; use a normal build" >&2
	exit 1
fi
if ldd "$bin" | grep -q 'not found'; then
	ldd "$bin" | grep 'not found' >&2
	echo "$prog: $bin has missing libraries" >&2
	exit 1
fi

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$out/rootfs

# copy SRC DEST: copy a file, following symlinks, creating DEST's parents.
copy() {
	mkdir -p "$(dirname "$2")"
	cp -L "$1" "$2"
}

copy "$bin" "$root/usr/sbin/dindgate"
chmod 0755 "$root/usr/sbin/dindgate"
strip --strip-unneeded "$root/usr/sbin/dindgate" 2>/dev/null || true

# Libraries at the paths ldd resolved, so the loader's built-in search
# path finds them without an ld.so.cache; the loader at its PT_INTERP path.
ldd "$bin" | while read -r a b c rest; do
	case $a in
	linux-vdso.so.*|linux-gate.so.*) continue ;;
	esac
	if [ "$b" = "=>" ]; then
		lib=$c
	else
		lib=$a		# "/lib64/ld-linux-x86-64.so.2 (0x...)"
	fi
	case $lib in
	/*) copy "$lib" "$root$lib" ;;
	*) echo "$prog: unexpected ldd line: $a $b $c $rest" >&2; exit 1 ;;
	esac
done

mkdir -p "$root/etc/dindgate/policy" "$root/etc/dindgate/certs"
cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
dindgate:x:$uid:$uid:dindgate:/nonexistent:/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
dindgate:x:$uid:
EOF
cat >"$root/etc/nsswitch.conf" <<'EOF'
# files (/etc/hosts, written by the engine) first, then DNS (the engine's
# embedded DNS server resolves compose service names such as docker-dind).
passwd: files
group:  files
hosts:  files dns
EOF
chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"

cp "$top/contrib/dindgate.conf" "$root/etc/dindgate/dindgate.conf"
cp "$top/policy/"*.json "$root/etc/dindgate/policy/"
chmod 0644 "$root/etc/dindgate/dindgate.conf" "$root/etc/dindgate/policy/"*.json

# The configuration lives at /etc/dindgate in the image.  A build
# configured with another sysconfdir (the default prefix gives
# /usr/local/etc) looks there without -c: point that at /etc/dindgate.
def=$("$bin" -h 2>/dev/null | sed -n 's/^default FILE: //p')
defdir=${def%/*}
case $defdir in
/etc/dindgate|'') ;;
/*)
	mkdir -p "$root${defdir%/*}"
	ln -s /etc/dindgate "$root$defdir"
	;;
esac

mkdir -p "$out/audit"
cp "$top/contrib/Dockerfile" "$out/Dockerfile"

version=$("$bin" --version 2>/dev/null | sed -n 's/^dindgate //p')
echo "$prog: context ready in $out (dindgate ${version:-?}," \
    "$(find "$root" -type f | wc -l) files," \
    "$(du -sk "$root" | cut -f1) KiB)"
echo "$prog: build with: DOCKER_BUILDKIT=0 docker build -t dindgate:${version:-latest} $out"
