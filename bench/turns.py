"""The frame the two "offices in turns" query benches share (bench/stage_query_bench.py, the
handler stage's candidate query; bench/claim_query_bench.py, the sender's claim): a database of
many offices, a backlog that grows by steps, one query timed in turns and oldest-first at each
step, and the table that SCALING.md quotes."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bench.stacks import empty_postgres
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, migrate
from models import Office

REPEAT = 20

# (factory, office ids, rng, first row, last row): insert the backlog's rows first..last-1
Grow = Callable[..., None]
# (factory, in_turns, office ids): the seconds one query took
Timed = Callable[..., float]


def run(database_url: str, offices: int, backlogs: list[int], grow: Grow,
        timed: Timed) -> list[tuple[int, float, float]]:
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
        grow(factory, office_ids, rng, made, backlog)
        made = backlog
        timings = []
        for turns in (True, False):
            timed(factory, turns, office_ids)  # warm: the first run pays for caches
            spent = sum(timed(factory, turns, office_ids) for _ in range(REPEAT))
            timings.append(spent / REPEAT * 1000)
        out.append((backlog, *timings))
    engine.dispose()
    return out


def main(doc: str, what: str, grow: Grow, timed: Timed, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL the bench owns (its public schema is dropped); "
                                           "default: a new SQLite file")
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--backlog", type=int, nargs="+", default=[100, 1000, 10000])
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="turns-") as workdir:
        if args.database and args.database != "sqlite":
            empty_postgres(args.database)
            url = args.database
        else:
            url = f"sqlite:///{Path(workdir) / 'q.db'}"
        rows = run(url, args.offices, args.backlog, grow, timed)
    print(f"| {what} | in turns | oldest first |\n|---|---|---|")
    for backlog, turns, fifo in rows:
        print(f"| {backlog} | {turns:.1f} ms | {fifo:.1f} ms |")
