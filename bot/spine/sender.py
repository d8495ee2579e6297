"""The outbox sender: claims due rows, performs them against LINE, records the outcome.

Claiming is a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several threads and
workers never take the same row; `claims.py` says which rows may go, keeping each chat's order);
the network call happens outside any transaction; the outcome and whatever it triggers
(`Outcome.after`) are written in a second one. A row left in `sending` by a dead process is taken
again once its lease runs out; pushes reuse their X-Line-Retry-Key, so LINE answers 409 instead of
delivering twice. A reply has no such key: one whose answer was lost is "maybe delivered"
(`sent_via = "reply?"`) and is never turned into a push of the same messages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import urllib3
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.spine.claims import MESSAGE_LANE, claim_statement, next_office_statement
from bot.spine.db import DATABASE_FAULTS
from bot.spine.line_api import LineClients
from bot.spine.line_sdk import api_exception, messaging
from bot.spine.waker import Waker
from models import OutboxMessage, utcnow

if TYPE_CHECKING:
    from linebot.v3.messaging import ApiException

log = logging.getLogger("prakat.sender")

LEASE = timedelta(seconds=60)
# After LINE has answered, writing down what it said is worth waiting for: a row left `sending`
# is sent again when its lease runs out. So a locked or cut database is tried again, for about
# half a lease, before the row is left to the lease.
RECORD_RETRIES = (0.05, 0.1, 0.2, 0.5, 1, 2, 4, 8, 15)
MONTHLY_LIMIT = "monthly limit"
# sent_via of a reply that may have been delivered: its answer was lost (timeout, cut, 5xx).
MAYBE_REPLIED = "reply?"


@dataclass
class Outcome:
    """What one attempt came to. `after` runs in the transaction that records it."""

    status: str  # sent | retry | failed
    http_status: int | None = None
    error: str | None = None
    request_id: str | None = None
    retry_after: float | None = None
    via: str | None = None
    recipients: int = 0
    after: Callable[[Session, OutboxMessage], None] | None = None


Executor = Callable[["SendContext", OutboxMessage], Outcome]
# Called when a row is given up on, inside the recording transaction (e.g. tell the user).
OnFailed = Callable[[Session, OutboxMessage], None]


@dataclass
class SendContext:
    """What an executor may use. `clients` are those of the row's office's channel."""

    factory: sessionmaker[Session]
    clients: LineClients
    config: object
    now: Callable[[], datetime]
    group_sizes: dict[str, tuple[int, datetime]]


class NoChannel(LookupError):
    """The row's office has no LINE channel this process can use (none stored, or sealed with
    another key): the row waits and is retried, never sent with another office's token."""


# office id (None: the deployment's own rows) → the LINE clients of that office's channel.
ClientsFor = Callable[[int | None], LineClients]


def from_api_exception(exc: ApiException) -> Outcome:
    """Map LINE's error answer to retry / fail, honouring Retry-After and the monthly limit."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    body = exc.body.decode() if isinstance(exc.body, bytes) else (exc.body or "")
    request_id = headers.get("x-line-request-id")
    status = exc.status or 0
    if status == 429:
        if MONTHLY_LIMIT in body.lower():
            return Outcome("failed", status, "monthly quota: " + body[:500], request_id)
        retry_after = headers.get("retry-after")
        try:
            wait = float(retry_after) if retry_after else None
        except ValueError:
            wait = None
        return Outcome("retry", status, body[:500], request_id, retry_after=wait)
    if status >= 500 or status == 0:
        return Outcome("retry", status, body[:500], request_id)
    return Outcome("failed", status, body[:2000], request_id)


def network_retry(exc: Exception) -> Outcome:
    return Outcome("retry", None, f"network: {type(exc).__name__}")


NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


def call_line(call: Callable[[], Any]) -> Any:
    """Make one LINE API call for an executor: its response, or the Outcome its failure means
    (LINE's error answer mapped by from_api_exception; a network error is retried)."""
    try:
        return call()
    except api_exception() as exc:
        return from_api_exception(exc)
    except NETWORK_ERRORS as exc:
        return network_retry(exc)


def sent(response: Any, **kwargs) -> Outcome:
    """The Outcome of a call LINE accepted, with its request id for the logs."""
    return Outcome("sent", response.status_code, request_id=response.headers.get("x-line-request-id"),
                   **kwargs)


def _push(ctx: SendContext, row: OutboxMessage) -> Outcome:
    request = messaging().PushMessageRequest.from_dict({"to": row.target, "messages": row.payload["messages"]})
    try:
        response = ctx.clients.api.push_message_with_http_info(
            request, x_line_retry_key=row.retry_key, _request_timeout=ctx.clients.timeout
        )
    except api_exception() as exc:
        if exc.status == 409:  # this retry key was already accepted: it was delivered
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            return Outcome("sent", 409, request_id=headers.get("x-line-accepted-request-id"),
                           via="push", recipients=0)
        return from_api_exception(exc)
    except NETWORK_ERRORS as exc:
        return network_retry(exc)
    return sent(response, via="push", recipients=_recipients(ctx, row.target))


GROUP_SIZE_TTL = timedelta(hours=1)


def _recipients(ctx: SendContext, target: str | None) -> int:
    """What a push costs in quota: one per user, and one per member for a group or room."""
    if not target or target[0] not in "CR":
        return 1
    cached = ctx.group_sizes.get(target)
    if cached and ctx.now() - cached[1] < GROUP_SIZE_TTL:
        return cached[0]
    try:
        if target[0] == "C":
            count = ctx.clients.api.get_group_member_count(target, _request_timeout=ctx.clients.timeout).count
        else:
            count = ctx.clients.api.get_room_member_count(target, _request_timeout=ctx.clients.timeout).count
    except (api_exception(), *NETWORK_ERRORS):
        log.warning("could not count members of %s; counting the push once", target[:9])
        return cached[0] if cached else 1
    ctx.group_sizes[target] = (count, ctx.now())
    return count


def send_push(ctx: SendContext, row: OutboxMessage) -> Outcome:
    return _push(ctx, row)


def _never_sent(exc: Exception) -> bool:
    """The connection was never made, so LINE cannot have performed anything."""
    reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)  # incl. NewConnectionError


def _note_channel(ctx: SendContext, row: OutboxMessage, via: str) -> None:
    """Write down what the coming call may deliver, before making it: a process killed during the
    call then leaves the truth behind. The row object keeps what was known before this attempt,
    which is what the record restores when LINE refuses the call."""
    with ctx.factory() as session, session.begin():
        session.execute(update(OutboxMessage).where(
            OutboxMessage.id == row.id, OutboxMessage.claimed_by == row.claimed_by,
            OutboxMessage.status == "sending").values(sent_via=via))


def _push_instead(ctx: SendContext, row: OutboxMessage, *, noted_reply: bool) -> Outcome:
    row.sent_via = "push"
    if noted_reply:  # the database says "reply?": correct it before the push may deliver
        _note_channel(ctx, row, "push")
    return _push(ctx, row)


def send_reply(ctx: SendContext, row: OutboxMessage) -> Outcome:
    """Reply while the token is fresh (free); push if the token never could have been used.

    A reply whose outcome is unknown (read timeout, connection cut after sending, 5xx) may have
    been delivered, so it is never pushed: it is tried again with its token while the token is
    fresh (LINE refuses a spent token, so at most one of the tries can deliver), and otherwise
    recorded as sent "reply?" (docs/ARCHITECTURE.md, "Reply whose answer was lost").
    """
    maybe = row.sent_via == MAYBE_REPLIED
    fresh = row.reply_deadline is not None and ctx.now() < row.reply_deadline
    if row.sent_via == "push" or not (fresh or maybe):
        return _push_instead(ctx, row, noted_reply=False)
    if not fresh:
        log.warning("outbox row %s: reply outcome unknown and its token is old; not pushed", row.id)
        return Outcome("sent", row.last_status, row.last_error, via=MAYBE_REPLIED)
    _note_channel(ctx, row, MAYBE_REPLIED)
    request = messaging().ReplyMessageRequest.from_dict(
        {"replyToken": row.reply_token, "messages": row.payload["messages"]}
    )
    try:
        response = ctx.clients.api.reply_message_with_http_info(
            request, _request_timeout=ctx.clients.timeout
        )
    except api_exception() as exc:
        body = exc.body.decode() if isinstance(exc.body, bytes) else (exc.body or "")
        if exc.status == 400 and "reply token" in body.lower():
            if maybe:  # spent by the earlier try whose answer was lost: that one delivered it
                outcome = from_api_exception(exc)
                return Outcome("sent", 400, "reply token spent by an earlier try whose answer was "
                               "lost: " + (outcome.error or ""), outcome.request_id, via=MAYBE_REPLIED)
            return _push_instead(ctx, row, noted_reply=True)  # expired or refused before any try
        outcome = from_api_exception(exc)
        if (exc.status or 0) >= 500 or not exc.status:
            outcome.via = MAYBE_REPLIED
        return outcome
    except NETWORK_ERRORS as exc:
        outcome = network_retry(exc)
        if not _never_sent(exc):
            outcome.via = MAYBE_REPLIED
        return outcome
    return sent(response, via="reply")


# The kinds every sender performs; the application adds its effects (downloads, rich menus, ...).
MESSAGE_EXECUTORS: dict[str, Executor] = {"push": send_push, "reply": send_reply}


class Sender:
    """Performs outbox rows. `executors` and `on_failed` map a row's kind to what performs it and
    to what runs when it is given up on: passed in explicitly, so what a process can send is one
    list in bot/app/, never whatever happened to be imported."""

    def __init__(self, factory: sessionmaker[Session], clients: LineClients, *, worker: str, config,
                 give_up_seconds: int, executors: Mapping[str, Executor] | None = None,
                 on_failed: Mapping[str, OnFailed] | None = None,
                 lanes: Sequence[Sequence[str]] = (MESSAGE_LANE,), waker: Waker | None = None,
                 batch: int = 20, backoff_base: float = 1.0, backoff_cap: float = 300.0,
                 now: Callable[[], datetime] = utcnow, clients_for: ClientsFor | None = None):
        self.factory = factory
        self.batch = batch
        self.lanes = tuple(tuple(lane) for lane in lanes)
        self.waker = waker or Waker()
        self.executors = {**MESSAGE_EXECUTORS, **(executors or {})}
        self.on_failed = dict(on_failed or {})
        self.worker = worker
        self.give_up = timedelta(seconds=give_up_seconds)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.now = now
        self.ctx = SendContext(factory=factory, clients=clients, config=config, now=now, group_sizes={})
        # Several offices: each row goes with its office's token. Without: every row with `clients`.
        self.clients_for = clients_for or (lambda _office_id: clients)
        self.last_office = 0  # the office the last claim served: the next claim starts after it

    def claim(self, limit: int | None = None) -> list[OutboxMessage]:
        """Up to `limit` rows, the next office's oldest (offices in turns), else the oldest."""
        limit, now = limit or self.batch, self.now()
        with self.factory() as session, session.begin():
            params = {"now": now, "after_office": self.last_office}
            rows = session.scalars(claim_statement(self.lanes, limit, office_turn=True), params).all()
            if rows:
                self.last_office = rows[0].office_id
            else:
                # The office whose turn it was has due rows but none it may send yet (each waits
                # behind its chat's earlier row): its turn passes, or it would be tried again and
                # again while the oldest-first fallback served the same busy office.
                self.last_office = session.scalar(next_office_statement(), params) or 0
                rows = session.scalars(claim_statement(self.lanes, limit, office_turn=False), params).all()
            for row in rows:
                row.status = "sending"
                row.lease_until = now + LEASE
                row.claimed_by = self.worker
                row.attempts += 1
            return rows

    def run_once(self, limit: int | None = None) -> int:
        """Claim up to `limit` rows (default: the sender's batch) and perform them in turn."""
        limit = limit or self.batch
        rows = self.claim(limit)
        if rows and len(rows) == limit:
            self.waker.wake()  # there may be more: an idle peer can take some while these go
        for row in rows:
            try:
                self.perform(row)
            except Exception:  # one row's failure must not hold up the rest of the batch
                log.exception("outbox row %s could not be recorded; its lease will expire", row.id)
        return len(rows)

    def perform(self, row: OutboxMessage) -> Outcome:
        run = self.executors.get(row.kind)
        if run is None:
            outcome = Outcome("failed", error=f"no executor for {row.kind!r}")
        else:
            try:
                clients = self.clients_for(row.office_id)
                ctx = self.ctx if clients is self.ctx.clients else replace(self.ctx, clients=clients)
                outcome = run(ctx, row)
            except NoChannel as exc:
                log.error("outbox row %s: %s", row.id, exc)
                outcome = Outcome("retry", error=str(exc)[:500])
            except Exception as exc:  # a bug in an executor must not kill the sender
                log.exception("outbox row %s (%s) crashed", row.id, row.kind)
                outcome = Outcome("retry", error=f"crash: {type(exc).__name__}: {exc}"[:500])
        for pause in (*RECORD_RETRIES, None):
            try:
                self.record(row, outcome)
                break
            except DATABASE_FAULTS:
                if pause is None:
                    raise
                log.warning("outbox row %s: outcome not recorded yet (database busy); retrying", row.id)
                time.sleep(pause)
        return outcome

    def _delay(self, row: OutboxMessage, outcome: Outcome) -> float:
        if outcome.retry_after is not None:
            return outcome.retry_after
        exponential = min(self.backoff_cap, self.backoff_base * 2 ** max(0, row.attempts - 1))
        return exponential * random.uniform(0.5, 1.0)

    def record(self, claimed: OutboxMessage, outcome: Outcome) -> None:
        now = self.now()
        with self.factory() as session, session.begin():
            row = session.get(OutboxMessage, claimed.id, with_for_update=True)
            if row is None or row.claimed_by != self.worker or row.status != "sending":
                log.warning("outbox row %s was taken over; dropping this outcome", claimed.id)
                return
            row.sent_via = outcome.via or claimed.sent_via
            row.last_status = outcome.http_status
            row.line_request_id = outcome.request_id or row.line_request_id
            row.lease_until = None
            status = outcome.status
            if status == "retry" and now - row.created_at > self.give_up:
                status = "failed"
            if status == "sent":
                row.status, row.finished_at, row.recipients = "sent", now, outcome.recipients
                row.last_error = outcome.error  # None, or why a reply is only maybe delivered
            elif status == "retry":
                row.status = "pending"
                row.last_error = outcome.error
                row.next_attempt_at = now + timedelta(seconds=self._delay(row, outcome))
            else:
                row.status, row.finished_at, row.last_error = "failed", now, outcome.error
            if outcome.after is not None and status in ("sent", "failed"):
                try:
                    with session.begin_nested():  # what the effect triggers, all or nothing
                        outcome.after(session, row)
                except Exception as exc:
                    log.exception("outbox row %s: follow-up failed", row.id)
                    row.status, row.finished_at = "failed", now
                    row.last_error = f"follow-up failed: {type(exc).__name__}: {exc}"[:500]
            if row.status == "failed" and row.kind in self.on_failed:
                self.on_failed[row.kind](session, row)
        log.info(
            "line call outbox=%s kind=%s via=%s attempt=%s status=%s request_id=%s event=%s outcome=%s",
            row.id, row.kind, row.sent_via, row.attempts, outcome.http_status, outcome.request_id,
            row.webhook_event_id, row.status,
        )

    def run_forever(self, stop: threading.Event, poll: float = 0.5) -> None:
        """Claim and send until `stop`; when idle, rest a poll or until woken (`Waker`)."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("sender loop error")
                busy = 0
            if not busy and not stop.is_set():
                self.waker.wait(poll)


def describe(row: OutboxMessage) -> str:
    """One line for `flask outbox`: never message text, only what and where."""
    detail = row.last_error or ""
    with contextlib.suppress(ValueError, AttributeError):
        detail = json.loads(detail).get("message", detail)
    return (f"#{row.id} {row.kind:<9} {row.status:<8} attempts={row.attempts} "
            f"to={row.target or '-'} created={row.created_at:%Y-%m-%d %H:%M}Z {detail[:120]}")
