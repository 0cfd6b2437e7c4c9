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
bind mount or a host namespace. Containers that must be refused use unique
names and are only ever *created* (never started); refused execs run
`true`; refused builds have no RUN step and network bodies end in a
macvlan on a missing interface; whatever a bypass might have created is
removed through the engine's socket afterwards. Log-only tests use
NET_ADMIN and a namespaced sysctl only.
"""

import io
import json
import re
import subprocess
import tarfile

import pytest

from dgtest import IMAGE, REPO, Gate, build_request, chunked, unique, \
    wait_for

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
    assert r.status == status, "got %d %r; engine: %r" % (
        r.status, r.body[:600], engine)
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
    ("binds-host-relabel", hc(Binds=["/etc:/h:z"]), 403, HCR + "Binds",
     []),
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
     403, "containers.NetworkingConfig.EndpointsConfig[].DriverOpts",
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


# --------------------------------------------------------------------------
# 1b. the same refusals from the docker CLI and from docker-py

DRIVER_BIND = ("type=volume,src=dgvol-bind,dst=/h,volume-driver=local,"
               "volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/")

# (id, `docker create` flags, rule)
CLI_REFUSED = [
    ("privileged", ["--privileged"], HCR + "Privileged"),
    ("bind-root", ["-v", "/:/h"], HCR + "Binds"),
    ("bind-docker-sock", ["-v", "/var/run/docker.sock:/var/run/docker.sock"],
     HCR + "Binds"),
    ("bind-etc", ["-v", "/etc:/e:ro"], HCR + "Binds"),
    ("mount-bind", ["--mount", "type=bind,src=/,dst=/h"], HCR + "Mounts"),
    ("mount-volume-driver-bind", ["--mount", DRIVER_BIND],
     HCR + "Mounts.VolumeOptions.DriverConfig"),
    ("network-host", ["--network", "host"], HCR + "NetworkMode"),
    ("network-container", ["--network", "container:dg-other"],
     HCR + "NetworkMode"),
    ("pid-host", ["--pid", "host"], HCR + "PidMode"),
    ("ipc-host", ["--ipc", "host"], HCR + "IpcMode"),
    ("uts-host", ["--uts", "host"], HCR + "UTSMode"),
    ("userns-host", ["--userns", "host"], HCR + "UsernsMode"),
    ("cgroupns-host", ["--cgroupns", "host"], HCR + "CgroupnsMode"),
    ("cap-sys-admin", ["--cap-add", "SYS_ADMIN"], HCR + "CapAdd"),
    ("cap-all", ["--cap-add", "ALL"], HCR + "CapAdd"),
    ("cap-fold", ["--cap-add", "cap_" + S + "y" + S + "log"], HCR + "CapAdd"),
    ("device", ["--device", "/dev/null:/dev/dgnull"], HCR + "Devices"),
    ("device-cgroup-rule", ["--device-cgroup-rule", "c 1:3 rwm"],
     HCR + "DeviceCgroupRules"),
    ("gpus", ["--gpus", "all"], "containers.HostConfig.DeviceRequests"),
    ("seccomp-unconfined", ["--security-opt", "seccomp=unconfined"],
     HCR + "SecurityOpt"),
    ("apparmor-unconfined", ["--security-opt", "apparmor=unconfined"],
     HCR + "SecurityOpt"),
    ("label-disable", ["--security-opt", "label=disable"],
     HCR + "SecurityOpt"),
    ("label-colon-disable", ["--security-opt", "label:disable"],
     HCR + "SecurityOpt"),
    ("systempaths-unconfined", ["--security-opt", "systempaths=unconfined"],
     HCR + "MaskedPaths"),
    ("sysctl", ["--sysctl", "net.ipv4.ip_forward=1"], HCR + "Sysctls"),
    ("runtime", ["--runtime", "io.containerd.runc.v2"], HCR + "Runtime"),
    ("cgroup-parent", ["--cgroup-parent", "/"], HCR + "CgroupParent"),
    ("volumes-from", ["--volumes-from", "dg-other"], HCR + "VolumesFrom"),
    ("link", ["--link", "dg-other:o"], HCR + "Links"),
    ("log-syslog", ["--log-driver", "syslog", "--log-opt",
                    "syslog-address=udp://127.0.0.1:1"], HCR + "LogConfig"),
    ("log-gelf", ["--log-driver", "gelf", "--log-opt",
                  "gelf-address=udp://127.0.0.1:1"], HCR + "LogConfig"),
    ("log-fluentd", ["--log-driver", "fluentd"], HCR + "LogConfig"),
    ("publish", ["-p", "127.0.0.1:18080:80"], HCR + "PortBindings"),
    ("publish-all", ["-P", "--expose", "80"], HCR + "PublishAllPorts"),
    ("oom-kill-disable", ["--oom-kill-disable"], HCR + "OomKillDisable"),
    ("oom-score-adj", ["--oom-score-adj", "-500"], HCR + "OomScoreAdj"),
    ("workdir-proc", ["-w", "/proc/self/fd/7"], "containers.WorkingDir"),
    ("workdir-dot-proc", ["-w", "/./proc/self/fd/7"],
     "containers.WorkingDir"),
]


@pytest.mark.parametrize("flags,rule", [c[1:] for c in CLI_REFUSED],
                         ids=[c[0] for c in CLI_REFUSED])
def test_create_refused_cli(gate, eng, names, flags, rule):
    n = names()
    r = gate.docker("create", "--name", n, *flags, IMAGE, "true", check=False)
    ev = engine_evidence(eng, n)
    assert r.returncode != 0, "created: %r" % ev
    assert "Error response from daemon: dindgate: " in r.err, r.err
    assert "(policy sandbox, rule %s)" % rule in r.err, r.err
    assert ev is None, "the engine created it: %r" % ev


def _py_refused():
    from docker.types import DeviceRequest, LogConfig, Mount
    return [
        ("privileged", dict(privileged=True), HCR + "Privileged"),
        ("volumes-root", dict(volumes=["/:/h"]), HCR + "Binds"),
        ("volumes-dict-sock", dict(volumes={"/var/run/docker.sock": {
            "bind": "/s", "mode": "rw"}}), HCR + "Binds"),
        ("mount-bind", dict(mounts=[Mount("/h", "/", type="bind")]),
         HCR + "Mounts"),
        ("mount-volume-driver-bind", dict(mounts=[Mount(
            "/h", "dgvol-bind", type="volume", driver_config={
                "Name": "local", "Options": {"type": "none", "o": "bind",
                                             "device": "/"}})]),
         HCR + "Mounts.VolumeOptions.DriverConfig"),
        ("network-host", dict(network_mode="host"), HCR + "NetworkMode"),
        ("network-container", dict(network_mode="container:dg-other"),
         HCR + "NetworkMode"),
        ("pid-host", dict(pid_mode="host"), HCR + "PidMode"),
        ("ipc-host", dict(ipc_mode="host"), HCR + "IpcMode"),
        ("uts-host", dict(uts_mode="host"), HCR + "UTSMode"),
        ("userns-host", dict(userns_mode="host"), HCR + "UsernsMode"),
        ("cap-sys-admin", dict(cap_add=["SYS_ADMIN"]), HCR + "CapAdd"),
        ("cap-all", dict(cap_add=["ALL"]), HCR + "CapAdd"),
        ("devices", dict(devices=["/dev/null:/dev/dgnull:rwm"]),
         HCR + "Devices"),
        ("device-cgroup-rules", dict(device_cgroup_rules=["b *:* rwm"]),
         HCR + "DeviceCgroupRules"),
        ("device-requests", dict(device_requests=[DeviceRequest(
            count=-1, capabilities=[["gpu"]])]),
         "containers.HostConfig.DeviceRequests"),
        ("seccomp-unconfined", dict(security_opt=["seccomp=unconfined"]),
         HCR + "SecurityOpt"),
        ("label-disable", dict(security_opt=["label=disable"]),
         HCR + "SecurityOpt"),
        ("sysctls", dict(sysctls={"net.ipv4.ip_forward": "1"}),
         HCR + "Sysctls"),
        ("runtime", dict(runtime="io.containerd.runc.v2"), HCR + "Runtime"),
        ("cgroup-parent", dict(cgroup_parent="/"), HCR + "CgroupParent"),
        ("volumes-from", dict(volumes_from=["dg-other"]),
         HCR + "VolumesFrom"),
        ("links", dict(links={"dg-other": "o"}), HCR + "Links"),
        ("log-syslog", dict(log_config=LogConfig(type="syslog", config={
            "syslog-address": "udp://127.0.0.1:1"})), HCR + "LogConfig"),
        ("log-fluentd", dict(log_config=LogConfig(type="fluentd")),
         HCR + "LogConfig"),
        ("ports", dict(ports={"80/tcp": ("127.0.0.1", 18080)}),
         HCR + "PortBindings"),
        ("publish-all", dict(publish_all_ports=True),
         HCR + "PublishAllPorts"),
        ("oom-kill-disable", dict(oom_kill_disable=True),
         HCR + "OomKillDisable"),
        ("oom-score-adj", dict(oom_score_adj=-500), HCR + "OomScoreAdj"),
        ("working-dir", dict(working_dir="/proc/self/fd/7"),
         "containers.WorkingDir"),
    ]


PY_REFUSED_IDS = ["privileged", "volumes-root", "volumes-dict-sock",
                  "mount-bind", "mount-volume-driver-bind", "network-host",
                  "network-container", "pid-host", "ipc-host", "uts-host",
                  "userns-host", "cap-sys-admin", "cap-all", "devices",
                  "device-cgroup-rules", "device-requests",
                  "seccomp-unconfined", "label-disable", "sysctls",
                  "runtime", "cgroup-parent", "volumes-from", "links",
                  "log-syslog", "log-fluentd", "ports", "publish-all",
                  "oom-kill-disable", "oom-score-adj", "working-dir"]


@pytest.fixture(scope="module")
def py_refused():
    cases = {c[0]: c[1:] for c in _py_refused()}
    assert sorted(cases) == sorted(PY_REFUSED_IDS)
    return cases


@pytest.fixture
def pyclient(gate):
    c = gate.pyclient()
    yield c
    c.close()


@pytest.mark.parametrize("case", PY_REFUSED_IDS)
def test_create_refused_docker_py(pyclient, eng, names, py_refused, case):
    import docker
    kwargs, rule = py_refused[case]
    n = names()
    with pytest.raises(docker.errors.APIError) as ei:
        pyclient.containers.create(IMAGE, ["true"], name=n, **kwargs)
    e = ei.value
    assert e.response.status_code == 403, e
    assert e.explanation.startswith("dindgate: "), e.explanation
    assert e.explanation.endswith("(policy sandbox, rule %s)" % rule), \
        e.explanation
    ev = engine_evidence(eng, n)
    assert ev is None, "the engine created it: %r" % ev


# --------------------------------------------------------------------------
# 1c. exec

@pytest.fixture(scope="module")
def victim(engine, image):
    """A running container, started on the engine directly (it is the
    target here, not the thing under test)."""
    name = unique("dgp-victim")
    cid = engine.docker("run", "-d", "--name", name, "--network", "none",
                        image, "sleep", "600").out.strip()
    yield cid
    engine.docker("rm", "-f", cid, check=False)


def exec_ids(eng, cid):
    return set(eng.inspect_container(cid)["ExecIDs"] or [])


def test_exec_control_benign_is_created(gate, eng, victim):
    before = exec_ids(eng, victim)
    r = gate.http("POST", "%s/containers/%s/exec" % (V, victim), JSON,
                  json.dumps({"Cmd": ["true"], "AttachStdout": True}))
    assert r.status == 201, r
    assert r.json()["Id"] in exec_ids(eng, victim) - before


def test_exec_benign_options_cli(gate, eng, victim):
    # The CLI's exec body, with a working directory, env and the default
    # user: allowed.
    r = gate.docker("exec", "-w", "/bin", "-e", "DG=1", victim, "sh", "-c",
                    "echo $DG; pwd")
    assert r.out.split() == ["1", "/bin"]


EXEC_REFUSED = [
    ("privileged", {"Privileged": True}, "exec.Privileged", ["Privileged"]),
    ("privileged-lower", {"privileged": True}, "exec.Privileged",
     ["Privileged"]),
    ("user-root", {"User": "root"}, "exec.User", ['"root"']),
    ("user-0", {"User": "0"}, "exec.User", ['"0"']),
    ("user-0-0", {"User": "0:0"}, "exec.User", ['"0:0"']),
    ("user-lower-key", {"user": "root"}, "exec.User", ['"root"']),
    ("workdir-proc-fd", {"WorkingDir": "/proc/self/fd/7"}, "exec.WorkingDir",
     ["WorkingDir", "/proc"]),
    ("workdir-dot-proc", {"WorkingDir": "/./proc/self/fd/7"},
     "exec.WorkingDir", ["WorkingDir", "/proc"]),
    ("workdir-slash-slash-proc", {"WorkingDir": "//proc/self/fd/7"},
     "exec.WorkingDir", ["WorkingDir", "/proc"]),
    ("unknown-field", {"Frobnicate": "x"}, "unknown-field", ["Frobnicate"]),
]


@pytest.mark.parametrize("extra,rule,words", [c[1:] for c in EXEC_REFUSED],
                         ids=[c[0] for c in EXEC_REFUSED])
def test_exec_refused_raw(gate, eng, victim, extra, rule, words):
    before = exec_ids(eng, victim)
    body = dict({"Cmd": ["true"], "AttachStdout": True}, **extra)
    r = gate.http("POST", "%s/containers/%s/exec" % (V, victim), JSON,
                  json.dumps(body))
    new = exec_ids(eng, victim) - before
    check_refusal(r, 403, rule, words, engine=new)
    assert not new, "the engine created exec %r" % new


@pytest.mark.parametrize("flags,rule", [
    (["--privileged"], "exec.Privileged"),
    (["-u", "root"], "exec.User"),
    (["-u", "0"], "exec.User"),
    (["-w", "/proc/self/fd/7"], "exec.WorkingDir"),
], ids=["privileged", "user-root", "user-0", "workdir-proc"])
def test_exec_refused_cli(gate, eng, victim, flags, rule):
    before = exec_ids(eng, victim)
    r = gate.docker("exec", *flags, victim, "true", check=False)
    assert r.returncode != 0
    assert "Error response from daemon: dindgate: " in r.err, r.err
    assert "(policy sandbox, rule %s)" % rule in r.err, r.err
    assert not exec_ids(eng, victim) - before


@pytest.mark.parametrize("kwargs,rule", [
    ({"privileged": True}, "exec.Privileged"),
    ({"user": "root"}, "exec.User"),
    ({"workdir": "/proc/self/fd/7"}, "exec.WorkingDir"),
], ids=["privileged", "user-root", "workdir-proc"])
def test_exec_refused_docker_py(pyclient, eng, victim, kwargs, rule):
    import docker
    before = exec_ids(eng, victim)
    c = pyclient.containers.get(victim)
    with pytest.raises(docker.errors.APIError) as ei:
        c.exec_run(["true"], **kwargs)
    e = ei.value
    assert e.response.status_code == 403, e
    assert e.explanation.startswith("dindgate: "), e.explanation
    assert e.explanation.endswith("(policy sandbox, rule %s)" % rule), \
        e.explanation
    assert not exec_ids(eng, victim) - before


# --------------------------------------------------------------------------
# 1d. routes, versions, paths, queries, content types and framing

BENIGN = json.dumps(hc()).encode()
CTX = tar_context("FROM %s\nLABEL dg.policy=1\n" % IMAGE)
TAR = [("Content-Type", "application/x-tar")]
FORM = [("Content-Type", "application/x-www-form-urlencoded")]
MULTI = [("Content-Type", "multipart/form-data; boundary=dgb")]
MULTI_BODY = (b"--dgb\r\nContent-Disposition: form-data; name=\"networkmode\""
              b"\r\n\r\nhost\r\n--dgb--\r\n")
H2C = [("Connection", "Upgrade"), ("Upgrade", "h2c")]
NOSUFFIX = object()     # a refusal before any policy is consulted

# (id, method, target, headers, body, status, rule, words). In targets
# {name} is a unique container name, {tag} a unique image name and {cid} a
# created (never started) container. Every case then checks that the
# engine has neither {name} nor {tag}.
REQUEST_REFUSED = [
    # API versions and path forms: a benign create, so a mistake shows.
    ("v1.23", "POST", "/v1.23/containers/create?name={name}", JSON, BENIGN,
     400, "api-version", ["1.23", "minimum 1.40"]),
    ("v1.39", "POST", "/v1.39/containers/create?name={name}", JSON, BENIGN,
     400, "api-version", ["1.39", "minimum 1.40"]),
    ("unversioned", "POST", "/containers/create?name={name}", JSON, BENIGN,
     400, "api-version", ["unversioned"]),
    ("v1.041", "POST", "/v1.041/containers/create?name={name}", JSON, BENIGN,
     400, NOSUFFIX, ["version"]),
    ("v01.41", "POST", "/v01.41/containers/create?name={name}", JSON, BENIGN,
     400, NOSUFFIX, ["version"]),
    ("v1.41.0", "POST", "/v1.41.0/containers/create?name={name}", JSON,
     BENIGN, 400, NOSUFFIX, ["version"]),
    ("upper-V", "POST", "/V1.41/containers/create?name={name}", JSON, BENIGN,
     403, "unknown-route", []),
    ("double-slash-front", "POST", "//containers/create?name={name}", JSON,
     BENIGN, 400, NOSUFFIX, ["//"]),
    ("double-slash-after-version", "POST",
     "/v1.41//containers/create?name={name}", JSON, BENIGN, 400, NOSUFFIX,
     ["//"]),
    ("dot-segment", "POST", "/v1.41/containers/./create?name={name}", JSON,
     BENIGN, 400, NOSUFFIX, ["dot segment"]),
    ("dotdot-segment", "POST", "/v1.41/containers/x/../create?name={name}",
     JSON, BENIGN, 400, NOSUFFIX, ["dot segment"]),
    ("encoded-slash", "POST", "/v1.41/containers%2Fcreate?name={name}", JSON,
     BENIGN, 400, NOSUFFIX, ["percent-encoded"]),
    ("encoded-slash-lower", "POST", "/v1.41%2fcontainers/create?name={name}",
     JSON, BENIGN, 400, NOSUFFIX, ["percent-encoded"]),
    ("trailing-slash", "POST", "/v1.41/containers/create/?name={name}", JSON,
     BENIGN, 400, NOSUFFIX, ["trailing"]),
    ("dup-query-name", "POST", "/v1.41/containers/create?name={name}&name=b",
     JSON, BENIGN, 400, "malformed", ['"name" given twice']),
    ("dup-query-name-encoded-key", "POST",
     "/v1.41/containers/create?name={name}&nam%65={name}x", JSON, BENIGN,
     400, "malformed", ['"name" given twice']),
    ("semicolon-query", "POST", "/v1.41/containers/create?name={name};x=1",
     JSON, BENIGN, 400, NOSUFFIX, ["';'"]),
    # Content types on a JSON route.
    ("form-body-create", "POST", "/v1.41/containers/create?name={name}",
     FORM, ("Image=%s" % IMAGE).encode(), 400, "malformed", ["form"]),
    ("multipart-body-create", "POST", "/v1.41/containers/create?name={name}",
     MULTI, MULTI_BODY, 400, "malformed", ["form"]),
    ("no-content-type", "POST", "/v1.41/containers/create?name={name}", [],
     BENIGN, 400, "malformed", ["Content-Type"]),
    ("text-plain", "POST", "/v1.41/containers/create?name={name}",
     [("Content-Type", "text/plain")], BENIGN, 400, "malformed",
     ["Content-Type"]),
    ("json-suffix-type", "POST", "/v1.41/containers/create?name={name}",
     [("Content-Type", "application/jsonx")], BENIGN, 400, "malformed",
     ["Content-Type"]),
    # Bodies dindgate must see whatever the framing.
    ("chunked-privileged", "POST", "/v1.41/containers/create?name={name}",
     JSON + [("Transfer-Encoding", "chunked")],
     chunked(json.dumps(hc(Privileged=True)).encode(), 5), 403,
     HCR + "Privileged", []),
    ("expect-100-privileged", "POST", "/v1.41/containers/create?name={name}",
     JSON + [("Expect", "100-continue")],
     json.dumps(hc(Privileged=True)).encode(), 403, HCR + "Privileged", []),
    # An upgrade on a route that is not a hijack: bytes after the 101
    # would never be parsed.
    ("create-with-upgrade", "POST", "/v1.41/containers/create?name={name}",
     JSON + [("Connection", "Upgrade"), ("Upgrade", "tcp")], BENIGN, 403,
     "upgrade", ["upgrade"]),
    # Start with a body: old APIs applied it as HostConfig.
    ("start-body", "POST", "/v1.41/containers/{cid}/start", JSON,
     b'{"Binds":["/:/h"],"Privileged":true}', 403, "containers.start-body",
     ["body"]),
    ("start-body-v1.23", "POST", "/v1.23/containers/{cid}/start", JSON,
     b'{"Binds":["/:/h"],"Privileged":true}', 400, "api-version", ["1.23"]),
    ("start-body-chunked", "POST", "/v1.41/containers/{cid}/start",
     JSON + [("Transfer-Encoding", "chunked")],
     chunked(b'{"Binds":["/:/h"]}'), 403, "containers.start-body", []),
    ("delete-link", "DELETE", "/v1.41/containers/{cid}?link=1", [], b"", 403,
     "containers.link", ["link"]),
    ("delete-link-true", "DELETE", "/v1.41/containers/{cid}?link=True", [],
     b"", 403, "containers.link", ["link"]),
    # Build parameters.
    ("build-network-host", "POST", "/v1.41/build?t={tag}&networkmode=host",
     TAR, CTX, 403, "build.networkmode", ['"host"']),
    ("build-network-container", "POST",
     "/v1.41/build?t={tag}&networkmode=container:dg-other", TAR, CTX, 403,
     "build.networkmode", ["container:dg-other"]),
    ("build-remote-http", "POST",
     "/v1.41/build?t={tag}&remote=http://127.0.0.1:1/ctx.tar", [], b"", 403,
     "build.remote", ["remote"]),
    ("build-remote-git", "POST",
     "/v1.41/build?t={tag}&remote=git://127.0.0.1:1/x.git", [], b"", 403,
     "build.remote", ["remote"]),
    ("build-version-2", "POST", "/v1.41/build?t={tag}&version=2", TAR, CTX,
     403, "build.version", ["BuildKit"]),
    ("build-session", "POST", "/v1.41/build?t={tag}&session=dgsess", TAR, CTX,
     403, "build.session", ["session"]),
    ("build-cgroupparent", "POST", "/v1.41/build?t={tag}&cgroupparent=/",
     TAR, CTX, 403, "build.cgroupparent", ["cgroupparent"]),
    ("build-extrahosts", "POST",
     "/v1.41/build?t={tag}&extrahosts=dg:127.0.0.1", TAR, CTX, 403,
     "build.extrahosts", ["extra hosts"]),
    # extrahosts is multi-valued: the engine uses every value.
    ("build-extrahosts-second-value", "POST",
     "/v1.41/build?t={tag}&extrahosts=&extrahosts=dg:127.0.0.1", TAR, CTX,
     403, "build.extrahosts", ["extra hosts"]),
    ("build-securityopt", "POST",
     "/v1.41/build?t={tag}&securityopt=%5B%22seccomp%3Dunconfined%22%5D",
     TAR, CTX, 403, "build.securityopt", ["security"]),
    ("build-multipart", "POST", "/v1.41/build?t={tag}", MULTI, MULTI_BODY,
     400, "malformed", ["form"]),
    ("build-form", "POST", "/v1.41/build?t={tag}", FORM,
     b"networkmode=host&remote=http://127.0.0.1:1/x", 400, "malformed",
     ["form"]),
    # Percent-encoded query keys: Go's ParseQuery decodes keys as well as
    # values (verified: /build?remot%65=... makes the engine fetch it).
    ("build-remote-encoded-key", "POST",
     "/v1.41/build?t={tag}&remot%65=http://127.0.0.1:1/ctx.tar", [], b"",
     403, "build.remote", ["remote"]),
    ("build-network-encoded-key", "POST",
     "/v1.41/build?t={tag}&network%6dode=dgnonet", TAR, CTX, 403,
     "build.networkmode", ["dgnonet"]),
    ("build-version-encoded-key", "POST", "/v1.41/build?t={tag}&versio%6e=2",
     TAR, CTX, 403, "build.version", ["BuildKit"]),
    ("delete-link-encoded-key", "DELETE", "/v1.41/containers/{cid}?lin%6b=1",
     [], b"", 403, "containers.link", ["link"]),
    # Image import from a URL and form bodies overriding the query.
    ("import-url", "POST",
     "/v1.41/images/create?fromSrc=http://127.0.0.1:1/x.tar&repo={tag}", [],
     b"", 403, "images.import-url", ["URL"]),
    ("import-url-encoded-key", "POST",
     "/v1.41/images/create?fromSr%63=http://127.0.0.1:1/x.tar&repo={tag}",
     [], b"", 403, "images.import-url", ["URL"]),
    ("import-form-body", "POST",
     "/v1.41/images/create?fromImage=%s" % IMAGE.split(":")[0] +
     "&tag=latest", FORM, b"fromSrc=http://127.0.0.1:1/x.tar&repo={tag}",
     400, "malformed", ["form"]),
    ("import-form-body-overrides-query", "POST",
     "/v1.41/images/create?fromSrc=-&repo={tag}", FORM,
     b"fromSrc=http://127.0.0.1:1/x.tar", 400, "malformed", ["form"]),
    # Go trims the tab (mime.ParseMediaType) and parses the form body,
    # whose fromSrc then wins over the query's "-" (verified: the engine
    # fetches the URL).
    ("import-form-body-tab-before-params", "POST",
     "/v1.41/images/create?fromSrc=-&repo={tag}",
     [("Content-Type", "application/x-www-form-urlencoded\t; charset=utf-8")],
     b"fromSrc=http://127.0.0.1:1/x.tar", 400, "malformed", ["form"]),
    ("tag-form-body", "POST",
     "/v1.41/images/%s/tag?repo={tag}&tag=q" % IMAGE, FORM,
     b"repo={tag}-form&tag=b", 400, "malformed", ["form"]),
    # Routes the sandbox does not allow.
    ("swarm-init", "POST", "/v1.41/swarm/init", JSON,
     b'{"ListenAddr":"127.0.0.1:0","AdvertiseAddr":"dg-no-such-if0"}', 403,
     "default-deny", ["POST /swarm/init"]),
    ("services-create", "POST", "/v1.41/services/create", JSON,
     b'{"Name":"dgsvc"}', 403, "default-deny", ["POST /services/create"]),
    ("secrets-create", "POST", "/v1.41/secrets/create", JSON,
     b'{"Name":"dgsec","Data":"eA=="}', 403, "default-deny",
     ["POST /secrets/create"]),
    ("plugins-pull", "POST",
     "/v1.41/plugins/pull?remote=127.0.0.1:1/dg/noplugin", JSON, b"[]", 403,
     "default-deny", ["POST /plugins/pull"]),
    ("plugins-privileges", "GET",
     "/v1.41/plugins/privileges?remote=127.0.0.1:1/dg/noplugin", [], b"",
     403, "default-deny", ["GET /plugins/privileges"]),
    ("session", "POST", "/v1.41/session", [], b"", 403, "default-deny",
     ["POST /session"]),
    ("session-h2c", "POST", "/v1.41/session", H2C, b"", 403, "upgrade",
     ["upgrade"]),
    ("session-unversioned", "POST", "/session", H2C, b"", 400, "api-version",
     ["unversioned"]),
    ("grpc", "POST", "/v1.41/grpc", H2C, b"", 403, "upgrade", ["upgrade"]),
    ("grpc-unversioned", "POST", "/grpc", H2C, b"", 400, "api-version",
     ["unversioned"]),
    ("container-update", "POST", "/v1.41/containers/{cid}/update", JSON,
     b'{"Memory":0,"PidsLimit":-1}', 403, "default-deny",
     ["POST /containers/{id}/update"]),
    ("volume-create", "POST", "/v1.41/volumes/create", JSON,
     json.dumps({"Name": "{tag}", "DriverOpts": {
         "type": "none", "o": "bind", "device": "/"}}).encode(), 403,
     "default-deny", ["POST /volumes/create"]),
    ("auth", "POST", "/v1.41/auth", JSON,
     b'{"serveraddress":"127.0.0.1:1"}', 403, "default-deny",
     ["POST /auth"]),
]


@pytest.fixture
def created(engine, image):
    """A created, never started, container (made on the engine)."""
    name = unique("dgp-created")
    cid = engine.docker("create", "--name", name, "--network", "none", image,
                        "true").out.strip()
    yield cid
    engine.docker("rm", "-f", cid, check=False)


def image_exists(eng, ref):
    import docker
    try:
        eng.inspect_image(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


@pytest.mark.parametrize("method,target,headers,body,status,rule,words",
                         [c[1:] for c in REQUEST_REFUSED],
                         ids=[c[0] for c in REQUEST_REFUSED])
def test_request_refused_raw(gate, eng, names, created, method, target,
                             headers, body, status, rule, words):
    n, tag = names(), unique("dgp-img")
    fill = {"name": n, "tag": tag, "cid": created}
    target = target.format(**fill)
    body = body.replace(b"{tag}", tag.encode())
    try:
        with gate.conn() as c:
            r = c.request(method, target, headers, body)
            while r.status == 100:          # Expect: 100-continue
                r = c.read_response(method)
        check_refusal(r, status, None if rule is NOSUFFIX else rule, words)
    finally:
        for ref in (tag, tag + "-form:b"):
            if image_exists(eng, ref):
                eng.remove_image(ref, force=True)
    if rule is NOSUFFIX:
        # Refused while reading the target: no policy was asked.
        assert "(policy " not in r.json()["message"]
    assert not engine_has(eng, n), "the engine created %s" % n
    assert not image_exists(eng, tag), "the engine made image %s" % tag
    assert not image_exists(eng, tag + "-form:b")
    st = eng.inspect_container(created)
    assert st["State"]["Status"] == "created", st["State"]
    assert not st["HostConfig"]["Binds"] and not st["HostConfig"]["Privileged"]
    assert st["HostConfig"]["PidsLimit"] in (None, 0)
    assert not eng.volumes(filters={"name": tag})["Volumes"]


# A %00 in a query value: dindgate reads the decoded value as a C string
# (so "" here) while Go keeps every byte.
@pytest.mark.parametrize("method,target,headers,body", [
    ("POST", "/v1.41/build?t={tag}&extrahosts=%00dg:127.0.0.1", TAR, CTX),
    ("DELETE", "/v1.41/containers/{cid}?link=%00", [], b""),
], ids=["build-extrahosts", "delete-link"])
def test_query_nul_refused(gate, eng, created, method, target, headers,
                           body):
    tag = unique("dgp-img")
    target = target.format(tag=tag, cid=created)
    try:
        r = gate.http(method, target, headers, body)
        assert r.status in (400, 403), "got %d %r" % (r.status, r.body[:600])
        check_refusal(r, r.status)
    finally:
        if image_exists(eng, tag):
            eng.remove_image(tag, force=True)
    assert eng.inspect_container(created)["State"]["Status"] == "created"


def test_swarm_and_plugins_untouched(gate, engine, eng):
    """After the refused swarm/plugin requests above (any order): no swarm
    and no plugin on the engine. Also via the CLI."""
    r = gate.docker("swarm", "init", "--advertise-addr", "dg-no-such-if0",
                    "--listen-addr", "127.0.0.1:0", check=False)
    assert r.returncode != 0
    assert "dindgate: POST /swarm/init is not allowed (policy sandbox, rule " \
        "default-deny)" in r.err, r.err
    r = gate.docker("plugin", "install", "--grant-all-permissions",
                    "127.0.0.1:1/dg/noplugin", check=False, timeout=30)
    assert r.returncode != 0
    assert "dindgate: " in r.err and "(policy sandbox, rule default-deny)" \
        in r.err, r.err
    assert eng.info()["Swarm"]["LocalNodeState"] == "inactive"
    assert eng.plugins() == []


def test_build_control_allowed(gate, eng):
    # The build route and these parameters are allowed: the refusals above
    # are the parameters' doing.
    tag = unique("dgp-build")
    r = gate.http("POST", "/v1.41/build?t=%s&networkmode=none&rm=1" % tag,
                  TAR, CTX, timeout=120)
    try:
        assert r.status == 200, r
        assert b'"errorDetail"' not in r.body, r.body
        assert image_exists(eng, tag)
    finally:
        if image_exists(eng, tag):
            eng.remove_image(tag)


# --------------------------------------------------------------------------
# 1e. body framing and size

def _padded(n):
    """A benign create body of exactly n bytes."""
    base = {"Image": IMAGE, "Cmd": ["true"], "Env": ["PAD="]}
    short = len(json.dumps(base))
    base["Env"] = ["PAD=" + "x" * (n - short)]
    b = json.dumps(base).encode()
    assert len(b) == n
    return b


@pytest.mark.gate(overrides={"limits": {"max_body_bytes": 1024}})
def test_body_over_limit_413(gate, eng, names):
    small, big = names(), names()
    # Just under the limit: created, so the limit is what refuses below.
    r = create(gate, small, _padded(1000))
    assert r.status == 201, r
    assert engine_has(eng, small)
    for framing in ("content-length", "chunked"):
        n = names()
        body = _padded(2000)
        with gate.conn() as c:
            if framing == "chunked":
                r = c.request("POST", "%s/containers/create?name=%s" % (V, n),
                              JSON + [("Transfer-Encoding", "chunked")],
                              chunked(body, 300))
            else:
                r = c.request("POST", "%s/containers/create?name=%s" % (V, n),
                              JSON, body)
            msg = check_refusal(r, 413, None, ["1024 bytes"])
            assert "larger than" in msg, msg
            # The refused upload was drained: the connection goes on.
            assert c.request("GET", V + "/_ping").status == 200
        assert not engine_has(eng, n), framing
    assert not engine_has(eng, big)


def _send_raw(gate, data):
    c = gate.conn()
    c.send(data)
    return c


def test_cl0_plus_chunked_privileged_refused(gate, eng, names):
    # CVE-2024-41110's shape: the engine would decode the chunked body.
    n = names()
    body = json.dumps(hc(Privileged=True)).encode()
    head = ("POST %s/containers/create?name=%s HTTP/1.1\r\nHost: dindgate\r\n"
            "Content-Type: application/json\r\nContent-Length: 0\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" % (V, n)).encode()
    with _send_raw(gate, head + chunked(body)) as c:
        r = c.read_response("POST")
        check_refusal(r, 400)
        assert c.at_eof(), "connection still open after a smuggling shape"
    assert not engine_has(eng, n)


def test_cl0_then_pipelined_privileged_refused(gate, eng, names):
    # Content-Length: 0 and the privileged body right behind it: the bytes
    # are the next request, and decided as one.
    a, b = names(), names()
    first = build_request("POST", "%s/containers/create?name=%s" % (V, a),
                          JSON + [("Content-Length", "0")])
    second = build_request("POST", "%s/containers/create?name=%s" % (V, b),
                           JSON, json.dumps(hc(Privileged=True)))
    with _send_raw(gate, first + second) as c:
        r1 = c.read_response("POST")
        r2 = c.read_response("POST")
    # The first is an empty create ({}), which the engine refuses itself.
    assert r1.status >= 400, r1
    check_refusal(r2, 403, HCR + "Privileged")
    assert not engine_has(eng, a) and not engine_has(eng, b)


def test_refusal_keeps_the_connection(gate, eng, names):
    # Framing was fine, so after a 403 the same connection goes on.
    bad, good = names(), names()
    with gate.conn() as c:
        r = c.request("POST", "%s/containers/create?name=%s" % (V, bad), JSON,
                      json.dumps(hc(Binds=["/:/h"])))
        check_refusal(r, 403, HCR + "Binds")
        assert c.request("GET", V + "/_ping").status == 200
        r = c.request("POST", "%s/containers/create?name=%s" % (V, good), JSON,
                      BENIGN)
        assert r.status == 201, r
    assert not engine_has(eng, bad) and engine_has(eng, good)


# --------------------------------------------------------------------------
# 1f. volumes: refused by route in the sandbox, by body where allowed

def test_volume_create_body_checked(gate_factory, eng, tmp_path):
    import docker
    pol = sandbox_variant(tmp_path / "volumes.json",
                          add_routes=["POST /volumes/create"])
    g = gate_factory(policy=[str(pol)])
    good, bad = unique("dgp-vol"), unique("dgp-vol")
    try:
        cases = [
            ({"Name": bad, "Driver": "local", "DriverOpts": {
                "type": "none", "o": "bind", "device": "/"}},
             "volumes.DriverOpts"),
            ({"Name": bad, "DriverOpts": {"type": "tmpfs", "device": "tmpfs",
                                          "o": "size=1m"}},
             "volumes.DriverOpts"),
            ({"Name": bad, "driveropts": {"device": "/etc"}},
             "volumes.DriverOpts"),
            ({"Name": bad, "Driver": "dgplugin"}, "volumes.Driver"),
            ({"Name": bad, "ClusterVolumeSpec": {"Group": "x"}},
             "volumes.ClusterVolumeSpec"),
            ({"Name": bad, "Frobnicate": 1}, "unknown-field"),
        ]
        with g.conn() as c:
            for body, rule in cases:
                r = c.request("POST", V + "/volumes/create", JSON,
                              json.dumps(body))
                check_refusal(r, 403, rule)
            r = c.request("POST", V + "/volumes/create", JSON,
                          json.dumps({"Name": good, "Labels": {"dg": "1"}}))
            assert r.status == 201, r
        assert eng.inspect_volume(good)["Options"] in (None, {})
        with pytest.raises(docker.errors.NotFound):
            eng.inspect_volume(bad)
    finally:
        for v in (good, bad):
            try:
                eng.remove_volume(v, force=True)
            except docker.errors.NotFound:
                pass


# --------------------------------------------------------------------------
# 1g. container update and network create, where a policy allows them

# Every network body ends in a macvlan on an interface that does not
# exist: if one got through, the engine fails it without touching the
# host's interfaces (a bridge network would create one).
SAFETY_NET = {"Driver": "macvlan", "Options": {"parent": "dg-no-such-if0"}}


def _net(**first):
    body = dict(first)
    body.update({k: v for k, v in SAFETY_NET.items() if k not in body})
    return body


NETWORK_REFUSED = [
    (_net(Name="{n}"), "networks.Driver", ['"macvlan"']),
    (_net(Name="{n}", Driver="ipvlan"), "networks.Driver", ['"ipvlan"']),
    (_net(Name="{n}", Driver="host"), "networks.Driver", ['"host"']),
    (_net(Name="{n}", Options={"com.docker.network.bridge.name": "docker0"}),
     "networks.Options", ["Options"]),
    (_net(Name="{n}", Attachable=True), "networks.Attachable",
     ["Attachable"]),
    (_net(Name="{n}", Ingress=True), "networks.Ingress", ["Ingress"]),
    (_net(Name="{n}", ConfigOnly=True), "networks.ConfigOnly",
     ["ConfigOnly"]),
    (_net(Name="{n}", Scope="swarm"), "networks.Scope", ["Scope"]),
    (_net(Name="{n}", ConfigFrom={"Network": "dg-other"}),
     "networks.ConfigFrom", ["ConfigFrom"]),
    (_net(Name="{n}", IPAM={"Driver": "dgipam"}), "networks.IPAM.Driver",
     ['"dgipam"']),
    (_net(Name="{n}", IPAM={"Config": [{"Subnet": "127.0.0.0/8"}]}),
     "networks.IPAM.Config.Subnet", ["Subnet"]),
    (_net(Name="{n}", Frobnicate=1), "unknown-field", ["Frobnicate"]),
]


def test_update_and_network_create_checked(gate_factory, eng, created,
                                           tmp_path):
    pol = sandbox_variant(tmp_path / "update-net.json", add_routes=[
        "POST /containers/{id}/update", "POST /networks/create"])
    g = gate_factory(policy=[str(pol)])
    net = unique("dgp-net")
    with g.conn() as c:
        for body, rule in [
                ({"Privileged": True}, "unknown-field"),
                ({"CgroupParent": "/"}, "containers.CgroupParent"),
                ({"Devices": [{"PathOnHost": "/dev/sda"}]},
                 "containers.Devices"),
                ({"OomKillDisable": True}, "containers.OomKillDisable"),
                ({"CpuRealtimeRuntime": 1}, "containers.CpuRealtimeRuntime"),
                ({"memory": 1 << 20, "MEMORY": 2 << 20}, "malformed")]:
            r = c.request("POST", "%s/containers/%s/update" % (V, created),
                          JSON, json.dumps(body))
            check_refusal(r, 400 if rule == "malformed" else 403, rule)
        # Allowed, with the policy's caps forced on what the engine gets.
        r = c.request("POST", "%s/containers/%s/update" % (V, created), JSON,
                      json.dumps({"Memory": 4 << 30, "MemorySwap": -1,
                                  "PidsLimit": -1}))
        assert r.status == 200, r
        h = eng.inspect_container(created)["HostConfig"]
        assert (h["Memory"], h["MemorySwap"], h["PidsLimit"]) == \
            (1 << 30, 1 << 30, 512), h
        for body, rule, words in NETWORK_REFUSED:
            body = json.loads(json.dumps(body).replace("{n}", net))
            r = c.request("POST", V + "/networks/create", JSON,
                          json.dumps(body))
            check_refusal(r, 403, rule, words)
    assert not eng.networks(names=[net])


# --------------------------------------------------------------------------
# 2. log-only

def test_log_only_rule_lets_cap_add_through(gate_factory, eng, names,
                                            tmp_path):
    pol = sandbox_variant(tmp_path / "logonly-rule.json", top={
        "log_only_rules": ["containers.HostConfig.CapAdd"]})
    g = gate_factory(policy=[str(pol)])
    start = g.log_size()
    n = names()
    r = g.docker("create", "--name", n, "--cap-add", "NET_ADMIN", IMAGE,
                 "true", check=False)
    assert r.returncode == 0, r.err
    i = eng.inspect_container(n)
    # (CLI 28 sends it as CAP_NET_ADMIN.)
    assert [c.upper().replace("CAP_", "") for c in
            i["HostConfig"]["CapAdd"]] == ["NET_ADMIN"], i["HostConfig"]
    # The forced defaults still apply to what went through.
    assert i["HostConfig"]["PidsLimit"] == 512
    assert i["HostConfig"]["NetworkMode"] == "none"
    log = gate_log_wait(g, r"log-only", start)
    assert re.search(r"log-only: would refuse: adding capability NET_ADMIN "
                     r"is not allowed \(policy sandbox, rule "
                     r"containers\.HostConfig\.CapAdd\)", log), log
    # Only that rule is log-only: a sysctl is still refused...
    other = names()
    r = g.docker("create", "--name", other, "--sysctl",
                 "net.ipv4.ip_forward=1", IMAGE, "true", check=False)
    assert r.returncode != 0
    assert "(policy sandbox, rule %sSysctls)" % HCR in r.err, r.err
    assert not engine_has(eng, other)
    # ...and so is a malformed body.
    r = create(g, other, hc(**{"Cap" + K + "dd": ["NET_ADMIN"]}))
    check_refusal(r, 400, "malformed")
    assert not engine_has(eng, other)


def test_log_only_policy_lets_sysctl_through(gate_factory, eng, names,
                                            tmp_path):
    pol = sandbox_variant(tmp_path / "logonly-all.json",
                          top={"log_only": True})
    g = gate_factory(policy=[str(pol)])
    start = g.log_size()
    n = names()
    # A namespaced sysctl in a container with no network: harmless.
    r = create(g, n, hc(Sysctls={"net.ipv4.ip_forward": "1"}))
    assert r.status == 201, r
    i = eng.inspect_container(n)
    assert i["HostConfig"]["Sysctls"] == {"net.ipv4.ip_forward": "1"}
    assert i["HostConfig"]["PidsLimit"] == 512
    log = gate_log_wait(g, r"log-only", start)
    assert re.search(r'log-only: would refuse: sysctl "net\.ipv4\.ip_forward" '
                     r"is not allowed \(policy sandbox, rule "
                     r"containers\.HostConfig\.Sysctls\)", log), log
    # Malformed input is never "log-only".
    bad = names()
    r = create(g, bad, _raw('{"Image":"IMG","HostConfig":{},"HostConfig":{}}'))
    check_refusal(r, 400, "malformed")
    r = create(g, bad, _raw('{"Image":"IMG"} {"HostConfig":{}}'))
    check_refusal(r, 400, "malformed")
    assert not engine_has(eng, bad)


# --------------------------------------------------------------------------
# 3. benign options: let through, and in effect on the engine

MiB = 1 << 20


def test_benign_options_cli(gate, eng, names):
    import docker
    n, vol = names(), unique("dgp-data")
    try:
        gate.docker("create", "--name", n, "-v", vol + ":/data",
                    "--tmpfs", "/t", "--memory", "64m", "--cap-drop", "ALL",
                    "--security-opt", "no-new-privileges", "--label", "a=b",
                    "-e", "X=1", "-u", "1000", "--read-only", IMAGE,
                    "sh", "-c", "echo $X; id -u; ls /sys/class/net; "
                    "grep NoNewPrivs /proc/self/status; touch /t/ok; "
                    "touch /data/ok && echo data-rw; touch /ro 2>/dev/null "
                    "|| echo rootfs-ro")
        i = eng.inspect_container(n)
        h = i["HostConfig"]
        assert [(m["Type"], m["Name"], m["Destination"]) for m in i["Mounts"]
                ] == [("volume", vol, "/data")]
        assert h["Tmpfs"] == {"/t": ""}
        assert h["Memory"] == 64 * MiB
        assert h["CapDrop"] in (["ALL"], ["CAP_ALL"]), h["CapDrop"]
        assert h["SecurityOpt"] == ["no-new-privileges"]
        assert i["Config"]["Labels"]["a"] == "b"
        assert "X=1" in i["Config"]["Env"]
        assert i["Config"]["User"] == "1000"
        assert h["ReadonlyRootfs"] is True
        assert h["PidsLimit"] == 512             # forced
        assert h["NetworkMode"] == "none"        # forced
        # And the engine runs it that way. The volume is root's: uid 1000
        # cannot write it, which shows -u took effect as well.
        r = gate.docker("start", "-a", n)
        lines = r.out.split()
        assert lines[:4] == ["1", "1000", "lo", "NoNewPrivs:"], r.out
        assert "rootfs-ro" in lines and "data-rw" not in lines, r.out
    finally:
        try:
            eng.remove_container(n, force=True)
        except docker.errors.NotFound:
            pass
        eng.remove_volume(vol, force=True)


def test_benign_options_docker_py(pyclient, eng, names):
    import docker
    n, vol = names(), unique("dgp-data")
    try:
        c = pyclient.containers.create(
            IMAGE, ["true"], name=n, volumes={vol: {"bind": "/data"}},
            tmpfs={"/t": "size=1m"}, mem_limit="64m", cap_drop=["ALL"],
            security_opt=["no-new-privileges"], labels={"a": "b"},
            environment={"X": "1"}, user="1000", read_only=True,
            auto_remove=True, pids_limit=100)
        h = eng.inspect_container(c.id)["HostConfig"]
        assert h["Binds"] == [vol + ":/data:rw"]
        assert h["Tmpfs"] == {"/t": "size=1m"}
        assert h["Memory"] == 64 * MiB
        assert h["CapDrop"] == ["ALL"]
        assert h["SecurityOpt"] == ["no-new-privileges"]
        assert h["ReadonlyRootfs"] is True and h["AutoRemove"] is True
        assert h["PidsLimit"] == 100             # under the cap: kept
        assert h["NetworkMode"] == "none"
    finally:
        try:
            eng.remove_container(n, force=True)
        except docker.errors.NotFound:
            pass
        eng.remove_volume(vol, force=True)


@pytest.mark.parametrize("flags,want", [
    ([], {"Memory": 1 << 30, "PidsLimit": 512,
          "SecurityOpt": ["no-new-privileges"], "NetworkMode": "none"}),
    (["--memory", "2g", "--memory-swap", "-1"],
     {"Memory": 1 << 30, "MemorySwap": 1 << 30}),
    (["--memory", "64m", "--pids-limit", "100000"],
     {"Memory": 64 * MiB, "PidsLimit": 512}),
    (["--pids-limit", "-1"], {"PidsLimit": 512}),
    (["--network", "none"], {"NetworkMode": "none"}),
    (["--network", "default"], {"NetworkMode": "none"}),
    (["--security-opt", "no-new-privileges:true"],
     {"SecurityOpt": ["no-new-privileges:true"]}),
], ids=["forced", "memory-capped", "pids-capped", "pids-unlimited",
        "network-none", "network-default", "nnp-colon"])
def test_forced_defaults(gate, eng, names, flags, want):
    n = names()
    gate.docker("create", "--name", n, *flags, IMAGE, "true")
    h = eng.inspect_container(n)["HostConfig"]
    assert {k: h[k] for k in want} == want


# Flags a worker's scripts use, grouped: `docker create` must succeed.
BENIGN_CLI = {
    "mounts": ["--mount", "type=volume,src={vol},dst=/data,volume-nocopy,"
               "volume-label=a=b", "--mount", "type=volume,dst=/anon",
               "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777",
               "--mount", "type=volume,src={vol},dst=/ro,readonly"],
    "volumes": ["-v", "{vol}:/data:nocopy", "-v", "/anon", "--volume-driver",
                "local", "--tmpfs", "/run:rw,size=1m,mode=1777",
                "--read-only"],
    "process": ["--init", "--restart", "on-failure:3", "--stop-signal",
                "SIGINT", "--stop-timeout", "3", "--health-cmd", "true",
                "--health-interval", "5s", "-t", "-i", "--entrypoint", "sh",
                "-w", "/tmp", "-u", "nobody:nogroup", "--group-add", "0",
                "--label-file", "/dev/null", "--expose", "80"],
    "names": ["--dns", "127.0.0.1", "--dns-search", "x", "--dns-option",
              "ndots:1", "--add-host", "x:127.0.0.1", "--hostname", "h",
              "--domainname", "d", "--network", "none"],
    "resources": ["--shm-size", "64m", "--cpus", "0.5", "--cpu-shares",
                  "512", "--cpuset-cpus", "0", "--memory-reservation", "32m",
                  "--memory", "64m", "--memory-swap", "128m",
                  "--memory-swappiness", "0", "--blkio-weight", "500",
                  "--pids-limit", "100", "--oom-score-adj", "500"],
    "cpu-quota": ["--cpu-period", "100000", "--cpu-quota", "50000"],
    "logs-json": ["--log-driver", "json-file", "--log-opt", "max-size=1m",
                  "--log-opt", "max-file=2"],
    "logs-local": ["--log-driver", "local", "--log-opt", "max-size=1m",
                   "--log-opt", "compress=true"],
    "logs-none": ["--log-driver", "none"],
    "isolation": ["--ipc", "shareable", "--cgroupns", "private",
                  "--cap-drop", "NET_RAW", "--privileged=false",
                  "--security-opt", "no-new-privileges=true", "--runtime",
                  "runc", "--isolation", "default", "--pull", "never"],
    "ipc-private": ["--ipc", "private"],
    "ipc-none": ["--ipc", "none"],
}


@pytest.mark.parametrize("group", sorted(BENIGN_CLI))
def test_benign_cli_flags_accepted(gate, eng, names, group):
    import docker
    n, vol = names(), unique("dgp-data")
    flags = [f.replace("{vol}", vol) for f in BENIGN_CLI[group]]
    try:
        r = gate.docker("create", "--name", n, *flags, IMAGE, "true",
                        check=False)
        assert r.returncode == 0, r.err
        assert engine_has(eng, n)
    finally:
        try:
            eng.remove_container(n, force=True, v=True)
        except docker.errors.NotFound:
            pass
        try:
            eng.remove_volume(vol, force=True)
        except docker.errors.NotFound:
            pass


def test_plain_run_has_no_network(gate, engine, names):
    n = names()
    r = gate.docker("run", "--name", n, IMAGE, "ls", "/sys/class/net")
    assert r.out.split() == ["lo"]
    assert engine.docker("inspect", "-f", "{{.HostConfig.NetworkMode}}",
                         n).out.strip() == "none"


def test_run_rm_is_removed(gate, eng, names):
    n = names()
    r = gate.docker("run", "--rm", "--name", n, IMAGE, "echo", "gone")
    assert r.out == "gone\n"
    wait_for(lambda: not engine_has(eng, n), 10, "--rm to remove " + n)


@pytest.mark.parametrize("body", [
    hc(Frobnicate=0), hc(Frobnicate=None), hc(Frobnicate=""),
    hc(Frobnicate=[]), hc(Frobnicate={}),
    dict(hc(), Frobnicate=False),
    hc(MaskedPaths=None, ReadonlyPaths=None, Privileged=False, CapAdd=None,
       Binds=[], Devices=[], DeviceCgroupRules=None, PidsLimit=0,
       MemorySwappiness=-1, ConsoleSize=[0, 0], OomScoreAdj=0),
], ids=["zero", "null", "empty-string", "empty-list", "empty-object",
        "top-false", "cli-zero-values"])
def test_empty_unknown_and_zero_fields_accepted(gate, eng, names, body):
    n = names()
    r = create(gate, n, body)
    assert r.status == 201, r
    assert engine_has(eng, n)


@pytest.mark.parametrize("ctype", ["application/json",
                                   "Application/JSON; charset=utf-8",
                                   "application/json;charset=UTF-8"])
def test_json_content_type_spellings_accepted(gate, eng, names, ctype):
    n = names()
    r = create(gate, n, BENIGN, headers=[("Content-Type", ctype)])
    assert r.status == 201, r
    assert engine_has(eng, n)


def test_api_1_40_gets_private_cgroupns(gate, eng, names):
    # Before 1.41 an empty CgroupnsMode is the host's on cgroup v1.
    n = names()
    r = create(gate, n, BENIGN, version="/v1.40")
    assert r.status == 201, r
    assert eng.inspect_container(n)["HostConfig"]["CgroupnsMode"] == "private"


def test_named_volume_bind_and_anonymous_volume(gate, eng, names):
    import docker
    n, vol = names(), unique("dgp-data")
    try:
        # (z relabels the volume's own files: fine on a named volume.)
        r = create(gate, n, dict(hc(Binds=[vol + ":/data:ro,z", "/anon"],
                                    Mounts=[{"Type": "tmpfs", "Target": "/t",
                                             "TmpfsOptions": {
                                                 "SizeBytes": MiB}}]),
                                 Volumes={"/anon2": {}}))
        assert r.status == 201, r
        i = eng.inspect_container(n)
        dests = sorted((m["Type"], m["Destination"]) for m in i["Mounts"])
        assert dests == [("tmpfs", "/t"), ("volume", "/anon"),
                         ("volume", "/anon2"), ("volume", "/data")], dests
    finally:
        try:
            eng.remove_container(n, force=True, v=True)
        except docker.errors.NotFound:
            pass
        eng.remove_volume(vol, force=True)


# --------------------------------------------------------------------------
# 4. dindgate -t and reload

BROKEN = REPO / "tests" / "data" / "bad-policy" / "every-error.json"


def run_check(g):
    """dindgate -t -c CONF (through DINDGATE_WRAPPER, as the gate runs)."""
    cmd = g.command()
    i = cmd.index("-c")
    cmd = cmd[:i] + ["-t"] + cmd[i:i + 2]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          cwd=str(g.dir), timeout=60)


def test_check_good_config(gate_factory):
    g = gate_factory(start=False)
    r = run_check(g)
    assert (r.returncode, r.stdout, r.stderr) == \
        (0, b"configuration OK\n", b""), r


def test_check_broken_policy_golden(gate_factory):
    g = gate_factory(policy=[str(BROKEN)], start=False)
    r = run_check(g)
    assert r.returncode != 0
    assert r.stdout == b""
    # The golden file names the policy relative to the repository.
    got = r.stderr.decode().replace(str(REPO) + "/", "")
    want = BROKEN.with_suffix(".err").read_text()
    assert got == want
    for line in got.splitlines():
        assert re.match(r"tests/data/bad-policy/every-error\.json:\d+:\d+: "
                        r"error: ", line), line


def test_broken_policy_does_not_start(gate_factory):
    g = gate_factory(policy=[str(BROKEN)], start=False)
    p = subprocess.run(g.command(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, cwd=str(g.dir), timeout=60)
    assert p.returncode != 0
    assert b'unknown route "GET /_pnig"; did you mean "GET /_ping"?' \
        in p.stdout, p.stdout


def test_reload_broken_then_changed_policy(gate_factory, tmp_path):
    pol = sandbox_variant(tmp_path / "policy.json")
    g = gate_factory(policy=[str(pol)])
    assert g.http("GET", V + "/info").status == 200
    # A broken policy: the reload fails, says why, and the old one stays.
    start = g.log_size()
    pol.write_text(BROKEN.read_text())
    g.reload()
    log = gate_log_wait(g, r"reload failed", start)
    assert re.search(r'%s:8:5: error: unknown route "GET /_pnig"'
                     % re.escape(str(pol)), log), log
    r = g.http("GET", V + "/info")
    assert r.status == 200, r
    r = g.http("POST", V + "/swarm/init", JSON, b'{"ListenAddr":"127.0.0.1:0",'
               b'"AdvertiseAddr":"dg-no-such-if0"}')
    check_refusal(r, 403, "default-deny")
    # A valid, changed policy: new connections get the new decisions.
    start = g.log_size()
    sandbox_variant(pol, drop_routes=["GET /info"])
    g.reload()
    gate_log_wait(g, r"reloaded configuration", start)
    r = g.http("GET", V + "/info")
    check_refusal(r, 403, "default-deny", ["GET /info"])
    assert g.http("GET", V + "/version").status == 200
    r = g.docker("info", check=False)
    assert r.returncode != 0
    assert "dindgate: GET /info is not allowed (policy sandbox, rule " \
        "default-deny)" in r.err, r.err
    assert g.running()


# --------------------------------------------------------------------------
# 5. dindgate explain: no config, no engine

def test_explain_allowed_create(tmp_path):
    body = tmp_path / "create.json"
    body.write_text(json.dumps({"Image": "busybox", "Cmd": ["true"],
                                "HostConfig": {"Memory": 4 << 30}}))
    r = run_explain("-p", str(SANDBOX), "-m", "POST", "-b", str(body),
                    "/v1.41/containers/create?name=x")
    assert r.returncode == 0, r
    f = explain_fields(r.stdout)
    assert f["decision"] == "allow", r.stdout
    assert f["policy"] == "sandbox"
    assert re.match(r"sandbox\.json:\d+ POST /containers/create$",
                    f["rule"]), f
    assert "Memory=1073741824 (capped)" in f["changes"], f
    assert "PidsLimit=512" in f["changes"] and \
        "NetworkMode=none" in f["changes"], f
    fwd = json.loads(f["forwarded body"])
    assert fwd["HostConfig"]["Memory"] == 1 << 30
    assert fwd["HostConfig"]["PidsLimit"] == 512
    assert fwd["HostConfig"]["NetworkMode"] == "none"
    assert fwd["HostConfig"]["SecurityOpt"] == ["no-new-privileges"]
    assert fwd["Image"] == "busybox" and fwd["Cmd"] == ["true"]


def test_explain_privileged_create(tmp_path):
    body = tmp_path / "create.json"
    body.write_text('{"Image":"busybox","HostConfig":{"privileged":true}}')
    r = run_explain("-p", str(SANDBOX), "-m", "POST", "-b", str(body),
                    "/v1.41/containers/create")
    assert r.returncode == 1, r
    f = explain_fields(r.stdout)
    assert f["decision"] == "deny", r.stdout
    assert f["status"] == "403"
    assert f["rule"] == "containers.HostConfig.Privileged"
    assert f["reason"] == ("HostConfig.Privileged is never allowed (policy "
                           "sandbox, rule containers.HostConfig.Privileged)")
    assert "forwarded body" not in f


@pytest.mark.parametrize("query", ["t=x&dockerfile=Dockerfile",
                                   "t=x&networkmode=default&q=1",
                                   "t=x&network%6dode=&q=1"])
def test_explain_build_gets_the_policy_network(query):
    """A build without a network mode would run its RUN steps on the
    engine's default bridge: the query is rewritten to the policy's."""
    r = run_explain("-p", str(SANDBOX), "-m", "POST", "/v1.41/build?" + query)
    assert r.returncode == 0, r
    f = explain_fields(r.stdout)
    assert f["decision"] == "allow", r.stdout
    fwd = f["forwarded query"].split("&")
    assert fwd[-1] == "networkmode=none", fwd
    assert [p for p in fwd if "network" in p.lower() or "%6d" in p] == \
        ["networkmode=none"], fwd
    assert "networkmode=none (default)" in f["changes"]


def test_explain_build_keeps_an_allowed_network():
    r = run_explain("-p", str(SANDBOX), "-m", "POST",
                    "/v1.41/build?networkmode=none&t=x")
    f = explain_fields(r.stdout)
    assert f["decision"] == "allow" and "forwarded query" not in f, r.stdout


@pytest.mark.parametrize("args,rc,decision,rule", [
    (["-m", "GET", "/v1.41/info"], 0, "allow", None),
    (["-m", "POST", "/v1.41/swarm/init"], 1, "deny", "default-deny"),
    (["-m", "POST", "/v1.23/containers/x/start"], 1, "deny", "api-version"),
    (["-m", "POST", "/v1.41/build?networkmode=host"], 1, "deny",
     "build.networkmode"),
    (["-m", "GET", "/v1.41//info"], 1, "deny", "malformed"),
], ids=["info", "swarm", "old-api", "build-host", "double-slash"])
def test_explain_routes(args, rc, decision, rule):
    r = run_explain("-p", str(SANDBOX), *args)
    assert r.returncode == rc, r
    f = explain_fields(r.stdout)
    assert f["decision"] == decision, r.stdout
    if rule:
        assert f["rule"] == rule, r.stdout


def test_explain_identity_and_broken_policy(tmp_path):
    a = sandbox_variant(tmp_path / "a.json", name="worker-a",
                        clients={"cn": ["worker"]})
    b = sandbox_variant(tmp_path / "b.json", name="worker-b",
                        clients={"cn": ["worker2"]}, drop_routes=["GET /info"])
    base = ["-p", str(a), "-p", str(b), "-m", "GET"]
    r = run_explain(*base, "--cn", "worker", "/v1.41/info")
    assert r.returncode == 0 and explain_fields(r.stdout)["policy"] == \
        "worker-a", r
    r = run_explain(*base, "--cn", "worker2", "/v1.41/info")
    f = explain_fields(r.stdout)
    assert r.returncode == 1 and f["policy"] == "worker-b" and \
        f["rule"] == "default-deny", r
    r = run_explain(*base, "--cn", "stranger", "/v1.41/_ping")
    f = explain_fields(r.stdout)
    assert r.returncode == 1 and f["rule"] == "no-policy", r
    assert "no policy applies" in f["reason"], r
    # A broken policy: exit 2, every error on stderr.
    r = run_explain("-p", str(BROKEN), "/v1.41/_ping")
    assert r.returncode == 2 and r.stdout == b"", r
    assert r.stderr.decode().replace(str(REPO) + "/", "") == \
        BROKEN.with_suffix(".err").read_text()


# --------------------------------------------------------------------------
# 6. which policy applies: the client certificate's identity

def _fingerprint(pki, name):
    pem = (pki / name / "cert.pem").read_text()
    import hashlib
    import ssl
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def test_policy_by_cn(gate_factory, tmp_path):
    a = sandbox_variant(tmp_path / "a.json", name="worker-a",
                        clients={"cn": ["worker"]})
    b = sandbox_variant(tmp_path / "b.json", name="worker-b",
                        clients={"cn": ["worker2"]}, drop_routes=["GET /info"])
    g = gate_factory(policy=[str(a), str(b)])
    assert g.http("GET", V + "/info", certdir="worker").status == 200
    r = g.http("GET", V + "/info", certdir="worker2")
    check_refusal(r, 403, "default-deny", ["GET /info"], policy="worker-b")
    # Both may do what both policies allow.
    assert g.http("GET", V + "/version", certdir="worker2").status == 200
    # (With --format, docker info exits 0 on a server error.)
    r = g.docker("info", certdir="worker2", check=False)
    assert r.returncode != 0
    assert "dindgate: GET /info is not allowed (policy worker-b, rule " \
        "default-deny)" in r.err, r.err
    assert g.docker("info", "--format", "{{.ID}}").out.strip()


def test_policy_by_sha256(gate_factory, pki, tmp_path):
    fp = _fingerprint(pki, "worker2")
    # openssl's spelling (upper case, colons) is accepted too.
    spelled = ":".join(fp[i:i + 2] for i in range(0, 64, 2)).upper()
    only = sandbox_variant(tmp_path / "fp.json", name="by-fingerprint",
                           clients={"sha256": [spelled]})
    g = gate_factory(policy=[str(only)])
    assert g.http("GET", V + "/info", certdir="worker2").status == 200
    r = g.http("GET", V + "/info", certdir="worker")
    msg = check_refusal(r, 403)
    assert msg == "dindgate: no policy applies to client CN=worker", msg


def test_no_policy_applies(gate_factory, eng, names, tmp_path):
    nobody = sandbox_variant(tmp_path / "nobody.json", name="nobody",
                             clients={"cn": ["nobody-has-this-cn"]})
    g = gate_factory(policy=[str(nobody)])
    for target in ("/_ping", V + "/_ping", V + "/info"):
        r = g.http("GET", target)
        msg = check_refusal(r, 403)
        assert "no policy applies to client CN=worker" in msg, msg
    n = names()
    r = create(g, n, BENIGN)
    check_refusal(r, 403, None, ["no policy applies"])
    assert not engine_has(eng, n)
    r = g.docker("version", "--format", "{{.Server.Version}}", check=False)
    assert r.returncode != 0 and "dindgate: no policy applies" in r.err, r.err
