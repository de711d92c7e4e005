"""The text encodings the markets' files come in, tried in one order everywhere
(the contract register, the feeds' header hints): UTF-8 (with or without BOM), then GB18030."""
from __future__ import annotations

from typing import Iterator

USUAL_ENCODINGS = ("utf-8-sig", "gb18030")


def decodings(data: bytes, skip: str | None = None) -> Iterator[tuple[str, str]]:
    """(text, encoding) for each usual encoding (other than ``skip``) that decodes ``data``, in order."""
    for encoding in USUAL_ENCODINGS:
        if encoding == skip:
            continue
        try:
            yield data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue


def decode_usual(data: bytes) -> tuple[str, str] | None:
    """The first usual reading of ``data``, or None when no usual encoding decodes it."""
    return next(decodings(data), None)
