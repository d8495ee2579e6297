"""Which LINE channel belongs to which office: stored sealed, looked up from memory.

Every webhook must find its office's secret before it writes anything, and every outbox row its
office's token, so the directory keeps all channels in memory and reads the offices table again
only when asked for a key or destination it does not know (at most once a second), or after a
short TTL (a channel set by `org channel` in another process is seen within it).

A one-office deployment stores no channel: the LINE_CHANNEL_* settings (or the sandbox's) are the
channel of the office that has none of its own — the first such office, or no office yet before
an org file was loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.spine.sealed import SealError, seal, unseal
from models import Office

log = logging.getLogger("prakat.channels")

TTL_SECONDS = 30.0
# An unknown key or destination reads the table again, but not more often than this: a flood of
# made-up destinations must not become a flood of queries.
MISS_REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Channel:
    """One LINE Official Account. office_id None: the settings' channel before any office exists."""

    office_id: int | None
    key: str | None
    secret: str = field(repr=False)
    token: str = field(repr=False)
    bot_user_id: str | None = None
    channel_id: str | None = None
    own: bool = True  # False: the deployment's LINE_CHANNEL_* settings, not a stored channel


def set_channel(session: Session, office: Office, *, channel_id: str, secret: str, token: str,
                bot_user_id: str, sealing_key: str) -> None:
    """Store the office's channel; secret and token sealed with PRAKAT_SECRET_KEY (SealError
    without it). The caller commits; directories see it at their next refresh."""
    if not (channel_id and secret and token and bot_user_id):
        raise ValueError("a channel needs its id, secret, access token and bot user id")
    office.line_channel_id = channel_id.strip()
    office.line_bot_user_id = bot_user_id.strip()
    office.line_channel_secret = seal(sealing_key, secret.strip())
    office.line_access_token = seal(sealing_key, token.strip())


def clear_channel(session: Session, office: Office) -> None:
    """The office goes back to the settings' channel (one-office deployments only)."""
    office.line_channel_id = office.line_bot_user_id = None
    office.line_channel_secret = office.line_access_token = None


@dataclass
class _Snapshot:
    by_key: dict[str, Channel]
    by_destination: dict[str, Channel]
    by_office: dict[int, Channel]
    fallback: Channel | None  # the settings' channel, when some office (or none yet) lacks its own


class ChannelDirectory:
    """office key / destination / office id → Channel, in memory; thread-safe."""

    def __init__(self, factory: sessionmaker[Session], *, secret: str, token: str,
                 sealing_key: str, ttl: float = TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.factory = factory
        self.secret, self.token, self.sealing_key = secret, token, sealing_key
        self.ttl, self.clock = ttl, clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._loaded_at = float("-inf")
        self._said: set[tuple[str, str]] = set()  # (office, problem) already logged by this process

    # --- lookups -------------------------------------------------------------------------

    def by_key(self, key: str) -> Channel | None:
        return self._find(lambda s: s.by_key.get(key))

    def by_destination(self, destination: str) -> Channel | None:
        return self._find(lambda s: s.by_destination.get(destination))

    def for_office(self, office_id: int | None) -> Channel | None:
        """The channel an office's outbox rows go through (its own, else the settings')."""
        if office_id is None:
            return self.fallback()
        return self._find(lambda s: s.by_office.get(office_id))

    def fallback(self) -> Channel | None:
        """The settings' channel, or None when every office has its own."""
        return self._current().fallback

    def offices_with_own_channel(self) -> int:
        return sum(1 for c in self._current().by_office.values() if c.own)

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    # --- the table, read now and then ------------------------------------------------------

    def _find(self, pick: Callable[[_Snapshot], Channel | None]) -> Channel | None:
        found = pick(self._current())
        if found is None and self.clock() - self._loaded_at >= MISS_REFRESH_SECONDS:
            found = pick(self._current(force=True))
        return found

    def _current(self, *, force: bool = False) -> _Snapshot:
        with self._lock:
            # No office yet: read again every time, so the first org file counts at once (a
            # deployment without offices has no traffic worth caching for).
            if force or self._snapshot is None or not self._snapshot.by_office \
                    or self.clock() - self._loaded_at >= self.ttl:
                try:
                    self._snapshot = self._load()
                except SQLAlchemyError:
                    if self._snapshot is None:
                        raise  # nothing known yet: the webhook answers 503, LINE redelivers
                    # The database is down: the channels known a moment ago still hold (a
                    # secret is checked against them, nothing is written until it is back).
                    log.warning("channels could not be re-read; keeping the ones known")
                self._loaded_at = self.clock()
            return self._snapshot

    def _say_once(self, key: str, problem: str, level: int, message: str, *args) -> None:
        """A channel problem is logged when first met, not at every re-read (twice a minute)."""
        if (key, problem) not in self._said:
            self._said.add((key, problem))
            log.log(level, message, *args)

    def _load(self) -> _Snapshot:
        with self.factory() as session:
            offices = session.execute(
                select(Office.id, Office.key, Office.line_channel_id, Office.line_bot_user_id,
                       Office.line_channel_secret, Office.line_access_token).order_by(Office.id)
            ).all()
        by_key: dict[str, Channel] = {}
        by_destination: dict[str, Channel] = {}
        by_office: dict[int, Channel] = {}
        fallback: Channel | None = None
        for office_id, key, channel_id, bot_user_id, sealed_secret, sealed_token in offices:
            if sealed_secret and sealed_token and bot_user_id:
                try:
                    channel = Channel(office_id, key, unseal(self.sealing_key, sealed_secret),
                                      unseal(self.sealing_key, sealed_token), bot_user_id, channel_id)
                except SealError as exc:  # never the secret itself: only which office and why
                    self._say_once(key, "sealed", logging.ERROR,
                                   "office %s: its LINE channel cannot be opened: %s", key, exc)
                    continue
                by_destination[bot_user_id] = channel
            elif fallback is None and self.secret:
                channel = fallback = Channel(office_id, key, self.secret, self.token, own=False)
            else:
                self._say_once(key, "none", logging.WARNING,
                               "office %s has no LINE channel of its own: store one with "
                               "`flask --app webhook org channel %s`", key, key)
                continue
            by_key[key] = by_office[office_id] = channel
        if not offices and self.secret:
            fallback = Channel(None, None, self.secret, self.token, own=False)
        return _Snapshot(by_key, by_destination, by_office, fallback)
