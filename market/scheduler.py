"""The auction scheduler: its own process (`flask --app wsgi market scheduler`).

APScheduler 3 with a persistent SQLAlchemy job store opens and closes lots on time. What we learnt
about it decides the set-up:
- a job missed while the process was down is dropped by the default misfire_grace_time (1 s), so
  every job has misfire_grace_time=None and coalesce=True: it runs once, late, on start-up;
- jobs are stored by reference (`market.scheduler:close_lot_job`), never as pickled callables;
- one scheduler, in its own process, no CPU-heavy work beside it; two schedulers on one store can
  run a job twice — harmless here, because closing is exactly-once in the database;
- the scheduler is an accelerator, not the authority: the sweep (at start-up and every few
  seconds) opens and closes whatever is overdue, and a bid after `ends_at` is refused in the bid's
  own transaction whether or not the close has run.

Publicity notices (公示) are opened and ended the same way: a job per notice due within the
horizon, the sweep as the authority, and exactly-once transitions in the database.

Bids extend a lot's end in the web processes, which never touch the job store. The scheduler
notices in two ways: a close job that finds the lot not yet due re-schedules itself at the new
end, and the sweep re-aligns every job due within the horizon with the lots' current times.
"""
from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from market.services import auctions as svc
from market.services import publicity
from market.services.notifications import worker as notifications
from market.services.federation import webhooks

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
SWEEP_JOB_ID = "auction-sweep"
HORIZON = timedelta(minutes=15)       # jobs are kept for lots that open or end within this
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


AUDIT_HEAD_JOB_ID = "audit-head-daily"
WEBHOOK_JOB_ID = "webhook-delivery"


@dataclass
class Runtime:
    """What the jobs need, set once per scheduler process."""
    uow_factory: object
    clock: object
    bus: object = None
    rules: svc.AuctionRules = field(default_factory=svc.AuctionRules)
    gateway: object = None
    scheduler: object = None
    search_indexer: object = None
    mailer: object = None
    search_index: object = None
    notify: notifications.NotifySettings | None = None
    webhook_sender: object = None
    webhook_policy: object = None


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the auction scheduler runtime is not configured in this process")
    return _runtime


# --------------------------------------------------------------------------- jobs

def open_lot_job(lot_id: int) -> None:
    rt = runtime()
    svc.open_lot(rt.uow_factory(), lot_id, rt.clock, rt.bus)


def close_lot_job(lot_id: int) -> None:
    rt = runtime()
    if svc.close_lot(rt.uow_factory(), lot_id, rt.clock, rt.rules, rt.bus) is not None:
        return
    times = svc.lot_times(rt.uow_factory(), lot_id)
    if times and times[0] in ("scheduled", "open"):
        # a bid moved the end: follow it
        schedule_lot(rt.scheduler, lot_id, times[0], times[1], times[2], rt.clock.now())


def open_notice_job(notice_id: int) -> None:
    rt = runtime()
    publicity.open_notice(rt.uow_factory(), notice_id, rt.clock)


def end_notice_job(notice_id: int) -> None:
    rt = runtime()
    publicity.end_notice(rt.uow_factory(), notice_id, rt.clock)


def sweep_job() -> None:
    """Overdue opens, closes and forfeits; publicity periods due to open or end; then the payment
    outbox; then the jobs of soon-due lots and notices."""
    rt = runtime()
    result = svc.sweep(rt.uow_factory, rt.clock, rt.rules, rt.bus)
    if result.opened or result.windows or result.closed or result.forfeited:
        log.info("sweep: opened %s timed windows %s closed %s forfeited %s", result.opened,
                 result.windows, result.closed, result.forfeited)
    _sweep_publicity(rt)
    _process_payments(rt)
    _drain_search(rt)
    _seal_audit(rt)
    _notify(rt)
    if rt.scheduler is not None:
        sync_jobs(rt.scheduler, rt.uow_factory, rt.clock.now())


def _sweep_publicity(rt: Runtime) -> None:
    try:
        result = publicity.sweep_publicity(rt.uow_factory, rt.clock)
    except Exception:   # noqa: BLE001 - the next sweep tries again; lots must not wait on notices
        log.exception("publicity sweep failed")
        return
    if result.opened or result.ended:
        log.info("publicity sweep: opened %s ended %s", result.opened, result.ended)


def _process_payments(rt: Runtime) -> None:
    """Run the payment feature's outbox when it is installed (money commands after a close)."""
    if rt.gateway is None:
        return
    try:
        from market.services.payments import process_payment_outbox
    except ImportError:
        return
    try:
        process_payment_outbox(rt.uow_factory, rt.gateway, rt.clock.now())
    except Exception:   # noqa: BLE001 - the next sweep tries again
        log.exception("payment outbox run failed")


def webhook_job() -> None:
    """Webhook deliveries, in their own job: a slow receiver (up to the timeouts) must not hold
    up the sweep that opens and closes lots."""
    rt = runtime()
    if rt.webhook_sender is None:
        return
    try:
        done = webhooks.deliver_due(rt.uow_factory, rt.webhook_sender, rt.clock.now, rt.webhook_policy)
    except Exception:   # noqa: BLE001 - the next run tries again; nothing is lost (outbox rows stay)
        log.exception("webhook delivery failed")
        return
    if done["queued"] or done["delivered"] or done["failed_attempts"]:
        log.info("webhooks: queued %s delivered %s failed attempts %s", done["queued"], done["delivered"],
                 done["failed_attempts"])


def _drain_search(rt: Runtime) -> None:
    """Safety net for the search index: rows left in its outbox (a web worker could not get the
    index lock in time, or died after its commit) are applied here within a sweep or two."""
    if rt.search_indexer is None:
        return
    try:
        rt.search_indexer.drain(max_batches=20)
    except Exception:   # noqa: BLE001 - the next sweep tries again
        log.exception("search outbox drain failed")


def _notify(rt: Runtime) -> None:
    """Notifications (issue 18): reminders due, match checks, then the mail outbox."""
    if rt.notify is None:
        return
    done = notifications.run_once(rt.uow_factory, mailer=rt.mailer, index=rt.search_index, now=rt.clock.now(),
                                  settings=rt.notify, calendar=rt.rules.calendar)
    if any(done.values()):
        log.info("notifications: %s", done)


# --------------------------------------------------------------------------- job bookkeeping

def _seal_audit(rt: Runtime) -> None:
    """Bids' audit entries are sealed (seq, hash) here unless a commit sealed them first."""
    from market.services.audit import seal
    try:
        seal(rt.uow_factory())
    except Exception:   # noqa: BLE001 - the next sweep tries again
        log.exception("audit seal failed")


def audit_head_job() -> None:
    """Once a day: the audit chain's head in the log, for an outside party to keep."""
    from market.services.audit import head
    found = head(runtime().uow_factory())
    log.info("audit head: seq %s hash %s", found["seq"], found["hash"])


def _job_id(kind: str, lot_id: int, thing: str = "lot") -> str:
    return f"{kind}-{thing}-{lot_id}"


def schedule_lot(scheduler, lot_id: int, status: str, starts_at: datetime, ends_at: datetime,
                 now: datetime) -> None:
    """Make the lot's jobs match its current times (add, move, or leave alone)."""
    if scheduler is None:
        return
    if status == "scheduled":
        _ensure_job(scheduler, _job_id("open", lot_id), "market.scheduler:open_lot_job", lot_id,
                    max(starts_at, now))
    _ensure_job(scheduler, _job_id("close", lot_id), "market.scheduler:close_lot_job", lot_id,
                max(ends_at, now))


def _ensure_job(scheduler, job_id: str, func: str, lot_id: int, run_at: datetime) -> None:
    job = scheduler.get_job(job_id)
    if job is not None and job.next_run_time is not None and \
            abs((job.next_run_time - run_at).total_seconds()) < 0.001:
        return
    scheduler.add_job(func, "date", run_date=run_at, args=[lot_id], id=job_id,
                      replace_existing=True, **JOB_DEFAULTS)


def schedule_notice(scheduler, notice_id: int, status: str, starts_at: datetime, ends_at: datetime,
                    now: datetime) -> None:
    """A publicity notice's open and end jobs (its times never move)."""
    if scheduler is None:
        return
    if status == "scheduled":
        _ensure_job(scheduler, _job_id("open", notice_id, "notice"), "market.scheduler:open_notice_job",
                    notice_id, max(starts_at, now))
    _ensure_job(scheduler, _job_id("end", notice_id, "notice"), "market.scheduler:end_notice_job",
                notice_id, max(ends_at, now))


def sync_jobs(scheduler, uow_factory, now: datetime) -> int:
    lots = svc.lot_schedule(uow_factory(), now, HORIZON)
    for lot_id, status, starts_at, ends_at in lots:
        schedule_lot(scheduler, lot_id, status, starts_at, ends_at, now)
    notices = publicity.notice_schedule(uow_factory(), now, HORIZON)
    for notice_id, status, starts_at, ends_at in notices:
        schedule_notice(scheduler, notice_id, status, starts_at, ends_at, now)
    return len(lots) + len(notices)


# --------------------------------------------------------------------------- the process

def build_scheduler(database_url: str, *, background: bool = False, jobstore_url: str | None = None):
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    from market.adapters.db import make_engine

    engine = make_engine(jobstore_url or database_url)
    cls = BackgroundScheduler if background else BlockingScheduler
    return cls(jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
               executors={"default": ThreadPoolExecutor(8)}, job_defaults=JOB_DEFAULTS,
               timezone=timezone.utc)


def runtime_from_app(app) -> Runtime:
    s = app.extensions["market"]
    return Runtime(uow_factory=s.uow_factory, clock=s.clock, bus=s.events,
                   rules=svc.rules_from_config(app.config), gateway=s.payment_gateway,
                   search_indexer=s.extra.get("search_indexer"), mailer=s.mailer, search_index=s.search_index,
                   notify=notifications.settings_from_config(app.config),
                   webhook_sender=s.extra.get("webhook_sender"), webhook_policy=s.extra.get("webhook_policy"))


def _start(app, rt: Runtime, seconds: float):
    scheduler = build_scheduler(app.config["DATABASE_URL"], background=True,
                                jobstore_url=app.config.get("SCHEDULER_JOBSTORE_URL"))
    rt.scheduler = scheduler
    scheduler.add_job("market.scheduler:sweep_job", "interval", seconds=seconds, id=SWEEP_JOB_ID,
                      replace_existing=True, next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)
    scheduler.add_job("market.scheduler:audit_head_job", "cron", hour=0, minute=5, id=AUDIT_HEAD_JOB_ID,
                      replace_existing=True, **JOB_DEFAULTS)
    scheduler.add_job("market.scheduler:webhook_job", "interval", id=WEBHOOK_JOB_ID,
                      seconds=float(app.config.get("WEBHOOK_DELIVERY_SECONDS", 1.0)), replace_existing=True,
                      next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)
    scheduler.start()
    return scheduler


def _alive(scheduler) -> bool:
    thread = getattr(scheduler, "_thread", None)
    return scheduler.running and (thread is None or thread.is_alive())


def run(app, *, sweep_seconds: float | None = None, background: bool = False):
    """Start the scheduler; blocking (the CLI) unless `background`.

    APScheduler's own thread dies on a job another scheduler removed from a shared store
    (JobLookupError); the watch loop then starts a fresh scheduler, so a second process started
    by mistake degrades to duplicate (harmless) work instead of a dead scheduler."""
    rt = runtime_from_app(app)
    seconds = sweep_seconds or app.config.get("SCHEDULER_SWEEP_SECONDS", 2)
    set_runtime(rt)
    scheduler = _start(app, rt, seconds)
    log.info("auction scheduler started (sweep every %ss)", seconds)
    if background:
        return scheduler
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            if not _alive(scheduler):
                log.error("scheduler thread died; starting a new one")
                try:
                    scheduler.shutdown(wait=False)
                except Exception:   # noqa: BLE001
                    pass
                scheduler = _start(app, rt, seconds)
    finally:
        scheduler.shutdown(wait=False)
        set_runtime(None)
    return scheduler
