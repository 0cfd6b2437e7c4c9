"""dindgate's process life cycle: config generation, SIGHUP, SIGTERM."""

import json
import re
import shutil
import socket

import pytest

from dgtest import DIRECT, REPO, port_open

# All about the dindgate process: nothing to run in DG_DIRECT mode at all.
pytestmark = pytest.mark.skipif(bool(DIRECT), reason="needs dindgate")


def _read_conf(path):
    text = re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M)
    return json.loads(text)


@pytest.mark.gate_only
def test_config_overrides_are_merged(gate_factory, pki, engine):
    g = gate_factory(overrides={"timeouts": {"idle": 7}, "limits": None},
                     policy="tests/data/nonexistent.json", start=False)
    conf = _read_conf(g.conf_path)
    assert conf["timeouts"] == {"handshake": 10, "request_head": 30, "idle": 7,
                                "upstream_connect": 10}
    assert "limits" not in conf
    assert conf["policy"] == [str(REPO / "tests/data/nonexistent.json")]
    assert conf["listen"] == ["tcp://127.0.0.1:%d" % g.port]
    assert conf["upstream"]["address"] == engine.tcp_addr
    assert conf["tls"]["client_ca"] == str(pki / "gate-server" / "ca.pem")
    assert set(conf) == {"listen", "tls", "upstream", "policy", "timeouts"}


@pytest.mark.gate_only
def test_sighup_keeps_serving(gate_factory):
    g = gate_factory()
    with g.conn() as before:
        assert before.request("GET", "/_ping").status == 200
        g.reload()
        # The session opened before the reload goes on working...
        assert before.request("GET", "/_ping").status == 200
    # ...and new ones are accepted.
    assert g.http("GET", "/_ping").status == 200
    assert g.running()


@pytest.mark.gate_only
def test_reload_with_broken_policy_keeps_the_old_one(gate_factory, tmp_path):
    policy = tmp_path / "policy.json"
    shutil.copy(REPO / "policy" / "sandbox.json", policy)
    g = gate_factory(policy=[str(policy)])
    assert g.http("GET", "/_ping").status == 200
    policy.write_text('{ "this is": not a policy\n')
    g.reload()
    assert g.http("GET", "/_ping").status == 200
    r = g.http("POST", "/v1.41/swarm/init",
               [("Content-Type", "application/json")],
               b'{"ListenAddr":"127.0.0.1:0","AdvertiseAddr":"dg-no-such-if0"}')
    assert r.status == 403, r
    assert g.running()


@pytest.mark.gate_only
def test_sigterm_exits_zero_and_closes_listener(gate_factory):
    g = gate_factory()
    assert g.http("GET", "/_ping").status == 200
    assert g.stop() == 0
    assert not port_open(g.port)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", g.port), timeout=2).close()
