#!/usr/bin/env python3
"""kill -9 under mixed load, 20 times (issue 16, part 2).

Each cycle starts `tocsin serve` on the same data directory, runs three
clients at once (alert ingestion, incident creation plus a note, schedule
overrides) and kills the server with SIGKILL at a random moment while they
are in flight. After each restart: every alert, incident, note and override
that was answered 2xx is there, exactly once. At the end every queued
delivery reaches the local webhook receiver (counted by idempotency key).
The seed is printed; TOCSIN_CRASH_SEED reruns one sequence.

Usage: crash_cycles.py TOCSIN_BINARY WORK_DIR [CYCLES]
"""
import http.client
import http.server
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_proc import serve  # noqa: E402

binary, work = sys.argv[1], sys.argv[2]
cycles = int(sys.argv[3]) if len(sys.argv) > 3 else 20
seed = int(os.environ.get("TOCSIN_CRASH_SEED", random.randrange(1 << 30)))
rng = random.Random(seed)
print("crash cycles: seed %d (TOCSIN_CRASH_SEED=%d reruns it)" % (seed, seed), flush=True)


def fail(msg):
    print("FAIL: " + msg + " (seed %d)" % seed, flush=True)
    sys.exit(1)


# --- the webhook receiver: records each delivery's Idempotency-Key ---------
received = []
received_lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with received_lock:
            received.append(self.headers.get("Idempotency-Key", "-"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()

config = os.path.join(work, "tocsin.yaml")
data = os.path.join(work, "data")
with open(config, "w") as f:
    f.write("""server:
  log_level: info
users:
  - {handle: ann, name: Ann, email: ann@example.com}
  - {handle: bob, name: Bob, email: bob@example.com}
teams:
  - {id: ops, name: Ops, members: [ann, bob]}
schedules:
  - name: ops-primary
    team: ops
    time_zone: UTC
    layers:
      - name: Weekly
        rotation: {type: weekly, handoff: '09:00', start: 2026-01-05, members: [ann, bob]}
channels:
  - {name: hook, type: webhook, url: 'http://127.0.0.1:%d/hook'}
rules:
  - rule_name: everything
    trigger: {monitors: ['*']}
    incident_settings: {title: '{{monitor.name}}', severity: SEV-4, notifications: [hook]}
""" % receiver.server_address[1])


def run(*args):
    out = subprocess.run([binary] + list(args), capture_output=True, text=True)
    if out.returncode != 0:
        fail("tocsin %s: %s%s" % (" ".join(args), out.stdout, out.stderr))
    return out.stdout


keys = json.loads(run("keys", "create", "--config", config, "--data", data, "--name", "load", "--user", "ann", "--scope", "admin",
                        "--json"))
ingest_key = json.loads(run("keys", "create", "--config", config, "--data", data, "--name", "ingest", "--kind", "ingest",
                            "--json"))["api_key"]
api_headers = {"DD-API-KEY": keys["api_key"], "DD-APPLICATION-KEY": keys["application_key"],
               "Content-Type": "application/json"}


def start_server(n):
    proc, port = serve(binary, ["--config", config, "--data", data], os.path.join(work, "tocsin.%d.log" % n))
    if port is None:
        fail("tocsin did not start (cycle %d)" % n)
    return proc, port


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers or api_headers)
        r = self.conn.getresponse()
        return r.status, r.read()


# What was acknowledged (2xx), across all cycles.
acked_alerts = []      # monitor names (each opens its own incident titled so)
acked_incidents = {}   # incident id -> title
acked_notes = {}       # incident id -> note text
acked_overrides = {}   # override id -> start
acked_lock = threading.Lock()
slot = [0]             # override hour slots: never overlapping


def load(port, cycle, stop, progress):
    """Three clients; each stops at its first transport error (the kill)."""
    def alerts():
        c = Client(port)
        for k in range(100000):
            if stop.is_set():
                return
            name = "alert-%02d-%05d" % (cycle, k)
            try:
                status, body = c.call("POST", "/api/integrations/generic",
                                      {"alerts": [{"monitor": name, "id": name}]},
                                      {"Authorization": "Bearer " + ingest_key, "Content-Type": "application/json"})
            except (OSError, http.client.HTTPException):
                return
            if status // 100 != 2:
                fail("alert answered %d: %s" % (status, body[:200]))
            with acked_lock:
                acked_alerts.append(name)
            progress()

    def incidents():
        c = Client(port)
        for k in range(100000):
            if stop.is_set():
                return
            title = "api-%02d-%05d" % (cycle, k)
            try:
                status, body = c.call("POST", "/api/v2/incidents",
                                      {"data": {"type": "incidents", "attributes": {"title": title, "severity": "SEV-3"}}})
                if status != 201:
                    fail("create answered %d: %s" % (status, body[:200]))
                incident = json.loads(body)["data"]["id"]
                with acked_lock:
                    acked_incidents[incident] = title
                progress()
                text = "note-%02d-%05d" % (cycle, k)
                status, body = c.call("POST", "/api/v2/incidents/%s/timeline" % incident,
                                      {"data": {"type": "incident_timeline_cells",
                                                "attributes": {"cell_type": "markdown", "content": {"content": text}}}})
                if status != 201:
                    fail("note answered %d: %s" % (status, body[:200]))
                with acked_lock:
                    acked_notes[incident] = text
                progress()
            except (OSError, http.client.HTTPException):
                return

    def overrides():
        c = Client(port)
        while not stop.is_set():
            with acked_lock:
                slot[0] += 1
                h = slot[0]
            start = "2027-%02d-%02dT%02d:00:00Z" % (1 + (h // 672) % 12, 1 + (h // 24) % 28, h % 24)
            end = start[:14] + "59:00Z"
            try:
                status, body = c.call("POST", "/api/v2/on-call/schedules/ops-primary/overrides",
                                      {"data": {"type": "schedule_overrides",
                                                "attributes": {"user": "bob" if h % 2 else "ann", "start": start,
                                                               "end": end}}})
            except (OSError, http.client.HTTPException):
                return
            if status != 201:
                fail("override answered %d: %s" % (status, body[:200]))
            with acked_lock:
                acked_overrides[json.loads(body)["data"]["id"]] = start
            progress()

    return [threading.Thread(target=t) for t in (alerts, incidents, overrides)]


def all_incident_titles(c):
    titles = {}
    offset = 0
    while True:
        status, body = c.call("GET", "/api/v2/incidents?page[size]=100&page[offset]=%d" % offset)
        if status != 200:
            fail("listing incidents answered %d: %s" % (status, body[:200]))
        page = json.loads(body)["data"]
        for i in page:
            t = i["attributes"]["title"]
            titles[t] = titles.get(t, 0) + 1
        if len(page) < 100:
            return titles
        offset += 100


def verify(port, cycle, notes_to_check):
    c = Client(port)
    titles = all_incident_titles(c)
    doubled = [t for t, n in titles.items() if n > 1]
    if doubled:
        fail("cycle %d: incidents doubled: %s" % (cycle, doubled[:5]))
    with acked_lock:
        want = list(acked_alerts) + list(acked_incidents.values())
        overrides = dict(acked_overrides)
    missing = [t for t in want if t not in titles]
    if missing:
        fail("cycle %d: acknowledged incidents missing after kill -9: %s" % (cycle, missing[:5]))
    for incident, text in notes_to_check:
        status, body = c.call("GET", "/api/v2/incidents/%s/timeline?page[size]=1000" % incident)
        if status != 200 or body.count(text.encode()) != 1:
            fail("cycle %d: acknowledged note %s missing or doubled (%d)" % (cycle, text, status))
    status, body = c.call("GET", "/api/v2/on-call/schedules/ops-primary/overrides")
    if status != 200:
        fail("listing overrides answered %d" % status)
    stored = [o["id"] for o in json.loads(body)["data"]]
    if len(stored) != len(set(stored)):
        fail("cycle %d: overrides doubled" % cycle)
    lost = [o for o in overrides if o not in stored]
    if lost:
        fail("cycle %d: acknowledged overrides missing: %s" % (cycle, lost[:5]))
    return len(titles), len(stored)


proc = None
for cycle in range(1, cycles + 1):
    proc, port = start_server(cycle)
    if cycle > 1:
        with acked_lock:
            notes = [(i, t) for i, t in acked_notes.items() if t.startswith("note-%02d-" % (cycle - 1))]
        incidents_seen, overrides_seen = verify(port, cycle - 1, notes)
    stop = threading.Event()
    done = threading.Condition()
    count = [0]

    def progress():
        with done:
            count[0] += 1
            done.notify_all()
    threads = load(port, cycle, stop, progress)
    for t in threads:
        t.start()
    target = rng.randrange(10, 120)
    with done:
        done.wait_for(lambda: count[0] >= target, timeout=120)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    print("cycle %2d: killed after %3d acknowledged writes" % (cycle, count[0]), flush=True)

proc, port = start_server(cycles + 1)
with acked_lock:
    notes = list(acked_notes.items())
incidents_seen, overrides_seen = verify(port, cycles, notes)

# Every queued delivery reaches the receiver (at most 120 s for the backlog).
db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "tocsin.db"), uri=True, timeout=30)
deadline = time.monotonic() + 120
while True:
    left = db.execute("SELECT COUNT(*) FROM outbox WHERE state <> 'delivered'").fetchone()[0]
    if left == 0:
        break
    if time.monotonic() > deadline:
        fail("%d deliveries still undelivered after 120 s" % left)
    time.sleep(0.05)  # polling an external process's progress, not timing the test
total = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
with received_lock:
    keys_seen = set(received)
    repeats = len(received) - len(keys_seen)
if len(keys_seen) != total:
    fail("%d deliveries queued, %d distinct idempotency keys received" % (total, len(keys_seen)))
if total < len(acked_alerts):
    fail("%d alerts acknowledged but only %d deliveries queued" % (len(acked_alerts), total))
os.kill(proc.pid, signal.SIGTERM)
proc.wait()
print("crash cycles: %d kill -9 survived; %d alerts, %d incidents, %d notes, %d overrides acknowledged, all present "
      "once; %d incidents stored; %d deliveries, all received (%d sent again after a kill, same key)" %
      (cycles, len(acked_alerts), len(acked_incidents), len(acked_notes), len(acked_overrides), incidents_seen, total,
       repeats), flush=True)
