"""Fixtures for the dindgate integration tests.

  pki            certs/mkcerts.sh --test-extras into a temp dir (session)
  engine         a real dockerd with TLS as docker:dind has it (session)
  image          dgbusybox:latest, FROM scratch + Debian's static busybox
  gate           a running dindgate in front of the engine; shared by the
                 tests unless the test is marked
                 @pytest.mark.gate(overrides={...}, policy=[...])
  gate_factory   gate_factory(overrides=None, policy=None) -> Gate, started;
                 stopped at teardown (the exit code must be 0)

Environment:
  DINDGATE_BIN          dindgate binary (default <repo>/src/dindgate)
  DINDGATE_WRAPPER      command prefix, e.g. "valgrind --error-exitcode=99 -q"
  DINDGATE_EXTRA_ARGS   extra arguments after "-c CONF"
  DINDGATE_START_TIMEOUT  seconds to wait for the listener (default 20)
  DG_DIRECT=1           no dindgate: clients talk to the engine's TLS port
                        with the dind client cert (gate_only tests skipped);
                        DG_DIRECT=all runs the gate_only tests too
  DG_DOCKERD, DG_DOCKER_CLI   override the dockerd / docker CLI binaries
  DG_KEEP=1             keep the temp dirs (the engine is still stopped)

On a failing test the log of every dindgate it used (only the part written
during the test, for the shared one) and the engine's warnings are attached
to the report.
"""

import os
import shutil
import subprocess

import pytest

import dgtest
from dgtest import DIRECT, IMAGE, REPO, Engine, Gate, make_tmpdir, tail

# This machine points these at the system bundle; requests (and therefore
# docker-py) lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override the client's own
# ca.pem, which breaks TLS to dindgate. Workers don't have them either.
for _v in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
    os.environ.pop(_v, None)
# Nothing from the developer's docker setup may leak into docker-py.
for _v in list(os.environ):
    if _v.startswith("DOCKER_"):
        del os.environ[_v]

KEEP = os.environ.get("DG_KEEP") == "1"


def pytest_report_header(config):
    mode = "DIRECT (engine TLS port, no dindgate)" if DIRECT else \
        "dindgate %s%s" % (Gate.binary(),
                           (" via " + os.environ["DINDGATE_WRAPPER"])
                           if os.environ.get("DINDGATE_WRAPPER") else "")
    return ["dindgate integration: %s" % mode,
            "dockerd: %s, docker CLI: %s" % (dgtest.DOCKERD, dgtest.DOCKER_CLI)]


def pytest_runtest_setup(item):
    if DIRECT and DIRECT != "all" and item.get_closest_marker("gate_only"):
        pytest.skip("gate_only test (DG_DIRECT=%s)" % DIRECT)


def _add_log(node, title, fn):
    if not hasattr(node, "_dg_logs"):
        node._dg_logs = []
    node._dg_logs.append((title, fn))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for title, fn in getattr(item, "_dg_logs", []):
            try:
                text = fn()
            except Exception as e:      # never hide the real failure
                text = "(cannot read log: %r)" % e
            rep.sections.append((title, text or "(empty)"))


# --------------------------------------------------------------------------
# session fixtures

@pytest.fixture(scope="session")
def pki():
    root = make_tmpdir("dg", "/tmp")
    try:
        r = subprocess.run(["sh", str(REPO / "certs" / "mkcerts.sh"),
                            "--test-extras", str(root)],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        assert r.returncode == 0, "mkcerts.sh failed:\n" + r.stdout.decode()
        yield root
    finally:
        if not KEEP:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(pki):
    eng = Engine(pki, make_tmpdir("dg", str(pki)))
    try:
        eng.start()
        yield eng
    finally:
        eng.teardown()


@pytest.fixture(autouse=True)
def _engine_log(request):
    """Attach the engine's warnings/errors written during a failing test."""
    if "engine" not in request.fixturenames:
        yield
        return
    eng = request.getfixturevalue("engine")
    start = dgtest.file_size(eng.log_path)

    def warnings():
        lines = tail(eng.log_path, start, limit=1 << 20).splitlines()
        keep = [ln for ln in lines if "level=info" not in ln
                and "level=debug" not in ln]
        return "\n".join(keep[-80:])
    _add_log(request.node, "dockerd log (non-info, during test)", warnings)
    yield


@pytest.fixture(scope="session")
def image(engine, tmp_path_factory):
    ctx = tmp_path_factory.mktemp("busybox-ctx")
    busybox = "/bin/busybox"
    assert os.path.exists(busybox), "Debian's busybox-static is required"
    shutil.copy(busybox, ctx / "busybox")
    (ctx / "Dockerfile").write_text(
        "FROM scratch\n"
        "COPY busybox /bin/busybox\n"
        'RUN ["/bin/busybox","--install","-s","/bin"]\n'
        'CMD ["/bin/sh"]\n')
    engine.docker("build", "-q", "--network", "none", "-t", IMAGE, str(ctx),
                  env={"DOCKER_BUILDKIT": "0"}, timeout=120)
    r = engine.docker("run", "--rm", "--network", "none", IMAGE,
                      "sh", "-c", "echo ok")
    assert r.out == "ok\n"
    return IMAGE


class _GatePool:
    """The dindgate shared by tests without their own config; restarted if
    a test stopped (or crashed) it."""

    def __init__(self, pki, engine, root):
        self.pki, self.engine, self.root = pki, engine, root
        self.gate = None
        self.n = 0

    def get(self):
        if self.gate is None or not self.gate.running():
            self.n += 1
            self.gate = Gate(self.pki, self.engine,
                             self.root / ("shared%d" % self.n),
                             direct=bool(DIRECT)).start()
        return self.gate

    def close(self):
        g = self.gate
        if g is not None and not g.direct and g.running():
            g.stop(expect=0)


@pytest.fixture(scope="session")
def _gate_pool(pki, engine):
    root = make_tmpdir("gates", str(pki))
    pool = _GatePool(pki, engine, root)
    yield pool
    pool.close()


@pytest.fixture
def gate_factory(request, pki, engine):
    started = []
    root = make_tmpdir("g", str(pki))

    def factory(overrides=None, policy=None, start=True):
        g = Gate(pki, engine, root / ("g%d" % len(started)),
                 overrides=overrides, policy=policy, direct=bool(DIRECT))
        started.append(g)
        if not g.direct:
            _add_log(request.node, "dindgate log (%s)" % g.dir.name, g.log)
        return g.start() if start else g

    yield factory
    errors = []
    for g in started:
        if g.direct or g.proc is None:
            continue
        if g.deliberately_stopped:
            continue
        if not g.running():
            errors.append("dindgate %s died during the test (exit code %s)"
                          % (g.dir.name, g.proc.returncode))
            continue
        try:
            g.stop(expect=0)
        except AssertionError as e:
            errors.append(str(e))
    if not KEEP:
        shutil.rmtree(root, ignore_errors=True)
    assert not errors, "\n".join(errors)


@pytest.fixture
def gate(request, _gate_pool, gate_factory):
    m = request.node.get_closest_marker("gate")
    if m is not None:
        yield gate_factory(*m.args, **m.kwargs)
        return
    g = _gate_pool.get()
    start = g.log_size()
    if not g.direct:
        _add_log(request.node, "dindgate log (shared, during test)",
                 lambda: g.log(start))
    yield g
    if not g.direct and not g.deliberately_stopped and not g.running():
        pytest.fail("dindgate died during the test (exit code %s)"
                    % g.proc.returncode)
