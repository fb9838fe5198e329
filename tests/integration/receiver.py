#!/usr/bin/env python3
"""A local webhook receiver for integration tests: answers 200 and appends each
request's Idempotency-Key to a file (one per line)."""
import http.server
import sys
import threading

port, out_path = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with lock, open(out_path, "a") as out:
            out.write(self.headers.get("Idempotency-Key", "-") + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
