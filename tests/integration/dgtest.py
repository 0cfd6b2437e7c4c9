"""Helpers for the dindgate integration tests: the engine and dindgate
process models, the docker CLI runner, and a small raw HTTP/1.1 client.

conftest.py builds the fixtures from these classes; test modules import the
pure helpers (sha256, demux, Response, ...) directly.
"""

import copy
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# A worker's PATH: no pyenv/cargo shims, /usr/local/bin first (docker CLI 28).
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _find(env, default, name):
    v = os.environ.get(env)
    if v:
        return v
    if default and os.path.exists(default):
        return default
    return shutil.which(name, path=CLEAN_PATH)


DOCKER_CLI = _find("DG_DOCKER_CLI", "/usr/local/bin/docker", "docker")
DOCKERD = _find("DG_DOCKERD", None, "dockerd")

# DG_DIRECT=1: no dindgate; the "gate" is the engine's own TLS port, used
# with the dind-client certificate. Shows that the client flows behave
# exactly as they do against the engine directly. Tests marked gate_only are
# skipped, unless DG_DIRECT=all (then they run, and the ones that check
# dindgate's protections are expected to fail).
DIRECT = os.environ.get("DG_DIRECT", "")

IMAGE = "dgbusybox:latest"


# --------------------------------------------------------------------------
# small utilities

def sha256(data):
    return hashlib.sha256(data).hexdigest()


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1", timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for(pred, timeout, what, interval=0.1, alive=None):
    """Poll pred() until true. alive() returning a string aborts early."""
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return
        if alive is not None:
            why = alive()
            if why:
                raise AssertionError("%s: %s" % (what, why))
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


def tail(path, offset=0, limit=64 * 1024):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    if len(data) > limit:
        data = b"[... %d bytes cut ...]\n" % (len(data) - limit) + data[-limit:]
    return data.decode("utf-8", "replace")


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def deep_merge(base, over):
    """Merge dict over into a copy of base; None in over deletes the key."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def demux(data):
    """Split a Docker multiplexed stream (8-byte frame headers) into
    (stdout, stderr). Raises if the framing is broken."""
    out, err = [], []
    i = 0
    while i < len(data):
        if len(data) - i < 8:
            raise AssertionError("truncated stream frame header at %d" % i)
        kind, size = struct.unpack(">BxxxL", data[i:i + 8])
        i += 8
        if kind not in (0, 1, 2) or len(data) - i < size:
            raise AssertionError("bad stream frame kind=%d size=%d at %d"
                                 % (kind, size, i - 8))
        (err if kind == 2 else out).append(data[i:i + size])
        i += size
    return b"".join(out), b"".join(err)


def signal_wait(proc, sig, timeout):
    """Send sig to proc (by pid), wait; SIGKILL after timeout. Returns
    (returncode, killed)."""
    if proc.poll() is not None:
        return proc.returncode, False
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout), False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        return proc.wait(10), True


# --------------------------------------------------------------------------
# running commands

class Result:
    """A finished command: returncode, stdout/stderr bytes, .out/.err text."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    @property
    def out(self):
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self):
        return self.stderr.decode("utf-8", "replace")

    def __repr__(self):
        return "<Result rc=%s %r>" % (self.returncode, self.args)


def run(args, env, input=None, timeout=60, check=True, cwd=None,
        stdout=subprocess.PIPE):
    if isinstance(input, str):
        input = input.encode()
    try:
        p = subprocess.run(args, env=env, input=input,
                           stdin=None if input is not None
                           else subprocess.DEVNULL,
                           stdout=stdout, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("command timed out after %ss: %s\nstderr: %s"
                             % (timeout, shlex.join(map(str, args)),
                                (e.stderr or b"").decode("utf-8", "replace")))
    r = Result(args, p.returncode, p.stdout or b"", p.stderr or b"")
    if check and r.returncode != 0:
        raise AssertionError("command failed (rc=%d): %s\nstdout: %s\n"
                             "stderr: %s" % (r.returncode,
                                             shlex.join(map(str, args)),
                                             r.out[-4000:], r.err[-4000:]))
    return r


# --------------------------------------------------------------------------
# raw HTTP/1.1 over TLS

class Response:
    def __init__(self, status, reason, headers, body, head):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value), as sent
        self.body = body
        self.head = head                # raw header bytes

    def header(self, name):
        """The only value of header name (None if absent; error if repeated)."""
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(vals) <= 1, "header %s repeated: %r" % (name, vals)
        return vals[0] if vals else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<Response %d %s %r>" % (self.status, self.reason,
                                        self.body[:200])


class HTTPConn:
    """One connection (usually TLS) for hand-written requests. Keeps the
    bytes read past one response for the next one (keep-alive)."""

    def __init__(self, sock, timeout=15):
        self.sock = sock
        self.buf = b""
        self.eof = False
        sock.settimeout(timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError, ConnectionResetError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise AssertionError("EOF after %d of %d body bytes"
                                     % (len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_line(self):
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError("EOF in chunked body")
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_response(self, method="GET"):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError("connection closed before a complete "
                                     "response head; got %r" % self.buf[:500])
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        assert parts[0].startswith("HTTP/1."), "bad status line %r" % lines[0]
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            headers.append((k.strip(), v.strip()))
        hmap = {k.lower(): v for k, v in headers}
        if (method == "HEAD" or 100 <= status < 200 or status in (204, 304)):
            body = b""
        elif "chunked" in hmap.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(self._read_line().split(b";")[0], 16)
                if size == 0:
                    while self._read_line():
                        pass            # trailers
                    break
                chunks.append(self._read_exact(size))
                assert self._read_line() == b""
            body = b"".join(chunks)
        elif "content-length" in hmap:
            body = self._read_exact(int(hmap["content-length"]))
        else:
            while self._fill():
                pass
            body, self.buf = self.buf, b""
        return Response(status, reason, headers, body, head)

    def request(self, method, target, headers=None, body=b"", host="dindgate"):
        self.send(build_request(method, target, headers, body, host))
        return self.read_response(method)

    def at_eof(self, timeout=5):
        """True if the peer closes (or resets) within timeout with no more
        data; raises if it sends bytes instead."""
        self.sock.settimeout(timeout)
        try:
            got = self._fill()
        except socket.timeout:
            return False
        if got:
            raise AssertionError("unexpected bytes instead of EOF: %r"
                                 % self.buf[:300])
        return True


def build_request(method, target, headers=None, body=b"", host="dindgate"):
    """A well-formed request; headers is a list of (name, value) or dict.
    Content-Length is added for a non-empty body unless given."""
    if isinstance(body, str):
        body = body.encode()
    hl = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in hl}
    out = ["%s %s HTTP/1.1" % (method, target)]
    if "host" not in names:
        out.append("Host: %s" % host)
    for k, v in hl:
        out.append("%s: %s" % (k, v))
    if body and "content-length" not in names and \
            "transfer-encoding" not in names:
        out.append("Content-Length: %d" % len(body))
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def chunked(data, size=None):
    size = size or len(data) or 1
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


# --------------------------------------------------------------------------
# the engine

class Engine:
    """A real dockerd on a unix socket and a TLS TCP port, in the safe form:
    no bridge, no iptables, private data and exec roots."""

    def __init__(self, pki, workdir):
        self.pki = Path(pki)
        self.dir = Path(workdir)
        self.sock = str(self.dir / "docker.sock")
        self.port = free_port()
        self.tcp_addr = "tcp://127.0.0.1:%d" % self.port
        self.log_path = self.dir / "dockerd.log"
        self.pidfile = self.dir / "pid"
        self.proc = None
        self.home = self.dir / "home"
        self.home.mkdir(exist_ok=True)
        self.had_gwbridge = os.path.exists(self.GWBRIDGE)
        assert len(self.sock) < 100, "socket path too long: %s" % self.sock

    def command(self):
        d = self.dir
        srv = self.pki / "dind-server"
        return [DOCKERD, "--bridge=none", "--iptables=false",
                "--ip6tables=false",
                "--data-root", str(d / "root"), "--exec-root", str(d / "exec"),
                "-H", "unix://" + self.sock, "-H", "tcp://127.0.0.1:%d" % self.port,
                "--tlsverify", "--tlscacert", str(srv / "ca.pem"),
                "--tlscert", str(srv / "cert.pem"),
                "--tlskey", str(srv / "key.pem"),
                "--pidfile", str(self.pidfile)]

    def env(self, **extra):
        env = {"PATH": CLEAN_PATH, "HOME": str(self.home)}
        env.update(extra)
        return env

    def _why_dead(self):
        if self.proc is not None and self.proc.poll() is not None:
            return "dockerd exited with %s; log:\n%s" % (
                self.proc.returncode, tail(self.log_path, limit=8000))
        return None

    def _ready(self):
        r = run([DOCKER_CLI, "-H", "unix://" + self.sock, "version",
                 "--format", "{{.Server.Version}}"], self.env(),
                timeout=10, check=False)
        return r.returncode == 0 and port_open(self.port)

    def start(self, timeout=60):
        assert DOCKERD, "dockerd not found (set DG_DOCKERD); the " \
            "integration tests need a real engine"
        assert DOCKER_CLI, "docker CLI not found (set DG_DOCKER_CLI)"
        assert self.proc is None or self.proc.poll() is not None
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         cwd=str(self.dir),
                                         start_new_session=True)
        finally:
            log.close()
        wait_for(self._ready, timeout, "dockerd to answer on %s" % self.sock,
                 interval=0.2, alive=self._why_dead)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30):
        """SIGTERM by pid, wait, SIGKILL fallback. Returns the exit code."""
        if self.proc is None:
            return None
        rc, killed = signal_wait(self.proc, signal.SIGTERM, timeout)
        if killed:
            self._kill_leftovers()
        wait_for(lambda: not port_open(self.port), 10,
                 "engine port %d to close" % self.port)
        return rc

    def _kill_leftovers(self):
        # After a SIGKILL, dockerd's containerd (and shims) outlive it. Kill
        # only processes whose command line names our private exec root.
        mark = str(self.dir / "exec")
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            if mark in cmd:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass

    def docker(self, *args, input=None, timeout=60, check=True, env=None):
        """The docker CLI against the engine's own unix socket."""
        return run([DOCKER_CLI, "-H", "unix://" + self.sock] + list(args),
                   self.env(**(env or {})), input=input, timeout=timeout,
                   check=check)

    def container_names(self):
        r = self.docker("ps", "-a", "--format", "{{.Names}}")
        return set(r.out.split())

    def remove_all_containers(self):
        ids = self.docker("ps", "-aq").out.split()
        if ids:
            self.docker("rm", "-f", *ids, check=False, timeout=60)

    def teardown(self):
        try:
            if self.running():
                self.remove_all_containers()
                self._leave_swarm()
        finally:
            self.stop()
            self._umount_all()
            shutil.rmtree(self.dir, ignore_errors=True)

    GWBRIDGE = "/sys/class/net/docker_gwbridge"

    def _leave_swarm(self):
        # Safety net: a swarm init that got through makes the engine create
        # docker_gwbridge in the host's network namespace. Undo it.
        state = self.docker("info", "--format", "{{.Swarm.LocalNodeState}}",
                            check=False).out.strip()
        if state not in ("inactive", ""):
            self.docker("swarm", "leave", "--force", check=False)
        if os.path.exists(self.GWBRIDGE) and not self.had_gwbridge:
            subprocess.run(["ip", "link", "delete", "docker_gwbridge"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)

    def _umount_all(self):
        prefix = str(self.dir) + "/"
        try:
            with open("/proc/self/mountinfo") as f:
                points = [ln.split()[4] for ln in f]
        except OSError:
            return
        for mp in sorted((p for p in points if p.startswith(prefix)),
                         key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)


# --------------------------------------------------------------------------
# dindgate

class Gate:
    """One dindgate process with a generated config, or (direct mode) the
    engine's TLS port standing in for it."""

    start_timeout = float(os.environ.get("DINDGATE_START_TIMEOUT", "20"))

    def __init__(self, pki, engine, workdir, overrides=None, policy=None,
                 direct=False):
        self.pki = Path(pki)
        self.engine = engine
        self.dir = Path(workdir)
        self.direct = direct
        self.proc = None
        self.home = self.dir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_path = self.dir / "dindgate.log"
        self.conf_path = self.dir / "dindgate.conf"
        self.deliberately_stopped = False
        if direct:
            self.port = engine.port
            self.client_dir = "dind-client"
            self.server_ca = self.pki / "dind-client" / "ca.pem"
            self.config = None
            return
        self.port = free_port()
        self.client_dir = "worker"
        self.server_ca = self.pki / "gate-server" / "ca.pem"
        self.config = deep_merge(self.default_config(policy), overrides or {})
        with open(self.conf_path, "w") as f:
            f.write("// dindgate config generated by tests/integration\n")
            json.dump(self.config, f, indent=2)
            f.write("\n")

    def default_config(self, policy=None):
        if policy is None:
            policy = [REPO / "policy" / "sandbox.json"]
        elif isinstance(policy, (str, Path)):
            policy = [policy]
        policy = [str(p if Path(p).is_absolute() else REPO / p) for p in policy]
        pki = self.pki
        return {
            "listen": ["tcp://127.0.0.1:%d" % self.port],
            "tls": {"cert": str(pki / "gate-server" / "cert.pem"),
                    "key": str(pki / "gate-server" / "key.pem"),
                    "client_ca": str(pki / "gate-server" / "ca.pem")},
            "upstream": {"address": self.engine.tcp_addr,
                         "server_name": "localhost",
                         "ca": str(pki / "dind-client" / "ca.pem"),
                         "cert": str(pki / "dind-client" / "cert.pem"),
                         "key": str(pki / "dind-client" / "key.pem")},
            "policy": policy,
            "limits": {"max_connections": 1000},
            "timeouts": {"handshake": 10, "request_head": 30, "idle": 300,
                         "upstream_connect": 10},
        }

    # ---- process control

    @staticmethod
    def binary():
        return os.environ.get("DINDGATE_BIN") or str(REPO / "src" / "dindgate")

    def command(self):
        wrapper = shlex.split(os.environ.get("DINDGATE_WRAPPER", ""))
        extra = shlex.split(os.environ.get("DINDGATE_EXTRA_ARGS", ""))
        return wrapper + [self.binary(), "-c", str(self.conf_path)] + extra

    def _why_dead(self):
        if self.proc is not None and self.proc.poll() is not None:
            return ("dindgate exited with %s before accepting connections "
                    "(if it daemonized, set DINDGATE_EXTRA_ARGS to keep it "
                    "in the foreground); log:\n%s"
                    % (self.proc.returncode, self.log()))
        return None

    def start(self):
        if self.direct:
            return self
        cmd = self.command()
        assert os.access(self.binary(), os.X_OK), \
            "dindgate binary not found: %s (build it, or set DINDGATE_BIN)" \
            % self.binary()
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         cwd=str(self.dir),
                                         start_new_session=True)
        finally:
            log.close()
        self.deliberately_stopped = False
        wait_for(lambda: port_open(self.port), self.start_timeout,
                 "dindgate to listen on 127.0.0.1:%d" % self.port,
                 alive=self._why_dead)
        return self

    def running(self):
        return self.direct or (self.proc is not None and self.proc.poll() is None)

    def _need_process(self, what):
        if self.direct:
            import pytest
            pytest.skip("%s needs dindgate (DG_DIRECT mode)" % what)

    def reload(self):
        """SIGHUP."""
        self._need_process("reload")
        os.kill(self.proc.pid, signal.SIGHUP)

    def signal(self, sig):
        self._need_process("signal")
        os.kill(self.proc.pid, sig)

    def stop(self, expect=0, timeout=20):
        """SIGTERM, wait; asserts the exit code is expect (unless None) and
        returns it."""
        self._need_process("stop")
        self.deliberately_stopped = True
        rc, killed = signal_wait(self.proc, signal.SIGTERM, timeout)
        assert not killed, "dindgate ignored SIGTERM for %ss; log:\n%s" % (
            timeout, self.log())
        if expect is not None:
            assert rc == expect, "dindgate exited with %s, expected %s; " \
                "log:\n%s" % (rc, expect, self.log())
        return rc

    def log(self, offset=0):
        return tail(self.log_path, offset)

    def log_size(self):
        return file_size(self.log_path)

    # ---- clients

    def certdir(self, name):
        """A client cert directory: a name under the PKI or a path. In direct
        mode "worker" means the engine's own client cert."""
        if name == "worker" and self.direct:
            name = self.client_dir
        p = Path(name)
        return p if p.is_absolute() else self.pki / name

    def env(self, certdir="worker"):
        """The clean environment of a real worker."""
        return {"PATH": CLEAN_PATH, "HOME": str(self.home),
                "DOCKER_HOST": "tcp://127.0.0.1:%d" % self.port,
                "DOCKER_TLS_VERIFY": "1",
                "DOCKER_CERT_PATH": str(self.certdir(certdir))}

    def docker(self, *args, input=None, timeout=60, check=True, env=None,
               certdir="worker", stdout=subprocess.PIPE):
        e = self.env(certdir)
        e.update(env or {})
        return run([DOCKER_CLI] + list(args), e, input=input,
                   timeout=timeout, check=check, stdout=stdout)

    def pyclient(self, timeout=60, certdir="worker"):
        import docker
        return docker.from_env(environment=self.env(certdir), timeout=timeout)

    def ssl_context(self, certdir="worker"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(str(self.server_ca))
        if certdir is not None:
            d = self.certdir(certdir)
            ctx.load_cert_chain(str(d / "cert.pem"), str(d / "key.pem"))
        return ctx

    def tls_socket(self, certdir="worker", timeout=15,
                   server_hostname="localhost", ctx=None):
        """A connected, handshaken TLS socket to dindgate with the client
        certificate from certdir (None: no client certificate)."""
        ctx = ctx or self.ssl_context(certdir)
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            return ctx.wrap_socket(raw, server_hostname=server_hostname)
        except BaseException:
            raw.close()
            raise

    def conn(self, certdir="worker", timeout=15):
        return HTTPConn(self.tls_socket(certdir, timeout), timeout)

    def http(self, method, target, headers=None, body=b"", certdir="worker",
             timeout=15):
        """One request on a fresh connection."""
        with self.conn(certdir, timeout) as c:
            return c.request(method, target, headers, body)


def make_tmpdir(prefix, parent=None):
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
