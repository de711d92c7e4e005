"""A mirror built only from GET /api/v1/changes equals the public catalogue after concurrent
imports on PostgreSQL, while a transaction that started before them commits after them (the
change a naive "ids above my cursor" reader would skip for ever)."""
from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

import pytest

from market.services.imports import import_feed

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
pytestmark = pytest.mark.postgres


@pytest.fixture
def database_url(postgres_url):
    return postgres_url


def synthetic_feeds(tmp_path) -> list[tuple[str, Path]]:
    """Bigger feeds made from the fixtures' first rows: 300 SH achievements, 300 JS demands."""
    first = json.loads((FEEDS / "sh_achievements.jsonl").read_text(encoding="utf-8").splitlines()[0])
    sh = tmp_path / "sh_many.jsonl"
    sh.write_text("".join(json.dumps({**first, "projectNo": f"SH-M-{i:04d}", "title": f"{first['title']}（第{i}型）",
                                      "patentNo": None}, ensure_ascii=False) + "\n" for i in range(300)),
                  encoding="utf-8")
    rows = list(csv.reader(io.StringIO((FEEDS / "js_demands.csv").read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rows[0])
    for i in range(300):
        writer.writerow([f"JS-D-M{i:04d}", f"{rows[1][1]}（{i}）", *rows[1][2:]])
    js = tmp_path / "js_many.csv"
    js.write_text(out.getvalue(), encoding="utf-8")
    return [("SH", sh), ("JS", js)]


class Mirror:
    """What a market keeps: the last representation per entity, from the feed alone."""

    def __init__(self, app):
        self.client = app.test_client()
        self.cursor = None
        self.items: dict[tuple[str, int], dict] = {}
        self.seen_ids: list[int] = []

    def poll(self) -> bool:
        """One page; True when the feed had nothing more."""
        query = {"limit": 50, "types": "achievement,demand", **({"after": self.cursor} if self.cursor else {})}
        page = self.client.get("/api/v1/changes", query_string=query).get_json()
        for change in page["changes"]:
            self.seen_ids.append(change["id"])
            key = (change["entity_type"], change["entity_id"])
            if change["object"] is None:
                self.items.pop(key, None)
            else:
                self.items[key] = change["object"]
        self.cursor = page["next_cursor"]
        return not page["has_more"]

    def catch_up(self) -> None:
        while not self.poll():
            pass


def public_catalogue(services) -> dict[tuple[str, int], dict]:
    from market.adapters import orm
    from sqlalchemy import select
    with services.uow_factory() as uow:
        out = {}
        for entity_type, table in (("achievement", orm.achievements), ("demand", orm.demands)):
            ids = list(uow.session.scalars(select(table.c.id)))
            for ident, view in uow.federation.representations(entity_type, ids).items():
                out[(entity_type, ident)] = view
        return out


def test_a_mirror_from_the_change_feed_equals_the_catalogue_after_concurrent_imports(app, client, cast, services,
                                                                                    tmp_path):
    early = client.post("/api/v1/achievements", headers=cast["uni_member"], json={
        "title": "早开始晚提交的成果", "abstract": "摘要", "ip_type": "发明专利", "field": "新材料",
        "market_code": "SH", "price_fen": 100_00}).get_json()["id"]
    client.post(f"/api/v1/achievements/{early}/submit", headers=cast["uni_member"])
    assert client.post(f"/api/v1/achievements/{early}/review", json={"decision": "approve"},
                       headers=cast["op_sh"]).status_code == 200
    mirror = Mirror(app)
    mirror.catch_up()

    # the transaction that starts first (its row written and locked now) and commits last
    slow = services.uow_factory()
    slow.__enter__()
    slow.achievements.get(early).price_fen = 123_456_00
    slow.flush()

    stop, errors = threading.Event(), []

    def keep_mirroring():
        while not stop.is_set():
            try:
                mirror.poll()
            except Exception as exc:   # noqa: BLE001 - reported below
                errors.append(exc)
                return

    def run_import(market, path):
        try:
            import_feed(services.uow_factory(), market, path, None, None, services.clock.now(), batch_rows=25)
        except Exception as exc:   # noqa: BLE001 - reported below
            errors.append(exc)

    poller = threading.Thread(target=keep_mirroring)
    imports = [threading.Thread(target=run_import, args=args)
               for args in synthetic_feeds(tmp_path)]
    poller.start()
    for t in imports:
        t.start()
    for t in imports:
        t.join()
    stop.set()
    poller.join()
    mirror.catch_up()                                   # everything the imports committed, seen
    assert mirror.items[("achievement", early)]["price_fen"] == 100_00

    slow.commit()                                       # commits last
    slow.__exit__(None, None, None)
    mirror.catch_up()

    assert errors == []
    catalogue = public_catalogue(services)
    assert len(catalogue) > 500
    assert mirror.items == catalogue
    assert mirror.items[("achievement", early)]["price_fen"] == 123_456_00
    assert mirror.seen_ids == sorted(set(mirror.seen_ids))      # in order, none twice
