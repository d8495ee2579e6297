"""What the handler stage's candidate query costs as the backlog grows: offices in turns (what
the stage runs) against oldest-first (what it ran before), at backlogs of pending events spread
over many offices. The stage runs this query once per handled event, so its cost at a deep
backlog is what fairness costs when the workers are far behind.

    .venv/bin/python -m bench.stage_query_bench [--database postgresql://…] [--offices 50] [--backlog 100 1000 10000]
"""

from __future__ import annotations

import time

from sqlalchemy import insert, or_, select

from bench import turns
from bot.spine.stage import CANDIDATES, PENDING, Stage
from models import InboundEvent, utcnow


def oldest_first(session, now):
    """The stage's query before offices went in turns."""
    return session.execute(select(InboundEvent.id, InboundEvent.chat_key).where(PENDING).where(
        or_(InboundEvent.next_attempt_at.is_(None), InboundEvent.next_attempt_at <= now))
        .order_by(InboundEvent.id).limit(CANDIDATES)).all()


def in_turns(session, now):
    stage = Stage.__new__(Stage)  # the query alone: no factory, no dispatch
    stage.last_office = 1
    return stage._due(session, now)


def grow(factory, office_ids, rng, first: int, last: int) -> None:
    with factory() as session, session.begin():
        session.execute(insert(InboundEvent), [
            {"webhook_event_id": f"q{i}", "type": "message", "chat_key": f"U{i % 997}", "timestamp_ms": i,
             "outcome": "pending", "payload": {}, "office_id": rng.choice(office_ids), "received_at": utcnow()}
            for i in range(first, last)])


def timed(factory, in_turns_: bool, _office_ids) -> float:
    with factory() as session:
        started = time.perf_counter()
        (in_turns if in_turns_ else oldest_first)(session, utcnow())
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    turns.main(__doc__, "pending events", grow, timed, argv)


if __name__ == "__main__":
    main()
