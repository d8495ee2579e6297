"""Prakat against a kitchen-sink-style bot (LINE called inside the request), the same load, one run.

Real processes over loopback: the fake LINE in its own process (every call takes 50 ms, then 3 s),
Prakat as in production (gunicorn -w 4 + one flask worker) and bench/baseline_bot.py under the same
gunicorn settings. Loads: 20 and 100 concurrent senders, then a fixed 300 events/s, each at both
latencies. Prakat serves every load from one start (settled in between, bench/acks.py); the
baseline is restarted for each load, because its workers go on serving requests the last load
gave up on (at 3 s a call, for minutes). Targets: Prakat's p99 ack at least 10× below the
baseline's with LINE at 50 ms; none of Prakat's acks over 2 s with LINE at 3 s.

    .venv/bin/python -m bench.versus_bench [--database postgresql://…] [--seconds 10] [--smoke]
"""

from __future__ import annotations

import argparse
import itertools
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
    send,
    settle,
    verdict,
    warm_up,
)
from bench.load import LATE_SECONDS
from bench.procs import Processes, stop_on_sigterm
from bench.stacks import prakat_stack, start_baseline, start_fake

LATENCIES = [0.05, 3.0]
SMOKE_LATENCIES = [0.05]
TARGET_RATIO = 10.0
FAST, SLOW = 0.05, 3.0


def run_baseline(loads: list[Load], latencies: list[float], fake_url: str, users: list[str], workdir: Path, *,
                 workers: int = 4, warmup: int = WARMUP_BODIES, echo=print) -> list[Row]:
    """Every (latency, load) against the baseline, a fresh one for each."""
    rows = []
    for n, (latency, load) in enumerate(itertools.product(latencies, loads)):
        with Processes(workdir / f"baseline-{n}") as procs:
            baseline = start_baseline(procs, fake_url, workdir / f"baseline-{n}", workers)
            warm_up(baseline, fake_url, users, min(warmup, 20))
            echo(f"-- {baseline.name}: fake LINE {latency:g} s, {load.label}", flush=True)
            rows.append(send(baseline, latency, load, fake_url, users))
            procs.check_alive()
    return rows


def run_all(loads: list[Load], latencies: list[float], database_url: str | None, workdir: Path, *,
            workers: int = 4, warmup: int = WARMUP_BODIES, echo=print) -> list[Row]:
    """Prakat first, one stack for every load; then the baseline, restarted for each load."""
    rows: list[Row] = []
    with Processes(workdir / "fake") as procs:
        fake_url = start_fake(procs, latencies[0])
        with prakat_stack(workdir / "prakat", database_url, fake_url=fake_url, workers=workers) as stack:
            warm_up(stack.prakat, fake_url, stack.users, warmup)
            settle(stack)
            run_prakat(stack, loads, latencies, rows, echo=echo)
        rows += run_baseline(loads, latencies, fake_url, stack.users, workdir, workers=workers, warmup=warmup,
                             echo=echo)
    return in_order(rows, loads, latencies)


def in_order(rows: list[Row], loads: list[Load], latencies: list[float]) -> list[Row]:
    return sorted(rows, key=lambda r: (latencies.index(r.latency), loads.index(r.load), r.bot != "prakat"))


def _pairs(rows: list[Row]):
    by_key = {(r.latency, r.load, r.bot): r for r in rows}
    for r in rows:
        if r.bot == "prakat":
            yield r, by_key.get((r.latency, r.load, "baseline"))


def table(rows: list[Row]) -> str:
    """One line per (fake latency, load): each figure as Prakat | baseline, then baseline p99 / Prakat p99."""
    head = (f"{'LINE':>6} {'load':>12} {'events/s':>15} {'p50 ms':>17} {'p90 ms':>17} {'p99 ms':>17} "
            f"{'late>2s':>11} {'errors':>11}  p99 ratio")
    lines = [head, "-" * len(head)]

    def both(key, prakat, baseline, fmt):
        other = format(baseline.summary[key], fmt) if baseline else "-"
        return f"{format(prakat.summary[key], fmt)} | {other}"

    for prakat, baseline in _pairs(rows):
        ratio = ""
        if baseline and prakat.summary["p99_ms"]:
            ratio = f"{baseline.summary['p99_ms'] / prakat.summary['p99_ms']:.1f}x"
        lines.append(f"{prakat.latency * 1000:>4.0f}ms {prakat.load.label:>12} "
                     f"{both('events_per_s', prakat, baseline, '.1f'):>15} {both('p50_ms', prakat, baseline, '.1f'):>17} "
                     f"{both('p90_ms', prakat, baseline, '.1f'):>17} {both('p99_ms', prakat, baseline, '.1f'):>17} "
                     f"{both('late', prakat, baseline, 'd'):>11} {both('errors', prakat, baseline, 'd'):>11}  {ratio}")
    return "\n".join(lines)


def targets(rows: list[Row]) -> list[str]:
    out = []
    for prakat, baseline in _pairs(rows):
        s = prakat.summary
        if prakat.latency == FAST and baseline:
            ratio = baseline.summary["p99_ms"] / s["p99_ms"] if s["p99_ms"] else 0.0
            out.append(verdict(ratio >= TARGET_RATIO, f"LINE 50 ms, {prakat.load.label}: baseline p99 / Prakat "
                                                      f"p99 = {ratio:.1f}x (target ≥ {TARGET_RATIO:g}x)"))
        if prakat.latency == SLOW:
            over = s["late"] + s["errors"]
            out.append(verdict(over == 0, f"LINE 3 s, {prakat.load.label}: {over} Prakat acks over "
                                          f"{LATE_SECONDS:g} s or unanswered (target 0)"))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="a PostgreSQL URL the bench owns (its public schema is dropped); "
                                           "default: a new SQLite file")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each load sends")
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds each fake LINE call takes (repeatable; default 0.05 and 3)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of each bot (production: 4)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that proves the harness works")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    database = None if args.database in (None, "sqlite") else args.database
    loads = SMOKE_LOADS if args.smoke else full_loads(args.seconds)
    latencies = args.latency or (SMOKE_LATENCIES if args.smoke else LATENCIES)
    stop_on_sigterm()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="versus-bench-") as workdir:
        rows = run_all(loads, latencies, database, Path(workdir), workers=args.workers,
                       warmup=20 if args.smoke else WARMUP_BODIES)
    print(f"\n$ {shlex.join(['python', '-m', 'bench.versus_bench', *argv])}   ({time.monotonic() - started:.0f} s, "
          f"{'PostgreSQL' if database else 'SQLite'}; each cell Prakat | baseline)")
    print(table(rows))
    print("\n".join(targets(rows)) if not args.smoke else "(a smoke run: no target judged)")
    print(notes(rows))


if __name__ == "__main__":
    main()
