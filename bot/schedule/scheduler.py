"""Every scheduled job, registered in one place over APScheduler.

Jobs live in the app's database (SQLAlchemyJobStore), so a run missed while the server was down
runs once when it comes back (coalesce, no grace limit). Each job is idempotent by data: running
it twice, or from two processes, changes nothing the second time. On PostgreSQL only the process
holding an advisory lock runs the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from bot.spine.db import is_postgres
from models import utcnow

log = logging.getLogger("prakat.scheduler")

ADVISORY_LOCK_KEY = 0x70726B74  # "prkt"
_runtime = None  # the Runtime whose jobs run here; jobs are stored by reference, not pickled state
_clock: Callable[[], datetime] = utcnow
JOBS: list[tuple[str, str, dict]] = []  # (job id, "module:function", trigger kwargs)


def job(job_id: str, **trigger):
    """Register a module-level function as a cron job (Asia/Bangkok)."""

    def register(fn):
        JOBS.append((job_id, f"{fn.__module__}:{fn.__name__}", trigger))
        return fn

    return register


def current_runtime():
    if _runtime is None:
        raise RuntimeError("scheduler job ran without a runtime")
    return _runtime


def now() -> datetime:
    """The time jobs decide by: the real clock, or the one the scheduler was started with."""
    return _clock()


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


def start_scheduler(runtime, *, clock: Callable[[], datetime] | None = None
                    ) -> BackgroundScheduler | None:
    """Run the stored jobs in this process; `clock` fixes what `now()` says (tests)."""
    global _runtime, _clock
    if not _hold_advisory_lock(runtime):
        log.info("another process holds the scheduler lock; not running jobs here")
        return None
    import bot.schedule.jobs  # noqa: F401  (registers the jobs)

    _runtime, _clock = runtime, clock or utcnow
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=runtime.engine, tablename="scheduler_jobs")},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone="Asia/Bangkok",
    )
    # Start paused: a stored job keeps its stored next run time, so a run missed while we were
    # down fires once on resume. Re-adding it would recompute the time and lose that run.
    scheduler.start(paused=True)
    for job_id, ref, trigger in JOBS:
        if scheduler.get_job(job_id) is None:
            scheduler.add_job(ref, "cron", id=job_id, **trigger)
    scheduler.resume()
    log.info("scheduler started with %d jobs", len(JOBS))
    return scheduler


def stop_scheduler(runtime, scheduler: BackgroundScheduler | None) -> None:
    """Stop running jobs here (waiting for a running one) and free the PostgreSQL lock."""
    global _runtime, _clock
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=True)
    _runtime, _clock = None, utcnow
    lock = getattr(runtime, "_scheduler_lock", None)
    if lock is not None:
        # Ending the session frees its advisory lock. Close it outright: the job store's shutdown
        # has disposed the engine's pool, so returning the connection would orphan it.
        lock.invalidate()
        lock.close()
        runtime._scheduler_lock = None
