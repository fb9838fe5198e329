#!/usr/bin/env python3
"""Alert -> page latency with three replicas on one PostgreSQL database (issue 15).

Three `tocsin serve` replicas (TOCSIN_REPLICA_ID replica-0..2) on the schema
named by TOCSIN_DATABASE_URL; alerts go round-robin to them, each opening an
incident whose escalation policy pages tier 1 at once through the team's
PagerDuty channel, which points at a receiver here that timestamps each
arrival. Latency = arrival of the incident's page (dedup_key = incident id)
minus the moment its alert was sent. Prints `key=value` figures.

Usage: pg_page_latency.py TOCSIN_BINARY WORK_DIR [ALERTS] [RATE_PER_S]
"""
import http.client
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

binary, work = sys.argv[1], sys.argv[2]
alerts = int(sys.argv[3]) if len(sys.argv) > 3 else 300
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0

arrivals = {}  # dedup_key -> first arrival (monotonic)
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        at = time.monotonic()
        key = json.loads(body).get("dedup_key", "")
        with lock:
            arrivals.setdefault(key, at)
        self.send_response(202)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
receiver.daemon_threads = True
threading.Thread(target=receiver.serve_forever, daemon=True).start()

config = os.path.join(work, "latency.yaml")
with open(config, "w") as f:
    f.write("""server:
  log_level: warn
  worker_threads: 16
  rate_limit: {requests: 100000000, period: 60s}
storage:
  driver: postgres
  url: ${TOCSIN_DATABASE_URL}
users:
  - {handle: ann, name: Ann, email: ann@example.com}
teams:
  - {id: ops, name: Ops, members: [ann], oncall_handle: ops-oncall, pagerduty_service: ops}
escalation_policies:
  - name: Ops
    team: ops
    tiers:
      - {name: Primary, after: 0s, targets: [{user: ann}]}
channels:
  - {name: pd, type: pagerduty, service: ops, routing_key: R0UT1NGK3Y0000000000000000000000, url: 'http://127.0.0.1:%d/pd'}
rules:
  - rule_name: everything
    trigger: {monitors: ['*']}
    incident_settings: {title: '{{monitor.name}}', severity: SEV-4, commander: '@ops-oncall'}
""" % receiver.server_address[1])


def tocsin(*args, env=None):
    out = subprocess.run([binary] + list(args), capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit("pg_page_latency: tocsin %s: %s%s" % (" ".join(args), out.stdout, out.stderr))
    return out.stdout


ingest = json.loads(tocsin("keys", "create", "--config", config, "--name", "i", "--kind", "ingest", "--json"))["api_key"]
procs, ports = [], []
for i in range(3):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = dict(os.environ, TOCSIN_REPLICA_ID="replica-%d" % i)
    log = open(os.path.join(work, "latency-replica-%d.log" % i), "w")
    procs.append(subprocess.Popen([binary, "serve", "--config", config, "--listen", "127.0.0.1:%d" % port],
                                  stderr=log, env=env))
    ports.append(port)
for i, port in enumerate(ports):
    deadline = time.monotonic() + 30
    while True:  # ready = /readyz answers 200
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or procs[i].poll() is not None:
            sys.exit("pg_page_latency: replica %d did not start" % i)
        time.sleep(0.05)

sent = {}  # incident id -> send moment
conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=30) for p in ports]
start = time.monotonic()
for k in range(alerts):
    due = start + k / rate
    pause = due - time.monotonic()
    if pause > 0:
        time.sleep(pause)  # open-loop pacing of the load
    c = conns[k % 3]
    t = time.monotonic()
    c.request("POST", "/api/integrations/generic", body=json.dumps({"monitor": "lat-%06d" % k, "id": "l%d" % k}),
              headers={"Authorization": "Bearer " + ingest, "Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("pg_page_latency: alert answered %d: %s" % (r.status, body[:200]))
    sent[json.loads(body)["data"][0]["relationships"]["incident"]["data"]["id"]] = t

deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    with lock:
        if all(i in arrivals for i in sent):
            break
    time.sleep(0.05)  # waiting for the last pages
with lock:
    lat = sorted((arrivals[i] - t) * 1000 for i, t in sent.items() if i in arrivals)
for p in procs:
    p.terminate()
for p in procs:
    p.wait()
if len(lat) < len(sent):
    sys.exit("pg_page_latency: %d of %d pages arrived" % (len(lat), len(sent)))
p99 = lat[min(len(lat) - 1, int(round(0.99 * len(lat))) - 1)]
print("pages=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f mean_ms=%.1f" %
      (len(lat), statistics.median(lat), p99, lat[-1], statistics.mean(lat)))
