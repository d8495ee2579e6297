"""The running pieces of one process: database, LINE clients, outbox sender, scheduler."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app.executors import EXECUTORS, LANES, ON_FAILED
from bot.app.wiring import wire
from bot.schedule.jobs import JOBS
from bot.schedule.scheduler import start_scheduler, stop_scheduler
from bot.spine.config import SANDBOX_TOKEN, Config
from bot.spine.db import make_engine, make_sessionmaker, migrate, read_only_sessionmaker
from bot.spine.intake import NOTIFY_CHANNEL, Recorder
from bot.spine.line_api import LineClients, line_clients
from bot.spine.sender import Sender
from bot.spine.sender_pool import POOL_BATCH, SenderPool
from bot.spine.waker import Waker, listen, wake_on_commit

if TYPE_CHECKING:
    from bot.spine.stage import Stage

log = logging.getLogger("prakat")


@dataclass
class Runtime:
    config: Config
    engine: Engine
    factory: sessionmaker[Session]
    read_factory: sessionmaker[Session]
    fake_line: object | None = None
    _clients: LineClients | None = None
    _pool: SenderPool | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    scheduler: object | None = None
    # Wakes this process's idle sender threads; every commit that writes outbox rows calls it.
    outbox_waker: Waker = field(default_factory=Waker)
    # Wakes this process's handler stage when its webhook records events (and, on PostgreSQL,
    # on every NOTIFY from any web process).
    inbound_waker: Waker = field(default_factory=Waker)
    _recorder: Recorder | None = None
    # Sandbox mode: who the fake LINE Login's authorize page offers (set by bot.app.sandbox_page).
    login_personas: object | None = None

    @classmethod
    def build(cls, config: Config, *, run_migrations: bool = True) -> Runtime:
        wire()
        engine = make_engine(config.database_url, busy_seconds=config.database_busy_seconds)
        if run_migrations:
            migrate(engine)
        runtime = cls(config=config, engine=engine, factory=make_sessionmaker(engine),
                      read_factory=read_only_sessionmaker(engine))
        wake_on_commit(runtime.factory, runtime.outbox_waker)
        return runtime

    @property
    def clients(self) -> LineClients:
        if self._clients is None:
            if self.config.sandbox and self.fake_line is None:
                # The fake and LINE's OpenAPI spec load only in sandbox mode.
                from bot.sandbox.line_fake import FakeLine

                self.fake_line = FakeLine(access_token=SANDBOX_TOKEN,
                                          require_group_membership=False).start()
                if self.login_personas is not None:
                    self.fake_line.login.personas = self.login_personas
                log.warning("sandbox mode: no LINE credentials, so LINE is the built-in fake at %s",
                            self.fake_line.url)
            if self.fake_line is not None:
                base = data = self.fake_line.url
            else:
                base, data = self.config.line_api_base, self.config.line_data_api_base
            self._clients = line_clients(base, data, self.config.line_channel_access_token,
                                         self.config.line_timeout_seconds,
                                         pool_size=self.config.sender_threads)
        return self._clients

    def line_login_bases(self) -> tuple[str, str]:
        """(authorize page base, token API base) of LINE Login; in sandbox mode the fake LINE's."""
        if self.config.sandbox:
            self.clients  # noqa: B018 - starts the fake LINE on first use
            return self.fake_line.url, self.fake_line.url
        return self.config.line_login_authorize_base, self.config.line_login_api_base

    def sender(self, worker: str | None = None, **kwargs) -> Sender:
        kwargs.setdefault("waker", self.outbox_waker)
        return Sender(self.factory, self.clients,
                      worker=worker or f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}",
                      config=self.config, give_up_seconds=self.config.outbox_give_up_seconds,
                      executors=EXECUTORS, on_failed=ON_FAILED, lanes=LANES, **kwargs)

    def sender_pool(self, threads: int | None = None, stop: threading.Event | None = None) -> SenderPool:
        """`threads` senders (default SENDER_THREADS), each with its own worker name."""
        prefix = f"{os.uname().nodename}:{os.getpid()}"
        senders = [self.sender(worker=f"{prefix}:s{n}", batch=POOL_BATCH)
                   for n in range(threads or self.config.sender_threads)]
        return SenderPool(senders, poll=self.config.outbox_poll_seconds, waker=self.outbox_waker,
                          stop=stop)

    @property
    def recorder(self) -> Recorder:
        """What POST /callback records with."""
        if self._recorder is None:
            self._recorder = Recorder(self.engine, on_recorded=self.inbound_waker.wake)
        return self._recorder

    def stage(self) -> Stage:
        """The handler stage: recorded events → router → handlers, one transaction each."""
        # Loaded on first use: line-bot-sdk's webhook models and every handler cost seconds to
        # import, and a web worker only records events, it never handles them.
        from bot.spine.stage import Stage
        from handlers import build_router

        return Stage(self.factory, self.config, build_router(), read_factory=self.read_factory)

    def _thread(self, name: str, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def start_handlers(self) -> None:
        """Handler-stage threads, woken by this process's webhook and, on PostgreSQL, by NOTIFY."""
        postgres = self.engine.dialect.name == "postgresql"
        threads = self.config.handler_threads if postgres else 1  # SQLite: one writer anyway
        for n in range(threads):
            self._thread(f"handler-{n}", self.stage().run_forever, self._stop, self.inbound_waker,
                         1.0 if postgres else self.config.handler_poll_seconds)
        if postgres:
            conninfo = self.engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False)
            self._thread("handler-listen", listen, conninfo, NOTIFY_CHANNEL, self.inbound_waker,
                         self._stop)

    def start_background(self, *, scheduler: bool = True) -> None:
        """Start the handler stage, the sender pool and the scheduler: the one-machine mode."""
        self.start_handlers()
        self._pool = self.sender_pool(stop=self._stop).start()
        if scheduler:
            self.scheduler = start_scheduler(self, JOBS)

    def stop(self) -> None:
        self._stop.set()
        self.inbound_waker.wake_all()
        if self._pool is not None:
            self._pool.stop(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        if self.scheduler is not None:
            stop_scheduler(self, self.scheduler)  # also frees the PostgreSQL scheduler lock
        if self._clients is not None:
            self._clients.close()
        if self.fake_line is not None:
            self.fake_line.stop()
        self.engine.dispose()
