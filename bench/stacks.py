"""The servers under test, started as in production: the fake LINE, Prakat, the baseline bot.

Prakat runs as the README says: `gunicorn -w 4 'webhook:create_app()'` plus one
`flask --app webhook worker`, its office loaded with `flask --app webhook org load` (which also
migrates the empty database, so the four web workers never race to create the schema), and every
person of the office linked directly in the database, as the tests do.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text, update

from bench.load import line_user_id
from bench.procs import BenchError, Processes, answers, free_port, wait_until
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, transaction
from models import GroupChat, InboundEvent, Office, OutboxMessage, Person, utcnow

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-channel-secret"
TOKEN = "bench-access-token"
BOOT_SECONDS = 120  # four workers importing the app on a busy two-core machine take a while


@dataclass(frozen=True)
class Bot:
    name: str
    callback_url: str
    command: str  # what an operator would type, for the report


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def start_fake(procs: Processes, latency: float, tokens: list[str] | None = None) -> str:
    """The fake LINE in its own process, accepting `tokens` (default: the one office's); returns
    its base URL (LINE API and /_bench/ control)."""
    port = free_port()
    accepted = [arg for token in tokens or [TOKEN] for arg in ("--token", token)]
    procs.start("fake-line", _python("-m", "bench.fake_line", "--port", str(port), "--latency",
                                     str(latency), *accepted), env=dict(os.environ), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(url + "/_bench/stats"), timeout=60, processes=procs, what="the fake LINE")
    return url


def _gunicorn(procs: Processes, app: str, env: dict, workdir: Path, workers: int) -> str:
    port = free_port()
    ready = workdir / f"ready-{port}"
    ready.mkdir(parents=True)
    procs.start("gunicorn", _python("-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                    "-c", str(ROOT / "bench" / "gunicorn_ready.py"), app),
                env={**env, "BENCH_READY_DIR": str(ready)}, cwd=ROOT)
    wait_until(lambda: len(list(ready.iterdir())) >= workers, timeout=BOOT_SECONDS, processes=procs,
               what=f"gunicorn ({workers} workers of {app})")
    wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), timeout=30, processes=procs,
               what="/healthz")
    return f"http://127.0.0.1:{port}/callback"


def _line_env(fake_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL"))}
    return {**env, "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_BASE": fake_url, "LINE_DATA_API_BASE": fake_url, "PYTHONUNBUFFERED": "1"}


def empty_postgres(database_url: str) -> None:
    """The bench owns this database: start every run from an empty schema."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def link_everyone(database_url: str) -> list[str]:
    """Link every person of the office to a LINE user id; returns those ids (the senders)."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            people = session.scalars(select(Person).where(Person.active.is_(True))).all()
            for person in people:
                person.line_user_id, person.linked_at = line_user_id(person.key), utcnow()
            ids = [p.line_user_id for p in people]
    finally:
        engine.dispose()
    if not ids:
        raise BenchError("the office has nobody to send from")
    return ids


@contextlib.contextmanager
def _session(database_url: str):
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()


def park_leftover_sends(database_url: str) -> int:
    """Mark the sends a finished load left pending as failed, so the next load starts with an idle
    worker instead of inheriting its backlog (at 3 s a LINE call it would never drain). Returns how
    many there were: the outbox lag the load left behind."""
    with _session(database_url) as session:
        parked = session.execute(
            update(OutboxMessage).where(OutboxMessage.status == "pending")
            .values(status="failed", finished_at=utcnow(), last_error="bench: dropped between loads"))
        return parked.rowcount


def park_leftover_events(database_url: str) -> int:
    """The same for recorded events the handler stage has not reached: marked ignored, so the next
    load does not share the machine with this one's backlog. Returns how many there were."""
    with _session(database_url) as session:
        parked = session.execute(
            update(InboundEvent).where(InboundEvent.outcome == "pending")
            .values(outcome="ignored", handled_at=utcnow(), last_error="bench: dropped between loads"))
        return parked.rowcount


def event_counts(database_url: str) -> dict[str, int]:
    """Recorded events by outcome (how far the handler stage got)."""
    with _session(database_url) as session:
        return dict(session.execute(select(InboundEvent.outcome, func.count()).group_by(InboundEvent.outcome)).all())


def register_group(database_url: str, group_id: str, purpose: str) -> None:
    """The office's PR (or management) group, registered directly as people are linked directly."""
    with _session(database_url) as session:
        office = session.scalars(select(Office).order_by(Office.id)).first()
        session.add(GroupChat(office_id=office.id, group_id=group_id, purpose=purpose, active=True,
                              registered_at=utcnow()))


def start_prakat(procs: Processes, fake_url: str, database_url: str, workdir: Path,
                 workers: int = 4, *, worker: bool = True) -> tuple[Bot, list[str]]:
    """`worker=False` leaves out the flask worker: the web tier alone, to see what it can take
    when the handler stage does not share the machine (and, on SQLite, the write lock)."""
    env = {**_line_env(fake_url), "DATABASE_URL": database_url, "DATA_DIR": str(workdir / "data"),
           "SECRET_KEY": "bench-secret-key", "PUBLIC_BASE_URL": "https://prakat.bench.example"}
    procs.run("org-load", _python("-m", "flask", "--app", "webhook", "org", "load",
                                  str(ROOT / "examples" / "office.yaml")), env=env, cwd=ROOT, timeout=BOOT_SECONDS)
    senders = link_everyone(database_url)
    if worker:
        procs.start("worker", _python("-m", "flask", "--app", "webhook", "worker"), env=env, cwd=ROOT)
    url = _gunicorn(procs, "webhook:create_app()", env, workdir, workers)
    if worker:
        wait_until(lambda: "worker started" in procs.log_tail("worker", 50), timeout=BOOT_SECONDS,
                   processes=procs, what="the flask worker")
    command = f"gunicorn -w {workers} 'webhook:create_app()'" + (" + flask --app webhook worker" if worker else "")
    return Bot("prakat", url, command), senders


@dataclass(frozen=True)
class Stack:
    """A running fake LINE and Prakat, as production runs it, on one database."""

    fake_url: str
    prakat: Bot
    database_url: str
    users: list[str]  # every linked person's LINE user id
    procs: Processes  # Prakat's: `procs.check_alive()` after a load, or its figures mean nothing

    @property
    def base_url(self) -> str:
        return self.prakat.callback_url.removesuffix("/callback")

    @property
    def database(self) -> str:
        return "PostgreSQL" if self.database_url.startswith("postgresql") else "SQLite"


@contextlib.contextmanager
def prakat_stack(workdir: Path, database_url: str | None, latency: float = 0.05, *, workers: int = 4,
                 fake_url: str | None = None, worker: bool = True) -> Iterator[Stack]:
    """A fake LINE (unless one runs at `fake_url`) and Prakat on `database_url` (emptied first) or
    a new SQLite file; every process it started is stopped on the way out."""
    with contextlib.ExitStack() as stack:
        if fake_url is None:
            fake_url = start_fake(stack.enter_context(Processes(workdir / "fake")), latency)
        if database_url:
            empty_postgres(database_url)
        url = database_url or f"sqlite:///{workdir / 'prakat.db'}"
        prakat_procs = stack.enter_context(Processes(workdir / "prakat"))
        prakat, users = start_prakat(prakat_procs, fake_url, url, workdir / "prakat", workers, worker=worker)
        yield Stack(fake_url, prakat, url, users, prakat_procs)


def start_baseline(procs: Processes, fake_url: str, workdir: Path, workers: int = 4) -> Bot:
    url = _gunicorn(procs, "bench.baseline_bot:create_app()", _line_env(fake_url), workdir, workers)
    return Bot("baseline", url, f"gunicorn -w {workers} 'bench.baseline_bot:create_app()'")
