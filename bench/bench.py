#!/usr/bin/python3
"""dindgate benchmark: memory per idle TLS connection, CPU per request.

Runs everything on loopback with a fake engine (nginx answering /_ping
over mutual TLS, as dind would), and compares dindgate with nginx proxying
the same traffic (mutual TLS on both sides, pooled upstream connections).

    bench/run.sh [--conns N] [--requests N]

Targets (from the developers' brief):
  * under 16 KiB of dindgate memory per idle TLS connection (at N conns)
  * less CPU per request than nginx proxying the same traffic
Exit status 0 when both are met.
"""
import argparse
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("DINDGATE_BIN", os.path.join(REPO, "src", "dindgate"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("port %d did not open" % port)


def cpu_seconds(pids):
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def rss_kib(pids):
    total = 0
    for pid in pids:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                         capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def client_ctx(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(pki, "worker", "ca.pem"))
    ctx.load_cert_chain(os.path.join(pki, "worker", "cert.pem"),
                        os.path.join(pki, "worker", "key.pem"))
    ctx.check_hostname = False
    return ctx


REQ = (b"GET /v1.41/_ping HTTP/1.1\r\nHost: dindgate\r\n"
       b"User-Agent: Docker-Client/bench\r\n\r\n")


def read_response(sock, buf):
    """Read one response with Content-Length; returns leftover bytes."""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise RuntimeError("closed")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    clen = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            clen = int(v)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError("unexpected answer: %r" % head[:80])
    while len(rest) < clen:
        rest += sock.recv(65536)
    return rest[clen:]


def load_worker(args):
    port, pki, n = args
    ctx = client_ctx(pki)
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    buf = b""
    depth = 8       # a few requests in flight keeps the proxy busy
    sent = 0
    done = 0
    while done < n:
        while sent < n and sent - done < depth:
            s.sendall(REQ)
            sent += 1
        buf = read_response(s, buf)
        done += 1
    s.close()
    return done


def cpu_per_request(port, pki, pids, total, procs):
    # Warm up: connections, TLS sessions, upstream pool.
    with multiprocessing.Pool(procs) as p:
        p.map(load_worker, [(port, pki, 200)] * procs)
    before = cpu_seconds(pids())
    t0 = time.time()
    with multiprocessing.Pool(procs) as p:
        done = sum(p.map(load_worker, [(port, pki, total // procs)] * procs))
    wall = time.time() - t0
    used = cpu_seconds(pids()) - before
    return used / done * 1e6, done / wall


def idle_memory(port, pki, pid, n):
    ctx = client_ctx(pki)
    socks = []
    time.sleep(0.5)
    base = rss_kib([pid])
    for i in range(n):
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
        s.sendall(REQ)
        read_response(s, b"")
        socks.append(s)
    time.sleep(1.0)
    after = rss_kib([pid])
    for s in socks:
        s.close()
    return (after - base) / n


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {d}/nginx-{name}.pid;
error_log {d}/nginx-{name}.err warn;
worker_rlimit_nofile 65536;
events {{ worker_connections 30000; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  {body}
}}
"""

BACKEND = """
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {pki}/dind-server/cert.pem;
    ssl_certificate_key {pki}/dind-server/key.pem;
    ssl_client_certificate {pki}/dind-server/ca.pem;
    ssl_verify_client on;
    location / {{
      add_header Api-Version 1.41;
      add_header Docker-Experimental false;
      add_header Ostype linux;
      default_type text/plain;
      return 200 "OK";
    }}
  }}
"""

PROXY = """
  upstream engine {{ server 127.0.0.1:{backend}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {pki}/gate-server/cert.pem;
    ssl_certificate_key {pki}/gate-server/key.pem;
    ssl_client_certificate {pki}/gate-server/ca.pem;
    ssl_verify_client on;
    location / {{
      proxy_pass https://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_ssl_certificate {pki}/dind-client/cert.pem;
      proxy_ssl_certificate_key {pki}/dind-client/key.pem;
      proxy_ssl_trusted_certificate {pki}/dind-client/ca.pem;
      proxy_ssl_verify on;
      proxy_ssl_name localhost;
      proxy_ssl_session_reuse on;
      proxy_buffering off;
    }}
  }}
"""


def start_nginx(d, name, body):
    conf = os.path.join(d, "nginx-%s.conf" % name)
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(d=d, name=name, body=body))
    return subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx",
                             "-c", conf, "-p", d],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--requests", type=int, default=40000)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--audit", action="store_true",
                    help="also write the audit log (its cost is included)")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.conns * 2 + 1000
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    d = tempfile.mkdtemp(prefix="dgbench")
    pki = os.path.join(d, "pki")
    subprocess.run(["sh", os.path.join(REPO, "certs", "mkcerts.sh"), pki],
                   check=True, stdout=subprocess.DEVNULL)
    bport, gport, nport = free_port(), free_port(), free_port()
    procs = []
    try:
        backend = start_nginx(d, "backend",
                              BACKEND.format(port=bport, pki=pki))
        procs.append(backend)
        wait_port(bport)
        policy = os.path.join(d, "bench.json")
        with open(policy, "w") as f:
            f.write('{"name": "bench", "clients": {"any": true},'
                    ' "routes": ["GET /_ping"]}')
        conf = os.path.join(d, "gate.conf")
        with open(conf, "w") as f:
            f.write("""{
  "listen": ["tcp://127.0.0.1:%d"],
  "tls": {"cert": "%s/gate-server/cert.pem", "key": "%s/gate-server/key.pem",
          "client_ca": "%s/gate-server/ca.pem"},
  "upstream": {"address": "tcp://127.0.0.1:%d", "server_name": "localhost",
               "ca": "%s/dind-client/ca.pem", "cert": "%s/dind-client/cert.pem",
               "key": "%s/dind-client/key.pem"},
  "policy": ["%s"],
  %s
  "limits": {"max_connections": %d}
}""" % (gport, pki, pki, pki, bport, pki, pki, pki, policy,
                '"audit": {"path": "%s/audit.log"},' % d if a.audit else "",
                a.conns + 100))
        gate = subprocess.Popen([BIN, "-c", conf], stderr=open(
            os.path.join(d, "gate.log"), "w"))
        procs.append(gate)
        wait_port(gport)
        proxy = start_nginx(d, "proxy", PROXY.format(port=nport,
                                                     backend=bport, pki=pki))
        procs.append(proxy)
        wait_port(nport)
        nginx_workers = lambda: children(proxy.pid)

        g_us, g_rps = cpu_per_request(gport, pki, lambda: [gate.pid],
                                      a.requests, a.procs)
        n_us, n_rps = cpu_per_request(nport, pki, nginx_workers,
                                      a.requests, a.procs)
        g_mem = idle_memory(gport, pki, gate.pid, a.conns)
        alive = gate.poll() is None

        ok_cpu = g_us < n_us
        ok_mem = g_mem < 16.0 and alive
        print("dindgate benchmark (%d requests, %d idle TLS connections%s)"
              % (a.requests, a.conns, ", audit on" if a.audit else ""))
        print("  CPU per request: dindgate %.1f us (%.0f req/s), "
              "nginx %.1f us (%.0f req/s)  %s"
              % (g_us, g_rps, n_us, n_rps, "PASS" if ok_cpu else "FAIL"))
        print("  memory per idle TLS connection: %.1f KiB (target < 16)  %s"
              % (g_mem, "PASS" if ok_mem else "FAIL"))
        return 0 if ok_cpu and ok_mem else 1
    finally:
        for p in reversed(procs):
            stop(p)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
