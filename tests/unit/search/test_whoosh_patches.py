"""The Whoosh adapter patches whoosh-reloaded internals (market/adapters/search/whoosh_patches.py).

These hashes pin the upstream source of every function a patch replaces or wraps, read from the
installed package's files (not the patched objects). A whoosh-reloaded release that changes one
fails here: review that patch against the new code, then update its hash.
"""
from __future__ import annotations

import ast
import hashlib
import importlib
import inspect

from market.adapters.search import whoosh_patches

UPSTREAM_HASHES = {
    "whoosh.codec.whoosh3:W3PerDocReader._cached_reader": "f49935d865031822",
    "whoosh.codec.whoosh3:W3TermInfo.set_inlined": "0aa9dcc2827bfaa6",
    "whoosh.codec.whoosh3:W3LeafMatcher._read_ids": "66dd19b1dd9066ec",
    "whoosh.scoring:WeightLengthScorer.setup": "a4abdbf11df00759",
    "whoosh.externalsort:SortingPool._write_run": "2f76c091fd022f4c",
    "whoosh.externalsort:SortingPool._read_run": "7bc596b493ff4d1d",
    "whoosh.writing:PostingPool.add": "cac3d8514e307c06",
    "whoosh.filedb.filestore:FileStorage.create": "90a098f0539e6a33",
    "whoosh.writing:SegmentWriter._finish": "ce183d976094fb56",
    "whoosh.writing:SegmentWriter.reader": "5df4963b469eeae9",
}


def upstream_hash(module: str, qualname: str) -> str | None:
    """Hash of the function's syntax tree in the installed source file (None if it is gone)."""
    tree = ast.parse(open(inspect.getsourcefile(importlib.import_module(module)), encoding="utf-8").read())
    class_name, name = qualname.split(".")
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == name:
                    return hashlib.sha256(ast.dump(item).encode()).hexdigest()[:16]
    return None


def test_every_patched_upstream_function_is_pinned():
    assert {f"{m}:{q}" for m, q in whoosh_patches.PATCHED} == set(UPSTREAM_HASHES)


def test_the_patched_upstream_functions_are_unchanged_since_the_patches_were_written():
    changed = {key: upstream_hash(*key.split(":")) for key in UPSTREAM_HASHES}
    changed = {key: h for key, h in changed.items() if h != UPSTREAM_HASHES[key]}
    assert not changed, f"whoosh-reloaded changed patched internals; review whoosh_patches.py: {changed}"
