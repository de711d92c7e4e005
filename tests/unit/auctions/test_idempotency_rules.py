"""An Idempotency-Key replays the first answer to the same request only."""
from __future__ import annotations

import pytest

from market.domain.errors import ValidationFailed
from market.domain.idempotency import KEY_REUSED, request_fingerprint, require_same_request


def test_same_key_with_the_same_request_is_replayed():
    first = request_fingerprint(lot_id=1, amount_fen=500_000_00, max_amount_fen=None)
    require_same_request("k-1", first, request_fingerprint(max_amount_fen=None, amount_fen=500_000_00, lot_id=1))


@pytest.mark.parametrize("other", [dict(lot_id=1, amount_fen=510_000_00, max_amount_fen=None),
                                   dict(lot_id=2, amount_fen=500_000_00, max_amount_fen=None),
                                   dict(lot_id=1, amount_fen=None, max_amount_fen=500_000_00)])
def test_same_key_with_a_different_request_is_refused_naming_the_key(other):
    first = request_fingerprint(lot_id=1, amount_fen=500_000_00, max_amount_fen=None)
    with pytest.raises(ValidationFailed) as err:
        require_same_request("k-1", first, request_fingerprint(**other))
    assert err.value.status == 422
    assert err.value.errors == {"Idempotency-Key": [KEY_REUSED]} and "k-1" in err.value.message


def test_answer_stored_without_a_fingerprint_is_replayed():
    require_same_request("k-1", None, request_fingerprint(lot_id=1, amount_fen=1, max_amount_fen=None))
