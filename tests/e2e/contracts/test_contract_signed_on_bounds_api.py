"""A contract's signing date lies between 1987-01-01 (技术合同法) and today (422 naming the field)."""
import pytest


@pytest.mark.parametrize("signed_on, status", [("1987-01-01", 201), ("1986-12-31", 422), ("1897-05-01", 422),
                                               ("2026-01-15", 201), ("2026-01-16", 422)])
def test_contract_is_signed_on_or_after_1987_and_not_in_the_future(deal, signed_on, status):
    response = deal(signed_on=signed_on)
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert list(response.get_json()["errors"]) == ["signed_on"]
