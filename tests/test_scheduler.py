"""The scheduler: every job in bot/schedule/jobs.py, stored in the app's database; a run missed while the
server was down runs once when it comes back; and a job run twice does its work once."""

from __future__ import annotations

import inspect
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

import bot.schedule.jobs
from bot.app.runtime import Runtime
from bot.digest.delivery import digest_due
from bot.schedule import scheduler
from bot.schedule.jobs import JOBS
from bot.schedule.scheduler import (
    RUN_ARGS,
    Scheduled,
    start_scheduler,
    stop_scheduler,
    tend_scheduler,
)
from bot.spine.db import transaction
from bot.thai.dates import BANGKOK, FiscalQuarter, WorkingCalendar
from models import DigestRun, GroupChat, Office
from tests.conftest import PG_URL
from tests.line_driver import group_id, user_id

Q = FiscalQuarter(2570, 1)
RUNS: list[datetime] = []


def tick(runtime, now: datetime) -> None:
    """A job that only counts its runs (and what the scheduler's clock said)."""
    assert runtime is not None
    RUNS.append(now)


def wait_until(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scheduler did not run the job in time"
        time.sleep(0.01)


def processed(sched, job_id: str) -> bool:
    """The scheduler has taken the due run: the job's next run is in the future again."""
    return sched.get_job(job_id).next_run_time > datetime.now(UTC)


def go_down_and_miss(runtime, sched, job_id: str, missed_since: datetime) -> None:
    """The server stops, and stays down past the job's time: its stored next run is now
    `missed_since`, in the past (written with no scheduler running, as after a real outage)."""
    stop_scheduler(runtime, sched)
    store = SQLAlchemyJobStore(engine=runtime.engine, tablename="scheduler_jobs")
    store.start(BackgroundScheduler(), "default")
    job = store.lookup_job(job_id)
    job.next_run_time = missed_since
    store.update_job(job)


def test_every_job_is_registered_once_daily_at_nine_bangkok():
    ids = [job_id for job_id, _, _ in JOBS]
    assert len(ids) == len(set(ids))
    mine = {job_id: (ref, trigger) for job_id, ref, trigger in JOBS}
    for job_id in ("quarter_feedback_ask", "quarter_feedback_remind", "quarter_digest"):
        ref, trigger = mine[job_id]
        assert ref.startswith("bot.schedule.jobs:") and trigger == {"hour": 9, "minute": 0}


def test_every_stored_reference_names_a_job_in_the_registry_module_taking_runtime_and_now():
    for job_id, ref, _ in JOBS:
        module, name = ref.split(":")
        fn = getattr(bot.schedule.jobs, name)
        assert module == "bot.schedule.jobs" and fn.__module__ == module, job_id
        assert list(inspect.signature(fn).parameters) == list(RUN_ARGS), job_id


def test_a_run_missed_while_down_runs_once_after_restart(runtime):
    # A daily job whose real time is ~12 hours away, so only the missed runs can fire here.
    hour = (datetime.now(BANGKOK).hour + 12) % 24
    jobs = [Scheduled("tick", f"{__name__}:tick", {"hour": hour})]
    fixed = datetime(2027, 1, 4, 2, tzinfo=UTC)
    RUNS.clear()
    sched = start_scheduler(runtime, jobs, clock=lambda: fixed)
    upcoming = sched.get_job("tick").next_run_time
    assert upcoming > datetime.now(UTC) and upcoming.astimezone(BANGKOK).hour == hour
    # down for three days: three daily runs missed
    go_down_and_miss(runtime, sched, "tick", upcoming - timedelta(days=3))
    assert RUNS == []
    with runtime.engine.connect() as conn:  # stored in the app's database
        assert conn.exec_driver_sql("SELECT id FROM scheduler_jobs").scalars().all() == ["tick"]

    sched = start_scheduler(runtime, jobs, clock=lambda: fixed)
    wait_until(lambda: RUNS)
    assert processed(sched, "tick")
    stop_scheduler(runtime, sched)  # waits for a job still running
    assert [fixed] == RUNS  # coalesced: once, not three times, and it saw the injected clock

    sched = start_scheduler(runtime, jobs, clock=lambda: fixed)
    try:
        assert sched.get_job("tick").next_run_time == upcoming  # the next regular run is kept
        time.sleep(0.2)
    finally:
        stop_scheduler(runtime, sched)
    assert len(RUNS) == 1


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_stopped_scheduler_frees_its_lock_at_once(runtime):
    """Another process may take the scheduler over the moment this one stops."""
    sched = start_scheduler(runtime, [])
    assert sched is not None and runtime._scheduler_lock is not None
    stop_scheduler(runtime, sched)
    with runtime.engine.connect() as other:
        key = {"k": scheduler.ADVISORY_LOCK_KEY}
        assert other.execute(text("SELECT pg_try_advisory_lock(:k)"), key).scalar() is True
        other.execute(text("SELECT pg_advisory_unlock(:k)"), key)


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_worker_takes_the_jobs_over_when_the_holder_is_gone_and_the_holder_lets_go(runtime, config):
    """Two workers: the second only tries. The first's database session is cut (its backend
    killed, as in a crash or a restart): the second's minute check takes the lock and the jobs,
    and the first's own check stops its scheduler instead of running beside it."""
    worker = Runtime.build(config)  # another worker process, on the same database
    try:
        holder = start_scheduler(runtime, [])
        assert holder is not None and tend_scheduler(worker, [], None) is None  # held: waits
        assert tend_scheduler(runtime, [], holder) is holder  # the holder keeps it
        pid = runtime._scheduler_lock.execute(text("SELECT pg_backend_pid()")).scalar()
        with worker.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        deadline = time.monotonic() + 5  # the server frees the lock once the backend has gone
        taken = None
        while taken is None and time.monotonic() < deadline:
            taken = tend_scheduler(worker, [], None)
            time.sleep(0.05)
        assert taken is not None and taken.running and worker._scheduler_lock is not None
        assert tend_scheduler(runtime, [], holder) is None  # lost it: stops, does not retake
        assert not holder.running and runtime._scheduler_lock is None
        stop_scheduler(worker, taken)
    finally:
        worker.stop()


@pytest.fixture
def management(people, fake):
    with transaction(people.factory) as session:
        office = session.scalars(select(Office)).one()
        office.created_at = datetime(2025, 1, 1, tzinfo=UTC)
        session.add(GroupChat(office_id=office.id, group_id=group_id("bosses"),
                              purpose="management", registered_at=office.created_at))
    fake.add_group(group_id("bosses"), "ผู้บริหาร", [user_id("somchai"), user_id("manee")])
    return people


def come_back_up(runtime, job_id: str, clock) -> None:
    """Start the scheduler; wait until it has taken the job's missed run; stop it."""
    sched = start_scheduler(runtime, JOBS, clock=clock)
    try:
        wait_until(lambda: processed(sched, job_id))
    finally:
        stop_scheduler(runtime, sched)


def test_the_missed_digest_goes_out_once_after_restart_and_never_again(management, line, fake):
    runtime = management
    # The server was down at 09:00 on the first working day after Q; it comes back at 11:00.
    back_up = digest_due(Q, WorkingCalendar()) + timedelta(hours=2)

    def clock():
        return back_up

    for outage in range(2):  # the second time the job runs, there is nothing left to do
        sched = start_scheduler(runtime, JOBS, clock=clock)
        go_down_and_miss(runtime, sched, "quarter_digest",
                              datetime.now(UTC) - timedelta(hours=2))
        come_back_up(runtime, "quarter_digest", clock)
        line.drain()
        assert len(fake.messages_to(group_id("bosses"))) == 1, outage
        assert len(fake.messages_to(user_id("somchai"))) == 1, outage
        with runtime.factory() as session:
            [run] = session.scalars(select(DigestRun)).all()
            assert (run.quarter, run.sent_by) == (Q.code, "scheduler")


def test_the_jobs_act_on_what_the_clock_says(management, line, fake):
    for when, job, expect in [
        (datetime(2026, 12, 25, 9, tzinfo=BANGKOK), bot.schedule.jobs.ask_quarter_feedback, "prasert"),
        (datetime(2026, 12, 30, 9, tzinfo=BANGKOK), bot.schedule.jobs.remind_quarter_feedback, "prasert"),
        (datetime(2027, 1, 1, 9, tzinfo=BANGKOK), bot.schedule.jobs.send_quarter_digest, "somchai"),
    ]:
        before = len(fake.messages_to(user_id(expect)))
        job(management, when)
        job(management, when)  # twice: the second run finds nothing to do
        line.drain()
        assert len(fake.messages_to(user_id(expect))) == before + 1, job.__name__
