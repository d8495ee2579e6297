"""The outbox sender's rules, one by one, with the clock in the test's hand.

Each test pins one rule of `bot.spine.sender` that the conversation tests only pass through:
leases and take-over, back-off and Retry-After, the give-up time, LINE's answers (409 as
delivered, the monthly limit, 4xx against 5xx) and the reply-to-push fallback.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.spine import outbox
from bot.spine.db import transaction
from bot.spine.sender import LEASE
from models import OutboxMessage, utcnow
from tests.line_driver import user_id

TEXT = [{"type": "text", "text": "แจ้งผลการพิจารณา"}]


def queue_push(runtime, to: str = "someone") -> int:
    with transaction(runtime.factory) as session:
        (row,) = outbox.push(session, user_id(to), TEXT)
        session.flush()
        return row.id


def stored(runtime, row_id: int) -> OutboxMessage:
    with runtime.factory() as session:
        return session.get(OutboxMessage, row_id)


def test_a_live_lease_is_never_taken_over_and_a_run_out_one_is(runtime, fake):
    row_id = queue_push(runtime)
    t0 = utcnow() + timedelta(seconds=1)
    first = runtime.sender(worker="first", now=lambda: t0)
    (claimed,) = first.claim()
    assert stored(runtime, row_id).lease_until == t0 + LEASE

    for live in (timedelta(0), LEASE - timedelta(seconds=1), LEASE):  # up to the lease's last instant
        assert runtime.sender(worker="second", now=lambda live=live: t0 + live).claim() == []
    assert stored(runtime, row_id).claimed_by == "first"

    later = t0 + LEASE + timedelta(seconds=1)
    second = runtime.sender(worker="second", now=lambda: later)
    (taken,) = second.claim()
    assert (taken.id, taken.claimed_by, taken.attempts) == (row_id, "second", 2)
    assert stored(runtime, row_id).lease_until == later + LEASE

    # The first worker comes back from a long stall: its outcome is dropped, the row stays taken.
    first.perform(claimed)
    row = stored(runtime, row_id)
    assert (row.status, row.claimed_by) == ("sending", "second")
    second.perform(taken)
    assert stored(runtime, row_id).status == "sent"
    pushes = [r.status for r in fake.requests if r.path == "/v2/bot/message/push"]
    assert pushes == [200, 409]  # the same retry key: delivered once
    assert len(fake.messages_to(user_id("someone"))) == 1
