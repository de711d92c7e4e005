"""Two sign-ups with the same credit code at the same moment on PostgreSQL: both pass the lookup
(neither sees the other's uncommitted row), the unique constraint decides, and the loser gets the
409 naming the winner, not a 500 and not a second organisation."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from market.adapters.clock import FrozenClock
from market.adapters.mail import FakeMailer
from market.domain.accounts import Organisation, User
from market.domain.codes import credit_code_check_char
from market.domain.errors import Conflict
from market.services import signup
from market_testing import create_pg_database, migrate

CODE = "91310000MA1FL0000" + credit_code_check_char("91310000MA1FL0000")
pytestmark = pytest.mark.postgres


@pytest.fixture
def app():
    from market import create_app
    url, drop = create_pg_database("market_signup_race")
    migrate(url)
    app = create_app("testing", DATABASE_URL=url, CLOCK=FrozenClock(), MAILER=FakeMailer())
    yield app
    app.extensions["market"].extra["engine"].dispose()
    drop()


def _registrant(services, email) -> int:
    with services.uow_factory() as uow:
        user = User(email, "甲", "h", "registrant", created_at=services.clock.now())
        uow.users.add(user)
        uow.commit()
        return user.id


def _waiting_on_a_lock(url: str) -> bool:
    engine = create_engine(url)
    with engine.connect() as conn:
        waiting = conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                   "AND datname = current_database()"))
    engine.dispose()
    return waiting > 0


def test_the_second_of_two_simultaneous_sign_ups_gets_409_naming_the_first(app):
    s = app.extensions["market"]
    loser = _registrant(s, "b@x.cn")
    first = s.uow_factory()
    first.__enter__()   # the first sign-up has inserted its organisation and not yet committed
    winner = Organisation("沪南大学", "university", "上海", "上海", CODE, created_at=s.clock.now(),
                          market_code="SH", verification_status="unverified")
    first.organisations.add(winner)
    first.flush()
    outcome = {}

    def second_sign_up():
        try:
            outcome["view"] = signup.create_own_organisation(s.uow_factory(), actor_id=loser, now=s.clock.now(), data={
                "name": "沪南大学（别名）", "kind": "university", "credit_code": CODE, "province": "上海",
                "city": "上海", "market_code": "SH"})
        except Exception as exc:   # noqa: BLE001 — the test looks at which one
            outcome["error"] = exc

    thread = threading.Thread(target=second_sign_up)
    thread.start()
    url = str(s.extra["engine"].url.render_as_string(hide_password=False))
    for _ in range(500):      # until the second insert waits on the first's unique key
        if _waiting_on_a_lock(url) or not thread.is_alive():
            break
        time.sleep(0.02)
    first.commit()
    first.__exit__(None, None, None)
    thread.join(30)
    error = outcome.get("error")
    assert isinstance(error, Conflict), outcome
    assert error.errors["existing_organisation_id"] == [str(winner.id)]
    with s.uow_factory() as uow:
        assert uow.users.get(loser).role == "registrant"
        assert uow.organisations.by_credit_code(CODE).id == winner.id
