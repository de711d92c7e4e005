"""The de-duplication keys (market.domain.dedup): one home for the P:/T: keys and for
the rule that a file's later row wins."""
from market.domain.dedup import LaterRowWins, match_keys, synthetic_key


def test_patent_numbers_are_the_keys_when_there_are_any():
    assert match_keys(["202310000001.5", "202310000002.X"], "甲方法", "东海理工大学") == [
        "P:202310000001.5", "P:202310000002.X"]


def test_without_patents_the_normalised_title_and_holder_make_one_key():
    key = match_keys([], "一種測試裝置", "东海理工大学")
    assert key == match_keys(None, "一种 测试装置", "东海理工大学") and key[0].startswith("T:")
    assert key != match_keys([], "一种测试装置", "西湖大学")


def test_a_market_without_ids_gets_a_synthetic_one_from_the_same_normalisation():
    assert synthetic_key(["202310000001.5"], "x", "y") == "P202310000001.5"
    assert synthetic_key([], "一種測試裝置", "东海理工大学") == synthetic_key([], "一种测试装置", "东海理工大学")


def test_the_last_row_of_an_id_sent_twice_wins():
    ids = LaterRowWins()
    for external_id, row in (("A", 1), ("B", 2), ("A", 3), (None, 4), ("A", 5)):
        ids.see(external_id, row)
    assert ids.winners == {"A": 5}
    assert LaterRowWins.superseded_by(ids.winners, "A", 1) == 5
    assert LaterRowWins.superseded_by(ids.winners, "A", 5) is None
    assert LaterRowWins.superseded_by(ids.winners, "B", 2) is None
