"""The audit log, its review command, metrics and health (issue 4).

Every test runs its own dindgate (gate_factory) with its own audit file, so
the records in it are exactly the ones the test caused; the shared gate
serves other tests and has no audit log.

  records       field by field: allowed, denied, log-only, malformed, tunnel
  secrets       bodies and environment values never reach the file
  nothing lost  N requests over many connections -> N records
  reopen        SIGUSR1 after a logrotate-style rename
  verify        intact, one record edited, one deleted, gzip-rotated
  failure rule  unwritable log: 503 (deny, the default) or served (allow)
  review        every filter of `dindgate audit`, summary, --follow
  admin         /metrics counters against the requests sent, /health,
                loopback-only admin.listen
"""

import concurrent.futures
import datetime
import gzip
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from dgtest import (CLEAN_PATH, DIRECT, DOCKER_CLI, IMAGE, REPO, Gate,
                    HTTPConn, build_request, chunked, deep_merge, free_port,
                    run, sha256, unique, wait_for)

pytestmark = [pytest.mark.skipif(bool(DIRECT), reason="needs dindgate"),
              pytest.mark.gate_only]

HEX64 = re.compile(r"^[0-9a-f]{64}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ZERO = "0" * 64
PRIV_RULE = "containers.HostConfig.Privileged"
CAP_RULE = "containers.HostConfig.CapAdd"
JSON_CT = [("Content-Type", "application/json")]


# --------------------------------------------------------------------------
# helpers

def audit_gate(gate_factory, tmp_path, name="audit.log", audit=None,
               admin=False, overrides=None, policy=None, start=True):
    """A dindgate of its own with audit.path = tmp_path/name (and an admin
    listener on a free loopback port if admin)."""
    path = tmp_path / name
    ov = {"audit": dict({"path": str(path)}, **(audit or {}))}
    port = None
    if admin:
        port = free_port()
        ov["admin"] = {"listen": "tcp://127.0.0.1:%d" % port}
    g = gate_factory(overrides=deep_merge(ov, overrides or {}),
                     policy=policy, start=start)
    g.audit_path = path
    g.admin_port = port
    return g


def read_records(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data == b"" or data.endswith(b"\n"), "last record is incomplete"
    return [json.loads(ln) for ln in data.decode().splitlines()]


def requests_of(recs, kind="request"):
    return [r for r in recs if r["kind"] == kind]


def wait_records(path, pred, n=1, timeout=10):
    """Poll until at least n records satisfy pred; returns them."""
    got = []

    def enough():
        nonlocal got
        try:
            got = [r for r in read_records(path) if pred(r)]
        except (OSError, ValueError, AssertionError):
            return False
        return len(got) >= n
    wait_for(enough, timeout, "%d matching audit record(s) in %s" % (n, path),
             interval=0.05)
    return got


def dindgate(*args, check=False, timeout=30):
    """The dindgate binary (audit, explain, -t) with a clean environment."""
    return run([Gate.binary()] + [str(a) for a in args],
               {"PATH": CLEAN_PATH}, timeout=timeout, check=check)


def cert_sha256(pem_path):
    der = ssl.PEM_cert_to_DER_cert(open(pem_path).read())
    fp = hashlib.sha256(der).hexdigest()
    # The same as openssl's, which an admin would use.
    r = subprocess.run(["openssl", "x509", "-in", str(pem_path), "-noout",
                        "-fingerprint", "-sha256"], stdout=subprocess.PIPE,
                       check=True)
    ossl = r.stdout.decode().strip().split("=", 1)[1]
    assert ossl.replace(":", "").lower() == fp
    return fp


def forwarded_body(g, method, target, body, tmp_path):
    """What dindgate forwards for this body, by `dindgate explain` with the
    gate's own configuration."""
    bf = tmp_path / ("explain-%s.json" % unique("b"))
    bf.write_bytes(body)
    r = dindgate("explain", "-c", g.conf_path, "-m", method, "-b", bf, target)
    for ln in r.out.splitlines():
        if ln.startswith("forwarded body: "):
            return ln[len("forwarded body: "):].encode()
    raise AssertionError("explain gave no forwarded body:\n" + r.out + r.err)


def policy_line(text):
    """sandbox.json:N for the line of the policy that names text."""
    for i, ln in enumerate((REPO / "policy" / "sandbox.json")
                           .read_text().splitlines(), 1):
        if '"%s"' % text in ln:
            return "sandbox.json:%d %s" % (i, text)
    raise AssertionError(text)


def utc(ts):
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def check_common(rec, fp, addr=None):
    """Fields every request record has."""
    assert rec["schema"] == 1, rec
    assert TIME_RE.match(rec["time"]), rec["time"]
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - utc(rec["time"])).total_seconds()) < 60, rec["time"]
    assert isinstance(rec["conn"], int) and rec["conn"] > 0, rec
    assert isinstance(rec["seq"], int) and rec["seq"] >= 1, rec
    c = rec["client"]
    assert c["cn"] == "worker", c
    assert c["sha256"] == fp, c
    assert re.match(r"^127\.0\.0\.1:\d+$", c["addr"]), c
    if addr is not None:
        assert c["addr"] == "%s:%d" % addr, c
    assert "san" not in c, c          # the worker cert has none
    assert isinstance(rec["duration"], float) and 0 <= rec["duration"] < 60
    assert isinstance(rec["own_time"], float) and \
        0 <= rec["own_time"] <= rec["duration"] + 1e-6, rec
    assert HEX64.match(rec["prev"]) and HEX64.match(rec["hash"]), rec
    for k in ("body", "Env", "env", "Cmd"):
        assert k not in rec, rec


def admin_get(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    with HTTPConn(s, 10) as c:
        return c.request("GET", path)


def scrape(port):
    r = admin_get(port, "/metrics")
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/plain"), r.headers
    out, types = {}, {}
    for ln in r.body.decode().splitlines():
        if ln.startswith("# TYPE "):
            _, _, fam, typ = ln.split()
            types[fam] = typ
        if not ln or ln.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", ln)
        assert m, "not a metric line: %r" % ln
        fam = re.sub(r"_(bucket|sum|count)$", "", m.group(1)) \
            if m.group(1) not in types else m.group(1)
        assert fam in types, "no # TYPE before %r" % ln
        labels = tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"',
                                         m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def mval(ms, name, **labels):
    return ms.get((name, tuple(sorted(labels.items()))), 0)


def create_body(**hostconfig):
    return json.dumps({"Image": IMAGE, "Cmd": ["true"],
                       "HostConfig": dict({"NetworkMode": "none"},
                                          **hostconfig)}).encode()


def deny_privileged(g, name=None):
    """A privileged create that must be refused (403); never reaches the
    engine, so no container to clean up."""
    name = name or unique("dg-priv")
    r = g.http("POST", "/v1.41/containers/create?name=" + name, JSON_CT,
               create_body(Privileged=True))
    assert r.status == 403, r
    return name


def ping(g, n=1, certdir="worker"):
    with g.conn(certdir) as c:
        for _ in range(n):
            assert c.request("GET", "/_ping").status == 200


# --------------------------------------------------------------------------
# records, field by field

def test_chain_starts_on_start(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    recs = wait_records(g.audit_path, lambda r: True)
    first = recs[0]
    assert first["kind"] == "chain-start" and first["note"] == "start", first
    assert first["prev"] == ZERO and first["schema"] == 1, first
    assert TIME_RE.match(first["time"]), first
    assert "conn" not in first and "status" not in first, first
    line = (g.audit_path.read_bytes().splitlines()[0]).decode()
    suffix = ',"hash":"%s"}' % first["hash"]
    assert line.endswith(suffix)
    assert sha256(line[:-len(suffix)].encode()) == first["hash"]


def test_record_allowed_create_and_inspect(gate_factory, tmp_path, engine,
                                           image, pki):
    g = audit_gate(gate_factory, tmp_path)
    fp = cert_sha256(pki / "worker" / "cert.pem")
    name = unique("dg-aud")
    body = json.dumps({"Image": image, "Cmd": ["true"]}).encode()
    target = "/v1.41/containers/create?name=" + name
    want_fwd = forwarded_body(g, "POST", target, body, tmp_path)
    try:
        with g.conn() as c:
            addr = c.sock.getsockname()
            r = c.request("POST", target, JSON_CT, body)
            assert r.status == 201, r
            cid = r.json()["Id"]
            # Not canonical on the wire: %-encoded, with a query.
            enc = "%%%02X%s" % (ord(name[0]), name[1:])
            r2 = c.request("GET", "/v1.41/containers/%s/json?size=0" % enc)
            assert r2.status == 200, r2
            r3 = c.request("GET", "/_ping")
            assert r3.status == 200, r3
        # The engine got what the record says: the forced defaults.
        assert r2.json()["Id"] == cid
        hc = r2.json()["HostConfig"]
        assert (hc["Memory"], hc["PidsLimit"], hc["NetworkMode"]) == \
            (1073741824, 512, "none"), hc
        recs = wait_records(g.audit_path,
                            lambda r: r["kind"] == "request", n=3)
    finally:
        engine.docker("rm", "-f", name, check=False)
    cr, insp, unv = recs
    for rec in recs:
        check_common(rec, fp, addr)
    assert cr["conn"] == insp["conn"] == unv["conn"]
    assert [cr["seq"], insp["seq"], unv["seq"]] == [cr["seq"], cr["seq"] + 1,
                                                   cr["seq"] + 2]
    # The create.
    assert cr["kind"] == "request"
    assert cr["method"] == "POST"
    assert cr["path"] == "/v1.41/containers/create", cr
    assert cr["api_version"] == "1.41"
    assert cr["route"] == "/containers/create"
    assert "object" not in cr, cr
    assert cr["decision"] == "allow"
    assert cr["policy"] == "sandbox"
    assert cr["rule"] == policy_line("POST /containers/create"), cr
    assert cr["reason"] == "POST /containers/create is allowed", cr
    for forced in ("Memory=1073741824 (default)", "PidsLimit=512 (default)",
                   "NetworkMode=none (default)",
                   "SecurityOpt+=no-new-privileges"):
        assert forced in cr["changes"], cr["changes"]
    assert "image=%s" % image in cr["facts"].split(), cr["facts"]
    assert "network=none" in cr["facts"].split(), cr["facts"]
    assert cr["body_sha256"] == sha256(want_fwd), (cr, want_fwd)
    assert cr["body_sha256"] != sha256(body)      # the policy changed it
    assert cr["status"] == 201
    assert cr["bytes_up"] > len(want_fwd), cr
    assert cr["bytes_down"] > len(r.body), cr
    assert cr["outcome"] == "done", cr
    # The inspect: canonical path, the object it names, no body.
    assert insp["method"] == "GET"
    assert insp["path"] == "/v1.41/containers/%s/json" % name, insp
    assert insp["route"] == "/containers/{id}/json"
    assert insp["object"] == name, insp
    assert insp["api_version"] == "1.41"
    assert insp["decision"] == "allow"
    assert insp["rule"] == policy_line("GET /containers/{id}/json"), insp
    assert "body_sha256" not in insp and "changes" not in insp, insp
    assert insp["status"] == 200
    assert insp["bytes_down"] > len(r2.body) and insp["bytes_up"] > 0
    # Unversioned: no api_version, no object.
    assert unv["path"] == "/_ping" and unv["route"] == "/_ping", unv
    assert "api_version" not in unv and "object" not in unv, unv
    assert unv["status"] == 200 and unv["decision"] == "allow"
    # One chain: each record links to the one before.
    allrecs = read_records(g.audit_path)
    for a, b in zip(allrecs, allrecs[1:]):
        assert b["prev"] == a["hash"]


def test_record_denied_privileged_via_cli(gate_factory, tmp_path, engine,
                                          image, pki):
    g = audit_gate(gate_factory, tmp_path)
    fp = cert_sha256(pki / "worker" / "cert.pem")
    api = engine.docker("version", "--format",
                        "{{.Server.APIVersion}}").out.strip()
    name = unique("dg-priv")
    r = g.docker("create", "--privileged", "--network", "none", "--name",
                 name, image, "true", check=False)
    assert r.returncode != 0 and "dindgate: " in r.err, r.err
    assert name not in engine.container_names()
    rec = wait_records(g.audit_path, lambda r: r.get("route") ==
                       "/containers/create")[0]
    check_common(rec, fp)
    assert rec["method"] == "POST"
    assert rec["path"] == "/v%s/containers/create" % api, rec
    assert rec["api_version"] == api
    assert rec["decision"] == "deny"
    assert rec["policy"] == "sandbox"
    assert rec["rule"] == PRIV_RULE
    assert "Privileged" in rec["reason"] and "never allowed" in rec["reason"]
    assert "body_sha256" not in rec, rec        # nothing was forwarded
    assert rec["status"] == 403
    assert rec["bytes_up"] == 0, rec            # nothing went to the engine
    assert rec["bytes_down"] > 0, rec           # the 403 went to the client
    assert rec["outcome"] == "refused", rec
    # The CLI's /_ping before it, allowed, on the same connection.
    recs = requests_of(read_records(g.audit_path))
    pings = [x for x in recs if x["route"] == "/_ping"]
    assert pings and pings[0]["decision"] == "allow"


def test_record_denied_keeps_facts(gate_factory, tmp_path, engine, image):
    # "a short summary of the facts the decision used": a refusal is what
    # an incident review reads first, so its record says what was asked.
    g = audit_gate(gate_factory, tmp_path)
    deny_privileged(g)
    r = g.http("POST", "/v1.41/containers/create", JSON_CT,
               create_body(CapAdd=["NET_ADMIN"]))
    assert r.status == 403, r
    priv, cap = wait_records(g.audit_path, lambda r: r.get("route") ==
                             "/containers/create", n=2)
    assert priv["rule"] == PRIV_RULE and cap["rule"] == CAP_RULE
    assert "facts" in priv, "denied create: no facts in %r" % priv
    assert "privileged=true" in priv["facts"].split(), priv
    assert "image=%s" % image in priv["facts"].split(), priv
    assert "network=none" in priv["facts"].split(), priv
    assert "facts" in cap, "denied create: no facts in %r" % cap
    assert "cap_add=1" in cap["facts"].split(), cap


def _log_only_policy(tmp_path):
    text = (REPO / "policy" / "sandbox.json").read_text()
    assert '"name": "sandbox",' in text
    text = text.replace('"name": "sandbox",', '"name": "sandbox-lo", '
                        '"log_only_rules": ["%s"],' % CAP_RULE, 1)
    p = tmp_path / "sandbox-lo.json"
    p.write_text(text)
    return p


def test_record_log_only(gate_factory, tmp_path, engine, image, pki):
    g = audit_gate(gate_factory, tmp_path, policy=_log_only_policy(tmp_path))
    fp = cert_sha256(pki / "worker" / "cert.pem")
    name = unique("dg-lo")
    try:
        cid = g.docker("create", "--cap-add", "NET_ADMIN", "--network",
                       "none", "--name", name, image, "true").out.strip()
        caps = engine.docker("inspect", "--format",
                             "{{json .HostConfig.CapAdd}}", cid).out
        assert "NET_ADMIN" in caps
        rec = wait_records(g.audit_path, lambda r: r.get("route") ==
                           "/containers/create")[0]
    finally:
        engine.docker("rm", "-f", name, check=False)
    check_common(rec, fp)
    assert rec["decision"] == "log-only-deny", rec
    assert rec["policy"] == "sandbox-lo"
    assert rec["rule"] == CAP_RULE
    assert "NET_ADMIN" in rec["reason"], rec
    assert rec["status"] == 201                 # served all the same
    assert "cap_add=1" in rec["facts"].split(), rec
    assert "PidsLimit=512 (default)" in rec["changes"], rec
    assert HEX64.match(rec["body_sha256"]), rec
    assert rec["bytes_up"] > 0 and rec["bytes_down"] > 0
    assert "log-only" in g.log() and "NET_ADMIN" in g.log()


def test_record_malformed_cl_te(gate_factory, tmp_path, engine, image, pki):
    g = audit_gate(gate_factory, tmp_path)
    fp = cert_sha256(pki / "worker" / "cert.pem")
    name = unique("dg-clte")
    b = create_body()
    raw = ("POST /v1.41/containers/create?name=%s HTTP/1.1\r\n"
           "Host: dindgate\r\nContent-Type: application/json\r\n"
           "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
           % name).encode() + chunked(b)
    with g.conn() as c:
        addr = c.sock.getsockname()
        try:
            c.send(raw)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        r = c.read_response("POST")
        assert r.status == 400, r
    assert name not in engine.container_names()
    rec = wait_records(g.audit_path, lambda r: r["kind"] == "request")[0]
    check_common(rec, fp, addr)
    assert rec["decision"] == "deny", rec
    assert rec["rule"] == "malformed", rec
    assert rec["status"] == 400, rec
    assert rec["reason"], rec
    assert rec["seq"] == 1, rec
    assert "body_sha256" not in rec and rec["bytes_up"] == 0, rec
    assert rec["bytes_down"] > 0, rec
    assert len(requests_of(read_records(g.audit_path))) == 1


def test_record_tunnel(gate_factory, tmp_path, engine, image, pki):
    g = audit_gate(gate_factory, tmp_path)
    fp = cert_sha256(pki / "worker" / "cert.pem")
    data = b"hello through the tunnel %s\n" % unique("t").encode()
    r = g.docker("run", "--rm", "-i", "--network", "none", image, "cat",
                 input=data)
    assert r.stdout == data
    att = wait_records(g.audit_path, lambda r: r["kind"] == "request" and
                       r.get("route") == "/containers/{id}/attach")
    assert len(att) == 1, att
    att = att[0]
    end = wait_records(g.audit_path, lambda r: r["kind"] == "stream-end"
                       and r["conn"] == att["conn"])
    assert len(end) == 1, end
    end = end[0]
    check_common(att, fp)
    check_common(end, fp)
    assert att["kind"] == "request"
    assert att["status"] == 101, att
    assert att["outcome"] == "tunnel started", att
    assert att["decision"] == "allow"
    assert HEX64.match(att["object"]), att
    assert att["method"] == "POST"
    # The end record: same request, the bytes of the whole tunnel.
    assert end["seq"] == att["seq"]
    assert end["route"] == att["route"] and end["object"] == att["object"]
    assert end["status"] == 101
    assert end["bytes_up"] >= att["bytes_up"] + len(data), end
    assert end["bytes_down"] >= att["bytes_down"] + len(data), end
    assert end["duration"] >= att["duration"]
    assert end["outcome"] and end["outcome"] != "tunnel started", end
    # Summary counts the tunnel once.
    s = dindgate("audit", "summary", "--route", "attach", g.audit_path,
                 check=True).out
    assert re.search(r"^\s+1\s+/containers/\{id\}/attach$", s, re.M), s


def test_record_stream(gate_factory, tmp_path, engine, image, pki):
    # A long response (events): recorded when it begins, and when it ends.
    g = audit_gate(gate_factory, tmp_path, admin=True)
    fp = cert_sha256(pki / "worker" / "cert.pem")
    c = g.conn()
    try:
        c.send(b"GET /v1.41/events?since=0 HTTP/1.1\r\nHost: dindgate\r\n"
               b"\r\n")
        while b"\r\n\r\n" not in c.buf:
            assert c._fill(), "no response head"
        assert c.buf.startswith(b"HTTP/1.1 200"), c.buf[:200]
        start = wait_records(g.audit_path, lambda r: r["kind"] == "request")
        assert len(start) == 1
        start = start[0]
        check_common(start, fp)
        assert start["route"] == "/events" and start["status"] == 200
        assert start["outcome"] == "stream started", start
        assert mval(scrape(g.admin_port), "dindgate_streams") == 1
        assert not [r for r in read_records(g.audit_path)
                    if r["kind"] == "stream-end"]
    finally:
        c.close()
    end = wait_records(g.audit_path, lambda r: r["kind"] == "stream-end")
    assert len(end) == 1
    end = end[0]
    check_common(end, fp)
    assert (end["conn"], end["seq"]) == (start["conn"], start["seq"])
    assert end["route"] == "/events" and end["status"] == 200
    assert end["bytes_down"] >= start["bytes_down"] > 0, (start, end)
    assert end["outcome"] and end["outcome"] != "stream started", end
    wait_for(lambda: mval(scrape(g.admin_port), "dindgate_streams") == 0, 5,
             "dindgate_streams back to 0")
    # One request, whatever the number of records.
    s = dindgate("audit", "summary", g.audit_path, check=True).out
    assert _summary_section(s, "by route:") == {"/events": 1}, s


# --------------------------------------------------------------------------
# never bodies, never environment values

def test_no_bodies_or_env_values(gate_factory, tmp_path, engine, image):
    g = audit_gate(gate_factory, tmp_path)
    secret = "hunter2xyz"
    marker = unique("bodymarker")
    r = g.docker("run", "--rm", "-e", "SECRET=" + secret, "--network", "none",
                 "--label", "lbl=" + marker, image, "sh", "-c",
                 'echo "$SECRET" >/dev/null; echo %s-cmd' % marker)
    assert r.out.strip() == marker + "-cmd"
    # A denied one too: its body is not forwarded, nor recorded.
    r = g.http("POST", "/v1.41/containers/create", JSON_CT, json.dumps(
        {"Image": IMAGE, "Env": ["SECRET=" + secret], "Cmd": [marker],
         "HostConfig": {"NetworkMode": "none", "Privileged": True}}))
    assert r.status == 403
    wait_records(g.audit_path, lambda r: r.get("decision") == "deny")
    wait_records(g.audit_path, lambda r: r.get("route") == "/containers/{id}"
                 or r.get("route") == "/containers/{id}/wait")
    text = g.audit_path.read_text()
    assert len(requests_of(read_records(g.audit_path))) >= 5
    for bad in (secret, marker, "SECRET"):
        assert bad not in text, "%r in the audit log" % bad
    assert secret not in g.log()


# --------------------------------------------------------------------------
# nothing lost

def test_n_requests_n_records_concurrently(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    threads, per = 20, 10
    start = threading.Barrier(threads)

    def worker(i):
        start.wait(10)
        if i % 2 == 0:          # keep-alive: one connection, `per` requests
            ping(g, per)
        else:                   # one connection per request
            for _ in range(per):
                ping(g, 1)
        return i

    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        assert sorted(ex.map(worker, range(threads))) == list(range(threads))
    n = threads * per
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request", n=n)
    time.sleep(0.2)             # and not more than n
    recs = requests_of(read_records(g.audit_path))
    assert len(recs) == n
    assert all(r["route"] == "/_ping" and r["status"] == 200 and
               r["decision"] == "allow" for r in recs)
    assert len({(r["conn"], r["seq"]) for r in recs}) == n
    conns = {}
    for r in recs:
        conns.setdefault(r["conn"], []).append(r["seq"])
    # 10 keep-alive connections of 10 requests, 100 of one.
    sizes = sorted(len(v) for v in conns.values())
    assert sizes == [1] * 100 + [per] * 10, sizes
    for seqs in conns.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), seqs
    v = dindgate("audit", "verify", g.audit_path)
    assert v.returncode == 0, v.out + v.err


def test_pipelined_requests_each_recorded(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    with g.conn() as c:
        c.send(build_request("GET", "/_ping") * 5 +
               build_request("GET", "/v1.41/version"))
        for _ in range(6):
            assert c.read_response().status == 200
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request", n=6)
    assert [r["seq"] for r in recs] == [1, 2, 3, 4, 5, 6]
    assert len({r["conn"] for r in recs}) == 1
    assert [r["route"] for r in recs] == ["/_ping"] * 5 + ["/version"]


def test_body_cut_short_is_not_allowed(gate_factory, tmp_path, engine, image):
    # A create whose body never arrives was never decided, nor forwarded:
    # its record must not read "allow" (here: a privileged create).
    g = audit_gate(gate_factory, tmp_path)
    name = unique("dg-cut")
    body = create_body(Privileged=True)
    c = g.conn()
    try:
        c.send(("POST /v1.41/containers/create?name=%s HTTP/1.1\r\n"
                "Host: dindgate\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (name, len(body) + 50))
               .encode() + body)
        time.sleep(0.2)
    finally:
        c.close()
    rec = wait_records(g.audit_path, lambda r: r["kind"] == "request")[0]
    assert name not in engine.container_names()
    assert rec["route"] == "/containers/create"
    assert "closed" in rec["outcome"], rec
    assert "body_sha256" not in rec and rec["bytes_up"] == 0, rec
    assert rec["decision"] != "allow", rec
    assert rec["decision"] == "error", rec


# --------------------------------------------------------------------------
# SIGUSR1: reopen after logrotate's rename

def test_sigusr1_reopen(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    ping(g, 2)
    wait_records(g.audit_path, lambda r: r["kind"] == "request", n=2)
    rotated = tmp_path / "audit.log.1"
    os.rename(g.audit_path, rotated)
    ping(g)                             # still to the renamed file
    wait_records(rotated, lambda r: r["kind"] == "request", n=3)
    g.signal(signal.SIGUSR1)
    wait_for(g.audit_path.exists, 5, "a new audit file after SIGUSR1")
    new = wait_records(g.audit_path, lambda r: True)
    assert new[0]["kind"] == "chain-start" and new[0]["note"] == "reopen"
    # The new chain names the last record of the rotated file, so records
    # cut from the end of that file show as a broken link.
    old = read_records(rotated)
    assert new[0]["prev"] == old[-1]["hash"]
    ping(g, 4)
    new = wait_records(g.audit_path, lambda r: r["kind"] == "request", n=4)
    assert len(new) == 4
    assert len(requests_of(old)) == 3 and old[0]["note"] == "start"
    assert "audit log reopened" in g.log()
    for files in ([rotated], [g.audit_path], [rotated, g.audit_path]):
        v = dindgate("audit", "verify", *files)
        assert v.returncode == 0, v.out + v.err
        assert "chain intact" in v.out
    v = dindgate("audit", "verify", rotated, g.audit_path)
    assert v.out.startswith("%d records verified" % (len(old) + 5)), v.out
    # SIGUSR1 without a rename: a second chain in the same file.
    g.signal(signal.SIGUSR1)
    ping(g)
    recs = wait_records(g.audit_path, lambda r: True, n=7)
    assert [r["kind"] for r in recs] == ["chain-start"] + ["request"] * 4 + \
        ["chain-start", "request"], recs
    assert recs[5]["note"] == "reopen" and recs[5]["prev"] == recs[4]["hash"]
    # Cutting the tail of the rotated file is now visible across files.
    lines = rotated.read_text().splitlines(True)
    rotated.write_text("".join(lines[:-1]))
    v = dindgate("audit", "verify", rotated, g.audit_path)
    assert v.returncode != 0 and "broken link" in v.out, v.out
    v = dindgate("audit", "verify", g.audit_path)
    assert v.returncode == 0, v.out


def test_reload_new_path_starts_a_chain(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    ping(g)
    wait_records(g.audit_path, lambda r: r["kind"] == "request")
    # SIGHUP with the same path: the chain goes on, no new chain-start.
    g.reload()
    ping(g)
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request", n=2)
    kinds = [r["kind"] for r in read_records(g.audit_path)]
    assert kinds == ["chain-start", "request", "request"], kinds
    # SIGHUP with a new path: that file starts with a chain-start "reload".
    new = tmp_path / "audit2.log"
    g.config["audit"]["path"] = str(new)
    with open(g.conf_path, "w") as f:
        json.dump(g.config, f)
    g.reload()
    wait_for(new.exists, 5, "the new audit file after SIGHUP")
    ping(g, 2)
    got = wait_records(new, lambda r: r["kind"] == "request", n=2)
    first = read_records(new)[0]
    assert first["kind"] == "chain-start" and first["note"] == "reload"
    assert len(got) == 2
    assert len(requests_of(read_records(g.audit_path))) == len(recs) == 2
    for f in (g.audit_path, new):
        v = dindgate("audit", "verify", f)
        assert v.returncode == 0, v.out


@pytest.mark.skipif(not shutil.which("logrotate", path=CLEAN_PATH),
                    reason="logrotate not installed")
def test_contrib_logrotate(gate_factory, tmp_path):
    # The shipped configuration, pointed at this gate: no record lost, the
    # new file starts a chain, both verify.
    g = audit_gate(gate_factory, tmp_path)
    ping(g, 3)
    wait_records(g.audit_path, lambda r: r["kind"] == "request", n=3)
    text = (REPO / "contrib" / "logrotate").read_text()
    assert "/var/log/dindgate/audit.log {" in text
    assert not re.search(r"^\s*copytruncate", text, re.M)
    text = text.replace("/var/log/dindgate/audit.log", str(g.audit_path))
    # No dindgate user here, and no systemd: signal this gate by pid.
    text = re.sub(r"^\s*su .*$", "", text, flags=re.M)
    text = re.sub(r"^(\s*create \d+).*$", r"\1", text, flags=re.M)
    text, n = re.subn(r"^\s*systemctl kill .*USR1.*$",
                      "\tkill -USR1 %d" % g.proc.pid, text, flags=re.M)
    assert n == 1, text
    conf = tmp_path / "logrotate.conf"
    conf.write_text(text)
    run(["logrotate", "-f", "-s", str(tmp_path / "state"), str(conf)],
        {"PATH": CLEAN_PATH}, timeout=30)
    rotated = [p for p in tmp_path.iterdir()
               if p.name.startswith("audit.log-")]
    assert len(rotated) == 1, list(tmp_path.iterdir())
    assert not rotated[0].name.endswith(".gz")      # delaycompress
    wait_records(g.audit_path, lambda r: r.get("note") == "reopen")
    ping(g, 2)
    new = wait_records(g.audit_path, lambda r: r["kind"] == "request", n=2)
    assert len(new) == 2
    assert len(requests_of(read_records(rotated[0]))) == 3
    v = dindgate("audit", "verify", rotated[0], g.audit_path)
    assert v.returncode == 0, v.out + v.err


# --------------------------------------------------------------------------
# verify

@pytest.fixture
def busy_log(gate_factory, tmp_path):
    """An audit file with a chain-start and 8 request records."""
    g = audit_gate(gate_factory, tmp_path)
    ping(g, 6)
    deny_privileged(g)
    ping(g)
    wait_records(g.audit_path, lambda r: r["kind"] == "request", n=8)
    g.stop()
    lines = g.audit_path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 9
    return g.audit_path, lines


def _verify(path):
    return dindgate("audit", "verify", path)


def test_verify_intact(busy_log):
    path, lines = busy_log
    v = _verify(path)
    assert v.returncode == 0, v.out + v.err
    assert v.out.strip() == "9 records verified: chain intact", v.out


def test_verify_one_record_edited(busy_log, tmp_path):
    path, lines = busy_log
    bad = list(lines)
    assert b'"status":200' in bad[4]
    bad[4] = bad[4].replace(b'"status":200', b'"status":404')
    f = tmp_path / "edited.log"
    f.write_bytes(b"".join(bad))
    v = _verify(f)
    assert v.returncode != 0
    assert v.out.startswith("%s:5: " % f), v.out
    assert "hash mismatch" in v.out, v.out


def test_verify_edited_and_rehashed(busy_log, tmp_path):
    # An editor who also recomputes the line's own hash breaks the next link.
    path, lines = busy_log
    bad = list(lines)
    rec = bad[4].decode().rstrip("\n")
    cut = rec.rindex(',"hash":"')
    body = rec[:cut].replace('"status":200', '"status":404')
    bad[4] = (body + ',"hash":"%s"}\n' % sha256(body.encode())).encode()
    f = tmp_path / "rehashed.log"
    f.write_bytes(b"".join(bad))
    v = _verify(f)
    assert v.returncode != 0
    assert v.out.startswith("%s:6: " % f), v.out
    assert "broken link" in v.out, v.out


@pytest.mark.parametrize("drop", [3, 7], ids=["middle", "last-but-one"])
def test_verify_one_record_deleted(busy_log, tmp_path, drop):
    path, lines = busy_log
    bad = lines[:drop] + lines[drop + 1:]
    f = tmp_path / "deleted.log"
    f.write_bytes(b"".join(bad))
    v = _verify(f)
    assert v.returncode != 0
    # Line drop+1 (1-based) is now the record after the missing one.
    assert v.out.startswith("%s:%d: " % (f, drop + 1)), v.out
    assert "broken link" in v.out and "missing" in v.out, v.out


def test_verify_chain_start_deleted(busy_log, tmp_path):
    path, lines = busy_log
    f = tmp_path / "headless.log"
    f.write_bytes(b"".join(lines[1:]))
    v = _verify(f)
    assert v.returncode != 0
    assert v.out.startswith("%s:1: " % f), v.out
    assert "chain-start" in v.out, v.out


def test_gzip_rotated(busy_log, tmp_path):
    path, lines = busy_log
    gz = tmp_path / "audit.log.1.gz"
    with gzip.open(gz, "wb") as f:
        f.write(b"".join(lines))
    v = dindgate("audit", "verify", gz)
    assert v.returncode == 0, v.out + v.err
    assert v.out.strip() == "9 records verified: chain intact"
    plain = dindgate("audit", "--json", path, check=True).out
    viagz = dindgate("audit", "--json", gz, check=True).out
    assert viagz == plain and len(viagz.splitlines()) == 8
    # Rotated and live together, oldest first, as an admin would.
    both = dindgate("audit", "--json", gz, path, check=True).out
    assert len(both.splitlines()) == 16
    s = dindgate("audit", "summary", gz, check=True).out
    assert re.search(r"^\s+7\s+allow$", s, re.M), s
    # A damaged gzip file is not "verified".
    bad = tmp_path / "bad.log.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"".join(lines[:3] + lines[4:]))
    v = dindgate("audit", "verify", bad)
    assert v.returncode != 0 and ":4: " in v.out, v.out


# --------------------------------------------------------------------------
# the failure rule

def test_unwritable_log_refuses(gate_factory, tmp_path, engine, image):
    g = audit_gate(gate_factory, tmp_path, admin=True,
                   overrides={"audit": {"path": "/dev/full"}})
    r = g.http("GET", "/_ping")
    assert r.status == 503, r
    assert r.header("Content-Type") == "application/json", r.headers
    msg = r.json()["message"]
    assert msg.startswith("dindgate: ") and "audit log" in msg, msg
    # The CLI shows it too, and nothing reaches the engine.
    cli = g.docker("version", "--format", "{{.Server.Version}}", check=False)
    assert cli.returncode != 0 and "audit log" in cli.err, cli.err
    name = unique("dg-full")
    r = g.http("POST", "/v1.41/containers/create?name=" + name, JSON_CT,
               create_body())
    assert r.status == 503, r
    assert name not in engine.container_names()
    log = g.log()
    assert "audit log /dev/full cannot be written" in log, log
    assert "refusing new requests" in log, log
    h = admin_get(g.admin_port, "/health")
    assert h.status == 503 and h.json()["audit"] == "fail", h
    assert mval(scrape(g.admin_port), "dindgate_audit_ok") == 0


def test_unwritable_log_allow_serves(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path, admin=True,
                   overrides={"audit": {"path": "/dev/full",
                                        "on_failure": "allow"}})
    assert g.http("GET", "/_ping").status == 200
    assert g.docker("version", "--format", "{{.Server.Version}}").out.strip()
    log = g.log()
    assert "audit log /dev/full cannot be written" in log, log
    assert "refusing" not in log, log


def test_unwritable_log_allow_metric_says_so(gate_factory, tmp_path):
    # metrics.h: audit_ok is "1: audit log writable". Serving anyway
    # (on_failure allow) is exactly when an admin needs the alert.
    g = audit_gate(gate_factory, tmp_path, admin=True,
                   overrides={"audit": {"path": "/dev/full",
                                        "on_failure": "allow"}})
    assert g.http("GET", "/_ping").status == 200
    assert mval(scrape(g.admin_port), "dindgate_audit_ok") == 0


def test_unwritable_log_allow_recovers(gate_factory, tmp_path):
    # "allow" serves while the log is broken; once it can be written again
    # the records must resume (with a visible chain-start), as with "deny".
    g = audit_gate(gate_factory, tmp_path, name="later/audit.log",
                   audit={"on_failure": "allow"})
    assert g.http("GET", "/_ping").status == 200
    (tmp_path / "later").mkdir()
    deadline = time.monotonic() + 2.5   # "deny" retries every second
    while not g.audit_path.exists() and time.monotonic() < deadline:
        assert g.http("GET", "/_ping").status == 200
        time.sleep(0.25)
    assert g.audit_path.exists(), \
        "records never resumed after the audit log became writable"
    assert g.http("GET", "/_ping").status == 200
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request")
    assert read_records(g.audit_path)[0]["kind"] == "chain-start"
    assert recs[-1]["status"] == 200


def test_unwritable_log_recovers(gate_factory, tmp_path):
    d = tmp_path / "later"
    g = audit_gate(gate_factory, tmp_path, name="later/audit.log")
    assert g.http("GET", "/_ping").status == 503
    d.mkdir()
    deadline = time.monotonic() + 5
    while g.http("GET", "/_ping").status != 200:
        assert time.monotonic() < deadline, "never served again"
        time.sleep(0.2)
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request")
    first = read_records(g.audit_path)[0]
    assert first["kind"] == "chain-start", first
    assert "recovered" in first["note"], first
    assert recs[0]["status"] == 200
    assert "writable again" in g.log()
    assert dindgate("audit", "verify", g.audit_path).returncode == 0


# --------------------------------------------------------------------------
# the review command

@pytest.fixture
def review_log(gate_factory, tmp_path, engine, image):
    """A log with known traffic: 5 pings by worker, 2 by worker2, 2
    privileged creates (deny), 1 swarm init (deny), 1 allowed create, 2
    inspects of it."""
    g = audit_gate(gate_factory, tmp_path)
    name = unique("dg-rev")
    ping(g, 5)
    ping(g, 2, certdir="worker2")
    deny_privileged(g)
    deny_privileged(g)
    r = g.http("POST", "/v1.41/swarm/init", JSON_CT, b'{"ListenAddr":'
               b'"127.0.0.1:0","AdvertiseAddr":"dg-no-such-if0"}')
    assert r.status == 403
    try:
        r = g.http("POST", "/v1.41/containers/create?name=" + name, JSON_CT,
                   create_body())
        assert r.status == 201, r
        cid = r.json()["Id"]
        for _ in range(2):
            assert g.http("GET", "/v1.41/containers/%s/json" % cid).status \
                == 200
    finally:
        engine.docker("rm", "-f", name, check=False)
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request", n=13)
    g.stop()
    return g, cid, recs


def _json_out(*args):
    r = dindgate("audit", "--json", *args)
    assert r.returncode == 0, r.out + r.err
    return [json.loads(ln) for ln in r.out.splitlines()]


def test_review_json_all(review_log):
    g, cid, recs = review_log
    got = _json_out(g.audit_path)
    assert got == recs          # every request, no chain-start, in order
    # Byte for byte the lines of the file (so they still verify).
    lines = [ln for ln in g.audit_path.read_text().splitlines()
             if '"kind":"chain-start"' not in ln]
    assert dindgate("audit", "--json", g.audit_path).out.splitlines() == lines


def test_review_filter_decision(review_log):
    g, cid, recs = review_log
    got = _json_out("--decision", "deny", g.audit_path)
    assert len(got) == 3 and {r["decision"] for r in got} == {"deny"}
    assert len(_json_out("--decision", "allow", g.audit_path)) == 10
    assert _json_out("--decision", "log-only-deny", g.audit_path) == []


def test_review_filter_client(review_log, pki):
    g, cid, recs = review_log
    got = _json_out("--client", "worker2", g.audit_path)
    assert len(got) == 2 and {r["client"]["cn"] for r in got} == {"worker2"}
    assert len(_json_out("--client", "worker", g.audit_path)) == 11
    fp2 = cert_sha256(pki / "worker2" / "cert.pem")
    assert _json_out("--client", fp2, g.audit_path) == got
    assert _json_out("--client", fp2[:16], g.audit_path) == got
    assert _json_out("--client", "nobody", g.audit_path) == []


def test_review_filter_route_rule_id(review_log):
    g, cid, recs = review_log
    got = _json_out("--route", "/containers/{id}/json", g.audit_path)
    assert len(got) == 2 and all(r["object"] == cid for r in got)
    got = _json_out("--route", "/containers/create", g.audit_path)
    assert len(got) == 3
    got = _json_out("--rule", PRIV_RULE, g.audit_path)
    assert len(got) == 2 and {r["rule"] for r in got} == {PRIV_RULE}
    got = _json_out("--id", cid, g.audit_path)
    assert len(got) == 2 and {r["object"] for r in got} == {cid}
    assert _json_out("--id", cid[:12], g.audit_path) == got
    # Filters combine.
    got = _json_out("--decision", "deny", "--route", "/swarm/init",
                    g.audit_path)
    assert len(got) == 1 and got[0]["status"] == 403


def test_review_filter_time(review_log):
    g, cid, recs = review_log
    t = [r["time"] for r in recs]
    assert t == sorted(t)
    mid = t[6]
    since = _json_out("--since", mid, g.audit_path)
    assert since == [r for r in recs if r["time"] >= mid]
    until = _json_out("--until", mid, g.audit_path)
    assert until == [r for r in recs if r["time"] <= mid]
    assert len(since) + len(until) == len(recs) + t.count(mid)
    both = _json_out("--since", t[2], "--until", t[4], g.audit_path)
    assert both == recs[2:5]
    # Plain ISO times, second precision, and relative ones.
    sec = (utc(t[0]) - datetime.timedelta(seconds=1)).strftime(
        "%Y-%m-%dT%H:%M:%S")
    assert _json_out("--since", sec, g.audit_path) == recs
    assert _json_out("--until", sec, g.audit_path) == []
    assert _json_out("--since", "1h", g.audit_path) == recs
    later = (datetime.datetime.now(datetime.timezone.utc) +
             datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _json_out("--since", later, g.audit_path) == []
    # A date alone: the whole day (records are UTC, as are the filters).
    day = t[0][:10]
    assert _json_out("--since", day, "--until", day, g.audit_path) == recs
    nextday = (utc(t[-1]) + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    assert _json_out("--since", nextday, g.audit_path) == []
    r = dindgate("audit", "--since", "x", g.audit_path)
    assert r.returncode == 2 and "bad time" in r.err


def test_review_table(review_log):
    g, cid, recs = review_log
    r = dindgate("audit", g.audit_path)
    assert r.returncode == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["TIME", "DECISION", "CLIENT", "METHOD", "PATH",
                                "ST", "RULE"]
    assert len(lines) == 1 + 13
    deny = [ln for ln in lines if " deny " in ln]
    assert len(deny) == 3
    priv = [ln for ln in deny if PRIV_RULE in ln]
    assert len(priv) == 2 and all("never allowed" in ln for ln in priv)
    assert all(" 403 " in ln and "/containers/create" in ln for ln in priv)
    w2 = [ln for ln in lines if " worker2 " in ln]
    assert len(w2) == 2 and all("/_ping" in ln and " 200 " in ln for ln in w2)
    # The table filters too.
    r = dindgate("audit", "--decision", "deny", g.audit_path)
    assert len(r.out.splitlines()) == 1 + 3


def _summary_section(text, title):
    out, on = {}, False
    for ln in text.splitlines():
        if ln == title:
            on = True
        elif on and not ln.strip():
            break
        elif on:
            n, key = ln.strip().split(None, 1)
            out[key] = int(n)
    return out


def test_review_summary(review_log):
    g, cid, recs = review_log
    r = dindgate("audit", "summary", g.audit_path)
    assert r.returncode == 0, r.err
    s = r.out
    assert _summary_section(s, "by decision:") == {"allow": 10, "deny": 3}
    rules = _summary_section(s, "by rule:")
    assert rules[PRIV_RULE] == 2
    assert rules[policy_line("GET /_ping")] == 7
    assert sum(rules.values()) == 13
    assert _summary_section(s, "by client:") == {"worker": 11, "worker2": 2}
    assert _summary_section(s, "by route:") == {
        "/_ping": 7, "/containers/create": 3, "/containers/{id}/json": 2,
        "/swarm/init": 1}
    reasons = _summary_section(s, "top refused reasons:")
    assert sum(reasons.values()) == 3
    assert max(reasons.values()) == 2
    assert any("Privileged" in k for k, v in reasons.items() if v == 2)
    # Filters apply to the summary as well.
    r = dindgate("audit", "summary", "--client", "worker2", g.audit_path)
    assert _summary_section(r.out, "by decision:") == {"allow": 2}


def test_review_follow(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    ping(g, 2)
    wait_records(g.audit_path, lambda r: r["kind"] == "request", n=2)
    p = subprocess.Popen([Gate.binary(), "audit", "--follow", "--json",
                          "--client", "worker2", str(g.audit_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={"PATH": CLEAN_PATH}, start_new_session=True)
    buf = b""

    def lines_within(n, timeout):
        nonlocal buf
        deadline = time.monotonic() + timeout
        while buf.count(b"\n") < n and time.monotonic() < deadline:
            r, _, _ = select.select([p.stdout], [], [], 0.1)
            if r:
                d = os.read(p.stdout.fileno(), 65536)
                if not d:
                    break
                buf += d
        return [json.loads(x) for x in buf.splitlines()]
    try:
        assert lines_within(1, 0.7) == []       # nothing by worker2 yet
        ping(g, 1, certdir="worker2")
        ping(g, 1)
        got = lines_within(1, 5)
        assert len(got) == 1, got
        assert got[0]["client"]["cn"] == "worker2"
        assert got[0]["route"] == "/_ping"
        deny_privileged(g)                       # by worker: filtered out
        ping(g, 3, certdir="worker2")
        got = lines_within(4, 5)
        assert len(got) == 4 and all(r["client"]["cn"] == "worker2"
                                     for r in got), got
        assert p.poll() is None                  # still following
    finally:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(10)
        p.stdout.close()
        p.stderr.close()


def test_review_follow_after_rotation(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path)
    ping(g)
    wait_records(g.audit_path, lambda r: r["kind"] == "request")
    p = subprocess.Popen([Gate.binary(), "audit", "--follow", "--json",
                          str(g.audit_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env={"PATH": CLEAN_PATH}, start_new_session=True)
    buf = b""

    def wait_lines(n, timeout):
        nonlocal buf
        deadline = time.monotonic() + timeout
        while buf.count(b"\n") < n and time.monotonic() < deadline:
            r, _, _ = select.select([p.stdout], [], [], 0.1)
            if r:
                d = os.read(p.stdout.fileno(), 65536)
                if not d:
                    break
                buf += d
        return buf.count(b"\n")
    try:
        assert wait_lines(1, 5) == 1
        os.rename(g.audit_path, tmp_path / "audit.log.1")
        g.signal(signal.SIGUSR1)
        wait_for(g.audit_path.exists, 5, "the reopened audit file")
        time.sleep(0.4)                          # follow's poll interval
        ping(g, 2)
        assert wait_lines(3, 5) == 3, buf
    finally:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(10)
        p.stdout.close()


def test_review_usage_errors(tmp_path):
    r = dindgate("audit")
    assert r.returncode == 2 and "audit file" in r.err
    r = dindgate("audit", "verify")
    assert r.returncode == 2 and "usage" in r.err
    r = dindgate("audit", "verify", tmp_path / "missing.log")
    assert r.returncode != 0 and "cannot open" in r.out
    r = dindgate("audit", "--bogus", tmp_path / "x")
    assert r.returncode == 2 and "usage" in r.err


# --------------------------------------------------------------------------
# metrics and health

def test_metrics_match_requests(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path, admin=True)
    wait_for(lambda: mval(scrape(g.admin_port), "dindgate_connections") == 0,
             5, "no connections")
    before = scrape(g.admin_port)
    n_ping, n_priv, n_swarm = 7, 3, 2
    ping(g, n_ping)
    for _ in range(n_priv):
        deny_privileged(g)
    for _ in range(n_swarm):
        r = g.http("POST", "/v1.41/swarm/init", JSON_CT, b"{}")
        assert r.status == 403
    assert g.http("GET", "/v1.41/dg-no-such/route").status == 403
    recs = wait_records(g.audit_path, lambda r: r["kind"] == "request",
                        n=n_ping + n_priv + n_swarm + 1)
    unknown = recs[-1]
    assert unknown["rule"] == "unknown-route" and "route" not in unknown
    assert unknown["decision"] == "deny" and unknown["status"] == 403
    after = scrape(g.admin_port)

    def d(name, **labels):
        return mval(after, name, **labels) - mval(before, name, **labels)
    assert d("dindgate_requests_total", method="GET", route="/_ping",
             decision="allow") == n_ping
    assert d("dindgate_requests_total", method="POST",
             route="/containers/create", decision="deny") == n_priv
    assert d("dindgate_requests_total", method="POST", route="/swarm/init",
             decision="deny") == n_swarm
    assert d("dindgate_requests_total", method="POST",
             route="/containers/create", decision="allow") == 0
    assert sum(v for (k, lb), v in after.items()
               if k == "dindgate_requests_total" and
               dict(lb)["route"] == "unknown" and
               dict(lb)["decision"] == "deny") == 1
    n_all = n_ping + n_priv + n_swarm + 1
    total = sum(v for (k, _), v in after.items()
                if k == "dindgate_requests_total")
    assert total == n_all
    assert d("dindgate_rule_total", rule="unknown-route") == 1
    assert d("dindgate_rule_total", rule=PRIV_RULE) == n_priv
    assert d("dindgate_rule_total", rule=policy_line("GET /_ping")) == n_ping
    assert d("dindgate_own_seconds_count") == n_all
    assert d("dindgate_own_seconds_bucket", le="+Inf") == n_all
    assert d("dindgate_bytes_total", direction="up") > 0
    assert d("dindgate_bytes_total", direction="down") > 0
    recs = requests_of(read_records(g.audit_path))
    assert d("dindgate_bytes_total", direction="up") == \
        sum(r["bytes_up"] for r in recs)
    assert d("dindgate_bytes_total", direction="down") == \
        sum(r["bytes_down"] for r in recs)
    assert mval(after, "dindgate_upstream_errors_total") == 0
    assert mval(after, "dindgate_audit_ok") == 1
    # The histogram's buckets are cumulative.
    buckets = sorted(((float(dict(lb)["le"]), v) for (k, lb), v in
                      after.items() if k == "dindgate_own_seconds_bucket"),
                     key=lambda x: x[0])
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)


def test_metrics_gauges(gate_factory, tmp_path, engine, image):
    g = audit_gate(gate_factory, tmp_path, admin=True)
    port = g.admin_port
    # The fixture's readiness probe (a bare TCP connect) lingers briefly.
    wait_for(lambda: mval(scrape(port), "dindgate_connections") == 0, 5,
             "no connections")
    conns = []
    try:
        for _ in range(3):
            c = g.conn()
            assert c.request("GET", "/_ping").status == 200
            conns.append(c)
        ms = scrape(port)
        assert mval(ms, "dindgate_connections") == 3
        assert mval(ms, "dindgate_tunnels") == 0
        # A tunnel held open: docker run -i with a cat waiting on stdin.
        p = subprocess.Popen(
            [DOCKER_CLI, "run", "--rm", "-i", "--network", "none", image,
             "cat"],
            env=g.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True)
        try:
            wait_for(lambda: mval(scrape(port), "dindgate_tunnels") == 1, 15,
                     "a tunnel in the metrics")
            assert mval(scrape(port), "dindgate_connections") >= 4
            out, _ = p.communicate(b"bye\n", timeout=30)
            assert out == b"bye\n"
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        wait_for(lambda: mval(scrape(port), "dindgate_tunnels") == 0, 10,
                 "the tunnel to end")
    finally:
        for c in conns:
            c.close()
    wait_for(lambda: mval(scrape(port), "dindgate_connections") == 0, 10,
             "dindgate_connections back to 0")


def test_health_up(gate_factory, tmp_path):
    g = audit_gate(gate_factory, tmp_path, admin=True)
    h = admin_get(g.admin_port, "/health")
    assert h.status == 200, h
    assert h.header("Content-Type") == "application/json"
    assert h.json() == {"status": "ok", "engine": "up", "audit": "ok"}
    assert admin_get(g.admin_port, "/nope").status == 404
    # Admin requests are not audited requests.
    assert requests_of(read_records(g.audit_path)) == []


def test_health_engine_down(gate_factory, tmp_path):
    dead = free_port()
    g = audit_gate(gate_factory, tmp_path, admin=True, overrides={
        "upstream": {"address": "tcp://127.0.0.1:%d" % dead}})
    h = admin_get(g.admin_port, "/health")
    assert h.status == 503, h
    j = h.json()
    assert j["status"] == "fail" and j["engine"] == "down", j
    assert j["audit"] == "ok" and j.get("error"), j
    # A request fails with 502, recorded as an error, counted.
    r = g.http("GET", "/_ping")
    assert r.status == 502, r
    rec = wait_records(g.audit_path, lambda r: r["kind"] == "request")[0]
    assert rec["decision"] == "error" and rec["status"] == 502, rec
    assert rec["rule"] and "engine" in rec["reason"], rec
    ms = scrape(g.admin_port)
    assert mval(ms, "dindgate_upstream_errors_total") >= 1
    assert mval(ms, "dindgate_requests_total", method="GET", route="/_ping",
                decision="error") == 1


@pytest.mark.parametrize("listen", ["tcp://0.0.0.0:%d", "tcp://192.0.2.1:%d",
                                    "tcp://[::]:%d"])
def test_admin_listen_not_loopback_refused(gate_factory, tmp_path, listen):
    g = gate_factory(overrides={"admin": {"listen": listen % free_port()}},
                     start=False)
    r = dindgate("-t", "-c", g.conf_path)
    assert r.returncode != 0, r.out + r.err
    assert "admin.listen must be a loopback address" in r.out + r.err, \
        r.out + r.err


@pytest.mark.parametrize("listen", ["tcp://127.0.0.1:%d", "tcp://[::1]:%d",
                                    "unix://%s"])
def test_admin_listen_loopback_accepted(gate_factory, tmp_path, listen):
    arg = str(tmp_path / "admin.sock") if listen.startswith("unix") \
        else free_port()
    g = gate_factory(overrides={"admin": {"listen": listen % arg}},
                     start=False)
    r = dindgate("-t", "-c", g.conf_path)
    assert r.returncode == 0, r.out + r.err
