"""A fault-injecting HTTP proxy between the stripe library and localstripe.

Modes, switchable between calls:
- "pass": forward and answer;
- "down": answer 503 without forwarding (Stripe unavailable; nothing happened);
- "lose_response": forward (Stripe applies the call) then drop the connection,
  so the client cannot know whether it happened;
- "slow": forward, then wait past the client's timeout before answering.
"""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultProxy:
    def __init__(self, upstream: str, slow_seconds: float = 3.0):
        self.upstream = upstream.rstrip("/")
        self.mode = "pass"
        self.only = None          # a path suffix the fault applies to; None: every request
        self.plan: list[str] = []  # modes for the next requests, in order, before `mode` applies
        self._lock = threading.Lock()
        self.slow_seconds = slow_seconds
        self.forwarded: list[tuple[str, str]] = []   # (method, path) that reached upstream
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy._lock:
                    mode = proxy.plan.pop(0) if proxy.plan else proxy.mode
                if proxy.only and not self.path.split("?")[0].endswith(proxy.only):
                    mode = "pass"
                if mode == "down":
                    self._reply(503, b'{"error": {"type": "api_error", "message": "down"}}', {})
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                req = urllib.request.Request(proxy.upstream + self.path, data=body,
                                             headers=headers, method=self.command)
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, data = resp.status, resp.read()
                except urllib.error.HTTPError as err:
                    status, data = err.code, err.read()
                proxy.forwarded.append((self.command, self.path.split("?")[0]))
                if mode == "lose_response":
                    self.close_connection = True
                    self.connection.close()
                    return
                if mode == "slow":
                    time.sleep(proxy.slow_seconds)
                self._reply(status, data, {})

            def _reply(self, status, data, headers):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            do_GET = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FaultProxy":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, p in self.forwarded if m == method and p.endswith(suffix))
