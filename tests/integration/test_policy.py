"""Policy (issue 3): what the shipped sandbox policy refuses and lets
through, checked against the real engine.

Every refused request goes through dindgate as raw bytes (and with the
docker CLI and docker-py where a flag or argument exists); the answer must
be the documented refusal (403 for policy, 400 for malformed input,
Content-Type exactly application/json, a message starting "dindgate: " and
naming the field, the policy and the rule), and then the engine's own unix
socket must show that nothing was created. Benign options must get
through and be in effect on the engine's inspect.

Safety: nothing here deliberately creates a privileged container, a host
bind mount or a host namespace. Requests that must be refused use unique
names, are only ever *created* (never started), and whatever a bypass
might have created is removed through the engine's socket afterwards.
Log-only tests use NET_ADMIN and a namespaced sysctl only.
"""

import io
import json
import re
import subprocess
import tarfile
import time

import pytest

from dgtest import DIRECT, IMAGE, REPO, Gate, build_request, chunked, \
    unique, wait_for

# Everything here is about dindgate's decisions.
pytestmark = pytest.mark.gate_only

SANDBOX = REPO / "policy" / "sandbox.json"
JSON = [("Content-Type", "application/json")]
V = "/v1.41"


# --------------------------------------------------------------------------
# helpers

@pytest.fixture(scope="module")
def eng(engine):
    """docker-py's low-level client on the engine's own unix socket: the
    engine's view, never through dindgate."""
    import docker
    c = docker.APIClient(base_url="unix://" + engine.sock, version="1.41",
                         timeout=60)
    yield c
    c.close()


@pytest.fixture
def names(eng, image):
    """names() -> a unique container name; at teardown anything the engine
    has under one of them is force-removed (a bypass leaves nothing). Also
    makes sure the image exists, so a request that got through would
    really create something."""
    import docker
    made = []

    def make(prefix="dgp"):
        n = unique(prefix)
        made.append(n)
        return n
    yield make
    for n in made:
        try:
            eng.remove_container(n, force=True, v=True)
        except docker.errors.NotFound:
            pass


def engine_has(eng, name):
    """Does the engine have a container called name (any state)?"""
    return any("/" + name in c["Names"]
               for c in eng.containers(all=True, filters={"name": name}))


def engine_evidence(eng, name):
    """None if the engine has no container called name, else what it says
    about the fields a bypass would have set."""
    import docker
    try:
        i = eng.inspect_container(name)
    except docker.errors.NotFound:
        return None
    h = i["HostConfig"]
    return {"created": name, "WorkingDir": i["Config"]["WorkingDir"],
            **{k: h.get(k) for k in (
                "Privileged", "Binds", "Mounts", "CapAdd", "NetworkMode",
                "PidMode", "SecurityOpt", "Sysctls", "MaskedPaths")}}


def check_refusal(r, status, rule=None, words=(), policy="sandbox",
                  engine=None):
    """The documented refusal: status, exact Content-Type, "dindgate: "
    prefix, and (for decisions of a policy) "(policy P, rule R)" at the
    end. engine: what the engine shows, for the failure message. Returns
    the message."""
    assert r.status == status, "%r; engine: %r" % (r, engine)
    assert r.header("Content-Type") == "application/json", r.headers
    msg = r.json()["message"]
    assert msg.startswith("dindgate: "), msg
    if rule is not None:
        assert msg.endswith(" (policy %s, rule %s)" % (policy, rule)), msg
    for w in words:
        assert w in msg, "%r not in %r" % (w, msg)
    return msg


def body_bytes(body, raw_utf8=False):
    if isinstance(body, bytes):
        return body
    return json.dumps(body, ensure_ascii=not raw_utf8).encode("utf-8")


def create(gate, name, body, headers=JSON, version=V, **kw):
    """POST {version}/containers/create?name=NAME on a fresh connection."""
    return gate.http("POST", "%s/containers/create?name=%s" % (version, name),
                     headers, body_bytes(body), **kw)


def hc(**host):
    """A create body: our image, `true`, and the given HostConfig."""
    return {"Image": IMAGE, "Cmd": ["true"], "HostConfig": host}


def sandbox_variant(path, name=None, clients=None, add_routes=(),
                    drop_routes=(), top=None):
    """Write policy/sandbox.json with textual edits to path: everything
    else (comments included) stays exactly as shipped."""
    text = SANDBOX.read_text()

    def sub(old, new):
        nonlocal text
        assert text.count(old) == 1, "sandbox.json changed: %r" % old
        text = text.replace(old, new)
    if name is not None:
        sub('"name": "sandbox",', '"name": %s,' % json.dumps(name))
    if clients is not None:
        sub('"clients": { "any": true },',
            '"clients": %s,' % json.dumps(clients))
    for r in drop_routes:
        sub('    %s,\n' % json.dumps(r), "")
    for r in add_routes:
        sub('"routes": [\n', '"routes": [\n    %s,\n' % json.dumps(r))
    for k, v in (top or {}).items():
        sub('  "description"', '  %s: %s,\n  "description"'
            % (json.dumps(k), json.dumps(v)))
    path.write_text(text)
    return path


def gate_log_wait(g, pattern, start=0, timeout=10):
    """Wait until dindgate's log (from offset start) matches pattern."""
    wait_for(lambda: re.search(pattern, g.log(start)), timeout,
             "dindgate log to match %r" % pattern)
    return g.log(start)


def run_explain(*args, timeout=30):
    """dindgate explain with no config and no engine: a clean environment
    and cwd, so nothing but the arguments can be read."""
    return subprocess.run([Gate.binary(), "explain"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env={"PATH": "/usr/bin:/bin"}, cwd="/",
                          timeout=timeout)


def explain_fields(out):
    d = {}
    for line in out.decode().splitlines():
        k, _, v = line.partition(": ")
        d[k] = v
    return d


def tar_context(dockerfile):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        data = dockerfile.encode()
        ti = tarfile.TarInfo("Dockerfile")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def test_control_benign_create_is_created(gate, eng, names):
    # The base of every refused body below, without the refused field:
    # created. So each refusal is the field's doing.
    n = names()
    r = create(gate, n, hc())
    assert r.status == 201, r
    assert engine_has(eng, n)


# --------------------------------------------------------------------------
# 1. refused container creates, as raw bytes

S, K = "\u017f", "\u212a"       # ſ folds to s, K (Kelvin) to k in Go
HCR = "containers.HostConfig."
LEGACY = "containers.legacy-hostconfig"


def _raw(text):
    """A body written by hand (duplicates, escapes, trailing bytes)."""
    return text.replace("IMG", IMAGE).encode("utf-8")


# (id, body, status, rule, words in the message)
CREATE_REFUSED = [
    # Privileged, in every spelling Go's decoder reads as Privileged.
    ("privileged", hc(Privileged=True), 403, HCR + "Privileged",
     ["HostConfig.Privileged"]),
    ("privileged-lower", hc(privileged=True), 403, HCR + "Privileged",
     ["HostConfig.Privileged"]),
    ("privileged-upper", hc(PRIVILEGED=True), 403, HCR + "Privileged",
     ["HostConfig.Privileged"]),
    ("privileged-escaped-key",
     _raw('{"Image":"IMG","HostConfig":{"Privil\\u0065ged":true}}'), 403,
     HCR + "Privileged", ["HostConfig.Privileged"]),
    ("hostconfig-lower",
     {"Image": IMAGE, "hostconfig": {"Privileged": True}}, 403,
     HCR + "Privileged", ["HostConfig.Privileged"]),
    ("hostconfig-upper",
     {"Image": IMAGE, "HOSTCONFIG": {"privileged": True}}, 403,
     HCR + "Privileged", ["HostConfig.Privileged"]),
    # Unicode folds in struct keys: refused as non-ASCII (escaped here;
    # the same bodies as raw UTF-8 below).
    ("fold-securityopt", hc(**{S + "ecurityOpt": ["seccomp=unconfined"]}),
     400, "malformed", ["non-ASCII key", "HostConfig"]),
    ("fold-networkmode", hc(**{"Networ" + K + "Mode": "host"}), 400,
     "malformed", ["non-ASCII key", "HostConfig"]),
    ("fold-binds", hc(**{"Bind" + S: ["/:/h"]}), 400, "malformed",
     ["non-ASCII key", "HostConfig"]),
    ("fold-mounts", hc(**{"Mount" + S: [{"Type": "bind", "Source": "/",
                                         "Target": "/h"}]}), 400,
     "malformed", ["non-ASCII key", "HostConfig"]),
    ("fold-maskedpaths", hc(**{"Ma" + S + "kedPath" + S: []}), 400,
     "malformed", ["non-ASCII key", "HostConfig"]),
    ("fold-hostconfig",
     {"Image": IMAGE, "Ho" + S + "tConfig": {"Privileged": True}}, 400,
     "malformed", ["non-ASCII key", "the body"]),
    ("fold-capadd-value", hc(CapAdd=["cap_" + S + "y" + S + "log"]), 403,
     HCR + "CapAdd", ["capability"]),
    # Duplicates: Go merges duplicated objects and keeps the last scalar.
    ("dup-hostconfig",
     _raw('{"Image":"IMG","HostConfig":{"Privileged":true},"HostConfig":{}}'),
     400, "malformed", ['duplicate key "HostConfig"']),
    ("dup-privileged",
     _raw('{"Image":"IMG","HostConfig":{"Privileged":false,'
          '"Privileged":true}}'),
     400, "malformed", ['duplicate key "Privileged"']),
    ("dup-fold-benign-first",
     _raw('{"Image":"IMG","HostConfig":{},"hostconfig":{"Privileged":true}}'),
     400, "malformed", ['"hostconfig" given twice']),
    ("dup-fold-privileged-first",
     _raw('{"Image":"IMG","hostconfig":{"Privileged":true},"HostConfig":{}}'),
     403, HCR + "Privileged", ["HostConfig.Privileged"]),
    ("dup-fold-inner",
     _raw('{"Image":"IMG","HostConfig":{"Binds":[],"binds":["/:/h"]}}'),
     400, "malformed", ['"binds" given twice']),
    # Legacy top-level HostConfig fields (dockerd <= 26.1 applies them).
    ("legacy-privileged", {"Image": IMAGE, "Privileged": True}, 403, LEGACY,
     ['"Privileged"']),
    ("legacy-privileged-lower", {"Image": IMAGE, "privileged": True}, 403,
     LEGACY, ['"privileged"']),
    ("legacy-capadd", {"Image": IMAGE, "CapAdd": ["NET_ADMIN"]}, 403, LEGACY,
     ['"CapAdd"']),
    ("legacy-binds", {"Image": IMAGE, "Binds": ["/:/h"]}, 403, LEGACY,
     ['"Binds"']),
    ("legacy-networkmode", {"Image": IMAGE, "NetworkMode": "host"}, 403,
     LEGACY, ['"NetworkMode"']),
    ("legacy-cpuset", {"Image": IMAGE, "Cpuset": "0"}, 403, LEGACY,
     ['"Cpuset"']),
    ("legacy-memory-with-hostconfig",
     {"Image": IMAGE, "Memory": 1 << 40, "HostConfig": {}}, 403, LEGACY,
     ['"Memory"']),
    # Host bind mounts.
    ("binds-root", hc(Binds=["/:/h"]), 403, HCR + "Binds", ["/"]),
    ("binds-docker-sock",
     hc(Binds=["/var/run/docker.sock:/var/run/docker.sock"]), 403,
     HCR + "Binds", ["/var/run/docker.sock"]),
    ("binds-etc-ro", hc(Binds=["/etc:/e:ro"]), 403, HCR + "Binds", ["/etc"]),
    ("binds-double-slash", hc(Binds=["//:/h"]), 403, HCR + "Binds", []),
    ("binds-dotdot", hc(Binds=["/tmp/..:/h"]), 403, HCR + "Binds", []),
    ("binds-volume-rshared", hc(Binds=["dgvol:/h:rshared"]), 403,
     HCR + "Binds", ["rshared"]),
    ("binds-volume-relabel", hc(Binds=["dgvol:/h:z"]), 403, HCR + "Binds",
     ['"z"']),
    ("mounts-bind-root",
     hc(Mounts=[{"Type": "bind", "Source": "/", "Target": "/h"}]), 403,
     HCR + "Mounts", ["bind mount of /"]),
    ("mounts-bind-lower-keys",
     hc(Mounts=[{"type": "bind", "source": "/etc", "target": "/h",
                 "readonly": True}]), 403, HCR + "Mounts", ["/etc"]),
    ("mounts-volume-driver-bind",
     hc(Mounts=[{"Type": "volume", "Source": "dgvol", "Target": "/h",
                 "VolumeOptions": {"DriverConfig": {
                     "Name": "local", "Options": {
                         "type": "none", "o": "bind", "device": "/"}}}}]),
     403, HCR + "Mounts.VolumeOptions.DriverConfig", ["DriverConfig"]),
    ("mounts-anon-volume-driver-bind",
     hc(Mounts=[{"Type": "volume", "Target": "/h",
                 "VolumeOptions": {"DriverConfig": {
                     "Name": "local", "Options": {
                         "type": "none", "o": "bind", "device": "/etc"}}}}]),
     403, HCR + "Mounts.VolumeOptions.DriverConfig", ["DriverConfig"]),
    ("mounts-volume-bindoptions",
     hc(Mounts=[{"Type": "volume", "Source": "dgvol", "Target": "/h",
                 "BindOptions": {"Propagation": "rshared"}}]), 403,
     HCR + "Mounts", ["BindOptions"]),
    ("mounts-npipe", hc(Mounts=[{"Type": "npipe", "Source": "x",
                                 "Target": "/h"}]), 403, HCR + "Mounts",
     ['"npipe"']),
    ("volume-driver", hc(VolumeDriver="dgplugin"), 403,
     HCR + "VolumeDriver", ['"dgplugin"']),
    # Networks and namespaces.
    ("network-host", hc(NetworkMode="host"), 403, HCR + "NetworkMode",
     ["host"]),
    ("network-container", hc(NetworkMode="container:dg-other"), 403,
     HCR + "NetworkMode", ["container:dg-other"]),
    ("network-bridge", hc(NetworkMode="bridge"), 403, HCR + "NetworkMode",
     ['"bridge"']),
    ("endpoint-host",
     {"Image": IMAGE, "NetworkingConfig": {"EndpointsConfig": {"host": {}}}},
     403, "containers.NetworkingConfig.EndpointsConfig", ["host"]),
    ("endpoint-driveropts",
     {"Image": IMAGE, "NetworkingConfig": {"EndpointsConfig": {"default": {
         "DriverOpts": {"com.docker.network.endpoint.sysctls": "x"}}}}},
     403, "containers.NetworkingConfig.EndpointsConfig[default].DriverOpts",
     ["DriverOpts"]),
    ("pid-host", hc(PidMode="host"), 403, HCR + "PidMode", ['"host"']),
    ("pid-container", hc(PidMode="container:dg-other"), 403,
     HCR + "PidMode", ["container:dg-other"]),
    ("ipc-host", hc(IpcMode="host"), 403, HCR + "IpcMode", ['"host"']),
    ("uts-host", hc(UTSMode="host"), 403, HCR + "UTSMode", ['"host"']),
    ("userns-host", hc(UsernsMode="host"), 403, HCR + "UsernsMode",
     ['"host"']),
    ("cgroupns-host", hc(CgroupnsMode="host"), 403, HCR + "CgroupnsMode",
     ['"host"']),
    ("cgroup-container", hc(Cgroup="container:dg-other"), 403,
     HCR + "Cgroup", ["container:dg-other"]),
    # Capabilities.
    ("capadd-sys-admin", hc(CapAdd=["SYS_ADMIN"]), 403, HCR + "CapAdd",
     ["SYS_ADMIN"]),
    ("capadd-cap-sys-admin", hc(CapAdd=["cap_sys_admin"]), 403,
     HCR + "CapAdd", ["SYS_ADMIN"]),
    ("capadd-all", hc(CapAdd=["ALL"]), 403, HCR + "CapAdd", ["ALL"]),
    ("capadd-all-lower", hc(CapAdd=["all"]), 403, HCR + "CapAdd", ["ALL"]),
    ("capadd-net-admin", hc(CapAdd=["NET_ADMIN"]), 403, HCR + "CapAdd",
     ["NET_ADMIN"]),
    ("capadd-string", hc(CapAdd="SYS_ADMIN"), 400, "malformed",
     ["HostConfig.CapAdd"]),
    ("capabilities-1.40", hc(Capabilities=["CAP_SYS_ADMIN"]), 403,
     HCR + "Capabilities", ["HostConfig.Capabilities"]),
    # Devices.
    ("devices", hc(Devices=[{"PathOnHost": "/dev/sda",
                             "PathInContainer": "/dev/sda",
                             "CgroupPermissions": "rwm"}]), 403,
     HCR + "Devices", ["HostConfig.Devices"]),
    ("device-cgroup-rules", hc(DeviceCgroupRules=["b *:* rwm"]), 403,
     HCR + "DeviceCgroupRules", ["HostConfig.DeviceCgroupRules"]),
    ("device-requests", hc(DeviceRequests=[{"Driver": "nvidia",
                                            "Count": -1}]), 403,
     HCR + "DeviceRequests", ["HostConfig.DeviceRequests"]),
    ("blkio-device", hc(BlkioDeviceReadBps=[{"Path": "/dev/sda",
                                             "Rate": 1}]), 403,
     HCR + "BlkioDeviceReadBps", ["BlkioDeviceReadBps"]),
    # Security options.
    ("secopt-seccomp-unconfined", hc(SecurityOpt=["seccomp=unconfined"]),
     403, HCR + "SecurityOpt", ["seccomp=unconfined"]),
    ("secopt-seccomp-colon", hc(SecurityOpt=["seccomp:unconfined"]),
     403, HCR + "SecurityOpt", ["seccomp:unconfined"]),
    ("secopt-seccomp-inline", hc(SecurityOpt=['seccomp={"defaultAction":'
                                              '"SCMP_ACT_ALLOW"}']),
     403, HCR + "SecurityOpt", ["seccomp="]),
    ("secopt-apparmor-unconfined", hc(SecurityOpt=["apparmor=unconfined"]),
     403, HCR + "SecurityOpt", ["apparmor=unconfined"]),
    ("secopt-label-disable", hc(SecurityOpt=["label=disable"]), 403,
     HCR + "SecurityOpt", ["label=disable"]),
    ("secopt-label-colon-disable", hc(SecurityOpt=["label:disable"]), 403,
     HCR + "SecurityOpt", ["label:disable"]),
    ("secopt-bare-disable", hc(SecurityOpt=["disable"]), 403,
     HCR + "SecurityOpt", ['"disable"']),
    ("secopt-writable-cgroups", hc(SecurityOpt=["writable-cgroups"]), 403,
     HCR + "SecurityOpt", ["writable-cgroups"]),
    ("secopt-writable-cgroups-true",
     hc(SecurityOpt=["writable-cgroups=true"]), 403, HCR + "SecurityOpt",
     ["writable-cgroups=true"]),
    ("secopt-nnp-false", hc(SecurityOpt=["no-new-privileges=false"]), 403,
     HCR + "SecurityOpt", ["no-new-privileges=false"]),
    ("masked-paths-empty", hc(MaskedPaths=[]), 403, HCR + "MaskedPaths",
     ["HostConfig.MaskedPaths"]),
    ("readonly-paths-empty", hc(ReadonlyPaths=[]), 403,
     HCR + "ReadonlyPaths", ["HostConfig.ReadonlyPaths"]),
    ("masked-paths-short", hc(MaskedPaths=["/proc/kcore"]), 403,
     HCR + "MaskedPaths", ["HostConfig.MaskedPaths"]),
    # Everything else the notes list.
    ("sysctls", hc(Sysctls={"net.ipv4.ip_forward": "1"}), 403,
     HCR + "Sysctls", ["net.ipv4.ip_forward"]),
    ("sysctls-kernel", hc(Sysctls={"kernel.shmmax": "1"}), 403,
     HCR + "Sysctls", ["kernel.shmmax"]),
    ("runtime-shim", hc(Runtime="io.containerd.runc.v2"), 403,
     HCR + "Runtime", ["io.containerd.runc.v2"]),
    ("cgroup-parent", hc(CgroupParent="/"), 403, HCR + "CgroupParent",
     ["HostConfig.CgroupParent"]),
    ("volumes-from", hc(VolumesFrom=["dg-other:ro"]), 403,
     HCR + "VolumesFrom", ["HostConfig.VolumesFrom"]),
    ("links", hc(Links=["dg-other:o"]), 403, HCR + "Links",
     ["HostConfig.Links"]),
    ("log-syslog", hc(LogConfig={"Type": "syslog", "Config": {
        "syslog-address": "udp://127.0.0.1:1"}}), 403, HCR + "LogConfig",
     ['"syslog"']),
    ("log-gelf", hc(LogConfig={"Type": "gelf", "Config": {
        "gelf-address": "udp://127.0.0.1:1"}}), 403, HCR + "LogConfig",
     ['"gelf"']),
    ("log-fluentd", hc(LogConfig={"Type": "fluentd", "Config": {}}), 403,
     HCR + "LogConfig", ['"fluentd"']),
    ("log-json-file-bad-option",
     hc(LogConfig={"Type": "json-file", "Config": {"labels-regex": ".*"}}),
     403, HCR + "LogConfig", ['"labels-regex"']),
    ("port-bindings", hc(PortBindings={"80/tcp": [{"HostIp": "127.0.0.1",
                                                   "HostPort": "18080"}]}),
     403, HCR + "PortBindings", ["ports"]),
    ("publish-all", hc(PublishAllPorts=True), 403, HCR + "PublishAllPorts",
     ["ports"]),
    ("oom-kill-disable", hc(OomKillDisable=True), 403,
     HCR + "OomKillDisable", ["HostConfig.OomKillDisable"]),
    ("oom-score-negative", hc(OomScoreAdj=-500), 403, HCR + "OomScoreAdj",
     ["HostConfig.OomScoreAdj"]),
    ("oom-score-min", hc(OomScoreAdj=-1000), 403, HCR + "OomScoreAdj",
     ["HostConfig.OomScoreAdj"]),
    ("annotations", hc(Annotations={"io.kubernetes.cri-o.Devices": "x"}),
     403, HCR + "Annotations", ["HostConfig.Annotations"]),
    ("isolation", hc(Isolation="hyperv"), 403, HCR + "Isolation",
     ['"hyperv"']),
    ("storage-opt", hc(StorageOpt={"dm.basesize": "1G"}), 403,
     HCR + "StorageOpt", ['"dm.basesize"']),
    ("ulimits", hc(Ulimits=[{"Name": "memlock", "Soft": -1, "Hard": -1}]),
     403, HCR + "Ulimits", ['"memlock"']),
    ("cpu-realtime", hc(CpuRealtimeRuntime=950000), 403,
     HCR + "CpuRealtimeRuntime", ["HostConfig.CpuRealtimeRuntime"]),
    ("mac-address", {"Image": IMAGE, "MacAddress": "02:42:ac:11:00:99"},
     403, "containers.MacAddress", ["MacAddress"]),
    # WorkingDir under /proc (runc CVE-2024-21626).
    ("workdir-proc-fd", {"Image": IMAGE, "WorkingDir": "/proc/self/fd/7"},
     403, "containers.WorkingDir", ["WorkingDir", "/proc"]),
    ("workdir-proc", {"Image": IMAGE, "WorkingDir": "/proc"}, 403,
     "containers.WorkingDir", ["WorkingDir", "/proc"]),
    ("workdir-lower-key", {"Image": IMAGE, "workingdir": "/proc/1/root"},
     403, "containers.WorkingDir", ["WorkingDir", "/proc"]),
    # dockerd cleans WorkingDir (path.Clean) before runc sees it: these
    # are /proc/self/fd/7 on the engine (verified on its inspect).
    ("workdir-dot-proc", {"Image": IMAGE, "WorkingDir": "/./proc/self/fd/7"},
     403, "containers.WorkingDir", ["WorkingDir", "/proc"]),
    ("workdir-slash-slash-proc",
     {"Image": IMAGE, "WorkingDir": "//proc/self/fd/7"}, 403,
     "containers.WorkingDir", ["WorkingDir", "/proc"]),
    ("workdir-dotdot-proc",
     {"Image": IMAGE, "WorkingDir": "/tmp/../proc/self/fd/7"}, 403,
     "containers.WorkingDir", ["WorkingDir", "/proc"]),
    # Unknown fields with a value are refused by name.
    ("unknown-hostconfig-field", hc(Frobnicate=1), 403, "unknown-field",
     ["HostConfig.Frobnicate"]),
    ("unknown-top-field", {"Image": IMAGE, "Frobnicate": "x"}, 403,
     "unknown-field", ["Frobnicate"]),
    ("unknown-mount-field",
     hc(Mounts=[{"Type": "tmpfs", "Target": "/t", "Frobnicate": True}]),
     403, "unknown-field", ["HostConfig.Mounts.Frobnicate"]),
    # Malformed JSON and types.
    ("trailing-second-value",
     _raw('{"Image":"IMG","Cmd":["true"]} {"HostConfig":{"Privileged":true}}'),
     400, "malformed", ["trailing"]),
    ("trailing-garbage", _raw('{"Image":"IMG","Cmd":["true"]}garbage'), 400,
     "malformed", ["trailing"]),
    ("invalid-json", _raw('{"Image":"IMG","HostConfig":{'), 400, "malformed",
     ["invalid JSON"]),
    ("nul-in-string",
     _raw('{"Image":"IMG","HostConfig":{"Binds":["/\\u0000:/h"]}}'), 400,
     "malformed", ["NUL"]),
    ("nul-in-key",
     _raw('{"Image":"IMG","HostConfig":{"Privileged\\u0000x":true}}'), 400,
     "malformed", ["NUL"]),
    ("invalid-utf8", b'{"Image":"' + IMAGE.encode() + b'","Env":["X=\xff"]}',
     400, "malformed", ["invalid JSON"]),
    ("non-object-array", _raw('[{"Image":"IMG"}]'), 400, "malformed",
     ["JSON object"]),
    ("non-object-string", _raw('"IMG"'), 400, "malformed", ["JSON object"]),
    ("non-object-null", _raw('null'), 400, "malformed", ["JSON object"]),
    ("string-for-bool", hc(Privileged="true"), 400, "malformed",
     ["HostConfig.Privileged"]),
    ("int-for-bool", hc(Privileged=1), 400, "malformed",
     ["HostConfig.Privileged"]),
    ("float-for-int", _raw('{"Image":"IMG","HostConfig":{"Memory":1e6}}'),
     400, "malformed", ["HostConfig.Memory"]),
    ("int-out-of-range",
     _raw('{"Image":"IMG","HostConfig":{"Memory":99999999999999999999}}'),
     400, "malformed", ["out of range"]),
    ("deep-nesting",
     _raw('{"Image":"IMG","Labels":' + '{"a":' * 300 + '"x"' + '}' * 301),
     400, "malformed", []),
]

# The Unicode-fold cases again, as raw UTF-8 bytes instead of \u escapes.
CREATE_REFUSED += [
    (cid + "-utf8", body_bytes(body, raw_utf8=True), st, rule, words)
    for cid, body, st, rule, words in list(CREATE_REFUSED)
    if cid.startswith("fold-")]


@pytest.mark.parametrize("body,status,rule,words",
                         [c[1:] for c in CREATE_REFUSED],
                         ids=[c[0] for c in CREATE_REFUSED])
def test_create_refused_raw(gate, eng, names, body, status, rule, words):
    n = names()
    r = create(gate, n, body)
    ev = engine_evidence(eng, n)
    check_refusal(r, status, rule, words, engine=ev)
    assert ev is None, "the engine created it: %r" % ev
