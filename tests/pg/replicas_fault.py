#!/usr/bin/env python3
"""Three `tocsin serve` replicas on one PostgreSQL database, under faults (issue 15).

Run by replicas_fault_test.sh under tests/pg/with_postgres.sh. Phases:

1. kill -9: a load of alerts (new groups, repeats of a group, a new group sent
   to two replicas at once) and acknowledgements spread over the replicas,
   while a random replica is killed with SIGKILL and restarted every few
   seconds (TOCSIN_FAULT_KILLS, default 20).
2. SIGSTOP: a replica is stopped while it holds the claim of a webhook
   delivery in flight, past its lease (storage.claim_lease), then continued:
   the delivery is recorded once, by the replica that took it over, and the
   stopped one's record is refused by its fencing token.
3. PostgreSQL stopped and started under load: 503 with Retry-After while it is
   down, then every replica recovers by itself.

Then: every alert answered 2xx is stored, one incident per alert group, each
escalation tier of each incident paged at most once (exactly once for an
unacknowledged incident) and within TIER_SLACK of its time, every queued
delivery delivered and received, each webhook delivery under one idempotency
key (receivers that honour it drop any resend). The counts are printed, and
written as `key=value` lines to the file named by TOCSIN_FAULT_COUNTS (the
benchmark reads them). TOCSIN_FAULT_SEED reruns one sequence of choices.

Usage: replicas_fault.py TOCSIN_BINARY WORK_DIR
"""
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from serve_proc import serve  # noqa: E402

binary, work = sys.argv[1], sys.argv[2]
dsn = os.environ.get("TOCSIN_TEST_PG_DSN")
if not dsn:
    print("FAIL: TOCSIN_TEST_PG_DSN is not set (run under tests/pg/with_postgres.sh)")
    sys.exit(1)
kills = int(os.environ.get("TOCSIN_FAULT_KILLS", "20"))
seed = int(os.environ.get("TOCSIN_FAULT_SEED", random.randrange(1 << 30)))
rng = random.Random(seed)
rng_lock = threading.Lock()
print("replicas fault run: seed %d (TOCSIN_FAULT_SEED=%d reruns it)" % (seed, seed), flush=True)

REPLICAS = 3
TIERS = {1: 0, 2: 3, 3: 6}   # tier -> seconds after the incident opened (the policy below)
TIER_SLACK = 15              # a tier may be late by at most this (engine tick 1 s, kills, two busy cores)
LEASE = 3                    # storage.claim_lease, seconds


def fail(msg):
    print("FAIL: %s (seed %d)" % (msg, seed), flush=True)
    sys.exit(1)


def rand(fn, *args):
    with rng_lock:
        return fn(*args)


def wait_for(seconds, check):
    """Re-checks `check` until it returns a true value or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)  # polling other processes' progress, not timing the test


def wait_until(what, seconds, check):
    """Re-checks `check` until it returns a true value; each check is a real
    query, so the wait ends as soon as the condition holds."""
    got = wait_for(seconds, check)
    if not got:
        fail("%s: not within %d s" % (what, seconds))
    return got


# --- the recording receiver: webhook (Idempotency-Key) and PagerDuty ---------
hook_keys = []          # Idempotency-Key of each webhook request, in arrival order
pd_events = []          # (dedup_key, event_action, summary) of each PagerDuty request
received_lock = threading.Lock()
hook_open = threading.Event()  # cleared: the phase 2 webhook request waits
hook_open.set()
hook_held = threading.Event()  # set once it is waiting
hold_above = [None]  # phase 2: only a delivery newer than this id is held (not a late one of phase 1)
held_key = [None]    # the Idempotency-Key of the request held


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path.startswith("/hook"):
            key = self.headers.get("Idempotency-Key", "-")
            with received_lock:
                hook_keys.append(key)
            number = key.rsplit("-", 1)[-1]
            hold = False
            with received_lock:
                if (not hook_open.is_set() and held_key[0] is None and hold_above[0] is not None
                        and number.isdigit() and int(number) > hold_above[0]):
                    held_key[0] = key
                    hold = True
            if hold:
                hook_held.set()
                hook_open.wait(60)
        else:
            try:
                doc = json.loads(body)
                event = (doc.get("dedup_key", ""), doc.get("event_action", ""),
                         doc.get("payload", {}).get("summary", ""))
            except ValueError:
                event = ("-", "-", "-")
            with received_lock:
                pd_events.append(event)
        answer = b'{"status":"success","dedup_key":"x"}' if not self.path.startswith("/hook") else b"ok"
        self.send_response(202 if not self.path.startswith("/hook") else 200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class ReceiverServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a replica killed mid-request resets its connection: expected here


receiver = ReceiverServer(("127.0.0.1", 0), Receiver)
receiver.daemon_threads = True
threading.Thread(target=receiver.serve_forever, daemon=True).start()
recv_port = receiver.server_address[1]

config = os.path.join(work, "tocsin.yaml")
with open(config, "w") as f:
    f.write("""server:
  log_level: info
  public_url: http://tocsin.test
  rate_limit: {requests: 100000000, period: 60s}   # the load and the checks' reads are not to be limited
storage:
  driver: postgres
  url: ${TOCSIN_DATABASE_URL}
  claim_lease: %ds
users:
  - {handle: ann, name: Ann, email: ann@example.com}
  - {handle: bob, name: Bob, email: bob@example.com}
  - {handle: cy, name: Cy, email: cy@example.com}
teams:
  - {id: ops, name: Ops, members: [ann, bob, cy], oncall_handle: ops-oncall, pagerduty_service: ops}
schedules:
  - name: ops-primary
    team: ops
    time_zone: UTC
    layers:
      - name: Weekly
        rotation: {type: weekly, handoff: '09:00', start: 2026-01-05, members: [ann, bob]}
escalation_policies:
  - name: Ops
    team: ops
    tiers:
      - {name: Primary, after: %ds, targets: [{schedule: ops-primary}]}
      - {name: Secondary, after: %ds, targets: [{user: bob}]}
      - {name: Tertiary, after: %ds, targets: [{user: cy}]}
channels:
  - {name: hook, type: webhook, url: 'http://127.0.0.1:%d/hook'}
  - {name: pd, type: pagerduty, service: ops, routing_key: R0UT1NGK3Y0000000000000000000000, url: 'http://127.0.0.1:%d/pd'}
rules:
  - rule_name: everything
    trigger: {monitors: ['*']}
    incident_settings: {title: '{{monitor.name}}', severity: SEV-4, commander: '@ops-oncall', notifications: [hook]}
""" % (LEASE, TIERS[1], TIERS[2], TIERS[3], recv_port, recv_port))
os.environ["TOCSIN_DATABASE_URL"] = dsn


def run(*args):
    out = subprocess.run([binary] + list(args), capture_output=True, text=True)
    if out.returncode != 0:
        fail("tocsin %s: %s%s" % (" ".join(args), out.stdout, out.stderr))
    return out.stdout


def psql(sql):
    out = subprocess.run(["psql", "-qAtX", "-F", "\t", dsn, "-c", sql], capture_output=True, text=True)
    if out.returncode != 0:
        fail("psql %s: %s" % (sql, out.stderr))
    return [line.split("\t") for line in out.stdout.splitlines() if line]


run("migrate", "--config", config)
keys = json.loads(run("keys", "create", "--config", config, "--name", "load", "--user", "ann", "--scope", "admin",
                      "--json"))
ingest_key = json.loads(run("keys", "create", "--config", config, "--name", "ingest", "--kind", "ingest",
                            "--json"))["api_key"]
api_headers = {"DD-API-KEY": keys["api_key"], "DD-APPLICATION-KEY": keys["application_key"],
               "Content-Type": "application/json"}
ingest_headers = {"Authorization": "Bearer " + ingest_key, "Content-Type": "application/json"}

# --- the replicas --------------------------------------------------------
ports = [None] * REPLICAS       # None while a replica is down
procs = [None] * REPLICAS
logs = [os.path.join(work, "replica-%d.log" % i) for i in range(REPLICAS)]
starts = [0] * REPLICAS


def start_replica(i):
    starts[i] += 1
    env = dict(os.environ, TOCSIN_REPLICA_ID="replica-%d" % i)
    proc, port = serve(binary, ["--config", config], logs[i], env)
    if port is None:
        fail("replica %d did not start (start %d); log %s" % (i, starts[i], logs[i]))
    procs[i] = proc
    ports[i] = port


def kill_replica(i):
    ports[i] = None
    procs[i].send_signal(signal.SIGKILL)
    procs[i].wait()


def call(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers or api_headers)
        r = conn.getresponse()
        return r.status, r.read(), r.getheader("Retry-After")
    finally:
        conn.close()


for i in range(REPLICAS):
    start_replica(i)

# --- load ------------------------------------------------------------------
acked_alerts = {}        # alert id -> group (answered 2xx)
group_incidents = {}     # group -> set of incident ids answered for it
incident_group = {}      # incident id -> group
acked_incidents = set()  # acknowledged (answered 200)
ack_queue = []
stats = {"alerts_sent": 0, "alerts_acked": 0, "retried": 0, "503": 0, "503_without_retry_after": 0,
         "dual_sends": 0, "acks": 0}
state_lock = threading.Lock()
next_group = [0]
next_alert = [0]


def count(key, n=1):
    with state_lock:
        stats[key] += n


def send(method, path, body, headers, stop, first=None, on_200=None):
    """Sends to a live replica (`first` if given), moving to another after a
    transport error or a 503, until answered 2xx or `stop` is set; returns
    the answer's body, or None."""
    target = first
    while not stop.is_set():
        live = [i for i in range(REPLICAS) if ports[i] is not None]
        if target is None or ports[target] is None:
            target = rand(rng.choice, live) if live else None
        port = ports[target] if target is not None else None
        if port is None:
            time.sleep(0.05)  # every replica is restarting: load pacing
            target = None
            continue
        try:
            status, answer, retry_after = call(port, method, path, body, headers)
        except (OSError, http.client.HTTPException):
            count("retried")
            target = None
            continue
        if 200 <= status < 300:
            return answer
        if status == 503:
            count("503")
            if retry_after is None:
                count("503_without_retry_after")
            count("retried")
            target = None
            time.sleep(0.05)  # every replica says the database is down: load pacing
            continue
        fail("%s %s answered %d: %s" % (method, path, status, answer[:300]))
    return None


def send_alert(group, stop, first=None):
    with state_lock:
        next_alert[0] += 1
        alert_id = "a-%06d" % next_alert[0]
    count("alerts_sent")
    answer = send("POST", "/api/integrations/generic",
                  {"alerts": [{"monitor": "fault-%05d" % group, "id": alert_id}]}, ingest_headers, stop, first)
    if answer is None:
        return
    incident = json.loads(answer)["data"][0]["relationships"]["incident"]["data"]["id"]
    with state_lock:
        stats["alerts_acked"] += 1
        acked_alerts[alert_id] = group
        new = incident not in incident_group
        incident_group[incident] = group
        group_incidents.setdefault(group, set()).add(incident)
        if new and rand(rng.random) < 0.3:
            ack_queue.append(incident)


def alert_load(stop):
    while not stop.is_set():
        with state_lock:
            known = next_group[0]
        r = rand(rng.random)
        if known == 0 or r < 0.3:
            with state_lock:
                next_group[0] += 1
                group = next_group[0]
            if rand(rng.random) < 0.3:
                # The same new group on two replicas at once: one incident.
                live = [i for i in range(REPLICAS) if ports[i] is not None]
                pair = rand(rng.sample, live, 2) if len(live) >= 2 else [None, None]
                count("dual_sends")
                other = threading.Thread(target=send_alert, args=(group, stop, pair[1]), daemon=True)
                other.start()
                send_alert(group, stop, pair[0])
                other.join()
            else:
                send_alert(group, stop)
        else:
            send_alert(rand(rng.randint, max(1, known - 40), known), stop)
        time.sleep(0.04)  # load pacing


def ack_load(stop):
    while not stop.is_set():
        with state_lock:
            incident = ack_queue.pop(0) if ack_queue else None
        if incident is None:
            time.sleep(0.05)  # load pacing
            continue
        if send("POST", "/api/v2/incidents/%s/acknowledge" % incident, None, api_headers, stop) is not None:
            with state_lock:
                acked_incidents.add(incident)
                stats["acks"] += 1


def start_load(acks=True):
    stop = threading.Event()
    threads = [threading.Thread(target=alert_load, args=(stop,), daemon=True) for _ in range(3)]
    if acks:
        threads.append(threading.Thread(target=ack_load, args=(stop,), daemon=True))
    for t in threads:
        t.start()
    return stop, threads


def stop_load(load):
    load[0].set()
    for t in load[1]:
        t.join()


# --- checks -------------------------------------------------------------
def any_port():
    return next(p for p in ports if p is not None)


def verify_stored(phase):
    """Every alert answered 2xx is stored; one incident per group."""
    stored = {row[0] for row in psql("SELECT delivery_key FROM alerts WHERE source = 'generic'")}
    with state_lock:
        acked = dict(acked_alerts)
        groups = {g: set(s) for g, s in group_incidents.items()}
    ids = stored_ids(stored)
    missing = [a for a in acked if a not in ids]
    if missing:
        fail("%s: %d alerts answered 2xx are not stored, e.g. %s" % (phase, len(missing), missing[:5]))
    split = {g: s for g, s in groups.items() if len(s) > 1}
    if split:
        fail("%s: one group answered with several incidents: %s" % (phase, list(split.items())[:5]))
    rows = psql("SELECT title, COUNT(*) FROM incidents WHERE deleted = 0 GROUP BY title HAVING COUNT(*) > 1")
    if rows:
        fail("%s: duplicate incidents for one group: %s" % (phase, rows[:5]))
    return len(acked)


def stored_ids(stored):
    # A generic alert's delivery key names its `id`.
    ids = set()
    for k in stored:
        ids.update(re.findall(r"a-\d{6}", k))
    return ids


def tier_pages():
    """incident id -> {tier: [seconds after creation, ...]} from the timeline API, and
    the incidents acknowledged (also those whose answer a kill cut off)."""
    out, acknowledged = {}, set()
    with state_lock:
        incidents = list(incident_group)
    port = any_port()
    for incident in incidents:
        status, body, _ = call(port, "GET", "/api/v2/incidents/%s?include=" % incident, None, api_headers)
        if status != 200:
            fail("GET incident %s answered %d" % (incident, status))
        attributes = json.loads(body)["data"]["attributes"]
        created = parse_time(attributes["created"])
        if attributes.get("acknowledged"):
            acknowledged.add(incident)
        status, body, _ = call(port, "GET", "/api/v2/incidents/%s/timeline?page[size]=1000" % incident, None,
                               api_headers)
        if status != 200:
            fail("timeline of %s answered %d" % (incident, status))
        tiers = {}
        for cell in json.loads(body)["data"]:
            a = cell["attributes"]
            if a["kind"] != "page":
                continue
            m = re.search(r"tier (\d+) '", a["content"]["content"])
            if not m:
                fail("a page without its tier: %s" % a["content"]["content"])
            tiers.setdefault(int(m.group(1)), []).append(parse_time(a["created"]) - created)
        out[incident] = tiers
    return out, acknowledged


def parse_time(text):
    # 2026-12-04T02:10:00.123456Z (fractional part optional)
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(\.\d+)?", text)
    t = time.struct_time((int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)),
                          int(m.group(6)), 0, 0, 0))
    import calendar
    return calendar.timegm(t) + (float(m.group(7)) if m.group(7) else 0.0)


def verify_tiers(phase):
    """Each tier pages at most once, on time; exactly once when unacknowledged."""
    def all_due():
        pages, acked = tier_pages()
        with state_lock:
            lost = acked_incidents - acked
        if lost:
            fail("%s: acknowledgements answered 200 are not stored: %s" % (phase, sorted(lost)[:5]))
        short = [i for i, t in pages.items() if i not in acked and any(len(t.get(k, [])) == 0 for k in TIERS)]
        return None if short else pages
    pages = wait_until("%s: every unacknowledged incident paged by all %d tiers" % (phase, len(TIERS)), 60, all_due)
    total, late = 0, 0.0
    for incident, tiers in pages.items():
        for tier, at in tiers.items():
            if len(at) > 1:
                fail("%s: incident %s paged %d times by tier %d" % (phase, incident, len(at), tier))
            total += 1
            lateness = at[0] - TIERS[tier]
            if lateness < -1.0 or lateness > TIER_SLACK:
                fail("%s: incident %s tier %d paged %.1f s after opening, due at %d s" %
                     (phase, incident, tier, at[0], TIERS[tier]))
            late = max(late, lateness)
    return total, late


def verify_deliveries(phase):
    """Every queued delivery delivered (or cancelled by an acknowledgement), each webhook
    delivery received under its own idempotency key."""
    def settled():
        rows = psql("SELECT COUNT(*) FROM outbox WHERE state NOT IN ('delivered', 'cancelled')")
        return int(rows[0][0]) == 0
    wait_until("%s: the outbox drained" % phase, 90, settled)
    bad = psql("SELECT id, state, last_error FROM outbox WHERE state NOT IN ('delivered', 'cancelled') LIMIT 5")
    if bad:
        fail("%s: deliveries not delivered: %s" % (phase, bad))
    hook_rows = {"tocsin-delivery-" + r[0] for r in psql("SELECT id FROM outbox WHERE channel = 'hook'")}
    pd_rows = int(psql("SELECT COUNT(*) FROM outbox WHERE channel = 'pd' AND state = 'delivered'")[0][0])
    with received_lock:
        keys_seen = list(hook_keys)
        pd_seen = list(pd_events)
    distinct = set(keys_seen)
    lost = hook_rows - distinct
    if lost:
        fail("%s: %d webhook deliveries never received, e.g. %s" % (phase, len(lost), sorted(lost)[:5]))
    stray = distinct - hook_rows
    if stray:
        fail("%s: webhook keys received that no delivery has: %s" % (phase, sorted(stray)[:5]))
    if len(pd_seen) < pd_rows:
        fail("%s: %d PagerDuty deliveries recorded delivered, %d received" % (phase, pd_rows, len(pd_seen)))
    return {"webhook_deliveries": len(hook_rows), "webhook_requests": len(keys_seen),
            "webhook_resent_same_key": len(keys_seen) - len(distinct),
            "pagerduty_deliveries": pd_rows, "pagerduty_requests": len(pd_seen),
            "pagerduty_resent": len(pd_seen) - len(set(pd_seen))}


# --- phase 1: kill -9 ------------------------------------------------------
t_phase = time.monotonic()
load = start_load()
for k in range(kills):
    time.sleep(rand(rng.uniform, 1.5, 3.0))  # pacing the kills: load generation
    victim = rand(rng.randrange, REPLICAS)
    kill_replica(victim)
    start_replica(victim)
time.sleep(1.0)  # let the last restart take some load: load generation
stop_load(load)
alerts_stored = verify_stored("kill -9")
pages, worst_late = verify_tiers("kill -9")
counts = verify_deliveries("kill -9")
with state_lock:
    groups = len(group_incidents)
print("phase 1 (kill -9): %d kills in %.0f s; %d alerts answered 2xx (%d sent, %d dual sends of a new group), "
      "all stored; %d groups, one incident each; %d acknowledgements; %d tier pages, none twice, latest %.1f s late; "
      "%s" % (kills, time.monotonic() - t_phase, alerts_stored, stats["alerts_sent"], stats["dual_sends"], groups,
              stats["acks"], pages, worst_late, ", ".join("%s %d" % kv for kv in counts.items())), flush=True)


# --- phase 2: SIGSTOP past the lease -----------------------------------------
def metric(port, name):
    status, body, _ = call(port, "GET", "/metrics", None, api_headers)
    if status != 200:
        return None
    m = re.search(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), body.decode(), re.M)
    return float(m.group(1)) if m else None


def all_threads_stopped(pid):
    """Every thread of `pid` in the stopped state (T in /proc/PID/task/TID/stat)."""
    states = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                states.append(f.read().rsplit(")", 1)[1].split()[0])
        except FileNotFoundError:
            continue  # a thread that ended meanwhile
    return bool(states) and all(s == "T" for s in states)


# The request held is the new incident's own webhook delivery, not a late
# one of phase 1 (held, it would stop a replica that holds nothing new).
hold_above[0] = int(psql("SELECT COALESCE(max(id), 0) FROM outbox")[0][0])
hook_open.clear()
hook_held.clear()
with state_lock:
    next_group[0] += 1
    stall_group = next_group[0]
never = threading.Event()
send_alert(stall_group, never, 0)
with state_lock:
    stall_incident = next(iter(group_incidents[stall_group]))
wait_until("SIGSTOP: the webhook delivery reaches the receiver", 30, hook_held.is_set)
stall_delivery = held_key[0].rsplit("-", 1)[-1]
row = wait_until("SIGSTOP: the delivery's claim", 10, lambda: psql(
    "SELECT id, claimed_by FROM outbox WHERE id = %s AND incident_id = '%s' AND channel = 'hook' "
    "AND claimed_by IS NOT NULL" % (stall_delivery, stall_incident)))
claimer = row[0][1]
stopped = int(claimer.rsplit("-", 1)[1])
procs[stopped].send_signal(signal.SIGSTOP)
stopped_port, ports[stopped] = ports[stopped], None
# SIGSTOP stops a process's threads one after another, after kill() has
# returned: answered before its last thread stops, the replica could still
# read the answer and record it. The answer waits until every thread is.
wait_until("SIGSTOP: every thread of replica-%d stopped" % stopped, 10, lambda: all_threads_stopped(procs[stopped].pid))
hook_open.set()  # the stopped replica's request is answered; it cannot read the answer yet
t_stop = time.monotonic()
taken_over = lambda: psql("SELECT 1 FROM outbox WHERE id = %s AND state = 'delivered'" % stall_delivery)
if not wait_for(LEASE + 5, taken_over):
    # Slower than the lease allows: say who holds what (diagnosis only).
    print("SIGSTOP: no takeover %d s after the stop; sessions in a transaction: %s; locks on the delivery: %s" % (
        LEASE + 5, psql("SELECT pid, state, round(extract(epoch FROM now() - xact_start)), left(query, 160) "
                        "FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()"),
        psql("SELECT l.pid, l.mode, l.granted FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
             "WHERE c.relname = 'outbox'")), flush=True)
wait_until("SIGSTOP: another replica takes the delivery over and records it", 60, taken_over)
stalled_for = time.monotonic() - t_stop
procs[stopped].send_signal(signal.SIGCONT)
ports[stopped] = stopped_port


def refused_logged():
    with open(logs[stopped]) as f:
        return "claims were taken over" in f.read()


if not wait_for(60, refused_logged):
    with received_lock:
        sends = hook_keys.count("tocsin-delivery-" + stall_delivery)
    fail("SIGCONT: replica-%d did not log that its record was refused within 60 s; the delivery: %s, received %d "
         "times; the incident's timeline: %s; hook keys received: %s" % (
             stopped, psql("SELECT state, attempts, claimed_by, lease_until FROM outbox WHERE id = %s" % stall_delivery),
             sends, psql("SELECT e.at, e.kind, left(e.message, 120) FROM incident_events e JOIN incidents i "
                         "ON i.public_id = e.incident WHERE i.id = '%s' ORDER BY e.seq" % stall_incident),
             hook_keys[-5:]))
attempts = psql("SELECT attempts, state FROM outbox WHERE id = %s" % stall_delivery)[0]
if attempts != ["1", "delivered"]:
    fail("SIGSTOP: the taken-over delivery has attempts/state %s, want one delivered attempt" % attempts)
status, body, _ = call(any_port(), "GET", "/api/v2/incidents/%s/timeline?page[size]=1000" % stall_incident, None,
                       api_headers)
cells = [c["attributes"]["content"]["content"] for c in json.loads(body)["data"]
         if c["attributes"]["kind"] == "notification_delivered"]
delivered_events = sum(1 for c in cells if re.search(r"\bhook\b", c))
if delivered_events != 1:
    fail("SIGSTOP: the taken-over webhook delivery is on the timeline %d times, want 1: %s" % (delivered_events, cells))
fenced = metric(ports[stopped], "tocsin_replica_fenced_finishes_total")
if not fenced or fenced < 1:
    fail("SIGSTOP: replica-%d's /metrics counts %s fenced finishes, want at least 1" % (stopped, fenced))
takeovers = sum(metric(ports[i], "tocsin_replica_lease_takeovers_total") or 0 for i in range(REPLICAS) if i != stopped)
if takeovers < 1:
    fail("SIGSTOP: the other replicas' /metrics count no lease takeover")
status, exposition, _ = call(ports[stopped], "GET", "/metrics", None, api_headers)
promtool = subprocess.run(["promtool", "check", "metrics"], input=exposition, capture_output=True) \
    if shutil.which("promtool") else None
if promtool is not None and promtool.returncode != 0:
    fail("promtool check metrics: %s" % promtool.stdout.decode() + promtool.stderr.decode())
with received_lock:
    stall_sends = hook_keys.count("tocsin-delivery-" + stall_delivery)
print("phase 2 (SIGSTOP): replica-%d stopped %.1f s holding delivery %s (lease %d s); another replica sent and "
      "recorded it; after SIGCONT its record was refused (/metrics: %d fenced finishes there, %d lease takeovers "
      "elsewhere%s); received %d times under one key, recorded once" %
      (stopped, stalled_for, stall_delivery, LEASE, fenced, takeovers,
       "" if promtool is None else ", promtool check metrics passes", stall_sends), flush=True)

# --- phase 3: PostgreSQL stopped and started under load ------------------------
pgbin = "/usr/lib/postgresql/15/bin"
as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
pg_dir = os.environ["TOCSIN_TEST_PG_DIR"]
before_503 = stats["503"]
with state_lock:
    acked_before = len(acked_alerts)
load = start_load(acks=False)
wait_until("PostgreSQL phase: load running", 30, lambda: len(acked_alerts) > acked_before + 20)
subprocess.run(as_pg + [pgbin + "/pg_ctl", "-D", pg_dir + "/data", "-m", "fast", "-w", "stop"], check=True,
               stdout=subprocess.DEVNULL)
t_down = time.monotonic()
wait_until("PostgreSQL down: writes answered 503", 30, lambda: stats["503"] > before_503 + 5)
time.sleep(2.0)  # the outage's length: fault generation
for i in range(REPLICAS):
    status, _, _ = call(ports[i], "GET", "/readyz")
    if status != 503:
        fail("PostgreSQL down: replica-%d /readyz answered %d" % (i, status))
subprocess.run(as_pg + [pgbin + "/pg_ctl", "-D", pg_dir + "/data", "-l", pg_dir + "/sock/server.log", "-w",
                        "-o", os.environ["TOCSIN_TEST_PG_OPTS"], "start"], check=True, stdout=subprocess.DEVNULL)
down_for = time.monotonic() - t_down
with state_lock:
    acked_at_restart = len(acked_alerts)
wait_until("PostgreSQL back: every replica ready", 30,
           lambda: all(call(ports[i], "GET", "/readyz")[0] == 200 for i in range(REPLICAS)))
wait_until("PostgreSQL back: alerts answered 2xx again", 30, lambda: len(acked_alerts) > acked_at_restart + 20)
stop_load(load)
if stats["503_without_retry_after"]:
    fail("PostgreSQL down: %d answers 503 without Retry-After" % stats["503_without_retry_after"])
alerts_stored = verify_stored("PostgreSQL restart")
pages, worst_late = verify_tiers("PostgreSQL restart")
counts = verify_deliveries("PostgreSQL restart")
print("phase 3 (PostgreSQL stopped %.1f s under load): %d answers 503 with Retry-After; all replicas recovered; "
      "%d alerts answered 2xx in all, all stored" % (down_for, stats["503"] - before_503, alerts_stored), flush=True)

summary = {"kills": kills, "alerts_acked": alerts_stored, "groups": len(group_incidents), "acks": stats["acks"],
           "tier_pages": pages, "tier_latest_s": "%.1f" % worst_late, "duplicate_incidents": 0,
           "duplicate_tier_pages": 0, "duplicate_records": 0}
summary.update(counts)
print("replicas fault run: " + ", ".join("%s=%s" % kv for kv in summary.items()), flush=True)
if os.environ.get("TOCSIN_FAULT_COUNTS"):
    with open(os.environ["TOCSIN_FAULT_COUNTS"], "w") as f:
        for kv in summary.items():
            f.write("%s=%s\n" % kv)
for p in procs:
    p.send_signal(signal.SIGTERM)
for p in procs:
    p.wait()
