"""What the handler stage's candidate query costs as the backlog grows: offices in turns (what
the stage runs) against oldest-first (what it ran before), at backlogs of pending events spread
over many offices. The stage runs this query once per handled event, so its cost at a deep
backlog is what fairness costs when the workers are far behind.

    .venv/bin/python -m bench.stage_query_bench [--database postgresql://…] [--offices 50] [--backlog 100 1000 10000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, or_, select

from bench.stacks import empty_postgres
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, migrate
from bot.spine.stage import CANDIDATES, PENDING, Stage
from models import InboundEvent, Office, utcnow

REPEAT = 20


def oldest_first(session, now):
    """The stage's query before offices went in turns."""
    return session.execute(select(InboundEvent.id, InboundEvent.chat_key).where(PENDING).where(
        or_(InboundEvent.next_attempt_at.is_(None), InboundEvent.next_attempt_at <= now))
        .order_by(InboundEvent.id).limit(CANDIDATES)).all()


def in_turns(session, now):
    stage = Stage.__new__(Stage)  # the query alone: no factory, no dispatch
    stage.last_office = 1
    return stage._due(session, now)


def run(database_url: str, offices: int, backlogs: list[int]) -> list[tuple[int, float, float]]:
    """(backlog, ms a query in turns, ms a query oldest first) for each backlog."""
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
            session.execute(insert(InboundEvent), [
                {"webhook_event_id": f"q{i}", "type": "message", "chat_key": f"U{i % 997}", "timestamp_ms": i,
                 "outcome": "pending", "payload": {}, "office_id": rng.choice(office_ids), "received_at": utcnow()}
                for i in range(made, backlog)])
        made = backlog
        timings = []
        for query in (in_turns, oldest_first):
            with factory() as session:
                query(session, utcnow())  # warm
                started = time.perf_counter()
                for _ in range(REPEAT):
                    query(session, utcnow())
                timings.append((time.perf_counter() - started) / REPEAT * 1000)
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
    with tempfile.TemporaryDirectory(prefix="stage-query-") as workdir:
        if args.database and args.database != "sqlite":
            empty_postgres(args.database)
            url = args.database
        else:
            url = f"sqlite:///{Path(workdir) / 'q.db'}"
        rows = run(url, args.offices, args.backlog)
    print("| pending events | in turns | oldest first |\n|---|---|---|")
    for backlog, turns, fifo in rows:
        print(f"| {backlog} | {turns:.1f} ms | {fifo:.1f} ms |")


if __name__ == "__main__":
    main()
