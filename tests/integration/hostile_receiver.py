#!/usr/bin/env python3
"""A hostile notification receiver for the secrets test: it fails in every way
and echoes what it was sent, tokens and all, so that any leak shows. Listens on
127.0.0.1 (port chosen by the OS), prints "ready PORT".

  /services/...          400, body = the request (line, headers, body)
  /api/chat.postMessage  200 {"ok": false, "error": "invalid_auth for <Authorization>"}
  /pd, /pd-people        400 {"status": "invalid event", "message": "cannot accept <body>"}
  /slow                  never answers (the sender times out)
  anything else          500, body = the request
"""
import http.server
import json
import threading

hold = threading.Event()  # never set: /slow requests wait until the process ends


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        echo = "%s %s\n%s\n%s" % (self.command, self.path, str(self.headers), body)
        path = self.path.split("?")[0]
        if path == "/slow":
            hold.wait()
            return
        if path == "/api/chat.postMessage":
            status, text = 200, json.dumps({"ok": False, "error": "invalid_auth for " + self.headers.get("Authorization", "")})
        elif path in ("/pd", "/pd-people"):
            status, text = 400, json.dumps({"status": "invalid event", "message": "cannot accept " + body})
        elif path.startswith("/services/"):
            status, text = 400, echo
        else:
            status, text = 500, echo
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("ready", server.server_address[1], flush=True)
server.serve_forever()
