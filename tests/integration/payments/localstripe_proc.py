"""Start localstripe (a Stripe-compatible test server) in a child process on a
free 127.0.0.1 port.

Its CLI listens on every interface and pickles its whole store to
/tmp/localstripe.pickle after every change, which parallel test runs would
share; the child here binds 127.0.0.1 only and keeps its store in memory.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

BOOT = r"""
import sys
import aiohttp.web
from localstripe import resources, server
# keep the store in memory: no shared /tmp/localstripe.pickle between runs
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None
aiohttp.web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]),
                    print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStripe:
    def __init__(self):
        self.port = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, attempts: int = 3) -> "LocalStripe":
        last = None
        for _ in range(attempts):
            self.port = free_port()
            self.proc = subprocess.Popen([sys.executable, "-c", BOOT, str(self.port)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
            try:
                self._wait_ready()
                return self
            except RuntimeError as exc:   # port taken between probe and bind: try another
                last = exc
                self.stop()
        raise RuntimeError(f"localstripe did not start: {last}")

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"localstripe exited: {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("localstripe did not listen in time")

    def reset(self) -> None:
        """Forget every object (`DELETE /_config/data`)."""
        req = urllib.request.Request(self.url + "/_config/data", method="DELETE")
        urllib.request.urlopen(req, timeout=5).close()

    def register_webhook(self, name: str, url: str, secret: str, events: list[str] | None = None):
        from urllib.parse import urlencode
        fields = [("url", url), ("secret", secret)] + [("events[]", e) for e in events or []]
        req = urllib.request.Request(self.url + f"/_config/webhooks/{name}",
                                     data=urlencode(fields).encode(), method="POST")
        urllib.request.urlopen(req, timeout=5).close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
