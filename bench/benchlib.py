#!/usr/bin/env python3
"""Helpers for bench/http_bench.sh (standard library only).

  benchlib.py start --bin B --config C --data D --log L [--wait-line]
      Starts `B serve` on a free 127.0.0.1 port in its own session, with
      stdout/stderr to L, waits until it is ready and prints
      `PID PORT STARTUP_MS`, then exits and leaves the server running.
      --wait-line: ready = the "tocsin listening" log line (needs log_level
      info); STARTUP_MS is from just before exec to that line. Otherwise
      ready = GET /healthz answers 200.
  benchlib.py summary RESULTS.tsv
      Prints the summary table (median of the runs, then every run) from
      lines "metric<TAB>run<TAB>value".
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/healthz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


def start(args):
    port = free_port()
    log = open(args.log, "ab")
    offset = log.tell()
    env = dict(os.environ)
    cmd = [args.bin, "serve", "--config", args.config, "--data", args.data, "--listen", f"127.0.0.1:{port}"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
    deadline = t0 + args.timeout
    seen = None
    with open(args.log, "rb") as tail:
        tail.seek(offset)
        buf = b""
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                sys.stderr.write(f"benchlib: tocsin exited with {proc.returncode} before it was ready; see {args.log}\n")
                return 1
            if args.wait_line:
                chunk = tail.read()
                if chunk:
                    buf += chunk
                    if b"tocsin listening" in buf:
                        seen = time.monotonic()
                        break
                time.sleep(0.0005)
            else:
                if healthy(port):
                    seen = time.monotonic()
                    break
                time.sleep(0.005)
    if seen is None:
        proc.kill()
        sys.stderr.write(f"benchlib: tocsin not ready after {args.timeout}s; see {args.log}\n")
        return 1
    print(proc.pid, port, f"{(seen - t0) * 1000:.1f}")
    return 0


# metric -> (label, unit, target, lower_is_better)
METRICS = [
    ("create_rps", "durable creations/s (POST, wrk -c64)", "/s", 10000, False),
    ("create_p50_ms", "  creation latency p50", "ms", None, True),
    ("create_p99_ms", "  creation latency p99", "ms", None, True),
    ("create_cpu_us", "  server CPU per creation", "us", None, True),
    ("get_p50_ms", "GET one incident p50", "ms", None, True),
    ("get_p99_ms", "GET one incident p99", "ms", None, True),
    ("get_rps", "  GET one incident throughput", "/s", None, False),
    ("get_cpu_us", "  server CPU per GET", "us", None, True),
    ("small_db_incidents", "  incidents in the small DB when listed", "", None, True),
    ("list_p50_ms", "list page of 100 p50 (small DB)", "ms", None, True),
    ("list_p99_ms", "list page of 100 p99 (small DB)", "ms", None, True),
    ("list_rps", "  list page of 100 throughput (small DB)", "/s", None, False),
    ("list_cpu_us", "  server CPU per list request (small DB)", "us", None, True),
    ("idle_cpu_small_pct", "idle server CPU after the runs (small DB)", "%", None, True),
    ("startup_empty_ms", "start-up, empty DB (exec -> listening)", "ms", None, True),
    ("rss_empty_mb", "idle RSS, empty DB", "MB", 30, True),
    ("startup_1m_ms", "start-up, 1M incidents (exec -> listening)", "ms", 300, True),
    ("rss_1m_mb", "idle RSS, 1M incidents", "MB", 30, True),
    ("idle_cpu_1m_pct", "idle server CPU, 1M incidents", "%", None, True),
    ("list1m_p50_ms", "1M: list page of 100 (newest) p50", "ms", None, True),
    ("list1m_p99_ms", "1M: list page of 100 (newest) p99", "ms", 5, True),
    ("list1m_rps", "  1M: list throughput", "/s", None, False),
    ("list1m_cpu_us", "  1M: server CPU per list request", "us", None, True),
    ("listrand1m_p50_ms", "1M: list page of 100 at random offset p50", "ms", None, True),
    ("listrand1m_p99_ms", "1M: list page of 100 at random offset p99", "ms", 5, True),
    ("listrand1m_rps", "  1M: random-offset list throughput", "/s", None, False),
    ("search1m_p50_ms", "1M: search state:active AND severity:SEV-1 p50", "ms", None, True),
    ("search1m_p99_ms", "1M: search state:active AND severity:SEV-1 p99", "ms", None, True),
    ("search1m_rps", "  1M: search throughput", "/s", None, False),
    ("search1m_cpu_us", "  1M: server CPU per search", "us", None, True),
    ("searchbroad1m_p50_ms", "1M: search severity:SEV-1 p50", "ms", None, True),
    ("searchbroad1m_p99_ms", "1M: search severity:SEV-1 p99", "ms", None, True),
    ("searchbroad1m_rps", "  1M: broad search throughput", "/s", None, False),
    ("get1m_p50_ms", "1M: GET one incident p50", "ms", None, True),
    ("get1m_p99_ms", "1M: GET one incident p99", "ms", None, True),
    ("offset0_ms", "1M: one list request, page[offset]=0", "ms", None, True),
    ("offset_half_ms", "1M: one list request, page[offset]=N/2", "ms", None, True),
    ("offset_deep_ms", "1M: one list request, page[offset]=0.9 N", "ms", None, True),
    ("rss_1m_after_mb", "RSS after the 1M read load", "MB", None, True),
]


def fmt(v):
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def summary(args):
    values = {}
    with open(args.results) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            try:
                values.setdefault(parts[0], []).append(float(parts[2]))
            except ValueError:
                pass
    rows = [("measurement", "median", "target", "runs")]
    for key, label, unit, target, lower in METRICS:
        if key not in values:
            continue
        vs = values[key]
        med = statistics.median(vs)
        t = ""
        if target is not None:
            met = med <= target if lower else med >= target
            t = f"{'<=' if lower else '>='} {target:g} {unit}: {'met' if met else 'MISSED'}"
        rows.append((label, f"{fmt(med)} {unit}", t, ", ".join(fmt(v) for v in vs)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--bin", required=True)
    s.add_argument("--config", required=True)
    s.add_argument("--data", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--wait-line", action="store_true")
    s.add_argument("--timeout", type=float, default=120)
    m = sub.add_parser("summary")
    m.add_argument("results")
    a = p.parse_args()
    return start(a) if a.cmd == "start" else summary(a)


if __name__ == "__main__":
    sys.exit(main())
