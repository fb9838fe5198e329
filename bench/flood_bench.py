#!/usr/bin/env python3
"""Floods (issue 16, part 4): does Tocsin keep answering health checks and
sending pages while a client misbehaves? Loopback only; every phase stops by
itself.

For each phase — none (baseline), 10,000 idle connections, 1,000 slow bodies,
a flood of bad keys, a flood of /metrics — a flood process runs for PHASE
seconds while this process
  - probes GET /healthz on a new connection every 50 ms (latency includes
    waiting to be accepted; 15 s timeout), and
  - sends one alert every 500 ms through the generic ingestion endpoint and
    times it until its page (a webhook delivery) reaches a local receiver.

Usage: flood_bench.py TOCSIN_BINARY SOURCE_DIR [PHASE_SECONDS] [PHASES...]
Prints one line per phase and a Markdown table at the end.
"""
import asyncio
import http.client
import http.server
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------- floods ---
async def flood_idle(port, seconds, count=10000):
    """count connections that never send a byte; reopened when closed."""
    end = time.monotonic() + seconds
    opened = [0]

    async def one():
        while time.monotonic() < end:
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout=end - time.monotonic())
                opened[0] += 1
                try:
                    await asyncio.wait_for(r.read(1 << 16), timeout=max(0.01, end - time.monotonic()))
                except asyncio.TimeoutError:
                    pass
                w.close()
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.05)
    await asyncio.gather(*(one() for _ in range(count)))
    return "opened %d" % opened[0]


async def flood_slow(port, seconds, count=1000):
    """count requests announcing a 100 KB body and sending one byte a second."""
    end = time.monotonic() + seconds
    sent = [0]

    async def one():
        while time.monotonic() < end:
            try:
                r, w = await asyncio.open_connection("127.0.0.1", port)
                w.write(b"POST /api/integrations/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100000\r\n\r\n")
                while time.monotonic() < end and not r.at_eof():
                    w.write(b" ")
                    await w.drain()
                    sent[0] += 1
                    await asyncio.sleep(1)
                w.close()
            except OSError:
                await asyncio.sleep(0.05)
    await asyncio.gather(*(one() for _ in range(count)))
    return "%d bytes trickled" % sent[0]


async def flood_requests(port, seconds, request, count=32):
    """count keep-alive connections sending `request` back to back."""
    end = time.monotonic() + seconds
    done = [0]

    async def one():
        while time.monotonic() < end:
            try:
                r, w = await asyncio.open_connection("127.0.0.1", port)
                while time.monotonic() < end:
                    w.write(request)
                    await w.drain()
                    head = await r.readuntil(b"\r\n\r\n")
                    m = re.search(rb"(?i)content-length: *(\d+)", head)
                    if m:
                        await r.readexactly(int(m.group(1)))
                    done[0] += 1
                    if re.search(rb"(?i)connection: *close", head):
                        break
                w.close()
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                await asyncio.sleep(0.01)
    await asyncio.gather(*(one() for _ in range(count)))
    return "%d requests (%.0f/s)" % (done[0], done[0] / seconds)


def run_flood(kind, port, seconds):
    raise_fd_limit()
    if kind == "idle":
        coro = flood_idle(port, seconds)
    elif kind == "slow":
        coro = flood_slow(port, seconds)
    elif kind == "badkeys":
        coro = flood_requests(port, seconds, b"GET /api/v2/incidents HTTP/1.1\r\nHost: x\r\nDD-API-KEY: nope\r\n"
                                               b"DD-APPLICATION-KEY: nope\r\n\r\n")
    elif kind == "metrics":
        coro = flood_requests(port, seconds, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    else:
        raise SystemExit("unknown flood " + kind)
    print(asyncio.run(coro), flush=True)


# ------------------------------------------------------------ the bench ---
def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    binary, source = sys.argv[1], sys.argv[2]
    phase_s = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    phases = sys.argv[4:] or ["none", "idle", "slow", "badkeys", "metrics"]
    raise_fd_limit()
    work = tempfile.mkdtemp(prefix="tocsin-flood-")

    arrivals = {}
    arrivals_lock = threading.Lock()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            m = re.search(rb"flood-probe-\d+", body)
            if m:
                with arrivals_lock:
                    arrivals.setdefault(m.group(0).decode(), time.monotonic())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    config = os.path.join(work, "tocsin.yaml")
    with open(config, "w") as f:
        f.write("""server:
  log_level: info
  metrics_public: true   # the /metrics flood is served, not refused at the key check
channels:
  - {name: pager, type: webhook, url: 'http://127.0.0.1:%d/page'}
rules:
  - rule_name: page
    trigger: {monitors: ['*']}
    incident_settings: {title: '{{monitor.name}}', severity: SEV-2, notifications: [pager]}
""" % receiver.server_address[1])
    data = os.path.join(work, "data")
    keys = json.loads(subprocess.run([binary, "keys", "create", "--config", config, "--data", data, "--name", "ingest",
                                      "--kind", "ingest", "--json"], check=True, capture_output=True).stdout)
    log = open(os.path.join(work, "tocsin.log"), "w")
    server = subprocess.Popen([binary, "serve", "--config", config, "--data", data, "--listen", "127.0.0.1:0"],
                              stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        m = re.search(r"address=http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    threading.Thread(target=lambda: [log.write(l) for l in server.stderr], daemon=True).start()
    if port is None:
        raise SystemExit("tocsin did not start")

    results = []
    probe_no = [0]
    for phase in phases:
        flood = None
        if phase != "none":
            flood = subprocess.Popen([sys.executable, __file__, "--flood", phase, str(port), str(phase_s + 2)],
                                     stdout=subprocess.PIPE, text=True)
            time.sleep(2)  # let the flood build up before measuring (a benchmark, not a test)
        health, health_fail, pages, sent = [], 0, [], {}
        end = time.monotonic() + phase_s
        next_alert = time.monotonic()
        while time.monotonic() < end:
            t0 = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                c.request("GET", "/healthz")
                ok = c.getresponse().status == 200
                c.close()
                if ok:
                    health.append((time.monotonic() - t0) * 1000)
                else:
                    health_fail += 1
            except OSError:
                health_fail += 1
            if time.monotonic() >= next_alert:
                next_alert += 0.5
                probe_no[0] += 1
                name = "flood-probe-%d" % probe_no[0]
                t1 = time.monotonic()
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                    c.request("POST", "/api/integrations/generic", json.dumps({"alerts": [{"monitor": name, "id": name}]}),
                              {"Authorization": "Bearer " + keys["api_key"], "Content-Type": "application/json"})
                    if c.getresponse().status == 200:
                        sent[name] = t1
                    c.close()
                except OSError:
                    pass
            time.sleep(max(0, 0.05 - (time.monotonic() - t0)))
        # Pages still on their way get up to 15 s.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with arrivals_lock:
                if all(n in arrivals for n in sent):
                    break
            time.sleep(0.05)
        with arrivals_lock:
            for n, t in sent.items():
                if n in arrivals:
                    pages.append((arrivals[n] - t) * 1000)
        lost = len(sent) - len(pages)
        flood_note = flood.communicate(timeout=60)[0].strip() if flood else "-"
        row = (phase, len(health), health_fail, percentile(health, 50), percentile(health, 99), max(health or [0]),
               len(pages), lost, percentile(pages, 50), max(pages or [0]), flood_note)
        results.append(row)
        print("%-8s healthz n=%d failed=%d p50=%.1f ms p99=%.1f ms max=%.1f ms | pages n=%d late/lost=%d p50=%.1f ms "
              "max=%.1f ms | flood: %s" % row, flush=True)
    server.terminate()
    server.wait(timeout=60)
    print("\n| flood | healthz answered (failed) | healthz p50 / p99 / max ms | pages (not in 15 s) | page p50 / max ms | flood sent |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print("| %s | %d (%d) | %.1f / %.1f / %.1f | %d (%d) | %.1f / %.1f | %s |" % r)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--flood":
        run_flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        main()
