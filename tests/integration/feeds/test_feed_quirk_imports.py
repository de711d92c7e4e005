"""The quirk families through the whole import into a real database: each row
is stored with exactly the market's meaning or reported as a row error, the
warnings are kept beside the errors, and the run's counts reconcile."""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from market.adapters.orm_imports import import_warnings
from market.services.imports import import_feed
from tests.unit.feeds import quirks as q

ROWS = 4
_files = itertools.count(1)


def stored(uow, market: str, external_id: str) -> dict | None:
    listing = uow.achievements.listing_by_external_id(market, external_id)
    if listing is None:
        return None
    a = uow.achievements.get(listing.achievement_id)
    return {"title": a.title, "abstract": a.abstract, "price_fen": listing.price_fen, "negotiable": listing.negotiable,
            "listed_on": listing.listed_on, "province": a.province, "city": a.city, "district": a.district,
            "application_numbers": a.application_numbers, "holder_name": a.holder.name, "keywords": a.keywords}


SETTINGS = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def import_quirky_file(data, family, families, applies, base, write, uow_factory, clock, tmp_path):
    """Valid rows of a drawn market, one quirk of ``family`` on one of them, imported as the platform;
    checks the counts reconcile and the warnings and errors are exactly the expected ones."""
    market = data.draw(st.sampled_from(applies.get(family, q.MARKETS)))
    offset = next(_files) * 100
    rows, expects = map(list, zip(*(base(market, i + offset) for i in range(ROWS))))
    target = data.draw(st.integers(min_value=0, max_value=ROWS - 1))
    rows[target], expects[target] = families[family](market, rows[target], expects[target], data.draw)
    path = tmp_path / f"{market.lower()}_{offset}.{'csv' if market in q.CSV_MARKETS else 'json'}"
    path.write_bytes(write(market, rows))

    report = import_feed(uow_factory(), market, path, path.name, None, clock.now())

    counts = report["counts"]
    rejected = sum(1 for e in expects if e.reject)
    assert counts["rows_read"] == ROWS and report["reconciles"]
    assert (counts["rejected"], counts["created"]) == (rejected, ROWS - rejected)
    warned = {(w["row"], w["field"]) for w in report["warnings"]}
    assert warned == {(i + 1, column) for i, e in enumerate(expects) if not e.reject for column in e.warned}
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (i + 1, e.reject) for i, e in enumerate(expects) if e.reject}
    with uow_factory() as uow:
        assert uow.session.query(import_warnings).filter_by(run_id=report["id"]).count() == len(warned)
    return market, offset, expects


@pytest.mark.parametrize("family", sorted(q.FAMILIES))
@SETTINGS
@given(data=st.data())
def test_an_imported_quirk_is_stored_as_meant_or_reported_and_the_counts_reconcile(
        family, data, uow_factory, clock, tmp_path):
    market, offset, expects = import_quirky_file(data, family, q.FAMILIES, q.APPLIES, q.base_row_at, q.write,
                                                 uow_factory, clock, tmp_path)
    with uow_factory() as uow:
        for i, expect in enumerate(expects):
            if expect.reject or market == "AH":
                continue  # AH is keyed by patent number / title + holder: checked below
            values = stored(uow, market, f"{market}-P-{i + offset:04d}")
            assert {k: values[k] for k in expect.values} == expect.values
        if market == "AH":
            kept = [e for e in expects if not e.reject]
            for expect in kept:
                key = "P" + expect.values["application_numbers"][0]
                values = stored(uow, market, key)
                assert {k: values[k] for k in expect.values} == expect.values


def test_an_unclosed_quote_in_a_js_title_counts_every_row_of_the_file(run_import, tmp_path):
    rows = [q.base_row("JS", i, 9000)[0] for i in range(20)]
    rows[12] = rows[12] | {"abstract": "含\"引号\"的简介"}
    line = q.csv_line("JS", rows[5])
    rows[5] = {"!line": line.replace(rows[5]["title"], '"' + rows[5]["title"], 1)}
    path = tmp_path / "js.csv"
    path.write_bytes(q.write("JS", rows))
    report = run_import("JS", path)
    assert report["counts"] == {"rows_read": 20, "created": 19, "updated": 0, "unchanged": 0, "withdrawn": 0,
                                "rejected": 1}
    [error] = report["errors"]
    assert (error["row"], error["external_id"]) == (6, "JS-P-9005") and "第 7–14 行" in error["reason"]


@pytest.mark.parametrize("family", sorted(q.DEMAND_FAMILIES))
@SETTINGS
@given(data=st.data())
def test_an_imported_demand_quirk_is_stored_as_meant_or_reported_and_the_counts_reconcile(
        family, data, uow_factory, clock, tmp_path):
    market, offset, expects = import_quirky_file(data, family, q.DEMAND_FAMILIES, q.DEMAND_APPLIES, q.base_demand,
                                                 q.write_demands, uow_factory, clock, tmp_path)
    with uow_factory() as uow:
        for i, expect in enumerate(expects):
            demand = uow.demands.by_external_id(market, f"{market}-D-{i + offset:04d}")
            if expect.reject:
                assert demand is None
                continue
            values = {name: getattr(demand, name) for name in expect.values if name != "enterprise_name"}
            assert values | {"enterprise_name": demand.enterprise.name} == expect.values
