"""Checks of the test bed itself: the generated PKI and the engine's TLS.

These hold with or without dindgate; if they fail, the other results mean
nothing.
"""

import os
import stat
import subprocess

import pytest

from dgtest import CLEAN_PATH, DOCKER_CLI, IMAGE, run


def verify(pki, leaf, ca, purpose=None):
    args = ["openssl", "verify"]
    if purpose:
        args += ["-purpose", purpose]
    args += ["-CAfile", str(pki / ca / "cert.pem"), str(pki / leaf / "cert.pem")]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode()


@pytest.mark.parametrize("leaf,ca,purpose", [
    ("dind-server", "dind-ca", "sslserver"),
    ("dind-client", "dind-ca", "sslclient"),
    ("gate-server", "worker-ca", "sslserver"),
    ("worker", "worker-ca", "sslclient"),
    ("worker2", "worker-ca", "sslclient"),
])
def test_pki_good_certs_verify(pki, leaf, ca, purpose):
    rc, out = verify(pki, leaf, ca, purpose)
    assert rc == 0, out


@pytest.mark.parametrize("leaf,ca,purpose,why", [
    ("rogue", "worker-ca", None, "unable to get local issuer"),
    ("expired", "worker-ca", None, "certificate has expired"),
    ("noclientauth", "worker-ca", "sslclient", "unsuitable certificate purpose"),
    ("worker", "dind-ca", None, "unable to get local issuer"),
    ("dind-client", "worker-ca", None, "unable to get local issuer"),
])
def test_pki_bad_certs_fail(pki, leaf, ca, purpose, why):
    rc, out = verify(pki, leaf, ca, purpose)
    assert rc != 0 and why in out, out


def test_pki_layout_and_modes(pki):
    for d in ("dind-server", "dind-client", "gate-server", "worker", "rogue",
              "expired", "noclientauth", "worker2"):
        for f in ("ca.pem", "cert.pem", "key.pem"):
            assert (pki / d / f).is_file(), "%s/%s missing" % (d, f)
        assert stat.S_IMODE(os.stat(pki / d / "key.pem").st_mode) == 0o600
    for d in ("dind-ca", "worker-ca", "rogue-ca"):
        assert stat.S_IMODE(os.stat(pki / d / "key.pem").st_mode) == 0o600
    # ca.pem is what the holder trusts for its peer.
    worker_ca = (pki / "worker-ca" / "cert.pem").read_bytes()
    dind_ca = (pki / "dind-ca" / "cert.pem").read_bytes()
    for d in ("gate-server", "worker", "rogue", "expired", "noclientauth",
              "worker2"):
        assert (pki / d / "ca.pem").read_bytes() == worker_ca, d
    for d in ("dind-server", "dind-client"):
        assert (pki / d / "ca.pem").read_bytes() == dind_ca, d


def test_pki_subjects_and_sans(pki):
    def text(d):
        return subprocess.run(["openssl", "x509", "-noout", "-text", "-in",
                               str(pki / d / "cert.pem")],
                              stdout=subprocess.PIPE, check=True).stdout.decode()
    t = text("dind-server")
    assert "DNS:docker, DNS:docker-dind, DNS:localhost, IP Address:127.0.0.1" in t
    assert "TLS Web Server Authentication" in t
    t = text("gate-server")
    assert "DNS:dindgate, DNS:localhost, IP Address:127.0.0.1" in t
    t = text("dind-client")
    assert "Subject: CN = dindgate" in t and "TLS Web Client Authentication" in t
    assert "Subject: CN = worker\n" in text("worker")
    assert "Subject: CN = worker2\n" in text("worker2")
    assert "Issuer: CN = docker:dind CA" in text("dind-server")


def test_mkcerts_rerun_keeps_cas(pki):
    before = (pki / "worker-ca" / "key.pem").read_bytes()
    r = subprocess.run(["sh", os.path.join(os.path.dirname(__file__), "..", "..",
                                           "certs", "mkcerts.sh"),
                        "--test-extras", str(pki)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert r.returncode == 0, r.stdout
    assert b"kept existing CA" in r.stdout and b"created" not in r.stdout
    assert (pki / "worker-ca" / "key.pem").read_bytes() == before


def _engine_cli(engine, certdir):
    env = {"PATH": CLEAN_PATH, "HOME": str(engine.home),
           "DOCKER_HOST": engine.tcp_addr, "DOCKER_TLS_VERIFY": "1",
           "DOCKER_CERT_PATH": str(certdir)}
    return run([DOCKER_CLI, "version", "--format", "{{.Server.Version}}"],
               env, check=False, timeout=30)


def test_engine_tls_accepts_only_dind_client(engine, pki, tmp_path):
    ok = _engine_cli(engine, pki / "dind-client")
    assert ok.returncode == 0 and ok.out.strip(), ok.err
    # A worker's certificate must not open the engine: a different CA.
    mixed = tmp_path / "worker-vs-engine"
    mixed.mkdir()
    (mixed / "ca.pem").write_bytes((pki / "dind-client" / "ca.pem").read_bytes())
    for f in ("cert.pem", "key.pem"):
        (mixed / f).write_bytes((pki / "worker" / f).read_bytes())
    bad = _engine_cli(engine, mixed)
    assert bad.returncode != 0 and "tls" in bad.err.lower(), bad.err
    # No client certificate at all.
    nocert = tmp_path / "nocert"
    nocert.mkdir()
    (nocert / "ca.pem").write_bytes((pki / "dind-client" / "ca.pem").read_bytes())
    bad = _engine_cli(engine, nocert)
    assert bad.returncode != 0 and "tls" in bad.err.lower(), bad.err


def test_engine_unix_socket_and_image(engine, image):
    r = engine.docker("run", "--rm", "--network", "none", image, "sh", "-c",
                      "ls /bin/sh /bin/sha256sum /bin/stty && id -u")
    assert r.out.split()[-1] == "0"
    ids = engine.docker("image", "inspect", "--format", "{{.Id}}", IMAGE).out
    assert ids.startswith("sha256:")
