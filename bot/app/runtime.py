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
from bot.spine.line_api import LineClients, line_clients
from bot.spine.sender import Sender

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

    @classmethod
    def build(cls, config: Config, *, run_migrations: bool = True) -> Runtime:
        wire()
        engine = make_engine(config.database_url)
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

    def start_background(self, *, scheduler: bool = True) -> None:
        """Start the sender (and scheduler) threads: the one-machine mode."""
        sender = self.sender()
        thread = threading.Thread(target=sender.run_forever,
                                  args=(self._stop, self.config.outbox_poll_seconds),
                                  name="outbox-sender", daemon=True)
        thread.start()
        self._threads.append(thread)
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
