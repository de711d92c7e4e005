"""Refuse JSON bodies nested deeper than any of our schemas needs, before anything parses them.

Why: Python's JSON decoder and every recursive walk over its result (the schemas, the text
check in `reject_unstorable_text`) recurse once per level, so a body of a few kilobytes nested a
thousand levels deep raised RecursionError, a 500. The scan here is iterative (a flat loop over
brackets outside strings), so it cannot fail that way itself; it runs first, on every route."""
from __future__ import annotations

import re

from flask import current_app, request

from market.domain.errors import DomainError

DEFAULT_MAX_JSON_DEPTH = 32

# a JSON string (escapes included) or one bracket; strings are skipped whole, so brackets in text do not count
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """True when `data` opens more than `limit` arrays/objects inside one another."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False       # cannot be deeper than the number of openers: the usual, free case
    depth = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if len(token) != 1:
            continue       # a string
        if token[0] in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def refuse_deep_json():
    """The one place a JSON body is first read (and cached for the views): too deep is a 400."""
    if not request.is_json:
        return None
    limit = int(current_app.config.get("MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))
    if json_depth_exceeds(request.get_data(cache=True), limit):
        message = f"JSON 嵌套超过 {limit} 层 (JSON nested deeper than {limit} levels)"
        raise DomainError(message, {"json": [message]})
    return None
