"""Engine, sessions and migrations for SQLite (default) and PostgreSQL (production)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
READ_ONLY = "prakat_read_only"  # execution option: a transaction that will not write
WAIT_MS = "prakat_wait_ms"  # execution option: give up after this many ms behind another writer
# Faults of the database, not of the work: locked, cut, restarted. The work waits and is tried again.
DATABASE_FAULTS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def make_engine(url: str, *, busy_seconds: float = 30.0) -> Engine:
    """`busy_seconds`: how long a SQLite writer waits for the write lock before it gives up."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_seconds})
        _sqlite_pragmas(engine, int(busy_seconds * 1000))
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    _postgres_waits(engine)
    return engine


def _sqlite_pragmas(engine: Engine, busy_ms: int) -> None:
    """WAL + busy timeout, and BEGIN IMMEDIATE so two writers queue instead of failing mid-way."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        options = conn.get_execution_options()
        # The busy timeout belongs to the connection, which the pool hands on: set it for each
        # transaction that wants another one, and back for the next that does not.
        wait = int(options.get(WAIT_MS, busy_ms))
        if conn.info.get(WAIT_MS, busy_ms) != wait:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            conn.info[WAIT_MS] = wait
        # Readers (the public portal's pages) take no lock; in WAL mode they never wait for writers.
        conn.exec_driver_sql("BEGIN" if options.get(READ_ONLY, False) else "BEGIN IMMEDIATE")


def _postgres_waits(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(conn):
        wait = conn.get_execution_options().get(WAIT_MS)
        if wait is not None:  # for this transaction only
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait)}")


def read_only_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for pages that only read: no write lock on SQLite (PostgreSQL ignores the option)."""
    return make_sessionmaker(engine.execution_options(**{READ_ONLY: True}))


def brief_sessionmaker(engine: Engine, *, wait_ms: int) -> sessionmaker[Session]:
    """Sessions for writes that may be dropped (view counts): behind another writer they fail
    with OperationalError after ``wait_ms`` instead of queueing for the usual 30 s."""
    return make_sessionmaker(engine.execution_options(**{WAIT_MS: wait_ms}))


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def insert_ignoring_conflicts(session: Session, table, **values):
    """INSERT … ON CONFLICT DO NOTHING on either database: race-free create-if-missing."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(table).values(**values).on_conflict_do_nothing()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]):
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (the app does this at start)."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(engine), "head")


def ping(engine: Engine) -> bool:
    """Whether the database answers a read. It takes no write lock, so a busy writer (one
    webhook holding SQLite's lock) is not mistaken for a database that is down."""
    try:
        with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
