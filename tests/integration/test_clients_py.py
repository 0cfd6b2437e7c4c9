"""docker-py (Debian's python3-docker) through dindgate."""

import io
import os
import socket
import ssl
import tarfile
import time

import pytest

from dgtest import IMAGE, demux, sha256, unique


@pytest.fixture
def client(gate):
    c = gate.pyclient()
    yield c
    c.close()


@pytest.fixture
def pysleeper(client, engine, image):
    c = client.containers.run(image, ["sh", "-c", "mkdir /tmp && exec sleep 600"],
                              detach=True, network_mode="none",
                              name=unique("dgpy-sleep"))
    yield c
    engine.docker("rm", "-f", c.id, check=False)


def raw_socket(s):
    """The socket docker-py hands out for hijacked streams: a SocketIO
    wrapping the real socket over unix, the SSLSocket itself over TLS."""
    return getattr(s, "_sock", s)


def half_close_and_read(sock, timeout=30):
    """What a docker-py user does to end stdin: shutdown(SHUT_WR) on the
    socket, then read the output until EOF.

    ssl.SSLSocket.shutdown() throws the TLS state away and sends a plain
    TCP FIN without close_notify; reading through the SSLSocket afterwards
    would return ciphertext. So keep the TLS object and read through it."""
    sock.settimeout(timeout)
    sslobj = getattr(sock, "_sslobj", None)
    sock.shutdown(socket.SHUT_WR)
    out = []
    while True:
        try:
            data = sslobj.read(65536) if sslobj is not None else sock.recv(65536)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        if not data:
            break
        out.append(data)
    return b"".join(out)


def test_ping_version_info(client, engine):
    assert client.ping() is True
    v = client.version()
    assert v["Version"] == engine.docker("version", "--format",
                                         "{{.Server.Version}}").out.strip()
    assert client.info()["ID"] == engine.docker("info", "--format",
                                                "{{.ID}}").out.strip()


def test_images_and_containers_list(client, engine, image):
    img = client.images.get(image)
    assert img.id == engine.docker("image", "inspect", "--format", "{{.Id}}",
                                   image).out.strip()
    assert image in [t for i in client.images.list() for t in i.tags]
    name = unique("dgpy-list")
    c = client.containers.create(image, ["true"], name=name, network_mode="none")
    try:
        assert [x.id for x in client.containers.list(all=True,
                                                     filters={"name": name})] \
            == [c.id]
        assert name in engine.container_names()
    finally:
        c.remove()
    assert name not in engine.container_names()


def test_run_remove(client, engine, image):
    name = unique("dgpy-rm")
    out = client.containers.run(image, ["sh", "-c", "echo hello; echo err >&2"],
                                name=name, remove=True, network_mode="none")
    assert out == b"hello\n"
    assert name not in engine.container_names()


def test_run_10mb_output(client, image):
    # Comes back through GET /containers/{id}/logs.
    from test_clients_cli import BIG_AWK, big_stream
    n = 10240
    out = client.containers.run(image, ["sh", "-c", BIG_AWK % n], remove=True,
                                network_mode="none")
    want = big_stream(n)
    assert len(out) == len(want) and sha256(out) == sha256(want)


def test_run_detached_logs_stream(client, engine, image):
    script = "i=1; while [ $i -le 20 ]; do echo line$i; i=$((i+1)); sleep 0.05; done"
    c = client.containers.run(image, ["sh", "-c", script], detach=True,
                              network_mode="none", name=unique("dgpy-logs"))
    try:
        chunks = list(c.logs(stream=True, follow=True))
        assert b"".join(chunks).split() == [b"line%d" % i for i in range(1, 21)]
        assert c.wait(timeout=30)["StatusCode"] == 0
        c.reload()
        assert c.status == "exited"
    finally:
        c.remove(force=True)


def test_exec_run(pysleeper):
    assert tuple(pysleeper.exec_run(["sh", "-c", "echo $((6*7))"])) == (0, b"42\n")
    code, (out, err) = pysleeper.exec_run(["sh", "-c", "echo o; echo e >&2; exit 4"],
                                          demux=True)
    assert (code, out, err) == (4, b"o\n", b"e\n")


def test_exec_run_stdin_socket(pysleeper, engine):
    data = os.urandom(2 << 20)
    res = pysleeper.exec_run(["sh", "-c", "tee /tmp/py-in | sha256sum"],
                             stdin=True, socket=True)
    sock = raw_socket(res.output)
    sock.sendall(data)
    out, err = demux(half_close_and_read(sock))
    sock.close()
    assert err == b""
    assert out.split()[0].decode() == sha256(data)
    assert engine.docker("exec", pysleeper.id, "sha256sum",
                         "/tmp/py-in").out.split()[0] == sha256(data)


def test_attach_socket_stdin(client, engine, image):
    data = os.urandom(1 << 20) + b"\n"
    # stdin_open without detach also sets StdinOnce: the container's stdin
    # closes when the attached client's does.
    c = client.containers.create(image, ["sh", "-c", "sha256sum; echo bye >&2"],
                                 stdin_open=True, network_mode="none",
                                 name=unique("dgpy-att"))
    assert engine.docker("inspect", "--format", "{{.Config.StdinOnce}}",
                         c.id).out.strip() == "true"
    try:
        s = client.api.attach_socket(c.id, params={"stdin": 1, "stdout": 1,
                                                   "stderr": 1, "stream": 1})
        sock = raw_socket(s)
        c.start()
        sock.sendall(data)
        out, err = demux(half_close_and_read(sock))
        sock.close()
        assert out.split()[0].decode() == sha256(data)
        assert err == b"bye\n"
        assert c.wait(timeout=30)["StatusCode"] == 0
    finally:
        c.remove(force=True)


def test_put_get_archive(pysleeper, engine):
    data = os.urandom(3 << 20)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo("in.bin")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    assert pysleeper.put_archive("/tmp", buf.getvalue()) is True
    assert engine.docker("exec", pysleeper.id, "sha256sum",
                         "/tmp/in.bin").out.split()[0] == sha256(data)
    bits, st = pysleeper.get_archive("/tmp/in.bin")
    raw = b"".join(bits)
    assert st["name"] == "in.bin" and st["size"] == len(data)
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        assert t.extractfile("in.bin").read() == data


def test_images_build(client, engine, image, tmp_path):
    payload = os.urandom(128 << 10)
    (tmp_path / "payload").write_bytes(payload)
    (tmp_path / "Dockerfile").write_text(
        "FROM %s\nCOPY payload /payload\n"
        "RUN sha256sum /payload > /payload.sum\n" % image)
    tag = unique("dgpybuild") + ":1"
    img, logs = client.images.build(path=str(tmp_path), tag=tag, rm=True,
                                    network_mode="none")
    try:
        assert tag in img.tags
        assert any("Successfully built" in l.get("stream", "") for l in logs)
        r = engine.docker("run", "--rm", "--network", "none", tag,
                          "cat", "/payload.sum")
        assert r.out.split()[0] == sha256(payload)
    finally:
        client.images.remove(tag)
    assert engine.docker("image", "inspect", tag, check=False).returncode != 0


def test_events_since_until(client, image):
    name = unique("dgpy-ev")
    since = time.time() - 1
    c = client.containers.run(image, ["true"], detach=True, network_mode="none",
                              name=name)
    try:
        assert c.wait(timeout=30)["StatusCode"] == 0
        until = time.time() + 1
        evs = list(client.events(since=since, until=until, decode=True,
                                 filters={"container": name}))
        actions = [e["Action"] for e in evs if e.get("Type") == "container"]
        it = iter(actions)
        assert all(a in it for a in ("create", "start", "die")), actions
        assert {e["Actor"]["Attributes"]["name"] for e in evs} == {name}
    finally:
        c.remove(force=True)


def test_many_calls_one_client(client):
    # Sequential calls reuse the pooled keep-alive connection.
    for _ in range(50):
        assert client.api.ping() is True
    assert client.api.version()["ApiVersion"]
