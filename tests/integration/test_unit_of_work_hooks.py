"""The unit of work tells other stores about changes only once they are committed."""
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork
from market.services.accounts import create_organisation
from market.services.achievements import create_achievement, submit_achievement
from market.services.accounts import create_user


def _member(services):
    org = create_organisation(services.uow_factory(), name="江淮工程大学", kind="university", province="安徽",
                              now=services.clock.now())
    return create_user(services.uow_factory(), services.hasher, email="m@example.cn", password="long-enough-pass",
                       display_name="m", role="member", organisation_id=org["id"], now=services.clock.now())


def test_committed_changes_reach_after_commit_hooks_with_their_ids(services):
    seen = []
    services.extra["after_commit"].append(lambda uow, changed: seen.append(changed))
    user = _member(services)
    view = create_achievement(services.uow_factory(), actor_id=user["id"], now=services.clock.now(),
                              data={"title": "一种量子点显示膜", "ip_type": "发明专利", "field": "新材料"})
    submit_achievement(services.uow_factory(), actor_id=user["id"], achievement_id=view["id"], now=services.clock.now())
    changed = [c for c in seen if c]
    assert changed[-2:] == [{("achievement", view["id"])}, {("achievement", view["id"])}]


def test_rolled_back_changes_never_reach_the_hooks(services):
    seen = []
    services.extra["after_commit"].append(lambda uow, changed: seen.append(changed))
    user = _member(services)
    seen.clear()
    uow = services.uow_factory()
    with uow:
        from market.domain.achievements import Achievement
        uow.achievements.add(Achievement(title="不会提交", holder_id=user["organisation_id"], market_code="AH",
                                         field="农业", ip_type="其他", now=services.clock.now()))
        uow.flush()
        # leaving the block without commit rolls back
    assert seen == []
    with services.uow_factory() as fresh:
        from sqlalchemy import func, select

        from market.adapters import orm
        assert fresh.session.scalar(select(func.count()).select_from(orm.achievements)) == 0


def test_before_commit_hook_failure_rolls_everything_back(services):
    def refuse(uow, changed):
        raise RuntimeError("outbox unavailable")
    services.extra["before_commit"].append(refuse)
    try:
        create_organisation(services.uow_factory(), name="不应保存", kind="enterprise", province="浙江",
                            now=services.clock.now())
    except RuntimeError:
        pass
    services.extra["before_commit"].remove(refuse)
    with services.uow_factory() as uow:
        assert uow.organisations.by_name("不应保存") is None


