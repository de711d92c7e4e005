"""The database is the source of truth; the Whoosh index follows every commit
(on SQLite and on PostgreSQL)."""
import multiprocessing

from sqlalchemy import func, select

from market.adapters.orm_search import search_outbox
from market.adapters.search.base import SearchQuery
from market.services.search import check_index, reindex
from search_fixtures import T0, make_org, publish_achievement, writer_process


def found(services, text):
    return [h.entity_id for h in services.search_index.search(SearchQuery(text)).hits]


def outbox_rows(services):
    with services.extra["session_factory"]() as session:
        return session.scalar(select(func.count()).select_from(search_outbox))


def test_a_published_achievement_is_searchable_right_after_commit(services, uow_factory):
    ident = publish_achievement(uow_factory, make_org(uow_factory), "固态锂电池电解质", "高离子电导率")
    assert found(services, "电解质") == [ident]
    assert outbox_rows(services) == 0


def test_a_rolled_back_change_never_reaches_the_index(services, uow_factory):
    ident = publish_achievement(uow_factory, make_org(uow_factory), "钙钛矿太阳能电池")
    uow = uow_factory()
    with uow:
        uow.achievements.get(ident).title = "被回滚的标题量子点"
        uow.flush()
    assert found(services, "量子点") == []
    assert found(services, "钙钛矿") == [ident]
    assert outbox_rows(services) == 0


def test_withdrawn_or_sold_achievements_leave_public_results(services, uow_factory):
    org = make_org(uow_factory)
    withdrawn = publish_achievement(uow_factory, org, "工业机器人关节减速器")
    sold = publish_achievement(uow_factory, org, "机器人视觉标定")
    uow = uow_factory()
    with uow:
        uow.achievements.get(withdrawn).withdraw(None, T0, "holder request")
        a = uow.achievements.get(sold)
        a.start_auction(None, T0)
        a.mark_sold(None, T0)
        uow.commit()
    assert found(services, "机器人") == []


def test_drafts_are_not_indexed(services, uow_factory):
    from market.domain.achievements import Achievement
    org = make_org(uow_factory)
    uow = uow_factory()
    with uow:
        uow.achievements.add(Achievement(title="草稿石墨烯", holder_id=org, market_code="SH", field="新材料",
                                         ip_type="发明专利", now=T0))
        uow.commit()
    assert found(services, "石墨烯") == []


def test_a_change_committed_while_the_index_is_locked_is_applied_by_the_next_drain(services, uow_factory):
    indexer = services.extra["search_indexer"]
    indexer.lock_timeout = 0.2
    org = make_org(uow_factory)
    held = services.search_index._ix.writer()  # another process holding Whoosh's lock
    try:
        ident = publish_achievement(uow_factory, org, "氢燃料电池双极板")  # the commit itself succeeds
        assert outbox_rows(services) == 1
        assert found(services, "双极板") == []
        assert check_index(services.search_index, services.extra["session_factory"])["missing"] == [
            f"achievement:{ident}"]
    finally:
        held.cancel()
    assert indexer.drain() == 1
    assert found(services, "双极板") == [ident]
    assert outbox_rows(services) == 0


def outbox_ids(services):
    with services.extra["session_factory"]() as session:
        return session.scalars(select(search_outbox.c.id)).all()


def outbox_id_of_a_change_committed_while_locked(services, uow_factory, org, title):
    """Publish while another writer holds the index: the change waits in the outbox."""
    held = services.search_index._ix.writer()
    try:
        publish_achievement(uow_factory, org, title)
        [ident] = outbox_ids(services)
    finally:
        held.cancel()
    return ident


def test_an_applied_outbox_id_is_never_given_to_a_later_change(services, uow_factory):
    """A drain deletes the ids it applied: a change committed meanwhile must not get one of them."""
    services.extra["search_indexer"].lock_timeout = 0.2
    org = make_org(uow_factory)
    applied = outbox_id_of_a_change_committed_while_locked(services, uow_factory, org, "光伏组件回收")
    assert services.extra["search_indexer"].drain() == 1 and outbox_ids(services) == []
    later = outbox_id_of_a_change_committed_while_locked(services, uow_factory, org, "储能电站热管理")
    assert later > applied


def test_the_scheduler_sweep_applies_what_a_locked_commit_left_behind(app, services, uow_factory):
    from market import scheduler
    indexer = services.extra["search_indexer"]
    indexer.lock_timeout = 0.2
    org = make_org(uow_factory)
    held = services.search_index._ix.writer()
    try:
        ident = publish_achievement(uow_factory, org, "海水淡化反渗透膜")
    finally:
        held.cancel()
    assert outbox_rows(services) == 1
    scheduler._drain_search(scheduler.runtime_from_app(app))
    assert found(services, "反渗透膜") == [ident]
    assert outbox_rows(services) == 0


def test_reindex_repairs_drift_that_check_index_reports(services, uow_factory):
    org = make_org(uow_factory)
    keep = publish_achievement(uow_factory, org, "海上风电基础")
    lost = publish_achievement(uow_factory, org, "风电叶片检测")
    services.search_index.delete([f"achievement:{lost}"])
    factory = services.extra["session_factory"]
    report = check_index(services.search_index, factory)
    assert not report["in_sync"] and report["missing"] == [f"achievement:{lost}"]
    assert reindex(services.search_index, factory) == 2
    assert check_index(services.search_index, factory)["in_sync"]
    assert sorted(found(services, "风电")) == sorted([keep, lost])


def test_concurrent_writer_processes_lose_no_update(app, services, uow_factory, database_url, tmp_path):
    org = make_org(uow_factory)
    index_dir = app.config["SEARCH_INDEX_DIR"]
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=writer_process, args=(database_url, index_dir, org, w, 5)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    report = check_index(services.search_index, services.extra["session_factory"])
    assert report["database"] == 20
    assert report["in_sync"], report
    assert report["pending_outbox"] == 0
    prices = {h.price_fen for h in services.search_index.search(SearchQuery("并发写入", per_page=50)).hits}
    assert prices == {1000 * (i + 1) for i in range(5)}


def test_cli_reindex_and_check_index(app, uow_factory):
    publish_achievement(uow_factory, make_org(uow_factory), "智能电网调度")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["market", "check-index"])
    assert result.exit_code == 0 and "in sync" in result.output
    app.extensions["market"].search_index.rebuild([])
    result = runner.invoke(args=["market", "check-index"])
    assert result.exit_code == 1 and "missing: 1" in result.output
    result = runner.invoke(args=["market", "reindex"])
    assert result.exit_code == 0 and "indexed 1" in result.output
    assert runner.invoke(args=["market", "check-index"]).exit_code == 0
