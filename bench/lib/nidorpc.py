# One JSON-RPC connection to nidod for the benchmarks' API figures (the
# daemon's own cost, no CLI process): bench/ct, bench/storage.
import json
import socket


class Conn:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.f = self.sock.makefile("rw")
        self.rid = 0

    def call(self, method, params):
        """Sends one request; returns its answer (events before it are
        skipped); an error answer ends the benchmark with its message."""
        self.rid += 1
        self.f.write(json.dumps({"jsonrpc": "2.0", "id": self.rid,
                                 "method": method, "params": params}) + "\n")
        self.f.flush()
        while True:
            m = json.loads(self.f.readline())
            if m.get("id") == self.rid:
                if "error" in m:
                    raise SystemExit(m["error"]["message"])
                return m

    def readline(self):
        """The next line the daemon sends (an event), parsed."""
        return json.loads(self.f.readline())
