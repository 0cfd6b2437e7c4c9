"""The deployment kit (issue 5): man pages, make install, the systemd unit,
logrotate, the compose files, the image, verify.sh and migrate.sh.

The image is built and run on the suite's own engine, which has no
registry; verify.sh runs against the suite's engine and dindgate, and
against the engine directly to show that it notices a bypass.
"""

import getpass
import os
import re
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from dgtest import (CLEAN_PATH, DOCKER_CLI, REPO, free_port, make_tmpdir,
                    port_open, run, wait_for)

MAN_PAGES = ["dindgate.8", "dindgate.conf.5", "dindgate-policy.5"]
CONTRIB = REPO / "contrib"
IMAGE_TAG = "dindgate-deploy-test:latest"
IMAGE_UID = 10001


def env(**extra):
    e = {"PATH": CLEAN_PATH, "HOME": os.environ.get("HOME", "/root"),
         "LC_ALL": "C.UTF-8"}
    e.update(extra)
    return e


def need(tool, package):
    if shutil.which(tool, path=CLEAN_PATH) is None:
        pytest.skip("%s not installed (Debian package %s, listed in "
                    "contrib/packages.txt)" % (tool, package))


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


# --------------------------------------------------------------------------
# man pages

@pytest.mark.parametrize("page", MAN_PAGES)
def test_man_page_lints_clean(page):
    r = run(["mandoc", "-Tlint", "-W", "warning", str(REPO / "man" / page)],
            env(), check=False)
    assert r.returncode == 0 and not r.out.strip(), r.out + r.err


@pytest.mark.parametrize("page", MAN_PAGES)
def test_man_page_renders(page):
    need("man", "man-db")
    r = run(["man", "-l", str(REPO / "man" / page)],
            env(MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
    text = r.out
    for section in ("NAME", "DESCRIPTION", "SEE ALSO"):
        assert re.search(r"^%s$" % section, text, re.M), \
            "%s: no %s section in:\n%s" % (page, section, text[:2000])
    assert "dindgate" in text


def _c_array(src, name):
    m = re.search(r"%s\[\]\s*=\s*\{(.*?)\};" % re.escape(name), src, re.S)
    assert m, "cannot find %s in the source" % name
    return re.findall(r'"([^"]+)"', m.group(1))


def test_conf_page_documents_every_config_key():
    """Every key config.c accepts is in dindgate.conf(5), and the page
    documents no key config.c does not know."""
    src = (REPO / "src" / "config.c").read_text()
    page = (REPO / "man" / "dindgate.conf.5").read_text()
    keys = set(_c_array(src, "config_top_keys"))
    for sect in re.findall(r"config_([a-z]+)_keys\[\]", src):
        if sect != "top":
            keys |= {"%s.%s" % (sect, k)
                     for k in _c_array(src, "config_%s_keys" % sect)}
    for sect in ("limits", "timeouts"):
        tab = re.search(r"config_%s\[\]\s*=\s*\{(.*?)\};" % sect, src, re.S)
        keys |= {"%s.%s" % (sect, k)
                 for k in re.findall(r'CNUM\("([^"]+)"', tab.group(1))}
    documented = set(re.findall(r"^\.It Cm ([a-z_.]+)", page, re.M))
    documented |= set(re.findall(r"^\.It Cm [a-z_.]+ , Cm ([a-z_.]+)",
                                 page, re.M))
    missing = sorted(keys - documented)
    extra = sorted(documented - keys)
    assert not missing, "config keys missing in man/dindgate.conf.5: %s" \
        % missing
    assert not extra, "man/dindgate.conf.5 documents unknown keys: %s" % extra


def test_policy_page_documents_every_policy_key():
    src = (REPO / "src" / "policy.c").read_text()
    page = (REPO / "man" / "dindgate-policy.5").read_text()
    keys = set(_c_array(src, "policy_keys"))
    keys |= set(_c_array(src, "policy_client_keys"))
    documented = set(re.findall(r"^\.It Cm ([a-z_0-9]+)", page, re.M))
    # The body sections' keys, as "section.key".
    body = REPO / "src" / "bodycheck.c"
    if body.exists():
        bsrc = body.read_text()
        for sect, arr in (("containers", "bp_container_keys"),
                          ("force", "bp_force_keys"),
                          ("exec", "bp_exec_keys"),
                          ("build", "bp_build_keys"),
                          ("images", "bp_images_keys")):
            keys |= {"%s.%s" % (sect, k) for k in _c_array(bsrc, arr)}
    documented |= set(re.findall(r"^\.It Cm ([a-z_0-9]+\.[a-z_0-9]+)",
                                 page, re.M))
    missing = sorted(keys - documented)
    assert not missing, "policy keys missing in man/dindgate-policy.5 " \
        "(KEYS, CLIENTS or BODY INSPECTION): %s" % missing


def test_policy_page_lists_exactly_the_route_table():
    table = [("%s %s" % (m, t)) for m, t in re.findall(
        r'^ROUTE\(\s*\w+,\s*HTTP_(\w+),\s*"([^"]+)"',
        (REPO / "src" / "routes.def").read_text(), re.M)]
    page = (REPO / "man" / "dindgate-policy.5").read_text()
    block = page[page.index(".Sh ROUTES"):page.index(".Sh BODY INSPECTION")]
    listed = re.findall(r"^([A-Z]+ /\S*)$", block, re.M)
    assert sorted(listed) == sorted(table), \
        "man/dindgate-policy.5 ROUTES differs from src/routes.def:\n" \
        "missing: %s\nextra: %s" % (sorted(set(table) - set(listed)),
                                    sorted(set(listed) - set(table)))
    assert listed == table, "ROUTES is not in routes.def's order"


def _literal_blocks(page):
    return re.findall(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed$",
                      (REPO / "man" / page).read_text(), re.M | re.S)


def test_man_page_examples_load(pki, tmp):
    """The example configuration and policies of the pages pass -t."""
    conf_ex = [b for b in _literal_blocks("dindgate.conf.5")
               if b.lstrip().startswith("{")]
    pol_ex = [b.replace("\\(dq", '"') for b in
              _literal_blocks("dindgate-policy.5") if '"name"' in b]
    assert len(conf_ex) == 2 and len(pol_ex) == 2
    (tmp / "policy").mkdir()
    names = []
    for b in pol_ex:
        name = re.search(r'"name": "([^"]+)"', b).group(1)
        (tmp / "policy" / (name + ".json")).write_text(b)
        names.append("policy/%s.json" % name)
    shutil.copy(REPO / "policy" / "sandbox.json", tmp / "policy")
    os.symlink(str(pki), str(tmp / "certs"))
    for f, src in (("gate.pem", "cert.pem"), ("gate-key.pem", "key.pem"),
                   ("worker-ca.pem", "ca.pem")):
        shutil.copy(pki / "gate-server" / src, tmp / f)
    # 1: the shipped one, with a name this machine resolves, and the
    # example policies in front of sandbox.json.
    c1 = conf_ex[0].replace("tcp://docker-dind:2376", "tcp://localhost:2376")
    c1 = c1.replace('"policy": ["policy/sandbox.json"]', '"policy": [%s]' % (
        ", ".join('"%s"' % n for n in names + ["policy/sandbox.json"])))
    # 2: its policy file ci.json is the monitor example here.
    c2 = conf_ex[1].replace("policy/ci.json", "policy/monitor.json")
    for i, text in enumerate((c1, c2)):
        p = tmp / ("ex%d.conf" % i)
        p.write_text(text)
        r = run([str(REPO / "src" / "dindgate"), "-t", "-c", str(p)], env(),
                check=False)
        assert r.returncode == 0 and "configuration OK" in r.out, \
            "example %d:\n%s\n%s%s" % (i, text, r.out, r.err)


# --------------------------------------------------------------------------
# make install

def _make_vars(*names):
    script = "pv:\n\t@echo " + " ".join("$(%s)" % n for n in names) + "\n"
    r = run(["make", "-s", "-f", "Makefile", "-f", "-", "pv"], env(),
            input=script, cwd=str(REPO))
    return dict(zip(names, r.out.split()))


def test_make_install_layout(tmp):
    if not (REPO / "Makefile").exists():
        pytest.fail("the tree is not configured (./configure)")
    v = _make_vars("sbindir", "sysconfdir", "mandir")
    dest = tmp / "dest"
    run(["make", "install", "DESTDIR=%s" % dest], env(), cwd=str(REPO),
        timeout=300)

    def at(p, rel=""):
        return Path(str(dest) + p) / rel

    binary = at(v["sbindir"], "dindgate")
    expect = {
        binary: 0o755,
        at(v["mandir"], "man8/dindgate.8"): 0o644,
        at(v["mandir"], "man5/dindgate.conf.5"): 0o644,
        at(v["mandir"], "man5/dindgate-policy.5"): 0o644,
        at(v["sysconfdir"], "dindgate/dindgate.conf"): 0o644,
        at(v["sysconfdir"], "dindgate/policy/sandbox.json"): 0o644,
    }
    for p, mode in expect.items():
        assert p.is_file(), "make install did not install %s; got:\n%s" % (
            p, "\n".join(sorted(str(x) for x in dest.rglob("*"))))
        assert stat.S_IMODE(p.stat().st_mode) == mode, "%s mode %o" % (
            p, stat.S_IMODE(p.stat().st_mode))
    r = run([str(binary), "--version"], env())
    assert re.match(r"dindgate \d", r.out)
    # The installed pages are the ones in the tree.
    assert at(v["mandir"], "man8/dindgate.8").read_bytes() == \
        (REPO / "man" / "dindgate.8").read_bytes()
    # The binary looks for its configuration where make install put it.
    r = run([str(binary), "-h"], env())
    assert "default FILE: %s/dindgate/dindgate.conf" % v["sysconfdir"] \
        in r.out


# --------------------------------------------------------------------------
# systemd unit, logrotate

def _unit():
    lines = {}
    for ln in (CONTRIB / "dindgate.service").read_text().splitlines():
        if ln and not ln.startswith(("#", "[")) and "=" in ln:
            k, _, val = ln.partition("=")
            lines.setdefault(k, []).append(val)
    return lines


def test_systemd_unit_content():
    u = _unit()
    conf = "-c /etc/dindgate/dindgate.conf"
    assert u["ExecStartPre"] == ["/usr/sbin/dindgate -t %s" % conf]
    assert u["ExecStart"] == ["/usr/sbin/dindgate %s" % conf]
    # Check first; systemd runs the second line only if the first worked.
    assert u["ExecReload"] == ["/usr/sbin/dindgate -t %s" % conf,
                               "/bin/kill -HUP $MAINPID"]
    assert u["User"] == ["dindgate"] and u["Restart"] == ["on-failure"]
    assert u["CapabilityBoundingSet"] == [""]
    assert u["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert "@system-service" in u["SystemCallFilter"]
    for k in ("NoNewPrivileges", "ProtectHome", "PrivateTmp",
              "PrivateDevices", "ProtectKernelTunables",
              "ProtectKernelModules", "ProtectKernelLogs",
              "ProtectControlGroups", "MemoryDenyWriteExecute",
              "LockPersonality", "RestrictNamespaces", "RestrictRealtime"):
        assert u.get(k) == ["yes"], k
    assert u["ProtectSystem"] == ["strict"]
    # The drain (timeouts.shutdown, 30 s by default) fits before SIGKILL.
    assert int(u["TimeoutStopSec"][0]) > 30


def test_systemd_unit_verifies(tmp):
    need("systemd-analyze", "systemd")
    root = tmp / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "usr/sbin").mkdir(parents=True)
    shutil.copy(CONTRIB / "dindgate.service", root / "etc/systemd/system")
    shutil.copy(REPO / "src" / "dindgate", root / "usr/sbin/dindgate")
    # verify loads the unit's dependencies (sysinit.target, ...) from root.
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system",
                    symlinks=True)
    r = run(["systemd-analyze", "verify", "--man=no", "--root=%s" % root,
             "/etc/systemd/system/dindgate.service"], env(), check=False)
    assert r.returncode == 0 and not r.err.strip(), r.out + r.err
    # Exposure 2.0 or better (systemd's scale: 0 best, 10 worst).
    r = run(["systemd-analyze", "security", "--offline=yes",
             "--threshold=20", str(CONTRIB / "dindgate.service")], env(),
            check=False)
    assert r.returncode == 0, r.out[-3000:] + r.err


def test_logrotate_rotates_and_signals(tmp):
    need("logrotate", "logrotate")
    logdir = tmp / "log"
    logdir.mkdir()
    (logdir / "audit.log").write_text('{"schema":1}\n')
    me = getpass.getuser()
    text = (CONTRIB / "logrotate").read_text()
    assert "/var/log/dindgate/audit.log" in text
    assert "--signal=USR1" in text and "copytruncate" not in \
        re.sub(r"#.*", "", text)
    # The same file with this test's paths, user and a harmless postrotate.
    text = text.replace("/var/log/dindgate", str(logdir))
    text = text.replace("dindgate dindgate", "%s %s" % (me, me))
    text = re.sub(r"postrotate\n.*?endscript",
                  "postrotate\n\t\ttouch %s/signalled\n\tendscript" % tmp,
                  text, flags=re.S)
    conf = tmp / "logrotate.conf"
    conf.write_text(text)
    conf.chmod(0o644)
    r = run(["logrotate", "-f", "-s", str(tmp / "state"), str(conf)], env(),
            check=False)
    assert r.returncode == 0, r.out + r.err
    rotated = [p.name for p in logdir.iterdir() if p.name != "audit.log"]
    assert len(rotated) == 1 and rotated[0].startswith("audit.log-"), rotated
    assert (logdir / "audit.log").exists()
    assert stat.S_IMODE((logdir / "audit.log").stat().st_mode) == 0o640
    assert (tmp / "signalled").exists(), "postrotate did not run"


# --------------------------------------------------------------------------
# compose files

def _compose_config(name):
    need("docker-compose", "docker-compose")
    import yaml
    f = CONTRIB / name
    r = run(["docker-compose", "-f", str(f), "config", "-q"], env(),
            check=False)
    assert r.returncode == 0, "%s does not validate:\n%s%s" % (
        name, r.out, r.err)
    r = run(["docker-compose", "-f", str(f), "config"], env())
    return yaml.safe_load(r.out)


def _networks(svc):
    n = svc.get("networks", {})
    return set(n if isinstance(n, (list, dict)) else [])


def _vols(svc):
    out = {}
    for v in svc.get("volumes", []):
        if isinstance(v, dict):
            out[v["source"]] = (v["target"], v.get("read_only", False))
        else:
            parts = v.split(":")
            out[parts[0]] = (parts[1], len(parts) > 2 and "ro" in parts[2])
    return out


@pytest.mark.parametrize("name", ["docker-compose.yml",
                                  "docker-compose.prod.yml"])
def test_compose_file(name):
    c = _compose_config(name)
    s = c["services"]
    assert {"certs", "docker-dind", "dindgate", "worker"} <= set(s)
    dind, gate, worker = s["docker-dind"], s["dindgate"], s["worker"]

    # The engine: privileged docker:dind, TLS, the seed's volume names.
    assert dind["image"].startswith("docker:") and "dind" in dind["image"]
    assert dind["privileged"] is True
    assert dind["environment"]["DOCKER_TLS_CERTDIR"] == "/certs"
    assert {"dind-certs-ca", "dind-certs-client", "dind-storage"} <= \
        set(c["volumes"])
    # No volume a service mounts is undeclared.
    for svc in s.values():
        for src in _vols(svc):
            assert src.startswith("/") or src in c["volumes"], src
    assert _vols(dind)["dind-storage"][0] == "/var/lib/docker"

    # Segmentation: worker and engine share no network; dindgate is on both.
    nets = c["networks"]
    assert _networks(worker) == {"worker-net"}
    assert _networks(dind) & _networks(worker) == set()
    assert {"worker-net", "engine-net"} <= _networks(gate)
    assert nets["engine-net"].get("internal") is True
    for svc_name, svc in s.items():
        if "engine-net" in _networks(svc):
            assert svc_name in ("dindgate", "docker-dind"), svc_name

    # The worker: unchanged client, its own certificates, read-only.
    e = worker["environment"]
    assert e["DOCKER_HOST"] == "tcp://dindgate:2376"
    assert e["DOCKER_TLS_VERIFY"] == "1"
    assert e["DOCKER_CERT_PATH"] == "/certs/client"
    wv = _vols(worker)
    assert wv["worker-certs"] == ("/certs/client", True)

    # Only dindgate (and the one-shot certs service) holds the engine's
    # client certificate; the CA keys are in a volume only "certs" mounts.
    for svc_name, svc in s.items():
        v = _vols(svc)
        if "dind-certs-client" in v:
            assert svc_name in ("dindgate", "certs"), svc_name
        if "dindgate-pki" in v:
            assert svc_name == "certs", svc_name
        assert not any("docker.sock" in str(k) for k in v), svc_name
    assert _vols(gate)["dind-certs-client"] == \
        ("/etc/dindgate/certs/dind-client", True)
    assert _vols(gate)["gate-certs"] == \
        ("/etc/dindgate/certs/gate-server", True)
    assert gate.get("user", "").split(":")[0] == str(IMAGE_UID)
    assert not gate.get("privileged")

    # Certificates by certs/mkcerts.sh, before anything else starts.
    assert any(k.endswith("/certs/mkcerts.sh") for k in _vols(s["certs"]))
    for svc in (dind, gate):
        assert svc["depends_on"]["certs"]["condition"] == \
            "service_completed_successfully"
    assert gate["depends_on"]["docker-dind"]["condition"] == "service_healthy"

    # Health checks.
    for svc in (dind, gate):
        assert svc["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")


def test_compose_prod_hardening():
    c = _compose_config("docker-compose.prod.yml")
    gate = c["services"]["dindgate"]
    assert gate["read_only"] is True
    assert gate["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in gate["security_opt"]
    for svc in c["services"].values():
        assert ":" in svc["image"] and not svc["image"].endswith(":latest")


def test_compose_init_distributes_certificates(tmp):
    if os.geteuid() != 0:
        pytest.skip("compose-init.sh chowns files: needs root")
    need("busybox", "busybox-static")
    out = tmp / "out"
    for d in ("dind-ca", "dind-server", "dind-client", "gate-server",
              "worker", "dind-config"):
        (out / d).mkdir(parents=True)
    # A CA key from a plain-dind setup must not survive.
    (out / "dind-ca" / "key.pem").write_text("old dind CA key")
    e = env(PKI_DIR=str(tmp / "pki"), OUT_DIR=str(out),
            MKCERTS=str(REPO / "certs" / "mkcerts.sh"))
    # docker:dind's shell is busybox ash.
    for _ in range(2):              # and running it again is harmless
        run(["busybox", "sh", str(CONTRIB / "compose-init.sh")], e,
            timeout=120)
    assert sorted(os.listdir(out / "dind-ca")) == ["cert.pem"]
    for d, owner in (("dind-server", 0), ("dind-client", IMAGE_UID),
                     ("gate-server", IMAGE_UID), ("worker", 0)):
        assert sorted(os.listdir(out / d)) == ["ca.pem", "cert.pem",
                                               "key.pem"], d
        st = (out / d / "key.pem").stat()
        assert st.st_uid == owner and stat.S_IMODE(st.st_mode) == 0o400, d
    pki = tmp / "pki"
    assert (out / "dind-client" / "cert.pem").read_bytes() == \
        (pki / "dind-client" / "cert.pem").read_bytes()
    assert (out / "worker" / "cert.pem").read_bytes() == \
        (pki / "worker" / "cert.pem").read_bytes()
    # The worker's certificate is not one the engine's CA signed.
    r = run(["openssl", "verify", "-CAfile", str(out / "dind-ca/cert.pem"),
             str(out / "worker/cert.pem")], env(), check=False)
    assert r.returncode != 0
    assert '"network-host": false' in \
        (out / "dind-config" / "daemon.json").read_text()


# --------------------------------------------------------------------------
# the image, built and run on the suite's engine (no registry)

@pytest.fixture(scope="module")
def gate_image(engine, tmp_path_factory):
    ctx = tmp_path_factory.mktemp("image") / "ctx"
    r = run(["sh", str(CONTRIB / "image" / "build-context.sh"),
             "-b", str(REPO / "src" / "dindgate"), str(ctx)], env(),
            timeout=60)
    assert "context ready" in r.out
    engine.docker("build", "-q", "-t", IMAGE_TAG, str(ctx),
                  env={"DOCKER_BUILDKIT": "0"}, timeout=180)
    yield IMAGE_TAG
    engine.docker("rmi", "-f", IMAGE_TAG, check=False)


@pytest.fixture
def image_certs(pki, tmp):
    """The two directories the shipped configuration expects, readable by
    the image's user."""
    d = tmp / "certs"
    for sub in ("gate-server", "dind-client"):
        shutil.copytree(pki / sub, d / sub)
    for p in [d] + list(d.rglob("*")):
        os.chown(p, IMAGE_UID, IMAGE_UID)
    return d


def test_image_version(engine, gate_image):
    r = engine.docker("run", "--rm", "--network", "none", gate_image,
                      "--version")
    want = run([str(REPO / "src" / "dindgate"), "--version"], env()).out
    assert r.out == want
    info = engine.docker("image", "inspect", "-f",
                         "{{.Config.User}} {{json .Config.Entrypoint}} "
                         "{{.Size}}", gate_image).out.split()
    assert info[0] == "%d:%d" % (IMAGE_UID, IMAGE_UID)
    assert info[1] == '["/usr/sbin/dindgate"]'
    assert int(info[2]) < 40 * 1024 * 1024


def test_image_checks_shipped_config(engine, gate_image, image_certs):
    base = ["run", "--rm", "--network", "none", "--read-only",
            "--cap-drop", "ALL", "--add-host", "docker-dind:127.0.0.1"]
    r = engine.docker(*base, "-v", "%s:/etc/dindgate/certs:ro" % image_certs,
                      gate_image, "-t")
    assert r.out == "configuration OK\n"
    # -t really loads the certificates: without them it fails and says so.
    r = engine.docker(*base, gate_image, "-t", check=False)
    assert r.returncode == 1
    assert "/etc/dindgate/certs/gate-server/cert.pem" in r.err, r.err


def test_image_runs_as_non_root(engine, gate_image, image_certs):
    name = "dg-deploy-%d" % os.getpid()
    engine.docker("run", "-d", "--name", name, "--network", "none",
                  "--add-host", "docker-dind:127.0.0.1",
                  "-v", "%s:/etc/dindgate/certs:ro" % image_certs, gate_image)
    try:
        def running():
            r = engine.docker("inspect", "-f", "{{.State.Running}} "
                              "{{.State.Pid}}", name, check=False)
            return r.out.startswith("true ") and \
                "ready:" in engine.docker("logs", name).err
        wait_for(running, 20, "the dindgate container to be ready")
        pid = engine.docker("inspect", "-f", "{{.State.Pid}}", name).out.strip()
        status = Path("/proc/%s/status" % pid).read_text()
        uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
        assert uids == [str(IMAGE_UID)] * 4, status
        caps = re.search(r"^CapEff:\s+(\w+)$", status, re.M).group(1)
        assert int(caps, 16) == 0, status
        engine.docker("stop", "-t", "20", name, timeout=40)
        code = engine.docker("inspect", "-f", "{{.State.ExitCode}}",
                             name).out.strip()
        assert code == "0", engine.docker("logs", name).err
    finally:
        engine.docker("rm", "-f", name, check=False)


def test_image_writes_audit_log_to_a_volume(engine, gate_image, tmp):
    """A new volume at /var/log/dindgate is writable by the image's user,
    read-only root file system and all."""
    conf = tmp / "audit.conf"
    conf.write_text('{"listen": ["unix:///tmp/gate.sock"],\n'
                    ' "upstream": {"address": "unix:///var/run/docker.sock"},\n'
                    ' "policy": ["policy/sandbox.json"],\n'
                    ' "audit": {"path": "/var/log/dindgate/audit.log"}}\n')
    conf.chmod(0o644)
    vol = "dg-deploy-audit-%d" % os.getpid()
    name = "dg-deploy-audit-%d" % os.getpid()
    try:
        engine.docker("run", "-d", "--name", name, "--network", "none",
                      "--read-only", "--tmpfs", "/tmp",
                      "-v", "%s:/var/log/dindgate" % vol,
                      "-v", "%s:/etc/dindgate/dindgate.conf:ro" % conf,
                      gate_image)
        wait_for(lambda: "ready:" in engine.docker("logs", name).err, 20,
                 "the dindgate container to be ready")
        engine.docker("stop", "-t", "20", name, timeout=40)
        r = engine.docker("run", "--rm", "--network", "none",
                          "-v", "%s:/a:ro" % vol, "--entrypoint",
                          "/usr/sbin/dindgate", gate_image, "audit", "verify",
                          "/a/audit.log")
        assert "chain intact" in r.out, r.out + r.err
    finally:
        engine.docker("rm", "-f", name, check=False)
        engine.docker("volume", "rm", "-f", vol, check=False)


@pytest.mark.gate_only
def test_image_proxies_to_the_engine(engine, gate_image, image_certs, pki,
                                     tmp):
    """The image as the real gate: a worker's docker CLI talks to the
    engine through it.  The container has no network (test engines never
    give one): it listens on a unix socket in a mounted folder and reaches
    the engine through the engine's own socket, mounted in."""
    sockdir = tmp / "gate-sock"
    sockdir.mkdir()
    sockdir.chmod(0o777)
    conf = tmp / "gate.conf"
    conf.write_text("""{
  "listen": ["unix:///run/gate/docker.sock"],
  "unix_mode": "0666",
  "upstream": {"address": "unix:///run/engine.sock"},
  "policy": ["/etc/dindgate/test-policy.json"]
}
""")
    policy = tmp / "test-policy.json"
    policy.write_text(
        (REPO / "policy" / "sandbox.json").read_text().replace(
            '"clients": { "any": true }', '"clients": { "unix_uid": [0] }'))
    conf.chmod(0o644)
    policy.chmod(0o644)
    name = "dg-deploy-gate-%d" % os.getpid()
    engine.docker("run", "-d", "--name", name, "--network", "none",
                  "--read-only", "--cap-drop", "ALL",
                  "--security-opt", "no-new-privileges",
                  "--group-add", str(os.stat(engine.sock).st_gid),
                  "-v", "%s:/run/engine.sock" % engine.sock,
                  "-v", "%s:/run/gate" % sockdir,
                  "-v", "%s:/etc/dindgate/dindgate.conf:ro" % conf,
                  "-v", "%s:/etc/dindgate/test-policy.json:ro" % policy,
                  gate_image)
    try:
        gsock = sockdir / "docker.sock"
        wait_for(gsock.exists, 20, "the dindgate container's socket")
        worker = env(HOME=str(tmp), DOCKER_HOST="unix://%s" % gsock)
        r = run([DOCKER_CLI, "version", "--format", "{{.Server.Version}}"],
                worker)
        assert r.out.strip()
        r = run([DOCKER_CLI, "plugin", "ls"], worker, check=False)
        assert r.returncode != 0 and "dindgate: " in r.err, r.err
    finally:
        engine.docker("rm", "-f", name, check=False)


# --------------------------------------------------------------------------
# verify.sh

def verify(extra_env, timeout=240):
    e = env(TMPDIR="/tmp")
    e.update(extra_env)
    r = run(["sh", str(CONTRIB / "verify.sh")], e, timeout=timeout,
            check=False)
    print(r.out)
    lines = r.out.splitlines()
    for ln in lines:
        assert ln.startswith(("ok - ", "FAIL - ", "# ")), \
            "not a check line: %r\n%s" % (ln, r.out)
    return r, [ln for ln in lines if ln.startswith("FAIL")], lines


BODY_CHECKS = ("a privileged container", "a host bind mount")


@pytest.mark.gate_only
def test_verify_passes_through_dindgate(gate, engine, image):
    e = gate.env()
    e.update(DIND_HOST=engine.tcp_addr, VERIFY_IMAGE=image)
    r, fails, lines = verify(e)
    assert lines[-1].startswith("# "), r.out
    assert len([ln for ln in lines if not ln.startswith("# ")]) == 9, r.out
    body = tuple("FAIL - " + c for c in BODY_CHECKS)
    if fails and all(f.startswith(body) for f in fails):
        pytest.xfail("dindgate does not inspect request bodies yet "
                     "(issue 3), so these get through:\n" + "\n".join(fails))
    assert r.returncode == 0 and not fails, r.out + r.err


def test_verify_fails_when_dindgate_is_bypassed(engine, pki, image, tmp):
    """The worker talks to the engine itself, with the engine's client
    certificate: the very setup dindgate replaces."""
    e = env(HOME=str(tmp), DOCKER_HOST=engine.tcp_addr, DOCKER_TLS_VERIFY="1",
            DOCKER_CERT_PATH=str(pki / "dind-client"),
            DIND_HOST=engine.tcp_addr, VERIFY_IMAGE=image)
    r, fails, lines = verify(e)
    assert r.returncode == 1, r.out
    text = "\n".join(fails)
    for what in ("the worker reaches %s, but it is not dindgate"
                 % engine.tcp_addr,
                 "a privileged container",
                 "a host bind mount",
                 "the worker can use the engine directly"):
        assert "FAIL - " + what in text, "%r not failed:\n%s" % (what, r.out)


@pytest.mark.gate_only
def test_verify_fails_on_same_engine_as_host(gate, engine, image):
    e = gate.env()
    e.update(DIND_HOST=engine.tcp_addr, VERIFY_IMAGE=image,
             HOST_DOCKER_HOST="unix://" + engine.sock)
    r, fails, _ = verify(e)
    assert r.returncode == 1
    assert any("IS the host's engine" in f for f in fails), r.out


@pytest.mark.gate_only
def test_verify_names_broken_setup(gate, engine, pki, tmp):
    """Missing variable, missing key: each named, and non-zero."""
    certs = tmp / "worker"
    shutil.copytree(pki / "worker", certs)
    (certs / "key.pem").unlink()
    e = gate.env()
    e.update(DIND_HOST=engine.tcp_addr, DOCKER_CERT_PATH=str(certs))
    del e["DOCKER_TLS_VERIFY"]
    r, fails, _ = verify(e, timeout=120)
    assert r.returncode == 1
    assert fails[0].startswith("FAIL - DOCKER_TLS_VERIFY is not set"), r.out
    assert any(f.startswith("FAIL - certificates missing or unreadable") and
               "key.pem" in f for f in fails), r.out
    assert any(f.startswith("FAIL - the worker cannot reach dindgate")
               for f in fails), r.out


@pytest.mark.gate_only
def test_verify_engine_down(gate_factory, engine, tmp):
    g = gate_factory(overrides={"upstream": {
        "address": "tcp://127.0.0.1:%d" % free_port()}})
    e = g.env()
    e.update(DIND_HOST=engine.tcp_addr)
    r, fails, lines = verify(e, timeout=120)
    assert r.returncode == 1
    assert any(ln.startswith("ok - the worker reaches dindgate")
               for ln in lines), r.out
    assert any(f.startswith("FAIL - the engine does not answer through "
                            "dindgate") for f in fails), r.out


# --------------------------------------------------------------------------
# migrate.sh

def test_migrate_dry_run(tmp):
    old = tmp / "old-compose.yml"
    old.write_text("""services:
  worker:
    image: my-worker
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
""")
    r = run(["sh", str(CONTRIB / "migrate.sh"), "--dry-run", "--from",
             str(old), "--backup-dir", str(tmp / "backup")],
            env(PATH="/nonexistent:" + CLEAN_PATH), timeout=60)
    out = r.out
    for step in ("prerequisites", "back up", "certificates", "start",
                 "verify", "roll back"):
        assert re.search(r"^== .*%s" % step, out, re.M | re.I), \
            "no step %r in:\n%s" % (step, out)
    assert "socket mount" in out
    assert "dindgate-verify" in out
    assert not (tmp / "backup").exists(), "--dry-run changed something"


def test_migrate_refuses_unknown_options():
    r = run(["sh", str(CONTRIB / "migrate.sh"), "--bogus"], env(),
            check=False)
    assert r.returncode == 2 and "usage" in r.err
