"""How long the webhook takes to acknowledge LINE, and the handler stage to decide, in-process.

Signed bodies go through POST /callback (Flask test client, so no socket time is counted): verify,
record in one INSERT, commit, answer — that is the acknowledgement. Then the handler stage runs
over what was recorded (SDK model, router, handler, outbox rows, one transaction) and is timed on
its own: it no longer delays the answer. Mixed traffic from linked staff: help texts, taps on the
my-items menu, and document uploads that start a draft (category picker + a queued download).

    .venv/bin/python -m bench.webhook_bench [--events 600] [--database-url postgresql://…] [--smoke]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

from bench.load import percentile
from bench.stacks import empty_postgres
from bot.office.orgfile import load
from bot.sandbox.line_fake import FakeLine
from bot.spine.config import Config
from bot.spine.db import transaction
from models import Person
from tests.line_driver import LineDriver, user_id
from webhook import create_app

ROOT = Path(__file__).resolve().parent.parent
SMOKE_EVENTS = 9


def _event(line: LineDriver, key: str, n: int) -> dict:
    kind = n % 3
    if kind == 0:
        return line.text_event(key, "วิธีใช้")
    if kind == 1:
        return line.postback_event(key, "v1/menu?m=mine")
    return line.file_event(key, f"เอกสาร-{n}.pdf", b"%PDF-1.4 bench", "application/pdf")


def _figures(prefix: str, timings: list[float]) -> dict:
    timings = sorted(timings)
    return {f"{prefix}_p50_ms": percentile(timings, 50), f"{prefix}_p95_ms": percentile(timings, 95),
            f"{prefix}_p99_ms": percentile(timings, 99), f"{prefix}_max_ms": timings[-1]}


def run(events: int, database_url: str | None) -> dict:
    if database_url:
        empty_postgres(database_url)
    fake = FakeLine(access_token="bench-token").start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(line_channel_secret="bench-secret", line_channel_access_token="bench-token",
                        line_api_base=fake.url, line_data_api_base=fake.url,
                        database_url=database_url or f"sqlite:///{tmp}/bench.db", data_dir=f"{tmp}/data",
                        public_base_url="https://bench.example", instance_path=tmp).validated()
        app = create_app(config)
        runtime = app.extensions["prakat"]
        with transaction(runtime.factory) as session:
            load(session, (ROOT / "examples" / "office.yaml").read_text(encoding="utf-8"))
            staff = [p.key for p in session.query(Person).all()]
            for person in session.query(Person).all():
                person.line_user_id = user_id(person.key)
        line = LineDriver(app.test_client(), fake, runtime, "bench-secret")
        stage = runtime.stage()
        acks, handled = [], []
        for n in range(events):
            body = line.body(_event(line, staff[n % len(staff)], n))
            started = time.perf_counter()
            response = line.post(raw=body, handle=False)  # the acknowledgement only
            acks.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.data
            started = time.perf_counter()
            assert stage.handle_one(), "the recorded event was not handled"
            handled.append((time.perf_counter() - started) * 1000)
        runtime.stop()
    fake.stop()
    return {"events": events, "database": "postgresql" if database_url else "sqlite",
            **_figures("ack", acks), **_figures("stage", handled)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL database the bench owns: its public schema is emptied first")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_EVENTS} events: the bench works")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    result = run(SMOKE_EVENTS if args.smoke else args.events, args.database_url)
    print(f"$ {shlex.join(['python', '-m', 'bench.webhook_bench', *(sys.argv[1:] if argv is None else argv)])}")
    print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
