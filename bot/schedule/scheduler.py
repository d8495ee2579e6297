"""The scheduling machinery over APScheduler; which jobs run when is bot.schedule.jobs.JOBS.

Jobs live in the app's database (SQLAlchemyJobStore), so a run missed while the server was down
runs once when it comes back (coalesce, no grace limit). Each job is idempotent by data: running
it twice, or from two processes, changes nothing the second time. On PostgreSQL only the process
holding an advisory lock runs the scheduler; the workers that do not try again every minute
(`tend_scheduler`), so when the holder dies another takes over.

The store keeps a job as its textual reference ("module:function"), never the runtime, which
cannot be pickled: each run is called as job(runtime, now) by bot.schedule.executor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.spine.db import is_postgres
from models import utcnow

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("prakat.scheduler")

ADVISORY_LOCK_KEY = 0x70726B74  # "prkt"
# What the store keeps as a job's arguments: names standing in for the runtime and the time,
# which the executor supplies at each run. They let APScheduler check, when a job is added,
# that its function takes exactly these two.
RUN_ARGS = ("runtime", "now")


class Scheduled(NamedTuple):
    """One cron job: its id, the "module:function" the store keeps, and its trigger (Bangkok)."""

    id: str
    ref: str
    trigger: dict


def cron(job_id: str, fn: Callable[..., None], **trigger) -> Scheduled:
    """Declare module-level `fn(runtime, now)` as a cron job (trigger fields in Asia/Bangkok)."""
    return Scheduled(job_id, f"{fn.__module__}:{fn.__name__}", trigger)


def _hold_advisory_lock(runtime) -> bool:
    if not is_postgres(runtime.engine):
        return True
    if getattr(runtime, "_scheduler_lock", None) is not None:
        return True  # this process holds it already: the scheduler is being restarted
    conn = runtime.engine.connect()
    got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
    if got:
        runtime._scheduler_lock = conn  # keep the session (and the lock) for the process lifetime
        return True
    conn.close()
    return False


def start_scheduler(runtime, jobs: Iterable[Scheduled], *,
                    clock: Callable[[], datetime] | None = None) -> BackgroundScheduler | None:
    """Run `jobs` from the store in this process; `clock` fixes the `now` they get (tests)."""
    # APScheduler is imported only by the process that runs the jobs (a worker, or
    # `python webhook.py`): CLI commands and web workers never start a scheduler.
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.schedule.executor import RuntimeExecutor

    if not _hold_advisory_lock(runtime):
        if not getattr(runtime, "_scheduler_elsewhere_said", False):  # once, not at every minute's try
            log.info("another process holds the scheduler lock; not running jobs here")
            runtime._scheduler_elsewhere_said = True
        return None
    runtime._scheduler_elsewhere_said = False
    jobs = list(jobs)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename="scheduler_jobs")},
        executors={"default": RuntimeExecutor(runtime, clock or utcnow)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone="Asia/Bangkok",
    )
    # Start paused: a stored job keeps its stored next run time, so a run missed while we were
    # down fires once on resume. Re-adding it would recompute the time and lose that run.
    scheduler.start(paused=True)
    try:
        for job in jobs:
            if scheduler.get_job(job.id) is None:
                scheduler.add_job(job.ref, "cron", id=job.id, args=RUN_ARGS, **job.trigger)
        scheduler.resume()
    except Exception:  # the store failed half-way: no half-started scheduler left holding the lock
        stop_scheduler(runtime, scheduler)
        raise
    log.info("scheduler started with %d jobs", len(jobs))
    return scheduler


def _lock_lost(runtime) -> bool:
    """The session holding the lock has gone (the database restarted, or cut it): the server
    freed the lock with it, and another worker may hold it now."""
    lock = getattr(runtime, "_scheduler_lock", None)
    if lock is None:
        return False
    try:
        lock.execute(text("SELECT 1")).scalar()
    except SQLAlchemyError:
        return True
    return False


def tend_scheduler(runtime, jobs: Iterable[Scheduled],
                   scheduler: BackgroundScheduler | None) -> BackgroundScheduler | None:
    """A worker's minute check: without the scheduler, try to take it over (its holder may have
    died); with it, let go at once if the lock's session was lost, so two never run together."""
    if scheduler is not None and _lock_lost(runtime):
        log.warning("the scheduler lock's database session was lost; stopping the jobs here")
        stop_scheduler(runtime, scheduler)
        scheduler = None
    if scheduler is None:
        try:
            return start_scheduler(runtime, jobs)
        except SQLAlchemyError as exc:  # the database is down: try again next minute
            log.warning("could not try the scheduler lock: %s", type(exc).__name__)
            return None
    return scheduler


def stop_scheduler(runtime, scheduler: BackgroundScheduler | None) -> None:
    """Stop running jobs here (waiting for a running one) and free the PostgreSQL lock."""
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)
    lock = getattr(runtime, "_scheduler_lock", None)
    if lock is not None:
        # Unlock before closing: the server frees a closed session's locks only once its backend
        # has gone, so a scheduler started right after this could still find the lock taken.
        try:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
        except SQLAlchemyError:
            log.warning("could not unlock the scheduler lock; it goes with the session")
        # Close it outright: the job store's shutdown has disposed the engine's pool, so
        # returning the connection would orphan it.
        lock.invalidate()
        lock.close()
        runtime._scheduler_lock = None
