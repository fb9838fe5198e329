"""Drives disk_full_test.sh: fill, check while full, check after space returns.

Usage: disk_full.py fill|check ADDR API APP STATE_FILE
  fill  : create an incident, post 16 KiB notes until a write is refused;
          every refusal must be 503 with Retry-After (never 500, never a
          dropped connection); reads must keep working while full. Writes the
          incident id and the acknowledged notes to STATE_FILE.
  check : every acknowledged note is on the timeline exactly once, and a
          new write succeeds (space has returned).
"""
import http.client
import json
import sys
import urllib.parse

mode, addr, api, app, state_file = sys.argv[1:6]
url = urllib.parse.urlparse(addr)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
headers = {"DD-API-KEY": api, "DD-APPLICATION-KEY": app, "Content-Type": "application/json"}


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def call(method, path, body=None):
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def note(incident, text):
    return call("POST", "/api/v2/incidents/%s/timeline" % incident,
                {"data": {"type": "incident_timeline_cells",
                          "attributes": {"cell_type": "markdown", "content": {"content": text}}}})


def notes_on(incident):
    status, _, body = call("GET", "/api/v2/incidents/%s/timeline?page[size]=1000" % incident)
    if status != 200:
        fail("timeline read answered %d: %s" % (status, body[:200]))
    found = []
    for e in json.loads(body)["data"]:
        text = json.dumps(e)
        marker = text.find("fill-")
        if marker >= 0:
            found.append(text[marker:marker + 12].split(" ")[0])
    return found


if mode == "fill":
    status, _, body = call("POST", "/api/v2/incidents",
                           {"data": {"type": "incidents", "attributes": {"title": "disk full", "severity": "SEV-3"}}})
    if status != 201:
        fail("creating the incident answered %d: %s" % (status, body[:200]))
    incident = json.loads(body)["data"]["id"]
    acked = []
    refusals = 0
    for k in range(5000):
        tag = "fill-%06d" % k
        status, hdrs, body = note(incident, tag + " " + "x" * 16000)
        if status == 201:
            if refusals:
                fail("a write succeeded after the disk filled, with no space freed")
            acked.append(tag)
            continue
        if status != 503:
            fail("a write on a full disk answered %d (want 503): %s" % (status, body[:300]))
        if "Retry-After" not in hdrs:
            fail("503 without Retry-After")
        refusals += 1
        if refusals >= 5:
            break
    if refusals == 0:
        fail("the disk never filled")
    if not acked:
        fail("no write succeeded before the disk filled")
    # Reads keep working while the disk is full.
    for path in ["/api/v2/incidents/" + incident, "/api/v2/incidents?page[size]=10", "/healthz"]:
        status, _, body = call("GET", path)
        if status != 200:
            fail("GET %s on a full disk answered %d: %s" % (path, status, body[:200]))
    seen = notes_on(incident)
    if sorted(seen) != acked:
        fail("while full: %d notes acknowledged, %d on the timeline" % (len(acked), len(seen)))
    json.dump({"incident": incident, "acked": acked}, open(state_file, "w"))
    print("filled: %d notes acknowledged, then %d writes refused with 503 + Retry-After; reads served" %
          (len(acked), refusals))
else:
    state = json.load(open(state_file))
    incident = state["incident"]
    status, _, body = note(incident, "fill-999999 after space returned")
    if status != 201:
        fail("a write after space returned answered %d: %s" % (status, body[:300]))
    seen = notes_on(incident)
    want = state["acked"] + ["fill-999999"]
    if sorted(seen) != sorted(want):
        missing = sorted(set(want) - set(seen))
        dup = len(seen) - len(set(seen))
        fail("acknowledged notes missing %s, duplicates %d" % (missing[:5], dup))
    print("checked: all %d acknowledged notes present once, writes resumed" % len(want))
