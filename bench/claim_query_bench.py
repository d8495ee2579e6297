"""What the sender's claim costs as the outbox backlog grows: offices in turns (what the sender
runs: the next office's oldest claimable rows, else the deployment's oldest) against
oldest-first (what it ran before), over replies due for many offices. Every sender thread runs
a claim for each batch it takes, so its cost at a deep backlog is what fairness costs when LINE
is slow and the outbox is far behind.

    .venv/bin/python -m bench.claim_query_bench [--database postgresql://…] [--offices 50] [--backlog 100 1000 10000]
"""

from __future__ import annotations

import time

from sqlalchemy import insert

from bench import turns
from bot.app.executors import LANES
from bot.spine.claims import claim_statement
from models import OutboxMessage, utcnow

BATCH = 20
LANES_KEY = tuple(tuple(lane) for lane in LANES)  # as the sender keeps them (hashable)


def grow(factory, office_ids, rng, first: int, last: int) -> None:
    with factory() as session, session.begin():
        session.execute(insert(OutboxMessage), [
            {"kind": "reply", "target": f"U{i:032x}", "reply_token": f"r{i}", "payload": {"messages": []},
             "office_id": rng.choice(office_ids), "status": "pending", "next_attempt_at": utcnow()}
            for i in range(first, last)])


def timed(factory, in_turns: bool, office_ids) -> float:
    """One claim, as the sender makes it, in a transaction rolled back (nothing changes)."""
    with factory() as session:
        session.begin()
        params = {"now": utcnow(), "after_office": office_ids[len(office_ids) // 2]}
        started = time.perf_counter()
        rows = session.scalars(claim_statement(LANES_KEY, BATCH, office_turn=True), params).all() \
            if in_turns else []
        rows or session.scalars(claim_statement(LANES_KEY, BATCH, office_turn=False), params).all()
        spent = time.perf_counter() - started
        session.rollback()
    return spent


def main(argv: list[str] | None = None) -> None:
    turns.main(__doc__, "due outbox rows", grow, timed, argv)


if __name__ == "__main__":
    main()
