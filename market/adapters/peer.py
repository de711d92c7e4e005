"""Whether the client of a streaming response has gone, asked of its socket without waiting.

A stream that only writes learns of a departed client late (the kernel accepts a write or two
after the peer closed). At each heartbeat the stream asks here instead: a closed peer reads as
end-of-file. poll(2) is used, not select(2), which fails on descriptors above 1023 (a feed
process holds thousands); under gevent its own (unpatched) poll, since the patched one with a
zero timeout returns before the event loop has looked at the descriptor."""
from __future__ import annotations

import select
import socket


def _poll_factory():
    try:
        from gevent import monkey
    except ImportError:
        return select.poll
    if monkey.is_module_patched("select"):
        return monkey.get_original("select", "poll")
    return select.poll


_poll = _poll_factory()
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def peer_closed(sock) -> bool:
    """True when `sock`'s peer has closed (or the socket is broken); False when unknown."""
    if sock is None:
        return False
    try:
        poller = _poll()
        poller.register(sock.fileno(), select.POLLIN)
        ready = poller.poll(0)
        if not ready:
            return False
        if ready[0][1] & _GONE:
            return True
        return sock.recv(1, socket.MSG_PEEK) == b""   # readable: EOF, or bytes sent after the request
    except BlockingIOError:
        return False
    except (OSError, ValueError):
        return True
