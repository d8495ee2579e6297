"""How fast a burst of replies leaves the outbox when LINE is slow, and how many miss the window.

300 replies to 300 different users are committed at once (as after a burst of webhook events);
a real `flask --app webhook worker --senders N` process sends them to the fake LINE, which runs in
its own process and answers every call after `--latency` seconds. A reply still unsent when its
token is `REPLY_WINDOW_SECONDS` (50 s) old goes as a paid push instead: those are the misses.

    .venv/bin/python -m bench.sender_burst_bench                  # 300 replies, LINE at 250 ms, 1 and 8 senders
    .venv/bin/python -m bench.sender_burst_bench --database-url postgresql://postgres@127.0.0.1:5432/bench_sender
    .venv/bin/python -m bench.sender_burst_bench --smoke          # the harness works (a test runs it)

The worker is started first and polls (a commit in another process cannot wake it), so the
figures include up to one `OUTBOX_POLL_SECONDS` (0.5 s) before the first claim.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.fake_line import prepare, stats
from bench.procs import Processes, wait_until
from bench.stacks import ROOT, _line_env, _python, empty_postgres, start_fake
from bot.spine import outbox
from bot.spine.config import Config
from bot.spine.db import make_engine, make_sessionmaker, migrate, transaction
from models import OutboxMessage, utcnow

SMOKE = {"replies": 20, "latency": 0.05, "threads": [1, 4]}
WINDOW_SECONDS = 50


@dataclass
class Burst:
    threads: int
    replies: int
    latency: float
    last_seconds: float  # from the commit to the last row recorded as sent
    median_seconds: float
    by_reply: int
    by_push: int
    unfinished: int
    line_calls: dict

    def line(self) -> str:
        return (f"| {self.threads} | {self.replies} | {self.latency * 1000:.0f} ms | "
                f"{self.last_seconds:.1f} s | {self.median_seconds:.1f} s | {self.by_reply} | "
                f"{self.by_push} | {self.unfinished} |")


HEADER = ("| senders | replies | LINE | last delivery | median | as reply | as push (missed) | unsent |\n"
          "|---|---|---|---|---|---|---|---|")


def _database(database_url: str | None, workdir: Path, n: int) -> str:
    if database_url:
        empty_postgres(database_url)
        return database_url
    return f"sqlite:///{workdir / f'burst-{n}.db'}"


def run_one(threads: int, replies: int, latency: float, database_url: str | None, workdir: Path,
            timeout: float = 300.0) -> Burst:
    with Processes(workdir / f"logs-{threads}") as procs:
        fake_url = start_fake(procs, latency)
        url = Config(database_url=_database(database_url, workdir, threads)).validated().database_url
        engine = make_engine(url)
        migrate(engine)  # before the worker starts, so it does not race us to create the schema
        factory = make_sessionmaker(engine)
        env = {**_line_env(fake_url), "DATABASE_URL": url, "DATA_DIR": str(workdir / "data")}
        procs.start("worker", _python("-m", "flask", "--app", "webhook", "worker", "--no-scheduler",
                                      "--senders", str(threads)), env=env, cwd=ROOT)
        wait_until(lambda: "worker started" in procs.log_tail("worker", 50), timeout=120,
                   processes=procs, what="the worker")
        users = [f"U{n:032x}" for n in range(replies)]
        tokens = prepare(fake_url, users, [], b"", "application/octet-stream", ttl=600)
        before = stats(fake_url)
        with transaction(factory) as session:
            queued = utcnow()
            for n, (to, token) in enumerate(zip(users, tokens, strict=True)):
                outbox.reply(session, token, to, [{"type": "text", "text": f"รับเรื่องที่ {n} แล้วค่ะ"}],
                             event_time=queued, window_seconds=WINDOW_SECONDS)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with factory() as session:
                left = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status.in_(("pending", "sending"))))
            if not left:
                break
            procs.check_alive()
            time.sleep(0.2)
        with factory() as session:
            rows = session.scalars(select(OutboxMessage)).all()
        after = stats(fake_url)
        engine.dispose()
    done = [(r.finished_at - queued).total_seconds() for r in rows if r.finished_at]
    calls = {k: n - before["by_status"].get(k, 0) for k, n in after["by_status"].items()
             if n - before["by_status"].get(k, 0)}
    return Burst(threads, replies, latency, max(done, default=0.0),
                 statistics.median(done) if done else 0.0,
                 sum(r.sent_via == "reply" for r in rows), sum(r.sent_via == "push" for r in rows),
                 sum(r.finished_at is None for r in rows), calls)


def run_all(threads: list[int], replies: int, latency: float, database_url: str | None,
            workdir: Path, echo=print) -> list[Burst]:
    results = []
    for n in threads:
        burst = run_one(n, replies, latency, database_url, Path(workdir))
        echo(burst.line(), flush=True)
        results.append(burst)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL database the bench owns (emptied before each run)")
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.25, help="seconds every LINE call takes")
    parser.add_argument("--threads", type=int, action="append", help="sender threads (repeatable; default 1 and 8)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that proves the harness works")
    args = parser.parse_args(argv)
    if args.smoke:
        replies, latency, threads = SMOKE["replies"], SMOKE["latency"], SMOKE["threads"]
    else:
        replies, latency, threads = args.replies, args.latency, args.threads or [1, 8]
    print(f"{replies} replies to {replies} users at once; LINE answers in {latency * 1000:.0f} ms; "
          f"database: {'PostgreSQL' if args.database_url else 'SQLite'}")
    print(HEADER)
    with tempfile.TemporaryDirectory() as tmp:
        run_all(threads, replies, latency, args.database_url, Path(tmp))


if __name__ == "__main__":
    main()
