"""What the sender's claim costs as the outbox backlog grows: offices in turns (what the sender
runs: the next office's oldest claimable rows, else the deployment's oldest) against
oldest-first (what it ran before), over replies due for many offices. Every sender thread runs
a claim for each batch it takes, so its cost at a deep backlog is what fairness costs when LINE
is slow and the outbox is far behind.

    .venv/bin/python -m bench.claim_query_bench [--database postgresql://…] [--offices 50] [--backlog 100 1000 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from bench.stacks import empty_postgres
from bot.app.executors import LANES
from bot.spine.claims import claim_statement
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, migrate
from models import Office, OutboxMessage, utcnow

REPEAT = 20
BATCH = 20
LANES_KEY = tuple(tuple(lane) for lane in LANES)  # as the sender keeps them (hashable)


def _claim(session, *, turns: bool, after_office: int) -> list[int]:
    """The rows one claim would take (in a transaction the caller rolls back: nothing changes)."""
    params = {"now": utcnow(), "after_office": after_office}
    rows = []
    if turns:
        rows = session.scalars(claim_statement(LANES_KEY, BATCH, office_turn=True), params).all()
    return rows or session.scalars(claim_statement(LANES_KEY, BATCH, office_turn=False), params).all()


def run(database_url: str, offices: int, backlogs: list[int]) -> list[tuple[int, float, float]]:
    """(backlog, ms a claim in turns, ms a claim oldest first) for each backlog."""
    engine = make_engine(Config(database_url=database_url).validated().database_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    rng, out, made = random.Random(1), [], 0
    with factory() as session, session.begin():
        session.add_all(Office(key=f"o{n}", name=f"o{n}", short_name=f"o{n}", hosts=[]) for n in range(offices))
    with factory() as session:
        office_ids = list(session.scalars(select(Office.id)))
    for backlog in sorted(backlogs):
        with factory() as session, session.begin():
            session.execute(insert(OutboxMessage), [
                {"kind": "reply", "target": f"U{i:032x}", "reply_token": f"r{i}", "payload": {"messages": []},
                 "office_id": rng.choice(office_ids), "status": "pending", "next_attempt_at": utcnow()}
                for i in range(made, backlog)])
        made = backlog
        timings = []
        for turns in (True, False):
            times = []
            for n in range(REPEAT + 1):
                with factory() as session:
                    session.begin()
                    started = time.perf_counter()
                    _claim(session, turns=turns, after_office=office_ids[n % len(office_ids)])
                    times.append(time.perf_counter() - started)
                    session.rollback()
            timings.append(sum(times[1:]) / REPEAT * 1000)  # the first one warms the caches
        out.append((backlog, *timings))
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL the bench owns (its public schema is dropped); "
                                           "default: a new SQLite file")
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--backlog", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="claim-query-") as workdir:
        if args.database and args.database != "sqlite":
            empty_postgres(args.database)
            url = args.database
        else:
            url = f"sqlite:///{Path(workdir) / 'q.db'}"
        rows = run(url, args.offices, args.backlog)
    print("| due outbox rows | a claim in turns | oldest first |\n|---|---|---|")
    for backlog, turns, fifo in rows:
        print(f"| {backlog} | {turns:.1f} ms | {fifo:.1f} ms |")


if __name__ == "__main__":
    main()
