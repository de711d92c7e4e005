"""Documents for the adapter contract suite."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from market.adapters.search.base import SearchDocument

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


def make_doc(entity_id: int, title: str, body: str = "", *, doc_type: str = "achievement", days: int = 0,
             **kw) -> SearchDocument:
    defaults = dict(keywords=[], org="测试机构", field="电子信息", markets=["SH"], province="上海",
                    ip_type="发明专利" if doc_type == "achievement" else None, modes=["转让"],
                    price_fen=None, status="published" if doc_type == "achievement" else "open", public=True,
                    published_at=T0 + timedelta(days=days), updated_at=T0)
    defaults.update(kw)
    if "price_low_fen" not in kw:
        defaults["price_low_fen"] = defaults["price_fen"]
    return SearchDocument(doc_type=doc_type, entity_id=entity_id, title=title, body=body,
                          version=f"v{entity_id}", **defaults)


def publish_achievement(uow_factory, holder_id: int, title: str, abstract: str = "", *, now=T0,
                        market_code: str = "SH", province: str = "上海", **kw) -> int:
    """A published achievement committed through the unit of work (so the hooks run)."""
    from market.domain.achievements import Achievement
    uow = uow_factory()
    with uow:
        a = Achievement(title=title, abstract=abstract, holder_id=holder_id, market_code=market_code,
                        field=kw.pop("field", "电子信息"), ip_type=kw.pop("ip_type", "发明专利"), now=now,
                        province=province, **kw)
        a.publish_imported(None, now)
        uow.achievements.add(a)
        uow.commit()
        return a.id


def make_org(uow_factory, name: str = "沪东理工大学", kind: str = "university", province: str = "上海") -> int:
    from market.services.accounts import create_organisation
    return create_organisation(uow_factory(), name=name, kind=kind, province=province, city=None,
                               credit_code=None, now=T0)["id"]


def writer_process(database_url: str, index_dir: str, holder_id: int, worker: int, count: int) -> None:
    """One web worker: its own app, engine and index handle, committing `count` changes."""
    from market import create_app
    app = create_app("testing", DATABASE_URL=database_url, SEARCH_BACKEND="whoosh", SEARCH_INDEX_DIR=index_dir)
    uow_factory = app.extensions["market"].uow_factory
    for i in range(count):
        ident = publish_achievement(uow_factory, holder_id, f"并发写入{worker}号成果{i}", "多进程写索引")
        uow = uow_factory()
        with uow:  # a second change to the same listing right away: its latest state must win
            a = uow.achievements.get(ident)
            a.price_fen, a.negotiable = 1000 * (i + 1), False
            a.record_change(None, T0, "price", {"price_fen": [None, a.price_fen]})
            uow.commit()
    app.extensions["market"].extra["engine"].dispose()
