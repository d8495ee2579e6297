"""How long the webhook takes to acknowledge LINE (which allows 2 s), through the real code path.

Signed bodies go through POST /callback (Flask test client, so no socket time is counted): verify,
record, decide, write the outbox, commit. Mixed traffic from linked staff: help texts, taps on the
my-items menu, and document uploads that start a draft (category picker + a queued download).

    .venv/bin/python -m bench.webhook_bench [--events 600] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.stacks import empty_postgres
from bot.office.orgfile import load
from bot.sandbox.line_fake import FakeLine
from bot.spine.config import Config
from bot.spine.db import transaction
from models import Person
from tests.line_driver import LineDriver, user_id
from webhook import create_app

ROOT = Path(__file__).resolve().parent.parent


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
        timings = []
        for n in range(events):
            key = staff[n % len(staff)]
            kind = n % 3
            if kind == 0:
                event = line.text_event(key, "วิธีใช้")
            elif kind == 1:
                event = line.postback_event(key, "v1/menu?m=mine")
            else:
                event = line.file_event(key, f"เอกสาร-{n}.pdf", b"%PDF-1.4 bench", "application/pdf")
            body = line.body(event)
            started = time.perf_counter()
            response = line.post(raw=body)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        runtime.stop()
    fake.stop()
    timings.sort()
    return {
        "events": events, "database": "postgresql" if database_url else "sqlite",
        "p50_ms": statistics.median(timings), "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "p99_ms": timings[int(len(timings) * 0.99) - 1], "max_ms": timings[-1],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL database the bench owns: its public schema is emptied first")
    args = parser.parse_args(argv)
    result = run(args.events, args.database_url)
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
