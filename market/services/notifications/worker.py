"""One pass of the notification worker, run by the scheduler's sweep every few seconds: the
reminders due by the clock, the match checks, then the mail outbox. Each step on its own: a
failing mail server does not hold back the reminders, and the next sweep tries again."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from .auctions import expand_fanouts, remind_due
from .delivery import DeliverySettings, deliver_mails
from .listings import run_match_checks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifySettings:
    delivery: DeliverySettings
    opening_lead: timedelta = timedelta(minutes=30)
    signing_reminder_days: int = 2
    match_min_score: float = 0.0
    saved_search_min_share: float = 0.5


def settings_from_config(config: Mapping) -> NotifySettings:
    return NotifySettings(
        delivery=DeliverySettings(secret=config["UNSUBSCRIBE_SECRET"],
                                  base_url=config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
                                  batch=int(config.get("NOTIFY_MAIL_BATCH", 200)),
                                  connections=int(config.get("NOTIFY_SMTP_CONNECTIONS", 4)),
                                  backoff_seconds=float(config.get("NOTIFY_RETRY_SECONDS", 30.0))),
        opening_lead=timedelta(minutes=float(config.get("NOTIFY_LOT_OPENING_LEAD_MINUTES", 30))),
        signing_reminder_days=int(config.get("NOTIFY_SIGNING_REMINDER_WORKING_DAYS", 2)),
        match_min_score=float(config.get("NOTIFY_MATCH_MIN_SCORE", 0.0)),
        saved_search_min_share=float(config.get("NOTIFY_SAVED_SEARCH_MIN_SHARE", 0.5)))


def remind(uow_factory, now: datetime, settings: NotifySettings, calendar) -> int:
    with uow_factory() as uow:
        count = remind_due(uow, now=now, lead=settings.opening_lead, calendar=calendar,
                           signing_reminder_days=settings.signing_reminder_days)
        uow.commit()
    return count


def run_once(uow_factory, *, mailer, index, now: datetime, settings: NotifySettings, calendar) -> dict:
    done = {"fanouts": 0, "reminders": 0, "matches": 0, "sent": 0, "failed": 0}
    steps = [("fanouts", lambda: expand_fanouts(uow_factory, now)),
             ("reminders", lambda: remind(uow_factory, now, settings, calendar)),
             ("matches", lambda: run_match_checks(uow_factory, index, now, min_score=settings.match_min_score,
                                                  min_share=settings.saved_search_min_share) if index else 0),
             ("mail", lambda: deliver_mails(uow_factory, mailer, now, settings.delivery) if mailer else None)]
    for name, step in steps:
        try:
            result = step()
        except Exception:   # noqa: BLE001 - the next sweep tries again
            log.exception("notification step %s failed", name)
            continue
        if name == "mail" and result is not None:
            done["sent"], done["failed"] = len(result.sent), len(result.failed)
        elif name != "mail":
            done[name] = result
    return done


def after_commit(uow_factory, clock):
    """The unit of work's after-commit hook: a transaction that wrote fan-out jobs (a close with
    watchers) has them expanded at once, in the same process; the sweep catches what a crash left."""
    def hook(uow, _changed) -> None:
        repo = getattr(uow, "notifications", None)
        if repo is None or not getattr(repo, "jobs_written", False):
            return
        repo.jobs_written = False
        try:
            expand_fanouts(uow_factory, clock.now())
        except Exception:   # noqa: BLE001 - the event is committed; the sweep expands the job
            log.exception("notification fan-out after commit failed")
    return hook
