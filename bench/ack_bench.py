"""How fast Prakat acknowledges LINE's webhooks, from outside, as production runs it.

Real processes over loopback: the fake LINE in its own process (every call takes 50 ms), Prakat as
the README says (gunicorn -w 4 + one `flask --app webhook worker`) on SQLite and/or PostgreSQL,
and the signed load from bench/load.py (text 6 : postback 2 : image 1 : follow 1). Loads: 20 and
100 concurrent senders (closed loop), then a fixed 300 events/s (open loop). One Prakat per
database serves every load, warmed up first and settled in between (bench/acks.py). Targets:
at least 1,000 events/s acknowledged; p99 ack at most 30 ms at 300 events/s.

    .venv/bin/python -m bench.ack_bench [--database sqlite] [--database postgresql://…] [--seconds 10]
    .venv/bin/python -m bench.ack_bench --smoke
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

from bench.acks import (
    SMOKE_LOADS,
    WARMUP_BODIES,
    Load,
    Row,
    full_loads,
    notes,
    run_prakat,
    settle,
    verdict,
    warm_up,
)
from bench.procs import stop_on_sigterm
from bench.stacks import prakat_stack

LATENCY = 0.05
TARGET_EVENTS_PER_S = 1000.0
TARGET_P99_MS = 30.0
TARGET_RATE = 300.0


def run_all(loads: list[Load], databases: list[str | None], workdir: Path, *, workers: int = 4,
            warmup: int | None = None, worker: bool = True, echo=print) -> list[Row]:
    """Every load on a fresh Prakat per database (None: SQLite)."""
    rows: list[Row] = []
    for n, database in enumerate(databases):
        with prakat_stack(workdir / f"db-{n}", database, LATENCY, workers=workers, worker=worker) as stack:
            warm_up(stack.prakat, stack.fake_url, stack.users, WARMUP_BODIES if warmup is None else warmup)
            settle(stack)
            run_prakat(stack, loads, [LATENCY], rows, echo=echo)
    return rows


def table(rows: list[Row]) -> str:
    head = (f"{'database':>10} {'load':>12} {'events/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
            f"{'late>2s':>8} {'errors':>7} {'gen cpu':>8} {'stage ev/s':>11}")
    lines = [head, "-" * len(head)]
    for row in rows:
        s = row.summary
        stage = row.handled / s["seconds"] if row.handled is not None and s["seconds"] else 0.0
        lines.append(f"{row.database:>10} {row.load.label:>12} {s['events_per_s']:>9.1f} {s['p50_ms']:>8.1f} "
                     f"{s['p90_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['late']:>8} {s['errors']:>7} "
                     f"{s['gen_cpu_core']:>7.0%} {stage:>11.1f}")
    return "\n".join(lines)


def targets(rows: list[Row]) -> list[str]:
    out = []
    for database in dict.fromkeys(r.database for r in rows):
        mine = [r for r in rows if r.database == database]
        closed = [r for r in mine if r.load.kind == "closed"]
        if closed:
            best = max(r.summary["events_per_s"] for r in closed)
            out.append(verdict(best >= TARGET_EVENTS_PER_S,
                               f"{database}: {best:.0f} events/s acknowledged (target ≥ {TARGET_EVENTS_PER_S:.0f})"))
        for r in mine:
            if r.load.kind == "open" and r.load.amount == TARGET_RATE:
                p99 = r.summary["p99_ms"]
                out.append(verdict(p99 <= TARGET_P99_MS and not r.summary["errors"],
                                   f"{database}: p99 ack {p99:.1f} ms at {TARGET_RATE:g} events/s "
                                   f"(target ≤ {TARGET_P99_MS:g} ms)"))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", action="append",
                        help="`sqlite` (a new file) or a PostgreSQL URL the bench owns (its public schema "
                             "is dropped); repeatable; default sqlite")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each load sends")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (production: 4)")
    parser.add_argument("--no-worker", action="store_true",
                        help="diagnosis: the web tier alone, no handler stage sharing the machine")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that proves the harness works")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    databases = [None if d == "sqlite" else d for d in (args.database or ["sqlite"])]
    loads = SMOKE_LOADS if args.smoke else full_loads(args.seconds)
    stop_on_sigterm()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ack-bench-") as workdir:
        rows = run_all(loads, databases, Path(workdir), workers=args.workers, warmup=20 if args.smoke else None,
                       worker=not args.no_worker)
    print(f"\n$ {shlex.join(['python', '-m', 'bench.ack_bench', *argv])}   ({time.monotonic() - started:.0f} s; "
          f"fake LINE {LATENCY * 1000:.0f} ms a call{'; NO handler stage running' if args.no_worker else ''})")
    print(table(rows))
    print("\n".join(targets(rows)) if not args.smoke else "(a smoke run: no target judged)")
    print(notes(rows))


if __name__ == "__main__":
    main()
