"""The running pieces of one process: database, LINE clients, outbox sender, scheduler."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app.executors import EXECUTORS, ON_FAILED
from bot.app.wiring import wire
from bot.schedule.jobs import JOBS
from bot.schedule.scheduler import start_scheduler, stop_scheduler
from bot.spine.config import SANDBOX_TOKEN, Config
from bot.spine.db import make_engine, make_sessionmaker, migrate, read_only_sessionmaker
from bot.spine.intake import NOTIFY_CHANNEL, Recorder
from bot.spine.line_api import LineClients, line_clients
from bot.spine.sender import Sender
from bot.spine.stage import Stage
from bot.spine.wake import Waker, listen
from handlers import build_router

log = logging.getLogger("prakat")


@dataclass
class Runtime:
    config: Config
    engine: Engine
    factory: sessionmaker[Session]
    read_factory: sessionmaker[Session]
    fake_line: object | None = None
    _clients: LineClients | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    scheduler: object | None = None
    # Rung when this process records an event, so its own handler stage takes it at once.
    inbound_waker: Waker = field(default_factory=Waker)
    _recorder: Recorder | None = None

    @classmethod
    def build(cls, config: Config, *, run_migrations: bool = True) -> Runtime:
        wire()
        engine = make_engine(config.database_url, busy_seconds=config.database_busy_seconds)
        if run_migrations:
            migrate(engine)
        return cls(config=config, engine=engine, factory=make_sessionmaker(engine),
                   read_factory=read_only_sessionmaker(engine))

    @property
    def clients(self) -> LineClients:
        if self._clients is None:
            if self.config.sandbox and self.fake_line is None:
                # The fake and LINE's OpenAPI spec load only in sandbox mode.
                from bot.sandbox.line_fake import FakeLine

                self.fake_line = FakeLine(access_token=SANDBOX_TOKEN,
                                          require_group_membership=False).start()
                log.warning("sandbox mode: no LINE credentials, so LINE is the built-in fake at %s",
                            self.fake_line.url)
            if self.fake_line is not None:
                base = data = self.fake_line.url
            else:
                base, data = self.config.line_api_base, self.config.line_data_api_base
            self._clients = line_clients(base, data, self.config.line_channel_access_token,
                                         self.config.line_timeout_seconds)
        return self._clients

    def sender(self, worker: str | None = None, **kwargs) -> Sender:
        return Sender(self.factory, self.clients,
                      worker=worker or f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}",
                      config=self.config, give_up_seconds=self.config.outbox_give_up_seconds,
                      executors=EXECUTORS, on_failed=ON_FAILED, **kwargs)

    @property
    def recorder(self) -> Recorder:
        """What POST /callback records with."""
        if self._recorder is None:
            self._recorder = Recorder(self.engine, on_recorded=self.inbound_waker.ring)
        return self._recorder

    def stage(self) -> Stage:
        """The handler stage: recorded events → router → handlers, one transaction each."""
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
        """Start the handler stage, the sender and the scheduler: the one-machine mode."""
        self.start_handlers()
        sender = self.sender()
        self._thread("outbox-sender", sender.run_forever, self._stop, self.config.outbox_poll_seconds)
        if scheduler:
            self.scheduler = start_scheduler(self, JOBS)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.scheduler is not None:
            stop_scheduler(self, self.scheduler)  # also frees the PostgreSQL scheduler lock
        if self._clients is not None:
            self._clients.close()
        if self.fake_line is not None:
            self.fake_line.stop()
        self.engine.dispose()
