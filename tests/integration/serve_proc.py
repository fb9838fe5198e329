"""Starts `tocsin serve` for the Python process-level tests (crash_cycles.py,
tests/pg/replicas_fault.py): listens on 127.0.0.1:0, reads the bound address
from its "tocsin listening" line, then copies the rest of its log to a file."""
import re
import subprocess
import threading


def serve(binary, args, log_path, env=None):
    """Returns (process, port); port is None when the server exited before
    listening (its log says why)."""
    log = open(log_path, "a")
    proc = subprocess.Popen([binary, "serve"] + list(args) + ["--listen", "127.0.0.1:0"],
                            stderr=subprocess.PIPE, text=True, env=env)
    port = None
    for line in proc.stderr:  # ends at EOF if the process exits; ctest's timeout bounds the rest
        log.write(line)
        m = re.search(r"address(?:=|\":\")http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        log.close()
        return proc, None

    def drain():
        for rest in proc.stderr:
            log.write(rest)
            log.flush()
        log.close()
    threading.Thread(target=drain, daemon=True).start()
    return proc, port
