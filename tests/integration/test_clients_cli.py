"""The docker CLI through dindgate, as a worker uses it.

Every flow checks a real outcome: checksums of what went through, or the
engine's own view over its unix socket.
"""

import concurrent.futures
import fcntl
import io
import json
import os
import pty
import select
import struct
import subprocess
import tarfile
import termios
import time

import pytest

from dgtest import DOCKER_CLI, IMAGE, sha256, unique

NONE = ["--network", "none"]
LEGACY = {"DOCKER_BUILDKIT": "0"}


@pytest.fixture
def sleeper(gate, engine, image):
    """A running container (started through dindgate), removed afterwards
    through the engine's socket."""
    name = unique("dg-sleep")
    cid = gate.docker("run", "-d", "--name", name, *NONE, image,
                      "sh", "-c", "mkdir /tmp && exec sleep 600").out.strip()
    yield cid
    engine.docker("rm", "-f", cid, check=False)


def test_version(gate, engine):
    fmt = "{{.Server.Version}}|{{.Server.APIVersion}}|{{.Client.APIVersion}}"
    via = gate.docker("version", "--format", fmt).out.strip()
    direct = engine.docker("version", "--format", fmt).out.strip()
    # Includes the negotiated client API version (from /_ping's headers).
    assert via == direct and via.split("|")[1] == via.split("|")[2], via


def test_info(gate, engine):
    fmt = "{{.ID}}|{{.Name}}|{{.ServerVersion}}|{{.Driver}}"
    assert gate.docker("info", "--format", fmt).out == \
        engine.docker("info", "--format", fmt).out


def test_ps(gate, engine, image):
    name = unique("dg-ps")
    cid = gate.docker("create", "--name", name, *NONE, image, "true").out.strip()
    try:
        r = gate.docker("ps", "-a", "--no-trunc", "--filter", "name=^%s$" % name,
                        "--format", "{{.ID}} {{.Names}} {{.Status}}")
        assert r.out.split() == [cid, name, "Created"]
        assert name in engine.container_names()
        # Not running, so not in plain ps.
        assert name not in gate.docker("ps", "--format", "{{.Names}}").out.split()
    finally:
        gate.docker("rm", name)
    assert name not in engine.container_names()


def test_images(gate, engine, image):
    want = engine.docker("image", "inspect", "--format", "{{.Id}}", image).out
    assert gate.docker("image", "inspect", "--format", "{{.Id}}", image).out == want
    rows = gate.docker("images", "--no-trunc", "--format",
                       "{{.Repository}}:{{.Tag}} {{.ID}}").out.splitlines()
    assert "%s %s" % (image, want.strip()) in rows


def test_run_rm(gate, engine, image):
    name = unique("dg-rm")
    r = gate.docker("run", "--rm", "--name", name, *NONE, image,
                    "sh", "-c", "echo hello; echo oops >&2; exit 0")
    assert r.stdout == b"hello\n"
    assert b"oops\n" in r.stderr
    assert name not in engine.container_names()


def test_run_exit_code(gate, engine, image):
    r = gate.docker("run", "--rm", *NONE, image, "sh", "-c", "exit 7",
                    check=False)
    assert r.returncode == 7


def _run_in_pty(argv, env, rows, cols, timeout=60):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                         start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:         # EIO: the slave side is gone
                    break
                if not data:
                    break
                out += data
            elif p.poll() is not None:
                break
        else:
            p.kill()
            raise AssertionError("tty run timed out; output so far %r" % out)
        return p.wait(10), out
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()


def test_run_tty(gate, engine, image):
    # The CLI sets the container's tty size with /resize after start; wait
    # for it inside the container.
    script = ('tty; i=0; while [ $i -lt 50 ]; do s=$(stty size 2>/dev/null); '
              '[ "$s" = "37 111" ] && break; i=$((i+1)); sleep 0.1; done; '
              'echo "size=$s"; echo tty-done')
    name = unique("dg-tty")
    rc, out = _run_in_pty([DOCKER_CLI, "run", "--rm", "-t", "--name", name,
                           *NONE, image, "sh", "-c", script],
                          gate.env(), 37, 111)
    raw = out.decode("utf-8", "replace")
    assert rc == 0, raw
    # Both the container's tty and ours turn \n into \r\n.
    assert "\r\n" in raw, raw
    lines = raw.replace("\r", "").splitlines()
    assert lines[0].startswith("/dev/pts/"), raw
    assert lines[-2:] == ["size=37 111", "tty-done"], raw
    assert name not in engine.container_names()


@pytest.mark.parametrize("size", [6, 4 << 20], ids=["small", "4MiB"])
def test_run_interactive_stdin(gate, image, size):
    data = b"hello\n" if size == 6 else os.urandom(size)
    r = gate.docker("run", "--rm", "-i", *NONE, image, "sh", "-c",
                    "sha256sum; echo stdin-closed >&2", input=data, timeout=60)
    assert r.out.split()[0] == sha256(data)
    assert "stdin-closed" in r.err


def test_run_detached_then_logs_follow(gate, engine, image):
    name = unique("dg-logs")
    script = ("i=1; while [ $i -le 20 ]; do echo out$i; echo err$i >&2; "
              "i=$((i+1)); sleep 0.05; done")
    cid = gate.docker("run", "-d", "--name", name, *NONE, image,
                      "sh", "-c", script).out.strip()
    try:
        r = gate.docker("logs", "-f", cid, timeout=30)
        assert r.out.split() == ["out%d" % i for i in range(1, 21)]
        assert r.err.split() == ["err%d" % i for i in range(1, 21)]
        assert gate.docker("wait", cid).out.strip() == "0"
        # The engine agrees about the state.
        assert engine.docker("inspect", "--format", "{{.State.Status}}",
                             cid).out.strip() == "exited"
    finally:
        gate.docker("rm", "-f", cid, check=False)
    assert name not in engine.container_names()


def test_exec(gate, sleeper):
    assert gate.docker("exec", sleeper, "sh", "-c", "echo $((6*7))").out == "42\n"
    r = gate.docker("exec", sleeper, "sh", "-c", "echo e >&2; exit 3",
                    check=False)
    assert r.returncode == 3 and r.err == "e\n"


def test_exec_interactive_stdin(gate, engine, sleeper):
    data = os.urandom(1 << 20)
    r = gate.docker("exec", "-i", sleeper, "sh", "-c",
                    "tee /tmp/exec-in | sha256sum", input=data)
    assert r.out.split()[0] == sha256(data)
    # What reached the container, seen through the engine's own socket.
    assert engine.docker("exec", sleeper, "sha256sum",
                         "/tmp/exec-in").out.split()[0] == sha256(data)


def test_cp_in_and_out(gate, engine, sleeper, tmp_path):
    data = os.urandom(3 << 20)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    gate.docker("cp", str(src), "%s:/tmp/in.bin" % sleeper)
    assert engine.docker("exec", sleeper, "sha256sum",
                         "/tmp/in.bin").out.split()[0] == sha256(data)
    back = tmp_path / "back.bin"
    gate.docker("cp", "%s:/tmp/in.bin" % sleeper, str(back))
    assert sha256(back.read_bytes()) == sha256(data)
    # A directory made inside the container, copied out to stdout as a tar.
    engine.docker("exec", sleeper, "sh", "-c",
                  "mkdir /tmp/d && echo one > /tmp/d/a && echo two > /tmp/d/b")
    r = gate.docker("cp", "%s:/tmp/d" % sleeper, "-")
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
        got = {m.name: t.extractfile(m).read() for m in t.getmembers()
               if m.isfile()}
    assert got == {"d/a": b"one\n", "d/b": b"two\n"}


def big_stream(nlines):
    """Deterministic 1 KiB lines with a counter; see BIG_AWK."""
    pad = (b"abcdefghijklmnopqrstuvwxyz0123456789" * 30)[:1014]
    return b"".join(b"%08d %s\n" % (i, pad) for i in range(nlines))


BIG_AWK = ('awk -v n=%d \'BEGIN { s = "abcdefghijklmnopqrstuvwxyz0123456789"; '
           'p = ""; while (length(p) < 1014) p = p s; p = substr(p, 1, 1014); '
           'for (i = 0; i < n; i++) printf "%%08d %%s\\n", i, p }\'')


def test_run_50mb_stdout(gate, image):
    n = 51200                                   # 50 MiB
    want = big_stream(n)
    assert len(want) == 52428800
    t0 = time.monotonic()
    r = gate.docker("run", "--rm", *NONE, image, "sh", "-c", BIG_AWK % n,
                    timeout=180)
    took = time.monotonic() - t0
    assert len(r.stdout) == len(want), "got %d bytes" % len(r.stdout)
    assert sha256(r.stdout) == sha256(want)
    print("50 MiB through docker run in %.1fs" % took)


def test_build_classic(gate, engine, image, tmp_path):
    payload = os.urandom(256 << 10)
    (tmp_path / "payload").write_bytes(payload)
    (tmp_path / "Dockerfile").write_text(
        "FROM %s\nCOPY payload /payload\n"
        "RUN sha256sum /payload > /payload.sum\n"
        'CMD ["cat", "/payload.sum"]\n' % image)
    tag = unique("dgbuild") + ":1"
    gate.docker("build", "--network", "none", "-t", tag, str(tmp_path),
                env=LEGACY, timeout=120)
    try:
        # Run the built image through the engine's socket, not the gate.
        r = engine.docker("run", "--rm", *NONE, tag)
        assert r.out.split()[0] == sha256(payload)
    finally:
        gate.docker("rmi", tag, check=False)
    assert engine.docker("image", "inspect", tag, check=False).returncode != 0


def test_save_load_roundtrip(gate, engine, image):
    image_id = engine.docker("image", "inspect", "--format", "{{.Id}}",
                             image).out.strip()
    tag = unique("dgsave") + ":1"
    gate.docker("tag", image, tag)
    try:
        saved = gate.docker("save", tag).stdout
        with tarfile.open(fileobj=io.BytesIO(saved)) as t:
            manifest = json.load(t.extractfile("manifest.json"))
        assert manifest[0]["RepoTags"] == [tag]
        gate.docker("rmi", tag)
        assert engine.docker("image", "inspect", tag, check=False).returncode != 0
        env = gate.env()
        load = subprocess.run([DOCKER_CLI, "load"], env=env, input=saved,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)
        assert load.returncode == 0, load.stderr
        assert ("Loaded image: %s" % tag).encode() in load.stdout
        assert engine.docker("image", "inspect", "--format", "{{.Id}}",
                             tag).out.strip() == image_id
        # And the real pipe, now that the tag exists again.
        tag2 = unique("dgsave") + ":2"
        gate.docker("tag", tag, tag2)
        p = subprocess.run(["sh", "-c", '"$0" save "$1" | "$0" load',
                            DOCKER_CLI, tag2], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        assert p.returncode == 0, p.stderr
        assert ("Loaded image: %s" % tag2).encode() in p.stdout
        gate.docker("rmi", tag2)
    finally:
        gate.docker("rmi", tag, check=False)


def _subsequence(want, got):
    it = iter(got)
    return all(w in it for w in want)


def test_events_since_until(gate, engine, image):
    name = unique("dg-ev")
    since = time.time() - 1
    gate.docker("run", "--name", name, *NONE, image, "true")
    until = time.time() + 1
    try:
        r = gate.docker("events", "--since", "%.3f" % since, "--until",
                        "%.3f" % until, "--filter", "container=" + name,
                        "--format", "{{.Type}} {{.Action}}", timeout=30)
        got = r.out.splitlines()
        assert _subsequence(["container create", "container start",
                             "container die"], got), got
        # The same window seen by the engine directly.
        e = engine.docker("events", "--since", "%.3f" % since, "--until",
                          "%.3f" % until, "--filter", "container=" + name,
                          "--format", "{{.Type}} {{.Action}}", timeout=30)
        assert e.out.splitlines() == got
    finally:
        gate.docker("rm", "-f", name, check=False)


def test_concurrent_runs(gate, engine, image):
    names = [unique("dg-par%02d" % i) for i in range(20)]

    def one(i):
        return gate.docker("run", "--rm", "--name", names[i], *NONE, image,
                           "sh", "-c", "echo hello-%d" % i, timeout=120)

    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        results = list(ex.map(one, range(20)))
    assert [r.out for r in results] == ["hello-%d\n" % i for i in range(20)]
    assert not set(names) & engine.container_names()


@pytest.mark.gate_only
def test_swarm_init_denied(gate, engine):
    # The engine itself would refuse this advertise address (see
    # test_raw_http.test_denied_route_swarm_init): no side effect if it
    # gets through, and then no "dindgate" in the message.
    r = gate.docker("swarm", "init", "--advertise-addr", "dg-no-such-if0",
                    "--listen-addr", "127.0.0.1:0", check=False)
    assert r.returncode != 0
    assert "dindgate: " in r.err, r.err
    assert engine.docker("info", "--format",
                         "{{.Swarm.LocalNodeState}}").out.strip() == "inactive"


@pytest.mark.gate_only
@pytest.mark.parametrize("certdir", ["rogue", "expired", "noclientauth", "nocert"])
def test_refused_client_cert_cli(gate, pki, tmp_path, certdir):
    if certdir == "nocert":
        # The CLI silently goes on without a client cert if cert.pem and
        # key.pem are missing.
        d = tmp_path / "nocert"
        d.mkdir()
        (d / "ca.pem").write_bytes((pki / "worker" / "ca.pem").read_bytes())
        certdir = str(d)
    r = gate.docker("version", "--format", "{{.Server.Version}}",
                    certdir=certdir, check=False, timeout=30)
    assert r.returncode != 0
    assert r.out.strip() == ""
    assert "tls" in r.err.lower(), r.err
