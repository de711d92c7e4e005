"""Idempotency keys (`Idempotency-Key`): a retried request gets its first answer back, and only
the same request does.

A key names one request. Reused with another body (another amount, another lot), it is a client
bug, not a retry: answering with the first request's answer would tell the bidder its new bid
was taken when it was never looked at. So the first request's fingerprint is stored with its
answer, and a request under the same key is replayed only if its fingerprint matches; otherwise
it is refused with 422 `idempotency_key_reused`, naming the key.
"""
from __future__ import annotations

import hashlib
import json

from .errors import ValidationFailed

HEADER = "Idempotency-Key"
KEY_REUSED = "idempotency_key_reused"


def request_fingerprint(**request) -> str:
    """A stable digest of what the request asks for (the target and the body's fields)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def require_same_request(key: str, stored_fingerprint: str | None, fingerprint: str) -> None:
    """Refuse a key reused for a different request. An answer stored before fingerprints were
    kept (None) cannot be compared: it is replayed, as it always was."""
    if stored_fingerprint is not None and stored_fingerprint != fingerprint:
        raise key_reused(key)


def key_reused(key: str) -> ValidationFailed:
    return ValidationFailed(
        f"幂等键「{key}」已用于另一请求 ({HEADER} '{key}' was already used for a different request: {KEY_REUSED})",
        {HEADER: [KEY_REUSED]})
