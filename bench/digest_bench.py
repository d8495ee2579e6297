"""How long the quarterly digest takes over a large history.

    .venv/bin/python -m bench.digest_bench                      # 100,000 submissions, SQLite
    .venv/bin/python -m bench.digest_bench --database-url postgresql://postgres@127.0.0.1/bench

Builds a fresh database (SQLite in a temporary folder unless a URL is given; a PostgreSQL
database given here is emptied first), loads the example office, bulk-inserts the generated
history (bench/digest_data.py) over two fiscal years, then times compute_digest for one quarter
several times and prints the median. The target is under one second (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text

from bench.digest_data import generate, insert_history
from bot.digest.compute import compute_digest
from bot.office.orgfile import load
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, migrate, transaction
from bot.thai.dates import FiscalQuarter
from models import Office, Person, Publication, Submission, Unit

ROOT = Path(__file__).resolve().parent.parent
FIRST, LAST = FiscalQuarter(2569, 1), FiscalQuarter(2570, 4)
TARGET_SECONDS = 1.0


def build(url: str, n: int, seed: int) -> tuple[object, int, float]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        load(session, (ROOT / "examples" / "office.yaml").read_text(encoding="utf-8"))
    with factory() as session:
        office_id = session.scalar(select(Office.id))
        units = list(session.scalars(select(Unit.id).order_by(Unit.id)))
        people = list(session.scalars(select(Person.id).order_by(Person.id)))
    history = generate(n, office_id=office_id, unit_ids=[*units, None], people=people,
                       start=FIRST.start, end=LAST.end, seed=seed)
    started = time.perf_counter()
    with engine.begin() as conn:
        insert_history(conn, history)
    return engine, office_id, time.perf_counter() - started


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="submissions to generate")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quarter", default="2570Q1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = Config(database_url=args.database_url or f"sqlite:///{tmp}/bench.db",
                     instance_path=tmp).validated().database_url
        engine, office_id, load_seconds = build(url, args.n, args.seed)
        quarter = FiscalQuarter.parse(args.quarter)
        factory = make_sessionmaker(engine)
        with factory() as session:
            rows = {name: session.scalar(select(func.count()).select_from(model))
                    for name, model in (("submissions", Submission), ("publications", Publication))}
            compute_digest(session, office_id, quarter)  # warm-up: connection, statement cache
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                digest = compute_digest(session, office_id, quarter)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
        engine.dispose()

    median = statistics.median(times)
    print(f"database: {engine.dialect.name}; {rows['submissions']:,} submissions, "
          f"{rows['publications']:,} publications (bulk insert {load_seconds:.1f} s)")
    print(f"digest {quarter.code}: {digest.total.published:,} published, "
          f"{digest.total.flow.submitted:,} submitted, {len(digest.stages)} stages timed")
    print(f"compute_digest over {args.runs} runs: median {median:.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}); target < {TARGET_SECONDS:.1f} s: "
          f"{'met' if median < TARGET_SECONDS else 'MISSED'}")
    # On SQLite the query work is this process's CPU time too, which a busy machine does not skew.
    print(f"CPU time of this process: median {statistics.median(cpu):.3f} s")
    return median


if __name__ == "__main__":
    main()
