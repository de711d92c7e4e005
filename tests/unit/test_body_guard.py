"""The nesting scan that guards every JSON body: it counts depth, not brackets in text or siblings."""
import pytest

from market.api.body_guard import json_depth_exceeds


@pytest.mark.parametrize("data, limit, expected", [
    (b"[[[]]]", 3, False),
    (b"[[[[]]]]", 3, True),
    (b'{"a": "[[[[[[[[[["}', 2, False),             # brackets inside text do not count
    (b'{"a": "\\"[[[[[[", "b": [[1]]}', 3, False),  # nor after an escaped quote
    (b'[{"a": [{"b": [1]}]}]', 4, True),
    (b"[]" * 1000, 1, False),                       # many siblings are not depth
])
def test_json_depth_scan_counts_only_nesting(data, limit, expected):
    assert json_depth_exceeds(data, limit) is expected
