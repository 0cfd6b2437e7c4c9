"""Hand-written bytes to dindgate: keep-alive, mTLS refusals, denied routes,
an engine outage, and malformed or smuggling-shaped requests.

Requests that must not reach the engine create a container with a unique
name (and Privileged, so a bypass is unmistakable); the engine's own unix
socket then shows whether it exists.
"""

import json
import socket
import ssl

import pytest

from dgtest import IMAGE, build_request, chunked, unique


def test_ping(gate):
    r = gate.http("GET", "/_ping")
    assert (r.status, r.body) == (200, b"OK")
    assert r.header("API-Version")


def test_keepalive_three_requests(gate, engine):
    want = engine.docker("version", "--format", "{{.Server.APIVersion}}").out.strip()
    with gate.conn() as c:
        r1 = c.request("GET", "/_ping")
        r2 = c.request("GET", "/version")
        r3 = c.request("GET", "/_ping")
        assert (r1.status, r1.body) == (200, b"OK")
        assert r2.status == 200 and r2.header("Content-Type") == "application/json"
        assert r2.json()["ApiVersion"] == want
        assert (r3.status, r3.body) == (200, b"OK")
        assert c.buf == b""
        # Still open: a fourth one on the same connection.
        assert c.request("GET", "/v1.41/_ping").status == 200


def test_keepalive_chunked_body_then_more(gate, engine, image):
    # A chunked create followed by an inspect and a delete of the same
    # container on one connection.
    name = unique("dg-ka")
    body = json.dumps({"Image": image, "Cmd": ["true"],
                       "HostConfig": {"NetworkMode": "none"}}).encode()
    with gate.conn() as c:
        r = c.request("POST", "/v1.41/containers/create?name=" + name,
                      [("Content-Type", "application/json"),
                       ("Transfer-Encoding", "chunked")], chunked(body, 7))
        assert r.status == 201, r
        cid = r.json()["Id"]
        r = c.request("GET", "/v1.41/containers/%s/json" % cid)
        assert r.status == 200 and r.json()["Name"] == "/" + name
        assert name in engine.container_names()
        assert c.request("DELETE", "/v1.41/containers/" + cid).status == 204
    assert name not in engine.container_names()


def _attempt(gate, certdir, tls_max=None):
    """Handshake and one request. Returns ("http", bytes) if any HTTP came
    back, else ("refused", exception-or-EOF)."""
    ctx = gate.ssl_context(certdir)
    if tls_max:
        ctx.maximum_version = tls_max
    try:
        s = gate.tls_socket(certdir, timeout=10, ctx=ctx)
    except (ssl.SSLError, OSError) as e:
        return "refused", e
    data = b""
    with s:
        try:
            s.sendall(build_request("GET", "/_ping", [("Connection", "close")]))
            while True:
                d = s.recv(4096)
                if not d:
                    break
                data += d
        except (ssl.SSLError, OSError) as e:
            return ("http", data) if data else ("refused", e)
    return ("http", data) if data else ("refused", "EOF")


TLS = {"tls12": ssl.TLSVersion.TLSv1_2, "tls13": ssl.TLSVersion.TLSv1_3}


@pytest.mark.parametrize("tls", sorted(TLS))
def test_good_client_cert_accepted(gate, tls):
    kind, got = _attempt(gate, "worker", TLS[tls])
    assert kind == "http" and got.startswith(b"HTTP/1.1 200"), got


@pytest.mark.parametrize("tls", sorted(TLS))
@pytest.mark.parametrize("certdir", ["rogue", "expired", "noclientauth", None],
                         ids=["rogue", "expired", "noclientauth", "nocert"])
def test_refused_client_certs(gate, certdir, tls):
    kind, got = _attempt(gate, certdir, TLS[tls])
    assert kind == "refused", got
    if tls == "tls12":
        # With TLS 1.2 the client certificate is checked inside the handshake.
        assert isinstance(got, ssl.SSLError), got


def _swarm_state(engine):
    return engine.docker("info", "--format",
                         "{{.Swarm.LocalNodeState}}").out.strip()


@pytest.mark.gate_only
def test_denied_route_swarm_init(gate, engine):
    # An advertise address the engine itself rejects, so a request that got
    # through has no side effect (a real swarm init creates docker_gwbridge
    # in the host's network namespace) and fails on the message instead.
    body = json.dumps({"ListenAddr": "127.0.0.1:0",
                       "AdvertiseAddr": "dg-no-such-if0"}).encode()
    r = gate.http("POST", "/v1.41/swarm/init",
                  [("Content-Type", "application/json")], body)
    assert r.status == 403, r
    assert r.header("Content-Type") == "application/json"
    assert r.json()["message"].startswith("dindgate: "), r.body
    assert _swarm_state(engine) == "inactive"


@pytest.mark.gate_only
def test_engine_down_then_back(gate, engine):
    assert gate.http("GET", "/_ping").status == 200
    # A connection opened before the outage, kept across it.
    early = gate.conn()
    assert early.request("GET", "/_ping").status == 200
    engine.stop()
    try:
        r = gate.http("GET", "/_ping")
        assert r.status == 502, r
        assert r.header("Content-Type") == "application/json"
        assert r.json()["message"].startswith("dindgate: "), r.body
        cli = gate.docker("version", "--format", "{{.Server.Version}}",
                          check=False, timeout=30)
        assert cli.returncode != 0 and "dindgate: " in cli.err, cli.err
    finally:
        engine.start()
    r = gate.http("GET", "/_ping")
    assert (r.status, r.body) == (200, b"OK")
    assert gate.docker("version", "--format", "{{.Server.Version}}").out.strip()
    # The old client connection: either it still works or it was closed
    # cleanly; it must not hang or return garbage.
    try:
        r = early.request("GET", "/_ping")
        assert (r.status, r.body) == (200, b"OK")
    except AssertionError as e:
        assert "connection closed before a complete response" in str(e), e
    finally:
        early.close()


# -- malformed and smuggling-shaped requests --------------------------------

def _create_body():
    return json.dumps({"Image": IMAGE, "Cmd": ["true"],
                       "HostConfig": {"NetworkMode": "none",
                                      "Privileged": True}}).encode()


def _raw(method_target, headers, body=b""):
    return (method_target + "\r\n" + "".join(h + "\r\n" for h in headers) +
            "\r\n").encode("latin-1") + body


def _case(kind, name):
    """The raw bytes for a malformed create of container `name`."""
    b = _create_body()
    cl = "Content-Length: %d" % len(b)
    ct = "Content-Type: application/json"
    target = "POST /v1.41/containers/create?name=%s HTTP/1.1" % name
    host = "Host: dindgate"
    if kind == "cl_te":
        return _raw(target, [host, ct, "Content-Length: 0",
                             "Transfer-Encoding: chunked"], chunked(b))
    if kind == "dup_cl_same":
        return _raw(target, [host, ct, cl, cl], b)
    if kind == "dup_cl_diff":
        return _raw(target, [host, ct, cl, "Content-Length: %d" % (len(b) + 1)],
                    b + b" ")
    if kind == "obs_fold":
        return _raw(target, [host, ct, "X-Dg-Folded: a", " b", cl], b)
    if kind == "te_gzip_chunked":
        return _raw(target, [host, ct, "Transfer-Encoding: gzip, chunked"],
                    chunked(b))
    if kind == "nul_in_header":
        return _raw(target, [host, ct, "X-Dg-Nul: a\0b", cl], b)
    if kind == "absolute_form":
        return _raw("POST http://x/v1.41/containers/create?name=%s HTTP/1.1"
                    % name, [host, ct, cl], b)
    if kind == "long_headers":
        pad = ["X-Dg-Pad-%03d: %s" % (i, "p" * 1000) for i in range(200)]
        return _raw(target, [host, ct] + pad + [cl], b)
    if kind == "long_url":
        return _raw("POST /v1.41/containers/create?name=%s&pad=%s HTTP/1.1"
                    % (name, "u" * (128 << 10)), [host, ct, cl], b)
    raise ValueError(kind)


# Status codes dindgate may use; the brief says 400, and 431/414 are the
# precise codes for the size limits.
CASES = {
    "cl_te": {400},
    "dup_cl_same": {400},
    "dup_cl_diff": {400},
    "obs_fold": {400},
    "te_gzip_chunked": {400},
    "nul_in_header": {400},
    "absolute_form": {400},
    "long_headers": {400, 431},
    "long_url": {400, 414},
}


@pytest.mark.gate_only
@pytest.mark.parametrize("kind", list(CASES))
def test_malformed_request_refused(gate, engine, image, kind):
    name = unique("smug-" + kind.replace("_", ""))
    data = _case(kind, name)
    c = gate.conn()
    try:
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass            # refused before we finished; read the answer
        r = c.read_response("POST")
        assert r.status in CASES[kind], r
        # After a request it cannot frame, dindgate must not read on.
        assert c.at_eof(), "connection still open after %d" % r.status
    finally:
        c.close()
    assert name not in engine.container_names()
    # And dindgate is still serving.
    assert gate.http("GET", "/_ping").status == 200
